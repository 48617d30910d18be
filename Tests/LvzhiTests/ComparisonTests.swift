import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiReport
@testable import LvzhiScoring

/// The comparison of two result sets (`lvzhi diff`, 年度对比): the transition matrix keyed by
/// grade names across different schemes, members on one side only, ties and ordering, the
/// ledger-line difference, the distribution buckets, and the three renderings.
@Suite struct ComparisonTests {
    static let four: [ResultSet.GradeInfo] = [
        .init(name: "好", color: "绿", hex: "#2e8b57"), .init(name: "称职", color: "蓝", hex: "#1f6fb2"),
        .init(name: "基本称职", color: "黄", hex: "#e0b100"), .init(name: "不称职", color: "红", hex: "#c0392b"),
    ]
    static let five: [ResultSet.GradeInfo] = [
        .init(name: "优秀", color: "绿", hex: "#2e8b57"), .init(name: "称职", color: "蓝", hex: "#1f6fb2"),
        .init(name: "基本称职", color: "黄", hex: "#e0b100"), .init(name: "基本合格", color: "褐", hex: "#8b5a2b"),
        .init(name: "不称职", color: "红", hex: "#c0392b"),
    ]

    static func m(_ id: String, _ score: String, _ grade: Int, in grades: [ResultSet.GradeInfo], name: String? = nil,
                  ledger: [LedgerLine]? = nil) -> MemberResult {
        MemberResult(id: id, name: name ?? "名\(id)", sector: "界", score: Points(parsing: score)!, gradeName: grades[grade].name,
                     gradeIndex: grade, gradeColor: grades[grade].color, ledger: ledger)
    }

    static var oldSet: ResultSet {
        ResultSet(label: "四等次", grades: four, members: [
            m("A", "90", 0, in: four), m("B", "70", 1, in: four), m("C", "50", 2, in: four),
            m("D", "20", 3, in: four), m("E", "72.5", 1, in: four), m("GONE", "60", 2, in: four),
        ])
    }
    static var newSet: ResultSet {
        ResultSet(label: "五等次", grades: five, members: [
            m("A", "91", 0, in: five), m("B", "70", 1, in: five), m("C", "40", 3, in: five),
            m("D", "20", 4, in: five), m("E", "69", 2, in: five), m("NEW", "88", 0, in: five),
        ])
    }

    @Test func matrixIsKeyedByGradeNamesAcrossSchemes() {
        let c = ResultComparison(old: Self.oldSet, new: Self.newSet)
        #expect(c.oldGrades.map(\.name) == ["好", "称职", "基本称职", "不称职"])
        #expect(c.newGrades.map(\.name) == ["优秀", "称职", "基本称职", "基本合格", "不称职"])
        #expect(c.matrix.count == 4 && c.matrix.allSatisfy { $0.count == 5 })
        #expect(c.count(from: "好", to: "优秀") == 1)
        #expect(c.count(from: "称职", to: "称职") == 1)
        #expect(c.count(from: "称职", to: "基本称职") == 1)
        #expect(c.count(from: "基本称职", to: "基本合格") == 1)
        #expect(c.count(from: "不称职", to: "不称职") == 1)
        #expect(c.count(from: "好", to: "不存在") == 0)
        // Only members on both sides are in the matrix; counts cover every member of a side.
        #expect(c.matrix.flatMap { $0 }.reduce(0, +) == 5)
        #expect(c.oldCounts == [1, 2, 2, 1])
        #expect(c.newCounts == [2, 1, 1, 1, 1])
        #expect(c.onlyOld.map(\.id) == ["GONE"])
        #expect(c.onlyNew.map(\.id) == ["NEW"])
        // 好 → 优秀 is a change of name (same colour); B keeps 称职 and D 不称职 (same name in both schemes).
        #expect(c.changed.map(\.id) == ["A", "E", "C"])
        #expect(c.scoreUp == 1 && c.scoreDown == 2 && c.scoreChanged == 3)
        #expect(c.pairs.first { $0.id == "E" }?.delta == Points(parsing: "-3.5"))
    }

    @Test func colourAloneIsAChange() {
        let a = ResultSet(label: "a", grades: [.init(name: "合格", color: "黄")], members: [
            MemberResult(id: "X", name: "x", score: 10, gradeName: "合格", gradeIndex: 0, gradeColor: "黄")])
        let b = ResultSet(label: "b", grades: [.init(name: "合格", color: "蓝")], members: [
            MemberResult(id: "X", name: "x", score: 10, gradeName: "合格", gradeIndex: 0, gradeColor: "蓝")])
        let c = ResultComparison(old: a, new: b)
        #expect(c.changed.map(\.id) == ["X"])
        #expect(c.count(from: "合格", to: "合格") == 1)
    }

    @Test func orderDoesNotDependOnInputOrderAndTiesSortById() {
        var shuffledOld = Self.oldSet
        shuffledOld.members.reverse()
        var shuffledNew = Self.newSet
        shuffledNew.members.swapAt(0, 4)
        let a = ResultComparison(old: Self.oldSet, new: Self.newSet)
        let b = ResultComparison(old: shuffledOld, new: shuffledNew)
        #expect(DiffReport.json(a) == DiffReport.json(b))
        #expect(DiffReport.text(a, lang: .zh) == DiffReport.text(b, lang: .zh))
        // Equal moves sort by member id.
        let g = Self.four
        let ties = ResultComparison(
            old: ResultSet(label: "o", grades: g, members: [Self.m("Z", "70", 1, in: g), Self.m("M", "70", 1, in: g), Self.m("B", "80", 0, in: g)]),
            new: ResultSet(label: "n", grades: g, members: [Self.m("Z", "60", 2, in: g), Self.m("M", "60", 2, in: g), Self.m("B", "70", 1, in: g)]))
        #expect(ties.changed.map(\.id) == ["B", "M", "Z"])
    }

    @Test func gradesMissingFromTheListAreAppended() {
        // A stored run that names its grades only on the members.
        let set = ResultSet(label: "h", grades: [], members: [
            MemberResult(id: "1", name: "", score: 1, gradeName: "差", gradeIndex: 2, gradeColor: "红"),
            MemberResult(id: "2", name: "", score: 9, gradeName: "好", gradeIndex: 0, gradeColor: "绿"),
        ])
        #expect(set.effectiveGrades.map(\.name) == ["好", "差"])
    }

    static func line(_ record: String, _ rule: String, _ points: String, note: String = "full", category: String = "提案") -> LedgerLine {
        LedgerLine(record: record, rule: rule, category: category, note: note, points: Points(parsing: points)!, text: "\(record)\(rule)")
    }

    @Test func ledgerLinesAddedRemovedAndChanged() {
        let old = [
            Self.line("A1", "lead", "6"), Self.line("A2", "lead", "6"), Self.line("A3", "cosign", "2"),
            Self.line("", "", "-2", note: "category_capped"), Self.line("A4", "key", "3", note: "full"),
        ]
        let new = [
            Self.line("A1", "lead", "8"), Self.line("A2", "lead", "6"), Self.line("A5", "lead", "8"),
            Self.line("", "", "-6", note: "category_capped"), Self.line("", "", "1", note: "base", category: ""),
            // Same points, other note: not a change in score.
            Self.line("A4", "key", "3", note: "rule_capped"),
        ]
        let d = ResultComparison.diffLedger(old, new)
        #expect(d.map(\.kind) == [.changed, .removed, .added, .added, .changed])
        #expect(d.map(\.key.record) == ["A1", "A3", "A5", "", ""])
        #expect(d[0].old == 6 && d[0].new == 8 && d[0].delta == 2)
        #expect(d[1].new == nil && d[1].delta == -2)
        #expect(d[3].key.note == "base" && d[4].key.note == "category_capped")
        #expect(d[4].delta == -4)
        // The same record under a different rule is a different line (sorted by rule id).
        let moved = ResultComparison.diffLedger([Self.line("A1", "lead", "6")], [Self.line("A1", "cosign", "6")])
        #expect(moved.map(\.kind) == [.added, .removed])
        #expect(moved.map(\.key.rule) == ["cosign", "lead"])
        // Lines with the same key are summed.
        #expect(ResultComparison.diffLedger([Self.line("A1", "r", "1"), Self.line("A1", "r", "1")], [Self.line("A1", "r", "2")]).isEmpty)
    }

    @Test func ledgerChangesAreAttachedToChangedMembers() throws {
        let g = Self.four
        let c = ResultComparison(
            old: ResultSet(label: "o", grades: g, members: [Self.m("X", "70", 1, in: g, ledger: [Self.line("A1", "lead", "6")])]),
            new: ResultSet(label: "n", grades: g, members: [Self.m("X", "80", 0, in: g, ledger: [Self.line("A1", "lead", "16")])]))
        #expect(c.hasLedgers)
        let p = try #require(c.changed.first)
        #expect(p.ledgerChanges.count == 1 && p.ledgerChanges[0].delta == 10)
        let text = DiffReport.text(c, lang: .zh)
        #expect(text.contains("变化 A1 规则 lead：6 → 16（+10）"), "\(text)")
        #expect(DiffReport.json(c).contains(#""ledger":["#))
    }

    @Test func bucketsAreSharedAndIncludeTheLowerBound() {
        let c = ResultComparison(old: Self.oldSet, new: Self.newSet)
        // Scores 20 … 91 → bins of 5 from 20 to 95.
        #expect(c.bucketWidth == 5)
        #expect(c.buckets.first?.lower == 20 && c.buckets.last?.upper == 95)
        #expect(c.buckets.reduce(0) { $0 + $1.old } == 6 && c.buckets.reduce(0) { $0 + $1.new } == 6)
        let seventy = c.buckets.first { $0.lower == 70 }!
        #expect(seventy.old == 2 && seventy.new == 1)   // 70 and 72.5 before; 70 after (69 is below)
        // Negative scores and wide ranges.
        let (w, edges) = ResultComparison.bucketEdges([Points(parsing: "-7.5")!, 0, 330])
        #expect(w == 20)
        #expect(edges.first == -20 && edges.last == 340)
        #expect(ResultComparison.bucketEdges([]).1.isEmpty)
    }

    @Test func emptySidesDoNotCrash() {
        let c = ResultComparison(old: ResultSet(label: "o", grades: Self.four, members: []), new: ResultSet(label: "n", grades: Self.five, members: []))
        #expect(c.pairs.isEmpty && c.buckets.isEmpty && !c.hasLedgers)
        #expect(DiffReport.text(c, lang: .en).contains("members: 0 on both sides"))
        #expect(DiffReport.html(c, lang: .zh, generatedAt: "t", toolVersion: "v").contains("没有委员的等次或颜色发生变化"))
    }

    @Test(arguments: [Language.zh, .en])
    func renderingWithoutLedgersIsEscapedAndSelfContained(lang: Language) throws {
        var old = Self.oldSet, new = Self.newSet
        old.label = "<script>alert(1)</script> 2024"
        new.members[0].name = "\"/><img src=x onerror=alert(1)>"
        new.members[0].sector = "</td>&"
        new.members[2].name = "\u{1B}[2J\u{1B}]0;title\u{07}乙\n换行"
        let c = ResultComparison(old: old, new: new)
        #expect(!c.hasLedgers)
        let html = DiffReport.html(c, lang: lang, generatedAt: "2026-01-01", toolVersion: "test")
        #expect(!html.contains("<script>") && !html.contains("<img"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; 2024"))
        #expect(html.contains("&lt;/td&gt;&amp;"))
        for bad in ["http://", "https://", "src=\"", "<link", "@import", "url("] { #expect(!html.contains(bad), "\(bad)") }
        #expect(html.contains(lang.pick("两次结果均无计分明细", "Neither side carries ledgers")))
        let json = DiffReport.json(c)
        #expect(!json.contains("\"ledger\""))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(root["format"] as? String == "lvzhi-diff/1")
        let matrix = try #require(root["matrix"] as? [String: Any])
        #expect(matrix["columns"] as? [String] == ["优秀", "称职", "基本称职", "基本合格", "不称职"])
        #expect((root["changed"] as? [[String: Any]])?.count == 3)
        let text = DiffReport.text(c, lang: lang)
        #expect(text.contains(lang.pick("（两次结果均无计分明细，只列分数和等次）", "(no ledgers on either side: scores and grades only)")))
        #expect(text.contains(lang.pick("仅旧：GONE", "old only: GONE")))
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(!text.contains("\u{1B}") && text.contains("\u{FFFD}乙\u{FFFD}换行"))
    }

    // MARK: Golden: two rule versions on the report fixture

    /// The HTMLReportTests fixture scored with its rules and with a proposed version: 优秀 from
    /// 18 instead of 20, 合格 from 12 instead of 10, and 8 instead of 6 points for a filed proposal.
    static func ruleVersions(lang: Language) throws -> ResultComparison {
        let old = try HTMLReportTests.summary(lang: lang)
        let yaml = HTMLReportTests.rulesYAML.replacingOccurrences(of: "GRADES", with: HTMLReportTests.bandGrades)
            .replacingOccurrences(of: "min: 20}", with: "min: 18}").replacingOccurrences(of: "min: 10}", with: "min: 12}")
            .replacingOccurrences(of: "role: 第一提案人}, points: 6}", with: "role: 第一提案人}, points: 8}")
        let new = try HTMLReportTests.summary(lang: lang, rules: yaml)
        return ResultComparison(old: ResultSet(run: old.run, label: "rules.yaml（测试规则 t1）", lang: lang),
                                new: ResultSet(run: new.run, label: "rules-new.yaml（测试规则 t1 修订）", lang: lang))
    }

    @Test func goldenRuleVersionDiff() throws {
        let c = try Self.ruleVersions(lang: .zh)
        HTMLReportTests.golden(DiffReport.text(c, lang: .zh), "diff.txt")
        HTMLReportTests.golden(DiffReport.json(c), "diff.json")
        HTMLReportTests.golden(DiffReport.html(c, lang: .zh, generatedAt: "2026-01-01T08:00:00+08:00", toolVersion: "test"), "diff.html")
        let en = try Self.ruleVersions(lang: .en)
        HTMLReportTests.golden(DiffReport.text(en, lang: .en), "diff.en.txt")
    }

    @Test func ruleVersionFigures() throws {
        let c = try Self.ruleVersions(lang: .zh)
        #expect(c.hasLedgers && c.pairs.count == 8 && c.onlyOld.isEmpty && c.onlyNew.isEmpty)
        let byID = Dictionary(uniqueKeysWithValues: c.pairs.map { ($0.id, $0) })
        // M8: two filed proposals as lead, 10 + 12 = 22 → 10 + 16 = 26 (proposals cap 20 not reached).
        #expect(byID["M8"]?.old.score == 22 && byID["M8"]?.new.score == 26)
        // Ledger lines are compared only for members who change colour: M8 stays 优秀.
        #expect(byID["M8"]?.ledgerChanges.isEmpty == true)
        #expect(byID["M4"]?.ledgerChanges.map(\.key.record) == ["A15"])
        // M1: proposals 6 + 3 + 6 = 15 → 8 + 3 + 8 = 19; 27 → 31, still 不合格 (vetoed).
        #expect(byID["M1"]?.delta == 4 && byID["M1"]?.new.gradeName == "不合格")
        // M4 (主席, not ranked): 16 → 18 reaches the new 优秀 line exactly (lower bound included).
        #expect(byID["M4"]?.new.score == 18 && byID["M4"]?.old.gradeName == "合格" && byID["M4"]?.new.gradeName == "优秀")
        #expect(c.changed.map(\.id) == ["M4"])
        #expect(c.scoreUp == 3 && c.scoreDown == 0)
        // Nobody's category points were cut differently except where the proposal rule fired.
        for p in c.pairs { for l in p.ledgerChanges where !l.key.record.isEmpty { #expect(l.key.rule == "lead") } }
    }
}
