import LvzhiCore

// MARK: - Tokens

enum ExprTokenKind: Equatable {
    case number(Points)
    case string(String)
    case date(Day)
    case ident(String)
    case and, or, not, `in`, `true`, `false`
    case eq, ne, lt, le, gt, ge
    case plus, minus, star, slash
    case lparen, rparen, lbracket, rbracket, comma, dot
    case end

    var display: String {
        switch self {
        case .number(let p): p.display(decimals: Points.fractionDigits)
        case .string(let s): "\"\(s)\""
        case .date(let d): d.description
        case .ident(let s): s
        case .and: "and"
        case .or: "or"
        case .not: "not"
        case .in: "in"
        case .true: "true"
        case .false: "false"
        case .eq: "=="
        case .ne: "!="
        case .lt: "<"
        case .le: "<="
        case .gt: ">"
        case .ge: ">="
        case .plus: "+"
        case .minus: "-"
        case .star: "*"
        case .slash: "/"
        case .lparen: "("
        case .rparen: ")"
        case .lbracket: "["
        case .rbracket: "]"
        case .comma: ","
        case .dot: "."
        case .end: ""
        }
    }
}

struct ExprToken {
    var kind: ExprTokenKind
    var position: ExprPosition
}

// MARK: - Lexer

struct ExpressionLexer {
    let text: [Unicode.Scalar]
    var i = 0
    var line = 1
    var column = 1

    init(_ text: [Unicode.Scalar]) { self.text = text }

    var position: ExprPosition { ExprPosition(offset: i, line: line, column: column) }

    private mutating func advance() {
        if text[i] == "\n" { line += 1; column = 1 } else { column += 1 }
        i += 1
    }

    private func peek(_ k: Int = 0) -> Unicode.Scalar? { i + k < text.count ? text[i + k] : nil }

    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{3000}" || c == "\u{A0}" || c == "\u{FEFF}"
    }
    static func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 0x30 && c.value <= 0x39 }
    /// 且 或 非 are operators even between letters.
    static func isOperatorLetter(_ c: Unicode.Scalar) -> Bool { c == "且" || c == "或" || c == "非" }
    static func isIdentStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || (c.properties.isAlphabetic && !isOperatorLetter(c))
    }
    static func isIdentContinue(_ c: Unicode.Scalar) -> Bool { isIdentStart(c) || isDigit(c) }

    static func tokenize(_ text: [Unicode.Scalar]) throws(ExpressionError) -> [ExprToken] {
        var lx = ExpressionLexer(text)
        var out: [ExprToken] = []
        while true {
            let t = try lx.next()
            out.append(t)
            if t.kind == .end { return out }
        }
    }

    mutating func next() throws(ExpressionError) -> ExprToken {
        while let c = peek(), Self.isSpace(c) { advance() }
        let start = position
        guard let c = peek() else { return ExprToken(kind: .end, position: start) }
        func single(_ k: ExprTokenKind) -> ExprToken { advance(); return ExprToken(kind: k, position: start) }
        func double(_ k: ExprTokenKind) -> ExprToken { advance(); advance(); return ExprToken(kind: k, position: start) }
        switch c {
        case "(", "（": return single(.lparen)
        case ")", "）": return single(.rparen)
        case "[": return single(.lbracket)
        case "]": return single(.rbracket)
        case ",", "，": return single(.comma)
        case ".": return single(.dot)
        case "+": return single(.plus)
        case "-": return single(.minus)
        case "*": return single(.star)
        case "/": return single(.slash)
        case "且": return single(.and)
        case "或": return single(.or)
        case "非": return single(.not)
        case "=":
            if peek(1) == "=" { return double(.eq) }
            throw Self.unexpected(c, at: start, hintZh: "相等比较请写 ==", hintEn: "write == to compare for equality")
        case "!": return peek(1) == "=" ? double(.ne) : single(.not)
        case "<": return peek(1) == "=" ? double(.le) : single(.lt)
        case ">": return peek(1) == "=" ? double(.ge) : single(.gt)
        case "&":
            if peek(1) == "&" { return double(.and) }
            throw Self.unexpected(c, at: start, hintZh: "“并且”请写 and 或 &&", hintEn: "write and or &&")
        case "|":
            if peek(1) == "|" { return double(.or) }
            throw Self.unexpected(c, at: start, hintZh: "“或者”请写 or 或 ||", hintEn: "write or or ||")
        case "\"", "“", "'", "‘":
            return try string(open: c, start: start)
        default:
            break
        }
        if Self.isDigit(c) { return try number(start) }
        if Self.isIdentStart(c) {
            var s = String.UnicodeScalarView()
            while let d = peek(), Self.isIdentContinue(d) { s.append(d); advance() }
            let word = String(s)
            let kind: ExprTokenKind = switch word {
            case "and": .and
            case "or": .or
            case "not": .not
            case "in": .in
            case "true": .true
            case "false": .false
            default: .ident(word)
            }
            return ExprToken(kind: kind, position: start)
        }
        if Self.fullWidth.contains(c) {
            throw Self.unexpected(c, at: start, hintZh: "请使用半角（英文）符号，例如 == < > ( ) [ ] ,",
                                  hintEn: "use ASCII operators and brackets")
        }
        throw Self.unexpected(c, at: start, hintZh: nil, hintEn: nil)
    }

    static let fullWidth: Set<Unicode.Scalar> = ["＝", "＜", "＞", "！", "＋", "－", "＊", "／", "【", "】", "；", "：", "”", "’", "、"]

    static func unexpected(_ c: Unicode.Scalar, at p: ExprPosition, hintZh: String?, hintEn: String?) -> ExpressionError {
        let shown = c.properties.generalCategory == .control || c.value == 0xFFFD
            ? "U+" + String(c.value, radix: 16, uppercase: true) : String(c)
        return ExpressionError(id: "E003", position: p, zh: "无法识别的字符“\(shown)”", en: "unexpected character '\(shown)'",
                               hintZh: hintZh, hintEn: hintEn)
    }

    private mutating func string(open: Unicode.Scalar, start: ExprPosition) throws(ExpressionError) -> ExprToken {
        let close: Unicode.Scalar = switch open {
        case "“": "”"
        case "‘": "’"
        default: open
        }
        advance()
        var s = String.UnicodeScalarView()
        while let c = peek() {
            if c == close { advance(); return ExprToken(kind: .string(String(s)), position: start) }
            if c == "\\" {
                advance()
                guard let e = peek() else { break }
                s.append(e)
                advance()
                continue
            }
            s.append(c)
            advance()
        }
        throw ExpressionError(id: "E004", position: start, zh: "文本缺少结尾的引号 \(close)", en: "unterminated string: missing \(close)",
                              hintZh: "在文本末尾补上 \(close)", hintEn: "add the closing \(close)")
    }

    private mutating func number(_ start: ExprPosition) throws(ExpressionError) -> ExprToken {
        // A bare date: four digits, '-', two digits, '-', two digits, then not a digit, letter or '.'.
        if i + 10 <= text.count, text[i + 4] == "-", text[i + 7] == "-",
           [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy({ Self.isDigit(text[i + $0]) }),
           i + 10 == text.count || !(Self.isIdentContinue(text[i + 10]) || text[i + 10] == ".") {
            let bytes = text[i..<(i + 10)].map { UInt8(truncatingIfNeeded: $0.value) }
            let literal = String(decoding: bytes, as: UTF8.self)
            for _ in 0..<10 { advance() }
            guard let d = Day.parseISO(bytes) else { throw Self.badDate(literal, at: start) }
            return ExprToken(kind: .date(d), position: start)
        }
        var bytes: [UInt8] = []
        var fraction = -1
        while let c = peek(), Self.isDigit(c) || (c == "." && fraction < 0) {
            if c == "." { fraction = 0 } else if fraction >= 0 { fraction += 1 }
            bytes.append(UInt8(c.value))
            advance()
        }
        let digits = String(decoding: bytes, as: UTF8.self)
        if let c = peek(), Self.isIdentContinue(c) || c == "." {
            throw ExpressionError(id: "E005", position: start, zh: "无效的数字“\(digits)\(Character(c))…”",
                                  en: "invalid number '\(digits)\(Character(c))…'",
                                  hintZh: "数字只能由数字和一个小数点组成，例如 2、1.5", hintEn: "write a plain decimal such as 2 or 1.5")
        }
        guard let p = Points.parse(bytes) else {
            if fraction > 4 {
                throw ExpressionError(id: "E005", position: start, zh: "数字“\(digits)”的小数超过 4 位",
                                      en: "number '\(digits)' has more than 4 fraction digits",
                                      hintZh: "分值精确到万分之一，最多写 4 位小数", hintEn: "points have at most 4 decimal places")
            }
            throw ExpressionError(id: "E005", position: start, zh: "数字“\(digits)”超出范围", en: "number '\(digits)' is out of range",
                                  hintZh: "绝对值不能超过 1000000000", hintEn: "the magnitude must not exceed 1000000000")
        }
        return ExprToken(kind: .number(p), position: start)
    }

    static func badDate(_ literal: String, at p: ExprPosition) -> ExpressionError {
        ExpressionError(id: "E006", position: p, zh: "无效的日期“\(literal)”", en: "invalid date '\(literal)'",
                        hintZh: "日期写成 2025-07-01（四位年、两位月、两位日，且是真实存在的日期）",
                        hintEn: "write a real date as YYYY-MM-DD, e.g. 2025-07-01")
    }
}

// MARK: - Parser

/// Hand-written recursive descent over the token list; see the grammar in Expression.swift.
/// Recursion is bounded by ``RuleExpression/maxDepth`` (checked before each nested call), and
/// the tree's height by the same limit (checked as each node is built).
struct ExpressionParser {
    var tokens: [ExprToken]
    var i = 0
    var depth = 0

    static func parse(_ text: String) throws(ExpressionError) -> ExprNode {
        var scalars: [Unicode.Scalar] = []
        var p = ExprPosition.start
        for s in text.unicodeScalars {
            if scalars.count == RuleExpression.maxLength {
                throw ExpressionError(id: "E001", position: p,
                                      zh: "表达式太长：超过 \(RuleExpression.maxLength) 个字符",
                                      en: "expression too long: more than \(RuleExpression.maxLength) characters",
                                      hintZh: "把条件拆成几条规则，或用 in [...] 代替一长串 or",
                                      hintEn: "split it into several rules, or use in [...] instead of a long chain of or")
            }
            scalars.append(s)
            p.offset += 1
            if s == "\n" { p.line += 1; p.column = 1 } else { p.column += 1 }
        }
        var parser = ExpressionParser(tokens: try ExpressionLexer.tokenize(scalars))
        if parser.peek.kind == .end {
            throw ExpressionError(id: "E008", position: parser.peek.position, zh: "表达式为空", en: "empty expression",
                                  hintZh: "写一个条件，例如 status == \"立案\"", hintEn: "write a condition such as status == \"立案\"")
        }
        let e = try parser.expression()
        if parser.peek.kind != .end {
            throw parser.unexpected(expectedZh: "运算符或结尾", expectedEn: "an operator or the end")
        }
        return e
    }

    var peek: ExprToken { tokens[i] }
    func peek(_ k: Int) -> ExprToken { tokens[min(i + k, tokens.count - 1)] }
    mutating func take() -> ExprToken {
        let t = tokens[i]
        if i < tokens.count - 1 { i += 1 }
        return t
    }

    func unexpected(expectedZh: String, expectedEn: String) -> ExpressionError {
        let t = peek
        if t.kind == .end {
            return ExpressionError(id: "E008", position: t.position, zh: "表达式不完整：缺少\(expectedZh)",
                                   en: "incomplete expression: expected \(expectedEn)",
                                   hintZh: "检查是否少写了括号或运算的一边", hintEn: "check for a missing operand or bracket")
        }
        var hintZh: String?
        var hintEn: String?
        if case .ident(let w) = t.kind, ["AND", "OR", "NOT", "IN"].contains(w) {
            hintZh = "关键字用小写：\(w.lowercased())"
            hintEn = "keywords are lower case: \(w.lowercased())"
        }
        return ExpressionError(id: "E007", position: t.position, zh: "此处不应出现“\(t.kind.display)”，应为\(expectedZh)",
                               en: "unexpected '\(t.kind.display)', expected \(expectedEn)", hintZh: hintZh, hintEn: hintEn)
    }

    mutating func enter(_ at: ExprPosition) throws(ExpressionError) {
        depth += 1
        if depth > RuleExpression.maxDepth { throw Self.tooDeep(at) }
    }

    static func tooDeep(_ p: ExprPosition) -> ExpressionError {
        ExpressionError(id: "E002", position: p, zh: "表达式嵌套太深（超过 \(RuleExpression.maxDepth) 层）",
                        en: "expression nested too deeply (more than \(RuleExpression.maxDepth) levels)",
                        hintZh: "减少括号嵌套，或把条件拆成几条规则", hintEn: "reduce nesting or split the condition into several rules")
    }

    func node(_ k: ExprNode.Kind, _ p: ExprPosition) throws(ExpressionError) -> ExprNode {
        let n = ExprNode(k, at: p)
        if n.height > RuleExpression.maxDepth { throw Self.tooDeep(p) }
        return n
    }

    mutating func expression() throws(ExpressionError) -> ExprNode { try logical(.or) }

    mutating func logical(_ op: LogicalOperator) throws(ExpressionError) -> ExprNode {
        let tokenKind: ExprTokenKind = op == .or ? .or : .and
        let first = try (op == .or ? logical(.and) : notExpr())
        guard peek.kind == tokenKind else { return first }
        let at = peek.position
        var operands: [ExprNode] = []
        func add(_ e: ExprNode) {
            if case .logical(op, let xs) = e.kind { operands += xs } else { operands.append(e) }
        }
        add(first)
        while peek.kind == tokenKind {
            _ = take()
            let next = try (op == .or ? logical(.and) : notExpr())
            add(next)
        }
        return try node(.logical(op, operands), at)
    }

    mutating func notExpr() throws(ExpressionError) -> ExprNode {
        guard peek.kind == .not else { return try comparison() }
        let t = take()
        try enter(t.position)
        let x = try notExpr()
        depth -= 1
        return try node(.unary(.not, x), t.position)
    }

    static func comparisonOperator(_ k: ExprTokenKind) -> BinaryOperator? {
        switch k {
        case .eq: .eq
        case .ne: .ne
        case .lt: .lt
        case .le: .le
        case .gt: .gt
        case .ge: .ge
        case .in: .in
        default: nil
        }
    }

    mutating func comparison() throws(ExpressionError) -> ExprNode {
        let left = try additive()
        let op: BinaryOperator
        let at = peek.position
        if let o = Self.comparisonOperator(peek.kind) {
            op = o
            _ = take()
        } else if peek.kind == .not, peek(1).kind == .in {
            op = .notIn
            _ = take()
            _ = take()
        } else {
            return left
        }
        let right = try additive()
        if Self.comparisonOperator(peek.kind) != nil || (peek.kind == .not && peek(1).kind == .in) {
            throw ExpressionError(id: "E009", position: peek.position, zh: "比较运算不能连写", en: "comparisons cannot be chained",
                                  hintZh: "用 and 连接两个比较，例如 a <= x and x < b",
                                  hintEn: "join two comparisons with and, e.g. a <= x and x < b")
        }
        return try node(.binary(op, left, right), at)
    }

    mutating func additive() throws(ExpressionError) -> ExprNode {
        var left = try term()
        while peek.kind == .plus || peek.kind == .minus {
            let t = take()
            let right = try term()
            left = try node(.binary(t.kind == .plus ? .add : .subtract, left, right), t.position)
        }
        return left
    }

    mutating func term() throws(ExpressionError) -> ExprNode {
        var left = try unary()
        while peek.kind == .star || peek.kind == .slash {
            let t = take()
            let right = try unary()
            left = try node(.binary(t.kind == .star ? .multiply : .divide, left, right), t.position)
        }
        return left
    }

    mutating func unary() throws(ExpressionError) -> ExprNode {
        guard peek.kind == .minus else { return try primary() }
        let t = take()
        if case .number(let p) = peek.kind {
            _ = take()
            return ExprNode(.number(-p), at: t.position)
        }
        try enter(t.position)
        let x = try unary()
        depth -= 1
        return try node(.unary(.negate, x), t.position)
    }

    mutating func primary() throws(ExpressionError) -> ExprNode {
        let t = peek
        switch t.kind {
        case .number(let p): _ = take(); return ExprNode(.number(p), at: t.position)
        case .string(let s): _ = take(); return ExprNode(.string(s), at: t.position)
        case .date(let d): _ = take(); return ExprNode(.date(d), at: t.position)
        case .true: _ = take(); return ExprNode(.bool(true), at: t.position)
        case .false: _ = take(); return ExprNode(.bool(false), at: t.position)
        case .lparen:
            _ = take()
            try enter(t.position)
            let e = try expression()
            depth -= 1
            guard peek.kind == .rparen else { throw unexpected(expectedZh: "“)”", expectedEn: "')'") }
            _ = take()
            return e
        case .lbracket:
            _ = take()
            try enter(t.position)
            let items = try sequence(until: .rbracket, closeZh: "“]”")
            depth -= 1
            return try node(.list(items), t.position)
        case .ident(var name):
            _ = take()
            if peek.kind == .lparen {
                _ = take()
                try enter(t.position)
                let args = try sequence(until: .rparen, closeZh: "“)”")
                depth -= 1
                // date("2025-07-01") is a constant.
                if name == "date" || name == "日期", args.count == 1, case .string(let s) = args[0].kind {
                    guard let d = Day(iso: s) else { throw ExpressionLexer.badDate(s, at: args[0].position) }
                    return ExprNode(.date(d), at: t.position)
                }
                return try node(.call(name, args), t.position)
            }
            while peek.kind == .dot {
                _ = take()
                guard case .ident(let part) = peek.kind else {
                    throw unexpected(expectedZh: "“.”后面的字段名", expectedEn: "a field name after '.'")
                }
                _ = take()
                name += "." + part
            }
            return ExprNode(.name(name), at: t.position)
        default:
            throw unexpected(expectedZh: "一个值、字段或“(”", expectedEn: "a value, a field or '('")
        }
    }

    /// `a, b, c` up to the closing token (a trailing comma is allowed in lists).
    mutating func sequence(until close: ExprTokenKind, closeZh: String) throws(ExpressionError) -> [ExprNode] {
        var items: [ExprNode] = []
        if peek.kind == close { _ = take(); return items }
        while true {
            items.append(try expression())
            if peek.kind == .comma {
                _ = take()
                if close == .rbracket, peek.kind == close { _ = take(); return items }
                continue
            }
            guard peek.kind == close else {
                throw unexpected(expectedZh: "“,”或\(closeZh)", expectedEn: "',' or '\(close.display)'")
            }
            _ = take()
            return items
        }
    }
}
