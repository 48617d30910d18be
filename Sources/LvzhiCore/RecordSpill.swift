#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation

/// An anonymous scratch file: created without a name where the system allows it (`O_TMPFILE`),
/// otherwise created exclusively under a random name and unlinked at once. Nothing is left on
/// disk when the process ends, however it ends (a signal, kill -9), and no other process can
/// open it by name, so a link planted in the temporary folder cannot redirect it.
public final class ScratchFile: @unchecked Sendable {
    private let fd: Int32
    /// Bytes written so far (the next append's offset).
    public private(set) var size: Int64 = 0

    /// - Throws: ``SafeFile/Problem/system(path:reason:)`` when no scratch file can be made in `directory`.
    public init(directory: String) throws(SafeFile.Problem) {
        #if os(Linux)
        // O_TMPFILE is __O_TMPFILE | O_DIRECTORY; Glibc's module does not export the macro.
        var made = open(directory, 0o20000000 | O_DIRECTORY | O_RDWR | O_CLOEXEC, 0o600)
        #else
        var made: Int32 = -1
        #endif
        if made < 0 {
            var template = Array((directory.hasSuffix("/") ? directory : directory + "/").utf8CString.dropLast()) + Array("lvzhi-spill-XXXXXX".utf8CString)
            made = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            if made >= 0 { template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) } }
        }
        guard made >= 0 else {
            throw .system(path: directory, reason: String(cString: strerror(errno)))
        }
        fd = made
    }

    /// A scratch file on an open descriptor (tests: `/dev/full` to see a full disk).
    init(descriptor: Int32) {
        fd = descriptor
    }

    /// Writes chunks in the background (``appendInBackground(_:count:capacity:)``), made at the first.
    private var writer: ScratchWriter?

    deinit {
        writer?.stop()
        // Closing the last descriptor makes the kernel drop the file's pages (ext4 truncates
        // it): 20 ms for a 4M-record run's scratch file, on the run's single-threaded tail.
        // Done on another thread; the file has no name, so nothing can open it meanwhile.
        let fd = self.fd
        DispatchQueue.global(qos: .utility).async { close(fd) }
    }

    /// Writes `bytes` at `offset`; the error, if any.
    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64) -> SafeFile.Problem? {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                return .system(path: "(scratch file)", reason: String(cString: strerror(errno)))
            }
            done += n
        }
        return nil
    }

    /// Appends the `count` bytes at `buffer` on the writing thread (the copy into the page cache
    /// was a third of the validating thread's time at 4M records, and the reading thread had
    /// time to spare); returns their offset. The buffer is the writer's from then on: it is
    /// recycled (``buffer(capacity:)``) or freed once written.
    public func appendInBackground(_ buffer: UnsafeMutableRawPointer, count: Int, capacity: Int) -> Int64 {
        let offset = size
        size += Int64(count)
        if writer == nil { writer = ScratchWriter(fd: fd) }
        writer!.write(buffer, count: count, capacity: capacity, at: offset)
        return offset
    }

    /// A buffer of `capacity` bytes: one the writer is done with, or a new one.
    public func buffer(capacity: Int) -> UnsafeMutableRawPointer {
        writer?.spare(capacity: capacity) ?? .allocate(byteCount: capacity, alignment: 16)
    }

    /// Waits until every chunk handed to the writer is on disk; the first write error, if any.
    @discardableResult
    public func drain() -> SafeFile.Problem? {
        writer?.drain()
    }

    /// Reads `count` bytes at `offset` into `buffer` (appended).
    public func read(offset: Int64, count: Int, into buffer: inout [UInt8]) throws(SafeFile.Problem) {
        if let failure = drain() { throw failure }
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: count))
        var done = 0
        var failure: Int32 = 0
        buffer.withUnsafeMutableBytes { raw in
            while done < count {
                let n = pread(fd, raw.baseAddress! + start + done, count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if n == 0 { failure = EIO; return }
                done += n
            }
        }
        if failure != 0 { throw .system(path: "(scratch file)", reason: String(cString: strerror(failure))) }
    }
}

/// The thread that writes a ``ScratchFile``'s chunks, in the order given, at the offsets given.
/// At most ``limit`` chunks wait: the thread that hands them over waits beyond that.
final class ScratchWriter: @unchecked Sendable {
    private let fd: Int32
    private let condition = NSCondition()
    private var queue: [(buffer: UnsafeMutableRawPointer, count: Int, capacity: Int, offset: Int64)] = []
    private var spares: [(buffer: UnsafeMutableRawPointer, capacity: Int)] = []
    private var writing = false
    private var stopped = false
    private var running = true
    private var failure: SafeFile.Problem?
    static let limit = 16

    init(fd: Int32) {
        self.fd = fd
        let thread = Thread { [self] in run() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    deinit {
        for b in queue { b.buffer.deallocate() }
        for s in spares { s.buffer.deallocate() }
    }

    func write(_ buffer: UnsafeMutableRawPointer, count: Int, capacity: Int, at offset: Int64) {
        condition.lock()
        while queue.count >= Self.limit && running { condition.wait() }
        queue.append((buffer, count, capacity, offset))
        condition.broadcast()
        condition.unlock()
    }

    func spare(capacity: Int) -> UnsafeMutableRawPointer {
        condition.lock()
        let i = spares.lastIndex { $0.capacity == capacity }
        let b = i.map { spares.remove(at: $0).buffer }
        condition.unlock()
        return b ?? .allocate(byteCount: capacity, alignment: 16)
    }

    func drain() -> SafeFile.Problem? {
        condition.lock()
        defer { condition.unlock() }
        while (!queue.isEmpty || writing) && running { condition.wait() }
        return failure
    }

    /// Ends the thread once the chunks waiting are written.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
    }

    private func run() {
        condition.lock()
        while true {
            while queue.isEmpty && !stopped { condition.wait() }
            if queue.isEmpty { break }
            let chunk = queue.removeFirst()
            writing = true
            let failed = failure != nil
            condition.unlock()
            // After a failure nothing more is written (the spill is refused as a whole).
            let problem = failed ? nil : ScratchFile.write(fd, UnsafeRawBufferPointer(start: chunk.buffer, count: chunk.count), at: chunk.offset)
            condition.lock()
            if let problem, failure == nil { failure = problem }
            writing = false
            if spares.count < Self.limit { spares.append((chunk.buffer, chunk.capacity)) } else { chunk.buffer.deallocate() }
            condition.broadcast()
        }
        running = false
        condition.broadcast()
        condition.unlock()
    }
}

/// Records written to disk in partitions, so that a large run holds one partition at a time
/// instead of every record: the ingest writes each record to the partition its key picks, and
/// reads the partitions back one by one. Each partition's records are buffered and appended
/// to one ``ScratchFile`` in chunks; reading a partition gives its records in the order they
/// were added.
public final class SpillPartitions: @unchecked Sendable {
    public let count: Int
    private let file: ScratchFile
    // Each partition's buffer is raw memory written in place (an `[[UInt8]]` appended to field
    // by field cost six dynamic exclusivity checks and eight appends a record: 1.8 G
    // instructions at 1M records). Touched by one thread at a time.
    @exclusivity(unchecked) private var buffers: [UnsafeMutableRawPointer?]
    @exclusivity(unchecked) private var capacities: [Int]
    @exclusivity(unchecked) private var fills: [Int]
    @exclusivity(unchecked) private var chunks: [[(offset: Int64, length: Int)]]
    private let chunkSize: Int
    /// Records added to each partition.
    @exclusivity(unchecked) public private(set) var records: [Int]
    /// Bytes added to each partition: where the next record added to it starts in its bytes.
    @exclusivity(unchecked) public private(set) var sizes: [Int]
    /// The first write or read error; once set, nothing more is written. Partitions may be
    /// read on several threads at once (scoring), so a read error is recorded under a lock.
    public var failure: SafeFile.Problem? {
        failureLock.lock()
        defer { failureLock.unlock() }
        return firstFailure
    }
    private var firstFailure: SafeFile.Problem?
    private let failureLock = NSLock()

    public convenience init(count: Int, directory: String, chunkSize: Int = 16 << 10) throws(SafeFile.Problem) {
        self.init(count: count, file: try ScratchFile(directory: directory), chunkSize: chunkSize)
    }

    public init(count: Int, file: ScratchFile, chunkSize: Int) {
        self.count = count
        self.chunkSize = chunkSize
        self.file = file
        buffers = Array(repeating: nil, count: count)
        capacities = Array(repeating: 0, count: count)
        fills = Array(repeating: 0, count: count)
        chunks = [[(offset: Int64, length: Int)]](repeating: [], count: count)
        records = [Int](repeating: 0, count: count)
        sizes = [Int](repeating: 0, count: count)
    }

    /// Partitions on a scratch file another ``SpillPartitions`` writes too (on the same thread):
    /// one file, one descriptor, for a run's records and their keys.
    public convenience init(count: Int, sharing other: SpillPartitions) {
        self.init(count: count, file: other.file, chunkSize: other.chunkSize)
    }

    deinit {
        for b in buffers { b?.deallocate() }
    }

    /// Bytes on disk.
    public var bytesOnDisk: Int64 { file.size }

    /// Chunks partition `p` was written in so far (tests).
    func chunkCount(_ p: Int) -> Int { chunks[p].count }

    /// Adds one record of at most `maxSize` bytes to partition `p`; `write` fills them in place
    /// and returns how many it wrote.
    @inline(__always)
    public func add(_ p: Int, maxSize: Int, _ write: (UnsafeMutableRawPointer) -> Int) {
        if fills[p] + maxSize > capacities[p] {
            flush(p)
            if maxSize > capacities[p] {
                buffers[p]?.deallocate()
                let capacity = max(chunkSize + 256, maxSize)
                buffers[p] = .allocate(byteCount: capacity, alignment: 16)
                capacities[p] = capacity
            }
        }
        let written = write(buffers[p]! + fills[p])
        precondition(written <= maxSize)
        fills[p] += written
        sizes[p] += written
        records[p] += 1
        if fills[p] >= chunkSize { flush(p) }
    }

    /// Adds one encoded record to partition `p` (its bytes as they are).
    public func add(_ p: Int, bytes: UnsafeRawBufferPointer) {
        add(p, maxSize: bytes.count) { out in
            if let base = bytes.baseAddress { out.copyMemory(from: base, byteCount: bytes.count) }
            return bytes.count
        }
    }

    private func flush(_ p: Int) {
        guard fills[p] > 0, let buffer = buffers[p] else { return }
        if failure == nil {
            let offset = file.appendInBackground(buffer, count: fills[p], capacity: capacities[p])
            chunks[p].append((offset, fills[p]))
            buffers[p] = file.buffer(capacity: capacities[p])
        }
        fills[p] = 0
    }

    /// Partition `p`'s bytes, in the order its records were added (nil after a write or read
    /// error), in `out`, whose storage is reused from one partition to the next.
    /// `extra`: bytes of room to leave after them (for what the caller appends).
    public func load(_ p: Int, into out: inout [UInt8], extra: Int = 0) -> Bool {
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(chunks[p].reduce(0) { $0 + $1.length } + fills[p] + extra)
        for c in chunks[p] {
            do { try file.read(offset: c.offset, count: c.length, into: &out) } catch {
                fail(error)
                return false
            }
        }
        if let buffer = buffers[p], fills[p] > 0 {
            out.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: fills[p]))
        }
        return failure == nil
    }

    /// The records of partition `p` that start at `offsets` (ascending; from ``sizes`` when each
    /// was added), after ``flushAll()``: `body` gets the offset's index, the bytes of the chunk
    /// holding it (a record never spans two) and where the record starts in them. Each chunk is
    /// read once. False after a write or read error.
    public func visit(_ p: Int, offsets: [Int], _ body: (Int, UnsafeRawBufferPointer, Int) -> Void) -> Bool {
        var k = 0
        var start = 0
        var chunk: [UInt8] = []
        for c in chunks[p] {
            if k == offsets.count { break }
            defer { start += c.length }
            if offsets[k] >= start + c.length { continue }
            chunk.removeAll(keepingCapacity: true)
            do { try file.read(offset: c.offset, count: c.length, into: &chunk) } catch {
                fail(error)
                return false
            }
            chunk.withUnsafeBytes { raw in
                while k < offsets.count, offsets[k] < start + c.length {
                    body(k, raw, offsets[k] - start)
                    k += 1
                }
            }
        }
        return failure == nil && k == offsets.count
    }

    /// Partition `p`'s bytes, in the order its records were added (nil after a write or read error).
    public func load(_ p: Int) -> [UInt8]? {
        var out: [UInt8] = []
        return load(p, into: &out) ? out : nil
    }

    /// Writes every partition's buffered records and frees the buffers (after the last ``add(_:maxSize:_:)``).
    public func flushAll() {
        for p in 0..<count {
            flush(p)
            freeBuffer(p)
        }
        if let problem = file.drain() { fail(problem) }
    }

    private func freeBuffer(_ p: Int) {
        buffers[p]?.deallocate()
        buffers[p] = nil
        capacities[p] = 0
        fills[p] = 0
    }

    /// Records an error found elsewhere in the same spill (the first one is kept).
    public func fail(_ problem: SafeFile.Problem) {
        failureLock.lock()
        if firstFailure == nil { firstFailure = problem }
        failureLock.unlock()
    }

    /// Frees partition `p`'s buffer (after it was read for the last time).
    public func release(_ p: Int) {
        freeBuffer(p)
        chunks[p] = []
    }
}

/// How a spilled record is laid out: the ``Activity``'s numbers as LEB128 varints (signed
/// ones zigzagged) — member, date, kind, status, role, level, marks, the quantity's numerator
/// and denominator, file, line — then the row's sequence number, the length of the activity id,
/// the title's tag (its length times two, plus one when the title is a shared one, followed
/// by its offset among the shared titles), the ref's length, then the bytes of the id, the
/// title (unless shared) and the ref. About 20 bytes of numbers where the in-memory layout
/// took 100: the scratch file's cost is the kernel's per byte (issue 16). A title on many rows
/// (a meeting's, a campaign's) is stored once in memory (``SpilledRecords/titles``) and
/// referred to: at 4M records the titles were half of the scratch file's bytes. The arena
/// references and the ref are not stored: they are made when a partition is read back. The ref
/// travels as text so that the run does not intern every item's ref (one per proposal) for its
/// whole length: each partition interns its own.
public enum SpilledRecord {
    /// The most bytes the numbers take: nine 32-bit varints of up to 5 bytes, seven 64-bit
    /// ones of up to 10.
    public static let maxHeaderSize = 9 * 5 + 7 * 10

    /// The most bytes ``encode(_:sequence:id:title:sharedTitle:ref:to:)`` writes (a shared
    /// title counts for none of its bytes).
    @inline(__always)
    public static func maxSize(id: Int, title: Int, ref: Int) -> Int { maxHeaderSize + id + title + ref }

    @inline(__always)
    static func put(_ value: UInt64, _ out: UnsafeMutableRawPointer, _ at: inout Int) {
        var v = value
        while v >= 0x80 {
            out.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: at, as: UInt8.self)
            at += 1
            v >>= 7
        }
        out.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: at, as: UInt8.self)
        at += 1
    }

    @inline(__always)
    static func put32(_ value: Int32, _ out: UnsafeMutableRawPointer, _ at: inout Int) {
        put(UInt64(UInt32(bitPattern: value)), out, &at)
    }

    @inline(__always)
    static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }

    @inline(__always)
    static func unzigzag(_ u: UInt64) -> Int64 { Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1) }

    /// Writes the record at `out`, which has room for ``maxSize(id:title:ref:)`` bytes; returns
    /// the bytes written. `sharedTitle`: where the title lies among the shared titles (its
    /// bytes are then not written); nil to write `title` in the record.
    @inline(__always)
    public static func encode(_ a: Activity, sequence: Int64, id: UnsafeBufferPointer<UInt8>, title: UnsafeBufferPointer<UInt8>,
                              sharedTitle: StringArena.Ref? = nil, ref: UnsafeBufferPointer<UInt8>, to out: UnsafeMutableRawPointer) -> Int {
        var at = 0
        put32(a.member, out, &at)
        put(zigzag(Int64(a.date.ordinal)), out, &at)
        put32(a.kind, out, &at)
        put32(a.status, out, &at)
        put32(a.role, out, &at)
        put32(a.level, out, &at)
        put(a.marks.bits, out, &at)
        put(zigzag(a.quantity.numerator), out, &at)
        put(zigzag(a.quantity.denominator), out, &at)
        put32(a.file, out, &at)
        put32(a.line, out, &at)
        put(zigzag(sequence), out, &at)
        put(UInt64(id.count), out, &at)
        if let shared = sharedTitle {
            put(UInt64(shared.length) << 1 | 1, out, &at)
            put(UInt64(shared.offset), out, &at)
        } else {
            put(UInt64(title.count) << 1, out, &at)
        }
        put(UInt64(ref.count), out, &at)
        @inline(__always) func copy(_ part: UnsafeBufferPointer<UInt8>) {
            if let base = part.baseAddress, part.count > 0 { (out + at).copyMemory(from: base, byteCount: part.count) }
            at += part.count
        }
        copy(id)
        if sharedTitle == nil { copy(title) }
        copy(ref)
        return at
    }

    /// One record read back from `bytes` at `offset`.
    public struct View {
        public var activity: Activity
        public var sequence: Int64
        /// Ranges of `bytes`.
        public var id: Range<Int>
        /// Empty when the title is a shared one (``sharedTitle``).
        public var title: Range<Int>
        public var ref: Range<Int>
        /// Where the title lies among the shared titles; nil when it is in the record (``title``).
        public var sharedTitle: StringArena.Ref?
        /// Where the next record starts.
        public var next: Int
    }

    @inline(__always)
    static func get(_ bytes: UnsafeRawBufferPointer, _ at: inout Int) -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = bytes[at]
            at += 1
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }

    @inline(__always)
    static func get32(_ bytes: UnsafeRawBufferPointer, _ at: inout Int) -> Int32 {
        Int32(bitPattern: UInt32(truncatingIfNeeded: get(bytes, &at)))
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> View {
        var at = offset
        let member = get32(bytes, &at)
        let date = Day(ordinal: Int32(truncatingIfNeeded: unzigzag(get(bytes, &at))))
        let kind = get32(bytes, &at), status = get32(bytes, &at), role = get32(bytes, &at), level = get32(bytes, &at)
        let marks = MarkSet(bits: get(bytes, &at))
        let numerator = unzigzag(get(bytes, &at)), denominator = unzigzag(get(bytes, &at))
        let quantity = denominator == 1 ? Points(Int(numerator)) : Points(numerator, denominator)
        let file = get32(bytes, &at), line = get32(bytes, &at)
        let sequence = unzigzag(get(bytes, &at))
        let idLength = Int(get(bytes, &at)), titleTag = get(bytes, &at)
        var sharedTitle: StringArena.Ref?
        var titleLength = Int(titleTag >> 1)
        if titleTag & 1 == 1 {
            sharedTitle = StringArena.Ref(offset: UInt32(truncatingIfNeeded: get(bytes, &at)), length: UInt32(truncatingIfNeeded: titleTag >> 1))
            titleLength = 0
        }
        let refLength = Int(get(bytes, &at))
        let idStart = at, titleStart = idStart + idLength, refStart = titleStart + titleLength
        let a = Activity(member: member, date: date, kind: kind, status: status, role: role, level: level, marks: marks,
                         quantity: quantity, file: file, line: line)
        return View(activity: a, sequence: sequence, id: idStart..<titleStart, title: titleStart..<refStart,
                    ref: refStart..<refStart + refLength, sharedTitle: sharedTitle, next: refStart + refLength)
    }
}

/// Where a spilled record lies: its partition and where it starts in that partition's bytes
/// (``SpillPartitions/sizes`` when it was added).
public struct SpillRef: Hashable, Sendable {
    public var part: Int32
    public var offset: Int

    public init(part: Int32, offset: Int) {
        self.part = part
        self.offset = offset
    }
}

/// A spilled record's activity id and where the record lies, written to partitions by id so
/// that every repeat of an id meets the first one when the partition is read back: the
/// partition and offset as varints, the id's length, the id. A few bytes beside the record's
/// ~80, so the records themselves are written once, straight to their partition by member.
public enum SpilledKey {
    @inline(__always)
    public static func maxSize(id: Int) -> Int { 5 + 10 + 10 + id }

    @inline(__always)
    public static func encode(_ ref: SpillRef, id: UnsafeBufferPointer<UInt8>, to out: UnsafeMutableRawPointer) -> Int {
        var at = 0
        SpilledRecord.put(UInt64(UInt32(bitPattern: ref.part)), out, &at)
        SpilledRecord.put(UInt64(ref.offset), out, &at)
        SpilledRecord.put(UInt64(id.count), out, &at)
        if let base = id.baseAddress, id.count > 0 { (out + at).copyMemory(from: base, byteCount: id.count) }
        return at + id.count
    }

    /// The key at `offset`: the record's place, the id's range in `bytes`, where the next key starts.
    @inline(__always)
    public static func decode(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> (ref: SpillRef, id: Range<Int>, next: Int) {
        var at = offset
        let part = SpilledRecord.get32(bytes, &at)
        let start = Int(SpilledRecord.get(bytes, &at))
        let length = Int(SpilledRecord.get(bytes, &at))
        return (SpillRef(part: part, offset: start), at..<at + length, at + length)
    }
}

/// A large run's accepted records, on disk and grouped by member: partition `p` holds the
/// records of members `memberBounds[p] ..< memberBounds[p + 1]` (roster order), so scoring
/// reads one partition at a time and memory grows with the members, not with the records.
/// Repeated activity ids were written too and are left out when a partition is read back
/// (``skipped``).
public final class SpilledRecords: @unchecked Sendable {
    public let partitions: SpillPartitions
    public let memberBounds: [Int]
    /// Records on disk (after repeated ids were rejected).
    public let total: Int
    /// Whether each member (roster index) has an accepted record.
    public let membersWithRecords: [Bool]
    /// Per partition, ascending: where the records rejected as repeats start in its bytes.
    public let skipped: [[Int]]
    /// The titles records refer to instead of holding them (``SpilledRecord``), each once.
    public let titles: StringArena

    public init(partitions: SpillPartitions, memberBounds: [Int], total: Int, membersWithRecords: [Bool], skipped: [[Int]]? = nil,
                titles: StringArena = StringArena()) {
        self.partitions = partitions
        self.memberBounds = memberBounds
        self.total = total
        self.membersWithRecords = membersWithRecords
        self.skipped = skipped ?? [[Int]](repeating: [], count: partitions.count)
        self.titles = titles
    }

    /// The records partition `p` gives when read back.
    public func recordCount(_ p: Int) -> Int { partitions.records[p] - skipped[p].count }

    /// Partition `p`'s records, in the order they were accepted, with an arena of their ids and
    /// titles; their refs are interned in `symbols` (a copy of the run's table for this
    /// partition). Nil when the scratch file cannot be read (``SpillPartitions/failure``).
    public func load(_ p: Int, symbols: inout SymbolTable) -> (records: [Activity], arena: StringArena)? {
        var bytes: [UInt8] = []
        // Room for the shared titles the partition's records name, copied in after its bytes.
        guard partitions.load(p, into: &bytes, extra: min(titles.bytes.count, partitions.sizes[p] / 2)) else { return nil }
        var records: [Activity] = []
        records.reserveCapacity(recordCount(p))
        let skip = skipped[p]
        var k = 0
        // The partition's bytes are the arena: ids and titles are referred to where they lie
        // instead of being copied out (a partition past the arena's 4 GiB is copied).
        let inPlace = bytes.count <= StringArena.capacityLimit - titles.bytes.count
        var copied = StringArena()
        // Records whose title is a shared one; until it is copied in, `title` is its shared place.
        var sharedTitles: [Int32] = []
        // Copied ids and titles past what the arena's 32-bit offsets reach (with room for the
        // shared titles): the partition is refused, not a crash (one member's records past 4 GiB).
        var tooLarge = false
        bytes.withUnsafeBytes { raw in
            let base = raw.bindMemory(to: UInt8.self)
            var offset = 0
            while offset < raw.count {
                let v = SpilledRecord.decode(raw, at: offset)
                if k < skip.count, skip[k] == offset {
                    k += 1
                    offset = v.next
                    continue
                }
                var a = v.activity
                if inPlace {
                    a.id = StringArena.Ref(offset: UInt32(v.id.lowerBound), length: UInt32(v.id.count))
                    a.title = StringArena.Ref(offset: UInt32(v.title.lowerBound), length: UInt32(v.title.count))
                } else {
                    if copied.bytes.count + v.id.count + v.title.count > StringArena.capacityLimit - titles.bytes.count {
                        tooLarge = true
                        return
                    }
                    a.id = copied.append(UnsafeBufferPointer(rebasing: base[v.id]))
                    a.title = copied.append(UnsafeBufferPointer(rebasing: base[v.title]))
                }
                if let shared = v.sharedTitle {
                    a.title = shared
                    sharedTitles.append(Int32(records.count))
                }
                a.ref = v.ref.isEmpty ? SymbolTable.empty : symbols.intern(bytes: UnsafeBufferPointer(rebasing: base[v.ref]))
                records.append(a)
                offset = v.next
            }
        }
        if tooLarge {
            partitions.fail(.system(path: "(scratch file)", reason: "one partition's ids and titles pass 4 GiB"))
            return nil
        }
        var arena = inPlace ? StringArena(bytes: bytes) : copied
        bytes = []  // the arena's storage is its own: titles are appended in place
        if !sharedTitles.isEmpty {
            var places = TitlePlaces()
            titles.bytes.withUnsafeBufferPointer { shared in
                for i in sharedTitles {
                    let s = records[Int(i)].title
                    records[Int(i)].title = places.place(of: s) {
                        arena.append(UnsafeBufferPointer(rebasing: shared[Int(s.offset)..<Int(s.offset) + Int(s.length)]))
                    }
                }
            }
        }
        return (records, arena)
    }
}

/// Shared titles (``SpilledRecords/titles``) already copied into a partition's arena, by their
/// offset among the shared titles: an open-addressing table (offset + 1; 0 is empty).
struct TitlePlaces {
    private var keys = [UInt32](repeating: 0, count: 256)
    private var places = [StringArena.Ref](repeating: .none, count: 256)
    private var count = 0

    /// The arena place of `shared`: the one `copy` gave the first time it was asked for.
    mutating func place(of shared: StringArena.Ref, _ copy: () -> StringArena.Ref) -> StringArena.Ref {
        let key = shared.offset &+ 1
        var mask = keys.count - 1
        var slot = Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
        while keys[slot] != 0 {
            if keys[slot] == key { return places[slot] }
            slot = (slot + 1) & mask
        }
        let made = copy()
        keys[slot] = key
        places[slot] = made
        count += 1
        if count * 2 > keys.count {
            let oldKeys = keys, oldPlaces = places
            keys = [UInt32](repeating: 0, count: oldKeys.count * 2)
            places = [StringArena.Ref](repeating: .none, count: oldKeys.count * 2)
            mask = keys.count - 1
            for (j, k) in oldKeys.enumerated() where k != 0 {
                var s = Int(truncatingIfNeeded: (UInt64(k) &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
                while keys[s] != 0 { s = (s + 1) & mask }
                keys[s] = k
                places[s] = oldPlaces[j]
            }
        }
        return made
    }
}
