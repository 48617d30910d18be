import LvzhiCore
import Yams

/// The stable ids one kind of YAML document (rule file, job file, test cases …) uses for the
/// problems every YAML document can have.
public struct YAMLDiagnosticIDs: Sendable {
    public var syntax: String
    public var empty: String
    public var notMapping: String
    public var unknownKey: String
    public var duplicateKey: String
    public var alias: String
    public var notScalar: String
    public var badNumber: String
    public var badInteger: String
    public var badFlag: String

    public init(syntax: String, empty: String, notMapping: String, unknownKey: String, duplicateKey: String,
                alias: String, notScalar: String, badNumber: String, badInteger: String, badFlag: String) {
        self.syntax = syntax
        self.empty = empty
        self.notMapping = notMapping
        self.unknownKey = unknownKey
        self.duplicateKey = duplicateKey
        self.alias = alias
        self.notScalar = notScalar
        self.badNumber = badNumber
        self.badInteger = badInteger
        self.badFlag = badFlag
    }
}

/// Typed, position-aware reading of a YAML document (Yams' node API), shared by every file
/// format lvzhi reads from YAML. A conforming parser supplies its path, text, diagnostics and
/// ids; every problem becomes a ``Diagnostic`` at the node's line and column instead of
/// stopping at the first.
public protocol YAMLDocumentParser {
    var path: String { get }
    var text: String { get }
    var diagnostics: [Diagnostic] { get set }
    static var yamlIDs: YAMLDiagnosticIDs { get }
}

extension YAMLDocumentParser {
    public func loc(_ node: Node?) -> SourceLocation? {
        guard let m = node?.mark else { return SourceLocation(file: path, line: 1) }
        return SourceLocation(file: path, line: m.line, column: m.column)
    }

    public mutating func error(_ id: String, _ node: Node?, zh: String, en: String, hintZh: String? = nil, hintEn: String? = nil) {
        diagnostics.append(Diagnostic(id: id, location: loc(node), zh: zh, en: en, hintZh: hintZh, hintEn: hintEn))
    }

    /// The document's root node; `nil` (with a diagnostic) on a syntax error or an empty file.
    public mutating func compose(emptyHintZh: String? = nil, emptyHintEn: String? = nil) -> Node? {
        let ids = Self.yamlIDs
        do {
            guard let root = try Yams.compose(yaml: text) else {
                error(ids.empty, nil, zh: "文件为空", en: "the file is empty", hintZh: emptyHintZh, hintEn: emptyHintEn)
                return nil
            }
            return root
        } catch let e as YamlError {
            switch e {
            case .scanner(_, let p, let mark, _), .parser(_, let p, let mark, _), .composer(_, let p, let mark, _):
                syntaxError(p, line: mark.line, column: mark.column)
            case .duplicatedKeysInMapping(let keys, let context):
                for key in keys.sorted() {
                    diagnostics.append(Diagnostic(id: ids.duplicateKey, location: secondOccurrence(of: key, after: context.mark),
                                                  zh: "键“\(key)”重复", en: "duplicate key '\(key)'",
                                                  hintZh: "每个键只写一次。", hintEn: "Write each key once."))
                }
            default:
                syntaxError("\(e)", line: 1, column: 1)
            }
            return nil
        } catch {
            syntaxError("\(error)", line: 1, column: 1)
            return nil
        }
    }

    private mutating func syntaxError(_ problem: String, line: Int, column: Int) {
        diagnostics.append(Diagnostic(id: Self.yamlIDs.syntax, location: SourceLocation(file: path, line: line, column: column),
                                      zh: "YAML 语法错误：\(problem)", en: "YAML syntax error: \(problem)",
                                      hintZh: "检查缩进（只能用空格）、冒号后的空格和成对的引号、括号。",
                                      hintEn: "Check indentation (spaces only), a space after each colon, and matching quotes and brackets."))
    }

    /// Where `key:` is written again after its first occurrence in the mapping, at `first`
    /// (Yams gives the mapping's first duplicated key's position, 1-based). Block keys
    /// (`key:` at the start of a line) and flow keys (`{a: 1, key: 2}`) are both found; without
    /// a second occurrence on the lines that follow, the first is named.
    public func secondOccurrence(of key: String, after first: Mark) -> SourceLocation {
        let lines = SourceLines.of(text)
        let spellings = [key + ":", "\"\(key)\":", "'\(key)':"]
        // A block key's repeat is another block key at the same column; a flow key's, a flow key.
        let firstLine = first.line >= 1 && first.line <= lines.count ? Array(lines[first.line - 1]) : []
        let blockStyle = first.column >= 1 && firstLine.prefix(first.column - 1).allSatisfy { $0 == " " || $0 == "-" }
        var skipFirst = true
        // A mark past the last line (the parser and this count disagree) finds nothing here.
        for i in min(max(0, first.line - 1), lines.count)..<lines.count {
            let chars = Array(lines[i])
            var c = 0
            while c < chars.count {
                // A key starts a line (after indent and “- ”) or follows “{” or “,” in a flow mapping.
                var prev = c - 1
                while prev >= 0, chars[prev] == " " { prev -= 1 }
                let lineStart = prev < 0 || (chars[prev] == "-" && chars[..<prev].allSatisfy { $0 == " " || $0 == "-" })
                let starts = blockStyle ? lineStart && c + 1 == first.column : !lineStart && (chars[prev] == "{" || chars[prev] == ",")
                if starts, spellings.contains(where: { String(chars[c...].prefix($0.count)) == $0 }) {
                    if i == first.line - 1 && skipFirst && c + 1 <= first.column {
                        // The first occurrence (at or before the mark on its line).
                    } else if i > first.line - 1 || c + 1 > first.column {
                        return SourceLocation(file: path, line: i + 1, column: c + 1)
                    }
                }
                c += 1
            }
            skipFirst = false
        }
        return first.line > 0 ? SourceLocation(file: path, line: first.line, column: first.column) : secondOccurrence(of: key)
    }

    /// Where `key:` is written for the second time in the whole file, block keys only.
    public func secondOccurrence(of key: String) -> SourceLocation {
        var seen = 0
        for (i, line) in SourceLines.of(text).enumerated() {
            let indent = line.prefix { $0 == " " || $0 == "-" }.count
            let rest = line.dropFirst(indent).drop { $0 == " " }
            if rest.hasPrefix(key + ":") || rest.hasPrefix("\"\(key)\":") || rest.hasPrefix("'\(key)':") {
                seen += 1
                if seen == 2 { return SourceLocation(file: path, line: i + 1, column: indent + 1) }
            }
        }
        return SourceLocation(file: path, line: 1)
    }

    /// "规则文件中" / "expect.M2 中": no space after Chinese text, one after ASCII.
    public static func joined(_ what: String, _ rest: String) -> String {
        guard let last = what.unicodeScalars.last else { return rest }
        return last.isASCII ? "\(what) \(rest)" : "\(what)\(rest)"
    }

    /// The entries of a mapping, reporting keys not in `allowed` (`nil`: any key) and repeated keys.
    /// `whatEn` names the mapping in English messages when `what` is Chinese.
    public mutating func entries(_ node: Node, _ what: String, en whatEn: String? = nil,
                                 allowed: [String]?) -> [(key: String, keyNode: Node, value: Node)]? {
        let ids = Self.yamlIDs
        let en = whatEn ?? what
        guard case .mapping(let mapping) = node else {
            error(ids.notMapping, node, zh: Self.joined(what, "应为键值映射（key: value）"), en: "\(en) must be a mapping (key: value)")
            return nil
        }
        var out: [(String, Node, Node)] = []
        var seen: Set<String> = []
        for (k, v) in mapping {
            guard case .scalar(let scalar) = k else {
                error(ids.notMapping, k, zh: Self.joined(what, "的键必须是文字"), en: "keys of \(en) must be plain text")
                continue
            }
            let key = scalar.string
            if let allowed, !allowed.contains(key) {
                let guess = closest(key, in: allowed)
                error(ids.unknownKey, k, zh: Self.joined(what, "中有未知的键“\(key)”"), en: "unknown key '\(key)' in \(en)",
                      hintZh: (guess.map { "是否想写“\($0)”？" } ?? "") + "可用的键：\(allowed.joined(separator: "、"))",
                      hintEn: (guess.map { "did you mean '\($0)'? " } ?? "") + "allowed keys: \(allowed.joined(separator: ", "))")
                continue
            }
            if !seen.insert(key).inserted {
                error(ids.duplicateKey, k, zh: Self.joined(what, "中键“\(key)”重复"), en: "duplicate key '\(key)' in \(en)")
                continue
            }
            out.append((key, k, v))
        }
        return out
    }

    /// YAML null: nothing, `~` or `null` written plainly.
    public func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node else { return false }
        return s.style == .plain && ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// A single scalar's text. Aliases are refused (no expansion of `*refs`).
    public mutating func string(_ node: Node, _ what: String) -> String? {
        if case .alias = node {
            error(Self.yamlIDs.alias, node, zh: "不支持 YAML 别名（*）", en: "YAML aliases (*) are not supported")
            return nil
        }
        guard case .scalar(let s) = node else {
            error(Self.yamlIDs.notScalar, node, zh: Self.joined(what, "应为一个文字值"), en: "\(what) must be a single value")
            return nil
        }
        return s.string
    }

    /// A single value or a list of values.
    public mutating func strings(_ node: Node, _ what: String) -> [String]? {
        if case .sequence(let seq) = node {
            var out: [String] = []
            for item in seq { if let s = string(item, what) { out.append(s) } }
            return out
        }
        return string(node, what).map { [$0] }
    }

    /// An exact decimal with at most four fraction digits.
    public mutating func points(_ node: Node, _ what: String) -> Points? {
        guard let s = string(node, what) else { return nil }
        guard let p = Points(parsing: s) else {
            error(Self.yamlIDs.badNumber, node, zh: Self.joined(what, "应为数字（最多四位小数），实际为“\(s)”"),
                  en: "\(what) must be a number with at most four decimals, got '\(s)'",
                  hintZh: "例如 2、-1.5、0.25", hintEn: "e.g. 2, -1.5, 0.25")
            return nil
        }
        return p
    }

    /// A non-negative whole number.
    public mutating func int(_ node: Node, _ what: String) -> Int? {
        guard let s = string(node, what) else { return nil }
        guard let i = Int(s.trimmingSpaces), i >= 0 else {
            error(Self.yamlIDs.badInteger, node, zh: Self.joined(what, "应为非负整数，实际为“\(s)”"),
                  en: "\(what) must be a non-negative integer, got '\(s)'")
            return nil
        }
        return i
    }

    /// true/false (also yes/no, on/off, 是/否).
    public mutating func bool(_ node: Node, _ what: String) -> Bool? {
        guard let s = string(node, what) else { return nil }
        switch s.trimmingSpaces.lowercased() {
        case "true", "yes", "on", "是": return true
        case "false", "no", "off", "否": return false
        default:
            error(Self.yamlIDs.badFlag, node, zh: Self.joined(what, "应为 true 或 false，实际为“\(s)”"),
                  en: "\(what) must be true or false, got '\(s)'")
            return nil
        }
    }
}
