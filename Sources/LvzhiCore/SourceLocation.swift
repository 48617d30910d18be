/// Where a value came from: a file, a 1-based line and, where known, a 1-based column
/// (counted in characters for rule files, in fields for CSV cells).
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int?

    public init(file: String, line: Int, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        if let column { return "\(file):\(line):\(column)" }
        return "\(file):\(line)"
    }
}

/// The lines of a rule, mapping, corrections or job file, numbered as the YAML parser numbers them
/// (libyaml, under Yams: its marks' lines). A line ends at LF, CRLF or a lone CR, and at NEL,
/// LS and PS. Splitting at "\n" alone kept a CRLF file (Windows Notepad) as one long line, since
/// Swift holds "\r\n" as one character, and let a file of lone CRs point past its last line.
public enum SourceLines {
    public static func of(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: isBreak)
    }

    @inline(__always) static func isBreak(_ c: Character) -> Bool {
        c == "\n" || c == "\r\n" || c == "\r" || c == "\u{85}" || c == "\u{2028}" || c == "\u{2029}"
    }
}
