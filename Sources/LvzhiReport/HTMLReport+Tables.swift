import LvzhiCore
import LvzhiRules
import LvzhiScoring

/// 四、得分排名 and 六、数据核对.
extension HTMLWriter {
    // MARK: - 四、得分排名

    /// Competition ranks ("1224") over all ranked members, whatever the ranking scope, by row.
    func overallRanks() -> [Int?] {
        var out = [Int?](repeating: nil, count: s.rows.count)
        var pos = 0, rank = 0
        var last: Points?
        for (i, row) in s.rows.enumerated() where row.rank != nil {
            pos += 1
            if last != row.score { rank = pos; last = row.score }
            out[i] = rank
        }
        return out
    }

    /// Above this many members the report bounds its rankings (the full ranking is in
    /// scores.csv and scores.xlsx) and the 五色图 starts with a compact overview.
    static let largeDistrict = 400
    /// Rows of the overall ranking shown in a large district.
    static let overallShown = 100

    /// The rows to list of a ranking (`ranked` in rank order) when at most `limit` are shown:
    /// whole tie groups while they fit; a tie group that does not fit is summarised
    /// (“并列第 1 名 2,343 人”) instead of listed; `omitted` counts the members not listed.
    static func bounded(_ ranked: [(row: Int, rank: Int)], limit: Int) -> (shown: [(row: Int, rank: Int)], tie: (rank: Int, count: Int)?, omitted: Int) {
        var shown: [(row: Int, rank: Int)] = []
        var i = 0
        while i < ranked.count {
            var j = i
            while j < ranked.count && ranked[j].rank == ranked[i].rank { j += 1 }
            if shown.count + (j - i) > limit {
                // A tie at the edge: list it whole when it is small, else say how many.
                if j - i <= 3 && shown.count < limit {
                    shown += ranked[i..<j]
                    i = j
                    continue
                }
                return (shown, shown.count < limit ? (ranked[i].rank, j - i) : nil, ranked.count - shown.count)
            }
            shown += ranked[i..<j]
            i = j
            if shown.count >= limit { break }
        }
        return (shown, nil, ranked.count - shown.count)
    }

    /// “并列第 1 名 2,343 人” as a table row spanning `columns`.
    mutating func tieRow(_ tie: (rank: Int, count: Int), columns: Int) {
        raw("<tr class=\"tie\"><td class=\"r\">\(tie.rank)</td><td colspan=\"\(columns - 1)\">")
        text(t("并列第 \(tie.rank) 名 \(tie.count.grouped) 人（同分，名单见 scores.xlsx 或 scores.csv）",
               "\(tie.count.grouped) members tied at rank \(tie.rank) (equal scores; listed in scores.xlsx or scores.csv)"))
        raw("</td></tr>\n")
    }

    mutating func ranking() {
        let categories = s.run.rules.categories
        let scope = s.run.rules.grading.scope
        let overall = overallRanks()
        raw("<section class=\"ranking\" id=\"ranking\">\n<h2>\(t("四、得分排名", "4. Rankings"))</h2>\n")
        raw("<h3>\(t("（一）总排名", "4.1 All members"))</h3>\n")
        let leadText = scope == .all
            ? t("按总分从高到低排列，同分同名次；各类别得分为封顶、保底后的分数。", "Highest score first; equal scores share a rank. Category points are after caps and floors.")
            : t("按总分从高到低排列，同分同名次；本办法按\(scopeName(scope))分组排名和评定，“\(scopeName(scope))内”一栏为组内名次。各类别得分为封顶、保底后的分数。",
                "Highest score first; equal scores share a rank. These rules rank and grade within each \(scopeName(scope)); that rank is in its own column. Category points are after caps and floors.")
        raw("<p class=\"lead\">\(leadText)</p>\n")
        raw("<table class=\"rank\">\n<thead><tr>")
        if scope == .all {
            raw("<th class=\"r\">\(t("排名", "Rank"))</th>")
        } else {
            raw("<th class=\"r\">\(t("总排名", "Overall"))</th><th class=\"r\">\(t("\(scopeName(scope))内", "In \(scopeName(scope))"))</th>")
        }
        raw("<th>\(t("姓名", "Name"))</th><th>\(t("委员编号", "ID"))</th>")
        raw("<th>\(t("界别", "Sector"))</th><th>\(t("专委会", "Committee"))</th><th>\(t("职务", "Role"))</th>")
        for c in categories {
            // Short names on one line; longer ones wrapped onto two (or three) even lines.
            let chars = (Format.displayWidth(c.name) + 1) / 2
            if chars <= 5 {
                raw("<th class=\"r cat\">")
            } else {
                let perLine = chars <= 12 ? (chars + 1) / 2 : (chars + 2) / 3
                raw("<th class=\"r cat wrap\" style=\"min-width:calc(\(perLine)em + 14px)\">")
            }
            text(c.name)
            raw("</th>")
        }
        raw("<th class=\"r tot\">\(t("总分", "Total"))</th><th>\(t("等次", "Grade"))</th>")
        if s.previous != nil { raw("<th>\(t(s.previousIsYear ? "上年等次" : "上期等次", "Last grade"))</th><th class=\"r\">\(t("分数变化", "Change"))</th>") }
        raw("<th class=\"notes\">\(t("备注", "Notes"))</th>")
        raw("</tr></thead>\n<tbody>\n")
        let large = s.rows.count > Self.largeDistrict
        if large {
            // Ranked members in rank order (rows are in that order), bounded; the unranked follow in the files.
            let ranked = s.rows.indices.compactMap { i in overall[i].map { (row: i, rank: $0) } }
            let b = Self.bounded(ranked, limit: Self.overallShown)
            for (i, _) in b.shown { rankRow(s.rows[i], overall: scope == .all ? nil : .some(overall[i]), categoryCount: categories.count) }
            let columns = (scope == .all ? 1 : 2) + 5 + categories.count + 3 + (s.previous != nil ? 2 : 0)
            if let tie = b.tie { tieRow(tie, columns: columns) }
            raw("</tbody>\n</table>\n")
            let unranked = s.rows.count - ranked.count
            raw("<p class=\"note\">")
            text(t("委员较多，此处只列前 \(b.shown.count.grouped) 名；全部 \(s.rows.count.grouped) 人的排名（包括不参与排名的 \(unranked.grouped) 人）见 scores.xlsx 和 scores.csv。",
                   "A large district: only the first \(b.shown.count.grouped) are listed here; all \(s.rows.count.grouped) members (\(unranked.grouped) not ranked) are in scores.xlsx and scores.csv."))
            raw("</p>\n")
        } else {
            for (i, row) in s.rows.enumerated() {
                rankRow(row, overall: scope == .all ? nil : .some(overall[i]), categoryCount: categories.count)
            }
            raw("</tbody>\n</table>\n")
        }
        if s.rows.isEmpty { raw("<p class=\"empty\">\(t("没有委员。", "No members."))</p>\n") }

        if scope == .all {
            sectorTopFive(overall: overall)
        } else {
            scopeTables(scope, overall: overall)
        }
        raw("</section>\n")
    }

    /// A member's name, linked to their page when member pages are written.
    mutating func memberName(_ m: Member) {
        if let href = memberHref(m.id) {
            raw("<a href=\"\(href)\">")
            text(m.name)
            raw("</a>")
        } else {
            text(m.name)
        }
    }

    /// `overall` is nil when the whole body is one ranking scope (the rank column is the rank).
    private mutating func rankRow(_ row: RunSummary.Row, overall: Int??, categoryCount: Int) {
        let m = row.member
        let gi = row.gradeIndex
        raw("<tr>")
        if let overall {
            raw("<td class=\"r\">")
            if let o = overall { raw(String(o)) } else { raw("—") }
            raw("</td>")
        }
        raw("<td class=\"r\">")
        if let rank = row.rank { raw(String(rank)) } else { raw("—") }
        raw("</td><td class=\"nm\">")
        memberName(m)
        let mk = marks(row)
        if !mk.isEmpty { raw("<sup>\(mk)</sup>") }
        raw("</td><td class=\"id\">")
        text(m.id)
        raw("</td><td class=\"tx\">")
        text(m.sector)
        raw("</td><td class=\"tx\">")
        text(m.committee)
        raw("</td><td class=\"tx\">")
        text(m.role)
        raw("</td>")
        for c in 0..<categoryCount {
            let p = c < row.categoryPoints.count ? row.categoryPoints[c] : .zero
            raw(p.isZero ? "<td class=\"r z\">" : p.isNegative ? "<td class=\"r neg\">" : "<td class=\"r\">")
            text(p.description)
            raw("</td>")
        }
        raw("<td class=\"r tot\">")
        text(row.score.description)
        raw("</td><td class=\"gd t\(gi)\"><span class=\"sw k\(gi)\"></span>")
        text(grades[gi].name)
        raw("</td>")
        if s.previous != nil { previousCells(row) }
        raw("<td class=\"notes\">")
        var notes: [String] = []
        for v in row.vetoReasons { notes.append(t("否决：", "veto: ") + v) }
        if row.partialPeriod { notes.append(partialText(m)) }
        if row.rank == nil { notes.append(t("不参与排名", "not ranked")) }
        text(notes.joined(separator: t("；", "; ")))
        raw("</td></tr>\n")
        o.drainIfNeeded()
    }

    /// The ranking within each scope (职务, 界别 …): one compact table per group.
    private mutating func scopeTables(_ scope: RankScope, overall: [Int?]) {
        raw("<h3>\(t("（二）按\(scopeName(scope))分组排名", "4.2 Ranked within each \(scopeName(scope))"))</h3>\n")
        raw("<p class=\"lead\">\(t("等次按各组内的名次或分数评定；不参与排名的委员不列入。", "Grades are decided within each group; members who are not ranked are left out."))</p>\n")
        var index: [String: Int] = [:]
        var groups: [(name: String, rows: [Int])] = []
        for (i, row) in s.rows.enumerated() where row.rank != nil {
            let key = s.run.results[row.resultIndex].rankScope
            if let g = index[key] { groups[g].rows.append(i) } else {
                index[key] = groups.count
                groups.append((key, [i]))
            }
        }
        let order = scope == .role ? Self.roleOrder : []
        groups.sort { a, b in
            let oa = order.firstIndex(of: a.name) ?? order.count, ob = order.firstIndex(of: b.name) ?? order.count
            if oa != ob { return oa < ob }
            if a.rows.count != b.rows.count { return a.rows.count > b.rows.count }
            return Array(a.name.utf8).lexicographicallyPrecedes(Array(b.name.utf8))
        }
        if groups.isEmpty { raw("<p class=\"empty\">\(t("没有参与排名的委员。", "No ranked members."))</p>\n") }
        raw("<div class=\"scopes\">\n")
        for g in groups {
            raw("<table class=\"plain scope\">\n<caption>")
            text(g.name.isEmpty ? t("（未填\(scopeName(scope))）", "(no \(scopeName(scope)))") : g.name)
            raw(" <span>\(t("\(g.rows.count) 人参与排名", "\(g.rows.count) ranked"))</span></caption>\n")
            raw("<thead><tr><th class=\"r\">\(t("名次", "Rank"))</th><th>\(t("姓名", "Name"))</th><th>\(t("委员编号", "ID"))</th><th>\(t("界别", "Sector"))</th>")
            raw("<th class=\"r\">\(t("总分", "Total"))</th><th class=\"r\">\(t("总排名", "Overall"))</th><th>\(t("等次", "Grade"))</th></tr></thead>\n<tbody>\n")
            let b = Self.bounded(g.rows.map { (row: $0, rank: s.rows[$0].rank ?? 0) }, limit: s.rows.count > Self.largeDistrict ? 10 : Int.max)
            for (i, _) in b.shown { compactRow(i, rank: s.rows[i].rank, overall: overall[i]) }
            if let tie = b.tie { tieRow(tie, columns: 7) }
            if b.omitted > (b.tie?.count ?? 0) {
                raw("<tr class=\"more\"><td></td><td colspan=\"6\">")
                text(t("另有 \((b.omitted - (b.tie?.count ?? 0)).grouped) 人，见 scores.xlsx", "\((b.omitted - (b.tie?.count ?? 0)).grouped) more in scores.xlsx"))
                raw("</td></tr>\n")
            }
            raw("</tbody>\n</table>\n")
        }
        raw("</div>\n")
    }

    /// Each 界别's five best (ties at fifth place included), as 广州 publishes them.
    private mutating func sectorTopFive(overall: [Int?]) {
        raw("<h3>\(t("（二）各界别前五名", "4.2 Each sector's top five"))</h3>\n")
        raw("<p class=\"lead\">\(t("各界别参与排名的委员按总分排列的前五名（同分并列的一并列出）；“名次”为界别内名次。", "The five best-scoring ranked members of each sector (ties at fifth place included); the rank is within the sector."))</p>\n")
        raw("<div class=\"scopes\">\n")
        var any = false
        for g in sectorGroups() {
            var ranked: [(row: Int, rank: Int)] = []
            var pos = 0, rank = 0
            var last: Points?
            for i in g.rows where s.rows[i].rank != nil {
                pos += 1
                if last != s.rows[i].score { rank = pos; last = s.rows[i].score }
                if rank > 5 { break }
                ranked.append((i, rank))
            }
            // Ties at a place are listed while the table stays short (ten rows), else summarised.
            let b = Self.bounded(ranked, limit: max(5, min(ranked.count, 10)))
            let top = b.shown
            if ranked.isEmpty { continue }
            any = true
            raw("<table class=\"plain scope\">\n<caption>")
            text(g.name.isEmpty ? t("（未填界别）", "(no sector)") : g.name)
            raw(" <span>\(t("\(g.rows.count) 人", English.members(g.rows.count)))</span></caption>\n")
            raw("<thead><tr><th class=\"r\">\(t("名次", "Rank"))</th><th>\(t("姓名", "Name"))</th><th>\(t("委员编号", "ID"))</th><th>\(t("职务", "Role"))</th>")
            raw("<th class=\"r\">\(t("总分", "Total"))</th><th class=\"r\">\(t("总排名", "Overall"))</th><th>\(t("等次", "Grade"))</th></tr></thead>\n<tbody>\n")
            for (i, r) in top { compactRow(i, rank: r, overall: overall[i], roleColumn: true) }
            if let tie = b.tie { tieRow(tie, columns: 7) }
            raw("</tbody>\n</table>\n")
        }
        raw("</div>\n")
        if !any { raw("<p class=\"empty\">\(t("没有参与排名的委员。", "No ranked members."))</p>\n") }
    }

    private mutating func compactRow(_ i: Int, rank: Int?, overall: Int?, roleColumn: Bool = false) {
        let row = s.rows[i]
        let gi = row.gradeIndex
        raw("<tr><td class=\"r\">\(rank.map(String.init) ?? "—")</td><td class=\"nm\">")
        memberName(row.member)
        let mk = marks(row)
        if !mk.isEmpty { raw("<sup>\(mk)</sup>") }
        raw("</td><td class=\"id\">")
        text(row.member.id)
        raw("</td><td>")
        text(roleColumn ? row.member.role : row.member.sector)
        raw("</td><td class=\"r b\">")
        text(row.score.description)
        raw("</td><td class=\"r\">\(overall.map(String.init) ?? "—")</td><td class=\"gd\"><span class=\"sw k\(gi)\"></span>")
        text(grades[gi].name)
        raw("</td></tr>\n")
        o.drainIfNeeded()
    }

    // MARK: - 六、数据核对

    mutating func reconciliation() {
        let run = s.run
        let activityFiles = run.files.filter { !$0.isRoster }
        let read = activityFiles.reduce(0) { $0 + $1.read }
        let accepted = activityFiles.reduce(0) { $0 + $1.accepted }
        let rejected = activityFiles.reduce(0) { $0 + $1.rejected }
        let rosterRejected = run.files.filter(\.isRoster).reduce(0) { $0 + $1.rejected }
        let removed = activityFiles.reduce(0) { $0 + $1.removed }

        raw("<section class=\"recon\" id=\"recon\">\n<h2>\(t("六、数据核对", "6. Reconciliation"))</h2>\n")
        raw("<div class=\"stats\">")
        reconStat(t("读取活动记录", "Activity records read"), read)
        reconStat(t("计分", "Scored"), run.recordsScored)
        reconStat(t("其中无适用规则（计 0 分）", "of which matched no rule (0 points)"), run.recordsUnmatched)
        reconStat(t("拒收", "Rejected"), rejected)
        if rosterRejected > 0 { reconStat(t("名册拒收", "Roster rows rejected"), rosterRejected) }
        if removed > 0 { reconStat(t("复核删除", "Removed by corrections"), removed) }
        let skipped = activityFiles.reduce(0) { $0 + $1.skipped }
        if skipped > 0 { reconStat(t("跳过的非记录行", "Rows skipped (not records)"), skipped) }
        if let part = run.part {
            reconStat(t("本期（\(part.displayName(.zh))）之外（暂不计分）", "Outside \(part.displayName(.en)) (set aside)"), run.recordsOutsidePart)
        }
        if let asOf = run.asOf { reconStat(t("\(asOf) 之后（暂不计分）", "After \(asOf) (set aside)"), run.recordsAfterAsOf) }
        raw("</div>\n")

        let setAside = run.asOf != nil || run.part != nil
        let balanced = read == accepted + rejected && accepted - removed == run.recordsScored + run.recordsSetAside
        if balanced, removed > 0 || setAside {
            // Every fate a record can have besides scored and rejected, each only when it occurs.
            var zh = "读取 \(read) 条 = 计分 \(run.recordsScored) 条", en = "Read \(read) = scored \(run.recordsScored)"
            if removed > 0 { zh += " + 复核删除 \(removed) 条"; en += " + removed by corrections \(removed)" }
            if let part = run.part {
                zh += " + 本期（\(part.displayName(.zh))）之外暂不计分 \(run.recordsOutsidePart) 条"
                en += " + set aside outside \(part.displayName(.en)) \(run.recordsOutsidePart)"
            }
            if let asOf = run.asOf {
                zh += " + \(asOf) 之后暂不计分 \(run.recordsAfterAsOf) 条"; en += " + set aside after \(asOf) \(run.recordsAfterAsOf)"
            }
            zh += " + 拒收 \(rejected) 条：每条输入记录都已计分、"
            en += " + rejected \(rejected): every input record was scored, "
            // A quarter's set-aside records lie before it as well as after: not all are “for later”.
            let aside = run.part != nil ? ("暂不计分", "set aside") : ("留待以后", "set aside for later")
            switch (removed > 0, setAside) {
            case (true, true):
                zh += "经复核删除、\(aside.0)或写入 rejects.csv（复核见第七节）。"
                en += "removed by an audited correction, \(aside.1), or written to rejects.csv (see section 7)."
            case (true, false):
                zh += "经复核删除或写入 rejects.csv（复核见第七节）。"
                en += "removed by an audited correction or written to rejects.csv (see section 7)."
            default:
                zh += "\(aside.0)或写入 rejects.csv。"
                en += "\(aside.1), or written to rejects.csv."
            }
            raw("<p class=\"check ok\">✓ ")
            raw(t(zh, en))
        } else if balanced {
            raw("<p class=\"check ok\">✓ ")
            raw(t("读取 \(read) 条 = 计分 \(accepted) 条 + 拒收 \(rejected) 条：每条输入记录都已计分或写入 rejects.csv。", "Read \(read) = scored \(accepted) + rejected \(rejected): every input record was scored or written to rejects.csv."))
        } else {
            raw("<p class=\"check bad\">⚠ ")
            raw(t("记录数不平衡：读取 \(read) 条，接受 \(accepted) 条，计分 \(run.recordsScored) 条，拒收 \(rejected) 条。请核对输入文件后重新运行。",
                  "Counts do not balance: read \(read), accepted \(accepted), scored \(run.recordsScored), rejected \(rejected). Check the inputs and run again."))
        }
        raw("</p>\n")
        if skipped > 0 {
            // Rows the mappings' skip rules set aside: counted, with the rule and the first lines, never silent.
            raw("<p class=\"note\">")
            raw(t("另有 \(skipped) 行不是记录（合计、注释、空行、重复的表头等），按映射文件的规则跳过，不计分，也不算拒收：",
                  "\(skipped) rows are not records (totals, notes, blank rows, repeated headers) and were skipped by the mappings' rules, neither scored nor rejected: "))
            var first = true
            for f in activityFiles where f.skipped > 0 {
                for r in f.skips {
                    if !first { raw(t("；", "; ")) }
                    first = false
                    text(f.path)
                    raw(t(" 中“", " — “"))
                    text(SkippedRows.reasonText(r.reason, lang))
                    let lines = r.lines.map(String.init).joined(separator: t("、", ", ")) + (r.count > r.lines.count ? t("等", " …") : "")
                    raw(t("” \(r.count) 行（第 \(lines) 行）", "” \(r.count) (line\(r.count > 1 ? "s" : "") \(lines))"))
                }
            }
            raw(t("。", "."))
            raw("</p>\n")
        }

        raw("<div class=\"split even\">\n<div>\n<h3>\(t("输入文件", "Input files"))</h3>\n")
        raw("<table class=\"plain\">\n<thead><tr><th>\(t("文件", "File"))</th><th>\(t("内容", "Content"))</th><th>\(t("格式", "Format"))</th>")
        raw("<th class=\"r\">\(t("读取", "Read"))</th><th class=\"r\">\(t("接受", "Accepted"))</th><th class=\"r\">\(t("拒收", "Rejected"))</th></tr></thead>\n<tbody>\n")
        for f in run.files {
            raw("<tr><td class=\"path\">")
            text(f.path)
            raw("</td><td>\(f.isRoster ? t("委员名册", "roster") : f.isCorrections ? t("复核补录", "corrections") : t("活动记录", "activities"))</td><td>")
            text(f.format.uppercased())
            if let sheet = f.sheet {
                raw(t("（工作表“", " (sheet “"))
                text(sheet)
                raw(t("”）", "”)"))
            }
            raw("</td><td class=\"r\">\(f.read)</td><td class=\"r\">\(f.accepted)</td>")
            raw("<td class=\"r\(f.rejected > 0 ? " warnnum" : "")\">\(f.rejected)</td></tr>\n")
        }
        raw("<tr class=\"total\"><td colspan=\"3\">\(t("活动记录合计", "Activity files, total"))</td>")
        raw("<td class=\"r\">\(read)</td><td class=\"r\">\(accepted)</td><td class=\"r\">\(rejected)</td></tr>\n")
        raw("</tbody>\n</table>\n</div>\n<div>\n<h3>\(t("拒收原因", "Rejections by reason"))</h3>\n")
        if s.rejectsByReason.isEmpty {
            raw("<p class=\"muted\">\(t("没有拒收记录。", "No record was rejected."))</p>\n")
        } else {
            raw("<table class=\"plain\">\n<thead><tr><th>\(t("原因（示例）", "Reason (example)"))</th><th>\(t("代码", "Code"))</th><th class=\"r\">\(t("条数", "Count"))</th></tr></thead>\n<tbody>\n")
            var total = 0
            for r in s.rejectsByReason {
                total += r.count
                raw("<tr><td>")
                text(r.example)
                raw("</td><td class=\"code\">")
                text(r.code)
                raw("</td><td class=\"r\">\(r.count)</td></tr>\n")
            }
            raw("<tr class=\"total\"><td colspan=\"2\">\(t("合计", "Total"))</td><td class=\"r\">\(total)</td></tr>\n")
            raw("</tbody>\n</table>\n")
            let noteText = t("每条拒收记录的文件、行号、值和原因见 rejects.csv；修正后重新运行即可计入。", "rejects.csv lists each rejected record with file, line, value and reason; fix them and run again to count them.")
            raw("<p class=\"note\">\(noteText)</p>\n")
        }
        raw("</div>\n</div>\n</section>\n")
    }

    private mutating func reconStat(_ key: String, _ value: Int) {
        raw("<div class=\"stat\"><div class=\"k\">\(key)</div><div class=\"v\">\(value)</div></div>")
    }
}
