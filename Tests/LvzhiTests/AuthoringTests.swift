import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiIngest
@testable import LvzhiRules
@testable import LvzhiScoring
@testable import LvzhiReport
import LvzhiYAML
import Yams

/// What a rules author meets: declared roster values, the messages that misled authors, the
/// published wording of expression rules, and the starting template (issue 14).
@Suite struct AuthoringTests {
    func diagnostics(_ yaml: String) -> [Diagnostic] {
        do { _ = try RuleFileLoader.parse(yaml, path: "r.yaml"); return [] } catch { return error.diagnostics }
    }

    func line(of needle: String, in text: String) -> Int {
        (text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(needle) } ?? -1) + 1
    }

    func column(of needle: String, in text: String) -> Int {
        let l = text.split(separator: "\n", omittingEmptySubsequences: false)[line(of: needle, in: text) - 1]
        return l.distance(from: l.startIndex, to: l.range(of: needle)!.lowerBound) + 1
    }

    /// The test rules with a declared roster.
    let rostered = testRulesYAML.replacingOccurrences(of: "marks: [重点, 优秀]\n",
                                                       with: "marks: [重点, 优秀]\nroster:\n  roles: [主席, 常委, 委员]\n  sectors: [经济界, 教育界]\n")

    // MARK: - Pattern 5: declared roster values

    @Test func aMisspeltRoleInAConditionIsAnErrorAtItsPlace() {
        let yaml = rostered.replacingOccurrences(of: "{id: sector, category: sector, when: {kind: 界别活动}",
                                                 with: "{id: sector, category: sector, when: {kind: 界别活动, member_role: 长委}")
        let d = diagnostics(yaml)
        #expect(d.map(\.id) == ["R076"])
        #expect(d[0].zh == "未声明的职务“长委”（roster.roles 中没有），这一项永远不会生效")
        #expect(d[0].hintZh == "是否想写“常委”？")
        #expect(d[0].location?.line == line(of: "member_role: 长委", in: yaml))
        #expect(d[0].location?.column == column(of: "长委}", in: yaml))
        // A list points at the wrong element; sectors and committees are checked the same way.
        let list = diagnostics(rostered.replacingOccurrences(of: "when: {kind: 界别活动}", with: "when: {kind: 界别活动, member_role: [委员, 长委], member_sector: 经济届}"))
        #expect(list.map(\.id) == ["R076", "R076"])
        #expect(list.map(\.hintZh) == ["是否想写“常委”？", "是否想写“经济界”？"])
        // Without a declared list any role is accepted, as before.
        #expect(diagnostics(testRulesYAML.replacingOccurrences(of: "when: {kind: 界别活动}", with: "when: {kind: 界别活动, member_role: 长委}")).isEmpty)
    }

    @Test func aMisspeltRoleInBaseByRoleAndAppliesTo() {
        let yaml = rostered.replacingOccurrences(of: "score: {base: 0, min: 0}", with: "score: {base: 0, min: 0, base_by_role: {长委: 10}}")
            + "\nrequirements:\n  - {id: q, when: {kind: 全体会议}, applies_to: {member_role: 主蓆}, effect: {flag: true}}\n"
        let d = diagnostics(yaml)
        #expect(d.map(\.id) == ["R076", "R076"])
        #expect(d[0].hintZh == "是否想写“常委”？")
        #expect(d[0].location?.line == line(of: "base_by_role: {长委", in: yaml))
        #expect(d[0].location?.column == column(of: "长委: 10", in: yaml))
        #expect(d[1].hintZh == "是否想写“主席”？")
    }

    @Test func aMisspeltRoleInAnExpressionIsE023() {
        let yaml = rostered.replacingOccurrences(of: "{id: sector, category: sector, when: {kind: 界别活动}",
                                                 with: "{id: sector, category: sector, when: {kind: 界别活动, expr: 'member.role == \"长委\" or member.sector in [\"经济届\"]'}")
        let d = diagnostics(yaml)
        #expect(d.map(\.id) == ["E023", "E023"])
        #expect(d.map(\.hintZh) == ["是否想写“常委”？", "是否想写“经济界”？"])
        #expect(d[0].location?.column == column(of: "\"长委\"", in: yaml))
    }

    @Test func rosterListsMustBeNonEmptyLists() {
        let d = diagnostics(testRulesYAML + "\nroster: {roles: 委员, sectors: []}\n")
        #expect(d.map(\.id) == ["R077", "R077"])
    }

    @Test func aRosterValueOutsideTheListIsRejectedWithItsLine() throws {
        let rules = try RuleFileLoader.parse(rostered, path: "r.yaml")
        let s = Scratch()
        let roster = s.write("members.csv", """
        member_id,name,sector,committee,role
        M1,甲,经济界,,委员
        M2,乙,经济界,,长委
        M3,丙,文艺界,,委员
        M4,丁,教育界,,

        """)
        let r = try RosterReader.read(path: roster)
        let activities = s.write("a.csv", """
        activity_id,member_id,date,kind,status
        A1,M1,2025-01-08,全体会议,出席
        A2,M2,2025-01-08,全体会议,出席

        """)
        var ing = ActivityIngestor(members: r.members, memberRejects: r.rejects, memberFile: roster, memberRows: r.rowsRead,
                                   period: rules.period!, vocabulary: rules.vocabulary)
        try ing.read(path: activities)
        let result = ing.finish()
        // M4 has no role: "" is not in the list, so the row is refused too.
        #expect(result.members.map(\.id) == ["M1"])
        let byMember = Dictionary(grouping: result.rejects, by: \.memberID)
        let m2 = try #require(byMember["M2"])
        #expect(m2.map(\.reason.code) == ["undeclared-role", "member-rejected"])
        #expect(m2[0].location.line == 3)
        #expect(m2[0].value == "长委")
        #expect(m2[0].reason.message(.zh).contains("（是否为“常委”？）"))
        #expect(m2[1].location.line == 3 && m2[1].location.file.hasSuffix("a.csv"))
        #expect(m2[1].reason.message(.zh).contains("members.csv:3"))
        #expect(byMember["M3"]?.first?.reason.code == "undeclared-sector")
        #expect(byMember["M4"]?.first?.reason.message(.zh).contains("可用：主席、常委、委员") == true)
        // The roster's file report balances: 4 read, 1 accepted, 3 refused.
        let report = try #require(result.files.first { $0.isRoster })
        #expect((report.read, report.accepted, report.rejected) == (4, 1, 3))
        // "" in the list accepts members without a role.
        let open = try RuleFileLoader.parse(rostered.replacingOccurrences(of: "roles: [主席, 常委, 委员]", with: "roles: [主席, 常委, 委员, \"\"]"), path: "r.yaml")
        let ing2 = ActivityIngestor(members: r.members, period: open.period!, vocabulary: open.vocabulary)
        #expect(ing2.members.map(\.id) == ["M1", "M4"])
    }

    @Test func committeeListsAreCheckedOneByOne() {
        var v = Vocabulary()
        v.memberCommittees = ["经济委员会", "文化委员会"]
        let ok = Member(id: "A", name: "A", committee: "经济委员会；文化委员会", source: SourceLocation(file: "m", line: 2))
        let bad = Member(id: "B", name: "B", committee: "经济委员会、文史委员会", source: SourceLocation(file: "m", line: 3))
        #expect(v.undeclaredValue(of: ok) == nil)
        #expect(v.undeclaredValue(of: bad)?.value == "文史委员会")
    }

    @Test func aCaseMemberOutsideTheRosterListIsACaseError() throws {
        let yaml = rostered + """

        cases:
          - name: x
            members: [{member_id: A, role: 长委}]
            expect: {A: {score: 0}}
        """
        let rules = try RuleFileLoader.parse(yaml, path: "r.yaml")
        let d = RuleCases.parse(yaml, path: "r.yaml", rules: rules).diagnostics
        #expect(d.map(\.id) == ["T028"])
        #expect(d[0].hintZh == "是否想写“常委”？")
        #expect(d[0].location?.line == line(of: "role: 长委", in: yaml))
    }

    // MARK: - Messages that misled authors

    @Test func fractionZeroSaysZeroIsExcludedAndNothingElse() {
        let yaml = testRulesYAML.replacingOccurrences(of: "points: 2}\n", with: "points: 2, split: {policy: fraction, fraction: 0}}\n")
        let d = diagnostics(yaml)
        #expect(d.map(\.id) == ["R086"])
        #expect(d[0].zh == "fraction 应大于 0、不超过 1（如 0.5），实际为 0")
        #expect(d[0].hintZh?.contains("policy: lead_only") == true)
        #expect(d[0].location?.line == line(of: "fraction: 0}", in: yaml))
        // Above 1: the same id, no R088.
        let big = diagnostics(testRulesYAML.replacingOccurrences(of: "points: 2}\n", with: "points: 2, split: {policy: fraction, fraction: 1.5}}\n"))
        #expect(big.map(\.id) == ["R086"])
        // Missing entirely: R088 alone.
        let missing = diagnostics(testRulesYAML.replacingOccurrences(of: "points: 2}\n", with: "points: 2, split: {policy: fraction}}\n"))
        #expect(missing.map(\.id) == ["R088"])
    }

    @Test func theScoredRecordInsideCountPointsToSigners() {
        let rule = "  - {id: joint, category: proposals, when: {expr: 'kind == \"提案\" and count(kind == \"提案\" and ref == 本条.ref) >= 2'}, points: 1}\n"
        let yaml = testRulesYAML.replacingOccurrences(of: "vetoes:\n", with: rule + "vetoes:\n")
        let d = diagnostics(yaml)
        #expect(d.map(\.id) == ["E010"])
        #expect(d[0].zh.contains("count(…) 和 sum(…) 只逐条查看本人自己的记录"))
        #expect(d[0].hintZh?.contains("signers") == true)
        #expect(d[0].hintZh?.contains("请加引号") == false)
        #expect(d[0].location?.line == line(of: "本条.ref", in: yaml))
        #expect(d[0].location?.column == column(of: "本条.ref", in: yaml))
        // this.ref outside count: the field is written plainly.
        let outside = diagnostics(testRulesYAML.replacingOccurrences(of: "{id: sector, category: sector, when: {kind: 界别活动}",
                                                                     with: "{id: sector, category: sector, when: {expr: 'this.kind == \"界别活动\"'}"))
        #expect(outside.map(\.id) == ["E010"])
        #expect(outside[0].hintZh == "正在计分的记录的字段直接写 kind")
    }

    // MARK: - Pattern 7: every rule in words

    @Test(arguments: [
        ("kind == \"提案\" and status == \"立案\" and count(kind == \"提案\" and status == \"立案\") >= 3",
         "类型为“提案”，且状态为“立案”，且本人考核期间内类型为“提案”、状态为“立案”的记录不少于 3 条"),
        ("\"重点\" in marks or level in [\"市\", \"省\"]", "带“重点”标记，或级别为“市”或“省”"),
        ("member.joined <= period.start", "委员任职日期不晚于考核期间开始日"),
        ("not (date < 2025-07-01)", "日期不早于2025-07-01"),
        ("3 <= sum(kind == \"全体会议\", quantity)", "本人考核期间内类型为“全体会议”的记录的数量合计不少于 3"),
        ("month(date) > 6 and not member.ranked", "日期的月份多于6，且委员不参加排名"),
        ("count(kind == \"违纪\") == 0", "本人考核期间内没有类型为“违纪”的记录"),
    ])
    func expressionsInWords(_ expression: String, _ words: String) {
        #expect(ExpressionWording.phrase(expression, lang: .zh) == words)
    }

    @Test func expressionsWithoutWords() {
        #expect(ExpressionWording.phrase("quantity * 2 >= 3", lang: .zh) == nil)
        #expect(ExpressionWording.phrase("date - member.joined > 180", lang: .zh) == nil)
        #expect(ExpressionWording.phrase("max(quantity, 1) > 1", lang: .zh) == nil)
    }

    @Test func anExpressionRuleWithoutWordsNeedsText() throws {
        let rule = "  - {id: double, category: sector, when: {expr: 'kind == \"界别活动\" and quantity * 2 >= 3'}, points: 1}\n"
        let yaml = testRulesYAML.replacingOccurrences(of: "vetoes:\n", with: rule + "vetoes:\n")
        let d = StaticChecks.run(try RuleFileLoader.parse(yaml, path: "r.yaml"), source: yaml).filter { $0.id == "S009" }
        #expect(d.count == 1)
        #expect(d.first?.severity == .error)
        #expect(d.first?.location?.line == line(of: "id: double", in: yaml))
        #expect(d.first?.hintZh?.contains("text:") == true)
        // With the author's sentence the check is satisfied and render publishes it as written.
        let written = yaml.replacingOccurrences(of: "id: double, category", with: "id: double, text: 界别活动数量折算后满 3 的加 1 分, category")
        let rules = try RuleFileLoader.parse(written, path: "r.yaml")
        #expect(StaticChecks.run(rules, source: written).filter { $0.id == "S009" }.isEmpty)
        #expect(RuleBook.render(rules).contains("界别活动数量折算后满 3 的加 1 分。"))
        #expect(!RuleBook.render(rules).contains("quantity * 2"))
        // An empty text is an error of its own.
        #expect(diagnostics(yaml.replacingOccurrences(of: "id: double, category", with: "id: double, text: \"\", category")).map(\.id) == ["R063"])
    }

    @Test func everyShippedRuleIsPublishedInWords() throws {
        for file in ["fengjie", "fengjie-term", "guangshui", "minhang", "quota", "xiangyang", "yanbian"] {
            let rules = try RuleFileLoader.load(path: packageRoot + "/Rules/\(file).yaml")
            for lang in [Language.zh, .en] {
                let text = RuleBook.render(rules, lang: lang)
                for r in rules.rules {
                    if let e = r.when.expression { #expect(!text.contains(e), "\(file): \(r.id) prints its raw expression") }
                }
                #expect(!text.contains("满足 "), "\(file)")
            }
        }
    }

    // MARK: - Pattern 4: conditions on the score, this period and over periods

    let scored = testRulesYAML + """

    history:
      - {id: talk, name: 得分低于 10 分, when: {score_below: 10}, effect: {flag: 谈话}}
      - {id: twice, when: {score_below: 10, years: 2}, effect: {flag: 劝辞}}
      - {id: graded, when: {grade: 不合格}, effect: {flag: 提醒}}
    """

    @Test func scoreConditionsParseAndOnlyMultiPeriodOnesNeedHistory() throws {
        let rules = try RuleFileLoader.parse(scored, path: "r.yaml")
        #expect(rules.history.map(\.test) == [.consecutiveScore(below: Points(10), years: 1), .consecutiveScore(below: Points(10), years: 2),
                                                .consecutiveGrade(.named(2), years: 1)])
        #expect(rules.history.map(\.readsEarlierPeriods) == [false, true, false])
        #expect(StaticChecks.run(rules, source: scored).filter { $0.id == "S007" }.isEmpty)
        // This-period conditions alone: no N001 notice about missing earlier results.
        let thisPeriod = try RuleFileLoader.parse(scored.replacingOccurrences(of: "  - {id: twice, when: {score_below: 10, years: 2}, effect: {flag: 劝辞}}\n", with: ""), path: "r.yaml")
        #expect(Scorer.notices(rules: thisPeriod, options: ScoreOptions(), afterAsOf: 0, progress: false).isEmpty)
        #expect(Scorer.notices(rules: rules, options: ScoreOptions(), afterAsOf: 0, progress: false).map(\.id) == ["N001"])
        // Published as conditions on the score.
        let text = RuleBook.render(rules)
        #expect(text.contains("1. 本期考核得分低于 10 分的，标注“谈话”。"))
        #expect(text.contains("连续 2 个考核期（含本期）得分低于 10 分的，标注“劝辞”。"))
        #expect(text.contains("本期考核等次为“不合格”的，标注“提醒”。"))
    }

    @Test func oneYearWrittenOutWarnsWithAHintThatWorks() throws {
        let yaml = scored.replacingOccurrences(of: "{id: graded, when: {grade: 不合格}", with: "{id: graded, when: {grade: 不合格, years: 1}")
        let d = StaticChecks.run(try RuleFileLoader.parse(yaml, path: "r.yaml"), source: yaml).filter { $0.id == "S007" }
        #expect(d.count == 1)
        #expect(d.first?.hintZh?.contains("{grade: 不合格}") == true)
        #expect(d.first?.hintZh?.contains("vetoes") == false)
        // Mixing a score and a grade, or a score and a term count, is R112.
        let mixed = diagnostics(scored.replacingOccurrences(of: "{score_below: 10, years: 2}", with: "{score_below: 10, grade: 合格}"))
        #expect(mixed.map(\.id) == ["R112"])
        #expect(diagnostics(scored.replacingOccurrences(of: "{score_below: 10, years: 2}", with: "{score_below: 1.23456}")).map(\.id) == ["R015"])
    }

    // MARK: - The starting template

    @Test func theTemplateChecksCleanAndItsCasePasses() throws {
        let s = Scratch()
        let path = s.write("新方案.yaml", RuleTemplate.text(name: "某区政协委员履职考核办法", year: 2031))
        let check = RuleFileCheck.run(path: path)
        #expect(check.diagnostics.isEmpty, "\(check.diagnostics.map { $0.render(.zh) })")
        #expect(check.cases == 1)
        #expect(check.rules?.period == Period(spec: "2031"))
        let outcome = CaseRunner.run(file: path)
        #expect(!outcome.hasErrors)
        #expect(outcome.results.count == 1 && outcome.failed == 0, "\(outcome.results.map(\.failures))")
        // A name that YAML would misread is quoted.
        let odd = try RuleFileLoader.parse(RuleTemplate.text(name: "甲: 乙 #1", year: 2031), path: "x.yaml")
        #expect(odd.name == "甲: 乙 #1")
    }
}

/// Patterns 1, 2, 3 and 6 of issue 14: a category that starts full, conditions on the item's
/// signatories, thresholds that pay a lump sum, and counting an item once for one rule.
@Suite struct DeclarationTests {
    func diagnostics(_ yaml: String) -> [Diagnostic] {
        do { _ = try RuleFileLoader.parse(yaml, path: "r.yaml"); return [] } catch { return error.diagnostics }
    }

    /// The test rules with `extra` rules added before the vetoes.
    func rules(_ extra: String, categories: String = "") -> String {
        testRulesYAML.replacingOccurrences(of: "vetoes:\n", with: extra + "vetoes:\n")
            .replacingOccurrences(of: "  - {id: deductions, name: 扣分, floor: -5}\n", with: "  - {id: deductions, name: 扣分, floor: -5}\n" + categories)
    }

    func run(_ yaml: String, _ records: String, members: String = "member_id,name,role\nA,甲,委员\nB,乙,委员\nC,丙,委员\n") throws -> ScoreRun {
        let s = Scratch()
        let rules = try RuleFileLoader.parse(yaml, path: "r.yaml")
        let roster = try RosterReader.read(path: s.write("m.csv", members))
        var ing = ActivityIngestor(members: roster.members, period: rules.period!, vocabulary: rules.vocabulary)
        try ing.read(path: s.write("a.csv", "activity_id,member_id,date,kind,status,role,ref,quantity\n" + records))
        return Scorer.score(ing.finish(), rules: rules, period: rules.period!)
    }

    func result(_ run: ScoreRun, _ id: String) throws -> MemberScore {
        try #require(run.results.first { run.members[$0.member].id == id })
    }

    @Test(arguments: [
        ("categories", "  - {id: att, name: 考勤, start: 0}\n", "R035"),
        ("categories", "  - {id: att, name: 考勤, start: 10, cap: 5}\n", "R036"),
        ("categories", "  - {id: att, name: 考勤, start: 10, floor: 12}\n", "R036"),
        ("rules", "  - {id: x, category: sector, when: {kind: 界别活动}, points: 1, once_per: member}\n", "R064"),
        ("rules", "  - {id: x, category: sector, when: {kind: 界别活动}, points: 1, at_least: 0}\n", "R066"),
        ("rules", "  - {id: x, category: sector, when: {kind: 界别活动}, points: 1, at_least: 2, once: true}\n", "R067"),
        ("rules", "  - {id: x, category: sector, when: {kind: 界别活动, signers: {min: 3, max: 2}}, points: 1}\n", "R078"),
        ("rules", "  - {id: x, category: sector, when: {kind: 界别活动, signers: 0}, points: 1}\n", "R078"),
        ("rules", "  - {id: x, category: sector, when: {kind: 界别活动, signers: 1, sole: true}, points: 1}\n", "R078"),
        ("rules", "  - {id: x, category: sector, when: {kind: 界别活动, signers: {least: 2}}, points: 1}\n", "R011"),
    ])
    func misuseIsAnError(_ part: String, _ text: String, _ id: String) {
        let yaml = part == "categories" ? rules("", categories: text) : rules(text)
        #expect(diagnostics(yaml).map(\.id).contains(id), "\(diagnostics(yaml).map { $0.render(.zh) })")
    }

    @Test func signersInAppliesToIsAnError() {
        let yaml = testRulesYAML + "\nrequirements:\n  - {id: q, when: {kind: 提案}, applies_to: {sole: true}, effect: {flag: true}}\n"
        #expect(diagnostics(yaml).map(\.id) == ["R079"])
    }

    // MARK: - Pattern 1

    @Test func aCategoryThatStartsFullIsDeductedToItsFloor() throws {
        let yaml = rules("  - {id: late, category: att, when: {kind: 全体会议, status: 请假}, points: -4}\n",
                         categories: "  - {id: att, name: 考勤, start: 10}\n")
        let r = try run(yaml, """
        1,A,2025-01-01,全体会议,请假,,,1
        2,B,2025-01-01,全体会议,请假,,,1
        3,B,2025-02-01,全体会议,请假,,,1
        4,B,2025-03-01,全体会议,请假,,,1

        """)
        let rules = r.rules
        let att = try #require(rules.categoryIndex(id: "att"))
        let a = try result(r, "A"), b = try result(r, "B"), c = try result(r, "C")
        #expect(a.categoryPoints[att] == Points(6))
        #expect(b.categoryPoints[att] == .zero)        // 10 − 12, down to 0
        #expect(c.categoryPoints[att] == Points(10))   // nothing deducted: full
        #expect((a.score, b.score, c.score) == (Points(6), .zero, Points(10)))
        let start = try #require(a.ledger.first { if case .categoryStart = $0.note { true } else { false } })
        #expect(start.points == Points(10) && start.category == Int32(att))
        #expect(RunSummary.describe(start.note, rules: rules, lang: .zh) == "本类 10 分起算：10 − 4 = 6")
        #expect(b.ledger.contains { $0.note == .categoryFloored(floor: .zero) })
        // Published: “（本类 10 分，按下列标准扣减，扣完为止）”; the bounds know the start.
        #expect(RuleBook.render(rules).contains("### （五）考勤（本类 10 分，按下列标准扣减，扣完为止）"))
        #expect(StaticChecks.categoryMax(att, rules) == Points(10))
        #expect(StaticChecks.categoryMin(att, rules) == .zero)
        // The start is the category's cap when S002 adds the caps up: 10 + 20 + 10 > 35.
        let bounded = yaml.replacingOccurrences(of: "score: {base: 0, min: 0}", with: "score: {base: 0, min: 0, max: 35}")
        let s002 = StaticChecks.run(try RuleFileLoader.parse(bounded, path: "r.yaml"), source: bounded).filter { $0.id == "S002" }
        #expect(s002.first?.zh.hasPrefix("基础分 0 与各类别上限之和为 40 分") == true, "\(s002.map(\.zh))")
    }

    // MARK: - Pattern 2

    @Test func signersCountTheMembersOfTheSameItem() throws {
        let yaml = rules("""
          - {id: alone, category: sector, when: {kind: 提案, status: 立案, sole: true}, points: 15}
          - {id: joint, category: sector, when: {kind: 提案, status: 立案, role: 第一提案人, signers: {min: 2, max: 2}}, points: 10}
          - {id: many, category: sector, when: {kind: 提案, status: 立案, signers: {min: 3}}, points: 1}

        """)
        let r = try run(yaml, """
        1,A,2025-01-01,提案,立案,第一提案人,P1,1
        2,A,2025-01-02,提案,立案,第一提案人,P2,1
        3,B,2025-01-02,提案,立案,联名提案人,P2,1
        4,C,2025-01-03,提案,立案,第一提案人,P3,1
        5,A,2025-01-03,提案,立案,联名提案人,P3,1
        6,B,2025-01-03,提案,立案,联名提案人,P3,1
        7,C,2025-01-04,提案,立案,第一提案人,,1

        """)
        func fired(_ id: String, _ rule: String) throws -> [String] {
            let res = try result(r, id)
            let ri = Int32(r.rules.ruleIndex(id: rule)!)
            return res.ledger.filter { $0.rule == ri && $0.record >= 0 }.map { r.store.id(of: r.store.records[Int($0.record)]) }
        }
        #expect(try fired("A", "alone") == ["1"])           // P1: A alone
        #expect(try fired("A", "joint") == ["2"])           // P2: A and B
        #expect(try fired("C", "alone") == ["7"])           // no ref: the member's own
        #expect(try fired("C", "joint") == [])              // P3 has three signers
        #expect(try Set(fired("A", "many") + fired("B", "many") + fired("C", "many")) == ["4", "5", "6"])
        let text = RuleBook.render(r.rules)
        #expect(text.contains("（限仅本人署名）"))
        #expect(text.contains("（限 2 人联名）"))
        #expect(text.contains("（限 3 人以上联名）"))
    }

    // MARK: - Patterns 3 and 6

    @Test func aThresholdPaysOnceWhenReached() throws {
        let yaml = rules("""
          - {id: act, name: 参加界别活动, category: sector, when: {kind: 界别活动}, at_least: 2, points: 30}
          - {id: days, name: 界别活动天数, category: deductions, when: {kind: 界别活动}, at_least: 3, per: quantity, points: 1}

        """)
        let r = try run(yaml, """
        1,A,2025-01-01,界别活动,参加,,,1
        2,A,2025-02-01,界别活动,参加,,,1
        3,A,2025-03-01,界别活动,参加,,,1
        4,B,2025-01-01,界别活动,参加,,,2.5

        """)
        let act = Int32(r.rules.ruleIndex(id: "act")!), days = Int32(r.rules.ruleIndex(id: "days")!)
        let a = try result(r, "A"), b = try result(r, "B")
        #expect(a.ledger.filter { $0.rule == act }.map(\.points) == [.zero, Points(30), .zero])
        #expect(a.ledger.filter { $0.rule == act }.map(\.note) == [.belowThreshold(have: .one, need: Points(2)), .thresholdReached(need: Points(2)), .thresholdPaid])
        #expect(a.ledger.filter { $0.rule == days }.map(\.points) == [.zero, .zero, .one])  // 3 days on the third
        #expect(b.ledger.filter { $0.rule == act }.map(\.points) == [.zero])                 // one record of two needed
        #expect(b.ledger.filter { $0.rule == days }.map(\.points) == [.zero])                // 2.5 days of 3
        let text = RuleBook.render(r.rules)
        #expect(text.contains("参加界别活动，累计 2 次以上的，计 30 分。"))
        #expect(text.contains("界别活动天数，累计数量达到 3 的，计 1 分。"))
        #expect(StaticChecks.ruleBound(r.rules.rules[Int(act)]) == Points(30))
    }

    @Test func anItemCountsOnceForARuleWithOncePerRef() throws {
        let yaml = rules("""
          - {id: op, name: 报送界别活动, category: sector, when: {kind: 界别活动}, points: 2, once_per: ref, max_count: 2}

        """).replacingOccurrences(of: "{id: sector, category: sector, when: {kind: 界别活动}, points: 1.5, cap: 4}", with: "{id: sector, category: sector, when: {kind: 违纪}, points: 1.5, cap: 4}")
        let r = try run(yaml, """
        1,A,2025-01-01,界别活动,参加,,S1,1
        2,A,2025-01-05,界别活动,参加,,S1,1
        3,A,2025-01-09,界别活动,参加,,S1,1
        4,A,2025-02-01,界别活动,参加,,S2,1
        5,A,2025-03-01,界别活动,参加,,,1
        6,A,2025-04-01,界别活动,参加,,S3,1

        """)
        let op = Int32(r.rules.ruleIndex(id: "op")!)
        let a = try result(r, "A")
        // S1 once, S2, then the record without a ref reaches max_count 2 — the repeats of S1 did not use it up.
        #expect(a.ledger.filter { $0.rule == op }.map(\.points) == [Points(2), .zero, .zero, Points(2), .zero, .zero])
        #expect(a.ledger.filter { $0.rule == op }.map(\.note) == [.full, .repeatedItem, .repeatedItem, .full, .countLimited(max: 2), .countLimited(max: 2)])
        #expect(RunSummary.describe(.repeatedItem, rules: r.rules, lang: .zh) == "同一事项（关联编号相同）本项只计一次")
        #expect(RuleBook.render(r.rules).contains("同一事项（关联编号相同的几条记录）只计一次"))
    }
}

/// The one YAML quoting that draft mappings and console corrections files share reads back
/// exactly, whatever the text holds.
@Suite struct YAMLTextTests {
    @Test(arguments: ["张三", "yes", "2025-03-05", "# 注释", "a: b", "引号\"与\\反斜杠", "换行\n制表\t回车\r", "\u{01}\u{7F}\u{85}\u{2028}\u{FEFF}末尾", ""])
    func doubleQuotedReadsBackExactly(text: String) throws {
        let yaml = "v: " + YAMLText.doubleQuoted(text) + "\n"
        let node = try #require(try Yams.compose(yaml: yaml))
        #expect(node["v"]?.string == text, "\(yaml.debugDescription)")
    }
}
