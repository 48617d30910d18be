import LvzhiCore
import LvzhiIngest
import LvzhiRules
import LvzhiScoring

/// Writes `scores.json`: the run's metadata, then a `members` array (rank order) with each
/// member's score, rank, grade, colour and category points. The ledger lines behind each
/// score are in `ledger.csv`.
public enum ScoresJSON {
    public static func render(_ s: RunSummary, lang: Language) -> ByteBuffer {
        var o = ByteBuffer()
        render(s, lang: lang, into: &o)
        return o
    }

    public static func render(_ s: RunSummary, lang: Language, into o: inout ByteBuffer) {
        let run = s.run
        let rules = run.rules
        func key(_ k: String) { Escape.json(k, into: &o); o.append(0x3A) }
        func str(_ v: String) { Escape.json(v, into: &o) }
        func optPoints(_ p: Points?) { o.append(p.map(\.description) ?? "null") }

        o.append("{\n")
        key("format"); o.append("\"lvzhi-scores/1\",\n")
        key("lvzhi_version"); str(s.toolVersion); o.append(",\n")
        key("generated_at"); str(s.generatedAt); o.append(",\n")
        key("rules"); o.append("{")
        key("name"); str(rules.name); o.append(",")
        key("version"); str(rules.version); o.append(",")
        key("file"); str(rules.path); o.append("},\n")
        key("period"); o.append("{")
        key("start"); str(run.period.start.description); o.append(",")
        key("end"); str(run.period.end.description); o.append("},\n")

        key("categories"); o.append("[")
        for (i, c) in rules.categories.enumerated() {
            if i > 0 { o.append(",") }
            o.append("\n  {"); key("id"); str(c.id); o.append(","); key("name"); str(c.name); o.append(",")
            key("cap"); optPoints(c.cap); o.append(","); key("floor"); optPoints(c.floor); o.append("}")
        }
        o.append("\n],\n")

        key("grades"); o.append("[")
        for (i, g) in rules.grades.enumerated() {
            if i > 0 { o.append(",") }
            o.append("\n  {"); key("name"); str(g.name); o.append(","); key("color"); str(g.color); o.append(",")
            key("hex"); str(g.hex); o.append(","); key("min"); optPoints(g.min); o.append(",")
            key("count"); o.append(String(run.gradeCounts[i])); o.append("}")
        }
        o.append("\n],\n")

        key("summary"); o.append("{")
        key("members"); o.append(String(run.members.count)); o.append(",")
        key("ranked"); o.append(String(s.rows.filter { $0.rank != nil }.count)); o.append(",")
        key("records_read"); o.append(String(s.recordsRead)); o.append(",")
        key("records_scored"); o.append(String(run.recordsScored)); o.append(",")
        key("records_unmatched"); o.append(String(run.recordsUnmatched)); o.append(",")
        key("records_rejected"); o.append(String(run.rejects.count)); o.append(",")
        key("rejected_by_reason"); o.append("{")
        for (i, r) in s.rejectsByReason.enumerated() {
            if i > 0 { o.append(",") }
            key(r.code); o.append(String(r.count))
        }
        o.append("}},\n")

        key("files"); o.append("[")
        for (i, f) in run.files.enumerated() {
            if i > 0 { o.append(",") }
            o.append("\n  {"); key("path"); str(f.path); o.append(","); key("format"); str(f.format); o.append(",")
            if let sheet = f.sheet { key("sheet"); str(sheet); o.append(",") }
            key("read"); o.append(String(f.read)); o.append(","); key("accepted"); o.append(String(f.accepted)); o.append(",")
            key("rejected"); o.append(String(f.rejected)); o.append("}")
        }
        o.append("\n],\n")

        key("ledger_file"); str("ledger.csv"); o.append(",\n")
        key("members"); o.append("[")
        for (i, row) in s.rows.enumerated() {
            let m = row.member
            let result = run.results[row.resultIndex]
            if i > 0 { o.append(",") }
            o.append("\n{")
            key("member_id"); str(m.id); o.append(",")
            key("name"); str(m.name); o.append(",")
            key("sector"); str(m.sector); o.append(",")
            key("committee"); str(m.committee); o.append(",")
            key("role"); str(m.role); o.append(",")
            key("score"); o.append(row.score.description); o.append(",")
            key("rank"); o.append(row.rank.map(String.init) ?? "null"); o.append(",")
            key("grade"); str(row.grade.name); o.append(",")
            key("color"); str(row.grade.color); o.append(",")
            key("categories"); o.append("{")
            for (c, cat) in rules.categories.enumerated() {
                if c > 0 { o.append(",") }
                key(cat.id); o.append(row.categoryPoints[c].description)
            }
            o.append("},")
            key("ranked"); o.append(m.ranked ? "true" : "false"); o.append(",")
            key("vetoed"); o.append(row.vetoReasons.isEmpty ? "false" : "true"); o.append(",")
            key("vetoes"); o.append("[")
            for (k, v) in row.vetoReasons.enumerated() { if k > 0 { o.append(",") }; str(v) }
            o.append("],")
            key("partial_period"); o.append(row.partialPeriod ? "true" : "false"); o.append(",")
            key("joined"); if let j = m.joined { str(j.description) } else { o.append("null") }; o.append(",")
            key("left"); if let l = m.left { str(l.description) } else { o.append("null") }; o.append(",")
            key("records"); o.append(String(row.records)); o.append(",")
            key("records_unmatched"); o.append(String(result.unmatched))
            o.append("}")
            o.drainIfNeeded()
        }
        o.append("\n]\n}\n")
    }
}
