import LvzhiCore
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
        if run.isProgressRun, let full = run.fullPeriod {
            // Quarterly / year-to-date 通报 only: the period the requirements are written for.
            key("full_period"); o.append("{")
            key("start"); str(full.start.description); o.append(",")
            key("end"); str(full.end.description); o.append("},\n")
            key("as_of"); if let a = run.asOf { str(a.description) } else { o.append("null") }; o.append(",\n")
            key("records_after_as_of"); o.append(String(run.recordsAfterAsOf)); o.append(",\n")
            if let part = run.part {
                // A quarter of the rule file's period, read against the whole of it: the records
                // of that period outside the quarter, set aside (neither scored nor rejected).
                key("records_outside_period"); o.append(String(run.recordsOutsidePart)); o.append(",\n")
                key("records_set_aside"); o.append(String(run.recordsSetAside)); o.append(",\n")
                key("set_aside_reason"); str(lang.pick("本期（\(part.displayName(.zh))）之外、同一考核年度内，暂不计分，也未拒收",
                                                       "outside this period (\(part.displayName(.en))) but within the rule file's period: neither scored nor rejected"))
                o.append(",\n")
            }
        }
        if !run.notices.isEmpty {
            key("notices"); o.append("[")
            for (i, n) in run.notices.enumerated() {
                if i > 0 { o.append(",") }
                o.append("\n  {"); key("id"); str(n.id); o.append(","); key("message"); str(n.message(lang)); o.append("}")
            }
            o.append("\n],\n")
        }

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
        // Rows that are not records (totals, notes, blank rows, repeated headers), only when there are any.
        let skipped = run.files.reduce(0) { $0 + $1.skipped }
        if skipped > 0 { key("rows_skipped"); o.append(String(skipped)); o.append(",") }
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
            key("rejected"); o.append(String(f.rejected))
            if f.removed > 0 { o.append(","); key("removed"); o.append(String(f.removed)) }
            if f.skipped > 0 {
                o.append(","); key("skipped"); o.append(String(f.skipped)); o.append(","); key("skipped_by_reason"); o.append("{")
                for (i, r) in f.skips.enumerated() {
                    if i > 0 { o.append(",") }
                    key(r.reason); o.append(String(r.count))
                }
                o.append("}")
            }
            if f.isCorrections { o.append(","); key("corrections"); o.append("true") }
            o.append("}")
        }
        o.append("\n],\n")

        if !run.corrections.isEmpty {
            var rowOf: [String: RunSummary.Row] = [:]
            for row in s.rows { rowOf[row.member.id] = row }
            key("corrections"); o.append("[")
            for (i, c) in run.corrections.enumerated() {
                if i > 0 { o.append(",") }
                o.append("\n  {")
                key("seq"); o.append(String(c.seq)); o.append(",")
                key("action"); str(c.action.rawValue); o.append(",")
                key("activity_id"); str(c.recordID); o.append(",")
                key("member_id"); str(c.memberID); o.append(",")
                key("detail"); str(c.detail(lang)); o.append(",")
                key("changes"); o.append("[")
                for (k, ch) in c.changes.enumerated() {
                    if k > 0 { o.append(",") }
                    o.append("{"); key("field"); str(ch.field.key); o.append(",")
                    key("before"); str(ch.before); o.append(","); key("after"); str(ch.after); o.append("}")
                }
                o.append("],")
                key("reason"); str(c.reason); o.append(",")
                key("approved_by"); str(c.approvedBy); o.append(",")
                key("approved_on"); if let d = c.approvedOn { str(d.description) } else { o.append("null") }; o.append(",")
                key("ticket"); if let t = c.ticket { str(t) } else { o.append("null") }; o.append(",")
                key("source"); str(c.source.description); o.append(",")
                key("original"); if let g = c.original { str(g.description) } else { o.append("null") }
                if let before = run.uncorrected[c.memberID], let after = rowOf[c.memberID] {
                    o.append(","); key("score_before"); o.append(before.score.description)
                    o.append(","); key("score_after"); o.append(after.score.description)
                    o.append(","); key("grade_before"); str(rules.grades[before.grade].name)
                    o.append(","); key("grade_after"); str(after.grade.name)
                }
                o.append("}")
            }
            o.append("\n],\n")
        }

        key("ledger_file"); str("ledger.csv"); o.append(",\n")
        if let previous = s.previous { key("previous_period"); str(previous.label); o.append(",\n") }
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
            key("score_exact"); str(row.score.exact); o.append(",")
            key("rank"); o.append(row.rank.map(String.init) ?? "null"); o.append(",")
            key("grade"); str(row.grade.name); o.append(",")
            key("color"); str(row.grade.color); o.append(",")
            key("categories"); o.append("{")
            for (c, cat) in rules.categories.enumerated() {
                if c > 0 { o.append(",") }
                key(cat.id); o.append(row.categoryPoints[c].description)
            }
            o.append("},")
            key("categories_exact"); o.append("{")
            for (c, cat) in rules.categories.enumerated() {
                if c > 0 { o.append(",") }
                key(cat.id); str(row.categoryPoints[c].exact)
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
            if s.previous != nil {
                o.append(","); key("previous")
                if let p = row.previous {
                    o.append("{"); key("period"); str(p.period); o.append(",")
                    key("score"); o.append(p.score.description); o.append(",")
                    key("grade"); str(p.grade.name); o.append(",")
                    key("color"); str(p.grade.color); o.append(",")
                    key("score_change"); o.append(row.scoreChange!.description); o.append(",")
                    key("grade_before"); if let b = p.gradeBefore { str(b.name) } else { o.append("null") }
                    o.append("}")
                } else {
                    o.append("null")
                }
            }
            if let flags = row.flags {
                // Only when the rule file has `history` conditions.
                o.append(","); key("flags"); o.append("[")
                for (k, f) in flags.enumerated() { if k > 0 { o.append(",") }; str(f) }
                o.append("],"); key("history"); o.append("[")
                for (k, h) in result.history.enumerated() {
                    if k > 0 { o.append(",") }
                    let c = rules.history[h.condition]
                    o.append("{"); key("id"); str(c.id); o.append(","); key("name"); str(c.name); o.append(",")
                    key("flag"); str(c.effect.flag); o.append(","); key("count"); o.append(String(h.count)); o.append(",")
                    key("current"); o.append(String(h.current)); o.append(","); key("earlier"); o.append("[")
                    for (j, p) in h.earlier.enumerated() { if j > 0 { o.append(",") }; str(p.description) }
                    o.append("],"); key("grade"); if let g = c.effect.grade { str(rules.grades[g].name) } else { o.append("null") }
                    o.append("}")
                }
                o.append("]")
            }
            if run.isProgressRun {
                o.append(","); key("requirements"); o.append("[")
                for (k, p) in result.progress.enumerated() {
                    if k > 0 { o.append(",") }
                    let q = rules.requirements[p.requirement]
                    o.append("{"); key("id"); str(q.id); o.append(","); key("name"); str(q.name); o.append(",")
                    key("done"); o.append(p.done.description); o.append(","); key("needed"); o.append(p.needed.description); o.append(",")
                    key("met"); o.append(p.met ? "true" : "false"); o.append("}")
                }
                o.append("]")
            }
            o.append("}")
            o.drainIfNeeded()
        }
        o.append("\n]\n}\n")
    }
}
