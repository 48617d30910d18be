/// The canonical member columns (product contract), with the Chinese headers accepted for each.
public enum MemberField: Int, CaseIterable, Sendable {
    case memberID, name, sector, committee, role, group, party, joined, left, ranked

    /// The two date columns, in the order they are checked.
    public static let dates: [MemberField] = [.joined, .left]

    public var key: String {
        switch self {
        case .memberID: "member_id"
        case .name: "name"
        case .sector: "sector"
        case .committee: "committee"
        case .role: "role"
        case .group: "group"
        case .party: "party"
        case .joined: "joined"
        case .left: "left"
        case .ranked: "ranked"
        }
    }

    public var chinese: String {
        switch self {
        case .memberID: "委员编号"
        case .name: "姓名"
        case .sector: "界别"
        case .committee: "专委会"
        case .role: "职务"
        case .group: "活动组"
        case .party: "党派"
        case .joined: "任职日期"
        case .left: "离任日期"
        case .ranked: "是否排名"
        }
    }

    public func label(_ lang: Language) -> String { lang == .zh ? chinese : key }

    /// Finds the field for a header cell (English key, case-insensitive, or Chinese name).
    public init?(header: String) {
        let h = header.trimmingSpaces
        let lower = h.lowercased()
        guard let f = MemberField.allCases.first(where: { $0.key == lower || $0.chinese == h }) else { return nil }
        self = f
    }
}

/// The canonical activity columns (product contract), with the Chinese headers accepted for each.
public enum ActivityField: Int, CaseIterable, Sendable {
    case activityID, memberID, date, kind, status, role, level, ref, quantity, marks, title

    public var key: String {
        switch self {
        case .activityID: "activity_id"
        case .memberID: "member_id"
        case .date: "date"
        case .kind: "kind"
        case .status: "status"
        case .role: "role"
        case .level: "level"
        case .ref: "ref"
        case .quantity: "quantity"
        case .marks: "marks"
        case .title: "title"
        }
    }

    public var chinese: String {
        switch self {
        case .activityID: "记录编号"
        case .memberID: "委员编号"
        case .date: "日期"
        case .kind: "类型"
        case .status: "状态"
        case .role: "角色"
        case .level: "级别"
        case .ref: "关联编号"
        case .quantity: "数量"
        case .marks: "标记"
        case .title: "标题"
        }
    }

    public func label(_ lang: Language) -> String { lang == .zh ? chinese : key }

    /// Fields that a record must have.
    public var isRequired: Bool {
        switch self {
        case .activityID, .memberID, .date, .kind: true
        default: false
        }
    }

    public init?(header: String) {
        let h = header.trimmingSpaces
        let lower = h.lowercased()
        guard let f = ActivityField.allCases.first(where: { $0.key == lower || $0.chinese == h }) else { return nil }
        self = f
    }
}
