import LvzhiCore

/// An expression condition put into the words of a published 考核细则:
/// `kind == "提案" and count(status == "立案") >= 3` → “类型为“提案”，且本人考核期间内状态为“立案”的记录不少于 3 条”.
///
/// Covers comparisons of fields with constants or with other fields, `in` lists, marks,
/// `not`, `and`/`or`, `count(…)` and `sum(…, quantity)` against a number, `year(date)` and
/// `month(date)`. Arithmetic, `min`/`max` and date differences have no wording: ``phrase(_:lang:)``
/// returns `nil`, and a rule using them needs the sentence written by its author (`text:`),
/// which `lvzhi check` asks for (S009).
public enum ExpressionWording {
    /// The wording of `text`, or `nil` when it cannot be put into words (or does not parse).
    public static func phrase(_ text: String, lang: Language) -> String? {
        guard let node = try? RuleExpression.parse(text) else { return nil }
        return Wording(lang: lang).condition(node, top: true)
    }

    struct Wording {
        let lang: Language
        /// Inside count(…)/sum(…): a plain conjunction reads as a list (“类型为…、状态为…”).
        var listing = false

        func q(_ s: String) -> String { lang.pick("“\(s)”", "'\(s)'") }

        /// A boolean node as a clause; `top` says no enclosing and/or needs brackets.
        func condition(_ e: ExprNode, top: Bool = false) -> String? {
            switch e.kind {
            case .logical(let op, let xs):
                let parts = xs.map { x -> String? in
                    guard let p = condition(x) else { return nil }
                    if case .logical(let inner, _) = x.kind, inner != op { return lang.pick("（\(p)）", "(\(p))") }
                    return p
                }
                guard parts.allSatisfy({ $0 != nil }) else { return nil }
                let plain = xs.allSatisfy { if case .logical = $0.kind { false } else { true } }
                let joiner = op == .and ? (listing && plain ? lang.pick("、", ", ") : lang.pick("，且", ", and ")) : lang.pick("，或", ", or ")
                return parts.compactMap { $0 }.joined(separator: joiner)
            case .unary(.not, let x):
                if case .binary(let op, let a, let b) = x.kind, let flipped = op.negated {
                    return condition(ExprNode(.binary(flipped, a, b)))
                }
                if case .name(let n) = x.kind, isRanked(n) { return lang.pick("委员不参加排名", "the member is not ranked") }
                guard let inner = condition(x) else { return nil }
                return lang.pick("不满足“\(inner)”", "not (\(inner))")
            case .name(let n) where isRanked(n):
                return lang.pick("委员参加排名", "the member is ranked")
            case .bool(let b):
                return b ? lang.pick("任何情况", "always") : lang.pick("任何情况都不", "never")
            case .binary(let op, let a, let b):
                switch op {
                case .in, .notIn: return membership(a, b, negated: op == .notIn)
                case .eq, .ne, .lt, .le, .gt, .ge: return comparison(op, a, b)
                default: return nil
                }
            default:
                return nil
            }
        }

        func isRanked(_ n: String) -> Bool {
            ExpressionNames.memberPrefixes.contains { n == "\($0).ranked" || n == "\($0).是否排名" }
        }

        /// `"重点" in marks`, `kind in ["视察", "调研"]`.
        func membership(_ a: ExprNode, _ b: ExprNode, negated: Bool) -> String? {
            if case .name(let n) = b.kind, ExpressionNames.table[n].map({ if case .marks = $0 { true } else { false } }) == true,
               case .string(let mark) = a.kind {
                return negated ? lang.pick("不带\(q(mark))标记", "not marked \(q(mark))") : lang.pick("带\(q(mark))标记", "marked \(q(mark))")
            }
            guard case .list(let items) = b.kind, let field = label(a) else { return nil }
            var values: [String] = []
            for i in items {
                guard let v = constant(i) else { return nil }
                values.append(v)
            }
            let list = values.joined(separator: lang.pick("或", " or "))
            return negated ? lang.pick("\(field)不是\(list)", "\(field) is not \(list)") : lang.pick("\(field)为\(list)", "\(field) is \(list)")
        }

        func comparison(_ op: BinaryOperator, _ a: ExprNode, _ b: ExprNode) -> String? {
            // A constant on the left reads better on the right: `3 <= count(…)` is `count(…) >= 3`.
            if constant(a) != nil, constant(b) == nil, let flipped = op.mirrored { return comparison(flipped, b, a) }
            if case .call(let f, let args) = a.kind, let fn = ExpressionNames.functions[f], fn == .count || fn == .sum,
               let n = constant(b) {
                return aggregate(fn == .count, args, op, n)
            }
            guard let left = label(a) else { return nil }
            let temporal = isTemporal(a) || isTemporal(b)
            if let right = constant(b) { return relation(left, op, right, temporal: temporal, constant: true) }
            guard let right = label(b) else { return nil }
            return relation(left, op, right, temporal: temporal, constant: false)
        }

        /// “本人考核期间内状态为“立案”的记录不少于 3 条”.
        func aggregate(_ isCount: Bool, _ args: [ExprNode], _ op: BinaryOperator, _ n: String) -> String? {
            guard let first = args.first else { return nil }
            var what: String
            if case .bool(true) = first.kind { what = "" } else {
                var inner = self
                inner.listing = true
                guard let c = inner.condition(first) else { return nil }
                what = c
            }
            let amount: String
            if isCount {
                amount = lang.pick("记录", "records")
            } else {
                guard args.count == 2, let field = label(args[1]) else { return nil }
                amount = lang.pick("记录的\(field)合计", "total \(field) of records")
            }
            let unit = isCount ? lang.pick(" 条", "") : ""
            let subject = what.isEmpty ? lang.pick("本人考核期间内的\(amount)", "the member's \(amount) in the period")
                                       : lang.pick("本人考核期间内\(what)的\(amount)", "the member's \(amount) in the period where \(what)")
            if isCount, op == .eq, n == "0" { return what.isEmpty ? lang.pick("本人考核期间内没有记录", "the member has no records") : lang.pick("本人考核期间内没有\(what)的记录", "the member has no records where \(what)") }
            let rel: String
            switch op {
            case .ge: rel = lang.pick("不少于 \(n)\(unit)", "at least \(n)")
            case .gt: rel = lang.pick("多于 \(n)\(unit)", "more than \(n)")
            case .le: rel = lang.pick("不超过 \(n)\(unit)", "at most \(n)")
            case .lt: rel = lang.pick("少于 \(n)\(unit)", "fewer than \(n)")
            case .eq: rel = lang.pick("恰为 \(n)\(unit)", "exactly \(n)")
            case .ne: rel = lang.pick("不是 \(n)\(unit)", "not \(n)")
            default: return nil
            }
            return lang.pick("\(subject)\(rel)", "\(subject): \(rel)")
        }

        func relation(_ left: String, _ op: BinaryOperator, _ right: String, temporal: Bool, constant: Bool) -> String? {
            switch (op, temporal) {
            case (.eq, _): return lang.pick("\(left)为\(right)", "\(left) is \(right)")
            case (.ne, _): return lang.pick("\(left)不是\(right)", "\(left) is not \(right)")
            case (.lt, true): return lang.pick("\(left)早于\(right)", "\(left) is before \(right)")
            case (.le, true): return lang.pick("\(left)不晚于\(right)", "\(left) is on or before \(right)")
            case (.gt, true): return lang.pick("\(left)晚于\(right)", "\(left) is after \(right)")
            case (.ge, true): return lang.pick("\(left)不早于\(right)", "\(left) is on or after \(right)")
            case (.lt, false): return lang.pick("\(left)少于\(right)", "\(left) is below \(right)")
            case (.le, false): return lang.pick("\(left)不超过\(right)", "\(left) is at most \(right)")
            case (.gt, false): return lang.pick("\(left)多于\(right)", "\(left) is above \(right)")
            case (.ge, false): return lang.pick("\(left)不少于\(right)", "\(left) is at least \(right)")
            default: return nil
            }
        }

        func isTemporal(_ e: ExprNode) -> Bool {
            switch e.kind {
            case .date: return true
            case .call(let f, _): return ExpressionNames.functions[f] == .date
            case .name(let n):
                switch ExpressionNames.table[n] {
                case .recordDate?, .memberJoined?, .memberLeft?, .periodStart?, .periodEnd?: return true
                default: return false
                }
            default: return false
            }
        }

        /// A constant as published: “提案”, 3, 2025-07-01.
        func constant(_ e: ExprNode) -> String? {
            switch e.kind {
            case .string(let s): return q(s)
            case .number(let p): return p.description
            case .date(let d): return d.description
            case .unary(.negate, let x): if case .number(let p) = x.kind { return (-p).description } else { return nil }
            case .call(let f, let args) where ExpressionNames.functions[f] == .date:
                if args.count == 1, case .string(let s) = args[0].kind { return s } else { return nil }
            default: return nil
            }
        }

        /// A field's published name: 类型, 委员职务, 考核期间开始日, 日期的月份.
        func label(_ e: ExprNode) -> String? {
            switch e.kind {
            case .name(let n):
                if let (en, zh, _) = ExpressionNames.record.first(where: { $0.0 == n || $0.1 == n }) { return lang.pick(zh, en) }
                guard let dot = n.firstIndex(of: ".") else { return nil }
                let prefix = String(n[..<dot]), field = String(n[n.index(after: dot)...])
                if ExpressionNames.memberPrefixes.contains(prefix),
                   let (en, zh, _) = ExpressionNames.member.first(where: { $0.0 == field || $0.1 == field }) {
                    return lang.pick("委员\(zh)", "the member's \(en)")
                }
                if ExpressionNames.periodPrefixes.contains(prefix),
                   let (en, zh, _) = ExpressionNames.period.first(where: { $0.0 == field || $0.1 == field }) {
                    return lang.pick("考核期间\(zh)日", "the period's \(en)")
                }
                return nil
            case .call(let f, let args):
                guard args.count == 1, let inner = label(args[0]) else { return nil }
                switch ExpressionNames.functions[f] {
                case .year?: return lang.pick("\(inner)的年份", "the year of \(inner)")
                case .month?: return lang.pick("\(inner)的月份", "the month of \(inner)")
                default: return nil
                }
            default:
                return nil
            }
        }
    }
}

extension BinaryOperator {
    /// The comparison with its sides swapped: `a < b` ⇔ `b > a`.
    var mirrored: BinaryOperator? {
        switch self {
        case .eq: .eq
        case .ne: .ne
        case .lt: .gt
        case .le: .ge
        case .gt: .lt
        case .ge: .le
        default: nil
        }
    }

    /// The comparison that holds exactly when this one does not.
    var negated: BinaryOperator? {
        switch self {
        case .eq: .ne
        case .ne: .eq
        case .lt: .ge
        case .le: .gt
        case .gt: .le
        case .ge: .lt
        case .in: .notIn
        case .notIn: .in
        default: nil
        }
    }
}
