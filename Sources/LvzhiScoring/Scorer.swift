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
    /// The corrections applied to the inputs (复核), in the corrections file's order.
    public var corrections: [AppliedCorrection] = []
    /// For each member a correction names: the score and grade without the corrections
    /// (keyed by member id; empty without corrections).
    public var uncorrected: [String: CorrectionEffect] = [:]
    /// Set for a year-to-date run (`--as-of`): records dated after it were set aside, and
    /// `period` ends on it.
    public var asOf: Day?
    /// The period the rules were written for, when this run covers only part of it (a quarter
    /// of the year, or the year to date); requirements then show progress instead of applying.
    public var fullPeriod: Period?
    /// Records dated after `asOf`: accepted, not scored, not rejected (counted in the next 通报).
    public var recordsAfterAsOf: Int = 0
    /// Set for a run over part of the rule file's period (`--period 2025-Q2` with `period: 2025`):
    /// that part. The records were read against `fullPeriod`, so those of the same period outside
    /// this part were set aside rather than rejected.
    public var part: Period?
    /// Records dated inside `fullPeriod` but outside `part`: accepted, not scored, not rejected.
    public var recordsOutsidePart: Int = 0
    /// Every record read and accepted that this run neither scored nor rejected: outside `part`
    /// or after `asOf` (corrections' removals aside).
    public var recordsSetAside: Int { recordsOutsidePart + recordsAfterAsOf }
    /// Whether earlier periods' results were given for the rule file's `history` conditions.
    public var historyAvailable: Bool = false
    /// Things the office should know about this run (shown in the report and on stderr).
    public var notices: [RunNotice] = []
    /// True for a quarterly or year-to-date 通报: requirements report progress and do not apply.
    public var isProgressRun: Bool { fullPeriod != nil }

    /// The first member (in roster order) with a value that could not be represented exactly;
    /// such a run must not be shown (``ScoringPipeline`` refuses it, exit 3).
    public var overflow: ScoreOverflow? {
        // Scored from disk: the ledger's record numbers are the partition's, so the overflow was
        // described while the partition was read.
        if store.onDisk > 0 || spilledOverflow != nil { return spilledOverflow }
        guard let r = results.filter({ $0.overflow != nil }).min(by: { $0.member < $1.member }) else { return nil }
        let line = r.overflow!
        let e = line >= 0 ? r.ledger[line] : nil
        let record = e.flatMap { $0.record >= 0 ? store.records[Int($0.record)] : nil }
        return ScoreOverflow(memberID: members[r.member].id, ruleID: e.flatMap { $0.rule >= 0 ? rules.rules[Int($0.rule)].id : nil },
                             location: record.map { store.location(of: $0) },
                             ruleLocation: e.flatMap { $0.rule >= 0 ? rules.rules[Int($0.rule)].location : nil })
    }

    /// Set when the records were scored from disk: the first overflow, in roster order.
    var spilledOverflow: ScoreOverflow?

    public var recordsScored: Int { store.records.count + store.onDisk }
    public var recordsUnmatched: Int { results.reduce(0) { $0 + $1.unmatched } }
}

/// A member's score that cannot be represented exactly (a numerator or denominator beyond 64
/// bits, see ``Points``): an error naming the member, the rule and the record, never a crash and
/// never a rounded score. Diagnostic id P001.
public struct ScoreOverflow: Error, Sendable, Equatable {
    public var memberID: String
    public var ruleID: String?
    /// The record whose points overflowed, if one did (otherwise a total did).
    public var location: SourceLocation?
    /// The rule in the rule file.
    public var ruleLocation: SourceLocation?

    public var diagnostic: Diagnostic {
        let rule = ruleID.map { "规则 \($0) " } ?? ""
        let ruleEn = ruleID.map { "rule \($0) " } ?? ""
        return Diagnostic(id: "P001", location: location ?? ruleLocation,
                          zh: "委员 \(memberID) 的\(rule)得分超出精确计算的范围（分子或分母超过 64 位），没有评分",
                          en: "member \(memberID): \(ruleEn)points exceed the range of exact arithmetic (a numerator or denominator beyond 64 bits); nothing was scored",
                          hintZh: "检查该记录的数量和规则的分值是否写错（lvzhi check 限定的范围见 docs/rules.md 第 10 节）",
                          hintEn: "check the record's quantity and the rule's points (the ranges lvzhi check enforces are in docs/rules.md §10)")
    }
}

/// A remark about a run as a whole (no history for the history conditions, records after the
/// as-of date …).
public struct RunNotice: Sendable, Equatable {
    public var id: String
    public var zh: String
    public var en: String
    public init(id: String, zh: String, en: String) {
        self.id = id
        self.zh = zh
        self.en = en
    }
    public func message(_ lang: Language) -> String { lang.pick(zh, en) }
}

/// What a run needs besides the records and the rules.
public struct ScoreOptions: Sendable {
    /// Earlier periods' results for the rule file's `history` conditions; nil when none are available.
    public var history: HistoryFacts?
    /// Year to date: score records up to this day (inclusive) of the period; later ones are set aside.
    public var asOf: Day?
    /// The period the rule file's requirements are written for, when the run covers only part of
    /// it (a quarter): requirements show progress and do not cap, force or deduct.
    public var fullPeriod: Period?
    /// Score only this part of the period the records were read for (a quarter of the rule
    /// file's year); the period's other records are set aside, neither scored nor rejected.
    public var part: Period?
    /// Keep every member's ledger (``MemberScore/ledger``). A run whose outputs show no ledger
    /// (scores.csv, scores.json, rejects.csv, without the history) sets it to false: each
    /// member's ledger is then dropped once the member is scored, so memory does not hold a
    /// line per record. Ledgers are kept regardless when the rule file has `history`
    /// conditions (they read them) and for a member whose arithmetic overflowed (P001 names the line).
    public var keepLedgers: Bool

    public init(history: HistoryFacts? = nil, asOf: Day? = nil, fullPeriod: Period? = nil, part: Period? = nil,
                keepLedgers: Bool = true) {
        self.history = history
        self.asOf = asOf
        self.fullPeriod = fullPeriod
        self.part = part
        self.keepLedgers = keepLedgers
    }
}

/// Applies a rule set to ingested records.
///
/// The result does not depend on the order of the input: each member's records are taken in
/// (date, activity id) order, which decides which record a cap cuts; co-authors of one item
/// are ordered lead first, then by activity id; ties in score are broken by member id for
/// display and share a rank.
public enum Scorer {
    public static func score(_ ingest: IngestResult, rules: RuleSet, period: Period) -> ScoreRun {
        score(ingest, rules: rules, period: period, options: ScoreOptions())
    }

    /// Scores with earlier periods' results (`options.history`) for `history` conditions, or as a
    /// year-to-date / quarterly 通报 (`options.asOf`, `options.fullPeriod`).
    ///
    /// With `asOf`, `period` is the whole period the records were read for; records dated after
    /// `asOf` are set aside (not scored, not rejected, counted in ``ScoreRun/recordsAfterAsOf``)
    /// and the run's period ends on `asOf`, so only members who joined or left before it count as
    /// serving part of the period.
    ///
    /// With `part` (a quarter of the rule file's year), `period` is again the period the records
    /// were read for; records outside `part` are set aside (counted in
    /// ``ScoreRun/recordsOutsidePart``) and the run's period is `part` (cut at `asOf` if given).
    public static func score(_ ingest: IngestResult, rules: RuleSet, period fullRunPeriod: Period, options: ScoreOptions) -> ScoreRun {
        var store = ingest.store
        var effective = fullRunPeriod
        var fullPeriod = options.fullPeriod
        var afterAsOf = 0, outsidePart = 0
        let part = options.part.flatMap { $0 != fullRunPeriod ? $0 : nil }
        if let part {
            effective = part
            fullPeriod = fullPeriod ?? fullRunPeriod
        }
        var cut: Day?
        if let asOf = options.asOf {
            if asOf < effective.end {
                effective = Period(start: effective.start, end: max(asOf, effective.start))
                cut = asOf
            }
            fullPeriod = fullPeriod ?? fullRunPeriod
        }
        if let spilled = ingest.spilled {
            return scoreSpilled(ingest, spilled: spilled, rules: rules, options: options, period: effective, fullPeriod: fullPeriod,
                                part: part, cut: cut)
        }
        var corrections = ingest.corrections
        if part != nil || cut != nil {
            // One pass sets aside the records outside the part, then those after the as-of
            // date, keeping the others in order; corrections follow their record to its new place.
            var position = [Int32](repeating: -1, count: store.records.count)
            var kept: [Activity] = []
            kept.reserveCapacity(store.records.count)
            for (i, r) in store.records.enumerated() {
                if let part, !part.contains(r.date) {
                    outsidePart += 1
                } else if let cut, r.date > cut {
                    afterAsOf += 1
                } else {
                    position[i] = Int32(kept.count)
                    kept.append(r)
                }
            }
            store.records = kept
            for i in corrections.indices {
                if let r = corrections[i].record { corrections[i].record = position[Int(r)] >= 0 ? position[Int(r)] : nil }
            }
        }
        let progress = fullPeriod != nil
        let period = effective
        let compiled = CompiledRules(rules, symbols: &store.symbols, marks: store.marks, members: ingest.members,
                                     arena: store.arena, period: period, records: ingest.store.records,
                                     rejectedSignatories: ingest.store.rejectedSignatories)
        let records = store.records
        let memberCount = ingest.members.count

        let (memberStarts, memberOrder) = groupByMember(records, members: 0..<memberCount)
        let shares = SplitShares(rules: rules, compiled: compiled, store: store, members: ingest.members) { m in
            Array(memberOrder[memberStarts[m]..<memberStarts[m + 1]])
        }
        var results = [MemberScore?](repeating: nil, count: memberCount)
        let arena = store.arena
        let dropLedgers = !options.keepLedgers && rules.history.isEmpty
        let chunks = max(1, min(memberCount, 64))
        // Members are read where they lie: `ingest.members[m]` copied each one (ten strings).
        ingest.members.withUnsafeBufferPointer { memberBuffer in
        results.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let memberList = memberBuffer
            nonisolated(unsafe) let outPtr = out.baseAddress!
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let lo = chunk * memberCount / chunks
                let hi = (chunk + 1) * memberCount / chunks
                var state = MemberState(ruleCount: rules.rules.count, categoryCount: rules.categories.count)
                for m in lo..<hi {
                    var mine = Array(memberOrder[memberStarts[m]..<memberStarts[m + 1]])
                    sortRecords(&mine, records: records, arena: arena)
                    outPtr[m] = scoreMember(m, records: mine, all: records, compiled: compiled, shares: shares, rules: rules,
                                            member: memberList[m], period: period, progress: progress, state: &state)
                    if dropLedgers, outPtr[m]!.overflow == nil { outPtr[m]!.ledger = [] }
                }
            }
        }
        }

        return complete(unwrapAll(&results), store: store, ingest: ingest, rules: rules, options: options, period: period,
                        fullPeriod: fullPeriod, part: part, corrections: corrections, afterAsOf: afterAsOf, outsidePart: outsidePart,
                        progress: progress)
    }

    /// Every result of `results` (all set), moved out without a copy: `map { $0! }` retained and
    /// released every member's ledger and strings, on one thread at the end of a run.
    static func unwrapAll(_ results: inout [MemberScore?]) -> [MemberScore] {
        let count = results.count
        return results.withUnsafeMutableBufferPointer { src in
            [MemberScore](unsafeUninitializedCapacity: count) { out, n in
                for i in 0..<count {
                    (out.baseAddress! + i).initialize(to: (src.baseAddress! + i).move()!)
                    (src.baseAddress! + i).initialize(to: nil)
                }
                n = count
            }
        }
    }

    /// Ranks and grades the members' results and assembles the run (both ways of scoring).
    /// `scored` is consumed: ranking it in place copied all of it while the caller still held it.
    static func complete(_ scored: consuming [MemberScore], store: ActivityStore, ingest: IngestResult, rules: RuleSet, options: ScoreOptions,
                         period: Period, fullPeriod: Period?, part: Period?, corrections: [AppliedCorrection], afterAsOf: Int,
                         outsidePart: Int, progress: Bool, overflow: ScoreOverflow? = nil) -> ScoreRun {
        var store = store
        // A part of the year (a quarter), or the year to an as-of date, grades only the members
        // in office during it (`period`, the part or the period cut at the as-of date): one who
        // left before it or joined after it is not ranked or graded there (as a member outside
        // the whole period is not), with a notice. Their records all lie outside it (ingest
        // refused those outside their time in office), so they were set aside above.
        var members = ingest.members
        var notServing: [Member] = []
        if part != nil || options.asOf != nil {
            var hasRecords = [Bool](repeating: false, count: members.count)
            for i in scored.indices where scored[i].records > 0 { hasRecords[scored[i].member] = true }
            let serving = members.indices.map { i in
                hasRecords[i] || !((members[i].left.map { $0 < period.start } ?? false) || (members[i].joined.map { $0 > period.end } ?? false))
            }
            if serving.contains(false) {
                var newIndex = [Int32](repeating: -1, count: members.count)
                var kept: [Member] = []
                for i in members.indices {
                    if serving[i] { newIndex[i] = Int32(kept.count); kept.append(members[i]) } else { notServing.append(members[i]) }
                }
                for i in store.records.indices { store.records[i].member = newIndex[Int(store.records[i].member)] }
                scored = scored.filter { serving[$0.member] }
                for i in scored.indices { scored[i].member = Int(newIndex[scored[i].member]) }
                members = kept
            }
        }
        let rankOrder = Grader.rankAndGrade(&scored, members: members, rules: rules)
        HistoryEvaluator.apply(&scored, members: members, rules: rules, period: period,
                               facts: options.history ?? HistoryFacts())
        // In rank order (the grader's keys: history conditions change grades, not scores): the
        // indices are sorted and the order applied by swaps.
        var order = Array(scored.indices)
        order.sort(by: rankOrder.before)
        Self.permute(&scored, to: order)
        var counts = [Int](repeating: 0, count: rules.grades.count)
        for i in scored.indices { counts[scored[i].grade] += 1 }
        var run = ScoreRun(rules: rules, period: period, members: members, store: store, rejects: ingest.rejects,
                           files: ingest.files, results: scored, gradeCounts: counts, corrections: corrections)
        run.asOf = options.asOf
        run.fullPeriod = fullPeriod
        run.recordsAfterAsOf = afterAsOf
        if let part {
            run.part = part
            run.recordsOutsidePart = outsidePart
        }
        run.historyAvailable = options.history != nil
        run.spilledOverflow = overflow
        run.notices = notices(rules: rules, options: options, afterAsOf: afterAsOf, part: run.part, outsidePart: outsidePart,
                              progress: progress)
        if !notServing.isEmpty { run.notices.append(ScoringPipeline.notGradedNotice(notServing, period: period)) }
        return run
    }

    static func notices(rules: RuleSet, options: ScoreOptions, afterAsOf: Int, part: Period? = nil, outsidePart: Int = 0,
                        progress: Bool) -> [RunNotice] {
        var out: [RunNotice] = []
        // Conditions on this period alone (得分低于 60 分的) need no earlier results.
        if rules.history.contains(where: \.readsEarlierPeriods), options.history == nil {
            out.append(RunNotice(
                id: "N001",
                zh: "规则文件有跨年度条件，但没有提供往年结果：此前各期按“无记录”处理，连续多年的条件不会成立，按届累计只计本期",
                en: "the rule file has history conditions but no earlier results were given: earlier periods count as empty, multi-year conditions cannot hold and term counts cover this period only"))
        }
        if let part {
            out.append(RunNotice(
                id: "N004",
                zh: "本期（\(part.displayName(.zh))）之外、同一考核年度内的 \(outsidePart) 条记录暂不计分，也未拒收",
                en: "\(outsidePart) records outside this period (\(part.displayName(.en))) but within the rule file's period were set aside (neither scored nor rejected)"))
        }
        if let asOf = options.asOf {
            out.append(RunNotice(
                id: "N002",
                zh: "截至 \(asOf) 的通报：\(afterAsOf) 条日期在此之后的记录未计分，也未拒收，留待以后计入",
                en: "year to date as of \(asOf): \(afterAsOf) records dated after it were set aside (neither scored nor rejected)"))
        }
        if progress, !rules.requirements.isEmpty {
            out.append(RunNotice(
                id: "N003",
                zh: "阶段通报：最低要求按全年计，这里只显示完成进度，不封顶、不改等次、不扣分",
                en: "interim report: minimum requirements are annual; progress is shown, and they neither cap, force a grade nor deduct"))
        }
        return out
    }

    /// Record indices grouped by member (a counting sort, linear): the records of member
    /// `members.lowerBound + k` are `order[starts[k] ..< starts[k + 1]]`, in input order.
    static func groupByMember(_ records: [Activity], members: Range<Int>) -> (starts: [Int], order: [Int32]) {
        let lo = members.lowerBound
        var starts = [Int](repeating: 0, count: members.count + 1)
        for r in records { starts[Int(r.member) - lo + 1] += 1 }
        for k in 0..<members.count { starts[k + 1] += starts[k] }
        var order = [Int32](repeating: 0, count: records.count)
        var fill = starts
        for (i, r) in records.enumerated() {
            order[fill[Int(r.member) - lo]] = Int32(i)
            fill[Int(r.member) - lo] += 1
        }
        return (starts, order)
    }

    /// Puts `values[order[i]]` at `i`, by swaps along the permutation's cycles (no copies).
    static func permute<T>(_ values: inout [T], to order: [Int]) {
        var placed = [Bool](repeating: false, count: order.count)
        // The buffer's swapAt moves the two values; the array's copies them.
        values.withUnsafeMutableBufferPointer { buffer in
            for start in order.indices where !placed[start] {
                var at = start
                while true {
                    placed[at] = true
                    let from = order[at]
                    if from == start { break }
                    buffer.swapAt(at, from)
                    at = from
                }
            }
        }
    }

    /// Sorts a member's records by date, then activity id (bytewise).
    static func sortRecords(_ idx: inout [Int32], records: [Activity], arena: StringArena) {
        arena.bytes.withUnsafeBufferPointer { bytes in
            idx.sort { x, y in
                let a = records[Int(x)], b = records[Int(y)]
                if a.date != b.date { return a.date < b.date }
                return compareIDs(a, b, bytes) < 0
            }
        }
    }

    static func compareIDs(_ a: Activity, _ b: Activity, _ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let la = Int(a.id.length), lb = Int(b.id.length)
        let pa = bytes.baseAddress! + Int(a.id.offset), pb = bytes.baseAddress! + Int(b.id.offset)
        for k in 0..<min(la, lb) where pa[k] != pb[k] { return pa[k] < pb[k] ? -1 : 1 }
        return la - lb
    }

    struct MemberState {
        var ruleTotals: [Points]
        var ruleCounts: [Int]
        var ruleSeen: [Int]
        var categoryTotals: [Points]
        /// `once_per: ref`: the items each rule has counted for this member.
        var itemsSeen: [Set<Int32>]
        /// `at_least`: records (or quantity) counted towards the threshold, and whether it was paid.
        var progress: [Points]
        var paid: [Bool]
        /// `.ruleCapped` per rule, made once: the lines a cap cuts share its box.
        var capNotes: [LedgerEntry.Note?]
        init(ruleCount: Int, categoryCount: Int) {
            capNotes = [LedgerEntry.Note?](repeating: nil, count: ruleCount)
            ruleTotals = [Points](repeating: .zero, count: ruleCount)
            ruleCounts = [Int](repeating: 0, count: ruleCount)
            ruleSeen = [Int](repeating: 0, count: ruleCount)
            categoryTotals = [Points](repeating: .zero, count: categoryCount)
            itemsSeen = [Set<Int32>](repeating: [], count: ruleCount)
            progress = [Points](repeating: .zero, count: ruleCount)
            paid = [Bool](repeating: false, count: ruleCount)
        }
        mutating func reset() {
            for i in ruleTotals.indices {
                ruleTotals[i] = .zero; ruleCounts[i] = 0; ruleSeen[i] = 0; progress[i] = .zero; paid[i] = false
                if !itemsSeen[i].isEmpty { itemsSeen[i] = [] }
            }
            for i in categoryTotals.indices { categoryTotals[i] = .zero }
        }
    }

    static func scoreMember(_ m: Int, records idx: [Int32], all: [Activity], compiled: CompiledRules, shares: SplitShares,
                            rules: RuleSet, member: Member, period: Period, progress: Bool = false,
                            state: inout MemberState) -> MemberScore {
        state.reset()
        let who = compiled.members[m]
        let context = compiled.expressions.isEmpty ? ExpressionContext.none
            : ExpressionContext(compiled: compiled, member: member, records: idx, all: all)
        var ledger: [LedgerEntry] = []
        ledger.reserveCapacity(idx.count + 4)
        var vetoes: [(veto: Int, record: Int32)] = []
        var unmatched = 0

        // Steps 1–2: match and share. One ledger line per (record, matching rule), in record
        // order (date, activity id) and rule-file order; vetoes and unmatched records noted.
        for ri in idx {
            let rec = all[Int(ri)]
            var matched = false
            for k in compiled.candidateRange(kind: rec.kind) {
                let r = compiled.candidates[k]
                guard compiled.matchers[r]._withUnsafeGuaranteedRef({ $0.matches(rec, member: who, context: context) }) else { continue }
                matched = true
                let rule = compiled.params[r]
                let nominal = rule.basis == .quantity && rule.atLeast == nil ? rule.points * rec.quantity : rule.points
                var awarded = nominal
                var note = LedgerEntry.Note.full
                if rule.hasSplit, let share = shares.share(rule: r, record: ri) {
                    awarded = share.apply(nominal)
                    note = share.note
                    if case .coauthorShare(var info) = note {
                        info.nominal = nominal
                        note = .coauthorShare(info)
                    }
                }
                ledger.append(LedgerEntry(record: ri, rule: Int32(r), category: Int32(rule.category),
                                          points: awarded, nominal: nominal, note: note))
            }
            for v in compiled.vetoMatchers.indices
            where compiled.vetoMatchers[v]._withUnsafeGuaranteedRef({ $0.matches(rec, member: who, context: context) }) {
                matched = true
                vetoes.append((v, ri))
                ledger.append(LedgerEntry(record: ri, rule: -1, category: -1, points: .zero, nominal: .zero, note: .veto(v)))
            }
            if !matched {
                unmatched += 1
                ledger.append(LedgerEntry(record: ri, rule: -1, category: -1, points: .zero, nominal: .zero, note: .noRule))
            }
        }
        applyCountingLimits(compiled: compiled, all: all, ledger: &ledger, state: &state)
        applyExclusiveGroups(rules: rules, compiled: compiled, all: all, ledger: &ledger)
        applyRuleCaps(compiled: compiled, ledger: &ledger, state: &state)

        // Step 6: category caps and floors.
        var total = rules.base(forRole: member.role)
        var categoryPoints = state.categoryTotals
        if !total.isZero {
            ledger.append(LedgerEntry(record: -1, rule: -1, category: -1, points: total, nominal: total, note: .base))
        }
        // By index: a copy of each category (three strings) per member was a tenth of scoring a
        // member with few records.
        for c in rules.categories.indices {
            // A category that starts full (会议 50 分，扣完为止) counts its start plus its rules.
            if let start = rules.categories[c].start {
                ledger.append(LedgerEntry(record: -1, rule: -1, category: Int32(c), points: start, nominal: categoryPoints[c],
                                          note: .categoryStart(start: start, change: categoryPoints[c])))
                categoryPoints[c] += start
            }
            let raw = categoryPoints[c]
            if let cap = rules.categories[c].effectiveCap, raw > cap {
                ledger.append(LedgerEntry(record: -1, rule: -1, category: Int32(c), points: cap - raw, nominal: raw,
                                          note: .categoryCapped(cap: cap)))
                categoryPoints[c] = cap
            } else if let floor = rules.categories[c].effectiveFloor, raw < floor {
                ledger.append(LedgerEntry(record: -1, rule: -1, category: Int32(c), points: floor - raw, nominal: raw,
                                          note: .categoryFloored(floor: floor)))
                categoryPoints[c] = floor
            }
            total += categoryPoints[c]
        }

        // Step 7: minimum requirements (deductions; grade effects are applied by the grader).
        var missed: [Int] = []
        var progressed: [RequirementProgress] = []
        for q in rules.requirements.indices {
            if let scope = compiled.requirementScopes[q], !scope.matchesMember(who, context: context) { continue }
            var have = Points.zero
            for ri in idx
            where compiled.requirementMatchers[q]._withUnsafeGuaranteedRef({ $0.matches(all[Int(ri)], member: who, context: context) }) {
                have += rules.requirements[q].byQuantity ? all[Int(ri)].quantity : .one
            }
            if progress {
                // An interim 通报: the requirement is annual, so only show how far the member is
                // (not for members who have not taken office yet by the end of the run's period).
                if let joined = member.joined, joined > period.end { continue }
                progressed.append(RequirementProgress(requirement: q, done: have, needed: rules.requirements[q].min))
                continue
            }
            if have >= rules.requirements[q].min { continue }
            missed.append(q)
            let deduction: Points
            if case .deduct(let p) = rules.requirements[q].effect { deduction = -p } else { deduction = .zero }
            ledger.append(LedgerEntry(record: -1, rule: -1, category: -1, points: deduction, nominal: have, note: .requirementMissed(q)))
            total += deduction
        }

        // Step 8: prorating for a part of the period served.
        let partial = member.servedPartOf(period)
        if partial, rules.grading.partial == .prorate {
            let from = max(period.start, member.joined ?? period.start)
            let to = min(period.end, member.left ?? period.end)
            let served = max(1, Int(to.ordinal - from.ordinal) + 1)
            if served < period.days {
                // Only what was earned is scaled; the base score is not a reward for time served.
                let base = rules.base(forRole: member.role)
                let scaled = base + (total - base).scaled(by: period.days, over: served)
                ledger.append(LedgerEntry(record: -1, rule: -1, category: -1, points: scaled - total, nominal: total,
                                          note: .prorated(served: served, days: period.days)))
                total = scaled
            }
        }

        // Step 9: the score's bounds.
        if let hi = rules.maxScore, total > hi {
            ledger.append(LedgerEntry(record: -1, rule: -1, category: -1, points: hi - total, nominal: total, note: .scoreCapped(max: hi)))
            total = hi
        } else if let lo = rules.minScore, total < lo {
            ledger.append(LedgerEntry(record: -1, rule: -1, category: -1, points: lo - total, nominal: total, note: .scoreFloored(min: lo)))
            total = lo
        }
        var result = MemberScore(member: m, score: total, categoryPoints: categoryPoints, rank: nil, grade: 0,
                                 vetoes: vetoes, missedRequirements: missed, bandGrade: 0, rankScope: "", rankedInScope: 0,
                                 records: idx.count, unmatched: unmatched, ledger: ledger, partialPeriod: partial,
                                 progress: progressed)
        result.overflow = overflowLine(result)
        return result
    }

    /// The first ledger line (or -1 for a total) whose arithmetic overflowed, if any.
    static func overflowLine(_ r: MemberScore) -> Int? {
        if let i = r.ledger.firstIndex(where: { $0.points.isOverflow || $0.nominal.isOverflow }) { return i }
        if r.score.isOverflow || r.categoryPoints.contains(where: \.isOverflow) { return -1 }
        return nil
    }

    /// Step 3, counting limits: `skip_first`, `max_count` and `once` count, per rule and in
    /// record order, only the lines that earn something (a share that is not 0).
    ///
    /// `once_per: ref` comes first: a later line of an item the rule already counted earns nothing
    /// and does not use up `skip_first` or `max_count`. `at_least` counts the rule's earning lines
    /// (or their quantity) and keeps the points on the line that reaches the threshold only.
    static func applyCountingLimits(compiled: CompiledRules, all: [Activity], ledger: inout [LedgerEntry], state: inout MemberState) {
        for i in ledger.indices where ledger[i].rule >= 0 && !ledger[i].points.isZero {
            let r = Int(ledger[i].rule)
            let rule = compiled.params[r]
            if rule.oncePerRef, ledger[i].record >= 0 {
                let ref = all[Int(ledger[i].record)].ref
                if ref != SymbolTable.empty, !state.itemsSeen[r].insert(ref).inserted {
                    ledger[i].points = .zero
                    ledger[i].note = .repeatedItem
                    continue
                }
            }
            if let need = rule.atLeast {
                let rec = ledger[i].record >= 0 ? all[Int(ledger[i].record)] : nil
                state.progress[r] += rule.basis == .quantity ? (rec?.quantity ?? .one) : .one
                if state.paid[r] || state.progress[r] < need {
                    ledger[i].note = state.paid[r] ? .thresholdPaid : .belowThreshold(have: state.progress[r], need: need)
                    ledger[i].points = .zero
                } else {
                    state.paid[r] = true
                    ledger[i].note = .thresholdReached(need: need)
                }
                continue
            }
            if rule.skipFirst == nil && rule.maxCount == nil { continue }
            state.ruleSeen[r] += 1
            if let skip = rule.skipFirst, state.ruleSeen[r] <= skip {
                ledger[i].points = .zero
                ledger[i].note = .skipped(first: skip)
            } else if let maxCount = rule.maxCount, state.ruleCounts[r] >= maxCount {
                ledger[i].points = .zero
                ledger[i].note = .countLimited(max: maxCount)
            } else {
                state.ruleCounts[r] += 1
            }
        }
    }

    /// Step 4, "the higher of A and B, not both": keeps the best of each group (per member or per
    /// item) and zeroes the others' lines, before any rule cap is spent. Per item the largest line
    /// counts (ties: the earliest); per member the alternative whose rules would give the most
    /// once their caps are applied (ties: the one listed first).
    static func applyExclusiveGroups(rules: RuleSet, compiled: CompiledRules, all: [Activity], ledger: inout [LedgerEntry]) {
        for (g, group) in rules.exclusive.enumerated() {
            let inGroup = Set(group.rules)
            var drop: [Int] = []
            switch group.scope {
            case .member:
                func capped(_ r: Int) -> Points {
                    var sum = Points.zero
                    for e in ledger where Int(e.rule) == r { sum += e.points }
                    guard let cap = compiled.params[r].cap else { return sum }
                    return sum.isNegative ? max(sum, -cap) : min(sum, cap)
                }
                func total(_ alt: [Int]) -> Points { alt.reduce(.zero) { $0 + capped($1) } }
                var best = group.alternatives[0]
                var bestTotal = total(best)
                for alt in group.alternatives.dropFirst() {
                    let t = total(alt)
                    if t > bestTotal { best = alt; bestTotal = t }
                }
                let keep = Set(best)
                for (i, e) in ledger.enumerated() where e.rule >= 0 && inGroup.contains(Int(e.rule)) && !keep.contains(Int(e.rule)) && !e.points.isZero {
                    drop.append(i)
                }
            case .ref:
                var bestByRef: [Int32: Int] = [:]
                for (i, e) in ledger.enumerated() where e.rule >= 0 && e.record >= 0 && inGroup.contains(Int(e.rule)) && !e.points.isZero {
                    let ref = all[Int(e.record)].ref
                    if ref == SymbolTable.empty { continue }
                    if let b = bestByRef[ref] {
                        if e.points > ledger[b].points { drop.append(b); bestByRef[ref] = i } else { drop.append(i) }
                    } else {
                        bestByRef[ref] = i
                    }
                }
            }
            for i in drop {
                ledger[i].points = .zero
                ledger[i].note = .exclusiveDropped(group: g)
            }
        }
    }

    /// Step 5, rule caps: a rule's lines, in record order, count until its `cap` is reached (for a
    /// deduction, until `cap` points have been taken off); then sums the rules into their
    /// categories.
    static func applyRuleCaps(compiled: CompiledRules, ledger: inout [LedgerEntry], state: inout MemberState) {
        for i in ledger.indices where ledger[i].rule >= 0 {
            let r = Int(ledger[i].rule)
            let rule = compiled.params[r]
            var awarded = ledger[i].points
            if let cap = rule.cap, !awarded.isZero {
                let used = state.ruleTotals[r].magnitude
                let remaining = cap > used ? cap - used : .zero
                if awarded.magnitude > remaining {
                    awarded = awarded.isNegative ? -remaining : remaining
                    ledger[i].points = awarded
                    if state.capNotes[r] == nil { state.capNotes[r] = .ruleCapped(cap: cap) }
                    ledger[i].note = state.capNotes[r]!
                }
            }
            state.ruleTotals[r] += awarded
            state.categoryTotals[rule.category] += awarded
        }
    }
}
