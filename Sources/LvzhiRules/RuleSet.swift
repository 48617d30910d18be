import LvzhiCore

/// A validated rule file: the office's 考核办法 as data.
public struct RuleSet: Sendable {
    /// The format version written in the file (`lvzhi: 1`).
    public var formatVersion: Int
    public var name: String
    public var version: String
    /// The file the rules were read from, as given.
    public var path: String
    /// The period the rules are written for, if the file names one.
    public var period: Period?
    public var base: Points
    /// Lower and upper bounds on the total score, if any.
    public var minScore: Points?
    public var maxScore: Points?
    public var vocabulary: Vocabulary
    public var categories: [Category]
    public var rules: [Rule]
    public var vetoes: [Veto]
    /// Best grade first; every grade but the last has a threshold.
    public var grades: [Grade]
    /// A different base score per member role (职务), e.g. 委员 100, 常委 120.
    public var baseByRole: [String: Points] = [:]
    /// "The higher of A and B, not both" groups.
    public var exclusive: [ExclusiveGroup] = []
    /// Minimum requirements (三个一, 六个一 …).
    public var requirements: [Requirement] = []
    /// Ranking scope, quotas and the treatment of members who served part of the period.
    public var grading = Grading()
    /// The base file this one extends, as resolved.
    public var extends: String?
    /// The term of office (届), for conditions counted over a term.
    public var term: Term?
    /// Conditions over several periods (两年不合格, 本届缺席三次 …), in file order.
    public var history: [HistoryCondition] = []
    /// How numbers are shown in the outputs (`display:`); scores themselves are exact.
    public var display = DisplaySettings()

    public init(formatVersion: Int = 1, name: String, version: String, path: String, period: Period? = nil,
                base: Points = .zero, minScore: Points? = nil, maxScore: Points? = nil,
                vocabulary: Vocabulary = Vocabulary(), categories: [Category], rules: [Rule],
                vetoes: [Veto] = [], grades: [Grade]) {
        self.formatVersion = formatVersion
        self.name = name
        self.version = version
        self.path = path
        self.period = period
        self.base = base
        self.minScore = minScore
        self.maxScore = maxScore
        self.vocabulary = vocabulary
        self.categories = categories
        self.rules = rules
        self.vetoes = vetoes
        self.grades = grades
    }

    public func categoryIndex(id: String) -> Int? { categories.firstIndex { $0.id == id } }
    public func ruleIndex(id: String) -> Int? { rules.firstIndex { $0.id == id } }

    /// The base score of a member with this role.
    public func base(forRole role: String) -> Points { baseByRole[role] ?? base }

    /// True when some grade is assigned by rank quota rather than by score band.
    public var usesQuotas: Bool { grades.contains { $0.top != nil || $0.bottom != nil } }
    public func gradeIndex(name: String) -> Int? { grades.firstIndex { $0.name == name } }
}

/// How the outputs show numbers: every score is exact, and is rounded only where it is shown, by
/// one rule (``Points/display(decimals:)``: half away from zero, trailing zeros dropped).
public struct DisplaySettings: Sendable, Equatable {
    /// Decimal places shown (0–4, default 2).
    public var decimals: Int = Points.defaultDisplayDecimals
    public init(decimals: Int = Points.defaultDisplayDecimals) { self.decimals = decimals }
}

/// A scoring area (会议活动, 提案, 社情民意 …) with optional cap and floor.
public struct Category: Sendable, Equatable {
    public var id: String
    public var name: String
    /// The most this category can contribute.
    public var cap: Points?
    /// The least this category can contribute (e.g. deductions stop at 0 or at −20).
    public var floor: Points?
    /// A category that starts full and is deducted (会议 50 分，缺席一次扣 5 分，扣完为止): the
    /// category counts `start` plus its rules' points, at most `cap` (default `start`) and at
    /// least `floor` (default 0).
    public var start: Points?
    public var location: SourceLocation?

    /// The cap that applies: the written one, or the starting points of a category that starts full.
    public var effectiveCap: Points? { cap ?? start }
    /// The floor that applies: the written one, or 0 for a category that starts full.
    public var effectiveFloor: Points? { floor ?? (start != nil ? .zero : nil) }

    public init(id: String, name: String, cap: Points? = nil, floor: Points? = nil, location: SourceLocation? = nil) {
        self.id = id
        self.name = name
        self.cap = cap
        self.floor = floor
        self.location = location
    }
}

/// Which records a rule applies to: each listed field must equal one of its values; every
/// listed mark must be present.
public struct Condition: Sendable, Equatable {
    public var kinds: [String]?
    public var statuses: [String]?
    public var roles: [String]?
    public var levels: [String]?
    public var marks: [String]
    /// The member's role (职务), e.g. 常委.
    public var memberRoles: [String]?
    /// The member's 界别.
    public var memberSectors: [String]?
    /// The member's 专委会.
    public var memberCommittees: [String]?
    /// The member's activity group (活动组).
    public var memberGroups: [String]?
    /// The member's party (党派).
    public var memberParties: [String]?
    /// An expression for what field matching cannot say (see docs/rules.md), checked when the
    /// rule file is read.
    public var expression: String?
    /// Record-level (rules, vetoes, requirement conditions) or member-level (`applies_to`).
    public var expressionScope: ExpressionScope = .record
    /// How many members signed the record's item (same `ref` and kind; a record without a `ref`
    /// has one signatory): at least `signersMin` and at most `signersMax` (`signers: 1`,
    /// `signers: {min: 2}`; `sole: true` is `signers: 1`).
    public var signersMin: Int?
    public var signersMax: Int?
    /// True when the condition tests the number of signatories.
    public var testsSigners: Bool { signersMin != nil || signersMax != nil }
    /// Where the expression starts in the rule file.
    public var expressionLocation: SourceLocation?

    public init(kinds: [String]? = nil, statuses: [String]? = nil, roles: [String]? = nil, levels: [String]? = nil,
                marks: [String] = [], memberRoles: [String]? = nil) {
        self.kinds = kinds
        self.statuses = statuses
        self.roles = roles
        self.levels = levels
        self.marks = marks
        self.memberRoles = memberRoles
    }
}

/// How a rule's points scale with a record.
public enum PointsBasis: String, Sendable {
    /// The same points for every record.
    case record
    /// Points times the record's quantity (half-days, items).
    case quantity
}

/// One scoring rule: which records, how many points, in which category, within which caps.
public struct Rule: Sendable, Equatable {
    public var id: String
    public var name: String
    public var category: Int
    public var when: Condition
    public var points: Points
    public var basis: PointsBasis
    /// The most (in magnitude) this rule can give one member in the period.
    public var cap: Points?
    /// The most records this rule counts for one member in the period.
    public var maxCount: Int?
    /// The first N matching records of a member score nothing (e.g. two leave requests are free).
    public var skipFirst: Int?
    /// How points are shared between the members credited with one item (same `ref`).
    public var split: CoauthorSplit?
    /// `once_per: ref`: of a member's records of one item (same `ref`) this rule counts the first.
    public var oncePerRef = false
    /// `at_least: N`: the rule pays its points once, when the member's matching records (or their
    /// quantity, with `per: quantity`) reach N (“2 次以上得 30 分”).
    public var atLeast: Points?
    /// The sentence the author wrote for the published 考核细则 (`text:`); when absent `lvzhi
    /// render` phrases the rule from its parts.
    public var text: String?
    public var location: SourceLocation?

    public init(id: String, name: String, category: Int, when: Condition, points: Points,
                basis: PointsBasis = .record, cap: Points? = nil, maxCount: Int? = nil, location: SourceLocation? = nil) {
        self.id = id
        self.name = name
        self.category = category
        self.when = when
        self.points = points
        self.basis = basis
        self.cap = cap
        self.maxCount = maxCount
        self.location = location
    }
}

/// A record that forces a grade whatever the points (e.g. a disciplinary record → 不合格).
public struct Veto: Sendable, Equatable {
    public var id: String
    public var name: String
    public var when: Condition
    public var grade: Int
    public var location: SourceLocation?

    public init(id: String, name: String, when: Condition, grade: Int, location: SourceLocation? = nil) {
        self.id = id
        self.name = name
        self.when = when
        self.grade = grade
        self.location = location
    }
}

/// A grade of the chart: its name (优秀), colour name (绿), display colour and threshold.
public struct Grade: Sendable, Equatable {
    public var name: String
    public var color: String
    /// `#rrggbb`.
    public var hex: String
    /// The lowest score in this grade; `nil` for the last grade and for quota grades.
    public var min: Points?
    /// Quota: the best-ranked share of members in each ranking scope get this grade.
    public var top: Share?
    /// Quota: the worst-ranked share of members in each ranking scope get this grade.
    public var bottom: Share?
    /// English names for `--lang en` (`name_en`, `color_en`); nil: ``englishName`` and
    /// ``englishColor`` fall back to the usual words for the five 奉节 colours and grades.
    public var nameEn: String?
    public var colorEn: String?

    public init(name: String, color: String, hex: String, min: Points?, top: Share? = nil, bottom: Share? = nil) {
        self.name = name
        self.color = color
        self.hex = hex
        self.min = min
        self.top = top
        self.bottom = bottom
    }
}

/// A number of members: a percentage of those ranked in the scope, or a count.
public enum Share: Sendable, Equatable, CustomStringConvertible {
    case percent(Points)
    case count(Int)

    /// How many of `n` members the share covers (percentages round down).
    public func of(_ n: Int) -> Int {
        switch self {
        case .count(let c): return min(c, n)
        case .percent(let p): return Int((Int64(n) * p.raw) / (100 * Points.scale))
        }
    }

    public var description: String {
        switch self {
        case .percent(let p): "\(p)%"
        case .count(let c): "\(c)"
        }
    }
}

/// How the points of one item (a co-signed proposal, a joint report) are shared among the
/// members credited with it. Records of the same item share a `ref`.
public struct CoauthorSplit: Sendable, Equatable {
    public enum Policy: String, Sendable {
        /// Only the lead scores (延边: 第一提案人 only).
        case leadOnly = "lead_only"
        /// The lead gets half; the others share the other half equally.
        case leadHalf = "lead_half"
        /// Everyone gets an equal share.
        case equal
        /// Everyone gets points × fraction when the item has more than one author.
        case fraction
        /// Everyone gets the full points (only `max_credited` applies).
        case full
    }
    public var policy: Policy
    /// For `fraction`.
    public var fraction: Points?
    /// The role that marks the lead (default 第一提案人).
    public var leadRoles: [String]
    /// At most this many members are credited per item: the lead first, then by activity id.
    public var maxCredited: Int?

    public init(policy: Policy, fraction: Points? = nil, leadRoles: [String] = ["第一提案人"], maxCredited: Int? = nil) {
        self.policy = policy
        self.fraction = fraction
        self.leadRoles = leadRoles
        self.maxCredited = maxCredited
    }
}

/// "The higher of A and B, not both": of the listed alternatives only the one that gives most
/// counts, per member (e.g. lead-author rules vs participant rules) or per item (`ref`, e.g. an
/// adoption ladder scored either/or, or a proposal converted into 社情民意). Each alternative is
/// one rule or a set of rules whose points are added together.
public struct ExclusiveGroup: Sendable, Equatable {
    public enum Scope: String, Sendable { case member, ref }
    public var id: String
    public var name: String
    public var alternatives: [[Int]]
    public var scope: Scope
    public var location: SourceLocation?

    /// Every rule in the group.
    public var rules: [Int] { alternatives.flatMap { $0 } }

    public init(id: String, name: String, alternatives: [[Int]], scope: Scope, location: SourceLocation? = nil) {
        self.id = id
        self.name = name
        self.alternatives = alternatives
        self.scope = scope
        self.location = location
    }
}

/// A minimum requirement (三个一 …): at least `min` matching records (or quantity) in the period.
public struct Requirement: Sendable, Equatable {
    public enum Effect: Sendable, Equatable {
        /// The member's grade is at best this one.
        case capGrade(Int)
        /// The member gets this grade whatever the points.
        case forceGrade(Int)
        /// Points are deducted from the total.
        case deduct(Points)
        /// Only flagged in the reports.
        case flag
    }
    public var id: String
    public var name: String
    public var when: Condition
    public var min: Points
    /// Count quantities (half-days) instead of records.
    public var byQuantity: Bool
    /// Only members matching this apply (e.g. member_role: 常委).
    public var appliesTo: Condition?
    public var effect: Effect
    public var location: SourceLocation?

    public init(id: String, name: String, when: Condition, min: Points, byQuantity: Bool = false,
                appliesTo: Condition? = nil, effect: Effect, location: SourceLocation? = nil) {
        self.id = id
        self.name = name
        self.when = when
        self.min = min
        self.byQuantity = byQuantity
        self.appliesTo = appliesTo
        self.effect = effect
        self.location = location
    }
}

/// Ranking and grading options.
public struct Grading: Sendable, Equatable {
    /// A roster column members are ranked within.
    public enum Scope: String, Sendable, CaseIterable {
        case all, sector, committee, role, group

        /// 界别, 专委会, 职务, 活动组 (or the English words); 全体 for `all`.
        public var label: (zh: String, en: String) {
            switch self {
            case .all: ("全体", "all members")
            case .sector: ("界别", "sector")
            case .committee: ("专委会", "committee")
            case .role: ("职务", "role")
            case .group: ("活动组", "activity group")
            }
        }

        /// The member's value of this column (the home committee for `committee`).
        public func value(of m: Member) -> String {
            switch self {
            case .all: ""
            case .sector: m.sector
            case .committee: m.homeCommittee
            case .role: m.role
            case .group: m.group
            }
        }
    }
    /// What to do with members who joined or left during the period.
    public enum PartialPolicy: String, Sendable {
        /// Score as is and flag in the reports.
        case flag
        /// Score and grade, but leave out of ranking and quotas.
        case exclude = "exclude_from_ranking"
        /// Scale what was earned above the base by period days / days served (bounded by score.max).
        case prorate
    }
    /// Who is ranked against whom.
    public var scope: RankScope = .all
    public var partial: PartialPolicy = .flag
    public init(scope: RankScope = .all, partial: PartialPolicy = .flag) {
        self.scope = scope
        self.partial = partial
    }
}

/// A five-year (or N-year) term of office (届): the first term's first day and the length of
/// every term. Terms follow one another without gaps.
public struct Term: Sendable, Equatable {
    public var start: Day
    public var years: Int
    public var location: SourceLocation?

    public init(start: Day, years: Int, location: SourceLocation? = nil) {
        self.start = start
        self.years = years
        self.location = location
    }

    /// The term that contains `day` (terms before `start` are counted backwards).
    public func containing(_ day: Day) -> Period {
        let (y0, m0, d0) = start.components
        func begin(_ k: Int) -> Day {
            let y = y0 + k * years
            return Day(year: y, month: m0, day: min(d0, Day.daysIn(month: m0, year: y))) ?? start
        }
        let (y, _, _) = day.components
        var k = (y - y0) / years + ((y - y0) < 0 && (y - y0) % years != 0 ? -1 : 0)
        while begin(k) > day { k -= 1 }
        while begin(k + 1) <= day { k += 1 }
        return Period(start: begin(k), end: begin(k + 1).adding(days: -1))
    }
}

/// A condition over several periods (跨年度条件): consecutive grades, or records of a rule
/// counted over the term. It reads the member's earlier periods from ``HistoryFacts``.
public struct HistoryCondition: Sendable, Equatable {
    /// Which grade a period must have.
    public enum GradeTest: Sendable, Equatable {
        /// Exactly this grade (index into the rule set's grades).
        case named(Int)
        /// The lowest grade of the chart.
        case lowest
    }
    public enum Test: Sendable, Equatable {
        /// The member had the grade in this period and in each of the `years − 1` periods right
        /// before it (two 不合格 in a row).
        case consecutiveGrade(GradeTest, years: Int)
        /// The member had the grade in at least `min` periods of the current term, this one included.
        case gradeInTerm(GradeTest, min: Int)
        /// Records matched by the rule (index into the rule set's rules) over the current term, this
        /// period included, number at least `min` (三次无故缺席全体会议).
        case ruleCountInTerm(rule: Int, min: Int)
        /// Ranked among the last `share` of the ranking in this period and each of the `years − 1`
        /// periods right before it (bottom 10 two years running). A member is among the last N when
        /// rank ≥ ranked − N + 1, so a tie that straddles the line does not count.
        case bottomConsecutive(Share, years: Int)
        /// The total score was below `below` in this period and in each of the `years − 1`
        /// periods right before it (低于 60 分的谈话; 连续两年低于 60 分的). With `years: 1` it
        /// reads this period alone and needs no earlier results.
        case consecutiveScore(below: Points, years: Int)
    }
    /// What happens when the condition holds.
    public struct Effect: Sendable, Equatable {
        /// Shown with the member in every output (e.g. 劝辞).
        public var flag: String
        /// The grade is at most this one (like a veto).
        public var grade: Int?
        public init(flag: String, grade: Int? = nil) {
            self.flag = flag
            self.grade = grade
        }
    }
    public var id: String
    public var name: String
    public var test: Test
    public var effect: Effect
    public var location: SourceLocation?

    public init(id: String, name: String, test: Test, effect: Effect, location: SourceLocation? = nil) {
        self.id = id
        self.name = name
        self.test = test
        self.effect = effect
        self.location = location
    }

    /// True when the condition needs the term to be defined.
    public var needsTerm: Bool {
        switch test {
        case .consecutiveGrade, .bottomConsecutive, .consecutiveScore: false
        case .gradeInTerm, .ruleCountInTerm: true
        }
    }

    /// True when the condition reads earlier periods' results (false for a condition on this
    /// period alone: `{grade: 不合格}` or `{score_below: 60}` without `years`).
    public var readsEarlierPeriods: Bool {
        switch test {
        case .consecutiveGrade(_, let y), .bottomConsecutive(_, let y), .consecutiveScore(_, let y): y > 1
        case .gradeInTerm, .ruleCountInTerm: true
        }
    }

    /// Set when the file wrote `years: 1` (S007: say it plainly, without `years`).
    public var wroteOneYear = false
}

extension Grade {
    /// The usual English words for the grade names and colours of the 奉节-style five-colour chart.
    static let englishNames = ["优秀": "excellent", "优良": "good", "良好": "good", "合格": "satisfactory",
                               "称职": "competent", "基本合格": "basically satisfactory", "基本称职": "basically competent",
                               "不合格": "unsatisfactory", "不称职": "incompetent"]
    static let englishColors = ["绿": "green", "绿色": "green", "蓝": "blue", "蓝色": "blue", "黄": "yellow", "黄色": "yellow",
                                "褐": "brown", "褐色": "brown", "棕": "brown", "橙": "orange", "橙色": "orange",
                                "红": "red", "红色": "red", "紫": "purple", "灰": "grey"]

    /// `name_en`, else the usual English word for a common grade name, else the name.
    public var englishName: String { nameEn ?? Self.englishNames[name] ?? name }
    /// `color_en`, else the usual English word for a common colour, else the colour.
    public var englishColor: String { colorEn ?? Self.englishColors[color] ?? color }
}

/// Who is ranked against whom: everyone together, or within each value of one roster column
/// (`scope: committee`), or of several together (`scope: [committee, role]`: 常委 and 委员 of
/// each 专委会 ranked separately, as 广州 does).
public struct RankScope: Sendable, Equatable {
    /// The columns, in the order written; empty for everyone together.
    public let dimensions: [Grading.Scope]

    public init(_ dimensions: [Grading.Scope]) {
        var seen: [Grading.Scope] = []
        for d in dimensions where d != .all && !seen.contains(d) { seen.append(d) }
        self.dimensions = seen
    }

    public static let all = RankScope([])
    public static let sector = RankScope([.sector])
    public static let committee = RankScope([.committee])
    public static let role = RankScope([.role])
    public static let group = RankScope([.group])

    public var isAll: Bool { dimensions.isEmpty }

    /// The group a member is ranked in: the member's values of the columns, joined by “ · ”
    /// (“经济委员会 · 常委”); empty for everyone together.
    public func key(_ m: Member) -> String {
        dimensions.count == 1 ? dimensions[0].value(of: m) : dimensions.map { $0.value(of: m) }.joined(separator: " · ")
    }

    /// “界别”, “专委会和职务” / “sector”, “committee and role”; “全体” for everyone together.
    public func name(_ lang: Language) -> String {
        if dimensions.isEmpty { return lang.pick("全体", "all members") }
        return lang.pick(dimensions.map(\.label.zh).joined(separator: "和"), dimensions.map(\.label.en).joined(separator: " and "))
    }
}
