import Foundation
import LvzhiCore
#if canImport(Glibc)
import Glibc
#endif

/// A growable UTF-8 output buffer. In memory by default; ``ByteBuffer/streaming(to:)`` makes
/// one that drains to a temporary file beside the target every megabyte and renames it into
/// place on ``finish()``, so large outputs never sit in memory whole and a failed run never
/// leaves a half-written file under the final name.
public struct ByteBuffer {
    public var bytes: [UInt8] = []
    private var sink: FileSink?
    /// The streamed file's descriptor (tests make it fail).
    var sinkDescriptor: Int32? { sink?.descriptor }
    private static let drainThreshold = 1 << 20

    public init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    /// A buffer that streams into `path` (through `path` + a temporary suffix).
    public static func streaming(to path: String) throws -> ByteBuffer {
        var b = ByteBuffer(capacity: drainThreshold + (1 << 16))
        b.sink = try FileSink(path: path)
        return b
    }

    public mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
        drainIfNeeded()
    }
    public mutating func append(_ b: UInt8) { bytes.append(b) }
    public mutating func append(contentsOf b: some Sequence<UInt8>) {
        bytes.append(contentsOf: b)
        drainIfNeeded()
    }

    public mutating func drainIfNeeded() {
        if bytes.count >= Self.drainThreshold { drain() }
    }

    mutating func drain() {
        guard let sink else { return }
        sink.write(&bytes)
    }

    /// Completes a streaming buffer: writes what is left and renames the file into place.
    public mutating func finish() throws {
        guard let sink else { return }
        sink.write(&bytes)
        bytes = []
        try sink.close()
        self.sink = nil
    }

    /// Writes an in-memory buffer to `path`, replacing the file atomically.
    public func write(to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

/// A file written under a temporary name and renamed over the target when closed. Bytes are
/// written (and hashed) on a thread of the sink's own while the caller renders the next ones:
/// writing a large output from the rendering thread left a core idle for the kernel's copy of
/// every megabyte. At most ``FileSink/inFlight`` buffers wait to be written.
final class FileSink: @unchecked Sendable {
    let path: String
    let temp: String
    /// Touched by the writing thread only, until ``close()`` has waited for it.
    private let file: DirectWriter
    private var closed = false
    private var failure: SafeFile.Problem?
    /// The bytes' SHA-256, recorded for the run manifest when the file is complete (``WrittenFiles``).
    private var hash = StreamingSHA256()
    private let queue = DispatchQueue(label: "lvzhi.file-sink")
    static let inFlight = 2
    private let slots = DispatchSemaphore(value: FileSink.inFlight)
    /// Emptied buffers handed back for reuse (their capacity kept).
    private var spare: [[UInt8]] = []
    private let lock = NSLock()

    /// Written through direct I/O where the file system takes it (``DirectWriter``).
    init(path: String) throws {
        self.path = path
        self.temp = path + ".tmp-\(getpid())"
        // A new file (O_EXCL, no symbolic link followed): never written through a name planted there.
        unlink(temp)
        let fd: Int32
        do { fd = try SafeFile.createNew(temp) } catch .system(_, let reason) {
            throw SafeFile.Problem.system(path: path, reason: reason)  // named as the output
        }
        file = DirectWriter(fd: fd, path: temp, capacity: 4 << 20)
    }

    var descriptor: Int32 { file.fd }

    /// Takes the bytes of `bytes` to be written, leaving it empty (a buffer written before,
    /// with its capacity, when there is one). Waits while ``inFlight`` buffers are queued.
    func write(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        slots.wait()
        lock.lock()
        var next = spare.popLast() ?? []
        lock.unlock()
        if next.capacity < bytes.capacity { next.reserveCapacity(bytes.capacity) }
        swap(&bytes, &next)
        let full = Taken(next)
        next = []
        queue.async { [self] in
            var b = full.take()  // the only reference: emptied below in place, capacity kept
            writeNow(b)
            b.removeAll(keepingCapacity: true)
            lock.lock(); spare.append(b); lock.unlock()
            slots.signal()
        }
    }

    /// An array handed to the writing thread, taken out there so that it is uniquely referenced.
    private final class Taken: @unchecked Sendable {
        private var value: [UInt8]
        init(_ value: [UInt8]) { self.value = value }
        func take() -> [UInt8] { let v = value; value = []; return v }
    }

    private func writeNow(_ bytes: [UInt8]) {
        guard failure == nil else { return }
        do { try file.append(bytes) } catch { failure = error; return }
        bytes.withUnsafeBytes { hash.update($0) }
    }

    /// - Throws: ``SafeFile/Problem`` naming the output (not its temporary name).
    func close() throws {
        guard !closed else { return }  // (its descriptor may be another file's by now)
        queue.sync {}  // everything queued is written
        closed = true
        if failure == nil {
            do { try file.finish() } catch { failure = error }
        }
        if failure == nil { WrittenFiles.shared.record(fd: file.fd, sha256: hash.finish()) }
        if Glibc.close(file.fd) != 0, failure == nil { failure = .system(path: temp, reason: String(cString: strerror(errno))) }
        if let failure {
            unlink(temp)
            throw SafeFile.Problem.system(path: path, reason: failure.reason(.en))
        }
        if rename(temp, path) != 0 {
            let e = errno
            unlink(temp)
            throw SafeFile.Problem.system(path: path, reason: String(cString: strerror(e)))
        }
    }

    deinit {
        // Nothing is queued: every queued block holds the sink.
        if !closed { Glibc.close(file.fd); unlink(temp) }
    }
}

/// Escaping for the text formats the reports are written in.
public enum Escape {
    /// JSON string contents (without the surrounding quotes).
    public static func json(_ s: String, into out: inout ByteBuffer) {
        out.append(0x22)
        var s = s
        s.withUTF8 { text in
            // Copy runs of bytes that need no escape in one go.
            var run = 0
            for i in 0..<text.count {
                let b = text[i]
                if b >= 0x20 && b != 0x22 && b != 0x5C { continue }
                if run < i { out.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[run..<i])) }
                run = i + 1
                switch b {
                case 0x22: out.append("\\\"")
                case 0x5C: out.append("\\\\")
                case 0x0A: out.append("\\n")
                case 0x0D: out.append("\\r")
                case 0x09: out.append("\\t")
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    out.append("\\u00")
                    out.append(hex[Int(b >> 4)])
                    out.append(hex[Int(b & 0xF)])
                }
            }
            if run < text.count { out.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[run...])) }
        }
        out.append(0x22)
    }

    /// HTML text and attribute contents: `& < > " '` escaped; C0 control characters other than
    /// tab, LF and CR, and DEL, become U+FFFD.
    public static func html(_ s: String) -> String {
        // Most text (names, titles, figures) has nothing to escape: hand it back without
        // building a new string. The five characters are ASCII, so replacing their bytes
        // keeps the UTF-8 valid.
        @inline(__always) func special(_ b: UInt8) -> Bool {
            b == 0x26 || b == 0x3C || b == 0x3E || b == 0x22 || b == 0x27 || (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D) || b == 0x7F
        }
        let plain = s.utf8.withContiguousStorageIfAvailable { !$0.contains(where: special) } ?? !s.utf8.contains(where: special)
        if plain { return s }
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 16)
        for b in s.utf8 {
            switch b {
            case 0x26: out.append(contentsOf: "&amp;".utf8)
            case 0x3C: out.append(contentsOf: "&lt;".utf8)
            case 0x3E: out.append(contentsOf: "&gt;".utf8)
            case 0x22: out.append(contentsOf: "&quot;".utf8)
            case 0x27: out.append(contentsOf: "&#39;".utf8)
            // Not allowed in HTML text (as in the member pages' ``HTMLBytes``).
            case 0x09, 0x0A, 0x0D: out.append(b)
            case 0..<0x20, 0x7F: out.append(contentsOf: [0xEF, 0xBF, 0xBD])
            default: out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Writes RFC 4180 CSV: fields quoted when they hold a comma, quote, CR or LF; text cells that
/// a spreadsheet would run as a formula (= + - @, tab, CR) are prefixed with an apostrophe.
public struct CSVWriter {
    public var buffer: ByteBuffer
    public init(bom: Bool = true, into buffer: ByteBuffer = ByteBuffer()) {
        self.buffer = buffer
        if bom { self.buffer.append(contentsOf: [0xEF, 0xBB, 0xBF]) }
    }

    /// A text cell (neutralised against formula injection).
    public mutating func text(_ s: String) { field(CSVWriter.neutralise(s)) }
    /// A number cell, written as is.
    public mutating func number(_ s: String) { field(s) }

    /// A number cell from UTF-8 bytes: the same as ``number(_:)`` of the same string.
    public mutating func number(utf8: UnsafeBufferPointer<UInt8>) { field(utf8) }

    /// Points as ``Points/description`` shows them, with the places in force when the writer was
    /// made, written without making a string.
    public mutating func number(_ p: Points) {
        assert(decimals == Points.displayDecimals, "a CSVWriter made under other display decimals than it writes under")
        digits.removeAll(keepingCapacity: true)
        p.display(decimals: decimals, into: &digits)
        let d = digits
        digits = []
        d.withUnsafeBufferPointer { field($0) }
        digits = d
    }
    private var digits: [UInt8] = []
    private let decimals = Points.displayDecimals

    /// An exact value (``TableSink/exact(utf8:)``): written as is.
    public mutating func exact(utf8: UnsafeBufferPointer<UInt8>) { field(utf8) }

    /// A text cell from UTF-8 bytes: the same as ``text(_:)`` of the same string.
    public mutating func text(utf8: UnsafeBufferPointer<UInt8>) {
        switch utf8.first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D:
            text(String(decoding: utf8, as: UTF8.self))
        default:
            field(utf8)
        }
    }

    private var atRowStart = true
    /// The 0-based column of the next field.
    private var column = 0
    private mutating func field(_ s: String) {
        var s = s
        s.withUTF8 { field($0) }
    }

    private mutating func field(_ utf8: UnsafeBufferPointer<UInt8>) {
        if !atRowStart { buffer.append(0x2C) }
        atRowStart = false
        column += 1
        Self.encode(utf8, into: &buffer.bytes)
    }

    /// A field's bytes: quoted (quotes doubled) when it holds a comma, quote, CR or LF. C0
    /// control characters other than tab, LF and CR, and DEL, become U+FFFD, as in the HTML
    /// outputs: an ESC from an export would otherwise reach the terminal of whoever prints the file.
    private static func encode(_ utf8: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var needsQuotes = false
        var control = false
        for b in utf8 where b < 0x30 || b == 0x7F {
            if b == 0x2C || b == 0x22 || b == 0x0A || b == 0x0D { needsQuotes = true }
            if (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D) || b == 0x7F { control = true }
        }
        if control {
            var clean: [UInt8] = []
            clean.reserveCapacity(utf8.count + 8)
            for b in utf8 {
                if (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D) || b == 0x7F { clean += [0xEF, 0xBF, 0xBD] } else { clean.append(b) }
            }
            clean.withUnsafeBufferPointer { encode($0, into: &out) }
            return
        }
        if needsQuotes {
            out.append(0x22)
            for b in utf8 {
                if b == 0x22 { out.append(0x22) }
                out.append(b)
            }
            out.append(0x22)
        } else {
            out.append(contentsOf: utf8)
        }
    }

    /// A keyed text field (``TableSink/text(_:key:)``): its bytes as written (neutralised and
    /// quoted) are kept by column and key (64 slots a column) for ``repeatText(key:)``, so a
    /// repeated member, symbol, rule or category is neither read nor scanned again. At most a
    /// megabyte of them is kept.
    public mutating func text(_ s: String, key: Int) {
        guard key >= 0 else { text(s); return }
        if keyedBytes.count > 1 << 20 {
            keyedBytes.removeAll(keepingCapacity: true)
            keyed.removeAll()
        }
        let start = keyedBytes.count
        var text = CSVWriter.neutralise(s)
        text.withUTF8 { Self.encode($0, into: &keyedBytes) }
        keyed.set(column: column, key: key, start..<keyedBytes.count)
        _ = repeatText(key: key)
    }

    public mutating func repeatText(key: Int) -> Bool {
        guard key >= 0, let r = keyed.get(column: column, key: key) else { return false }
        if !atRowStart { buffer.append(0x2C) }
        atRowStart = false
        column += 1
        keyedBytes.withUnsafeBufferPointer { buffer.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0[r])) }
        return true
    }
    /// Where each keyed field's bytes lie in ``keyedBytes``.
    private var keyed = KeyedSlots<Range<Int>>()
    private var keyedBytes: [UInt8] = []

    public mutating func endRow() {
        buffer.append(0x0D)
        buffer.append(0x0A)
        buffer.drainIfNeeded()
        atRowStart = true
        column = 0
    }

    public mutating func row(_ cells: [String]) {
        for c in cells { text(c) }
        endRow()
    }

    public static func neutralise(_ s: String) -> String {
        guard let f = s.utf8.first else { return s }
        switch f {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D: return "'" + s
        default: return s
        }
    }
}
