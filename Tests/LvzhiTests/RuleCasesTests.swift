import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiRules
@testable import LvzhiScoring

/// The `cases:` section of a rule file: the parser (errors point at their line) and the runner.
@Suite struct RuleCasesTests {
    /// The shared test rules with one case. By hand: M1 lead 立案 6 + 重点 3 = 9 (不合格, < 10);
    /// M2 co-signer 立案 2 (不合格), rank 2.
    static let yaml = testRulesYAML + """

    cases:
      - name: 联名提案按角色计分
        members:
          - {member_id: M1, role: 委员, sector: 经济界}
          - {member_id: M2, name: 乙, role: 常委, joined: 2025-07-01, ranked: 是}
        records:
          - {member_id: M1, date: 2025-03-01, kind: 提案, status: 立案, role: 第一提案人, ref: P1, marks: [重点]}
          - {member_id: M2, date: 2025-08-01, kind: 提案, status: 立案, role: 联名提案人, ref: P1}
        expect:
          M1: {score: 9, grade: 不合格, color: 红, rank: 1, categories: {proposals: 9, meetings: 0}}
          M2: {score: 2, grade: 不合格, rank: 2, vetoed: false}

    """

    /// 1-based line of the first line of `text` containing `needle`.
    func line(of needle: String, in text: String) -> Int {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return (lines.firstIndex { $0.contains(needle) } ?? -1) + 1
    }

    /// 1-based column (in characters) of `needle` on its line.
    func column(of needle: String, in text: String) -> Int {
        let l = text.split(separator: "\n", omittingEmptySubsequences: false)[line(of: needle, in: text) - 1]
        return l.distance(from: l.startIndex, to: l.range(of: needle)!.lowerBound) + 1
    }

    func parse(_ text: String) throws -> (cases: [RuleCase], diagnostics: [Diagnostic]) {
        let rules = try RuleFileLoader.parse(text, path: "r.yaml")
        return RuleCases.parse(text, path: "r.yaml", rules: rules)
    }

    func run(_ text: String) throws -> [CaseResult] {
        let rules = try RuleFileLoader.parse(text, path: "r.yaml")
        let (cases, diagnostics) = RuleCases.parse(text, path: "r.yaml", rules: rules)
        #expect(diagnostics.isEmpty, "\(diagnostics.map { $0.render(.zh) })")
        return cases.map { CaseRunner.run($0, rules: rules) }
    }

    // MARK: - Parser

    @Test func parsesMembersRecordsAndExpectations() throws {
        let (cases, diagnostics) = try parse(Self.yaml)
        #expect(diagnostics.isEmpty)
        let c = try #require(cases.first)
        #expect(c.name == "联名提案按角色计分")
        #expect(c.index == 1)
        #expect(c.period == Period(spec: "2025"))
        #expect(c.members.map(\.id) == ["M1", "M2"])
        #expect(c.members[0].name == "M1")
        #expect(c.members[1].name == "乙" && c.members[1].joined == Day(iso: "2025-07-01") && c.members[1].ranked)
        #expect(c.records.map { $0.values[.activityID] } == ["C1-1", "C1-2"])
        #expect(c.records[0].values[.marks] == "重点")
        #expect(c.records[1].location.line == line(of: "member_id: M2, date: 2025-08-01", in: Self.yaml))
        #expect(c.records[1].location.column == 9)
        #expect(c.expectRejects == nil)
        let m1 = try #require(c.expectations.first)
        #expect(m1.checks.map(\.expected) == [.score(9), .grade("不合格"), .color("红"), .rank(1),
                                              .category(id: "proposals", points: 9), .category(id: "meetings", points: 0)])
        let score = m1.checks[0].location
        #expect(score.line == line(of: "M1: {score: 9", in: Self.yaml))
        #expect(score.column == column(of: "9, grade", in: Self.yaml))
        #expect(c.expectations[1].checks.last?.expected == .vetoed(false))
    }

    @Test func aFileWithoutCasesHasNone() throws {
        let (cases, diagnostics) = try parse(testRulesYAML)
        #expect(cases.isEmpty && diagnostics.isEmpty)
    }

    /// Each mistake gives one diagnostic with its id, at the line holding `at`.
    @Test(arguments: [
        ("    records:", "    recrods:", ["T021"], "recrods:", "是否想写“records”？"),
        ("joined: 2025-07-01", "joined: 2025-13-01", ["T024"], "joined: 2025-13-01", nil),
        ("grade: 不合格, color", "grade: 不及格, color", ["T025"], "grade: 不及格", "是否想写“不合格”？"),
        ("categories: {proposals: 9", "categories: {proposal: 9", ["T025"], "categories: {proposal", "是否想写“proposals”？"),
        ("      M2: {score: 2", "      M3: {score: 2", ["T025"], "M3: {score: 2", "是否想写“M1”？"),
        ("  - name: 联名提案按角色计分", "  - nam: 联名提案按角色计分", ["T021", "T023"], "nam: 联名", "是否想写“name”？"),
        ("rank: 1,", "rank: first,", ["T024"], "rank: first", nil),
        ("ranked: 是", "ranked: 也许", ["T024"], "ranked: 也许", nil),
        ("vetoed: false", "vetoed: dicsipline", ["T025"], "vetoed: dicsipline", "是否想写“discipline”？"),
        ("score: 9,", "score: 九,", ["T024"], "score: 九", nil),
    ] as [(String, String, [String], String, String?)])
    func mistakesPointAtTheirLine(_ from: String, _ to: String, _ ids: [String], _ at: String, _ hint: String?) throws {
        let text = Self.yaml.replacingOccurrences(of: from, with: to)
        #expect(text != Self.yaml)
        let (cases, diagnostics) = try parse(text)
        #expect(cases.isEmpty, "a case with errors is left out")
        #expect(diagnostics.map(\.id) == ids, "\(diagnostics.map { $0.render(.zh) })")
        #expect(diagnostics.first?.location?.line == line(of: at, in: text))
        #expect(diagnostics.first?.location?.file == "r.yaml")
        if let hint { #expect(diagnostics.first?.hintZh?.hasPrefix(hint) == true, "\(diagnostics.first?.hintZh ?? "")") }
    }

    @Test func structuralMistakes() throws {
        let notAList = try parse(testRulesYAML + "\ncases: {a: 1}\n").diagnostics
        #expect(notAList.map(\.id) == ["T020"])
        let twice = Self.yaml + Self.yaml[Self.yaml.range(of: "  - name:")!.lowerBound...]
        #expect(try parse(String(twice)).diagnostics.map(\.id) == ["T026"])
        let noMembers = try parse(testRulesYAML + "\ncases:\n  - {name: x, expect: {}}\n").diagnostics
        #expect(noMembers.map(\.id) == ["T023"])
        #expect(noMembers.first?.location?.line == line(of: "  - {name: x", in: testRulesYAML + "\ncases:\n  - {name: x, expect: {}}\n"))
        let noPeriod = testRulesYAML.replacingOccurrences(of: "period: 2025\n", with: "")
            + "\ncases:\n  - {name: x, members: [{member_id: M1}], expect: {M1: {score: 0}}}\n"
        #expect(try parse(noPeriod).diagnostics.map(\.id) == ["T027"])
        let ownPeriod = noPeriod.replacingOccurrences(of: "{name: x,", with: "{name: x, period: 2025-Q2,")
        let (cases, d) = try parse(ownPeriod)
        #expect(d.isEmpty && cases.first?.period == Period(spec: "2025-Q2"))
    }

    // MARK: - Runner

    @Test func aPassingCase() throws {
        let results = try run(Self.yaml)
        #expect(results.count == 1)
        #expect(results[0].passed, "\(results[0].failures.map { $0.diagnostic.render(.zh) })")
        #expect(results[0].result(for: "M2")?.partialPeriod == true)
    }

    @Test func aFailingCasePointsAtItsExpectation() throws {
        let text = Self.yaml.replacingOccurrences(of: "M1: {score: 9,", with: "M1: {score: 8,")
        let r = try #require(try run(text).first)
        #expect(!r.passed)
        let f = try #require(r.failures.first)
        #expect(r.failures.count == 1)
        #expect(f.diagnostic.id == "T003")
        #expect(f.diagnostic.zh == "用例“联名提案按角色计分”：M1 的总分应为 8，实际为 9")
        #expect(f.diagnostic.en == "case '联名提案按角色计分': M1 should score 8, got 9")
        #expect(f.diagnostic.location == LvzhiCore.SourceLocation(file: "r.yaml", line: line(of: "M1: {score: 8", in: text),
                                                        column: column(of: "8, grade", in: text)))
        #expect(f.memberID == "M1")
        let rendered = f.diagnostic.render(.zh, source: text)
        #expect(rendered.contains("\n \(f.diagnostic.location!.line) |       M1: {score: 8,"))
    }

    @Test(arguments: [
        ("grade: 不合格, color", "grade: 优秀, color", "T004", "等次应为“优秀”，实际为“不合格”"),
        ("color: 红, rank", "color: 绿, rank", "T005", "颜色应为“绿”，实际为“红”"),
        ("rank: 1,", "rank: 2,", "T006", "排名应为第 2 名，实际为第 1 名"),
        ("categories: {proposals: 9", "categories: {proposals: 6", "T007", "“提案”（proposals）得分应为 6，实际为 9"),
        ("vetoed: false", "vetoed: true", "T008", "应被否决，实际没有否决项适用"),
    ])
    func eachKindOfExpectation(_ from: String, _ to: String, _ id: String, _ message: String) throws {
        let text = Self.yaml.replacingOccurrences(of: from, with: to)
        let r = try #require(try run(text).first)
        #expect(r.failures.map(\.diagnostic.id) == [id])
        #expect(r.failures.first?.diagnostic.zh.hasSuffix(message) == true, "\(r.failures.first?.diagnostic.zh ?? "")")
    }

    @Test func unexpectedRejectsFailAtTheRecordsLine() throws {
        let text = Self.yaml.replacingOccurrences(of: "date: 2025-08-01, kind: 提案, status: 立案", with: "date: 2025-08-01, kind: 提案, status: 已立案")
        let r = try #require(try run(text).first)
        let ids = r.failures.map(\.diagnostic.id)
        #expect(ids.first == "T001")
        let f = r.failures[0]
        #expect(f.diagnostic.location?.line == line(of: "status: 已立案", in: text))
        #expect(f.diagnostic.location?.column == 9)
        #expect(f.diagnostic.zh.contains("这条记录被拒收：该活动类型不接受这个状态（是否为“立案”？）"))
        #expect(f.diagnostic.hintZh == "若用例就是要测试拒收，请写 expect_rejects: 1")
        // M2 now has no points, so its expectations fail too.
        #expect(ids.dropFirst().allSatisfy { $0 == "T003" || $0 == "T006" })

        // Declared, the reject is part of the case; M2's expectations are adjusted.
        let declared = text.replacingOccurrences(of: "M2: {score: 2, grade: 不合格, rank: 2, vetoed: false}",
                                                 with: "M2: {score: 0}\n    expect_rejects: 1")
        #expect(try run(declared).first?.passed == true)
        let wrongCount = declared.replacingOccurrences(of: "expect_rejects: 1", with: "expect_rejects: 2")
        let w = try #require(try run(wrongCount).first)
        #expect(w.failures.map(\.diagnostic.id) == ["T002"])
        #expect(w.failures[0].rejects.count == 1)
        #expect(w.failures[0].rejects[0].location.line == line(of: "status: 已立案", in: wrongCount))
    }

    @Test func vetoesByID() throws {
        let text = Self.yaml
            .replacingOccurrences(of: "    expect:\n", with: "      - {member_id: M1, date: 2025-09-01, kind: 违纪}\n    expect:\n")
            .replacingOccurrences(of: "M1: {score: 9, grade: 不合格, color: 红, rank: 1,", with: "M1: {score: 9, vetoed: discipline, rank: 1,")
        #expect(try run(text).first?.passed == true)
    }

    /// Every shipped rule file's own cases pass.
    @Test func shippedRuleFilesPassTheirCases() throws {
        let dir = packageRoot + "/Rules"
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".yaml") && !$0.hasSuffix(".approved.yaml") }.sorted()
        #expect(files.contains("fengjie.yaml"))
        for f in files {
            let outcome = CaseRunner.run(file: dir + "/" + f)
            #expect(outcome.loadError == nil && outcome.diagnostics.isEmpty, "\(f)")
            for r in outcome.results where !r.passed {
                Issue.record("\(f): \(r.ruleCase.name): \(r.failures.map { $0.diagnostic.render(.zh) }.joined(separator: "\n"))")
            }
        }
        #expect(CaseRunner.run(file: dir + "/fengjie.yaml").results.count == 5)
    }
}
