import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiIngest
@testable import LvzhiReport
@testable import LvzhiRules
@testable import LvzhiScoring

/// Multi-year conditions (`term`, `history`), their cases, and interim (quarterly / year-to-date)
/// runs with requirement progress.
@Suite struct HistoryTests {
    static let header = "activity_id,member_id,date,kind,status,role,level,ref,quantity,marks,title\n"

    static let historyYAML = testRulesYAML + """

    term: {start: 2023-01-01, years: 5}
    history:
      - {id: twice, name: 连续两年不合格, when: {grade: 不合格, years: 2}, effect: {flag: 劝辞}}
      - {id: absences, name: 本届缺席三次, when: {rule: absent, in_term: 3}, effect: {flag: 劝辞, grade: 不合格}}

    """

    static let requirementsYAML = testRulesYAML + """

    requirements:
      - {id: plenary, name: 出席全体会议, when: {kind: 全体会议, status: 出席}, min: 2, count: quantity, effect: {cap_grade: 合格}}
      - {id: proposal, name: 提交提案, when: {kind: 提案}, min: 2, effect: {deduct: 5}}

    """

    static func ingest(_ rows: String, rules: RuleSet, period: Period? = nil) throws -> IngestResult {
        let s = Scratch()
        let roster = try RosterReader.read(path: s.write("m.csv", testMembersCSV))
        var ing = ActivityIngestor(members: roster.members, period: period ?? rules.period!, vocabulary: rules.vocabulary)
        try ing.read(path: s.write("a.csv", header + rows))
        return ing.finish()
    }

    static func result(_ run: ScoreRun, _ id: String) -> MemberScore {
        run.results.first { run.members[$0.member].id == id }!
    }

    static func period(_ s: String) -> Period { Period(spec: s)! }

    static func parseErrors(_ yaml: String) -> [Diagnostic] {
        do {
            _ = try RuleFileLoader.parse(yaml, path: "h.yaml")
            return []
        } catch {
            return error.diagnostics
        }
    }

    // MARK: - Rule language

    @Test func parsesTermAndConditions() throws {
        let r = try RuleFileLoader.parse(Self.historyYAML, path: "h.yaml")
        #expect(r.term == Term(start: Day(year: 2023, month: 1, day: 1)!, years: 5, location: r.term?.location))
        #expect(r.history.map(\.id) == ["twice", "absences"])
        #expect(r.history[0].test == .consecutiveGrade(.named(2), years: 2))
        #expect(r.history[1].test == .ruleCountInTerm(rule: r.ruleIndex(id: "absent")!, min: 3))
        #expect(r.history[1].effect == .init(flag: "劝辞", grade: 2))
        #expect(r.history[0].location?.line != nil)
    }

    @Test(arguments: [
        // (replacement for the history section, id, line, column, text in the message)
        ("  - {id: x, when: {grade: 不及格, years: 2}, effect: {flag: 劝辞}}", "R060", 32, 27, "不及格"),
        ("  - {id: x, when: {rule: absnt, in_term: 3}, effect: {flag: 劝辞}}", "R114", 32, 26, "absnt"),
        ("  - {id: x, when: {grade: 不合格, rule: absent, in_term: 3}, effect: {flag: 劝辞}}", "R112", 32, 19, ""),
        ("  - {id: x, when: {grade: 不合格, years: 0}, effect: {flag: 劝辞}}", "R115", 32, 39, "0"),
        ("  - {id: x, when: {grade: 不合格, years: 2}}", "R118", 32, 5, "x"),
        ("  - {id: x, when: {grade: 不合格, years: 2}, effect: {grade: 优等}}", "R060", 32, 59, "优等"),
        ("  - {name: 没有编号, when: {grade: 不合格, years: 2}, effect: {flag: 劝辞}}", "R111", 32, 5, ""),
    ])
    func conditionErrorsHavePositions(_ line: String, _ id: String, _ row: Int, _ column: Int, _ text: String) {
        let yaml = testRulesYAML + "\nterm: {start: 2023-01-01, years: 5}\nhistory:\n" + line + "\n"
        let d = Self.parseErrors(yaml).first { $0.id == id }
        #expect(d != nil, "expected \(id) in \(Self.parseErrors(yaml).map(\.id))")
        #expect(d?.location?.line == row)
        #expect(d?.location?.column == column)
        if !text.isEmpty { #expect(d?.zh.contains(text) == true) }
    }

    @Test func unknownRuleSuggestsTheClosest() {
        let yaml = testRulesYAML + "\nterm: {start: 2023-01-01, years: 5}\nhistory:\n  - {id: x, when: {rule: absnt, in_term: 3}, effect: {flag: 劝辞}}\n"
        let d = Self.parseErrors(yaml).first { $0.id == "R114" }
        #expect(d?.hintZh == "是否想写“absent”？")
    }

    @Test func termErrors() {
        let noTerm = testRulesYAML + "\nhistory:\n  - {id: x, when: {rule: absent, in_term: 3}, effect: {flag: 劝辞}}\n"
        #expect(Self.parseErrors(noTerm).map(\.id) == ["R116"])
        // A consecutive-grade condition needs no term.
        let consecutive = testRulesYAML + "\nhistory:\n  - {id: x, when: {grade: lowest, years: 2}, effect: {flag: 劝辞}}\n"
        #expect(Self.parseErrors(consecutive).isEmpty)

        let badStart = testRulesYAML + "\nterm: {start: 2023-13-01, years: 5}\n"
        let d = Self.parseErrors(badStart).first
        #expect(d?.id == "R117")
        #expect(d?.location?.line == 30)
        #expect(d?.location?.column == 15)
        #expect(Self.parseErrors(testRulesYAML + "\nterm: {start: 2023-01-01, years: 0}\n").map(\.id) == ["R117"])
        #expect(Self.parseErrors(testRulesYAML + "\nterm: {start: 2023-01-01}\n").map(\.id) == ["R117"])
        #expect(Self.parseErrors(testRulesYAML + "\nterm: {start: 2023-01-01, years: 5, end: 2027}\n").map(\.id) == ["R011"])
    }

    @Test func termContainingADay() {
        let t = Term(start: Day(year: 2023, month: 1, day: 1)!, years: 5)
        #expect(t.containing(Day(year: 2025, month: 6, day: 1)!) == Self.period("2023-01-01..2027-12-31"))
        #expect(t.containing(Day(year: 2023, month: 1, day: 1)!) == Self.period("2023-01-01..2027-12-31"))
        #expect(t.containing(Day(year: 2022, month: 12, day: 31)!) == Self.period("2018-01-01..2022-12-31"))
        #expect(t.containing(Day(year: 2028, month: 1, day: 1)!) == Self.period("2028-01-01..2032-12-31"))
        let march = Term(start: Day(year: 2022, month: 3, day: 15)!, years: 5)
        #expect(march.containing(Day(year: 2027, month: 3, day: 14)!) == Self.period("2022-03-15..2027-03-14"))
        #expect(march.containing(Day(year: 2027, month: 3, day: 15)!) == Self.period("2027-03-15..2032-03-14"))
    }

    @Test func staticChecksAndRuleBook() throws {
        let yaml = testRulesYAML + """

        history:
          - {id: once, when: {grade: 不合格, years: 1}, effect: {flag: 约谈}}
          - {id: pointless, when: {grade: 合格, years: 2}, effect: {flag: 提醒, grade: 优秀}}

        """
        let r = try RuleFileLoader.parse(yaml, path: "h.yaml")
        let ids = StaticChecks.run(r, source: yaml).map(\.id)
        #expect(ids.contains("S007"))
        #expect(ids.contains("S008"))
        #expect(!StaticChecks.run(try RuleFileLoader.parse(Self.historyYAML, path: "h.yaml"), source: Self.historyYAML)
            .contains { $0.id == "S007" || $0.id == "S008" })

        let md = RuleBook.render(try RuleFileLoader.parse(Self.historyYAML, path: "h.yaml"), lang: .zh)
        #expect(md.contains("跨年度处理"))
        #expect(md.contains("每届任期 5 年，自 2023-01-01 起连续计算"))
        #expect(md.contains("连续两年不合格：连续 2 个考核期（含本期）等次为“不合格”的，标注“劝辞”。"))
        #expect(md.contains("本届缺席三次：本届内“absent”的记录累计达到 3 条（含本期，一条记录算一次）的，标注“劝辞”，等次至多评为“不合格”。"))
        #expect(!RuleBook.render(try testRules(), lang: .zh).contains("跨年度"))
    }

    // MARK: - Evaluation

    static let rows = """
    A1,M2,2025-01-08,全体会议,出席,,,,5,,全会
    A2,M2,2025-03-01,提案,立案,第一提案人,,P1,,,提案
    A3,M2,2025-04-08,全体会议,缺席,,,,2,,缺席两个半天（一条记录）

    """

    @Test func consecutiveGradesReadTheHistory() throws {
        let rules = try RuleFileLoader.parse(Self.historyYAML, path: "h.yaml")
        let ingest = try Self.ingest(Self.rows, rules: rules)
        // M1 has no records: 0 points, 不合格.
        let with = Scorer.score(ingest, rules: rules, period: rules.period!, options: ScoreOptions(history: HistoryFacts(byMember: [
            "M1": [.init(period: Self.period("2024"), grade: "不合格")],
            "M4": [.init(period: Self.period("2023"), grade: "不合格")], // not the period right before
        ])))
        let m1 = Self.result(with, "M1")
        #expect(m1.history.map(\.condition) == [0])
        #expect(m1.history.first?.earlier == [Self.period("2024")])
        #expect(m1.ledger.contains { $0.note == .history(0) })
        #expect(Self.result(with, "M4").history.isEmpty)
        #expect(with.notices.isEmpty)
        #expect(with.historyAvailable)

        // Without history nothing earlier is seen, and the run says so.
        let without = Scorer.score(ingest, rules: rules, period: rules.period!, options: ScoreOptions())
        #expect(Self.result(without, "M1").history.isEmpty)
        #expect(without.notices.map(\.id) == ["N001"])
        #expect(!without.historyAvailable)
    }

    /// A roster with joined dates is scored whole every year, so the history can hold a 0-point
    /// 不合格 for a member in a year before they took office. That is not their record: M3 joined
    /// on 2025-07-01 and must not be flagged 劝辞 for "two years running" on its strength.
    @Test func earlierPeriodsBeforeTakingOfficeDoNotCount() throws {
        let rules = try RuleFileLoader.parse(Self.historyYAML, path: "h.yaml")
        let ingest = try Self.ingest(Self.rows, rules: rules)
        let prior: [HistoryFacts.Prior] = [.init(period: Self.period("2024"), grade: "不合格")]
        let run = Scorer.score(ingest, rules: rules, period: rules.period!,
                               options: ScoreOptions(history: HistoryFacts(byMember: ["M1": prior, "M3": prior])))
        let m3 = Self.result(run, "M3")
        #expect(rules.grades[m3.grade].name == "不合格")   // no records this year either
        #expect(m3.history.isEmpty, "\(m3.history)")
        #expect(!m3.ledger.contains { if case .history = $0.note { true } else { false } })
        #expect(Self.result(run, "M1").history.map(\.condition) == [0])   // in office in 2024: flagged
        let here = SourceLocation(file: "m.csv", line: 1)
        let joined = Member(id: "M3", name: "丙", joined: Day(iso: "2025-07-01"), source: here)
        #expect(!joined.served(during: Self.period("2024")) && joined.served(during: Self.period("2025")))
        #expect(Member(id: "M9", name: "", left: Day(iso: "2024-01-01"), source: here).served(during: Self.period("2024")))
        #expect(!Member(id: "M9", name: "", left: Day(iso: "2023-12-31"), source: here).served(during: Self.period("2024")))
    }

    @Test func termCountsAddEarlierPeriodsOfTheTerm() throws {
        let rules = try RuleFileLoader.parse(Self.historyYAML, path: "h.yaml")
        let ingest = try Self.ingest(Self.rows, rules: rules)
        // M2: meetings 2×5 = 10, proposals 6, deductions −3×2 = −6 stop at the floor −5: 11 → 合格.
        // One absence record this year (two half-days).
        let base = Scorer.score(ingest, rules: rules, period: rules.period!, options: ScoreOptions())
        #expect(Self.result(base, "M2").score == Points(11))
        #expect(Self.result(base, "M2").grade == 1)

        func run(_ priors: [HistoryFacts.Prior]) -> MemberScore {
            Self.result(Scorer.score(ingest, rules: rules, period: rules.period!,
                                     options: ScoreOptions(history: HistoryFacts(byMember: ["M2": priors]))), "M2")
        }
        // 2023: 1, 2024: 1, this year 1 → 3 in the term: 劝辞 and at most 不合格.
        let hit = run([.init(period: Self.period("2023"), grade: "合格", ruleCounts: ["absent": 1]),
                       .init(period: Self.period("2024"), grade: "合格", ruleCounts: ["absent": 1])])
        #expect(hit.history.map(\.condition) == [1])
        #expect(hit.history.first?.count == 3)
        #expect(hit.history.first?.current == 1)
        #expect(hit.grade == 2)
        #expect(hit.bandGrade == 1)
        #expect(hit.score == Points(11))
        // 2022 belongs to the previous term (2018–2022); this year's own Q1 overlaps the period and
        // is not earlier: neither counts.
        let miss = run([.init(period: Self.period("2022"), ruleCounts: ["absent": 5]),
                        .init(period: Self.period("2024"), ruleCounts: ["absent": 1]),
                        .init(period: Self.period("2025-Q1"), ruleCounts: ["absent": 4])])
        #expect(miss.history.isEmpty)
        #expect(miss.grade == 1)
        // A year and its quarters both stored: the year counts once, the quarters are skipped.
        let overlapping = run([.init(period: Self.period("2024"), ruleCounts: ["absent": 2]),
                               .init(period: Self.period("2024-Q1"), ruleCounts: ["absent": 1]),
                               .init(period: Self.period("2024-Q3"), ruleCounts: ["absent": 1])])
        #expect(overlapping.history.first?.count == 3)
        #expect(overlapping.history.first?.earlier == [Self.period("2024")])
    }

    @Test func bottomTwoYearsRunning() throws {
        let yaml = testRulesYAML + "\nhistory:\n  - {id: tail, name: 连续两年后 1 名, when: {bottom: 1, years: 2}, effect: {flag: 不再提名}}\n"
        let rules = try RuleFileLoader.parse(yaml, path: "h.yaml")
        #expect(rules.history[0].test == .bottomConsecutive(.count(1), years: 2))
        let ingest = try Self.ingest(Self.rows, rules: rules)
        // Ranked: M2 11 points (rank 1), M1 and M3 0 points (tied at rank 2 of 3). M4 is not ranked.
        func run(_ facts: [String: [HistoryFacts.Prior]]) -> ScoreRun {
            Scorer.score(ingest, rules: rules, period: rules.period!, options: ScoreOptions(history: HistoryFacts(byMember: facts)))
        }
        let last2024 = HistoryFacts.Prior(period: Self.period("2024"), rank: 50, ranked: 50)
        let tied = run(["M1": [last2024], "M3": [last2024], "M2": [last2024], "M4": [last2024]])
        // The tie at ranks 2–3 straddles the last place (rank ≥ 3 − 1 + 1 = 3): nobody is flagged.
        #expect(tied.results.allSatisfy { $0.history.isEmpty })

        // Drop the tie: M3 earns 1.5 points, so M1 is last alone (rank 3 of 3).
        let ingest2 = try Self.ingest(Self.rows + "A9,M3,2025-08-01,界别活动,参加,,,,,,\n", rules: rules)
        func run2(_ prior: HistoryFacts.Prior) -> MemberScore {
            Self.result(Scorer.score(ingest2, rules: rules, period: rules.period!,
                                     options: ScoreOptions(history: HistoryFacts(byMember: ["M1": [prior]]))), "M1")
        }
        #expect(run2(last2024).history.map(\.condition) == [0])
        #expect(run2(.init(period: Self.period("2024"), rank: 49, ranked: 50)).history.isEmpty)
        #expect(run2(.init(period: Self.period("2024"), grade: "不合格")).history.isEmpty) // no rank stored
        #expect(run2(.init(period: Self.period("2023"), rank: 50, ranked: 50)).history.isEmpty) // not the year before

        #expect(Self.parseErrors(testRulesYAML + "\nhistory:\n  - {id: x, when: {bottom: 10, grade: 不合格, years: 2}, effect: {flag: 劝辞}}\n")
            .map(\.id) == ["R112"])
        #expect(Self.parseErrors(testRulesYAML + "\nhistory:\n  - {id: x, when: {bottom: 十名, years: 2}, effect: {flag: 劝辞}}\n")
            .map(\.id) == ["R104"])
        #expect(HistoryFacts.inBottom(rank: 291, of: 300, .count(10)))
        #expect(!HistoryFacts.inBottom(rank: 290, of: 300, .count(10)))
        #expect(HistoryFacts.inBottom(rank: 286, of: 300, .percent(Points(5))))
        #expect(!HistoryFacts.inBottom(rank: 1, of: 10, .percent(Points(5)))) // 5% of 10 is nobody
    }

    @Test func historyOutputs() throws {
        let rules = try RuleFileLoader.parse(Self.historyYAML, path: "h.yaml")
        let ingest = try Self.ingest(Self.rows, rules: rules)
        let run = Scorer.score(ingest, rules: rules, period: rules.period!, options: ScoreOptions(history: HistoryFacts(byMember: [
            "M1": [.init(period: Self.period("2024"), grade: "不合格")],
            "M2": [.init(period: Self.period("2024"), grade: "合格", ruleCounts: ["absent": 2])],
        ])))
        let s = RunSummary(run: run, generatedAt: "t", toolVersion: "test", lang: .zh)
        let csv = String(decoding: ScoresCSV.render(s, lang: .zh).bytes, as: UTF8.self)
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines[0].hasSuffix(",记录数,跨年度处理"))
        #expect(lines.contains { $0.hasPrefix("M1,") && $0.hasSuffix(",劝辞") })
        #expect(lines.contains { $0.hasPrefix("M3,") && $0.hasSuffix(",0,") })

        let json = String(decoding: ScoresJSON.render(s, lang: .zh).bytes, as: UTF8.self)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        let members = object["members"] as! [[String: Any]]
        let m2 = members.first { $0["member_id"] as? String == "M2" }!
        #expect(m2["flags"] as? [String] == ["劝辞"])
        let h = (m2["history"] as! [[String: Any]])[0]
        #expect(h["id"] as? String == "absences")
        #expect(h["count"] as? Int == 3)
        #expect(h["earlier"] as? [String] == ["2024-01-01..2024-12-31"])
        #expect(m2["grade"] as? String == "不合格")
        #expect(members.first { $0["member_id"] as? String == "M3" }!["flags"] as? [String] == [])
        #expect(object["notices"] == nil)
        #expect(m2["requirements"] == nil)

        let html = String(decoding: HTMLReport.render(s, lang: .zh).bytes, as: UTF8.self)
        #expect(html.contains("跨年度处理（劝辞）"))
        #expect(html.contains("本届缺席三次（本届累计 3 条，本期 1 条，此前见于 2024年）→ 劝辞，等次至多为不合格"))
        #expect(!html.contains("本次未提供往年结果"))
        let pages = String(decoding: MemberPages.render(s, lang: .zh).bytes, as: UTF8.self)
        #expect(pages.contains("连续两年不合格（2024年、本期）→ 劝辞"))
        let ledger = LedgerText(run: run, lang: .zh, color: false).render(Self.result(run, "M2"))
        #expect(ledger.contains("跨年度条件"))

        // Without history the report says the conditions could not look back.
        let bare = RunSummary(run: Scorer.score(ingest, rules: rules, period: rules.period!, options: ScoreOptions()),
                              generatedAt: "t", toolVersion: "test", lang: .zh)
        let bareHTML = String(decoding: HTMLReport.render(bare, lang: .zh).bytes, as: UTF8.self)
        #expect(bareHTML.contains("本次未提供往年结果"))
        #expect(bareHTML.contains("class=\"notices\""))
    }

    @Test func noHistorySectionLeavesOutputsAlone() throws {
        let rules = try testRules()
        let run = Scorer.score(try Self.ingest(Self.rows, rules: rules), rules: rules, period: rules.period!)
        let s = RunSummary(run: run, generatedAt: "t", toolVersion: "test", lang: .zh)
        #expect(s.rows.allSatisfy { $0.flags == nil })
        let csv = String(decoding: ScoresCSV.render(s, lang: .zh).bytes, as: UTF8.self)
        #expect(!csv.contains("跨年度"))
        let json = String(decoding: ScoresJSON.render(s, lang: .zh).bytes, as: UTF8.self)
        #expect(!json.contains("\"flags\"") && !json.contains("\"notices\"") && !json.contains("\"requirements\""))
        let html = String(decoding: HTMLReport.render(s, lang: .zh).bytes, as: UTF8.self)
        #expect(!html.contains("跨年度") && !html.contains("最低要求进度") && !html.contains("class=\"notices\""))
    }

    // MARK: - Cases

    @Test func casesStateHistory() throws {
        let yaml = Self.historyYAML + """
        cases:
          - name: 两年不合格
            members: [{member_id: A}, {member_id: B}]
            history:
              A: [{period: 2024, grade: 不合格}]
              B: [{period: 2024, grade: 合格, counts: {absent: 2}}]
            records:
              - {member_id: B, date: 2025-04-08, kind: 全体会议, status: 缺席}
            expect:
              A: {grade: 不合格, flags: [劝辞]}
              B: {flags: [劝辞], grade: 不合格}
          - name: 写错的期望会失败
            members: [{member_id: A}]
            history:
              A: [{period: 2024, grade: 合格}]
            expect:
              A: {flags: [劝辞]}

        """
        let rules = try RuleFileLoader.parse(yaml, path: "h.yaml")
        let (cases, diagnostics) = RuleCases.parse(yaml, path: "h.yaml", rules: rules)
        #expect(diagnostics.isEmpty)
        #expect(cases.count == 2)
        #expect(cases[0].history?.byMember["B"]?.first?.ruleCounts == ["absent": 2])
        let pass = CaseRunner.run(cases[0], rules: rules)
        #expect(pass.passed, "\(pass.failures.map(\.diagnostic.zh))")
        let fail = CaseRunner.run(cases[1], rules: rules)
        #expect(fail.failures.map(\.diagnostic.id) == ["T009"])
        #expect(fail.failures.first?.diagnostic.location?.line == 50)
        #expect(fail.failures.first?.diagnostic.zh.contains("跨年度处理应为 劝辞，实际为 无") == true)
    }

    @Test func caseHistoryErrors() throws {
        let yaml = Self.historyYAML + """
        cases:
          - name: 错误
            members: [{member_id: A}]
            history:
              Z: [{period: 2024, grade: 不合格}]
              A: [{period: 2024x, grade: 不合格}, {period: 2023, grade: 差}, {period: 2022, counts: {absnt: 1}}, {grade: 合格}]
            expect:
              A: {flags: []}

        """
        let rules = try RuleFileLoader.parse(yaml, path: "h.yaml")
        let (cases, diagnostics) = RuleCases.parse(yaml, path: "h.yaml", rules: rules)
        #expect(cases.isEmpty)
        #expect(diagnostics.map(\.id) == ["T025", "T024", "T025", "T025", "T023"])
        #expect(diagnostics.allSatisfy { $0.location?.line != nil })
        #expect(diagnostics[0].location?.line == 38)
        #expect(diagnostics[3].hintZh == "是否想写“absent”？")
    }

    @Test func shippedTermSchemePassesItsCases() {
        let outcome = CaseRunner.run(file: packageRoot + "/Rules/fengjie-term.yaml")
        #expect(outcome.loadError == nil)
        #expect(outcome.diagnostics.isEmpty)
        #expect(outcome.results.count == 4)
        #expect(outcome.failed == 0)
    }

    // MARK: - Quarterly and year-to-date 通报

    static let ytdRows = """
    B1,M1,2025-01-08,全体会议,出席,,,,1,,全会
    B2,M1,2025-03-01,提案,立案,第一提案人,,P1,,重点,提案一
    B3,M1,2025-05-01,提案,立案,第一提案人,,P2,,,提案二
    B4,M1,2025-06-30,提案,立案,第一提案人,,P4,,,提案四（截至日当天，计入）
    B5,M1,2025-09-01,全体会议,出席,,,,4,,下半年全会
    B6,M2,2025-02-01,全体会议,出席,,,,3,,全会
    B7,M2,2025-08-01,提案,立案,第一提案人,,P3,,,下半年提案

    """

    @Test func yearToDateShowsProgressAndAppliesNoRequirement() throws {
        let rules = try RuleFileLoader.parse(Self.requirementsYAML, path: "q.yaml")
        let ingest = try Self.ingest(Self.ytdRows, rules: rules)
        let asOf = Day(year: 2025, month: 6, day: 30)!
        let run = Scorer.score(ingest, rules: rules, period: rules.period!, options: ScoreOptions(asOf: asOf))
        #expect(run.isProgressRun)
        #expect(run.period == Self.period("2025-01-01..2025-06-30"))
        #expect(run.fullPeriod == Self.period("2025"))
        #expect(run.recordsAfterAsOf == 2)
        #expect(run.recordsScored == 5)
        #expect(run.notices.map(\.id) == ["N002", "N003", "N005"])

        // M1 by hand: plenary 2×1 = 2; proposals 6+3+6+6 = 21 → cap 20; total 22 → 优秀 (≥ 20).
        // Plenary half-days 1 of 2 (not met: at year end it would cap the grade at 合格);
        // proposals 3 of 2 (met).
        let m1 = Self.result(run, "M1")
        #expect(m1.score == Points(22))
        #expect(m1.grade == 0)
        #expect(m1.missedRequirements.isEmpty)
        #expect(m1.progress == [RequirementProgress(requirement: 0, done: Points(1), needed: Points(2)),
                                RequirementProgress(requirement: 1, done: Points(3), needed: Points(2))])
        #expect(!m1.partialPeriod)
        // M2: plenary 3 of 2 (met), proposals 0 of 2 (no 5-point deduction mid-year): 2×3 = 6 → 不合格.
        let m2 = Self.result(run, "M2")
        #expect(m2.score == Points(6))
        #expect(m2.progress.map(\.done) == [Points(3), Points.zero])
        #expect(m2.progress.map(\.met) == [true, false])
        #expect(!m2.partialPeriod)
        // M3 joins on 2025-07-01, after the as-of date: not in office in the period so far, so
        // neither graded nor ranked (N005), as in a quarter run; nobody else served part of it.
        #expect(!run.members.contains { $0.id == "M3" })
        #expect(run.results.filter(\.partialPeriod).isEmpty)
        #expect(Self.result(run, "M4").progress.map(\.met) == [false, false])

        // The same records at year end: requirements apply.
        let annual = Scorer.score(ingest, rules: rules, period: rules.period!)
        #expect(!annual.isProgressRun)
        #expect(Self.result(annual, "M1").progress.isEmpty)
        #expect(Self.result(annual, "M2").missedRequirements == [1])
        // M2 at year end: 6 + 6 (P3) − 5 (only one proposal) = 7.
        #expect(Self.result(annual, "M2").score == Points(7))

        let s = RunSummary(run: run, generatedAt: "t", toolVersion: "test", lang: .zh)
        let json = try JSONSerialization.jsonObject(with: Data(ScoresJSON.render(s, lang: .zh).bytes)) as! [String: Any]
        #expect(json["as_of"] as? String == "2025-06-30")
        #expect(json["records_after_as_of"] as? Int == 2)
        #expect((json["full_period"] as? [String: String])?["end"] == "2025-12-31")
        let members = json["members"] as! [[String: Any]]
        let j1 = members.first { $0["member_id"] as? String == "M1" }!["requirements"] as! [[String: Any]]
        #expect(j1.map { $0["id"] as? String } == ["plenary", "proposal"])
        #expect(j1.map { $0["done"] as? Int } == [1, 3])
        #expect(j1.map { $0["needed"] as? Int } == [2, 2])
        #expect(j1.map { $0["met"] as? Bool } == [false, true])

        let html = String(decoding: HTMLReport.render(s, lang: .zh).bytes, as: UTF8.self)
        #expect(html.contains("最低要求进度（通报）：尚未完成"))
        #expect(html.contains("出席全体会议（1/2）"))
        #expect(html.contains("提交提案（0/2）"))
        #expect(!html.contains("未达到最低要求 <span"))
        #expect(html.contains("2025年1月1日至6月30日（2025年1月1日至12月31日的阶段通报）"))
        #expect(html.contains("计分 5 条 + 2025-06-30 之后暂不计分 2 条 + 拒收 0 条"))
        let pages = String(decoding: MemberPages.render(s, lang: .zh).bytes, as: UTF8.self)
        #expect(pages.contains("最低要求进度（阶段通报）"))
        #expect(pages.contains("（已完成 1/2）"))

        let annualHTML = String(decoding: HTMLReport.render(RunSummary(run: annual, generatedAt: "t", toolVersion: "test", lang: .zh), lang: .zh).bytes, as: UTF8.self)
        #expect(!annualHTML.contains("最低要求进度"))
        #expect(annualHTML.contains("未达到最低要求 <span"))
    }

    @Test func quarterOfTheRulesYearIsAnInterimRun() throws {
        let s = Scratch()
        let rulesPath = s.write("q.yaml", Self.requirementsYAML)
        let members = s.write("members.csv", testMembersCSV)
        let activities = s.write("acts/a.csv", Self.header + Self.ytdRows)
        let q2 = try ScoringPipeline.run(rules: rulesPath, members: members, activities: [activities], period: "2025-Q2")
        #expect(q2.isProgressRun)
        #expect(q2.fullPeriod == Self.period("2025"))
        #expect(q2.asOf == nil)
        // Q2 holds B3 and B4 (two proposals for M1); the other five records of 2025 are read
        // against the rule file's year and set aside, not rejected.
        #expect(Self.result(q2, "M1").progress.map(\.done) == [Points.zero, Points(2)])
        #expect(q2.period == Self.period("2025-Q2") && q2.part == Self.period("2025-Q2"))
        #expect(q2.rejects.isEmpty, "\(q2.rejects)")
        #expect(q2.recordsScored == 2 && q2.recordsOutsidePart == 5 && q2.recordsAfterAsOf == 0 && q2.recordsSetAside == 5)
        #expect(q2.notices.contains { $0.id == "N004" && $0.zh == "本期（2025年第2季度）之外、同一考核年度内的 5 条记录暂不计分，也未拒收" })
        // A quarter and an as-of day inside it: B4 (06-30) comes after 2025-05-31.
        let q2May = try ScoringPipeline.run(rules: rulesPath, members: members, activities: [activities], period: "2025-Q2",
                                            asOf: Day(year: 2025, month: 5, day: 31))
        #expect(q2May.period == Self.period("2025-04-01..2025-05-31"))
        #expect(q2May.recordsScored == 1 && q2May.recordsOutsidePart == 5 && q2May.recordsAfterAsOf == 1 && q2May.rejects.isEmpty)
        let q2HTML = String(decoding: HTMLReport.render(RunSummary(run: q2, generatedAt: "t", toolVersion: "test", lang: .zh), lang: .zh).bytes,
                            as: UTF8.self)
        #expect(q2HTML.contains("读取 7 条 = 计分 2 条 + 本期（2025年第2季度）之外暂不计分 5 条 + 拒收 0 条"), "\(q2HTML)")
        let year = try ScoringPipeline.run(rules: rulesPath, members: members, activities: [activities], period: nil)
        #expect(!year.isProgressRun)
        #expect(year.part == nil && year.recordsSetAside == 0 && year.recordsScored == 7 && !year.notices.contains { $0.id == "N004" })
        let ytd = try ScoringPipeline.run(rules: rulesPath, members: members, activities: [activities], period: nil,
                                          asOf: Day(year: 2025, month: 6, day: 30))
        #expect(ytd.rejects.isEmpty)
        #expect(ytd.recordsAfterAsOf == 2)
        // M3 takes office on 2025-07-01, after the as-of day: not graded, as in a quarter run.
        #expect(ytd.members.map(\.id) == ["M1", "M2", "M4"])
        #expect(ytd.notices.contains { $0.id == "N005" && $0.zh.contains("M3 丙") })
        let q3 = try ScoringPipeline.run(rules: rulesPath, members: members, activities: [activities], period: nil,
                                         asOf: Day(year: 2025, month: 9, day: 30))
        #expect(q3.members.map(\.id) == ["M1", "M2", "M3", "M4"] && !q3.notices.contains { $0.id == "N005" })
        #expect(throws: ScoringPipeline.Failure.self) {
            try ScoringPipeline.run(rules: rulesPath, members: members, activities: [activities], period: nil,
                                    asOf: Day(year: 2026, month: 1, day: 1))
        }
    }
}
