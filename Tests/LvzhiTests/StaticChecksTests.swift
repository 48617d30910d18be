import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiRules

/// The static checks run by `lvzhi check` after a clean parse (S001–S006).
@Suite struct StaticChecksTests {
    func findings(_ yaml: String) throws -> [Diagnostic] {
        StaticChecks.run(try RuleFileLoader.parse(yaml, path: "r.yaml"), source: yaml)
    }

    func line(of needle: String, in text: String) -> Int {
        (text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(needle) } ?? -1) + 1
    }

    @Test func theTestRulesAndTheShippedRulesAreClean() throws {
        #expect(try findings(testRulesYAML).isEmpty)
        let path = packageRoot + "/Rules/fengjie.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(StaticChecks.run(try RuleFileLoader.load(path: path), source: text).isEmpty)
    }

    /// The test rules can reach 10 (meetings) + 20 (proposals) + 4 (sector: 1.5 per record, rule cap 4) + 0 = 34.
    @Test func aGradeAboveTheHighestPossibleTotal() throws {
        let yaml = testRulesYAML.replacingOccurrences(of: "{name: 优秀, color: 绿, hex: \"#2e8b57\", min: 20}",
                                                      with: "{name: 优秀, color: 绿, hex: \"#2e8b57\", min: 40}")
        let d = try findings(yaml)
        #expect(d.map(\.id) == ["S001"])
        #expect(d[0].severity == .warning)
        #expect(d[0].zh.hasPrefix("等次“优秀”的门槛 40 分高于可能的最高总分 34 分（基础分与各类别最高得分：0 + 10 + 20 + 4 + 0）"))
        #expect(d[0].location?.line == line(of: "{name: 优秀", in: yaml))
        #expect(d[0].location?.column == 5)
        // An uncapped category with an unbounded rule makes every threshold reachable.
        let unbounded = yaml.replacingOccurrences(of: "points: 1.5, cap: 4}", with: "points: 1.5}")
        #expect(try findings(unbounded).isEmpty)
        // score.max bounds the total even then.
        let bounded = unbounded.replacingOccurrences(of: "score: {base: 0, min: 0}", with: "score: {base: 0, min: 0, max: 35}")
        #expect(try findings(bounded).map(\.id) == ["S001"])
    }

    @Test func aGradeBelowTheLowestPossibleTotal() throws {
        // Everyone starts at 15 (min 15): nobody falls below 10 by score.
        let yaml = testRulesYAML.replacingOccurrences(of: "score: {base: 0, min: 0}", with: "score: {base: 0, min: 15}")
            .replacingOccurrences(of: "  - {id: discipline, name: 违纪, when: {kind: 违纪}, grade: 不合格}\n", with: "")
            .replacingOccurrences(of: "vetoes:\n", with: "")
        let d = try findings(yaml)
        #expect(d.map(\.id).contains("S001"))
        #expect(d.first { $0.id == "S001" }?.zh.hasPrefix("等次“不合格”（不足 10 分）低于可能的最低总分 15 分") == true)
        // A veto that gives the grade makes it reachable.
        #expect(try !findings(testRulesYAML.replacingOccurrences(of: "score: {base: 0, min: 0}", with: "score: {base: 0, min: 15}"))
            .contains { $0.id == "S001" })
    }

    @Test func capsAboveTheMaximum() throws {
        let yaml = testRulesYAML.replacingOccurrences(of: "score: {base: 0, min: 0}", with: "score: {base: 0, min: 0, max: 25}")
        let d = try findings(yaml)
        #expect(d.map(\.id) == ["S002"])
        #expect(d[0].zh.hasPrefix("基础分 0 与各类别上限之和为 30 分，超过总分上限 score.max 25 分"))
        #expect(d[0].location?.line == line(of: "score:", in: yaml))
    }

    @Test func aRuleRepeatingAnEarlierCondition() throws {
        let yaml = testRulesYAML.replacingOccurrences(
            of: "  - {id: key,",
            with: "  - {id: lead2, category: proposals, when: {kind: 提案, status: 立案, role: 第一提案人}, points: 5}\n  - {id: key,")
        let d = try findings(yaml)
        #expect(d.map(\.id) == ["S003"])
        #expect(d[0].zh.contains("规则“lead2”与同一类别中前面的规则“lead”条件完全相同"))
        #expect(d[0].location?.line == line(of: "{id: lead2", in: yaml))
        // In an exclusive group the later one is shadowed rather than counted twice.
        let grouped = yaml.replacingOccurrences(of: "vetoes:\n", with: "exclusive:\n  - {id: g, name: 取高, rules: [lead, lead2]}\nvetoes:\n")
        let g = try findings(grouped)
        #expect(g.map(\.id) == ["S003"])
        #expect(g[0].zh.contains("同在取高组“取高”中"))
    }

    /// Tiers of one activity (满 2 次 30 分、满 4 次再加 10 分, docs/rules.md §4.6) repeat the
    /// condition on purpose: no S003, so `check --strict` passes the documented pattern.
    @Test func tiersOfOneActivityAreNotRepeats() throws {
        for (a, b) in [("at_least: 2", "at_least: 4"), ("skip_first: 2", "skip_first: 5")] {
            let yaml = testRulesYAML.replacingOccurrences(
                of: "  - {id: key,",
                with: "  - {id: t1, category: proposals, when: {kind: 提案, status: 立案}, points: 3, \(a)}\n"
                    + "  - {id: t2, category: proposals, when: {kind: 提案, status: 立案}, points: 1, \(b)}\n  - {id: key,")
            #expect(try findings(yaml).filter { $0.id == "S003" }.isEmpty, "\(a) / \(b)")
            // The same tier twice is still a repeat.
            let twice = yaml.replacingOccurrences(of: "points: 1, \(b)}", with: "points: 1, \(a)}")
            #expect(try findings(twice).map(\.id).contains("S003"))
        }
    }

    @Test func conditionsThatCanNeverMatch() throws {
        // 采用 belongs to 社情民意, 第一提案人 to 提案: each is known, but no kind takes both.
        let yaml = testRulesYAML
            .replacingOccurrences(of: "  界别活动: {statuses: [参加]}", with: "  界别活动: {statuses: [参加]}\n  社情民意: {statuses: [报送, 采用], roles: [\"\"]}")
            .replacingOccurrences(of: "  - {id: sector, category: sector, when: {kind: 界别活动},",
                                  with: "  - {id: odd, category: sector, when: {kind: [提案, 社情民意], status: 采用, role: 第一提案人}, points: 1}\n  - {id: sector, category: sector, when: {kind: [界别活动, 社情民意]},")
        let d = try findings(yaml)
        #expect(d.map(\.id) == ["S004"])
        #expect(d[0].severity == .error)
        #expect(d[0].zh.hasPrefix("规则“odd”永远不会生效：没有一种活动类型（提案、社情民意）同时接受所写的状态、角色和级别"))
        #expect(d[0].location?.line == line(of: "{id: odd", in: yaml))

        let empty = testRulesYAML.replacingOccurrences(of: "when: {kind: 界别活动}", with: "when: {kind: 界别活动, status: []}")
        let e = try findings(empty)
        #expect(e.map(\.id) == ["S004"])
        #expect(e[0].zh.contains("status 的取值列表为空"))

        let never = testRulesYAML.replacingOccurrences(of: "points: 1.5, cap: 4}", with: "points: 1.5, cap: 4, max_count: 0}")
        #expect(try findings(never).map(\.id) == ["S004"])
    }

    @Test func emptyCategoriesAndUnusedKinds() throws {
        let yaml = testRulesYAML
            .replacingOccurrences(of: "  - {id: deductions, name: 扣分, floor: -5}", with: "  - {id: deductions, name: 扣分, floor: -5}\n  - {id: spare, name: 备用}")
            .replacingOccurrences(of: "  违纪: {}", with: "  违纪: {}\n  视察: {statuses: [参加]}")
        let d = try findings(yaml)
        #expect(d.map(\.id) == ["S005", "S006"])
        #expect(d.allSatisfy { $0.severity == .warning })
        #expect(d[0].zh == "类别“spare”没有任何计分规则，得分总是 0")
        #expect(d[0].location?.line == line(of: "{id: spare", in: yaml))
        #expect(d[1].zh.hasPrefix("活动类型“视察”已声明，但没有规则、否决项或最低要求用到它"))
        #expect(d[1].location?.line == line(of: "  视察:", in: yaml))
        #expect(d[1].location?.column == 3)
    }

    @Test func scoreBounds() throws {
        let r = try testRules()
        #expect(StaticChecks.categoryMax(0, r) == Points(10))
        #expect(StaticChecks.categoryMax(2, r) == Points(4))
        #expect(StaticChecks.categoryMax(3, r) == .zero)
        #expect(StaticChecks.categoryMin(3, r) == Points(-5))
        #expect(StaticChecks.categoryMin(0, r) == .zero)
        let b = StaticChecks.totalBounds(r)
        #expect(b.max == Points(34) && b.min == .zero)
    }

    /// `RuleFileCheck` is what `lvzhi check` prints: parser errors, or findings plus case problems.
    @Test func fileCheck() throws {
        let s = Scratch()
        let bad = s.write("bad.yaml", testRulesYAML.replacingOccurrences(of: "kind: 提案, status: 立案, role: 第一提案人", with: "kind: 提按, status: 立案, role: 第一提案人"))
        let b = RuleFileCheck.run(path: bad)
        #expect(b.rules == nil && b.diagnostics.map(\.id) == ["R070"] && b.source != nil)
        let good = s.write("good.yaml", testRulesYAML + "\ncases:\n  - {name: x, members: [{member_id: M1}], expect: {M1: {grade: 良好}}}\n")
        let g = RuleFileCheck.run(path: good)
        #expect(g.rules != nil && g.diagnostics.map(\.id) == ["T025"] && g.cases == 0)
    }
}

/// A repeated key is placed where it is written the second time, in block and in flow
/// mappings (Yams reports the mapping's first duplicated key only).
@Suite struct DuplicateKeyPlacementTests {
    static func place(_ yaml: String) -> (line: Int?, column: Int?) {
        do {
            _ = try RuleFileLoader.parse(yaml, path: "r.yaml")
        } catch {
            let d = error.diagnostics.first { $0.id == "R012" }
            return (d?.location?.line, d?.location?.column)
        }
        return (nil, nil)
    }

    @Test(arguments: [
        ("lvzhi: 1\nname: x\nname: y\n", 3, 1),
        ("lvzhi: 1\nscore: {base: 1, base: 2}\n", 2, 18),
        ("lvzhi: 1\ncases:\n  - name: c\n    members:\n      - {member_id: A, role: x, role: y}\n", 5, 33),
        ("lvzhi: 1\nrules:\n  - id: a\n    when: {id: x}\n    id: b\n", 5, 5),
        ("lvzhi: 1\nrules:\n  - {id: a, name: n}\n  - {id: b, name: m, name: o}\n", 4, 22),
    ] as [(String, Int, Int)])
    func theSecondOccurrenceIsNamed(yaml: String, line: Int, column: Int) {
        let p = Self.place(yaml)
        #expect(p.line == line && p.column == column, "\(p) for \(yaml.debugDescription)")
    }
}
