/// One person being scored: a row of the member roster.
public struct Member: Sendable, Hashable {
    public var id: String
    public var name: String
    public var sector: String
    public var committee: String
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
        self.role = role
        self.group = group
        self.party = party
        self.joined = joined
        self.left = left
        self.ranked = ranked
        self.source = source
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
    /// The roster's allowed 专委会 (`roster.committees`); `nil` accepts any. A member listed in
    /// several (`经济委员会；文化委员会`) must be in each.
    public var memberCommittees: [String]?

    public init(kinds: [Kind] = [], marks: [String]? = nil) {
        var map: [String: Kind] = [:]
        for k in kinds { map[k.name] = k }
        self.kinds = map
        self.marks = marks
    }

    public var isEmpty: Bool { kinds.isEmpty }

    /// The 专委会 written in one roster cell: split at `;`, `,`, `、`, `；`, `，` and trimmed;
    /// empty parts dropped.
    public static func committees(in text: String) -> [String] {
        text.split(whereSeparator: { ";；、,，".contains($0) }).map { $0.trimmingSpaces }.filter { !$0.isEmpty }
    }

    /// The first roster value of `member` outside the declared lists, as (field key, value,
    /// allowed values); `nil` when the member fits.
    public func undeclaredValue(of member: Member) -> (field: String, value: String, allowed: [String])? {
        if let roles = memberRoles, !roles.contains(member.role) { return ("role", member.role, roles) }
        if let sectors = memberSectors, !sectors.contains(member.sector) { return ("sector", member.sector, sectors) }
        if let committees = memberCommittees {
            for c in Self.committees(in: member.committee) where !committees.contains(c) { return ("committee", c, committees) }
        }
        return nil
    }
}
