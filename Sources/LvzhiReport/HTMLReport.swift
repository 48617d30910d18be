import LvzhiCore
import LvzhiRules
import LvzhiScoring

/// The self-contained HTML report handed to the 主席会议: one file with inline CSS and SVG,
/// no external links, fonts or scripts, readable on screen and printed on A4.
///
/// Sections: 一 overview (header with the rule file's SHA-256, figures, the grade legend, a
/// score histogram with the grade thresholds), 二 the 五色图 (every member a coloured cell,
/// grouped by 界别, 专委会 or 职务 — switched with CSS-only radio buttons; print shows 界别),
/// 三 per-category averages by 界别, 四 the ranking (overall, per ranking scope, or each 界别's
/// top five), 五 the lists the office acts on, 六 the reconciliation of inputs, and the rule
/// file as the 考核细则 appendix (``RuleBook/renderHTML(_:lang:)``).
///
/// Everything taken from the inputs or the rule file is escaped (`Escape.html`; CSS strings
/// through ``Format/cssString(_:)``; colours re-derived from parsed hex digits). The output
/// depends only on the summary: no clock, no random ids, no hash-order iteration, and no
/// floating point in any number shown.
public enum HTMLReport {
    /// The report in memory. `memberPages` names the member pages written beside it: the
    /// folder `members/` (with the slash) or a combined file (`members-combined.html`); when
    /// given, names in the chart and the tables link to each member's page.
    public static func render(_ s: RunSummary, lang: Language, memberPages: String? = nil) -> ByteBuffer {
        var b = ByteBuffer(capacity: (1 << 16) + s.rows.count * 2048)
        render(s, lang: lang, memberPages: memberPages, into: &b)
        return b
    }

    /// The report appended to `buffer` (which may stream to a file).
    public static func render(_ s: RunSummary, lang: Language, memberPages: String? = nil, into buffer: inout ByteBuffer) {
        var w = HTMLWriter(summary: s, lang: lang, memberPages: memberPages, buffer: buffer)
        buffer = ByteBuffer()
        w.document()
        buffer = w.o
    }
}

/// Builds the page into one buffer, section by section.
struct HTMLWriter {
    let s: RunSummary
    let lang: Language
    let grades: [Grade]
    let styles: [GradeStyle]
    /// Where names link to, if member pages are written: `members/` (a folder of one file per
    /// member: `members/ID.html`) or a combined file (`members-combined.html#m-ID`).
    let memberPages: String?

    /// The escaped link to a member's page; nil when no member pages are written.
    func memberHref(_ id: String) -> String? {
        guard let memberPages else { return nil }
        if memberPages.hasSuffix("/") { return esc(memberPages + MemberPages.pageFileName(id)) }
        return esc(memberPages) + "#" + MemberPages.anchor(id)
    }

    /// The escaped link to the member pages' contents, and its label.
    var memberIndexHref: String? {
        guard let memberPages else { return nil }
        return esc(memberPages.hasSuffix("/") ? memberPages + MemberPages.indexName : memberPages)
    }
    var o: ByteBuffer

    init(summary: RunSummary, lang: Language, memberPages: String? = nil, buffer: ByteBuffer) {
        s = summary
        self.lang = lang
        grades = summary.displayGrades
        styles = grades.map(GradeStyle.init)
        self.memberPages = memberPages
        o = buffer
    }

    // MARK: - Output primitives

    /// Picks the label for the report's language.
    func t(_ zh: String, _ en: String) -> String { lang.pick(zh, en) }
    /// Markup written as is (never data).
    mutating func raw(_ text: String) { o.append(text) }
    /// Data from the inputs or the rule file, escaped.
    mutating func text(_ value: String) { o.append(Escape.html(value)) }
    func esc(_ value: String) -> String { Escape.html(value) }

    // MARK: - Shared derived values

    var memberCount: Int { s.rows.count }
    var rankedCount: Int { s.rows.reduce(0) { $0 + ($1.rank == nil ? 0 : 1) } }
    var title: String { s.run.rules.name + t(" 履职考核结果", " — duty-performance results") }

    /// The period as text: `2025-01-01 至 2025-12-31`.
    var periodText: String {
        let base = DisplayDate.period(s.run.period, lang)
        guard let full = s.run.fullPeriod else { return base }
        return base + t("（\(DisplayDate.period(full, lang))的阶段通报）", " (interim report for \(DisplayDate.period(full, lang)))")
    }

    /// The threshold of grade `i`: `≥ 80`, or for the last grade `< 30`.
    func threshold(_ i: Int) -> String {
        if let m = grades[i].min { return "≥ \(m)" }
        if i > 0, let prev = grades[i - 1].min { return "< \(prev)" }
        return t("全部", "all")
    }

    /// "绿 · 优秀"
    func gradeLabel(_ i: Int) -> String { "\(grades[i].color) · \(grades[i].name)" }

    var gradeTotal: Int { s.run.gradeCounts.reduce(0, +) }

    // MARK: - Document

    mutating func document() {
        let rules = s.run.rules
        raw("<!DOCTYPE html>\n<html lang=\"\(t("zh-CN", "en"))\">\n<head>\n<meta charset=\"utf-8\">\n")
        raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        raw("<meta name=\"generator\" content=\"lvzhi \(esc(s.toolVersion))\">\n")
        raw("<title>\(esc(title))</title>\n<style>\n")
        raw(HTMLWriter.css)
        gradeCSS()
        pageCSS()
        if s.previous != nil { raw(HTMLWriter.yearOverYearCSS) }
        raw("</style>\n</head>\n<body>\n<main class=\"doc\">\n")

        masthead()
        raw("<nav class=\"toc\" aria-label=\"\(t("目录", "Contents"))\">")
        raw("<a href=\"#overview\">\(t("一、总体情况", "1. Overview"))</a>")
        raw("<a href=\"#chart\">\(t("二、五色图", "2. Five-colour chart"))</a>")
        raw("<a href=\"#averages\">\(t("三、各界别分类平均分", "3. Averages by sector"))</a>")
        raw("<a href=\"#ranking\">\(t("四、得分排名", "4. Rankings"))</a>")
        raw("<a href=\"#lists\">\(t("五、需办理的名单", "5. Lists for follow-up"))</a>")
        raw("<a href=\"#recon\">\(t("六、数据核对", "6. Reconciliation"))</a>")
        if !s.run.corrections.isEmpty { raw("<a href=\"#corrections\">\(t("七、复核记录", "7. Corrections"))</a>") }
        if s.previous != nil { raw("<a href=\"#yoy\">\(yearOverYearHeading)</a>") }
        raw("<a href=\"#rules\">\(t("附录　考核细则", "Appendix: the rules"))</a>")
        raw("<a href=\"#provenance\">\(t("附注", "Note"))</a>")
        if let index = memberIndexHref {
            raw("<a href=\"\(index)\">\(t("委员个人明细", "Member ledgers"))</a>")
        }
        raw("</nav>\n")

        overview()
        chart()
        averages()
        ranking()
        actionLists()
        reconciliation()
        correctionsSection()
        if s.previous != nil { yearOverYear() }
        appendix()
        provenance()

        raw("<footer class=\"colophon\">")
        raw(t("本报告由 lvzhi ", "Generated by lvzhi "))
        text(s.toolVersion)
        raw(t(" 依据", " from the rule file "))
        raw("《")
        text(rules.name)
        raw("》（")
        text(rules.version)
        if !s.rulesHash.isEmpty {
            raw("，SHA-256 ")
            text(String(s.rulesHash.prefix(12)))
            raw("…")
        }
        raw(t("）生成于 ", ") at "))
        text(s.generatedAt)
        if let memberPages {
            raw(t("。分数按规则文件精确计算；每名委员逐条计分明细见同一目录下的 ", ". Scores are computed exactly as the rule file says; every member's line-by-line ledger is in "))
            text(memberPages)
            raw(t(" 和 ledger.csv，拒收记录见 rejects.csv。", " and ledger.csv and every rejected record in rejects.csv, in the same folder."))
        } else {
            raw(t("。分数按规则文件精确计算；每名委员逐条计分明细见同一目录下的 ledger.csv，拒收记录见 rejects.csv。",
                  ". Scores are computed exactly as the rule file says; every member's line-by-line ledger is in ledger.csv and every rejected record in rejects.csv, in the same folder."))
        }
        raw("</footer>\n</main>\n</body>\n</html>\n")
    }

    /// One class per grade: `.g0` solid cell, `.t0` tinted table cell, `.k0` swatch.
    mutating func gradeCSS() {
        for (i, st) in styles.enumerated() {
            raw(".g\(i){background:\(st.solid);color:\(st.onSolid)}")
            raw(".t\(i){background:\(st.tint)}")
            raw(".k\(i){background:\(st.solid)}")
            raw("svg .k\(i){fill:\(st.solid)}\n")
        }
    }

    /// Page boxes for print: running title, period and page numbers.
    mutating func pageCSS() {
        let head = Format.cssString(title)
        let period = Format.cssString(t("考核期间 ", "Period ") + periodText)
        let page = t("\"第 \" counter(page) \" 页 / 共 \" counter(pages) \" 页\"", "\"Page \" counter(page) \" of \" counter(pages)")
        raw("""
        @page{size:A4;margin:15mm 12mm 15mm 12mm;
        @top-left{content:"\(head)";font-size:7.5pt;color:#6b7280;vertical-align:bottom;padding-bottom:3mm}
        @top-right{content:"\(period)";font-size:7.5pt;color:#6b7280;vertical-align:bottom;padding-bottom:3mm}
        @bottom-right{content:\(page);font-size:7.5pt;color:#6b7280;vertical-align:top;padding-top:3mm}
        @bottom-left{content:"lvzhi \(Format.cssString(s.toolVersion))";font-size:7.5pt;color:#9ca3af;vertical-align:top;padding-top:3mm}}
        @page wide{size:A4 landscape;margin:13mm 10mm 13mm 10mm}

        """)
    }

    // MARK: - Header

    mutating func masthead() {
        let rules = s.run.rules
        raw("<header class=\"masthead\">\n")
        raw("<p class=\"kicker\">\(t("政协委员履职考核 · 五色图", "CPPCC members' duty-performance review · five-colour chart"))</p>\n")
        raw("<h1><span class=\"rs\">")
        text(rules.name)
        raw("</span><span class=\"ttl\">\(t("履职考核结果", "Duty-performance results"))</span></h1>\n")
        // People first: period, scheme, members, grading and the date; the technical
        // provenance (file, hash, versions) is in the 附注 at the end.
        raw("<dl class=\"meta\">")
        meta(t("考核期间", "Period"), esc(periodText))
        meta(t("考核办法", "Scheme"), "\(esc(rules.name)) <span class=\"ver\">\(t("版本", "version")) \(esc(rules.version))</span>")
        meta(t("委员人数", "Members"), t("\(memberCount) 人（参与排名 \(rankedCount) 人）", "\(memberCount) (\(rankedCount) ranked)"))
        meta(t("评定方式", "Grading"), esc(gradingText))
        meta(t("报告日期", "Date"), esc(DisplayDate.generated(s.generatedAt, lang)))
        meta(t("规则文件与版本", "Provenance"), "<a href=\"#provenance\">\(t("见附注", "see the note at the end"))</a>")
        raw("</dl>\n")
        if !s.run.notices.isEmpty {
            // Only when there is something to say (no history for history conditions, an as-of run …).
            // Styled inline so that reports without notices keep their stylesheet byte for byte.
            raw("<ul class=\"notices\" style=\"margin:10px 0 0;padding:8px 12px 8px 28px;background:#fff7e6;border:1px solid #f0d9a8;border-radius:4px;font-size:12.5px\">")
            for n in s.run.notices { raw("<li>"); text(n.message(lang)); raw("</li>") }
            raw("</ul>\n")
        }
        raw("</header>\n")
    }

    /// 附注: the rule file (path, SHA-256, the file it extends), the versions, the exact run
    /// time, and where the input files are listed.
    mutating func provenance() {
        let rules = s.run.rules
        raw("<section class=\"provenance\" id=\"provenance\">\n<h2>\(t("附注　规则文件与数据来源", "Note: rule file and sources"))</h2>\n<dl class=\"meta\">")
        meta(t("规则文件", "Rule file"), "<code>\(esc(rules.path))</code>", wide: true)
        var hash = s.rulesHash.isEmpty ? t("（无法读取规则文件）", "(rule file unreadable)") : "<code class=\"hash\">\(esc(s.rulesHash))</code>"
        if let base = rules.extends {
            let h = s.extendsHash.map { $0.isEmpty ? t("（无法读取）", "(unreadable)") : "<code class=\"hash\">\(esc($0))</code>" } ?? ""
            hash += "<span class=\"base\">\(t("基础规则", "extends")) <code>\(esc(base))</code> \(h)</span>"
        }
        meta(t("规则文件 SHA-256", "Rule file SHA-256"), hash, wide: true)
        meta(t("规则版本", "Rule-set version"), esc(rules.version))
        meta(t("生成时间", "Run at"), esc(s.generatedAt))
        meta(t("lvzhi 版本", "lvzhi version"), esc(s.toolVersion))
        let inputs = s.run.files.map { "<code>\(esc($0.path))</code>" }.joined(separator: t("、", ", "))
        meta(t("输入文件", "Input files"), inputs.isEmpty ? "—" : inputs + t("（各文件的条数见“六、数据核对”）", " (counts in 6. Reconciliation)"), wide: true)
        raw("</dl>\n</section>\n")
    }

    private mutating func meta(_ key: String, _ valueHTML: String, wide: Bool = false) {
        raw("<div\(wide ? " class=\"wide\"" : "")><dt>\(key)</dt><dd>\(valueHTML)</dd></div>")
    }

    /// “按分数线评定，全体委员统一排名” / “按名额评定，按职务分组排名”.
    var gradingText: String {
        let how = s.run.rules.usesQuotas ? t("按名额评定", "by quota") : t("按分数线评定", "by score bands")
        let scope = s.run.rules.grading.scope
        let within = scope == .all ? t("全体委员统一排名", "one ranking for all members")
            : t("按\(scopeName(scope))分组排名", "ranked within each \(scopeName(scope))")
        return how + t("，", ", ") + within
    }

    /// 界别, 专委会, 职务, 活动组, 专委会和职务 (or the English words).
    func scopeName(_ scope: RankScope) -> String { scope.name(lang) }

    // MARK: - 一、总体情况

    mutating func overview() {
        let run = s.run
        raw("<section class=\"overview\" id=\"overview\">\n<h2>\(t("一、总体情况", "1. Overview"))</h2>\n")

        // Headline figures.
        raw("<div class=\"stats\">")
        stat(t("委员", "Members"), String(memberCount), t("参与排名 \(rankedCount) 人", "\(rankedCount) ranked"))
        stat(t("计分记录", "Records scored"), String(run.recordsScored),
             t("其中无适用规则 \(run.recordsUnmatched) 条", "\(run.recordsUnmatched) matched no rule"))
        stat(t("拒收记录", "Records rejected"), String(run.rejects.count),
             run.rejects.isEmpty ? t("无", "none") : t("明细见 rejects.csv", "see rejects.csv"), warn: !run.rejects.isEmpty)
        if !s.rows.isEmpty {
            let scores = s.rows.map(\.score)
            let hi = scores.max()!, lo = scores.min()!
            var sum = Points.zero
            for p in scores { sum += p }
            let mean = Format.rounded(sum.divided(by: scores.count), decimals: 2)
            let sorted = scores.sorted()
            let n = sorted.count
            let median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]).divided(by: 2)
            stat(t("最高分", "Highest"), hi.description, "")
            stat(t("平均分", "Mean"), mean.description, t("中位数 \(Format.rounded(median, decimals: 2))", "median \(Format.rounded(median, decimals: 2))"))
            stat(t("最低分", "Lowest"), lo.description, "")
        }
        raw("</div>\n")

        raw("<div class=\"split\">\n<div class=\"split-a\">\n<h3>\(t("等次分布", "Grades"))</h3>\n")
        legendTable()
        raw("</div>\n<div class=\"split-b\">\n<h3>\(t("总分分布", "Score distribution"))</h3>\n")
        histogram()
        raw("</div>\n</div>\n</section>\n")
    }

    private mutating func stat(_ key: String, _ value: String, _ sub: String, warn: Bool = false) {
        raw("<div class=\"stat\(warn ? " warn" : "")\"><div class=\"k\">\(key)</div><div class=\"v\">\(esc(value))</div>")
        if !sub.isEmpty { raw("<div class=\"sub\">\(esc(sub))</div>") }
        raw("</div>")
    }

    /// The full legend: swatch, colour, grade, threshold, count, share (with a share bar).
    mutating func legendTable() {
        let total = gradeTotal
        raw("<table class=\"legend\">\n<thead><tr><th>\(t("颜色", "Colour"))</th><th>\(t("等次", "Grade"))</th>")
        raw("<th class=\"r\">\(t("分数线", "Threshold"))</th><th class=\"r\">\(t("人数", "Members"))</th><th class=\"r\">\(t("占比", "Share"))</th><th class=\"barcol\"></th></tr></thead>\n<tbody>\n")
        for (i, g) in grades.enumerated() {
            let n = i < s.run.gradeCounts.count ? s.run.gradeCounts[i] : 0
            let share = Format.percent(n, of: total)
            raw("<tr><td class=\"col\"><span class=\"sw k\(i)\"></span>")
            text(g.color)
            raw("</td><td class=\"gname\">")
            text(g.name)
            raw("</td><td class=\"r\">")
            text(threshold(i))
            raw("</td><td class=\"r\">\(n)</td><td class=\"r\">\(share)</td>")
            raw("<td class=\"barcol\">")
            if n > 0 { raw("<span class=\"bar k\(i)\" style=\"width:\(share)\"></span>") }
            raw("</td></tr>\n")
        }
        raw("<tr class=\"total\"><td colspan=\"3\">\(t("合计", "Total"))</td><td class=\"r\">\(total)</td><td class=\"r\">\(total > 0 ? "100.0%" : "0.0%")</td><td></td></tr>\n")
        raw("</tbody>\n</table>\n")
        if s.rows.contains(where: { !$0.vetoReasons.isEmpty }) {
            raw("<p class=\"note\">\(t("※ 有否决事项的委员按否决规定定等，不受分数线限制。", "※ Members with a veto are graded by the veto, whatever their score."))</p>\n")
        }
    }
}
