import LvzhiCore

/// How many records each input file held and what became of them.
public struct FileReport: Sendable, Equatable {
    public var path: String
    public var format: String
    public var read: Int = 0
    public var accepted: Int = 0
    public var rejected: Int = 0
    /// True for the member roster, false for activity files.
    public var isRoster: Bool
    public init(path: String, format: String, isRoster: Bool = false) {
        self.path = path
        self.format = format
        self.isRoster = isRoster
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
    /// Called with the number of activity records read so far, after every batch of a few
    /// thousand records (progress bars).
    public var progress: ((_ recordsRead: Int) -> Void)?
    private var recordsRead = 0

    /// Member ids interned in roster order: symbol id n ↔ member n − 1.
    private var memberIDs = SymbolTable()
    /// Accepted activity ids: open-addressing table of record index + 1 (0 = empty).
    private var idSlots = [Int32](repeating: 0, count: 1 << 16)
    /// Roster names → ids, built the first time a mapped file names members.
    private var names: NameIndex?
    private struct KindCheck {
        var statuses: Set<Int32>?
        var roles: Set<Int32>?
        var levels: Set<Int32>?
    }
    /// Indexed by kind symbol id; `nil` for values that are not declared kinds.
    private var kindChecks: [KindCheck?] = []
    private var markIndex: [String: Int] = [:]
    private var slices = [UnsafeBufferPointer<UInt8>](repeating: UnsafeBufferPointer(start: nil, count: 0), count: ActivityField.allCases.count)

    public init(members: [Member], memberRejects: [Reject] = [], memberFile: String? = nil, memberRows: Int = 0,
                period: Period, vocabulary: Vocabulary) {
        self.members = members
        self.period = period
        self.vocabulary = vocabulary
        self.rejects = memberRejects
        if let memberFile {
            var r = FileReport(path: memberFile, format: InputFormat(path: memberFile) == .xml ? "xml" : "csv", isRoster: true)
            r.read = memberRows
            r.accepted = members.count
            r.rejected = memberRejects.count
            files.append(r)
        }
        for m in members { _ = memberIDs.intern(m.id) }
        for name in vocabulary.kinds.keys.sorted() {
            let k = vocabulary.kinds[name]!
            let id = store.symbols.intern(name)
            var check = KindCheck()
            if let s = k.statuses { check.statuses = Set(s.map { store.symbols.intern($0) }) }
            if let r = k.roles { check.roles = Set(r.map { store.symbols.intern($0) }) }
            if let l = k.levels { check.levels = Set(l.map { store.symbols.intern($0) }) }
            if kindChecks.count <= Int(id) { kindChecks += Array(repeating: nil, count: Int(id) + 1 - kindChecks.count) }
            kindChecks[Int(id)] = check
        }
        if let marks = vocabulary.marks {
            for m in marks where markIndex[m] == nil {
                markIndex[m] = store.marks.count
                store.marks.append(m)
            }
        }
    }

    /// Reads one activity file (CSV or XML), through `mapping` when it is a foreign export.
    /// - Throws: ``IngestError`` when the file cannot be read as a whole.
    public mutating func read(path: String, mapping: Mapping? = nil) throws {
        let fileIndex = Int32(store.files.count)
        store.files.append(path)
        if let mapping {
            let format: InputFormat = mapping.xml == nil ? .csv : .xml
            guard InputFormat(path: path) == format else {
                throw IngestError.unsupportedMapped(path: path, mapping: mapping.path)
            }
            if names == nil { names = NameIndex(members: members) }
            files.append(FileReport(path: path, format: format == .xml ? "xml" : "csv"))
            return try readPiped(path: path, format: format, fileIndex: fileIndex, mapping: mapping)
        }
        switch InputFormat(path: path) {
        case .csv:
            files.append(FileReport(path: path, format: "csv"))
            try readPiped(path: path, format: .csv, fileIndex: fileIndex)
        case .xml:
            files.append(FileReport(path: path, format: "xml"))
            try readPiped(path: path, format: .xml, fileIndex: fileIndex)
        case nil:
            throw IngestError.unsupportedFormat(path: path)
        }
    }

    /// Validates and stores one record given as text (rule-file test cases, corrections).
    /// `values` is keyed by canonical field; absent fields are empty. `location` is where the
    /// record was written, for rejects and the ledger.
    public mutating func add(record values: [ActivityField: String], location: SourceLocation) {
        var fileIndex = store.files.firstIndex(of: location.file).map(Int32.init)
        if fileIndex == nil {
            fileIndex = Int32(store.files.count)
            store.files.append(location.file)
            files.append(FileReport(path: location.file, format: "yaml"))
        }
        let report = files.firstIndex { $0.path == location.file }!
        // Keep this file's report last while validating so counts land on it.
        if report != files.count - 1 { files.append(files.remove(at: report)) }
        files[files.count - 1].read += 1
        let storage: [[UInt8]] = ActivityField.allCases.map { Array((values[$0] ?? "").utf8) }
        func run(_ i: Int) {
            if i == storage.count { return accept(fileIndex: fileIndex!, path: location.file, line: location.line) }
            storage[i].withUnsafeBufferPointer { b in
                slices[i] = b
                run(i + 1)
            }
        }
        run(0)
    }

    public func finish() -> IngestResult {
        IngestResult(members: members, store: store, rejects: rejects, files: files)
    }

    // MARK: - Readers

    /// Reads the file on a background thread while this one validates what it hands over.
    private mutating func readPiped(path: String, format: InputFormat, fileIndex: Int32, mapping: Mapping? = nil) throws {
        let channel = RawReader.start(path: path, format: format, mapping: mapping, names: names)
        let fieldCount = RawBatch.fieldCount
        while let batch = try channel.take() {
            batch.bytes.withUnsafeBufferPointer { bytes in
                for r in 0..<batch.count {
                    let line = Int(batch.lines[r])
                    files[files.count - 1].read += 1
                    if let issue = batch.issues[r] {
                        switch issue {
                        case .unknownElement(let name):
                            reject(path, line, id: "", member: "", field: "", value: name, .unknownElement(name))
                        case .unknownAttribute(let name, let value, let id):
                            reject(path, line, id: id, member: "", field: name, value: value, .unknownAttribute(name))
                        case .wrongFieldCount(let expected, let got, let id):
                            reject(path, line, id: id, member: "", field: "", value: "", .wrongFieldCount(expected: expected, got: got))
                        case .rejected(let reason, let field, let value, let id, let member):
                            reject(path, line, id: id, member: member, field: field, value: value, reason)
                        }
                        continue
                    }
                    let base = r * fieldCount * 2
                    for f in 0..<fieldCount {
                        let lo = Int(batch.bounds[base + 2 * f]), hi = Int(batch.bounds[base + 2 * f + 1])
                        slices[f] = UnsafeBufferPointer(rebasing: bytes[lo..<hi])
                    }
                    accept(fileIndex: fileIndex, path: path, line: line)
                }
            }
            recordsRead += batch.count
            progress?(recordsRead)
        }
    }

    // MARK: - Validation

    private mutating func reject(_ path: String, _ line: Int, id: String, member: String, field: String, value: String, _ reason: RejectReason) {
        files[files.count - 1].rejected += 1
        rejects.append(Reject(location: SourceLocation(file: path, line: line), recordID: id, memberID: member,
                              field: field, value: value, reason: reason))
    }

    /// The value of field `f` of the current record without surrounding spaces (ASCII and U+3000).
    @inline(__always)
    private func value(_ f: ActivityField) -> UnsafeBufferPointer<UInt8> {
        Self.trim(slices[f.rawValue])
    }

    static func trim(_ b: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard let base = b.baseAddress, b.count > 0 else { return b }
        var lo = 0, hi = b.count
        while true {
            if lo < hi, base[lo] == 0x20 || base[lo] == 0x09 || base[lo] == 0x0A || base[lo] == 0x0D { lo += 1; continue }
            if lo + 3 <= hi, base[lo] == 0xE3, base[lo + 1] == 0x80, base[lo + 2] == 0x80 { lo += 3; continue }
            break
        }
        while true {
            if hi > lo, base[hi - 1] == 0x20 || base[hi - 1] == 0x09 || base[hi - 1] == 0x0A || base[hi - 1] == 0x0D { hi -= 1; continue }
            if hi - 3 >= lo, base[hi - 3] == 0xE3, base[hi - 2] == 0x80, base[hi - 1] == 0x80 { hi -= 3; continue }
            break
        }
        return UnsafeBufferPointer(start: base + lo, count: hi - lo)
    }

    @inline(__always)
    private func text(_ b: UnsafeBufferPointer<UInt8>) -> String { String(decoding: b, as: UTF8.self) }

    private mutating func accept(fileIndex: Int32, path: String, line: Int) {
        // Every value must be valid UTF-8 before it is stored or compared.
        for f in ActivityField.allCases where !UTF8Check.isValid(slices[f.rawValue]) {
            let idBytes = value(.activityID)
            let id = UTF8Check.isValid(idBytes) ? text(idBytes) : ""
            return reject(path, line, id: id, member: "", field: f.key, value: "", .invalidUTF8(f.key))
        }
        let idBytes = value(.activityID)
        let memberBytes = value(.memberID)
        func no(_ f: ActivityField?, _ value: UnsafeBufferPointer<UInt8>, _ reason: RejectReason) {
            reject(path, line, id: text(idBytes), member: text(memberBytes), field: f?.key ?? "", value: text(value), reason)
        }
        func noValue(_ field: ActivityField, kind: Int32) {
            let k = vocabulary.kinds[store.symbols[kind]]!
            let list = (field == .status ? k.statuses : field == .role ? k.roles : k.levels) ?? []
            let v = text(value(field))
            no(field, value(field), .unknownValue(field: field.key, allowed: list, suggestion: closest(v, in: list)))
        }
        let none = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        if idBytes.isEmpty { return no(.activityID, none, .missingField(ActivityField.activityID.key)) }
        if memberBytes.isEmpty { return no(.memberID, none, .missingField(ActivityField.memberID.key)) }
        guard let memberSymbol = memberIDs.lookup(bytes: memberBytes), memberSymbol > 0 else {
            return no(.memberID, memberBytes, .unknownMember)
        }
        let member = memberSymbol - 1
        let dateBytes = value(.date)
        if dateBytes.isEmpty { return no(.date, none, .missingField(ActivityField.date.key)) }
        guard let date = Day.parseISO(dateBytes) ?? DateText.parse(dateBytes) else { return no(.date, dateBytes, .badDate(ActivityField.date.key)) }
        let kindBytes = value(.kind)
        if kindBytes.isEmpty { return no(.kind, none, .missingField(ActivityField.kind.key)) }
        let kind = store.symbols.intern(bytes: kindBytes)
        let check = Int(kind) < kindChecks.count ? kindChecks[Int(kind)] : nil
        if !vocabulary.isEmpty, check == nil {
            return no(.kind, kindBytes, .unknownKind(suggestion: closest(text(kindBytes), in: vocabulary.kinds.keys.sorted())))
        }
        let status = store.symbols.intern(bytes: value(.status))
        let role = store.symbols.intern(bytes: value(.role))
        let level = store.symbols.intern(bytes: value(.level))
        if let check {
            if let allowed = check.statuses, !allowed.contains(status) { return noValue(.status, kind: kind) }
            if let allowed = check.roles, !allowed.contains(role) { return noValue(.role, kind: kind) }
            if let allowed = check.levels, !allowed.contains(level) { return noValue(.level, kind: kind) }
        }
        var quantity = Points.one
        let qBytes = value(.quantity)
        if !qBytes.isEmpty {
            guard let q = Points.parse(qBytes), !q.isNegative, q.raw <= 1_000_000 * Points.scale else {
                return no(.quantity, qBytes, .badQuantity(ActivityField.quantity.key))
            }
            quantity = q
        }
        var marks = MarkSet()
        let marksBytes = value(.marks)
        if !marksBytes.isEmpty {
            for part in text(marksBytes).split(whereSeparator: { ";；、|,，".contains($0) }) {
                let m = part.trimmingSpaces
                if m.isEmpty { continue }
                if let i = markIndex[m] { marks.insert(i); continue }
                if vocabulary.marks != nil {
                    return no(.marks, marksBytes, .unknownMark(suggestion: closest(m, in: vocabulary.marks ?? [])))
                }
                guard store.marks.count < 64 else { return no(.marks, marksBytes, .tooManyMarks) }
                markIndex[m] = store.marks.count
                marks.insert(store.marks.count)
                store.marks.append(m)
            }
        }
        if !period.contains(date) { return no(.date, dateBytes, .outsidePeriod(period)) }
        let who = members[Int(member)]
        if let j = who.joined, date < j { return no(.date, dateBytes, .beforeJoined(j)) }
        if let l = who.left, date > l { return no(.date, dateBytes, .afterLeft(l)) }
        let refBytes = value(.ref)
        // Count each activity id once: a repeat is rejected, naming where it was first seen;
        // a repeat with different content is a conflict, naming both places. The first
        // record's content is in the store already, so the comparison costs no memory and
        // nothing on the path of records that are not repeats.
        let hash = SymbolTable.hash(idBytes)
        var slot = Int(hash) & (idSlots.count - 1)
        while idSlots[slot] != 0 {
            let firstIndex = Int(idSlots[slot] - 1)
            let first = store.records[firstIndex]
            if store.arena.equals(first.id, idBytes) {
                let sameRef = refBytes.isEmpty ? first.ref == SymbolTable.empty : store.symbols.lookup(bytes: refBytes) == first.ref
                let same = first.member == member && first.date == date && first.kind == kind && first.status == status
                    && first.role == role && first.level == level && first.marks == marks && first.quantity == quantity
                    && sameRef && store.arena.equals(first.title, slices[ActivityField.title.rawValue])
                if !same {
                    return no(.activityID, idBytes, .duplicateConflict(first: store.location(of: first)))
                }
                return no(.activityID, idBytes, .duplicate(first: store.location(of: first)))
            }
            slot = (slot + 1) & (idSlots.count - 1)
        }
        let ref = refBytes.isEmpty ? SymbolTable.empty : store.symbols.intern(bytes: refBytes)
        let idRef = store.arena.append(idBytes)
        let titleRef = store.arena.append(slices[ActivityField.title.rawValue])
        store.records.append(Activity(member: member, date: date, kind: kind, status: status, role: role, level: level,
                                      ref: ref, marks: marks, quantity: quantity, id: idRef, title: titleRef,
                                      file: fileIndex, line: Int32(line)))
        idSlots[slot] = Int32(store.records.count)
        if store.records.count * 2 > idSlots.count { growIDs() }
        files[files.count - 1].accepted += 1
    }

    private mutating func growIDs() {
        idSlots = [Int32](repeating: 0, count: idSlots.count * 2)
        let mask = idSlots.count - 1
        store.arena.bytes.withUnsafeBufferPointer { bytes in
            for (i, r) in store.records.enumerated() {
                let b = UnsafeBufferPointer(rebasing: bytes[Int(r.id.offset)..<Int(r.id.offset + r.id.length)])
                var slot = Int(SymbolTable.hash(b)) & mask
                while idSlots[slot] != 0 { slot = (slot + 1) & mask }
                idSlots[slot] = Int32(i + 1)
            }
        }
    }
}
