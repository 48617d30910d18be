#if canImport(Glibc)
import Glibc
#endif
import Crypto
import Foundation

/// Content hashes for rule files and inputs (shown in reports, stored with runs).
public enum ContentHash {
    /// The SHA-256 of `data`, as lowercase hex.
    public static func sha256(_ data: some DataProtocol) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// The SHA-256 of a file, read in chunks; `nil` when it cannot be read or is not a
    /// regular file (a FIFO would block, a device never end).
    public static func sha256(file path: String) -> String? {
        guard let fd = try? SafeFile.openForReading(path) else { return nil }
        defer { close(fd) }
        var hasher = SHA256()
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
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
