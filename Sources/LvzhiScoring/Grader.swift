import LvzhiCore
import LvzhiRules

/// Ranks members within their scope and gives each a grade: by score band or by rank quota,
/// then minimum requirements and vetoes.
enum Grader {
    /// - Returns: the rank order of `results`, for the caller to put them in (their scores and
    ///   members are not changed by grading, so the keys taken out here still hold).
    static func rankAndGrade(_ results: inout [MemberScore], members: [Member], rules: RuleSet) -> RankOrder {
        let scope = rules.grading.scope
        var byScope: [String: [Int]] = [:]
        members.withUnsafeBufferPointer { members in
            for i in results.indices {
                let m = results[i].member
                results[i].rankScope = scope.key(members[m])
                let excluded = !members[m].ranked || (results[i].partialPeriod && rules.grading.partial == .exclude)
                if !excluded { byScope[results[i].rankScope, default: []].append(i) }
            }
        }
        let order = RankOrder(results, members: members)
        let scores = order.scores
        // Competition ranking ("1224") within each scope, best score first; ties share a rank.
        var reverseRank: [Int: Int] = [:]
        for (_, var idx) in byScope {
            idx.sort(by: order.before)
            var rank = 0
            for (pos, i) in idx.enumerated() {
                if pos == 0 || scores[i] != scores[idx[pos - 1]] { rank = pos + 1 }
                results[i].rank = rank
                results[i].rankedInScope = idx.count
            }
            // Rank from the bottom, for bottom quotas (ties share too).
            let worstFirst = Array(idx.reversed())
            var back = 0
            for (pos, i) in worstFirst.enumerated() {
                if pos == 0 || scores[i] != scores[worstFirst[pos - 1]] { back = pos + 1 }
                reverseRank[i] = back
            }
        }

        let grades = rules.grades
        let remainder = grades.firstIndex { $0.min == nil && $0.top == nil && $0.bottom == nil } ?? grades.count - 1
        for i in results.indices {
            var g: Int
            if rules.usesQuotas {
                g = remainder
                if let rank = results[i].rank {
                    let n = results[i].rankedInScope
                    // Top grades are cumulative from the best; bottom grades from the worst.
                    if let t = grades.firstIndex(where: { $0.top.map { rank <= $0.of(n) } ?? false }) {
                        g = t
                    } else if let b = grades.lastIndex(where: { $0.bottom.map { (reverseRank[i] ?? .max) <= $0.of(n) } ?? false }) {
                        g = b
                    }
                }
            } else {
                let score = results[i].score
                g = grades.firstIndex { gr in gr.min.map { score >= $0 } ?? true } ?? grades.count - 1
            }
            results[i].bandGrade = g
            for q in results[i].missedRequirements {
                switch rules.requirements[q].effect {
                // Missing a requirement never improves a grade: the least favourable counts,
                // whatever order the requirements are listed in (docs/rules.md §6).
                case .forceGrade(let f): g = max(g, f)
                case .capGrade(let c): g = max(g, c)
                case .deduct, .flag: break
                }
            }
            for (v, _) in results[i].vetoes { g = max(g, rules.vetoes[v].grade) }
            results[i].grade = g
        }
        return order
    }
}

/// The order of a run's results, in ranks and in the outputs: best score first, equal scores by
/// member id. Its keys are taken out of the results once: a comparison reading `results[a]`
/// copied a whole score (a dozen references counted), a tenth of a 4M-record run's last second.
struct RankOrder {
    let scores: [Points]
    let ids: [String]

    init(_ results: borrowing [MemberScore], members: [Member]) {
        scores = results.map { $0.score }
        ids = members.withUnsafeBufferPointer { members in results.map { members[$0.member].id } }
    }

    /// Whether result `a` comes before result `b`.
    func before(_ a: Int, _ b: Int) -> Bool {
        scores[a] != scores[b] ? scores[a] > scores[b] : ids[a] < ids[b]
    }
}
