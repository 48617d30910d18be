import LvzhiCore

/// Reads the member roster (canonical CSV, XML or `.xlsx`).
public enum RosterReader {
    public struct Result: Sendable {
        public var members: [Member]
        public var rejects: [Reject]
        public var rowsRead: Int
        /// The sheet read, for a workbook.
        public var sheet: String?
        /// The ids of roster rows that were rejected (not duplicates), where each was: their
        /// records are rejected as such, not as records of an unknown member.
        public var rejectedIDs: [String: SourceLocation] = [:]

        /// The members to grade in `period`, and the records to refuse: those of rejected
        /// roster rows and of members not in office during the period (left before it
        /// starts or joined after it ends), who are listed in `outside` and not graded.
        public func forPeriod(_ period: Period) -> PeriodRoster {
            var out = PeriodRoster()
            for (id, at) in rejectedIDs { out.excluded[id] = .memberRowRejected(at) }
            // Members are looked at where they lie and copied only when someone is outside (a
            // copy of each, ten strings, was a tenth of a 80,000-member run's fixed cost).
            var inOffice: [Bool] = []
            for i in members.indices {
                if let l = members[i].left, l < period.start {
                    out.excluded[members[i].id] = .memberOutsidePeriod(joined: nil, left: l)
                } else if let j = members[i].joined, j > period.end {
                    out.excluded[members[i].id] = .memberOutsidePeriod(joined: j, left: nil)
                } else {
                    continue
                }
                if inOffice.isEmpty { inOffice = Array(repeating: true, count: members.count) }
                inOffice[i] = false
                out.outside.append(members[i])
            }
            // Everyone in office: share the roster's array instead of holding a second copy.
            out.members = inOffice.isEmpty ? members : members.indices.filter { inOffice[$0] }.map { members[$0] }
            return out
        }
    }

    /// A roster as one period sees it (``Result/forPeriod(_:)``).
    public struct PeriodRoster: Sendable {
        public var members: [Member] = []
        /// Member id → why that member's records are refused.
        public var excluded: [String: RejectReason] = [:]
        /// Members not in office during the period: not graded.
        public var outside: [Member] = []
    }

    /// Reads a roster in canonical CSV, XML, or the first visible sheet of an `.xlsx` workbook
    /// holding the same columns.
    /// - Throws: ``IngestError`` when the file cannot be read at all.
    public static func read(path: String, limits: XLSXLimits = .standard) throws -> Result {
        // A device or pipe is refused before its name is looked at (/dev/zero has no extension).
        try InputFile.requireRegular(path)
        var members: [Member] = []
        var rejects: [Reject] = []
        var seen: [String: SourceLocation] = [:]
        var rejectedIDs: [String: SourceLocation] = [:]
        var rows = 0

        func accept(_ values: [String], line: Int) {
            rows += 1
            let loc = SourceLocation(file: path, line: line)
            let id = values[MemberField.memberID.rawValue].trimmingSpaces
            let name = values[MemberField.name.rawValue].trimmingSpaces
            func reject(_ field: MemberField?, _ value: String, _ reason: RejectReason) {
                rejects.append(Reject(location: loc, recordID: "", memberID: id, field: field?.key ?? "", value: value, reason: reason))
                if !id.isEmpty, seen[id] == nil, rejectedIDs[id] == nil { rejectedIDs[id] = loc }
            }
            if id.isEmpty { return reject(.memberID, "", .missingField(MemberField.memberID.key)) }
            if name.isEmpty { return reject(.name, "", .missingField(MemberField.name.key)) }
            if let first = seen[id] { return reject(.memberID, id, .duplicateMember(first: first)) }
            var dates: (Day?, Day?) = (nil, nil)
            for f in MemberField.dates {
                let v = values[f.rawValue].trimmingSpaces
                if v.isEmpty { continue }
                guard let d = Day(iso: v) else { return reject(f, v, .badDate(f.key)) }
                if f == .joined { dates.0 = d } else { dates.1 = d }
            }
            if let j = dates.0, let l = dates.1, l < j {
                return reject(.left, values[MemberField.left.rawValue].trimmingSpaces, .leftBeforeJoined(joined: j))
            }
            let rankedText = values[MemberField.ranked.rawValue].trimmingSpaces
            guard let ranked = parseFlag(rankedText) else { return reject(.ranked, rankedText, .badFlag(MemberField.ranked.key)) }
            seen[id] = loc
            members.append(Member(
                id: id, name: name,
                sector: values[MemberField.sector.rawValue].trimmingSpaces,
                committee: values[MemberField.committee.rawValue].trimmingSpaces,
                role: values[MemberField.role.rawValue].trimmingSpaces,
                group: values[MemberField.group.rawValue].trimmingSpaces,
                party: values[MemberField.party.rawValue].trimmingSpaces,
                joined: dates.0, left: dates.1, ranked: ranked, source: loc))
        }

        var sheet: String?
        switch InputFormat(path: path) {
        case .csv, .xlsx:
            let table = try TableSource.open(path: path, format: InputFormat(path: path)!, limits: limits)
            sheet = table.sheetName
            var columns: [Int?]? = nil
            var width = 0
            // One array of cells for every row (the columns not in the file stay empty).
            var values = [String](repeating: "", count: MemberField.allCases.count)
            try table.forEachRow { row in
                guard let cols = columns else {
                    columns = try headerMap(row, path: path, fields: MemberField.allCases.map { ($0.key, $0.chinese) },
                                            required: [MemberField.memberID.rawValue, MemberField.name.rawValue])
                    width = row.count
                    return
                }
                if row.isBlank { return }
                if row.count != width {
                    rows += 1
                    rejects.append(Reject(location: SourceLocation(file: path, line: row.line), recordID: "",
                                          memberID: "", field: "", value: "", reason: .wrongFieldCount(expected: width, got: row.count)))
                    return
                }
                for (f, c) in cols.enumerated() {
                    guard let c else { continue }
                    guard let s = row.string(c) else {
                        rows += 1
                        rejects.append(Reject(location: SourceLocation(file: path, line: row.line), recordID: "", memberID: "",
                                              field: MemberField.allCases[f].key, value: "", reason: .invalidUTF8(MemberField.allCases[f].key)))
                        return
                    }
                    values[f] = s
                }
                accept(values, line: row.line)
            }
            if columns == nil { throw IngestError.emptyFile(path: path) }
        case .xml:
            try XMLRecordReader(path: path).forEachElement { el in
                switch el.name {
                case "lvzhi", "members", "activities", "activity": return
                case "member": break
                default:
                    rows += 1
                    rejects.append(Reject(location: SourceLocation(file: path, line: el.line), recordID: "", memberID: "",
                                          field: "", value: el.name, reason: .unknownElement(el.name)))
                    return
                }
                var values = [String](repeating: "", count: MemberField.allCases.count)
                for (n, v) in el.attributes {
                    guard let f = MemberField.allCases.first(where: { $0.key == n }) else {
                        rows += 1
                        rejects.append(Reject(location: SourceLocation(file: path, line: el.line), recordID: "", memberID: "",
                                              field: n, value: v, reason: .unknownAttribute(n)))
                        return
                    }
                    values[f.rawValue] = v
                }
                accept(values, line: el.line)
            }
        case nil:
            throw IngestError.unsupportedFormat(path: path)
        }
        if members.isEmpty { throw IngestError.noMembers(path: path) }
        // A member rejected on one row and accepted on a later one is known after all. (Only
        // when some row was rejected: each member read in the loop is a copy, ten strings.)
        if !rejectedIDs.isEmpty {
            for i in members.indices where rejectedIDs[members[i].id] != nil { rejectedIDs[members[i].id] = nil }
        }
        // The array keeps the room appending left (at most as much again, bounded by the
        // roster): shrinking it copied every member, a tenth of an 80,000-member roster's read.
        return Result(members: members, rejects: rejects, rowsRead: rows, sheet: sheet, rejectedIDs: rejectedIDs)
    }

    static func parseFlag(_ s: String) -> Bool? {
        switch s {
        case "", "是": return true
        case "否": return false
        default: break
        }
        switch s.lowercased() {
        case "", "是", "true", "yes", "y", "1", "排名": return true
        case "否", "false", "no", "n", "0", "不排名": return false
        default: return nil
        }
    }
}

/// The kind of an input file, by extension.
public enum InputFormat: String, Sendable {
    case csv, xml, xlsx
    public init?(path: String) {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { self = .csv }
        else if lower.hasSuffix(".xml") { self = .xml }
        else if lower.hasSuffix(".xlsx") {
            // Excel's lock file for an open workbook (~$导出.xlsx) is not a workbook.
            if path.split(separator: "/").last?.hasPrefix("~$") == true { return nil }
            self = .xlsx
        }
        else { return nil }
    }
}

/// Maps a header row onto canonical field positions: result[field] = column index.
func headerMap(_ row: borrowing CSVRow, path: String, fields: [(key: String, chinese: String)], required: [Int]) throws -> [Int?] {
    var map = [Int?](repeating: nil, count: fields.count)
    for c in 0..<row.count {
        let raw = row.string(c) ?? ""
        let h = raw.trimmingSpaces
        if h.isEmpty { continue }
        let lower = h.lowercased()
        guard let f = fields.firstIndex(where: { $0.key == lower || $0.chinese == h }) else {
            let guess = closest(h, in: fields.map(\.chinese) + fields.map(\.key))
            throw IngestError.unknownColumn(path: path, column: h, suggestion: guess)
        }
        if map[f] != nil { throw IngestError.duplicateColumn(path: path, column: h) }
        map[f] = c
    }
    let missing = required.filter { map[$0] == nil }.map { "\(fields[$0].key)（\(fields[$0].chinese)）" }
    if !missing.isEmpty { throw IngestError.missingColumns(path: path, columns: missing) }
    return map
}
