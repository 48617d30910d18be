import LvzhiCore
import LvzhiIngest
import LvzhiRules

/// Co-author shares, worked out before members are scored because an item's records belong to
/// several members: for every rule with a `split`, the records it matches are grouped by `ref`.
struct SplitShares: Sendable {
    struct Share: Sendable {
        var multiplier: Points
        var divisor: Int
        var note: LedgerEntry.Note

        func apply(_ nominal: Points) -> Points {
            let p = multiplier == .one ? nominal : nominal * multiplier
            return divisor == 1 ? p : p.divided(by: divisor)
        }
    }

    /// Keyed by rule index << 32 | record index.
    private var shares: [Int64: Share] = [:]

    func share(rule: Int, record: Int32) -> Share? { shares[Int64(rule) << 32 | Int64(record)] }

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
        for r in splitRules {
            let split = rules.rules[r].split!
            let leadRoles = Set(split.leadRoles.compactMap { store.symbols.lookup($0) })
            var groups: [Int32: [Int32]] = [:]
            var solo: [Int32] = []
            for (i, rec) in records.enumerated() where compiled.rules[r].matches(rec, member: compiled.members[Int(rec.member)], context: context(rec.member)) {
                if rec.ref == SymbolTable.empty { solo.append(Int32(i)) } else { groups[rec.ref, default: []].append(Int32(i)) }
            }
            for i in solo { assign(r, [i], split: split, leadRoles: leadRoles, records: records) }
            store.arena.bytes.withUnsafeBufferPointer { bytes in
                for (_, var members) in groups {
                    // Lead first, then by activity id: the order that decides who is credited.
                    members.sort { x, y in
                        let a = records[Int(x)], b = records[Int(y)]
                        let la = leadRoles.contains(a.role), lb = leadRoles.contains(b.role)
                        if la != lb { return la }
                        return Scorer.compareIDs(a, b, bytes) < 0
                    }
                    assign(r, members, split: split, leadRoles: leadRoles, records: records)
                }
            }
        }
    }

    private mutating func assign(_ rule: Int, _ ordered: [Int32], split: CoauthorSplit, leadRoles: Set<Int32>, records: [Activity]) {
        let credited = split.maxCredited.map { min($0, ordered.count) } ?? ordered.count
        let n = credited
        let leads = ordered.prefix(credited).filter { leadRoles.contains(records[Int($0)].role) }.count
        for (pos, ri) in ordered.enumerated() {
            let key = Int64(rule) << 32 | Int64(ri)
            if pos >= credited {
                shares[key] = Share(multiplier: .zero, divisor: 1, note: .notCredited(max: credited))
                continue
            }
            let isLead = leadRoles.contains(records[Int(ri)].role)
            let full = Share(multiplier: .one, divisor: 1, note: n > 1 ? .coauthorShare(authors: n) : .full)
            switch split.policy {
            case .full:
                shares[key] = full
            case .leadOnly:
                shares[key] = isLead ? full : Share(multiplier: .zero, divisor: 1, note: .notLead)
            case .equal:
                shares[key] = Share(multiplier: .one, divisor: n, note: n > 1 ? .coauthorShare(authors: n) : .full)
            case .fraction:
                shares[key] = n > 1 ? Share(multiplier: split.fraction ?? .one, divisor: 1, note: .coauthorShare(authors: n)) : full
            case .leadHalf:
                if n == 1 || leads == 0 || leads == n {
                    shares[key] = Share(multiplier: .one, divisor: n, note: n > 1 ? .coauthorShare(authors: n) : .full)
                } else if isLead {
                    shares[key] = Share(multiplier: Points(raw: Points.scale / 2), divisor: leads, note: .coauthorShare(authors: n))
                } else {
                    shares[key] = Share(multiplier: Points(raw: Points.scale / 2), divisor: n - leads, note: .coauthorShare(authors: n))
                }
            }
        }
    }
}
