import LvzhiCore
import LvzhiRules
import LvzhiScoring

extension DiffReport {
    /// The comparison as one self-contained HTML page (the report's style sheet inline; no
    /// scripts, fonts or links). Everything from the inputs is escaped; grade colours are the
    /// normalised hex digits of the rule files (grey when unreadable).
    public static func html(_ c: ResultComparison, lang: Language, generatedAt: String, toolVersion: String) -> String {
        var h = ""
        func t(_ zh: String, _ en: String) -> String { lang.pick(zh, en) }
        func e(_ s: String) -> String { Escape.html(s) }
        func swatch(_ g: ResultSet.GradeInfo) -> String {
            let st = GradeStyle(Grade(name: g.name, color: g.color, hex: g.hex, min: nil))
            return "<span class=\"sw\" style=\"background:\(st.solid)\"></span>"
        }
        func gradeCell(_ name: String, _ color: String, _ grades: [ResultSet.GradeInfo]) -> String {
            let g = grades.first { $0.name == name } ?? ResultSet.GradeInfo(name: name, color: color)
            return swatch(g) + e("\(color) \(name)")
        }
        let title = t("考核结果对比", "Results comparison")
        h += "<!DOCTYPE html>\n<html lang=\"\(t("zh-CN", "en"))\">\n<head>\n<meta charset=\"utf-8\">\n"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        h += "<meta name=\"generator\" content=\"lvzhi \(e(toolVersion))\">\n<title>\(e(title))</title>\n<style>\n"
        h += HTMLWriter.css
        h += """
        .diff td,.diff th{padding:4px 9px;border-bottom:1px solid var(--rule);font-size:13px}
        .diff th{font-size:12px;color:var(--muted);text-align:left;border-bottom:1px solid var(--ink)}
        .diff th.r{text-align:right}
        .diff td.diag{font-weight:700;background:var(--soft)}
        .diff td.z{color:var(--faint)}
        .diff tr.total td{font-weight:700;border-top:1px solid var(--ink)}
        .up{color:var(--ok)}.down{color:var(--bad)}
        .chg td{white-space:nowrap}.chg td.lc{white-space:normal}
        .lines{margin:2px 0 0;padding:0;list-style:none;font-size:12px;color:var(--muted)}
        .lines li{margin:1px 0}
        .bars span{display:inline-block;height:8px;border-radius:2px;vertical-align:middle}
        .bars .o{background:#9aa3ae}.bars .n{background:#9f1d20}

        """
        h += "</style>\n</head>\n<body>\n<main class=\"doc\">\n<header class=\"masthead\">\n"
        h += "<p class=\"kicker\">\(t("政协委员履职考核 · 规则与结果对比", "CPPCC members' duty-performance review · comparison"))</p>\n"
        h += "<h1><span class=\"ttl\">\(e(title))</span></h1>\n<dl class=\"meta\">"
        h += "<div class=\"wide\"><dt>\(t("旧", "Old"))</dt><dd>\(e(c.oldLabel))</dd></div>"
        h += "<div><dt>\(t("生成时间", "Run at"))</dt><dd>\(e(generatedAt))</dd></div>"
        h += "<div class=\"wide\"><dt>\(t("新", "New"))</dt><dd>\(e(c.newLabel))</dd></div>"
        h += "<div><dt>\(t("lvzhi 版本", "lvzhi version"))</dt><dd>\(e(toolVersion))</dd></div>"
        h += "</dl>\n</header>\n"

        let same = c.pairs.count - c.scoreChanged
        h += "<section id=\"overview\">\n<h2>\(t("一、概况", "1. Overview"))</h2>\n<div class=\"stats\">"
        func stat(_ k: String, _ v: Int, _ sub: String = "", warn: Bool = false) {
            h += "<div class=\"stat\(warn ? " warn" : "")\"><div class=\"k\">\(k)</div><div class=\"v\">\(v)</div>"
            if !sub.isEmpty { h += "<div class=\"sub\">\(sub)</div>" }
            h += "</div>"
        }
        stat(t("两边都有的委员", "On both sides"), c.pairs.count, t("仅旧 \(c.onlyOld.count) 人，仅新 \(c.onlyNew.count) 人", "\(c.onlyOld.count) old only, \(c.onlyNew.count) new only"))
        stat(t("等次或颜色变化", "Grade or colour changed"), c.changed.count, warn: !c.changed.isEmpty)
        stat(t("总分上升", "Score up"), c.scoreUp)
        stat(t("总分下降", "Score down"), c.scoreDown)
        stat(t("总分不变", "Unchanged"), same)
        if let a = c.oldRejected, let b = c.newRejected {
            stat(t("拒收记录（新）", "Rejected (new)"), b, t("旧 \(a) 条", "old: \(a)"), warn: a != b)
        }
        h += "</div>\n</section>\n"

        h += "<section id=\"matrix\">\n<h2>\(t("二、等次变化", "2. Grade transitions"))</h2>\n"
        h += "<p class=\"lead\">\(t("行为旧等次，列为新等次；只计两边都有的委员。对角线（等次名称相同）为未变化的人数。", "Rows: old grade; columns: new grade; members on both sides only. Cells where the names match are unchanged."))</p>\n"
        h += "<table class=\"diff\">\n<thead><tr><th>\(t("旧＼新", "old \\ new"))</th>"
        for g in c.newGrades { h += "<th class=\"r\">\(swatch(g))\(e(g.name))</th>" }
        h += "<th class=\"r\">\(t("合计", "Total"))</th></tr></thead>\n<tbody>\n"
        for (i, g) in c.oldGrades.enumerated() {
            h += "<tr><th>\(swatch(g))\(e(g.color)) \(e(g.name))</th>"
            for (j, n) in c.matrix[i].enumerated() {
                let diag = c.newGrades[j].name == g.name
                h += "<td class=\"r\(diag ? " diag" : "")\(n == 0 ? " z" : "")\">\(n)</td>"
            }
            h += "<td class=\"r\">\(c.matrix[i].reduce(0, +))</td></tr>\n"
        }
        h += "<tr class=\"total\"><td>\(t("合计", "Total"))</td>"
        for j in c.newGrades.indices { h += "<td class=\"r\">\(c.matrix.reduce(0) { $0 + $1[j] })</td>" }
        h += "<td class=\"r\">\(c.pairs.count)</td></tr>\n</tbody>\n</table>\n"

        h += "<h3>\(t("各等次人数", "Members per grade"))</h3>\n<table class=\"diff\">\n<thead><tr><th>\(t("等次", "Grade"))</th>"
        h += "<th class=\"r\">\(t("旧", "Old"))</th><th class=\"r\">\(t("新", "New"))</th><th class=\"r\">\(t("变化", "Change"))</th></tr></thead>\n<tbody>\n"
        for row in gradeCountRows(c) {
            let d = (row.new ?? 0) - (row.old ?? 0)
            let sw = swatch(ResultSet.GradeInfo(name: "", color: "", hex: row.hex))
            h += "<tr><td>\(sw)\(e(row.label))</td><td class=\"r\">\(row.old.map(String.init) ?? "—")</td>"
            h += "<td class=\"r\">\(row.new.map(String.init) ?? "—")</td><td class=\"r\(d > 0 ? " up" : d < 0 ? " down" : "")\">\(signed(d))</td></tr>\n"
        }
        h += "</tbody>\n</table>\n</section>\n"

        h += "<section id=\"changed\">\n<h2>\(t("三、等次或颜色变化的委员（\(c.changed.count) 人）", "3. Members whose grade or colour changes (\(c.changed.count))"))</h2>\n"
        if c.changed.isEmpty {
            h += "<p class=\"empty\">\(t("没有委员的等次或颜色发生变化。", "No member changes grade or colour."))</p>\n"
        } else {
            if !c.hasLedgers {
                h += "<p class=\"lead\">\(t("两次结果均无计分明细，只列分数和等次。", "Neither side carries ledgers: scores and grades only."))</p>\n"
            }
            h += "<table class=\"diff chg\">\n<thead><tr><th>\(t("委员编号", "ID"))</th><th>\(t("姓名", "Name"))</th><th>\(t("界别", "Sector"))</th>"
            h += "<th>\(t("旧等次", "Old grade"))</th><th class=\"r\">\(t("旧总分", "Old score"))</th><th>\(t("新等次", "New grade"))</th>"
            h += "<th class=\"r\">\(t("新总分", "New score"))</th><th class=\"r\">\(t("变化", "Change"))</th>"
            if c.hasLedgers { h += "<th>\(t("变化的计分明细", "Ledger lines that changed"))</th>" }
            h += "</tr></thead>\n<tbody>\n"
            for p in c.changed {
                h += "<tr><td>\(e(p.id))</td><td>\(e(p.new.name))</td><td>\(e(p.new.sector))</td>"
                h += "<td>\(gradeCell(p.old.gradeName, p.old.gradeColor, c.oldGrades))</td><td class=\"r\">\(p.old.score)</td>"
                h += "<td>\(gradeCell(p.new.gradeName, p.new.gradeColor, c.newGrades))</td><td class=\"r\">\(p.new.score)</td>"
                h += "<td class=\"r\(p.delta > .zero ? " up" : p.delta < .zero ? " down" : "")\">\(signed(p.delta))</td>"
                if c.hasLedgers {
                    h += "<td class=\"lc\"><ul class=\"lines\">"
                    if p.ledgerChanges.isEmpty { h += "<li>\(t("计分明细无变化（分数线或名额变化所致）", "no ledger line changed (a threshold or quota moved)"))</li>" }
                    for l in p.ledgerChanges { h += "<li>\(e(lineText(l, lang: lang)))</li>" }
                    h += "</ul></td>"
                }
                h += "</tr>\n"
            }
            h += "</tbody>\n</table>\n"
        }
        h += "</section>\n"

        h += "<section id=\"distribution\">\n<h2>\(t("四、总分分布", "4. Score distribution"))</h2>\n"
        h += "<p class=\"lead\">\(t("每组 \(c.bucketWidth) 分，含下限不含上限；灰条为旧，红条为新。", "Bins of \(c.bucketWidth) points, lower bound included; grey bars old, red bars new."))</p>\n"
        let peak = max(1, c.buckets.map { max($0.old, $0.new) }.max() ?? 1)
        h += "<table class=\"diff\">\n<thead><tr><th>\(t("分数段", "Scores"))</th><th class=\"r\">\(t("旧", "Old"))</th><th class=\"r\">\(t("新", "New"))</th>"
        h += "<th class=\"r\">\(t("变化", "Change"))</th><th style=\"width:40%\"></th></tr></thead>\n<tbody>\n"
        for b in c.buckets {
            let d = b.new - b.old
            h += "<tr><td>[\(b.lower), \(b.upper))</td><td class=\"r\">\(b.old)</td><td class=\"r\">\(b.new)</td>"
            h += "<td class=\"r\(d > 0 ? " up" : d < 0 ? " down" : "")\">\(signed(d))</td><td class=\"bars\">"
            h += "<span class=\"o\" style=\"width:\(b.old * 100 / peak)%\"></span><br><span class=\"n\" style=\"width:\(b.new * 100 / peak)%\"></span></td></tr>\n"
        }
        h += "</tbody>\n</table>\n</section>\n"

        if !c.onlyOld.isEmpty || !c.onlyNew.isEmpty {
            h += "<section id=\"one-side\">\n<h2>\(t("五、只在一边的委员", "5. Members on one side only"))</h2>\n"
            h += "<table class=\"diff\">\n<thead><tr><th></th><th>\(t("委员编号", "ID"))</th><th>\(t("姓名", "Name"))</th><th>\(t("界别", "Sector"))</th>"
            h += "<th class=\"r\">\(t("总分", "Score"))</th><th>\(t("等次", "Grade"))</th></tr></thead>\n<tbody>\n"
            for (side, list, grades) in [(t("仅旧", "old only"), c.onlyOld, c.oldGrades), (t("仅新", "new only"), c.onlyNew, c.newGrades)] {
                for m in list {
                    h += "<tr><td>\(side)</td><td>\(e(m.id))</td><td>\(e(m.name))</td><td>\(e(m.sector))</td>"
                    h += "<td class=\"r\">\(m.score)</td><td>\(gradeCell(m.gradeName, m.gradeColor, grades))</td></tr>\n"
                }
            }
            h += "</tbody>\n</table>\n</section>\n"
        }
        h += "<footer class=\"colophon\">\(t("本页由 lvzhi ", "Generated by lvzhi "))\(e(toolVersion))\(t(" 生成于 ", " at "))\(e(generatedAt))\(t("。分数均为精确计算。", ". All figures are exact."))</footer>\n"
        h += "</main>\n</body>\n</html>\n"
        return h
    }
}
