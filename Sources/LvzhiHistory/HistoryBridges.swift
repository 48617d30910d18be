import LvzhiCore
import LvzhiReport
import LvzhiRules
import LvzhiScoring

// How stored runs feed the parts of lvzhi that read the history: the rule file's multi-year
// conditions (HistoryFacts), the reports' year-over-year sections (PreviousResults), and
// `lvzhi diff` between two stored runs (ResultSet). One conversion each, used by every caller.

extension PriorResults {
    /// Earlier periods' grades, scores, ranks and per-rule counts for the rule file's `history`
    /// conditions; `nil` when the history holds no earlier period (the run then says so).
    public var facts: HistoryFacts? {
        guard !periods.isEmpty else { return nil }
        var byMember: [String: [HistoryFacts.Prior]] = [:]
        for p in periods {
            for (id, r) in p.results {
                byMember[id, default: []].append(HistoryFacts.Prior(
                    period: p.run.period, grade: r.grade, score: r.score, ruleCounts: r.ruleCounts,
                    rank: r.rank, ranked: r.rankedInScope))
            }
        }
        return HistoryFacts(byMember: byMember)
    }

    /// Last period's results for the year-over-year parts of the reports: only when the most
    /// recent stored period ends the day before `period` starts (a 2023 result is not "last
    /// year" for 2025), with the grades of the period before it when that one is adjacent too.
    public func previous(for period: Period, lang: Language) -> PreviousResults? {
        guard let last = periods.first, last.run.period.end.adding(days: 1) == period.start else { return nil }
        let before = periods.dropFirst().first.flatMap { p in
            p.run.period.end.adding(days: 1) == last.run.period.start ? p : nil
        }
        var previous = PreviousResults(ResultSet(history: last.run, results: Array(last.results.values), lang: lang),
                                       before: before.map { ResultSet(history: $0.run, results: Array($0.results.values), lang: lang) })
        // Named by its period ("2024", as `--period` and `lvzhi history` write it), not by the
        // comparison label "2024（草稿，运行 #1）": the reports and members' pages say "上年 2024 …"
        // and scores.json's `previous_period` / `previous.period` stay plain data.
        previous.label = last.run.periodLabel
        previous.period = last.run.period
        for id in previous.members.keys { previous.members[id]?.period = last.run.periodLabel }
        return previous
    }
}

extension ResultSet {
    /// A stored run as one side of a comparison (scores, grades and category points; the
    /// history keeps no ledgers). Labelled “2024（已公布，运行 #3）”.
    public init(history run: HistoryRun, results: [HistoryMemberResult], lang: Language) {
        let status = run.status == .published ? lang.pick("已公布", "published") : lang.pick("草稿", "draft")
        let label = run.periodLabel + lang.pick("（\(status)，运行 #\(run.id)）", " (\(status), run #\(run.id))")
        let names = Dictionary(run.categories.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let members = results.sorted { $0.memberID < $1.memberID }.map { r in
            var cats: [String: Points] = [:]
            for (id, p) in r.categoryPoints { cats[names[id] ?? id] = p }
            return MemberResult(id: r.memberID, name: r.name, sector: r.sector, committee: r.committee, score: r.score,
                                gradeName: r.grade, gradeIndex: r.gradeIndex, gradeColor: r.color, rank: r.rank,
                                categories: cats, ledger: nil)
        }
        self.init(label: label, grades: run.grades.map { GradeInfo(name: $0.name, color: $0.color, hex: $0.hex) },
                  categories: run.categories.map(\.name), members: members, rejected: run.rejected)
    }
}

extension HistoryCorrection {
    /// A correction applied to a run, as stored with it.
    public init(_ c: AppliedCorrection) {
        self.init(seq: c.seq, action: c.action.rawValue, recordID: c.recordID, memberID: c.memberID, detail: c.detail(.zh),
                  reason: c.reason, approvedBy: c.approvedBy, source: c.source)
    }
}
