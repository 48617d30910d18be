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
            // Case does not make another name.
            let upper = try await Self.tryLogin(client, account: "CHIEF", password: ConsoleFixture.password)
            #expect(upper.status == .tooManyRequests)
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

    // MARK: 6. Anonymous requests cannot flood the audit log

    @Test func auditRowsAreCut() throws {
        let f = try ConsoleFixture()
        f.console.store.audit(account: String(repeating: "名", count: 60_000), action: "login", detail: String(repeating: "d", count: 100_000), ok: false)
        let row = try #require(try f.console.store.auditLog(limit: 1).first)
        #expect(row.account.hasPrefix(String(repeating: "名", count: 64) + "…[截断"))
        #expect(row.account.count < 120)
        #expect(row.detail.count < 600 && row.detail.contains("cut, 100000 characters"))
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
}
