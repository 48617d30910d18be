import LvzhiCore
import LvzhiScoring

/// 七、年度对比 and the year-over-year columns, shown only when the summary carries last
/// period's results (``RunSummary/previous``).
extension HTMLWriter {
    static let yearOverYearCSS = """
    .up{color:var(--ok)}.down{color:var(--bad)}
    table.plain.yoy{width:auto;min-width:420px}
    table.yoy td.diag{font-weight:700;background:var(--soft)}
    table.yoy td.z{color:var(--faint)}

    """

    /// The index of this scheme's grade named `name`, if any (for its colour swatch).
    func gradeIndex(named name: String) -> Int? { grades.firstIndex { $0.name == name } }

    /// 上年等次 and 分数变化 cells of the ranking table.
    mutating func previousCells(_ row: RunSummary.Row) {
        guard let p = row.previous else {
            raw("<td class=\"muted\">\(t("（无）", "(none)"))</td><td class=\"r\">—</td>")
            return
        }
        raw("<td class=\"gd\">")
        if let gi = gradeIndex(named: p.grade.name) { raw("<span class=\"sw k\(gi)\"></span>") }
        text(p.grade.name)
        raw("</td>")
        let d = row.scoreChange ?? .zero
        raw("<td class=\"r\(d > .zero ? " up" : d < .zero ? " down" : "")\">")
        text(d > .zero ? "+\(d)" : d.description)
        raw("</td>")
    }

    /// “2024 年 不合格 40；前年 不合格”.
    func previousText(_ row: RunSummary.Row) -> String {
        guard let p = row.previous else { return "" }
        var s = "\(p.period) \(p.grade.name) \(p.score)"
        if let b = p.gradeBefore { s += self.s.previousIsYear ? t("；前年 \(b.name)", "; the year before: \(b.name)") : t("；前期 \(b.name)", "; the period before: \(b.name)") }
        return s
    }

    // MARK: - 七（或八）、年度对比

    /// Section 七 of the report, or 八 when the 复核 section takes 七.
    var yearOverYearHeading: String {
        let n = s.run.corrections.isEmpty ? ("七", "7") : ("八", "8")
        return s.previousIsYear ? t("\(n.0)、年度对比", "\(n.1). Year over year")
            : t("\(n.0)、与上期对比", "\(n.1). Compared with the previous period")
    }

    mutating func yearOverYear() {
        guard let previous = s.previous, let c = s.yearOverYear else { return }
        raw("<section class=\"yoy\" id=\"yoy\">\n<h2>\(yearOverYearHeading)</h2>\n")
        let without = s.rows.filter { $0.previous == nil }.count
        raw("<p class=\"lead\">")
        text(t("与\(previous.label)的结果对比：两期都有的委员 \(c.pairs.count) 人，其中等次变化 \(c.changed.count) 人、总分上升 \(c.scoreUp) 人、下降 \(c.scoreDown) 人；本期新增（上期无结果）\(without) 人，上期有而本期没有 \(c.onlyOld.count) 人。",
               "Compared with \(previous.label): \(c.pairs.count) members in both periods, \(c.changed.count) changed grade, \(c.scoreUp) scored higher and \(c.scoreDown) lower; \(without) are new this period and \(c.onlyOld.count) were only in the previous one."))
        raw("</p>\n")

        raw("<h3>\(t("（一）等次变化", "7.1 Grade transitions"))</h3>\n")
        raw("<p class=\"note\">\(t("行为上期等次，列为本期等次；只计两期都有的委员。", "Rows: last period's grade; columns: this period's; members in both periods only."))</p>\n")
        raw("<table class=\"plain yoy\">\n<thead><tr><th>\(t("上期＼本期", "last \\ this"))</th>")
        for g in c.newGrades {
            raw("<th class=\"r\">")
            if let gi = gradeIndex(named: g.name) { raw("<span class=\"sw k\(gi)\"></span>") }
            text(g.name)
            raw("</th>")
        }
        raw("<th class=\"r\">\(t("合计", "Total"))</th></tr></thead>\n<tbody>\n")
        for (i, g) in c.oldGrades.enumerated() {
            raw("<tr><td>")
            if let gi = gradeIndex(named: g.name) { raw("<span class=\"sw k\(gi)\"></span>") }
            text(g.name)
            raw("</td>")
            for (j, n) in c.matrix[i].enumerated() {
                let diag = c.newGrades[j].name == g.name
                raw("<td class=\"r\(diag ? " diag" : "")\(n == 0 ? " z" : "")\">\(n)</td>")
            }
            raw("<td class=\"r\">\(c.matrix[i].reduce(0, +))</td></tr>\n")
        }
        raw("<tr class=\"total\"><td>\(t("合计", "Total"))</td>")
        for j in c.newGrades.indices { raw("<td class=\"r\">\(c.matrix.reduce(0) { $0 + $1[j] })</td>") }
        raw("<td class=\"r\">\(c.pairs.count)</td></tr>\n</tbody>\n</table>\n")

        raw("<h3>\(t("（二）各等次人数", "7.2 Members per grade"))</h3>\n")
        raw("<table class=\"plain yoy\">\n<thead><tr><th>\(t("等次", "Grade"))</th><th class=\"r\">")
        text(previous.label)
        raw("</th><th class=\"r\">\(t("本期", "This period"))</th><th class=\"r\">\(t("变化", "Change"))</th></tr></thead>\n<tbody>\n")
        for row in DiffReport.gradeCountRows(c) {
            let d = (row.new ?? 0) - (row.old ?? 0)
            raw("<tr><td>")
            text(row.label)
            raw("</td><td class=\"r\">\(row.old.map(String.init) ?? "—")</td><td class=\"r\">\(row.new.map(String.init) ?? "—")</td>")
            raw("<td class=\"r\(d > 0 ? " up" : d < 0 ? " down" : "")\">\(DiffReport.signed(d))</td></tr>\n")
        }
        raw("</tbody>\n</table>\n</section>\n")
    }
}
