import LvzhiCore
import LvzhiRules
import LvzhiScoring

/// 三、各界别分类平均分, 五、需办理的名单 and the 考核细则 appendix.
extension HTMLWriter {
    // MARK: - 三、各界别分类平均分

    /// Average points per category and in total for each 界别 and for all members: exact
    /// decimal sums divided by the member count (rounded half away from zero at the fourth
    /// decimal place, as everywhere in lvzhi).
    mutating func averages() {
        let categories = s.run.rules.categories
        raw("<section class=\"averages\" id=\"averages\">\n<h2>\(t("三、各界别分类平均分", "3. Average points by sector"))</h2>\n")
        raw("<p class=\"lead\">\(t("各界别委员在每一类别的平均得分（封顶、保底后），最后一行为全体委员；每列最高的界别加粗。", "Each sector's average points per category (after caps and floors); the last row is all members. The highest sector in each column is in bold."))</p>\n")
        let groups = sectorGroups()
        if groups.isEmpty {
            raw("<p class=\"empty\">\(t("没有委员。", "No members."))</p>\n</section>\n")
            return
        }
        func means(_ rows: [Int]) -> [Points] {
            var sums = [Points](repeating: .zero, count: categories.count + 1)
            for r in rows {
                let row = s.rows[r]
                for c in 0..<categories.count where c < row.categoryPoints.count { sums[c] += row.categoryPoints[c] }
                sums[categories.count] += row.score
            }
            return sums.map { rows.isEmpty ? .zero : $0.divided(by: rows.count) }
        }
        let table = groups.map { (group: $0, means: means($0.rows)) }
        let all = means(Array(s.rows.indices))
        // The best sector per column (only when more than one sector).
        var best = [Points?](repeating: nil, count: categories.count + 1)
        if table.count > 1 {
            for c in best.indices { best[c] = table.map { $0.means[c] }.max() }
        }

        raw("<div class=\"scroll\"><table class=\"plain avg\">\n<thead><tr><th>\(t("界别", "Sector"))</th><th class=\"r\">\(t("人数", "Members"))</th>")
        for c in categories {
            raw("<th class=\"r\">")
            text(c.name)
            if let cap = c.cap { raw("<span class=\"cap\">\(t("上限", "cap")) \(esc(cap.description))</span>") }
            raw("</th>")
        }
        raw("<th class=\"r tot\">\(t("总分", "Total"))</th></tr></thead>\n<tbody>\n")
        for (group, m) in table {
            raw("<tr><td class=\"nm\">")
            text(group.name.isEmpty ? t("（未填界别）", "(no sector)") : group.name)
            raw("</td><td class=\"r\">\(group.rows.count)</td>")
            for (c, p) in m.enumerated() {
                var cls = c == categories.count ? "r tot" : "r"
                if p.isNegative { cls += " neg" }
                if let b = best[c], b == p { cls += " b" }
                raw("<td class=\"\(cls)\">")
                text(p.description)
                raw("</td>")
            }
            raw("</tr>\n")
        }
        raw("<tr class=\"total\"><td>\(t("全体委员", "All members"))</td><td class=\"r\">\(s.rows.count)</td>")
        for (c, p) in all.enumerated() {
            raw("<td class=\"\(c == categories.count ? "r tot" : "r")\">")
            text(p.description)
            raw("</td>")
        }
        raw("</tr>\n</tbody>\n</table></div>\n</section>\n")
    }

    // MARK: - 五、需办理的名单

    /// What the office acts on: who is commended, who is talked to, vetoes, members with no
    /// activity at all, members who joined or left during the period, and missed minimum
    /// requirements.
    mutating func actionLists() {
        let rules = s.run.rules
        raw("<section class=\"lists\" id=\"lists\">\n<h2>\(t("五、需办理的名单", "5. Lists for follow-up"))</h2>\n")
        raw("<p class=\"lead\">\(t("供主席会议审定和办公室跟进；名单按总分从高到低排列。", "For the chair's meeting and the office's follow-up; highest score first."))</p>\n")
        guard !grades.isEmpty else { raw("</section>\n"); return }
        let best = 0, worst = grades.count - 1
        var n = 0
        func heading(_ zh: String, _ en: String, count: Int) -> String {
            n += 1
            let num = ["一", "二", "三", "四", "五", "六", "七", "八"][min(n - 1, 7)]
            return "<h3>" + t("（\(num)）\(zh)", "5.\(n) \(en)") + " <span class=\"cnt\">" + t("\(count) 人", "\(count)") + "</span></h3>\n"
        }

        // Commended.
        let commended = s.rows.indices.filter { s.rows[$0].gradeIndex == best }
        raw(heading("拟表彰：\(esc(grades[best].name))（\(esc(grades[best].color))）", "Commended: \(esc(grades[best].name)) (\(esc(grades[best].color)))", count: commended.count))
        list(commended, columns: [.rank, .name, .id, .sector, .role, .score])

        // To be talked to.
        let talk = s.rows.indices.filter { s.rows[$0].gradeIndex == worst }
        raw(heading("约谈提醒：\(esc(grades[worst].name))（\(esc(grades[worst].color))）", "To be talked to: \(esc(grades[worst].name)) (\(esc(grades[worst].color)))", count: talk.count))
        list(talk, columns: [.rank, .name, .id, .sector, .role, .score, .why])

        // Lowest grade this period and last (劝辞), only when last period's results are known.
        if let previous = s.previous, s.twoYearsListApplies {
            let twice = s.lowestTwoYearsRunning
            raw(heading("连续两年\(esc(grades[worst].name))（拟劝辞）", "\(esc(grades[worst].name)) two years running (asked to resign)", count: twice.count))
            let lowest = esc(grades[worst].name), last = esc(previous.label)
            let why = t("本期为\(lowest)，\(last)也为最低等次的委员；按多数考核办法应予劝辞，请主席会议审定。",
                        "In the lowest grade this period and in \(last) as well; most rules ask such members to resign, subject to the chair's meeting.")
            raw("<p class=\"note\">\(why)</p>\n")
            list(twice, columns: [.rank, .name, .id, .sector, .role, .score, .previous, .why])
        }

        // Vetoed.
        let vetoed = s.rows.indices.filter { !s.rows[$0].vetoReasons.isEmpty }
        raw(heading("否决事项", "Vetoed", count: vetoed.count))
        list(vetoed, columns: [.name, .id, .sector, .role, .score, .bandGrade, .vetoes, .grade])

        // No activity at all.
        let idle = s.rows.indices.filter { s.rows[$0].records == 0 }
        raw(heading("考核期间无任何履职记录", "No activity recorded in the period", count: idle.count))
        list(idle, columns: [.name, .id, .sector, .committee, .role, .served, .grade])

        // Joined or left during the period.
        let partial = s.rows.indices.filter { s.rows[$0].partialPeriod }
        raw(heading("考核期间内新任或离任", "Joined or left during the period", count: partial.count))
        if !partial.isEmpty {
            let policy: String
            switch rules.grading.partial {
            case .flag: policy = t("按在任期间的记录计分并注明。", "Scored on the records of the time served, and flagged.")
            case .exclude: policy = t("照常计分定等，不参加排名和名额分配。", "Scored and graded, but left out of ranking and quotas.")
            case .prorate: policy = t("总分按在任天数折算为全期。", "The total is scaled from the days served to the whole period.")
            }
            raw("<p class=\"note\">\(policy)</p>\n")
        }
        list(partial, columns: [.name, .id, .sector, .role, .joined, .left, .score, .grade])

        // Multi-year conditions (两年不合格, 本届缺席三次 …): only when the rule file has them.
        if !rules.history.isEmpty {
            let flagged = s.rows.indices.filter { !s.run.results[s.rows[$0].resultIndex].history.isEmpty }
            // Conditions on this period alone (得分低于 60 分的谈话) read no earlier results.
            let across = rules.history.contains(where: \.readsEarlierPeriods)
            raw(heading(across ? "跨年度处理（\(esc(historyFlagNames))）" : "考核结果的处理（\(esc(historyFlagNames))）",
                        across ? "Multi-year conditions (\(esc(historyFlagNames)))" : "Follow-up on the results (\(esc(historyFlagNames)))",
                        count: flagged.count))
            if !s.run.historyAvailable, across {
                raw("<p class=\"note\">\(t("本次未提供往年结果：此前各期按无记录处理，连续多年的条件不会成立，按届累计只计本期。", "No earlier results were given: earlier periods count as empty, multi-year conditions cannot hold and term counts cover this period only."))</p>\n")
            }
            list(flagged, columns: [.name, .id, .sector, .role, .score, .history, .grade])
        }

        // Interim 通报: progress towards the year's minimum requirements instead of penalties.
        if s.run.isProgressRun, !rules.requirements.isEmpty {
            let behind = s.rows.indices.filter { s.run.results[s.rows[$0].resultIndex].progress.contains { !$0.met } }
            raw(heading("最低要求进度（通报）：尚未完成", "Minimum requirements so far (interim): not yet met", count: behind.count))
            raw("<p class=\"note\">\(t("最低要求按全年计。本次为阶段通报，只列出完成进度，不据此封顶、改等次或扣分；年终考核时才按规定处理。", "Minimum requirements are annual. This interim report lists progress only; nothing is capped, forced or deducted until the year-end review."))</p>\n")
            raw("<table class=\"plain act\" id=\"progress\">\n<thead><tr><th>\(t("最低要求", "Requirement"))</th><th class=\"r\">\(t("全年要求", "Needed"))</th><th class=\"r\">\(t("已完成人数", "Met"))</th><th class=\"r\">\(t("尚未完成人数", "Not yet"))</th></tr></thead>\n<tbody>\n")
            for (q, req) in rules.requirements.enumerated() {
                var met = 0, open = 0
                for r in s.run.results { for p in r.progress where p.requirement == q { if p.met { met += 1 } else { open += 1 } } }
                raw("<tr><td>"); text(req.name); raw("</td><td class=\"r\">\(esc(req.min.description))</td><td class=\"r\">\(met)</td><td class=\"r\">\(open)</td></tr>\n")
            }
            raw("</tbody>\n</table>\n")
            list(behind, columns: [.name, .id, .sector, .role, .score, .progress])
        }

        // Missed minimum requirements.
        if !rules.requirements.isEmpty, !s.run.isProgressRun {
            let missed = s.rows.indices.filter { !s.run.results[s.rows[$0].resultIndex].missedRequirements.isEmpty }
            raw(heading("未达到最低要求", "Minimum requirements not met", count: missed.count))
            list(missed, columns: [.name, .id, .sector, .role, .score, .requirements, .grade])
        }
        raw("</section>\n")
    }

    enum ListColumn {
        case rank, name, id, sector, committee, role, score, grade, bandGrade, why, vetoes, requirements, joined, left, served, previous
        case history, progress
    }

    /// The distinct flags of the rule file's history conditions, e.g. “劝辞”.
    var historyFlagNames: String {
        var out: [String] = []
        for h in s.run.rules.history where !out.contains(h.effect.flag) { out.append(h.effect.flag) }
        return out.joined(separator: t("、", ", "))
    }

    /// “提交提案 0/1；报送社情民意 1/2” — the requirements not yet met.
    func progressText(_ r: MemberScore) -> String {
        r.progress.filter { !$0.met }.map { p in
            s.run.rules.requirements[p.requirement].name + t("（\(p.done)/\(p.needed)）", " (\(p.done)/\(p.needed))")
        }.joined(separator: t("；", "; "))
    }

    private mutating func list(_ rows: [Int], columns: [ListColumn]) {
        if rows.isEmpty {
            raw("<p class=\"muted\">\(t("本次无。", "None in this run."))</p>\n")
            return
        }
        raw("<table class=\"plain act\">\n<thead><tr>")
        for c in columns {
            switch c {
            case .rank: raw("<th class=\"r\">\(t("名次", "Rank"))</th>")
            case .name: raw("<th>\(t("姓名", "Name"))</th>")
            case .id: raw("<th>\(t("委员编号", "ID"))</th>")
            case .sector: raw("<th>\(t("界别", "Sector"))</th>")
            case .committee: raw("<th>\(t("专委会", "Committee"))</th>")
            case .role: raw("<th>\(t("职务", "Role"))</th>")
            case .score: raw("<th class=\"r\">\(t("总分", "Total"))</th>")
            case .grade: raw("<th>\(t("等次", "Grade"))</th>")
            case .bandGrade: raw("<th>\(t(s.run.rules.usesQuotas ? "按名次" : "按分数", s.run.rules.usesQuotas ? "By rank" : "By score"))</th>")
            case .why: raw("<th class=\"wide\">\(t("原因", "Why"))</th>")
            case .vetoes: raw("<th class=\"wide\">\(t("否决事项", "Veto"))</th>")
            case .requirements: raw("<th class=\"wide\">\(t("未达到的要求", "Requirements not met"))</th>")
            case .joined: raw("<th>\(t("任职日期", "Joined"))</th>")
            case .left: raw("<th>\(t("离任日期", "Left"))</th>")
            case .served: raw("<th>\(t("任职情况", "Service"))</th>")
            case .previous: raw("<th>\(t("上年及前年", "Last two periods"))</th>")
            case .history: raw("<th class=\"wide\">\(t("跨年度条件", "Multi-year condition"))</th>")
            case .progress: raw("<th class=\"wide\">\(t("尚未完成（已完成/全年要求）", "Not yet met (done/needed)"))</th>")
            }
        }
        raw("</tr></thead>\n<tbody>\n")
        for i in rows {
            let row = s.rows[i]
            let m = row.member
            let result = s.run.results[row.resultIndex]
            raw("<tr>")
            for c in columns {
                switch c {
                case .rank: raw("<td class=\"r\">\(row.rank.map(String.init) ?? "—")</td>")
                case .name:
                    raw("<td class=\"nm\">")
                    memberName(m)
                    raw("</td>")
                case .id: raw("<td class=\"id\">\(esc(m.id))</td>")
                case .sector: raw("<td>\(esc(m.sector))</td>")
                case .committee: raw("<td>\(esc(m.committee))</td>")
                case .role: raw("<td>\(esc(m.role))</td>")
                case .score: raw("<td class=\"r b\">\(esc(row.score.description))</td>")
                case .grade: gradeCell(row.gradeIndex)
                case .bandGrade: gradeCell(min(max(result.bandGrade, 0), grades.count - 1))
                case .why: raw("<td>\(esc(whyWorst(row, result)))</td>")
                case .vetoes: raw("<td>\(esc(row.vetoReasons.joined(separator: t("；", "; "))))</td>")
                case .requirements: raw("<td>\(esc(missedText(result)))</td>")
                case .joined: raw("<td>\(m.joined.map { esc($0.description) } ?? "")</td>")
                case .left: raw("<td>\(m.left.map { esc($0.description) } ?? "")</td>")
                case .served: raw("<td>\(row.partialPeriod ? esc(partialText(m)) : t("全期在任", "whole period"))</td>")
                case .previous: raw("<td>\(esc(previousText(row)))</td>")
                case .history:
                    raw("<td>\(esc(result.history.map { RunSummary.describe($0, rules: s.run.rules, lang: lang) }.joined(separator: t("；", "; "))))</td>")
                case .progress: raw("<td>\(esc(progressText(result)))</td>")
                }
            }
            raw("</tr>\n")
            o.drainIfNeeded()
        }
        raw("</tbody>\n</table>\n")
    }

    private mutating func gradeCell(_ gi: Int) {
        raw("<td class=\"gd\"><span class=\"sw k\(gi)\"></span>")
        text(grades[gi].name)
        raw("</td>")
    }

    /// Why a member has the worst grade: vetoes, missed requirements, or the score.
    func whyWorst(_ row: RunSummary.Row, _ r: MemberScore) -> String {
        var why: [String] = []
        for v in row.vetoReasons { why.append(t("否决：", "veto: ") + v) }
        let missed = missedText(r)
        if !missed.isEmpty { why.append(t("未达到最低要求：", "requirement not met: ") + missed) }
        for h in r.history where s.run.rules.history[h.condition].effect.grade != nil {
            why.append(RunSummary.describe(h, rules: s.run.rules, lang: lang))
        }
        let band = min(max(r.bandGrade, 0), grades.count - 1)
        if band == row.gradeIndex || why.isEmpty {
            if s.run.rules.usesQuotas {
                why.append(row.rank == nil ? t("不参与排名", "not ranked")
                           : t("名次第 \(row.rank!) 名（共 \(r.rankedInScope) 人），在后段名额内", "rank \(row.rank!) of \(r.rankedInScope), within the bottom quota"))
            } else if grades.count >= 2, let min = grades[grades.count - 2].min {
                why.append(t("总分 \(row.score) 低于 \(min) 分", "score \(row.score) below \(min)"))
            }
        }
        return why.joined(separator: t("；", "; "))
    }

    /// “出席全体会议（已有 0，要求 1；等次最高为基本合格）”, joined.
    func missedText(_ r: MemberScore) -> String {
        let rules = s.run.rules
        var parts: [String] = []
        for q in r.missedRequirements where q < rules.requirements.count {
            let req = rules.requirements[q]
            var have = Points.zero
            for e in r.ledger where e.record < 0 { if case .requirementMissed(q) = e.note { have = e.nominal } }
            parts.append(req.name + t("（已有 \(have)，要求 \(req.min)；\(effectText(req.effect))）", " (\(have) of \(req.min); \(effectText(req.effect)))"))
        }
        return parts.joined(separator: t("；", "; "))
    }

    func effectText(_ e: Requirement.Effect) -> String {
        func name(_ i: Int) -> String { i >= 0 && i < grades.count ? grades[i].name : "?" }
        switch e {
        case .capGrade(let g): return t("等次最高为\(name(g))", "grade at best \(name(g))")
        case .forceGrade(let g): return t("定为\(name(g))", "graded \(name(g))")
        case .deduct(let p): return t("扣 \(p) 分", "\(English.points(p)) deducted")
        case .flag: return t("仅作提示", "flagged only")
        }
    }

    // MARK: - 附录　考核细则

    /// The rule file in the words of the 细则, as RuleBook renders it (an escaped fragment).
    mutating func appendix() {
        raw("<section class=\"appendix\" id=\"rules\">\n<h2>\(t("附录　考核细则", "Appendix: the rules"))</h2>\n")
        raw("<p class=\"lead\">\(t("由本次使用的规则文件自动生成，与计分所用规则一致。", "Generated from the rule file this run used, so it says exactly what was applied."))</p>\n")
        if lang == .en {
            // The rule file's own grade and colour names beside the English ones the report uses.
            let named = s.run.rules.grades.filter { $0.englishName != $0.name || $0.englishColor != $0.color }
            if !named.isEmpty {
                raw("<p class=\"note\">Grade names in the rule file: ")
                for (i, g) in named.enumerated() {
                    if i > 0 { raw("; ") }
                    text("\(g.name) (\(g.englishName)), \(g.color) (\(g.englishColor))")
                }
                raw(".</p>\n")
            }
            raw(RuleBook.renderHTML(English.appendixRules(s.run.rules), lang: lang))
        } else {
            raw(RuleBook.renderHTML(s.run.rules, lang: lang))
        }
        raw("</section>\n")
    }
}
