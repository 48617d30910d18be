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
        let h = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        defer { try? h.close() }
        var hasher = SHA256()
        while true {
            guard let chunk = try? h.read(upToCount: 1 << 20), !chunk.isEmpty else { break }
            hasher.update(data: chunk)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
