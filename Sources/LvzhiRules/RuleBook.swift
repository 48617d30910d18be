import LvzhiCore

/// The rule file as the human-readable 考核细则 an office publishes with its results:
/// 考核期间、计分方法、各类计分标准、不重复计分、最低要求、否决事项、等次评定.
///
/// Each construct of the rule language has one function that phrases it (``ruleSentence``,
/// ``categoryLimits``, ``splitPhrase`` …), so a new construct needs one new function and one
/// call. The text is built once as a list of ``Block``s and written out as Markdown
/// (``render(_:lang:)``) or as an HTML fragment (``renderHTML(_:lang:)``) for the report's appendix.
///
/// ```swift
/// let rules = try RuleFileLoader.load(path: "Rules/fengjie.yaml")
/// print(RuleBook.render(rules, lang: .zh))   // “出席全体会议，每半天计 2 分。” …
/// ```
public enum RuleBook {
    /// The rules as Markdown.
    public static func render(_ rules: RuleSet, lang: Language = .zh) -> String {
        // A rule file's values have at most four places: the 细则 shows them as written.
        Points.withDisplay(decimals: Points.fractionDigits) { Markdown.write(document(rules, lang: lang)) }
    }

    /// The rules as an HTML fragment (`<section class="rulebook">…</section>`); all text is escaped.
    public static func renderHTML(_ rules: RuleSet, lang: Language = .zh) -> String {
        Points.withDisplay(decimals: Points.fractionDigits) { HTML.write(document(rules, lang: lang)) }
    }

    /// One rule in the words of the 细则: “提案立案（第一提案人），每件计 6 分，本项最多 10 分。”
    public static func describe(_ rule: Rule, in rules: RuleSet, lang: Language = .zh) -> String {
        Points.withDisplay(decimals: Points.fractionDigits) { Phrasing(rules: rules, lang: lang).ruleSentence(rule) }
    }

    /// One minimum requirement in the words of the 细则, with what happens when it is missed.
    public static func describe(_ requirement: Requirement, in rules: RuleSet, lang: Language = .zh) -> String {
        Points.withDisplay(decimals: Points.fractionDigits) { Phrasing(rules: rules, lang: lang).requirementPhrase(requirement) }
    }

    // MARK: - Document model

    /// A table cell: text and, for grade colours, a swatch colour `#rrggbb`.
    struct Cell: Equatable {
        var text: String
        var swatch: String? = nil
    }

    enum Block: Equatable {
        case title(String)
        case section(String)
        case subsection(String)
        case paragraph(String)
        case numbered([String])
        case bullets([String])
        case table(header: [String], rows: [[Cell]])
    }

    static func document(_ rules: RuleSet, lang: Language) -> [Block] {
        let p = Phrasing(rules: rules, lang: lang)
        var blocks: [Block] = [.title(rules.name)]
        blocks += p.preamble()
        var sections: [(String, [Block])] = [
            (lang.pick("考核期间", "Period"), p.periodSection()),
            (lang.pick("计分方法", "How the score is made"), p.methodSection()),
            (lang.pick("计分标准", "Points"), p.categoriesSection()),
        ]
        if !rules.exclusive.isEmpty { sections.append((lang.pick("不重复计分", "Not counted twice"), p.exclusiveSection())) }
        if !rules.requirements.isEmpty { sections.append((lang.pick("最低要求", "Minimum requirements"), p.requirementsSection())) }
        if !rules.vetoes.isEmpty { sections.append((lang.pick("否决事项", "Vetoes"), p.vetoesSection())) }
        sections.append((lang.pick("等次评定", "Grades"), p.gradesSection()))
        if !rules.history.isEmpty {
            let across = rules.history.contains(where: \.readsEarlierPeriods)
            sections.append((across ? lang.pick("跨年度处理", "Across periods") : lang.pick("考核结果的处理", "What follows from the results"), p.historySection()))
        }
        for (i, (title, body)) in sections.enumerated() {
            blocks.append(.section(lang.pick("\(chineseNumeral(i + 1))、\(title)", "\(i + 1). \(title)")))
            blocks += body
        }
        return blocks
    }

    /// 1 → 一, 12 → 十二, 20 → 二十 (up to 99).
    static func chineseNumeral(_ n: Int) -> String {
        let digits = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"]
        if n < 10 { return digits[n] }
        let tens = n / 10, ones = n % 10
        return (tens == 1 ? "" : digits[tens]) + "十" + (ones == 0 ? "" : digits[ones])
    }
}

// MARK: - Phrasing: one function per construct

extension RuleBook {
    struct Phrasing {
        let rules: RuleSet
        let lang: Language

        var comma: String { lang.pick("，", ", ") }
        var stop: String { lang.pick("。", ".") }
        var listSep: String { lang.pick("、", ", ") }
        var or: String { lang.pick("或", " or ") }

        func pts(_ p: Points) -> String { lang.pick("\(p) 分", p == .one ? "1 point" : "\(p) points") }
        func quoted(_ s: String) -> String { lang.pick("“\(s)”", "'\(s)'") }
        func sentence(_ clauses: [String]) -> String { clauses.filter { !$0.isEmpty }.joined(separator: comma) + stop }

        // MARK: Preamble, period, method

        func preamble() -> [Block] {
            var facts: [String] = []
            if !rules.version.isEmpty { facts.append(lang.pick("版本 \(rules.version)", "Version \(rules.version)")) }
            if let base = rules.extends {
                facts.append(lang.pick("在\(quoted(fileName(base)))的基础上修订", "based on \(quoted(fileName(base)))"))
            }
            facts.append(lang.pick("由规则文件 \(fileName(rules.path)) 生成", "generated from the rule file \(fileName(rules.path))"))
            return [.paragraph(sentence(facts))]
        }

        func periodSection() -> [Block] {
            var out: [Block] = [.paragraph(periodPhrase(rules.period))]
            if let partial = partialPolicyPhrase(rules.grading.partial) { out.append(.paragraph(partial)) }
            return out
        }

        func periodPhrase(_ period: Period?) -> String {
            guard let period else {
                return lang.pick("考核期间在评分时指定。", "The period is given when scoring.")
            }
            let (y1, m1, d1) = period.start.components, (y2, m2, d2) = period.end.components
            if y1 == y2, m1 == 1, d1 == 1, m2 == 12, d2 == 31 {
                return lang.pick("\(y1) 年度，即 \(y1) 年 1 月 1 日至 \(y2) 年 12 月 31 日。", "The year \(y1): \(period.start) to \(period.end).")
            }
            return lang.pick("\(y1) 年 \(m1) 月 \(d1) 日至 \(y2) 年 \(m2) 月 \(d2) 日。", "\(period.start) to \(period.end).")
        }

        func partialPolicyPhrase(_ p: Grading.PartialPolicy) -> String? {
            switch p {
            case .flag:
                return lang.pick("考核期间内新任或离任的委员，按在任期间的记录计分，并在考核结果中注明。",
                                 "Members who joined or left during the period are scored on their records and flagged in the results.")
            case .exclude:
                return lang.pick("考核期间内新任或离任的委员，按在任期间的记录计分并评定等次，但不参加排名。",
                                 "Members who joined or left during the period are scored and graded but not ranked.")
            case .prorate:
                return lang.pick("考核期间内新任或离任的委员，基础分以外的得分按在任天数占考核期间天数的比例折算（除以在任比例）。",
                                 "For members who joined or left during the period, the points above the base are divided by the share of the period they served.")
            }
        }

        func methodSection() -> [Block] {
            var out: [Block] = [.paragraph(basePhrase())]
            let limited = rules.categories.contains { $0.cap != nil || $0.floor != nil }
            out.append(.paragraph(limited
                ? lang.pick("各类别分别计分，超过本类别上限的按上限计，扣分扣至本类别下限为止；基础分与各类别得分之和为总分。",
                            "Each category is scored on its own, cut to its cap and deducted no further than its floor; the base plus the categories make the total.")
                : lang.pick("基础分与各类别得分之和为总分。", "The base plus the categories make the total.")))
            out.append(.paragraph(scoreBoundsPhrase()))
            out.append(.paragraph(rules.exclusive.isEmpty
                ? lang.pick("同一条记录符合多项计分标准的，各项分别计分。", "A record that meets several items scores under each.")
                : lang.pick("同一条记录符合多项计分标准的，各项分别计分；“不重复计分”中列明的除外。",
                            "A record that meets several items scores under each, except as listed under 'Not counted twice'.")))
            return out
        }

        func basePhrase() -> String {
            if !rules.baseByRole.isEmpty {
                let roles = rules.baseByRole.keys.sorted().map { lang.pick("\($0) \(pts(rules.baseByRole[$0]!))", "\($0): \(pts(rules.baseByRole[$0]!))") }
                return lang.pick("基础分按职务确定：\(roles.joined(separator: "，"))；其他委员 \(pts(rules.base))。",
                                 "The base score depends on the member's role: \(roles.joined(separator: ", ")); others \(pts(rules.base)).")
            }
            if rules.base.isZero {
                return lang.pick("委员得分从 0 分起算，按下列计分标准逐项累计。", "Scores start at 0 and add up item by item.")
            }
            return lang.pick("每位委员的基础分为 \(pts(rules.base))，在此基础上按下列计分标准加分或扣分。",
                             "Every member starts at \(pts(rules.base)); the items below add or deduct.")
        }

        func scoreBoundsPhrase() -> String {
            switch (rules.minScore, rules.maxScore) {
            case let (lo?, hi?): return lang.pick("总分最低 \(pts(lo))，最高 \(pts(hi))。", "The total is at least \(pts(lo)) and at most \(pts(hi)).")
            case let (lo?, nil): return lang.pick("总分最低 \(pts(lo))，不设上限。", "The total is at least \(pts(lo)), with no ceiling.")
            case let (nil, hi?): return lang.pick("总分最高 \(pts(hi))。", "The total is at most \(pts(hi)).")
            case (nil, nil): return lang.pick("总分不设上下限。", "The total has no floor and no ceiling.")
            }
        }

        // MARK: Categories and rules

        func categoriesSection() -> [Block] {
            var out: [Block] = []
            for (i, c) in rules.categories.enumerated() {
                let limits = categoryLimits(c)
                out.append(.subsection(lang.pick("（\(chineseNumeral(i + 1))）\(c.name)", "\(i + 1). \(c.name)")
                                       + (limits.map { lang.pick("（\($0)）", " (\($0))") } ?? "")))
                let mine = rules.rules.filter { $0.category == i }
                out.append(mine.isEmpty ? .paragraph(lang.pick("本类暂无计分标准。", "No items in this category."))
                                        : .numbered(mine.map(ruleSentence)))
            }
            return out
        }

        /// “本类最多计 30 分”, “本类最多扣 20 分”, “本类扣至 0 分为止”.
        func categoryLimits(_ c: Category) -> String? {
            var parts: [String] = []
            if let start = c.start {
                // “本类 50 分，按下列标准扣减，扣完为止”.
                parts.append(lang.pick("本类 \(pts(start))，按下列标准扣减", "\(pts(start)), reduced by the items below"))
                if let cap = c.cap, cap > start { parts.append(lang.pick("加分后最多 \(pts(cap))", "at most \(pts(cap)) with additions")) }
                let floor = c.effectiveFloor ?? .zero
                parts.append(floor.isZero ? lang.pick("扣完为止", "down to 0") : lang.pick("扣至 \(pts(floor))为止", "down to \(pts(floor))"))
                return parts.joined(separator: comma)
            }
            if let cap = c.cap { parts.append(lang.pick("本类最多计 \(pts(cap))", "at most \(pts(cap))")) }
            if let floor = c.floor {
                if floor.isNegative { parts.append(lang.pick("本类最多扣 \(pts(-floor))", "at most \(pts(-floor)) deducted")) }
                else if floor.isZero { parts.append(lang.pick("本类扣至 0 分为止", "deductions stop at 0")) }
                else { parts.append(lang.pick("本类最低 \(pts(floor))", "at least \(pts(floor))")) }
            }
            return parts.isEmpty ? nil : parts.joined(separator: comma)
        }

        /// “提案立案（第一提案人），每件计 6 分，本项最多 10 分。”
        func ruleSentence(_ r: Rule) -> String {
            // The author's own sentence (`text:`) is published as written.
            if let t = r.text { return t.hasSuffix("。") || t.hasSuffix(".") ? t : t + stop }
            let (subject, unit) = ruleSubject(r)
            let measure = measureWord(r.when.kinds ?? r.when.expression.flatMap { try? RuleExpression.compile($0).requiredKinds })
            let each = unit.map { lang.pick($0, "each (\($0))") }
                ?? (r.basis == .quantity ? lang.pick("每单位数量", "per unit of quantity") : lang.pick("每\(measure)", "each"))
            var clauses = [subject + conditionQualifiers(r.when, mentionedIn: r.name)]
            if let skip = r.skipFirst, skip > 0 {
                clauses.append(lang.pick("前 \(skip) \(measure)不计", "the first \(skip) are free"))
            }
            if let need = r.atLeast {
                // “参加视察、调研等活动 2 次以上的，计 30 分”.
                clauses.append(r.basis == .quantity ? lang.pick("累计数量达到 \(need) 的", "once the quantity reaches \(need)")
                                                    : lang.pick("累计 \(need) \(measure)以上的", "\(need) or more in the period"))
                clauses.append(pointsPhrase(r.points, each: "", afterSkip: false))
                if r.oncePerRef { clauses.append(lang.pick("同一事项只算一\(measure)", "one item counts once")) }
                return sentence(clauses)
            }
            clauses.append(pointsPhrase(r.points, each: each, afterSkip: (r.skipFirst ?? 0) > 0))
            if r.oncePerRef { clauses.append(lang.pick("同一事项（关联编号相同的几条记录）只计一\(measure)", "one item (records sharing a ref) counts once")) }
            if let cap = r.cap { clauses.append(ruleCapPhrase(cap, deduction: r.points.isNegative)) }
            if let n = r.maxCount { clauses.append(maxCountPhrase(n, measure: measure)) }
            if let s = r.split { clauses.append(splitPhrase(s)) }
            return sentence(clauses)
        }

        /// The rule's name without a trailing unit such as “（每半天）”, and that unit.
        func ruleSubject(_ r: Rule) -> (String, String?) {
            var name = r.name.trimmingSpaces
            while name.hasSuffix("。") || name.hasSuffix(".") { name.removeLast() }
            if name == r.id { return (conditionPhrase(r.when), nil) }
            for (open, close) in [("（", "）"), ("(", ")")] as [(Character, Character)] where name.last == close {
                guard let o = name.lastIndex(of: open) else { continue }
                let inner = String(name[name.index(after: o)..<name.index(before: name.endIndex)]).trimmingSpaces
                if inner.hasPrefix("每") || inner.lowercased().hasPrefix("per ") {
                    return (String(name[..<o]).trimmingSpaces, inner)
                }
            }
            return (name, nil)
        }

        /// “计 2 分”, “扣 3 分”, “不计分”, with the unit: “每半天计 2 分”.
        func pointsPhrase(_ p: Points, each: String, afterSkip: Bool) -> String {
            let then = afterSkip ? lang.pick("此后", "then ") : ""
            if p.isZero { return lang.pick("不计分", "no points") }
            if p.isNegative { return lang.pick("\(then)\(each)扣 \(pts(-p))", "\(then)\(pts(-p)) deducted \(each)") }
            return lang.pick("\(then)\(each)计 \(pts(p))", "\(then)\(pts(p)) \(each)")
        }

        func ruleCapPhrase(_ cap: Points, deduction: Bool) -> String {
            deduction ? lang.pick("本项最多扣 \(pts(cap))", "at most \(pts(cap)) deducted in all")
                      : lang.pick("本项最多 \(pts(cap))", "at most \(pts(cap)) in all")
        }

        func maxCountPhrase(_ n: Int, measure: String) -> String {
            n == 1 ? lang.pick("考核期间只计一次", "counted once in the period")
                   : lang.pick("最多计 \(n) \(measure)", "counted at most \(n) times")
        }

        /// How a co-signed item's points are shared.
        func splitPhrase(_ s: CoauthorSplit) -> String {
            let lead = s.leadRoles.joined(separator: or)
            var text: String
            switch s.policy {
            case .leadOnly: text = lang.pick("多人署名的仅计\(lead)", "only the \(lead) scores on a joint item")
            case .leadHalf: text = lang.pick("多人署名的\(lead)计一半，其余署名人平分另一半",
                                             "on a joint item the \(lead) gets half and the others share the other half")
            case .equal: text = lang.pick("多人署名的由全部署名人平分", "a joint item's points are shared equally")
            case .fraction:
                // 0.5 → 50%; a fraction with no exact percentage (1/3) as written.
                let f = s.fraction.map { p in
                    let percent = p * Points(100)
                    return Points(exact: percent.display(decimals: Points.fractionDigits)) == percent ? "\(percent.display(decimals: Points.fractionDigits))%" : p.exact
                } ?? ""
                text = lang.pick("多人署名的每人计该分值的 \(f)", "on a joint item each author gets \(f)")
            case .full: text = lang.pick("多人署名的每人均计全分", "every author of a joint item gets the full points")
            }
            if let n = s.maxCredited {
                text += lang.pick("，每件最多计 \(n) 人（\(lead)优先）", "; at most \(n) members per item (\(lead) first)")
            }
            return text
        }

        /// A rule or requirement described by its condition, for items written without a name.
        func conditionPhrase(_ c: Condition) -> String {
            var what = c.kinds?.joined(separator: or) ?? lang.pick("各类活动", "any activity")
            if let s = c.statuses { what = lang.pick("\(what)（\(s.map(orEmpty).joined(separator: or))）", "\(what) (\(s.map(orEmpty).joined(separator: or)))") }
            var parts: [String] = []
            if let r = c.roles { parts.append(lang.pick("角色为\(r.map(orEmpty).joined(separator: or))", "role \(r.map(orEmpty).joined(separator: or))")) }
            if let l = c.levels { parts.append(lang.pick("级别为\(l.map(orEmpty).joined(separator: or))", "level \(l.map(orEmpty).joined(separator: or))")) }
            if !c.marks.isEmpty { parts.append(lang.pick("标记为\(c.marks.map(quoted).joined(separator: "、"))", "marked \(c.marks.joined(separator: ", "))")) }
            return parts.isEmpty ? what : what + lang.pick("，" + parts.joined(separator: "，"), ", " + parts.joined(separator: ", "))
        }

        func orEmpty(_ s: String) -> String { s.isEmpty ? lang.pick("空", "none") : s }

        /// Conditions on the member (职务, 界别 …) and expressions that the name does not already say.
        func conditionQualifiers(_ c: Condition, mentionedIn name: String) -> String {
            var parts: [String] = []
            let fields: [([String]?, String, String)] = [
                (c.memberRoles, "", "role"), (c.memberSectors, "界别", "sector"), (c.memberCommittees, "专委会", "committee"),
                (c.memberGroups, "活动组", "group"), (c.memberParties, "党派", "party"),
            ]
            for (values, zh, en) in fields {
                guard var values, !values.allSatisfy({ !$0.isEmpty && name.contains($0) }) else { continue }
                values = values.map { $0.isEmpty ? lang.pick("未填\(zh.isEmpty ? "职务" : zh)", "none") : $0 }
                parts.append(lang.pick(zh.isEmpty ? values.joined(separator: "、") : "\(zh)为\(values.joined(separator: "或"))的委员",
                                       "members with \(en) \(values.joined(separator: " or "))"))
            }
            var out = parts.isEmpty ? [] : [lang.pick("限\(parts.joined(separator: "；"))", "\(parts.joined(separator: "; ")) only")]
            if let lo = c.signersMin ?? c.signersMax.map({ _ in 1 }) {
                let hi = c.signersMax
                let who: String
                switch (lo, hi) {
                case (1, 1?): who = lang.pick("仅本人署名", "items the member signed alone")
                case (let a, nil): who = lang.pick(" \(a) 人以上联名", "items signed by \(a) or more")
                case (let a, let b?) where a == b: who = lang.pick(" \(a) 人联名", "items signed by \(a)")
                case (let a, let b?): who = lang.pick(" \(a) 至 \(b) 人联名", "items signed by \(a) to \(b)")
                }
                out.append(lang.pick("限\(who)", "\(who) only"))
            }
            if let e = c.expression {
                out.append(ExpressionWording.phrase(e, lang: lang).map { lang.pick("条件：\($0)", "where \($0)") }
                           ?? lang.pick("条件：满足 \(e)", "where \(e)"))
            }
            guard !out.isEmpty else { return "" }
            return lang.pick("（\(out.joined(separator: "；"))）", " (\(out.joined(separator: "; ")))")
        }

        /// The counting word for records of these kinds: 件 for proposals, 条 for reports, 次 otherwise.
        func measureWord(_ kinds: [String]?) -> String {
            guard lang == .zh, let kinds, !kinds.isEmpty else { return lang.pick("次", "") }
            func word(_ k: String) -> String {
                if k.contains("提案") || k.contains("议案") { return "件" }
                if k.contains("社情民意") || k.contains("信息") { return "条" }
                if k.contains("报告") || k.contains("文章") { return "篇" }
                return "次"
            }
            let words = Set(kinds.map(word))
            return words.count == 1 ? words.first! : "次"
        }

        // MARK: Exclusive groups, requirements, vetoes

        func exclusiveSection() -> [Block] {
            [.numbered(rules.exclusive.map(exclusivePhrase))]
        }

        /// ““获国家级表彰”、“获省级表彰”，每位委员只按其中得分最高的一项计分。” An alternative of
        /// several rules counted together reads ““A”“B”合计为一项”.
        func exclusivePhrase(_ g: ExclusiveGroup) -> String {
            let alternatives = g.alternatives.map { alt -> String in
                let names = alt.compactMap { $0 < rules.rules.count ? quoted(ruleSubject(rules.rules[$0]).0) : nil }
                return names.count > 1 ? names.joined() + lang.pick("合计为一项", " counted together") : names.joined()
            }
            let several = g.alternatives.contains { $0.count > 1 }
            let scope: String
            switch g.scope {
            case .member: scope = lang.pick("每位委员只按其中得分最高的一项计分", "each member scores only the highest of them")
            case .ref: scope = lang.pick("同一事项（同一关联编号）只按其中得分最高的一项计分", "one item (same ref) scores only the highest of them")
            }
            let title = g.name.isEmpty || g.name == g.id ? "" : g.name + lang.pick("：", ": ")
            return title + sentence([alternatives.joined(separator: several ? comma : listSep), scope])
        }

        func requirementsSection() -> [Block] {
            [.paragraph(lang.pick("委员在考核期间应达到下列最低要求：", "Every member should meet these minimum requirements in the period:")),
             .numbered(rules.requirements.map(requirementPhrase))]
        }

        /// “每年至少提交提案 1 件（限常委）；未达到的，等次最高评为“合格”。”
        func requirementPhrase(_ q: Requirement) -> String {
            let subject = q.name.isEmpty || q.name == q.id ? conditionPhrase(q.when) : q.name
            let measure = measureWord(q.when.kinds)
            // A name that already says the amount (“提交提案不少于 1 件”) is not repeated.
            let saysAmount = ["不少于", "至少", "以上", "at least"].contains { subject.contains($0) }
            let amount = saysAmount ? "" : q.byQuantity ? lang.pick("累计数量不少于 \(q.min)", "a quantity of at least \(q.min)")
                                      : lang.pick("不少于 \(q.min) \(measure)", "at least \(q.min)")
            var applies = ""
            if let a = q.appliesTo {
                let who = conditionQualifiers(a, mentionedIn: subject)
                applies = who
            }
            let what = subject + applies + (amount.isEmpty ? "" : lang.pick("：", ": ") + amount)
            return lang.pick("\(what)；\(requirementEffect(q.effect))。", "\(what); \(requirementEffect(q.effect)).")
        }

        func requirementEffect(_ e: Requirement.Effect) -> String {
            switch e {
            case .capGrade(let g): return lang.pick("未达到的，等次最高评为\(quoted(gradeName(g)))", "otherwise the grade is at best \(quoted(gradeName(g)))")
            case .forceGrade(let g): return lang.pick("未达到的，等次评为\(quoted(gradeName(g)))", "otherwise the grade is \(quoted(gradeName(g)))")
            case .deduct(let p): return lang.pick("未达到的，扣 \(pts(p.isNegative ? -p : p))", "otherwise \(pts(p.isNegative ? -p : p)) deducted")
            case .flag: return lang.pick("未达到的，在考核结果中注明", "otherwise it is noted in the results")
            }
        }

        func vetoesSection() -> [Block] {
            let grades = Set(rules.vetoes.map(\.grade))
            if grades.count == 1, let g = grades.first {
                return [.paragraph(lang.pick("委员有下列情形之一的，不论得分多少，年度考核等次评为\(quoted(gradeName(g)))：",
                                             "A member with any of the following is graded \(quoted(gradeName(g))) whatever the score:")),
                        .numbered(rules.vetoes.map { vetoPhrase($0, withGrade: false) })]
            }
            return [.paragraph(lang.pick("委员有下列情形之一的，不论得分多少，按下列规定评定等次：",
                                         "A member with any of the following is graded as stated, whatever the score:")),
                    .numbered(rules.vetoes.map { vetoPhrase($0, withGrade: true) })]
        }

        func vetoPhrase(_ v: Veto, withGrade: Bool) -> String {
            let what = v.name.isEmpty || v.name == v.id ? conditionPhrase(v.when) : v.name
            let qualifiers = conditionQualifiers(v.when, mentionedIn: what)
            return withGrade ? sentence([what + qualifiers, lang.pick("等次评为\(quoted(gradeName(v.grade)))", "graded \(quoted(gradeName(v.grade)))")])
                             : what + qualifiers + stop
        }

        func gradeName(_ i: Int) -> String { i >= 0 && i < rules.grades.count ? rules.grades[i].name : "?" }

        // MARK: Across periods

        func historySection() -> [Block] {
            var out: [Block] = []
            if let term = rules.term {
                out.append(.paragraph(lang.pick("每届任期 \(term.years) 年，自 \(term.start) 起连续计算；“本届”指考核期间开始之日所在的一届。",
                                                "A term lasts \(term.years) years, counted on from \(term.start); 'the term' is the one the period starts in.")))
            }
            let across = rules.history.contains(where: \.readsEarlierPeriods)
            out.append(.paragraph(across ? lang.pick("结合往年考核结果，委员有下列情形之一的，按下列规定处理：",
                                                     "Taking earlier results into account, a member in any of these cases is dealt with as stated:")
                                         : lang.pick("委员有下列情形之一的，按下列规定处理：", "A member in any of these cases is dealt with as stated:")))
            out.append(.numbered(rules.history.map(historyPhrase)))
            if across {
                out.append(.paragraph(lang.pick("往年结果取自历年考核记录；没有往年记录的，只按本期情况认定。",
                                                "Earlier results come from the stored results of past reviews; without them only this period counts.")))
            }
            return out
        }

        /// “连续两个考核期等次为“不合格”（含本期）的：劝辞，等次评为“不合格”。”
        func historyPhrase(_ h: HistoryCondition) -> String {
            func target(_ g: HistoryCondition.GradeTest) -> String {
                switch g {
                case .named(let i): quoted(gradeName(i))
                case .lowest: lang.pick("最低等次\(quoted(gradeName(rules.grades.count - 1)))", "the lowest grade \(quoted(gradeName(rules.grades.count - 1)))")
                }
            }
            let what: String
            switch h.test {
            case .consecutiveGrade(let g, 1):
                what = lang.pick("本期考核等次为\(target(g))", "graded \(target(g)) in this period")
            case .consecutiveGrade(let g, let years):
                what = lang.pick("连续 \(years) 个考核期（含本期）等次为\(target(g))", "graded \(target(g)) in \(years) periods in a row (this one included)")
            case .consecutiveScore(let below, 1):
                what = lang.pick("本期考核得分低于 \(pts(below))", "scored below \(pts(below)) in this period")
            case .consecutiveScore(let below, let years):
                what = lang.pick("连续 \(years) 个考核期（含本期）得分低于 \(pts(below))", "scored below \(pts(below)) in \(years) periods in a row (this one included)")
            case .bottomConsecutive(let share, let years):
                let last: String
                switch share {
                case .count(let n): last = lang.pick("后 \(n) 名", "the last \(n)")
                case .percent(let p): last = lang.pick("后 \(p)%", "the last \(p)%")
                }
                what = lang.pick("连续 \(years) 个考核期（含本期）排名在\(last)（在本人的排名范围内；并列跨越界线的不计入）",
                                 "ranked among \(last) in \(years) periods in a row (this one included; within the member's ranking scope, ties across the line excluded)")
            case .gradeInTerm(let g, let n):
                what = lang.pick("本届内累计 \(n) 个考核期（含本期）等次为\(target(g))", "graded \(target(g)) in \(n) periods of the term (this one included)")
            case .ruleCountInTerm(let r, let n):
                let rule = rules.rules[r]
                what = lang.pick("本届内“\(rule.name)”的记录累计达到 \(n) 条（含本期，一条记录算一次）",
                                "\(n) or more records of '\(rule.name)' in the term (this period included; one record counts once)")
            }
            var effect = lang.pick("标注“\(h.effect.flag)”", "flagged '\(h.effect.flag)'")
            if let g = h.effect.grade { effect += lang.pick("，等次至多评为\(quoted(gradeName(g)))", ", graded at most \(quoted(gradeName(g)))") }
            let label = h.name == h.id || what.contains(h.name) ? "" : lang.pick("\(h.name)：", "\(h.name): ")
            return lang.pick("\(label)\(what)的，\(effect)。", "\(label)\(what): \(effect).")
        }

        // MARK: Grades

        func gradesSection() -> [Block] {
            let n = rules.grades.count
            var out: [Block] = []
            if rules.usesQuotas {
                out.append(.paragraph(lang.pick("按总分排名评定为 \(n) 个等次（得分相同的名次并列），\(scopePhrase(rules.grading.scope))：",
                                                "Members are graded into \(n) grades by rank (equal scores share a rank), \(scopePhrase(rules.grading.scope)):")))
                out.append(.table(header: [lang.pick("等次", "Grade"), lang.pick("颜色", "Colour"), lang.pick("名额", "Quota")],
                                  rows: rules.grades.indices.map { [Cell(text: rules.grades[$0].name), colorCell(rules.grades[$0]), Cell(text: quotaBand($0))] }))
            } else {
                out.append(.paragraph(lang.pick("按总分评定为 \(n) 个等次：", "Members are graded into \(n) grades by score:")))
                out.append(.table(header: [lang.pick("等次", "Grade"), lang.pick("颜色", "Colour"), lang.pick("总分", "Score")],
                                  rows: rules.grades.indices.map { [Cell(text: rules.grades[$0].name), colorCell(rules.grades[$0]), Cell(text: scoreBand($0))] }))
            }
            var notes: [String] = []
            if !rules.requirements.isEmpty {
                notes.append(lang.pick("未达到最低要求的，按“最低要求”的规定调整等次或扣分。", "Members who miss a minimum requirement are adjusted as stated under 'Minimum requirements'."))
            }
            if !rules.vetoes.isEmpty {
                notes.append(lang.pick("有否决事项的，按“否决事项”的规定评定。", "Vetoes override the grade as stated under 'Vetoes'."))
            }
            if !rules.usesQuotas {
                let scope = rules.grading.scope
                notes.append(scope.isAll ? lang.pick("得分相同的委员名次并列。", "Members with equal scores share a rank.")
                    : lang.pick("名次\(scopePhrase(scope))，得分相同的名次并列。", "Members are \(scopePhrase(scope)); equal scores share a rank."))
            }
            out += notes.map { .paragraph($0) }
            return out
        }

        func colorCell(_ g: Grade) -> Cell { Cell(text: g.color, swatch: g.hex) }

        /// “80 分及以上”, “65 分及以上、不足 80 分”, “不足 30 分”.
        func scoreBand(_ i: Int) -> String {
            let lo = rules.grades[i].min
            let hi = rules.grades[..<i].last { $0.min != nil }?.min
            switch (lo, hi) {
            case let (lo?, hi?): return lang.pick("\(pts(lo))及以上、不足 \(pts(hi))", "\(lo) or more, below \(hi)")
            case let (lo?, nil): return lang.pick("\(pts(lo))及以上", "\(lo) or more")
            case let (nil, hi?): return lang.pick("不足 \(pts(hi))", "below \(hi)")
            case (nil, nil): return lang.pick("全部", "any")
            }
        }

        /// “排名前 10%”, “前 10% 之后至前 30%”, “其余委员”, “排名最后 1%”.
        func quotaBand(_ i: Int) -> String {
            let g = rules.grades[i]
            if let top = g.top {
                let prev = rules.grades[..<i].last { $0.top != nil }?.top
                return prev.map { lang.pick("排名前 \(share($0)) 之后至前 \(share(top))", "after the top \(share($0)), up to the top \(share(top))") }
                    ?? lang.pick("排名前 \(share(top))", "top \(share(top))")
            }
            if let bottom = g.bottom {
                let next = rules.grades[(i + 1)...].first { $0.bottom != nil }?.bottom
                return next.map { lang.pick("排名最后 \(share(bottom)) 中、不含最后 \(share($0))", "bottom \(share(bottom)), except the bottom \(share($0))") }
                    ?? lang.pick("排名最后 \(share(bottom))", "bottom \(share(bottom))")
            }
            return lang.pick("其余委员", "everyone else")
        }

        func share(_ s: Share) -> String {
            switch s {
            case .percent(let p): return "\(p)%"
            case .count(let n): return lang.pick("\(n) 名", "\(n)")
            }
        }

        func scopePhrase(_ s: RankScope) -> String {
            switch s.dimensions.count {
            case 0: return lang.pick("在全体参加排名的委员中排名", "ranked among all ranked members")
            case 1 where s.dimensions[0] == .role: return lang.pick("按职务分别排名", "ranked within each role")
            case 1: return lang.pick("在各\(s.name(.zh))内分别排名", "ranked within each \(s.name(.en))")
            default:
                return lang.pick("按\(s.dimensions.map(\.label.zh).joined(separator: "、"))分组，每组分别排名",
                                 "ranked within each combination of \(s.name(.en))")
            }
        }

        func fileName(_ path: String) -> String {
            path.split(separator: "/").last.map(String.init) ?? path
        }
    }
}

// MARK: - Writers

extension RuleBook {
    enum Markdown {
        static func write(_ blocks: [Block]) -> String {
            var out: [String] = []
            for b in blocks {
                switch b {
                case .title(let t): out.append("# " + escape(t))
                case .section(let t): out.append("## " + escape(t))
                case .subsection(let t): out.append("### " + escape(t))
                case .paragraph(let t): out.append(escape(t))
                case .numbered(let items):
                    out.append(items.enumerated().map { "\($0.offset + 1). " + escape($0.element) }.joined(separator: "\n"))
                case .bullets(let items): out.append(items.map { "- " + escape($0) }.joined(separator: "\n"))
                case .table(let header, let rows):
                    var lines = ["| " + header.map(cell).joined(separator: " | ") + " |",
                                 "|" + String(repeating: "---|", count: header.count)]
                    for r in rows { lines.append("| " + r.map { cell($0.text) }.joined(separator: " | ") + " |") }
                    out.append(lines.joined(separator: "\n"))
                }
            }
            return out.joined(separator: "\n\n") + "\n"
        }

        /// Backslash-escapes the characters Markdown would read as markup.
        static func escape(_ s: String) -> String {
            var out = ""
            for ch in s {
                if "\\`*_[]<>#|".contains(ch) { out.append("\\") }
                out.append(ch == "\n" ? " " : ch)
            }
            return out
        }

        static func cell(_ s: String) -> String { escape(s) }
    }

    enum HTML {
        static func write(_ blocks: [Block]) -> String {
            var out = ["<section class=\"rulebook\">"]
            for b in blocks {
                switch b {
                case .title(let t): out.append("<h2>\(escape(t))</h2>")
                case .section(let t): out.append("<h3>\(escape(t))</h3>")
                case .subsection(let t): out.append("<h4>\(escape(t))</h4>")
                case .paragraph(let t): out.append("<p>\(escape(t))</p>")
                case .numbered(let items): out.append("<ol>" + items.map { "<li>\(escape($0))</li>" }.joined() + "</ol>")
                case .bullets(let items): out.append("<ul>" + items.map { "<li>\(escape($0))</li>" }.joined() + "</ul>")
                case .table(let header, let rows):
                    var t = "<table><thead><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>"
                    for r in rows {
                        t += "<tr>" + r.map { c in
                            let swatch = c.swatch.map { "<span class=\"swatch\" style=\"background:\(escape($0))\"></span> " } ?? ""
                            return "<td>\(swatch)\(escape(c.text))</td>"
                        }.joined() + "</tr>"
                    }
                    out.append(t + "</tbody></table>")
                }
            }
            out.append("</section>")
            return out.joined(separator: "\n") + "\n"
        }

        static func escape(_ s: String) -> String {
            var out = ""
            out.reserveCapacity(s.utf8.count)
            for ch in s {
                switch ch {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&quot;"
                case "'": out += "&#39;"
                default: out.append(ch)
                }
            }
            return out
        }
    }
}
