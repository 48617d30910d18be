import LvzhiCore

/// The type of an expression.
public enum ExprType: Sendable, Hashable, CustomStringConvertible {
    case bool, decimal, string, date
    /// `list<string>`: only `marks`.
    case stringList

    /// The English name used in messages: `bool`, `decimal`, `string`, `date`, `list<string>`.
    public var description: String {
        switch self {
        case .bool: "bool"
        case .decimal: "decimal"
        case .string: "string"
        case .date: "date"
        case .stringList: "list<string>"
        }
    }

    /// The Chinese name: 真假值, 数值, 文本, 日期, 文本列表.
    public var chinese: String {
        switch self {
        case .bool: "真假值"
        case .decimal: "数值"
        case .string: "文本"
        case .date: "日期"
        case .stringList: "文本列表"
        }
    }

    /// `decimal（数值）`, as used in the Chinese messages.
    var zh: String { "\(description)（\(chinese)）" }
}

// MARK: - Names

enum ExprSymbolField: Sendable, Equatable { case kind, status, role, level, ref }
enum ExprTextField: Sendable, Equatable { case title, activityID }
enum ExprMemberTextField: Sendable, Equatable { case id, name, role, sector, committee, group, party }

/// What a name in an expression refers to.
enum ExprNameRef: Sendable, Equatable {
    case symbol(ExprSymbolField)
    case text(ExprTextField)
    case recordDate, quantity, marks
    case memberText(ExprMemberTextField)
    case memberJoined, memberLeft, memberRanked
    case periodStart, periodEnd

    var type: ExprType {
        switch self {
        case .symbol, .text, .memberText: .string
        case .recordDate, .memberJoined, .memberLeft, .periodStart, .periodEnd: .date
        case .quantity: .decimal
        case .marks: .stringList
        case .memberRanked: .bool
        }
    }

    var isRecordField: Bool {
        switch self {
        case .symbol, .text, .recordDate, .quantity, .marks: true
        default: false
        }
    }

    var ir: ExprIR {
        switch self {
        case .symbol(let f): .symbolField(f)
        case .text(let f): .textField(f)
        case .recordDate: .recordDate
        case .quantity: .quantity
        case .marks: .marks
        case .memberText(let f): .memberText(f)
        case .memberJoined: .memberDate(joined: true)
        case .memberLeft: .memberDate(joined: false)
        case .memberRanked: .memberRanked
        case .periodStart: .periodStart
        case .periodEnd: .periodEnd
        }
    }
}

/// The names and functions of the language, in English and Chinese.
enum ExpressionNames {
    static let record: [(String, String, ExprNameRef)] = [
        ("kind", "类型", .symbol(.kind)), ("status", "状态", .symbol(.status)), ("role", "角色", .symbol(.role)),
        ("level", "级别", .symbol(.level)), ("ref", "关联编号", .symbol(.ref)), ("quantity", "数量", .quantity),
        ("marks", "标记", .marks), ("title", "标题", .text(.title)), ("date", "日期", .recordDate),
        ("activity_id", "记录编号", .text(.activityID)),
    ]
    static let memberPrefixes = ["member", "委员"]
    /// What authors write for "the record being scored" (there is no such name).
    static let recordPrefixes = ["this", "self", "record", "current", "outer", "it", "本条", "当前", "本记录", "当前记录", "记录", "该记录"]
    static let member: [(String, String, ExprNameRef)] = [
        ("role", "职务", .memberText(.role)), ("sector", "界别", .memberText(.sector)),
        ("committee", "专委会", .memberText(.committee)), ("group", "活动组", .memberText(.group)),
        ("party", "党派", .memberText(.party)), ("id", "委员编号", .memberText(.id)), ("name", "姓名", .memberText(.name)),
        ("joined", "任职日期", .memberJoined), ("left", "离任日期", .memberLeft), ("ranked", "是否排名", .memberRanked),
    ]
    static let periodPrefixes = ["period", "期间"]
    static let period: [(String, String, ExprNameRef)] = [("start", "开始", .periodStart), ("end", "结束", .periodEnd)]

    static let table: [String: ExprNameRef] = {
        var t: [String: ExprNameRef] = [:]
        for (en, zh, r) in record { t[en] = r; t[zh] = r }
        for p in memberPrefixes { for (en, zh, r) in member { t[p + "." + en] = r; t[p + "." + zh] = r } }
        for p in periodPrefixes { for (en, zh, r) in period { t[p + "." + en] = r; t[p + "." + zh] = r } }
        return t
    }()

    /// Every name, English first, for hints.
    static let all: [String] = {
        var out: [String] = []
        for (en, _, _) in record { out.append(en) }
        for (en, _, _) in member { out.append("member." + en) }
        for (en, _, _) in period { out.append("period." + en) }
        for (_, zh, _) in record { out.append(zh) }
        for (_, zh, _) in member { out.append("委员." + zh) }
        for (_, zh, _) in period { out.append("期间." + zh) }
        return out
    }()

    enum Function: Sendable { case count, sum, min, max, year, month, date }
    static let functions: [String: Function] = [
        "count": .count, "计数": .count, "sum": .sum, "合计": .sum, "求和": .sum,
        "min": .min, "max": .max, "year": .year, "month": .month, "date": .date, "日期": .date,
    ]
    static let functionNames = ["count", "sum", "min", "max", "year", "month", "date", "计数", "合计", "求和"]
}

// MARK: - Checked form

enum ExprCompareOp: Sendable { case eq, ne, lt, le, gt, ge }
enum ExprArithOp: Sendable { case add, subtract, multiply }

/// The checked, resolved form of an expression; every node's type is known.
indirect enum ExprIR: Sendable {
    case constBool(Bool), constDecimal(Points), constString(String), constDate(Day)
    case symbolField(ExprSymbolField)
    case textField(ExprTextField)
    case recordDate, quantity, marks
    case memberText(ExprMemberTextField)
    case memberDate(joined: Bool)
    case memberRanked
    case periodStart, periodEnd
    case not(ExprIR)
    case negate(ExprIR)
    case and([ExprIR]), or([ExprIR])
    /// The last value is the operands' type.
    case compare(ExprCompareOp, ExprIR, ExprIR, ExprType)
    /// `x in [constants]`; the flag is `not in`; the type is x's.
    case inList(ExprIR, [ExprIR], Bool, ExprType)
    /// `s in marks`; the flag is `not in`.
    case inMarks(ExprIR, Bool)
    case arith(ExprArithOp, ExprIR, ExprIR)
    case divide(ExprIR, Int)
    case daysBetween(ExprIR, ExprIR)
    case minMax(isMax: Bool, [ExprIR])
    case year(ExprIR), month(ExprIR)
    case count(ExprIR)
    case sum(ExprIR, ExprIR)

    var children: [ExprIR] {
        switch self {
        case .constBool, .constDecimal, .constString, .constDate, .symbolField, .textField, .recordDate, .quantity,
             .marks, .memberText, .memberDate, .memberRanked, .periodStart, .periodEnd:
            []
        case .not(let x), .negate(let x), .year(let x), .month(let x), .count(let x), .inMarks(let x, _), .divide(let x, _): [x]
        case .and(let xs), .or(let xs), .minMax(_, let xs): xs
        case .compare(_, let a, let b, _), .arith(_, let a, let b), .daysBetween(let a, let b), .sum(let a, let b): [a, b]
        case .inList(let x, let xs, _, _): [x] + xs
        }
    }

    var isAggregate: Bool {
        switch self {
        case .count, .sum: true
        default: false
        }
    }

    var containsAggregate: Bool { isAggregate || children.contains { $0.containsAggregate } }

    /// Reads the current record outside any aggregate (`s in marks` reads the record's marks).
    var isRecordDependent: Bool {
        switch self {
        case .symbolField, .textField, .recordDate, .quantity, .marks, .inMarks: true
        case .count, .sum: false
        default: children.contains { $0.isRecordDependent }
        }
    }

    var isConstant: Bool {
        switch self {
        case .constBool, .constDecimal, .constString, .constDate: true
        default: false
        }
    }
}

// MARK: - Checker

struct TypedExpr {
    var ir: ExprIR
    var type: ExprType
}

/// Resolves names and computes types, collecting every error. A node whose type cannot be
/// known is `nil`, and its parents do not report it again; a node whose type is fixed by its
/// operator (a comparison is bool, arithmetic is decimal) keeps that type after an error, so
/// checking goes on around it.
struct ExpressionChecker {
    let options: ExpressionOptions
    var errors: [ExpressionError] = []
    var inAggregate = false

    init(options: ExpressionOptions) { self.options = options }

    mutating func checkRoot(_ e: ExprNode) -> TypedExpr? {
        let t = check(e)
        if let t, t.type != options.result {
            if options.result == .bool {
                let example = switch t.type {
                case .decimal: "\(e.description) > 0"
                case .string: "\(e.description) == \"…\""
                case .date: "\(e.description) >= 2025-01-01"
                default: "\"…\" in \(e.description)"
                }
                error("E016", e.position, zh: "条件必须是真假值 bool，这里是 \(t.type.zh)",
                      en: "a condition must be bool, this is \(t.type)",
                      hintZh: "写成比较，例如 \(example)", hintEn: "write a comparison, e.g. \(example)")
            } else {
                error("E016", e.position, zh: "这里需要 \(options.result.zh)，表达式是 \(t.type.zh)",
                      en: "expected \(options.result), this is \(t.type)")
            }
        }
        // Source order; stable for errors at the same place.
        errors = errors.enumerated()
            .sorted { ($0.element.position.offset, $0.offset) < ($1.element.position.offset, $1.offset) }
            .map(\.element)
        return errors.isEmpty ? t : nil
    }

    mutating func error(_ id: String, _ at: ExprPosition, zh: String, en: String, hintZh: String? = nil, hintEn: String? = nil) {
        errors.append(ExpressionError(id: id, position: at, zh: zh, en: en, hintZh: hintZh, hintEn: hintEn))
    }

    mutating func check(_ e: ExprNode) -> TypedExpr? {
        switch e.kind {
        case .number(let p): return TypedExpr(ir: .constDecimal(p), type: .decimal)
        case .string(let s): return TypedExpr(ir: .constString(s), type: .string)
        case .date(let d): return TypedExpr(ir: .constDate(d), type: .date)
        case .bool(let b): return TypedExpr(ir: .constBool(b), type: .bool)
        case .name(let n): return name(n, at: e.position)
        case .list(let items):
            error("E022", e.position, zh: "列表只能写在 in 的右边", en: "a list can only be the right side of in",
                  hintZh: "例如 status in [\"立案\", \"采用\"]", hintEn: "e.g. status in [\"立案\", \"采用\"]")
            for x in items { _ = check(x) }
            return nil
        case .call(let f, let args): return call(f, args, at: e.position)
        case .unary(.not, let x):
            guard let t = check(x) else { return TypedExpr(ir: .constBool(false), type: .bool) }
            if t.type != .bool {
                error("E015", x.position, zh: "not 只能用于真假值 bool，这里是 \(t.type.zh)", en: "not needs a bool, this is \(t.type)")
                return TypedExpr(ir: .constBool(false), type: .bool)
            }
            return TypedExpr(ir: .not(t.ir), type: .bool)
        case .unary(.negate, let x):
            guard let t = check(x) else { return TypedExpr(ir: .constDecimal(.zero), type: .decimal) }
            if t.type != .decimal {
                error("E015", e.position, zh: "负号只能用于数值 decimal，这里是 \(t.type.zh)", en: "unary - needs a decimal, this is \(t.type)")
                return TypedExpr(ir: .constDecimal(.zero), type: .decimal)
            }
            return TypedExpr(ir: .negate(t.ir), type: .decimal)
        case .logical(let op, let xs):
            var irs: [ExprIR] = []
            for x in xs {
                guard let t = check(x) else { continue }
                if t.type != .bool {
                    error("E015", x.position, zh: "\(op.rawValue) 的每一边都必须是真假值 bool，这里是 \(t.type.zh)",
                          en: "each side of \(op.rawValue) must be bool, this is \(t.type)",
                          hintZh: t.type == .string ? "是否少写了比较，例如 \(x.description) == \"…\"？" : nil,
                          hintEn: t.type == .string ? "a comparison may be missing, e.g. \(x.description) == \"…\"" : nil)
                }
                irs.append(t.ir)
            }
            return TypedExpr(ir: op == .and ? .and(irs) : .or(irs), type: .bool)
        case .binary(let op, let a, let b):
            switch op {
            case .eq, .ne, .lt, .le, .gt, .ge: return compare(op, a, b, at: e.position)
            case .in, .notIn: return membership(a, b, negated: op == .notIn, at: e.position)
            case .add, .subtract, .multiply: return arithmetic(op, a, b, at: e.position)
            case .divide: return divide(a, b, at: e.position)
            }
        }
    }

    mutating func name(_ n: String, at p: ExprPosition) -> TypedExpr? {
        if let r = ExpressionNames.table[n] {
            if r.isRecordField, options.scope == .member, !inAggregate {
                error("E018", p, zh: "“\(n)”是单条记录的字段，在委员级条件中只能写在 count(…) 或 sum(…) 里面",
                      en: "'\(n)' is a record field; in a member-level expression use it inside count(…) or sum(…)",
                      hintZh: "例如 count(\(n) == …) >= 1", hintEn: "e.g. count(\(n) == …) >= 1")
            }
            return TypedExpr(ir: r.ir, type: r.type)
        }
        if let dot = n.firstIndex(of: ".") {
            let prefix = String(n[..<dot])
            let field = n[n.index(after: dot)...]
            let isMember = ExpressionNames.memberPrefixes.contains(prefix)
            if isMember || ExpressionNames.periodPrefixes.contains(prefix) {
                let fields = isMember ? ExpressionNames.member : ExpressionNames.period
                let candidates = fields.flatMap { [prefix + "." + $0.0, prefix + "." + $0.1] }
                let guess = closest(n, in: candidates)
                let list = fields.map(\.0).joined(separator: ", ")
                error("E011", p, zh: "\(isMember ? "委员" : "考核期间")没有字段“\(field)”",
                      en: "\(isMember ? "member" : "period") has no field '\(field)'",
                      hintZh: guess.map { "是否想写 \($0)？" } ?? "可用的字段：\(list)",
                      hintEn: guess.map { "did you mean \($0)?" } ?? "fields: \(list)")
                return nil
            }
        }
        // `本条.ref`, `this.ref`, `record.ref` …: a way to name the record being scored, which
        // count(…) and sum(…) cannot see (they test each of the member's own records alone).
        if let dot = n.firstIndex(of: "."), ExpressionNames.recordPrefixes.contains(String(n[..<dot]))
            || (ExpressionNames.record.contains(where: { $0.0 == n[n.index(after: dot)...] || $0.1 == n[n.index(after: dot)...] })
                && closest(String(n[..<dot]), in: ExpressionNames.memberPrefixes + ExpressionNames.periodPrefixes) == nil) {
            let field = String(n[n.index(after: dot)...])
            if inAggregate {
                error("E010", p, zh: "未知的字段“\(n)”：count(…) 和 sum(…) 只逐条查看本人自己的记录，其中的字段都是被计数的那条记录的，不能引用正在计分的这条记录",
                      en: "unknown field '\(n)': count(…) and sum(…) look at the member's own records one at a time; a field inside them is the counted record's, and the record being scored cannot be named",
                      hintZh: "按同一件（相同 ref）的署名人数或是否独立完成计分，请用 when 的 signers 或 sole（docs/rules.md 4.5 节），不要用 count",
                      hintEn: "to score by how many members signed the same ref, or whether the member is its only author, use signers or sole under when (docs/rules.md section 4.5), not count")
            } else {
                error("E010", p, zh: "未知的字段“\(n)”", en: "unknown field '\(n)'",
                      hintZh: "正在计分的记录的字段直接写 \(field)", hintEn: "write the scored record's field as plain \(field)")
            }
            return nil
        }
        if let guess = closest(n, in: ExpressionNames.all) {
            error("E010", p, zh: "未知的字段“\(n)”", en: "unknown field '\(n)'",
                  hintZh: "是否想写 \(guess)？", hintEn: "did you mean \(guess)?")
        } else {
            error("E010", p, zh: "未知的字段“\(n)”", en: "unknown field '\(n)'",
                  hintZh: "如果“\(n)”是文本值，请加引号：\"\(n)\"", hintEn: "if '\(n)' is a text value, quote it: \"\(n)\"")
        }
        return nil
    }

    mutating func compare(_ op: BinaryOperator, _ a: ExprNode, _ b: ExprNode, at p: ExprPosition) -> TypedExpr {
        let dummy = TypedExpr(ir: .constBool(false), type: .bool)
        let l = check(a), r = check(b)
        guard let l, let r else { return dummy }
        if l.type == .stringList || r.type == .stringList {
            error("E015", p, zh: "marks 是文本列表，不能用 \(op.rawValue) 比较", en: "marks is a list and cannot be compared with \(op.rawValue)",
                  hintZh: "判断是否带某个标记请写 \"重点\" in marks", hintEn: "to test for a mark write \"重点\" in marks")
            return dummy
        }
        if l.type != r.type {
            let pair: Set<ExprType> = [l.type, r.type]
            var hintZh: String?
            var hintEn: String?
            if pair == [.date, .string] || pair == [.date, .decimal] {
                hintZh = "日期常量写成 2025-07-01（不加引号）或 date(\"2025-07-01\")"
                hintEn = "write a date constant as 2025-07-01 (no quotes) or date(\"2025-07-01\")"
            } else if pair == [.string, .decimal] {
                hintZh = "数值不加引号，文本要加引号"
                hintEn = "numbers are written without quotes, text with quotes"
            }
            error("E014", p, zh: "比较两边类型不同：\(l.type.zh) 与 \(r.type.zh)",
                  en: "the two sides of \(op.rawValue) have different types: \(l.type) and \(r.type)", hintZh: hintZh, hintEn: hintEn)
            return dummy
        }
        let ordering = op != .eq && op != .ne
        if ordering, l.type == .string || l.type == .bool {
            error("E015", p, zh: "\(op.rawValue) 不能用于 \(l.type.zh)，只能比较数值或日期的大小",
                  en: "\(op.rawValue) is not defined for \(l.type); only decimals and dates are ordered",
                  hintZh: l.type == .string ? "文本只能用 ==、!= 或 in 比较" : nil,
                  hintEn: l.type == .string ? "compare text with ==, != or in" : nil)
            return dummy
        }
        if case .symbolField(let f) = l.ir, case .constString(let s) = r.ir { vocabulary(f, s, at: b.position) }
        if case .symbolField(let f) = r.ir, case .constString(let s) = l.ir { vocabulary(f, s, at: a.position) }
        if case .memberText(let f) = l.ir, case .constString(let s) = r.ir { roster(f, s, at: b.position) }
        if case .memberText(let f) = r.ir, case .constString(let s) = l.ir { roster(f, s, at: a.position) }
        let cop: ExprCompareOp = switch op {
        case .eq: .eq
        case .ne: .ne
        case .lt: .lt
        case .le: .le
        case .gt: .gt
        default: .ge
        }
        return TypedExpr(ir: .compare(cop, l.ir, r.ir, l.type), type: .bool)
    }

    mutating func membership(_ a: ExprNode, _ b: ExprNode, negated: Bool, at p: ExprPosition) -> TypedExpr {
        let dummy = TypedExpr(ir: .constBool(false), type: .bool)
        let l = check(a)
        let opText = negated ? "not in" : "in"
        if case .list(let items) = b.kind {
            if let l, l.type == .bool || l.type == .stringList {
                error("E015", p, zh: "\(opText) 的左边必须是文本、数值或日期，这里是 \(l.type.zh)",
                      en: "the left side of \(opText) must be a string, decimal or date, this is \(l.type)")
                return dummy
            }
            var consts: [ExprIR] = []
            var types: [ExprType] = []
            var ok = true
            for item in items {
                let t: TypedExpr
                switch item.kind {
                case .number(let v): t = TypedExpr(ir: .constDecimal(v), type: .decimal)
                case .string(let s): t = TypedExpr(ir: .constString(s), type: .string)
                case .date(let d): t = TypedExpr(ir: .constDate(d), type: .date)
                default:
                    error("E020", item.position, zh: "列表元素必须是常量（文本、数值或日期）",
                          en: "list elements must be constants (text, decimal or date)",
                          hintZh: "把条件拆开，例如 a == x or a == y", hintEn: "split it, e.g. a == x or a == y")
                    _ = check(item)
                    ok = false
                    continue
                }
                if let l, l.type != t.type {
                    error("E014", item.position, zh: "列表元素与 \(opText) 左边类型不同：\(l.type.zh) 与 \(t.type.zh)",
                          en: "a list element's type differs from the left side of \(opText): \(l.type) and \(t.type)")
                    ok = false
                } else if l == nil, let first = types.first, first != t.type {
                    error("E014", item.position, zh: "列表元素类型不同：\(first.zh) 与 \(t.type.zh)",
                          en: "list elements have different types: \(first) and \(t.type)")
                    ok = false
                }
                if let l, case .symbolField(let f) = l.ir, case .constString(let s) = t.ir { vocabulary(f, s, at: item.position) }
                if let l, case .memberText(let f) = l.ir, case .constString(let s) = t.ir { roster(f, s, at: item.position) }
                consts.append(t.ir)
                types.append(t.type)
            }
            guard let l, ok else { return dummy }
            return TypedExpr(ir: .inList(l.ir, consts, negated, l.type), type: .bool)
        }
        guard let r = check(b) else { return dummy }
        guard r.type == .stringList else {
            error("E019", b.position, zh: "\(opText) 的右边必须是列表 [...] 或 marks，这里是 \(r.type.zh)",
                  en: "the right side of \(opText) must be a list [...] or marks, this is \(r.type)",
                  hintZh: "例如 kind in [\"提案\", \"社情民意\"]", hintEn: "e.g. kind in [\"提案\", \"社情民意\"]")
            return dummy
        }
        guard let l else { return dummy }
        guard l.type == .string else {
            error("E014", p, zh: "\(opText) marks 的左边必须是文本 string，这里是 \(l.type.zh)",
                  en: "the left side of \(opText) marks must be a string, this is \(l.type)")
            return dummy
        }
        if case .constString(let s) = l.ir, let v = options.vocabulary, let marks = v.marks, !marks.contains(s) {
            let guess = closest(s, in: marks)
            error("E023", a.position, zh: "未知的标记“\(s)”（规则文件的 marks 中没有声明）",
                  en: "unknown mark '\(s)' (not declared under marks in the rule file)",
                  hintZh: guess.map { "是否想写“\($0)”？" } ?? "可用的标记：\(marks.joined(separator: "、"))",
                  hintEn: guess.map { "did you mean '\($0)'?" } ?? "marks: \(marks.joined(separator: ", "))")
        }
        return TypedExpr(ir: .inMarks(l.ir, negated), type: .bool)
    }

    mutating func arithmetic(_ op: BinaryOperator, _ a: ExprNode, _ b: ExprNode, at p: ExprPosition) -> TypedExpr {
        let dummy = TypedExpr(ir: .constDecimal(.zero), type: .decimal)
        let l = check(a), r = check(b)
        guard let l, let r else { return dummy }
        if l.type == .decimal, r.type == .decimal {
            let aop: ExprArithOp = op == .add ? .add : op == .subtract ? .subtract : .multiply
            return TypedExpr(ir: .arith(aop, l.ir, r.ir), type: .decimal)
        }
        if op == .subtract, l.type == .date, r.type == .date {
            return TypedExpr(ir: .daysBetween(l.ir, r.ir), type: .decimal)
        }
        let what = l.type == r.type ? l.type.zh : "\(l.type.zh) 与 \(r.type.zh)"
        let whatEn = l.type == r.type ? l.type.description : "\(l.type) and \(r.type)"
        error("E015", p, zh: "运算符 \(op.rawValue) 不能用于 \(what)", en: "operator \(op.rawValue) is not defined for \(whatEn)",
              hintZh: "+ - * 只用于数值；两个日期相减得到相差的天数",
              hintEn: "+ - * work on decimals; date - date gives the days between")
        return dummy
    }

    mutating func divide(_ a: ExprNode, _ b: ExprNode, at p: ExprPosition) -> TypedExpr {
        let dummy = TypedExpr(ir: .constDecimal(.zero), type: .decimal)
        let l = check(a)
        guard case .number(let d) = b.kind, d.raw > 0, d.raw % Points.scale == 0 else {
            _ = check(b)
            error("E021", b.position, zh: "只能除以正整数常量", en: "division is only by a positive whole-number constant",
                  hintZh: "例如 quantity / 2（结果四舍五入到 4 位小数）", hintEn: "e.g. quantity / 2 (rounded to 4 decimal places)")
            return dummy
        }
        guard let l else { return dummy }
        guard l.type == .decimal else {
            error("E015", p, zh: "运算符 / 不能用于 \(l.type.zh)", en: "operator / is not defined for \(l.type)")
            return dummy
        }
        return TypedExpr(ir: .divide(l.ir, Int(d.raw / Points.scale)), type: .decimal)
    }

    mutating func call(_ f: String, _ args: [ExprNode], at p: ExprPosition) -> TypedExpr? {
        let zero = TypedExpr(ir: .constDecimal(.zero), type: .decimal)
        guard let fn = ExpressionNames.functions[f] else {
            let guess = closest(f, in: ExpressionNames.functionNames)
            error("E012", p, zh: "未知的函数“\(f)”", en: "unknown function '\(f)'",
                  hintZh: guess.map { "是否想写 \($0)？" } ?? "可用的函数：count、sum、min、max、year、month、date",
                  hintEn: guess.map { "did you mean \($0)?" } ?? "functions: count, sum, min, max, year, month, date")
            for a in args { _ = check(a) }
            return nil
        }
        func arity(_ ok: Bool, _ expected: String, _ expectedEn: String) -> Bool {
            if !ok {
                error("E013", p, zh: "函数 \(f) 需要\(expected)，这里有 \(args.count) 个",
                      en: "\(f) takes \(expectedEn), got \(args.count)")
                for a in args { _ = check(a) }
            }
            return ok
        }
        func argument(_ k: Int, _ t: TypedExpr?, _ want: ExprType) -> Bool {
            guard let t else { return false }
            if t.type != want {
                error("E024", args[k].position, zh: "函数 \(f) 的第 \(k + 1) 个参数必须是 \(want.zh)，这里是 \(t.type.zh)",
                      en: "argument \(k + 1) of \(f) must be \(want), this is \(t.type)")
                return false
            }
            return true
        }
        switch fn {
        case .count, .sum:
            let isCount = fn == .count
            if inAggregate {
                error("E017", p, zh: "\(f)(…) 不能写在另一个 count 或 sum 里面", en: "\(f)(…) cannot be nested inside count or sum",
                      hintZh: "把内层的统计写成单独的条件", hintEn: "write the inner aggregate as a separate condition")
                return zero
            }
            guard arity(args.count == (isCount ? 1 : 2), isCount ? " 1 个参数（条件）" : " 2 个参数（条件, 数值）",
                        isCount ? "1 argument (a condition)" : "2 arguments (a condition, a decimal)") else { return zero }
            inAggregate = true
            defer { inAggregate = false }
            let pred = check(args[0])
            var ok = argument(0, pred, .bool)
            var value: TypedExpr?
            if !isCount {
                value = check(args[1])
                ok = argument(1, value, .decimal) && ok
            }
            guard ok, let pred else { return zero }
            if let value { return TypedExpr(ir: .sum(pred.ir, value.ir), type: .decimal) }
            return TypedExpr(ir: .count(pred.ir), type: .decimal)
        case .min, .max:
            guard arity(args.count >= 2, "至少 2 个参数", "at least 2 arguments") else { return zero }
            var irs: [ExprIR] = []
            var ok = true
            for (k, a) in args.enumerated() {
                let t = check(a)
                ok = argument(k, t, .decimal) && ok
                if let t { irs.append(t.ir) }
            }
            return ok ? TypedExpr(ir: .minMax(isMax: fn == .max, irs), type: .decimal) : zero
        case .year, .month:
            guard arity(args.count == 1, " 1 个参数（日期）", "1 argument (a date)") else { return zero }
            let t = check(args[0])
            guard argument(0, t, .date), let t else { return zero }
            return TypedExpr(ir: fn == .year ? .year(t.ir) : .month(t.ir), type: .decimal)
        case .date:
            // date("…") with a string constant became a date constant in the parser.
            let none = TypedExpr(ir: .constDate(Day(ordinal: 0)), type: .date)
            guard arity(args.count == 1, " 1 个参数（\"YYYY-MM-DD\"）", "1 argument (\"YYYY-MM-DD\")") else { return none }
            _ = check(args[0])
            error("E006", args[0].position, zh: "date(…) 的参数必须是日期文本常量，例如 date(\"2025-07-01\")",
                  en: "the argument of date(…) must be a text constant such as date(\"2025-07-01\")")
            return none
        }
    }

    /// Checks a constant compared with member.role/sector/committee against the rule file's
    /// declared roster lists (`roster:`), when it declares them.
    mutating func roster(_ field: ExprMemberTextField, _ value: String, at p: ExprPosition) {
        guard let v = options.vocabulary else { return }
        let (declared, zh, key): ([String]?, String, String) = switch field {
        case .role: (v.memberRoles, "职务", "roles")
        case .sector: (v.memberSectors, "界别", "sectors")
        case .committee: (v.memberCommittees, "专委会", "committees")
        default: (nil, "", "")
        }
        guard let declared, !declared.contains(value) else { return }
        let guess = closest(value, in: declared.filter { !$0.isEmpty })
        error("E023", p, zh: "未声明的\(zh)“\(value)”（规则文件的 roster.\(key) 中没有）",
              en: "undeclared value '\(value)' (not in roster.\(key) of the rule file)",
              hintZh: guess.map { "是否想写“\($0)”？" } ?? "已声明的：\(declared.joined(separator: "、"))",
              hintEn: guess.map { "did you mean '\($0)'?" } ?? "declared: \(declared.joined(separator: ", "))")
    }

    /// Checks a constant compared with kind/status/role/level against the rule file's vocabulary.
    mutating func vocabulary(_ field: ExprSymbolField, _ value: String, at p: ExprPosition) {
        guard let v = options.vocabulary, !v.isEmpty, !value.isEmpty else { return }
        let kinds = v.kinds.values.sorted { $0.name < $1.name }
        let allowed: [String]
        let zh: String
        let en: String
        switch field {
        case .kind:
            allowed = kinds.map(\.name); zh = "活动类型"; en = "kind"
        case .status:
            if kinds.contains(where: { $0.statuses == nil }) { return }
            allowed = kinds.flatMap { $0.statuses ?? [] }; zh = "状态"; en = "status"
        case .role:
            if kinds.contains(where: { $0.roles == nil }) { return }
            allowed = kinds.flatMap { $0.roles ?? [] }; zh = "角色"; en = "role"
        case .level:
            if kinds.contains(where: { $0.levels == nil }) { return }
            allowed = kinds.flatMap { $0.levels ?? [] }; zh = "级别"; en = "level"
        case .ref:
            return
        }
        if allowed.contains(value) { return }
        var unique: [String] = []
        for a in allowed where !unique.contains(a) { unique.append(a) }
        let guess = closest(value, in: unique)
        let some = unique.prefix(8)
        error("E023", p, zh: "未知的\(zh)“\(value)”（规则文件的 kinds 中没有声明）",
              en: "unknown \(en) '\(value)' (not declared under kinds in the rule file)",
              hintZh: guess.map { "是否想写“\($0)”？" } ?? "已声明的：\(some.joined(separator: "、"))",
              hintEn: guess.map { "did you mean '\($0)'?" } ?? "declared: \(some.joined(separator: ", "))")
    }
}
