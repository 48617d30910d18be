import Foundation
import Testing

/// The rule author's tools, run as the built binary: `test`, `explain`, `render`, `check --format json`.
@Suite struct RuleToolsTests {
    func fengjie() throws -> String {
        try String(contentsOfFile: packageRoot + "/Rules/fengjie.yaml", encoding: .utf8)
    }

    func line(of needle: String, in text: String) -> Int {
        (text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(needle) } ?? -1) + 1
    }

    // MARK: - lvzhi test

    @Test func shippedRulesPassTheirCases() throws {
        let r = try lvzhi(["test", "Rules/"])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("Rules/fengjie.yaml：5 个用例"))
        #expect(r.stdout.contains("  ✓ 联名提案按角色计分"))
        let last = r.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasSuffix(" passed, 0 failed"), "\(last)")
        #expect(r.stdout.contains("个用例通过，0 个失败"))
    }

    @Test func aFailingCasePointsAtItsLineWithTheLedger() throws {
        let s = Scratch()
        let text = try fengjie().replacingOccurrences(of: "M1: {score: 10, rank: 1, categories: {proposals: 10}}",
                                                      with: "M1: {score: 9, rank: 1, categories: {proposals: 10}}")
        let file = s.write("x.yaml", text)
        let r = try lvzhi(["test", file])
        #expect(r.status == 2)
        let at = line(of: "M1: {score: 9, rank: 1", in: text)
        #expect(r.stdout.contains("x.yaml:\(at):19: 错误: [T003] 用例“联名提案按角色计分”：M1 的总分应为 9，实际为 10"), "\(r.stdout)")
        #expect(r.stdout.contains(" \(at) |       M1: {score: 9, rank: 1, categories: {proposals: 10}}"))
        #expect(r.stdout.contains("|                   ^"))
        #expect(r.stdout.contains("  ✗ 联名提案按角色计分"))
        // The ledger shows why: the rules that fired and where each record is written.
        #expect(r.stdout.contains("M1（M1）的计分明细："))
        let record = line(of: "# 第一提案人：立案 6 + 重点 3 = 9", in: text) + 1
        #expect(r.stdout.contains("proposal-lead 提案立案（第一提案人） · \(file):\(record)"), "\(r.stdout)")
        #expect(r.stdout.contains("proposal-key 重点提案"))
        #expect(r.stdout.contains("proposal-not-filed 提案未立案（第一提案人）"))
        #expect(r.stdout.hasSuffix("4 个用例通过，1 个失败\n4 passed, 1 failed\n"))

        let en = try lvzhi(["test", "--lang", "en", file])
        #expect(en.status == 2)
        #expect(en.stdout.contains("error: [T003] case '联名提案按角色计分': M1 should score 9, got 10"))
        #expect(en.stdout.hasSuffix("4 cases passed, 1 failed\n4 passed, 1 failed\n"))
    }

    @Test func unexpectedRejectIsAFailureAtTheRecord() throws {
        let s = Scratch()
        let text = try fengjie().replacingOccurrences(of: "expect_rejects: 1\n", with: "")
        let file = s.write("x.yaml", text)
        let r = try lvzhi(["test", file])
        #expect(r.status == 2)
        #expect(r.stdout.contains("x.yaml:\(line(of: "date: 2024-12-30", in: text)):9: 错误: [T001]"))
        #expect(r.stdout.contains("这条记录被拒收：日期不在考核期间 2025-01-01..2025-12-31 内"))
    }

    @Test func brokenCasesAndUsage() throws {
        let s = Scratch()
        let bad = s.write("bad.yaml", try fengjie().replacingOccurrences(of: "M2: {score: 3, rank: 2,", with: "M2: {scroe: 3, rank: 2,"))
        let r = try lvzhi(["test", bad])
        #expect(r.status == 2)
        #expect(r.stderr.contains("[T021] expect.M2 中有未知的键“scroe”"))
        #expect(r.stderr.contains("是否想写“score”？"))
        #expect(try lvzhi(["test", s.file("nope.yaml")]).status == 64)
        #expect(try lvzhi(["test", s.path]).status == 2)
        let empty = Scratch()
        #expect(try lvzhi(["test", empty.path]).status == 64)
        #expect(try lvzhi(["test"]).status == 64)
    }

    // MARK: - lvzhi explain

    /// M0270 杨萍艳 (see SamplesTests): 52.5 points, proposals capped 21 → 20, campaign 18 → 15,
    /// one record rejected (dated before she joined).
    @Test func explainsAMembersLedger() throws {
        let r = try lvzhi(["explain", "--member", "M0270", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv",
                           "--activities", "Samples/activities"])
        #expect(r.status == 0, "\(r.stderr)")
        let out = r.stdout
        #expect(out.hasPrefix("杨萍艳（M0270）\n界别 中共 · 专委会 教科卫体委员会 · 职务 委员 · 活动组 第九活动组\n"))
        #expect(out.contains("总分 52.5 · 第 "))
        #expect(out.contains("等次 合格（黄）"))
        #expect(out.contains("考核期间内部分在任：2025-07-01 任职"))
        #expect(out.contains("提交提案（proposals）"))
        #expect(out.contains("2025-09-26  提案·立案·第一提案人〔重点〕"))
        #expect(out.contains("proposal-key 重点提案 · Samples/activities/proposals.csv:"))
        #expect(out.contains("类别封顶 20 分"))
        #expect(out.contains("类别封顶 15 分"))
        #expect(out.contains("training 参加学习培训（每半天） 1 × 0.5"))
        #expect(out.contains("A0008249  日期早于该委员任职日期 2025-07-01"))
        #expect(out.contains("等次：总分 52.5 ≥ 45，合格（黄）"))
        #expect(!out.contains("\u{1B}["), "no colour when not on a terminal")
        // Every line fits a terminal; CJK counts double.
        for line in out.split(separator: "\n") where !line.contains("Samples/") && !line.contains("“双百行动”") {
            let width = line.reduce(0) { $0 + (($1.unicodeScalars.first?.value ?? 0) >= 0x2E80 ? 2 : 1) }
            #expect(width <= 80, "too wide: \(line)")
        }
    }

    @Test func explainByNameAndUnknownMembers() throws {
        let args = ["--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv", "--activities", "Samples/activities"]
        let byName = try lvzhi(["explain", "--member", "杨萍艳"] + args)
        #expect(byName.status == 0 && byName.stdout.hasPrefix("杨萍艳（M0270）"))
        let typo = try lvzhi(["explain", "--member", "M270"] + args)
        #expect(typo.status == 64)
        #expect(typo.stderr.contains("没有委员“M270”"))
        #expect(typo.stderr.contains("是否想找 M0270（杨萍艳）"), "\(typo.stderr)")
        let name = try lvzhi(["explain", "--member", "杨萍言"] + args)
        #expect(name.stderr.contains("是否想找 M0270（杨萍艳）"))
        let homonyms = try lvzhi(["explain", "--member", "李怡旭"] + args)
        #expect(homonyms.status == 64)
        #expect(homonyms.stderr.contains("M0101（李怡旭）、M0261（李怡旭）"))
    }

    // MARK: - lvzhi render

    @Test func rendersTheShippedRuleBook() throws {
        let r = try lvzhi(["render", "Rules/fengjie.yaml"])
        #expect(r.status == 0)
        #expect(r.stdout == (try String(contentsOfFile: packageRoot + "/Rules/fengjie.md", encoding: .utf8)))
        let s = Scratch()
        let html = try lvzhi(["render", "Rules/fengjie.yaml", "--format", "html", "--out", s.file("r.html")])
        #expect(html.status == 0 && html.stdout.isEmpty)
        #expect(s.read("r.html").hasPrefix("<section class=\"rulebook\">\n<h2>奉节式委员履职考核办法（示例）</h2>"))
        #expect(try lvzhi(["render", "Rules/nope.yaml"]).status == 2)
        #expect(try lvzhi(["render", "Rules/fengjie.yaml", "--format", "pdf"]).status == 64)
    }

    // MARK: - lvzhi check

    @Test func checkAsJSONForEditors() throws {
        let s = Scratch()
        let text = try fengjie()
            .replacingOccurrences(of: "when: {kind: 表彰, level: 国家}", with: "when: {kind: 表影, level: 国家}")
        let bad = s.write("bad.yaml", text)
        let warn = s.write("warn.yaml", try fengjie().replacingOccurrences(of: "  - {id: deductions, name: 扣分事项, floor: -20}",
                                                                          with: "  - {id: deductions, name: 扣分事项, floor: -20}\n  - {id: spare, name: 备用}"))
        let r = try lvzhi(["check", "--format", "json", bad, warn, "Rules/fengjie.yaml"])
        #expect(r.status == 2)
        let items = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(items.count == 2)
        for item in items { #expect(Set(item.keys) == ["file", "line", "column", "severity", "id", "message", "hint"]) }
        let e = items[0]
        #expect(e["file"] as? String == bad)
        #expect(e["line"] as? Int == line(of: "{kind: 表影", in: text))
        #expect((e["column"] as? Int ?? 0) > 1)
        #expect(e["severity"] as? String == "error")
        #expect(e["id"] as? String == "R070")
        #expect(e["message"] as? String == "未知的活动类型“表影”（未在 kinds 中声明）")
        #expect(e["hint"] as? String == "是否想写“表彰”？")
        #expect(items[1]["id"] as? String == "S005" && items[1]["severity"] as? String == "warning")

        // Warnings alone pass, unless --strict; text output keeps the summary line.
        let ok = try lvzhi(["check", warn])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("1 个警告"))
        #expect(ok.stderr.contains("警告: [S005] 类别“spare”没有任何计分规则"))
        #expect(try lvzhi(["check", "--strict", warn]).status == 2)
        let clean = try lvzhi(["check", "--format", "json", "Rules/fengjie.yaml"])
        #expect(clean.status == 0)
        #expect((try JSONSerialization.jsonObject(with: Data(clean.stdout.utf8)) as? [Any])?.isEmpty == true)
    }
}

/// `lvzhi new`: a starting rule file that checks clean and whose case passes.
@Suite struct NewRuleFileTests {
    @Test func newThenCheckThenTestAllPass() throws {
        let dir = NSTemporaryDirectory() + "lvzhi-new-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/某区政协.yaml"
        let made = try lvzhi(["new", dir + "/某区政协", "--year", "2030"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.contains("已写出 \(file)"))
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains("name: 某区政协委员履职考核办法"))
        #expect(text.contains("period: 2030"))
        let check = try lvzhi(["check", "--strict", file])
        #expect(check.status == 0, "\(check.stdout)\n\(check.stderr)")
        #expect(check.stdout.contains("通过") && check.stdout.contains("1 个用例") && !check.stdout.contains("警告"), "\(check.stdout)")
        let test = try lvzhi(["test", file])
        #expect(test.status == 0, "\(test.stdout)\n\(test.stderr)")
        #expect(test.stdout.contains("1 个用例通过，0 个失败"), "\(test.stdout)")
        let render = try lvzhi(["render", file])
        #expect(render.status == 0 && render.stdout.hasPrefix("# 某区政协委员履职考核办法"))
        // An existing file is never overwritten.
        let again = try lvzhi(["new", file])
        #expect(again.status == 64)
        #expect(again.stderr.contains("已存在，未覆盖"))
        #expect(try String(contentsOfFile: file, encoding: .utf8) == text)
    }

    @Test func newBesideASchemasFolderNamesTheSchema() throws {
        let s = Scratch()
        s.write("Schemas/rule.schema.json", "{}")
        let made = try lvzhi(["new", s.file("rules/新方案"), "--year", "2030"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(s.read("rules/新方案.yaml").hasPrefix("# yaml-language-server: $schema=../Schemas/rule.schema.json\n"))
    }
}

/// A declared roster (`roster.roles`): a misspelt role is a check error at its place, and a
/// roster row outside the list is rejected with its line, its records with it.
@Suite struct DeclaredRosterTests {
    @Test func checkPointsAtTheMisspeltRole() throws {
        let s = Scratch()
        let text = try String(contentsOfFile: packageRoot + "/Rules/dongcheng.yaml", encoding: .utf8)
            .replacingOccurrences(of: "when: {kind: [常委会议, 专委会会议, 界别会议], status: 出席}",
                                  with: "when: {kind: [常委会议, 专委会会议, 界别会议], status: 出席, member_role: 长委}")
        let file = s.write("x.yaml", text)
        let r = try lvzhi(["check", file])
        #expect(r.status == 2)
        let line = (text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("member_role: 长委") } ?? -1) + 1
        #expect(r.stderr.contains("x.yaml:\(line):"), "\(r.stderr)")
        #expect(r.stderr.contains("[R076] 未声明的职务“长委”") && r.stderr.contains("是否想写“常委”？"), "\(r.stderr)")
    }

    @Test func aRosterRowOutsideTheListIsRejectedWithItsLine() throws {
        let s = Scratch()
        let members = s.write("members.csv", "member_id,name,role\nM1,甲,委员\nM2,乙,长委\n")
        let activities = s.write("a.csv", "activity_id,member_id,date,kind,status\nA1,M1,2025-01-08,全体会议,出席\nA2,M2,2025-01-08,全体会议,出席\n")
        let r = try lvzhi(["score", "--rules", "Rules/dongcheng.yaml", "--members", members, "--activities", activities,
                           "--out", s.file("out"), "--no-history", "--quiet", "--formats", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rejects = s.read("out/rejects.csv")
        #expect(rejects.contains("members.csv,3,") && rejects.contains("长委") && rejects.contains("是否为“常委”"), "\(rejects)")
        #expect(rejects.contains("a.csv,3,") && rejects.contains("members.csv:3"), "\(rejects)")
        #expect(try membersByID(s.data("out/scores.json")).keys.sorted() == ["M1"])
    }
}

/// Conditions on this period's score alone (得分低于 60 分的谈话) need no earlier results: no N001
/// notice, and the report lists them under “考核结果的处理”.
@Suite struct ThisPeriodFlagsTests {
    @Test func aScoreBelowSixtyIsFlaggedWithoutHistory() throws {
        let s = Scratch()
        let rules = s.write("r.yaml", try String(contentsOfFile: packageRoot + "/Rules/dongcheng.yaml", encoding: .utf8)
            .replacingOccurrences(of: "  - {id: resign, name: 连续两年得分低于 60 分, when: {score_below: 60, years: 2}, effect: {flag: 市政协谈话劝辞}}\n", with: ""))
        let members = s.write("m.csv", "member_id,name,role\nM1,甲,委员\nM2,乙,委员\n")
        let activities = s.write("a.csv", "activity_id,member_id,date,kind,status\nA1,M1,2025-01-08,全体会议,缺席\n")
        let r = try lvzhi(["score", "--rules", rules, "--members", members, "--activities", activities, "--out", s.file("out"), "--no-history"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stderr.contains("N001"), "\(r.stderr)")
        let report = s.read("out/report.html")
        #expect(report.contains("考核结果的处理（界别组召集人谈话）"))
        #expect(!report.contains("本次未提供往年结果"))
        let json = try membersByID(s.data("out/scores.json"))
        #expect(json["M1"]?["flags"] as? [String] == ["界别组召集人谈话"])
        #expect(json["M2"]?["flags"] as? [String] == [])
    }
}
