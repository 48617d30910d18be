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
    /// Index into ``CompiledRules/expressions`` (and the member's frames), or -1.
    var expression: Int = -1
    /// `signers`/`sole`: the item's signatories must number within these bounds.
    var signersMin = 0
    var signersMax = Int.max
    var testsSigners = false
    /// Signatories per item, set by ``CompiledRules`` when some condition tests them.
    var signerCounts: SignerCounts?

    init(_ c: Condition, symbols: inout SymbolTable, marks markTable: [String], expressions: inout ExpressionTable) {
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
        if c.testsSigners {
            testsSigners = true
            signersMin = c.signersMin ?? 1
            signersMax = c.signersMax ?? Int.max
        }
        if let text = c.expression {
            let (index, required) = expressions.add(text, scope: c.expressionScope, symbols: &symbols, marks: markTable)
            expression = index
            // An expression that insists on kinds lets the rule be indexed by kind.
            if kinds == nil, let required { kinds = required.map { symbols.intern($0) } }
        }
    }

    @inline(__always)
    func matches(_ a: Activity, member m: MemberSymbols, context: ExpressionContext) -> Bool {
        if impossible { return false }
        if let k = kinds, !k.contains(a.kind) { return false }
        if let s = statuses, !s.contains(a.status) { return false }
        if let r = roles, !r.contains(a.role) { return false }
        if let l = levels, !l.contains(a.level) { return false }
        if !a.marks.isSuperset(of: marks) { return false }
        if !matchesMemberFields(m) { return false }
        if testsSigners, let counts = signerCounts {
            let n = counts.count(a)
            if n < signersMin || n > signersMax { return false }
        }
        if expression >= 0 { return context.isTrue(expression, record: a) }
        return true
    }

    /// Only the member part of the condition (member fields and a member-level expression).
    @inline(__always)
    func matchesMember(_ m: MemberSymbols, context: ExpressionContext) -> Bool {
        if !matchesMemberFields(m) { return false }
        if expression >= 0 { return context.isTrue(expression) }
        return true
    }

    /// The record fields of the condition only (kind, status, role, level), for rows that were
    /// rejected and so have no member: whether such a row of a shared item is one of the rule's
    /// signatories.
    func matchesRecordFields(kind: Int32, status: Int32, role: Int32, level: Int32) -> Bool {
        if impossible { return false }
        if let k = kinds, !k.contains(kind) { return false }
        if let s = statuses, !s.contains(status) { return false }
        if let r = roles, !r.contains(role) { return false }
        if let l = levels, !l.contains(level) { return false }
        return true
    }

    @inline(__always)
    func matchesMemberFields(_ m: MemberSymbols) -> Bool {
        if let x = memberRoles, !x.contains(m.role) { return false }
        if let x = memberSectors, !x.contains(m.sector) { return false }
        if let x = memberCommittees, !m.committees.contains(where: x.contains) { return false }
        if let x = memberGroups, !x.contains(m.group) { return false }
        if let x = memberParties, !x.contains(m.party) { return false }
        return true
    }
}

/// How many members signed each item: the distinct members of the records that share a `ref`
/// and a kind, plus one for each row of the item rejected for who signed it (a name not in the
/// roster, a date outside the member's term: it still signed, as for co-author shares). A record
/// without a `ref` is its member's alone. Built once per run, before any member is scored, since
/// an item's records belong to several members.
final class SignerCounts: Sendable {
    /// Keyed by ref << 32 | kind.
    let counts: [Int64: Int32]

    init(records: [Activity], rejected: [RejectedSignatory] = []) {
        var members: [Int64: Set<Int32>] = [:]
        for a in records where a.ref != SymbolTable.empty {
            members[Int64(a.ref) << 32 | Int64(a.kind), default: []].insert(a.member)
        }
        var counts = members.mapValues { Int32($0.count) }
        for s in rejected where s.ref != SymbolTable.empty { counts[Int64(s.ref) << 32 | Int64(s.kind), default: 0] += 1 }
        self.counts = counts
    }

    /// From (ref << 32 | kind, member) pairs, each pair at most once, and the rejected signatories.
    init(distinctPairs: [(key: Int64, member: Int32)], rejected: [RejectedSignatory]) {
        var counts: [Int64: Int32] = [:]
        for p in distinctPairs { counts[p.key, default: 0] += 1 }
        for s in rejected where s.ref != SymbolTable.empty { counts[Int64(s.ref) << 32 | Int64(s.kind), default: 0] += 1 }
        self.counts = counts
    }

    func count(_ a: Activity) -> Int {
        a.ref == SymbolTable.empty ? 1 : Int(counts[Int64(a.ref) << 32 | Int64(a.kind)] ?? 1)
    }
}

/// A member's fields as symbols, for matching member conditions.
struct MemberSymbols: Sendable {
    var role: Int32
    var sector: Int32
    /// Every 专委会 the member belongs to (``Member/committees``).
    var committees: [Int32]
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

    /// The run's bound expressions; each member gets one frame per expression.
    var expressions: [BoundExpression]
    /// What scoring needs of each rule, without the rule's strings and lists (copying a whole
    /// ``Rule`` per matching record cost a dozen reference-count operations).
    var params: [RuleParams]

    init(_ set: RuleSet, symbols: inout SymbolTable, marks: [String], members: [Member], arena: StringArena, period: Period,
         records: [Activity] = [], rejectedSignatories: [RejectedSignatory] = [], memberSymbols: [MemberSymbols]? = nil,
         signerCounts: SignerCounts? = nil) {
        var table = ExpressionTable(arena: arena, period: period)
        rules = set.rules.map { CompiledCondition($0.when, symbols: &symbols, marks: marks, expressions: &table) }

        vetoes = set.vetoes.map { CompiledCondition($0.when, symbols: &symbols, marks: marks, expressions: &table) }
        requirements = set.requirements.map { CompiledCondition($0.when, symbols: &symbols, marks: marks, expressions: &table) }
        requirementScopes = set.requirements.map { r in
            r.appliesTo.map { CompiledCondition($0, symbols: &symbols, marks: marks, expressions: &table) }
        }
        expressions = table.bound
        if (rules + vetoes + requirements).contains(where: \.testsSigners) {
            let counts = signerCounts ?? SignerCounts(records: records, rejected: rejectedSignatories)
            for i in rules.indices where rules[i].testsSigners { rules[i].signerCounts = counts }
            for i in vetoes.indices where vetoes[i].testsSigners { vetoes[i].signerCounts = counts }
            for i in requirements.indices where requirements[i].testsSigners { requirements[i].signerCounts = counts }
        }
        params = set.rules.map { r in
            RuleParams(category: r.category, points: r.points, basis: r.basis, cap: r.cap, maxCount: r.maxCount,
                       skipFirst: r.skipFirst, hasSplit: r.split != nil, oncePerRef: r.oncePerRef, atLeast: r.atLeast)
        }
        byKind = [:]
        anyKind = []
        for (i, r) in rules.enumerated() {
            if let ks = r.kinds { for k in Set(ks) { byKind[k, default: []].append(i) } } else { anyKind.append(i) }
        }
        if !anyKind.isEmpty {
            for k in byKind.keys { byKind[k] = (byKind[k]! + anyKind).sorted() }
        }
        if let memberSymbols {
            self.members = memberSymbols
            return
        }
        self.members = members.map { m in
            MemberSymbols(role: symbols.intern(m.role), sector: symbols.intern(m.sector), committees: m.committees.map { symbols.intern($0) },
                          group: symbols.intern(m.group), party: symbols.intern(m.party))
        }
    }

    @inline(__always)
    func candidates(kind: Int32) -> [Int] { byKind[kind] ?? anyKind }
}

/// Collects the expressions of a rule set, binding each to the run's tables once.
struct ExpressionTable {
    let arena: StringArena
    let period: Period
    var bound: [BoundExpression] = []

    mutating func add(_ text: String, scope: ExpressionScope, symbols: inout SymbolTable, marks: [String]) -> (Int, [String]?) {
        // Checked when the rule file was read; a failure here would be a defect.
        guard let checked = try? RuleExpression.compile(text, options: ExpressionOptions(scope: scope, result: .bool)) else {
            preconditionFailure("expression passed the rule-file check but does not compile: \(text)")
        }
        bound.append(checked.bind(symbols: &symbols, marks: marks, arena: arena, period: period))
        return (bound.count - 1, scope == .record ? checked.requiredKinds : nil)
    }
}

/// One member's expression frames (aggregates computed once per member).
struct ExpressionContext {
    let expressions: [BoundExpression]
    let frames: [ExpressionFrame]

    static let none = ExpressionContext(expressions: [], frames: [])

    init(expressions: [BoundExpression], frames: [ExpressionFrame]) {
        self.expressions = expressions
        self.frames = frames
    }

    init(compiled: CompiledRules, member: Member, records: [Int32], all: [Activity]) {
        expressions = compiled.expressions
        frames = compiled.expressions.map { e in
            e.usesAggregates ? e.frame(member: member, records: records.lazy.map { all[Int($0)] }) : e.frame(member: member)
        }
    }

    @inline(__always)
    func isTrue(_ i: Int, record a: Activity) -> Bool {
        expressions[i].isTrue(for: a, in: frames[i])
    }

    func isTrue(_ i: Int) -> Bool {
        expressions[i].scope == .member ? expressions[i].isTrue(in: frames[i]) : false
    }
}


/// The numbers of a rule that the scoring loop reads.
struct RuleParams: Sendable {
    var category: Int
    var points: Points
    var basis: PointsBasis
    var cap: Points?
    var maxCount: Int?
    var skipFirst: Int?
    var hasSplit: Bool
    var oncePerRef = false
    var atLeast: Points?
}
