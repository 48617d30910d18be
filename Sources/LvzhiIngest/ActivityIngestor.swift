#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibXML2
import LvzhiCore

/// Everything ingest produced: the roster, the accepted records, the refused ones.
public struct IngestResult: Sendable {
    public var members: [Member]
    public var store: ActivityStore
    public var rejects: [Reject]
    public var files: [FileReport]
    /// The corrections applied (复核), in the corrections file's order; empty without one.
    public var corrections: [AppliedCorrection] = []
    /// A large run's accepted records, on disk by member (``ActivityIngestor/spillToDisk(directory:)``);
    /// `store.records` is then empty and `store.onDisk` counts them.
    public var spilled: SpilledRecords?
    /// A scratch file that could not be written or read back (disk full …): records are
    /// missing, so the run must not be shown.
    public var spillFailure: SafeFile.Problem? { spillProblem ?? spilled?.partitions.failure }
    var spillProblem: SafeFile.Problem?
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
    /// Accepted activity ids, an open-addressing table. Each slot holds the id's hash in its high half and record index + 1 in its low half
    /// (0 = empty): a probe compares hashes first and reads a record (a cache miss in a table
    /// of a million) only when they are equal; growing rehashes without reading any.
    private var idSlots = [UInt64](repeating: 0, count: 1 << 16)
    /// Distinct titles, each stored once in the arena (a meeting's or a campaign's title is on
    /// every attendee's row): open-addressing table of index into `titleRefs` + 1 (0 = empty).
    /// At most ``titlesInterned`` titles are kept in it; later new titles are stored as they come.
    /// A spilled run keeps only these titles in its arena, up to ``sharedTitleBytes``
    /// (``sharedTitle(_:room:)``); its records refer to them.
    private var titleSlots = [Int32](repeating: 0, count: 1 << 12)
    private var titleRefs: [StringArena.Ref] = []
    static let titlesInterned = 1 << 20
    /// Roster names → ids, built the first time a mapped file names members.
    private var names: NameIndex?
    /// A declared kind's allowed values as symbols, sorted (``sortedContains(_:_:_:)``; a `Set`
    /// hashed each value with SipHash, three times a record): ranges of ``allowedValues``, so
    /// that reading a kind's check for every record counts no references.
    private struct KindCheck {
        var statuses: Range<Int>?
        var roles: Range<Int>?
        var levels: Range<Int>?
    }
    private var allowedValues = AllowedValues([])
    /// Indexed by kind symbol id; `nil` for values that are not declared kinds.
    private var kindChecks: [KindCheck?] = []
    private var markIndex: [String: Int] = [:]
    /// The current record's fields (raw memory: an array stored here checked its uniqueness on
    /// every field of every record). Scratch, shared by copies of the ingestor.
    private let fieldSlices = FieldSlices()
    private var slices: UnsafeMutablePointer<UnsafeBufferPointer<UInt8>> { fieldSlices.base }
    /// Each member's first and last day in office (and, in a spilled run, partition and record
    /// count), by member index: read for every record, so kept apart from the roster's strings
    /// (copying a ``Member`` cost a dozen retains) and together in one slot (a cache miss a
    /// record with 80,000 members, instead of one per array).
    let memberSlots: MemberSlots
    /// The reader thread's share of validating (``RowPreparer``).
    private var preparer: RowPreparer?
    /// What the reader found for a prepared record: the member's roster index and the date's
    /// ordinal (-1 / `Int32.min`: nothing, look again).
    struct Prepared {
        var member: Int32
        var day: Int32
    }
    /// Kinds, statuses, roles and levels seen lately, by their bytes.
    private var internCache = InternCache(fields: 4)
    /// The record in `slices` was prepared by the reader: its fields are trimmed already
    /// (``accept(fileIndex:path:line:replacing:prepared:)``).
    private var prepared = false
    /// While applying corrections, a refusal is captured here instead of becoming a reject.
    private var capturing = false
    /// Activity ids of ``ActivityStore/rejectedSignatories``.
    private var rejectedSignatoryIDs = Set<[UInt8]>()
    private var captured: Reject?
    /// Records removed by corrections (indices into `store.records`).
    private var removedRecords: Set<Int> = []
    /// Records withdrawn because a later row has their activity id with other content: both
    /// are rejected, whichever came first (indices into `store.records`).
    private var withdrawn: Set<Int> = []
    private var applied: [AppliedCorrection] = []
    /// Member ids not in `members` whose records are refused for a reason of their own (a
    /// rejected roster row, not in office during the period).
    private let excluded: [String: RejectReason]
    /// Set by ``spillToDisk(directory:)``: accepted records go to disk instead of the store.
    var spill: Spill?
    /// `spill`'s partitions, reached for every record without retaining them (``SpillWriter``).
    var spillWriter: SpillWriter?
    /// The row being read (1, 2, …), across all files: a spilled run orders its rejects by it.
    var rowSequence: Int64 = 0

    public init(members roster: [Member], memberRejects: [Reject] = [], memberFile: String? = nil, memberRows: Int = 0,
                memberSheet: String? = nil, period: Period, vocabulary: Vocabulary, excluded: [String: RejectReason] = [:]) {
        // A roster value outside the rule file's declared lists (roster.roles …) refuses the row;
        // the member's records then say so instead of "unknown member".
        var memberRejects = memberRejects
        var excluded = excluded
        // Members are looked at where they lie; a copy of each (ten strings) was most of this.
        var refused: [Bool] = []
        for i in roster.indices {
            guard let (field, value, allowed) = vocabulary.undeclaredValue(of: roster[i]) else { continue }
            if refused.isEmpty { refused = Array(repeating: false, count: roster.count) }
            refused[i] = true
            excluded[roster[i].id] = .memberRowRejected(roster[i].source)
            memberRejects.append(Reject(location: roster[i].source, recordID: "", memberID: roster[i].id, field: field, value: value,
                                        reason: .undeclaredMemberValue(field: field, allowed: allowed,
                                                                       suggestion: closest(value, in: allowed.filter { !$0.isEmpty }))))
        }
        // Nobody refused: share the roster's array instead of holding a second copy.
        let members = refused.isEmpty ? roster : roster.indices.filter { !refused[$0] }.map { roster[$0] }
        self.members = members
        memberSlots = MemberSlots(members)
        self.excluded = excluded
        self.period = period
        self.vocabulary = vocabulary
        self.rejects = memberRejects
        if let memberFile {
            var r = FileReport(path: memberFile, format: InputFormat(path: memberFile)?.rawValue ?? "csv", isRoster: true)
            r.sheet = memberSheet
            r.read = memberRows
            r.accepted = members.count
            r.rejected = memberRejects.count
            files.append(r)
        }
        for i in members.indices { _ = memberIDs.intern(members[i].id) }
        preparer = RowPreparer(memberIDs: memberIDs)
        var pool: [Int32] = []
        for name in vocabulary.kinds.keys.sorted() {
            let k = vocabulary.kinds[name]!
            let id = store.symbols.intern(name)
            var check = KindCheck()
            func add(_ values: [String]?) -> Range<Int>? {
                guard let values else { return nil }
                let start = pool.count
                pool += values.map { store.symbols.intern($0) }.sorted()
                return start..<pool.count
            }
            check.statuses = add(k.statuses)
            check.roles = add(k.roles)
            check.levels = add(k.levels)
            if kindChecks.count <= Int(id) { kindChecks += Array(repeating: nil, count: Int(id) + 1 - kindChecks.count) }
            kindChecks[Int(id)] = check
        }
        allowedValues = AllowedValues(pool)
        if let marks = vocabulary.marks {
            for m in marks where markIndex[m] == nil {
                markIndex[m] = store.marks.count
                store.marks.append(m)
            }
        }
    }

    /// Reads one activity file (CSV, XML or an `.xlsx` workbook's sheet), through `mapping`
    /// when it is a foreign export.
    /// - Throws: ``IngestError`` when the file cannot be read as a whole.
    public mutating func read(path: String, mapping: Mapping? = nil, limits: XLSXLimits = .standard) throws {
        let fileIndex = Int32(store.files.count)
        store.files.append(path)
        let format = InputFormat(path: path)
        if let mapping {
            if mapping.xml != nil {
                // A nested XML export: `record`, `fields` and `people`.
                guard format == .xml else { throw IngestError.unsupportedMapped(path: path, mapping: mapping.path) }
                if names == nil { names = NameIndex(members: members) }
                files.append(FileReport(path: path, format: "xml"))
                return try readPiped(path: path, format: .xml, fileIndex: fileIndex, mapping: mapping)
            }
            guard format == .csv || format == .xlsx else {
                throw IngestError.unsupportedMapped(path: path, mapping: mapping.path)
            }
            if names == nil { names = NameIndex(members: members) }
        }
        reserveRecords(path: path, format: format)
        switch format {
        case .csv?, .xlsx?:
            let table: TableSource
            do {
                table = try TableSource.open(path: path, format: format!, encoding: mapping?.encoding ?? .auto,
                                             sheet: mapping?.sheet, headerRow: mapping?.headerRow, limits: limits)
            } catch IngestError.unknownSheet(let p, let sheet, let available, nil) where mapping?.sheetLocation != nil {
                throw IngestError.unknownSheet(path: p, sheet: sheet, available: available, mapping: mapping?.sheetLocation)
            }
            var report = FileReport(path: path, format: format!.rawValue)
            report.sheet = table.sheetName
            report.otherSheets = table.otherSheets
            files.append(report)
            try readPiped(path: path, format: format!, fileIndex: fileIndex, table: table, mapping: mapping)
        case .xml?:
            files.append(FileReport(path: path, format: "xml"))
            try readPiped(path: path, format: .xml, fileIndex: fileIndex)
        case nil:
            throw IngestError.unsupportedFormat(path: path)
        }
    }

    /// Room in the store for the records a CSV or XML file of this size usually holds (about
    /// 100 and 200 bytes a record), so that the store is not grown and copied a dozen times while
    /// a large file is read: each copy was fresh pages the kernel zeroed. Room reserved and not
    /// used is address space only (or grows on by doubling when the estimate was short). A spilled run keeps its records on disk, not in the store.
    private mutating func reserveRecords(path: String, format: InputFormat?) {
        guard spill == nil, let format, format == .csv || format == .xml else { return }
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return }
        // At most 4M records' room at once (about 320 MB of address space): one allocation
        // larger than the machine's memory may be refused outright.
        let estimate = min(Int(st.st_size) / (format == .csv ? 100 : 200), 4 << 20)
        store.records.reserveCapacity(store.records.count + estimate)
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
        rowSequence += 1
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

    /// ``finish()`` for the last time: the ingestor's own indexes (activity ids, titles,
    /// rejected signatories) are freed before the caller goes on to score, instead of living
    /// beside the ledgers until the end of the run.
    public consuming func finishAndRelease() -> IngestResult {
        let result = finish()
        idSlots = []
        titleSlots = []
        titleRefs = []
        rejectedSignatoryIDs = []
        return result
    }

    public func finish() -> IngestResult {
        if let spill { return finishSpilled(spill) }
        guard !removedRecords.isEmpty || !withdrawn.isEmpty else {
            return IngestResult(members: members, store: store, rejects: rejects, files: files, corrections: applied)
        }
        // Drop removed and withdrawn records and renumber the ones corrections point at.
        var kept = store
        kept.records = []
        kept.records.reserveCapacity(store.records.count - removedRecords.count - withdrawn.count)
        var newIndex = [Int32](repeating: -1, count: store.records.count)
        for (i, r) in store.records.enumerated() where !removedRecords.contains(i) && !withdrawn.contains(i) {
            newIndex[i] = Int32(kept.records.count)
            kept.records.append(r)
        }
        var corrections = applied
        for i in corrections.indices {
            if let r = corrections[i].record { corrections[i].record = newIndex[Int(r)] }
        }
        return IngestResult(members: members, store: kept, rejects: rejects, files: files, corrections: corrections)
    }

    // MARK: - Readers

    /// Reads the file on a background thread while this one validates what it hands over.
    private mutating func readPiped(path: String, format: InputFormat, fileIndex: Int32, table: TableSource? = nil,
                                    mapping: Mapping? = nil) throws {
        let channel = RawReader.start(path: path, format: format, table: table, mapping: mapping, names: names,
                                      preparer: mapping == nil ? preparer : nil)
        let fieldCount = RawBatch.fieldCount
        while let batch = try channel.take() {
            batch.bytes.withUnsafeBufferPointer { bytes in
                func load(_ r: Int) {
                    let base = r * fieldCount * 2
                    for f in 0..<fieldCount {
                        let lo = Int(batch.bounds[base + 2 * f]), hi = Int(batch.bounds[base + 2 * f + 1])
                        slices[f] = UnsafeBufferPointer(rebasing: bytes[lo..<hi])
                    }
                }
                // Most batches have no issue at all: no dictionary lookup per record then.
                let clean = batch.issues.isEmpty
                let ahead = 6
                for r in 0..<batch.count {
                    rowSequence += 1
                    // The member slot of a record a few rows on (``MemberSlots``): in cache by the time it is read.
                    if r + ahead < batch.count, batch.prepared[r + ahead], batch.members[r + ahead] >= 0 {
                        lvzhi_prefetch(memberSlots.base + Int(batch.members[r + ahead]))
                    }
                    let line = Int(batch.lines[r])
                    let issue = clean ? nil : batch.issues[r]
                    if case .skipped(let reason)? = issue {
                        skip(line: line, reason: reason)
                        continue
                    }
                    files[files.count - 1].read += 1
                    if let issue {
                        switch issue {
                        case .skipped: break
                        case .unknownElement(let name):
                            reject(path, line, id: "", member: "", field: "", value: name, .unknownElement(name))
                        case .unknownAttribute(let name, let value, let id):
                            reject(path, line, id: id, member: "", field: name, value: value, .unknownAttribute(name))
                        case .wrongFieldCount(let expected, let got, let id):
                            reject(path, line, id: id, member: "", field: "", value: "", .wrongFieldCount(expected: expected, got: got))
                        case .rejected(let reason, let field, let value, let id, let member):
                            // A person the roster cannot name still signed the item (co-author shares).
                            switch reason {
                            case .unknownName, .ambiguousName:
                                load(r)
                                noteRejectedSignatory(self.value(.activityID))
                            default: break
                            }
                            reject(path, line, id: id, member: member, field: field, value: value, reason)
                        }
                        continue
                    }
                    load(r)
                    accept(fileIndex: fileIndex, path: path, line: line,
                           prepared: batch.prepared[r] ? Prepared(member: batch.members[r], day: batch.days[r]) : nil)
                }
            }
            recordsRead += batch.count
            channel.recycle(batch)
            progress?(recordsRead)
        }
    }

    private mutating func skip(line: Int, reason: String) {
        let f = files.count - 1
        files[f].skipped += 1
        if let i = files[f].skips.firstIndex(where: { $0.reason == reason }) {
            files[f].skips[i].count += 1
            if files[f].skips[i].lines.count < SkippedRows.linesKept { files[f].skips[i].lines.append(line) }
        } else {
            files[f].skips.append(SkippedRows(reason: reason, count: 1, lines: [line]))
        }
    }

    // MARK: - Validation

    private mutating func reject(_ path: String, _ line: Int, id: String, member: String, field: String, value: String, _ reason: RejectReason) {
        if capturing {
            captured = Reject(location: SourceLocation(file: path, line: line), recordID: id, memberID: member,
                              field: field, value: value, reason: reason)
            return
        }
        files[files.count - 1].rejected += 1
        rejects.append(Reject(location: SourceLocation(file: path, line: line), recordID: id, memberID: member,
                              field: field, value: value, reason: reason))
        spill?.rejectSequences.append(rowSequence)
    }

    /// Keeps a row rejected for who signed it as a signatory of its item (if it names one), once
    /// per activity id: co-author shares count it (``ActivityStore/rejectedSignatories``).
    /// Only a row that is sound in itself signed anything (docs/rules.md §4.2): a row whose
    /// date, kind, status, role, level, quantity or marks would be refused is no signatory,
    /// whether or not its member is also unknown.
    private mutating func noteRejectedSignatory(_ idBytes: UnsafeBufferPointer<UInt8>) {
        let refBytes = value(.ref)
        guard !capturing, !refBytes.isEmpty, !idBytes.isEmpty, let marks = soundRecordMarks() else { return }
        let id = Array(idBytes)
        guard rejectedSignatoryIDs.insert(id).inserted else { return }
        store.rejectedSignatories.append(RejectedSignatory(
            ref: store.symbols.intern(bytes: refBytes), kind: store.symbols.intern(bytes: value(.kind)),
            status: store.symbols.intern(bytes: value(.status)), role: store.symbols.intern(bytes: value(.role)),
            level: store.symbols.intern(bytes: value(.level)), marks: marks, activityID: id))
    }

    /// The marks of the current row when everything but who signed it would be accepted (the
    /// checks of ``accept(fileIndex:path:line:replacing:prepared:)`` after the member's); nil
    /// when the row has an error of its own.
    private mutating func soundRecordMarks() -> MarkSet? {
        if !prepared {
            for f in ActivityField.allCases where !UTF8Check.isValid(slices[f.rawValue]) { return nil }
        }
        let dateBytes = value(.date)
        guard !dateBytes.isEmpty, let date = Day.parseISO(dateBytes) ?? DateText.parse(dateBytes), period.contains(date) else { return nil }
        let kindBytes = value(.kind)
        guard !kindBytes.isEmpty else { return nil }
        let kind = store.symbols.intern(bytes: kindBytes)
        let check = Int(kind) < kindChecks.count ? kindChecks[Int(kind)] : nil
        if !vocabulary.isEmpty, check == nil { return nil }
        if let check {
            let values = allowedValues.base
            if let allowed = check.statuses, !Self.sortedContains(values, allowed, store.symbols.intern(bytes: value(.status))) { return nil }
            if let allowed = check.roles, !Self.sortedContains(values, allowed, store.symbols.intern(bytes: value(.role))) { return nil }
            if let allowed = check.levels, !Self.sortedContains(values, allowed, store.symbols.intern(bytes: value(.level))) { return nil }
        }
        let qBytes = value(.quantity)
        if !qBytes.isEmpty {
            guard let q = Points.parse(qBytes), !q.isNegative, q.raw <= RejectReason.maxQuantity * Points.scale else { return nil }
        }
        // As for an accepted row, a mark first seen here is added, so that which of an item's
        // rows comes first cannot change what the others match.
        let marksBytes = value(.marks)
        if marksBytes.isEmpty { return MarkSet() }
        let parsed = parseMarks(marksBytes)
        return parsed.refusal == nil ? parsed.marks : nil
    }

    /// The marks of a cell (split at `;；、|,，`): known ones by index, a new one added to the
    /// table (at most 64) unless the rule file declares the marks; else the reason to refuse it.
    private mutating func parseMarks(_ bytes: UnsafeBufferPointer<UInt8>) -> (marks: MarkSet, refusal: RejectReason?) {
        var marks = MarkSet()
        for part in text(bytes).split(whereSeparator: { ";；、|,，".contains($0) }) {
            let m = part.trimmingSpaces
            if m.isEmpty { continue }
            if let i = markIndex[m] { marks.insert(i); continue }
            if vocabulary.marks != nil { return (marks, .unknownMark(suggestion: closest(m, in: vocabulary.marks ?? []))) }
            guard store.marks.count < 64 else { return (marks, .tooManyMarks) }
            markIndex[m] = store.marks.count
            marks.insert(store.marks.count)
            store.marks.append(m)
        }
        return (marks, nil)
    }

    /// The value of field `f` of the current record without surrounding spaces (ASCII and U+3000).
    @inline(__always)
    private func value(_ f: ActivityField) -> UnsafeBufferPointer<UInt8> {
        prepared ? slices[f.rawValue] : Self.trim(slices[f.rawValue])
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

    /// Validates the record in `slices` and stores it; with `replacing` ≥ 0 it takes the place
    /// of that record (same activity id) instead (an amendment).
    /// `prepared`: the reader checked the record's bytes and trimmed its fields already, and
    /// looked up its member and date (``RawBatch/prepared``).
    private mutating func accept(fileIndex: Int32, path: String, line: Int, replacing: Int = -1, prepared: Prepared? = nil) {
        self.prepared = prepared != nil
        defer { self.prepared = false }
        // Every value must be valid UTF-8 before it is stored or compared.
        if prepared == nil {
            for f in ActivityField.allCases where !UTF8Check.isValid(slices[f.rawValue]) {
                let idBytes = value(.activityID)
                let id = UTF8Check.isValid(idBytes) ? text(idBytes) : ""
                return reject(path, line, id: id, member: "", field: f.key, value: "", .invalidUTF8(f.key))
            }
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
        guard let memberSymbol = prepared.flatMap({ $0.member >= 0 ? $0.member + 1 : nil }) ?? memberIDs.lookup(bytes: memberBytes),
              memberSymbol > 0 else {
            noteRejectedSignatory(idBytes)
            return no(.memberID, memberBytes, excluded[text(memberBytes).trimmingSpaces] ?? .unknownMember)
        }
        let member = memberSymbol - 1
        let dateBytes = value(.date)
        if dateBytes.isEmpty { return no(.date, none, .missingField(ActivityField.date.key)) }
        guard let date = prepared.flatMap({ $0.day != Int32.min ? Day(ordinal: $0.day) : nil })
                ?? Day.parseISO(dateBytes) ?? DateText.parse(dateBytes) else {
            return no(.date, dateBytes, .unreadableDate(ActivityField.date.key, serial: DateText.looksLikeSerial(dateBytes)))
        }
        let kindBytes = value(.kind)
        if kindBytes.isEmpty { return no(.kind, none, .missingField(ActivityField.kind.key)) }
        let kind = internCache.intern(kindBytes, field: 0, in: &store.symbols)
        let check = Int(kind) < kindChecks.count ? kindChecks[Int(kind)] : nil
        if !vocabulary.isEmpty, check == nil {
            return no(.kind, kindBytes, .unknownKind(suggestion: closest(text(kindBytes), in: vocabulary.kinds.keys.sorted())))
        }
        let status = internCache.intern(value(.status), field: 1, in: &store.symbols)
        let role = internCache.intern(value(.role), field: 2, in: &store.symbols)
        let level = internCache.intern(value(.level), field: 3, in: &store.symbols)
        if let check {
            let values = allowedValues.base
            if let allowed = check.statuses, !Self.sortedContains(values, allowed, status) { return noValue(.status, kind: kind) }
            if let allowed = check.roles, !Self.sortedContains(values, allowed, role) { return noValue(.role, kind: kind) }
            if let allowed = check.levels, !Self.sortedContains(values, allowed, level) { return noValue(.level, kind: kind) }
        }
        var quantity = Points.one
        let qBytes = value(.quantity)
        if !qBytes.isEmpty {
            guard let q = Points.parse(qBytes), !q.isNegative, q.raw <= RejectReason.maxQuantity * Points.scale else {
                return no(.quantity, qBytes, .badQuantity(ActivityField.quantity.key))
            }
            quantity = q
        }
        var marks = MarkSet()
        let marksBytes = value(.marks)
        if !marksBytes.isEmpty, let one = knownSingleMark(marksBytes) {
            marks.insert(one)
        } else if !marksBytes.isEmpty {
            let parsed = parseMarks(marksBytes)
            if let refusal = parsed.refusal { return no(.marks, marksBytes, refusal) }
            marks = parsed.marks
        }
        if !period.contains(date) { return no(.date, dateBytes, .outsidePeriod(period)) }
        let memberSlot = memberSlots.base + Int(member)
        if date.ordinal < memberSlot.pointee.joined {
            noteRejectedSignatory(idBytes)
            return no(.date, dateBytes, .beforeJoined(Day(ordinal: memberSlot.pointee.joined)))
        }
        if date.ordinal > memberSlot.pointee.left {
            noteRejectedSignatory(idBytes)
            return no(.date, dateBytes, .afterLeft(Day(ordinal: memberSlot.pointee.left)))
        }
        let refBytes = value(.ref)
        // Count each activity id once: a repeat is rejected, naming where it was first seen;
        // a repeat with different content is a conflict, naming both places. The first
        // record's content is in the store already, so the comparison costs no memory and
        // nothing on the path of records that are not repeats.
        let hash = SymbolTable.hash(idBytes)
        if let spill = spillWriter {
            // Repeated ids are found when the partitions are read back (``finish()``).
            // The ref goes as text (``SpilledRecord``): not interned for the whole run.
            let a = Activity(member: member, date: date, kind: kind, status: status, role: role, level: level, ref: SymbolTable.empty,
                             marks: marks, quantity: quantity, file: fileIndex, line: Int32(line))
            let title = slices[ActivityField.title.rawValue]
            let shared = sharedTitle(title, room: spill.titleBytes)
            let sequence = rowSequence
            let part = Int(memberSlot.pointee.part)
            spill.records._withUnsafeGuaranteedRef { parts in
                let where_ = SpillRef(part: Int32(part), offset: parts.sizes[part])
                // A shared title takes no room in the record (room for it made every record
                // with a long shared title a chunk of its own).
                parts.add(part, maxSize: SpilledRecord.maxSize(id: idBytes.count, title: shared == nil ? title.count : 0, ref: refBytes.count)) { out in
                    SpilledRecord.encode(a, sequence: sequence, id: idBytes, title: title, sharedTitle: shared, ref: refBytes, to: out)
                }
                spill.keys._withUnsafeGuaranteedRef { ids in
                    ids.add(Int(hash % UInt32(ids.count)), maxSize: SpilledKey.maxSize(id: idBytes.count)) { out in
                        SpilledKey.encode(where_, id: idBytes, to: out)
                    }
                }
            }
            memberSlot.pointee.records += 1
            files[files.count - 1].accepted += 1
            return
        }
        var slot = Int(hash) & (idSlots.count - 1)
        while idSlots[slot] != 0 {
            if UInt32(truncatingIfNeeded: idSlots[slot] >> 32) != hash {
                slot = (slot + 1) & (idSlots.count - 1)
                continue
            }
            let firstIndex = Int(UInt32(truncatingIfNeeded: idSlots[slot])) - 1
            let first = store.records[firstIndex]
            if store.arena.equals(first.id, idBytes) {
                if firstIndex == replacing {
                    let ref = refBytes.isEmpty ? SymbolTable.empty : store.symbols.intern(bytes: refBytes)
                    let titleRef = internTitle(slices[ActivityField.title.rawValue])
                    store.records[firstIndex] = Activity(member: member, date: date, kind: kind, status: status, role: role, level: level,
                                                         ref: ref, marks: marks, quantity: quantity, id: first.id, title: titleRef,
                                                         file: first.file, line: first.line)
                    return
                }
                let sameRef = refBytes.isEmpty ? first.ref == SymbolTable.empty : store.symbols.lookup(bytes: refBytes) == first.ref
                let same = first.member == member && first.date == date && first.kind == kind && first.status == status
                    && first.role == role && first.level == level && first.marks == marks && first.quantity == quantity
                    && sameRef && store.arena.equals(first.title, slices[ActivityField.title.rawValue])
                if !same {
                    // Neither copy is scored: which one came first is only the order of the rows.
                    if !capturing { withdraw(firstIndex, conflictingWith: SourceLocation(file: path, line: line)) }
                    return no(.activityID, idBytes, .duplicateConflict(first: store.location(of: first)))
                }
                return no(.activityID, idBytes, .duplicate(first: store.location(of: first)))
            }
            slot = (slot + 1) & (idSlots.count - 1)
        }
        let ref = refBytes.isEmpty ? SymbolTable.empty : store.symbols.intern(bytes: refBytes)
        let idRef = store.arena.append(idBytes)
        let titleRef = internTitle(slices[ActivityField.title.rawValue])
        store.records.append(Activity(member: member, date: date, kind: kind, status: status, role: role, level: level,
                                      ref: ref, marks: marks, quantity: quantity, id: idRef, title: titleRef,
                                      file: fileIndex, line: Int32(line)))
        idSlots[slot] = UInt64(hash) << 32 | UInt64(store.records.count)
        if store.records.count * 2 > idSlots.count { growIDs() }
        files[files.count - 1].accepted += 1
    }

    /// Rejects the accepted record `i` (once): a row at `other` has its activity id with other content.
    private mutating func withdraw(_ i: Int, conflictingWith other: SourceLocation) {
        guard withdrawn.insert(i).inserted else { return }
        let a = store.records[i]
        let at = store.location(of: a)
        let id = store.id(of: a)
        rejects.append(Reject(location: at, recordID: id, memberID: members[Int(a.member)].id, field: ActivityField.activityID.key,
                              value: id, reason: .duplicateConflict(first: other)))
        if let f = files.firstIndex(where: { $0.path == at.file && !$0.isRoster }) {
            files[f].accepted -= 1
            files[f].rejected += 1
        }
    }

    /// The index of the mark when `bytes` is exactly one mark already in the table and holds
    /// no separator or space (the common cell, `重点`), found on its bytes; `nil` sends the cell
    /// through the general split (several marks, spaces, a new or unknown mark).
    private func knownSingleMark(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        if Member.mayHoldSeparatorOrSpace(bytes: bytes) { return nil }
        let n = bytes.count
        for (k, m) in store.marks.enumerated() {
            var m = m
            if m.withUTF8({ $0.count == n && memcmp($0.baseAddress!, bytes.baseAddress!, n) == 0 }) { return k }
        }
        return nil
    }

    /// Whether `values[range]`, sorted, holds `x`: scanned when short (a kind's statuses are a
    /// handful), halved when a rule file declares many.
    @inline(__always)
    static func sortedContains(_ values: UnsafePointer<Int32>, _ range: Range<Int>, _ x: Int32) -> Bool {
        if range.count <= 16 {
            for i in range where values[i] == x { return true }
            return false
        }
        var lo = range.lowerBound, hi = range.upperBound
        while lo < hi {
            let mid = (lo + hi) / 2
            if values[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo < range.upperBound && values[lo] == x
    }

    /// The arena reference of `title`, appending it only if an equal title is not there yet.
    private mutating func internTitle(_ title: UnsafeBufferPointer<UInt8>) -> StringArena.Ref {
        if title.isEmpty { return store.arena.append(title) }
        let found = findTitle(title)
        if let ref = found.ref { return ref }
        let ref = store.arena.append(title)
        // Titles crafted to collide cost a bounded probe each: past 32 the title is not interned.
        if titleRefs.count < Self.titlesInterned, found.probes <= 32 { keepTitle(ref, slot: found.slot) }
        return ref
    }

    /// A spilled record's title among the shared titles (``SpilledRecords/titles``: the arena
    /// of a spilled run), added if it is new and there is room (``Spill/titleBytes``); nil when
    /// it is written in the record.
    mutating func sharedTitle(_ title: UnsafeBufferPointer<UInt8>, room: Int) -> StringArena.Ref? {
        if title.isEmpty { return nil }
        let found = findTitle(title)
        if let ref = found.ref { return ref }
        guard titleRefs.count < Self.titlesInterned, found.probes <= 32, store.arena.bytes.count + title.count <= room else { return nil }
        let ref = store.arena.append(title)
        keepTitle(ref, slot: found.slot)
        return ref
    }

    /// Where a title equal to `title` lies in the arena, if one was kept; else the slot for it
    /// and the probes it took (past 32 it is not to be kept).
    private func findTitle(_ title: UnsafeBufferPointer<UInt8>) -> (ref: StringArena.Ref?, slot: Int, probes: Int) {
        // Through buffer pointers: the arrays' subscripts retained and released them at each probe.
        store.arena.bytes.withUnsafeBufferPointer { bytes in
            titleSlots.withUnsafeBufferPointer { slots in
                titleRefs.withUnsafeBufferPointer { refs in
                    let mask = slots.count - 1
                    var slot = Int(SymbolTable.hash(title)) & mask
                    var probes = 0
                    while slots[slot] != 0 && probes <= 32 {
                        let ref = refs[Int(slots[slot] - 1)]
                        if Int(ref.length) == title.count, memcmp(bytes.baseAddress! + Int(ref.offset), title.baseAddress!, title.count) == 0 {
                            return (ref, slot, probes)
                        }
                        slot = (slot + 1) & mask
                        probes += 1
                    }
                    return (nil, slot, probes)
                }
            }
        }
    }

    /// Keeps `ref`'s title in the table at `slot` (from ``findTitle(_:)``), growing it when half full.
    private mutating func keepTitle(_ ref: StringArena.Ref, slot: Int) {
        titleRefs.append(ref)
        titleSlots[slot] = Int32(titleRefs.count)
        if titleRefs.count * 2 > titleSlots.count {
            titleSlots = [Int32](repeating: 0, count: titleSlots.count * 2)
            let mask = titleSlots.count - 1
            store.arena.bytes.withUnsafeBufferPointer { bytes in
                for (i, r) in titleRefs.enumerated() {
                    let b = UnsafeBufferPointer(rebasing: bytes[Int(r.offset)..<Int(r.offset + r.length)])
                    var s = Int(SymbolTable.hash(b)) & mask
                    while titleSlots[s] != 0 { s = (s + 1) & mask }
                    titleSlots[s] = Int32(i + 1)
                }
            }
        }
    }

    private mutating func growIDs() {
        let old = idSlots
        idSlots = [UInt64](repeating: 0, count: old.count * 2)
        let mask = idSlots.count - 1
        for v in old where v != 0 {
            var slot = Int(v >> 32) & mask
            while idSlots[slot] != 0 { slot = (slot + 1) & mask }
            idSlots[slot] = v
        }
    }
}

// MARK: - Corrections (复核)

extension ActivityIngestor {
    /// Applies a corrections file on top of the records read so far: removes, amends and adds
    /// records. Call it after the last input file and before ``finish()``.
    ///
    /// Removed records are neither scored nor rejected; amended records are validated again
    /// like any other and keep their source location; added records are located at the
    /// corrections file's line. Every applied correction is listed in
    /// ``IngestResult/corrections``.
    /// - Throws: ``CorrectionError`` with one diagnostic (at the corrections file's line) for
    ///   every correction that cannot be applied: a record that is not among the accepted
    ///   input records, one targeted twice, a member that does not match, an amendment or an
    ///   addition that the record checks refuse, an addition whose id exists already.
    public mutating func apply(_ set: CorrectionSet) throws(CorrectionError) {
        var diags: [Diagnostic] = []
        func err(_ id: String, _ loc: SourceLocation, zh: String, en: String, hintZh: String? = nil, hintEn: String? = nil) {
            diags.append(Diagnostic(id: id, location: loc, zh: zh, en: en, hintZh: hintZh, hintEn: hintEn))
        }
        // The corrections file is an input like the others: its additions are read from it.
        let fileIndex = Int32(store.files.count)
        store.files.append(set.path)
        var report = FileReport(path: set.path, format: "yaml")
        report.isCorrections = true
        files.append(report)
        let inputRecords = store.records.count
        var targeted: [String: Correction] = [:]

        for c in set.entries {
            if let first = targeted[c.activityID] {
                err("C040", c.location, zh: "记录 \(c.activityID) 已由第 \(first.location.line) 行的复核#\(first.seq) 处理，同一记录只能复核一次",
                    en: "record \(c.activityID) is already corrected by correction #\(first.seq) on line \(first.location.line); correct a record once",
                    hintZh: "把两条合并为一条（修改可以同时改几个字段）。", hintEn: "Merge the two into one (an amendment can change several fields).")
                continue
            }
            targeted[c.activityID] = c
            let found = recordIndex(ofID: c.activityID).flatMap { $0 < inputRecords && !withdrawn.contains($0) ? $0 : nil }
            switch c.action {
            case .add:
                if let i = found {
                    let at = store.location(of: store.records[i])
                    err("C046", c.location, zh: "补录的记录编号 \(c.activityID) 在输入中已有（\(at)）",
                        en: "the added record's id \(c.activityID) exists in the inputs already (\(at))",
                        hintZh: "要更改这条记录请用 amend（修改）；补录请用新的记录编号。", hintEn: "Use amend to change that record, or give the new record a new id.")
                    continue
                }
                var values = c.fields
                values[.activityID] = c.activityID
                files[files.count - 1].read += 1
                if let refusal = validate(values, fileIndex: fileIndex, path: set.path, line: c.location.line, replacing: -1) {
                    refused(refusal, c, &diags)
                    continue
                }
                let index = store.records.count - 1
                let after = fieldValues(of: store.records[index])
                applied.append(AppliedCorrection(
                    seq: c.seq, action: .add, recordID: c.activityID, memberID: after[.memberID] ?? "",
                    changes: Self.shownFields.map { .init(field: $0, before: "", after: after[$0] ?? "") },
                    reason: c.reason, approvedBy: c.approvedBy, approvedOn: c.approvedOn, ticket: c.ticket,
                    source: SourceLocation(file: set.path, line: c.location.line), original: nil, record: Int32(index)))
            case .remove, .amend:
                guard let i = found else {
                    notFound(c, &diags)
                    continue
                }
                let record = store.records[i]
                let before = fieldValues(of: record)
                if let m = c.memberID, m != before[.memberID] {
                    var other: String?
                    for k in 2...50 {
                        let id = "\(c.activityID)#\(k)"
                        if let j = recordIndex(ofID: id), members[Int(store.records[j].member)].id == m { other = id; break }
                    }
                    err("C043", c.checkLocation ?? c.location,
                        zh: "记录 \(c.activityID) 属于委员 \(before[.memberID] ?? "")，不是 \(m)",
                        en: "record \(c.activityID) belongs to member \(before[.memberID] ?? ""), not \(m)",
                        hintZh: other.map { "\(m) 的那一行记录编号是 \($0)。" } ?? "请核对记录编号和委员编号。",
                        hintEn: other.map { "\(m)'s row has the id \($0)." } ?? "Check the activity id and the member id.")
                    continue
                }
                let original = store.location(of: record)
                if c.action == .remove {
                    removedRecords.insert(i)
                    if let f = files.firstIndex(where: { $0.path == original.file && !$0.isRoster }) { files[f].removed += 1 }
                    applied.append(AppliedCorrection(
                        seq: c.seq, action: .remove, recordID: c.activityID, memberID: before[.memberID] ?? "",
                        changes: Self.shownFields.map { .init(field: $0, before: before[$0] ?? "", after: "") },
                        reason: c.reason, approvedBy: c.approvedBy, approvedOn: c.approvedOn, ticket: c.ticket,
                        source: SourceLocation(file: set.path, line: c.location.line), original: original, record: nil))
                    continue
                }
                var values = before
                for (f, v) in c.fields { values[f] = v }
                if let refusal = validate(values, fileIndex: record.file, path: original.file, line: original.line, replacing: i) {
                    refused(refusal, c, &diags)
                    continue
                }
                let after = fieldValues(of: store.records[i])
                let changes = Self.shownFields.compactMap { f -> AppliedCorrection.Change? in
                    before[f] == after[f] ? nil : .init(field: f, before: before[f] ?? "", after: after[f] ?? "")
                }
                if changes.isEmpty {
                    store.records[i] = record
                    err("C045", c.location, zh: "复核#\(c.seq) 没有改变记录 \(c.activityID)：set 中的值与原记录（\(original)）相同",
                        en: "correction #\(c.seq) does not change record \(c.activityID): set repeats the values of the record at \(original)",
                        hintZh: "删去这条复核，或写明真正要改的值。", hintEn: "Drop this correction or give the values that should change.")
                    continue
                }
                applied.append(AppliedCorrection(
                    seq: c.seq, action: .amend, recordID: c.activityID, memberID: after[.memberID] ?? "", changes: changes,
                    reason: c.reason, approvedBy: c.approvedBy, approvedOn: c.approvedOn, ticket: c.ticket,
                    source: SourceLocation(file: set.path, line: c.location.line), original: original, record: Int32(i)))
            }
        }
        if !diags.isEmpty { throw CorrectionError(path: set.path, source: set.source, diagnostics: diags) }
    }

    /// The fields a correction shows, in the canonical order (the id is the correction's own).
    static let shownFields = ActivityField.allCases.filter { $0 != .activityID }

    /// A record's values as text, the way an export would write them.
    private func fieldValues(of a: Activity) -> [ActivityField: String] {
        [.activityID: store.id(of: a), .memberID: members[Int(a.member)].id, .date: a.date.description,
         .kind: store.symbols[a.kind], .status: store.symbols[a.status], .role: store.symbols[a.role],
         .level: store.symbols[a.level], .ref: store.symbols[a.ref], .quantity: a.quantity.description,
         .marks: store.markNames(a.marks).joined(separator: ";"), .title: store.title(of: a)]
    }

    /// Index of the accepted record with this activity id.
    private func recordIndex(ofID id: String) -> Int? {
        var bytes = Array(id.utf8)
        return bytes.withUnsafeMutableBufferPointer { m -> Int? in
            let b = UnsafeBufferPointer(m)
            var slot = Int(SymbolTable.hash(b)) & (idSlots.count - 1)
            while idSlots[slot] != 0 {
                let i = Int(UInt32(truncatingIfNeeded: idSlots[slot])) - 1
                if store.arena.equals(store.records[i].id, b) { return i }
                slot = (slot + 1) & (idSlots.count - 1)
            }
            return nil
        }
    }

    /// Runs the record checks on `values`; returns the refusal instead of rejecting.
    private mutating func validate(_ values: [ActivityField: String], fileIndex: Int32, path: String, line: Int, replacing: Int) -> Reject? {
        capturing = true
        captured = nil
        defer { capturing = false }
        let storage: [[UInt8]] = ActivityField.allCases.map { Array((values[$0] ?? "").utf8) }
        func run(_ i: Int) {
            if i == storage.count { return accept(fileIndex: fileIndex, path: path, line: line, replacing: replacing) }
            storage[i].withUnsafeBufferPointer { b in
                slices[i] = b
                run(i + 1)
            }
        }
        run(0)
        return captured
    }

    private func refused(_ r: Reject, _ c: Correction, _ diags: inout [Diagnostic]) {
        let field = ActivityField.allCases.first { $0.key == r.field }
        let at = field.flatMap { c.fieldLocations[$0] } ?? c.location
        let value = r.value.isEmpty ? "" : "“\(r.value)”"
        let what = c.action == .add ? "补录的记录" : "修改后的记录"
        let whatEn = c.action == .add ? "the added record" : "the amended record"
        diags.append(Diagnostic(id: "C044", location: at,
                                zh: "复核#\(c.seq)：\(what) \(c.activityID) 不能通过检查（\(r.reason.code)）：\(value)\(r.reason.message(.zh))",
                                en: "correction #\(c.seq): \(whatEn) \(c.activityID) fails the record checks (\(r.reason.code)): "
                                    + (r.value.isEmpty ? "" : "'\(r.value)' ") + r.reason.message(.en),
                                hintZh: "复核后的记录要像输入记录一样有效；请改正这里的值。",
                                hintEn: "A corrected record must be as valid as an input record; fix the value here."))
    }

    private func notFound(_ c: Correction, _ diags: inout [Diagnostic]) {
        if let j = rejects.first(where: { $0.recordID == c.activityID }) {
            diags.append(Diagnostic(
                id: "C042", location: c.location,
                zh: "记录 \(c.activityID) 在输入中被拒收（\(j.location)，\(j.reason.code)：\(j.reason.message(.zh))），不在计分记录中，无法\(c.action.label(.zh))",
                en: "record \(c.activityID) was rejected in the inputs (\(j.location), \(j.reason.code): \(j.reason.message(.en))) and is not among the scored records; cannot \(c.action.rawValue) it",
                hintZh: c.action == .remove ? "被拒收的记录本来就不计分，删去这条复核即可。" : "改正导出后重新运行，或用 add（补录）以新的记录编号写出正确的记录。",
                hintEn: c.action == .remove ? "Rejected records are not scored anyway; drop this correction." : "Fix the export and run again, or add the correct record under a new id."))
            return
        }
        var hintZh = "请核对记录编号（复核只能针对输入中已接受的记录）。"
        var hintEn = "Check the activity id (corrections apply to accepted input records)."
        if store.records.count <= 20_000, let guess = closest(c.activityID, in: store.records.lazy.map { self.store.id(of: $0) }) {
            hintZh = "是否想写“\(guess)”？" + hintZh
            hintEn = "did you mean '\(guess)'? " + hintEn
        }
        diags.append(Diagnostic(id: "C041", location: c.location,
                                zh: "输入中没有记录编号为 \(c.activityID) 的记录，无法\(c.action.label(.zh))",
                                en: "no input record has the activity id \(c.activityID); cannot \(c.action.rawValue) it",
                                hintZh: hintZh, hintEn: hintEn))
    }
}
