import Foundation
import LvzhiCore

/// 128 random bits or more as hex (session ids, CSRF tokens, upload names).
func randomToken(bytes: Int = 32) -> String {
    var g = SystemRandomNumberGenerator()
    return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
}

/// Compares two secrets in time that does not depend on where they differ.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var d: UInt8 = 0
    for i in x.indices { d |= x[i] ^ y[i] }
    return d == 0
}

/// A signed-in person.
public struct ConsoleSession: Sendable {
    public var id: String
    public var account: String
    public var role: ConsoleRole
    /// The token every state-changing form of this session carries.
    public var csrf: String
    public var expires: Date
    /// The account's language; nil: the console's.
    public var lang: Language? = nil
}

/// Sessions in memory: a restart signs everyone out, which is what an office console wants.
actor SessionStore {
    private var sessions: [String: ConsoleSession] = [:]
    let lifetime: TimeInterval

    init(lifetime: TimeInterval = 8 * 3600) { self.lifetime = lifetime }

    func create(account: String, role: ConsoleRole, lang: Language? = nil) -> ConsoleSession {
        let s = ConsoleSession(id: randomToken(), account: account, role: role, csrf: randomToken(), expires: Date().addingTimeInterval(lifetime), lang: lang)
        sessions[s.id] = s
        return s
    }

    func find(_ id: String) -> ConsoleSession? {
        guard let s = sessions[id] else { return nil }
        if s.expires < Date() {
            sessions[id] = nil
            return nil
        }
        return s
    }

    func remove(_ id: String) { sessions[id] = nil }

    func setLanguage(_ id: String, _ lang: Language) { sessions[id]?.lang = lang }
}

/// Failed sign-ins per account name: after `limit` failures within `window`, the name is
/// refused (HTTP 429) until the window has passed, whatever the password.
actor LoginLimiter {
    private var failures: [String: [Date]] = [:]
    let limit: Int
    let window: TimeInterval

    init(limit: Int = 5, window: TimeInterval = 15 * 60) {
        self.limit = limit
        self.window = window
    }

    func isBlocked(_ key: String) -> Bool {
        let now = Date()
        let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
        failures[key] = recent
        return recent.count >= limit
    }

    func fail(_ key: String) { failures[key, default: []].append(Date()) }
    func succeed(_ key: String) { failures[key] = nil }
}
