import Foundation


/// All accepted records with the tables that give their symbols meaning.
public struct ActivityStore: Sendable {
    public var records: [Activity] = []
    /// Kinds, statuses, roles, levels and refs.
    public var symbols = SymbolTable()
    /// Mark names; a mark's id is its bit in ``MarkSet``.
    public var marks: [String] = []
    public var arena = StringArena()
    public var files: [String] = []
    /// Records a large run scored from disk (``SpilledRecords``) instead of holding them in
    /// ``records``: counted with them.
    public var onDisk = 0
    /// Rows of a shared item (with a `ref`) that were rejected for who signed them (a member id
    /// not in the roster, a date outside the member's time in office): they earn nothing but
    /// still count among the item's signatories, so the others' shares do not change
    /// (docs/rules.md §4.2). One per activity id.
    public var rejectedSignatories: [RejectedSignatory] = []

    public init() {}

    public func id(of a: Activity) -> String { arena[a.id] }
    public func title(of a: Activity) -> String { arena[a.title] }
    public func location(of a: Activity) -> SourceLocation { SourceLocation(file: files[Int(a.file)], line: Int(a.line)) }
    public func markNames(_ set: MarkSet) -> [String] { set.indices.map { marks[$0] } }
}

/// A rejected row's facts that co-author shares need: which item, and the row's kind, status,
/// role and level (symbols of ``ActivityStore/symbols``) and marks.
public struct RejectedSignatory: Sendable, Equatable {
    public var ref: Int32
    public var kind: Int32
    public var status: Int32
    public var role: Int32
    public var level: Int32
    /// The row's marks: the rules' conditions judge it by these too.
    public var marks: MarkSet
    /// The row's activity id (orders signatories for `max_credited`).
    public var activityID: [UInt8]

    public init(ref: Int32, kind: Int32, status: Int32, role: Int32, level: Int32, marks: MarkSet = MarkSet(), activityID: [UInt8]) {
        self.ref = ref
        self.kind = kind
        self.status = status
        self.role = role
        self.level = level
        self.marks = marks
        self.activityID = activityID
    }
}
