import LvzhiCore
import LvzhiIngest
import LvzhiScoring

/// Writes `scores.csv` (UTF-8 with BOM for Excel/WPS) and `rejects.csv`.
public enum ScoresCSV {
    public static func render(_ s: RunSummary, lang: Language) -> ByteBuffer {
        var w = CSVWriter(bom: true)
        let rules = s.run.rules
        var header = lang == .zh
            ? ["委员编号", "姓名", "界别", "专委会", "职务", "总分", "排名", "等次", "颜色"]
            : ["member_id", "name", "sector", "committee", "role", "score", "rank", "grade", "color"]
        header += rules.categories.map { lang == .zh ? $0.name : $0.id }
        header += lang == .zh ? ["否决事项", "期间内任职变动", "记录数"] : ["vetoes", "partial_period", "records"]
        w.row(header)
        for r in s.rows {
            w.text(r.member.id); w.text(r.member.name); w.text(r.member.sector); w.text(r.member.committee); w.text(r.member.role)
            w.number(r.score.description)
            w.number(r.rank.map(String.init) ?? "")
            w.text(r.grade.name); w.text(r.grade.color)
            for p in r.categoryPoints { w.number(p.description) }
            w.text(r.vetoReasons.joined(separator: "；"))
            w.text(r.partialPeriod ? lang.pick("是", "yes") : "")
            w.number(String(r.records))
            w.endRow()
        }
        return w.buffer
    }

    public static func renderRejects(_ rejects: [Reject], lang: Language) -> ByteBuffer {
        var w = CSVWriter(bom: true)
        w.row(lang == .zh ? ["文件", "行", "记录编号", "委员编号", "字段", "值", "原因代码", "原因"]
                          : ["file", "line", "activity_id", "member_id", "field", "value", "code", "reason"])
        let sorted = rejects.sorted { a, b in
            a.location.file != b.location.file ? a.location.file < b.location.file : a.location.line < b.location.line
        }
        for r in sorted {
            w.text(r.location.file); w.number(String(r.location.line)); w.text(r.recordID); w.text(r.memberID)
            w.text(r.field); w.text(r.value); w.text(r.reason.code); w.text(r.reason.message(lang))
            w.endRow()
        }
        return w.buffer
    }
}
