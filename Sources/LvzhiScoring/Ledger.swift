import LvzhiCore

/// One line of a member's ledger: which rule gave which record how many points, or an
/// adjustment (a category cap, a score bound, a veto) that explains the total.
public struct LedgerEntry: Sendable, Equatable {
    /// Every payload wider than 8 bytes is boxed (`indirect`), so that a line is 64 bytes: a
    /// million-record run holds a million lines or more. Lines that share a note (a rule's cap)
    /// share its box.
    public enum Note: Sendable, Equatable {
        /// The rule's points in full.
        case full
        /// Cut to fit the rule's cap (`cap` points per member and period).
        indirect case ruleCapped(cap: Points)
        /// Not counted: the rule already counted `max` records for this member.
        case countLimited(max: Int)
        /// The record matched no rule: kept, at zero points.
        case noRule
        /// Not counted: the rule (`once_per: ref`) already counted a record of the same item.
        case repeatedItem
        /// Counted towards an `at_least` threshold not reached yet: `have` of `need`.
        indirect case belowThreshold(have: Points, need: Points)
        /// The `at_least` threshold was reached on this record: the rule's points are paid.
        indirect case thresholdReached(need: Points)
        /// The `at_least` threshold was paid already.
        case thresholdPaid
        /// A category that starts full: `start`, changed by its rules' `change` (negative for
        /// deductions) — “50 − 15 = 35”.
        indirect case categoryStart(start: Points, change: Points)
        /// The record triggered a veto.
        case veto(Int)
        /// Shared with co-authors: the record earns `share.share` of the rule's points.
        indirect case coauthorShare(ShareInfo)   // boxed: keeps every ledger line small
        /// Not credited: the item already credits `max` members.
        case notCredited(max: Int)
        /// Not credited: only the lead author scores for this rule.
        case notLead
        /// Not credited: only the lead author scores, and the item has no lead among its
        /// signatories (docs/rules.md §4.2).
        case noLead
        /// Not counted: the first `first` matching records are free.
        case skipped(first: Int)
        /// Not counted: a higher-scoring rule of the same exclusive group counted instead.
        case exclusiveDropped(group: Int)
        /// A minimum requirement was not met (index into the rule set's requirements).
        case requirementMissed(Int)
        /// A multi-year condition held (index into the rule set's `history`); `nominal` holds
        /// what it counted.
        case history(Int)
        /// The total was scaled for a member who served `served` of the period's `days` days.
        indirect case prorated(served: Int, days: Int)
        /// The category total was cut to its cap.
        indirect case categoryCapped(cap: Points)
        /// The category total was raised to its floor (deductions stop there).
        indirect case categoryFloored(floor: Points)
        /// The base score.
        case base
        /// The total was cut to the score's maximum.
        indirect case scoreCapped(max: Points)
        /// The total was raised to the score's minimum.
        indirect case scoreFloored(min: Points)
    }

    /// How a co-author's share was worked out.
    public struct ShareInfo: Sendable, Equatable {
        /// Signatories the item credits (rows in the exports, rejected ones included).
        public var authors: Int
        /// Of those, rows that ingest rejected (they earn nothing but count).
        public var rejected: Int
        /// The fraction of the rule's points this record earns (1/6, 1/4 …).
        public var share: Points
        /// The item has no lead: under `lead_half` the lead's half is not awarded.
        public var leadless: Bool
        /// The rule's points for the record before sharing (the 10 of "10 × 1/6").
        public var nominal: Points = .zero

        public init(authors: Int, rejected: Int = 0, share: Points, leadless: Bool = false) {
            self.authors = authors
            self.rejected = rejected
            self.share = share
            self.leadless = leadless
        }
    }

    /// Index of the record in the store, or -1 for adjustments that belong to no record.
    public var record: Int32
    /// Index of the rule that fired, or -1.
    public var rule: Int32
    /// Index of the category, or -1 for whole-score lines.
    public var category: Int32
    /// Points awarded (negative for deductions and cuts).
    public var points: Points
    /// Points the rule would give before caps and limits.
    public var nominal: Points
    public var note: Note

    public init(record: Int32, rule: Int32, category: Int32, points: Points, nominal: Points, note: Note) {
        self.record = record
        self.rule = rule
        self.category = category
        self.points = points
        self.nominal = nominal
        self.note = note
    }
}

/// One member's result.
public struct MemberScore: Sendable {
    /// Index into the roster.
    public var member: Int
    public var score: Points
    /// Points per category, in the rule file's category order, after caps and floors.
    public var categoryPoints: [Points]
    /// Competition rank among ranked members (ties share a rank); `nil` if not ranked.
    public var rank: Int?
    /// Index of the grade (0 = best).
    public var grade: Int
    /// The vetoes that applied: (veto index, record index).
    public var vetoes: [(veto: Int, record: Int32)]
    /// Minimum requirements not met (indices into the rule set's requirements).
    public var missedRequirements: [Int]
    /// The grade the points alone would give, before requirements and vetoes.
    public var bandGrade: Int
    /// The ranking scope the member was ranked in ("" for the whole body).
    public var rankScope: String
    /// Members ranked in that scope.
    public var rankedInScope: Int
    /// Records of this member that were scored (including zero-point ones).
    public var records: Int
    /// Records that matched no rule.
    public var unmatched: Int
    public var ledger: [LedgerEntry]
    /// Joined or left during the period.
    public var partialPeriod: Bool
    /// Multi-year conditions (`history`) that held, in rule-file order.
    public var history: [HistoryHit] = []
    /// Progress towards the minimum requirements, filled in quarterly and year-to-date runs only.
    public var progress: [RequirementProgress] = []
    /// Set when a value of this member's could not be represented exactly (``Points/isOverflow``):
    /// the index of the first ledger line that overflowed, or -1 for a total. The run is then
    /// refused (``ScoreRun/overflow``), never shown.
    public var overflow: Int? = nil
}

/// How far a member is towards one minimum requirement of the year (quarterly / year-to-date 通报).
public struct RequirementProgress: Sendable, Equatable {
    /// Index into the rule set's requirements.
    public var requirement: Int
    /// Records (or quantity) so far.
    public var done: Points
    /// What the requirement asks for the year.
    public var needed: Points
    public var met: Bool { done >= needed }

    public init(requirement: Int, done: Points, needed: Points) {
        self.requirement = requirement
        self.done = done
        self.needed = needed
    }
}
