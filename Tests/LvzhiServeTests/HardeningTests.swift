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
}
