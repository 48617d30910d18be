import Testing
import LvzhiCore
@testable import LvzhiIngest
@testable import LvzhiRules

// MARK: - Fixtures

/// The fields of an activity that expressions read (the scorer has the same conversion).
private func expressionRecord(_ a: Activity) -> ExpressionRecord { a }

/// A tiny ingested world: one symbol table, mark table and arena, records built like the ingestor does.
private struct World {
    var symbols = SymbolTable()
    var arena = StringArena()
    var marks = ["重点", "优秀", "采用"]
    var records: [Activity] = []
    var period = Period(spec: "2025")!

    @discardableResult
    mutating func add(_ id: String, _ date: String, kind: String, status: String = "", role: String = "", level: String = "",
                      ref: String = "", quantity: String = "1", marks: [String] = [], title: String = "") -> Activity {
        var set = MarkSet()
        for m in marks { set.insert(self.marks.firstIndex(of: m)!) }
        let a = Activity(member: 0, date: Day(iso: date)!, kind: symbols.intern(kind), status: symbols.intern(status),
                         role: symbols.intern(role), level: symbols.intern(level), ref: symbols.intern(ref),
                         marks: set, quantity: Points(parsing: quantity)!, id: arena.append(id), title: arena.append(title),
                         file: 0, line: Int32(records.count + 2))
        records.append(a)
        return a
    }

    /// The standard member's records.
    static func standard() -> World {
        var w = World()
        w.add("A1", "2025-03-01", kind: "提案", status: "立案", role: "第一提案人", ref: "P1", marks: ["重点"], title: "关于乡村振兴的提案")
        w.add("A2", "2025-05-10", kind: "提案", status: "不立案", role: "联名提案人", ref: "P2")
        w.add("A3", "2025-01-15", kind: "全体会议", status: "出席", role: "常委", quantity: "2")
        w.add("A4", "2025-07-01", kind: "界别活动", status: "参加", quantity: "1.5", marks: ["优秀"])
        w.add("A5", "2025-11-30", kind: "社情民意", status: "采用", level: "省级", marks: ["重点", "采用"])
        return w
    }

    func bind(_ e: CheckedExpression) -> BoundExpression {
        var s = symbols
        return e.bind(symbols: &s, marks: marks, arena: arena, period: period)
    }

    /// Compiles `text` for the record scope and evaluates it for every record.
    func evaluate(_ text: String, member: Member = standardMember) throws -> [Bool] {
        let bound = bind(try RuleExpression.compile(text))
        let frame = bound.frame(member: member, records: records.lazy.map(expressionRecord))
        return records.map { bound.isTrue(for: expressionRecord($0), in: frame) }
    }

    func memberValue(_ text: String, result: ExprType = .bool, member: Member = standardMember) throws -> ExpressionValue {
        let bound = bind(try RuleExpression.compile(text, options: ExpressionOptions(scope: .member, result: result)))
        let frame = bound.frame(member: member, records: records.lazy.map(expressionRecord))
        return bound.value(for: nil, in: frame)
    }
}

private let standardMember = Member(id: "M1", name: "张三", sector: "经济界", committee: "文史委", role: "常委", group: "一组",
                                    party: "民建", source: SourceLocation(file: "members.csv", line: 2))

private let vocabulary = Vocabulary(kinds: [
    .init(name: "提案", statuses: ["立案", "不立案"], roles: ["第一提案人", "联名提案人"]),
    .init(name: "全体会议", statuses: ["出席", "请假", "缺席"]),
    .init(name: "社情民意", statuses: ["采用", "批示"], levels: ["省级", "市级"]),
], marks: ["重点", "优秀", "采用"])

private func errors(_ text: String, _ options: ExpressionOptions = ExpressionOptions()) -> [ExpressionError] {
    do {
        _ = try RuleExpression.compile(text, options: options)
        return []
    } catch {
        return error.errors
    }
}

// MARK: - Parsing and printing

@Suite("Expression syntax")
struct ExpressionSyntaxTests {
    @Test("parse → print gives the canonical text, which parses to the same tree", arguments: [
        ("kind == \"提案\"", "kind == \"提案\""),
        ("kind==\"提案\"&&status=='立案'", "kind == \"提案\" and status == \"立案\""),
        ("类型==\"提案\"且状态==“立案”", "类型 == \"提案\" and 状态 == \"立案\""),
        ("kind==\"a\"||kind==\"b\"或kind==\"c\"", "kind == \"a\" or kind == \"b\" or kind == \"c\""),
        ("!(quantity > 1)", "not quantity > 1"),
        ("非 (quantity > 1)", "not quantity > 1"),
        ("not not true", "not not true"),
        ("(kind == \"a\" or kind == \"b\") and quantity > 1", "(kind == \"a\" or kind == \"b\") and quantity > 1"),
        ("((true and false) and true)", "true and false and true"),
        ("quantity * (1 + 2) > 0", "quantity * (1 + 2) > 0"),
        ("quantity - (1 - 2) > 0", "quantity - (1 - 2) > 0"),
        ("quantity - 1 - 2 > 0", "quantity - 1 - 2 > 0"),
        ("-1.5 * quantity < -0.25", "-1.5 * quantity < -0.25"),
        ("-(quantity) == 1", "-quantity == 1"),
        ("--quantity == - -1", "- -quantity == - -1"),
        ("-(1 + quantity) == 0", "-(1 + quantity) == 0"),
        ("date >= date(\"2025-07-01\")", "date >= 2025-07-01"),
        ("date>=2025-07-01", "date >= 2025-07-01"),
        ("status in [\"立案\", '采用', “优秀”,]", "status in [\"立案\", \"采用\", \"优秀\"]"),
        ("kind not in [\"a\"]", "kind not in [\"a\"]"),
        ("\"重点\" 非 in marks", "\"重点\" not in marks"),
        ("count(kind == \"提案\") >= 2", "count(kind == \"提案\") >= 2"),
        ("sum(kind==\"调研\",quantity)>3", "sum(kind == \"调研\", quantity) > 3"),
        ("member.role == \"常委\" || 委员.界别 == \"经济界\"", "member.role == \"常委\" or 委员.界别 == \"经济界\""),
        ("title == \"say \\\"hi\\\" \\\\ ok\"", "title == \"say \\\"hi\\\" \\\\ ok\""),
        ("year(date) == 2025 and month(date) in [1, 2, 3]", "year(date) == 2025 and month(date) in [1, 2, 3]"),
        ("max(quantity, 1) / 2 <= 3", "max(quantity, 1) / 2 <= 3"),
        ("（quantity > 1）且 true", "quantity > 1 and true"),
        ("(not true) == false", "(not true) == false"),
        ("(1 < 2) == true", "(1 < 2) == true"),
        ("quantity in []", "quantity in []"),
        ("1.50 == 1.5000", "1.5 == 1.5"),
        ("  kind\n  ==\t\"提案\"\u{3000}", "kind == \"提案\""),
    ])
    func roundTrip(_ input: String, _ canonical: String) throws {
        let tree = try RuleExpression.parse(input)
        #expect(tree.description == canonical)
        let again = try RuleExpression.parse(canonical)
        #expect(again == tree)
        #expect(again.description == canonical)
    }

    @Test("precedence: or < and < not < comparison < + - < * / < prefix -", arguments: [
        ("true or false and false", "(true or (false and false))"),
        ("not true and false", "((not true) and false)"),
        ("not quantity > 1", "(not (quantity > 1))"),
        ("1 + 2 * 3 > 6", "((1 + (2 * 3)) > 6)"),
        ("1 - 2 - 3 == 0", "(((1 - 2) - 3) == 0)"),
        ("8 / 2 * 3 == 0", "(((8 / 2) * 3) == 0)"),
        ("-quantity * 2 > 0", "(((-quantity) * 2) > 0)"),
        ("quantity in [1, 2] or false", "((quantity in [1, 2]) or false)"),
        ("true and false and true or false", "((true and false and true) or false)"),
        ("kind not in [\"a\"] and true", "((kind not in [\"a\"]) and true)"),
        ("count(true or false) > 1 + 1", "(count((true or false)) > (1 + 1))"),
    ])
    func precedence(_ input: String, _ expected: String) throws {
        #expect(try RuleExpression.parse(input).fullyParenthesized == expected)
    }

    @Test("arithmetic follows the precedence", arguments: [
        ("1 + 2 * 3 == 7", true), ("(1 + 2) * 3 == 9", true), ("10 - 4 - 3 == 3", true),
        ("-2 * -3 == 6", true), ("not 1 > 2 and 2 > 1", true), ("true or true and false", true),
        ("false and true or true", true), ("not (true or true) or false", false),
    ])
    func arithmeticPrecedence(_ text: String, _ expected: Bool) throws {
        #expect(try World.standard().evaluate(text).allSatisfy { $0 == expected })
    }

    @Test("syntax errors have a stable id and point at the right place", arguments: [
        ("kind = \"提案\"", "E003", 1, 6),
        ("kind == \"提案", "E004", 1, 9),
        ("title == “未完", "E004", 1, 10),
        ("quantity > 1.23456", "E005", 1, 12),
        ("quantity > 2000000000", "E005", 1, 12),
        ("quantity > 1x", "E005", 1, 12),
        ("date > 2025-02-30", "E006", 1, 8),
        ("date > date(\"2025-13-01\")", "E006", 1, 13),
        ("kind == \"a\" \"b\"", "E007", 1, 13),
        ("quantity > 1 AND true", "E007", 1, 14),
        ("status in [\"a\" \"b\"]", "E007", 1, 16),
        ("kind == ", "E008", 1, 9),
        ("", "E008", 1, 1),
        ("   ", "E008", 1, 4),
        ("(quantity > 1", "E008", 1, 14),
        ("member.", "E008", 1, 8),
        ("[1, 2", "E008", 1, 6),
        ("1 < quantity < 3", "E009", 1, 14),
        ("kind ==\n  ＝ \"a\"", "E003", 2, 3),
        ("kind == \"a\" &\n kind == \"b\"", "E003", 1, 13),
        ("quantity | 1", "E003", 1, 10),
        ("kind == \"a\"；", "E003", 1, 12),
    ])
    func syntaxErrors(_ text: String, _ id: String, _ line: Int, _ column: Int) {
        let es = errors(text)
        #expect(es.count == 1)
        #expect(es.first?.id == id)
        #expect(es.first?.line == line)
        #expect(es.first?.column == column)
        #expect(es.first.map { !$0.zh.isEmpty && !$0.en.isEmpty } == true)
    }

    @Test func syntaxHints() {
        #expect(errors("kind = \"提案\"").first?.hintZh == "相等比较请写 ==")
        #expect(errors("quantity > 1 AND true").first?.hintZh?.contains("and") == true)
        #expect(errors("1 < quantity < 3").first?.hintZh?.contains("and") == true)
    }

    @Test("length limit: 4000 characters")
    func lengthLimit() throws {
        let ok = "quantity > 1" + String(repeating: " ", count: RuleExpression.maxLength - 12)
        #expect(ok.unicodeScalars.count == 4000)
        _ = try RuleExpression.parse(ok)
        let es = errors(ok + " ")
        #expect(es.map(\.id) == ["E001"])
        #expect(es.first?.column == 4001)
        // Long but flat chains of or stay within the depth limit.
        let shortChain = (0..<150).map { "kind == \"k\($0)\"" }.joined(separator: " or ")
        #expect(shortChain.unicodeScalars.count <= 4000)
        let tree = try RuleExpression.parse(shortChain)
        #expect(tree.height == 3)
    }

    static let deep: [(String, String?)] = {
        var cases: [(String, String?)] = []
        let open64: String = String(repeating: "(", count: 64)
        let close64: String = String(repeating: ")", count: 64)
        cases.append((open64 + "true" + close64, nil))
        cases.append(("(" + open64 + "true" + close64 + ")", "E002"))
        cases.append((String(repeating: "(", count: 1999), "E002"))
        cases.append((String(repeating: "[", count: 500), "E002"))
        cases.append((String(repeating: "not ", count: 63) + "true", nil))
        cases.append((String(repeating: "not ", count: 500) + "true", "E002"))
        cases.append((String(repeating: "!", count: 3000) + "true", "E002"))
        cases.append((String(repeating: "-", count: 3000) + "quantity > 0", "E002"))
        cases.append(("quantity" + String(repeating: " + 1", count: 70) + " > 0", "E002"))
        cases.append(("quantity" + String(repeating: " * 1", count: 62) + " > 0", nil))
        cases.append((String(repeating: "max(", count: 100) + "1", "E002"))
        return cases
    }()

    @Test("nesting limit: 64 levels, an error and never a stack overflow", arguments: deep)
    func depthLimit(_ text: String, _ id: String?) {
        let es = errors(text)
        #expect(es.first?.id == id)
    }
}

// MARK: - Type checking

@Suite("Expression type checking")
struct ExpressionCheckTests {
    @Test("every type error has its id and column", arguments: [
        ("stauts == \"立案\"", "E010", 1),
        ("kind == 提案", "E010", 9),
        ("member.rol == \"常委\"", "E011", 1),
        ("委员.职物 == \"x\"", "E011", 1),
        ("period.begin < date", "E011", 1),
        ("cout(kind == \"a\") > 1", "E012", 1),
        ("count() > 1", "E013", 1),
        ("count(kind == \"a\", 1) > 1", "E013", 1),
        ("min(1) > 0", "E013", 1),
        ("year(date, date) > 0", "E013", 1),
        ("quantity == \"1\"", "E014", 10),
        ("date > \"2025-01-01\"", "E014", 6),
        ("date > 20250101", "E014", 6),
        ("quantity in [\"a\"]", "E014", 14),
        ("kind < \"a\"", "E015", 6),
        ("true < false", "E015", 6),
        ("quantity and true", "E015", 1),
        ("not quantity", "E015", 5),
        ("kind + 1 > 0", "E015", 6),
        ("-kind == 1", "E015", 1),
        ("date + 1 > date", "E015", 6),
        ("marks == \"重点\"", "E015", 7),
        ("true in [1]", "E015", 6),
        ("quantity", "E016", 1),
        ("kind", "E016", 1),
        ("count(count(true) > 1) > 1", "E017", 7),
        ("kind in \"提案\"", "E019", 9),
        ("quantity in quantity", "E019", 13),
        ("kind in [kind]", "E020", 10),
        ("quantity / 0 > 1", "E021", 12),
        ("quantity / 1.5 > 1", "E021", 12),
        ("quantity / quantity > 1", "E021", 12),
        ("quantity / -2 > 1", "E021", 12),
        ("[1] == quantity", "E022", 1),
        ("sum(kind == \"a\", kind) > 1", "E024", 18),
        ("count(quantity) > 1", "E024", 7),
        ("year(quantity) > 1", "E024", 6),
        ("date(quantity) > date", "E006", 6),
    ])
    func typeErrors(_ text: String, _ id: String, _ column: Int) {
        let es = errors(text)
        #expect(es.first?.id == id, "\(es)")
        #expect(es.first?.column == column, "\(es)")
        #expect(es.first.map { !$0.zh.isEmpty && !$0.en.isEmpty } == true)
    }

    @Test func typeMessages() {
        #expect(errors("quantity == \"1\"").first?.zh == "比较两边类型不同：decimal（数值） 与 string（文本）")
        #expect(errors("quantity == \"1\"").first?.en == "the two sides of == have different types: decimal and string")
        #expect(errors("date > \"2025-01-01\"").first?.hintZh?.contains("2025-07-01") == true)
        #expect(errors("kind < \"a\"").first?.hintZh == "文本只能用 ==、!= 或 in 比较")
        #expect(errors("quantity").first?.zh == "条件必须是真假值 bool，这里是 decimal（数值）")
    }

    @Test("unknown names get a did-you-mean hint", arguments: [
        ("stauts == \"x\"", "是否想写 status？"),
        ("quantiy > 1", "是否想写 quantity？"),
        ("类形 == \"提案\"", "是否想写 类型？"),
        ("memer.role == \"x\"", "是否想写 member.role？"),
        ("member.rol == \"x\"", "是否想写 member.role？"),
        ("委员.职物 == \"x\"", "是否想写 委员.职务？"),
        ("period.ned > date", "是否想写 period.end？"),
        ("cout(true) > 1", "是否想写 count？"),
        ("kind == 提案", "如果“提案”是文本值，请加引号：\"提案\""),
    ])
    func hints(_ text: String, _ hint: String) {
        #expect(errors(text).first?.hintZh == hint)
    }

    @Test("constants are checked against the rule file's vocabulary", arguments: [
        ("kind == \"提按\"", 9, "是否想写“提案”？"),
        ("\"提按\" == kind", 1, "是否想写“提案”？"),
        ("status in [\"立案\", \"不立按\"]", 18, "是否想写“不立案”？"),
        ("\"重典\" in marks", 1, "是否想写“重点”？"),
    ])
    func vocabularyChecks(_ text: String, _ column: Int, _ hint: String) {
        let es = errors(text, ExpressionOptions(vocabulary: vocabulary))
        #expect(es.map(\.id) == ["E023"])
        #expect(es.first?.column == column)
        #expect(es.first?.hintZh == hint)
        // Without a vocabulary the same text checks.
        #expect(errors(text).isEmpty)
    }

    @Test func vocabularyAcceptsDeclaredValues() {
        let options = ExpressionOptions(vocabulary: vocabulary)
        #expect(errors("kind == \"提案\" and status in [\"立案\", \"\"] and \"重点\" in marks and level != \"省级\"", options).isEmpty)
        // A kind that accepts any status switches the status check off.
        var open = vocabulary
        open.kinds["违纪"] = .init(name: "违纪")
        #expect(errors("status == \"任意\"", ExpressionOptions(vocabulary: open)).isEmpty)
    }

    @Test("member-level expressions use record fields only inside aggregates")
    func memberScope() {
        let member = ExpressionOptions(scope: .member)
        #expect(errors("kind == \"提案\"", member).map(\.id) == ["E018"])
        #expect(errors("count(kind == \"提案\") >= 1 and member.role == \"常委\"", member).isEmpty)
        #expect(errors("sum(kind == \"提案\", quantity) > quantity", member).map(\.id) == ["E018"])
        #expect(errors("count(true) + 1", ExpressionOptions(scope: .member, result: .decimal)).isEmpty)
    }

    @Test("all errors are reported, in source order")
    func severalErrors() {
        let es = errors("stauts == \"a\" and quantity == \"1\" and count(count(true) > 0) > 0 and kind < \"x\"")
        #expect(es.map(\.id) == ["E010", "E014", "E017", "E015"])
        #expect(es.map(\.column) == [1, 28, 45, 75])
    }

    @Test("result types other than bool")
    func resultTypes() {
        #expect(errors("quantity * 2", ExpressionOptions(result: .decimal)).isEmpty)
        #expect(errors("kind == \"a\"", ExpressionOptions(result: .decimal)).map(\.id) == ["E016"])
    }

    @Test("errors map to the rule file")
    func locations() throws {
        let start = SourceLocation(file: "Rules/x.yaml", line: 10, column: 20)
        let e1 = try #require(errors("stauts == \"a\"").first)
        #expect(e1.location(from: start) == SourceLocation(file: "Rules/x.yaml", line: 10, column: 20))
        let e2 = try #require(errors("kind == \"a\" and\n  stauts == \"b\"").first)
        #expect(e2.position == ExprPosition(offset: 18, line: 2, column: 3))
        #expect(e2.location(from: start, indentation: 4) == SourceLocation(file: "Rules/x.yaml", line: 11, column: 7))
        let d = e1.diagnostic(from: start)
        #expect(d.id == "E010")
        #expect(d.render(.zh).contains("Rules/x.yaml:10:20: 错误: [E010] 未知的字段“stauts”"))
        #expect(d.render(.zh).contains("是否想写 status？"))
    }

    @Test func requiredKinds() throws {
        #expect(try RuleExpression.compile("kind == \"提案\" and status == \"立案\"").requiredKinds == ["提案"])
        #expect(try RuleExpression.compile("kind in [\"a\", \"b\"] and kind == \"a\"").requiredKinds == ["a"])
        #expect(try RuleExpression.compile("\"b\" == kind").requiredKinds == ["b"])
        #expect(try RuleExpression.compile("status == \"x\"").requiredKinds == nil)
        #expect(try RuleExpression.compile("kind == \"a\" or kind == \"b\"").requiredKinds == nil)
        #expect(try RuleExpression.compile("kind not in [\"a\"]").requiredKinds == nil)
    }

    @Test func dependencies() throws {
        let a = try RuleExpression.compile("count(kind == \"提案\") >= 1")
        #expect(a.usesAggregates && !a.dependsOnRecord)
        let b = try RuleExpression.compile("kind == \"提案\" and member.role == \"常委\"")
        #expect(!b.usesAggregates && b.dependsOnRecord)
    }
}

// MARK: - Evaluation

@Suite("Expression evaluation")
struct ExpressionEvaluationTests {
    //                                              A1 提案立案  A2 提案不立案  A3 全体会议  A4 界别活动  A5 社情民意
    @Test("record-level expressions on hand-built activities", arguments: [
        ("kind == \"提案\"", [true, true, false, false, false]),
        ("kind != \"提案\"", [false, false, true, true, true]),
        ("kind == \"提案\" and status == \"立案\"", [true, false, false, false, false]),
        ("类型==\"提案\"且状态==\"立案\"", [true, false, false, false, false]),
        ("kind in [\"提案\", \"社情民意\"] and not status == \"不立案\"", [true, false, false, false, true]),
        ("kind not in [\"提案\"]", [false, false, true, true, true]),
        ("kind in [\"未出现的类型\"]", [false, false, false, false, false]),
        ("kind == \"未出现的类型\"", [false, false, false, false, false]),
        ("\"重点\" in marks", [true, false, false, false, true]),
        ("\"重点\" not in marks", [false, true, true, true, false]),
        ("\"采用\" in 标记 and \"重点\" in 标记", [false, false, false, false, true]),
        ("\"不存在\" in marks", [false, false, false, false, false]),
        ("kind in marks", [false, false, false, false, false]),
        ("status in marks", [false, false, false, false, true]),
        ("date >= 2025-07-01", [false, false, false, true, true]),
        ("date >= period.start and date < date(\"2025-06-01\")", [true, true, true, false, false]),
        ("date == 2025-11-30 or date == period.end", [false, false, false, false, true]),
        ("date in [2025-03-01, 2025-07-01]", [true, false, false, true, false]),
        ("month(date) in [1, 2, 3]", [true, false, true, false, false]),
        ("year(date) == 2025", [true, true, true, true, true]),
        ("date - period.start > 180", [false, false, false, true, true]),
        ("quantity * 2 >= 3", [false, false, true, true, false]),
        ("quantity / 2 == 0.75", [false, false, false, true, false]),
        ("quantity - 1 > 0", [false, false, true, true, false]),
        ("quantity in [1.5, 2]", [false, false, true, true, false]),
        ("max(quantity, 1.5) == 1.5", [true, true, false, true, true]),
        ("min(quantity, 1, 0.5) == 0.5", [true, true, true, true, true]),
        ("-quantity < -1", [false, false, true, true, false]),
        ("level == \"\"", [true, true, true, true, false]),
        ("level == \"省级\" or role == \"第一提案人\"", [true, false, false, false, true]),
        ("title == \"关于乡村振兴的提案\"", [true, false, false, false, false]),
        ("title != \"\"", [true, false, false, false, false]),
        ("activity_id in [\"A1\", \"A5\"]", [true, false, false, false, true]),
        ("记录编号 == \"A3\"", [false, false, true, false, false]),
        ("ref == \"P1\"", [true, false, false, false, false]),
        ("ref == \"\"", [false, false, true, true, true]),
        ("role == member.role", [false, false, true, false, false]),
        ("委员.职务 == 角色", [false, false, true, false, false]),
        ("status == member.role", [false, false, false, false, false]),
        ("kind == status", [false, false, false, false, false]),
        ("title == activity_id", [false, false, false, false, false]),
        ("member.role == \"常委\"", [true, true, true, true, true]),
        ("member.sector == \"经济界\" and kind == \"提案\"", [true, true, false, false, false]),
        ("member.committee in [\"经济委\", \"文史委\"]", [true, true, true, true, true]),
        ("member.name == \"张三\" and member.id == \"M1\" and member.party == \"民建\" and member.group == \"一组\"", [true, true, true, true, true]),
        ("member.joined > period.start", [false, false, false, false, false]),
        ("member.left >= period.end", [true, true, true, true, true]),
        ("member.ranked", [true, true, true, true, true]),
        ("true == (quantity > 1)", [false, false, true, true, false]),
        ("count(kind == \"提案\") == 2", [true, true, true, true, true]),
        ("计数(类型 == \"提案\") == 2", [true, true, true, true, true]),
        ("count(kind == \"提案\" and status == \"立案\") >= 1 and kind == \"全体会议\"", [false, false, true, false, false]),
        ("sum(true, quantity) == 6.5", [true, true, true, true, true]),
        ("合计(\"重点\" in marks, 数量) == 2", [true, true, true, true, true]),
        ("count(date >= 2025-07-01) == 2", [true, true, true, true, true]),
        ("quantity == count(kind == \"全体会议\") * 2", [false, false, true, false, false]),
        ("count(member.role == \"常委\" and kind == \"提案\") == 2", [true, true, true, true, true]),
    ])
    func records(_ text: String, _ expected: [Bool]) throws {
        #expect(try World.standard().evaluate(text) == expected)
    }

    @Test("member-level expressions (minimum requirements)", arguments: [
        ("count(kind == \"提案\") >= 1 and count(kind == \"社情民意\") >= 1", ExprType.bool, ExpressionValue.bool(true)),
        ("count(kind == \"界别活动\") >= 2", .bool, .bool(false)),
        ("sum(kind == \"全体会议\", quantity) >= 2", .bool, .bool(true)),
        ("member.role == \"常委\" and count(true) == 5", .bool, .bool(true)),
        ("sum(true, quantity) * 2", .decimal, .decimal(13)),
        ("count(true) / 3", .decimal, .decimal(Points(parsing: "1.6667")!)),
        ("count(true) / 8", .decimal, .decimal(Points(parsing: "0.625")!)),
        ("sum(kind == \"提案\", quantity * 0.5) + 1", .decimal, .decimal(2)),
        ("max(count(kind == \"提案\"), count(kind == \"社情民意\") * 3)", .decimal, .decimal(3)),
        ("period.end - period.start + 1", .decimal, .decimal(365)),
    ])
    func members(_ text: String, _ type: ExprType, _ expected: ExpressionValue) throws {
        #expect(try World.standard().memberValue(text, result: type) == expected)
    }

    @Test("a member who joined mid-period: pro-rating by days served")
    func proRate() throws {
        var joiner = standardMember
        joiner.joined = Day(iso: "2025-07-01")
        let w = World.standard()
        #expect(try w.memberValue("member.joined > period.start", member: joiner) == .bool(true))
        #expect(try w.memberValue("(period.end - member.joined + 1) / 365", result: .decimal, member: joiner)
            == .decimal(Points(parsing: "0.5041")!))
        #expect(try w.memberValue("member.joined > period.start") == .bool(false))
        var leaver = standardMember
        leaver.left = Day(iso: "2025-03-31")
        #expect(try w.memberValue("member.left < period.end", member: leaver) == .bool(true))
    }

    @Test("aggregates are computed once per member, in one pass over the records")
    func aggregatesOnce() throws {
        final class Counter: @unchecked Sendable { var n = 0 }
        struct Counting: Sequence {
            let base: [ExpressionRecord]
            let counter: Counter
            func makeIterator() -> AnyIterator<ExpressionRecord> {
                var it = base.makeIterator()
                return AnyIterator { () -> ExpressionRecord? in
                    guard let r = it.next() else { return nil }
                    counter.n += 1
                    return r
                }
            }
        }
        let w = World.standard()
        let bound = w.bind(try RuleExpression.compile(
            "count(kind == \"提案\") >= 2 and sum(true, quantity) > 6 and count(\"重点\" in marks) == 2 and kind == \"提案\""))
        #expect(bound.usesAggregates)
        let counter = Counter()
        let frame = bound.frame(member: standardMember, records: Counting(base: w.records.map(expressionRecord), counter: counter))
        #expect(counter.n == w.records.count)
        #expect(w.records.map { bound.isTrue(for: expressionRecord($0), in: frame) } == [true, true, false, false, false])
        #expect(counter.n == w.records.count)

        let plain = w.bind(try RuleExpression.compile("kind == \"提案\""))
        #expect(!plain.usesAggregates)
        _ = plain.frame(member: standardMember)
    }

    @Test("binding interns constants so that per-record comparisons are on ids")
    func binding() throws {
        let w = World.standard()
        var symbols = w.symbols
        let before = symbols.count
        #expect(symbols.lookup("从未出现") == nil)
        let bound = try RuleExpression.compile("kind == \"从未出现\" or status in [\"立案\", \"也未出现\"]")
            .bind(symbols: &symbols, marks: w.marks, arena: w.arena, period: w.period)
        #expect(symbols.count == before + 2)
        #expect(symbols.lookup("从未出现") != nil)
        let frame = bound.frame(member: standardMember)
        #expect(w.records.map { bound.isTrue(for: expressionRecord($0), in: frame) } == [true, false, false, false, false])
    }

    @Test("decimal arithmetic is exact, rounds like Points, and saturates at ±1e9", arguments: [
        ("0.1 + 0.2 == 0.3", true),
        ("0.0001 * 0.0001 == 0", true),
        ("0.5 * 0.0001 == 0.0001", true),
        ("-0.5 * 0.0001 == -0.0001", true),
        ("1 / 3 == 0.3333", true),
        ("2 / 3 == 0.6667", true),
        ("-2 / 3 == -0.6667", true),
        ("0.0001 / 2 == 0.0001", true),
        ("1000000000 * 1000000000 == 1000000000", true),
        ("-1000000000 * 1000000000 == -1000000000", true),
        ("-1000000000 - 1000000000 == -1000000000", true),
        ("1000000000 + 1 == 1000000000", true),
        ("1000000000 + 1 - 1 == 999999999", true),
        ("99999.9999 * 99999.9999 == 1000000000", true),
        ("30000 * 30000 == 900000000", true),
    ])
    func arithmetic(_ text: String, _ expected: Bool) throws {
        #expect(try World.standard().evaluate(text) == Array(repeating: expected, count: 5))
    }

    @Test("sums are exact before saturating, so they do not depend on record order")
    func wideSums() throws {
        var w = World()
        for (i, q) in ["1000000000", "1000000000", "1000000000", "-1000000000", "-1000000000", "0.0001"].enumerated() {
            w.add("B\(i)", "2025-02-01", kind: "调研", quantity: q)
        }
        let bound = w.bind(try RuleExpression.compile("sum(true, quantity)", options: ExpressionOptions(scope: .member, result: .decimal)))
        var records = w.records.map(expressionRecord)
        var rng = SplitMix64(seed: 7)
        for _ in 0..<20 {
            records.shuffle(using: &rng)
            #expect(bound.decimal(in: bound.frame(member: standardMember, records: records)) == Points(parsing: "1000000000")!)
        }
        let over = w.bind(try RuleExpression.compile("sum(quantity > 0, quantity) == 1000000000 and sum(quantity < 0, quantity) == -1000000000",
                                                     options: ExpressionOptions(scope: .member)))
        #expect(over.isTrue(in: over.frame(member: standardMember, records: records)))
        // A quantity beyond the range (not possible from ingest) is read saturated.
        let huge = ExpressionRecord(date: Day(iso: "2025-01-01")!, kind: 0, quantity: Points(raw: .max))
        let q = w.bind(try RuleExpression.compile("quantity * quantity == 1000000000 and -quantity == -1000000000"))
        #expect(q.isTrue(for: huge, in: q.frame(member: standardMember)))
    }

    @Test("a record-level expression with only member and aggregate terms is the same for every record")
    func hoisted() throws {
        let w = World.standard()
        #expect(try w.evaluate("member.role == \"常委\" and count(kind == \"提案\") == 2 and period.start < 2025-06-01")
            == [true, true, true, true, true])
        var other = standardMember
        other.role = "委员"
        #expect(try w.evaluate("member.role == \"常委\" or role == member.role", member: other) == [false, false, false, false, false])
    }
}

// MARK: - Fuzz

@Suite("Expression fuzzing")
struct ExpressionFuzzTests {
    /// Parses, checks, prints, re-parses and — when it checks — evaluates; nothing may trap.
    private func exercise(_ text: String, world: World, records: [ExpressionRecord]) -> Bool {
        guard let tree = try? RuleExpression.parse(text) else { return false }
        let printed = tree.description
        let again = try? RuleExpression.parse(printed)
        #expect(again == tree, "round trip of \(text.debugDescription) via \(printed.debugDescription)")
        #expect(again?.description == printed)
        for scope in [ExpressionScope.record, .member] {
            for result in [ExprType.bool, .decimal] {
                guard let checked = try? RuleExpression.check(tree, source: text, options: ExpressionOptions(scope: scope, result: result)) else { continue }
                let bound = world.bind(checked)
                let frame = bound.frame(member: standardMember, records: records)
                if scope == .member {
                    _ = bound.value(for: nil, in: frame)
                } else {
                    for r in records { _ = bound.value(for: r, in: frame) }
                }
            }
        }
        return true
    }

    @Test("random byte strings never crash the parser or checker")
    func randomBytes() {
        let world = World.standard()
        let records = world.records.map(expressionRecord)
        var rng = SplitMix64(seed: 0x1A2B_3C4D)
        let interesting = Array("()[],.\"'“”‘’<>=!&|+-*/ \n\t0123456789.-kindstatusquantitymarks且或非（），".utf8)
        for _ in 0..<3000 {
            let n = Int.random(in: 0...120, using: &rng)
            var bytes: [UInt8] = []
            for _ in 0..<n {
                bytes.append(Bool.random(using: &rng) ? UInt8.random(in: 0...255, using: &rng)
                                                      : interesting.randomElement(using: &rng)!)
            }
            _ = exercise(String(decoding: bytes, as: UTF8.self), world: world, records: records)
        }
    }

    @Test("random token soups: many parse, all round-trip, none crash")
    func tokenSoup() {
        let world = World.standard()
        let records = world.records.map(expressionRecord)
        let tokens = [
            "kind", "status", "role", "level", "ref", "title", "activity_id", "quantity", "marks", "date",
            "member.role", "member.joined", "member.left", "member.ranked", "period.start", "period.end", "类型", "委员.职务",
            "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/ 2", "/ 3", "and", "or", "not", "in", "not in", "且", "或", "非",
            "(", ")", "(", ")", "[", "]", ",", "true", "false", "1", "0", "2.5", "-1", "1000000000", "0.0001",
            "\"提案\"", "\"立案\"", "\"重点\"", "\"\"", "2025-07-01", "date(\"2025-01-01\")",
            "count(", "sum(", "min(", "max(", "year(", "month(", "stauts", "cout(",
        ]
        var rng = SplitMix64(seed: 42)
        var parsed = 0
        for _ in 0..<4000 {
            let n = Int.random(in: 1...24, using: &rng)
            let text = (0..<n).map { _ in tokens.randomElement(using: &rng)! }.joined(separator: Bool.random(using: &rng) ? " " : "  ")
            if exercise(text, world: world, records: records) { parsed += 1 }
        }
        #expect(parsed > 100)
    }

    @Test("generated well-typed expressions evaluate without trapping")
    func generated() throws {
        let world = World.standard()
        let records = world.records.map(expressionRecord)
        var rng = SplitMix64(seed: 2025)
        func decimal(_ depth: Int, aggregate: Bool) -> String {
            if depth == 0 {
                return ["quantity", "1", "-2.5", "1000000000", "0.0001", "year(date)", "month(period.end)", "(date - period.start)"]
                    .randomElement(using: &rng)!
            }
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: return "(\(decimal(depth - 1, aggregate: aggregate)) + \(decimal(depth - 1, aggregate: aggregate)))"
            case 1: return "(\(decimal(depth - 1, aggregate: aggregate)) * \(decimal(depth - 1, aggregate: aggregate)))"
            case 2: return "(\(decimal(depth - 1, aggregate: aggregate)) - \(decimal(depth - 1, aggregate: aggregate))) / 3"
            case 3 where !aggregate: return "sum(\(bool(depth - 1, aggregate: true)), \(decimal(depth - 1, aggregate: true)))"
            case 4 where !aggregate: return "count(\(bool(depth - 1, aggregate: true)))"
            default: return "max(\(decimal(depth - 1, aggregate: aggregate)), -\(decimal(depth - 1, aggregate: aggregate)))"
            }
        }
        func bool(_ depth: Int, aggregate: Bool) -> String {
            if depth == 0 {
                return ["kind == \"提案\"", "\"重点\" in marks", "member.ranked", "status in [\"立案\", \"采用\"]", "date >= 2025-07-01",
                        "role == member.role", "title == \"关于乡村振兴的提案\""].randomElement(using: &rng)!
            }
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: return "(\(bool(depth - 1, aggregate: aggregate)) and \(bool(depth - 1, aggregate: aggregate)))"
            case 1: return "(\(bool(depth - 1, aggregate: aggregate)) or not \(bool(depth - 1, aggregate: aggregate)))"
            default: return "\(decimal(depth - 1, aggregate: aggregate)) >= \(decimal(depth - 1, aggregate: aggregate))"
            }
        }
        for _ in 0..<500 {
            let text = bool(Int.random(in: 1...5, using: &rng), aggregate: false)
            let checked = try RuleExpression.compile(text)
            let bound = world.bind(checked)
            let frame = bound.frame(member: standardMember, records: records)
            // The same answers from a frame built over the records in another order.
            let shuffled = bound.frame(member: standardMember, records: records.shuffled(using: &rng))
            for r in records { #expect(bound.isTrue(for: r, in: frame) == bound.isTrue(for: r, in: shuffled), "\(text)") }
        }
    }
}
