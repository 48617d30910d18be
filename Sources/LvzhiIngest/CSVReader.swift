#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LvzhiCore

/// One row of a CSV file, valid only inside the callback that receives it.
///
/// Its fields lie in `bytes` one after the other, field `i` ending at `ends[i]`. A row read
/// straight from the file (no quotes) keeps its commas: each field then starts one byte
/// after the previous one's end (`separator` = 1); rows with quoted fields, and workbook
/// rows, are unescaped into a buffer without them (`separator` = 0).
public struct CSVRow: ~Copyable {
    @usableFromInline let bytes: UnsafeBufferPointer<UInt8>
    @usableFromInline let ends: UnsafeBufferPointer<Int>
    @usableFromInline let separator: Int
    /// The 1-based line on which the row starts.
    public let line: Int

    init(bytes: UnsafeBufferPointer<UInt8>, ends: UnsafeBufferPointer<Int>, line: Int, separator: Int = 0) {
        self.bytes = bytes
        self.ends = ends
        self.line = line
        self.separator = separator
    }

    public var count: Int { ends.count }

    /// Where field `i` lies in ``bytes``.
    @inlinable
    func range(_ i: Int) -> Range<Int> {
        (i == 0 ? 0 : ends[i - 1] + separator)..<ends[i]
    }

    /// The bytes of field `i` (quotes removed, doubled quotes collapsed).
    @inlinable
    public func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[range(i)])
    }

    /// Field `i` as text, or `nil` when it is not valid UTF-8 (checked with ``UTF8Check``:
    /// `String(validating:)` ran generically, about a thousand instructions a field).
    public func string(_ i: Int) -> String? {
        let f = field(i)
        return UTF8Check.isValid(f) ? String(decoding: f, as: UTF8.self) : nil
    }

    /// True when every field is empty (a blank line, or a row of commas).
    public var isBlank: Bool { ends.last.map { $0 == (ends.count - 1) * separator } ?? true }

    /// Whether the row's bytes are all well-formed UTF-8; then so is each field, since fields
    /// are cut at ASCII bytes.
    var isValidUTF8: Bool { UTF8Check.isValid(bytes) }
}

/// A streaming RFC 4180 reader: quoted fields with commas, doubled quotes and newlines,
/// CRLF or LF line ends, an optional UTF-8 byte-order mark. Reads the file in fixed-size
/// chunks, so memory does not grow with the file.
public struct CSVReader {
    public static let maxFieldBytes = 1 << 20
    public static let maxFields = 1024
    /// The longest row, in bytes: a file with no line break (a device, a binary file) is
    /// refused once this much is read, not buffered whole.
    public static let maxRowBytes = 16 << 20

    public let path: String
    /// The file's text encoding; ``TextEncoding/auto`` detects UTF-8, UTF-16 with BOM and GB18030.
    public let encoding: TextEncoding
    /// How much decoded text is scanned at a time (tests shrink it to put rows across chunk
    /// ends). At most ``maxFieldBytes``: a row read in place is within one chunk.
    let chunkSize: Int
    public init(path: String, encoding: TextEncoding = .auto) {
        self.init(path: path, encoding: encoding, chunkSize: 1 << 20)
    }

    init(path: String, encoding: TextEncoding, chunkSize: Int) {
        precondition(chunkSize >= 4 && chunkSize <= Self.maxFieldBytes)
        self.path = path
        self.encoding = encoding
        self.chunkSize = chunkSize
    }

    /// Calls `body` for each row, in order.
    /// - Throws: ``IngestError`` when the file cannot be read or its quoting is broken.
    public func forEachRow(_ body: (borrowing CSVRow) throws -> Void) throws {
        let fd = try InputFile.open(path)
        defer { close(fd) }

        let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize)
        defer { chunk.deallocate() }
        let source = DecodingSource(path: path, fd: fd, encoding: encoding)

        var field: [UInt8] = []
        field.reserveCapacity(4096)
        var ends: [Int] = []
        ends.reserveCapacity(32)
        // Field ends of a row read in place (``readInPlace``).
        let placeEnds = UnsafeMutablePointer<Int>.allocate(capacity: Self.maxFields + 1)
        defer { placeEnds.deallocate() }

        enum State { case fieldStart, unquoted, quoted, quoteInQuoted, afterCR }
        var state = State.fieldStart
        var line = 1
        var rowLine = 1
        var quoteLine = 1
        var firstChunk = true
        var rowHasContent = false

        func emitRow() throws {
            ends.append(field.count)
            if ends.count > Self.maxFields {
                throw IngestError.malformedCSV(path: path, line: rowLine, reason: .tooManyFields(Self.maxFields))
            }
            try field.withUnsafeBufferPointer { fb in
                try ends.withUnsafeBufferPointer { eb in
                    try body(CSVRow(bytes: fb, ends: eb, line: rowLine))
                }
            }
            field.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            rowHasContent = false
        }

        /// The common row (no quotes, whole within the chunk, not blank) handed over where it
        /// lies, its commas kept, instead of being copied byte runs at a time into `field`.
        /// Returns the index past its line end, or `nil` to read the row the general way.
        func readInPlace(from start: Int, _ n: Int) throws -> Int? {
            var j = start
            var fields = 0
            while j < n {
                let c = chunk[j]
                if c > 0x2C { j += 1; continue }
                if c == 0x2C {
                    if fields == Self.maxFields { return nil }
                    placeEnds[fields] = j - start
                    fields += 1
                } else if c == 0x0A || c == 0x0D {
                    break
                } else if c == 0x22 {
                    return nil
                }
                j += 1
            }
            guard j < n, j > start else { return nil }
            placeEnds[fields] = j - start
            try body(CSVRow(bytes: UnsafeBufferPointer(start: chunk + start, count: j - start),
                            ends: UnsafeBufferPointer(start: placeEnds, count: fields + 1), line: rowLine, separator: 1))
            line += 1
            rowLine = line
            state = chunk[j] == 0x0D ? .afterCR : .fieldStart
            return j + 1
        }

        while true {
            let n = try source.next(into: chunk, capacity: chunkSize)
            if n == 0 { break }
            var i = 0
            if firstChunk {
                firstChunk = false
                if n >= 3, chunk[0] == 0xEF, chunk[1] == 0xBB, chunk[2] == 0xBF { i = 3 }
            }
            while i < n {
                // At the start of a row (a chunk holds far less than a field may: 1 MiB).
                if state == .fieldStart, ends.isEmpty, field.isEmpty, !rowHasContent,
                   let next = try readInPlace(from: i, n) {
                    i = next
                    continue
                }
                let b = chunk[i]
                switch state {
                case .afterCR:
                    state = .fieldStart
                    if b == 0x0A { i += 1; continue }
                    fallthrough
                case .fieldStart:
                    if b == 0x22 { // "
                        state = .quoted
                        quoteLine = line
                        rowHasContent = true
                    } else if b == 0x2C { // ,
                        ends.append(field.count)
                        rowHasContent = true
                        if ends.count > Self.maxFields {
                            throw IngestError.malformedCSV(path: path, line: rowLine, reason: .tooManyFields(Self.maxFields))
                        }
                    } else if b == 0x0A || b == 0x0D {
                        if rowHasContent || !ends.isEmpty { try emitRow() }
                        line += 1
                        rowLine = line
                        if b == 0x0D { state = .afterCR }
                    } else {
                        field.append(b)
                        state = .unquoted
                        rowHasContent = true
                    }
                    i += 1
                case .unquoted:
                    // Fast path: copy the run of ordinary bytes at once.
                    var j = i
                    while j < n {
                        let c = chunk[j]
                        if c == 0x2C || c == 0x0A || c == 0x0D { break }
                        j += 1
                    }
                    if j > i {
                        field.append(contentsOf: UnsafeBufferPointer(start: chunk + i, count: j - i))
                        if field.count - (ends.last ?? 0) > Self.maxFieldBytes {
                            throw IngestError.malformedCSV(path: path, line: rowLine, reason: .fieldTooLong(Self.maxFieldBytes))
                        }
                        if field.count > Self.maxRowBytes {
                            throw IngestError.malformedCSV(path: path, line: rowLine, reason: .rowTooLong(Self.maxRowBytes))
                        }
                    }
                    i = j
                    if i < n {
                        let c = chunk[i]
                        if c == 0x2C {
                            ends.append(field.count)
                            state = .fieldStart
                        } else {
                            try emitRow()
                            line += 1
                            rowLine = line
                            state = c == 0x0D ? .afterCR : .fieldStart
                        }
                        i += 1
                    }
                case .quoted:
                    var j = i
                    while j < n {
                        let c = chunk[j]
                        if c == 0x22 { break }
                        if c == 0x0A { line += 1 }
                        j += 1
                    }
                    if j > i {
                        field.append(contentsOf: UnsafeBufferPointer(start: chunk + i, count: j - i))
                        if field.count - (ends.last ?? 0) > Self.maxFieldBytes {
                            throw IngestError.malformedCSV(path: path, line: quoteLine, reason: .fieldTooLong(Self.maxFieldBytes))
                        }
                        if field.count > Self.maxRowBytes {
                            throw IngestError.malformedCSV(path: path, line: rowLine, reason: .rowTooLong(Self.maxRowBytes))
                        }
                    }
                    i = j
                    if i < n { state = .quoteInQuoted; i += 1 }
                case .quoteInQuoted:
                    if b == 0x22 {
                        field.append(0x22)
                        state = .quoted
                    } else if b == 0x2C {
                        ends.append(field.count)
                        state = .fieldStart
                    } else if b == 0x0A || b == 0x0D {
                        try emitRow()
                        line += 1
                        rowLine = line
                        state = b == 0x0D ? .afterCR : .fieldStart
                    } else {
                        throw IngestError.malformedCSV(path: path, line: line, reason: .textAfterClosingQuote)
                    }
                    i += 1
                }
            }
        }
        switch state {
        case .quoted:
            throw IngestError.malformedCSV(path: path, line: quoteLine, reason: .unterminatedQuote)
        case .unquoted, .quoteInQuoted:
            try emitRow()
        case .fieldStart:
            if rowHasContent || !ends.isEmpty { try emitRow() }
        case .afterCR:
            break
        }
    }
}
