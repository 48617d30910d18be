import LvzhiCore
import LvzhiScoring

/// Every member's result in the previous period, as the history store keeps it: the input of
/// the year-over-year parts of the reports (``RunSummary/init(run:generatedAt:toolVersion:lang:previous:)``).
///
/// ```swift
/// var last = PreviousResults(label: "2024 年", grades: [.init(name: "优秀", color: "绿"), …])
/// last.members["M0001"] = .init(period: "2024 年", score: 86,
///                               grade: .init(name: "优秀", index: 0, color: "绿"))
/// ```
public struct PreviousResults: Sendable, Equatable {
    /// A grade as it was named in its own scheme.
    public struct GradeRef: Sendable, Hashable {
        public var name: String
        /// Index in that period's scheme (0 = best).
        public var index: Int
        public var color: String

        public init(name: String, index: Int, color: String) {
            self.name = name
            self.index = index
            self.color = color
        }
    }

    /// One member's previous result.
    public struct Entry: Sendable, Equatable {
        /// The period's label ("2024 年").
        public var period: String
        public var score: Points
        public var grade: GradeRef
        /// The grade of the period before that, if known.
        public var gradeBefore: GradeRef?
        /// Name and sector as recorded then (display only; may be empty).
        public var name: String
        public var sector: String

        public init(period: String, score: Points, grade: GradeRef, gradeBefore: GradeRef? = nil, name: String = "", sector: String = "") {
            self.period = period
            self.score = score
            self.grade = grade
            self.gradeBefore = gradeBefore
            self.name = name
            self.sector = sector
        }
    }

    /// The previous period's label, shown in headings ("2024 年").
    public var label: String
    /// That period's grades, best first; empty when unknown (they are then taken from the entries).
    public var grades: [ResultSet.GradeInfo]
    /// By member id.
    public var members: [String: Entry]
    /// The previous period's dates, when known. Members of this run's roster who held no office
    /// during it are treated as having no previous result (see ``RunSummary/attach(_:lang:)``).
    public var period: Period? = nil

    public init(label: String, grades: [ResultSet.GradeInfo] = [], members: [String: Entry] = [:]) {
        self.label = label
        self.grades = grades
        self.members = members
    }

    /// Last period's results from one side of a comparison (e.g. a run read from the history
    /// store), with the grades of the period before that from `before` when known.
    public init(_ last: ResultSet, before: ResultSet? = nil) {
        label = last.label
        grades = last.grades
        var earlier: [String: PreviousResults.GradeRef] = [:]
        for m in before?.members ?? [] where earlier[m.id] == nil {
            earlier[m.id] = GradeRef(name: m.gradeName, index: m.gradeIndex, color: m.gradeColor)
        }
        members = [:]
        for m in last.members where members[m.id] == nil {
            members[m.id] = Entry(period: last.label, score: m.score, grade: GradeRef(name: m.gradeName, index: m.gradeIndex, color: m.gradeColor),
                                  gradeBefore: earlier[m.id], name: m.name, sector: m.sector)
        }
    }

    /// Whether `grade` was the lowest of its scheme: the last of ``grades`` when they are
    /// known, otherwise a grade named like this period's lowest grade.
    public func isLowest(_ grade: GradeRef, currentLowest: String) -> Bool {
        if let last = grades.last { return grade.name == last.name }
        return grade.name == currentLowest
    }

    /// The previous results as one side of a ``ResultComparison`` (no ledgers).
    public func resultSet() -> ResultSet {
        let list = members.keys.sorted().map { id -> MemberResult in
            let e = members[id]!
            return MemberResult(id: id, name: e.name, sector: e.sector, score: e.score, gradeName: e.grade.name,
                                gradeIndex: e.grade.index, gradeColor: e.grade.color)
        }
        return ResultSet(label: label, grades: grades, members: list)
    }
}
