#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LvzhiCore

/// `read(2)`, named so that the methods below do not shadow it.
private func systemRead(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int) -> Int { read(fd, p, n) }

/// Reads a file as UTF-8 bytes in chunks, transcoding UTF-16 (with BOM) and GB18030/GBK with
/// iconv on the way. UTF-8 input is passed through untouched (the fast path). Bytes that do
/// not decode stop the read with ``IngestError/undecodable(path:offset:line:encoding:)`` —
/// they are never replaced, so no mojibake reaches the records.
final class DecodingSource {
    let path: String
    let fd: Int32
    private(set) var encoding: TextEncoding
    /// The encoding actually used once the start of the file was seen.
    private(set) var detected: String = "utf-8"
    private var started = false
    private var cd: iconv_t?
    /// Raw bytes not yet transcoded (an incomplete sequence at a chunk end, or more).
    private var raw: UnsafeMutablePointer<UInt8>
    private var rawCount = 0
    private let rawCapacity: Int
    /// Raw bytes consumed before `raw[0]` (for the byte offset of an error).
    private var rawOffset = 0
    private var eof = false
    /// Lines completed in the decoded output (for the line of an error).
    private var decodedNewlines = 0
    /// The raw bytes read so far, hashed on the reading thread (which waits for the validating
    /// one): a file read to its end unchanged is recorded in ``WrittenFiles``, so the run
    /// manifest does not read it again (0.25 s of a 4M-record run's write phase).
    private var hasher = StreamingSHA256()
    private var opened = stat()
    private var hashing: Bool

    init(path: String, fd: Int32, encoding: TextEncoding, rawCapacity: Int = 1 << 19) {
        self.path = path
        self.fd = fd
        self.encoding = encoding
        self.rawCapacity = rawCapacity
        raw = UnsafeMutablePointer<UInt8>.allocate(capacity: rawCapacity)
        hashing = fstat(fd, &opened) == 0 && opened.st_mode & S_IFMT == S_IFREG && lseek(fd, 0, SEEK_CUR) == 0
    }

    deinit {
        raw.deallocate()
        if let cd { iconv_close(cd) }
    }

    private func readRaw(into p: UnsafeMutablePointer<UInt8>, capacity: Int) throws -> Int {
        while true {
            let n = systemRead(fd, p, capacity)
            if n < 0 {
                if errno == EINTR { continue }
                throw IngestError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            if hashing {
                if n > 0 {
                    hasher.update(UnsafeRawBufferPointer(start: p, count: n))
                } else {
                    hashing = false
                    var now = stat()
                    if fstat(fd, &now) == 0, now.st_size == opened.st_size, now.st_mtim.tv_sec == opened.st_mtim.tv_sec,
                       now.st_mtim.tv_nsec == opened.st_mtim.tv_nsec {
                        WrittenFiles.shared.record(fd: fd, sha256: hasher.finish())
                    }
                }
            }
            return n
        }
    }

    /// Fills `out` with up to `capacity` UTF-8 bytes; 0 at the end of the file.
    /// `capacity` must be at least twice the raw chunk size.
    func next(into out: UnsafeMutablePointer<UInt8>, capacity: Int) throws -> Int {
        if !started {
            started = true
            // Read the first chunk straight into `out` and decide from it.
            let n = try readRaw(into: out, capacity: min(capacity, rawCapacity))
            let head = UnsafeBufferPointer(start: out, count: n)
            var skip = 0
            var from: String?
            if n >= 2, head[0] == 0xFF, head[1] == 0xFE, encoding == .auto || encoding == .utf16 {
                from = "UTF-16LE"; skip = 2; detected = "utf-16le"
            } else if n >= 2, head[0] == 0xFE, head[1] == 0xFF, encoding == .auto || encoding == .utf16 {
                from = "UTF-16BE"; skip = 2; detected = "utf-16be"
            } else if encoding == .auto || encoding == .utf16, let (name, label) = Self.utf16WithoutBOM(head) {
                // UTF-16 without a byte-order mark (some exporters): told by its NUL bytes.
                from = name; detected = label
            } else if encoding == .utf16 {
                throw IngestError.undecodable(path: path, offset: 0, line: 1, encoding: "UTF-16")
            } else if encoding == .gb18030 || encoding == .gbk {
                from = encoding == .gbk ? "GBK" : "GB18030"; detected = encoding.rawValue
            } else if encoding == .auto, !Self.looksLikeUTF8(head), Self.decodes(head, from: "GB18030") {
                from = "GB18030"; detected = "gb18030"
            }
            if from == nil, let nul = head.firstIndex(of: 0) {
                // NUL bytes are never text: an encoding lvzhi cannot tell (UTF-32, UTF-16 of
                // mostly non-Latin text) or not a text file. Refused, saying it is a NUL (valid
                // UTF-8, so not "undecodable"), with the encoding hint.
                throw IngestError.nulByte(path: path, offset: nul, line: 1 + head[..<nul].count(where: { $0 == 0x0A }),
                                          encoding: encoding == .auto ? "UTF-8" : encoding.rawValue.uppercased())
            }
            guard let from else { return n } // UTF-8: pass through from here on.
            let c = iconv_open("UTF-8", from)
            guard Int(bitPattern: c) != -1 else {
                throw IngestError.unreadable(path: path, reason: "iconv cannot convert from \(from)")
            }
            cd = c
            rawCount = n - skip
            memmove(raw, out + skip, rawCount)
            rawOffset = skip
        }
        guard let cd else { return try readRaw(into: out, capacity: capacity) }
        // Transcode: top up the raw buffer, convert as much as fits.
        while true {
            if !eof, rawCount < rawCapacity {
                let n = try readRaw(into: raw + rawCount, capacity: rawCapacity - rawCount)
                if n == 0 { eof = true }
                rawCount += n
            }
            if rawCount == 0 { return 0 }
            var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(raw).assumingMemoryBound(to: CChar.self)
            var inLeft = rawCount
            var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(out).assumingMemoryBound(to: CChar.self)
            var outLeft = capacity
            let rc = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
            let failure = rc == -1 ? errno : 0
            let consumed = rawCount - inLeft
            let produced = capacity - outLeft
            for i in 0..<produced where out[i] == 0x0A { decodedNewlines += 1 }
            if consumed > 0 {
                memmove(raw, raw + consumed, inLeft)
                rawCount = inLeft
                rawOffset += consumed
            }
            if failure == EILSEQ || (failure == EINVAL && eof) {
                if produced > 0 { return produced } // hand over what decoded; fail on the next call
                throw IngestError.undecodable(path: path, offset: rawOffset, line: decodedNewlines + 1, encoding: detected.uppercased())
            }
            if produced > 0 { return produced }
            if eof && rawCount == 0 { return 0 }
            if failure == E2BIG { throw IngestError.unreadable(path: path, reason: "transcoding buffer too small") }
            // EINVAL: an incomplete sequence at the end of the raw buffer; read more.
        }
    }

    /// UTF-16 without a byte-order mark, from the NUL bytes of its first kilobyte: text whose
    /// characters are mostly ASCII (a header row, dates, ids) has a NUL in every other byte,
    /// the odd ones for little-endian, the even ones for big-endian.
    /// - Returns: the iconv name and the label, or `nil`.
    static func utf16WithoutBOM(_ b: UnsafeBufferPointer<UInt8>) -> (String, String)? {
        let pairs = min(b.count, 1024) / 2
        guard pairs >= 2 else { return nil }
        var evenZero = 0, oddZero = 0
        for i in 0..<pairs {
            let lo = b[2 * i], hi = b[2 * i + 1]
            if lo == 0, hi != 0 { evenZero += 1 }
            if hi == 0, lo != 0 { oddZero += 1 }
        }
        // (A few characters such as 一 U+4E00 have a NUL in the other byte.)
        if oddZero * 2 >= pairs, evenZero * 16 <= pairs { return ("UTF-16LE", "utf-16le") }
        if evenZero * 2 >= pairs, oddZero * 16 <= pairs { return ("UTF-16BE", "utf-16be") }
        return nil
    }

    /// True when `b` is UTF-8, allowing a sequence cut off at the end of the buffer.
    static func looksLikeUTF8(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        if UTF8Check.isValid(b) { return true }
        // Retry without a trailing partial sequence (up to 3 bytes).
        var cut = b.count
        var k = 0
        while cut > 0, k < 3, b[cut - 1] & 0xC0 == 0x80 { cut -= 1; k += 1 }
        if cut > 0, b[cut - 1] >= 0xC0 { cut -= 1 }
        return cut < b.count && UTF8Check.isValid(UnsafeBufferPointer(rebasing: b[0..<cut]))
    }

    /// True when all of `b` (but an incomplete final sequence) converts from `encoding`.
    static func decodes(_ b: UnsafeBufferPointer<UInt8>, from encoding: String) -> Bool {
        guard let base = b.baseAddress, b.count > 0 else { return false }
        let cd = iconv_open("UTF-8", encoding)
        guard Int(bitPattern: cd) != -1 else { return false }
        defer { iconv_close(cd) }
        let outCap = 1 << 16
        let out = UnsafeMutablePointer<CChar>.allocate(capacity: outCap)
        defer { out.deallocate() }
        var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(mutating: base).assumingMemoryBound(to: CChar.self)
        var inLeft = b.count
        while inLeft > 0 {
            var outPtr: UnsafeMutablePointer<CChar>? = out
            var outLeft = outCap
            if iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft) == -1 {
                if errno == E2BIG { continue }
                return errno == EINVAL
            }
        }
        return true
    }
}
