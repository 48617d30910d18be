import LvzhiCore
import LvzhiIngest
import LvzhiRules

/// A condition with its values turned into symbol ids, so matching compares integers.
///
/// A class, immutable once built: scoring asks every candidate rule, veto and requirement
/// about every record, and copying a struct of nine optional arrays for each question cost
/// ten reference-count pairs (callgrind at 1M records: 37M copies, 1.3 G instructions).
final class CompiledCondition: Sendable {
    let kinds: [Int32]?
    let statuses: [Int32]?
    let roles: [Int32]?
    let levels: [Int32]?
    let marks: MarkSet
    /// A required mark that no record carries: the condition can never match.
    let impossible: Bool
    let memberRoles: [Int32]?
    let memberSectors: [Int32]?
    let memberCommittees: [Int32]?
    let memberGroups: [Int32]?
    let memberParties: [Int32]?
    /// Index into ``CompiledRules/expressions`` (and the member's frames), or -1.
    let expression: Int
    /// `signers`/`sole`: the item's signatories must number within these bounds.
    let signersMin: Int
    let signersMax: Int
    let testsSigners: Bool
    /// Signatories per item, when this condition tests them.
    let signerCounts: SignerCounts?

    init(_ c: Condition, symbols: inout SymbolTable, marks markTable: [String], expressions: inout ExpressionTable,
         signerCounts: SignerCounts?) {
        func ids(_ list: [String]?) -> [Int32]? { list.map { $0.map { symbols.intern($0) } } }
        var kinds = ids(c.kinds)
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
        testsSigners = c.testsSigners
        signersMin = c.testsSigners ? c.signersMin ?? 1 : 0
        signersMax = c.testsSigners ? c.signersMax ?? Int.max : Int.max
        self.signerCounts = c.testsSigners ? signerCounts : nil
        var expression = -1
        if let text = c.expression {
            let (index, required) = expressions.add(text, scope: c.expressionScope, symbols: &symbols, marks: markTable)
            expression = index
            // An expression that insists on kinds lets the rule be indexed by kind.
            if kinds == nil, let required { kinds = required.map { symbols.intern($0) } }
        }
        self.expression = expression
        self.kinds = kinds
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

    /// The record fields of the condition only (kind, status, role, level, marks), for rows that were
    /// rejected and so have no member: whether such a row of a shared item is one of the rule's
    /// signatories.
    func matchesRecordFields(kind: Int32, status: Int32, role: Int32, level: Int32, marks m: MarkSet) -> Bool {
        if impossible { return false }
        if !m.isSuperset(of: marks) { return false }
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

    /// Counts already made (keyed by ref << 32 | kind), for one partition of a run scored from disk.
    init(counts: [Int64: Int32]) {
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
    let rules: [CompiledCondition]
    /// `rules` for matching without a retain and a release each (every candidate rule of every
    /// record: 3 % of a 4M-record run); `rules` keeps them alive.
    let matchers: [Unmanaged<CompiledCondition>]
    let vetoes: [CompiledCondition]
    let requirements: [CompiledCondition]
    /// `vetoes` and `requirements` for matching without counting references, as ``matchers``
    /// (each is tested against every record of every member).
    let vetoMatchers: [Unmanaged<CompiledCondition>]
    let requirementMatchers: [Unmanaged<CompiledCondition>]
    var requirementScopes: [CompiledCondition?]
    /// The rules a record of each kind may match, in file order: those whose condition names
    /// the kind and those that name no kind. `candidates[kindRanges[kind + 1]]`;
    /// `kindRanges[0]` is for a kind no rule names. One flat array read in place: a list per
    /// kind, returned per record, was retained and released for every record (and both
    /// scoring threads counted references on the same lists).
    let candidates: [Int]
    let kindRanges: [Range<Int>]
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
        let conditions = set.rules.map(\.when) + set.vetoes.map(\.when) + set.requirements.map(\.when)
        let counts = conditions.contains(where: \.testsSigners)
            ? signerCounts ?? SignerCounts(records: records, rejected: rejectedSignatories) : nil
        func compile(_ c: Condition) -> CompiledCondition {
            CompiledCondition(c, symbols: &symbols, marks: marks, expressions: &table, signerCounts: counts)
        }
        rules = set.rules.map { compile($0.when) }
        matchers = rules.map { .passUnretained($0) }
        vetoes = set.vetoes.map { compile($0.when) }
        requirements = set.requirements.map { compile($0.when) }
        vetoMatchers = vetoes.map { .passUnretained($0) }
        requirementMatchers = requirements.map { .passUnretained($0) }
        requirementScopes = set.requirements.map { r in r.appliesTo.map { compile($0) } }
        expressions = table.bound
        params = set.rules.map { r in
            RuleParams(category: r.category, points: r.points, basis: r.basis, cap: r.cap, maxCount: r.maxCount,
                       skipFirst: r.skipFirst, hasSplit: r.split != nil, oncePerRef: r.oncePerRef, atLeast: r.atLeast)
        }
        var named: [Int32: [Int]] = [:]
        var anyKind: [Int] = []
        for (i, r) in rules.enumerated() {
            if let ks = r.kinds { for k in Set(ks) where k >= 0 { named[k, default: []].append(i) } } else { anyKind.append(i) }
        }
        var flat = anyKind
        var ranges = [0..<anyKind.count]
        for k in 0..<(Int(named.keys.max() ?? -1) + 1) {
            if let list = named[Int32(k)] {
                let start = flat.count
                flat += anyKind.isEmpty ? list : (list + anyKind).sorted()
                ranges.append(start..<flat.count)
            } else {
                ranges.append(0..<anyKind.count)
            }
        }
        candidates = flat
        kindRanges = ranges
        if let memberSymbols {
            self.members = memberSymbols
            return
        }
        var list: [MemberSymbols] = []
        list.reserveCapacity(members.count)
        members.withUnsafeBufferPointer { members in
            for i in members.indices {
                list.append(MemberSymbols(role: symbols.intern(members[i].role), sector: symbols.intern(members[i].sector),
                                          committees: members[i].committees.map { symbols.intern($0) },
                                          group: symbols.intern(members[i].group), party: symbols.intern(members[i].party)))
            }
        }
        self.members = list
    }

    /// Where in ``candidates`` the rules a record of `kind` may match are.
    @inline(__always)
    func candidateRange(kind: Int32) -> Range<Int> {
        kind >= 0 && Int(kind) + 1 < kindRanges.count ? kindRanges[Int(kind) + 1] : kindRanges[0]
    }
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
