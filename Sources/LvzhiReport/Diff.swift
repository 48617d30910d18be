import LvzhiCore
import LvzhiRules
import LvzhiScoring

extension ResultSet {
    /// The results of a scoring run as one side of a comparison, with every member's ledger
    /// (record lines keyed by activity id and rule id; adjustments by note and category).
    public init(run: ScoreRun, label: String, lang: Language, ledgers: Bool = true) {
        let rules = run.rules
        let store = run.store
        var notes = LedgerCSV.NoteTexts()
        let members = run.results.map { r -> MemberResult in
            let m = run.members[r.member]
            let g = rules.grades[r.grade]
            var cats: [String: Points] = [:]
            for (i, c) in rules.categories.enumerated() where i < r.categoryPoints.count { cats[c.name] = r.categoryPoints[i] }
            var lines: [LedgerLine]?
            if ledgers {
                lines = r.ledger.map { e in
                    let rule = e.rule >= 0 ? rules.rules[Int(e.rule)].id : ""
                    let category = e.category >= 0 ? rules.categories[Int(e.category)].name : ""
                    var text: String
                    var record = ""
                    if e.record >= 0 {
                        let a = store.records[Int(e.record)]
                        record = store.id(of: a)
                        text = "\(a.date) \(store.symbols[a.kind]) \(store.title(of: a))"
                        if e.rule >= 0 { text += lang.pick("（规则：", " (rule: ") + rules.rules[Int(e.rule)].name + lang.pick("）", ")") }
                    } else {
                        text = notes.text(e.note, rules: rules, lang: lang)
                        if !category.isEmpty { text = category + lang.pick("：", ": ") + text }
                    }
                    return LedgerLine(record: record, rule: rule, category: category, note: RunSummary.noteCode(e.note),
                                      points: e.points, text: text)
                }
            }
            return MemberResult(id: m.id, name: m.name, sector: m.sector, committee: m.committee, score: r.score,
                                gradeName: g.name, gradeIndex: r.grade, gradeColor: g.color, rank: r.rank,
                                categories: cats, ledger: lines)
        }
        self.init(label: label, grades: rules.grades.map { ResultSet.GradeInfo(name: $0.name, color: $0.color, hex: $0.hex, min: $0.min) },
                  categories: rules.categories.map(\.name), members: members, rejected: run.rejects.count)
    }

    /// "fengjie.yaml（奉节县政协履职考核办法 2025，SHA-256 3f2a9c01b7e4…）": a rule version's label.
    public static func ruleLabel(path: String, rules: RuleSet, lang: Language) -> String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        let hash = ContentHash.sha256(file: path).map { "SHA-256 " + $0.prefix(12) + "…" } ?? ""
        var inner = "\(rules.name) \(rules.version)"
        if !hash.isEmpty { inner += lang.pick("，", ", ") + hash }
        return lang.pick("\(file)（\(inner)）", "\(file) (\(inner))")
    }
}

/// Renders a ``ResultComparison`` as terminal text, JSON (`lvzhi-diff/1`) or a self-contained
/// HTML page. All three work with or without ledgers (two stored runs carry none).
public enum DiffReport {
    // MARK: - Text

    public static func text(_ c: ResultComparison, lang: Language) -> String {
        var out: [String] = []
        func t(_ zh: String, _ en: String) -> String { lang.pick(zh, en) }
        out.append(t("对比：", "Comparison: ") + t("旧 ", "old ") + c.oldLabel)
        out.append(t("　　→ 新 ", "        → new ") + c.newLabel)
        let same = c.pairs.count - c.scoreChanged
        out.append(t("委员：两边都有 \(c.pairs.count) 人，仅在旧结果中 \(c.onlyOld.count) 人，仅在新结果中 \(c.onlyNew.count) 人",
                     "members: \(c.pairs.count) on both sides, \(c.onlyOld.count) only in the old results, \(c.onlyNew.count) only in the new"))
        if let a = c.oldRejected, let b = c.newRejected {
            out.append(t("拒收记录：旧 \(a) 条，新 \(b) 条", "rejected records: \(a) old, \(b) new")
                       + (a != b ? t("（两个规则文件接受的活动类型或状态不同）", " (the rule files accept different kinds or statuses)") : ""))
        }
        out.append(t("总分：上升 \(c.scoreUp) 人，下降 \(c.scoreDown) 人，不变 \(same) 人；等次或颜色变化 \(c.changed.count) 人",
                     "scores: \(c.scoreUp) up, \(c.scoreDown) down, \(same) unchanged; \(c.changed.count) changed grade or colour"))
        out.append("")

        out.append(t("一、等次变化（行：旧等次，列：新等次；仅两边都有的委员）", "1. Grade transitions (rows: old grade, columns: new grade; members on both sides)"))
        var table: [[String]] = [[t("旧＼新", "old\\new")] + c.newGrades.map { "\($0.color) \($0.name)" } + [t("合计", "total")]]
        for (i, g) in c.oldGrades.enumerated() {
            table.append(["\(g.color) \(g.name)"] + c.matrix[i].map(String.init) + [String(c.matrix[i].reduce(0, +))])
        }
        let colTotals = c.newGrades.indices.map { j in c.matrix.reduce(0) { $0 + $1[j] } }
        table.append([t("合计", "total")] + colTotals.map(String.init) + [String(c.pairs.count)])
        out += align(table, rightFrom: 1)
        out.append("")

        out.append(t("二、各等次人数", "2. Members per grade"))
        var counts: [[String]] = [[t("等次", "grade"), t("旧", "old"), t("新", "new"), t("变化", "change")]]
        for row in gradeCountRows(c) {
            counts.append([row.label, row.old.map(String.init) ?? "—", row.new.map(String.init) ?? "—", signed((row.new ?? 0) - (row.old ?? 0))])
        }
        out += align(counts, rightFrom: 1)
        out.append("")

        out.append(t("三、等次或颜色变化的委员（\(c.changed.count) 人）", "3. Members whose grade or colour changes (\(c.changed.count))"))
        if c.changed.isEmpty { out.append(t("  无", "  none")) }
        for p in c.changed {
            out.append("  \(p.id) \(p.new.name)" + (p.new.sector.isEmpty ? "" : t("（\(p.new.sector)）", " (\(p.new.sector))"))
                + t("：", ": ") + "\(p.old.gradeColor) \(p.old.gradeName) \(p.old.score) → \(p.new.gradeColor) \(p.new.gradeName) \(p.new.score)"
                + t("（\(signed(p.delta))）", " (\(signed(p.delta)))"))
            if c.hasLedgers {
                if p.ledgerChanges.isEmpty { out.append(t("      计分明细无变化（分数线或名额变化所致）", "      no ledger line changed (a threshold or quota moved)")) }
                for l in p.ledgerChanges { out.append("      " + lineText(l, lang: lang)) }
            }
        }
        if !c.hasLedgers, !c.changed.isEmpty {
            out.append(t("  （两次结果均无计分明细，只列分数和等次）", "  (no ledgers on either side: scores and grades only)"))
        }
        out.append("")

        out.append(t("四、总分分布（每组 \(c.bucketWidth) 分，含下限不含上限）", "4. Score distribution (bins of \(c.bucketWidth) points, lower bound included)"))
        var dist: [[String]] = [[t("分数段", "scores"), t("旧", "old"), t("新", "new"), t("变化", "change")]]
        for b in c.buckets { dist.append(["[\(b.lower), \(b.upper))", String(b.old), String(b.new), signed(b.new - b.old)]) }
        out += align(dist, rightFrom: 1)

        if !c.onlyOld.isEmpty || !c.onlyNew.isEmpty {
            out.append("")
            out.append(t("五、只在一边的委员", "5. Members on one side only"))
            for m in c.onlyOld { out.append("  " + t("仅旧：", "old only: ") + "\(m.id) \(m.name) \(m.score) \(m.gradeColor) \(m.gradeName)") }
            for m in c.onlyNew { out.append("  " + t("仅新：", "new only: ") + "\(m.id) \(m.name) \(m.score) \(m.gradeColor) \(m.gradeName)") }
        }
        // Names and titles come from the inputs: no control character reaches the terminal.
        return out.map(terminalSafe).joined(separator: "\n") + "\n"
    }

    /// `s` with C0/C1 control characters (escape sequences, line breaks inside a value) shown as U+FFFD.
    static func terminalSafe(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isControl) else { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars { out.append(isControl(u) ? "\u{FFFD}" : u) }
        return String(out)
    }

    private static func isControl(_ u: Unicode.Scalar) -> Bool { u.value < 0x20 || (u.value >= 0x7F && u.value < 0xA0) }

    /// One changed ledger line: "变化 A0123 规则 P01：3 → 2（-1）2025-03-05 提案 …".
    static func lineText(_ l: ResultComparison.LineChange, lang: Language) -> String {
        let what: String
        switch l.kind {
        case .added: what = lang.pick("新增", "added")
        case .removed: what = lang.pick("删除", "removed")
        case .changed: what = lang.pick("变化", "changed")
        }
        var id = l.key.record.isEmpty ? lang.pick("调整", "adjustment") : l.key.record
        if !l.key.rule.isEmpty { id += lang.pick(" 规则 ", " rule ") + l.key.rule }
        let figures = "\(l.old.map(\.description) ?? "—") → \(l.new.map(\.description) ?? "—")" + lang.pick("（\(signed(l.delta))）", " (\(signed(l.delta)))")
        return "\(what) \(id)" + lang.pick("：", ": ") + figures + " " + l.text
    }

    /// The rows of the per-grade count table: the new grades in order, then old grades the new
    /// scheme lacks; `nil` where a side has no such grade.
    static func gradeCountRows(_ c: ResultComparison) -> [(label: String, old: Int?, new: Int?, hex: String)] {
        var rows: [(String, Int?, Int?, String)] = []
        for (j, g) in c.newGrades.enumerated() {
            let i = c.oldGrades.firstIndex { $0.name == g.name }
            rows.append(("\(g.color) \(g.name)", i.map { c.oldCounts[$0] }, c.newCounts[j], g.hex))
        }
        for (i, g) in c.oldGrades.enumerated() where !c.newGrades.contains(where: { $0.name == g.name }) {
            rows.append(("\(g.color) \(g.name)", c.oldCounts[i], nil, g.hex))
        }
        return rows
    }

    static func signed(_ n: Int) -> String { n > 0 ? "+\(n)" : String(n) }
    static func signed(_ p: Points) -> String { p > .zero ? "+\(p)" : p.description }

    /// Pads the cells of a table to aligned columns (CJK characters count two).
    static func align(_ rows: [[String]], rightFrom: Int) -> [String] {
        let cols = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: cols)
        for r in rows { for (i, cell) in r.enumerated() { widths[i] = max(widths[i], Format.displayWidth(cell)) } }
        return rows.map { r in
            var line = "  "
            for (i, cell) in r.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - Format.displayWidth(cell))
                line += i >= rightFrom ? pad + cell : cell + pad
                if i < r.count - 1 { line += "  " }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }
    }

    // MARK: - JSON

    public static func json(_ c: ResultComparison) -> String {
        var o = ByteBuffer()
        func key(_ k: String) { Escape.json(k, into: &o); o.append(0x3A) }
        func str(_ v: String) { Escape.json(v, into: &o) }
        func optPoints(_ p: Points?) { o.append(p.map(\.description) ?? "null") }
        func side(_ label: String, _ grades: [ResultSet.GradeInfo], _ counts: [Int]) {
            o.append("{"); key("label"); str(label); o.append(","); key("grades"); o.append("[")
            for (i, g) in grades.enumerated() {
                if i > 0 { o.append(",") }
                o.append("{"); key("name"); str(g.name); o.append(","); key("color"); str(g.color); o.append(",")
                key("count"); o.append(String(counts[i])); o.append("}")
            }
            o.append("]}")
        }
        func member(_ m: MemberResult) {
            o.append("{"); key("member_id"); str(m.id); o.append(","); key("name"); str(m.name); o.append(",")
            key("sector"); str(m.sector); o.append(","); key("score"); o.append(m.score.description); o.append(",")
            key("rank"); o.append(m.rank.map(String.init) ?? "null"); o.append(",")
            key("grade"); str(m.gradeName); o.append(","); key("color"); str(m.gradeColor); o.append("}")
        }
        func result(_ m: MemberResult) {
            o.append("{"); key("score"); o.append(m.score.description); o.append(",")
            key("rank"); o.append(m.rank.map(String.init) ?? "null"); o.append(",")
            key("grade"); str(m.gradeName); o.append(","); key("color"); str(m.gradeColor); o.append("}")
        }
        o.append("{\n"); key("format"); str("lvzhi-diff/1"); o.append(",\n")
        key("old"); side(c.oldLabel, c.oldGrades, c.oldCounts); o.append(",\n")
        key("new"); side(c.newLabel, c.newGrades, c.newCounts); o.append(",\n")
        key("summary"); o.append("{"); key("both"); o.append(String(c.pairs.count)); o.append(",")
        key("only_old"); o.append(String(c.onlyOld.count)); o.append(","); key("only_new"); o.append(String(c.onlyNew.count)); o.append(",")
        key("score_up"); o.append(String(c.scoreUp)); o.append(","); key("score_down"); o.append(String(c.scoreDown)); o.append(",")
        key("grade_changed"); o.append(String(c.changed.count)); o.append(","); key("ledgers"); o.append(c.hasLedgers ? "true" : "false")
        if let a = c.oldRejected, let b = c.newRejected {
            o.append(","); key("rejected_old"); o.append(String(a)); o.append(","); key("rejected_new"); o.append(String(b))
        }
        o.append("},\n")
        key("matrix"); o.append("{"); key("rows"); o.append("[")
        for (i, g) in c.oldGrades.enumerated() { if i > 0 { o.append(",") }; str(g.name) }
        o.append("],"); key("columns"); o.append("[")
        for (i, g) in c.newGrades.enumerated() { if i > 0 { o.append(",") }; str(g.name) }
        o.append("],"); key("counts"); o.append("[")
        for (i, row) in c.matrix.enumerated() { if i > 0 { o.append(",") }; o.append("[" + row.map(String.init).joined(separator: ",") + "]") }
        o.append("]},\n")
        key("changed"); o.append("[")
        for (i, p) in c.changed.enumerated() {
            if i > 0 { o.append(",") }
            o.append("\n  {"); key("member_id"); str(p.id); o.append(","); key("name"); str(p.new.name); o.append(",")
            key("sector"); str(p.new.sector); o.append(",")
            key("old"); result(p.old); o.append(","); key("new"); result(p.new); o.append(",")
            key("score_change"); o.append(p.delta.description)
            if c.hasLedgers {
                o.append(","); key("ledger"); o.append("[")
                for (k, l) in p.ledgerChanges.enumerated() {
                    if k > 0 { o.append(",") }
                    o.append("\n    {"); key("change"); str(l.kind.rawValue); o.append(",")
                    key("activity_id"); str(l.key.record); o.append(","); key("rule_id"); str(l.key.rule); o.append(",")
                    key("category"); str(l.key.category); o.append(",")
                    key("old"); optPoints(l.old); o.append(","); key("new"); optPoints(l.new); o.append(",")
                    key("old_note"); if let n = l.oldNote { str(n) } else { o.append("null") }; o.append(",")
                    key("new_note"); if let n = l.newNote { str(n) } else { o.append("null") }; o.append(",")
                    key("text"); str(l.text); o.append("}")
                }
                o.append("]")
            }
            o.append("}")
        }
        o.append("\n],\n")
        key("score_changes"); o.append("[")
        var first = true
        for p in c.pairs where !p.delta.isZero {
            if !first { o.append(",") }
            first = false
            o.append("\n  {"); key("member_id"); str(p.id); o.append(","); key("old"); o.append(p.old.score.description); o.append(",")
            key("new"); o.append(p.new.score.description); o.append(","); key("change"); o.append(p.delta.description); o.append("}")
        }
        o.append("\n],\n")
        key("distribution"); o.append("{"); key("width"); o.append(String(c.bucketWidth)); o.append(","); key("buckets"); o.append("[")
        for (i, b) in c.buckets.enumerated() {
            if i > 0 { o.append(",") }
            o.append("\n  {"); key("from"); o.append(b.lower.description); o.append(","); key("to"); o.append(b.upper.description); o.append(",")
            key("old"); o.append(String(b.old)); o.append(","); key("new"); o.append(String(b.new)); o.append("}")
        }
        o.append("\n]},\n")
        key("only_old"); o.append("[")
        for (i, m) in c.onlyOld.enumerated() { if i > 0 { o.append(",") }; o.append("\n  "); member(m) }
        o.append("\n],\n")
        key("only_new"); o.append("[")
        for (i, m) in c.onlyNew.enumerated() { if i > 0 { o.append(",") }; o.append("\n  "); member(m) }
        o.append("\n]\n}\n")
        return String(decoding: o.bytes, as: UTF8.self)
    }
}
