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
    public func gradeIndex(name: String) -> Int? { grades.firstIndex { $0.name == name } }
}

/// A scoring area (会议活动, 提案, 社情民意 …) with optional cap and floor.
public struct Category: Sendable, Equatable {
    public var id: String
    public var name: String
    /// The most this category can contribute.
    public var cap: Points?
    /// The least this category can contribute (e.g. deductions stop at 0 or at −20).
    public var floor: Points?
    public var location: SourceLocation?

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
    /// The lowest score in this grade; `nil` for the last grade.
    public var min: Points?

    public init(name: String, color: String, hex: String, min: Points?) {
        self.name = name
        self.color = color
        self.hex = hex
        self.min = min
    }
}
