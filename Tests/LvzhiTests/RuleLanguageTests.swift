import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiIngest
@testable import LvzhiRules
@testable import LvzhiScoring

/// The rule-language patterns of docs/rules.md, each on a tiny hand-checked example.
@Suite struct RuleLanguageTests {
    static let head = """
    lvzhi: 1
    name: 语言测试
    period: 2025
    kinds:
      提案: {statuses: [立案, 不立案], roles: [第一提案人, 联名提案人]}
      社情民意: {statuses: [报送, 采用], levels: ["", 区, 市, 省]}
      全体会议: {statuses: [出席, 请假, 缺席]}
      违纪: {}
    marks: [重点]

    """
    static let bands = """
    grades:
      - {name: 优秀, color: 绿, hex: "#2e8b57", min: 10}
      - {name: 合格, color: 黄, hex: "#e0b100", min: 5}
      - {name: 不合格, color: 红, hex: "#c0392b"}

    """

    struct M { var id: String; var role = "委员"; var sector = "经济界"; var joined = ""; var left = ""; var ranked = "是" }

    func run(_ yaml: String, members: [M], records: [String], period: String? = nil) throws -> (ScoreRun, [String: MemberScore]) {
        let rules = try RuleFileLoader.parse(yaml, path: "lang.yaml")
        let p = period.flatMap(Period.init(spec:)) ?? rules.period!
        let roster = members.enumerated().map { i, m in
            Member(id: m.id, name: m.id, sector: m.sector, role: m.role, joined: Day(iso: m.joined), left: Day(iso: m.left),
                   ranked: m.ranked == "是", source: SourceLocation(file: "m", line: i + 2))
        }
        var ing = ActivityIngestor(members: roster, period: p, vocabulary: rules.vocabulary)
        let keys: [ActivityField] = [.activityID, .memberID, .date, .kind, .status, .role, .level, .ref, .quantity, .marks]
        for (n, line) in records.enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            var values: [ActivityField: String] = [:]
            for (k, v) in zip(keys, cells) { values[k] = v }
            ing.add(record: values, location: SourceLocation(file: "records", line: n + 1))
        }
        let result = ing.finish()
        #expect(result.rejects.isEmpty, "\(result.rejects.map { $0.reason.message(.en) })")
        let run = Scorer.score(result, rules: rules, period: p)
        var by: [String: MemberScore] = [:]
        for r in run.results { by[run.members[r.member].id] = r }
        return (run, by)
    }

    @Test func basePerRoleWithNoCeiling() throws {
        let yaml = Self.head + """
        score: {base: 100, base_by_role: {常委: 120}}
        categories: [{id: p, name: 提案}]
        rules:
          - {id: lead, category: p, when: {kind: 提案, status: 立案}, points: 5}
        grades:
          - {name: 优秀, color: 绿, hex: "#2e8b57", min: 120}
          - {name: 合格, color: 黄, hex: "#e0b100"}
        """
        let (_, by) = try run(yaml, members: [M(id: "A"), M(id: "B", role: "常委")],
                              records: ["1,A,2025-03-01,提案,立案,第一提案人", "2,B,2025-03-01,提案,立案,第一提案人"])
        #expect(by["A"]?.score == Points(105))
        #expect(by["B"]?.score == Points(125))
        #expect(by["B"]?.grade == 0 && by["A"]?.grade == 1)
    }

    func splitRun(_ split: String) throws -> [String: MemberScore] {
        let yaml = Self.head + """
        categories: [{id: p, name: 提案}]
        rules:
          - {id: filed, category: p, when: {kind: 提案, status: 立案}, points: 6, split: \(split)}

        """ + Self.bands
        return try run(yaml, members: [M(id: "A"), M(id: "B"), M(id: "C"), M(id: "D")], records: [
            "1,A,2025-03-01,提案,立案,第一提案人,,P1",
            "2,B,2025-03-01,提案,立案,联名提案人,,P1",
            "3,C,2025-03-01,提案,立案,联名提案人,,P1",
            "4,D,2025-04-01,提案,立案,第一提案人,,P2",
        ]).1
    }

    @Test func coauthorPolicies() throws {
        var by = try splitRun("{policy: lead_only}")
        #expect([by["A"]!.score, by["B"]!.score, by["C"]!.score, by["D"]!.score] == [6, 0, 0, 6])
        #expect(by["B"]!.ledger.first?.note == .notLead)
        // First ½, the other two share ½: 3, 1.5, 1.5; a solo author keeps the full 6.
        by = try splitRun("{policy: lead_half}")
        #expect([by["A"]!.score, by["B"]!.score, by["C"]!.score, by["D"]!.score].map(\.description) == ["3", "1.5", "1.5", "6"])
        by = try splitRun("{policy: equal}")
        #expect([by["A"]!.score, by["B"]!.score].map(\.description) == ["2", "2"])
        by = try splitRun("{policy: fraction, fraction: 0.25}")
        #expect([by["A"]!.score, by["C"]!.score, by["D"]!.score].map(\.description) == ["1.5", "1.5", "6"])
        // Collective item credited to at most two: the lead, then by activity id.
        by = try splitRun("{policy: full, max_credited: 2}")
        #expect([by["A"]!.score, by["B"]!.score, by["C"]!.score].map(\.description) == ["6", "6", "0"])
        #expect(by["C"]!.ledger.first?.note == .notCredited(max: 2))
    }

    @Test func theHigherOfTwoRulesPerMember() throws {
        // 闵行: individual and joint proposal points are not added; the higher counts.
        let yaml = Self.head + """
        categories: [{id: p, name: 提案}]
        rules:
          - {id: lead, category: p, when: {kind: 提案, role: 第一提案人}, points: 15, once: true}
          - {id: joint, category: p, when: {kind: 提案, role: 联名提案人}, points: 3}
        exclusive:
          - {id: one-of, name: 领衔与联名取高, rules: [lead, joint]}

        """ + Self.bands
        let (run, by) = try run(yaml, members: [M(id: "A"), M(id: "B")], records: [
            "1,A,2025-03-01,提案,立案,第一提案人,,P1", "2,A,2025-03-02,提案,立案,联名提案人,,P2",
            "3,B,2025-03-02,提案,立案,联名提案人,,P2", "4,B,2025-03-03,提案,立案,联名提案人,,P3",
        ])
        #expect(by["A"]!.score == Points(15))
        #expect(by["B"]!.score == Points(6))
        #expect(by["A"]!.ledger.contains { $0.note == .exclusiveDropped(group: 0) && $0.nominal == Points(3) })
        #expect(RunSummaryText.describe(by["A"]!, run).contains("领衔与联名取高"))
    }

    @Test func eitherOrLadderPerItem() throws {
        let yaml = Self.head + """
        categories: [{id: o, name: 社情民意}]
        rules:
          - {id: d, category: o, when: {kind: 社情民意, status: 采用, level: 区}, points: 2}
          - {id: c, category: o, when: {kind: 社情民意, status: 采用, level: 市}, points: 4}
          - {id: p, category: o, when: {kind: 社情民意, status: 采用, level: 省}, points: 6}
        exclusive:
          - {id: ladder, name: 采用级别取最高, rules: [d, c, p], per: ref}

        """ + Self.bands
        let (_, by) = try run(yaml, members: [M(id: "A")], records: [
            "1,A,2025-03-01,社情民意,采用,,区,S1", "2,A,2025-04-01,社情民意,采用,,市,S1",
            "3,A,2025-05-01,社情民意,采用,,区,S2",
        ])
        // S1 counts its highest level (4), S2 its only one (2).
        #expect(by["A"]!.score == Points(6))
    }

    @Test func minimumRequirements() throws {
        let yaml = Self.head + """
        categories: [{id: p, name: 提案}, {id: m, name: 会议}]
        rules:
          - {id: filed, category: p, when: {kind: 提案, status: 立案}, points: 6}
          - {id: plenary, category: m, when: {kind: 全体会议, status: 出席}, points: 2, per: quantity}
        requirements:
          - {id: one-proposal, name: 至少一件提案, when: {kind: 提案}, effect: {cap_grade: 合格}}
          - {id: plenary, name: 出席全体会议, when: {kind: 全体会议, status: 出席}, min: 4, count: quantity, effect: {deduct: 3}}
          - {id: standing, name: 常委出席常委会, when: {kind: 全体会议}, applies_to: {member_role: 常委}, effect: {grade: 不合格}}

        """ + Self.bands
        let (_, by) = try run(yaml, members: [M(id: "A"), M(id: "B"), M(id: "C", role: "常委")], records: [
            "1,A,2025-01-08,全体会议,出席,,,,6",
            "2,B,2025-01-08,全体会议,出席,,,,2", "3,B,2025-03-01,提案,立案,第一提案人,,P1", "4,B,2025-03-02,提案,立案,第一提案人,,P2",
            "5,C,2025-03-01,提案,立案,第一提案人,,P3", "6,C,2025-03-02,提案,立案,第一提案人,,P4",
        ])
        // A: 12 points → 优秀 by band, but no proposal caps it at 合格.
        #expect(by["A"]!.score == Points(12) && by["A"]!.bandGrade == 0 && by["A"]!.grade == 1)
        // B: 4 + 12 = 16, only 2 half-days at the plenary → −3 = 13, still 优秀.
        #expect(by["B"]!.score == Points(13) && by["B"]!.grade == 0)
        // C (常委): 12 points, no plenary at all: −3 = 9, and the 常委-only requirement forces 不合格.
        #expect(by["C"]!.score == Points(9) && by["C"]!.grade == 2)
        #expect(by["C"]!.missedRequirements == [1, 2])
    }

    @Test func leaveRequestsBeyondTheFreeOnes() throws {
        let yaml = Self.head + """
        score: {base: 10}
        categories: [{id: d, name: 扣分}]
        rules:
          - {id: leave, category: d, when: {kind: 全体会议, status: 请假}, points: -1, skip_first: 2}

        """ + Self.bands
        let (_, by) = try run(yaml, members: [M(id: "A")], records: (1...4).map { "\($0),A,2025-0\($0)-01,全体会议,请假" })
        #expect(by["A"]!.score == Points(8))
    }

    @Test func quotaGradingWithinSectorsWithTies() throws {
        let yaml = Self.head + """
        categories: [{id: p, name: 提案}]
        rules:
          - {id: filed, category: p, when: {kind: 提案, status: 立案}, points: 1}
        grading: {scope: sector}
        grades:
          - {name: 优秀, color: 绿, hex: "#2e8b57", top: 20%}
          - {name: 合格, color: 黄, hex: "#e0b100"}
          - {name: 不合格, color: 红, hex: "#c0392b", bottom: 1}

        """
        // Sector 经济界: scores 5, 5, 4, 3, 2, 1 (six members; top 20% = 1 place, bottom 1 place):
        // E1 and E2 tie for first and both get 优秀. Sector 教育界: 3, 3 (top 20% of 2 = 0 places;
        // the bottom place is shared by the tie, so both are 不合格 — ties at a cutoff include everyone tied).
        var members = (1...6).map { M(id: "E\($0)") }
        members += [M(id: "T1", sector: "教育界"), M(id: "T2", sector: "教育界"), M(id: "Z", ranked: "否")]
        var records: [String] = []
        var n = 0
        for (id, count) in [("E1", 5), ("E2", 5), ("E3", 4), ("E4", 3), ("E5", 2), ("E6", 1), ("T1", 3), ("T2", 3), ("Z", 9)] {
            for _ in 0..<count { n += 1; records.append("\(n),\(id),2025-03-01,提案,立案,第一提案人,,P\(n)") }
        }
        let (_, by) = try run(yaml, members: members, records: records)
        #expect(by["E1"]!.rank == 1 && by["E2"]!.rank == 1 && by["E3"]!.rank == 3 && by["E4"]!.rank == 4)
        #expect(["E1", "E2", "E3", "E4", "E5", "E6"].map { by[$0]!.grade } == [0, 0, 1, 1, 1, 2])
        #expect(by["T1"]!.rank == 1 && by["T2"]!.rank == 1 && by["T1"]!.grade == 2 && by["T2"]!.grade == 2)
        // Not ranked: no rank, the remainder grade.
        #expect(by["Z"]!.rank == nil && by["Z"]!.grade == 1)
    }

    @Test func partialPeriodPolicies() throws {
        let base = Self.head + """
        categories: [{id: p, name: 提案}]
        rules:
          - {id: filed, category: p, when: {kind: 提案, status: 立案}, points: 3}

        """ + Self.bands
        let members = [M(id: "A"), M(id: "B", joined: "2025-07-02")]
        let records = ["1,A,2025-03-01,提案,立案,第一提案人,,P1", "2,B,2025-08-01,提案,立案,第一提案人,,P2"]
        // Prorate: B served 183 of 365 days: 3 × 365 / 183 = 1095/183 = 365/61 exactly (≈ 5.98).
        var (_, by) = try run(base + "grading: {partial_period: prorate}\n", members: members, records: records)
        #expect(by["B"]!.score == Points(365, 61))
        #expect(by["B"]!.score.description == "5.98")
        #expect(by["B"]!.ledger.last?.note == .prorated(served: 183, days: 365))
        (_, by) = try run(base + "grading: {partial_period: exclude_from_ranking}\n", members: members, records: records)
        #expect(by["B"]!.rank == nil && by["A"]!.rank == 1 && by["B"]!.score == Points(3))
    }

    @Test func memberFieldConditions() throws {
        let yaml = Self.head + """
        categories: [{id: m, name: 会议}]
        rules:
          - {id: plenary, category: m, when: {kind: 全体会议, status: 出席, member_sector: 教育界}, points: 2}

        """ + Self.bands
        let (_, by) = try run(yaml, members: [M(id: "A"), M(id: "B", sector: "教育界")],
                              records: ["1,A,2025-01-08,全体会议,出席", "2,B,2025-01-08,全体会议,出席"])
        #expect(by["A"]!.score == .zero && by["B"]!.score == Points(2))
    }

    @Test func extendsABaseFileInsideTheRulesFolder() throws {
        let dir = NSTemporaryDirectory() + "lvzhi-extends-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir + "/city", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = Self.head + """
        categories: [{id: p, name: 提案, cap: 20}]
        rules:
          - {id: filed, category: p, when: {kind: 提案, status: 立案}, points: 5}
          - {id: key, category: p, when: {kind: 提案, marks: 重点}, points: 3}

        """ + Self.bands
        try base.write(toFile: dir + "/city/base.yaml", atomically: true, encoding: .utf8)
        let child = """
        lvzhi: 1
        extends: city/base.yaml
        name: 区县方案
        rules:
          - {id: filed, category: p, when: {kind: 提案, status: 立案}, points: 8}
        """
        try child.write(toFile: dir + "/county.yaml", atomically: true, encoding: .utf8)
        let r = try RuleFileLoader.load(path: dir + "/county.yaml")
        #expect(r.name == "区县方案")
        #expect(r.rules.map(\.id) == ["filed", "key"])
        #expect(r.rules[0].points == Points(8) && r.rules[1].points == Points(3))
        #expect(r.categories.first?.cap == Points(20))

        try "lvzhi: 1\nextends: ../outside.yaml\nname: x\n".write(toFile: dir + "/city/escape.yaml", atomically: true, encoding: .utf8)
        try base.write(toFile: dir + "/outside.yaml", atomically: true, encoding: .utf8)
        do {
            _ = try RuleFileLoader.load(path: dir + "/city/escape.yaml")
            Issue.record("extends outside the rules folder was accepted")
        } catch {
            #expect(error.diagnostics.map(\.id) == ["R025"])
        }
    }

    @Test(arguments: [
        ("grades:\n  - {name: A, color: 绿, hex: \"#000000\", top: 10%, min: 5}\n  - {name: B, color: 黄, hex: \"#000000\"}\n", "R048"),
        ("grades:\n  - {name: A, color: 绿, hex: \"#000000\", top: 10%}\n  - {name: B, color: 黄, hex: \"#000000\", bottom: 5%}\n", "R049"),
        ("grades:\n  - {name: A, color: 绿, hex: \"#000000\", top: ten}\n  - {name: B, color: 黄, hex: \"#000000\"}\n", "R104"),
    ])
    func quotaGradeErrors(grades: String, id: String) {
        let yaml = Self.head + "categories: [{id: p, name: 提案}]\n" + grades
        do {
            _ = try RuleFileLoader.parse(yaml, path: "q.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.diagnostics.map(\.id).contains(id), "\(error.diagnostics.map(\.id))")
        }
    }
}

/// Helpers to read ledgers in tests.
enum RunSummaryText {
    static func describe(_ m: MemberScore, _ run: ScoreRun) -> String {
        m.ledger.map { e in
            switch e.note {
            case .exclusiveDropped(let g): run.rules.exclusive[g].name
            default: ""
            }
        }.joined(separator: ";")
    }
}

@Suite struct RuleExpressionIntegrationTests {
    let base = RuleLanguageTests.head + """
    categories: [{id: p, name: 提案}, {id: m, name: 会议}]
    rules:
      - {id: plenary, category: m, when: {kind: 全体会议, status: 出席}, points: 2, per: quantity}
      # A proposal filed in the second half of the year by someone with at least two filed proposals.
      - id: late
        category: p
        when: {expr: 'kind == "提案" and status == "立案" and month(date) >= 7 and count(kind == "提案" and status == "立案") >= 2'}
        points: 5
    requirements:
      - id: three
        name: 三个一
        when: {kind: 全体会议}
        applies_to: {expr: 'member.role != "主席"'}
        effect: {deduct: 1}

    """ + RuleLanguageTests.bands

    @Test func expressionsSelectRecordsAndMembers() throws {
        let t = RuleLanguageTests()
        let (_, by) = try t.run(base, members: [.init(id: "A"), .init(id: "B"), .init(id: "C", role: "主席")], records: [
            "1,A,2025-03-01,提案,立案,第一提案人,,P1", "2,A,2025-08-01,提案,立案,第一提案人,,P2",
            "3,B,2025-08-01,提案,立案,第一提案人,,P3",
            "4,C,2025-08-01,提案,立案,第一提案人,,P4", "5,C,2025-09-01,提案,立案,第一提案人,,P5",
        ])
        // A: only P2 is late and A has two filed → 5; no plenary → −1 → 4.
        #expect(by["A"]!.score == Points(4))
        // B: one filed proposal only → 0; no plenary → −1, floored at… no floor: −1.
        #expect(by["B"]!.score == Points(-1))
        // C (主席): two late proposals × 5 = 10, the requirement does not apply.
        #expect(by["C"]!.score == Points(10))
    }

    @Test func expressionErrorsPointIntoTheRuleFile() {
        let yaml = base.replacingOccurrences(of: "month(date) >= 7", with: "month(date) >= \"七\"")
        do {
            _ = try RuleFileLoader.parse(yaml, path: "e.yaml")
            Issue.record("accepted a type error")
        } catch {
            let d = error.diagnostics
            #expect(d.map(\.id) == ["E014"])
            // Line of the expr scalar; the column points inside the quoted expression.
            #expect(d.first?.location?.line == 16)
            #expect((d.first?.location?.column ?? 0) > 20)
            let text = error.render(.zh)
            #expect(text.contains("e.yaml:16:"))
        }
    }
}
