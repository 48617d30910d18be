import Foundation
import LvzhiCore
import LvzhiRules

/// 二、五色图: every member a cell in their grade's colour, grouped by 界别, 专委会 or 职务.
///
/// The three groupings are all in the page; CSS-only radio buttons choose the one shown (no
/// script needed), and print always shows the grouping by 界别.
extension HTMLWriter {
    /// Members of one group (a 界别, 专委会 or 职务), best first.
    struct SectorGroup {
        var name: String
        var rows: [Int]
        var gradeCounts: [Int]
    }

    /// The ways the chart can be grouped.
    enum Grouping: CaseIterable {
        case sector, committee, role

        var id: String {
            switch self {
            case .sector: "sector"
            case .committee: "committee"
            case .role: "role"
            }
        }

        /// The group a member belongs to: for 专委会 the home committee (the first listed), as in
        /// ranking (``Member/homeCommittee``).
        func key(_ m: Member) -> String {
            switch self {
            case .sector: m.sector
            case .committee: m.homeCommittee
            case .role: m.role
            }
        }
    }

    /// The first of several 专委会 written in one cell (`经济委员会；提案委员会`), trimmed: the
    /// home committee (``Member/list(_:)``, the one parse of a member list).
    static func firstCommittee(_ text: String) -> String { Member.list(text).first ?? "" }


    /// Offices list 职务 from the top down; other roles follow by size.
    static let roleOrder = ["主席", "副主席", "秘书长", "副秘书长", "常委", "委员"]

    /// Groups members by 界别 in a stable order: most members first, then by name.
    func sectorGroups() -> [SectorGroup] { groups(.sector) }

    /// Groups in a stable order: for 职务 the usual order of office, otherwise (and for other
    /// roles) most members first, then by name; inside a group by score (highest first), then
    /// member id.
    func groups(_ grouping: Grouping) -> [SectorGroup] {
        var index: [String: Int] = [:]
        var groups: [SectorGroup] = []
        for (i, row) in s.rows.enumerated() {
            let key = grouping.key(row.member)
            if let g = index[key] {
                groups[g].rows.append(i)
            } else {
                index[key] = groups.count
                groups.append(SectorGroup(name: key, rows: [i], gradeCounts: []))
            }
        }
        for g in groups.indices {
            var counts = [Int](repeating: 0, count: grades.count)
            for r in groups[g].rows where s.rows[r].gradeIndex < counts.count { counts[s.rows[r].gradeIndex] += 1 }
            groups[g].gradeCounts = counts
            groups[g].rows.sort { a, b in
                let x = s.rows[a], y = s.rows[b]
                if x.score != y.score { return x.score > y.score }
                return x.member.id < y.member.id
            }
        }
        let order = grouping == .role ? Self.roleOrder : []
        groups.sort { a, b in
            let oa = order.firstIndex(of: a.name) ?? order.count, ob = order.firstIndex(of: b.name) ?? order.count
            if oa != ob { return oa < ob }
            if a.rows.count != b.rows.count { return a.rows.count > b.rows.count }
            // Unnamed group last among equals; then by name, bytewise.
            if a.name.isEmpty != b.name.isEmpty { return b.name.isEmpty }
            return Array(a.name.utf8).lexicographicallyPrecedes(Array(b.name.utf8))
        }
        return groups
    }

    func groupingLabel(_ g: Grouping) -> String {
        switch g {
        case .sector: t("按界别", "By sector")
        case .committee: t("按专委会", "By committee")
        case .role: t("按职务", "By role")
        }
    }

    func unnamedGroup(_ g: Grouping) -> String {
        switch g {
        case .sector: t("（未填界别）", "(no sector)")
        case .committee: t("（未填专委会）", "(no committee)")
        case .role: t("（未填职务）", "(no role)")
        }
    }

    /// Marks shown on a member's cell and in the table.
    func marks(_ row: RunSummary.Row) -> String {
        var m = ""
        if !row.vetoReasons.isEmpty { m += "※" }
        if row.partialPeriod { m += "▲" }
        if row.rank == nil { m += "○" }
        return m
    }

    mutating func chart() {
        raw("<section class=\"chart\" id=\"chart\">\n<h2>\(t("二、五色图", "2. Five-colour chart"))</h2>\n")
        let leadText = t("每格为一名委员，按所得等次着色，标注姓名和总分；可按界别、专委会或职务分组（多个专委会的按第一个），组内按总分从高到低排列。打印时按界别分组。",
                         "One cell per member, coloured by grade, with name and total score; grouped by sector, committee (the first one listed) or role, highest score first within each group. Printed by sector.")
        raw("<p class=\"lead\">\(leadText)</p>\n")
        if s.rows.isEmpty {
            raw("<p class=\"empty\">\(t("没有委员。", "No members."))</p>\n</section>\n")
            return
        }
        let views = Grouping.allCases.map { ($0, groups($0)) }
        if s.rows.count > Self.largeDistrict, let bySector = views.first?.1 { overviewBars(bySector) }
        // The radio buttons come first so that `:checked ~` can reach the tabs and the views.
        for (g, _) in views {
            raw("<input type=\"radio\" class=\"by\" name=\"wuse-by\" id=\"by-\(g.id)\"\(g == .sector ? " checked" : "")>")
        }
        raw("\n<div class=\"bytabs\" role=\"group\" aria-label=\"\(t("分组方式", "Group by"))\">")
        for (g, groups) in views {
            raw("<label for=\"by-\(g.id)\">\(groupingLabel(g))<span class=\"n\">\(groups.count)</span></label>")
        }
        raw("</div>\n")
        for (g, groups) in views {
            raw("<div class=\"byview v-\(g.id)\">\n")
            // A table so that the legend (its head) repeats on every printed page of the chart.
            raw("<table class=\"wuse\">\n<colgroup><col class=\"c-sector\"><col></colgroup>\n<thead><tr><td colspan=\"2\">")
            chipLegend()
            raw("</td></tr></thead>\n<tbody>\n")
            for group in groups {
                // A large group in rows of `chunk` cells, each continuation named “（续）”, so that
                // a group running onto the next printed page is labelled there.
                var start = 0
                while start < group.rows.count {
                    let end = min(group.rows.count, start + Self.chartChunk)
                    raw(start == 0 ? "<tr><th scope=\"row\"><span class=\"sname\">" : "<tr class=\"cont\"><th scope=\"row\"><span class=\"sname\">")
                    text(group.name.isEmpty ? unnamedGroup(g) : group.name)
                    if start == 0 {
                        raw("</span><span class=\"scount\">\(t("\(group.rows.count) 人", English.members(group.rows.count)))</span>")
                        miniBar(group.gradeCounts, total: group.rows.count)
                    } else {
                        raw("</span><span class=\"scount\">\(t("（续，第 \(start + 1)–\(end) 人）", "(cont., \(start + 1)–\(end))"))</span>")
                    }
                    raw("</th><td><div class=\"cells\">")
                    for r in group.rows[start..<end] { cell(s.rows[r]) }
                    raw("</div></td></tr>\n")
                    o.drainIfNeeded()
                    start = end
                }
            }
            raw("</tbody>\n</table>\n</div>\n")
        }
        markNotes()
        raw("</section>\n")
    }

    /// Cells per row of the chart table: a group longer than this continues in another row
    /// (about half a printed page), labelled with the group's name and “（续）”.
    static let chartChunk = 48

    /// For a large district, above the tiles: each 界别 as one stacked bar of its grades
    /// (counts written in the bar), so that the whole district fits on a screen.
    mutating func overviewBars(_ groups: [SectorGroup]) {
        raw("<div class=\"ov\">\n<h3>\(t("各界别等次构成", "Grades by sector"))<span>")
        text(t("委员 \(memberCount.grouped) 人，每行一个界别；下面再按界别列出每位委员。", "\(memberCount.grouped) members, one bar per sector; every member's cell follows below."))
        raw("</span></h3>\n<table class=\"sbars\">\n<tbody>\n")
        for g in groups {
            raw("<tr><th scope=\"row\">")
            text(g.name.isEmpty ? unnamedGroup(.sector) : g.name)
            raw("</th><td class=\"r\">\(t("\(g.rows.count.grouped) 人", g.rows.count.grouped))</td><td class=\"bar\"><span class=\"sbar\">")
            for (i, n) in g.gradeCounts.enumerated() where n > 0 {
                raw("<span class=\"g\(i)\" style=\"width:\(Format.percent(n, of: g.rows.count))\" title=\"")
                text("\(grades[i].color) · \(grades[i].name) \(n)")
                raw("\">")
                // The count inside its segment when the segment is wide enough to hold it.
                if n * 100 >= g.rows.count * 5 { raw("\(n)") }
                raw("</span>")
            }
            raw("</span></td></tr>\n")
        }
        raw("</tbody>\n</table>\n</div>\n")
    }

    /// The compact legend on top of the chart: one chip per grade with threshold and count.
    mutating func chipLegend() {
        let total = gradeTotal
        raw("<div class=\"chips\">")
        for (i, g) in grades.enumerated() {
            let n = i < s.run.gradeCounts.count ? s.run.gradeCounts[i] : 0
            raw("<span class=\"chip\"><span class=\"sw k\(i)\"></span><b>")
            text(g.color)
            raw("</b> ")
            text(g.name)
            raw(" <span class=\"thr\">")
            text(threshold(i))
            raw("</span> <span class=\"cnt\">· \(t("\(n) 人", "\(n)")) · \(Format.percent(n, of: total))</span></span>")
        }
        raw("</div>")
        raw("<div class=\"keys\">\(t("※ 有否决事项　▲ 考核期间内任职不满全期　○ 不参与排名", "※ veto applied　▲ served part of the period　○ not ranked"))</div>")
    }

    /// A thin stacked bar of a sector's grade shares.
    mutating func miniBar(_ counts: [Int], total: Int) {
        raw("<span class=\"mini\" aria-hidden=\"true\">")
        for (i, n) in counts.enumerated() where n > 0 {
            raw("<span class=\"k\(i)\" style=\"width:\(Format.percent(n, of: total))\"></span>")
        }
        raw("</span>")
    }

    mutating func cell(_ row: RunSummary.Row) {
        let m = row.member
        let width = Format.displayWidth(m.name)
        let size = width <= 8 ? "" : width <= 12 ? " l" : " xl"
        let gi = row.gradeIndex
        let tag = memberPages == nil ? "div" : "a"
        raw("<\(tag) class=\"m g\(gi)\(size)\"")
        if let href = memberHref(m.id) { raw(" href=\"\(href)\"") }
        raw(" title=\"")
        // Tooltip: id and name / sector and role / score, rank, grade / veto or partial period.
        text(m.id); raw(" "); text(m.name); raw("&#10;")
        if !m.sector.isEmpty || !m.role.isEmpty {
            text([m.sector, m.role].filter { !$0.isEmpty }.joined(separator: " · ")); raw("&#10;")
        }
        raw(t("总分 ", "Score ")); text(row.score.description)
        raw(" · ")
        if let rank = row.rank { raw(t("第 \(rank) 名", "rank \(rank)")) } else { raw(t("不参与排名", "not ranked")) }
        raw(" · "); text(grades[gi].name); raw(t("（", " (")); text(grades[gi].color); raw(t("）", ")"))
        for v in row.vetoReasons { raw("&#10;※ "); raw(t("否决：", "veto: ")); text(v) }
        if row.partialPeriod { raw("&#10;▲ "); text(partialText(m)) }
        raw("\"><span class=\"n\">")
        text(m.name)
        raw("</span><span class=\"s\">")
        text(row.score.description)
        // The marks follow the score on its own line: in a corner they covered the name's last
        // character wherever the name filled the cell (four characters in print).
        let mk = marks(row)
        if !mk.isEmpty { raw("<i>\(mk)</i>") }
        raw("</span></\(tag)>")
    }

    /// "自 2025-04-01 任职；2025-09-30 离任"
    func partialText(_ m: Member) -> String {
        var parts: [String] = []
        let period = s.run.period
        if let j = m.joined, j > period.start { parts.append(t("\(j) 起任职", "joined \(j)")) }
        if let l = m.left, l < period.end { parts.append(t("\(l) 离任", "left \(l)")) }
        if parts.isEmpty { return t("任职不满全期", "served part of the period") }
        return parts.joined(separator: t("，", ", "))
    }

    /// Under the chart: what the marks mean, and who carries them.
    mutating func markNotes() {
        let vetoed = s.rows.filter { !$0.vetoReasons.isEmpty }
        let partial = s.rows.filter(\.partialPeriod)
        let unranked = s.rows.filter { $0.rank == nil }
        raw("<div class=\"marknotes\">\n")
        raw("<p><b>※</b> \(t("有否决事项：按否决规定定等，不论分数。", "Veto applied: graded by the veto, whatever the score."))")
        listMembers(vetoed) { w, row in
            w.raw("（")
            w.text(row.vetoReasons.joined(separator: w.t("；", "; ")))
            w.raw("）")
        }
        raw("</p>\n<p><b>▲</b> \(t("考核期间内新任或离任，任职不满全期。", "Joined or left during the period."))")
        listMembers(partial) { w, row in
            w.raw("（")
            w.text(w.partialText(row.member))
            w.raw("）")
        }
        raw("</p>\n<p><b>○</b> \(t("不参与排名（如主席、不计分人员），照常计分定等。", "Not ranked (e.g. the chair); scored and graded as usual."))")
        listMembers(unranked) { _, _ in }
        raw("</p>\n</div>\n")
    }

    private mutating func listMembers(_ rows: [RunSummary.Row], detail: (inout HTMLWriter, RunSummary.Row) -> Void) {
        if rows.isEmpty {
            raw(" <span class=\"muted\">\(t("本次无。", "None in this run."))</span>")
            return
        }
        raw(" <span class=\"who\">")
        for (i, row) in rows.enumerated() {
            if i > 0 { raw(t("、", "; ")) }
            raw("<span class=\"nb\">")
            text(row.member.name)
            raw(" <span class=\"id\">")
            text(row.member.id)
            raw("</span>")
            detail(&self, row)
            raw("</span>")
        }
        raw("</span>")
    }
}
