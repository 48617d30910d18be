import Foundation
import Hummingbird
import HummingbirdTesting
import LvzhiApp
import LvzhiHistory
import LvzhiServe
import Testing

@Suite struct ConsoleSecurityTests {
    /// Every page and every action sends a person without a session to the sign-in page, and
    /// changes nothing.
    @Test func everyRouteNeedsASession() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            for uri in ["/", "/score", "/runs/1", "/runs/1/files/report.html", "/members", "/members?q=M", "/runs/1/members/M0001",
                        "/runs/1/publish", "/rules", "/rules/fengjie.yaml", "/audit", "/corrections", "/runs/1/corrections", "/runs/1/check"] {
                let r = try await client.execute(uri: uri, method: .get)
                #expect(r.status == .seeOther, "\(uri)")
                #expect(r.location == "/login", "\(uri)")
            }
            let body = samplesScoring(csrf: "x")
            let score = try await client.execute(uri: "/score", method: .post, headers: body.headers, body: body.buffer)
            #expect(score.status == .seeOther && score.location == "/login")
            for uri in ["/runs/1/publish", "/logout", "/runs/1/corrections", "/corrections/1/approve", "/corrections/1/reject", "/runs/1/check",
                        "/check/1/close", "/check/1/revoke", "/check/1/renew"] {
                let r = try await client.execute(uri: uri, method: .post, headers: formHeaders, body: form([("_csrf", "x"), ("confirm", "2025")]))
                #expect(r.status == .seeOther && r.location == "/login", "\(uri)")
            }
        }
        #expect(try HistoryStore.open(path: f.console.config.historyPath).runs().isEmpty)
    }

    @Test func sessionCookieIsHttpOnlyAndSameSite() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            let page = try await client.execute(uri: "/login", method: .get)
            let token = try #require(csrfToken(in: page.text))
            let cookie = try #require(page.cookies["lvzhi_login"])
            let r = try await client.execute(uri: "/login", method: .post, headers: merged(formHeaders, [.cookie: "lvzhi_login=\(cookie)"]),
                                             body: form([("_csrf", token), ("account", "clerk"), ("password", ConsoleFixture.password)]))
            let set = try #require(r.headers[values: .setCookie].first { $0.hasPrefix("lvzhi_session=") })
            #expect(set.contains("HttpOnly"))
            #expect(set.contains("SameSite=Strict"))
            #expect(set.contains("Path=/"))
        }
    }

    @Test func wrongPasswordAndLoginWithoutItsFormToken() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            // No form token (a login posted from another site).
            let forged = try await client.execute(uri: "/login", method: .post, headers: formHeaders,
                                                  body: form([("_csrf", "abc"), ("account", "clerk"), ("password", ConsoleFixture.password)]))
            #expect(forged.status == .forbidden)
            #expect(forged.cookies["lvzhi_session"] == nil)
            let page = try await client.execute(uri: "/login", method: .get)
            let token = try #require(csrfToken(in: page.text))
            let cookie = try #require(page.cookies["lvzhi_login"])
            let wrong = try await client.execute(uri: "/login", method: .post, headers: merged(formHeaders, [.cookie: "lvzhi_login=\(cookie)"]),
                                                 body: form([("_csrf", token), ("account", "clerk"), ("password", "guess")]))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.cookies["lvzhi_session"] == nil)
        }
        let log = try f.console.store.auditLog()
        #expect(log.contains { $0.action == "login" && !$0.ok && $0.account == "clerk" })
    }

    /// Five wrong passwords lock the account name for the window: the right one is refused too.
    @Test func loginRateLimit() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            for _ in 0..<5 {
                let page = try await client.execute(uri: "/login", method: .get)
                let token = try #require(csrfToken(in: page.text))
                let cookie = try #require(page.cookies["lvzhi_login"])
                let r = try await client.execute(uri: "/login", method: .post, headers: merged(formHeaders, [.cookie: "lvzhi_login=\(cookie)"]),
                                                 body: form([("_csrf", token), ("account", "chief"), ("password", "wrong-\(UUID())")]))
                #expect(r.status == .unauthorized)
            }
            let page = try await client.execute(uri: "/login", method: .get)
            let token = try #require(csrfToken(in: page.text))
            let cookie = try #require(page.cookies["lvzhi_login"])
            let r = try await client.execute(uri: "/login", method: .post, headers: merged(formHeaders, [.cookie: "lvzhi_login=\(cookie)"]),
                                             body: form([("_csrf", token), ("account", "chief"), ("password", ConsoleFixture.password)]))
            #expect(r.status == .tooManyRequests)
            #expect(r.cookies["lvzhi_session"] == nil)
            // Another account is not affected.
            _ = try await signIn(client, as: "clerk")
        }
    }

    @Test func forgedCSRFTokenIsRefused() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            let b = try await signIn(client, as: "clerk")
            let body = samplesScoring(csrf: String(repeating: "0", count: 64))
            let r = try await client.execute(uri: "/score", method: .post, headers: merged(b.headers, body.headers), body: body.buffer)
            #expect(r.status == .forbidden)
            let noToken = try await client.execute(uri: "/logout", method: .post, headers: merged(b.headers, formHeaders), body: form([]))
            #expect(noToken.status == .forbidden)
            // Still signed in: the forged logout did nothing.
            let home = try await client.execute(uri: "/", method: .get, headers: b.headers)
            #expect(home.status == .ok)
        }
        #expect(try HistoryStore.open(path: f.console.config.historyPath).runs().isEmpty)
        #expect(try f.console.store.auditLog().filter { $0.action == "csrf" && !$0.ok }.count == 2)
    }

    /// A picked name outside the exports folder is refused; an uploaded file's name is never
    /// used as a path.
    @Test func pathTraversalInUploadsAndPicks() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            let b = try await signIn(client, as: "clerk")
            var picked = samplesScoring(csrf: b.csrf)
            picked.field("activities", "../README.md")
            let r1 = try await client.execute(uri: "/score", method: .post, headers: merged(b.headers, picked.headers), body: picked.buffer)
            #expect(r1.status == .badRequest)
            #expect(r1.text.contains("不在导出文件夹中"))
            var rules = samplesScoring(csrf: b.csrf)
            rules.parts[1] = (name: "rules", filename: nil, data: Data("../Samples/members.csv".utf8))
            let r2 = try await client.execute(uri: "/score", method: .post, headers: merged(b.headers, rules.headers), body: rules.buffer)
            #expect(r2.status == .badRequest)

            var up = MultipartBody()
            up.field("_csrf", b.csrf)
            up.field("rules", "fengjie.yaml")
            let members = try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/Samples/members.csv"))
            up.file("members_upload", filename: "../../../../tmp/lvzhi-evil-\(UUID().uuidString).csv", members)
            up.file("activities_upload", filename: "../escape.csv", try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/Samples/activities/meetings.csv")))
            let r3 = try await client.execute(uri: "/score", method: .post, headers: merged(b.headers, up.headers), body: up.buffer)
            #expect(r3.status == .seeOther, "\(r3.text.prefix(500))")
            #expect(runID(try await settle(client, r3, headers: b.headers)) != nil)
            let stored = try FileManager.default.contentsOfDirectory(atPath: f.dir + "/data/uploads").sorted()
            #expect(stored.count == 2)
            #expect(stored.allSatisfy { $0.range(of: #"^[0-9a-f]{32}\.csv$"#, options: .regularExpression) != nil })
            #expect(!FileManager.default.fileExists(atPath: f.dir + "/escape.csv"))
            #expect(!FileManager.default.fileExists(atPath: f.dir + "/data/escape.csv"))

            var exe = MultipartBody()
            exe.field("_csrf", b.csrf)
            exe.field("rules", "fengjie.yaml")
            exe.file("members_upload", filename: "members.sh", Data("#!/bin/sh\n".utf8))
            let r4 = try await client.execute(uri: "/score", method: .post, headers: merged(b.headers, exe.headers), body: exe.buffer)
            #expect(r4.status == .badRequest)
        }
    }

    @Test func oversizedUploadAndTooManyFiles() async throws {
        let f = try ConsoleFixture(maxUploadBytes: 64 << 10, maxUploadFiles: 2)
        try await f.test { client in
            let b = try await signIn(client, as: "clerk")
            var big = MultipartBody()
            big.field("_csrf", b.csrf)
            big.field("rules", "fengjie.yaml")
            big.file("members_upload", filename: "members.csv", Data(repeating: UInt8(ascii: "a"), count: 200 << 10))
            let r = try await client.execute(uri: "/score", method: .post, headers: merged(b.headers, big.headers), body: big.buffer)
            #expect(r.status == .contentTooLarge)
            var many = MultipartBody()
            many.field("_csrf", b.csrf)
            many.field("rules", "fengjie.yaml")
            for i in 0..<3 { many.file("activities_upload", filename: "a\(i).csv", Data("x\n".utf8)) }
            let r2 = try await client.execute(uri: "/score", method: .post, headers: merged(b.headers, many.headers), body: many.buffer)
            #expect(r2.status == .badRequest)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.dir + "/data/uploads").isEmpty)
        #expect(try HistoryStore.open(path: f.console.config.historyPath).runs().isEmpty)
    }
}

@Suite struct ConsoleFlowTests {
    /// The clerk scores Samples/ picked from the exports folder, opens the result, finds a
    /// member; a reviewer publishes; a second publication is refused; everything is audited.
    @Test func scoreMembersPublish() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            let clerk = try await signIn(client, as: "clerk")
            let form0 = try await client.execute(uri: "/score", method: .get, headers: clerk.headers)
            #expect(form0.status == .ok)
            #expect(form0.text.contains("fengjie.yaml"))
            #expect(form0.text.contains("activities/meetings.csv"))
            let body = samplesScoring(csrf: clerk.csrf)
            let r = try await client.execute(uri: "/score", method: .post, headers: merged(clerk.headers, body.headers), body: body.buffer)
            #expect(r.status == .seeOther, "\(r.text.prefix(800))")
            #expect(r.location?.hasPrefix("/jobs/") == true)
            let id = try #require(runID(try await settle(client, r, headers: clerk.headers)))

            let run = try await client.execute(uri: "/runs/\(id)", method: .get, headers: clerk.headers)
            #expect(run.status == .ok)
            #expect(run.text.contains("草稿"))
            #expect(run.text.contains("/runs/\(id)/files/report.html"))
            #expect(run.text.contains("id=\"rejects\""))
            // The result page embeds report.html (and only its own pages may be framed).
            #expect(run.text.contains("<iframe class=\"report\" src=\"/runs/\(id)/files/report.html\""))
            #expect(run.headers[.contentSecurityPolicy]?.contains("frame-src 'self'") == true)
            let recorded = try HistoryStore.open(path: f.console.config.historyPath).run(id)
            let rejected = try #require(recorded).rejected
            #expect(rejected > 0)
            // Every reject is listed with its reason (rows of the rejects table, header aside).
            #expect(run.text.components(separatedBy: "<tr><td>").count - 1 >= rejected)

            let report = try await client.execute(uri: "/runs/\(id)/files/report.html", method: .get, headers: clerk.headers)
            #expect(report.status == .ok)
            #expect(report.text.contains("<html"))
            let other = try await client.execute(uri: "/runs/\(id)/files/..%2F..%2Flvzhi-history.sqlite", method: .get, headers: clerk.headers)
            #expect(other.status == .notFound)

            let search = try await client.execute(uri: "/members?run=\(id)&q=M0270", method: .get, headers: clerk.headers)
            #expect(search.text.contains("/runs/\(id)/members/M0270"))
            let member = try await client.execute(uri: "/runs/\(id)/members/M0270", method: .get, headers: clerk.headers)
            #expect(member.status == .ok)
            #expect(member.text.contains("/runs/\(id)/files/members/M0270.html"))
            // The member's own page, as report.html links it; nothing outside members/.
            let ownPage = try await client.execute(uri: "/runs/\(id)/files/members/M0270.html", method: .get, headers: clerk.headers)
            #expect(ownPage.status == .ok)
            #expect(ownPage.text.contains("M0270"))
            let hidden = try await client.execute(uri: "/runs/\(id)/files/members/..%2F.lvzhi-run.json", method: .get, headers: clerk.headers)
            #expect(hidden.status == .notFound)
            let missing = try await client.execute(uri: "/runs/\(id)/members/NOPE", method: .get, headers: clerk.headers)
            #expect(missing.status == .notFound)

            // The clerk may not publish.
            let denied = try await client.execute(uri: "/runs/\(id)/publish", method: .post, headers: merged(clerk.headers, formHeaders),
                                                  body: form([("_csrf", clerk.csrf), ("confirm", "2025")]))
            #expect(denied.status == .forbidden)

            let chief = try await signIn(client, as: "chief")
            let confirm = try await client.execute(uri: "/runs/\(id)/publish", method: .get, headers: chief.headers)
            #expect(confirm.status == .ok)
            #expect(confirm.text.contains("2025"))
            #expect(confirm.text.contains(recorded!.rulesVersion))
            // Without ticking the confirmation nothing happens.
            let unticked = try await client.execute(uri: "/runs/\(id)/publish", method: .post, headers: merged(chief.headers, formHeaders),
                                                    body: form([("_csrf", chief.csrf)]))
            #expect(unticked.status == .badRequest)
            let label = recorded!.periodLabel
            let published = try await client.execute(uri: "/runs/\(id)/publish", method: .post, headers: merged(chief.headers, formHeaders),
                                                     body: form([("_csrf", chief.csrf), ("confirm", label)]))
            #expect(published.status == .seeOther)
            #expect(try HistoryStore.open(path: f.console.config.historyPath).run(id)?.status == .published)
            let again = try await client.execute(uri: "/runs/\(id)/publish", method: .post, headers: merged(chief.headers, formHeaders),
                                                 body: form([("_csrf", chief.csrf), ("confirm", label)]))
            #expect(again.status == .conflict)
            let page = try await client.execute(uri: "/runs/\(id)", method: .get, headers: chief.headers)
            #expect(page.text.contains("已公布"))
            #expect(!page.text.contains("/runs/\(id)/publish"))

            // A second draft of the same period needs a reason to supersede the published run.
            let body2 = samplesScoring(csrf: clerk.csrf)
            let r2 = try await client.execute(uri: "/score", method: .post, headers: merged(clerk.headers, body2.headers), body: body2.buffer)
            let id2 = try #require(runID(try await settle(client, r2, headers: clerk.headers)))
            let noReason = try await client.execute(uri: "/runs/\(id2)/publish", method: .post, headers: merged(chief.headers, formHeaders),
                                                    body: form([("_csrf", chief.csrf), ("confirm", label), ("supersede", "1")]))
            #expect(noReason.status == .badRequest)
            let plain = try await client.execute(uri: "/runs/\(id2)/publish", method: .post, headers: merged(chief.headers, formHeaders),
                                                 body: form([("_csrf", chief.csrf), ("confirm", label)]))
            #expect(plain.status == .conflict)
            let superseded = try await client.execute(uri: "/runs/\(id2)/publish", method: .post, headers: merged(chief.headers, formHeaders),
                                                      body: form([("_csrf", chief.csrf), ("confirm", label), ("supersede", "1"), ("reason", "补录一条会议记录")]))
            #expect(superseded.status == .seeOther)

            let home = try await client.execute(uri: "/", method: .get, headers: clerk.headers)
            #expect(home.text.contains("已公布") && home.text.contains("已取代"))

            // Only the administrator reads the audit log.
            #expect(try await client.execute(uri: "/audit", method: .get, headers: clerk.headers).status == .forbidden)
            let admin = try await signIn(client, as: "admin")
            let audit = try await client.execute(uri: "/audit", method: .get, headers: admin.headers)
            #expect(audit.status == .ok)
            #expect(audit.text.contains("补录一条会议记录"))
        }
        let log = try f.console.store.auditLog()
        #expect(log.filter { $0.action == "score" && $0.ok && $0.account == "clerk" }.count == 2)
        #expect(log.filter { $0.action == "publish" && $0.ok && $0.account == "chief" }.count == 2)
        #expect(log.contains { $0.action == "publish" && !$0.ok })
        #expect(log.contains { $0.action == "forbidden" && $0.account == "clerk" })
    }

    @Test func rulesPagesShowErrorsAtTheirLine() async throws {
        let rules = NSTemporaryDirectory() + "lvzhi-console-rules-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: rules, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: rules) }
        try FileManager.default.copyItem(atPath: packageRoot + "/Rules/fengjie.yaml", toPath: rules + "/fengjie.yaml")
        let text = try String(contentsOfFile: rules + "/fengjie.yaml", encoding: .utf8)
        // Break one key on a known line.
        var lines = text.components(separatedBy: "\n")
        let i = try #require(lines.firstIndex { $0.hasPrefix("grades:") })
        lines[i] = "gradez:"
        try lines.joined(separator: "\n").write(toFile: rules + "/broken.yaml", atomically: true, encoding: .utf8)
        let f = try ConsoleFixture(rulesDir: rules)
        try await f.test { client in
            let b = try await signIn(client, as: "clerk")
            let list = try await client.execute(uri: "/rules", method: .get, headers: b.headers)
            #expect(list.text.contains("broken.yaml") && list.text.contains("有错误"))
            let good = try await client.execute(uri: "/rules/fengjie.yaml", method: .get, headers: b.headers)
            #expect(good.text.contains("检查通过"))
            let bad = try await client.execute(uri: "/rules/broken.yaml", method: .get, headers: b.headers)
            #expect(bad.text.contains("broken.yaml:\(i + 1)"))
            #expect(bad.text.contains("<span id=\"L\(i + 1)\" class=\"bad\">"))
            let outside = try await client.execute(uri: "/rules/..%2Ffengjie.yaml", method: .get, headers: b.headers)
            #expect(outside.status == .notFound)
        }
    }
}

/// The console and `lvzhi score` run the same use case: the same inputs and run time give
/// byte-identical outputs.
@Suite struct ConsoleMatchesCommandLineTests {
    @Test func byteIdenticalOutputs() async throws {
        let binary = ProcessInfo.processInfo.environment["LVZHI_BIN"].flatMap { $0.isEmpty ? nil : $0 } ?? packageRoot + "/.build/debug/lvzhi"
        try #require(FileManager.default.isExecutableFile(atPath: binary), "lvzhi binary not built at \(binary)")
        let f = try ConsoleFixture()
        let samples = packageRoot + "/Samples"
        let activities = ["activities.xml", "meetings.csv", "opinions.xml", "proposals.csv"].map { samples + "/activities/" + $0 }
        let (id, consoleOut) = try f.console.score(.init(rules: packageRoot + "/Rules/fengjie.yaml", members: samples + "/members.csv",
                                                          activities: activities), account: "test")
        #expect(id == 1)
        let cliOut = f.dir + "/cli/out"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["score", "--rules", packageRoot + "/Rules/fengjie.yaml", "--members", samples + "/members.csv",
                       "--activities"] + activities + ["--out", cliOut, "--run-time", ConsoleFixture.runTime, "--quiet"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: cliOut).filter { !$0.hasPrefix(".") }.sorted()
        #expect(names.count == 7)
        #expect(try FileManager.default.contentsOfDirectory(atPath: consoleOut).filter { !$0.hasPrefix(".") }.sorted() == names)
        // Every file, the member pages in members/ included.
        var files: [String] = []
        for n in names {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: cliOut + "/" + n, isDirectory: &isDirectory)
            if isDirectory.boolValue {
                let pages = try FileManager.default.contentsOfDirectory(atPath: cliOut + "/" + n).sorted()
                #expect(pages.count > 300)
                #expect(try FileManager.default.contentsOfDirectory(atPath: consoleOut + "/" + n).sorted() == pages)
                files += pages.map { n + "/" + $0 }
            } else {
                files.append(n)
            }
        }
        for n in files {
            let a = try Data(contentsOf: URL(fileURLWithPath: cliOut + "/" + n))
            let b = try Data(contentsOf: URL(fileURLWithPath: consoleOut + "/" + n))
            #expect(a == b, "\(n) differs between lvzhi score and the console")
        }
    }
}

@Suite struct ConsoleLanguageTests {
    /// Chinese by default; an account that chooses English keeps it (next sign-in too), while
    /// other accounts stay in Chinese; pages without a session follow ?lang=en.
    @Test func perAccountLanguage() async throws {
        let f = try ConsoleFixture()
        try await f.test { client in
            let clerk = try await signIn(client, as: "clerk")
            let zh = try await client.execute(uri: "/", method: .get, headers: clerk.headers)
            #expect(zh.text.contains("首页") && zh.text.contains("lang=\"zh-CN\""))
            let forged = try await client.execute(uri: "/language", method: .post, headers: merged(clerk.headers, formHeaders),
                                                  body: form([("_csrf", "x"), ("lang", "en")]))
            #expect(forged.status == .forbidden)
            let set = try await client.execute(uri: "/language", method: .post, headers: merged(clerk.headers, formHeaders),
                                               body: form([("_csrf", clerk.csrf), ("lang", "en"), ("back", "/rules")]))
            #expect(set.status == .seeOther && set.location == "/rules")
            let en = try await client.execute(uri: "/", method: .get, headers: clerk.headers)
            #expect(en.text.contains("Home") && en.text.contains("lang=\"en\"") && !en.text.contains("首页"))
            // Another account is not affected.
            let chief = try await signIn(client, as: "chief")
            #expect(try await client.execute(uri: "/", method: .get, headers: chief.headers).text.contains("首页"))
            // The choice is the account's: a new sign-in keeps it.
            let again = try await signIn(client, as: "clerk")
            #expect(try await client.execute(uri: "/", method: .get, headers: again.headers).text.contains("Home"))
            // An open redirect is not possible.
            let away = try await client.execute(uri: "/language", method: .post, headers: merged(again.headers, formHeaders),
                                                body: form([("_csrf", again.csrf), ("lang", "zh"), ("back", "//evil.example/")]))
            #expect(away.location == "/")
            let login = try await client.execute(uri: "/login?lang=en", method: .get)
            #expect(login.text.contains("Sign in"))
            #expect(try await client.execute(uri: "/login", method: .get).text.contains("登录"))
        }
        #expect(try f.console.store.language(account: "clerk") == .zh)
        #expect(try f.console.store.language(account: "chief") == nil)
    }
}
