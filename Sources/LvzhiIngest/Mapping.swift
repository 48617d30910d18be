import Foundation
import LvzhiCore

/// How an office's own export maps onto lvzhi's canonical activity fields: which column holds
/// which field, how free-text values translate, which fields are the same for the whole file,
/// and which cell lists several members. Loaded from a YAML mapping file
/// (see `docs/mapping.md`) by ``MappingLoader``.
///
/// ```yaml
/// mapping: 1
/// files: ["proposals-*.csv"]
/// columns: {提案号: activity_id, 提交日期: date, 提案人: {field: member_name, list: true, roles: [第一提案人, 联名提案人]}}
/// constants: {kind: 提案}
/// values: {status: {已立案: 立案, 未立案: 不立案}}
/// ```
public struct Mapping: Sendable, Equatable {
    /// Where a source column goes.
    public enum Target: Sendable, Hashable {
        case field(ActivityField)
        /// The member's name, resolved through the roster (unique names only).
        case memberName
        /// Read and deliberately ignored.
        case skip
        /// A column of the roster (界别, 委员编号 as a 委员证号 …) that tells homonyms apart:
        /// the named member must have this value there. Written `roster.sector` or `名册.界别`.
        case roster(MemberField)
        /// One of several columns that together give fields: when this cell has text, the
        /// fields take `Filled.fields` (“the level is the name of whichever column is filled”).
        case filled(Filled)
    }

    /// A column whose text only says “yes, this one”: `{filled: {status: 采用, level: 区}}`.
    public struct Filled: Sendable, Hashable {
        /// What the record gets when the cell has text.
        public var fields: [ActivityField: String]
        /// The texts that count as filled; `nil`: the default yes-words (√, 是, 采用 …) and
        /// dates; `["*"]`: any text. The no-words (否, 无, × …) always read as not filled; other
        /// text is a reject, never a guess.
        public var texts: [String]?
        public init(fields: [ActivityField: String], texts: [String]? = nil) {
            self.fields = fields
            self.texts = texts
        }

        /// Words that mean “filled” when a column gives no `texts`.
        public static let yesWords: Set<String> = ["√", "✓", "✔", "☑", "是", "有", "采用", "已采用", "y", "yes", "1", "●", "★", "v"]
        /// Words that mean “not filled” (read as an empty cell) when a column gives no `texts`.
        public static let noWords: Set<String> = ["否", "无", "×", "✗", "✘", "x", "n", "no", "0", "-", "—", "/", "未采用"]

        /// Whether `text` (trimmed) fills this column: `true`, `false` (blank or a no-word),
        /// or `nil` (text the mapping does not know).
        public func reads(_ text: String) -> Bool? {
            let t = Mapping.normalise(text)
            if t.isEmpty { return false }
            if let texts {
                if texts.contains(where: { Mapping.normalise($0) == t }) { return true }
                if Self.noWords.contains(t.lowercased()) { return false }
                return texts.contains("*") ? true : nil
            }
            let lower = t.lowercased()
            if Self.noWords.contains(lower) { return false }
            if Self.yesWords.contains(lower) { return true }
            if DateText.parse(t) != nil { return true }
            return nil
        }

        /// The accepted texts, for messages.
        public var acceptedDescription: String {
            if let texts { return texts.contains("*") ? "*" : texts.joined(separator: "、") }
            return "√、是、有、采用、已采用、Y、1 或日期"
        }
    }

    /// A row of a table that is not a record (a footer, a total, a note, a repeated header):
    /// skipped and counted, not rejected.
    public struct SkipRule: Sendable, Hashable {
        /// The column compared (its header); `nil`: the row's first non-empty cell.
        public var column: String?
        public var equals: [String] = []
        public var startsWith: [String] = []
        /// A row that repeats the header (exports that print the header on every page).
        public var repeatedHeader = false

        public init(column: String? = nil, equals: [String] = [], startsWith: [String] = [], repeatedHeader: Bool = false) {
            self.column = column
            self.equals = equals
            self.startsWith = startsWith
            self.repeatedHeader = repeatedHeader
        }

        /// How the reconciliation names the rule.
        public var label: String {
            if repeatedHeader { return "重复的表头" }
            let place = column.map { "\($0)" } ?? "首格"
            var parts: [String] = []
            if !equals.isEmpty { parts.append("\(place)为“\(equals.joined(separator: "”或“"))”") }
            if !startsWith.isEmpty { parts.append("\(place)以“\(startsWith.joined(separator: "”或“"))”开头") }
            return parts.joined(separator: "，")
        }

        /// Folds what differs between otherwise equal footer texts: spaces, full-width colons and brackets.
        static func fold(_ s: String) -> String {
            Mapping.normalise(s).replacingOccurrences(of: "：", with: ":").filter { !$0.isWhitespace }
        }

        /// Whether `text` (the compared cell) matches.
        public func matches(_ text: String) -> Bool {
            let t = Self.fold(text)
            if t.isEmpty { return false }
            return equals.contains { Self.fold($0) == t } || startsWith.contains { t.hasPrefix(Self.fold($0)) }
        }

        /// The reason shown for blank rows.
        public static let blankLabel = SkippedRows.blankLabel
    }

    /// A cell that names several members (“张三、李四 王五”): one record per person, the first
    /// as lead.
    public struct PeopleList: Sendable, Equatable {
        public var column: String
        /// Role of the first person and of every other one; `nil` keeps the mapped role.
        public var leadRole: String?
        public var otherRole: String?
    }

    /// What one source value becomes: a replacement for its own field and values for others.
    public struct Translation: Sendable, Equatable {
        public var fields: [ActivityField: String]
        public init(fields: [ActivityField: String]) { self.fields = fields }
    }

    public var path: String
    public var name: String?
    /// File patterns (globs) this mapping applies to; without a `/`, matched against the file
    /// name, otherwise against the path relative to the mapping file's folder.
    public var files: [String]
    public var encoding: TextEncoding
    /// Numbers in the date column are Excel serial day numbers (1900 date system).
    public var excelDates: Bool
    /// Source column header → target, in the order written.
    public var columns: [(header: String, target: Target)]
    public var people: PeopleList?
    /// Rows that are not records, skipped and counted (`skip_rows`).
    public var skipRows: [SkipRule] = []
    public var constants: [ActivityField: String]
    /// Field → normalised source value → translation.
    public var values: [ActivityField: [String: Translation]]
    /// For workbooks: the sheet to read (`nil`: the first visible one).
    public var sheet: SheetSelector? = nil
    /// Where `sheet:` is written, for the error when the workbook has no such sheet.
    public var sheetLocation: SourceLocation? = nil
    /// The row (line) holding the header, 1-based; rows above it (titles) are skipped.
    /// `nil`: the first non-blank row of a sheet, the first line of a CSV file.
    public var headerRow: Int? = nil
    /// How to read a nested XML export (`record`, `fields`, `people`); `nil` for a CSV mapping.
    public var xml: XMLLayout? = nil

    public static func == (a: Mapping, b: Mapping) -> Bool {
        a.path == b.path && a.name == b.name && a.files == b.files && a.encoding == b.encoding && a.excelDates == b.excelDates
            && a.sheet == b.sheet && a.headerRow == b.headerRow
            && a.columns.elementsEqual(b.columns, by: { $0.header == $1.header && $0.target == $1.target })
            && a.people == b.people && a.skipRows == b.skipRows && a.constants == b.constants && a.values == b.values && a.xml == b.xml
    }

    /// True when this mapping names `file` (a path as given on the command line).
    public func applies(to file: String) -> Bool {
        let base = (file as NSString).lastPathComponent
        let folder = (PathText.parent(path) as NSString).standardizingPath
        let full = (file as NSString).standardizingPath
        let absolute = full.hasPrefix("/") ? full : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(full)
        for pattern in files {
            if !pattern.contains("/") {
                if fnmatch(pattern, base, 0) == 0 { return true }
                continue
            }
            let p = pattern.hasPrefix("/") ? pattern : (folder as NSString).appendingPathComponent(pattern)
            let pAbs = p.hasPrefix("/") ? p : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(p)
            if fnmatch((pAbs as NSString).standardizingPath, absolute, FNM_PATHNAME) == 0 { return true }
        }
        return false
    }

    /// Values are compared after trimming and with full-width brackets folded to ASCII, so
    /// “采用（单篇）” and “采用(单篇)” are the same value.
    public static func normalise(_ s: String) -> String {
        var out = s.trimmingSpaces
        if out.contains(where: { "（）".contains($0) }) {
            out = out.replacingOccurrences(of: "（", with: "(").replacingOccurrences(of: "）", with: ")")
        }
        return out
    }

    /// The characters that separate names in a list cell: 、 , ， ; ； / ／ spaces (ASCII,
    /// ideographic, no-break) and line breaks.
    public static let listSeparators: Set<Character> = ["、", ",", "，", ";", "；", "/", "／", "\n", "\r", "\r\n", "\t", " ", "\u{3000}", "\u{00A0}", "､", "︑"]

    /// Splits a list cell on ``listSeparators``, except inside brackets: “张伟（经济界，常委）、李明”
    /// is two entries.
    public static func splitList(_ s: String) -> [String] {
        guard s.contains(where: { $0 == "（" || $0 == "(" }) else {
            return s.split(whereSeparator: { listSeparators.contains($0) }).map(String.init)
        }
        var out: [String] = [], current = "", depth = 0
        for c in s {
            if c == "（" || c == "(" { depth += 1 } else if (c == "）" || c == ")") && depth > 0 { depth -= 1 }
            if depth == 0 && listSeparators.contains(c) {
                if !current.isEmpty { out.append(current); current = "" }
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// Splits a list cell like ``splitList(_:)``, but keeps a name padded inside (“叶　兰”,
    /// “叶 兰”) whole: two pieces parted only by spaces, one of them a single character, are
    /// one name when `isName` knows their concatenation.
    public static func splitList(_ s: String, isName: (String) -> Bool) -> [String] {
        var pieces: [(text: String, spaceOnly: Bool)] = []
        var current = ""
        var gap = ""
        var depth = 0
        for c in s {
            if c == "（" || c == "(" { depth += 1 } else if (c == "）" || c == ")") && depth > 0 { depth -= 1 }
            if depth == 0 && listSeparators.contains(c) {
                if !current.isEmpty { pieces.append((current, false)); current = "" }
                gap.append(c)
                continue
            }
            if current.isEmpty, !pieces.isEmpty {
                pieces[pieces.count - 1].spaceOnly = !gap.isEmpty && gap.allSatisfy { $0.isWhitespace && !$0.isNewline }
            }
            gap = ""
            current.append(c)
        }
        if !current.isEmpty { pieces.append((current, false)) }
        var out: [String] = []
        var i = 0
        while i < pieces.count {
            var name = pieces[i].text
            var j = i
            while pieces[j].spaceOnly, j + 1 < pieces.count,
                  name.count == 1 || pieces[j + 1].text.count == 1, isName(name + pieces[j + 1].text) {
                j += 1
                name += pieces[j].text
            }
            out.append(name)
            i = j + 1
        }
        return out
    }
}

/// Where a value sits inside an XML element: a path of child elements (empty for the element
/// itself), then optionally one of its attributes. Written `办理/结果`, `@编号`, `办理/@状态` or `.`.
public struct XMLPath: Sendable, Hashable, CustomStringConvertible {
    public var elements: [String]
    public var attribute: String?

    public init(elements: [String], attribute: String? = nil) {
        self.elements = elements
        self.attribute = attribute
    }

    /// `nil` when `text` is not a path: empty segments, `..`, wildcards, or `@` anywhere but
    /// before the last segment.
    public init?(parsing text: String) {
        let t = text.trimmingSpaces
        if t == "." { self.init(elements: []); return }
        var parts = t.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !t.isEmpty, !parts.contains(where: \.isEmpty) else { return nil }
        var attribute: String?
        if let last = parts.last, last.hasPrefix("@") {
            attribute = String(last.dropFirst())
            parts.removeLast()
        }
        for p in parts + (attribute.map { [$0] } ?? []) where !Self.isName(p) { return nil }
        self.init(elements: parts, attribute: attribute)
    }

    /// An XML name as far as mapping paths go: no spaces, slashes, `@`, quotes, brackets,
    /// wildcards, and not `.` or `..`.
    static func isName(_ s: String) -> Bool {
        guard !s.isEmpty, s != ".", s != "..", let first = s.unicodeScalars.first, !("0"..."9").contains(first),
              !"-.".unicodeScalars.contains(first) else { return false }
        return !s.unicodeScalars.contains { c in
            c.properties.isWhitespace || "/@*?[]()<>\"'=&|:,;{}#$%!~`^+\\".unicodeScalars.contains(c) || c.value < 0x20
        }
    }

    public var description: String {
        let a = attribute.map { "@" + $0 }
        let all = elements + (a.map { [$0] } ?? [])
        return all.isEmpty ? "." : all.joined(separator: "/")
    }
}

/// How a nested XML export becomes canonical records: which repeated element is one item,
/// which of its children, attributes and texts hold which field, and which children are
/// people — one record each, lead first. See `docs/mapping.md`.
///
/// ```yaml
/// record: 提案列表/提案
/// fields: {"@编号": activity_id, 提交日期: date, 办理/状态: status}
/// people:
///   - {path: 第一提案人, role: 第一提案人, member: "@委员编号", single: true}
///   - {path: 联名提案人列表/联名提案人, role: 联名提案人, name: "."}
/// ```
public struct XMLLayout: Sendable, Equatable {
    /// A value's place and where it goes (`.skip`: read and deliberately ignored; for an
    /// element, with everything inside it).
    public struct Field: Sendable, Equatable {
        public var path: XMLPath
        public var target: Mapping.Target
        public init(path: XMLPath, target: Mapping.Target) {
            self.path = path
            self.target = target
        }
    }

    /// Child elements that each name one person: one record per element.
    public struct PersonGroup: Sendable, Equatable {
        /// Element path from the item to each person element.
        public var path: [String]
        /// Role written on every record of this group; `nil` keeps the mapped role.
        public var role: String?
        /// Where the person's member id (or, with `byName`, name) is, relative to the person element.
        public var member: XMLPath
        public var byName: Bool
        /// Exactly one such element per item (a lead proposer); none or several reject the item.
        public var single: Bool
        /// Values of this person's record only, relative to the person element.
        public var fields: [Field]
        /// The member text is a list of several people (“邱雪、严凯洋 曹丽”), split like a CSV
        /// list cell; an empty element is nobody.
        public var list: Bool

        public init(path: [String], role: String?, member: XMLPath, byName: Bool, single: Bool, fields: [Field] = [], list: Bool = false) {
            self.path = path
            self.role = role
            self.member = member
            self.byName = byName
            self.single = single
            self.fields = fields
            self.list = list
        }
    }

    /// Element path of the repeated item element, matched against the end of each element's
    /// path from the root (`anchored`: against the whole path, written with a leading `/`).
    public var record: [String]
    public var anchored: Bool
    public var fields: [Field]
    public var people: [PersonGroup]
    /// An item-level member field that lists several people, as a CSV list column does
    /// (`column` is the path); `nil` when the item's member is one person or comes from `people`.
    public var itemList: Mapping.PeopleList?

    public init(record: [String], anchored: Bool, fields: [Field], people: [PersonGroup], itemList: Mapping.PeopleList? = nil) {
        self.record = record
        self.anchored = anchored
        self.fields = fields
        self.people = people
        self.itemList = itemList
    }

    /// The record path as written.
    public var recordText: String { (anchored ? "/" : "") + record.joined(separator: "/") }
}

/// A text encoding of an input file.
public enum TextEncoding: String, Sendable, CaseIterable {
    /// UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 when the start of the file is
    /// not UTF-8 but is valid GB18030.
    case auto
    case utf8 = "utf-8"
    case utf16 = "utf-16"
    case gb18030
    case gbk

    public init?(spelling: String) {
        switch spelling.lowercased().replacingOccurrences(of: "_", with: "-") {
        case "auto", "自动": self = .auto
        case "utf-8", "utf8": self = .utf8
        case "utf-16", "utf16": self = .utf16
        case "gb18030": self = .gb18030
        case "gbk", "gb2312", "cp936": self = .gbk
        default: return nil
        }
    }
}

/// Problems in a mapping file, each with its line and column.
public struct MappingError: FileDiagnostics {
    public var path: String
    public var source: String?
    public var diagnostics: [Diagnostic]

}

extension Mapping {
    /// The one mapping among `mappings` that names `file`, `nil` when none does.
    /// - Throws: ``IngestError/ambiguousMapping(path:mappings:)`` when several do.
    public static func select(for file: String, from mappings: [Mapping]) throws(IngestError) -> Mapping? {
        let matching = mappings.filter { $0.applies(to: file) }
        if matching.count > 1 { throw .ambiguousMapping(path: file, mappings: matching.map(\.path)) }
        return matching.first
    }
}
