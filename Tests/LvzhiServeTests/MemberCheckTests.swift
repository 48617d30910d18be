import Foundation
import Hummingbird
import HummingbirdTesting
import LvzhiApp
import LvzhiHistory
import LvzhiServe
import Testing

/// Every `/m/TOKEN` link on a page, by member id.
func memberLinks(in html: String) -> [String: String] {
    var out: [String: String] = [:]
    for part in html.components(separatedBy: "<tr><td>").dropFirst() {
        guard let end = part.range(of: "</td>"), let l = part.range(of: "href=\"/m/") else { continue }
        let member = String(part[..<end.lowerBound])
        let rest = part[l.upperBound...]
        if let q = rest.firstIndex(of: "\"") { out[member] = String(rest[..<q]) }
    }
    return out
}

@Suite struct MemberCheckTests {
    @Test func windowLinksObjectionRevoke() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            let clerk = try await signIn(client, as: "clerk")
            let id = try await scoreSamples(client, clerk)
            // A reviewer may not open windows; a window must end in the future.
            let chief = try await signIn(client, as: "chief")
            #expect(try await client.execute(uri: "/runs/\(id)/check", method: .get, headers: chief.headers).status == .forbidden)
            let past = try await client.execute(uri: "/runs/\(id)/check", method: .post, headers: merged(clerk.headers, formHeaders),
                                                body: form([("_csrf", clerk.csrf), ("closes", "2020-01-01")]))
            #expect(past.status == .badRequest)

            let opened = try await client.execute(uri: "/runs/\(id)/check", method: .post, headers: merged(clerk.headers, formHeaders),
                                                  body: form([("_csrf", clerk.csrf), ("closes", "2099-12-31")]))
            #expect(opened.status == .ok)
            let links = memberLinks(in: opened.text)
            let memberCount = try #require(try HistoryStore.open(path: f.console.config.historyPath).run(id)).memberCount
            #expect(links.count == memberCount)
            let a = try #require(links["M0008"]), b = try #require(links["M0263"])
            // 128-bit tokens, all different; the database keeps none of them.
            #expect(a.count == 32 && a != b && Set(links.values).count == links.count)
            let db = try Data(contentsOf: URL(fileURLWithPath: f.console.config.historyPath))
            #expect(db.range(of: Data(a.utf8)) == nil)

            // Member A's page: A's result only, no account needed.
            let pageA = try await client.execute(uri: "/m/\(a)", method: .get)
            #expect(pageA.status == .ok)
            #expect(pageA.text.contains("M0008"))
            #expect(!pageA.text.contains("M0263"))
            let own = try await client.execute(uri: "/m/\(a)/page/M0008.html", method: .get)
            #expect(own.status == .ok && own.text.contains("M0008"))
            // A's token on B's page.
            let other = try await client.execute(uri: "/m/\(a)/page/M0263.html", method: .get)
            #expect(other.status == .notFound)
            #expect(!other.text.contains("M0263"))
            let traversal = try await client.execute(uri: "/m/\(a)/page/..%2F..%2Flvzhi-history.sqlite", method: .get)
            #expect(traversal.status == .notFound)
            // A guessed token.
            #expect(try await client.execute(uri: "/m/\(String(repeating: "0", count: 32))", method: .get).status == .notFound)
            // The staff pages stay closed to a member link.
            #expect(try await client.execute(uri: "/runs/\(id)", method: .get).status == .seeOther)

            // An objection with a forged CSRF token does nothing.
            let cookie = try #require(pageA.cookies["lvzhi_member"])
            let objection = [("action", "amend"), ("activity_id", "A0000548"), ("fields", "status: 请假"), ("reason", "我会前请过假")]
            let forged = try await client.execute(uri: "/m/\(a)/objection", method: .post, headers: merged(formHeaders, [.cookie: "lvzhi_member=\(cookie)"]),
                                                  body: form([("_csrf", String(repeating: "f", count: 64))] + objection))
            #expect(forged.status == .forbidden)
            let noCookie = try await client.execute(uri: "/m/\(a)/objection", method: .post, headers: formHeaders,
                                                    body: form([("_csrf", cookie)] + objection))
            #expect(noCookie.status == .forbidden)
            #expect(try f.console.store.corrections().isEmpty)
            // A's objection, about someone else's member id, is filed as A's.
            let sent = try await client.execute(uri: "/m/\(a)/objection", method: .post, headers: merged(formHeaders, [.cookie: "lvzhi_member=\(cookie)"]),
                                                body: form([("_csrf", cookie), ("member_id", "M0263")] + objection))
            #expect(sent.status == .ok, "\(sent.text.prefix(600))")
            #expect(sent.text.contains("异议已提交"))
            let proposals = try f.console.store.corrections()
            #expect(proposals.count == 1)
            let p = try #require(proposals.first)
            #expect(p.origin == .member && p.status == .proposed && p.entry.memberID == "M0008" && p.entry.activityID == "A0000548")
            // It is a proposed correction for staff: a reviewer approves it and the run is redone.
            let queue = try await client.execute(uri: "/corrections", method: .get, headers: chief.headers)
            #expect(queue.text.contains("委员异议") && queue.text.contains("我会前请过假"))
            let approved = try await client.execute(uri: "/corrections/\(p.id)/approve", method: .post, headers: merged(chief.headers, formHeaders),
                                                    body: form([("_csrf", chief.csrf)]))
            #expect(approved.status == .seeOther, "\(approved.text.prefix(600))")

            // Revoked: A's link stops, B's works.
            let wid = try #require(try f.console.store.windows().first).id
            let revoke = try await client.execute(uri: "/check/\(wid)/revoke", method: .post, headers: merged(clerk.headers, formHeaders),
                                                  body: form([("_csrf", clerk.csrf), ("member", "M0008")]))
            #expect(revoke.status == .seeOther)
            #expect(try await client.execute(uri: "/m/\(a)", method: .get).status == .forbidden)
            #expect(try await client.execute(uri: "/m/\(a)/page/M0008.html", method: .get).status == .forbidden)
            #expect(try await client.execute(uri: "/m/\(b)", method: .get).status == .ok)
            // Closing the window stops every link.
            let close = try await client.execute(uri: "/check/\(wid)/close", method: .post, headers: merged(clerk.headers, formHeaders),
                                                 body: form([("_csrf", clerk.csrf)]))
            #expect(close.status == .seeOther)
            #expect(try await client.execute(uri: "/m/\(b)", method: .get).status == .gone)
        }
        let log = try f.console.store.auditLog()
        #expect(log.contains { $0.action == "check.open" && $0.account == "clerk" })
        #expect(log.contains { $0.action == "check.revoke" })
        #expect(log.contains { $0.action == "member.view" && !$0.ok && $0.detail.contains("revoked") })
        #expect(log.contains { $0.action == "correction.propose" && $0.account == "member M0008" })
    }

    /// A link expires with its window.
    @Test func linkExpiresWithTheWindow() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            let clerk = try await signIn(client, as: "clerk")
            let id = try await scoreSamples(client, clerk)
            let (_, links) = try f.console.openWindow(run: id, opens: Date(), closes: Date().addingTimeInterval(4), account: "clerk")
            let token = try #require(links.first).token
            #expect(try await client.execute(uri: "/m/\(token)", method: .get).status == .ok)
            try await Task.sleep(for: .seconds(4.5))
            let r = try await client.execute(uri: "/m/\(token)", method: .get)
            #expect(r.status == .gone)
            #expect(r.text.contains("已结束"))
            // A window not yet open.
            let (_, later) = try f.console.openWindow(run: id, opens: Date().addingTimeInterval(3600), closes: Date().addingTimeInterval(7200), account: "clerk")
            #expect(try await client.execute(uri: "/m/\(try #require(later.first).token)", method: .get).status == .gone)
        }
    }
}
