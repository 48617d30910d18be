import Foundation
import LvzhiCore

/// Whether a run's results are final.
public enum HistoryStatus: String, Sendable, Equatable {
    /// Recorded for review (复核); may be published later.
    case draft
    /// The office's result for its period. Never changed or deleted; a later published run of
    /// the same period and rule-file name may supersede it (the old one is kept).
    case published
}

/// One file a run read, with its SHA-256.
public struct HistoryInput: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable {
        case members, activities, mapping, corrections
    }
    public var role: Role
    /// Absolute path at the time of the run.
    public var path: String
    /// Lowercase hex.
    public var sha256: String

    public init(role: Role, path: String, sha256: String) {
        self.role = role
        self.path = path
        self.sha256 = sha256
    }
}

/// A correction (复核) applied to a run before publication, stored with the run. Built by the
/// corrections feature; the store only keeps them.
public struct HistoryCorrection: Sendable, Equatable {
    /// 1, 2, … in the order they were applied.
    public var seq: Int
    /// What was done, e.g. `add`, `remove`, `change` (the corrections feature's vocabulary).
    public var action: String
    /// The activity record concerned (`activity_id`), or "".
    public var recordID: String
    /// The member concerned, or "".
    public var memberID: String
    /// What changed, in words.
    public var detail: String
    public var reason: String
    public var approvedBy: String
    /// Where the correction was written (file, line, column), if known.
    public var source: SourceLocation?

    public init(seq: Int, action: String, recordID: String = "", memberID: String = "", detail: String = "",
                reason: String = "", approvedBy: String = "", source: SourceLocation? = nil) {
        self.seq = seq
        self.action = action
        self.recordID = recordID
        self.memberID = memberID
        self.detail = detail
        self.reason = reason
        self.approvedBy = approvedBy
        self.source = source
    }
}

/// A grade as a run used it, with how many members got it.
public struct HistoryGrade: Sendable, Equatable {
    public var name: String
    public var color: String
    public var hex: String
    public var count: Int
    public init(name: String, color: String, hex: String, count: Int) {
        self.name = name
        self.color = color
        self.hex = hex
        self.count = count
    }
}

/// A scoring category as a run used it.
public struct HistoryCategory: Sendable, Equatable {
    public var id: String
    public var name: String
    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

/// One recorded `lvzhi score` run.
public struct HistoryRun: Sendable, Equatable {
    public var id: Int64
    /// The run time printed in its reports (pinned by `--run-time`/`SOURCE_DATE_EPOCH`, else
    /// the actual time), ISO 8601 with zone.
    public var runTime: String
    public var period: Period
    /// `2025`, `2025-Q1`, or `2024-12-01..2025-11-30` (``HistoryStore/label(of:)``).
    public var periodLabel: String
    public var rulesPath: String
    public var rulesName: String
    public var rulesVersion: String
    public var rulesSHA256: String
    public var extendsPath: String?
    public var extendsSHA256: String?
    /// The lvzhi version that scored the run.
    public var toolVersion: String
    public var status: HistoryStatus
    public var publishedAt: String?
    /// The published run this one replaced (`--supersede`).
    public var supersedes: Int64?
    /// The published run that replaced this one, if any.
    public var supersededBy: Int64?
    public var memberCount: Int
    public var recordsRead: Int
    public var recordsScored: Int
    public var rejected: Int
    /// Best grade first, as the rule file listed them, with member counts.
    public var grades: [HistoryGrade]
    public var categories: [HistoryCategory]
    /// SHA-256 of the run's manifest (rules, inputs, options): equal fingerprints mean the same run.
    public var fingerprint: String?

    /// Published and not superseded: the office's current result for its period.
    public var isCurrent: Bool { status == .published && supersededBy == nil }
}

/// One member's result in one run.
public struct HistoryMemberResult: Sendable, Equatable {
    public var runID: Int64
    public var memberID: String
    public var name: String
    /// 界别.
    public var sector: String
    public var committee: String
    public var role: String
    public var score: Points
    /// `nil` when not ranked.
    public var rank: Int?
    public var rankScope: String
    public var gradeIndex: Int
    public var grade: String
    public var color: String
    public var partialPeriod: Bool
    /// Names of the vetoes that applied.
    public var vetoes: [String]
    /// Names of the minimum requirements not met.
    public var missedRequirements: [String]
    /// Points per category id (after caps and floors).
    public var categoryPoints: [String: Points]
    /// Per rule id: how many of the member's records the rule matched in the run, counting
    /// records that scored nothing because of a cap, a count limit, `skip_first`, a co-author
    /// policy or an exclusive group. Rules that matched nothing are absent.
    public var ruleCounts: [String: Int]
    /// The member's records that were scored.
    public var records: Int
    /// How many members were ranked in the member's scope (for bottom-N conditions); `nil` when
    /// the member was not ranked or the run was recorded before schema v2.
    public var rankedInScope: Int? = nil
}

/// A member's result in one period, with the run it comes from.
public struct HistoryMemberPeriod: Sendable, Equatable {
    public var run: HistoryRun
    public var result: HistoryMemberResult
}

/// The results of earlier periods (``HistoryStore/priorResults(before:rulesName:sameKind:)``).
public struct PriorResults: Sendable {
    /// One earlier period: the run chosen for it and every member's result in it.
    public struct PeriodResults: Sendable {
        public var run: HistoryRun
        /// By member id.
        public var results: [String: HistoryMemberResult]
    }
    /// Most recent period first.
    public var periods: [PeriodResults]

    public init(periods: [PeriodResults]) { self.periods = periods }

    /// The member's results, most recent period first, only periods in which the member was scored.
    public func history(of memberID: String) -> [HistoryMemberPeriod] {
        periods.compactMap { p in p.results[memberID].map { HistoryMemberPeriod(run: p.run, result: $0) } }
    }

    /// The member's result in the most recent earlier period, if the member was scored then.
    /// (`nil` also when the member was absent from that period though scored before it.)
    public func previous(of memberID: String) -> HistoryMemberPeriod? {
        guard let p = periods.first, let r = p.results[memberID] else { return nil }
        return HistoryMemberPeriod(run: p.run, result: r)
    }

    /// How many consecutive earlier periods, counting back from the most recent, gave the member
    /// a grade in `gradeNames` (stops at the first period that did not, or where the member was
    /// not scored). With the current period's grade, "不合格 two years running" is
    /// `current is 不合格 && consecutive(["不合格"], of: id) >= 1`.
    public func consecutive(_ gradeNames: Set<String>, of memberID: String) -> Int {
        var n = 0
        for p in periods {
            guard let r = p.results[memberID], gradeNames.contains(r.grade) else { break }
            n += 1
        }
        return n
    }
}

/// Per-rule counts summed over the runs of a date range (``HistoryStore/ruleCounts(from:to:rulesName:memberIDs:)``).
public struct RuleCountTotals: Sendable {
    /// The runs summed, one per period, in period order.
    public var runs: [HistoryRun]
    /// Member id → rule id → records matched.
    public var counts: [String: [String: Int]]

    /// How many records rule `ruleID` matched for the member over the range.
    public func count(member: String, rule ruleID: String) -> Int { counts[member]?[ruleID] ?? 0 }
}
