#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a large output front to back through direct I/O (O_DIRECT) where the file system
/// takes it, and through the page cache where it does not.
///
/// A run writes hundreds of megabytes and then makes them durable (syncfs) before it swaps the
/// output folder in. Through the page cache each byte is first copied into a fresh cache page
/// by the kernel, on the writing thread, and written to the device only at that sync. Direct
/// I/O hands the device the bytes from this writer's own buffer: no copy, no pages to find,
/// and the device writes while the run goes on rendering. (On the 2-core benchmark machine a
/// buffered 236 MB ledger.csv cost 0.54 s of kernel time plus 0.08 s of sync; direct, 0.12 s.)
///
/// Bytes are gathered in an aligned buffer and written a whole buffer at a time, at aligned
/// offsets. The last, partial block is written padded and the file is then truncated to its
/// length. Bytes already written can be changed (``patch(_:at:)``: a ZIP entry's header) by
/// reading their blocks back. Where direct I/O is refused (no O_DIRECT on the platform, a file
/// system without it, alignment it will not take), every write goes through the page cache
/// instead: the file's bytes are the same either way.
public final class DirectWriter {
    /// Alignment of the buffer, of every direct write's offset and of its length: 4 KiB, which
    /// every block device's logical block size divides.
    public static let alignment = 4096
    /// The alignment in force: ``alignment`` but in tests, which give a wrong one to see the
    /// page cache take over when direct writes are refused.
    private let align: Int
    public let fd: Int32
    public let path: String
    /// False once direct I/O has been refused; then plain writes.
    public private(set) var direct: Bool
    private let capacity: Int
    private let base: UnsafeMutableRawPointer
    private let buffer: UnsafeMutableRawPointer
    /// Bytes gathered in ``buffer``, not yet written.
    private var count = 0
    /// Where ``buffer`` starts in the file (a multiple of ``alignment`` while ``direct``).
    private var start = 0

    /// The file's length so far (written and gathered).
    public var length: Int { start + count }

    /// - Parameters:
    ///   - fd: a file just created, open for writing (not append), at offset 0; open for reading
    ///     too if bytes already written are to be patched. Not closed here.
    ///   - direct: try direct I/O (false: always through the page cache).
    ///   - capacity: the buffer, rounded up to ``alignment``: each write is this long.
    ///   - alignment: for tests only (see ``align``).
    public init(fd: Int32, path: String, direct: Bool = true, capacity: Int = 1 << 20, alignment: Int = DirectWriter.alignment) {
        self.fd = fd
        self.path = path
        align = alignment
        let a = alignment
        self.capacity = max(a, (capacity + a - 1) / a * a)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity + 1, alignment: Self.alignment)
        buffer = a % Self.alignment == 0 ? base : base + 1  // a test's wrong alignment is a wrong address too
        self.direct = direct && Self.setDirect(fd, true)
    }

    deinit { base.deallocate() }

    /// Linux's O_DIRECT, which Glibc's module does not export (it is a _GNU_SOURCE name); its
    /// value differs by architecture. `nil` where direct I/O is not used.
    static var oDirect: Int32? {
        #if os(Linux) && (arch(x86_64) || arch(i386) || arch(riscv64) || arch(s390x))
        return 0o40000
        #elseif os(Linux) && (arch(arm64) || arch(arm))
        return 0o200000
        #else
        return nil
        #endif
    }

    /// Turns O_DIRECT on or off for `fd`; false where it cannot be set.
    private static func setDirect(_ fd: Int32, _ on: Bool) -> Bool {
        guard let flag = oDirect else { return false }
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0 else { return false }
        return fcntl(fd, F_SETFL, on ? flags | flag : flags & ~flag) == 0
    }

    public func append(_ bytes: UnsafeRawBufferPointer) throws(SafeFile.Problem) {
        var from = 0
        while from < bytes.count {
            let n = min(capacity - count, bytes.count - from)
            (buffer + count).copyMemory(from: bytes.baseAddress! + from, byteCount: n)
            count += n
            from += n
            if count == capacity { try flush() }
        }
    }

    public func append(_ bytes: [UInt8]) throws(SafeFile.Problem) {
        var failure: SafeFile.Problem?
        bytes.withUnsafeBytes { do throws(SafeFile.Problem) { try append($0) } catch { failure = error } }
        if let failure { throw failure }
    }

    /// Writes the gathered bytes (a whole buffer) and starts the buffer again.
    private func flush() throws(SafeFile.Problem) {
        try writeOut(buffer, count, at: start)
        start += count
        count = 0
    }

    /// Writes `n` bytes at `offset`: directly when they are whole blocks and direct I/O holds,
    /// else through the page cache (which direct I/O's refusal turns on for good).
    private func writeOut(_ p: UnsafeRawPointer, _ n: Int, at offset: Int) throws(SafeFile.Problem) {
        var done = 0
        while done < n {
            let w = pwrite(fd, p + done, n - done, off_t(offset + done))
            if w < 0 {
                let e = errno
                if e == EINTR { continue }
                if e == EINVAL && direct {
                    // Direct I/O refused here (alignment, or a file system that accepts the
                    // flag but not the write): the rest goes through the page cache.
                    direct = false
                    guard Self.setDirect(fd, false) else { throw .system(path: path, reason: String(cString: strerror(e))) }
                    continue
                }
                throw .system(path: path, reason: String(cString: strerror(e)))
            }
            done += w
        }
    }

    /// Replaces bytes already appended (`offset + bytes.count` at most ``length``): in the
    /// buffer if they are still there, else in the file (reading their blocks back when direct).
    public func patch(_ bytes: [UInt8], at offset: Int) throws(SafeFile.Problem) {
        precondition(offset >= 0 && offset + bytes.count <= length, "patch past the end")
        var lo = offset
        let hi = offset + bytes.count
        if lo < start {
            let end = min(hi, start)
            let part = Array(bytes[0..<(end - lo)])
            try patchWritten(part, at: lo)
            lo = end
        }
        if lo < hi {
            bytes.withUnsafeBytes { (buffer + (lo - start)).copyMemory(from: $0.baseAddress! + (lo - offset), byteCount: hi - lo) }
        }
    }

    /// Changes bytes that are already in the file.
    private func patchWritten(_ bytes: [UInt8], at offset: Int) throws(SafeFile.Problem) {
        guard direct else {
            let copy = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes.count), alignment: 16)
            defer { copy.deallocate() }
            bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            try writeOut(copy, bytes.count, at: offset)
            return
        }
        let a = align
        let lo = offset / a * a
        let hi = (offset + bytes.count + a - 1) / a * a
        let blocks = UnsafeMutableRawPointer.allocate(byteCount: hi - lo, alignment: a)
        defer { blocks.deallocate() }
        var got = 0
        while got < hi - lo {
            let r = pread(fd, blocks + got, hi - lo - got, off_t(lo + got))
            if r < 0 {
                if errno == EINTR { continue }
                throw .system(path: path, reason: String(cString: strerror(errno)))
            }
            if r == 0 { break }  // only whole blocks are written before the end: not reached
            got += r
        }
        guard got == hi - lo else { throw .system(path: path, reason: String(cString: strerror(EIO))) }
        bytes.withUnsafeBytes { (blocks + (offset - lo)).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        try writeOut(blocks, hi - lo, at: lo)
    }

    /// Writes what is left. Direct: the last block padded with zeros, then the file cut to its
    /// length. Does not close or sync the file.
    public func finish() throws(SafeFile.Problem) {
        let total = length
        guard count > 0 else { return }
        if direct {
            let a = align
            let padded = (count + a - 1) / a * a
            (buffer + count).initializeMemory(as: UInt8.self, repeating: 0, count: padded - count)
            try writeOut(buffer, padded, at: start)
            if padded != count {
                while ftruncate(fd, off_t(total)) != 0 {
                    if errno == EINTR { continue }
                    throw .system(path: path, reason: String(cString: strerror(errno)))
                }
            }
        } else {
            try writeOut(buffer, count, at: start)
        }
        start = total
        count = 0
    }
}
