import LvzhiCore

/// The settings of one `lvzhi score` run, as read from a job file or the command line.
/// Every field is optional: `nil` means "not given here", so that the command line can be
/// laid over a job file (``overriding(with:)``) and only then checked for completeness.
public struct ScoreSettings: Sendable, Equatable {
    public var rules: String?
    public var members: String?
    /// Activity files or folders (globs already expanded).
    public var activities: [String]?
    public var period: String?
    public var out: String?
    /// Output file names (``OutputFormats/resolve(_:available:)`` maps `html`, `csv`, … to them).
    public var formats: [String]?
    public var lang: Language?
    public var strict: Bool?
    public var maxRejects: RejectLimit?
    /// The history database (default: `lvzhi-history.sqlite` beside the output folder).
    public var history: String?
    /// `false`: record no history (`--no-history`, `history: false`). Naming a history file
    /// turns it back on.
    public var historyEnabled: Bool?
    /// Record the run as published rather than as a draft.
    public var publish: Bool?
    /// Let a published run supersede the period's published run instead of being refused.
    public var supersede: Bool?
    public var lock: LockMode?
    public var log: String?
    public var quiet: Bool?
    public var ifChanged: Bool?
    /// Mapping files for foreign exports.
    public var mappings: [String]?
    /// The corrections file (复核).
    public var corrections: String?
    /// A year-to-date 通报 up to this day (`YYYY-MM-DD`, already checked).
    public var asOf: String?

    public init(rules: String? = nil, members: String? = nil, activities: [String]? = nil, period: String? = nil,
                out: String? = nil, formats: [String]? = nil, lang: Language? = nil, strict: Bool? = nil,
                maxRejects: RejectLimit? = nil, history: String? = nil, lock: LockMode? = nil, log: String? = nil,
                quiet: Bool? = nil, ifChanged: Bool? = nil, mappings: [String]? = nil, corrections: String? = nil,
                asOf: String? = nil, historyEnabled: Bool? = nil, publish: Bool? = nil, supersede: Bool? = nil) {
        self.rules = rules
        self.members = members
        self.activities = activities
        self.period = period
        self.out = out
        self.formats = formats
        self.lang = lang
        self.strict = strict
        self.maxRejects = maxRejects
        self.history = history
        self.lock = lock
        self.log = log
        self.quiet = quiet
        self.ifChanged = ifChanged
        self.mappings = mappings
        self.corrections = corrections
        self.asOf = asOf
        self.historyEnabled = historyEnabled
        self.publish = publish
        self.supersede = supersede
    }

    /// These settings with every value that `other` sets replacing ours (the command line
    /// wins over the job file). A list given on the command line replaces the job file's
    /// list; it is not appended to it.
    public func overriding(with other: ScoreSettings) -> ScoreSettings {
        ScoreSettings(rules: other.rules ?? rules, members: other.members ?? members,
                      activities: other.activities ?? activities, period: other.period ?? period,
                      out: other.out ?? out, formats: other.formats ?? formats, lang: other.lang ?? lang,
                      strict: other.strict ?? strict, maxRejects: other.maxRejects ?? maxRejects,
                      history: other.history ?? history, lock: other.lock ?? lock, log: other.log ?? log,
                      quiet: other.quiet ?? quiet, ifChanged: other.ifChanged ?? ifChanged,
                      mappings: other.mappings ?? mappings, corrections: other.corrections ?? corrections,
                      asOf: other.asOf ?? asOf,
                      historyEnabled: other.historyEnabled ?? (other.history != nil ? true : historyEnabled),
                      publish: other.publish ?? publish, supersede: other.supersede ?? supersede)
    }

    /// The names of the required settings that are still missing (`--rules` …).
    public var missing: [String] {
        var m: [String] = []
        if rules == nil { m.append("rules") }
        if members == nil { m.append("members") }
        if activities?.isEmpty ?? true { m.append("activities") }
        if out == nil { m.append("out") }
        return m
    }
}

/// What a second run on the same output folder does while the first holds the lock.
public enum LockMode: String, Sendable, CaseIterable {
    /// Wait until the first run ends.
    case wait
    /// Exit at once with a message (the default: cron runs should not pile up).
    case fail
}

/// `--max-rejects`: how many rejected records a run may have and still succeed.
public enum RejectLimit: Sendable, Equatable, CustomStringConvertible {
    /// At most this many rejected records.
    case count(Int)
    /// At most this percentage of the records read (roster rows and activity records), exact.
    case percent(Points)

    /// Parses `N` or `N%` (`10`, `2.5%`).
    public init?(parsing text: String) {
        let s = text.trimmingSpaces
        if s.hasSuffix("%") || s.hasSuffix("％") {
            guard let p = Points(parsing: s.dropLast().trimmingSpaces), !p.isNegative, p <= Points(100) else { return nil }
            self = .percent(p)
        } else {
            guard let n = Int(s), n >= 0 else { return nil }
            self = .count(n)
        }
    }

    /// True when `rejected` out of `total` records is above the limit.
    public func isExceeded(rejected: Int, total: Int) -> Bool {
        switch self {
        case .count(let n):
            return rejected > n
        case .percent(let p):
            // rejected / total * 100 > p, in integers: rejected * 100 * scale > p.raw * total.
            return Int64(rejected) * 100 * Points.scale > p.raw * Int64(max(total, 0))
        }
    }

    public var description: String {
        switch self {
        case .count(let n): return "\(n)"
        case .percent(let p): return "\(p)%"
        }
    }
}

/// The output formats a run writes (`formats:` in a job file, `--formats` on the command line).
public enum OutputFormats {
    /// The file name of the output that `token` names, among `available` (the file names
    /// ``LvzhiReport/ReportSet/outputNames`` lists). A token is a file name (`scores.csv`),
    /// its extension for the report and the scores (`html`, `csv`, `json`, `xlsx`), or its
    /// stem for the others (`ledger`, `rejects`, `report`).
    public static func resolve(_ token: String, available: [String]) -> String? {
        let t = token.trimmingSpaces.lowercased()
        if let exact = available.first(where: { $0.lowercased() == t }) { return exact }
        func split(_ name: String) -> (stem: String, ext: String) {
            guard let dot = name.lastIndex(of: ".") else { return (name, "") }
            return (String(name[..<dot]), String(name[name.index(after: dot)...]))
        }
        if let byExt = available.first(where: { let p = split($0); return (p.stem == "report" || p.stem == "scores") && p.ext == t }) {
            return byExt
        }
        return available.first { split($0).stem == t }
    }

    /// The tokens users can write for `available`, for hints.
    public static func tokens(available: [String]) -> [String] {
        available.map { name in
            guard let dot = name.lastIndex(of: ".") else { return name }
            let stem = name[..<dot], ext = name[name.index(after: dot)...]
            return stem == "report" || stem == "scores" ? String(ext) : String(stem)
        }
    }
}
