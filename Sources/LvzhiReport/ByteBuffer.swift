import Foundation

/// A growable UTF-8 output buffer; writers append to it and save it once.
public struct ByteBuffer: Sendable {
    public var bytes: [UInt8] = []
    public init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    @inlinable public mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }
    @inlinable public mutating func append(_ b: UInt8) { bytes.append(b) }
    public mutating func append(contentsOf b: some Sequence<UInt8>) { bytes.append(contentsOf: b) }

    /// Writes the buffer to `path`, replacing the file atomically.
    public func write(to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

/// Escaping for the text formats the reports are written in.
public enum Escape {
    /// JSON string contents (without the surrounding quotes).
    public static func json(_ s: String, into out: inout ByteBuffer) {
        out.append(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22: out.append("\\\"")
            case 0x5C: out.append("\\\\")
            case 0x0A: out.append("\\n")
            case 0x0D: out.append("\\r")
            case 0x09: out.append("\\t")
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append("\\u00")
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            default: out.append(b)
            }
        }
        out.append(0x22)
    }

    /// HTML text and attribute contents.
    public static func html(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}

/// Writes RFC 4180 CSV: fields quoted when they hold a comma, quote, CR or LF; text cells that
/// a spreadsheet would run as a formula (= + - @, tab, CR) are prefixed with an apostrophe.
public struct CSVWriter {
    public var buffer = ByteBuffer()
    public init(bom: Bool = true) {
        if bom { buffer.append(contentsOf: [0xEF, 0xBB, 0xBF]) }
    }

    /// A text cell (neutralised against formula injection).
    public mutating func text(_ s: String) { field(CSVWriter.neutralise(s)) }
    /// A number cell, written as is.
    public mutating func number(_ s: String) { field(s) }

    private var atRowStart = true
    private mutating func field(_ s: String) {
        if !atRowStart { buffer.append(0x2C) }
        atRowStart = false
        let needsQuotes = s.utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
        if needsQuotes {
            buffer.append(0x22)
            for b in s.utf8 {
                if b == 0x22 { buffer.append(0x22) }
                buffer.append(b)
            }
            buffer.append(0x22)
        } else {
            buffer.append(s)
        }
    }

    public mutating func endRow() {
        buffer.append(0x0D)
        buffer.append(0x0A)
        atRowStart = true
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
