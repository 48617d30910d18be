import Foundation
import Hummingbird
import HummingbirdTesting
import LvzhiApp
import LvzhiCore
import LvzhiHistory
import LvzhiServe
import Testing

/// Scores Samples/ as `clerk` and returns the run id.
func scoreSamples(_ client: any TestClientProtocol, _ clerk: Browser) async throws -> Int64 {
    let body = samplesScoring(csrf: clerk.csrf)
    let r = try await client.execute(uri: "/score", method: .post, headers: merged(clerk.headers, body.headers), body: body.buffer)
    #expect(r.status == .seeOther, "\(r.text.prefix(800))")
    return try #require(runID(try await settle(client, r, headers: clerk.headers)))
}

/// The correction id in a `/runs/N/corrections#cM` redirect.
func correctionID(_ r: TestResponse) -> Int64? {
    guard let l = r.location, let i = l.range(of: "#c") else { return nil }
    return Int64(l[i.upperBound...])
}

@Suite struct ConsoleReviewTests {
    /// A clerk proposes an amendment; the clerk cannot approve it, a reviewer can; the run is
    /// redone as a new draft with the correction applied, the old run untouched; audited.
    @Test func proposeApproveRedo() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            let clerk = try await signIn(client, as: "clerk")
            let id = try await scoreSamples(client, clerk)
            let page = try await client.execute(uri: "/runs/\(id)/corrections", method: .get, headers: clerk.headers)
            #expect(page.status == .ok)
            #expect(page.text.contains("提出复核"))

            // A reason is required (checked as the corrections file is: C020/C023).
            let noReason = try await client.execute(uri: "/runs/\(id)/corrections", method: .post, headers: merged(clerk.headers, formHeaders),
                                                    body: form([("_csrf", clerk.csrf), ("action", "amend"), ("activity_id", "A0000548"),
                                                                ("member_id", "M0008"), ("fields", "status: 请假"), ("reason", "  ")]))
            #expect(noReason.status == .badRequest)
            #expect(noReason.text.contains("[C0"))
            // An unknown field is refused with the list of fields.
            let badField = try await client.execute(uri: "/runs/\(id)/corrections", method: .post, headers: merged(clerk.headers, formHeaders),
                                                    body: form([("_csrf", clerk.csrf), ("action", "amend"), ("activity_id", "A0000548"),
                                                                ("fields", "colour: red"), ("reason", "x")]))
            #expect(badField.status == .badRequest)
            #expect(badField.text.contains("未知的字段"))

            let proposed = try await client.execute(uri: "/runs/\(id)/corrections", method: .post, headers: merged(clerk.headers, formHeaders),
                                                    body: form([("_csrf", clerk.csrf), ("action", "amend"), ("activity_id", "A0000548"),
                                                                ("member_id", "M0008"), ("fields", "状态：请假"), ("reason", "委员补交了请假条")]))
            #expect(proposed.status == .seeOther)
            let cid = try #require(correctionID(proposed))

            // The proposer may not approve (the clerk lacks the role; an admin who proposed may not either).
            let own = try await client.execute(uri: "/corrections/\(cid)/approve", method: .post, headers: merged(clerk.headers, formHeaders),
                                               body: form([("_csrf", clerk.csrf)]))
            #expect(own.status == .forbidden)
            // A forged token does nothing.
            let chief = try await signIn(client, as: "chief")
            let forged = try await client.execute(uri: "/corrections/\(cid)/approve", method: .post, headers: merged(chief.headers, formHeaders),
                                                  body: form([("_csrf", clerk.csrf)]))
            #expect(forged.status == .forbidden)
            let queue = try await client.execute(uri: "/corrections", method: .get, headers: chief.headers)
            #expect(queue.text.contains("/corrections/\(cid)/approve"))

            let approved = try await client.execute(uri: "/corrections/\(cid)/approve", method: .post, headers: merged(chief.headers, formHeaders),
                                                    body: form([("_csrf", chief.csrf)]))
            #expect(approved.status == .seeOther, "\(approved.text.prefix(800))")
            let newID = try #require(runID(approved))
            #expect(newID != id)
            let history = try HistoryStore.open(path: f.console.config.historyPath)
            let old = try #require(try history.run(id))
            let redo = try #require(try history.run(newID))
            #expect(old.status == .draft && redo.status == .draft)
            #expect(try history.corrections(run: id).isEmpty)
            let applied = try history.corrections(run: newID)
            #expect(applied.count == 1)
            #expect(applied.first?.recordID == "A0000548")
            #expect(applied.first?.approvedBy == "chief")
            #expect(applied.first?.reason == "委员补交了请假条")
            // The member's score changed (缺席 → 请假 is no longer a deduction) and the report shows the correction.
            let before = try #require(try history.results(run: id).first { $0.memberID == "M0008" })
            let after = try #require(try history.results(run: newID).first { $0.memberID == "M0008" })
            #expect(before.score != after.score)
            let report = try await client.execute(uri: "/runs/\(newID)/files/report.html", method: .get, headers: chief.headers)
            #expect(report.text.contains("委员补交了请假条"))

            // 首页: what changed since the run before, linked to the comparison.
            let home = try await client.execute(uri: "/", method: .get, headers: clerk.headers)
            #expect(home.text.contains("比 #\(id)：总分上升 1 人、下降 0 人"), "\(home.text)")
            #expect(home.text.contains("/runs/\(newID)/compare?with=\(id)"))
            let compare = try await client.execute(uri: "/runs/\(newID)/compare?with=\(id)", method: .get, headers: clerk.headers)
            #expect(compare.status == .ok && compare.text.contains("上升 1 人"))

            // Decided once.
            let again = try await client.execute(uri: "/corrections/\(cid)/approve", method: .post, headers: merged(chief.headers, formHeaders),
                                                 body: form([("_csrf", chief.csrf)]))
            #expect(again.status == .conflict)
            // In the approver's own language, though the approval is checked off the request's task.
            let english = try await client.execute(uri: "/language", method: .post, headers: merged(chief.headers, formHeaders),
                                                   body: form([("_csrf", chief.csrf), ("lang", "en"), ("back", "/")]))
            #expect(english.status == .seeOther)
            let againEN = try await client.execute(uri: "/corrections/\(cid)/approve", method: .post, headers: merged(chief.headers, formHeaders),
                                                   body: form([("_csrf", chief.csrf)]))
            #expect(againEN.status == .conflict)
            #expect(againEN.text.contains("was decided already") && !againEN.text.contains("已经审核过了"), "\(againEN.text.prefix(1200))")

            // A second correction on the old run builds on the redo: both are applied.
            let second = try await client.execute(uri: "/runs/\(id)/corrections", method: .post, headers: merged(clerk.headers, formHeaders),
                                                  body: form([("_csrf", clerk.csrf), ("action", "remove"), ("activity_id", "A0001367"),
                                                              ("member_id", "M0263"), ("reason", "召集人碰头会不计考勤")]))
            let cid2 = try #require(correctionID(second))
            let admin = try await signIn(client, as: "admin")
            let approved2 = try await client.execute(uri: "/corrections/\(cid2)/approve", method: .post, headers: merged(admin.headers, formHeaders),
                                                     body: form([("_csrf", admin.csrf)]))
            let third = try #require(runID(approved2))
            #expect(try history.corrections(run: third).map(\.recordID) == ["A0000548", "A0001367"])

            // A correction of a record that does not exist fails when applied (C041) and stays proposed.
            let ghost = try await client.execute(uri: "/runs/\(third)/corrections", method: .post, headers: merged(clerk.headers, formHeaders),
                                                 body: form([("_csrf", clerk.csrf), ("action", "remove"), ("activity_id", "A9999999"), ("reason", "x")]))
            let cid3 = try #require(correctionID(ghost))
            let failed = try await client.execute(uri: "/corrections/\(cid3)/approve", method: .post, headers: merged(chief.headers, formHeaders),
                                                  body: form([("_csrf", chief.csrf)]))
            #expect(failed.status == .unprocessableContent)
            #expect(failed.text.contains("C041"))
            #expect(try f.console.store.correction(cid3)?.status == .proposed)
            // Rejected with a reason.
            let rejected = try await client.execute(uri: "/corrections/\(cid3)/reject", method: .post, headers: merged(chief.headers, formHeaders),
                                                    body: form([("_csrf", chief.csrf), ("note", "没有这条记录")]))
            #expect(rejected.status == .seeOther)
            #expect(try f.console.store.correction(cid3)?.status == .rejected)
            #expect(try history.runs().count == 3)
        }
        let log = try f.console.store.auditLog()
        #expect(log.filter { $0.action == "correction.propose" && $0.ok }.count == 3)
        #expect(log.filter { $0.action == "correction.approve" && $0.ok }.map(\.account).sorted() == ["admin", "chief"])
        #expect(log.contains { $0.action == "correction.approve" && !$0.ok })
        #expect(log.contains { $0.action == "correction.reject" && $0.account == "chief" })
    }

    /// An administrator who proposed a correction may not approve it.
    @Test func proposerCannotApprove() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            let admin = try await signIn(client, as: "admin")
            let id = try await scoreSamples(client, admin)
            let p = try await client.execute(uri: "/runs/\(id)/corrections", method: .post, headers: merged(admin.headers, formHeaders),
                                             body: form([("_csrf", admin.csrf), ("action", "remove"), ("activity_id", "A0001367"), ("reason", "误录")]))
            let cid = try #require(correctionID(p))
            let r = try await client.execute(uri: "/corrections/\(cid)/approve", method: .post, headers: merged(admin.headers, formHeaders),
                                             body: form([("_csrf", admin.csrf)]))
            #expect(r.status == .conflict)
            #expect(try f.console.store.correction(cid)?.status == .proposed)
            #expect(try HistoryStore.open(path: f.console.config.historyPath).runs().count == 1)
        }
    }
}

@Suite struct CorrectionFileTests {
    /// The written file reads back through the corrections loader with every value as given,
    /// quotes and newlines included.
    @Test func writtenFileReadsBack() throws {
        let e = CorrectionEntry(action: "add", activityID: "FH-1", memberID: "M0033",
                                fields: ["date": "2025-04-04", "kind": "协商会", "title": "“乡村\"振兴\"”: #1\nx"],
                                reason: "a: b # c", approvedBy: "王 建国", approvedOn: "2025-12-15")
        let text = CorrectionCases.yaml(name: "t", entries: [e])
        let c = try CorrectionCases.check(e, lang: .zh)
        #expect(c.reason == "a: b # c")
        #expect(c.fields[.title] == "“乡村\"振兴\"”: #1\nx")
        #expect(c.fields[.kind] == "协商会")
        #expect(c.approvedBy == "王 建国")
        #expect(text.contains("record:"))
    }
}

@Suite struct ScoringProgressTests {
    /// The 评分 form answers at once with a progress page that reloads itself; its status route
    /// says how far the run is, and only its owner sees it.
    @Test func progressPageAndStatus() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            let clerk = try await signIn(client, as: "clerk")
            let body = samplesScoring(csrf: clerk.csrf)
            let r = try await client.execute(uri: "/score", method: .post, headers: merged(clerk.headers, body.headers), body: body.buffer)
            let job = try #require(r.location)
            #expect(job.hasPrefix("/jobs/"))
            let first = try await client.execute(uri: job, method: .get, headers: clerk.headers)
            if first.status == .ok {
                #expect(first.text.contains("<progress id=\"progress\"") && first.text.contains("http-equiv=\"refresh\""))
            } else {
                #expect(first.status == .seeOther)
            }
            let chief = try await signIn(client, as: "chief")
            #expect(try await client.execute(uri: job, method: .get, headers: chief.headers).status == .notFound)
            #expect(try await client.execute(uri: job + "/status", method: .get, headers: chief.headers).status == .notFound)
            let id = try #require(runID(try await settle(client, r, headers: clerk.headers)))
            let status = try await client.execute(uri: job + "/status", method: .get, headers: clerk.headers)
            #expect(status.text == "{\"state\":\"done\",\"run\":\(id)}")
            #expect(status.headers[.contentType] == "application/json")
        }
    }
}
