import Testing
@testable import LvzhiCore
@testable import LvzhiRules

@Suite struct RuleFileTests {
    func diagnostics(_ yaml: String) -> [Diagnostic] {
        do {
            _ = try RuleFileLoader.parse(yaml, path: "r.yaml")
            return []
        } catch {
            return error.diagnostics
        }
    }

    @Test func parsesTheTestRules() throws {
        let r = try testRules()
        #expect(r.name == "测试规则")
        #expect(r.categories.map(\.id) == ["meetings", "proposals", "sector", "deductions"])
        #expect(r.rules.count == 6)
        #expect(r.rules[0].basis == .quantity)
        #expect(r.rules[4].points == Points(parsing: "1.5")!)
        #expect(r.grades.last?.min == nil)
        #expect(r.vetoes.first?.grade == 2)
        #expect(r.period == Period(spec: "2025"))
    }

    @Test func shippedRulesLoad() throws {
        let r = try RuleFileLoader.load(path: packageRoot + "/Rules/fengjie.yaml")
        #expect(r.grades.map(\.color) == ["绿", "蓝", "黄", "褐", "红"])
        #expect(r.categories.count == 7)
    }

    @Test func typoInKindPointsAtItAndSuggests() {
        let yaml = testRulesYAML.replacingOccurrences(of: "{id: lead, category: proposals, when: {kind: 提案,",
                                                      with: "{id: lead, category: proposals, when: {kind: 提按,")
        let d = diagnostics(yaml)
        #expect(d.count == 1)
        #expect(d[0].id == "R070")
        #expect(d[0].hintZh == "是否想写“提案”？")
        #expect(d[0].location?.line == 19)
        #expect(d[0].location?.column == 50)
    }

    @Test func unknownKeyAndBadNumber() {
        let d = diagnostics(testRulesYAML
            .replacingOccurrences(of: "points: 6}", with: "point: 6}")
            .replacingOccurrences(of: "points: 1.5,", with: "points: 1.55555,"))
        #expect(d.map(\.id).sorted() == ["R011", "R015", "R057"])
        #expect(d.first { $0.id == "R011" }?.hintZh?.hasPrefix("是否想写“points”？") == true)
    }

    @Test func gradeThresholdsMustDescend() {
        let d = diagnostics(testRulesYAML.replacingOccurrences(of: "min: 10}", with: "min: 30}"))
        #expect(d.map(\.id) == ["R045"])
    }

    @Test func unknownStatusForKindCanNeverFire() {
        let d = diagnostics(testRulesYAML.replacingOccurrences(of: "when: {kind: 提案, status: 立案, role: 联名提案人}",
                                                               with: "when: {kind: 提案, status: 已立案, role: 联名提案人}"))
        #expect(d.map(\.id) == ["R071"])
        #expect(d[0].hintZh == "是否想写“立案”？")
    }

    @Test func undefinedCategoryAndVetoGrade() {
        let d = diagnostics(testRulesYAML
            .replacingOccurrences(of: "{id: sector, category: sector,", with: "{id: sector, category: sectors,")
            .replacingOccurrences(of: "grade: 不合格}", with: "grade: 不及格}"))
        #expect(d.map(\.id).sorted() == ["R052", "R060"])
    }

    @Test func yamlSyntaxErrorHasALine() {
        let d = diagnostics("lvzhi: 1\nname: [unclosed\n")
        #expect(d.first?.id == "R003")
        #expect((d.first?.location?.line ?? 0) >= 2)
    }

    @Test func aliasesAreRefused() {
        let d = diagnostics(testRulesYAML.replacingOccurrences(of: "name: 测试规则", with: "name: &n 测试规则\nversion2: *n"))
        #expect(!d.isEmpty)
    }
}

/// The package root, found from this file's location.
let packageRoot: String = {
    var url = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
    url = "/" + url
    return url
}()
