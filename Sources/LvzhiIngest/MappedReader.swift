import LvzhiCore

/// Turns the rows of a foreign CSV export or workbook sheet into canonical records with its ``Mapping``, on the
/// reader thread: columns → fields, constants, value vocabularies, dates, list cells expanded
/// into one record per person, names resolved through the roster. What cannot be resolved is
/// flagged on the record (rejected with a reason), never dropped.
struct MappedRowTranslator {
    let mapping: Mapping
    let names: NameIndex
    let path: String
    /// Column index → target, from the header.
    var targets: [Mapping.Target?] = []
    var peopleColumn: Int?
    var headers: [String] = []

    init(mapping: Mapping, names: NameIndex, path: String) {
        self.mapping = mapping
        self.names = names
        self.path = path
    }

    /// Checks the header against the mapping: every column mapped, every mapped column present.
    mutating func header(_ row: borrowing CSVRow) throws {
        let mapName = mapping.path
        var found: Set<String> = []
        for c in 0..<row.count {
            let h = Mapping.normalise(row.string(c) ?? "")
            headers.append(h)
            if h.isEmpty { targets.append(.skip); continue }
            guard let t = mapping.columns.first(where: { $0.header == h })?.target else {
                throw IngestError.unmappedColumn(path: path, column: h, mapping: mapName)
            }
            if !found.insert(h).inserted { throw IngestError.duplicateColumn(path: path, column: h) }
            targets.append(t)
            if h == mapping.people?.column { peopleColumn = c }
        }
        let missing = mapping.columns.map(\.header).filter { !found.contains($0) }
            + mapping.skipRows.compactMap(\.column).filter { !found.contains($0) }
        if !missing.isEmpty { throw IngestError.missingMappedColumns(path: path, columns: missing, mapping: mapName) }
    }

    typealias Output = (fields: [String], issue: RawIssue?)

    /// The canonical records of one data row.
    func translate(_ row: borrowing CSVRow) -> [Output] {
        let count = ActivityField.allCases.count
        var values = [String](repeating: "", count: count)
        var memberName: String?
        var checks: [(field: MemberField, value: String)] = []
        var filled: [MappedValues.FilledCell] = []
        for c in 0..<min(row.count, targets.count) {
            guard let t = targets[c], t != .skip else { continue }
            guard let s = row.string(c) else {
                var key = ActivityField.memberID.key
                if case .field(let f) = t { key = f.key }
                return [(values, .rejected(reason: .invalidUTF8(key), field: key, value: "", id: "", member: ""))]
            }
            switch t {
            case .field(let f): values[f.rawValue] = s
            case .memberName: memberName = s
            case .roster(let f): checks.append((f, s))
            case .filled(let x): filled.append(MappedValues.FilledCell(place: headers[c], text: s, spec: x))
            case .skip: break
            }
        }
        if let issue = MappedValues.combine(filled, into: &values) { return [(values, issue)] }
        MappedValues.complete(&values, mapping: mapping)
        // The people: one record each.
        let byName = memberName != nil
        let cell = memberName ?? values[ActivityField.memberID.rawValue]
        let people: [String] = mapping.people == nil ? [cell]
            : byName ? Mapping.splitList(cell, isName: names.knows) : Mapping.splitList(cell)
        if people.isEmpty { return [(values, MappedValues.nobody(byName: byName, values))] }
        let sourceID = values[ActivityField.activityID.rawValue].trimmingSpaces
        if mapping.people != nil, values[ActivityField.ref.rawValue].trimmingSpaces.isEmpty {
            values[ActivityField.ref.rawValue] = sourceID
        }
        var out: [Output] = []
        var seen: Set<String> = []
        for (i, person) in people.enumerated() {
            var v = values
            if mapping.people != nil {
                if i > 0, !sourceID.isEmpty { v[ActivityField.activityID.rawValue] = "\(sourceID)#\(i + 1)" }
                if let role = i == 0 ? mapping.people?.leadRole : mapping.people?.otherRole { v[ActivityField.role.rawValue] = role }
            }
            let issue = MappedValues.resolve(person, byName: byName, checks: checks, into: &v, names: names, seen: &seen)
            out.append((v, issue))
        }
        return out
    }

    /// The reason a row of this table is not a record, `nil` for a record.
    func skipReason(_ row: borrowing CSVRow) -> String? {
        var firstText: String?
        var allBlank = true
        for c in 0..<row.count {
            let t = (row.string(c) ?? "x").trimmingSpaces
            if t.isEmpty { continue }
            allBlank = false
            if firstText == nil { firstText = t }
        }
        if allBlank { return Mapping.SkipRule.blankLabel }
        for rule in mapping.skipRows {
            if rule.repeatedHeader {
                guard row.count >= headers.count else { continue }
                var same = true
                for c in 0..<row.count where Mapping.normalise(row.string(c) ?? "") != (c < headers.count ? headers[c] : "") {
                    same = false
                    break
                }
                if same { return rule.label }
                continue
            }
            let text: String?
            if let column = rule.column {
                text = headers.firstIndex(of: column).flatMap { $0 < row.count ? row.string($0) : nil }
            } else {
                text = firstText
            }
            if let text, rule.matches(text) { return rule.label }
        }
        return nil
    }
}

/// What the mapping layer does to a record once its values are read, for CSV rows and XML
/// items alike.
enum MappedValues {
    /// The text of one `filled` column (or XML place) of a record.
    struct FilledCell {
        var place: String
        var text: String
        var spec: Mapping.Filled
    }

    /// Sets the fields that the filled cells give. Unknown text in such a cell, and two filled
    /// cells that give one field different values, are refusals naming the cells — never a pick.
    static func combine(_ cells: [FilledCell], into values: inout [String]) -> RawIssue? {
        guard !cells.isEmpty else { return nil }
        var given: [ActivityField: [(value: String, from: String)]] = [:]
        for c in cells {
            guard let yes = c.spec.reads(c.text) else {
                return .rejected(reason: .unknownText(column: c.place, accepted: c.spec.acceptedDescription), field: "",
                                 value: c.text.trimmingSpaces, id: values[ActivityField.activityID.rawValue].trimmingSpaces, member: "")
            }
            guard yes else { continue }
            for (f, v) in c.spec.fields { given[f, default: []].append((v, "\(c.place)“\(c.text.trimmingSpaces)”→\(v)")) }
        }
        for f in ActivityField.allCases {
            guard let g = given[f] else { continue }
            if f == .marks {
                // Marks add up: 重点 from one column and 优秀 from another are both marks.
                var marks: [String] = []
                for x in g where !marks.contains(x.value) { marks.append(x.value) }
                values[f.rawValue] = marks.joined(separator: ";")
                continue
            }
            if Set(g.map(\.value)).count > 1 {
                return .rejected(reason: .conflictingColumns(field: f.key, values: g.map(\.from)), field: f.key,
                                 value: g.map(\.value).joined(separator: "/"),
                                 id: values[ActivityField.activityID.rawValue].trimmingSpaces, member: "")
            }
            values[f.rawValue] = g[0].value
        }
        return nil
    }

    /// The refusal of a record that names nobody: an empty name, or an empty member id.
    static func nobody(byName: Bool, _ v: [String]) -> RawIssue {
        .rejected(reason: byName ? .emptyName : .missingField(ActivityField.memberID.key), field: byName ? "member_name" : "member_id",
                  value: "", id: v[ActivityField.activityID.rawValue].trimmingSpaces, member: "")
    }

    /// Applies the constants, the value vocabularies (all looked up on the values as read,
    /// after the constants) and the date spellings to one record's values.
    static func complete(_ values: inout [String], mapping: Mapping) {
        for (f, v) in mapping.constants { values[f.rawValue] = v }
        let read = values
        var marks: [String] = read[ActivityField.marks.rawValue].isEmpty ? [] : [read[ActivityField.marks.rawValue]]
        if let table = mapping.values[.marks], let t = table[Mapping.normalise(read[ActivityField.marks.rawValue])] {
            marks = t.fields[.marks].map { [$0] } ?? []
        }
        for (f, table) in mapping.values.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where f != .marks {
            guard let t = table[Mapping.normalise(read[f.rawValue])] else { continue }
            for (g, v) in t.fields.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                if g == .marks { marks.append(v) } else { values[g.rawValue] = v }
            }
        }
        values[ActivityField.marks.rawValue] = marks.joined(separator: ";")
        if let d = DateText.parse(values[ActivityField.date.rawValue], excel: mapping.excelDates) {
            values[ActivityField.date.rawValue] = d.description
        }
    }

    /// Sets the member of one person's record: the id as written, or the one roster member
    /// with this name (narrowed by the roster columns in `checks`). An empty name, a name
    /// several members share, a name not in the roster, and a person already listed for the
    /// same item (`seen`) are refused, never guessed.
    static func resolve(_ person: String, byName: Bool, checks: [(field: MemberField, value: String)] = [], into v: inout [String],
                        names: NameIndex, seen: inout Set<String>) -> RawIssue? {
        let id = v[ActivityField.activityID.rawValue]
        if byName {
            if person.trimmingSpaces.isEmpty {
                return .rejected(reason: .emptyName, field: "member_name", value: "", id: id, member: "")
            }
            let reason: RejectReason
            switch names.resolve(person, checks: checks) {
            case .member(let m):
                v[ActivityField.memberID.rawValue] = m
                reason = .repeatedPerson
            case .unknown: reason = .unknownName
            case .ambiguous(let ids): reason = .ambiguousName(candidates: ids)
            case .mismatch(let f, let value, let candidates):
                reason = .rosterMismatch(field: f.key, value: value,
                                         candidates: candidates.map { "\($0.id) \($0.value.isEmpty ? "（空）" : $0.value)" })
            case .noteMismatch(let note, let candidates):
                reason = .noteMismatch(note: note, candidates: candidates.map { $0.values.isEmpty ? $0.id : "\($0.id) \($0.values)" })
            }
            if reason != .repeatedPerson {
                return .rejected(reason: reason, field: "member_name", value: person, id: id, member: "")
            }
        } else {
            v[ActivityField.memberID.rawValue] = person
        }
        let member = v[ActivityField.memberID.rawValue].trimmingSpaces
        if !member.isEmpty, !seen.insert(member).inserted {
            return .rejected(reason: .repeatedPerson, field: byName ? "member_name" : "member_id", value: person, id: id,
                             member: v[ActivityField.memberID.rawValue])
        }
        return nil
    }
}

extension RawReader {
    static func readMappedTable(path: String, source: TableSource, mapping: Mapping, names: NameIndex, into channel: BatchChannel) throws {
        var translator = MappedRowTranslator(mapping: mapping, names: names, path: path)
        var width: Int?
        var batch = channel.fresh()
        try source.forEachRow { row in
            guard let w = width else {
                try translator.header(row)
                width = row.count
                return
            }
            if let reason = translator.skipReason(row) {
                batch.begin(line: row.line)
                batch.flag(.skipped(reason))
            } else if row.count != w {
                batch.begin(line: row.line)
                batch.flag(.wrongFieldCount(expected: w, got: row.count, id: ""))
            } else {
                for (fields, issue) in translator.translate(row) {
                    batch.begin(line: row.line)
                    // A refused row keeps its fields too: a person the roster cannot name still signed the item.
                    if let issue { batch.flag(issue) }
                    for (f, s) in fields.enumerated() where !s.isEmpty { batch.set(field: f, string: s) }
                }
            }
            if batch.isFull {
                channel.put(batch)
                batch = channel.fresh()
            }
        }
        if width == nil { throw IngestError.emptyFile(path: path) }
        channel.put(batch)
    }
}
