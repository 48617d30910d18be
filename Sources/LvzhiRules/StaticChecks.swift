import Foundation
import LvzhiCore
import Yams

/// Checks a rule file that parsed cleanly for mistakes no single line shows, before any data
/// is read. Each finding has a stable id:
///
/// | id | severity | finding |
/// |---|---|---|
/// | S001 | warning | a grade no member can reach by score (threshold above the highest possible total, or band below the lowest) |
/// | S002 | warning | the category caps add up to more than `score.max` |
/// | S003 | warning | a rule has the same condition as an earlier rule of the same category (counted twice, or shadowed in an exclusive group) |
/// | S004 | error | a rule, veto or requirement can never match: an empty value list, or no declared kind accepts its status, role and level together |
/// | S005 | warning | a category without rules |
/// | S006 | warning | a kind declared under `kinds` that no rule, veto or requirement uses |
/// | S007 | warning | a `history` condition over one period only (`years: 1`, `in_term: 1` for a grade): it never reads earlier periods |
/// | S008 | warning | a `history` condition's `effect.grade` is no worse than the grade it tests, so it changes nothing |
/// | S009 | error | a rule's `expr` cannot be put into words and the rule has no `text:` for the published 考核细则 |
///
/// Grade bands out of order, unknown kinds and values outside a kind's declared list are the
/// parser's (R043–R049, R070–R074) and are not repeated here.
public enum StaticChecks {
    /// Runs every check. `source` is the rule file's text, used to place findings about grades,
    /// kinds and `score.max` (which carry no location of their own).
    public static func run(_ rules: RuleSet, source: String?) -> [Diagnostic] {
        let places = Places(source: source, path: rules.path)
        var out: [Diagnostic] = []
        out += unreachableGrades(rules, places)
        out += capsExceedMaximum(rules, places)
        out += sameConditions(rules)
        out += neverMatching(rules)
        out += emptyCategories(rules)
        out += unusedKinds(rules, places)
        out += historyChecks(rules)
        out += unwordedExpressions(rules)
        return out
    }

    /// S009: an expression rule that `lvzhi render` cannot put into words needs the author's sentence.
    static func unwordedExpressions(_ rules: RuleSet) -> [Diagnostic] {
        rules.rules.compactMap { r in
            guard r.text == nil, let e = r.when.expression, ExpressionWording.phrase(e, lang: .zh) == nil else { return nil }
            return Diagnostic(id: "S009", location: r.location ?? SourceLocation(file: rules.path, line: 1),
                              zh: "规则“\(r.id)”的表达式条件无法写成文字，公布的考核细则只能照抄表达式",
                              en: "rule '\(r.id)': its expression cannot be put into words, so the published rules would print it raw",
                              hintZh: "给这条规则加一行 text:，写出公布时的一句话，如 text: 全年第一提案人立案 3 件以上的，每件另加 2 分",
                              hintEn: "add text: with the sentence to publish, e.g. text: 2 more points per proposal for members with 3 or more")
        }
    }

    // MARK: - Multi-year conditions

    /// S007, S008.
    static func historyChecks(_ rules: RuleSet) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for h in rules.history {
            var tested: HistoryCondition.GradeTest?
            switch h.test {
            case .consecutiveGrade(let g, let years):
                tested = g
                if years == 1, h.wroteOneYear {
                    out.append(Diagnostic(id: "S007", severity: .warning, location: h.location,
                                          zh: "跨年度条件“\(h.id)”只看本期（years: 1），不读取往年结果",
                                          en: "history condition '\(h.id)' looks at this period only (years: 1) and never reads earlier results",
                                          hintZh: "连续两年写 years: 2；只看本期的等次或得分，不写 years：如 {grade: 不合格} 或 {score_below: 60}（不需要往年结果）",
                                          hintEn: "write years: 2 for two in a row; for this period alone leave out years: {grade: 不合格} or {score_below: 60} (no earlier results needed)"))
                }
            case .consecutiveScore(_, let years):
                if years == 1, h.wroteOneYear {
                    out.append(Diagnostic(id: "S007", severity: .warning, location: h.location,
                                          zh: "跨年度条件“\(h.id)”只看本期（years: 1），不读取往年结果",
                                          en: "history condition '\(h.id)' looks at this period only (years: 1) and never reads earlier results",
                                          hintZh: "连续两年写 years: 2；只看本期的得分，不写 years：{score_below: 60}",
                                          hintEn: "write years: 2 for two in a row; for this period alone leave out years: {score_below: 60}"))
                }
            case .gradeInTerm(let g, let n):
                tested = g
                if n == 1 {
                    out.append(Diagnostic(id: "S007", severity: .warning, location: h.location,
                                          zh: "跨年度条件“\(h.id)”在本期一次就成立（in_term: 1），不需要往年结果",
                                          en: "history condition '\(h.id)' holds on this period alone (in_term: 1)",
                                          hintZh: "本届两次写 in_term: 2", hintEn: "write in_term: 2 for twice in the term"))
                }
            case .bottomConsecutive(_, let years):
                if years == 1 {
                    out.append(Diagnostic(id: "S007", severity: .warning, location: h.location,
                                          zh: "跨年度条件“\(h.id)”只看本期（years: 1），不读取往年结果",
                                          en: "history condition '\(h.id)' looks at this period only (years: 1) and never reads earlier results",
                                          hintZh: "连续两年写 years: 2；只看本期的后若干名用名额等次 bottom",
                                          hintEn: "write years: 2 for two in a row; use a bottom quota grade for this period alone"))
                }
            case .ruleCountInTerm: break
            }
            if let tested, let forced = h.effect.grade {
                let t: Int
                switch tested { case .named(let i): t = i; case .lowest: t = rules.grades.count - 1 }
                if forced <= t {
                    out.append(Diagnostic(id: "S008", severity: .warning, location: h.location,
                                          zh: "跨年度条件“\(h.id)”的 effect.grade（\(rules.grades[forced].name)）不低于它检查的等次（\(rules.grades[t].name)），不会改变等次",
                                          en: "history condition '\(h.id)': effect.grade (\(rules.grades[forced].name)) is no worse than the grade it tests (\(rules.grades[t].name)); it changes nothing",
                                          hintZh: "删去 grade，只保留 flag；或写更低的等次", hintEn: "drop 'grade' and keep 'flag', or name a worse grade"))
                }
            }
        }
        return out
    }

    // MARK: - Score bounds

    /// The most a category can contribute; `nil` when unbounded.
    static func categoryMax(_ i: Int, _ rules: RuleSet) -> Points? {
        let c = rules.categories[i]
        let gains = rules.rules.filter { $0.category == i && $0.points > .zero }
        if let start = c.start {
            // Starts full: its start plus what its rules can add, at most its cap.
            let gain = gains.reduce(Points.zero as Points?) { sum, r in sum.flatMap { s in ruleBound(r).map { s + $0 } } }
            let cap = c.effectiveCap ?? start
            return gain.map { min(start + $0, cap) } ?? cap
        }
        var bound: Points? = max(.zero, c.floor ?? .zero)
        if !gains.isEmpty {
            bound = gains.reduce(Points.zero as Points?) { sum, r in
                guard let sum, let b = ruleBound(r) else { return nil }
                return sum + b
            }
        }
        if let cap = c.cap { return bound.map { min($0, cap) } ?? cap }
        return bound
    }

    /// The least a category can contribute; `nil` when unbounded below.
    static func categoryMin(_ i: Int, _ rules: RuleSet) -> Points? {
        let c = rules.categories[i]
        let losses = rules.rules.filter { $0.category == i && $0.points.isNegative }
        if let start = c.start {
            let loss = losses.reduce(Points.zero as Points?) { sum, r in sum.flatMap { s in ruleBound(r).map { s + $0 } } }
            let floor = c.effectiveFloor ?? .zero
            return loss.map { max(start - $0, floor) } ?? floor
        }
        var bound: Points? = min(.zero, c.cap ?? .zero)
        if !losses.isEmpty {
            bound = losses.reduce(Points.zero as Points?) { sum, r in
                guard let sum, let b = ruleBound(r) else { return nil }
                return sum - b
            }
        }
        if let floor = c.floor { return bound.map { max($0, floor) } ?? floor }
        return bound
    }

    /// The most (in magnitude) one rule can give one member; `nil` when unbounded.
    static func ruleBound(_ r: Rule) -> Points? {
        let magnitude = r.points.isNegative ? -r.points : r.points
        if r.atLeast != nil { return magnitude } // paid once
        var bound: Points?
        if let n = r.maxCount, r.basis == .record { bound = magnitude * Points(n) }
        if let cap = r.cap { bound = bound.map { min($0, cap) } ?? cap }
        return bound
    }

    /// The highest and lowest totals any member can get by points (nil: unbounded).
    static func totalBounds(_ rules: RuleSet) -> (max: Points?, min: Points?, maxDetail: String) {
        let bases = [rules.base] + Array(rules.baseByRole.values)
        var hi: Points? = bases.max()!
        var lo: Points? = bases.min()!
        for i in rules.categories.indices {
            hi = hi.flatMap { h in categoryMax(i, rules).map { h + $0 } }
            lo = lo.flatMap { l in categoryMin(i, rules).map { l + $0 } }
        }
        for q in rules.requirements {
            if case .deduct(let p) = q.effect { lo = lo.map { $0 - (p.isNegative ? -p : p) } }
        }
        // Pro-rating scales a part-time member's total up: only score.max bounds it.
        if rules.grading.partial == .prorate { hi = nil }
        let detail = "\(bases.max()!) + " + rules.categories.indices.map { categoryMax($0, rules).map(\.description) ?? "∞" }.joined(separator: " + ")
        if let m = rules.maxScore { hi = hi.map { min($0, m) } ?? m }
        if let m = rules.minScore { lo = lo.map { max($0, m) } ?? m }
        return (hi, lo, detail)
    }

    // MARK: - Checks

    /// S001: grades no member can reach by score, unless a veto or requirement gives them.
    static func unreachableGrades(_ rules: RuleSet, _ places: Places) -> [Diagnostic] {
        guard !rules.usesQuotas, rules.grades.count >= 2 else { return [] }
        let (hi, lo, detail) = totalBounds(rules)
        var byScore = [Bool](repeating: true, count: rules.grades.count)
        var reasons = [(zh: String, en: String)?](repeating: nil, count: rules.grades.count)
        for (i, g) in rules.grades.enumerated() {
            let upper = rules.grades[..<i].last { $0.min != nil }?.min
            if let min = g.min, let hi, hi < min {
                byScore[i] = false
                reasons[i] = ("等次“\(g.name)”的门槛 \(min) 分高于可能的最高总分 \(hi) 分（基础分与各类别最高得分：\(detail)），没有委员能按分数达到",
                              "grade '\(g.name)' needs \(min) but the highest possible total is \(hi) (base and category maxima: \(detail)); no member can reach it")
            } else if let upper, let lo, lo >= upper {
                byScore[i] = false
                reasons[i] = ("等次“\(g.name)”（不足 \(upper) 分）低于可能的最低总分 \(lo) 分，没有委员会按分数评为该等次",
                              "grade '\(g.name)' (below \(upper)) lies under the lowest possible total \(lo); no member falls in it by score")
            }
        }
        var reachable = byScore
        for v in rules.vetoes where v.grade < reachable.count { reachable[v.grade] = true }
        for q in rules.requirements {
            switch q.effect {
            case .forceGrade(let g) where g < reachable.count: reachable[g] = true
            case .capGrade(let g) where g < reachable.count && byScore[..<g].contains(true): reachable[g] = true
            default: break
            }
        }
        return rules.grades.indices.compactMap { i in
            guard !reachable[i], let r = reasons[i] else { return nil }
            return Diagnostic(id: "S001", severity: .warning, location: places.grade(i),
                              zh: r.zh, en: r.en,
                              hintZh: "调整该等次的门槛 min，或检查类别上限 cap 和总分上下限 score.max/score.min。",
                              hintEn: "adjust the grade's 'min', or check the category caps and score.max/score.min.")
        }
    }

    /// S002: Σ category caps (plus the base) above `score.max`.
    static func capsExceedMaximum(_ rules: RuleSet, _ places: Places) -> [Diagnostic] {
        guard let maxScore = rules.maxScore else { return [] }
        let capped = rules.categories.compactMap(\.effectiveCap).filter { $0 > .zero }
        guard !capped.isEmpty else { return [] }
        let base = ([rules.base] + Array(rules.baseByRole.values)).max()!
        let sum = capped.reduce(base, +)
        guard sum > maxScore else { return [] }
        return [Diagnostic(id: "S002", severity: .warning, location: places.scoreMax,
                           zh: "基础分 \(base) 与各类别上限之和为 \(sum) 分，超过总分上限 score.max \(maxScore) 分；得分高的委员会被总分上限截去",
                           en: "the base \(base) plus the category caps add up to \(sum), above score.max \(maxScore); high scorers will be cut at the maximum",
                           hintZh: "如果这是有意的（总分封顶），可以忽略；否则请调低类别上限。",
                           hintEn: "ignore this if the total is meant to be capped; otherwise lower the category caps.")]
    }

    /// S003: a rule whose condition repeats an earlier rule's in the same category. Rules that
    /// differ in `at_least` or `skip_first` are tiers of one activity (满 2 次 30 分、满 4 次再加
    /// 10 分, docs/rules.md §4.6), written that way on purpose: not reported.
    static func sameConditions(_ rules: RuleSet) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for (j, b) in rules.rules.enumerated() {
            guard let i = rules.rules[..<j].firstIndex(where: {
                $0.category == b.category && $0.when == b.when && $0.atLeast == b.atLeast && $0.skipFirst == b.skipFirst
            }) else { continue }
            let a = rules.rules[i]
            let group = rules.exclusive.first { $0.rules.contains(i) && $0.rules.contains(j) }
            if let group {
                out.append(Diagnostic(id: "S003", severity: .warning, location: b.location,
                                      zh: "规则“\(b.id)”与前面的规则“\(a.id)”条件完全相同，且同在取高组“\(group.name)”中：同一条记录只会按其中一条计分",
                                      en: "rule '\(b.id)' has the same condition as the earlier rule '\(a.id)' in the exclusive group '\(group.name)': one of them never counts",
                                      hintZh: "删除其中一条，或给它们写不同的条件。", hintEn: "remove one, or give them different conditions."))
            } else {
                out.append(Diagnostic(id: "S003", severity: .warning, location: b.location,
                                      zh: "规则“\(b.id)”与同一类别中前面的规则“\(a.id)”条件完全相同：同一条记录会被两条规则重复计分",
                                      en: "rule '\(b.id)' has the same condition as the earlier rule '\(a.id)' in the same category: a record scores under both",
                                      hintZh: "如果要“取高不累计”，请把两条规则写进 exclusive；否则删除其中一条。",
                                      hintEn: "list both under 'exclusive' for the higher of the two, or remove one."))
            }
        }
        return out
    }

    /// S004: conditions no record can meet.
    static func neverMatching(_ rules: RuleSet) -> [Diagnostic] {
        var out: [Diagnostic] = []
        func check(_ c: Condition, what: (zh: String, en: String), location: SourceLocation?) {
            guard let (zh, en) = impossibility(c, rules.vocabulary) else { return }
            out.append(Diagnostic(id: "S004", location: location ?? SourceLocation(file: rules.path, line: 1),
                                  zh: "\(what.zh)永远不会生效：\(zh)", en: "\(what.en) can never apply: \(en)",
                                  hintZh: "检查 when 中的类型、状态、角色和级别是否写在同一类活动上。",
                                  hintEn: "check that the kind, status, role and level in 'when' belong to one kind."))
        }
        for r in rules.rules {
            check(r.when, what: ("规则“\(r.id)”", "rule '\(r.id)'"), location: r.location)
            if r.maxCount == 0 {
                out.append(Diagnostic(id: "S004", location: r.location ?? SourceLocation(file: rules.path, line: 1),
                                      zh: "规则“\(r.id)”的 max_count 为 0，永远不会计分", en: "rule '\(r.id)' has max_count 0 and never scores"))
            }
        }
        for v in rules.vetoes { check(v.when, what: ("否决项“\(v.id)”", "veto '\(v.id)'"), location: v.location) }
        for q in rules.requirements { check(q.when, what: ("最低要求“\(q.id)”的条件", "requirement '\(q.id)'"), location: q.location) }
        return out
    }

    /// Why no record can meet `c`, or nil when some can.
    static func impossibility(_ c: Condition, _ vocabulary: Vocabulary) -> (String, String)? {
        let lists: [(String, [String]?)] = [("kind", c.kinds), ("status", c.statuses), ("role", c.roles), ("level", c.levels),
                                            ("member_role", c.memberRoles), ("member_sector", c.memberSectors),
                                            ("member_committee", c.memberCommittees), ("member_group", c.memberGroups),
                                            ("member_party", c.memberParties)]
        for (field, values) in lists where values?.isEmpty == true {
            return ("\(field) 的取值列表为空", "the list for \(field) is empty")
        }
        guard !vocabulary.isEmpty, let kinds = c.kinds else { return nil }
        // Some declared kind must accept the status, the role and the level together.
        let declared = kinds.compactMap { vocabulary.kinds[$0] }
        guard declared.count == kinds.count else { return nil } // unknown kinds are the parser's R070
        func accepts(_ allowed: [String]?, _ wanted: [String]?) -> Bool {
            guard let allowed, let wanted else { return true }
            return wanted.contains { allowed.contains($0) }
        }
        let possible = declared.contains { k in
            accepts(k.statuses, c.statuses) && accepts(k.roles, c.roles) && accepts(k.levels, c.levels)
        }
        if possible { return nil }
        return ("没有一种活动类型（\(kinds.joined(separator: "、"))）同时接受所写的状态、角色和级别",
                "no kind among \(kinds.joined(separator: ", ")) accepts the given status, role and level together")
    }

    /// S005: categories no rule scores into.
    static func emptyCategories(_ rules: RuleSet) -> [Diagnostic] {
        rules.categories.enumerated().compactMap { i, c in
            guard !rules.rules.contains(where: { $0.category == i }) else { return nil }
            return Diagnostic(id: "S005", severity: .warning, location: c.location ?? SourceLocation(file: rules.path, line: 1),
                              zh: "类别“\(c.id)”没有任何计分规则，得分总是 0", en: "category '\(c.id)' has no rules and always scores 0",
                              hintZh: "添加规则（category: \(c.id)），或删除这个类别。", hintEn: "add rules with 'category: \(c.id)', or remove it.")
        }
    }

    /// S006: kinds declared but never used.
    static func unusedKinds(_ rules: RuleSet, _ places: Places) -> [Diagnostic] {
        let conditions = rules.rules.map(\.when) + rules.vetoes.map(\.when) + rules.requirements.map(\.when)
        if conditions.contains(where: { $0.kinds == nil }) { return [] } // a rule for any kind uses them all
        let used = Set(conditions.flatMap { $0.kinds ?? [] })
        return rules.vocabulary.kinds.keys.sorted().filter { !used.contains($0) }.map { k in
            Diagnostic(id: "S006", severity: .warning, location: places.kind(k),
                       zh: "活动类型“\(k)”已声明，但没有规则、否决项或最低要求用到它：这类记录会被接收但不计分",
                       en: "kind '\(k)' is declared but no rule, veto or requirement uses it: its records are accepted but score nothing",
                       hintZh: "为它添加规则，或从 kinds 中删除（删除后这类记录会被拒收）。",
                       hintEn: "add a rule for it, or remove it from 'kinds' (its records will then be rejected).")
        }
    }

    // MARK: - Places

    /// Where grades, kinds and `score.max` are written, found from the rule file's text.
    struct Places {
        var path: String
        var grades: [SourceLocation] = []
        var kinds: [String: SourceLocation] = [:]
        var scoreMaxAt: SourceLocation?
        var top: [String: SourceLocation] = [:]

        init(source: String?, path: String) {
            self.path = path
            guard let source, let root = try? Yams.compose(yaml: source), case .mapping(let m) = root else { return }
            func loc(_ n: Node) -> SourceLocation? { n.mark.map { SourceLocation(file: path, line: $0.line, column: $0.column) } }
            for (k, v) in m {
                guard let key = k.scalar?.string else { continue }
                top[key] = loc(k)
                switch (key, v) {
                case ("grades", .sequence(let seq)): grades = seq.compactMap(loc)
                case ("kinds", .mapping(let declared)):
                    for (name, _) in declared { if let s = name.scalar?.string { kinds[s] = loc(name) } }
                case ("score", .mapping(let score)):
                    if let max = score["max"] { scoreMaxAt = loc(max) }
                default: break
                }
            }
        }

        var fallback: SourceLocation { SourceLocation(file: path, line: 1) }
        func grade(_ i: Int) -> SourceLocation { i < grades.count ? grades[i] : top["grades"] ?? fallback }
        func kind(_ name: String) -> SourceLocation { kinds[name] ?? top["kinds"] ?? fallback }
        var scoreMax: SourceLocation { scoreMaxAt ?? top["score"] ?? fallback }
    }
}

/// Everything `lvzhi check` finds in one rule file.
public struct RuleFileCheck: Sendable {
    /// The rule set, when the file parsed without errors.
    public var rules: RuleSet?
    /// The file's text, for printing diagnostics with their source line.
    public var source: String?
    /// Parser errors; or static-check findings and problems in `cases:`.
    public var diagnostics: [Diagnostic]
    /// The number of well-formed cases.
    public var cases: Int

    /// Parses the file, then (if it parsed) runs the static checks and parses its cases.
    public static func run(path: String) -> RuleFileCheck {
        let source = FileManager.default.contents(atPath: path).flatMap { String(data: $0, encoding: .utf8) }
        do {
            let rules = try RuleFileLoader.load(path: path)
            let (cases, caseDiagnostics) = RuleCases.parse(source ?? "", path: path, rules: rules)
            return RuleFileCheck(rules: rules, source: source,
                                 diagnostics: StaticChecks.run(rules, source: source) + caseDiagnostics, cases: cases.count)
        } catch {
            return RuleFileCheck(rules: nil, source: error.source ?? source, diagnostics: error.diagnostics, cases: 0)
        }
    }
}
