import LvzhiCore
import LvzhiRules
import LvzhiScoring

/// One member's ledger as terminal text, for `lvzhi explain` and failing `lvzhi test` cases:
/// every record with the rule that fired, nominal and awarded points, why they were cut, and
/// where the record came from; then category caps and floors, vetoes and the total.
///
/// ```
/// 参加政协会议和活动（meetings）                               5.5 分，上限 30
///   2025-07-17  专委会会议·出席        教科卫体委员会“乡村振兴…        +1
///               committee-meeting 出席专委会、界别会议或协商会 · Samples/activities/meetings.csv:1234
/// ```
public struct LedgerText {
    public var run: ScoreRun
    public var lang: Language
    /// ANSI colours (only on a terminal).
    public var color: Bool
    /// Leave out the member header and categories without ledger lines (for test failures).
    public var compact: Bool

    /// Display columns for the record title before it is cut with “…”.
    static let titleWidth = 24
    static let kindWidth = 28
    static let lineWidth = 78

    /// Record index → the correction (复核) that added or amended it.
    private let corrected: [Int32: Int]

    public init(run: ScoreRun, lang: Language, color: Bool = false, compact: Bool = false) {
        self.run = run
        self.lang = lang
        self.color = color
        self.compact = compact
        var corrected: [Int32: Int] = [:]
        for (i, c) in run.corrections.enumerated() { if let r = c.record { corrected[r] = i } }
        self.corrected = corrected
    }

    /// The ledger of `result`, one line per string joined by newlines.
    public func render(_ result: MemberScore, indent: String = "") -> String {
        var lines: [String] = []
        if !compact { lines += header(result) + [""] }
        var placed = Set<Int>()
        for (c, category) in run.rules.categories.enumerated() {
            let mine = result.ledger.indices.filter { result.ledger[$0].category == Int32(c) }
            placed.formUnion(mine)
            if compact && mine.isEmpty { continue }
            lines += section(category, points: result.categoryPoints[c], entries: mine.map { result.ledger[$0] })
        }
        let rest = result.ledger.indices.filter { !placed.contains($0) }.map { result.ledger[$0] }
        let vetoes = rest.filter { if case .veto = $0.note { true } else { false } }
        let unmatched = rest.filter { $0.note == .noRule }
        let totals = rest.filter { $0.record < 0 }
        let other = rest.filter { e in
            if case .veto = e.note { return false }
            return e.note != .noRule && e.record >= 0
        }
        if compact && result.ledger.isEmpty {
            lines += ["  " + paint(lang.pick("（没有计分记录）", "(no ledger lines)"), .dim), ""]
        }
        if !vetoes.isEmpty {
            lines.append(paint(lang.pick("否决事项", "Vetoes"), .bold))
            for e in vetoes { lines += record(e) }
            lines.append("")
        }
        if !result.missedRequirements.isEmpty {
            lines.append(paint(lang.pick("未达到的最低要求", "Minimum requirements not met"), .bold))
            for q in result.missedRequirements where q < run.rules.requirements.count {
                lines.append("  " + paint(RuleBook.describe(run.rules.requirements[q], in: run.rules, lang: lang), .yellow))
            }
            lines.append("")
        }
        if !result.history.isEmpty {
            lines.append(paint(lang.pick("跨年度条件", "Multi-year conditions"), .bold))
            for h in result.history { lines.append("  " + paint(RunSummary.describe(h, rules: run.rules, lang: lang), .yellow)) }
            lines.append("")
        }
        if run.isProgressRun, !result.progress.isEmpty {
            lines.append(paint(lang.pick("最低要求进度（阶段通报，不扣分、不改等次）", "Minimum requirements so far (interim; no penalties)"), .bold))
            for p in result.progress {
                let mark = p.met ? lang.pick("✓ 已完成", "✓ met") : lang.pick("… 未完成", "… not yet")
                lines.append("  \(mark) \(run.rules.requirements[p.requirement].name) \(p.done)/\(p.needed)")
            }
            lines.append("")
        }
        if !other.isEmpty {
            lines.append(paint(lang.pick("其他计分", "Other lines"), .bold))
            for e in other { lines += record(e) }
            lines.append("")
        }
        if !unmatched.isEmpty {
            lines.append(paint(lang.pick("无适用规则的记录（计 0 分）", "Records no rule applies to (0 points)"), .bold))
            for e in unmatched { lines += record(e) }
            lines.append("")
        }
        let member = run.members[result.member]
        let removed = run.corrections.filter { $0.action == .remove && $0.memberID == member.id }
        if !removed.isEmpty {
            lines.append(paint(lang.pick("经复核删除的记录（不计分）", "Records removed by corrections (not scored)"), .bold))
            for c in removed {
                lines.append("  " + c.line(lang))
                if let o = c.original { lines.append("    " + paint(lang.pick("原记录 \(o) · 复核 \(c.source)", "was \(o) · correction \(c.source)"), .dim)) }
            }
            lines.append("")
        }
        let rejects = run.rejects.filter { $0.memberID == member.id }
        if !rejects.isEmpty && !compact {
            lines.append(paint(lang.pick("被拒收的记录（不计分，见 rejects.csv）", "Rejected records (not scored; see rejects.csv)"), .bold))
            for r in rejects {
                lines.append("  " + paint("\(r.location)", .dim) + "  " + (r.recordID.isEmpty ? "" : r.recordID + "  ")
                             + r.reason.message(lang))
            }
            lines.append("")
        }
        lines += total(result, adjustments: totals)
        return lines.map { $0.isEmpty ? $0 : indent + $0 }.joined(separator: "\n")
    }

    // MARK: - Parts

    func header(_ r: MemberScore) -> [String] {
        let m = run.members[r.member]
        let rules = run.rules
        var facts: [String] = []
        for (label, value) in [(lang.pick("界别", "sector"), m.sector), (lang.pick("专委会", "committee"), m.committee),
                               (lang.pick("职务", "role"), m.role), (lang.pick("活动组", "group"), m.group)] where !value.isEmpty {
            facts.append("\(label) \(value)")
        }
        let g = rules.grades[r.grade]
        var rank = r.rank.map { lang.pick("第 \($0) 名", "rank \($0)") } ?? lang.pick("不参与排名", "not ranked")
        if r.rank != nil, r.rankedInScope > 0 {
            let dimension = (zh: rules.grading.scope.name(.zh), en: rules.grading.scope.name(.en))
            rank += r.rankScope.isEmpty ? lang.pick("（共 \(r.rankedInScope) 人）", " of \(r.rankedInScope)")
                : lang.pick("（\(dimension.zh)“\(r.rankScope)”中，共 \(r.rankedInScope) 人）",
                            " of \(r.rankedInScope) in \(dimension.en) '\(r.rankScope)'")
        }
        var lines = [paint(TerminalText.escape(lang.pick("\(m.name)（\(m.id)）", "\(m.name) (\(m.id))")), .bold)]
        if !facts.isEmpty { lines.append(facts.joined(separator: " · ")) }
        lines += [
            lang.pick("总分 ", "score ") + paint("\(r.score)", .bold) + " · \(rank) · "
                + lang.pick("等次 ", "grade ") + paint(g.shown(lang), .bold),
        ]
        if r.partialPeriod {
            var served: [String] = []
            if let j = m.joined { served.append(lang.pick("\(j) 任职", "joined \(j)")) }
            if let l = m.left { served.append(lang.pick("\(l) 离任", "left \(l)")) }
            lines.append(paint(lang.pick("考核期间内部分在任：", "served part of the period: ") + served.joined(separator: lang.pick("，", ", ")), .yellow))
        }
        lines.append(paint(lang.pick("规则：\(rules.name) \(rules.version) · 考核期间 \(run.period)",
                                     "rules: \(rules.name) \(rules.version) · period \(run.period)"), .dim))
        return lines
    }

    func section(_ c: Category, points: Points, entries: [LedgerEntry]) -> [String] {
        var limits: [String] = []
        if let start = c.start { limits.append(lang.pick("\(start) 分起扣", "starts at \(start)")) }
        if let cap = c.cap { limits.append(lang.pick("上限 \(cap)", "cap \(cap)")) }
        if let floor = c.floor { limits.append(lang.pick("下限 \(floor)", "floor \(floor)")) }
        let title = paint(lang.pick("\(c.name)（\(c.id)）", "\(c.name) (\(c.id))"), .bold)
        let right = lang.pick("\(points) 分", "\(points) pts") + (limits.isEmpty ? "" : lang.pick("，", ", ") + limits.joined(separator: lang.pick("，", ", ")))
        var lines = [spread(title, right)]
        let records = entries.filter { $0.record >= 0 }
        if records.isEmpty { lines.append("  " + paint(lang.pick("（无记录）", "(no records)"), .dim)) }
        for e in records { lines += record(e) }
        let adjustments = entries.filter { $0.record < 0 }
        if !adjustments.isEmpty {
            let raw = records.reduce(Points.zero) { $0 + $1.points }
            lines.append(spread("  " + lang.pick("小计", "subtotal"), "\(raw)"))
            for a in adjustments {
                lines.append(spread("  " + paint(RunSummary.describe(a.note, rules: run.rules, lang: lang), .yellow), signed(a.points)))
            }
        }
        lines.append("")
        return lines
    }

    /// Two lines for a record's ledger entry: what the record is, then which rule gave what.
    func record(_ e: LedgerEntry) -> [String] {
        let store = run.store
        guard e.record >= 0, Int(e.record) < store.records.count else {
            return [spread("  " + RunSummary.describe(e.note, rules: run.rules, lang: lang), signed(e.points))]
        }
        let a = store.records[Int(e.record)]
        var what = [store.symbols[a.kind], store.symbols[a.status], store.symbols[a.role], store.symbols[a.level]]
            .filter { !$0.isEmpty }.joined(separator: "·")
        let marks = store.markNames(a.marks)
        if !marks.isEmpty { what += "〔" + marks.joined(separator: "、") + "〕" }
        let title = store.title(of: a)
        let first = "  \(a.date)  " + Self.pad(Self.truncate(what, Self.kindWidth), Self.kindWidth) + "  "
            + Self.truncate(title.isEmpty ? store.id(of: a) : title, Self.titleWidth)
        let pts: String
        switch e.note {
        case .veto, .noRule: pts = ""
        default: pts = signed(e.points)
        }
        var detail: [String] = []
        if e.rule >= 0, Int(e.rule) < run.rules.rules.count {
            let rule = run.rules.rules[Int(e.rule)]
            var fired = "\(rule.id) \(rule.name)"
            if rule.basis == .quantity, a.quantity != .one { fired += " \(rule.points) × \(a.quantity)" }
            detail.append(fired)
        }
        let why = RunSummary.describe(e.note, rules: run.rules, lang: lang)
        if !why.isEmpty {
            let nominal = e.nominal != e.points && e.rule >= 0 ? lang.pick("（应得 \(e.nominal)）", " (nominal \(e.nominal))") : ""
            detail.append(paint(why + nominal, .yellow))
        }
        detail.append(paint("\(store.location(of: a))", .dim))
        var out = [spread(first, pts), String(repeating: " ", count: 14) + detail.joined(separator: " · ")]
        if let c = corrected[e.record] {
            let correction = run.corrections[c]
            out.append(String(repeating: " ", count: 14) + paint(correction.line(lang) + " · \(correction.source)", .yellow))
        }
        return out
    }

    func total(_ r: MemberScore, adjustments: [LedgerEntry]) -> [String] {
        let rules = run.rules
        var lines = [paint(lang.pick("总分", "Total"), .bold)]
        let categorySum = r.categoryPoints.reduce(Points.zero, +)
        var base = Points.zero
        for a in adjustments where a.note == .base { base += a.points }
        lines.append(spread("  " + lang.pick("类别合计", "categories"), "\(categorySum)"))
        for a in adjustments {
            lines.append(spread("  " + paint(RunSummary.describe(a.note, rules: rules, lang: lang), a.note == .base ? .plain : .yellow),
                                signed(a.points)))
        }
        lines.append(spread("  " + lang.pick("总分", "score"), paint("\(r.score)", .bold)))
        let g = rules.grades[r.grade]
        let band = min(max(r.bandGrade, 0), rules.grades.count - 1)
        var gradeLine = "  " + lang.pick("等次：", "grade: ")
        if band != r.grade {
            let b = rules.grades[band]
            var why: [String] = []
            if !r.vetoes.isEmpty { why.append(lang.pick("否决项", "a veto")) }
            if !r.missedRequirements.isEmpty { why.append(lang.pick("未达到最低要求", "a missed requirement")) }
            if r.history.contains(where: { rules.history[$0.condition].effect.grade != nil }) {
                why.append(lang.pick("跨年度条件", "a multi-year condition"))
            }
            gradeLine += lang.pick("按\(rules.usesQuotas ? "排名" : "分数")为“\(b.name)”，因\(why.joined(separator: "和"))定为",
                                   "'\(b.englishName)' by \(rules.usesQuotas ? "rank" : "score"), set by \(why.joined(separator: " and ")) to ")
        } else if let min = rules.grades[band].min {
            gradeLine += lang.pick("总分 \(r.score) ≥ \(min)，", "\(r.score) ≥ \(min): ")
        } else if rules.usesQuotas {
            gradeLine += lang.pick("按排名，", "by rank: ")
        }
        gradeLine += paint(g.shown(lang), .bold)
        lines.append(gradeLine)
        return lines
    }

    // MARK: - Text helpers

    enum Paint: String {
        case plain = "", bold = "1", dim = "2", red = "31", green = "32", yellow = "33"
    }

    func paint(_ s: String, _ p: Paint) -> String {
        guard color, p != .plain, !s.isEmpty else { return s }
        return "\u{1B}[\(p.rawValue)m\(s)\u{1B}[0m"
    }

    func signed(_ p: Points) -> String {
        if p.isZero { return "0" }
        return p.isNegative ? paint("\(p)", .red) : paint("+\(p)", .green)
    }

    /// `left` and `right` on one line, `right` flush with ``lineWidth`` when it fits.
    func spread(_ left: String, _ right: String) -> String {
        guard !right.isEmpty else { return left }
        let gap = Self.lineWidth - Self.width(left) - Self.width(right)
        return left + String(repeating: " ", count: max(2, gap)) + right
    }

    /// Display columns of `s`, not counting ANSI colour codes; CJK counts two.
    static func width(_ s: String) -> Int {
        var w = 0
        var inEscape = false
        for ch in s {
            if inEscape { if ch == "m" { inEscape = false }; continue }
            if ch == "\u{1B}" { inEscape = true; continue }
            w += ch.displayWidth
        }
        return w
    }

    /// `s` cut to `width` display columns, ending in “…” when cut.
    static func truncate(_ s: String, _ width: Int) -> String {
        let flat = s.replacingNewlines
        guard Self.width(flat) > width else { return flat }
        var out = ""
        var w = 0
        for ch in flat {
            if w + ch.displayWidth > width - 1 { break }
            out.append(ch)
            w += ch.displayWidth
        }
        return out + "…"
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s + String(repeating: " ", count: max(0, width - Self.width(s)))
    }
}

extension String {
    /// Line breaks (in CSV titles) as spaces, for one-line display.
    /// Other control characters (ESC, BEL …) escaped: they come from the inputs.
    fileprivate var replacingNewlines: String {
        TerminalText.escape(String(map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 }))
    }
}

extension Grade {
    /// The grade as a person reads it: “不合格（红）”, in English “unsatisfactory (red)” (the
    /// rule file's `name_en`/`color_en`, or the usual English words).
    func shown(_ lang: Language) -> String {
        lang == .zh ? "\(name)（\(color)）" : "\(englishName) (\(englishColor))"
    }
}
