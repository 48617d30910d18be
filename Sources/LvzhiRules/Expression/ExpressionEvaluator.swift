import LvzhiCore

/// The record an expression reads: the compact ``Activity`` the ingest layer stores (symbols
/// are ids in the run's ``SymbolTable``, marks are bits over the run's mark table, long text
/// lives in the run's ``StringArena``).
public typealias ExpressionRecord = Activity

extension Activity {
    /// Stands in for "no record" when a member-level expression is evaluated (never read).
    static let placeholder = Activity(date: Day(ordinal: 0), kind: SymbolTable.empty)
}

/// A value an expression evaluates to.
public enum ExpressionValue: Sendable, Equatable {
    case bool(Bool)
    case decimal(Points)
    case string(String)
    case date(Day)
    case strings([String])
}

/// What a bound expression knows about one member: member fields and the values that are the
/// same for all of the member's records (aggregates above all), computed once by
/// ``BoundExpression/frame(member:records:)``. One frame per member per bound expression.
public struct ExpressionFrame: Sendable {
    public let member: Member
    /// Member-constant values (bool 0/1, `Points.raw`, `Day.ordinal`, symbol ids), by slot.
    var slots: [Int64]
}

typealias BoolCode = @Sendable (ExpressionRecord, ExpressionFrame) -> Bool
typealias DecimalCode = @Sendable (ExpressionRecord, ExpressionFrame) -> Points
typealias DateCode = @Sendable (ExpressionRecord, ExpressionFrame) -> Day
typealias TextCode = @Sendable (ExpressionRecord, ExpressionFrame) -> String
typealias SlotCode = @Sendable (ExpressionRecord, ExpressionFrame) -> Int64
/// Adds one record's contribution to every aggregate (counts add one point per match).
typealias AccumulateCode = @Sendable (ExpressionRecord, ExpressionFrame, inout [ExprWideSum]) -> Void

// Closures are never kept in arrays or optionals on the per-record path: those hold them at
// maximal abstraction, and every call would then go through a thunk that copies the record.

extension CheckedExpression {
    /// Compiles the expression against one run's tables (after ingest, before scoring).
    ///
    /// String constants compared with `kind`, `status`, `role`, `level` or `ref` are interned in
    /// `symbols` here, so that per record those comparisons are integer comparisons; marks are
    /// resolved to their bit in `marks` (a mark no record carries never matches). `arena` holds
    /// the records' `activity_id` and `title` text. `period` gives `period.start`/`period.end`.
    public func bind(symbols: inout SymbolTable, marks: [String], arena: StringArena = StringArena(),
                     period: Period) -> BoundExpression {
        ir.internSymbolConstants(&symbols)
        let binder = ExprBinder(table: symbols, marks: marks, arena: arena, period: period)
        var predicate: BoolCode = { _, _ in preconditionFailure("isTrue on an expression that is not bool") }
        var decimal: DecimalCode = { _, _ in preconditionFailure("decimal on an expression that is not decimal") }
        let top: BoundExpression.Top
        switch type {
        case .bool:
            predicate = binder.bool(ir)
            top = .bool(predicate)
        case .decimal:
            decimal = binder.decimal(ir)
            top = .decimal(decimal)
        case .date: top = .date(binder.date(ir))
        case .string: top = .string(binder.text(ir))
        case .stringList: top = .strings(binder.markNames(ir))
        }
        return BoundExpression(scope: scope, type: type, top: top, predicate: predicate, decimalCode: decimal,
                               slotCount: binder.slotCount, before: binder.before, aggregateSlots: binder.aggregateSlots,
                               accumulate: binder.accumulate, after: binder.after)
    }
}

/// An expression compiled against one run's symbol table: a tree of closures over
/// ``ExpressionRecord`` and ``ExpressionFrame``. Evaluation cannot fail, loop or trap.
///
/// Cost: ``frame(member:records:)`` is one pass over the member's records when the expression
/// uses aggregates (all aggregates are computed in that pass) and nothing otherwise; each
/// evaluation for a record is proportional to the size of the expression (a few nanoseconds
/// per comparison in release builds). Immutable and `Sendable`: bind once per run, then build
/// frames and evaluate on any thread.
public struct BoundExpression: Sendable {
    enum Top: Sendable {
        case bool(BoolCode)
        case decimal(DecimalCode)
        case date(DateCode)
        case string(TextCode)
        case strings(@Sendable (ExpressionRecord, ExpressionFrame) -> [String])
    }

    public let scope: ExpressionScope
    public let type: ExprType
    let top: Top
    let predicate: BoolCode
    let decimalCode: DecimalCode
    let slotCount: Int
    /// Member-constant values without aggregates (computed first).
    let before: [(slot: Int, code: SlotCode)]
    /// The slot of each aggregate, in the order ``accumulate`` fills them.
    let aggregateSlots: [Int]
    let accumulate: AccumulateCode
    /// Member-constant values that use aggregates (computed last).
    let after: [(slot: Int, code: SlotCode)]

    /// Whether ``frame(member:records:)`` reads the records.
    public var usesAggregates: Bool { !aggregateSlots.isEmpty }

    /// Computes everything that is the same for all of `member`'s records, including every
    /// `count`/`sum`, in one pass over `records` (the member's records; the scorer passes the
    /// member's accepted records in the period, e.g. `indices.lazy.map { ExpressionRecord(all[Int($0)]) }`).
    public func frame(member: Member, records: some Sequence<ExpressionRecord>) -> ExpressionFrame {
        var frame = ExpressionFrame(member: member, slots: [Int64](repeating: 0, count: slotCount))
        let none = ExpressionRecord.placeholder
        for (slot, code) in before { frame.slots[slot] = code(none, frame) }
        if !aggregateSlots.isEmpty {
            var sums = [ExprWideSum](repeating: ExprWideSum(), count: aggregateSlots.count)
            for r in records { accumulate(r, frame, &sums) }
            for (k, slot) in aggregateSlots.enumerated() { frame.slots[slot] = sums[k].saturated }
        }
        for (slot, code) in after { frame.slots[slot] = code(none, frame) }
        return frame
    }

    /// A frame for an expression that does not use aggregates (see ``usesAggregates``).
    public func frame(member: Member) -> ExpressionFrame {
        precondition(aggregateSlots.isEmpty, "this expression uses count/sum: pass the member's records")
        return frame(member: member, records: EmptyCollection())
    }

    /// The value of a bool expression for one record of the frame's member.
    public func isTrue(for record: ExpressionRecord, in frame: ExpressionFrame) -> Bool {
        predicate(record, frame)
    }

    /// The value of a member-level bool expression (``ExpressionScope/member``).
    public func isTrue(in frame: ExpressionFrame) -> Bool {
        precondition(scope == .member, "a record-level expression needs a record")
        return isTrue(for: .placeholder, in: frame)
    }

    /// The value of a decimal expression for one record of the frame's member.
    public func decimal(for record: ExpressionRecord, in frame: ExpressionFrame) -> Points {
        decimalCode(record, frame)
    }

    /// The value of a member-level decimal expression.
    public func decimal(in frame: ExpressionFrame) -> Points {
        precondition(scope == .member, "a record-level expression needs a record")
        return decimal(for: .placeholder, in: frame)
    }

    /// The value of the expression, whatever its type; `record` is `nil` for member-level expressions.
    public func value(for record: ExpressionRecord?, in frame: ExpressionFrame) -> ExpressionValue {
        precondition(record != nil || scope == .member, "a record-level expression needs a record")
        let r = record ?? .placeholder
        switch top {
        case .bool(let c): return .bool(c(r, frame))
        case .decimal(let c): return .decimal(c(r, frame))
        case .date(let c): return .date(c(r, frame))
        case .string(let c): return .string(c(r, frame))
        case .strings(let c): return .strings(c(r, frame))
        }
    }
}

// MARK: - Decimal arithmetic (saturating at ±Points.limit)

enum SaturatingPoints {
    static let limit = Points.limit

    @inline(__always)
    static func clamp(_ raw: Int64) -> Points { Points(raw: min(max(raw, -limit), limit)) }

    // Operands are always within ±limit (1e13 raw), so sums and differences cannot overflow Int64.
    @inline(__always) static func add(_ a: Points, _ b: Points) -> Points { clamp(a.raw + b.raw) }
    @inline(__always) static func subtract(_ a: Points, _ b: Points) -> Points { clamp(a.raw - b.raw) }

    /// The product rounded as `Points.*`; beyond the range (or beyond Int64 before rescaling) it saturates.
    static func multiply(_ a: Points, _ b: Points) -> Points {
        let (_, overflow) = a.raw.multipliedReportingOverflow(by: b.raw)
        if overflow { return Points(raw: (a.raw < 0) != (b.raw < 0) ? -limit : limit) }
        return clamp((a * b).raw)
    }
}

/// An exact 128-bit running sum of `Points.raw` values, saturated to ±limit at the end, so that
/// a sum never depends on the order of the records.
struct ExprWideSum {
    var high: Int64 = 0
    var low: UInt64 = 0

    mutating func add(_ v: Int64) {
        let (n, carry) = low.addingReportingOverflow(UInt64(bitPattern: v))
        low = n
        high = high &+ (v < 0 ? -1 : 0) &+ (carry ? 1 : 0)
    }

    var saturated: Int64 {
        let limit = Points.limit
        if high == 0 { return low <= UInt64(limit) ? Int64(low) : limit }
        if high == -1 {
            let s = Int64(bitPattern: low)
            return s < 0 && s >= -limit ? s : -limit
        }
        return high < 0 ? -limit : limit
    }
}

// MARK: - Binding

extension ExprIR {
    /// Interns the constants compared with symbol fields, so that binding can look them up.
    func internSymbolConstants(_ symbols: inout SymbolTable) {
        switch self {
        case .compare(_, .symbolField, .constString(let s), _), .compare(_, .constString(let s), .symbolField, _):
            _ = symbols.intern(s)
        case .inList(.symbolField, let items, _, _):
            for case .constString(let s) in items { _ = symbols.intern(s) }
        default:
            break
        }
        for c in children { c.internSymbolConstants(&symbols) }
    }
}

@inline(__always)
func fieldValue(_ f: ExprSymbolField, _ r: ExpressionRecord) -> Int32 {
    switch f {
    case .kind: r.kind
    case .status: r.status
    case .role: r.role
    case .level: r.level
    case .ref: r.ref
    }
}

@inline(__always)
func fieldValue(_ f: ExprTextField, _ r: ExpressionRecord) -> StringArena.Ref {
    f == .title ? r.title : r.id
}

@inline(__always)
func fieldValue(_ f: ExprMemberTextField, _ m: Member) -> String {
    switch f {
    case .id: m.id
    case .name: m.name
    case .role: m.role
    case .sector: m.sector
    case .committee: m.committee
    case .group: m.group
    case .party: m.party
    }
}

/// Builds the closure tree. Member-constant subtrees (no record field outside an aggregate)
/// are hoisted into frame slots so that they are computed once per member, not per record.
final class ExprBinder {
    let table: SymbolTable
    let marks: [String]
    let arena: StringArena
    let period: Period
    var slotCount = 0
    var before: [(slot: Int, code: SlotCode)] = []
    var aggregateSlots: [Int] = []
    var accumulate: AccumulateCode = { _, _, _ in }
    var after: [(slot: Int, code: SlotCode)] = []
    /// False while compiling the body of a hoisted subtree (hoisting is maximal).
    var hoisting = true

    static let earliest = Day(year: 1, month: 1, day: 1)!
    static let latest = Day(year: 9999, month: 12, day: 31)!

    init(table: SymbolTable, marks: [String], arena: StringArena, period: Period) {
        self.table = table
        self.marks = marks
        self.arena = arena
        self.period = period
    }

    private func newSlot() -> Int {
        slotCount += 1
        return slotCount - 1
    }

    /// When `ir` is worth hoisting, compiles it into a new slot and returns the slot.
    private func hoist(_ ir: ExprIR, _ body: () -> SlotCode) -> Int? {
        guard hoisting, !ir.isConstant, !ir.isAggregate, !ir.isRecordDependent else { return nil }
        hoisting = false
        let code = body()
        hoisting = true
        let slot = newSlot()
        if ir.containsAggregate { after.append((slot, code)) } else { before.append((slot, code)) }
        return slot
    }

    /// An aggregate's slot; its predicate and value are compiled for the records it iterates.
    private func aggregate(_ predicate: ExprIR, _ value: ExprIR?) -> Int {
        let saved = hoisting
        hoisting = true
        defer { hoisting = saved }
        let p = bool(predicate)
        let k = aggregateSlots.count
        let previous = accumulate
        if let value {
            let v = decimal(value)
            accumulate = { r, f, sums in
                previous(r, f, &sums)
                if p(r, f) { sums[k].add(v(r, f).raw) }
            }
        } else {
            accumulate = { r, f, sums in
                previous(r, f, &sums)
                if p(r, f) { sums[k].add(Points.scale) }
            }
        }
        let slot = newSlot()
        aggregateSlots.append(slot)
        return slot
    }

    // MARK: bool

    func bool(_ ir: ExprIR) -> BoolCode {
        if let s = hoist(ir, { let c = boolBody(ir); return { r, f in c(r, f) ? 1 : 0 } }) {
            return { _, f in f.slots[s] != 0 }
        }
        return boolBody(ir)
    }

    private func boolBody(_ ir: ExprIR) -> BoolCode {
        switch ir {
        case .constBool(let b):
            return { _, _ in b }
        case .memberRanked:
            return { _, f in f.member.ranked }
        case .not(let x):
            let c = bool(x)
            return { r, f in !c(r, f) }
        case .and(let xs):
            return logical(xs[...], and: true)
        case .or(let xs):
            return logical(xs[...], and: false)
        case .compare(let op, let a, let b, let type):
            return compare(op, a, b, type)
        case .inList(let x, let items, let negated, let type):
            let c = inList(x, items, type)
            if negated { return { r, f in !c(r, f) } }
            return c
        case .inMarks(let x, let negated):
            let c = inMarks(x)
            if negated { return { r, f in !c(r, f) } }
            return c
        default:
            preconditionFailure("not a bool expression: \(ir)")
        }
    }

    /// A balanced tree of two-operand closures: short-circuits left to right, depth log2(n).
    private func logical(_ xs: ArraySlice<ExprIR>, and: Bool) -> BoolCode {
        if xs.isEmpty { return { _, _ in and } }
        if xs.count == 1 { return bool(xs[xs.startIndex]) }
        let mid = xs.startIndex + xs.count / 2
        let a = logical(xs[..<mid], and: and)
        let b = logical(xs[mid...], and: and)
        if and { return { r, f in a(r, f) && b(r, f) } }
        return { r, f in a(r, f) || b(r, f) }
    }

    private func compare(_ op: ExprCompareOp, _ a: ExprIR, _ b: ExprIR, _ type: ExprType) -> BoolCode {
        switch type {
        case .decimal:
            let x = decimal(a), y = decimal(b)
            switch op {
            case .eq: return { r, f in x(r, f) == y(r, f) }
            case .ne: return { r, f in x(r, f) != y(r, f) }
            case .lt: return { r, f in x(r, f) < y(r, f) }
            case .le: return { r, f in x(r, f) <= y(r, f) }
            case .gt: return { r, f in x(r, f) > y(r, f) }
            case .ge: return { r, f in x(r, f) >= y(r, f) }
            }
        case .date:
            let x = date(a), y = date(b)
            switch op {
            case .eq: return { r, f in x(r, f) == y(r, f) }
            case .ne: return { r, f in x(r, f) != y(r, f) }
            case .lt: return { r, f in x(r, f) < y(r, f) }
            case .le: return { r, f in x(r, f) <= y(r, f) }
            case .gt: return { r, f in x(r, f) > y(r, f) }
            case .ge: return { r, f in x(r, f) >= y(r, f) }
            }
        case .bool:
            let x = bool(a), y = bool(b)
            if op == .eq { return { r, f in x(r, f) == y(r, f) } }
            return { r, f in x(r, f) != y(r, f) }
        case .string:
            let c = stringEquals(a, b)
            if op == .eq { return c }
            return { r, f in !c(r, f) }
        case .stringList:
            preconditionFailure("lists are not compared")
        }
    }

    /// The id of a constant interned by ``ExprIR/internSymbolConstants(_:)``.
    private func id(_ s: String) -> Int32 { table.lookup(s) ?? -1 }

    private func stringEquals(_ a: ExprIR, _ b: ExprIR) -> BoolCode {
        switch (a, b) {
        case (.constString(let x), .constString(let y)):
            let v = x == y
            return { _, _ in v }
        case (.memberText(.committee), .constString(let s)), (.constString(let s), .memberText(.committee)):
            // A member belongs to every 专委会 listed in their cell (Member.committees).
            return { _, f in f.member.committees.contains(s) }
        case (.symbolField(let f), .constString(let s)), (.constString(let s), .symbolField(let f)):
            let id = id(s)
            return { r, _ in fieldValue(f, r) == id }
        case (.symbolField(let f), .symbolField(let g)):
            return { r, _ in fieldValue(f, r) == fieldValue(g, r) }
        case (.symbolField(let f), .memberText(let m)), (.memberText(let m), .symbolField(let f)):
            let slot = memberSymbol(m)
            return { r, fr in Int64(fieldValue(f, r)) == fr.slots[slot] }
        case (.textField(let t), .constString(let s)), (.constString(let s), .textField(let t)):
            let bytes = Array(s.utf8)
            let arena = arena
            return { r, _ in bytes.withUnsafeBufferPointer { arena.equals(fieldValue(t, r), $0) } }
        default:
            let x = text(a), y = text(b)
            return { r, f in x(r, f) == y(r, f) }
        }
    }

    /// A slot holding the symbol id of the member's field (-1 when no record has that value).
    private func memberSymbol(_ m: ExprMemberTextField) -> Int {
        let table = table
        let slot = newSlot()
        before.append((slot, { _, f in Int64(table.lookup(fieldValue(m, f.member)) ?? -1) }))
        return slot
    }

    private func inList(_ x: ExprIR, _ items: [ExprIR], _ type: ExprType) -> BoolCode {
        switch type {
        case .string:
            let strings = items.compactMap { if case .constString(let s) = $0 { s } else { nil } }
            if case .memberText(.committee) = x {
                let set = Set(strings)
                return { _, f in f.member.committees.contains(where: set.contains) }
            }
            if case .symbolField(let f) = x {
                let ids = strings.map { id($0) }
                return { r, _ in ids.contains(fieldValue(f, r)) }
            }
            let set = Set(strings)
            let t = text(x)
            return { r, f in set.contains(t(r, f)) }
        case .decimal:
            let values = items.compactMap { if case .constDecimal(let p) = $0 { p } else { nil } }
            let d = decimal(x)
            return { r, f in values.contains(d(r, f)) }
        case .date:
            let values = items.compactMap { if case .constDate(let p) = $0 { p } else { nil } }
            let d = date(x)
            return { r, f in values.contains(d(r, f)) }
        case .bool, .stringList:
            preconditionFailure("in over \(type)")
        }
    }

    private func inMarks(_ x: ExprIR) -> BoolCode {
        if case .constString(let s) = x {
            guard let i = marks.firstIndex(of: s), i < 64 else { return { _, _ in false } }
            return { r, _ in r.marks.contains(i) }
        }
        let t = text(x)
        let marks = marks
        return { r, f in
            guard let i = marks.firstIndex(of: t(r, f)), i < 64 else { return false }
            return r.marks.contains(i)
        }
    }

    // MARK: decimal

    func decimal(_ ir: ExprIR) -> DecimalCode {
        if case .count(let p) = ir {
            let s = aggregate(p, nil)
            return { _, f in Points(raw: f.slots[s]) }
        }
        if case .sum(let p, let v) = ir {
            let s = aggregate(p, v)
            return { _, f in Points(raw: f.slots[s]) }
        }
        if let s = hoist(ir, { let c = decimalBody(ir); return { r, f in c(r, f).raw } }) {
            return { _, f in Points(raw: f.slots[s]) }
        }
        return decimalBody(ir)
    }

    private func decimalBody(_ ir: ExprIR) -> DecimalCode {
        switch ir {
        case .constDecimal(let p):
            return { _, _ in p }
        case .quantity:
            return { r, _ in SaturatingPoints.clamp(r.quantity.raw) }
        case .negate(let x):
            let c = decimal(x)
            return { r, f in -c(r, f) }
        case .arith(let op, let a, let b):
            let x = decimal(a), y = decimal(b)
            switch op {
            case .add: return { r, f in SaturatingPoints.add(x(r, f), y(r, f)) }
            case .subtract: return { r, f in SaturatingPoints.subtract(x(r, f), y(r, f)) }
            case .multiply: return { r, f in SaturatingPoints.multiply(x(r, f), y(r, f)) }
            }
        case .divide(let a, let n):
            let x = decimal(a)
            // Expressions compute in the four-place fixed point (docs/rules.md §4.4): rounded here.
            return { r, f in SaturatingPoints.clamp(x(r, f).divided(by: n).raw) }
        case .daysBetween(let a, let b):
            let x = date(a), y = date(b)
            return { r, f in Points(Int(x(r, f).ordinal) - Int(y(r, f).ordinal)) }
        case .minMax(let isMax, let xs):
            var code = decimal(xs[0])
            for x in xs.dropFirst() {
                let a = code, b = decimal(x)
                if isMax {
                    code = { r, f in max(a(r, f), b(r, f)) }
                } else {
                    code = { r, f in min(a(r, f), b(r, f)) }
                }
            }
            return code
        case .year(let d):
            let c = date(d)
            return { r, f in Points(c(r, f).components.year) }
        case .month(let d):
            let c = date(d)
            return { r, f in Points(c(r, f).components.month) }
        default:
            preconditionFailure("not a decimal expression: \(ir)")
        }
    }

    // MARK: date

    func date(_ ir: ExprIR) -> DateCode {
        if let s = hoist(ir, { let c = dateBody(ir); return { r, f in Int64(c(r, f).ordinal) } }) {
            return { _, f in Day(ordinal: Int32(truncatingIfNeeded: f.slots[s])) }
        }
        return dateBody(ir)
    }

    private func dateBody(_ ir: ExprIR) -> DateCode {
        switch ir {
        case .constDate(let d):
            return { _, _ in d }
        case .recordDate:
            return { r, _ in r.date }
        case .memberDate(let joined):
            if joined {
                let earliest = Self.earliest
                return { _, f in f.member.joined ?? earliest }
            }
            let latest = Self.latest
            return { _, f in f.member.left ?? latest }
        case .periodStart:
            let d = period.start
            return { _, _ in d }
        case .periodEnd:
            let d = period.end
            return { _, _ in d }
        default:
            preconditionFailure("not a date expression: \(ir)")
        }
    }

    // MARK: string

    func text(_ ir: ExprIR) -> TextCode {
        switch ir {
        case .constString(let s):
            return { _, _ in s }
        case .symbolField(let f):
            let table = table
            return { r, _ in
                let id = fieldValue(f, r)
                return id >= 0 && Int(id) < table.count ? table[id] : ""
            }
        case .textField(let t):
            let arena = arena
            return { r, _ in arena[fieldValue(t, r)] }
        case .memberText(let m):
            return { _, f in fieldValue(m, f.member) }
        default:
            preconditionFailure("not a string expression: \(ir)")
        }
    }

    func markNames(_ ir: ExprIR) -> @Sendable (ExpressionRecord, ExpressionFrame) -> [String] {
        let marks = marks
        return { r, _ in r.marks.indices.filter { $0 < marks.count }.map { marks[$0] } }
    }
}
