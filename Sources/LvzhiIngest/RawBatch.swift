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
    static let fieldCount = ActivityField.allCases.count
    static let capacity = 4096

    @exclusivity(unchecked) var bytes: [UInt8] = []
    @exclusivity(unchecked) var bounds: [Int32] = []
    @exclusivity(unchecked) var lines: [Int32] = []
    @exclusivity(unchecked) var issues: [Int: RawIssue] = [:]

    init() {
        bytes.reserveCapacity(Self.capacity * 160)
        bounds.reserveCapacity(Self.capacity * Self.fieldCount * 2)
        lines.reserveCapacity(Self.capacity)
    }

    var count: Int { lines.count }
    var isFull: Bool { lines.count >= Self.capacity }

    /// Starts a record; its fields are empty until set.
    func begin(line: Int) {
        lines.append(Int32(line))
        let at = Int32(bytes.count)
        for _ in 0..<Self.fieldCount { bounds.append(at); bounds.append(at) }
    }

    func set(field: Int, _ value: UnsafeBufferPointer<UInt8>) {
        let base = (lines.count - 1) * Self.fieldCount * 2 + field * 2
        bounds[base] = Int32(bytes.count)
        bytes.append(contentsOf: value)
        bounds[base + 1] = Int32(bytes.count)
    }

    func set(field: Int, string: String) {
        var s = string
        s.withUTF8 { set(field: field, $0) }
    }

    func flag(_ issue: RawIssue) { issues[lines.count - 1] = issue }
}

/// A bounded hand-over of batches between one producer and one consumer thread.
final class BatchChannel: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [RawBatch] = []
    private var closed = false
    private var failure: Error?
    private let limit: Int

    init(limit: Int = 4) { self.limit = limit }

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
                      names: NameIndex? = nil) -> BatchChannel {
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
                case .csv, .xlsx: try readTable(path: path, source: try table ?? TableSource.open(path: path, format: format), into: channel)
                case .xml: try readXML(path: path, into: channel)
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

    static func readTable(path: String, source: TableSource, into channel: BatchChannel) throws {
        var columns: [Int?]? = nil
        var width = 0
        var batch = RawBatch()
        let fieldCount = RawBatch.fieldCount
        try source.forEachRow { row in
            guard let cols = columns else {
                columns = try headerMap(row, path: path, fields: ActivityField.allCases.map { ($0.key, $0.chinese) },
                                        required: ActivityField.allCases.filter(\.isRequired).map(\.rawValue))
                width = row.count
                return
            }
            if row.isBlank { return }
            batch.begin(line: row.line)
            if row.count != width {
                let id = cols[0].flatMap { $0 < row.count ? row.string($0) : nil } ?? ""
                batch.flag(.wrongFieldCount(expected: width, got: row.count, id: id))
            } else {
                for f in 0..<fieldCount {
                    if let c = cols[f] { batch.set(field: f, row.field(c)) }
                }
            }
            if batch.isFull {
                channel.put(batch)
                batch = RawBatch()
            }
        }
        if columns == nil { throw IngestError.emptyFile(path: path) }
        channel.put(batch)
    }

    static func readXML(path: String, into channel: BatchChannel) throws {
        var batch = RawBatch()
        // libxml2 interns names in its dictionary, so the same attribute name arrives at the
        // same address every time: remember address → field instead of hashing the name.
        var known: [(name: UnsafePointer<UInt8>, count: Int, id: Int32)] = []
        func fieldID(_ name: UnsafeBufferPointer<UInt8>) -> Int32? {
            if let base = name.baseAddress {
                for k in known where k.name == base && k.count == name.count { return k.id }
            }
            guard let id = fieldNames.lookup(bytes: name) else { return nil }
            if let base = name.baseAddress, known.count < 64 { known.append((base, name.count, id)) }
            return id
        }
        try XMLRecordReader(path: path).forEachElementView { el in
            if el.nameIs("activity") {
                batch.begin(line: el.line)
                for i in 0..<el.attributeCount {
                    guard let id = fieldID(el.attributeName(i)), id > 0 else {
                        var recordID = ""
                        for k in 0..<el.attributeCount where fieldNames.lookup(bytes: el.attributeName(k)) == 1 {
                            recordID = String(decoding: el.attributeValue(k), as: UTF8.self)
                        }
                        batch.flag(.unknownAttribute(name: String(decoding: el.attributeName(i), as: UTF8.self),
                                                     value: String(decoding: el.attributeValue(i), as: UTF8.self), id: recordID))
                        break
                    }
                    batch.set(field: Int(id) - 1, el.attributeValue(i))
                }
            } else if el.nameIs("lvzhi") || el.nameIs("activities") || el.nameIs("members") || el.nameIs("member") {
                return
            } else {
                batch.begin(line: el.line)
                batch.flag(.unknownElement(el.nameString))
            }
            if batch.isFull {
                channel.put(batch)
                batch = RawBatch()
            }
        }
        channel.put(batch)
    }
}
