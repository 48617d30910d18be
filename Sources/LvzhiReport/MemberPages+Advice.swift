import LvzhiCore
import LvzhiRules
import LvzhiScoring

/// The distance to the next colour on a member's page, and the cheapest ways to get there
/// within the caps.
///
/// - Band grading: the points missing to the next grade's `min` (through prorating and the
///   score bounds), then the rules that can still add points — their category below its cap,
///   the rule below its own `cap` and `max_count` — best points per record first, each with
///   the records it takes; when no single rule is enough, a combination, filled greedily.
/// - Quota grading: the rank needed (top share of the grade above, or out of the bottom share
///   of the member's grade) and the score that would give it today.
/// - Vetoes decide the grade whatever the points, and a missed requirement may hold the grade
///   down: both are said plainly instead of a points target.
///
/// Suggestions are the rules a member can act on: positive points, no marks or levels (those
/// are outcomes others decide, e.g. 重点, 市级采用), no expressions, the member's 职务/界别/…
/// allowed, and scored by at least one member of the same 职务 in this run. Estimates use the
/// rules' nominal points; co-author splits and "higher of" groups can make them smaller.
extension MemberPageWriter {
    struct Way {
        var rule: Int
        /// Points per record (or per unit, for rules scored by quantity).
        var unit: Points
        /// Records (or units) to add.
        var count: Int
        /// Points they add to the total before prorating.
        var gain: Points
        /// Whether this alone closes the gap.
        var closes: Bool
    }

    mutating func nextGrade(_ row: RunSummary.Row, _ r: MemberScore) {
        let g = r.grade
        guard !grades.isEmpty else { return }
        if g == 0 {
            raw("<p class=\"goal best\"><span class=\"sw k0\"></span>")
            text(t("已是最高等次：\(grades[0].name)（\(grades[0].color)）", "Already the best grade: \(grades[0].name) (\(grades[0].color))"))
            if !rules.usesQuotas, let min = grades[0].min, r.score >= min {
                text(t("，高出分数线 \(r.score - min) 分。", ", \(r.score - min) above the threshold."))
            } else {
                text(t("。", "."))
            }
            raw("</p>\n")
            return
        }
        let target = g - 1
        let tg = grades[target]

        // A veto decides the grade whatever the points.
        let vetoGrade = r.vetoes.map { rules.vetoes[$0.veto].grade }.max()
        if let vg = vetoGrade, vg > target {
            let names = r.vetoes.map { rules.vetoes[$0.veto].name }
            raw("<p class=\"stop\">")
            text(t("有否决事项（\(names.joined(separator: "；"))），等次定为\(grades[vg].name)；增加分数不能改变等次。",
                   "Veto (\(names.joined(separator: "; "))): graded \(grades[vg].name) whatever the points; more points do not change the grade."))
            raw("</p>\n")
            return
        }

        raw("<p class=\"goal\">\(t("下一等次", "Next")) <span class=\"sw k\(target)\"></span><b>")
        text(t("\(tg.color) · \(tg.name)", "\(tg.color) · \(tg.name)"))
        raw("</b>")
        if !rules.usesQuotas, let min = tg.min { text(t("（\(min) 分及以上）", " (\(min) or more)")) }
        raw("</p>\n")

        // Requirements that hold the grade down whatever the points.
        var blockers: [(q: Int, have: Points)] = []
        var deductions: [(q: Int, have: Points, points: Points)] = []
        for q in r.missedRequirements where q < rules.requirements.count {
            var have = Points.zero
            for e in r.ledger where e.record < 0 { if case .requirementMissed(q) = e.note { have = e.nominal } }
            switch rules.requirements[q].effect {
            case .capGrade(let c) where c > target: blockers.append((q, have))
            case .forceGrade(let f) where f > target: blockers.append((q, have))
            case .deduct(let p): deductions.append((q, have, p))
            default: break
            }
        }

        // The final score that gives the next grade.
        var threshold: Points?
        var strict = false
        if rules.usesQuotas {
            guard r.rank != nil else {
                raw("<p class=\"stop\">")
                text(t("不参与排名：按名额评定时，等次不随分数变化。", "Not ranked: under quota grading the grade does not follow the points."))
                raw("</p>\n")
                return
            }
            if r.bandGrade > target {
                let quota = quotaThreshold(r, current: g, target: target)
                threshold = quota.score
                strict = quota.strict
                raw("<p>")
                text(quota.text)
                raw("</p>\n")
            }
        } else if r.bandGrade > target {
            threshold = tg.min
        }

        if !blockers.isEmpty {
            raw("<p class=\"need\">")
            text(threshold == nil ? t("分数已够\(tg.name)，但须先达到最低要求：", "The points are enough for \(tg.name), but first meet:")
                                  : t("须先达到最低要求：", "First meet:"))
            raw("</p>\n<ul class=\"ways\">\n")
            for (q, have) in blockers {
                let req = rules.requirements[q]
                raw("<li>")
                text(t("“\(req.name)”：已有 \(have)，还差 \(req.min - have)。", "\(req.name): have \(have), \(req.min - have) short."))
                raw("</li>\n")
            }
            raw("</ul>\n")
        }

        if let threshold {
            guard let gap0 = rawGap(to: threshold, r) else {
                raw("<p class=\"stop\">")
                text(t("所需分数高于总分上限 \(rules.maxScore ?? .zero) 分，无法达到。", "What is needed is above the maximum score of \(rules.maxScore ?? .zero): out of reach."))
                raw("</p>\n")
                return
            }
            let gap = strict ? gap0 + Points(raw: 1) : gap0
            let shown = threshold - r.score
            raw("<p class=\"need\">")
            let name = Escape.html(tg.name)
            if strict {
                raw(t("距\(name)还差 <b>\(HTMLWriter.escPoints(shown))</b> 分以上", "More than <b>\(HTMLWriter.escPoints(shown))</b> \(shown == .one ? "point" : "points") short of \(name)"))
            } else {
                raw(t("距\(name)还差 <b>\(HTMLWriter.escPoints(shown))</b> 分", "<b>\(HTMLWriter.escPoints(shown))</b> \(shown == .one ? "point" : "points") short of \(name)"))
            }
            raw(t("。", "."))
            if gap0 != shown {
                text(t("任职不满全期，分数按在任天数折算，折算前需再得 \(gap0) 分。", " The score is scaled to the days served: \(English.points(gap0)) before scaling."))
            }
            raw("</p>\n")
            ways(gap, r, member: row.member, strict: strict)
        }

        for (q, have, p) in deductions {
            let req = rules.requirements[q]
            raw("<p class=\"tip\">")
            text(t("另外，如达到最低要求“\(req.name)”（已有 \(have)，还差 \(req.min - have)），可免扣 \(p) 分。",
                   "Also: meeting '\(req.name)' (have \(have), \(req.min - have) short) removes the \(p)-point deduction."))
            raw("</p>\n")
        }
    }

    /// The final score that gives the grade above under quota grading, with the explanation.
    func quotaThreshold(_ r: MemberScore, current g: Int, target: Int) -> (score: Points?, strict: Bool, text: String) {
        let n = r.rankedInScope
        let within = r.rankScope.isEmpty || rules.grading.scope == .all ? t("全体", "all members") : r.rankScope
        var others = ctx.scopeScores[r.rankScope] ?? []
        // Leave the member's own score out: the others' scores decide where they would land.
        var lo = 0, hi = others.count
        while lo < hi { let mid = (lo + hi) / 2; if others[mid] < r.score { lo = mid + 1 } else { hi = mid } }
        if lo < others.count && others[lo] == r.score { others.remove(at: lo) }
        let tg = grades[target]
        if let top = tg.top {
            let k = top.of(n)
            guard k > 0 else {
                return (nil, false, t("按名额，\(within)中\(tg.name)名额为 0 名。", "By quota, \(within) has no places for \(tg.name)."))
            }
            guard others.count >= k else { return (nil, false, "") }
            let s = others[others.count - k]
            let share = shareText(top, n)
            return (s, false, t("按名额，\(within)前 \(k) 名\(share)为\(tg.name)：须进入前 \(k) 名，目前第 \(k) 名为 \(s) 分。他人分数变化时所需分数随之变化。",
                                "By quota, the top \(k) of \(within)\(share) are \(tg.name): you need rank \(k) or better; rank \(k) has \(s) points today. The points needed move with the others' scores."))
        }
        if let bottom = grades[g].bottom {
            let k = bottom.of(n)
            guard k > 0, others.count >= k else { return (nil, false, "") }
            let s = others[k - 1]
            let share = shareText(bottom, n)
            return (s, true, t("按名额，\(within)后 \(k) 名\(share)为\(grades[g].name)：须排在倒数第 \(k) 名之前，即超过目前倒数第 \(k) 名的 \(s) 分。他人分数变化时所需分数随之变化。",
                               "By quota, the bottom \(k) of \(within)\(share) are \(grades[g].name): you need to pass the member \(k)th from the bottom, who has \(s) points today. The points needed move with the others' scores."))
        }
        return (nil, false, "")
    }

    /// “（共 253 人的 30%）” for a percentage; nothing for a count.
    func shareText(_ share: Share, _ n: Int) -> String {
        guard case .percent = share else { return "" }
        return t("（共 \(n) 人的 \(share)）", " (\(share) of \(n))")
    }

    /// Points the categories must add (before prorating and score bounds) to reach `threshold`;
    /// nil when the score's maximum is below it.
    func rawGap(to threshold: Points, _ r: MemberScore) -> Points? {
        if let max = rules.maxScore, threshold > max { return nil }
        var bounds = Points.zero
        var prorate: (served: Int, days: Int, before: Points)?
        for e in r.ledger where e.record < 0 {
            switch e.note {
            case .scoreCapped, .scoreFloored: bounds += e.points
            case .prorated(let served, let days): prorate = (served, days, e.nominal)
            default: break
            }
        }
        if let p = prorate, p.days > 0 {
            // before' × days / served ≥ threshold.
            let n = threshold.raw * Int64(p.served)
            let need = n >= 0 ? (n + Int64(p.days) - 1) / Int64(p.days) : n / Int64(p.days)
            return Points(raw: need) - p.before
        }
        return threshold - (r.score - bounds)
    }

    /// Lists the ways to add `gap` points within the caps and within what members in the
    /// same role actually did: each rule that closes the gap alone (up to three, best points
    /// per record first), else one combination; when even that falls short, says so.
    mutating func ways(_ gap: Points, _ r: MemberScore, member m: Member, strict: Bool = false) {
        let ruleCount = rules.rules.count
        var total = [Points](repeating: .zero, count: ruleCount)
        var counted = [Int](repeating: 0, count: ruleCount)
        var seen = [Int](repeating: 0, count: ruleCount)
        var catRaw = [Points](repeating: .zero, count: rules.categories.count)
        for e in r.ledger where e.rule >= 0 && Int(e.rule) < ruleCount {
            let i = Int(e.rule)
            seen[i] += 1
            switch e.note {
            case .skipped, .countLimited, .repeatedItem, .belowThreshold, .thresholdPaid: break
            default: counted[i] += 1
            }
            total[i] += e.points
            if e.record >= 0 && e.category >= 0 && Int(e.category) < catRaw.count { catRaw[Int(e.category)] += e.points }
        }
        // A category that starts full counts its start (rules.md §3).
        for e in r.ledger where e.category >= 0 && Int(e.category) < catRaw.count {
            if case .categoryStart(let start, _) = e.note { catRaw[Int(e.category)] += start }
        }
        let own = MemberPageContext.units(r, rules: rules, records: s.run.store.records)
        let categories = rules.categories
        func clamp(_ c: Int, _ v: Points) -> Points {
            if let cap = categories[c].effectiveCap, v > cap { return cap }
            if let floor = categories[c].effectiveFloor, v < floor { return floor }
            return v
        }
        /// Points the category adds when the rule adds `x`.
        func gain(_ c: Int, _ raw: Points, _ x: Points) -> Points { clamp(c, raw + x) - clamp(c, raw) }
        /// What the rule must add for the category to add `g`.
        func rawFor(_ c: Int, _ raw: Points, _ g: Points) -> Points { clamp(c, raw) + g - raw }
        func ceilDiv(_ a: Points, _ b: Points) -> Int {
            // ⌈a / b⌉ on exact values: records of `b` points each that add up to at least `a`.
            guard a > .zero, b > .zero else { return 0 }
            let q = a * Points(b.denominator, b.numerator)
            guard !q.isOverflow else { return Int.max / 2 }
            return Int((q.numerator + q.denominator - 1) / q.denominator)
        }

        let (used, most) = ctx.peers(of: m)
        /// A rule the member can still score with: points per record, records that still
        /// count (skipped ones first), and the most that adds within its caps.
        struct Candidate { var rule: Int; var unit: Points; var free: Int; var records: Int; var room: Points }
        var candidates: [Candidate] = []
        for (i, rule) in rules.rules.enumerated() {
            // A lump sum (at_least) or a condition on the item's signers is not one more record's worth.
            guard rule.points > .zero, rule.atLeast == nil, !rule.when.testsSigners,
                  rule.when.marks.isEmpty, (rule.when.levels ?? []).isEmpty, rule.when.expression == nil,
                  used?[i] ?? false, MemberConditions.match(rule.when, m) else { continue }
            // No more than the member in the same role who did the most.
            var records = max(0, (most?[i] ?? 0) - own[i])
            let free = min(records, max(0, (rule.skipFirst ?? 0) - seen[i]))
            records -= free
            if let mc = rule.maxCount { records = min(records, max(0, mc - counted[i])) }
            var room = rule.points * Points(records)
            if let cap = rule.cap { room = min(room, max(.zero, cap - total[i])) }
            let c = rule.category
            room = gain(c, catRaw[c], room)
            guard room > .zero else { continue }
            candidates.append(Candidate(rule: i, unit: rule.points, free: free, records: records, room: room))
        }
        candidates.sort { a, b in
            if a.unit != b.unit { return a.unit > b.unit }
            return a.rule < b.rule
        }
        if candidates.isEmpty {
            raw("<p class=\"stop\">")
            text(t("可得分的各个项目都已到上限，或已做到同职务委员中做得最多的次数，再增加记录也不能提高分数。",
                   "Every rule is at its cap or at the most any member in the same role did: more records will not add points."))
            raw("</p>\n")
            return
        }

        // Each rule that closes the gap by itself.
        var alone: [Way] = []
        for cand in candidates where cand.room >= gap {
            let c = rules.rules[cand.rule].category
            let n = ceilDiv(rawFor(c, catRaw[c], gap), cand.unit)
            alone.append(Way(rule: cand.rule, unit: cand.unit, count: cand.free + n, gain: gain(c, catRaw[c], cand.unit * Points(n)), closes: true))
        }
        alone.sort { a, b in
            if a.unit != b.unit { return a.unit > b.unit }
            if a.count != b.count { return a.count < b.count }
            return a.rule < b.rule
        }
        if !alone.isEmpty {
            raw("<p>\(t(alone.count == 1 ? "做到下面这一项即可：" : "做到下面任意一项即可：", alone.count == 1 ? "This would do it:" : "Any one of these would do it:"))</p>\n<ul class=\"ways\">\n")
            for w in alone.prefix(3) {
                raw("<li class=\"ok\">")
                text(wayText(w))
                raw("</li>\n")
            }
            raw("</ul>\n")
        } else {
            // A combination, best points per record first, each rule as far as it goes.
            var raws = catRaw
            var left = gap
            var plan: [Way] = []
            for cand in candidates where left > .zero {
                let c = rules.rules[cand.rule].category
                let wanted = min(left, gain(c, raws[c], cand.room))
                guard wanted > .zero else { continue }
                let n = min(cand.records, ceilDiv(rawFor(c, raws[c], wanted), cand.unit))
                guard n > 0 else { continue }
                var added = cand.unit * Points(n)
                added = min(added, cand.room)
                let got = gain(c, raws[c], added)
                guard got > .zero else { continue }
                raws[c] += added
                left -= got
                plan.append(Way(rule: cand.rule, unit: cand.unit, count: cand.free + n, gain: got, closes: false))
            }
            raw("<p class=\"plan\">")
            if left > .zero {
                // A strict target (more than a score) counts one ten-thousandth over it: not shown.
                let short = strict ? left - Points(raw: 1) : left
                let got = gap - left
                if short > .zero {
                    text(t("即使下面各项都做到，合计也只能再得 \(got) 分，仍差 \(short) 分\(strict ? "以上" : "")，本期达不到下一等次。",
                           "Even doing all of the following, only \(got) more \(got == .one ? "point is" : "points are") possible: \(short) short\(strict ? " or more" : ""), so the next grade is out of reach this period."))
                } else {
                    text(t("即使下面各项都做到，合计也只能再得 \(got) 分，与所需分数持平而不能超过，本期达不到下一等次。",
                           "Even doing all of the following gives \(got) more \(got == .one ? "point" : "points"): level with what is needed but not above it, so the next grade is out of reach this period."))
                }
            } else {
                text(t("没有单独一项能补足，需要几项合起来：", "No single rule is enough; together:"))
            }
            raw("</p>\n<ul class=\"ways\">\n")
            for w in plan {
                raw(left > .zero ? "<li>" : "<li class=\"ok\">")
                text(wayText(w))
                raw("</li>\n")
            }
            raw("</ul>\n")
        }
        raw("<p class=\"fine\">")
        text(t("按规则的名义分值估算，已计入本项和本类的上限；次数不超过同职务委员（同职务不足 \(MemberPageContext.fewPeers) 人时为全体委员）中做得最多的人。联名分摊、取高等规定可能使实际得分更少。",
               "Estimated from the rules' nominal points, within the rules' and categories' caps, and never more often than the most active member in the same role (all members when fewer than \(MemberPageContext.fewPeers) hold it); co-author splits and 'higher of' rules can make them smaller."))
        raw("</p>\n")
    }

    /// The rule's name without a trailing “（每半天）”, and the counting unit: (出席全体会议, 半天).
    static func subjectAndMeasure(_ rule: Rule) -> (subject: String, measure: String) {
        var name = rule.name.trimmingSpaces
        for (open, close) in [("（", "）"), ("(", ")")] as [(Character, Character)] where name.last == close {
            guard let o = name.lastIndex(of: open) else { continue }
            let inner = String(name[name.index(after: o)..<name.index(before: name.endIndex)]).trimmingSpaces
            if inner.hasPrefix("每") {
                let measure = String(inner.dropFirst())
                name = String(name[..<o]).trimmingSpaces
                return (name, measure)
            }
        }
        let kinds = rule.when.kinds ?? []
        if rule.basis == .quantity { return (name, "单位") }
        if !kinds.isEmpty, kinds.allSatisfy({ $0.contains("提案") || $0.contains("议案") }) { return (name, "件") }
        if !kinds.isEmpty, kinds.allSatisfy({ $0.contains("社情民意") || $0.contains("信息") }) { return (name, "条") }
        if !kinds.isEmpty, kinds.allSatisfy({ $0.contains("报告") || $0.contains("文章") }) { return (name, "篇") }
        return (name, "次")
    }

    /// “2 个半天”, “1 次”.
    func countText(_ n: Int, _ measure: String) -> String {
        let single = measure.count == 1 && measure != "天"
        return single ? "\(n) \(measure)" : "\(n) 个\(measure)"
    }

    /// “出席全体会议”再有 2 个半天，每半天 2 分，共 4 分。 — a sentence for any rule name.
    func wayText(_ w: Way) -> String {
        let rule = rules.rules[w.rule]
        let (subject, measure) = ctx.ruleSubjects[w.rule]
        if lang == .en {
            // “出席全体会议: 2 more half-days (2 points per half-day), 4 points in all.”; a unit
            // word not in the list is left out rather than shown in Chinese inside the sentence.
            let unit = English.unit(measure)
            let what = "\(w.count) more" + (unit.map { " " + (w.count == 1 ? $0.one : $0.many) } ?? "")
            let each = unit?.each ?? (rule.basis == .quantity ? "per unit" : "each")
            return "\(subject): \(what) (\(English.points(w.unit)) \(each)), \(English.points(w.gain)) in all."
        }
        return "“\(subject)”再有 \(countText(w.count, measure))，每\(measure) \(w.unit) 分，共 \(w.gain) 分。"
    }
}

extension HTMLWriter {
    /// Points as escaped text (numbers need no escaping, but keep the habit).
    static func escPoints(_ p: Points) -> String { Escape.html(p.description) }
}
