import LvzhiCore

/// SpreadsheetML text: escaping, XML 1.0 sanitising, cell references and display widths.
enum SpreadsheetText {
    /// Appends `s` as XML character data: `& < >` escaped (and `"` when `attribute`),
    /// characters XML 1.0 forbids (C0 controls but tab, LF and CR; U+FFFE, U+FFFF) dropped,
    /// and `_xHHHH_`, which Excel reads as an escaped character, protected as `_x005F_xHHHH_`.
    static func appendEscaped(_ s: String, attribute: Bool = false, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { appendEscaped($0, attribute: attribute, to: &out) }
    }

    static func appendEscaped(_ u: UnsafeBufferPointer<UInt8>, attribute: Bool = false, to out: inout [UInt8]) {
        var clean = true
        for b in u where b < 0x20 || b == 0x26 || b == 0x3C || b == 0x3E || b == 0x5F || b == 0xEF || (attribute && b == 0x22) {
            clean = false
            break
        }
        if clean { out.append(contentsOf: u); return }
        var i = 0
        let n = u.count
        while i < n {
            let b = u[i]
            switch b {
            case 0x26: out.appendLiteral("&amp;")
            case 0x3C: out.appendLiteral("&lt;")
            case 0x3E: out.appendLiteral("&gt;")
            case 0x22 where attribute: out.appendLiteral("&quot;")
            case 0x09, 0x0A:
                if attribute { out.appendLiteral(b == 0x09 ? "&#9;" : "&#10;") } else { out.append(b) }
            case 0x0D: out.appendLiteral("&#13;")
            case 0..<0x20: break
            case 0xEF where i + 2 < n && u[i + 1] == 0xBF && (u[i + 2] == 0xBE || u[i + 2] == 0xBF):
                i += 2  // U+FFFE, U+FFFF
            case 0x5F where isEscapeSequence(u, at: i):
                out.appendLiteral("_x005F_")
            default: out.append(b)
            }
            i += 1
        }
    }

    /// `_x` four hex digits `_` starting at `i`.
    private static func isEscapeSequence(_ u: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        guard i + 6 < u.count, u[i + 1] == UInt8(ascii: "x"), u[i + 6] == 0x5F else { return false }
        for j in i + 2...i + 5 {
            switch u[j] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): continue
            default: return false
            }
        }
        return true
    }

    /// Text as a cell holds it: control characters (other than tab, LF and CR) and DEL written as
    /// U+FFFD, as in the CSV and HTML outputs, U+FFFE and U+FFFF (which XML 1.0 forbids) dropped,
    /// then neutralised against formula injection exactly as in the CSV files.
    static func cellText(_ s: String) -> String {
        guard hasForbiddenCharacters(s) else { return CSVWriter.neutralise(s) }
        var clean = String.UnicodeScalarView()
        for c in s.unicodeScalars {
            switch c.value {
            case 0x09, 0x0A, 0x0D: clean.append(c)
            case 0..<0x20, 0x7F: clean.append("\u{FFFD}")
            case 0xFFFE, 0xFFFF: continue
            default: clean.append(c)
            }
        }
        return CSVWriter.neutralise(String(clean))
    }

    /// True when `s` needs neither cleaning nor neutralising: ``cellText(_:)`` would return it as is.
    static func isCellText(_ s: String) -> Bool {
        guard let first = s.utf8.first else { return true }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D: return false
        default: return !hasForbiddenCharacters(s)
        }
    }

    /// The same as ``isCellText(_:)`` of the string these bytes spell.
    static func isCellText(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = u.first else { return true }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D: return false
        default: return !hasForbiddenCharacters(u)
        }
    }

    /// Whether `s` holds a character XML 1.0 forbids, or DEL (cells show U+FFFD for it, as the CSV files do).
    static func hasForbiddenCharacters(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { hasForbiddenCharacters($0) }
    }

    static func hasForbiddenCharacters(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < u.count {
            let b = u[i]
            if (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D) || b == 0x7F { return true }
            if b == 0xEF && i + 2 < u.count && u[i + 1] == 0xBF && (u[i + 2] == 0xBE || u[i + 2] == 0xBF) { return true }
            i += 1
        }
        return false
    }

    /// Whether `<t>` needs `xml:space="preserve"` (leading or trailing white space).
    static func needsPreserve(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { needsPreserve($0) }
    }

    static func needsPreserve(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let f = u.first, let l = u.last else { return false }
        func ws(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        return ws(f) || ws(l)
    }

    /// `A`, `B`, … `Z`, `AA`, … for the 0-based column `i`.
    static func columnName(_ i: Int) -> String {
        var n = i + 1
        var letters: [UInt8] = []
        while n > 0 {
            n -= 1
            letters.append(UInt8(65 + n % 26))
            n /= 26
        }
        return String(decoding: letters.reversed(), as: UTF8.self)
    }

    /// `A1`-style reference of a 0-based column and 1-based row.
    static func ref(column: Int, row: Int) -> String { columnName(column) + String(row) }

    /// Width in "half-width" columns: East Asian wide and full-width characters count two.
    static func displayWidth(_ s: String) -> Int {
        var s = s
        return s.withUTF8 { displayWidth($0) }
    }

    static func displayWidth(_ u: UnsafeBufferPointer<UInt8>) -> Int {
        var w = 0
        var i = 0
        let n = u.count
        while i < n {
            let b = u[i]
            var scalar: UInt32
            var length: Int
            switch b {
            case 0..<0x80: w += 1; i += 1; continue
            case 0xC0..<0xE0: length = 2; scalar = UInt32(b & 0x1F)
            case 0xE0..<0xF0: length = 3; scalar = UInt32(b & 0x0F)
            case 0xF0..<0xF8: length = 4; scalar = UInt32(b & 0x07)
            default: w += 1; i += 1; continue
            }
            var j = 1
            while j < length && i + j < n { scalar = scalar << 6 | UInt32(u[i + j] & 0x3F); j += 1 }
            i += length
            switch scalar {
            case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
                 0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
                 0xFFE0...0xFFE6, 0x20000...0x3FFFD:
                w += 2
            default:
                w += 1
            }
        }
        return w
    }
}

/// The shared-string table (`xl/sharedStrings.xml`) of the sheets that grow with the number
/// of members. Sheets that grow with the number of records use inline strings instead, so
/// that memory stays bounded while they are streamed.
struct SharedStrings {
    private(set) var strings: [String] = []
    private var index: [String: Int] = [:]
    private(set) var references = 0

    mutating func id(_ s: String) -> Int {
        references += 1
        return add(s)
    }

    /// Adds `s` (already clean and neutralised) without counting a reference: a text the
    /// streamed ledger sheet may refer to (``SharedLookup``).
    @discardableResult
    mutating func add(_ s: String) -> Int {
        if let i = index[s] { return i }
        index[s] = strings.count
        strings.append(s)
        return strings.count - 1
    }

    /// The table as it stands, for the streamed sheets to look texts up in.
    func lookup() -> SharedLookup { SharedLookup(strings: strings) }

    /// The part; `extraReferences`: the streamed sheets' references, counted as they were written.
    func xml(extraReferences: Int = 0) -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: WorkbookXML.declaration.utf8)
        out.append(contentsOf: "<sst xmlns=\"\(WorkbookXML.mainNS)\" count=\"\(references + extraReferences)\" uniqueCount=\"\(strings.count)\">\n".utf8)
        for s in strings {
            out.append(contentsOf: SpreadsheetText.needsPreserve(s) ? "<si><t xml:space=\"preserve\">".utf8 : "<si><t>".utf8)
            SpreadsheetText.appendEscaped(s, to: &out)
            out.append(contentsOf: "</t></si>\n".utf8)
        }
        out.append(contentsOf: "</sst>".utf8)
        return out
    }
}

/// The shared-string table, read-only, for the streamed ledger sheet: its columns that repeat
/// a few texts (member, kind, rule, category, note) refer to the table instead of repeating
/// them inline — a third of the sheet's bytes.
/// Looked up by UTF-8 bytes (``SymbolTable``): a `[String: Int]` hashed every Chinese text through
/// Unicode normalisation, which cost as much as the bytes it saved.
final class SharedLookup: Sendable {
    private let table: SymbolTable
    /// The shared-string index of each symbol of `table` (-1: none).
    private let ids: [Int]

    init(strings: [String]) {
        var table = SymbolTable()
        var ids = [Int](repeating: -1, count: table.count)
        for (i, s) in strings.enumerated() {
            let k = Int(table.intern(s))
            if k == ids.count { ids.append(i) } else if ids[k] < 0 { ids[k] = i }
        }
        self.table = table
        self.ids = ids
    }

    /// The shared-string index of `s`, if the table holds it.
    func id(_ s: String) -> Int? {
        var s = s
        guard let k = s.withUTF8({ table.lookup(bytes: $0) }), ids[Int(k)] >= 0 else { return nil }
        return ids[Int(k)]
    }
}

/// Writes the `<row>` and `<c>` elements of one worksheet's `<sheetData>`. Rows and columns
/// are counted as cells arrive, so the row functions shared with the CSV files drive it.
struct SheetXML: TableSink {
    var out: [UInt8] = []
    /// The 1-based row being written.
    private(set) var row: Int
    /// The 0-based column of the next cell.
    private(set) var column = 0
    private var rowOpen = false
    /// The column after the last cell written in the open row.
    private var written = 0
    private var columnNames: [[UInt8]] = []
    /// When set, text goes to this shared-string table; otherwise cells carry inline strings.
    var shared: SharedStrings?
    /// Without ``shared``: texts in the columns `sharedColumns` (a bit per column) that this
    /// table holds are written as references to it; ``sharedReferences`` counts them.
    var lookup: SharedLookup?
    var sharedColumns: UInt64 = 0
    private(set) var sharedReferences = 0
    /// Record display widths per column (for `<cols>`).
    var measuring = true
    private(set) var widths: [Int] = []
    /// The style of text and number cells written through ``TableSink``.
    var textStyle = 0
    var numberStyle = 0
    /// Grade `i`'s cell gets style `gradeStyleBase + i`; nil leaves grade cells plain.
    var gradeStyleBase: Int?
    /// The workbook's language: codes written in its words, 不参与排名 written out. Nil: as the CSV files.
    var lang: Language?

    init(firstRow: Int = 1, shared: SharedStrings? = nil) {
        row = firstRow
        self.shared = shared
    }

    // MARK: TableSink

    mutating func text(_ s: String) { text(s, style: textStyle) }
    mutating func number(_ s: String) { number(s, style: numberStyle) }
    mutating func grade(_ name: String, index: Int) { text(name, style: gradeStyleBase.map { $0 + index } ?? textStyle) }
    /// A real date cell (Excel's serial day, shown as yyyy-mm-dd).
    mutating func date(_ d: Day) {
        guard lang != nil else { text(d.description); return }
        number(String(Int(d.ordinal) + 25_569), style: CellStyle.date)
        // The serial is five digits; the column must fit the ten characters shown.
        if measuring { measureShown(10) }
    }
    mutating func code(_ code: String) {
        guard let lang else { text(code); return }
        text(lang == .zh ? WorkbookCodes.chinese[code] ?? code : code)
    }
    mutating func rank(_ r: Int?) {
        guard let lang, r == nil else { number(r.map(String.init) ?? ""); return }
        text(lang.pick("不参与排名", "not ranked"))
    }

    mutating func endRow() {
        if rowOpen { out.appendLiteral("</row>\n") }
        rowOpen = false
        row += 1
        column = 0
    }

    // MARK: Cells

    /// A text cell, cleaned and neutralised (``SpreadsheetText/cellText(_:)``); an empty text
    /// leaves the cell out.
    mutating func text(_ raw: String, style: Int) {
        if raw.isEmpty { column += 1; return }
        if SpreadsheetText.isCellText(raw) { emit(raw, style: style) } else { emit(SpreadsheetText.cellText(raw), style: style) }
    }

    /// A keyed text (``TableSink/text(_:key:)``, ``TableSink/repeatText(key:)``): in a shared column, the shared-string index
    /// and display width of the text are kept under its key, in a small table per column (64
    /// slots by key), so a repeated member, kind, rule or category is neither checked, measured
    /// nor looked up again. Elsewhere the same as ``text(_:)``.
    mutating func repeatText(key: Int) -> Bool {
        guard shared == nil, key >= 0, isSharedColumn, let k = keyed.get(column: column, key: key) else { return false }
        writeShared(id: Int(k.id), width: Int(k.width))
        return true
    }

    mutating func text(_ s: String, key: Int) {
        guard shared == nil, key >= 0, isSharedColumn else { text(s); return }
        guard !s.isEmpty else { column += 1; return }
        let clean = SpreadsheetText.isCellText(s) ? s : SpreadsheetText.cellText(s)
        guard let id = lookup?.id(clean) else { emit(clean, style: textStyle); return }
        let width = SpreadsheetText.displayWidth(clean)
        keyed.set(column: column, key: key, (id: Int32(id), width: Int32(width)))
        writeShared(id: id, width: width)
    }

    /// What keyed texts became: their shared-string index and display width.
    private var keyed = KeyedSlots<(id: Int32, width: Int32)>()

    /// A reference to shared string `id` from the lookup table, in a text cell of `width` shown columns.
    private mutating func writeShared(id: Int, width: Int) {
        if measuring { measure(width) }
        sharedCell(id, style: textStyle)
        sharedReferences += 1
        column += 1
    }

    /// `<c … t="s"><v>id</v></c>`.
    private mutating func sharedCell(_ id: Int, style: Int) {
        openValue(style: style, shared: true)
        appendDecimal(id)
        out.appendLiteral("</v></c>")
    }

    /// A text cell from UTF-8 bytes: the same as ``text(_:)`` of the same string.
    mutating func text(utf8 u: UnsafeBufferPointer<UInt8>) {
        guard shared == nil, !isSharedColumn, !u.isEmpty, SpreadsheetText.isCellText(u) else {
            text(String(decoding: u, as: UTF8.self))
            return
        }
        emitInline(u, style: textStyle)
        column += 1
    }

    /// An exact value (``TableSink/exact(utf8:)``): a text cell of the bytes as they are.
    mutating func exact(utf8 u: UnsafeBufferPointer<UInt8>) {
        guard !u.isEmpty else { column += 1; return }
        guard shared == nil, !isSharedColumn else {
            emit(String(decoding: u, as: UTF8.self), style: textStyle)
            return
        }
        emitInline(u, style: textStyle)
        column += 1
    }

    /// An inline-string cell of text that is already clean and neutralised.
    private mutating func emitInline(_ u: UnsafeBufferPointer<UInt8>, style: Int) {
        if measuring { measure(SpreadsheetText.displayWidth(u)) }
        open(style: style, type: " t=\"inlineStr\"")
        if SpreadsheetText.needsPreserve(u) { out.appendLiteral("<is><t xml:space=\"preserve\">") } else { out.appendLiteral("<is><t>") }
        SpreadsheetText.appendEscaped(u, to: &out)
        out.appendLiteral("</t></is></c>")
    }

    private var isSharedColumn: Bool { column < 64 && sharedColumns & (1 << UInt64(column)) != 0 && lookup != nil }

    /// Writes text that is already clean and neutralised.
    private mutating func emit(_ s: String, style: Int) {
        if var table = shared {
            if measuring { measure(SpreadsheetText.displayWidth(s)) }
            shared = nil  // keep the table uniquely referenced while it grows
            let id = table.id(s)
            shared = table
            sharedCell(id, style: style)
        } else if isSharedColumn, let id = lookup?.id(s) {
            if measuring { measure(SpreadsheetText.displayWidth(s)) }
            sharedCell(id, style: style)
            sharedReferences += 1
        } else {
            var s = s
            s.withUTF8 { emitInline($0, style: style) }
        }
        column += 1
    }

    /// A number cell from exact decimal text (``Points/description`` or an integer); an empty
    /// text leaves the cell out.
    mutating func number(_ s: String, style: Int) {
        guard !s.isEmpty else { column += 1; return }
        if measuring { measure(s.utf8.count) }
        openValue(style: style, shared: false)
        var s = s
        s.withUTF8 { out.append(contentsOf: $0) }
        out.appendLiteral("</v></c>")
        column += 1
    }

    mutating func number(_ n: Int, style: Int = 0) { number(String(n), style: style) }

    /// A number cell from UTF-8 bytes: the same as ``number(_:)`` of the same string.
    mutating func number(utf8 u: UnsafeBufferPointer<UInt8>) {
        guard !u.isEmpty else { column += 1; return }
        if measuring { measure(u.count) }
        openValue(style: numberStyle, shared: false)
        out.append(contentsOf: u)
        out.appendLiteral("</v></c>")
        column += 1
    }

    /// Leaves `n` cells empty.
    mutating func skip(_ n: Int = 1) { column += n }

    /// Writes `cells` as text in `style` and ends the row.
    mutating func row(_ cells: [String], style: Int) {
        for c in cells { text(c, style: style) }
        endRow()
    }

    /// Widens the previous cell's column to `w` (a date's shown text is wider than its serial).
    private mutating func measureShown(_ w: Int) {
        column -= 1
        measure(w)
        column += 1
    }

    private mutating func measure(_ w: Int) {
        while widths.count <= column { widths.append(0) }
        if w > widths[column] { widths[column] = w }
    }

    /// Opens a cell: `<row r="N">` first when the row has none open, then `<c`, the cell's
    /// reference only when a cell was left out before it (cells without one follow the cell
    /// before; Excel and LibreOffice read both), its style and `type` (nil: a number, the
    /// default type).
    private mutating func open(style: Int, type: StaticString?) {
        if !rowOpen {
            out.appendLiteral("<row r=\"")
            appendDecimal(row)
            out.appendLiteral("\">")
            rowOpen = true
            written = 0
        }
        if column == written {
            out.appendLiteral("<c")
        } else {
            while columnNames.count <= column { columnNames.append(Array(SpreadsheetText.columnName(columnNames.count).utf8)) }
            out.appendLiteral("<c r=\"")
            columnNames.withUnsafeBufferPointer { names in out.append(contentsOf: names[column]) }
            appendDecimal(row)
            out.appendLiteral("\"")
        }
        if style != 0 {
            out.appendLiteral(" s=\"")
            appendDecimal(style)
            out.appendLiteral("\"")
        }
        if let type { out.appendLiteral(type) }
        out.appendLiteral(">")
        written = column + 1
    }

    /// Opens a number cell (`shared`: a shared-string cell) up to its `<v>`. The common case,
    /// a cell right after the one before, appends `<c s="6" t="s"><v>` as one remembered run
    /// of bytes per style instead of five pieces.
    private mutating func openValue(style: Int, shared: Bool) {
        guard rowOpen, column == written, style >= 0, style < 64 else {
            open(style: style, type: shared ? " t=\"s\"" : nil)
            out.appendLiteral("<v>")
            return
        }
        let slot = style * 2 + (shared ? 1 : 0)
        if slot >= openings.count { openings += repeatElement(0..<0, count: slot + 1 - openings.count) }
        if openings[slot].isEmpty {
            let start = openingBytes.count
            openingBytes.appendLiteral("<c")
            if style != 0 {
                openingBytes.appendLiteral(" s=\"")
                HTMLBytes.digits(UInt64(style), into: &openingBytes)
                openingBytes.appendLiteral("\"")
            }
            if shared { openingBytes.appendLiteral(" t=\"s\"") }
            openingBytes.appendLiteral("><v>")
            openings[slot] = start..<openingBytes.count
        }
        let r = openings[slot]
        openingBytes.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[r])) }
        written = column + 1
    }
    /// ``openValue(style:shared:)``'s runs of bytes, by style × 2 + shared.
    private var openings: [Range<Int>] = []
    private var openingBytes: [UInt8] = []

    /// Appends a non-negative integer's decimal digits.
    private mutating func appendDecimal(_ n: Int) { HTMLBytes.digits(UInt64(max(0, n)), into: &out) }
}

extension Array where Element == UInt8 {
    /// Appends a literal's UTF-8 bytes (no shared array buffer to retain on every call, which
    /// on all cores at once made the atomic reference count the workbook's hottest spot).
    @inline(__always)
    mutating func appendLiteral(_ s: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }
}

/// The ledger's note codes in Chinese, for the workbook (the CSV files keep the codes).
enum WorkbookCodes {
    static let chinese: [String: String] = [
        "full": "全额计分", "rule_capped": "本项封顶", "count_limited": "超过次数上限", "no_rule": "无适用规则",
        "veto": "否决事项", "category_capped": "类别封顶", "category_floored": "类别保底", "base": "基础分",
        "score_capped": "总分封顶", "score_floored": "总分保底", "coauthor_share": "联名分摊", "not_credited": "不计分",
        "not_lead": "非第一提案人", "skipped": "前几次不计分", "exclusive_dropped": "取其高未计", "requirement_missed": "未达最低要求",
        "prorated": "按在任天数折算", "history": "跨年度处理", "removed": "复核删除",
    ]
}
