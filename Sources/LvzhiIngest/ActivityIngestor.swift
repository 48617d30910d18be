import LvzhiCore

/// How many records each input file held and what became of them.
public struct FileReport: Sendable, Equatable {
    public var path: String
    public var format: String
    public var read: Int = 0
    public var accepted: Int = 0
    public var rejected: Int = 0
    public init(path: String, format: String) {
        self.path = path
        self.format = format
    }
}

/// Everything ingest produced: the roster, the accepted records, the refused ones.
public struct IngestResult: Sendable {
    public var members: [Member]
    public var store: ActivityStore
    public var rejects: [Reject]
    public var files: [FileReport]
}

/// Validates activity records against the roster, the rule file's vocabulary and the period,
/// drops repeated activity ids (counted once, the repeat rejected with the first location),
/// and stores what it accepts.
public struct ActivityIngestor {
    public let members: [Member]
    public let period: Period
    public let vocabulary: Vocabulary
    public private(set) var store = ActivityStore()
    public private(set) var rejects: [Reject]
    public private(set) var files: [FileReport] = []

    private var memberIndex: [String: Int32] = [:]
    private var seenIDs: [String: (file: Int32, line: Int32)] = [:]
    private struct KindCheck {
        var statuses: Set<Int32>?
        var roles: Set<Int32>?
        var levels: Set<Int32>?
    }
    private var kindChecks: [Int32: KindCheck] = [:]
    private var markIndex: [String: Int] = [:]

    public init(members: [Member], memberRejects: [Reject] = [], memberFile: String? = nil, memberRows: Int = 0,
                period: Period, vocabulary: Vocabulary) {
        self.members = members
        self.period = period
        self.vocabulary = vocabulary
        self.rejects = memberRejects
        if let memberFile {
            var r = FileReport(path: memberFile, format: InputFormat(path: memberFile) == .xml ? "xml" : "csv")
            r.read = memberRows
            r.accepted = members.count
            r.rejected = memberRejects.count
            files.append(r)
        }
        for (i, m) in members.enumerated() { memberIndex[m.id] = Int32(i) }
        for name in vocabulary.kinds.keys.sorted() {
            let k = vocabulary.kinds[name]!
            let id = store.symbols.intern(name)
            var check = KindCheck()
            if let s = k.statuses { check.statuses = Set(s.map { store.symbols.intern($0) }) }
            if let r = k.roles { check.roles = Set(r.map { store.symbols.intern($0) }) }
            if let l = k.levels { check.levels = Set(l.map { store.symbols.intern($0) }) }
            kindChecks[id] = check
        }
        if let marks = vocabulary.marks {
            for m in marks where markIndex[m] == nil {
                markIndex[m] = store.marks.count
                store.marks.append(m)
            }
        }
    }

    /// Reads one activity file (CSV or XML).
    /// - Throws: ``IngestError`` when the file cannot be read as a whole.
    public mutating func read(path: String) throws {
        let fileIndex = Int32(store.files.count)
        store.files.append(path)
        switch InputFormat(path: path) {
        case .csv:
            files.append(FileReport(path: path, format: "csv"))
            try readCSV(path: path, fileIndex: fileIndex)
        case .xml:
            files.append(FileReport(path: path, format: "xml"))
            try readXML(path: path, fileIndex: fileIndex)
        case nil:
            throw IngestError.unsupportedFormat(path: path)
        }
    }

    public func finish() -> IngestResult {
        IngestResult(members: members, store: store, rejects: rejects, files: files)
    }

    // MARK: - Readers

    private mutating func readCSV(path: String, fileIndex: Int32) throws {
        var columns: [Int?]? = nil
        var width = 0
        var values = [String](repeating: "", count: ActivityField.allCases.count)
        let fieldCount = ActivityField.allCases.count
        try CSVReader(path: path).forEachRow { row in
            guard let cols = columns else {
                columns = try headerMap(row, path: path, fields: ActivityField.allCases.map { ($0.key, $0.chinese) },
                                        required: ActivityField.allCases.filter(\.isRequired).map(\.rawValue))
                width = row.count
                return
            }
            if row.isBlank { return }
            files[files.count - 1].read += 1
            if row.count != width {
                let id = cols[0].flatMap { $0 < row.count ? row.string($0) : nil } ?? ""
                reject(path, row.line, id: id, member: "", field: "", value: "", .wrongFieldCount(expected: width, got: row.count))
                return
            }
            for f in 0..<fieldCount {
                guard let c = cols[f] else { values[f] = ""; continue }
                guard let s = row.string(c) else {
                    let key = ActivityField.allCases[f].key
                    reject(path, row.line, id: values[0], member: "", field: key, value: "", .invalidUTF8(key))
                    return
                }
                values[f] = s
            }
            accept(values, fileIndex: fileIndex, path: path, line: row.line)
        }
        if columns == nil { throw IngestError.emptyFile(path: path) }
    }

    private mutating func readXML(path: String, fileIndex: Int32) throws {
        var values = [String](repeating: "", count: ActivityField.allCases.count)
        try XMLRecordReader(path: path).forEachElement { el in
            switch el.name {
            case "lvzhi", "members", "activities", "member": return
            case "activity": break
            default:
                files[files.count - 1].read += 1
                reject(path, el.line, id: "", member: "", field: "", value: el.name, .unknownElement(el.name))
                return
            }
            files[files.count - 1].read += 1
            for f in 0..<values.count { values[f] = "" }
            for (n, v) in el.attributes {
                guard let f = ActivityField.allCases.first(where: { $0.key == n }) else {
                    reject(path, el.line, id: el.attributes.first { $0.name == "activity_id" }?.value ?? "", member: "",
                           field: n, value: v, .unknownAttribute(n))
                    return
                }
                values[f.rawValue] = v
            }
            accept(values, fileIndex: fileIndex, path: path, line: el.line)
        }
    }

    // MARK: - Validation

    private mutating func reject(_ path: String, _ line: Int, id: String, member: String, field: String, value: String, _ reason: RejectReason) {
        files[files.count - 1].rejected += 1
        rejects.append(Reject(location: SourceLocation(file: path, line: line), recordID: id, memberID: member,
                              field: field, value: value, reason: reason))
    }

    private mutating func accept(_ raw: [String], fileIndex: Int32, path: String, line: Int) {
        @inline(__always) func v(_ f: ActivityField) -> String {
            let s = raw[f.rawValue]
            // Fast path: most values carry no surrounding space.
            if let first = s.utf8.first, let last = s.utf8.last, first > 0x20, last > 0x20, first != 0xE3 { return s }
            return s.trimmingSpaces
        }
        let id = v(.activityID)
        let memberID = v(.memberID)
        func no(_ f: ActivityField?, _ value: String, _ reason: RejectReason) {
            reject(path, line, id: id, member: memberID, field: f?.key ?? "", value: value, reason)
        }
        if id.isEmpty { return no(.activityID, "", .missingField(ActivityField.activityID.key)) }
        if memberID.isEmpty { return no(.memberID, "", .missingField(ActivityField.memberID.key)) }
        guard let member = memberIndex[memberID] else { return no(.memberID, memberID, .unknownMember) }
        let dateText = v(.date)
        if dateText.isEmpty { return no(.date, "", .missingField(ActivityField.date.key)) }
        guard let date = Day.parseISO(Array(dateText.utf8)) else { return no(.date, dateText, .badDate(ActivityField.date.key)) }
        let kindText = v(.kind)
        if kindText.isEmpty { return no(.kind, "", .missingField(ActivityField.kind.key)) }
        let kind = store.symbols.intern(kindText)
        let check = kindChecks[kind]
        if !vocabulary.isEmpty, check == nil {
            return no(.kind, kindText, .unknownKind(suggestion: closest(kindText, in: vocabulary.kinds.keys.sorted())))
        }
        let status = store.symbols.intern(v(.status))
        let role = store.symbols.intern(v(.role))
        let level = store.symbols.intern(v(.level))
        if let check {
            let k = vocabulary.kinds[kindText]!
            if let allowed = check.statuses, !allowed.contains(status) {
                return no(.status, v(.status), .unknownValue(field: "status", allowed: k.statuses ?? [], suggestion: closest(v(.status), in: k.statuses ?? [])))
            }
            if let allowed = check.roles, !allowed.contains(role) {
                return no(.role, v(.role), .unknownValue(field: "role", allowed: k.roles ?? [], suggestion: closest(v(.role), in: k.roles ?? [])))
            }
            if let allowed = check.levels, !allowed.contains(level) {
                return no(.level, v(.level), .unknownValue(field: "level", allowed: k.levels ?? [], suggestion: closest(v(.level), in: k.levels ?? [])))
            }
        }
        var quantity = Points.one
        let qText = v(.quantity)
        if !qText.isEmpty {
            guard let q = Points.parse(qText.utf8), !q.isNegative, q.raw <= 1_000_000 * Points.scale else {
                return no(.quantity, qText, .badQuantity(ActivityField.quantity.key))
            }
            quantity = q
        }
        var marks = MarkSet()
        let marksText = v(.marks)
        if !marksText.isEmpty {
            for part in marksText.split(whereSeparator: { ";；、|,，".contains($0) }) {
                let m = part.trimmingSpaces
                if m.isEmpty { continue }
                if let i = markIndex[m] { marks.insert(i); continue }
                if vocabulary.marks != nil {
                    return no(.marks, m, .unknownMark(suggestion: closest(m, in: vocabulary.marks ?? [])))
                }
                guard store.marks.count < 64 else { return no(.marks, m, .tooManyMarks) }
                markIndex[m] = store.marks.count
                marks.insert(store.marks.count)
                store.marks.append(m)
            }
        }
        if !period.contains(date) { return no(.date, dateText, .outsidePeriod(period)) }
        let who = members[Int(member)]
        if let j = who.joined, date < j { return no(.date, dateText, .beforeJoined(j)) }
        if let l = who.left, date > l { return no(.date, dateText, .afterLeft(l)) }
        if let first = seenIDs[id] {
            return no(.activityID, id, .duplicate(first: SourceLocation(file: store.files[Int(first.file)], line: Int(first.line))))
        }
        seenIDs[id] = (fileIndex, Int32(line))
        let refText = v(.ref)
        let ref = refText.isEmpty ? SymbolTable.empty : store.symbols.intern(refText)
        let titleText = raw[ActivityField.title.rawValue]
        let idRef = store.arena.append(id)
        let titleRef = store.arena.append(titleText)
        store.records.append(Activity(member: member, date: date, kind: kind, status: status, role: role, level: level,
                                      ref: ref, marks: marks, quantity: quantity, id: idRef, title: titleRef,
                                      file: fileIndex, line: Int32(line)))
        files[files.count - 1].accepted += 1
    }
}
