import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import HummingbirdTesting
import LvzhiServe
import Testing

/// The package root, found from this file's location.
let packageRoot: String = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/")

/// A console over a fresh data folder, the repository's Rules/ and Samples/, with three
/// accounts: clerk (工作人员), chief (审核人), admin (管理员).
final class ConsoleFixture: Sendable {
    let dir: String
    let console: Console

    static let password = "correct-horse-1"
    static let runTime = "2025-12-31T09:00:00+08:00"

    init(rulesDir: String = packageRoot + "/Rules", maxUploadBytes: Int = 8 << 20, maxUploadFiles: Int = 5,
         configure: (inout ConsoleConfig) -> Void = { _ in }) throws {
        setenv("LVZHI_BCRYPT_COST", "4", 1)
        dir = NSTemporaryDirectory() + "lvzhi-console-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var config = ConsoleConfig(dataDir: dir + "/data", rulesDir: rulesDir, exportsDir: packageRoot + "/Samples")
        config.runTime = Self.runTime
        config.maxUploadBytes = maxUploadBytes
        config.maxUploadFiles = maxUploadFiles
        config.port = 0
        configure(&config)
        console = try Console(config: config)
        try console.store.setAccount(name: "clerk", role: .staff, password: Self.password)
        try console.store.setAccount(name: "chief", role: .reviewer, password: Self.password)
        try console.store.setAccount(name: "admin", role: .admin, password: Self.password)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    /// Runs `body` against the console's router (no socket).
    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: console.router())
        try await app.test(.router) { client in try await body(client) }
    }

    /// Runs `body` against the console's own application (its server configuration: idle
    /// timeout) on a loopback port.
    func live(_ body: @escaping @Sendable (any TestClientProtocol, Int) async throws -> Void) async throws {
        try await console.application().test(.live) { client in try await body(client, try #require(client.port)) }
    }
}

/// A signed-in browser: its session cookie and the CSRF token of its pages.
struct Browser: Sendable {
    var cookie: String
    var csrf: String

    var headers: HTTPFields { [.cookie: cookie] }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var location: String? { headers[.location] }
    /// `Set-Cookie` values by cookie name.
    var cookies: [String: String] {
        var out: [String: String] = [:]
        for v in headers[values: .setCookie] {
            let first = v.split(separator: ";")[0]
            let kv = first.split(separator: "=", maxSplits: 1)
            out[String(kv[0])] = kv.count > 1 ? String(kv[1]) : ""
        }
        return out
    }
}

/// The value of `<input type="hidden" name="_csrf" value="…">` in a page.
func csrfToken(in html: String) -> String? {
    guard let r = html.range(of: "name=\"_csrf\" value=\"") else { return nil }
    let rest = html[r.upperBound...]
    return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
}

func form(_ fields: [(String, String)]) -> ByteBuffer {
    let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
    return ByteBuffer(string: fields.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&"))
}

let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

func merged(_ a: HTTPFields, _ b: HTTPFields) -> HTTPFields {
    var out = a
    for f in b { out.append(f) }
    return out
}

/// Signs in through the login form; fails the test when that does not work.
func signIn(_ client: any TestClientProtocol, as account: String, password: String = ConsoleFixture.password) async throws -> Browser {
    let page = try await client.execute(uri: "/login", method: .get)
    let token = try #require(csrfToken(in: page.text))
    let loginCookie = try #require(page.cookies["lvzhi_login"])
    let r = try await client.execute(uri: "/login", method: .post,
                                     headers: merged(formHeaders, [.cookie: "lvzhi_login=\(loginCookie)"]),
                                     body: form([("_csrf", token), ("account", account), ("password", password)]))
    #expect(r.status == .seeOther, "sign-in as \(account): \(r.status) \(r.text.prefix(300))")
    let session = try #require(r.cookies["lvzhi_session"])
    let home = try await client.execute(uri: "/", method: .get, headers: [.cookie: "lvzhi_session=\(session)"])
    let csrf = try #require(csrfToken(in: home.text))
    return Browser(cookie: "lvzhi_session=\(session)", csrf: csrf)
}

/// A multipart/form-data body.
struct MultipartBody {
    let boundary = "----lvzhi" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
    var parts: [(name: String, filename: String?, data: Data)] = []

    mutating func field(_ name: String, _ value: String) { parts.append((name, nil, Data(value.utf8))) }
    mutating func file(_ name: String, filename: String, _ data: Data) { parts.append((name, filename, data)) }

    var headers: HTTPFields { [.contentType: "multipart/form-data; boundary=\(boundary)"] }
    var buffer: ByteBuffer {
        var d = Data()
        for p in parts {
            d.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(p.name)\"".utf8))
            if let f = p.filename { d.append(Data("; filename=\"\(f)\"\r\nContent-Type: application/octet-stream".utf8)) }
            d.append(Data("\r\n\r\n".utf8))
            d.append(p.data)
            d.append(Data("\r\n".utf8))
        }
        d.append(Data("--\(boundary)--\r\n".utf8))
        return ByteBuffer(bytes: d)
    }
}

/// The 评分 form for Samples/ picked from the exports folder.
func samplesScoring(csrf: String) -> MultipartBody {
    var m = MultipartBody()
    m.field("_csrf", csrf)
    m.field("rules", "fengjie.yaml")
    m.field("members", "members.csv")
    for a in ["activities/activities.xml", "activities/meetings.csv", "activities/opinions.xml", "activities/proposals.csv"] {
        m.field("activities", a)
    }
    return m
}

/// Follows a scoring's progress page (`/jobs/ID`, reloading itself) until it shows something
/// else: the redirect to the recorded run, or the failure.
func settle(_ client: any TestClientProtocol, _ r: TestResponse, headers: HTTPFields) async throws -> TestResponse {
    guard let l = r.location, l.hasPrefix("/jobs/") else { return r }
    for _ in 0..<1200 {
        let p = try await client.execute(uri: l, method: .get, headers: headers)
        if !(p.status == .ok && p.text.contains("id=\"progress\"")) { return p }
        try await Task.sleep(for: .milliseconds(100))
    }
    Issue.record("the scoring at \(l) did not finish in two minutes")
    return r
}

/// The run id in a `/runs/N` redirect.
func runID(_ r: TestResponse) -> Int64? {
    guard let l = r.location, l.hasPrefix("/runs/") else { return nil }
    return Int64(l.dropFirst("/runs/".count))
}

/// A raw HTTP/1.1 exchange on 127.0.0.1:`port`: sends `bytes` (headers and perhaps part of a
/// body, never finished) and reads what comes back for at most `wait` seconds, on a thread of
/// its own (the blocking socket must not hold one of the few threads the server's handlers need).
/// - Returns: what was read, and whether the server closed the connection in that time.
func rawExchange(port: Int, send bytes: [UInt8], wait: Int, stopAtHead: Bool = false) async throws -> (text: String, closed: Bool) {
    try await withCheckedThrowingContinuation { c in
        Thread.detachNewThread {
            c.resume(with: Result { try blockingExchange(port: port, send: bytes, wait: wait, stopAtHead: stopAtHead) })
        }
    }
}

private func blockingExchange(port: Int, send bytes: [UInt8], wait: Int, stopAtHead: Bool) throws -> (text: String, closed: Bool) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    var timeout = timeval(tv_sec: wait, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var sent = 0
    while sent < bytes.count {
        let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n <= 0 { break }
        sent += n
    }
    var received: [UInt8] = []
    let deadline = Date().addingTimeInterval(TimeInterval(wait))
    var buffer = [UInt8](repeating: 0, count: 65536)
    while Date() < deadline {
        let n = recv(fd, &buffer, buffer.count, 0)
        if n == 0 { return (String(decoding: received, as: UTF8.self), true) }
        if n < 0 { return (String(decoding: received, as: UTF8.self), errno == ECONNRESET) }
        received += buffer[0..<n]
        if stopAtHead, String(decoding: received, as: UTF8.self).contains("\r\n\r\n") { break }
    }
    return (String(decoding: received, as: UTF8.self), false)
}
