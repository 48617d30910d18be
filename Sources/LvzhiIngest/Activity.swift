import LvzhiCore

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
