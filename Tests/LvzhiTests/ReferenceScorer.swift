import Foundation
import LvzhiCore
import LvzhiRules

/// A second, deliberately simple and slow implementation of the scoring semantics written in
/// docs/rules.md (§4.0 the order of a rule's steps, §4.2 co-author shares, §5 exclusive, §6
/// requirements and vetoes, §7 grades and ranks). It shares nothing with the engine but the
/// parsed rule file and the exact number type: no symbol tables, no indexes, no compiled
/// conditions, no ingest — it reads the raw rows itself and does everything by linear scans.
///
/// The differential test (`SemanticsFuzzTests`) feeds it and the engine the same random rule
/// files and data and compares every member's exact score, rank, grade and flags.
struct ReferenceScorer {
    /// One input row, as exported.
    struct Row: Hashable {
        var id: String
        var member: String
        var date: Day
        var kind: String
        var status = ""
        var role = ""
        var level = ""
        var ref = ""
        var quantity = Points.one
        var marks: [String] = []
    }

    struct Result: Equatable, CustomStringConvertible {
        var score: Points
        var rank: Int?
        var grade: Int
        var vetoed: Bool
        var missed: [String]
        var categories: [Points]
        var description: String {
            "score \(score.exact) rank \(rank.map(String.init) ?? "-") grade \(grade) vetoed \(vetoed) missed \(missed) categories \(categories.map(\.exact))"
        }
    }

    let rules: RuleSet
    let period: Period
    let members: [Member]
    let rows: [Row]

    // MARK: - Rows

    func member(_ id: String) -> Member? { members.first { $0.id == id } }

    /// Accepted: the member is in the roster and in office on the day. (Rows are generated
    /// inside the period and with declared vocabulary.)
    func accepted(_ r: Row) -> Bool {
        guard let m = member(r.member) else { return false }
        if let j = m.joined, r.date < j { return false }
        if let l = m.left, r.date > l { return false }
        return true
    }

    /// Rejected for who signed it: unknown member, or outside their time in office.
    func rejectedSignatory(_ r: Row) -> Bool { !accepted(r) }

    // MARK: - Matching

    static func committees(_ text: String) -> [String] {
        let seps: Set<Character> = [";", "；", "、", ",", "，", "|"]
        var out: [String] = []
        var cur = ""
        for c in text + ";" {
            if seps.contains(c) {
                let t = cur.trimmingCharacters(in: .whitespaces)
                if !t.isEmpty { out.append(t) }
                cur = ""
            } else {
                cur.append(c)
            }
        }
        return out
    }

    func recordFieldsMatch(_ c: Condition, _ r: Row) -> Bool {
        if let k = c.kinds, !k.contains(r.kind) { return false }
        if let s = c.statuses, !s.contains(r.status) { return false }
        if let x = c.roles, !x.contains(r.role) { return false }
        if let l = c.levels, !l.contains(r.level) { return false }
        for mark in c.marks where !r.marks.contains(mark) { return false }
        return true
    }

    func memberFieldsMatch(_ c: Condition, _ m: Member) -> Bool {
        if let x = c.memberRoles, !x.contains(m.role) { return false }
        if let x = c.memberSectors, !x.contains(m.sector) { return false }
        if let x = c.memberCommittees, !Self.committees(m.committee).contains(where: { x.contains($0) }) { return false }
        if let x = c.memberGroups, !x.contains(m.group) { return false }
        if let x = c.memberParties, !x.contains(m.party) { return false }
        return true
    }

    func matches(_ c: Condition, _ r: Row, _ m: Member) -> Bool {
        recordFieldsMatch(c, r) && memberFieldsMatch(c, m) && signersMatch(c, r)
    }

    /// `signers`/`sole` (§4.5): the distinct members of the item's accepted rows (same ref and
    /// kind), plus one for each of its rows rejected for who signed it; a row without a ref is
    /// its member's alone.
    func signersMatch(_ c: Condition, _ r: Row) -> Bool {
        guard c.testsSigners else { return true }
        var n = 1
        if !r.ref.isEmpty {
            let item = rows.filter { $0.ref == r.ref && $0.kind == r.kind }
            n = Set(item.filter(accepted).map(\.member)).count + item.filter { !accepted($0) }.count
        }
        return n >= (c.signersMin ?? 1) && n <= (c.signersMax ?? Int.max)
    }

    // MARK: - Shares (§4.2)

    /// The fraction of rule `ri`'s points that row `r` earns.
    func share(rule ri: Int, row r: Row) -> Points {
        let rule = rules.rules[ri]
        guard let split = rule.split else { return .one }
        // A row without a ref is an item signed by that row alone.
        var signatories: [Row] = r.ref.isEmpty ? [r] : []
        for other in rows where !r.ref.isEmpty && other.ref == r.ref {
            if accepted(other) {
                if matches(rule.when, other, member(other.member)!) { signatories.append(other) }
            } else if recordFieldsMatch(Condition(kinds: rule.when.kinds, statuses: rule.when.statuses, roles: rule.when.roles,
                                                  levels: rule.when.levels, marks: rule.when.marks), other) {
                signatories.append(other)
            }
        }
        func lead(_ x: Row) -> Bool { split.leadRoles.contains(x.role) }
        signatories.sort { a, b in
            if lead(a) != lead(b) { return lead(a) }
            return Array(a.id.utf8).lexicographicallyPrecedes(Array(b.id.utf8))
        }
        let n = min(split.maxCredited ?? Int.max, signatories.count)
        guard let pos = signatories.firstIndex(of: r), pos < n else { return .zero }
        let leads = signatories.prefix(n).filter(lead).count
        let others = n - leads
        let half = Points(1, 2)
        switch split.policy {
        case .full: return .one
        case .leadOnly: return lead(r) ? .one : .zero
        case .equal: return Points(1, Int64(n))
        case .fraction: return n > 1 ? split.fraction! : .one
        case .leadHalf:
            if n == 1 || leads == n { return Points(1, Int64(n)) }
            if leads == 0 { return half * Points(1, Int64(others)) }
            return lead(r) ? half * Points(1, Int64(leads)) : half * Points(1, Int64(others))
        }
    }

    // MARK: - One member (§4.0)

    struct Line {
        var row: Row
        var rule: Int
        var points: Points
    }

    func scoreMember(_ m: Member) -> (score: Points, categories: [Points], vetoes: [Int], missed: [Int], partial: Bool) {
        let mine = rows.filter { $0.member == m.id && accepted($0) && period.contains($0.date) }
            .sorted { a, b in a.date != b.date ? a.date < b.date : Array(a.id.utf8).lexicographicallyPrecedes(Array(b.id.utf8)) }
        // 1 match, 2 share.
        var lines: [Line] = []
        var vetoes: [Int] = []
        for r in mine {
            for (ri, rule) in rules.rules.enumerated() where matches(rule.when, r, m) {
                let nominal = rule.basis == .quantity && rule.atLeast == nil ? rule.points * r.quantity : rule.points
                lines.append(Line(row: r, rule: ri, points: nominal * share(rule: ri, row: r)))
            }
            for (v, veto) in rules.vetoes.enumerated() where matches(veto.when, r, m) { vetoes.append(v) }
        }
        // 3 counting limits: only lines that earn something count.
        for ri in rules.rules.indices {
            let rule = rules.rules[ri]
            var seen = 0, counted = 0
            var items: [String] = []
            var progress = Points.zero
            var paid = false
            for i in lines.indices where lines[i].rule == ri && !lines[i].points.isZero {
                // once_per: ref (§4.6): later rows of a counted item earn nothing and use up nothing.
                if rule.oncePerRef, !lines[i].row.ref.isEmpty {
                    if items.contains(lines[i].row.ref) { lines[i].points = .zero; continue }
                    items.append(lines[i].row.ref)
                }
                // at_least (§4.6): the points stay on the line that reaches the count only.
                if let need = rule.atLeast {
                    progress = progress + (rule.basis == .quantity ? lines[i].row.quantity : .one)
                    if paid || progress < need { lines[i].points = .zero } else { paid = true }
                    continue
                }
                seen += 1
                if let skip = rule.skipFirst, seen <= skip { lines[i].points = .zero; continue }
                if let mc = rule.maxCount, counted >= mc { lines[i].points = .zero; continue }
                counted += 1
            }
        }
        // 4 exclusive, before any cap is spent.
        for group in rules.exclusive {
            switch group.scope {
            case .ref:
                var refs: [String] = []
                for l in lines where group.rules.contains(l.rule) && !l.row.ref.isEmpty && !refs.contains(l.row.ref) { refs.append(l.row.ref) }
                for ref in refs {
                    let idx = lines.indices.filter { group.rules.contains(lines[$0].rule) && lines[$0].row.ref == ref && !lines[$0].points.isZero }
                    guard let first = idx.first else { continue }
                    var best = first
                    for i in idx where lines[i].points > lines[best].points { best = i }
                    for i in idx where i != best { lines[i].points = .zero }
                }
            case .member:
                func cappedTotal(_ ri: Int) -> Points {
                    let sum = lines.filter { $0.rule == ri }.reduce(Points.zero) { $0 + $1.points }
                    guard let cap = rules.rules[ri].cap else { return sum }
                    return sum < .zero ? max(sum, .zero - cap) : min(sum, cap)
                }
                var best = 0
                var bestTotal = group.alternatives[0].reduce(Points.zero) { $0 + cappedTotal($1) }
                for (a, alt) in group.alternatives.enumerated().dropFirst() {
                    let t = alt.reduce(Points.zero) { $0 + cappedTotal($1) }
                    if t > bestTotal { best = a; bestTotal = t }
                }
                for i in lines.indices where group.rules.contains(lines[i].rule) && !group.alternatives[best].contains(lines[i].rule) {
                    lines[i].points = .zero
                }
            }
        }
        // 5 rule caps, in record order.
        var categories = [Points](repeating: .zero, count: rules.categories.count)
        var used = [Points](repeating: .zero, count: rules.rules.count)
        for l in lines {
            var p = l.points
            if let cap = rules.rules[l.rule].cap {
                let magnitude = p < .zero ? .zero - p : p
                let left = max(.zero, cap - used[l.rule])
                if magnitude > left { p = p < .zero ? .zero - left : left }
                used[l.rule] = used[l.rule] + (p < .zero ? .zero - p : p)
            }
            categories[rules.rules[l.rule].category] = categories[rules.rules[l.rule].category] + p
        }
        // 6 category caps and floors.
        for (c, cat) in rules.categories.enumerated() {
            // A category that starts full (§3): its start plus its rules, at most start (or cap), at least 0 (or floor).
            if let start = cat.start { categories[c] = categories[c] + start }
            let cap = cat.cap ?? cat.start, floor = cat.floor ?? (cat.start != nil ? Points.zero : nil)
            if let cap, categories[c] > cap { categories[c] = cap }
            else if let floor, categories[c] < floor { categories[c] = floor }
        }
        // 7 base, requirements.
        let base = rules.baseByRole[m.role] ?? rules.base
        var total = categories.reduce(base, +)
        var missed: [Int] = []
        for (q, req) in rules.requirements.enumerated() {
            if let scope = req.appliesTo, !memberFieldsMatch(scope, m) { continue }
            let have = mine.filter { matches(req.when, $0, m) }.reduce(Points.zero) { $0 + (req.byQuantity ? $1.quantity : .one) }
            if have < req.min {
                missed.append(q)
                if case .deduct(let d) = req.effect { total = total - d }
            }
        }
        // 8 prorating.
        let partial = (m.joined.map { $0 > period.start } ?? false) || (m.left.map { $0 < period.end } ?? false)
        if partial, rules.grading.partial == .prorate {
            let from = max(period.start, m.joined ?? period.start)
            let to = min(period.end, m.left ?? period.end)
            let served = max(1, Int(to.ordinal - from.ordinal) + 1)
            if served < period.days {
                total = base + (total - base) * Points(Int64(period.days), Int64(served))
            }
        }
        // 9 bounds.
        if let hi = rules.maxScore, total > hi { total = hi }
        else if let lo = rules.minScore, total < lo { total = lo }
        return (total, categories, vetoes, missed, partial)
    }

    // MARK: - Everyone (§7)

    /// The member's value of every ranking column, in a list (two members share a scope when
    /// every value is equal).
    func scopeKey(_ m: Member) -> [String] {
        rules.grading.scope.dimensions.map { d in
            switch d {
            case .all: ""
            case .sector: m.sector
            case .committee: Self.committees(m.committee).first ?? ""
            case .role: m.role
            case .group: m.group
            }
        }
    }

    func run() -> [String: Result] {
        let scored = members.map { ($0, scoreMember($0)) }
        func rankedHere(_ m: Member, _ partial: Bool) -> Bool { m.ranked && !(partial && rules.grading.partial == .exclude) }
        var out: [String: Result] = [:]
        for (m, s) in scored {
            var rank: Int?
            var fromBottom: Int?
            var inScope = 0
            if rankedHere(m, s.partial) {
                let peers = scored.filter { rankedHere($0.0, $0.1.partial) && scopeKey($0.0) == scopeKey(m) }
                inScope = peers.count
                rank = 1 + peers.filter { $0.1.score > s.score }.count
                fromBottom = 1 + peers.filter { $0.1.score < s.score }.count
            }
            var g: Int
            let grades = rules.grades
            if rules.usesQuotas {
                g = grades.firstIndex { $0.min == nil && $0.top == nil && $0.bottom == nil } ?? grades.count - 1
                // A quota of n members: a count (at most n), or a percentage rounded down.
                func quota(_ s: Share) -> Int {
                    switch s {
                    case .count(let c): return min(c, inScope)
                    case .percent(let p):
                        let x = Points(inScope) * p * Points(1, 100)
                        return Int(x.numerator / x.denominator)
                    }
                }
                if let rank, let fromBottom {
                    if let t = grades.firstIndex(where: { $0.top.map { rank <= quota($0) } ?? false }) {
                        g = t
                    } else if let b = grades.lastIndex(where: { $0.bottom.map { fromBottom <= quota($0) } ?? false }) {
                        g = b
                    }
                }
            } else {
                g = grades.firstIndex { $0.min.map { s.score >= $0 } ?? true } ?? grades.count - 1
            }
            for q in s.missed {
                switch rules.requirements[q].effect {
                case .forceGrade(let f), .capGrade(let f): g = max(g, f)
                case .deduct, .flag: break
                }
            }
            for v in s.vetoes { g = max(g, rules.vetoes[v].grade) }
            out[m.id] = Result(score: s.score, rank: rank, grade: g, vetoed: !s.vetoes.isEmpty,
                               missed: s.missed.map { rules.requirements[$0].id }, categories: s.categories)
        }
        return out
    }
}
