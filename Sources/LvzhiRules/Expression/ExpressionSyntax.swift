import LvzhiCore

/// A node of an expression's syntax tree, with where it was written.
///
/// Two nodes are equal when they have the same structure; positions are ignored, so a parsed
/// tree equals the tree parsed from its own ``description``.
public struct ExprNode: Sendable, Equatable, CustomStringConvertible {
    public indirect enum Kind: Sendable, Equatable {
        /// A decimal constant (a `-` directly before a number is part of it).
        case number(Points)
        case string(String)
        case date(Day)
        case bool(Bool)
        /// A field, as written: `kind`, `member.role`, `委员.职务`.
        case name(String)
        case list([ExprNode])
        case call(String, [ExprNode])
        case unary(UnaryOperator, ExprNode)
        case binary(BinaryOperator, ExprNode, ExprNode)
        /// `and` / `or` over two or more operands (chains are flat).
        case logical(LogicalOperator, [ExprNode])
    }

    public var kind: Kind
    /// For operators, the operator; for calls, the function name; otherwise the node's first character.
    public var position: ExprPosition
    /// Levels of the tree below and including this node.
    public let height: Int

    public init(_ kind: Kind, at position: ExprPosition = .start) {
        self.kind = kind
        self.position = position
        switch kind {
        case .number, .string, .date, .bool, .name: height = 1
        case .list(let xs), .call(_, let xs), .logical(_, let xs): height = 1 + (xs.map(\.height).max() ?? 0)
        case .unary(_, let x): height = 1 + x.height
        case .binary(_, let a, let b): height = 1 + max(a.height, b.height)
        }
    }

    public static func == (a: ExprNode, b: ExprNode) -> Bool { a.kind == b.kind }

    /// The canonical text: parenthesised only where precedence requires.
    public var description: String {
        var out = ""
        ExprPrinter.print(self, minimum: 0, fully: false, into: &out)
        return out
    }

    /// The text with every operator application in parentheses, e.g. `(a or (b and c))`.
    public var fullyParenthesized: String {
        var out = ""
        ExprPrinter.print(self, minimum: 0, fully: true, into: &out)
        return out
    }
}

public enum UnaryOperator: String, Sendable {
    case not
    case negate = "-"
}

public enum BinaryOperator: String, Sendable, CaseIterable {
    case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
    case `in` = "in", notIn = "not in"
    case add = "+", subtract = "-", multiply = "*", divide = "/"

    /// or 1, and 2, not 3, comparison 4, additive 5, multiplicative 6, prefix minus 7.
    var precedence: Int {
        switch self {
        case .eq, .ne, .lt, .le, .gt, .ge, .in, .notIn: 4
        case .add, .subtract: 5
        case .multiply, .divide: 6
        }
    }
}

public enum LogicalOperator: String, Sendable {
    case and, or
    var precedence: Int { self == .or ? 1 : 2 }
}

enum ExprPrinter {
    // Precedence: or 1, and 2, not 3, comparison 4, additive 5, multiplicative 6, prefix minus 7, primary 8.
    static func print(_ e: ExprNode, minimum: Int, fully: Bool, into out: inout String) {
        func wrap(_ prec: Int, _ body: (inout String) -> Void) {
            let paren = fully || prec < minimum
            if paren { out += "(" }
            body(&out)
            if paren { out += ")" }
        }
        switch e.kind {
        case .number(let p): out += p.display(decimals: Points.fractionDigits)
        case .string(let s): quote(s, into: &out)
        case .date(let d): out += d.description
        case .bool(let b): out += b ? "true" : "false"
        case .name(let n): out += n
        case .list(let xs):
            out += "["
            for (i, x) in xs.enumerated() {
                if i > 0 { out += ", " }
                print(x, minimum: 0, fully: fully, into: &out)
            }
            out += "]"
        case .call(let f, let xs):
            out += f + "("
            for (i, x) in xs.enumerated() {
                if i > 0 { out += ", " }
                print(x, minimum: 0, fully: fully, into: &out)
            }
            out += ")"
        case .unary(.not, let x):
            wrap(3) { out in
                out += "not "
                print(x, minimum: 3, fully: fully, into: &out)
            }
        case .unary(.negate, let x):
            wrap(7) { out in
                out += "-"
                // "- -1" rather than "--1"; both parse the same.
                if case .number(let p) = x.kind, p.isNegative { out += " " }
                if case .unary(.negate, _) = x.kind { out += " " }
                print(x, minimum: 7, fully: fully, into: &out)
            }
        case .binary(let op, let a, let b):
            let p = op.precedence
            wrap(p) { out in
                // Comparisons do not chain (both sides one level up); arithmetic is left-associative.
                print(a, minimum: p == 4 ? 5 : p, fully: fully, into: &out)
                out += " \(op.rawValue) "
                print(b, minimum: p + 1, fully: fully, into: &out)
            }
        case .logical(let op, let xs):
            let p = op.precedence
            wrap(p) { out in
                for (i, x) in xs.enumerated() {
                    if i > 0 { out += " \(op.rawValue) " }
                    print(x, minimum: p + 1, fully: fully, into: &out)
                }
            }
        }
    }

    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for ch in s.unicodeScalars {
            if ch == "\"" || ch == "\\" { out += "\\" }
            out.unicodeScalars.append(ch)
        }
        out += "\""
    }
}
