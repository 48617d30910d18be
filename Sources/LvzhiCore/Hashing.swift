#if canImport(Glibc)
import Glibc
#endif
import CLibCrypto
import Foundation

/// Content hashes for rule files and inputs (shown in reports, stored with runs).
public enum ContentHash {
    /// The SHA-256 of `data`, as lowercase hex.
    public static func sha256(_ data: some DataProtocol) -> String {
        var hasher = StreamingSHA256()
        for region in data.regions { region.withUnsafeBytes { hasher.update($0) } }
        return hasher.finish()
    }

    /// Lowercase hex of a digest's bytes. (`String(format: "%02x")` per byte went through
    /// CFString and a dynamic cast: 9 % of writing 20,000 member pages, whose hashes the run
    /// manifest records.)
    public static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits: StaticString = "0123456789abcdef"
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in digest {
            out.append(digits.utf8Start[Int(b >> 4)])
            out.append(digits.utf8Start[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The SHA-256 of a file, read in chunks; `nil` when it cannot be read or is not a
    /// regular file (a FIFO would block, a device never end).
    public static func sha256(file path: String) -> String? {
        guard let fd = try? SafeFile.openForReading(path) else { return nil }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) == 0, let known = WrittenFiles.shared.sha256(st) { return known }
        var hasher = StreamingSHA256()
        // A 64 KiB buffer from the heap, reused: a fresh 1 MiB Data per read was a mapping
        // made and torn down for each of 20,000 small member pages.
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return hasher.finish()
    }
}

/// A SHA-256 fed piece by piece (an output as it is written), through OpenSSL's EVP interface.
/// A value: a copy goes on from where the original was (the context is copied on write).
public struct StreamingSHA256 {
    private var context = SHA256Digester()

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        if !isKnownUniquelyReferenced(&context) { context = SHA256Digester(copying: context) }
        context.update(bytes)
    }

    /// The lowercase hex digest (the hasher can go on being fed: a copy is finalised).
    public func finish() -> String {
        var words = SHA256Digester(copying: context).finish()
        return withUnsafeBytes(of: &words) { ContentHash.hex($0) }
    }
}

/// One OpenSSL SHA-256 context. Used directly for many short digests in a row (one context,
/// not two allocations a digest): ``begin()``, ``update(_:)``, ``finish()``. One thread.
public final class SHA256Digester {
    private let ctx: OpaquePointer

    public init() {
        ctx = Self.make()
        begin()
    }

    /// A context that goes on from where `other` is.
    init(copying other: SHA256Digester) {
        ctx = Self.make()
        EVP_MD_CTX_copy_ex(ctx, other.ctx)
    }

    private static func make() -> OpaquePointer {
        // Allocation failure is out of memory; OpenSSL's SHA-256 itself cannot fail.
        guard let made = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
        return made
    }

    deinit { EVP_MD_CTX_free(ctx) }

    /// Starts a new digest.
    public func begin() { EVP_DigestInit_ex(ctx, EVP_sha256(), nil) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(ctx, base, bytes.count)
    }

    /// The digest's 32 bytes, in order, as four words (in place, for comparing).
    public func finish() -> (UInt64, UInt64, UInt64, UInt64) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var length: UInt32 = 0
        withUnsafeMutableBytes(of: &words) { _ = EVP_DigestFinal_ex(ctx, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), &length) }
        return words
    }
}

/// The SHA-256 of files this process wrote, computed from the bytes as they were written, so
/// that the run manifest need not read 20,000 member pages back to hash them; and of input
/// files it read from start to end (``ContentHash/sha256(file:)`` takes those). A file is known
/// by its device, inode, size and modification time (to the nanosecond, as `lstat` gives
/// them); a file changed since — or any other file — is not known, and is read and hashed.
public final class WrittenFiles: @unchecked Sendable {
    public static let shared = WrittenFiles()

    private struct Key: Hashable {
        var device: UInt64, inode: UInt64, size: Int64, seconds: Int, nanoseconds: Int
        init(_ st: stat) {
            device = UInt64(st.st_dev); inode = UInt64(st.st_ino); size = Int64(st.st_size)
            seconds = st.st_mtim.tv_sec; nanoseconds = st.st_mtim.tv_nsec
        }
    }

    private let lock = NSLock()
    private var hashes: [Key: String] = [:]

    /// The most hashes held: a long-running console scoring many times does not grow without
    /// bound (past it, the table starts again; what is forgotten is read back and hashed).
    static let capacity = 1_000_000

    /// Records `sha256` as the hash of the open file `fd`, whose writing is complete.
    public func record(fd: Int32, sha256: String) {
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return }
        lock.lock()
        if hashes.count >= Self.capacity { hashes.removeAll() }
        hashes[Key(st)] = sha256
        lock.unlock()
    }

    /// The recorded hash of the file `st` describes (from `lstat`), if this process wrote it
    /// and it has not changed since. Taken once: the entry is forgotten (a run's manifest
    /// hashes each output once).
    public func sha256(_ st: stat) -> String? {
        guard st.st_mode & S_IFMT == S_IFREG else { return nil }
        lock.lock(); defer { lock.unlock() }
        return hashes.removeValue(forKey: Key(st))
    }
}
