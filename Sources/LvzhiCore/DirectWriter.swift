#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a large output front to back through direct I/O (O_DIRECT) on the local file systems
/// that take it, and through the page cache everywhere else.
///
/// A run writes hundreds of megabytes and then makes them durable (syncfs) before it swaps the
/// output folder in. Through the page cache each byte is first copied into a fresh cache page by
/// the kernel, on the writing thread, and written to the device only at that sync. Direct I/O
/// hands the device the bytes from this writer's own buffer: no copy, no pages to find, and the
/// device writes while the run goes on rendering. (On the 2-core benchmark machine a buffered
/// 236 MB ledger.csv cost 0.54 s of kernel time plus 0.08 s of sync; direct, 0.12 s.)
///
/// Bytes are gathered in an aligned buffer and written a whole buffer at a time, at aligned
/// offsets. The last, partial block is written padded and the file is then truncated to its
/// length. Bytes already written can be changed (``patch(_:at:)``: a ZIP entry's header) by
/// reading their blocks back. Direct I/O is used only on ext4, XFS and btrfs (network and FUSE
/// file systems take the flag but make every write a synchronous round trip), not when
/// `LVZHI_DIRECT_IO=0`, and never again for a file once a direct read or write is refused
/// (EINVAL: a device whose blocks are larger than ``alignment``): the rest goes through the
/// page cache. The file's bytes are the same either way.
public final class DirectWriter {
    /// Alignment of the buffer, of every direct write's offset and of its length: 4 KiB, the
    /// logical block size of nearly every device (a larger one refuses the writes, see above).
    public static let alignment = 4096
    public let fd: Int32
    public let path: String
    /// False once direct I/O has been refused; then plain writes.
    public private(set) var direct: Bool
    private let capacity: Int
    private let buffer: UnsafeMutableRawPointer
    /// Bytes gathered in ``buffer``, not yet written.
    private var count = 0
    /// Where ``buffer`` starts in the file (a multiple of ``alignment`` while ``direct``).
    private var start = 0
    /// Set by ``finish()``: nothing may be appended or patched after it.
    private var finished = false
    /// Tests: the next direct read or write is refused, as a device with larger blocks refuses it.
    var refuseNextDirect = false

    /// The file's length so far (written and gathered).
    public var length: Int { start + count }

    /// - Parameters:
    ///   - fd: a file just created, open for writing (not append), at offset 0; open for reading
    ///     too if bytes already written are to be patched. Not closed here.
    ///   - direct: try direct I/O (false: always through the page cache).
    ///   - capacity: the buffer, rounded up to ``alignment``: each write is this long.
    public init(fd: Int32, path: String, direct: Bool = true, capacity: Int = 1 << 20) {
        self.fd = fd
        self.path = path
        let a = Self.alignment
        self.capacity = max(a, (capacity + a - 1) / a * a)
        buffer = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: a)
        self.direct = direct && Self.enabled && Self.directFileSystem(fd) && Self.setDirect(fd, true)
    }

    deinit { buffer.deallocate() }

    /// `LVZHI_DIRECT_IO=0` turns direct I/O off for the whole run.
    static let enabled = getenv("LVZHI_DIRECT_IO").map { String(cString: $0) != "0" } ?? true

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

    /// Whether `fd`'s file system is one where direct writes of whole aligned buffers are both
    /// real and fast: ext4, XFS, btrfs.
    static func directFileSystem(_ fd: Int32) -> Bool {
        #if os(Linux)
        // struct statfs begins with f_type, a word (the Glibc module does not export statfs).
        // Where it is not a word (s390x), no magic matches and the file is written buffered.
        let st = UnsafeMutableRawPointer.allocate(byteCount: 512, alignment: 16)
        defer { st.deallocate() }
        guard lvzhi_fstatfs(fd, st) == 0 else { return false }
        switch UInt(bitPattern: st.load(as: Int.self)) {
        case 0xEF53, 0x5846_5342, 0x9123_683E: return true  // ext2/3/4, XFS, btrfs
        default: return false
        }
        #else
        return false
        #endif
    }

    /// Turns O_DIRECT on or off for `fd`; false where it cannot be set.
    private static func setDirect(_ fd: Int32, _ on: Bool) -> Bool {
        guard let flag = oDirect else { return false }
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0 else { return false }
        return fcntl(fd, F_SETFL, on ? flags | flag : flags & ~flag) == 0
    }

    /// Stops direct I/O for this file after `refused` (EINVAL) from a direct read or write.
    private func stopDirect(after refused: Int32) throws(SafeFile.Problem) {
        direct = false
        guard Self.setDirect(fd, false) else {
            let e = errno
            throw .system(path: path, reason: String(cString: strerror(e != 0 ? e : refused)))
        }
    }

    public func append(_ bytes: UnsafeRawBufferPointer) throws(SafeFile.Problem) {
        precondition(!finished, "append after finish")
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

    /// Writes `n` bytes at `offset`: directly while direct I/O holds (whole aligned blocks),
    /// else through the page cache, which a refusal turns on for the rest of the file.
    private func writeOut(_ p: UnsafeRawPointer, _ n: Int, at offset: Int) throws(SafeFile.Problem) {
        var done = 0
        while done < n {
            var w: Int
            if direct && refuseNextDirect {
                refuseNextDirect = false
                w = -1
                errno = EINVAL
            } else {
                w = pwrite(fd, p + done, n - done, off_t(offset + done))
            }
            if w < 0 {
                let e = errno
                if e == EINTR { continue }
                if e == EINVAL && direct {
                    // Direct I/O refused here: the rest goes through the page cache.
                    try stopDirect(after: e)
                    continue
                }
                throw .system(path: path, reason: String(cString: strerror(e)))
            }
            if w == 0 { throw .system(path: path, reason: String(cString: strerror(EIO))) }
            done += w
        }
    }

    /// Replaces bytes already appended (`offset + bytes.count` at most ``length``): in the
    /// buffer if they are still there, else in the file (reading their blocks back when direct).
    public func patch(_ bytes: [UInt8], at offset: Int) throws(SafeFile.Problem) {
        precondition(!finished, "patch after finish")
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
        if direct {
            let a = Self.alignment
            let lo = offset / a * a
            let hi = (offset + bytes.count + a - 1) / a * a
            let blocks = UnsafeMutableRawPointer.allocate(byteCount: hi - lo, alignment: a)
            defer { blocks.deallocate() }
            var got = 0
            while direct && got < hi - lo {
                var r: Int
                if refuseNextDirect {
                    refuseNextDirect = false
                    r = -1
                    errno = EINVAL
                } else {
                    r = pread(fd, blocks + got, hi - lo - got, off_t(lo + got))
                }
                if r < 0 {
                    let e = errno
                    if e == EINTR { continue }
                    // A device that refuses this read directly: patched through the page cache below.
                    if e == EINVAL { try stopDirect(after: e); break }
                    throw .system(path: path, reason: String(cString: strerror(e)))
                }
                if r == 0 { throw .system(path: path, reason: String(cString: strerror(EIO))) }  // written blocks end short
                got += r
            }
            if direct {
                bytes.withUnsafeBytes { (blocks + (offset - lo)).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                try writeOut(blocks, hi - lo, at: lo)
                return
            }
        }
        let copy = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes.count), alignment: 16)
        defer { copy.deallocate() }
        bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        try writeOut(copy, bytes.count, at: offset)
    }

    /// Writes what is left. Direct: the last block padded with zeros, then the file cut to its
    /// length. Does not close or sync the file; nothing may be appended or patched after it.
    public func finish() throws(SafeFile.Problem) {
        finished = true
        let total = length
        guard count > 0 else { return }
        if direct {
            let a = Self.alignment
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

#if os(Linux)
/// glibc's fstatfs(2), whose header (sys/vfs.h) the Glibc module does not include.
@_silgen_name("fstatfs")
private func lvzhi_fstatfs(_ fd: Int32, _ buf: UnsafeMutableRawPointer) -> Int32
#endif
