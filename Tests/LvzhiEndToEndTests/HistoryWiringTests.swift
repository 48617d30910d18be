import Foundation
import Testing

/// The history wired into the rest of lvzhi, through the built binary: year over year in the
/// reports, the rule file's multi-year conditions from stored runs, corrections kept with a
/// run and re-applied by approval files, and `lvzhi diff --runs` between two stored runs.
/// Every expected figure is worked out by hand in the comments from Rules/fengjie.yaml's points
/// (plenary half-day 2, first-author filed proposal 6, unexcused plenary absence −3 per half-day,
/// meetings capped at 30) and its grades (优秀 80, 优良 65, 合格 45, 基本合格 30, 不合格 below).
@Suite struct HistoryWiringTests {
    static let header = "activity_id,member_id,date,kind,status,role,level,ref,quantity,marks,title\n"
    static let rosterHeader = "member_id,name,sector,committee,role,group,party,joined,left,ranked\n"

    // MARK: - Helpers

    /// scores.csv as rows keyed by column name, by member id (the file starts with a BOM).
    func csv(_ s: Scratch, _ path: String) throws -> (header: [String], rows: [String: [String: String]]) {
        var text = s.read(path)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let header = try #require(lines.first).components(separatedBy: ",")
        var rows: [String: [String: String]] = [:]
        for line in lines.dropFirst() {
            let cells = line.components(separatedBy: ",")
            try #require(cells.count == header.count, "\(line)")
            rows[cells[0]] = Dictionary(uniqueKeysWithValues: zip(header, cells))
        }
        return (header, rows)
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func score(_ s: Scratch, rules: String, roster: String, activities: String, period: String, out: String,
               _ extra: [String] = []) throws -> RunResult {
        let m = s.write("data/\(out)/members.csv", Self.rosterHeader + roster)
        let a = s.write("data/\(out)/activities.csv", Self.header + activities)
        let r = try lvzhi(["score", "--rules", rules, "--members", m, "--activities", a, "--period", period,
                           "--out", s.file(out), "--run-time", "\(period)-12-31T09:00:00+08:00", "--quiet"] + extra)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        return r
    }

    /// The member ids listed in report.html's section whose heading starts with `heading`, up to the next heading.
    func listed(in html: String, under heading: String) throws -> [String] {
        let start = try #require(html.range(of: heading), "no \(heading) in the report")
        let rest = html[start.upperBound...]
        let end = rest.range(of: "<h3")?.lowerBound ?? rest.range(of: "<h2")?.lowerBound ?? rest.endIndex
        let section = String(rest[..<end])
        let ids = section.matches(of: /\bM\d\b/).map { String($0.output) }
        return Array(Set(ids)).sorted()
    }

    // MARK: - Year over year

    // 2024 (four members): M1 plenary 15 half-days = 30 → 基本合格; M2, M3 nothing → 0 不合格;
    // M4 plenary 30 + three filed proposals 18 = 48 → 合格.
    static let roster2024 = "M1,甲,经济界,,委员,,,,,\nM2,乙,教育界,,委员,,,,,\nM3,丙,文艺界,,委员,,,,,\nM4,丁,科技界,,委员,,,,,\n"
    static let activities2024 = """
    A1,M1,2024-01-08,全体会议,出席,,,,15,,
    A2,M4,2024-01-08,全体会议,出席,,,,15,,
    A3,M4,2024-03-01,提案,立案,第一提案人,,P1,,,
    A4,M4,2024-04-01,提案,立案,第一提案人,,P2,,,
    A5,M4,2024-05-01,提案,立案,第一提案人,,P3,,,

    """
    // 2025 (M5 joins): M1 plenary 5 → 10 不合格; M2 plenary 15 → 30 基本合格; M3 plenary 2 → 4 不合格;
    // M4 and M5 nothing → 0 不合格.
    static let roster2025 = roster2024 + "M5,戊,经济界,,委员,,,,,\n"
    static let activities2025 = """
    B1,M1,2025-01-08,全体会议,出席,,,,5,,
    B2,M2,2025-01-08,全体会议,出席,,,,15,,
    B3,M3,2025-01-08,全体会议,出席,,,,2,,

    """

    /// Scores 2024 then 2025 into out/2024 and out/2025 sharing out/lvzhi-history.sqlite.
    func twoYears(_ s: Scratch) throws {
        _ = try score(s, rules: "Rules/fengjie.yaml", roster: Self.roster2024, activities: Self.activities2024, period: "2024", out: "out/2024")
        _ = try score(s, rules: "Rules/fengjie.yaml", roster: Self.roster2025, activities: Self.activities2025, period: "2025", out: "out/2025")
    }

    @Test func theSecondYearGetsLastYearsGradesScoresAndTheResignationList() throws {
        let s = Scratch()
        try twoYears(s)

        // The first year has nothing to compare with: no year-over-year anywhere.
        let first = try csv(s, "out/2024/scores.csv")
        #expect(!first.header.contains("上年等次"))
        #expect(!s.read("out/2024/report.html").contains("id=\"yoy\""))
        #expect(try json(s.read("out/2024/scores.json"))["previous_period"] == nil)
        #expect(first.rows["M4"]?["总分"] == "48" && first.rows["M4"]?["等次"] == "合格")

        let (header, rows) = try csv(s, "out/2025/scores.csv")
        #expect(Array(header.suffix(3)) == ["上年等次", "上年总分", "分数变化"], "\(header)")
        let expected: [String: [String]] = [
            "M1": ["基本合格", "30", "-20"],
            "M2": ["不合格", "0", "30"],
            "M3": ["不合格", "0", "4"],
            "M4": ["合格", "48", "-48"],
            "M5": ["", "", ""],
        ]
        for (id, want) in expected {
            let row = try #require(rows[id])
            let got = [row["上年等次"] ?? "?", row["上年总分"] ?? "?", (row["分数变化"] ?? "?").replacingOccurrences(of: "+", with: "")]
            #expect(got == want, "\(id): \(row)")
        }

        let report = s.read("out/2025/report.html")
        #expect(report.contains("id=\"yoy\"") && report.contains("年度对比"))
        // Last year is named by its period, not by the history's run label.
        #expect(report.contains("与2024的结果对比") && !report.contains("运行 #1"), "\(report.prefix(0))")
        let pages = s.read("out/2025/members/M1.html")
        #expect(pages.contains("2024 褐 · 基本合格 30 分") && !pages.contains("运行 #1"))
        // 劝辞: 不合格 this year and last. M3 only — M1 was 基本合格, M2 is 基本合格 now, M4 was 合格, M5 is new.
        #expect(try listed(in: report, under: "连续两年不合格（拟劝辞）") == ["M3"])

        let root = try json(s.read("out/2025/scores.json"))
        #expect(root["previous_period"] as? String == "2024", "\(root["previous_period"] ?? "nil")")
        let byID = try membersByID(s.data("out/2025/scores.json"))
        let m1 = try #require(byID["M1"]?["previous"] as? [String: Any])
        #expect(m1["period"] as? String == "2024" && decimalText(m1["score"]) == "30" && m1["grade"] as? String == "基本合格"
                && decimalText(m1["score_change"]) == "-20", "\(m1)")
        let m4 = try #require(byID["M4"]?["previous"] as? [String: Any])
        #expect(decimalText(m4["score"]) == "48" && decimalText(m4["score_change"]) == "-48")
        #expect(byID["M5"]?["previous"] is NSNull)
    }

    /// `--if-changed` skips an unchanged run, but not when the earlier periods it reads have
    /// changed: a corrected 2024 publication changes 2025's year over year.
    @Test func ifChangedRerunsWhenAnEarlierPeriodChanges() throws {
        let s = Scratch()
        _ = try score(s, rules: "Rules/fengjie.yaml", roster: Self.roster2024, activities: Self.activities2024, period: "2024", out: "out/2024")
        _ = try score(s, rules: "Rules/fengjie.yaml", roster: Self.roster2025, activities: Self.activities2025, period: "2025", out: "out/2025", ["--if-changed"])
        let m = s.file("data/out/2025/members.csv"), a = s.file("data/out/2025/activities.csv")
        let again = ["score", "--rules", "Rules/fengjie.yaml", "--members", m, "--activities", a, "--period", "2025",
                     "--out", s.file("out/2025"), "--run-time", "2025-12-31T09:00:00+08:00", "--if-changed"]
        let skipped = try lvzhi(again)
        #expect(skipped.status == 0 && skipped.stdout.contains("跳过"), "\(skipped.stdout)\(skipped.stderr)")
        #expect(try csv(s, "out/2025/scores.csv").rows["M3"]?["上年总分"] == "0")

        // 2024 published with M3's forgotten plenary attendance (4 half-days: 8 points).
        _ = try score(s, rules: "Rules/fengjie.yaml", roster: Self.roster2024,
                      activities: Self.activities2024 + "A6,M3,2024-01-08,全体会议,出席,,,,4,,\n", period: "2024", out: "out/2024", ["--publish"])
        let rerun = try lvzhi(again)
        #expect(rerun.status == 0 && !rerun.stdout.contains("跳过") && rerun.stdout.contains("运行 #4"), "\(rerun.stdout)\(rerun.stderr)")
        let m3 = try #require(try csv(s, "out/2025/scores.csv").rows["M3"])
        #expect(m3["上年总分"] == "8" && m3["分数变化"]?.replacingOccurrences(of: "+", with: "") == "-4", "\(m3)")
        // Unchanged since: skipped again.
        #expect(try lvzhi(again).stdout.contains("跳过"))
    }

    @Test func aHistoryWithoutTheAdjacentPeriodGivesNoYearOverYear() throws {
        let s = Scratch()
        let old = Self.activities2024.replacingOccurrences(of: "2024-", with: "2023-")
        _ = try score(s, rules: "Rules/fengjie.yaml", roster: Self.roster2024, activities: old, period: "2023", out: "out/2023")
        _ = try score(s, rules: "Rules/fengjie.yaml", roster: Self.roster2025, activities: Self.activities2025, period: "2025", out: "out/2025")
        let list = try lvzhi(["history", "list", "--history", s.file("out/lvzhi-history.sqlite")])
        #expect(list.stdout.contains("#2") && list.stdout.contains("2023"), "\(list.stdout)")
        let (header, _) = try csv(s, "out/2025/scores.csv")
        #expect(!header.contains("上年等次") && !header.contains("分数变化"), "\(header)")
        #expect(!s.read("out/2025/report.html").contains("id=\"yoy\""))
        #expect(!s.read("out/2025/report.html").contains("拟劝辞"))
        let root = try json(s.read("out/2025/scores.json"))
        #expect(root["previous_period"] == nil)
        #expect(try membersByID(s.data("out/2025/scores.json"))["M1"]?["previous"] == nil)
    }

    // MARK: - Multi-year conditions from stored runs

    @Test func fengjieTermConditionsFireFromStoredRuns() throws {
        let s = Scratch()
        let rules = "Rules/fengjie-term.yaml"
        let roster = "A,甲,经济界,,委员,,,,,\nB,乙,教育界,,委员,,,,,\nG,庚,文艺界,,委员,,,,,\nH,辛,科技界,,委员,,,,,\n"
        // 2024: A nothing → 0 不合格; B plenary 15 → 30 基本合格;
        // G plenary 30 + proposals 18 − two absence records of one half-day (−6) = 42 基本合格, plenary-absent ×2;
        // H plenary 30 + proposals 18 − one absence (−3) = 45 合格, plenary-absent ×1.
        func year(_ y: String, gAbsences: Int, hAbsences: Int, b: Bool) -> String {
            var rows = b ? "B1,B,\(y)-01-08,全体会议,出席,,,,15,,\n" : ""
            for who in ["G", "H"] {
                rows += "\(who)1,\(who),\(y)-01-08,全体会议,出席,,,,15,,\n"
                for p in 1...3 { rows += "\(who)P\(p),\(who),\(y)-0\(p + 2)-01,提案,立案,第一提案人,,\(who)\(p),,,\n" }
                for k in 0..<(who == "G" ? gAbsences : hAbsences) { rows += "\(who)X\(k),\(who),\(y)-0\(k + 6)-10,全体会议,缺席,,,,1,,\n" }
            }
            return rows
        }
        let r2024 = try score(s, rules: rules, roster: roster, activities: year("2024", gAbsences: 2, hAbsences: 1, b: true),
                              period: "2024", out: "out/2024")
        _ = r2024
        let notices2024 = try json(s.read("out/2024/scores.json"))["notices"] as? [[String: Any]]
        #expect(notices2024?.contains { $0["id"] as? String == "N001" } == true, "\(String(describing: notices2024))")
        let y2024 = try membersByID(s.data("out/2024/scores.json"))
        #expect(y2024.mapValues { decimalText($0["score"]) } == ["A": "0", "B": "30", "G": "42", "H": "45"])
        #expect(y2024.values.allSatisfy { ($0["flags"] as? [String]) == [] })

        // 2025: A nothing → 0 不合格, 不合格 in 2024 too → 劝辞. B nothing → 0 不合格, but 基本合格 in 2024 → no flag.
        // G and H: plenary 30 + proposals 18 − one absence 3 = 45 → 合格 by score; G's term count is 2 + 1 = 3 → 劝辞 and
        // graded 不合格; H's is 1 + 1 = 2 → stays 合格.
        let this = year("2025", gAbsences: 1, hAbsences: 1, b: false)
        _ = try score(s, rules: rules, roster: roster, activities: this, period: "2025", out: "out/2025")
        let root = try json(s.read("out/2025/scores.json"))
        #expect((root["notices"] as? [[String: Any]])?.contains { $0["id"] as? String == "N001" } != true, "\(root["notices"] ?? "nil")")
        let y2025 = try membersByID(s.data("out/2025/scores.json"))
        #expect(y2025.mapValues { decimalText($0["score"]) } == ["A": "0", "B": "0", "G": "45", "H": "45"])
        #expect(y2025.mapValues { $0["grade"] as? String ?? "?" } == ["A": "不合格", "B": "不合格", "G": "不合格", "H": "合格"])
        #expect(y2025.mapValues { $0["flags"] as? [String] ?? ["?"] } == ["A": ["劝辞"], "B": [], "G": ["劝辞"], "H": []])
        let gHistory = try #require(y2025["G"]?["history"] as? [[String: Any]])
        let absent = try #require(gHistory.first { $0["id"] as? String == "plenary-absent-three" }, "\(gHistory)")
        #expect(absent["count"] as? Int == 3 && absent["current"] as? Int == 1, "\(absent)")
        let aHistory = try #require(y2025["A"]?["history"] as? [[String: Any]])
        #expect(aHistory.contains { $0["id"] as? String == "fail-twice" && ($0["earlier"] as? [String]) == ["2024-01-01..2024-12-31"] }, "\(aHistory)")
        let csv2025 = try csv(s, "out/2025/scores.csv")
        #expect(csv2025.rows["A"]?["跨年度处理"] == "劝辞" && csv2025.rows["B"]?["跨年度处理"] == "")

        // lvzhi explain reads the same earlier periods with --history, and agrees with the report.
        let m = s.file("data/out/2025/members.csv"), a = s.file("data/out/2025/activities.csv")
        let explainArgs = ["explain", "--member", "G", "--rules", rules, "--members", m, "--activities", a, "--period", "2025"]
        let explained = try lvzhi(explainArgs + ["--history", s.file("out/lvzhi-history.sqlite")])
        #expect(explained.status == 0 && explained.stdout.contains("总分 45 · 第 1 名（共 4 人） · 等次 不合格（红）")
                && explained.stdout.contains("本届无故缺席全体会议三次"),
                "\(explained.stdout)\(explained.stderr)")
        let unexplained = try lvzhi(explainArgs)
        #expect(unexplained.status == 0 && !unexplained.stdout.contains("本届无故缺席全体会议三次")
                && unexplained.stdout.contains("总分 45 · 第 1 名（共 4 人） · 等次 合格（黄）"),
                "\(unexplained.stdout)")
        #expect(try lvzhi(explainArgs + ["--history", s.file("nowhere.sqlite")]).status == 64)

        // An approval of the 2025 run names the earlier run it read, and lvzhi test re-applies it:
        // without the 2024 results G would re-score as 合格 (and the test would fail).
        let db = s.file("out/lvzhi-history.sqlite")
        let approval = s.file("approved/term.approved.yaml")
        #expect(try lvzhi(["history", "approve", "2", "--draft", "--to", approval, "--history", db]).status == 0)
        let text = s.read("approved/term.approved.yaml")
        #expect(text.contains("\nhistory: {path: \"../out/lvzhi-history.sqlite\", runs: [1]}\n"), "\(text)")
        let same = try lvzhi(["test", rules, "--approved", approval])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        // A rule file without the multi-year conditions: G's grade is the one that changes.
        let plain = try lvzhi(["test", "Rules/fengjie.yaml", "--approved", approval])
        #expect(plain.status == 1 && plain.stdout.contains("G 庚：得分 45 → 45（0），等次 不合格 → 合格"), "\(plain.stdout)\(plain.stderr)")
        // The first year read no earlier runs: no history line.
        #expect(try lvzhi(["history", "approve", "1", "--draft", "--to", s.file("approved/first.approved.yaml"), "--history", db]).status == 0)
        #expect(!s.read("approved/first.approved.yaml").contains("history:"))
        // The history database moved away: refused with the line that names it, exit 2.
        try FileManager.default.moveItem(atPath: db, toPath: s.file("moved.sqlite"))
        let gone = try lvzhi(["test", rules, "--approved", approval])
        #expect(gone.status == 2 && gone.stderr.contains("term.approved.yaml:") && gone.stderr.contains("找不到历史数据库"), "\(gone.stderr)")
        try FileManager.default.moveItem(atPath: s.file("moved.sqlite"), toPath: db)
        // A damaged history entry is an approval-file error with its place.
        s.write("approved/bad.approved.yaml", text.replacingOccurrences(of: "runs: [1]", with: "runs: 1"))
        let bad = try lvzhi(["test", rules, "--approved", s.file("approved/bad.approved.yaml")])
        #expect(bad.status == 2 && bad.stderr.contains("A017") && bad.stderr.contains("bad.approved.yaml:"), "\(bad.stderr)")
        s.write("approved/unknown.approved.yaml", text.replacingOccurrences(of: "runs: [1]", with: "runs: [7]"))
        let unknown = try lvzhi(["test", rules, "--approved", s.file("approved/unknown.approved.yaml")])
        #expect(unknown.status == 2 && unknown.stderr.contains("没有运行 #7"), "\(unknown.stderr)")

        // The same year without the history: the notice, and only this period counts.
        _ = try score(s, rules: rules, roster: roster, activities: this, period: "2025", out: "alone/2025", ["--no-history"])
        let alone = try json(s.read("alone/2025/scores.json"))
        #expect((alone["notices"] as? [[String: Any]])?.contains { $0["id"] as? String == "N001" } == true)
        let aloneByID = try membersByID(s.data("alone/2025/scores.json"))
        #expect(aloneByID.mapValues { $0["flags"] as? [String] ?? ["?"] } == ["A": [], "B": [], "G": [], "H": []])
        #expect(aloneByID["G"]?["grade"] as? String == "合格")
    }

    /// Rules/xiangyang.yaml's “bottom 10 two years running”, from a stored 2024 run. Twelve
    /// members with plenary half-days only: score 100 − 25 (四项“六个一” missing but plenary: −15)
    /// + half-days, i.e. 85 + q; nobody with q = 0 gets the plenary requirement either (75).
    /// Bottom 10 of 12 ranked = ranks 3…12.
    @Test func bottomTenTwoYearsRunningFromStoredRanks() throws {
        let s = Scratch()
        let ids = (1...12).map { String(format: "M%02d", $0) }
        let roster = ids.map { "\($0),委员\($0),经济界,,委员,,,,,\n" }.joined()
        func rows(_ y: String, _ q: [String: Int]) -> String {
            ids.compactMap { id in q[id].flatMap { $0 > 0 ? "\(id)-\(y),\(id),\(y)-01-08,全体会议,出席,,,,\($0),,\n" : nil } }.joined()
        }
        // 2024: M0k has k half-days → ranks 12…1 for M01…M12; bottom 10 = M01…M10.
        let q2024 = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0 + 1) })
        _ = try score(s, rules: "Rules/xiangyang.yaml", roster: roster, activities: rows("2024", q2024), period: "2024", out: "out/2024")
        let y2024 = try membersByID(s.data("out/2024/scores.json"))
        #expect(decimalText(y2024["M01"]?["score"]) == "86" && y2024["M01"]?["rank"] as? Int == 12 && y2024["M12"]?["rank"] as? Int == 1)

        // 2025: M01 jumps to 20 half-days (105, rank 1); M12 has none (75, rank 12); the others as before.
        // Ranks: M01 1, M11 2, M10 3 … M02 11, M12 12 → bottom 10 = M02…M10 and M12.
        // Both years: M02…M10 → 劝辞. Not M01 (top now), M11 (rank 2 both years), M12 (rank 1 last year).
        var q2025 = q2024
        q2025["M01"] = 20
        q2025["M12"] = 0
        _ = try score(s, rules: "Rules/xiangyang.yaml", roster: roster, activities: rows("2025", q2025), period: "2025", out: "out/2025")
        let y2025 = try membersByID(s.data("out/2025/scores.json"))
        #expect(decimalText(y2025["M12"]?["score"]) == "75" && y2025["M01"]?["rank"] as? Int == 1 && y2025["M11"]?["rank"] as? Int == 2)
        let flagged = y2025.filter { ($0.value["flags"] as? [String]) == ["劝辞"] }.keys.sorted()
        #expect(flagged == (2...10).map { String(format: "M%02d", $0) }, "\(flagged)")
        #expect(y2025.values.allSatisfy { ($0["flags"] as? [String]) == [] || ($0["flags"] as? [String]) == ["劝辞"] })
    }

    // MARK: - Corrections kept with the run, re-applied by approvals

    @Test func correctionsAreStoredShownAndReappliedByApprovals() throws {
        let s = Scratch()
        let rules = s.file("rules/fengjie.yaml")
        try FileManager.default.createDirectory(atPath: s.file("rules"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: packageRoot + "/Rules/fengjie.yaml", toPath: rules)
        let m = s.write("data/members.csv", Self.rosterHeader + "M1,甲,经济界,,委员,,,,,\nM2,乙,教育界,,委员,,,,,\n")
        let a = s.write("data/activities.csv", Self.header + """
        A1,M1,2025-01-08,全体会议,缺席,,,,5,,第一次全体会议
        A2,M2,2025-01-08,全体会议,出席,,,,3,,第一次全体会议
        A3,M2,2025-02-08,全体会议,出席,,,,3,,重复录入的全会

        """)
        let c = s.write("data/fh.yaml", """
        corrections: 1
        entries:
          - action: amend
            activity_id: A1
            set: {status: 请假}
            reason: 补交请假条
            approved_by: 王主任
          - action: remove
            activity_id: A3
            reason: 重复录入
            approved_by: 李四
          - action: add
            activity_id: N1
            record: {member_id: M1, date: 2025-03-01, kind: 全体会议, status: 出席, quantity: 2}
            reason: 签到表漏记
            approved_by: 王主任

        """)
        let r = try lvzhi(["score", "--rules", rules, "--members", m, "--activities", a, "--corrections", c,
                           "--out", s.file("out/2025"), "--publish", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        // M1: the absence became a leave (0) and the added attendance gives 2 × 2 = 4. M2: A3 removed, 3 × 2 = 6.
        let byID = try membersByID(s.data("out/2025/scores.json"))
        #expect(decimalText(byID["M1"]?["score"]) == "4" && decimalText(byID["M2"]?["score"]) == "6")

        let db = s.file("out/lvzhi-history.sqlite")
        let show = try lvzhi(["history", "show", "1", "--history", db])
        #expect(show.status == 0)
        #expect(show.stdout.contains("复核更正 3 条"), "\(show.stdout)")
        // The figures add up (read 3 + 1 added = 3 scored + 1 removed + 0 rejected), and the
        // Chinese listing does not repeat the raw action ahead of 修改/删除/补录.
        #expect(show.stdout.contains("记录：读取 4 条，计分 3 条，复核删除 1 条，拒收 0 条"), "\(show.stdout)")
        #expect(show.stdout.contains("  1. A1 M1 修改") && !show.stdout.contains("amend"), "\(show.stdout)")
        for needle in ["A1", "A3", "N1", "补交请假条", "王主任", "李四", "复核  \(c)"] {
            #expect(show.stdout.contains(needle), "show lacks \(needle):\n\(show.stdout)")
        }
        let showJSON = try json(try lvzhi(["history", "show", "1", "--history", db, "--format", "json"]).stdout)
        let stored = try #require(showJSON["corrections"] as? [[String: Any]])
        #expect(stored.count == 3 && stored.compactMap { $0["record_id"] as? String }.sorted() == ["A1", "A3", "N1"], "\(stored)")

        let approve = try lvzhi(["history", "approve", "1", "--history", db])
        #expect(approve.status == 0, "\(approve.stderr)")
        let approval = s.file("rules/fengjie.2025.approved.yaml")
        let text = s.read("rules/fengjie.2025.approved.yaml")
        #expect(text.contains("  corrections:\n    - {path: \"../data/fh.yaml\", sha256: \""), "\(text.prefix(1200))")
        #expect(text.contains("{id: \"M1\", name: \"甲\", score: \"4\""), "\(text)")

        // Unchanged rules: passes (without the corrections M1 would score 0, not the approved 4).
        let same = try lvzhi(["test", rules, "--approved", approval])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        // Plenary half-day 2 → 3: M1 4 → 6, M2 6 → 9.
        let edited = s.file("rules/edited.yaml")
        let original = try String(contentsOfFile: rules, encoding: .utf8)
        let needle = "when: {kind: 全体会议, status: 出席}, points: 2, per: quantity}"
        #expect(original.contains(needle))
        try original.replacingOccurrences(of: needle, with: "when: {kind: 全体会议, status: 出席}, points: 3, per: quantity}")
            .write(toFile: edited, atomically: true, encoding: .utf8)
        let changed = try lvzhi(["test", edited, "--approved", approval])
        #expect(changed.status == 1, "\(changed.stdout)\(changed.stderr)")
        #expect(changed.stdout.contains("M1 甲：得分 4 → 6（+2）") && changed.stdout.contains("M2 乙：得分 6 → 9（+3）"), "\(changed.stdout)")

        // The corrections file edited since: refused, naming the line that names it.
        s.write("data/fh.yaml", s.read("data/fh.yaml").replacingOccurrences(of: "李四", with: "张三"))
        let stale = try lvzhi(["test", rules, "--approved", approval])
        #expect(stale.status == 2 && stale.stderr.contains("与核准时不同"), "\(stale.stdout)\(stale.stderr)")
    }

    // MARK: - lvzhi diff between two stored runs

    @Test func diffBetweenTwoStoredRunsMatchesTheirScores() throws {
        let s = Scratch()
        try twoYears(s)
        let db = s.file("out/lvzhi-history.sqlite")
        let old = try csv(s, "out/2024/scores.csv").rows, new = try csv(s, "out/2025/scores.csv").rows

        let r = try lvzhi(["diff", "--history", db, "--runs", "1", "#2", "--format", "json", "--html", s.file("diff.html")])
        #expect(r.status == 0, "\(r.stderr)")
        let root = try json(r.stdout)
        #expect((root["old"] as? [String: Any])?["label"] as? String == "2024（草稿，运行 #1）")
        #expect((root["new"] as? [String: Any])?["label"] as? String == "2025（草稿，运行 #2）")
        let summary = try #require(root["summary"] as? [String: Any])
        #expect(summary["both"] as? Int == 4 && summary["only_old"] as? Int == 0 && summary["only_new"] as? Int == 1)
        #expect(summary["ledgers"] as? Bool == false)

        // Score changes, independently from the two scores.csv files.
        var want: [String: [String]] = [:]
        for (id, o) in old { if let n = new[id], o["总分"] != n["总分"] { want[id] = [o["总分"]!, n["总分"]!] } }
        #expect(want.count == 4)
        let changes = try #require(root["score_changes"] as? [[String: Any]])
        var got: [String: [String]] = [:]
        for c in changes { got[c["member_id"] as! String] = [decimalText(c["old"]), decimalText(c["new"])] }
        #expect(got == want)
        // Grade changes: M1 基本合格 → 不合格, M2 不合格 → 基本合格, M4 合格 → 不合格 (M3 不合格 both years).
        let changed = try #require(root["changed"] as? [[String: Any]])
        var grades: [String: String] = [:]
        for c in changed {
            let o = c["old"] as! [String: Any], n = c["new"] as! [String: Any]
            grades[c["member_id"] as! String] = "\(o["grade"]!)→\(n["grade"]!)"
            #expect(c["ledger"] == nil)
        }
        var gradeWant: [String: String] = [:]
        for (id, o) in old { if let n = new[id], o["等次"] != n["等次"] { gradeWant[id] = "\(o["等次"]!)→\(n["等次"]!)" } }
        #expect(grades == gradeWant && grades.count == 3, "\(grades)")
        #expect((root["only_new"] as? [[String: Any]])?.map { $0["member_id"] as? String } == ["M5"])
        #expect(s.read("diff.html").contains("2025（草稿，运行 #2）"))

        let text = try lvzhi(["diff", "--history", db, "--runs", "1", "2"])
        #expect(text.status == 0 && text.stdout.contains("2024（草稿，运行 #1）"), "\(text.stdout)\(text.stderr)")
        let english = try lvzhi(["diff", "--history", db, "--runs", "1", "2", "--lang", "en"])
        #expect(english.status == 0 && english.stdout.contains("2024 (draft, run #1)"), "\(english.stdout)")
    }

    @Test func diffBetweenStoredRunsRefusesWhatItCannotDo() throws {
        let s = Scratch()
        try twoYears(s)
        let db = s.file("out/lvzhi-history.sqlite")
        let unknown = try lvzhi(["diff", "--history", db, "--runs", "1", "9"])
        #expect(unknown.status == 64 && unknown.stderr.contains("没有运行 #9"), "\(unknown.stderr)")
        #expect(unknown.stdout.isEmpty)
        let missing = try lvzhi(["diff", "--history", s.file("nowhere.sqlite"), "--runs", "1", "2"])
        #expect(missing.status == 64 && missing.stderr.contains("找不到历史数据库"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.file("nowhere.sqlite")))
        // The default database is ./lvzhi-history.sqlite, as for lvzhi history (the package root has none).
        let noDefault = try lvzhi(["diff", "--runs", "1", "2"])
        #expect(noDefault.status == 64 && noDefault.stderr.contains("找不到历史数据库 lvzhi-history.sqlite"), "\(noDefault.stderr)")
        s.write("bad.sqlite", "这不是数据库\n")
        let bad = try lvzhi(["diff", "--history", s.file("bad.sqlite"), "--runs", "1", "2"])
        #expect(bad.status == 3 && bad.stderr.contains("不是 lvzhi 的历史数据库"), "\(bad.stderr)")

        for (args, message) in [
            (["--runs", "1"], "--runs 需要两个运行编号"),
            (["--runs", "1", "2", "3"], "--runs 需要两个运行编号"),
            (["--history", db], "--runs 需要两个运行编号"),
            (["--runs", "1", "x"], "--runs"),
            (["--runs", "1", "2", "--members", "m.csv"], "不能再给 --members"),
            (["--runs", "1", "2", "--old-rules", "Rules/fengjie.yaml", "--period", "2025"], "不能再给 --old-rules --period"),
            (["--old-rules", "Rules/fengjie.yaml"], "缺少 --new-rules --members --activities"),
        ] {
            let r = try lvzhi(["diff"] + args)
            #expect(r.status == 64 && r.stderr.contains(message), "\(args): \(r.stderr)")
        }
    }
}
