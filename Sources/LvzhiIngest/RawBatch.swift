import Foundation
import LvzhiCore

/// Something the reader thread found wrong with a record before validation.
enum RawIssue: Sendable {
    case unknownElement(String)
    case unknownAttribute(name: String, value: String, id: String)
    case wrongFieldCount(expected: Int, got: Int, id: String)
    /// Refused while mapping a foreign export (a name not in the roster, say).
    case rejected(reason: RejectReason, field: String, value: String, id: String, member: String)
    /// A row that is not a record (a blank row, a total, a note, a repeated header), skipped
    /// by the mapping's rule named here; counted, neither scored nor rejected.
    case skipped(String)
}

/// A batch of raw activity records, as bytes, travelling from the reader thread to the
/// validating thread. Field `f` of record `r` is `bytes[bounds[2*(r*F+f)] ..< bounds[2*(r*F+f)+1]]`.
final class RawBatch: @unchecked Sendable {
    /// `ActivityField.allCases.count`, as a literal: a computed static is a `swift_once` check
    /// at every use, several a record (``FastPathTests`` checks the two agree).
    static let fieldCount = 11
    static let capacity = 4096

    @exclusivity(unchecked) var bytes: [UInt8] = []
    /// Field bounds and lines, allocated for ``capacity`` records (appending to arrays of a
    /// class instance checked uniqueness on every value). Readers hand a batch over once it
    /// ``isFull``, but one row of a mapped export may make many records (a list cell of
    /// co-signers), so the storage doubles when a record would not fit (``makeRoom()``).
    @exclusivity(unchecked) private(set) var bounds: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) private(set) var lines: UnsafeMutablePointer<Int32>
    /// Records the reader prepared: their bytes found to be well-formed UTF-8 (a whole CSV
    /// row checked at once) and every field but the title trimmed of surrounding spaces, as
    /// ``ActivityIngestor`` would (work moved off the validating thread, the busier of the
    /// two). The others are checked and trimmed field by field when validated.
    @exclusivity(unchecked) private(set) var prepared: UnsafeMutablePointer<Bool>
    /// For prepared records read with a ``RowPreparer``: the member's roster index (-1: not
    /// found, the validator looks again and rejects) and the date's ordinal (`Int32.min`: not
    /// an ISO date, the validator reads it the general way).
    @exclusivity(unchecked) private(set) var members: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) private(set) var days: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) private(set) var count = 0
    /// Records the storage holds.
    @exclusivity(unchecked) private var room = RawBatch.capacity
    @exclusivity(unchecked) var issues: [Int: RawIssue] = [:]

    init() {
        bytes.reserveCapacity(Self.capacity * 160)
        bounds = .allocate(capacity: Self.capacity * Self.fieldCount * 2)
        lines = .allocate(capacity: Self.capacity)
        prepared = .allocate(capacity: Self.capacity)
        members = .allocate(capacity: Self.capacity)
        days = .allocate(capacity: Self.capacity)
    }

    deinit {
        bounds.deallocate()
        lines.deallocate()
        prepared.deallocate()
        members.deallocate()
        days.deallocate()
    }

    /// Full at ``capacity`` records, or at 256 MiB of bytes (bounds are 32-bit; a row is at
    /// most 16 MiB).
    var isFull: Bool { count >= Self.capacity || bytes.count >= 1 << 28 }

    /// Doubles the storage when it is full.
    private func makeRoom() {
        guard count == room else { return }
        func grow<T>(_ p: UnsafeMutablePointer<T>, _ perRecord: Int) -> UnsafeMutablePointer<T> {
            let q = UnsafeMutablePointer<T>.allocate(capacity: room * 2 * perRecord)
            q.moveInitialize(from: p, count: room * perRecord)
            p.deallocate()
            return q
        }
        bounds = grow(bounds, Self.fieldCount * 2)
        lines = grow(lines, 1)
        prepared = grow(prepared, 1)
        members = grow(members, 1)
        days = grow(days, 1)
        room *= 2
    }

    /// Starts a record; its fields are empty until set.
    func begin(line: Int) {
        makeRoom()
        lines[count] = Int32(line)
        prepared[count] = false
        members[count] = -1
        days[count] = Int32.min
        let at = Int32(bytes.count)
        let base = bounds + count * Self.fieldCount * 2
        for i in 0..<(Self.fieldCount * 2) { base[i] = at }
        count += 1
    }

    func set(field: Int, _ value: UnsafeBufferPointer<UInt8>) {
        let base = (count - 1) * Self.fieldCount * 2 + field * 2
        bounds[base] = Int32(bytes.count)
        bytes.append(contentsOf: value)
        bounds[base + 1] = Int32(bytes.count)
    }

    /// Sets `field` to `value`, where `&#38;` stands for `&` when `decodingAmpersands` (see
    /// ``CanonicalXMLSink/decoded(_:)``).
    func set(field: Int, _ value: UnsafeBufferPointer<UInt8>, decodingAmpersands: Bool) {
        guard decodingAmpersands else { return set(field: field, value) }
        let base = (count - 1) * Self.fieldCount * 2 + field * 2
        bounds[base] = Int32(bytes.count)
        Self.appendDecodingAmpersands(value, to: &bytes)
        bounds[base + 1] = Int32(bytes.count)
    }

    static func appendDecodingAmpersands(_ value: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var j = 0
        while j < value.count {
            if value[j] == 0x26, j + 4 < value.count, value[j + 1] == 0x23, value[j + 2] == 0x33, value[j + 3] == 0x38, value[j + 4] == 0x3B {
                out.append(0x26)
                j += 5
            } else {
                out.append(value[j])
                j += 1
            }
        }
    }

    func set(field: Int, string: String) {
        var s = string
        s.withUTF8 { set(field: field, $0) }
    }

    /// A whole table row as one record: its bytes copied at once, each canonical field `f`
    /// bounded by column `columns[f]` of the row (-1: absent, empty).
    func add(row: borrowing CSVRow, columns: UnsafeBufferPointer<Int>, preparer: RowPreparer? = nil) {
        makeRoom()
        let at = bytes.count
        bytes.append(contentsOf: row.bytes)
        lines[count] = Int32(row.line)
        let ready = row.separator == 1 && row.isValidUTF8
        prepared[count] = ready
        let base = bounds + count * Self.fieldCount * 2
        let title = ActivityField.title.rawValue
        for f in 0..<Self.fieldCount {
            let c = columns[f]
            var r = c >= 0 ? row.range(c) : 0..<0
            if ready && f != title && !r.isEmpty {
                let t = ActivityIngestor.trim(UnsafeBufferPointer(rebasing: row.bytes[r]))
                let lo = t.baseAddress! - row.bytes.baseAddress!
                r = lo..<(lo + t.count)
            }
            base[2 * f] = Int32(at + r.lowerBound)
            base[2 * f + 1] = Int32(at + r.upperBound)
        }
        members[count] = -1
        days[count] = Int32.min
        if ready, preparer != nil { noteMemberAndDay(count, in: row.bytes, from: at) }
        count += 1
    }

    /// For prepared record `r`, whose fields are bounded (and trimmed) in `bytes`, which start at
    /// `offset` of the batch's bytes: its member is marked to be looked up with the batch's others
    /// (``findMembers(_:)``) and an ISO date read.
    private func noteMemberAndDay(_ r: Int, in bytes: UnsafeBufferPointer<UInt8>, from offset: Int) {
        let base = bounds + r * Self.fieldCount * 2
        func field(_ f: ActivityField) -> UnsafeBufferPointer<UInt8> {
            let lo = Int(base[2 * f.rawValue]) - offset, hi = Int(base[2 * f.rawValue + 1]) - offset
            return UnsafeBufferPointer(rebasing: bytes[lo..<hi])
        }
        if !field(.memberID).isEmpty { members[r] = Self.toFind }
        if let d = Day.parseISO(field(.date)) { days[r] = d.ordinal }
    }

    /// Prepares the record last begun, whose fields were set one by one from `start` on (an XML
    /// element's attributes), as ``add(row:columns:preparer:)`` prepares a row: its bytes checked
    /// as UTF-8 at once, its fields but the title trimmed, its member left for
    /// ``findMembers(_:)`` and an ISO date read. Bytes that are not UTF-8 leave it to the validator.
    func prepareLast(from start: Int) {
        let r = count - 1
        let ok = bytes.withUnsafeBufferPointer { UTF8Check.isValid(UnsafeBufferPointer(rebasing: $0[start...])) }
        guard ok else { return }
        prepared[r] = true
        let base = bounds + r * Self.fieldCount * 2
        let title = ActivityField.title.rawValue
        bytes.withUnsafeBufferPointer { all in
            for f in 0..<Self.fieldCount where f != title {
                let lo = Int(base[2 * f]), hi = Int(base[2 * f + 1])
                guard lo < hi else { continue }
                let t = ActivityIngestor.trim(UnsafeBufferPointer(rebasing: all[lo..<hi]))
                let from = t.baseAddress.map { $0 - all.baseAddress! } ?? lo
                base[2 * f] = Int32(from)
                base[2 * f + 1] = Int32(from + t.count)
            }
            noteMemberAndDay(r, in: all, from: 0)
        }
    }

    /// `members[r]` of a prepared row whose member id is yet to be looked up.
    static let toFind: Int32 = -2

    /// Looks up the member of every prepared row (``add(row:columns:preparer:)``) at once, so
    /// that the cache misses in a large roster's table overlap (``SymbolTable/lookup(_:key:found:)``).
    /// Call before handing the batch over.
    func findMembers(_ preparer: RowPreparer?) {
        guard let preparer else { return }
        let rows = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, count))
        defer { rows.deallocate() }
        var n = 0
        for r in 0..<count where members[r] == Self.toFind {
            rows[n] = Int32(r)
            n += 1
        }
        let field = ActivityField.memberID.rawValue
        bytes.withUnsafeBufferPointer { bytes in
            preparer.memberIDs.lookup(n, key: { k in
                let base = Int(rows[k]) * Self.fieldCount * 2 + 2 * field
                return UnsafeBufferPointer(rebasing: bytes[Int(bounds[base])..<Int(bounds[base + 1])])
            }, found: { k, id in
                members[Int(rows[k])] = id.map { $0 > 0 ? $0 - 1 : -1 } ?? -1
            })
        }
    }

    func flag(_ issue: RawIssue) { issues[count - 1] = issue }

    /// Moves every record's line by `shift` (a part of a file parsed on its own, see ``XMLParts``).
    func shiftLines(by shift: Int) {
        guard shift != 0 else { return }
        for r in 0..<count { lines[r] += Int32(shift) }
    }

    /// Empties the batch for reuse, keeping its storage.
    func reset() {
        bytes.removeAll(keepingCapacity: true)
        if !issues.isEmpty { issues = [:] }
        count = 0
    }
}

/// What the reader thread may work out for the validating thread from a row alone: the
/// roster's member ids (a snapshot; the validator never changes them) to find each record's
/// member, and ISO dates. Moves about a sixth of validating a record to the other core.
final class RowPreparer: Sendable {
    let memberIDs: SymbolTable
    init(memberIDs: SymbolTable) { self.memberIDs = memberIDs }
}

/// A bounded hand-over of batches between one producer and one consumer thread.
final class BatchChannel: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [RawBatch] = []
    private var closed = false
    private var failure: Error?
    private let limit: Int

    /// Batches the consumer is done with, for the producer to fill again: a fresh batch was
    /// a megabyte of new pages to fault in every 4,096 records.
    private var spare: [RawBatch] = []

    init(limit: Int = 4) { self.limit = limit }

    /// An empty batch: a recycled one if there is one.
    func fresh() -> RawBatch {
        condition.lock()
        let b = spare.popLast()
        condition.unlock()
        if let b {
            b.reset()
            return b
        }
        return RawBatch()
    }

    /// Hands a batch back once every record in it has been taken (nothing may refer to its
    /// bytes any more).
    func recycle(_ b: RawBatch) {
        condition.lock()
        if spare.count < limit + 2 { spare.append(b) }
        condition.unlock()
    }

    func put(_ b: RawBatch) {
        condition.lock()
        while queue.count >= limit && !closed { condition.wait() }
        queue.append(b)
        condition.broadcast()
        condition.unlock()
    }

    func close(error: Error? = nil) {
        condition.lock()
        closed = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, `nil` at the end; rethrows the producer's error after its last batch.
    func take() throws -> RawBatch? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !closed { condition.wait() }
        if !queue.isEmpty {
            let b = queue.removeFirst()
            condition.broadcast()
            return b
        }
        if let failure { throw failure }
        return nil
    }
}

/// Reads an activity file on a background thread into raw batches.
enum RawReader {
    static let fieldNames: SymbolTable = {
        var t = SymbolTable()
        for f in ActivityField.allCases { _ = t.intern(f.key) }
        return t
    }()

    /// Starts reading `path` and returns the channel its batches arrive on. Tables (CSV files
    /// and workbook sheets) come through `table`, XML files through their path.
    static func start(path: String, format: InputFormat, table: TableSource? = nil, mapping: Mapping? = nil,
                      names: NameIndex? = nil, preparer: RowPreparer? = nil) -> BatchChannel {
        let channel = BatchChannel()
        let thread = Thread {
            do {
                if let mapping {
                    let names = names ?? NameIndex(members: [])
                    if let layout = mapping.xml {
                        try readMappedXML(path: path, mapping: mapping, layout: layout, names: names, into: channel)
                    } else {
                        let source = try table ?? TableSource.open(path: path, format: format)
                        try readMappedTable(path: path, source: source, mapping: mapping, names: names, into: channel)
                    }
                    channel.close()
                    return
                }
                switch format {
                case .csv, .xlsx: try readTable(path: path, source: try table ?? TableSource.open(path: path, format: format), into: channel,
                                                preparer: preparer)
                case .xml: try readXML(path: path, into: channel, preparer: preparer)
                }
                channel.close()
            } catch {
                channel.close(error: error)
            }
        }
        thread.stackSize = 1 << 22
        thread.start()
        return channel
    }

    static func readTable(path: String, source: TableSource, into channel: BatchChannel, preparer: RowPreparer? = nil) throws {
        var header = false
        var width = 0
        var batch = channel.fresh()
        // The batch being filled, used without counting a reference per row (`batch` holds it):
        // an `unowned(unsafe) var` was still retained and released around every row's `add`,
        // a tenth of the reading thread's time at 4M records.
        var current = Unmanaged.passUnretained(batch)
        let fieldCount = RawBatch.fieldCount
        let flat = UnsafeMutableBufferPointer<Int>.allocate(capacity: fieldCount)
        defer { flat.deallocate() }
        let columns = UnsafeBufferPointer(flat)
        try source.forEachRow { row in
            guard header else {
                let map = try headerMap(row, path: path, fields: ActivityField.allCases.map { ($0.key, $0.chinese) },
                                        required: ActivityField.allCases.filter(\.isRequired).map(\.rawValue))
                for f in 0..<fieldCount { flat[f] = map[f] ?? -1 }
                header = true
                width = row.count
                return
            }
            if row.isBlank { return }
            let full = current._withUnsafeGuaranteedRef { b in
                if row.count != width {
                    b.begin(line: row.line)
                    let idColumn = flat[ActivityField.activityID.rawValue]
                    let id = idColumn >= 0 && idColumn < row.count ? row.string(idColumn) ?? "" : ""
                    b.flag(.wrongFieldCount(expected: width, got: row.count, id: id))
                } else {
                    b.add(row: row, columns: columns, preparer: preparer)
                }
                return b.isFull
            }
            if full {
                batch.findMembers(preparer)
                channel.put(batch)
                batch = channel.fresh()
                current = Unmanaged.passUnretained(batch)
            }
        }
        if !header { throw IngestError.emptyFile(path: path) }
        batch.findMembers(preparer)
        channel.put(batch)
    }

    /// Reads a canonical XML activity file: in parts on `workers` threads when it is large
    /// (``XMLParts``), else in one pass on this thread.
    static func readXML(path: String, into channel: BatchChannel, preparer: RowPreparer? = nil, partBytes: Int = XMLParts.partBytes,
                        workers: Int = min(ProcessInfo.processInfo.activeProcessorCount, 4)) throws {
        let fd = try InputFile.open(path)
        defer { close(fd) }
        if workers > 1, let plan = XMLParts.plan(fd: fd, partBytes: partBytes) {
            try XMLParts.read(path: path, fd: fd, plan: plan, workers: workers, preparer: preparer, into: channel)
            return
        }
        try readXMLInOnePass(path: path, fd: fd, into: channel, preparer: preparer)
    }

    /// One pass over a canonical XML file, leaving out its first `skipping` records (handed on
    /// already, see ``XMLParts``). The records before an error are handed on before it is thrown.
    static func readXMLInOnePass(path: String, fd: Int32, into channel: BatchChannel, preparer: RowPreparer?, skipping: Int = 0) throws {
        let sink = CanonicalXMLSink(channel: channel, preparer: preparer) { b in
            channel.put(b)
            return true
        }
        sink.skip = skipping
        do {
            try XMLPushParser.with(path: path, sink: sink) { parser in
                try parser.parseToEnd(fd, from: 0)
            }
        } catch {
            channel.put(sink.current)
            throw error
        }
        channel.put(sink.current)
    }
}
