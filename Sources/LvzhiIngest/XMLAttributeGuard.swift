#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Counts the attributes of every start tag in the bytes on their way to libxml2, and stops at
/// the first tag with more than ``maxAttributes``, before libxml2 parses it.
///
/// libxml2 (2.9) checks a start tag for repeated attributes by comparing each attribute with
/// every one before it: one element with 200,000 attributes (2.3 MB) took 8 s, 400,000 took
/// 32 s. That loop is inside libxml2's tag parser, out of reach of any callback, so the bytes are
/// looked at first. No export has an element with a thousand attributes; one that does is
/// refused (I004) with its line. Then libxml2's work per tag is bounded, and linear in the file.
///
/// The scan follows XML's markup only as far as needed to count: start tags (one quoted value
/// per attribute), end tags, comments, CDATA sections, processing instructions and declarations
/// (whose quotes and brackets are skipped). Values are skipped with `memchr`, so the cost is a
/// small part of libxml2's own. UTF-16 and UTF-32 (told by their first bytes) are scanned by
/// code unit; every other encoding libxml2 reads keeps ASCII's bytes for `<`, `>`, quotes and
/// markup (UTF-8, GB18030, GBK, Big5, the ISO-8859 family).
struct XMLAttributeGuard {
    /// The most attributes one element may have.
    static let maxAttributes = 1000

    enum Width: Int { case one = 1, two = 2, four = 4 }

    private enum State {
        case content, open, tag, value, endTag, bang, bangDash, comment, cdata, pi, declaration, declarationQuote
    }

    let limit: Int
    /// Why the offset ``scan(_:at:)`` returned is refused: too many attributes, a declaration too
    /// long for any DOCTYPE lvzhi would read (`.doctype`), or an encoding the guard cannot follow.
    private(set) var hazard = XMLHazard.attributes(XMLAttributeGuard.maxAttributes)
    /// EBCDIC (told by `<?xm` in its bytes): libxml2 reads it, but no `<` appears in its bytes.
    private var ebcdic = false
    private var state = State.content
    private var started = false
    private(set) var width = Width.one
    private var bigEndian = false
    /// Bytes of a code unit split across two calls (wide encodings).
    private var partial: [UInt8] = []
    private var narrow: [UInt8] = []
    private var count = 0
    private var quote: UInt8 = 0
    /// Consecutive `-` (comments), `]` (CDATA) or a `?` (instructions) just seen.
    private var run = 0
    private var brackets = 0
    /// Offset (in the file or part) of the current start tag's `<`.
    private var tagStart = 0

    init(limit: Int = Self.maxAttributes) {
        self.limit = limit
        hazard = .attributes(limit)
    }

    /// The encoding a mapping names for the file (libxml2 is told to read it so): UTF-16 or
    /// UTF-32 without a byte-order mark is then scanned by code unit too (big-endian unless the
    /// name says LE, as libxml2 reads it). A byte-order mark at the start still decides.
    mutating func assume(encoding: String?) {
        guard let name = encoding?.uppercased().filter({ $0 != "-" && $0 != "_" }) else { return }
        if name.hasPrefix("UTF16") || name.hasPrefix("UCS2") { width = .two } else if name.hasPrefix("UTF32") || name.hasPrefix("UCS4") { width = .four } else { return }
        bigEndian = !name.hasSuffix("LE")
    }

    /// Looks at the next bytes, which start at `offset` in the file (or part). Bytes must come in
    /// order, but may skip ahead between two calls that both stand between elements (the parts
    /// of ``XMLParts``).
    /// - Returns: the offset of the `<` of the first start tag with more than ``limit``
    ///   attributes, when it ends or is still open in these bytes; `nil` otherwise. Once it has
    ///   returned an offset, the guard must not be used again.
    mutating func scan(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int? {
        guard bytes.count > 0 else { return nil }
        if !started {
            started = true
            if offset == 0 { detect(bytes) }
            if ebcdic {
                hazard = .encoding("EBCDIC")
                return offset
            }
        }
        if width == .one {
            return scanNarrow(bytes.bindMemory(to: UInt8.self), base: offset, unit: 1)
        }
        // Wide: each code unit becomes one byte (its value when ASCII, 0x80 otherwise).
        let w = width.rawValue
        narrow.removeAll(keepingCapacity: true)
        let base = offset - partial.count
        var unitBytes = partial
        partial.removeAll(keepingCapacity: true)
        for b in bytes {
            unitBytes.append(b)
            if unitBytes.count == w {
                var v: UInt32 = 0
                for k in 0..<w { v |= UInt32(unitBytes[bigEndian ? w - 1 - k : k]) << (8 * UInt32(k)) }
                narrow.append(v < 0x80 ? UInt8(v) : 0x80)
                unitBytes.removeAll(keepingCapacity: true)
            }
        }
        partial = unitBytes
        return narrow.withUnsafeBufferPointer { scanNarrow($0, base: base, unit: w) }
    }

    /// UTF-16 and UTF-32 from a byte-order mark or from `<` (or `<?`) in their first bytes.
    private mutating func detect(_ b: UnsafeRawBufferPointer) {
        func starts(_ p: [UInt8]) -> Bool { b.count >= p.count && zip(b, p).allSatisfy { $0 == $1 } }
        if starts([0x4C, 0x6F, 0xA7, 0x94]) { ebcdic = true }
        else if starts([0x00, 0x00, 0xFE, 0xFF]) || starts([0x00, 0x00, 0x00, 0x3C]) { width = .four; bigEndian = true }
        else if starts([0xFF, 0xFE, 0x00, 0x00]) || starts([0x3C, 0x00, 0x00, 0x00]) { width = .four; bigEndian = false }
        else if starts([0xFE, 0xFF]) || starts([0x00, 0x3C]) { width = .two; bigEndian = true }
        else if starts([0xFF, 0xFE]) || starts([0x3C, 0x00]) { width = .two; bigEndian = false }
    }

    /// `p`: one byte per code unit; unit `i` starts at byte `base + i * unit`.
    ///
    /// Spans from one `<` to the next shorter than any tag over the limit are passed over with
    /// one `memchr`; the states are scanned on local copies: a `switch` on a stored state for
    /// every byte of every tag made the canonical XML's ingest a third slower (0.54 → 0.70 s at
    /// 1M records).
    private mutating func scanNarrow(_ p: UnsafeBufferPointer<UInt8>, base: Int, unit: Int) -> Int? {
        guard let start = p.baseAddress else { return nil }
        let n = p.count
        var state = self.state, count = self.count, quote = self.quote, run = self.run
        var brackets = self.brackets, tagStart = self.tagStart
        defer {
            self.state = state; self.count = count; self.quote = quote; self.run = run
            self.brackets = brackets; self.tagStart = tagStart
        }
        /// The index of the next `byte` from `i` (or `n`): a short loop first (values and text
        /// between tags are mostly a few bytes), then `memchr`.
        @inline(__always) func find(_ byte: UInt8, from i: Int) -> Int {
            var j = i
            let quick = min(n, i + 32)
            while j < quick {
                if start[j] == byte { return j }
                j += 1
            }
            guard j < n, let hit = memchr(start + j, Int32(byte), n - j) else { return n }
            return start.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
        var i = 0
        while i < n {
            switch state {
            case .content:
                let lt = find(0x3C, from: i)
                if lt == n { return nil }
                // A start or end tag holds no other `<` (libxml2 refuses one in a value and stops
                // the tag there), and each attribute takes at least 4 code units (` a=""` less
                // one), so a tag with more than `limit` attributes runs at least 4 × limit units to
                // the next `<`. Shorter spans from a tag are passed over whole; comments, CDATA,
                // instructions and declarations (`<!`, `<?`: they may hold `<`) are always
                // scanned exactly, as is a long span or one that runs past these bytes.
                let reach = min(n - lt - 1, 4 * limit)
                if reach > 0, start[lt + 1] != 0x21, start[lt + 1] != 0x3F, let next = memchr(start + lt + 1, 0x3C, reach) {
                    i = start.distance(to: next.assumingMemoryBound(to: UInt8.self))
                    continue
                }
                tagStart = base + lt * unit
                state = .open
                i = lt + 1
            case .open:
                switch start[i] {
                case 0x21: state = .bang; i += 1          // <!
                case 0x3F: state = .pi; run = 0; i += 1  // <?
                case 0x2F: state = .endTag; i += 1       // </
                default: state = .tag; count = 0         // the name: read as part of the tag
                }
            case .tag:
                // Names, `=` and spaces up to the next quote or `>`.
                var j = i
                while j < n {
                    let c = start[j]
                    if c == 0x22 || c == 0x27 || c == 0x3E { break }
                    j += 1
                }
                if j == n { return nil }
                let c = start[j]
                i = j + 1
                if c == 0x3E {
                    state = .content
                } else {
                    count += 1
                    if count > limit { return tagStart }
                    quote = c
                    // The value, usually in this buffer.
                    let q = find(quote, from: i)
                    if q == n { state = .value; return nil }
                    i = q + 1
                }
            case .value:
                let q = find(quote, from: i)
                if q == n { return nil }
                i = q + 1
                state = .tag
            case .endTag:
                let gt = find(0x3E, from: i)
                if gt == n { return nil }
                i = gt + 1
                state = .content
            case .bang:
                switch start[i] {
                case 0x2D: state = .bangDash; i += 1      // <!-
                case 0x5B: state = .cdata; run = 0; i += 1 // <![ (CDATA; a DTD's sections are refused anyway)
                default: state = .declaration; brackets = 0
                }
            case .bangDash:
                state = start[i] == 0x2D ? .comment : .declaration
                run = 0
                brackets = 0
                i += 1
            case .comment, .cdata:
                let mark: UInt8 = state == .comment ? 0x2D : 0x5D
                let c = start[i]
                i += 1
                if c == 0x3E && run >= 2 { state = .content } else { run = c == mark ? run + 1 : 0 }
            case .pi:
                let c = start[i]
                i += 1
                if c == 0x3E && run > 0 { state = .content } else { run = c == 0x3F ? 1 : 0 }
            case .declaration:
                // A declaration longer than any tag over the limit (a DOCTYPE whose internal
                // subset declares default attributes: libxml2 applies them with the same
                // quadratic check) is refused here; lvzhi refuses every DOCTYPE anyway.
                if base + i * unit - tagStart > 4 * limit * unit {
                    hazard = .doctype
                    return tagStart
                }
                let c = start[i]
                i += 1
                switch c {
                case 0x22, 0x27: quote = c; state = .declarationQuote
                case 0x5B: brackets += 1
                case 0x5D: brackets -= 1
                case 0x3E where brackets <= 0: state = .content
                default: break
                }
            case .declarationQuote:
                let q = find(quote, from: i)
                if q == n { return nil }
                i = q + 1
                state = .declaration
            }
        }
        return nil
    }

    /// Whether the file at `path` has a start tag with more than ``maxAttributes`` attributes
    /// (a pass over its bytes, for a library that reads the file by itself).
    static func refuses(file path: String) -> Bool {
        guard let fd = try? InputFile.open(path) else { return false }
        defer { close(fd) }
        var guardian = XMLAttributeGuard()
        let chunk = 1 << 16
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 8)
        defer { buffer.deallocate() }
        var at = 0
        while true {
            let n = pread(fd, buffer, chunk, off_t(at))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            if guardian.scan(UnsafeRawBufferPointer(start: buffer, count: n), at: at) != nil { return true }
            at += n
        }
    }

    /// The line (from 1) of byte `offset` of the open file `fd`, counting the line feeds
    /// before it in this guard's code units. Reads the file again: only when refusing it.
    func line(of offset: Int, in fd: Int32) -> Int {
        let chunk = 1 << 16  // a multiple of every code unit's width
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk)
        defer { buffer.deallocate() }
        let w = width.rawValue
        let low = bigEndian ? w - 1 : 0
        var lines = 1
        var at = 0
        while at < offset {
            let n = pread(fd, buffer, min(chunk, offset - at), off_t(at))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            var k = 0
            while k + w <= n {
                if buffer[k + low] == 0x0A && (0..<w).allSatisfy({ $0 == low || buffer[k + $0] == 0 }) { lines += 1 }
                k += w
            }
            at += n
        }
        return lines
    }
}
