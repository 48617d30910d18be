import LvzhiCore

/// One side of a comparison: every member's result under one rule version, or one run taken
/// from history, with a label saying which ("2024 年（已发布）", "fengjie.yaml 2025 版 3f2a…").
///
/// Built from a fresh scoring run (``ResultSet/init(run:label:ledgerText:)``) or filled by hand
/// from a stored run (the history store); in the latter case ``MemberResult/ledger`` stays `nil`
/// and the comparison simply has no ledger lines to show.
public struct ResultSet: Sendable, Equatable {
    /// A grade of the scheme, best first.
    public struct GradeInfo: Sendable, Hashable {
        public var name: String
        public var color: String
        /// `#rrggbb` (display only; may be empty).
        public var hex: String
        /// The lowest score in the grade for band grading, if known (display only).
        public var min: Points?

        public init(name: String, color: String, hex: String = "", min: Points? = nil) {
            self.name = name
            self.color = color
            self.hex = hex
            self.min = min
        }
    }

    public var label: String
    /// The scheme's grades in order (best first). May be empty when not known: the grades
    /// named by the members are then listed in the order of their `gradeIndex`.
    public var grades: [GradeInfo]
    /// Category names in the scheme's order.
    public var categories: [String]
    public var members: [MemberResult]
    /// Input records rejected on this side, when known (two rule versions may accept different
    /// activity kinds, so the same inputs can lose different records).
    public var rejected: Int?

    public init(label: String, grades: [GradeInfo], categories: [String] = [], members: [MemberResult], rejected: Int? = nil) {
        self.label = label
        self.grades = grades
        self.categories = categories
        self.members = members
        self.rejected = rejected
    }

    /// The grades to show: `grades`, or when empty those the members name (by index, then name),
    /// plus any grade a member names that the list lacks, appended in name order.
    public var effectiveGrades: [GradeInfo] {
        var out = grades
        var known = Set(out.map(\.name))
        let extra = members.filter { !known.contains($0.gradeName) }
            .sorted { ($0.gradeIndex, $0.gradeName) < ($1.gradeIndex, $1.gradeName) }
        for m in extra where !known.contains(m.gradeName) {
            known.insert(m.gradeName)
            out.append(GradeInfo(name: m.gradeName, color: m.gradeColor))
        }
        return out
    }
}

/// One member's result on one side of a comparison.
public struct MemberResult: Sendable, Equatable {
    public var id: String
    public var name: String
    public var sector: String
    public var committee: String
    public var score: Points
    public var gradeName: String
    /// Index of the grade in its scheme (0 = best).
    public var gradeIndex: Int
    public var gradeColor: String
    public var rank: Int?
    /// Category points by category name.
    public var categories: [String: Points]
    /// The ledger behind the score; `nil` when not available (runs read from history).
    public var ledger: [LedgerLine]?

    public init(id: String, name: String, sector: String = "", committee: String = "", score: Points,
                gradeName: String, gradeIndex: Int, gradeColor: String, rank: Int? = nil,
                categories: [String: Points] = [:], ledger: [LedgerLine]? = nil) {
        self.id = id
        self.name = name
        self.sector = sector
        self.committee = committee
        self.score = score
        self.gradeName = gradeName
        self.gradeIndex = gradeIndex
        self.gradeColor = gradeColor
        self.rank = rank
        self.categories = categories
        self.ledger = ledger
    }
}

/// One ledger line, identified across rule versions by the record and the rule's id (adjustment
/// lines, which belong to no record, by their note code and category).
public struct LedgerLine: Sendable, Hashable {
    /// The activity id, or "" for adjustments (caps, base score, bounds).
    public var record: String
    /// The rule's id, or "" when no rule fired.
    public var rule: String
    public var category: String
    /// The note's stable code (`full`, `rule_capped`, `category_capped` …).
    public var note: String
    public var points: Points
    /// What a reader sees: the record's date, kind and title, or the adjustment's explanation.
    public var text: String

    public init(record: String, rule: String, category: String, note: String, points: Points, text: String) {
        self.record = record
        self.rule = rule
        self.category = category
        self.note = note
        self.points = points
        self.text = text
    }

    /// The identity of the line across two versions: record + rule, or for adjustments also
    /// the note code and category (a category cap and a base score are different lines).
    public var key: Key { Key(record: record, rule: rule, category: record.isEmpty ? category : "", note: record.isEmpty ? note : "") }

    public struct Key: Sendable, Hashable, Comparable {
        public var record: String
        public var rule: String
        public var category: String
        public var note: String
        public static func < (a: Key, b: Key) -> Bool {
            // Record lines first (by activity id), adjustments after.
            if a.record.isEmpty != b.record.isEmpty { return !a.record.isEmpty }
            return (a.record, a.rule, a.category, a.note) < (b.record, b.rule, b.category, b.note)
        }
    }
}

/// The comparison of two result sets: how grades moved, who changed colour and why, how the
/// scores moved.
///
/// ```swift
/// let c = ResultComparison(old: lastYear, new: thisYear)
/// c.count(from: "优秀", to: "优良")   // members who went from 优秀 to 优良
/// ```
/// Every figure is exact (``Points`` arithmetic); every list is sorted deterministically.
/// - Complexity: O(n log n) in the number of members, plus the ledger lines of changed members.
public struct ResultComparison: Sendable {
    /// A member present on both sides.
    public struct Pair: Sendable, Equatable {
        public var old: MemberResult
        public var new: MemberResult
        public var id: String { new.id }
        public var delta: Points { new.score - old.score }
        /// The grade's name or colour differs.
        public var gradeChanged: Bool { old.gradeName != new.gradeName || old.gradeColor != new.gradeColor }
        /// The ledger lines that differ, for members whose grade or colour changed (empty
        /// otherwise, and when either side has no ledger).
        public var ledgerChanges: [LineChange]
    }

    /// One ledger line added, removed or changed in points.
    public struct LineChange: Sendable, Equatable {
        public enum Kind: String, Sendable { case added, removed, changed }
        public var kind: Kind
        public var key: LedgerLine.Key
        public var old: Points?
        public var new: Points?
        public var text: String
        /// The note codes on each side (they may differ while the points stay the same).
        public var oldNote: String?
        public var newNote: String?
        public var delta: Points { (new ?? .zero) - (old ?? .zero) }
    }

    /// Members per score bucket `[lower, upper)`, on each side.
    public struct Bucket: Sendable, Equatable {
        public var lower: Points
        public var upper: Points
        public var old: Int
        public var new: Int
    }

    public var oldLabel: String
    public var newLabel: String
    public var oldGrades: [ResultSet.GradeInfo]
    public var newGrades: [ResultSet.GradeInfo]
    /// `matrix[i][j]`: members in old grade `oldGrades[i]` and new grade `newGrades[j]`
    /// (members on both sides only).
    public var matrix: [[Int]]
    /// Members per grade on each side (all members of that side).
    public var oldCounts: [Int]
    public var newCounts: [Int]
    /// Members on both sides, by id.
    public var pairs: [Pair]
    /// Members whose grade or colour changed: by old grade, new grade, then member id.
    public var changed: [Pair]
    public var onlyOld: [MemberResult]
    public var onlyNew: [MemberResult]
    /// The score distribution before and after, in the same buckets.
    public var buckets: [Bucket]
    /// Bucket width in whole points.
    public var bucketWidth: Int64
    /// Whether both sides carried ledgers (a rule-version diff) or not (two stored runs).
    public var hasLedgers: Bool
    /// Records rejected on each side, when known.
    public var oldRejected: Int?
    public var newRejected: Int?

    /// Compares `old` with `new`. Members are matched by id; grades by name.
    public init(old: ResultSet, new: ResultSet) {
        oldLabel = old.label
        newLabel = new.label
        oldRejected = old.rejected
        newRejected = new.rejected
        oldGrades = old.effectiveGrades
        newGrades = new.effectiveGrades
        let oldIndex = Dictionary(oldGrades.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        let newIndex = Dictionary(newGrades.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        oldCounts = [Int](repeating: 0, count: oldGrades.count)
        newCounts = [Int](repeating: 0, count: newGrades.count)
        for m in old.members { oldCounts[oldIndex[m.gradeName]!] += 1 }
        for m in new.members { newCounts[newIndex[m.gradeName]!] += 1 }

        // Match by id; a duplicated id keeps its first occurrence in id order (inputs are
        // deduplicated upstream, this only keeps the comparison total).
        var oldByID: [String: MemberResult] = [:]
        for m in old.members where oldByID[m.id] == nil { oldByID[m.id] = m }
        var newByID: [String: MemberResult] = [:]
        for m in new.members where newByID[m.id] == nil { newByID[m.id] = m }
        let withLedgers = old.members.allSatisfy { $0.ledger != nil } && new.members.allSatisfy { $0.ledger != nil }
            && !(old.members.isEmpty && new.members.isEmpty)
        hasLedgers = withLedgers

        matrix = [[Int]](repeating: [Int](repeating: 0, count: newGrades.count), count: oldGrades.count)
        var pairs: [Pair] = []
        for id in oldByID.keys.sorted() {
            guard let n = newByID[id], let o = oldByID[id] else { continue }
            matrix[oldIndex[o.gradeName]!][newIndex[n.gradeName]!] += 1
            var p = Pair(old: o, new: n, ledgerChanges: [])
            // Ledger lines are compared for the members who change grade or colour only.
            if p.gradeChanged, let a = o.ledger, let b = n.ledger { p.ledgerChanges = Self.diffLedger(a, b) }
            pairs.append(p)
        }
        self.pairs = pairs
        changed = pairs.filter(\.gradeChanged).sorted { a, b in
            let ka = (oldIndex[a.old.gradeName]!, newIndex[a.new.gradeName]!)
            let kb = (oldIndex[b.old.gradeName]!, newIndex[b.new.gradeName]!)
            return ka != kb ? ka < kb : a.id < b.id
        }
        onlyOld = oldByID.keys.filter { newByID[$0] == nil }.sorted().map { oldByID[$0]! }
        onlyNew = newByID.keys.filter { oldByID[$0] == nil }.sorted().map { newByID[$0]! }

        let (width, edges) = Self.bucketEdges(old.members.map(\.score) + new.members.map(\.score))
        bucketWidth = width
        buckets = zip(edges, edges.dropFirst()).map { Bucket(lower: $0, upper: $1, old: 0, new: 0) }
        if let first = edges.first {
            let step = width * Points.scale
            for m in old.members { buckets[Int((m.score.raw - first.raw) / step)].old += 1 }
            for m in new.members { buckets[Int((m.score.raw - first.raw) / step)].new += 1 }
        }
    }

    /// Members who went from the old grade named `from` to the new grade named `to`.
    public func count(from: String, to: String) -> Int {
        guard let i = oldGrades.firstIndex(where: { $0.name == from }),
              let j = newGrades.firstIndex(where: { $0.name == to }) else { return 0 }
        return matrix[i][j]
    }

    /// Members on both sides whose score changed.
    public var scoreChanged: Int { pairs.filter { !$0.delta.isZero }.count }
    public var scoreUp: Int { pairs.filter { $0.delta > .zero }.count }
    public var scoreDown: Int { pairs.filter { $0.delta < .zero }.count }

    /// The per-line difference of two ledgers: lines with the same key are summed on each
    /// side; a key only on the new side is `added`, only on the old `removed`, on both with
    /// different points `changed` (a changed note with equal points is not a change in score
    /// and is left out). Sorted by key.
    public static func diffLedger(_ old: [LedgerLine], _ new: [LedgerLine]) -> [LineChange] {
        func sum(_ lines: [LedgerLine]) -> [LedgerLine.Key: (Points, String, String)] {
            var out: [LedgerLine.Key: (Points, String, String)] = [:]
            for l in lines {
                if let e = out[l.key] {
                    out[l.key] = (e.0 + l.points, e.1, e.2 == l.note ? e.2 : e.2 + "+" + l.note)
                } else {
                    out[l.key] = (l.points, l.text, l.note)
                }
            }
            return out
        }
        let a = sum(old), b = sum(new)
        var out: [LineChange] = []
        for k in Set(a.keys).union(b.keys).sorted() {
            switch (a[k], b[k]) {
            case let (x?, y?) where x.0 != y.0:
                out.append(LineChange(kind: .changed, key: k, old: x.0, new: y.0, text: y.1, oldNote: x.2, newNote: y.2))
            case let (x?, nil):
                out.append(LineChange(kind: .removed, key: k, old: x.0, new: nil, text: x.1, oldNote: x.2, newNote: nil))
            case let (nil, y?):
                out.append(LineChange(kind: .added, key: k, old: nil, new: y.0, text: y.1, oldNote: nil, newNote: y.2))
            default: break
            }
        }
        return out
    }

    /// Bucket width (whole points: 5, 10, 20, 25, 50, 100 …, the smallest giving at most 20
    /// buckets) and the bucket edges covering every score, lower bound included.
    static func bucketEdges(_ scores: [Points]) -> (Int64, [Points]) {
        guard let lo = scores.min()?.raw, let hi = scores.max()?.raw else { return (5, []) }
        let scale = Points.scale
        func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { let q = a / b; return (a % b != 0 && a < 0) ? q - 1 : q }
        var width: Int64 = 5
        search: for mag in [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000] as [Int64] {
            for c in [5, 10, 20, 25, 50] as [Int64] where c * mag >= 5 {
                width = c * mag
                if floorDiv(hi, width * scale) - floorDiv(lo, width * scale) + 1 <= 20 { break search }
            }
        }
        let step = width * scale
        let first = floorDiv(lo, step)
        let last = floorDiv(hi, step) + 1
        return (width, (first...last).map { Points(raw: $0 * step) })
    }
}
