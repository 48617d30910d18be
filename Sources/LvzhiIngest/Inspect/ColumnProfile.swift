import LvzhiCore
import LvzhiYAML

/// What `lvzhi inspect` knows of the roster and the rule file, to recognise names, member ids,
/// 界别 and the vocabulary's values in an export nobody has mapped yet. Both are optional.
public struct InspectContext: Sendable {
    public var names: NameIndex?
    var ids: Set<String> = []
    var sectors: Set<String> = []
    public var vocabulary: Vocabulary?

    public init(members: [Member]? = nil, vocabulary: Vocabulary? = nil) {
        if let members, !members.isEmpty {
            names = NameIndex(members: members)
            ids = Set(members.map(\.id))
            sectors = Set(members.map(\.sector).filter { !$0.isEmpty })
        }
        self.vocabulary = vocabulary
    }
}

/// The values of one column (or one XML element or attribute), streamed: counts of what they
/// look like, a few samples and the distinct values up to a bound. Memory does not grow with
/// the number of rows.
public struct ColumnProfile: Sendable {
    /// The header, or the path inside the item (`案由`, `@编号`, `第一提案人/@界别`).
    public var name: String
    public var nonEmpty = 0
    public var empty = 0
    /// Distinct non-empty values, up to ``ColumnProfile/distinctBound``.
    public var values: [String: Int] = [:]
    public var distinctCapped = false
    /// Values met again among the distinct ones kept: none means the column looks unique
    /// (an id) even past the bound.
    var repeats = 0
    public var samples: [String] = []
    /// The guess, for the report (`日期`, `姓名（名单）` …) and why.
    public var guess = ""
    public var why = ""
    // What the values look like.
    var dates = 0, serials = 0, integers = 0
    var ascending = true
    var lastInteger: Int?
    var nameCells = 0, multiNameCells = 0, shapedNames = 0, listShaped = 0
    var ids = 0, sectors = 0
    var yes = 0, no = 0
    var characters = 0
    // XML: the most occurrences of this place in one item, and in how many items it occurs.
    public var maxPerItem = 0
    public var items = 0

    public static let distinctBound = 500

    public init(name: String) { self.name = name }

    public var distinct: Int { values.count }

    mutating func add(_ raw: String, _ ctx: InspectContext) {
        let t = raw.trimmingSpaces
        if t.isEmpty { empty += 1; return }
        nonEmpty += 1
        if values[t] != nil {
            values[t]! += 1
            repeats += 1
        } else if values.count < Self.distinctBound {
            values[t] = 1
        } else {
            distinctCapped = true
        }
        if samples.count < 3, !samples.contains(t) { samples.append(t.count > 24 ? String(t.prefix(24)) + "…" : t) }
        characters += t.count
        if DateText.parse(t) != nil {
            dates += 1
        } else if let n = Int(t), (20_000...80_000).contains(n), DateText.parse(t, excel: true) != nil {
            serials += 1
        }
        if let n = Int(t) {
            integers += 1
            if let l = lastInteger, n <= l { ascending = false }
            lastInteger = n
        } else {
            ascending = false
        }
        let lower = t.lowercased()
        if Mapping.Filled.noWords.contains(lower) { no += 1 } else if Mapping.Filled.yesWords.contains(lower) { yes += 1 }
        if let names = ctx.names {
            let parts = Mapping.splitList(t, isName: names.knows)
            if !parts.isEmpty, parts.allSatisfy(names.knows) {
                nameCells += 1
                if parts.count > 1 { multiNameCells += 1 }
            }
        }
        let squeezed = t.filter { !$0.isWhitespace }
        if (2...4).contains(squeezed.count), squeezed.unicodeScalars.allSatisfy({ (0x4E00...0x9FFF).contains($0.value) }) { shapedNames += 1 }
        if t.contains(where: { "、，,;；/".contains($0) }) { listShaped += 1 }
        if ctx.ids.contains(t) { ids += 1 }
        if ctx.sectors.contains(t) { sectors += 1 }
    }

    /// Share of the non-empty values with a property.
    func share(_ n: Int) -> Double { nonEmpty == 0 ? 0 : Double(n) / Double(nonEmpty) }
    var averageLength: Double { nonEmpty == 0 ? 0 : Double(characters) / Double(nonEmpty) }
    var emptyShare: Double { nonEmpty + empty == 0 ? 0 : Double(empty) / Double(nonEmpty + empty) }

    /// The distinct values, most frequent first.
    var frequent: [String] { values.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key) }
}

/// A guess at what one column or XML place holds.
enum ColumnGuess: Equatable {
    case skip(String)
    case field(ActivityField)
    case memberName
    case memberID
    /// Several names in one cell.
    case nameList
    case roster(MemberField)
    /// One of several columns: when it has text, these fields (`texts` as for `filled`).
    case filled([ActivityField: String], texts: [String]?)
    /// Row numbers (序号).
    case rowNumber

    /// The mapping-file text of the target (`date`, `{filled: {status: 采用, level: 区}}` …).
    func yaml(roles: [String]?) -> String {
        switch self {
        case .skip, .rowNumber: "skip"
        case .field(let f): f.key
        case .memberName: "member_name"
        case .memberID: "member_id"
        case .nameList:
            roles.map { "{field: member_name, list: true, roles: [\($0.map(DraftYAML.scalar).joined(separator: ", "))]}" } ?? "{field: member_name, list: true}"
        case .roster(let f): "roster.\(f.key)"
        case .filled(let fields, let texts):
            if fields.count == 1, let (f, v) = fields.first {
                "{field: \(f.key), filled: \(DraftYAML.scalar(v))" + (texts.map { ", texts: [\($0.map(DraftYAML.scalar).joined(separator: ", "))]" } ?? "") + "}"
            } else {
                "{filled: {" + fields.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.key): \(DraftYAML.scalar($0.value))" }.joined(separator: ", ")
                    + "}" + (texts.map { ", texts: [\($0.map(DraftYAML.scalar).joined(separator: ", "))]" } ?? "") + "}"
            }
        }
    }
}

/// YAML spelling for draft mapping files.
enum DraftYAML {
    static let reserved: Set<String> = ["y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"]

    /// `s` as a plain scalar when that is safe, else double-quoted.
    static func scalar(_ s: String) -> String {
        let plain = !s.isEmpty && !reserved.contains(s.lowercased()) && Double(s) == nil
            && s.unicodeScalars.allSatisfy { c in
                c.properties.isAlphabetic || ("0"..."9").contains(c) || "_-（）()·".unicodeScalars.contains(c)
            }
            && !(s.first.map { "-".contains($0) } ?? false)
        return plain ? s : YAMLText.doubleQuoted(s)
    }
}
