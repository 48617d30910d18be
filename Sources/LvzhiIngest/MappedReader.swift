import LvzhiCore

/// Member names → ids in roster order, for exports that name members instead of numbering them.
public struct NameIndex: Sendable {
    var ids: [String: [String]] = [:]
    public init(members: [Member]) {
        for m in members { ids[m.name.trimmingSpaces, default: []].append(m.id) }
    }
    public func lookup(_ name: String) -> [String] { ids[name.trimmingSpaces] ?? [] }
}

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
        if !missing.isEmpty { throw IngestError.missingMappedColumns(path: path, columns: missing, mapping: mapName) }
    }

    typealias Output = (fields: [String], issue: RawIssue?)

    /// The canonical records of one data row.
    func translate(_ row: borrowing CSVRow) -> [Output] {
        let count = ActivityField.allCases.count
        var values = [String](repeating: "", count: count)
        var memberName: String?
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
            case .skip: break
            }
        }
        MappedValues.complete(&values, mapping: mapping)
        // The people: one record each.
        let byName = memberName != nil
        let cell = memberName ?? values[ActivityField.memberID.rawValue]
        let people: [String] = mapping.people == nil ? [cell] : Mapping.splitList(cell)
        if people.isEmpty { return [(values, nil)] }
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
            let issue = MappedValues.resolve(person, byName: byName, into: &v, names: names, seen: &seen)
            out.append((v, issue))
        }
        return out
    }
}

/// What the mapping layer does to a record once its values are read, for CSV rows and XML
/// items alike.
enum MappedValues {
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
    /// with this name. A name several members share, a name not in the roster, and a person
    /// already listed for the same item (`seen`) are refused, never guessed.
    static func resolve(_ person: String, byName: Bool, into v: inout [String], names: NameIndex, seen: inout Set<String>) -> RawIssue? {
        let id = v[ActivityField.activityID.rawValue]
        if byName {
            let ids = names.lookup(person)
            if ids.count == 1 {
                v[ActivityField.memberID.rawValue] = ids[0]
            } else if person.trimmingSpaces.isEmpty {
                v[ActivityField.memberID.rawValue] = ""
            } else {
                let reason: RejectReason = ids.isEmpty ? .unknownName : .ambiguousName(candidates: ids)
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
        var batch = RawBatch()
        try source.forEachRow { row in
            guard let w = width else {
                try translator.header(row)
                width = row.count
                return
            }
            if row.isBlank { return }
            if row.count != w {
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
                batch = RawBatch()
            }
        }
        if width == nil { throw IngestError.emptyFile(path: path) }
        channel.put(batch)
    }
}
