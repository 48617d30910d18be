import LvzhiCore
import LvzhiIngest
import LvzhiRules

/// A condition with its values turned into symbol ids, so matching compares integers.
struct CompiledCondition: Sendable {
    var kinds: [Int32]?
    var statuses: [Int32]?
    var roles: [Int32]?
    var levels: [Int32]?
    var marks: MarkSet
    /// A required mark that no record carries: the condition can never match.
    var impossible: Bool
    var memberRoles: [Int32]?
    var memberSectors: [Int32]?
    var memberCommittees: [Int32]?
    var memberGroups: [Int32]?
    var memberParties: [Int32]?

    init(_ c: Condition, symbols: inout SymbolTable, marks markTable: [String]) {
        func ids(_ list: [String]?) -> [Int32]? { list.map { $0.map { symbols.intern($0) } } }
        kinds = ids(c.kinds)
        statuses = ids(c.statuses)
        roles = ids(c.roles)
        levels = ids(c.levels)
        memberRoles = ids(c.memberRoles)
        memberSectors = ids(c.memberSectors)
        memberCommittees = ids(c.memberCommittees)
        memberGroups = ids(c.memberGroups)
        memberParties = ids(c.memberParties)
        var set = MarkSet()
        var impossible = false
        for m in c.marks {
            if let i = markTable.firstIndex(of: m) { set.insert(i) } else { impossible = true }
        }
        self.marks = set
        self.impossible = impossible
    }

    @inline(__always)
    func matches(_ a: Activity, member m: MemberSymbols) -> Bool {
        if impossible { return false }
        if let k = kinds, !k.contains(a.kind) { return false }
        if let s = statuses, !s.contains(a.status) { return false }
        if let r = roles, !r.contains(a.role) { return false }
        if let l = levels, !l.contains(a.level) { return false }
        if !a.marks.isSuperset(of: marks) { return false }
        return matchesMember(m)
    }

    /// Only the member-field part of the condition.
    @inline(__always)
    func matchesMember(_ m: MemberSymbols) -> Bool {
        if let x = memberRoles, !x.contains(m.role) { return false }
        if let x = memberSectors, !x.contains(m.sector) { return false }
        if let x = memberCommittees, !x.contains(m.committee) { return false }
        if let x = memberGroups, !x.contains(m.group) { return false }
        if let x = memberParties, !x.contains(m.party) { return false }
        return true
    }
}

/// A member's fields as symbols, for matching member conditions.
struct MemberSymbols: Sendable {
    var role: Int32
    var sector: Int32
    var committee: Int32
    var group: Int32
    var party: Int32
}

/// The rule set compiled against one run's symbol table, with rules indexed by kind.
struct CompiledRules: Sendable {
    var rules: [CompiledCondition]
    var vetoes: [CompiledCondition]
    var requirements: [CompiledCondition]
    var requirementScopes: [CompiledCondition?]
    /// Rules whose condition names the kind, by kind id; in file order.
    var byKind: [Int32: [Int]]
    /// Rules that do not name a kind (apply to every record).
    var anyKind: [Int]
    /// The member's fields as symbols, by member index.
    var members: [MemberSymbols]

    init(_ set: RuleSet, symbols: inout SymbolTable, marks: [String], members: [Member]) {
        rules = set.rules.map { CompiledCondition($0.when, symbols: &symbols, marks: marks) }
        vetoes = set.vetoes.map { CompiledCondition($0.when, symbols: &symbols, marks: marks) }
        requirements = set.requirements.map { CompiledCondition($0.when, symbols: &symbols, marks: marks) }
        requirementScopes = set.requirements.map { r in r.appliesTo.map { CompiledCondition($0, symbols: &symbols, marks: marks) } }
        byKind = [:]
        anyKind = []
        for (i, r) in rules.enumerated() {
            if let ks = r.kinds { for k in Set(ks) { byKind[k, default: []].append(i) } } else { anyKind.append(i) }
        }
        if !anyKind.isEmpty {
            for k in byKind.keys { byKind[k] = (byKind[k]! + anyKind).sorted() }
        }
        self.members = members.map { m in
            MemberSymbols(role: symbols.intern(m.role), sector: symbols.intern(m.sector), committee: symbols.intern(m.committee),
                          group: symbols.intern(m.group), party: symbols.intern(m.party))
        }
    }

    @inline(__always)
    func candidates(kind: Int32) -> [Int] { byKind[kind] ?? anyKind }
}
