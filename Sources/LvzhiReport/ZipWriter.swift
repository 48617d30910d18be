import Dispatch
import Foundation
#if canImport(CZlib)
import CZlib
#elseif canImport(zlib)
import zlib
#endif
#if canImport(Glibc)
import Glibc
#endif
import CIsal
import LvzhiCore

/// Writes a ZIP file (the package of `scores.xlsx`) entry by entry, deflating each entry in
/// independent blocks on all cores, as pigz does: every block is compressed on its own (primed
/// with the last 32 KiB of the block before it as its dictionary) and ends on a byte boundary
/// (a sync flush), so the blocks' outputs joined in order are one deflate stream. Which bytes
/// go into which block depends on the caller only, never on the number of threads or their
/// timing: the file is byte-for-byte the same on one core or many.
///
/// No ZIP64: an entry or the file past 4 GiB is an error (a sheet holds at most 1,048,576 rows).
final class ZipWriter {
    /// Which deflate compresses the blocks, at which level.
    enum Deflater: Equatable, Sendable {
        /// zlib (always there).
        case zlib(level: Int32)
        /// Intel's ISA-L (``isalAvailable``); a block it cannot deflate goes to zlib at
        /// ``zlibLevel``, which joins the stream the same way.
        case isal(level: Int32)
    }

    /// zlib's deflate level, by measurement on a million-record run's ledger sheet
    /// (docs/benchmarks.md): levels 1 and 2 deflate 100 MB in 0.4 s of CPU, level 3 in 0.6 s,
    /// the default 6 in 1.3 s; 2 leaves 12.1 % of the bytes, 1 12.7 %, 6 10.2 %.
    static let zlibLevel: Int32 = 2
    /// ISA-L's level, by the same measurement: levels 1 and 2 deflate the 601 MB ledger sheet
    /// in 0.35 s of CPU (zlib's level 2 in 1.54 s), 2 to 10.7 % of its bytes (zlib's 2: 10.3 %);
    /// level 3 takes 1.1 s.
    static let isalLevel: Int32 = 2
    /// Whether ISA-L's deflate is built in and its library (libisal.so.2) loads.
    static let isalAvailable = lvzhi_isal_available() != 0
    /// ISA-L where it is available, else zlib.
    static var defaultDeflater: Deflater { isalAvailable ? .isal(level: isalLevel) : .zlib(level: zlibLevel) }
    /// The most uncompressed bytes one block holds before it is split.
    static let blockSize = 1 << 20

    private struct Entry {
        var name: [UInt8]
        var crc: UInt32 = 0
        var compressed: UInt64 = 0
        var size: UInt64 = 0
        var offset: UInt64
    }

    private let fd: Int32
    /// The file, written front to back (directly where the file system takes it).
    private let file: DirectWriter
    private let path: String
    private let deflater: Deflater
    private let lanes: Int
    private let blockSize: Int
    private var offset: UInt64 = 0
    private var entries: [Entry] = []
    private var open: Entry?
    /// The last 32 KiB written to the open entry, uncompressed (the next block's dictionary).
    private var window: [UInt8] = []
    /// Deflate output buffers kept from one call of ``add(_:)`` to the next (a fresh megabyte
    /// zeroed for every block was page faults and memset on all cores).
    private var pool: [[UInt8]] = []
    /// Where the open entry's reserved start lies in the file, and how many bytes it holds.
    private var reserved: (offset: UInt64, length: Int)?

    /// - Parameter lanes: threads deflating at once (1: everything on the caller's thread).
    /// - Parameter blockSize: the most uncompressed bytes deflated as one block (smaller in tests).
    /// - Parameter direct: write through direct I/O where the file system takes it (``DirectWriter``).
    /// - Parameter bufferSize: bytes gathered per write (smaller in tests, so that headers are
    ///   patched after their blocks are written).
    init(path: String, deflater: Deflater = ZipWriter.defaultDeflater, lanes: Int = ProcessInfo.processInfo.activeProcessorCount,
         blockSize: Int = ZipWriter.blockSize, direct: Bool = true, bufferSize: Int = 1 << 20) throws {
        // Read too: a header patched after its block went out directly is read back (``DirectWriter``).
        // A new file: never written through a name planted there (a link, hard or symbolic).
        fd = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ZipWriterError.io(path, String(cString: strerror(errno))) }
        file = DirectWriter(fd: fd, path: path, direct: direct, capacity: bufferSize)
        self.path = path
        self.deflater = deflater
        self.lanes = max(1, lanes)
        self.blockSize = max(1, blockSize)
    }

    deinit { close(fd) }

    func beginEntry(_ name: String) throws {
        precondition(open == nil, "beginEntry with an entry open")
        let e = Entry(name: Array(name.utf8), offset: offset)
        open = e
        window = []
        try write(localHeader(e))
    }

    /// Reserves the first `length` uncompressed bytes of the entry just begun, to be filled in
    /// by ``fillReserved(_:)`` once they are known (a worksheet's column widths, which come
    /// before its rows but are learnt from them). They are stored, not deflated — deflate's
    /// stored blocks, whose size does not depend on their bytes — and the blocks added after
    /// them do not refer back to them.
    func reserve(_ length: Int) throws {
        guard var e = open, e.size == 0, reserved == nil else { preconditionFailure("reserve after data or twice") }
        let total = Self.storedLength(length)
        reserved = (offset, length)
        try write([UInt8](repeating: 0, count: total))
        e.compressed += UInt64(total)
        open = e
    }

    /// Writes the reserved start of the open entry: exactly the length reserved.
    func fillReserved(_ bytes: [UInt8]) throws {
        guard var e = open, let r = reserved else { preconditionFailure("fillReserved without a reservation") }
        precondition(bytes.count == r.length, "fillReserved: \(bytes.count) bytes for \(r.length) reserved")
        try patch(Self.stored(bytes), at: r.offset)
        let crc = bytes.withUnsafeBufferPointer { Self.crc32(UnsafeRawBufferPointer($0)) }
        e.crc = UInt32(crc32_combine(uLong(crc), uLong(e.crc), off_t(e.size)))
        e.size += UInt64(bytes.count)
        open = e
        reserved = nil
    }

    /// Deflate's stored blocks (not final) holding `count` bytes: a 5-byte header per 65,535.
    static func storedLength(_ count: Int) -> Int { count + 5 * max(1, (count + 65_534) / 65_535) }

    /// `bytes` as stored blocks, starting on a byte boundary.
    static func stored(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(storedLength(bytes.count))
        var lo = 0
        repeat {
            let n = min(65_535, bytes.count - lo)
            out.append(0)  // BFINAL 0, BTYPE 00, then to the byte boundary
            out.le16(UInt16(n)); out.le16(~UInt16(n))
            out += bytes[lo..<(lo + n)]
            lo += n
        } while lo < bytes.count
        return out
    }

    /// Deflates `blocks` (each split further past ``blockSize``) in parallel and appends them to
    /// the open entry, in order.
    func add(_ blocks: [[UInt8]]) throws {
        guard var e = open else { preconditionFailure("add without an entry open") }
        var split: [(bytes: [UInt8], lo: Int, hi: Int)] = []
        for b in blocks where !b.isEmpty {
            var lo = 0
            while lo < b.count {
                let hi = min(b.count, lo + blockSize)
                split.append((b, lo, hi))
                lo = hi
            }
        }
        let pieces = split
        guard !pieces.isEmpty else { return }
        // Each piece's dictionary: the 32 KiB before it (from earlier pieces or earlier calls).
        var tails: [[UInt8]] = []
        var tail = window
        for p in pieces {
            tails.append(tail)
            let n = p.hi - p.lo
            if n >= 32_768 {
                tail = Array(p.bytes[(p.hi - 32_768)..<p.hi])
            } else {
                tail = Array((tail + p.bytes[p.lo..<p.hi]).suffix(32_768))
            }
        }
        window = tail
        let dictionaries = tails
        let slots = ParallelSlots<(out: [UInt8], count: Int, crc: UInt32)>(count: pieces.count)
        let buffers = ParallelSlots<[UInt8]>(count: pieces.count)
        for i in pieces.indices { buffers.set(i, pool.popLast() ?? []) }
        let deflater = self.deflater
        let work: @Sendable (Int) -> Void = { i in
            let p = pieces[i]
            var out = buffers.take(i)
            let (count, crc) = Self.deflate(p.bytes, p.lo..<p.hi, dictionary: dictionaries[i], with: deflater, into: &out)
            slots.set(i, (out, count, crc))
        }
        if lanes == 1 || pieces.count == 1 {
            for i in pieces.indices { work(i) }
        } else {
            DispatchQueue.concurrentPerform(iterations: pieces.count, execute: work)
        }
        for (i, p) in pieces.enumerated() {
            let (out, count, crc) = slots.take(i)
            try out.withUnsafeBufferPointer { try write(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer($0)[0..<count])) }
            pool.append(out)
            let n = p.hi - p.lo
            e.crc = UInt32(crc32_combine(uLong(e.crc), uLong(crc), off_t(n)))
            e.size += UInt64(n)
            e.compressed += UInt64(count)
        }
        open = e
    }

    func endEntry() throws {
        guard var e = open, reserved == nil else { preconditionFailure("endEntry without an entry open or with its start unfilled") }
        // A final, empty block of fixed Huffman codes closes the deflate stream.
        try write([0x03, 0x00])
        e.compressed += 2
        guard e.size <= UInt64(UInt32.max), e.compressed <= UInt64(UInt32.max) else { throw ZipWriterError.tooLarge(path) }
        var patch: [UInt8] = []
        patch.le32(e.crc); patch.le32(UInt32(e.compressed)); patch.le32(UInt32(e.size))
        try self.patch(patch, at: e.offset + 14)
        entries.append(e)
        open = nil
        window = []
    }

    /// Writes the central directory; the file is complete after this.
    func finish() throws {
        precondition(open == nil, "finish with an entry open")
        let start = offset
        var central: [UInt8] = []
        for e in entries {
            central.le32(0x0201_4b50)
            central.le16(0x0314)            // made by: Unix, ZIP 2.0
            central.le16(20)                // needed: 2.0 (deflate)
            central.le16(0x0800)            // names are UTF-8
            central.le16(8)                 // deflate
            central.le16(0); central.le16(0x21)  // 1980-01-01 00:00
            central.le32(e.crc); central.le32(UInt32(e.compressed)); central.le32(UInt32(e.size))
            central.le16(UInt16(e.name.count)); central.le16(0); central.le16(0)
            central.le16(0); central.le16(0)
            central.le32(0o100644 << 16)    // a regular file, rw-r--r--
            central.le32(UInt32(e.offset))
            central += e.name
        }
        try write(central)
        guard offset <= UInt64(UInt32.max), entries.count < 0xFFFF else { throw ZipWriterError.tooLarge(path) }
        var end: [UInt8] = []
        end.le32(0x0605_4b50); end.le16(0); end.le16(0)
        end.le16(UInt16(entries.count)); end.le16(UInt16(entries.count))
        end.le32(UInt32(offset - start)); end.le32(UInt32(start)); end.le16(0)
        try write(end)
        do { try file.finish() } catch let e as SafeFile.Problem { throw ZipWriterError.io(path, e.reason(.en)) }
    }

    private func localHeader(_ e: Entry) throws -> [UInt8] {
        guard e.offset <= UInt64(UInt32.max), e.name.count < 0xFFFF else { throw ZipWriterError.tooLarge(path) }
        var h: [UInt8] = []
        h.le32(0x0403_4b50)
        h.le16(20); h.le16(0x0800); h.le16(8)
        h.le16(0); h.le16(0x21)
        h.le32(0); h.le32(0); h.le32(0)     // crc and sizes, patched by endEntry
        h.le16(UInt16(e.name.count)); h.le16(0)
        return h + e.name
    }

    private func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    private func write(_ raw: UnsafeRawBufferPointer) throws {
        do { try file.append(raw) } catch let e as SafeFile.Problem { throw ZipWriterError.io(path, e.reason(.en)) }
        offset += UInt64(raw.count)
    }

    /// Replaces bytes written before (a header's sizes, a reserved start).
    private func patch(_ bytes: [UInt8], at offset: UInt64) throws {
        do { try file.patch(bytes, at: Int(offset)) } catch let e as SafeFile.Problem { throw ZipWriterError.io(path, e.reason(.en)) }
    }

    /// CRC-32 of `bytes` (ISA-L's where it is available: the same value, faster).
    static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        if isalAvailable { return lvzhi_isal_crc32(0, base, UInt64(bytes.count)) }
        var crc: uLong = 0
        var lo = 0
        while lo < bytes.count {  // zlib takes at most 4 GiB a call
            let n = min(bytes.count - lo, Int(UInt32.max))
            crc = CZlibCRC32(crc, base + lo, uInt(n))
            lo += n
        }
        return UInt32(crc)
    }

    /// Raw deflate of `bytes[range]`, primed with `dictionary`, ending on a byte boundary (not
    /// final), written to the start of `out` (grown when too small); the bytes written and the
    /// CRC-32 of the input.
    static func deflate(_ bytes: [UInt8], _ range: Range<Int>, dictionary: [UInt8], with deflater: Deflater,
                        into out: inout [UInt8]) -> (count: Int, crc: UInt32) {
        let crc = bytes.withUnsafeBytes { crc32(UnsafeRawBufferPointer(rebasing: $0[range])) }
        switch deflater {
        case .zlib(let level):
            return (zlibDeflate(bytes, range, dictionary: dictionary, level: level, into: &out), crc)
        case .isal(let level):
            // Room for stored blocks and more: ISA-L stops, and says so, when its output is full.
            let room = range.count + range.count / 8 + 4096
            if out.count < room { out = [UInt8](repeating: 0, count: room) }
            let count = range.count <= Int(UInt32.max) ? bytes.withUnsafeBufferPointer { input in
                dictionary.withUnsafeBufferPointer { dict in
                    out.withUnsafeMutableBufferPointer { o in
                        // `room`, not the buffer's size: the pooled buffer a block gets depends on
                        // the thread count, and ISA-L's choices (and success) on the room it is given.
                        lvzhi_isal_deflate(dict.baseAddress, UInt32(dict.count), input.baseAddress! + range.lowerBound, UInt32(range.count),
                                           o.baseAddress, UInt32(min(room, Int(UInt32.max))), level)
                    }
                }
            } : -1
            if count >= 0 { return (count, crc) }
            return (zlibDeflate(bytes, range, dictionary: dictionary, level: zlibLevel, into: &out), crc)
        }
    }

    /// zlib's raw deflate of `bytes[range]` (see ``deflate(_:_:dictionary:with:into:)``).
    static func zlibDeflate(_ bytes: [UInt8], _ range: Range<Int>, dictionary: [UInt8], level: Int32,
                            into out: inout [UInt8]) -> Int {
        var stream = z_stream()
        let ok = deflateInit2_(&stream, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(ok == Z_OK, "deflateInit2 failed: \(ok)")
        defer { deflateEnd(&stream) }
        if !dictionary.isEmpty {
            var d = dictionary
            d.withUnsafeMutableBufferPointer { _ = deflateSetDictionary(&stream, $0.baseAddress, uInt($0.count)) }
        }
        let count = range.count
        let bound = Int(deflateBound(&stream, uLong(count))) + 64
        if out.count < bound { out = [UInt8](repeating: 0, count: bound) }
        var produced = 0
        bytes.withUnsafeBufferPointer { input in
            let base = UnsafeMutablePointer(mutating: input.baseAddress! + range.lowerBound)
            stream.next_in = base
            stream.avail_in = uInt(count)
            while true {
                if produced == out.count { out += [UInt8](repeating: 0, count: 1 << 16) }
                let room = out.count - produced
                out.withUnsafeMutableBufferPointer { o in
                    stream.next_out = o.baseAddress! + produced
                    stream.avail_out = uInt(room)
                    let r = CZlibDeflate(&stream, Z_SYNC_FLUSH)
                    precondition(r == Z_OK || r == Z_BUF_ERROR, "deflate failed: \(r)")
                }
                produced += room - Int(stream.avail_out)
                if stream.avail_in == 0 && stream.avail_out != 0 { break }
            }
        }
        return produced
    }
}

/// zlib's `deflate`, named apart from ``ZipWriter/deflate(_:_:dictionary:level:into:)``.
@inline(__always)
private func CZlibDeflate(_ stream: UnsafeMutablePointer<z_stream>, _ flush: Int32) -> Int32 {
    deflate(stream, flush)
}

/// zlib's `crc32`, named apart from ``ZipWriter/crc32(_:)``.
@inline(__always)
private func CZlibCRC32(_ crc: uLong, _ bytes: UnsafePointer<UInt8>, _ count: uInt) -> uLong {
    crc32(crc, bytes, count)
}

enum ZipWriterError: Error, CustomStringConvertible {
    case io(String, String)
    case tooLarge(String)
    var description: String {
        switch self {
        case .io(let path, let reason): "\(path): \(reason)"
        case .tooLarge(let path): "\(path): the workbook is larger than 4 GiB (ZIP64 is not written); leave xlsx out with --formats"
        }
    }
}

private extension Array where Element == UInt8 {
    mutating func le16(_ v: UInt16) { append(UInt8(v & 0xFF)); append(UInt8(v >> 8)) }
    mutating func le32(_ v: UInt32) { for k in 0..<4 { append(UInt8((v >> (8 * UInt32(k))) & 0xFF)) } }
}
