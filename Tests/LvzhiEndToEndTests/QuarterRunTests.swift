import Foundation
import Testing

/// `lvzhi score --period 2025-Q2` on a full-year export (the quarterly 通报): the year's other
/// records are set aside and counted, not rejected; records outside the year are still rejected.
@Suite struct QuarterRunTests {
    let members = """
    member_id,name,sector,committee,role,group,party,joined,left,ranked
    M1,甲,经济界,,委员,,,,,
    M2,乙,教育界,,委员,,,,,
    """
    /// Ten records: Q1 three (A1, A2, A7 on the quarter's last day), Q2 three (A3, A4, A5 on its
    /// last day), Q3 one (A6 on its first day), Q4 one (A8), and two outside 2025 (X1, X2).
    let year = """
    activity_id,member_id,date,kind,status,role,level,ref,quantity,marks,title
    A1,M1,2025-01-08,全体会议,出席,,,,5,,第一次全体会议
    A2,M2,2025-01-08,全体会议,缺席,,,,1,,第一次全体会议
    A3,M1,2025-04-10,全体会议,出席,,,,1,,常委会
    A4,M2,2025-05-20,提案,立案,第一提案人,,P2,,,二季度提案
    A5,M1,2025-06-30,提案,立案,第一提案人,,P1,,,二季度末提案
    A6,M1,2025-07-01,提案,立案,第一提案人,,P3,,,三季度提案
    A7,M2,2025-03-31,提案,立案,第一提案人,,P4,,,一季度末提案
    A8,M2,2025-11-15,全体会议,出席,,,,1,,第二次全体会议
    X1,M1,2024-12-31,全体会议,出席,,,,1,,上一年度
    X2,M2,2026-01-01,全体会议,出席,,,,1,,下一年度
    """

    func score(_ s: Scratch, _ activities: String, _ extra: [String]) throws -> RunResult {
        let m = s.write("members.csv", members)
        let a = s.write("in/activities.csv", activities)
        return try lvzhi(["score", "--rules", "Rules/minhang.yaml", "--members", m, "--activities", a, "--out", s.file("out")] + extra)
    }

    func rejectedIDs(_ s: Scratch) -> [String] {
        // File, line, record id, …: the third field (the scratch paths hold no commas).
        s.read("out/rejects.csv").split(whereSeparator: \.isNewline).dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            return fields.count > 2 ? String(fields[2]) : String(line)
        }.sorted()
    }

    @Test func quarterSetsTheYearsOtherRecordsAside() throws {
        let s = Scratch()
        let r = try score(s, year, ["--period", "2025-Q2"])
        // Rejected records are above no limit here: the run succeeds.
        #expect(r.status == 0, "\(r.stderr)")
        // By hand: Q2 holds A3, A4, A5 (3 scored); A1, A2, A7, A6, A8 are 2025 (5 set aside);
        // X1 and X2 lie outside 2025 (2 rejected). 3 + 5 + 2 = 10 read.
        #expect(r.stdout.contains("读取记录 10 条：计分 3 条，本期（2025年第2季度）之外暂不计分 5 条，拒收 2 条"), "\(r.stdout)")
        #expect(r.stderr.contains("本期（2025年第2季度）之外、同一考核年度内的 5 条记录暂不计分，也未拒收"), "\(r.stderr)")
        #expect(!r.stderr.contains("截至"))
        #expect(rejectedIDs(s) == ["X1", "X2"])
        #expect(s.read("out/rejects.csv").contains("outside-period,日期不在考核期间 2025-01-01..2025-12-31 内"))
        let root = try #require(try JSONSerialization.jsonObject(with: s.data("out/scores.json")) as? [String: Any])
        #expect(root["records_outside_period"] as? Int == 5)
        #expect(root["records_set_aside"] as? Int == 5)
        #expect(root["records_after_as_of"] as? Int == 0)
        #expect(root["set_aside_reason"] as? String == "本期（2025年第2季度）之外、同一考核年度内，暂不计分，也未拒收")
        #expect((root["period"] as? [String: String])?["start"] == "2025-04-01")
        #expect((root["full_period"] as? [String: String])?["end"] == "2025-12-31")
        let notices = try #require(root["notices"] as? [[String: String]])
        #expect(notices.contains { $0["id"] == "N004" })
        // Progress counts only the quarter: M1's proposal A5 (not A6, the next day).
        let byID = try membersByID(s.data("out/scores.json"))
        let progress = try #require(byID["M1"]?["requirements"] as? [[String: Any]])
        #expect(progress.first { $0["id"] as? String == "proposal" }?["done"] as? Int == 1)
        let html = s.read("out/report.html")
        #expect(html.contains("读取 10 条 = 计分 3 条 + 本期（2025年第2季度）之外暂不计分 5 条 + 拒收 2 条：每条输入记录都已计分、暂不计分或写入 rejects.csv。"),
                "\(html)")
        #expect(html.contains("本期（2025年第2季度）之外（暂不计分）"))
    }

    /// A member who left before the quarter (or joined after it) is not graded in it — not a
    /// red 不合格 with 0 points — and the run says so; the quarter they served grades them.
    @Test func aMemberNotInOfficeDuringTheQuarterIsNotGradedInIt() throws {
        let s = Scratch()
        let roster = s.write("members.csv", """
            member_id,name,sector,committee,role,group,party,joined,left,ranked
            M1,甲,经济界,,委员,,,,2025-03-31,
            M2,乙,教育界,,委员,,,,,
            M3,丙,教育界,,委员,2025-08-01,,,,
            """.replacingOccurrences(of: "委员,2025-08-01,,,,", with: "委员,,,2025-08-01,,"))
        let a = s.write("in/a.csv", """
            activity_id,member_id,date,kind,status,role,level,ref,quantity,marks,title
            A1,M1,2025-02-01,全体会议,出席,,,,2,,全会
            A2,M2,2025-05-05,全体会议,出席,,,,2,,全会
            A3,M3,2025-08-05,全体会议,出席,,,,2,,全会
            """)
        func run(_ q: String) throws -> (RunResult, [String]) {
            let r = try lvzhi(["score", "--rules", "Rules/minhang.yaml", "--members", roster, "--activities", a, "--out", s.file("out-\(q)"),
                               "--no-history", "--period", q, "--formats", "csv,json,html,members"])
            #expect(r.status == 0, "\(r.stderr)")
            let ids = s.read("out-\(q)/scores.csv").split(whereSeparator: \.isNewline).dropFirst().map { String($0.prefix { $0 != "," }) }
            return (r, ids.sorted())
        }
        let (q2, inQ2) = try run("2025-Q2")
        #expect(inQ2 == ["M2"], "Q2 grades only M2: M1 left on 31 March, M3 joins on 1 August")
        #expect(q2.stdout.contains("委员 1 人") && q2.stderr.contains("2 位委员在考核期间 2025-04-01..2025-06-30 内不在任") && q2.stderr.contains("M1 甲、M3 丙"),
                "\(q2.stdout)\(q2.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.file("out-2025-Q2/members/M1.html")))
        let (_, inQ1) = try run("2025-Q1")
        #expect(inQ1 == ["M1", "M2"])
        let (_, inQ3) = try run("2025-Q3")
        #expect(inQ3 == ["M2", "M3"])
    }

    /// A correction names its record in the quarter's ledger although the year's earlier
    /// records were set aside before it (record positions move).
    @Test func aCorrectionStaysOnItsRecordInAQuarter() throws {
        let s = Scratch()
        let c = s.write("corrections.yaml", """
            corrections: 1
            entries:
              - {action: amend, activity_id: A5, set: {marks: 重点}, reason: 提案委确认为重点提案, approved_by: 王主任}
            """)
        let r = try score(s, year, ["--period", "2025-Q2", "--no-history", "--corrections", c, "--formats", "csv,ledger"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = s.read("out/ledger.csv").split(whereSeparator: \.isNewline).map(String.init)
        let a5 = lines.filter { $0.contains(",A5,") }
        #expect(!a5.isEmpty && a5.allSatisfy { $0.contains("复核#1") }, "\(a5)")
        #expect(lines.filter { $0.contains("复核#1") }.allSatisfy { $0.contains(",A5,") }, "the correction is on no other record: \(lines)")
    }

    @Test func quarterInEnglish() throws {
        let s = Scratch()
        let r = try score(s, year, ["--period", "2025-Q2", "--lang", "en"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("records read 10: scored 3, set aside outside 2025 Q2 5, rejected 2"), "\(r.stdout)")
        #expect(r.stderr.contains("5 records outside this period (2025 Q2) but within the rule file's period were set aside (neither scored nor rejected)"),
                "\(r.stderr)")
        #expect(s.read("out/report.html").contains("Read 10 = scored 3 + set aside outside 2025 Q2 5 + rejected 2"))
    }

    @Test func quarterAndAsOfCountBothKindsOfSetAside() throws {
        let s = Scratch()
        let r = try score(s, year, ["--period", "2025-Q2", "--as-of", "2025-05-31"])
        #expect(r.status == 0, "\(r.stderr)")
        // A3 and A4 scored; A5 (06-30) after the as-of day; the year's other five outside Q2.
        #expect(r.stdout.contains("读取记录 10 条：计分 2 条，本期（2025年第2季度）之外暂不计分 5 条，2025-05-31 之后暂不计分 1 条，拒收 2 条"),
                "\(r.stdout)")
        #expect(r.stderr.contains("截至 2025-05-31 的通报：1 条日期在此之后的记录未计分，也未拒收"))
        let root = try #require(try JSONSerialization.jsonObject(with: s.data("out/scores.json")) as? [String: Any])
        #expect(root["records_set_aside"] as? Int == 6)
    }

    @Test func cronQuarterOnAFullYearExportPassesItsRejectLimit() throws {
        // The shipped job's max_rejects: 1%. A clean full-year export scored for Q2 rejects nothing.
        let clean = year.split(separator: "\n").filter { !$0.hasPrefix("X") }.joined(separator: "\n")
        let s = Scratch()
        let r = try score(s, clean, ["--period", "2025-Q2", "--max-rejects", "1%"])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("读取记录 8 条：计分 3 条，本期（2025年第2季度）之外暂不计分 5 条，拒收 0 条"), "\(r.stdout)")
        #expect(rejectedIDs(s).isEmpty)
        // A record outside the rule year is still a data problem: 2 of 10 rejected is over 1%.
        let bad = try score(Scratch(), year, ["--period", "2025-Q2", "--max-rejects", "1%"])
        #expect(bad.status == 1, "\(bad.stdout)\n\(bad.stderr)")
    }

    @Test func annualRunIsUnchanged() throws {
        let s = Scratch()
        let r = try score(s, year, [])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("读取记录 10 条：计分 8 条，拒收 2 条"), "\(r.stdout)")
        #expect(!r.stdout.contains("暂不计分") && !r.stderr.contains("暂不计分"))
        #expect(rejectedIDs(s) == ["X1", "X2"])
        let root = try #require(try JSONSerialization.jsonObject(with: s.data("out/scores.json")) as? [String: Any])
        #expect(root["full_period"] == nil && root["records_outside_period"] == nil && root["records_set_aside"] == nil)
        #expect(s.read("out/report.html").contains("读取 10 条 = 计分 8 条 + 拒收 2 条：每条输入记录都已计分或写入 rejects.csv。"))
        // --period equal to the rule file's own period is the annual run too.
        let same = try score(Scratch(), year, ["--period", "2025"])
        #expect(same.stdout.contains("读取记录 10 条：计分 8 条，拒收 2 条"), "\(same.stdout)")
    }

    @Test func historyShowNamesTheQuarter() throws {
        let s = Scratch()
        #expect(try score(s, year, ["--period", "2025-Q2"]).status == 0)
        let show = try lvzhi(["history", "show", "1", "--history", s.file("lvzhi-history.sqlite")])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("读取 10 条，计分 3 条，本期（2025-Q2）之外暂不计分 5 条，拒收 2 条"), "\(show.stdout)")
        let ytd = Scratch()
        #expect(try score(ytd, year, ["--as-of", "2025-06-30"]).status == 0)
        let showYTD = try lvzhi(["history", "show", "1", "--history", ytd.file("lvzhi-history.sqlite")])
        #expect(showYTD.stdout.contains("读取 10 条，计分 6 条，2025-06-30 之后暂不计分 2 条，拒收 2 条"), "\(showYTD.stdout)")
    }

    @Test func validateChecksAQuarterAgainstTheRuleYear() throws {
        let s = Scratch()
        let m = s.write("members.csv", members)
        let clean = year.split(separator: "\n").filter { !$0.hasPrefix("X") }.joined(separator: "\n")
        let a = s.write("in/activities.csv", clean)
        let r = try lvzhi(["validate", "--rules", "Rules/minhang.yaml", "--members", m, "--activities", a, "--period", "2025-Q2"])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
    }
}
