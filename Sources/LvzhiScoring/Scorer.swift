import Dispatch
import LvzhiCore
import LvzhiIngest
import LvzhiRules

/// The result of scoring: every member's score, grade and ledger, and what went in.
public struct ScoreRun: Sendable {
    public var rules: RuleSet
    public var period: Period
    public var members: [Member]
    public var store: ActivityStore
    public var rejects: [Reject]
    public var files: [FileReport]
    /// Ordered by score (highest first), then member id.
    public var results: [MemberScore]
    /// Members per grade, in grade order.
    public var gradeCounts: [Int]

    public var recordsScored: Int { store.records.count }
    public var recordsUnmatched: Int { results.reduce(0) { $0 + $1.unmatched } }
}

/// Applies a rule set to ingested records.
///
/// The result does not depend on the order of the input: each member's records are taken in
/// (date, activity id) order, which decides which record a cap cuts; ties in score are broken
/// by member id for display and share a rank.
public enum Scorer {
    public static func score(_ ingest: IngestResult, rules: RuleSet, period: Period) -> ScoreRun {
        var store = ingest.store
        let compiled = CompiledRules(rules, symbols: &store.symbols, marks: store.marks, members: ingest.members)
        let records = store.records
        let memberCount = ingest.members.count

        // Group record indices by member (counting sort keeps this linear).
        var starts = [Int](repeating: 0, count: memberCount + 1)
        for r in records { starts[Int(r.member) + 1] += 1 }
        for i in 0..<memberCount { starts[i + 1] += starts[i] }
        var order = [Int32](repeating: 0, count: records.count)
        var fill = starts
        for (i, r) in records.enumerated() {
            order[fill[Int(r.member)]] = Int32(i)
            fill[Int(r.member)] += 1
        }

        let memberStarts = starts
        let memberOrder = order
        var results = [MemberScore?](repeating: nil, count: memberCount)
        let arena = store.arena
        let chunks = max(1, min(memberCount, 64))
        results.withUnsafeMutableBufferPointer { out in
            let outBase = out.baseAddress!
            nonisolated(unsafe) let outPtr = outBase
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let lo = chunk * memberCount / chunks
                let hi = (chunk + 1) * memberCount / chunks
                var state = MemberState(ruleCount: rules.rules.count, categoryCount: rules.categories.count)
                for m in lo..<hi {
                    var mine = Array(memberOrder[memberStarts[m]..<memberStarts[m + 1]])
                    sortRecords(&mine, records: records, arena: arena)
                    outPtr[m] = scoreMember(m, records: mine, all: records, compiled: compiled, rules: rules,
                                            member: ingest.members[m], period: period, state: &state)
                }
            }
        }

        var scored = results.map { $0! }
        // Rank: competition ranking ("1224") among ranked members.
        scored.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            return ingest.members[a.member].id < ingest.members[b.member].id
        }
        var rank = 0, seen = 0
        var last: Points?
        for i in scored.indices where ingest.members[scored[i].member].ranked {
            seen += 1
            if scored[i].score != last { rank = seen; last = scored[i].score }
            scored[i].rank = rank
        }
        var counts = [Int](repeating: 0, count: rules.grades.count)
        for s in scored { counts[s.grade] += 1 }
        return ScoreRun(rules: rules, period: period, members: ingest.members, store: store, rejects: ingest.rejects,
                        files: ingest.files, results: scored, gradeCounts: counts)
    }

    /// Sorts a member's records by date, then activity id (bytewise).
    static func sortRecords(_ idx: inout [Int32], records: [Activity], arena: StringArena) {
        arena.bytes.withUnsafeBufferPointer { bytes in
            idx.sort { x, y in
                let a = records[Int(x)], b = records[Int(y)]
                if a.date != b.date { return a.date < b.date }
                let la = Int(a.id.length), lb = Int(b.id.length)
                let n = min(la, lb)
                let pa = bytes.baseAddress! + Int(a.id.offset), pb = bytes.baseAddress! + Int(b.id.offset)
                for k in 0..<n where pa[k] != pb[k] { return pa[k] < pb[k] }
                return la < lb
            }
        }
    }

    struct MemberState {
        var ruleTotals: [Points]
        var ruleCounts: [Int]
        var categoryTotals: [Points]
        init(ruleCount: Int, categoryCount: Int) {
            ruleTotals = [Points](repeating: .zero, count: ruleCount)
            ruleCounts = [Int](repeating: 0, count: ruleCount)
            categoryTotals = [Points](repeating: .zero, count: categoryCount)
        }
        mutating func reset() {
            for i in ruleTotals.indices { ruleTotals[i] = .zero; ruleCounts[i] = 0 }
            for i in categoryTotals.indices { categoryTotals[i] = .zero }
        }
    }

    static func scoreMember(_ m: Int, records idx: [Int32], all: [Activity], compiled: CompiledRules, rules: RuleSet,
                            member: Member, period: Period, state: inout MemberState) -> MemberScore {
        state.reset()
        var ledger: [LedgerEntry] = []
        ledger.reserveCapacity(idx.count + 4)
        var vetoes: [(veto: Int, record: Int32)] = []
        var unmatched = 0
        for ri in idx {
            let rec = all[Int(ri)]
            var matched = false
            for r in compiled.candidates(kind: rec.kind) where compiled.rules[r].matches(rec, memberRole: compiled.memberRoles[m]) {
                matched = true
                let rule = rules.rules[r]
                let nominal = rule.basis == .quantity ? rule.points * rec.quantity : rule.points
                var awarded = nominal
                var note = LedgerEntry.Note.full
                if let maxCount = rule.maxCount, state.ruleCounts[r] >= maxCount {
                    awarded = .zero
                    note = .countLimited(max: maxCount)
                } else if let cap = rule.cap {
                    let used = state.ruleTotals[r].raw.magnitude
                    let remaining = cap.raw.magnitude > used ? Int64(cap.raw.magnitude - used) : 0
                    if nominal.raw.magnitude > UInt64(remaining) {
                        awarded = Points(raw: nominal.isNegative ? -remaining : remaining)
                        note = .ruleCapped(cap: cap)
                    }
                }
                if case .countLimited = note {} else { state.ruleCounts[r] += 1 }
                state.ruleTotals[r] += awarded
                state.categoryTotals[rule.category] += awarded
                ledger.append(LedgerEntry(record: ri, rule: Int32(r), category: Int32(rule.category),
                                          points: awarded, nominal: nominal, note: note))
            }
            for (v, veto) in compiled.vetoes.enumerated() where veto.matches(rec, memberRole: compiled.memberRoles[m]) {
                matched = true
                vetoes.append((v, ri))
                ledger.append(LedgerEntry(record: ri, rule: -1, category: -1, points: .zero, nominal: .zero, note: .veto(v)))
            }
            if !matched {
                unmatched += 1
                ledger.append(LedgerEntry(record: ri, rule: -1, category: -1, points: .zero, nominal: .zero, note: .noRule))
            }
        }
        var categoryPoints = state.categoryTotals
        var total = rules.base
        if !rules.base.isZero {
            ledger.append(LedgerEntry(record: -1, rule: -1, category: -1, points: rules.base, nominal: rules.base, note: .base))
        }
        for (c, category) in rules.categories.enumerated() {
            let raw = categoryPoints[c]
            if let cap = category.cap, raw > cap {
                ledger.append(LedgerEntry(record: -1, rule: -1, category: Int32(c), points: cap - raw, nominal: raw,
                                          note: .categoryCapped(cap: cap)))
                categoryPoints[c] = cap
            } else if let floor = category.floor, raw < floor {
                ledger.append(LedgerEntry(record: -1, rule: -1, category: Int32(c), points: floor - raw, nominal: raw,
                                          note: .categoryFloored(floor: floor)))
                categoryPoints[c] = floor
            }
            total += categoryPoints[c]
        }
        if let hi = rules.maxScore, total > hi {
            ledger.append(LedgerEntry(record: -1, rule: -1, category: -1, points: hi - total, nominal: total, note: .scoreCapped(max: hi)))
            total = hi
        } else if let lo = rules.minScore, total < lo {
            ledger.append(LedgerEntry(record: -1, rule: -1, category: -1, points: lo - total, nominal: total, note: .scoreFloored(min: lo)))
            total = lo
        }
        var grade = rules.grades.firstIndex { g in g.min.map { total >= $0 } ?? true } ?? rules.grades.count - 1
        for (v, _) in vetoes { grade = max(grade, rules.vetoes[v].grade) }
        return MemberScore(member: m, score: total, categoryPoints: categoryPoints, rank: nil, grade: grade,
                           vetoes: vetoes, records: idx.count, unmatched: unmatched, ledger: ledger,
                           partialPeriod: member.servedPartOf(period))
    }
}
