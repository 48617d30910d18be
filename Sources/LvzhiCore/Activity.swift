/// One accepted activity record, kept compact (about 64 bytes) so that a million of them fit
/// comfortably in memory: short values are interned symbols, long text lives in an arena.
public struct Activity: Sendable, Hashable {
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

    public init(member: Int32 = 0, date: Day, kind: Int32, status: Int32 = SymbolTable.empty, role: Int32 = SymbolTable.empty,
                level: Int32 = SymbolTable.empty, ref: Int32 = SymbolTable.empty, marks: MarkSet = MarkSet(),
                quantity: Points = .one, id: StringArena.Ref = .none, title: StringArena.Ref = .none,
                file: Int32 = 0, line: Int32 = 0) {
        self.member = member
        self.date = date
        self.kind = kind
        self.status = status
        self.role = role
        self.level = level
        self.ref = ref
        self.marks = marks
        self.quantity = quantity
        self.id = id
        self.title = title
        self.file = file
        self.line = line
    }
}
