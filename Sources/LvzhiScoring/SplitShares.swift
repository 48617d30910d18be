import LvzhiCore
import LvzhiIngest
import LvzhiRules

/// Step 2 of a rule (docs/rules.md §4.0), co-author shares: worked out before members are
/// scored because an item's rows belong to several members. For every rule with a `split`, the
/// rows it matches are grouped by `ref`; the item's signatories are those rows plus the rows of
/// the same item that ingest rejected for who signed them (unknown or ambiguous name, not in
/// office on the day, see ``ActivityStore/rejectedSignatories``): those earn nothing but still
/// count, so the others' shares do not depend on them.
struct SplitShares: Sendable {
    struct Share: Sendable {
        /// The fraction of the rule's points this row earns (1, 1/6, ½ ÷ 2, 0 …).
        var fraction: Points
        var note: LedgerEntry.Note

        func apply(_ nominal: Points) -> Points { fraction == .one ? nominal : nominal * fraction }
    }

    /// Keyed by rule index << 32 | record index.
    private var shares: [Int64: Share] = [:]
    /// Added to a record index to look it up: when scoring from disk, the partition's first
    /// record number (the shares are keyed by record numbers across all partitions).
    var offset: Int32 = 0

    func share(rule: Int, record: Int32) -> Share? { shares[Int64(rule) << 32 | Int64(offset + record)] }

    /// One signatory of an item: an accepted row (`record` ≥ 0) or a rejected one.
    struct Signatory {
        var record: Int32
        var lead: Bool
        var id: [UInt8]
    }

    init(rules: RuleSet, compiled: CompiledRules, store: ActivityStore, members: [Member], recordsOf: (Int) -> [Int32]) {
        let splitRules = rules.rules.indices.filter { rules.rules[$0].split != nil }
        guard !splitRules.isEmpty else { return }
        let records = store.records
        // Expression frames per member, built only for members that have records under a split rule.
        var contexts: [Int32: ExpressionContext] = [:]
        func context(_ m: Int32) -> ExpressionContext {
            if compiled.expressions.isEmpty { return .none }
            if let c = contexts[m] { return c }
            let c = ExpressionContext(compiled: compiled, member: members[Int(m)], records: recordsOf(Int(m)), all: records)
            contexts[m] = c
            return c
        }
        var rejectedByRef: [Int32: [RejectedSignatory]] = [:]
        for s in store.rejectedSignatories { rejectedByRef[s.ref, default: []].append(s) }
        for r in splitRules {
            let split = rules.rules[r].split!
            let leadRoles = Set(split.leadRoles.compactMap { store.symbols.lookup($0) })
            var groups: [Int32: [Int32]] = [:]
            var solo: [Int32] = []
            for (i, rec) in records.enumerated() where compiled.rules[r].matches(rec, member: compiled.members[Int(rec.member)], context: context(rec.member)) {
                if rec.ref == SymbolTable.empty { solo.append(Int32(i)) } else { groups[rec.ref, default: []].append(Int32(i)) }
            }
            for i in solo { assignSolo(r, record: i, lead: leadRoles.contains(records[Int(i)].role), split: split) }
            for (ref, rows) in groups {
                let signatories = rows.map { i in
                    Signatory(record: i, lead: leadRoles.contains(records[Int(i)].role), id: Array(store.arena[records[Int(i)].id].utf8))
                }
                assignItem(r, signatories, rejected: rejectedByRef[ref] ?? [], compiled: compiled, leadRoles: leadRoles, split: split)
            }
        }
    }

    /// An empty set, filled item by item (scoring from disk: ``Scorer``'s partitions).
    init() {}

    /// Shares of one item's accepted rows under split rule `rule`, with the item's rejected
    /// signatories that the rule would have matched.
    mutating func assignItem(_ rule: Int, _ accepted: [Signatory], rejected: [RejectedSignatory], compiled: CompiledRules,
                             leadRoles: Set<Int32>, split: CoauthorSplit) {
        var signatories = accepted
        var count = 0
        for s in rejected where compiled.rules[rule].matchesRecordFields(kind: s.kind, status: s.status, role: s.role, level: s.level, marks: s.marks) {
            signatories.append(Signatory(record: -1, lead: leadRoles.contains(s.role), id: s.activityID))
            count += 1
        }
        // Lead first, then by activity id: the order that decides who is credited.
        signatories.sort { a, b in a.lead != b.lead ? a.lead : a.id.lexicographicallyPrecedes(b.id) }
        assign(rule, signatories, rejected: count, split: split)
    }

    /// The share of a row of its own (no `ref`) under split rule `rule`.
    mutating func assignSolo(_ rule: Int, record: Int32, lead: Bool, split: CoauthorSplit) {
        assign(rule, [Signatory(record: record, lead: lead, id: [])], rejected: 0, split: split)
    }

    private mutating func assign(_ rule: Int, _ ordered: [Signatory], rejected: Int, split: CoauthorSplit) {
        let n = split.maxCredited.map { min($0, ordered.count) } ?? ordered.count
        let credited = ordered.prefix(n)
        let leads = credited.filter(\.lead).count
        let rejectedCredited = credited.filter { $0.record < 0 }.count
        let others = n - leads
        for (pos, s) in ordered.enumerated() where s.record >= 0 {
            let key = Int64(rule) << 32 | Int64(s.record)
            if pos >= n {
                shares[key] = Share(fraction: .zero, note: .notCredited(max: n))
                continue
            }
            func shared(_ f: Points, leadless: Bool = false) -> Share {
                if n == 1 && f == .one { return Share(fraction: .one, note: .full) }
                return Share(fraction: f, note: .coauthorShare(LedgerEntry.ShareInfo(authors: n, rejected: rejectedCredited, share: f, leadless: leadless)))
            }
            let half = Points(1, 2)
            switch split.policy {
            case .full:
                shares[key] = shared(.one)
            case .leadOnly:
                shares[key] = s.lead ? shared(.one) : Share(fraction: .zero, note: leads == 0 ? .noLead : .notLead)
            case .equal:
                shares[key] = shared(Points.one.divided(by: n))
            case .fraction:
                shares[key] = shared(n > 1 ? split.fraction ?? .one : .one)
            case .leadHalf:
                if n == 1 || leads == n {
                    // A single signatory, or only leads: they share the whole.
                    shares[key] = shared(Points.one.divided(by: n))
                } else if leads == 0 {
                    // No lead: the co-signers share their half; the lead's half is not awarded.
                    shares[key] = shared(half.divided(by: others), leadless: true)
                } else if s.lead {
                    shares[key] = shared(half.divided(by: leads))
                } else {
                    shares[key] = shared(half.divided(by: others))
                }
            }
        }
    }
}
