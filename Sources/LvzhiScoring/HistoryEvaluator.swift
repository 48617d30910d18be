import LvzhiCore
import LvzhiRules

/// A multi-year condition that held for a member, with what it counted.
public struct HistoryHit: Sendable, Equatable {
    /// Index into the rule set's `history`.
    public var condition: Int
    /// What was counted: periods with the grade (this one included) or records of the rule.
    public var count: Int
    /// Of `count`, the part from this period.
    public var current: Int
    /// The earlier periods that contributed, oldest first.
    public var earlier: [Period]

    public init(condition: Int, count: Int, current: Int, earlier: [Period]) {
        self.condition = condition
        self.count = count
        self.current = current
        self.earlier = earlier
    }
}

/// Evaluates the rule file's `history` conditions after grading, and applies their effects.
///
/// Each condition reads this period's grade (after requirements and vetoes, before any history
/// effect, so conditions do not feed on each other) and this period's ledger, and the member's
/// earlier periods from ``HistoryFacts``. With no facts, earlier periods count as nothing: a
/// "two years in a row" condition cannot hold and a term count covers this period only.
enum HistoryEvaluator {
    static func apply(_ results: inout [MemberScore], members: [Member], rules: RuleSet, period: Period, facts: HistoryFacts) {
        guard !rules.history.isEmpty else { return }
        let term = rules.term.map { $0.containing(period.start) }
        for i in results.indices {
            let member = members[results[i].member]
            let id = member.id
            let memberFacts = facts.inOffice(member)
            let gradeName = rules.grades[results[i].grade].name
            var hits: [HistoryHit] = []
            for (h, cond) in rules.history.enumerated() {
                if let hit = evaluate(cond, index: h, memberID: id, gradeName: gradeName, result: results[i],
                                      rules: rules, period: period, term: term, facts: memberFacts) {
                    hits.append(hit)
                }
            }
            guard !hits.isEmpty else { continue }
            var g = results[i].grade
            for hit in hits {
                if let f = rules.history[hit.condition].effect.grade { g = max(g, f) }
                results[i].ledger.append(LedgerEntry(record: -1, rule: -1, category: -1, points: .zero,
                                                     nominal: Points(hit.count), note: .history(hit.condition)))
            }
            results[i].grade = g
            results[i].history = hits
        }
    }

    static func targetName(_ g: HistoryCondition.GradeTest, rules: RuleSet) -> String {
        switch g {
        case .named(let i): rules.grades[i].name
        case .lowest: rules.grades[rules.grades.count - 1].name
        }
    }

    static func evaluate(_ cond: HistoryCondition, index: Int, memberID: String, gradeName: String, result: MemberScore,
                         rules: RuleSet, period: Period, term: Period?, facts: HistoryFacts) -> HistoryHit? {
        let ledger = result.ledger
        switch cond.test {
        case .bottomConsecutive(let share, let years):
            guard let rank = result.rank, HistoryFacts.inBottom(rank: rank, of: result.rankedInScope, share) else { return nil }
            var earlier: [Period] = []
            var cursor = period.start
            while earlier.count < years - 1 {
                guard let prior = facts.period(for: memberID, endingBefore: cursor, days: period.days),
                      prior.inBottom(share) else { return nil }
                earlier.insert(prior.period, at: 0)
                cursor = prior.period.start
            }
            return HistoryHit(condition: index, count: years, current: 1, earlier: earlier)
        case .consecutiveScore(let below, let years):
            guard result.score < below else { return nil }
            var earlier: [Period] = []
            var cursor = period.start
            while earlier.count < years - 1 {
                guard let prior = facts.period(for: memberID, endingBefore: cursor, days: period.days),
                      let score = prior.score, score < below else { return nil }
                earlier.insert(prior.period, at: 0)
                cursor = prior.period.start
            }
            return HistoryHit(condition: index, count: years, current: 1, earlier: earlier)
        case .consecutiveGrade(let g, let years):
            let target = targetName(g, rules: rules)
            guard gradeName == target else { return nil }
            var earlier: [Period] = []
            var cursor = period.start
            while earlier.count < years - 1 {
                guard let prior = facts.period(for: memberID, endingBefore: cursor, days: period.days),
                      prior.grade == target else { return nil }
                earlier.insert(prior.period, at: 0)
                cursor = prior.period.start
            }
            return HistoryHit(condition: index, count: years, current: 1, earlier: earlier)
        case .gradeInTerm(let g, let min):
            guard let term else { return nil }
            let target = targetName(g, rules: rules)
            let current = gradeName == target ? 1 : 0
            let earlier = facts.earlier(for: memberID, before: period.start)
                .filter { $0.period.start >= term.start && $0.grade == target }.map(\.period)
            let count = current + earlier.count
            return count >= min ? HistoryHit(condition: index, count: count, current: current, earlier: earlier) : nil
        case .ruleCountInTerm(let rule, let min):
            guard let term else { return nil }
            let current = ledger.reduce(0) { $0 + ($1.rule == Int32(rule) && $1.record >= 0 ? 1 : 0) }
            let ruleID = rules.rules[rule].id
            var count = current
            var earlier: [Period] = []
            for prior in facts.earlier(for: memberID, before: period.start) where prior.period.start >= term.start {
                let n = prior.ruleCounts[ruleID] ?? 0
                if n > 0 { count += n; earlier.append(prior.period) }
            }
            return count >= min ? HistoryHit(condition: index, count: count, current: current, earlier: earlier) : nil
        }
    }
}
