import LvzhiCore

// MARK: - 表达式 / The rule expression language
//
// A small, typed, decimal-only expression language for what field matching cannot say:
// comparisons, and/or/not, in-lists, dates, member fields, and counts and sums over the
// member's own records. In the spirit of CEL: no loops, no recursion, no user functions,
// no assignment; every expression is type-checked against the canonical fields before any
// data is read, and evaluation is linear in the member's records and always terminates.
//
// ## 语法 / Grammar (EBNF)
//
// ```ebnf
// expression  = or_expr ;
// or_expr     = and_expr { ( "or" | "||" | "或" ) and_expr } ;
// and_expr    = not_expr { ( "and" | "&&" | "且" ) not_expr } ;
// not_expr    = ( "not" | "!" | "非" ) not_expr | comparison ;
// comparison  = additive [ ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) additive
//                        | [ "not" | "非" ] "in" additive ] ;   (* no chaining: a < b < c is an error *)
// additive    = term { ( "+" | "-" ) term } ;
// term        = unary { ( "*" | "/" ) unary } ;
// unary       = "-" unary | primary ;
// primary     = number | string | date | "true" | "false"
//             | name | call | "(" expression ")" | list ;
// name        = ident { "." ident } ;                          (* kind, member.role, 委员.职务 *)
// call        = ident "(" [ expression { "," expression } ] ")" ;
// list        = "[" [ expression { "," expression } [ "," ] ] "]" ;
// number      = digit { digit } [ "." { digit } ] ;            (* at most 4 fraction digits, |n| ≤ 1e9 *)
// date        = digit digit digit digit "-" digit digit "-" digit digit   (* 2025-07-01 *)
//             | "date" "(" string ")" ;                        (* date("2025-07-01") *)
// string      = '"' { char } '"' | "“" { char } "”" | "'" { char } "'" | "‘" { char } "’" ;
//                                                              (* \ escapes the next character *)
// ident       = ( letter | "_" ) { letter | digit | "_" } ;     (* letters include 汉字 *)
// ```
//
// Full-width `（` `）` `，` are accepted as `(` `)` `,`. The characters 且 或 非 are operators
// wherever they appear outside strings, so `类型=="提案"且状态=="立案"` needs no spaces.
// `not` binds looser than comparisons: `not kind == "提案"` means `not (kind == "提案")`.
// A `-` directly before a number is part of the number (`-1.5`).
//
// ## 类型 / Types
// `bool`（真假值）, `decimal`（数值，四位小数定点，即 LvzhiCore.Points）, `string`（文本）,
// `date`（日期）, `list<string>`（文本列表：只有 `marks`）.
//
// | operator | operands | result |
// |---|---|---|
// | `==` `!=` | two of the same type: bool, decimal, string or date | bool |
// | `<` `<=` `>` `>=` | two decimals or two dates | bool |
// | `and` `or` `not` | bool | bool |
// | `x in [a, b]`, `x not in [...]` | x: string, decimal or date; the list: constants of x's type | bool |
// | `s in marks`, `s not in marks` | s: string | bool |
// | `+` `-` `*` | decimal | decimal |
// | `date - date` | date | decimal (days between) |
// | `x / n` | x: decimal, n: a positive whole-number constant; rounded half away from zero to 4 places, as `Points.divided(by:)` | decimal |
// | `-x` | decimal | decimal |
//
// ## 名称 / Names
// - the record (one activity): `kind 类型`, `status 状态`, `role 角色`, `level 级别`,
//   `ref 关联编号`, `title 标题`, `activity_id 记录编号` (string); `quantity 数量` (decimal);
//   `date 日期` (date); `marks 标记` (list<string>). Empty fields are `""`; quantity defaults to 1.
// - the member: `member.` or `委员.` followed by `role 职务`, `sector 界别`, `committee 专委会`,
//   `group 活动组`, `party 党派`, `id 委员编号`, `name 姓名` (string); `joined 任职日期`,
//   `left 离任日期` (date; when empty, `joined` is 0001-01-01 and `left` is 9999-12-31, so
//   `member.joined > period.start` means "joined during the period"); `ranked 是否排名` (bool).
// - the period: `period.start`, `period.end` (also `期间.开始`, `期间.结束`).
//
// ## 函数 / Functions
// - `count(p)` / `计数(p)`: how many of the member's records satisfy `p` (decimal).
// - `sum(p, x)` / `合计(p, x)` / `求和(p, x)`: the sum of `x` over the member's records that
//   satisfy `p`, e.g. `sum(kind == "调研", quantity)`.
// - `min(a, b, …)`, `max(a, b, …)`: decimals. `year(d)`, `month(d)`: the year or month of a date.
// - `date("2025-07-01")`: a date constant (the same as the bare `2025-07-01`).
//
// Inside `count`/`sum` the record names refer to each of the member's records in turn; outside
// they refer to the record being scored. Aggregates cannot nest. A member-level expression
// (``ExpressionScope/member``, e.g. a minimum requirement 三个一) may name record fields only
// inside an aggregate.
//
// ## 数值范围 / Decimal range (why nothing can overflow)
// Every decimal value is a `Points` within ±1,000,000,000 (``Points/limit``). Constants beyond
// that are rejected at check time (E005). Each arithmetic result and each aggregate saturates
// at that range: a product, difference or sum whose exact value lies beyond ±1e9 becomes ±1e9.
// Sums are accumulated exactly (128-bit) before saturating, so a sum never depends on record
// order. No real scheme comes near the limit; the rule only guarantees that evaluation cannot
// trap. There is no binary floating point anywhere.
//
// ## 限制 / Limits
// At most 4,000 characters (Unicode scalars) and 64 levels of nesting (parentheses, `not`,
// `-`, calls, lists, and the height of the expression tree; chains of `and`/`or` are flat).
// Exceeding them is an error (E001, E002), never a stack overflow.

/// Where an expression is evaluated.
public enum ExpressionScope: Sendable, Equatable {
    /// Once per record (a rule's `when`): record fields, member fields, period and aggregates.
    case record
    /// Once per member (minimum requirements, vetoes on totals): member fields, period and
    /// aggregates; record fields only inside `count`/`sum`.
    case member
}

/// What the checker needs to know about where an expression is used.
public struct ExpressionOptions: Sendable {
    public var scope: ExpressionScope
    /// The type the whole expression must have (``ExprType/bool`` for a condition).
    public var result: ExprType
    /// When given (and not empty), string constants compared with `kind`, `status`, `role`,
    /// `level` or tested against `marks` must be declared in it (error E023 otherwise).
    public var vocabulary: Vocabulary?

    public init(scope: ExpressionScope = .record, result: ExprType = .bool, vocabulary: Vocabulary? = nil) {
        self.scope = scope
        self.result = result
        self.vocabulary = vocabulary
    }
}

/// The rule expression language: parse, check (before any data is read), then bind to a run's
/// tables and evaluate.
///
/// ```swift
/// let checked = try RuleExpression.compile(#"kind == "提案" and count(kind == "提案" and status == "立案") >= 2"#,
///                                          options: ExpressionOptions(vocabulary: rules.vocabulary))
/// // after ingest, once per run:
/// let bound = checked.bind(symbols: &store.symbols, marks: store.marks, arena: store.arena, period: period)
/// // once per member, then once per record:
/// let frame = bound.frame(member: member, records: mine.lazy.map { store.records[Int($0)] })
/// if bound.isTrue(for: record, in: frame) { … }
/// ```
public enum RuleExpression {
    /// The most Unicode scalars an expression may have.
    public static let maxLength = 4_000
    /// The deepest nesting (parentheses, prefix operators, calls, lists, tree height) accepted.
    public static let maxDepth = 64

    /// Parses `text` into a syntax tree; stops at the first syntax error.
    public static func parse(_ text: String) throws(ExpressionError) -> ExprNode {
        try ExpressionParser.parse(text)
    }

    /// Type-checks a syntax tree against the canonical fields, collecting every type error
    /// (in source order).
    public static func check(_ node: ExprNode, source: String? = nil,
                             options: ExpressionOptions = ExpressionOptions()) throws(ExpressionFailure) -> CheckedExpression {
        var checker = ExpressionChecker(options: options)
        let typed = checker.checkRoot(node)
        guard let typed, checker.errors.isEmpty else { throw ExpressionFailure(errors: checker.errors) }
        return CheckedExpression(source: source ?? node.description, syntax: node, type: typed.type,
                                 scope: options.scope, ir: typed.ir)
    }

    /// Parses and checks `text`.
    public static func compile(_ text: String, options: ExpressionOptions = ExpressionOptions()) throws(ExpressionFailure) -> CheckedExpression {
        let node: ExprNode
        do { node = try parse(text) } catch { throw ExpressionFailure(errors: [error]) }
        return try check(node, source: text, options: options)
    }
}

/// An expression that parsed and type-checked; ready to be bound to a run's tables.
public struct CheckedExpression: Sendable {
    /// The text as written.
    public let source: String
    public let syntax: ExprNode
    /// The type of the whole expression (the requested ``ExpressionOptions/result``).
    public let type: ExprType
    public let scope: ExpressionScope
    let ir: ExprIR

    /// Whether the expression uses `count` or `sum` (and so reads all of a member's records).
    public var usesAggregates: Bool { ir.containsAggregate }

    /// Whether the value depends on the current record (outside aggregates). When false the
    /// value is the same for all of a member's records.
    public var dependsOnRecord: Bool { ir.isRecordDependent }

    /// The kinds a record must have for the expression to hold, when the expression is a
    /// conjunction that names them (`kind == "提案" and …`, `kind in [...] and …`); `nil` when
    /// any kind may match. Lets the scorer index expression rules by kind.
    public var requiredKinds: [String]? {
        var found: [String]?
        let parts: [ExprIR]
        if case .and(let xs) = ir { parts = xs } else { parts = [ir] }
        for p in parts {
            var these: [String]?
            switch p {
            case .compare(.eq, .symbolField(.kind), .constString(let s), _),
                 .compare(.eq, .constString(let s), .symbolField(.kind), _):
                these = [s]
            case .inList(.symbolField(.kind), let items, false, _):
                these = items.compactMap { if case .constString(let s) = $0 { s } else { nil } }
            default:
                continue
            }
            if let t = these { found = found.map { f in f.filter { t.contains($0) } } ?? t }
        }
        return found
    }
}

/// The errors that stopped an expression from compiling, in source order.
public struct ExpressionFailure: Error, Sendable, Equatable {
    public var errors: [ExpressionError]
    public init(errors: [ExpressionError]) { self.errors = errors }
}
