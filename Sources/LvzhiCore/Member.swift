/// One person being scored: a row of the member roster.
public struct Member: Sendable, Hashable {
    public var id: String
    public var name: String
    public var sector: String
    /// The 专委会 cell as written (`经济委员会；文化委员会`); see ``committees``.
    public var committee: String {
        didSet { committees = Self.list(committee) }
    }
    /// The 专委会 the member belongs to, parsed once from ``committee``: split at `;；、,，|`,
    /// trimmed, empty parts dropped. The member belongs to every one of them (`member_committee`
    /// matches any, member pages list all); the first is the member's home committee
    /// (``homeCommittee``), where a ranking by committee and the 五色图 place them, since a member
    /// has one rank and one cell. docs/rules.md §4.1.
    public private(set) var committees: [String]
    /// The first of ``committees`` ("" when none): ranking scope and chart group by committee.
    public var homeCommittee: String { committees.first ?? "" }
    public var role: String
    public var group: String
    public var party: String
    public var joined: Day?
    public var left: Day?
    /// Whether the member takes part in ranking (主席 and 不计分人员 usually do not).
    public var ranked: Bool
    public var source: SourceLocation

    public init(id: String, name: String, sector: String = "", committee: String = "", role: String = "",
                group: String = "", party: String = "", joined: Day? = nil, left: Day? = nil,
                ranked: Bool = true, source: SourceLocation) {
        self.id = id
        self.name = name
        self.sector = sector
        self.committee = committee
        self.committees = Self.list(committee)
        self.role = role
        self.group = group
        self.party = party
        self.joined = joined
        self.left = left
        self.ranked = ranked
        self.source = source
    }

    /// Separators of a multi-valued member cell.
    public static let listSeparators: Set<Character> = [";", "；", "、", ",", "，", "|"]

    /// Splits a multi-valued member cell at ``listSeparators``, trimming whitespace (spaces,
    /// U+3000, no-break space) and dropping empty parts.
    public static func list(_ text: String) -> [String] {
        if text.isEmpty { return [] }
        if !mayHoldSeparatorOrSpace(text) { return [text] }
        return text.split(whereSeparator: { listSeparators.contains($0) }).compactMap { part in
            var p = Substring(part)
            while let c = p.first, c.isWhitespace { p.removeFirst() }
            while let c = p.last, c.isWhitespace { p.removeLast() }
            return p.isEmpty ? nil : String(p)
        }
    }

    /// False when no byte of `text` can start a separator or a whitespace character: the
    /// common cell (`经济委员会`), checked on its UTF-8 bytes instead of as `Character`s (that
    /// was about half of reading a roster). Separators and whitespace are ASCII, or start
    /// with 0xC2 (U+0085, U+00A0), 0xE1/0xE2 (U+1680, U+2000–U+205F), 0xE3 0x80 (、 U+3000)
    /// or 0xEF 0xBC (，；).
    static func mayHoldSeparatorOrSpace(_ text: String) -> Bool {
        var s = text
        return s.withUTF8 { mayHoldSeparatorOrSpace(bytes: $0) }
    }

    /// ``mayHoldSeparatorOrSpace(_:)`` on UTF-8 bytes (a record's marks cell, split at the same
    /// separators).
    public static func mayHoldSeparatorOrSpace(bytes b: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = b.count
        var i = 0
        while i < n {
            switch b[i] {
            case 0x09...0x0D, 0x20, 0x2C, 0x3B, 0x7C, 0xC2, 0xE1, 0xE2: return true
            case 0xE3: if i + 1 < n, b[i + 1] == 0x80 { return true }
            case 0xEF: if i + 1 < n, b[i + 1] == 0xBC { return true }
            default: break
            }
            i += 1
        }
        return false
    }

    /// True when the member held office on at least one day of `period` (joined on or before
    /// its last day, and left on or after its first day).
    public func served(during period: Period) -> Bool {
        if let j = joined, j > period.end { return false }
        if let l = left, l < period.start { return false }
        return true
    }

    /// True when the member joined after the period began or left before it ended.
    public func servedPartOf(_ period: Period) -> Bool {
        if let j = joined, j > period.start { return true }
        if let l = left, l < period.end { return true }
        return false
    }
}

/// The values a rule file accepts for each activity kind. Records outside it are rejected.
public struct Vocabulary: Sendable, Equatable {
    public struct Kind: Sendable, Equatable {
        public var name: String
        /// Allowed statuses; `nil` accepts any (including none).
        public var statuses: [String]?
        /// Allowed roles; `nil` accepts any.
        public var roles: [String]?
        /// Allowed levels; `nil` accepts any.
        public var levels: [String]?
        public init(name: String, statuses: [String]? = nil, roles: [String]? = nil, levels: [String]? = nil) {
            self.name = name
            self.statuses = statuses
            self.roles = roles
            self.levels = levels
        }
    }

    public var kinds: [String: Kind]
    /// Allowed marks; `nil` accepts any.
    public var marks: [String]?
    /// The roster's allowed 职务 (`roster.roles`); `nil` accepts any. `""` in the list accepts
    /// members without a role.
    public var memberRoles: [String]?
    /// The roster's allowed 界别 (`roster.sectors`); `nil` accepts any.
    public var memberSectors: [String]?
    /// The roster's allowed 专委会 (`roster.committees`); `nil` accepts any. Each of a member's
    /// ``Member/committees`` (a cell may list several) must be in it.
    public var memberCommittees: [String]?

    public init(kinds: [Kind] = [], marks: [String]? = nil) {
        var map: [String: Kind] = [:]
        for k in kinds { map[k.name] = k }
        self.kinds = map
        self.marks = marks
    }

    public var isEmpty: Bool { kinds.isEmpty }

    /// The first roster value of `member` outside the declared lists, as (field key, value,
    /// allowed values); `nil` when the member fits.
    public func undeclaredValue(of member: Member) -> (field: String, value: String, allowed: [String])? {
        if let roles = memberRoles, !roles.contains(member.role) { return ("role", member.role, roles) }
        if let sectors = memberSectors, !sectors.contains(member.sector) { return ("sector", member.sector, sectors) }
        if let committees = memberCommittees {
            for c in member.committees where !committees.contains(c) { return ("committee", c, committees) }
        }
        return nil
    }
}
