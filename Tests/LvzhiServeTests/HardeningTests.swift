import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import LvzhiApp
import LvzhiHistory
@testable import LvzhiServe
import Testing

/// The findings of the security review of the console (sign-in, sessions, request bodies,
/// audit growth, error pages), each with the case that showed it.
@Suite struct ConsoleHardeningTests {
    /// A sign-in attempt from a fresh sign-in form.
    static func tryLogin(_ client: any TestClientProtocol, account: String, password: String) async throws -> TestResponse {
        let page = try await client.execute(uri: "/login", method: .get)
        let token = try #require(csrfToken(in: page.text))
        let cookie = try #require(page.cookies["lvzhi_login"])
        return try await client.execute(uri: "/login", method: .post, headers: merged(formHeaders, [.cookie: "lvzhi_login=\(cookie)"]),
                                        body: form([("_csrf", token), ("account", account), ("password", password)]))
    }

    // MARK: 1. Unknown names cost as much as real ones

    /// The hash checked for a name that does not exist has the work factor of real hashes
    /// (it was cost 4 against 12, and the difference told which names exist).
    @Test func dummyHashHasTheRealWorkFactor() throws {
        let dir = NSTemporaryDirectory() + "lvzhi-cost-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try ConsoleStore(path: dir + "/h.sqlite", bcryptCost: 6)
        try store.setAccount(name: "clerk", role: .staff, password: "correct-horse-1")
        let real = try #require(try DatabaseQueue(path: dir + "/h.sqlite").read { db in
            try String.fetchOne(db, sql: "SELECT password_hash FROM console_account WHERE name = 'clerk'")
        })
        #expect(ConsoleStore.cost(ofHash: real) == 6)
        #expect(ConsoleStore.cost(ofHash: store.dummyHash) == 6)
        #expect(try store.verify(name: "nobody", password: "correct-horse-1") == nil)
        #expect(try store.verify(name: "clerk", password: "correct-horse-1") == .staff)
    }

    // MARK: 2. Parallel guesses

    /// Ten wrong passwords sent at once: five are checked (401), the rest refused (429), and
    /// then the right password is refused too until the window passes.
    @Test func parallelGuessesStopAtTheLimit() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for i in 0..<10 {
                    group.addTask { try await Self.tryLogin(client, account: "chief", password: "wrong-\(i)").status }
                }
                var out: [HTTPResponse.Status] = []
                for try await s in group { out.append(s) }
                return out
            }
            #expect(statuses.filter { $0 == .unauthorized }.count == 5, "\(statuses)")
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 5, "\(statuses)")
            let right = try await Self.tryLogin(client, account: "chief", password: ConsoleFixture.password)
            #expect(right.status == .tooManyRequests)
            // Account names match exactly: `CHIEF` is another (unknown) name with its own count,
            // and no guess on it can sign in as `chief`.
            let upper = try await Self.tryLogin(client, account: "CHIEF", password: ConsoleFixture.password)
            #expect(upper.status == .unauthorized)
        }
    }

    /// A success clears the name's count; names with nothing recent are forgotten, and a long
    /// made-up name is remembered by its first 64 characters only.
    @Test func limiterForgetsOldNames() async throws {
        let limiter = LoginLimiter(limit: 2, window: 60)
        let t0 = Date()
        #expect(await limiter.reserve("a", now: t0))
        #expect(await limiter.reserve("a", now: t0))
        #expect(!(await limiter.reserve("a", now: t0)))
        await limiter.succeed("a")
        #expect(await limiter.reserve("a", now: t0))
        for i in 0..<100 { _ = await limiter.reserve("name-\(i)", now: t0) }
        #expect(await limiter.trackedNames == 101)
        await limiter.purge(now: t0.addingTimeInterval(61))
        #expect(await limiter.trackedNames == 0)
        #expect(LoginLimiter.key(String(repeating: "X", count: 60_000)).count == 64)
        // Combining marks make one character of any length: the key is cut by scalars.
        let marks = "a" + String(repeating: "\u{301}", count: 20_000)
        #expect(LoginLimiter.key(marks).unicodeScalars.count == 64 && LoginLimiter.key(marks).utf8.count < 200)
        // Account names match exactly, so the limiter does not fold case: `Admin`'s sign-in
        // must not clear `admin`'s count.
        #expect(LoginLimiter.key("Admin") != LoginLimiter.key("admin"))
    }

    // MARK: 3. Sessions follow the account

    /// `--add-account NAME` with a new password ends the account's sessions at once.
    @Test func newPasswordEndsSessions() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            let b = try await signIn(client, as: "admin")
            #expect(try await client.execute(uri: "/audit", method: .get, headers: b.headers).status == .ok)
            try f.console.store.setAccount(name: "admin", role: .reviewer, password: "another-password-2")
            let after = try await client.execute(uri: "/audit", method: .get, headers: b.headers)
            #expect(after.status == .seeOther)
            #expect(after.location == "/login")
            let score = try await client.execute(uri: "/score", method: .get, headers: b.headers)
            #expect(score.location == "/login")
            _ = try await signIn(client, as: "admin", password: "another-password-2")
        }
        #expect(try f.console.store.auditLog().contains { $0.action == "session" && !$0.ok && $0.account == "admin" })
    }

    /// A role changed in the database applies to a running session at the next request.
    @Test func newRoleAppliesAtOnce() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            let b = try await signIn(client, as: "admin")
            #expect(try await client.execute(uri: "/audit", method: .get, headers: b.headers).status == .ok)
            try await DatabaseQueue(path: f.console.config.historyPath).write { db in
                try db.execute(sql: "UPDATE console_account SET role = 'reviewer' WHERE name = 'admin'")
            }
            let audit = try await client.execute(uri: "/audit", method: .get, headers: b.headers)
            #expect(audit.status == .forbidden)
            #expect(try await client.execute(uri: "/score", method: .get, headers: b.headers).status == .forbidden)
            #expect(try await client.execute(uri: "/", method: .get, headers: b.headers).text.contains("审核人"))
        }
    }

    // MARK: 4. Bodies are read after the session, role and CSRF token are checked

    static func scoreHead(cookie: String?, query: String = "", length: Int = 50_000_000) -> [UInt8] {
        Array(("POST /score\(query) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=xyz\r\n"
            + (cookie.map { "Cookie: \($0)\r\n" } ?? "") + "Content-Length: \(length)\r\n\r\n--xyz\r\n").utf8) + [UInt8](repeating: 65, count: 4096)
    }

    /// A 50 MB 评分 post of which only 4 KB are ever sent is answered at once (the answer does not
    /// wait for the body) when there is no session, the role may not score, or the token in the
    /// form's address is wrong.
    @Test func scorePostAnswersBeforeTheBody() async throws {
        let f = try ConsoleFixture()
        try await f.live { client, port in
            let anonymous = try await rawExchange(port: port, send: Self.scoreHead(cookie: nil), wait: 20, stopAtHead: true)
            #expect(anonymous.text.hasPrefix("HTTP/1.1 303"), "\(anonymous.text.prefix(200))")
            #expect(anonymous.text.contains("location: /login") || anonymous.text.contains("Location: /login"))
            let chief = try await signIn(client, as: "chief")
            let reviewer = try await rawExchange(port: port, send: Self.scoreHead(cookie: chief.cookie, query: "?_csrf=\(chief.csrf)"), wait: 20, stopAtHead: true)
            #expect(reviewer.text.hasPrefix("HTTP/1.1 403"), "\(reviewer.text.prefix(200))")
            let clerk = try await signIn(client, as: "clerk")
            let forged = try await rawExchange(port: port, send: Self.scoreHead(cookie: clerk.cookie, query: "?_csrf=" + String(repeating: "0", count: 64)),
                                         wait: 20, stopAtHead: true)
            #expect(forged.text.hasPrefix("HTTP/1.1 403"), "\(forged.text.prefix(200))")
            // The form carries its token in its address.
            let page = try await client.execute(uri: "/score", method: .get, headers: clerk.headers)
            #expect(page.text.contains("action=\"/score?_csrf=\(clerk.csrf)\""))
        }
        #expect(try f.console.store.auditLog().contains { $0.action == "csrf" && $0.account == "clerk" })
    }

    /// With every upload slot taken, a 评分 post is refused (503, Retry-After) without reading it.
    @Test func concurrentUploadsAreLimited() async throws {
        let f = try ConsoleFixture(configure: { $0.maxConcurrentUploads = 1 })
        try await f.test { client in
            let b = try await signIn(client, as: "clerk")
            #expect(f.console.uploadSlots.acquire())
            let body = samplesScoring(csrf: b.csrf)
            let busy = try await client.execute(uri: "/score?_csrf=\(b.csrf)", method: .post, headers: merged(b.headers, body.headers), body: body.buffer)
            #expect(busy.status == .serviceUnavailable)
            #expect(busy.headers[.retryAfter] != nil)
            #expect(busy.text.contains("同时进行的上传太多"))
            f.console.uploadSlots.release()
            let ok = try await client.execute(uri: "/score?_csrf=\(b.csrf)", method: .post, headers: merged(b.headers, body.headers), body: body.buffer)
            #expect(ok.status == .seeOther)
            #expect(runID(try await settle(client, ok, headers: b.headers)) != nil)
            #expect(f.console.uploadSlots.inUse == 0)
        }
    }

    // MARK: 5. Idle connections are closed

    /// Half-sent headers and a half-sent body: the server closes the connection after the idle
    /// timeout instead of waiting for ever.
    @Test func idleConnectionsAreClosed() async throws {
        let f = try ConsoleFixture(configure: { $0.idleTimeout = 1 })
        try await f.live { _, port in
            let head = try await rawExchange(port: port, send: Array("GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n".utf8), wait: 15)
            #expect(head.closed)
            let body = try await rawExchange(port: port, send: Array(("POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: 1000\r\n\r\naccount=x").utf8), wait: 15)
            #expect(body.closed)
        }
    }

    // MARK: 6. Anonymous requests cannot flood the audit log

    @Test func auditRowsAreCut() throws {
        let f = try ConsoleFixture()
        f.console.store.audit(account: String(repeating: "名", count: 60_000), action: "login", detail: String(repeating: "d", count: 100_000), ok: false)
        let row = try #require(try f.console.store.auditLog(limit: 1).first)
        #expect(row.account.hasPrefix(String(repeating: "名", count: 64) + "…[截断"))
        #expect(row.account.count < 120)
        #expect(row.detail.count < 600 && row.detail.contains("cut, 100000 characters"))
        let marks = "a" + String(repeating: "\u{301}", count: 20_000)
        #expect(ConsoleStore.cut(marks, 64).utf8.count < 300)
    }

    /// Made-up member links and wrong sign-ins: ten rows of each kind a minute, the rest summed
    /// up in one row (written at the latest when the audit log is read).
    @Test func anonymousFailuresAreSummarised() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            for i in 0..<40 {
                let token = String(format: "%032x", i)
                #expect(try await client.execute(uri: "/m/\(token)", method: .get).status == .notFound)
            }
            for i in 0..<15 {
                #expect(try await Self.tryLogin(client, account: "nobody\(i)", password: "x").status == .unauthorized)
            }
            let admin = try await signIn(client, as: "admin")
            let page = try await client.execute(uri: "/audit", method: .get, headers: admin.headers)
            #expect(page.text.contains("30 more failures of this kind left out"))
            #expect(page.text.contains("5 more failures of this kind left out"))
        }
        let log = try f.console.store.auditLog()
        #expect(log.filter { $0.action == "member.view" }.count == 11)
        #expect(log.filter { $0.action == "login" && !$0.ok }.count == 11)
    }

    /// The audit page shows the newest rows first and pages back to the oldest.
    @Test func auditPages() async throws {
        let f = try ConsoleFixture()
        for i in 0..<250 { f.console.store.audit(account: "clerk", action: "test", detail: "row \(i)") }
        try await f.test { client in
            let admin = try await signIn(client, as: "admin")
            let first = try await client.execute(uri: "/audit", method: .get, headers: admin.headers)
            #expect(first.text.contains("row 249"))
            #expect(!first.text.contains(">row 0<"))
            let older = try #require(first.text.range(of: #"/audit\?before=\d+"#, options: .regularExpression).map { String(first.text[$0]) })
            let second = try await client.execute(uri: older, method: .get, headers: admin.headers)
            #expect(second.text.contains(">row 0<"))
            #expect(!second.text.contains("row 249"))
            #expect(second.text.contains("href=\"/audit\""))
        }
    }

    // MARK: 7. Refused bodies get a page

    /// A form over 64 KB is refused with 413 and the message, on every form; a page, not an empty 500.
    @Test func oversizedFormsGetAMessage() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            let big = form([("_csrf", "x"), ("account", String(repeating: "a", count: 70_000))])
            let login = try await client.execute(uri: "/login", method: .post, headers: formHeaders, body: big)
            #expect(login.status == .contentTooLarge)
            #expect(login.text.contains("超过 64 KB 的上限"))
            #expect(login.headers[.contentSecurityPolicy] != nil)
            let clerk = try await signIn(client, as: "clerk")
            let english = try await client.execute(uri: "/runs/1/corrections?lang=en", method: .post, headers: merged(clerk.headers, formHeaders), body: big)
            #expect(english.status == .contentTooLarge)
            #expect(english.text.contains("larger than the 64 KB limit"))
            #expect(english.text.contains("Sign out"), "signed-in navigation")
        }
    }

    /// A broken chunked body: 400 with the message.
    @Test func malformedChunkedBodyGetsAMessage() async throws {
        let f = try ConsoleFixture()
        try await f.live { _, port in
            let r = try await rawExchange(port: port, send: Array(("POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Transfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n").utf8), wait: 15)
            #expect(r.text.hasPrefix("HTTP/1.1 400"), "\(r.text.prefix(300))")
            #expect(r.text.contains("格式有误"))
        }
    }

    // MARK: 8. Path parameters are percent-decoded

    @Test func ruleFileNamesArePercentDecoded() async throws {
        let rules = NSTemporaryDirectory() + "lvzhi-rules-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: rules, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: rules) }
        try FileManager.default.copyItem(atPath: packageRoot + "/Rules/fengjie.yaml", toPath: rules + "/奉节 规则.yaml")
        let f = try ConsoleFixture(rulesDir: rules)
        try await f.test { client in
            let b = try await signIn(client, as: "clerk")
            let list = try await client.execute(uri: "/rules", method: .get, headers: b.headers)
            let encoded = "%E5%A5%89%E8%8A%82%20%E8%A7%84%E5%88%99.yaml"
            #expect(list.text.contains("/rules/\(encoded)"))
            let page = try await client.execute(uri: "/rules/\(encoded)", method: .get, headers: b.headers)
            #expect(page.status == .ok, "\(page.text.prefix(300))")
            #expect(page.text.contains("检查通过"))
            #expect(try await client.execute(uri: "/rules/\(encoded)/render", method: .get, headers: b.headers).status == .ok)
            for bad in ["%ZZ.yaml", "..%2F%E5%A5%89%E8%8A%82%20%E8%A7%84%E5%88%99.yaml", "%2E%2E", "a%00.yaml"] {
                #expect(try await client.execute(uri: "/rules/\(bad)", method: .get, headers: b.headers).status == .notFound, "\(bad)")
            }
        }
    }

    @Test func memberIDsArePercentDecoded() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            let b = try await signIn(client, as: "clerk")
            var m = MultipartBody()
            m.field("_csrf", b.csrf)
            m.field("rules", "fengjie.yaml")
            m.file("members_upload", filename: "m.csv", Data("member_id,name,sector,committee,role,group,party,joined,left,ranked\n委员001,王芳,教育界,,,,,,,是\nM 002,李明,教育界,,,,,,,是\n2025/01,赵强,教育界,,,,,,,是\n".utf8))
            m.file("activities_upload", filename: "a.csv", Data("activity_id,member_id,date,kind,status,role,level,ref,quantity,marks,title\nA0,委员001,2025-01-02,提案,立案,第一提案人,,,1,,t\nA1,M 002,2025-01-02,提案,立案,第一提案人,,,1,,t\nA2,2025/01,2025-01-02,提案,立案,第一提案人,,,1,,t\n".utf8))
            let r = try await client.execute(uri: "/score", method: .post, headers: merged(b.headers, m.headers), body: m.buffer)
            let run = try #require(runID(try await settle(client, r, headers: b.headers)))
            let search = try await client.execute(uri: "/members?run=\(run)&q=%E5%A7%94", method: .get, headers: b.headers)
            #expect(search.text.contains("/runs/\(run)/members/%E5%A7%94%E5%91%98001"))
            let cn = try await client.execute(uri: "/runs/\(run)/members/%E5%A7%94%E5%91%98001", method: .get, headers: b.headers)
            #expect(cn.status == .ok && cn.text.contains("王芳"))
            let space = try await client.execute(uri: "/runs/\(run)/members/M%20002", method: .get, headers: b.headers)
            #expect(space.status == .ok && space.text.contains("李明"))
            // A member id is a value, not a file name: `/` in it is an id like any other.
            let slash = try await client.execute(uri: "/runs/\(run)/members/2025%2F01", method: .get, headers: b.headers)
            #expect(slash.status == .ok && slash.text.contains("赵强"))
        }
    }

    // MARK: 9. A scoring's failure in the starter's language, without server paths

    @Test func scoringFailureInTheStartersLanguage() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            let b = try await signIn(client, as: "clerk")
            _ = try await client.execute(uri: "/language", method: .post, headers: merged(b.headers, formHeaders), body: form([("_csrf", b.csrf), ("lang", "en")]))
            var m = MultipartBody()
            m.field("_csrf", b.csrf)
            m.field("rules", "fengjie.yaml")
            m.file("members_upload", filename: "m.csv", Data("member_id,name\n".utf8))
            m.field("activities", "activities/meetings.csv")
            let r = try await client.execute(uri: "/score", method: .post, headers: merged(b.headers, m.headers), body: m.buffer)
            let page = try await settle(client, r, headers: b.headers)
            let message = try #require(page.text.range(of: #"<pre class="error">[^<]*</pre>"#, options: .regularExpression).map { String(page.text[$0]) })
            #expect(!message.contains(f.dir), "\(message)")
            #expect(!message.contains(packageRoot), "\(message)")
            #expect(message.contains("error") && !message.contains("错误"), "\(message)")
            let status = try await client.execute(uri: r.location! + "/status", method: .get, headers: b.headers)
            #expect(!status.text.contains(f.dir))

            // A run started in English still writes the console's language.
            let ok = samplesScoring(csrf: b.csrf)
            let done = try await client.execute(uri: "/score", method: .post, headers: merged(b.headers, ok.headers), body: ok.buffer)
            let run = try #require(runID(try await settle(client, done, headers: b.headers)))
            let report = try await client.execute(uri: "/runs/\(run)/files/report.html", method: .get, headers: b.headers)
            #expect(report.text.contains("<html lang=\"zh"))
        }
    }

    // MARK: 10. The database is the console user's only

    @Test func databaseIsPrivateInAnExistingFolder() throws {
        let dir = NSTemporaryDirectory() + "lvzhi-perm-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let old = umask(0o022)
        defer { umask(old) }
        let console = try Console(config: ConsoleConfig(dataDir: dir, rulesDir: packageRoot + "/Rules"))
        try console.store.setAccount(name: "clerk", role: .staff, password: "correct-horse-1")
        let path = console.config.historyPath
        for file in [path, path + "-journal", path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
            #expect(mode == 0o600, "\(file): \(String(mode, radix: 8))")
        }
        #expect(console.warnings.count == 1)
    }

    // MARK: 11. Refused forms leave no uploads

    @Test func refusedFormsStoreNothing() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            let b = try await signIn(client, as: "clerk")
            let roster = try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/Samples/members.csv"))
            var badPeriod = MultipartBody()
            badPeriod.field("_csrf", b.csrf)
            badPeriod.field("rules", "fengjie.yaml")
            badPeriod.file("members_upload", filename: "m.csv", roster)
            badPeriod.field("activities", "activities/meetings.csv")
            badPeriod.field("period", "not-a-period")
            #expect(try await client.execute(uri: "/score", method: .post, headers: merged(b.headers, badPeriod.headers), body: badPeriod.buffer).status == .badRequest)
            var noActivities = MultipartBody()
            noActivities.field("_csrf", b.csrf)
            noActivities.field("rules", "fengjie.yaml")
            noActivities.file("members_upload", filename: "m.csv", roster)
            #expect(try await client.execute(uri: "/score", method: .post, headers: merged(b.headers, noActivities.headers), body: noActivities.buffer).status == .badRequest)
            var badExtension = MultipartBody()
            badExtension.field("_csrf", b.csrf)
            badExtension.field("rules", "fengjie.yaml")
            badExtension.file("members_upload", filename: "m.csv", roster)
            badExtension.file("activities_upload", filename: "a.exe", roster)
            #expect(try await client.execute(uri: "/score", method: .post, headers: merged(b.headers, badExtension.headers), body: badExtension.buffer).status == .badRequest)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.dir + "/data/uploads").isEmpty)
    }

    // MARK: 13. Cookies, error pages, outputs

    @Test func secureCookies() async throws {
        let plain = try ConsoleFixture()
        try await plain.test { client in
            let page = try await client.execute(uri: "/login", method: .get)
            #expect(!(page.headers[values: .setCookie].first ?? "").contains("Secure"))
            let proxied = try await client.execute(uri: "/login", method: .get, headers: [.init("X-Forwarded-Proto")!: "https"])
            #expect((proxied.headers[values: .setCookie].first ?? "").contains("Secure"))
        }
        let secure = try ConsoleFixture(configure: { $0.secureCookies = true })
        try await secure.test { client in
            let page = try await client.execute(uri: "/login", method: .get)
            let token = try #require(csrfToken(in: page.text))
            let cookie = try #require(page.cookies["lvzhi_login"])
            #expect((page.headers[values: .setCookie].first ?? "").contains("Secure"))
            let r = try await client.execute(uri: "/login", method: .post, headers: merged(formHeaders, [.cookie: "lvzhi_login=\(cookie)"]),
                                             body: form([("_csrf", token), ("account", "clerk"), ("password", ConsoleFixture.password)]))
            #expect(try #require(r.headers[values: .setCookie].first { $0.hasPrefix("lvzhi_session=") }).contains("Secure"))
        }
    }

    /// report.html and the member pages hold no script, and are served so that none could run.
    @Test func outputsAreServedWithoutScript() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            let b = try await signIn(client, as: "clerk")
            let body = samplesScoring(csrf: b.csrf)
            let r = try await client.execute(uri: "/score", method: .post, headers: merged(b.headers, body.headers), body: body.buffer)
            let run = try #require(runID(try await settle(client, r, headers: b.headers)))
            let index = try await client.execute(uri: "/runs/\(run)/files/members/index.html", method: .get, headers: b.headers)
            let page = try #require(index.text.range(of: ##"href="[^"#/]+\.html""##, options: .regularExpression).map { String(index.text[$0].dropFirst(6).dropLast()) })
            for uri in ["/runs/\(run)/files/report.html", "/runs/\(run)/files/members/index.html", "/runs/\(run)/files/members/\(page)"] {
                let file = try await client.execute(uri: uri, method: .get, headers: b.headers)
                #expect(file.status == .ok, "\(uri)")
                #expect(!file.text.lowercased().contains("<script"), "\(uri)")
                let csp = try #require(file.headers[.contentSecurityPolicy])
                #expect(!csp.contains("script-src") && csp.contains("default-src 'none'"), "\(uri)")
                #expect(file.headers[.init("Referrer-Policy")!] == "no-referrer", "\(uri)")
            }
        }
    }

    @Test func unknownAddressesAndMethodsGetPages() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            for (uri, method, status) in [("/no-such-page", HTTPRequest.Method.get, HTTPResponse.Status.notFound), ("/login", .put, .methodNotAllowed),
                                          ("/rules", .post, .methodNotAllowed), ("/score", .delete, .methodNotAllowed)] {
                let r = try await client.execute(uri: uri, method: method)
                #expect(r.status == status, "\(method) \(uri)")
                #expect(r.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
                #expect(r.headers[.xContentTypeOptions] == "nosniff")
                #expect(r.headers[.init("Referrer-Policy")!] == "no-referrer")
                #expect(r.text.contains("<h1>"))
            }
            #expect(try await client.execute(uri: "/login", method: .put).headers[.allow] == "GET, POST")
            let en = try await client.execute(uri: "/nowhere?lang=en", method: .get)
            #expect(en.text.contains("No such page"))
            #expect(try await client.execute(uri: "/nowhere", method: .get).text.contains("没有这个页面"))
        }
    }
}
