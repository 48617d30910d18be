import LvzhiCore

/// What `lvzhi history` prints: plain-text tables (Chinese by default) and JSON.
public enum HistoryText {
    // MARK: - Text

    /// `zh` or `en` by language, for values that are not single strings.
    public static func choose<T>(_ lang: Language, _ zh: T, _ en: T) -> T { lang == .en ? en : zh }

    /// The status in words: 草稿, 公布, 公布（已被 #N 取代）.
    public static func status(_ r: HistoryRun, lang: Language) -> String {
        switch r.status {
        case .draft: return lang.pick("草稿", "draft")
        case .published:
            if let by = r.supersededBy { return lang.pick("公布（已被 #\(by) 取代）", "published (superseded by #\(by))") }
            return lang.pick("公布", "published")
        }
    }

    static func gradeCounts(_ r: HistoryRun, lang: Language) -> String {
        r.grades.map { "\($0.color) \($0.count)" }.joined(separator: lang.pick("、", ", "))
    }

    /// `lvzhi history list`.
    public static func list(_ runs: [HistoryRun], lang: Language) -> String {
        guard !runs.isEmpty else { return lang.pick("历史数据库中还没有运行记录", "no runs recorded yet") }
        let header = HistoryText.choose(lang, ["编号", "运行时间", "期间", "规则", "规则哈希", "状态", "委员", "等次分布"],
                               ["id", "run time", "period", "rules", "rules hash", "status", "members", "grades"])
        let rows = runs.map { r in
            ["#\(r.id)", r.runTime, r.periodLabel, "\(r.rulesName) \(r.rulesVersion)", String(r.rulesSHA256.prefix(12)),
             status(r, lang: lang), String(r.memberCount), gradeCounts(r, lang: lang)]
        }
        return table([header] + rows)
    }

    /// `lvzhi history member ID`: one line per period with the change from the line before.
    public static func member(_ id: String, _ entries: [HistoryMemberPeriod], lang: Language) -> String {
        guard let last = entries.last else {
            return lang.pick("历史数据库中没有委员 \(id) 的结果", "no results for member \(id) in the history")
        }
        let r = last.result
        var out = [lang.pick("\(r.memberID) \(r.name)（\(r.sector)\(r.role.isEmpty ? "" : "，" + r.role)）",
                             "\(r.memberID) \(r.name) (\(r.sector)\(r.role.isEmpty ? "" : ", " + r.role))")]
        let header = HistoryText.choose(lang, ["期间", "运行", "状态", "得分", "变化", "排名", "等次", "颜色", "规则"],
                               ["period", "run", "status", "score", "change", "rank", "grade", "colour", "rules"])
        var rows: [[String]] = [header]
        var previous: Points?
        for e in entries {
            let change = previous.map { delta(e.result.score - $0) } ?? "—"
            rows.append([e.run.periodLabel, "#\(e.run.id)", status(e.run, lang: lang), e.result.score.description, change,
                         e.result.rank.map(String.init) ?? lang.pick("不排名", "not ranked"), e.result.grade, e.result.color,
                         "\(e.run.rulesName) \(e.run.rulesVersion)"])
            previous = e.result.score
        }
        out.append(table(rows))
        return out.joined(separator: "\n")
    }

    /// `+3.5`, `-2`, `0`.
    public static func delta(_ p: Points) -> String { p.isNegative || p.isZero ? p.description : "+" + p.description }

    /// `lvzhi history show RUN`.
    public static func show(_ r: HistoryRun, inputs: [HistoryInput], corrections: [HistoryCorrection], lang: Language) -> String {
        var lines: [String] = []
        func add(_ zh: String, _ en: String, _ value: String) { lines.append(lang.pick(zh, en) + lang.pick("：", ": ") + value) }
        add("运行", "run", "#\(r.id)")
        add("状态", "status", status(r, lang: lang))
        add("运行时间", "run time", r.runTime)
        if let p = r.publishedAt { add("公布时间", "published", p) }
        if let s = r.supersedes { add("取代", "supersedes", "#\(s)") }
        add("考核期间", "period", "\(r.periodLabel)（\(r.period)）")
        add("规则文件", "rule file", r.rulesPath)
        add("规则", "rules", "\(r.rulesName) \(r.rulesVersion)  sha256=\(r.rulesSHA256)")
        if let e = r.extendsPath { add("基础规则文件", "base rule file", "\(e)  sha256=\(r.extendsSHA256 ?? "")") }
        add("lvzhi 版本", "lvzhi version", r.toolVersion)
        // Read = scored + removed by corrections + set aside after an interim run's as-of day +
        // rejected; the middle two only when they occur, so the figures add up.
        let removed = corrections.filter { $0.action == "remove" }.count
        let setAside = max(0, r.recordsRead - r.recordsScored - r.rejected - removed)
        var middle = ("", "")
        if removed > 0 { middle.0 += "，复核删除 \(removed) 条"; middle.1 += ", removed by corrections \(removed)" }
        if setAside > 0 {
            // History keeps no as-of day: a year-to-date run's period ends on it (records after it
            // were set aside); a quarter after the first was read against its whole year, so the
            // records set aside may lie before it as well as after.
            if HistoryStore.kind(of: r.period) == .quarter, r.period.start.components.month != 1 {
                middle.0 += "，本期（\(r.periodLabel)）之外暂不计分 \(setAside) 条"; middle.1 += ", set aside outside \(r.periodLabel) \(setAside)"
            } else {
                middle.0 += "，\(r.period.end) 之后暂不计分 \(setAside) 条"; middle.1 += ", set aside after \(r.period.end) \(setAside)"
            }
        }
        add("记录", "records", lang.pick("读取 \(r.recordsRead) 条，计分 \(r.recordsScored) 条\(middle.0)，拒收 \(r.rejected) 条",
                                         "read \(r.recordsRead), scored \(r.recordsScored)\(middle.1), rejected \(r.rejected)"))
        add("委员", "members", "\(r.memberCount)：" + r.grades.map { "\($0.color)（\($0.name)）\($0.count)" }.joined(separator: lang.pick("，", ", ")))
        lines.append(lang.pick("输入文件：", "inputs:"))
        for i in inputs {
            let role = HistoryText.choose(lang, ["members": "名册", "activities": "活动", "mapping": "映射", "corrections": "复核"][i.role.rawValue] ?? i.role.rawValue, i.role.rawValue)
            lines.append("  \(role)  \(i.path)  sha256=\(i.sha256)")
        }
        if !corrections.isEmpty {
            lines.append(lang.pick("复核更正 \(corrections.count) 条：", "corrections (\(corrections.count)):"))
            for c in corrections {
                // The stored detail is Chinese and starts with 修改/删除/补录; the raw action
                // (amend/remove/add) only in English.
                lines.append("  \(c.seq). " + lang.pick("", "\(c.action) ") + "\(c.recordID) \(c.memberID) \(c.detail)"
                             + (c.reason.isEmpty ? "" : lang.pick("；理由：", "; reason: ") + c.reason)
                             + (c.approvedBy.isEmpty ? "" : lang.pick("；批准：", "; approved by: ") + c.approvedBy))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Columns padded to their display width (CJK characters count two).
    public static func tableText(_ rows: [[String]]) -> String { table(rows) }

    static func table(_ rows: [[String]]) -> String {
        let n = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: n)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], width(c)) } }
        return rows.map { r in
            r.enumerated().map { i, c in i == r.count - 1 ? c : c + String(repeating: " ", count: widths[i] - width(c)) }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func width(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { w, u in
            let v = u.value
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v)
            return w + (wide ? 2 : 1)
        }
    }

    // MARK: - JSON

    public static func json(_ runs: [HistoryRun]) -> String {
        "[" + runs.map { runJSON($0) }.joined(separator: ",\n") + "]\n"
    }

    public static func json(_ r: HistoryRun, inputs: [HistoryInput], corrections: [HistoryCorrection], results: [HistoryMemberResult]?) -> String {
        var pairs = runPairs(r)
        pairs.append(("inputs", "[" + inputs.map { HistoryEncoding.object([("role", q($0.role.rawValue)), ("path", q($0.path)), ("sha256", q($0.sha256))]) }
            .joined(separator: ",") + "]"))
        pairs.append(("corrections", "[" + corrections.map { c in
            HistoryEncoding.object([("seq", String(c.seq)), ("action", q(c.action)), ("record_id", q(c.recordID)), ("member_id", q(c.memberID)),
                                    ("detail", q(c.detail)), ("reason", q(c.reason)), ("approved_by", q(c.approvedBy)),
                                    ("source", c.source.map { q($0.description) } ?? "null")])
        }.joined(separator: ",") + "]"))
        if let results { pairs.append(("members", "[" + results.map(resultJSON).joined(separator: ",\n") + "]")) }
        return HistoryEncoding.object(pairs) + "\n"
    }

    public static func json(member id: String, _ entries: [HistoryMemberPeriod]) -> String {
        var previous: Points?
        let items = entries.map { e -> String in
            var pairs = [("run", String(e.run.id)), ("period", q(e.run.periodLabel)), ("period_start", q(e.run.period.start.description)),
                         ("period_end", q(e.run.period.end.description)), ("status", q(e.run.status.rawValue)),
                         ("superseded_by", e.run.supersededBy.map { String($0) } ?? "null"),
                         ("rules_name", q(e.run.rulesName)), ("rules_version", q(e.run.rulesVersion)),
                         ("change", previous.map { (e.result.score - $0).description } ?? "null")]
            pairs += resultPairs(e.result)
            previous = e.result.score
            return HistoryEncoding.object(pairs)
        }
        return HistoryEncoding.object([("member_id", q(id)), ("periods", "[" + items.joined(separator: ",\n") + "]")]) + "\n"
    }

    static func q(_ s: String) -> String { HistoryEncoding.quoted(s) }

    static func runPairs(_ r: HistoryRun) -> [(String, String)] {
        [("id", String(r.id)), ("run_time", q(r.runTime)), ("period", q(r.periodLabel)), ("period_start", q(r.period.start.description)),
         ("period_end", q(r.period.end.description)), ("rules_path", q(r.rulesPath)), ("rules_name", q(r.rulesName)),
         ("rules_version", q(r.rulesVersion)), ("rules_sha256", q(r.rulesSHA256)),
         ("extends_path", r.extendsPath.map(q) ?? "null"), ("extends_sha256", r.extendsSHA256.map(q) ?? "null"),
         ("lvzhi_version", q(r.toolVersion)), ("status", q(r.status.rawValue)), ("published_at", r.publishedAt.map(q) ?? "null"),
         ("supersedes", r.supersedes.map { String($0) } ?? "null"), ("superseded_by", r.supersededBy.map { String($0) } ?? "null"),
         ("members", String(r.memberCount)), ("records_read", String(r.recordsRead)), ("records_scored", String(r.recordsScored)),
         ("rejected", String(r.rejected)), ("grades", HistoryEncoding.grades(r.grades))]
    }

    static func runJSON(_ r: HistoryRun) -> String { HistoryEncoding.object(runPairs(r)) }

    static func resultPairs(_ r: HistoryMemberResult) -> [(String, String)] {
        [("member_id", q(r.memberID)), ("name", q(r.name)), ("sector", q(r.sector)), ("committee", q(r.committee)), ("role", q(r.role)),
         ("score", r.score.description), ("rank", r.rank.map(String.init) ?? "null"), ("grade", q(r.grade)), ("color", q(r.color)),
         ("grade_index", String(r.gradeIndex)), ("partial_period", r.partialPeriod ? "true" : "false"),
         ("vetoes", HistoryEncoding.array(r.vetoes)),
         ("categories", HistoryEncoding.object(r.categoryPoints.map { ($0.key, $0.value.description) })),
         ("rule_counts", HistoryEncoding.object(r.ruleCounts.map { ($0.key, String($0.value)) }))]
    }

    static func resultJSON(_ r: HistoryMemberResult) -> String { HistoryEncoding.object(resultPairs(r)) }
}
