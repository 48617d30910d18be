import LvzhiCore
import LvzhiScoring

extension HTMLWriter {
    // MARK: - 七、复核记录

    /// The corrections applied to the inputs (复核): written only when there are some.
    mutating func correctionsSection() {
        let run = s.run
        guard !run.corrections.isEmpty else { return }
        var rowOf: [String: RunSummary.Row] = [:]
        for row in s.rows { rowOf[row.member.id] = row }
        raw("<section class=\"corr\" id=\"corrections\">\n<h2>\(t("七、复核记录", "7. Corrections"))</h2>\n")
        let counts = Correction.Action.allCases.map { a in (a, run.corrections.filter { $0.action == a }.count) }.filter { $0.1 > 0 }
        raw("<p>")
        text(t("对导出数据作了 \(run.corrections.count) 处复核（", "\(run.corrections.count) corrections were applied to the exports ("))
        text(counts.map { "\($0.0.label(lang)) \($0.1)" }.joined(separator: t("、", ", ")))
        text(t("），均已计入得分；每处都写明理由和批准人，并在委员个人明细和 ledger.csv 的相应记录上注明。得分和等次列出该委员不计全部复核时和计入后的结果。",
               "), all reflected in the scores; each names its reason and approver and is marked on the record in the member ledgers and ledger.csv. The score and grade columns show the member's result without and with all corrections."))
        raw("</p>\n")
        raw("<table class=\"plain\">\n<thead><tr><th>\(t("编号", "No."))</th><th>\(t("操作", "Action"))</th><th>\(t("记录编号", "Record"))</th>")
        raw("<th>\(t("委员", "Member"))</th><th>\(t("内容（修改前→修改后）", "Change (before → after)"))</th><th>\(t("理由", "Reason"))</th>")
        raw("<th>\(t("批准人", "Approved by"))</th><th class=\"r\">\(t("得分（复核前→后）", "Score (before → after)"))</th><th>\(t("等次（复核前→后）", "Grade (before → after)"))</th></tr></thead>\n<tbody>\n")
        for c in run.corrections {
            raw("<tr><td class=\"id\">")
            text(c.tag(lang))
            raw("</td><td class=\"gd\">")
            text(c.action.label(lang))
            raw("</td><td class=\"code\">")
            text(c.recordID)
            raw("</td><td class=\"nm\">")
            if let row = rowOf[c.memberID] {
                memberName(row.member)
                raw(" <span class=\"id\">")
                text(c.memberID)
                raw("</span>")
            } else {
                text(c.memberID)
            }
            raw("</td><td>")
            text(changeText(c))
            raw("<br><small class=\"path\">")
            text(c.source.description)
            raw("</small>")
            // Inline widths (not in the shared stylesheet, which every report carries): reasons
            // and approvers stay readable on an A4 page instead of one character per line.
            raw("</td><td style=\"min-width:12em\">")
            text(c.reason)
            raw("</td><td style=\"min-width:8em\">")
            text(c.approvedBy)
            let extra = [c.approvedOn?.description, c.ticket].compactMap { $0 }
            if !extra.isEmpty {
                raw("<br><small>")
                text(extra.joined(separator: " · "))
                raw("</small>")
            }
            raw("</td>")
            if let row = rowOf[c.memberID] {
                let before = run.uncorrected[c.memberID]
                raw("<td class=\"r\">")
                if let before, before.score != row.score { raw("\(before.score) → ") }
                raw("<b>\(row.score)</b></td><td class=\"gd\">")
                if let before, before.grade != row.gradeIndex {
                    raw("<span class=\"sw k\(before.grade)\"></span>")
                    text(grades[before.grade].name)
                    raw(" → ")
                }
                raw("<span class=\"sw k\(row.gradeIndex)\"></span>")
                text(row.grade.name)
                raw("</td>")
            } else {
                raw("<td class=\"r\">—</td><td>—</td>")
            }
            raw("</tr>\n")
        }
        raw("</tbody>\n</table>\n")
        let note = t("复核删除的记录不计分，也不列入 rejects.csv；补录的记录以复核文件的行号为来源；修改后的记录与其他记录一样重新校验。",
                     "Removed records are neither scored nor listed in rejects.csv; added records cite the corrections file's line as their source; amended records were checked again like any other.")
        raw("<p class=\"note\">\(note)</p>\n")
        raw("</section>\n")
    }

    /// "状态: 提交→立案；标记: （空）→重点" for amendments; the record for additions and removals.
    func changeText(_ c: AppliedCorrection) -> String {
        switch c.action {
        case .amend:
            return c.changes.map { "\($0.field.label(lang)): \(AppliedCorrection.shown($0.before, lang))→\(AppliedCorrection.shown($0.after, lang))" }
                .joined(separator: t("；", "; "))
        case .add, .remove:
            var d = c.detail(lang)
            if let o = c.original { d += t("（原记录 \(o)）", " (was \(o))") }
            return d
        }
    }
}
