import Dispatch
import LvzhiCore
import LvzhiIngest
import LvzhiRules

/// Scoring a large run whose records are on disk (``SpilledRecords``), one partition of members
/// at a time, so that memory holds one partition's records instead of all of them.
///
/// The result is the in-memory scoring's, byte for byte (the differential tests score the same
/// inputs both ways): each member's records are the same and are taken in the same order; what
/// crosses members (co-author shares, signer counts) is gathered in a first pass over the
/// partitions, before any member is scored. Only for runs that keep no ledgers (scores.csv,
/// scores.json and rejects.csv, no history): the ledgers' record numbers are the partition's.
private struct SignerPair: Hashable {
    var key: Int64
    var member: Int32
}

private struct SignerKey: Hashable {
    var ref: String
    var kind: Int32
}

private struct SplitKey: Hashable {
    var rule: Int
    var ref: String
}

extension Scorer {
    /// A partition's records with those outside the run's part of the period, or after the as-of
    /// date, set aside; and the partition's records grouped by member (counting sort).
    struct LoadedPartition {
        var records: [Activity]
        var arena: StringArena
        /// The run's symbols and this partition's refs.
        var symbols: SymbolTable
        var outsidePart = 0
        var afterAsOf = 0
        /// Records of member `memberBounds.lowerBound + k` are `order[starts[k] ..< starts[k + 1]]`.
        var starts: [Int]
        var order: [Int32]
        var firstMember: Int

        func recordsOf(_ m: Int) -> [Int32] { Array(order[starts[m - firstMember]..<starts[m - firstMember + 1]]) }
    }

    static func loadPartition(_ spilled: SpilledRecords, _ p: Int, symbols: SymbolTable, part: Period?, cut: Day?) -> LoadedPartition? {
        var table = symbols
        guard let (all, arena) = spilled.load(p, symbols: &table) else { return nil }
        var records = all
        var outside = 0, after = 0
        if part != nil || cut != nil {
            records = []
            records.reserveCapacity(all.count)
            for r in all {
                if let part, !part.contains(r.date) {
                    outside += 1
                } else if let cut, r.date > cut {
                    after += 1
                } else {
                    records.append(r)
                }
            }
        }
        let lo = spilled.memberBounds[p]
        let (starts, order) = groupByMember(records, members: lo..<spilled.memberBounds[p + 1])
        return LoadedPartition(records: records, arena: arena, symbols: table, outsidePart: outside, afterAsOf: after, starts: starts,
                               order: order, firstMember: lo)
    }

    /// The rule set compiled against a partition's symbols and arena, with the signer counts
    /// of its items.
    fileprivate static func compilePartition(_ loaded: LoadedPartition, rules: RuleSet, marks: [String], members: [Member], period: Period,
                                             memberSymbols: [MemberSymbols], signerTotals: [SignerKey: Int32]?) -> CompiledRules {
        var table = loaded.symbols
        var signers: SignerCounts?
        if let signerTotals {
            var counts: [Int64: Int32] = [:]
            for a in loaded.records where a.ref != SymbolTable.empty {
                let key = Int64(a.ref) << 32 | Int64(a.kind)
                if counts[key] == nil { counts[key] = signerTotals[SignerKey(ref: table[a.ref], kind: a.kind)] ?? 1 }
            }
            signers = SignerCounts(counts: counts)
        }
        return CompiledRules(rules, symbols: &table, marks: marks, members: members, arena: loaded.arena, period: period,
                             memberSymbols: memberSymbols, signerCounts: signers)
    }

    static func scoreSpilled(_ ingest: IngestResult, spilled: SpilledRecords, rules: RuleSet, options: ScoreOptions, period: Period,
                             fullPeriod: Period?, part: Period?, cut: Day?) -> ScoreRun {
        var store = ingest.store
        let progress = fullPeriod != nil
        let memberCount = ingest.members.count
        let partitions = spilled.partitions.count
        // Compiled once for what does not depend on a partition's text (member fields, which
        // conditions test signers); each partition is compiled again with its own arena.
        let base = CompiledRules(rules, symbols: &store.symbols, marks: store.marks, members: ingest.members, arena: StringArena(),
                                 period: period)
        let symbols = store.symbols
        // Signer counts by item text and kind (refs are interned per partition).
        var signerTotals: [SignerKey: Int32]?
        let marks = store.marks
        func compile(_ loaded: LoadedPartition) -> CompiledRules {
            compilePartition(loaded, rules: rules, marks: marks, members: ingest.members, period: period, memberSymbols: base.members,
                             signerTotals: signerTotals)
        }
        // A partition that cannot be read back (a scratch-file error) scores nothing from then
        // on; the pipeline refuses the run (``SpillPartitions/failure``).
        @Sendable func load(_ p: Int) -> LoadedPartition? { loadPartition(spilled, p, symbols: symbols, part: part, cut: cut) }

        // Pass 1a: how many members signed each item, over every record read (set-aside ones too,
        // as in memory), when a condition tests it.
        if (base.rules + base.vetoes + base.requirements).contains(where: \.testsSigners) {
            var totals: [SignerKey: Int32] = [:]
            for p in 0..<partitions {
                var table = symbols
                guard let (all, _) = spilled.load(p, symbols: &table) else { break }
                // A partition's members are in no other partition: its distinct pairs are new.
                var seen = Set<SignerPair>()
                for a in all where a.ref != SymbolTable.empty {
                    if seen.insert(SignerPair(key: Int64(a.ref) << 32 | Int64(a.kind), member: a.member)).inserted {
                        totals[SignerKey(ref: table[a.ref], kind: a.kind), default: 0] += 1
                    }
                }
            }
            for s in store.rejectedSignatories where s.ref != SymbolTable.empty {
                totals[SignerKey(ref: symbols[s.ref], kind: s.kind), default: 0] += 1
            }
            signerTotals = totals
        }

        // Pass 1b: co-author shares. Every record of a split rule is a signatory of its item
        // (numbered across partitions); items are shared out once all are known.
        var shares = SplitShares()
        var firstRecord = [Int32](repeating: 0, count: partitions + 1)
        let splitRules = rules.rules.indices.filter { rules.rules[$0].split != nil }
        if splitRules.isEmpty {
            for p in 0..<partitions { firstRecord[p + 1] = firstRecord[p] + Int32(spilled.recordCount(p)) }
        } else {
            var leadRoles: [Int: Set<Int32>] = [:]
            for r in splitRules { leadRoles[r] = Set(rules.rules[r].split!.leadRoles.compactMap { symbols.lookup($0) }) }
            var groups: [SplitKey: [SplitShares.Signatory]] = [:]
            for p in 0..<partitions {
                guard let loaded = load(p) else { break }
                firstRecord[p + 1] = firstRecord[p] + Int32(loaded.records.count)
                let compiled = compile(loaded)
                let records = loaded.records
                for m in spilled.memberBounds[p]..<spilled.memberBounds[p + 1] {
                    let mine = loaded.recordsOf(m)
                    if mine.isEmpty { continue }
                    let context = compiled.expressions.isEmpty ? ExpressionContext.none
                        : ExpressionContext(compiled: compiled, member: ingest.members[m], records: mine, all: records)
                    let who = compiled.members[m]
                    for r in splitRules {
                        let split = rules.rules[r].split!
                        for i in mine where compiled.rules[r].matches(records[Int(i)], member: who, context: context) {
                            let rec = records[Int(i)]
                            let global = firstRecord[p] + i
                            let lead = leadRoles[r]!.contains(rec.role)
                            if rec.ref == SymbolTable.empty {
                                shares.assignSolo(r, record: global, lead: lead, split: split)
                            } else {
                                groups[SplitKey(rule: r, ref: loaded.symbols[rec.ref]), default: []]
                                    .append(SplitShares.Signatory(record: global, lead: lead, id: Array(loaded.arena[rec.id].utf8)))
                            }
                        }
                    }
                }
            }
            var rejectedByRef: [String: [RejectedSignatory]] = [:]
            for s in store.rejectedSignatories { rejectedByRef[symbols[s.ref], default: []].append(s) }
            for (key, rows) in groups {
                shares.assignItem(key.rule, rows, rejected: rejectedByRef[key.ref] ?? [], compiled: base, leadRoles: leadRoles[key.rule]!,
                                  split: rules.rules[key.rule].split!)
            }
        }

        // Pass 2: every member, a partition at a time on each core: reading a partition back
        // (the scratch file, the refs, grouping by member) runs beside scoring another one.
        var results = [MemberScore?](repeating: nil, count: memberCount)
        var overflows = [ScoreOverflow?](repeating: nil, count: memberCount)
        var counts = [(outsidePart: Int, afterAsOf: Int, kept: Int)](repeating: (0, 0, 0), count: partitions)
        let files = store.files
        let sharesDone = shares, firstOf = firstRecord, totalsDone = signerTotals, memberSymbols = base.members
        // Members are read where they lie: `ingest.members[m]` copied each one (ten strings).
        ingest.members.withUnsafeBufferPointer { memberBuffer in
        results.withUnsafeMutableBufferPointer { out in
            overflows.withUnsafeMutableBufferPointer { over in
                counts.withUnsafeMutableBufferPointer { tally in
                    nonisolated(unsafe) let memberList = memberBuffer
                    nonisolated(unsafe) let outPtr = out.baseAddress!
                    nonisolated(unsafe) let overPtr = over.baseAddress!
                    nonisolated(unsafe) let tallyPtr = tally.baseAddress!
                    DispatchQueue.concurrentPerform(iterations: partitions) { p in
                        // A partition that cannot be read leaves its members unscored; the
                        // pipeline refuses the run (``SpillPartitions/failure``).
                        guard let loaded = load(p) else { return }
                        tallyPtr[p] = (loaded.outsidePart, loaded.afterAsOf, loaded.records.count)
                        let compiled = compilePartition(loaded, rules: rules, marks: marks, members: ingest.members, period: period,
                                                        memberSymbols: memberSymbols, signerTotals: totalsDone)
                        var partShares = sharesDone
                        partShares.offset = firstOf[p]
                        let records = loaded.records, arena = loaded.arena
                        var state = MemberState(ruleCount: rules.rules.count, categoryCount: rules.categories.count)
                        for m in spilled.memberBounds[p]..<spilled.memberBounds[p + 1] {
                            var mine = loaded.recordsOf(m)
                            sortRecords(&mine, records: records, arena: arena)
                            var result = scoreMember(m, records: mine, all: records, compiled: compiled, shares: partShares, rules: rules,
                                                     member: memberList[m], period: period, progress: progress, state: &state)
                            if let line = result.overflow {
                                let e = line >= 0 ? result.ledger[line] : nil
                                let record = e.flatMap { $0.record >= 0 ? records[Int($0.record)] : nil }
                                overPtr[m] = ScoreOverflow(
                                    memberID: ingest.members[m].id, ruleID: e.flatMap { $0.rule >= 0 ? rules.rules[Int($0.rule)].id : nil },
                                    location: record.map { SourceLocation(file: files[Int($0.file)], line: Int($0.line)) },
                                    ruleLocation: e.flatMap { $0.rule >= 0 ? rules.rules[Int($0.rule)].location : nil })
                            }
                            result.ledger = []
                            outPtr[m] = result
                        }
                    }
                }
            }
        }
        }
        let outsidePart = counts.reduce(0) { $0 + $1.outsidePart }
        let afterAsOf = counts.reduce(0) { $0 + $1.afterAsOf }
        let kept = counts.reduce(0) { $0 + $1.kept }
        // Members of partitions that could not be read: nothing scored (the run is refused).
        var state = MemberState(ruleCount: rules.rules.count, categoryCount: rules.categories.count)
        for m in 0..<memberCount where results[m] == nil {
            results[m] = scoreMember(m, records: [], all: [], compiled: base, shares: SplitShares(), rules: rules,
                                     member: ingest.members[m], period: period, progress: progress, state: &state)
        }
        store.onDisk = kept
        return complete(unwrapAll(&results), store: store, ingest: ingest, rules: rules, options: options, period: period,
                        fullPeriod: fullPeriod, part: part, corrections: [], afterAsOf: afterAsOf, outsidePart: outsidePart,
                        progress: progress, overflow: overflows.first { $0 != nil } ?? nil)
    }
}
