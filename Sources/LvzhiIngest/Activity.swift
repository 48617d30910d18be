import LvzhiCore

/// One accepted activity record, kept compact (about 64 bytes) so that a million of them fit
/// comfortably in memory: short values are interned symbols, long text lives in an arena.
public struct Activity: Sendable {
    /// Index into the roster.
    public var member: Int32
    public var date: Day
    public var kind: Int32
    public var status: Int32
    public var role: Int32
    public var level: Int32
    /// Links the rows of one proposal or report shared by several members (symbol, 0 = none).
    public var ref: Int32
    public var marks: MarkSet
    public var quantity: Points
    public var id: StringArena.Ref
    public var title: StringArena.Ref
    /// Index into ``ActivityStore/files``.
    public var file: Int32
    public var line: Int32
}

/// All accepted records with the tables that give their symbols meaning.
public struct ActivityStore: Sendable {
    public var records: [Activity] = []
    /// Kinds, statuses, roles, levels and refs.
    public var symbols = SymbolTable()
    /// Mark names; a mark's id is its bit in ``MarkSet``.
    public var marks: [String] = []
    public var arena = StringArena()
    public var files: [String] = []

    public init() {}

    public func id(of a: Activity) -> String { arena[a.id] }
    public func title(of a: Activity) -> String { arena[a.title] }
    public func location(of a: Activity) -> SourceLocation { SourceLocation(file: files[Int(a.file)], line: Int(a.line)) }
    public func markNames(_ set: MarkSet) -> [String] { set.indices.map { marks[$0] } }
}
