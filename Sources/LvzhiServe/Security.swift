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
    /// The account's credential when the session began (a digest of its password hash):
    /// when `--add-account` changes the password, the session ends.
    var credential: String = ""
}

/// Sessions in memory: a restart signs everyone out, which is what an office console wants.
actor SessionStore {
    private var sessions: [String: ConsoleSession] = [:]
    let lifetime: TimeInterval

    init(lifetime: TimeInterval = 8 * 3600) { self.lifetime = lifetime }

    func create(account: String, role: ConsoleRole, lang: Language? = nil, credential: String = "") -> ConsoleSession {
        let s = ConsoleSession(id: randomToken(), account: account, role: role, csrf: randomToken(), expires: Date().addingTimeInterval(lifetime),
                               lang: lang, credential: credential)
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

    func setRole(_ id: String, _ role: ConsoleRole) { sessions[id]?.role = role }
}

/// Failed sign-ins per account name: after `limit` failures within `window`, the name is
/// refused (HTTP 429) until the window has passed, whatever the password.
///
/// An attempt is counted before the password is checked (``reserve(_:now:)``), in one step
/// with the test of the limit: guesses sent in parallel cannot all pass the test while the
/// slow bcrypt checks of the earlier ones are still running. A sign-in that succeeds clears
/// the name. Names whose attempts are all older than the window are forgotten.
actor LoginLimiter {
    private var failures: [String: [Date]] = [:]
    private var calls = 0
    let limit: Int
    let window: TimeInterval

    init(limit: Int = 5, window: TimeInterval = 15 * 60) {
        self.limit = limit
        self.window = window
    }

    /// The key of a typed account name: as typed (account names are matched exactly, so folding
    /// case let one account's sign-in clear another's count), at most 64 Unicode scalars (the
    /// longest valid name; not characters, which combining marks make unbounded), so that
    /// made-up long names cannot grow the table.
    static func key(_ name: String) -> String { String(String.UnicodeScalarView(name.unicodeScalars.prefix(64))) }

    /// Counts an attempt for `key` unless the limit is reached.
    /// - Returns: false when the name is blocked (nothing counted).
    func reserve(_ key: String, now: Date = Date()) -> Bool {
        calls += 1
        if calls % 256 == 0 || failures.count > 4096 { purge(now: now) }
        let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
        guard recent.count < limit else {
            failures[key] = recent
            return false
        }
        failures[key] = recent + [now]
        return true
    }

    /// The sign-in succeeded: its attempt and the name's earlier failures are forgotten.
    func succeed(_ key: String) { failures[key] = nil }

    /// Forgets every name with no attempt inside the window.
    func purge(now: Date = Date()) {
        failures = failures.compactMapValues { dates in
            let recent = dates.filter { now.timeIntervalSince($0) < window }
            return recent.isEmpty ? nil : recent
        }
    }

    /// How many names are remembered (for tests).
    var trackedNames: Int { failures.count }
}

/// A fixed number of slots taken without waiting (concurrent uploads).
final class Slots: Sendable {
    private let used = Mutex(0)
    let capacity: Int

    init(_ capacity: Int) { self.capacity = capacity }

    /// Takes a slot; false when all are taken.
    func acquire() -> Bool {
        used.withLock { n in
            guard n < capacity else { return false }
            n += 1
            return true
        }
    }
    func release() { used.withLock { $0 -= 1 } }
    var inUse: Int { used.withLock { $0 } }
}

/// Audit rows for failures nobody signed in caused (wrong sign-ins, made-up member links):
/// the first `perMinute` of a kind in a minute are written as they come, the rest are counted
/// and written as one summary row, so that a flood cannot push real entries out of sight.
final class AuditThrottle: Sendable {
    struct Window: Sendable {
        var start: Date
        var written: Int
        var left: Int
    }

    private let windows = Mutex<[String: Window]>([:])
    let perMinute: Int

    init(perMinute: Int = 10) { self.perMinute = perMinute }

    /// Whether a row of `kind` is written now, and how many of the kind were left out in the
    /// minute before (to be written first as a summary).
    func admit(_ kind: String, now: Date = Date()) -> (write: Bool, leftOut: Int) {
        windows.withLock { w in
            guard let current = w[kind], now.timeIntervalSince(current.start) < 60 else {
                let left = w[kind]?.left ?? 0
                w[kind] = Window(start: now, written: 1, left: 0)
                return (true, left)
            }
            if current.written < perMinute {
                w[kind]!.written += 1
                return (true, 0)
            }
            w[kind]!.left += 1
            return (false, 0)
        }
    }

    /// The counts not yet summarised, by kind (they are then forgotten).
    func drain() -> [(kind: String, leftOut: Int)] {
        windows.withLock { w in
            var out: [(String, Int)] = []
            for (k, v) in w where v.left > 0 {
                out.append((k, v.left))
                w[k]!.left = 0
            }
            return out.sorted { $0.0 < $1.0 }
        }
    }
}
