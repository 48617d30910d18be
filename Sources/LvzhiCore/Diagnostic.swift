/// A message for a person: where, what, and how to fix it, in both languages.
///
/// Printed compiler-style:
/// ```
/// Rules/x.yaml:12:18: 错误: [R012] 未知的活动类型“提按”
///    12 |   - {id: a, when: {kind: 提按}, points: 1}
///       |                          ^
///   提示: 是否想写“提案”？
/// ```
public struct Diagnostic: Error, Sendable, Equatable {
    public enum Severity: String, Sendable { case error, warning }

    /// A stable identifier, e.g. `R012`, that tools and documentation can refer to.
    public var id: String
    public var severity: Severity
    public var location: SourceLocation?
    public var zh: String
    public var en: String
    public var hintZh: String?
    public var hintEn: String?

    public init(id: String, severity: Severity = .error, location: SourceLocation?, zh: String, en: String,
                hintZh: String? = nil, hintEn: String? = nil) {
        self.id = id
        self.severity = severity
        self.location = location
        self.zh = zh
        self.en = en
        self.hintZh = hintZh
        self.hintEn = hintEn
    }

    public func message(_ lang: Language) -> String { lang.pick(zh, en) }
    public func hint(_ lang: Language) -> String? { lang == .zh ? hintZh : hintEn }

    /// Renders the diagnostic; `source` is the text of the file it points into, if available.
    public func render(_ lang: Language, source: String? = nil) -> String {
        let sev = severity == .error ? lang.pick("错误", "error") : lang.pick("警告", "warning")
        var out = ""
        // Messages and hints are one line each: a control character in them came from an input
        // (a column name, a file name) and is shown escaped, never acted on.
        if let location { out += TerminalText.escape("\(location)") + ": " }
        out += "\(sev): [\(id)] \(TerminalText.escape(message(lang)))"
        if let location, let source, location.line >= 1 {
            var lineNo = 1
            var found: Substring?
            for l in SourceLines.of(source) {
                if lineNo == location.line { found = l; break }
                lineNo += 1
            }
            if let found {
                let text = found.hasSuffix("\r") ? found.dropLast() : found
                let gutter = String(location.line)
                out += "\n \(gutter) | \(TerminalText.escape(String(text)).replacingOccurrences(of: "\\t", with: "\t"))"
                if let col = location.column, col >= 1 {
                    // Pad with the same characters' display width: CJK counts as two columns.
                    var pad = ""
                    for ch in text.prefix(col - 1) { pad += ch == "\t" ? "\t" : String(repeating: " ", count: ch.displayWidth) }
                    out += "\n \(String(repeating: " ", count: gutter.count)) | \(pad)^"
                }
            }
        }
        if let h = hint(lang) { out += "\n  " + lang.pick("提示: ", "hint: ") + TerminalText.escape(h) }
        return out
    }
}

extension Character {
    /// Terminal columns taken by the character (East Asian wide characters take two).
    public var displayWidth: Int {
        guard let s = unicodeScalars.first else { return 1 }
        switch s.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }
}

/// Edit distance for "did you mean" hints.
public func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var prev = Array(0...y.count)
    var cur = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        cur[0] = i
        for j in 1...y.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[y.count]
}

/// The closest candidate within a small distance, for "是否想写 …?" hints.
public func closest(_ word: String, in candidates: some Sequence<String>) -> String? {
    var best: (String, Int)?
    for c in candidates {
        let d = editDistance(word, c)
        if d <= max(1, min(word.count, c.count) / 2), best == nil || d < best!.1 { best = (c, d) }
    }
    return best?.0
}

/// The problems found in one input file (a rule, mapping, corrections, job or approval file):
/// its diagnostics, rendered against the file's text so that each shows its line and a caret.
public protocol FileDiagnostics: Error, Sendable {
    var path: String { get }
    /// The file's text, when it could be read.
    var source: String? { get }
    var diagnostics: [Diagnostic] { get }
}

extension FileDiagnostics {
    public func render(_ lang: Language) -> String {
        diagnostics.map { $0.render(lang, source: source) }.joined(separator: "\n")
    }
}
