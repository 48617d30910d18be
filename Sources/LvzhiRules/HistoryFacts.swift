import LvzhiCore

/// What is known about members' earlier periods, for the rule file's `history` conditions
/// (两年不合格, 本届无故缺席三次). Filled from the history database by the caller, or from a
/// case's `history:` in the rule file; the scorer only reads it.
///
/// Periods that end on or after the scored period's first day are ignored (they are not
/// "earlier"). When two stored periods overlap (a year and one of its quarters), the term counts
/// use the longest one and skip the ones it overlaps; consecutive-grade conditions look for the
/// period that ends the day before, preferring the one closest in length to the scored period.
public struct HistoryFacts: Sendable, Equatable {
    /// One member's result in one earlier period.
    public struct Prior: Sendable, Equatable {
        public var period: Period
        /// The grade's name (优秀, 不合格 …) as published for that period; nil when unknown.
        public var grade: String?
        public var score: Points?
        /// Records matched per rule id in that period (e.g. `absent-plenary: 2`).
        public var ruleCounts: [String: Int]
        /// The member's rank in that period and how many were ranked in the member's scope, for
        /// bottom-N conditions; nil when not ranked or not known.
        public var rank: Int?
        public var ranked: Int?
        /// Where the entry was written (a case in a rule file), for diagnostics.
        public var location: SourceLocation?

        public init(period: Period, grade: String? = nil, score: Points? = nil, ruleCounts: [String: Int] = [:],
                    rank: Int? = nil, ranked: Int? = nil, location: SourceLocation? = nil) {
            self.period = period
            self.grade = grade
            self.score = score
            self.ruleCounts = ruleCounts
            self.rank = rank
            self.ranked = ranked
            self.location = location
        }

        /// True when the member ranked among the last `share` of that period's ranking.
        public func inBottom(_ share: Share) -> Bool {
            guard let rank, let ranked else { return false }
            return HistoryFacts.inBottom(rank: rank, of: ranked, share)
        }
    }

    /// Earlier periods per member id, in any order.
    public var byMember: [String: [Prior]]

    public init(byMember: [String: [Prior]] = [:]) {
        self.byMember = byMember
    }

    public var isEmpty: Bool { byMember.values.allSatisfy(\.isEmpty) }

    /// Only `member`'s earlier periods in which the member held office. A roster that keeps
    /// past and future members (joined/left dates) is scored whole every year, so an earlier
    /// run can hold a 0-point lowest grade for someone appointed later or already gone; such a
    /// result is not the member's record and must not feed "two years running" or term counts.
    public func inOffice(_ member: Member) -> HistoryFacts {
        HistoryFacts(byMember: [member.id: (byMember[member.id] ?? []).filter { member.served(during: $0.period) }])
    }

    /// Rank `rank` of `n` is among the last `share` (rank ≥ n − N + 1; N from the share of n).
    public static func inBottom(rank: Int, of n: Int, _ share: Share) -> Bool {
        let k = share.of(n)
        return k > 0 && rank >= n - k + 1
    }

    /// The member's periods that ended before `day`, without overlaps: longest first wins, then
    /// the earlier start; the result is sorted by start.
    public func earlier(for memberID: String, before day: Day) -> [Prior] {
        let candidates = (byMember[memberID] ?? []).filter { $0.period.end < day && $0.period.start <= $0.period.end }
            .sorted { a, b in
                if a.period.days != b.period.days { return a.period.days > b.period.days }
                return a.period.start < b.period.start
            }
        var kept: [Prior] = []
        for c in candidates where !kept.contains(where: { $0.period.start <= c.period.end && c.period.start <= $0.period.end }) {
            kept.append(c)
        }
        return kept.sorted { $0.period.start < $1.period.start }
    }

    /// The member's period that ends the day before `day`, closest in length to `days` (ties:
    /// the later start), or nil.
    public func period(for memberID: String, endingBefore day: Day, days: Int) -> Prior? {
        let end = day.adding(days: -1)
        return (byMember[memberID] ?? []).filter { $0.period.end == end && $0.period.start <= end }
            .min { a, b in
                let da = abs(a.period.days - days), db = abs(b.period.days - days)
                if da != db { return da < db }
                return a.period.start > b.period.start
            }
    }
}
