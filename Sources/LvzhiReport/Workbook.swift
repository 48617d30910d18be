import Foundation
import LvzhiCore
import LvzhiRules
import LvzhiScoring
#if canImport(Glibc)
import Glibc
#endif

/// Writes `scores.xlsx`, an Office Open XML workbook, from the same ``RunSummary`` and the same
/// row functions as `scores.csv`, `ledger.csv` and `rejects.csv`:
///
/// - 汇总 / Summary — a row per member, the columns of scores.csv; the grade cell in its colour.
/// - 五色图 / Chart — each 界别 in rows of 20 cells, each member a cell in their grade's
///   colour, best first; a legend with counts and shares below.
/// - 各界别统计 / By sector — a row per 界别: members, each grade's count, average, highest and lowest score.
/// - 明细 / Ledger — the columns of ledger.csv, a row per ledger line; continued on 明细2, 明细3 …
///   past Excel's 1,048,576 rows per sheet.
/// - 问题数据 / Rejects — the columns of rejects.csv (continued the same way).
///
/// The two sheets that grow with the number of members are built in memory with a shared-string
/// table; the two that grow with the number of records use inline strings and are streamed
/// into their ZIP entries in one pass on all cores: a window of row blocks at a time is
/// rendered and deflated in parallel (``ZipWriter``), measuring column widths as it goes, and
/// the sheet's start (which holds the widths) fills a space reserved before the rows — so
/// memory stays bounded. Every sheet starts with a title row (scheme, period, sheet); dates
/// are date cells, ledger notes are in words, and the ledger prints one page wide.
/// Output is byte-for-byte deterministic: fixed entry dates, the run's
/// time in core.xml, and no other clock or randomness.
public enum Workbook {
    /// Excel's rows per worksheet.
    public static let maxRowsPerSheet = 1_048_576
    /// Every entry's modification time: 1980-01-01 00:00 (the ZIP format's epoch).
    static let entryDate = Date(timeIntervalSince1970: 315_532_800)

    /// Writes the workbook to `path` (through a temporary file renamed into place).
    public static func write(_ s: RunSummary, lang: Language, to path: String) throws {
        try write(s, lang: lang, to: path, rowLimit: maxRowsPerSheet)
    }

    /// The package's parts, uncompressed, in the order they are stored: for golden-file tests.
    public static func parts(_ s: RunSummary, lang: Language) -> [(name: String, bytes: [UInt8])] {
        parts(s, lang: lang, rowLimit: maxRowsPerSheet)
    }

    static func parts(_ s: RunSummary, lang: Language, rowLimit: Int) -> [(name: String, bytes: [UInt8])] {
        let book = Book(s, lang: lang, rowLimit: rowLimit)
        var references = 0
        return book.entries().map { e in
            switch e.content {
            case .bytes(let b): return (e.name, b)
            case .sharedStrings: return (e.name, book.sharedStringsXML(streamedReferences: references))
            case .streamed(let t, let sheet):
                let (head, columns, bound) = book.sheetHead(t, sheet: sheet)
                var body = t.bodyWriter(firstRow: 3)
                t.render(t.rows(ofSheet: sheet), &body)
                references += body.sharedReferences
                let layout = book.layout(t, sheet: sheet, measured: .init(widths: StreamedTable.widest(head.widths, body.widths), columns: columns))
                return (e.name, layout.prefix(padTo: bound) + head.out + body.out + layout.suffix())
            }
        }
    }

    /// `lanes`, `blockRows` and `blockSize` are for tests: the bytes do not depend on `lanes`.
    static func write(_ s: RunSummary, lang: Language, to path: String, rowLimit: Int,
                      lanes: Int = ProcessInfo.processInfo.activeProcessorCount,
                      blockRows: Int = StreamedTable.blockRows, blockSize: Int = ZipWriter.blockSize) throws {
        let book = Book(s, lang: lang, rowLimit: rowLimit)
        let temp = path + ".tmp-\(getpid())"
        unlink(temp)
        do {
            try zip(book, to: temp, lanes: lanes, blockRows: blockRows, blockSize: blockSize)
            guard rename(temp, path) == 0 else {
                throw SafeFile.Problem.system(path: path, reason: String(cString: strerror(errno)))
            }
        } catch ZipWriterError.io(_, let reason) {
            // Named as the output, not its temporary name.
            unlink(temp)
            throw SafeFile.Problem.system(path: path, reason: reason)
        } catch ZipWriterError.tooLarge {
            unlink(temp)
            throw SafeFile.Problem.system(path: path, reason: "the workbook is larger than 4 GiB (ZIP64 is not written); leave xlsx out with --formats")
        } catch {
            unlink(temp)
            throw error
        }
    }

    /// Writes the package: every entry deflated in blocks on `lanes` threads (``ZipWriter``); the
    /// streamed sheets' rows are rendered on `lanes` threads too, a window of blocks at a time,
    /// so memory stays bounded. The bytes do not depend on `lanes`.
    static func zip(_ book: Book, to path: String, lanes: Int = ProcessInfo.processInfo.activeProcessorCount,
                    blockRows: Int = StreamedTable.blockRows, blockSize: Int = ZipWriter.blockSize) throws {
        let zip = try ZipWriter(path: path, lanes: lanes, blockSize: blockSize)
        // The streamed sheets' references to shared strings, for the table's count (it is stored after them).
        var references = 0
        for e in book.entries() {
            try zip.beginEntry(e.name)
            switch e.content {
            case .bytes(let bytes):
                try zip.add([bytes])
            case .sharedStrings:
                try zip.add([book.sharedStringsXML(streamedReferences: references)])
            case .streamed(let table, let sheet):
                // One pass: the rows are rendered `window` blocks at a time on all cores and
                // deflated, measuring the column widths as they go; the sheet's start, which
                // holds the widths, fills a space reserved before the rows (stored, padded).
                let (head, columns, bound) = book.sheetHead(table, sheet: sheet)
                try zip.reserve(bound)
                try zip.add([head.out])
                var widths = head.widths
                let rows = table.rows(ofSheet: sheet)
                let window = 4 * max(1, lanes)
                var next = rows.lowerBound
                let decimals = Points.displayDecimals
                // Each window's buffers are emptied and handed to the next (fresh megabytes
                // for every block were page faults on all cores).
                var spare: [[UInt8]] = []
                while next < rows.upperBound {
                    let blocks = min(window, (rows.upperBound - next + blockRows - 1) / blockRows)
                    let slots = ParallelSlots<(out: [UInt8], widths: [Int], references: Int)>(count: blocks)
                    let buffers = ParallelSlots<[UInt8]>(count: blocks)
                    for b in 0..<blocks { buffers.set(b, spare.popLast() ?? []) }
                    let first = next
                    let render: @Sendable (Int) -> Void = { b in Points.withDisplay(decimals: decimals) {
                        let lo = first + b * blockRows
                        let hi = min(rows.upperBound, lo + blockRows)
                        var w = table.bodyWriter(firstRow: 3 + lo - rows.lowerBound)
                        w.out = buffers.take(b)
                        table.render(lo..<hi, &w)
                        slots.set(b, (w.out, w.widths, w.sharedReferences))
                    } }
                    if lanes == 1 || blocks == 1 {
                        for b in 0..<blocks { render(b) }
                    } else {
                        DispatchQueue.concurrentPerform(iterations: blocks, execute: render)
                    }
                    var outs: [[UInt8]] = []
                    for b in 0..<blocks {
                        let (out, w, r) = slots.take(b)
                        outs.append(out)
                        widths = StreamedTable.widest(widths, w)
                        references += r
                    }
                    try zip.add(outs)
                    while var out = outs.popLast() {
                        out.removeAll(keepingCapacity: true)
                        spare.append(out)
                    }
                    next = min(rows.upperBound, next + blocks * blockRows)
                }
                let layout = book.layout(table, sheet: sheet, measured: .init(widths: widths, columns: columns))
                try zip.fillReserved(layout.prefix(padTo: bound))
                try zip.add([layout.suffix()])
            }
            try zip.endEntry()
        }
        try zip.finish()
    }
}

/// One package entry: bytes built in memory, or one sheet of a streamed table.
struct BookEntry {
    enum Content {
        case bytes([UInt8])
        case streamed(StreamedTable, sheet: Int)
        /// `xl/sharedStrings.xml`, stored after the streamed sheets: its count of references
        /// includes theirs, known once they are written.
        case sharedStrings
    }
    var name: String
    var content: Content
}

/// The workbook's plan: sheet names and layouts, the in-memory sheets and the shared strings.
struct Book {
    let s: RunSummary
    let lang: Language
    private(set) var ledger: StreamedTable
    let rejects: StreamedTable
    /// The 复核 sheet, only when corrections were applied.
    let corrections: StreamedTable?
    /// Every sheet's name, in order.
    private(set) var sheetNames: [String] = []
    private var memorySheets: [(layout: SheetLayout, body: [UInt8])] = []
    private var shared = SharedStrings()

    init(_ s: RunSummary, lang: Language, rowLimit: Int) {
        self.s = s
        self.lang = lang
        let rowsPerSheet = max(1, rowLimit - 2)  // below the title and header rows
        let title = Self.title(s, lang: lang)
        ledger = StreamedTable.ledger(s, lang: lang, rowsPerSheet: rowsPerSheet, title: title)
        rejects = StreamedTable.rejects(s, lang: lang, rowsPerSheet: rowsPerSheet, title: title)
        corrections = s.hasCorrections ? StreamedTable.corrections(s, lang: lang, rowsPerSheet: rowsPerSheet, title: title) : nil
        memorySheets.append(summarySheet())
        memorySheets.append(chartSheet())
        memorySheets.append(sectorSheet())
        shareLedgerTexts()
        sheetNames = memorySheets.map(\.layout.name)
        sheetNames += (0..<ledger.sheetCount).map(ledger.sheetName)
        sheetNames += (0..<rejects.sheetCount).map(rejects.sheetName)
        if let corrections { sheetNames += (0..<corrections.sheetCount).map(corrections.sheetName) }
    }

    func t(_ zh: String, _ en: String) -> String { lang.pick(zh, en) }

    /// The shared-string part, with the streamed sheets' references counted.
    func sharedStringsXML(streamedReferences: Int) -> [UInt8] { shared.xml(extraReferences: streamedReferences) }

    /// The ledger columns that repeat a few texts: 委员编号, 姓名, 类型, 状态, 角色, 级别, 规则编号,
    /// 规则, 类别 and 说明代码 (in words). Their texts go into the shared-string table before the
    /// ledger is streamed (bounded by the roster and the rules, not by the records), and its
    /// cells refer to them.
    static let ledgerSharedColumns: [Int] = [0, 1, 4, 5, 6, 7, 9, 10, 11, 14]

    private mutating func shareLedgerTexts() {
        var table = shared
        func add(_ v: String) {
            guard !v.isEmpty else { return }
            table.add(SpreadsheetText.isCellText(v) ? v : SpreadsheetText.cellText(v))
        }
        for r in s.rows { add(r.member.id); add(r.member.name) }
        for rule in s.run.rules.rules { add(rule.id); add(rule.name) }
        for c in s.run.rules.categories { add(c.name) }
        let store = s.run.store
        var used = [Bool](repeating: false, count: store.symbols.count)
        func use(_ k: Int32) { if k >= 0 && Int(k) < used.count { used[Int(k)] = true } }
        for a in store.records { use(a.kind); use(a.status); use(a.role); use(a.level) }
        for (k, u) in used.enumerated() where u { add(store.symbols[Int32(k)]) }
        for code in WorkbookCodes.chinese.keys.sorted() { add(lang == .zh ? WorkbookCodes.chinese[code]! : code) }
        shared = table
        ledger.lookup = shared.lookup()
        ledger.sharedColumns = Self.ledgerSharedColumns.reduce(0) { $0 | (1 << UInt64($1)) }
    }

    /// The start of every sheet's title: “奉节县政协 履职考核结果 · 考核期间 2025年1月1日至12月31日”.
    static func title(_ s: RunSummary, lang: Language) -> String {
        s.run.rules.name + lang.pick(" 履职考核结果 · 考核期间 ", " duty-performance results · period ") + DisplayDate.period(s.run.period, lang)
    }

    /// Writes the title row: the title and the sheet's name, not measured for column widths.
    func titleRow(_ sheet: String, into w: inout SheetXML) {
        let measuring = w.measuring
        w.measuring = false
        w.text(Self.title(s, lang: lang) + " · " + sheet, style: CellStyle.title)
        w.measuring = measuring
        w.endRow()
    }

    /// A sheet writer in this workbook's language.
    func sheetWriter() -> SheetXML {
        var w = SheetXML(shared: shared)
        w.lang = lang
        return w
    }

    /// Every entry in the order it is stored.
    func entries() -> [BookEntry] {
        var layouts = memorySheets.map(\.layout)
        // The streamed sheets' layouts matter to workbook.xml only for their names and filters,
        // which do not depend on measuring.
        for (table, k) in streamedSheets() {
            layouts.append(layout(table, sheet: k, measured: .init(widths: [], columns: table.header.count)))
        }
        var out: [BookEntry] = [
            BookEntry(name: "[Content_Types].xml", content: .bytes(Array(WorkbookXML.contentTypes(sheets: sheetNames.count).utf8))),
            BookEntry(name: "_rels/.rels", content: .bytes(Array(WorkbookXML.rootRels.utf8))),
            BookEntry(name: "docProps/app.xml", content: .bytes(Array(WorkbookXML.app(sheetNames: sheetNames).utf8))),
            BookEntry(name: "docProps/core.xml", content: .bytes(Array(WorkbookXML.core(
                title: "\(s.run.rules.name) \(t("履职考核结果", "duty performance scores")) \(s.run.period)",
                creator: "lvzhi \(s.toolVersion)", created: s.generatedAt).utf8))),
            BookEntry(name: "xl/workbook.xml", content: .bytes(Array(WorkbookXML.workbook(layouts).utf8))),
            BookEntry(name: "xl/_rels/workbook.xml.rels", content: .bytes(Array(WorkbookXML.workbookRels(sheets: sheetNames.count).utf8))),
            BookEntry(name: "xl/styles.xml", content: .bytes(Array(WorkbookXML.styles(s.run.rules.grades).utf8))),
        ]
        for (i, m) in memorySheets.enumerated() {
            out.append(BookEntry(name: "xl/worksheets/sheet\(i + 1).xml", content: .bytes(m.layout.prefix() + m.body + m.layout.suffix())))
        }
        for (i, (table, k)) in streamedSheets().enumerated() {
            out.append(BookEntry(name: "xl/worksheets/sheet\(memorySheets.count + i + 1).xml", content: .streamed(table, sheet: k)))
        }
        out.append(BookEntry(name: "xl/sharedStrings.xml", content: .sharedStrings))
        return out
    }

    private func streamedSheets() -> [(StreamedTable, Int)] {
        (0..<ledger.sheetCount).map { (ledger, $0) } + (0..<rejects.sheetCount).map { (rejects, $0) }
            + (corrections.map { c in (0..<c.sheetCount).map { (c, $0) } } ?? [])
    }

    /// A streamed sheet's title and header rows (measured), its columns, and the longest start
    /// (``SheetLayout/prefixBound()``) its widths could give: what is known before its rows.
    func sheetHead(_ t: StreamedTable, sheet k: Int) -> (head: SheetXML, columns: Int, bound: Int) {
        var head = t.sheetWriter()
        let columns = t.renderHeader(sheet: k, into: &head)
        return (head, columns, layout(t, sheet: k, measured: .init(widths: [], columns: columns)).prefixBound())
    }

    func layout(_ t: StreamedTable, sheet k: Int, measured m: StreamedTable.Measure) -> SheetLayout {
        let rows = 2 + t.rows(ofSheet: k).count
        let columns = max(m.columns, t.header.count)
        var layout = SheetLayout(name: t.sheetName(k), widths: Array(m.widths.prefix(columns)), columns: columns, rows: rows,
                                 filter: (t.header.count, rows))
        // The ledger and the rejects print one page wide, as many pages long as they need.
        layout.fitToWidth = true
        return layout
    }

    // MARK: 汇总 / Summary

    private mutating func summarySheet() -> (layout: SheetLayout, body: [UInt8]) {
        var w = sheetWriter()
        let header = ScoresCSV.header(s, lang: lang)
        titleRow(t("汇总", "Summary"), into: &w)
        w.row(header, style: CellStyle.header)
        w.gradeStyleBase = CellStyle.gradeBase
        for r in s.rows { ScoresCSV.renderRow(r, lang: lang, previous: s.previous != nil, grades: s.displayGrades, into: &w) }
        let tableRows = 2 + s.rows.count
        // Tables continued on further sheets are announced below the table.
        let widths = w.widths
        w.measuring = false
        var notes: [String] = []
        for table in [ledger, rejects] where table.sheetCount > 1 {
            let names = (0..<table.sheetCount).map(table.sheetName).joined(separator: t("、", ", "))
            notes.append(t("注：\(table.name)共 \(table.rowCount) 行，超过 Excel 每张工作表 \(Workbook.maxRowsPerSheet) 行的上限，分 \(table.sheetCount) 张工作表：\(names)。",
                           "Note: the \(table.name) sheet has \(table.rowCount) rows, more than Excel's \(Workbook.maxRowsPerSheet) per sheet; it continues over \(table.sheetCount) sheets: \(names)."))
        }
        if !notes.isEmpty {
            w.endRow()
            for n in notes { w.text(n, style: CellStyle.note); w.endRow() }
        }
        shared = w.shared ?? shared
        var layout = SheetLayout(name: t("汇总", "Summary"), widths: widths, columns: header.count, rows: w.row - 1,
                                 frozenColumns: 2, filter: (header.count, tableRows))
        layout.selected = true
        layout.fitToWidth = true
        return (layout, w.out)
    }

    // MARK: 五色图 / Chart

    /// Members grouped by 界别 in the HTML report's order: most members first, then by name
    /// (bytewise, unnamed last among equals); inside a group by score, highest first, then id.
    func sectorGroups() -> [(name: String, rows: [Int])] {
        var index: [String: Int] = [:]
        var groups: [(name: String, rows: [Int])] = []
        for (i, row) in s.rows.enumerated() {
            if let g = index[row.member.sector] {
                groups[g].rows.append(i)
            } else {
                index[row.member.sector] = groups.count
                groups.append((row.member.sector, [i]))
            }
        }
        for g in groups.indices {
            groups[g].rows.sort { a, b in
                let x = s.rows[a], y = s.rows[b]
                return x.score != y.score ? x.score > y.score : x.member.id < y.member.id
            }
        }
        groups.sort { a, b in
            if a.rows.count != b.rows.count { return a.rows.count > b.rows.count }
            if a.name.isEmpty != b.name.isEmpty { return b.name.isEmpty }
            return Array(a.name.utf8).lexicographicallyPrecedes(Array(b.name.utf8))
        }
        return groups
    }

    /// Members per row of the grid before it wraps onto the next row: a 界别 is a block of
    /// rows, and the grid stays as wide as a printed page.
    static let chartColumns = 20

    private mutating func chartSheet() -> (layout: SheetLayout, body: [UInt8]) {
        var w = sheetWriter()
        titleRow(t("五色图", "Chart"), into: &w)
        w.row([t("界别", "Sector"), t("人数", "Members"), t("委员（按总分从高到低，颜色为等次）", "Members (highest score first, coloured by grade)")],
              style: CellStyle.header)
        var nameWidth = 0
        for g in sectorGroups() {
            var start = 0
            repeat {
                if start == 0 {
                    w.text(g.name.isEmpty ? t("（未填界别）", "(no sector)") : g.name, style: CellStyle.plain)
                    w.number(g.rows.count, style: CellStyle.plain)
                } else {
                    w.skip(2)
                }
                for r in g.rows[start..<min(g.rows.count, start + Self.chartColumns)] {
                    let row = s.rows[r]
                    w.text(row.member.name, style: CellStyle.gradeBase + row.gradeIndex)
                    nameWidth = max(nameWidth, SpreadsheetText.displayWidth(SpreadsheetText.cellText(row.member.name)))
                }
                w.endRow()
                start += Self.chartColumns
            } while start < g.rows.count
        }
        // The legend: colour, grade, count, share.
        w.endRow()
        w.row([t("颜色", "Colour"), t("等次", "Grade"), t("人数", "Members"), t("占比", "Share")], style: CellStyle.header)
        let grades = s.displayGrades
        var counts = [Int](repeating: 0, count: grades.count)
        for r in s.rows where r.gradeIndex < counts.count { counts[r.gradeIndex] += 1 }
        let total = s.rows.count
        for (i, g) in grades.enumerated() {
            w.text(g.color, style: CellStyle.gradeBase + i)
            w.text(g.name, style: CellStyle.plain)
            w.number(counts[i], style: CellStyle.plain)
            w.number(Self.share(counts[i], of: total), style: CellStyle.percent)
            w.endRow()
        }
        w.text(t("合计", "Total"), style: CellStyle.plain)
        w.skip()
        w.number(total, style: CellStyle.plain)
        w.number(total > 0 ? "1" : "0", style: CellStyle.percent)
        w.endRow()
        shared = w.shared ?? shared
        // Column A the 界别, B the counts, and every name column one width.
        let columns = max(w.widths.count, 4)
        let widths = Array(w.widths.prefix(2)) + repeatElement(max(nameWidth, 8), count: columns - 2)
        var layout = SheetLayout(name: t("五色图", "Chart"), widths: widths, columns: columns, rows: w.row - 1,
                                 frozenColumns: 1, filter: nil)
        layout.fitToWidth = true
        return (layout, w.out)
    }

    // MARK: 各界别统计 / By sector

    /// A row per 界别 (the chart's order): members, ranked members, each grade's count, the
    /// average, highest and lowest score; a total row.
    private mutating func sectorSheet() -> (layout: SheetLayout, body: [UInt8]) {
        var w = sheetWriter()
        titleRow(t("各界别统计", "By sector"), into: &w)
        let grades = s.displayGrades
        var header = [t("界别", "Sector"), t("人数", "Members"), t("参与排名", "Ranked")]
        header += grades.map { "\($0.color) · \($0.name)" }
        header += [t("平均分", "Average"), t("最高分", "Highest"), t("最低分", "Lowest")]
        w.row(header, style: CellStyle.header)
        func line(_ name: String, _ rows: [Int], style: Int) {
            w.text(name, style: style)
            w.number(rows.count, style: style)
            w.number(rows.filter { s.rows[$0].rank != nil }.count, style: style)
            var counts = [Int](repeating: 0, count: grades.count)
            for r in rows where s.rows[r].gradeIndex < counts.count { counts[s.rows[r].gradeIndex] += 1 }
            for c in counts { w.number(c, style: style) }
            if rows.isEmpty { w.skip(3) } else {
                var sum = Points.zero
                for r in rows { sum += s.rows[r].score }
                let scores = rows.map { s.rows[$0].score }
                w.number(sum.divided(by: rows.count).description, style: style)
                w.number(scores.max()!.description, style: style)
                w.number(scores.min()!.description, style: style)
            }
            w.endRow()
        }
        for g in sectorGroups() { line(g.name.isEmpty ? t("（未填界别）", "(no sector)") : g.name, g.rows, style: CellStyle.plain) }
        line(t("合计", "Total"), Array(s.rows.indices), style: CellStyle.header)
        shared = w.shared ?? shared
        var layout = SheetLayout(name: t("各界别统计", "By sector"), widths: w.widths, columns: header.count, rows: w.row - 1,
                                 frozenColumns: 1, filter: nil)
        layout.fitToWidth = true
        return (layout, w.out)
    }

    /// `n / total` as exact decimal text rounded half up to four places (a fraction: 0.1234).
    static func share(_ n: Int, of total: Int) -> String {
        guard total > 0 else { return "0" }
        return Points(n).divided(by: total).display(decimals: 4)
    }
}

/// A table that grows with the number of records (the ledger, the rejects), split into sheets
/// of at most `rowsPerSheet` data rows under a header row, rendered on demand.
struct StreamedTable: Sendable {
    var name: String
    var header: [String]
    var rowCount: Int
    var rowsPerSheet: Int
    var lang: Language
    /// The workbook's title (scheme and period), the first row of every sheet.
    var title: String = ""
    /// Texts written as shared-string references in the columns `sharedColumns` (the ledger's).
    var lookup: SharedLookup?
    var sharedColumns: UInt64 = 0
    /// Renders data rows `range` (0-based over the whole table) into a sheet.
    var render: @Sendable (Range<Int>, inout SheetXML) -> Void

    var sheetCount: Int { max(1, (rowCount + rowsPerSheet - 1) / rowsPerSheet) }
    func sheetName(_ k: Int) -> String { k == 0 ? name : name + String(k + 1) }
    func rows(ofSheet k: Int) -> Range<Int> { min(rowCount, k * rowsPerSheet)..<min(rowCount, (k + 1) * rowsPerSheet) }

    /// Says which of the table's sheets this is and where the rest are.
    func continuationNote(sheet k: Int) -> String {
        let names = (0..<sheetCount).map(sheetName).joined(separator: lang.pick("、", ", "))
        return lang.pick("第 \(k + 1) 张，共 \(sheetCount) 张：\(names)（共 \(rowCount) 行，Excel 每张工作表最多 \(Workbook.maxRowsPerSheet) 行）",
                         "Sheet \(k + 1) of \(sheetCount): \(names) (\(rowCount) rows; Excel holds \(Workbook.maxRowsPerSheet) per sheet)")
    }

    /// What the rows showed: the widest display width per column, and the columns used.
    struct Measure {
        var widths: [Int]
        var columns: Int
    }

    /// The wider of two widths per column.
    static func widest(_ a: [Int], _ b: [Int]) -> [Int] {
        var out = a.count >= b.count ? a : b
        for i in 0..<min(a.count, b.count) { out[i] = max(a[i], b[i]) }
        return out
    }

    /// Writes the header row (and, when the table spans sheets, the note beside it); returns
    /// the number of columns used.
    func renderHeader(sheet k: Int, into w: inout SheetXML) -> Int {
        let measuring = w.measuring
        w.measuring = false
        w.text(title + " · " + sheetName(k), style: CellStyle.title)
        w.measuring = measuring
        w.endRow()
        for h in header { w.text(h, style: CellStyle.header) }
        var columns = header.count
        if sheetCount > 1 {
            // Beside the header, outside the table: where the rest of the table is.
            let measuring = w.measuring
            w.measuring = false
            w.skip()
            w.text(continuationNote(sheet: k), style: CellStyle.note)
            w.measuring = measuring
            columns += 2
        }
        w.endRow()
        return columns
    }

    /// Rows rendered (and deflated) as one block on one core.
    static let blockRows = 2048

    /// A writer for this table's rows from the 1-based row `firstRow`, referring to shared
    /// strings where the table does.
    func bodyWriter(firstRow: Int) -> SheetXML {
        var w = SheetXML(firstRow: firstRow)
        w.lang = lang
        w.lookup = lookup
        w.sharedColumns = sharedColumns
        return w
    }

    /// A writer for this table's sheets (dates as date cells, codes in words).
    func sheetWriter() -> SheetXML {
        var w = SheetXML()
        w.lang = lang
        return w
    }

    static func ledger(_ s: RunSummary, lang: Language, rowsPerSheet: Int, title: String) -> StreamedTable {
        // starts[i]: the table row of summary row i's first ledger line. A member's lines are
        // their ledger, then the records corrections removed (as in ledger.csv).
        var starts = [0]
        starts.reserveCapacity(s.rows.count + 1)
        for r in s.rows {
            starts.append(starts[starts.count - 1] + s.run.results[r.resultIndex].ledger.count + (s.removedOfMember[r.member.id]?.count ?? 0))
        }
        let total = starts[starts.count - 1]
        let lineStarts = starts
        return StreamedTable(name: lang.pick("明细", "Ledger"), header: LedgerCSV.header(lang, corrections: s.hasCorrections), rowCount: total,
                             rowsPerSheet: rowsPerSheet, lang: lang, title: title) { range, w in
            guard !range.isEmpty else { return }
            // The member holding the first row: the last start ≤ range.lowerBound.
            var lo = 0, hi = s.rows.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if lineStarts[mid] <= range.lowerBound { lo = mid } else { hi = mid - 1 }
            }
            var explanations = LedgerCSV.NoteTexts()
            var member = lo
            var line = range.lowerBound - lineStarts[member]
            var remaining = range.count
            while remaining > 0 {
                let row = s.rows[member]
                let ledger = s.run.results[row.resultIndex].ledger
                while line < ledger.count && remaining > 0 {
                    LedgerCSV.renderLine(s, row: row, entry: ledger[line], lang: lang, explanations: &explanations, into: &w)
                    line += 1
                    remaining -= 1
                }
                if remaining > 0, let removed = s.removedOfMember[row.member.id] {
                    while line - ledger.count < removed.count && remaining > 0 {
                        LedgerCSV.renderRemoved(s, row: row, correction: s.run.corrections[removed[line - ledger.count]], lang: lang, into: &w)
                        line += 1
                        remaining -= 1
                    }
                }
                member += 1
                line = 0
            }
        }
    }

    /// The 复核 sheet: one row per applied correction.
    static func corrections(_ s: RunSummary, lang: Language, rowsPerSheet: Int, title: String) -> StreamedTable {
        let header = lang == .zh
            ? ["编号", "操作", "记录编号", "委员编号", "姓名", "内容", "理由", "批准人", "批准日期", "申请编号", "复核文件位置", "原记录位置"]
            : ["no", "action", "activity_id", "member_id", "name", "change", "reason", "approved_by", "approved_on", "ticket", "source", "original"]
        var byID: [String: String] = [:]
        for m in s.run.members { byID[m.id] = m.name }
        let names = byID
        let all = s.run.corrections
        return StreamedTable(name: lang.pick("复核", "Corrections"), header: header, rowCount: all.count,
                             rowsPerSheet: rowsPerSheet, lang: lang, title: title) { range, w in
            for c in all[range] {
                w.number(String(c.seq)); w.text(c.action.label(lang)); w.text(c.recordID); w.text(c.memberID)
                w.text(names[c.memberID] ?? ""); w.text(c.detail(lang)); w.text(c.reason); w.text(c.approvedBy)
                if let d = c.approvedOn { w.date(d) } else { w.text("") }
                w.text(c.ticket ?? ""); w.text(c.source.description)
                w.text(c.original?.description ?? "")
                w.endRow()
            }
        }
    }

    static func rejects(_ s: RunSummary, lang: Language, rowsPerSheet: Int, title: String) -> StreamedTable {
        let sorted = ScoresCSV.sortedRejects(s.run.rejects)
        return StreamedTable(name: lang.pick("问题数据", "Rejects"), header: ScoresCSV.rejectsHeader(lang), rowCount: sorted.count,
                             rowsPerSheet: rowsPerSheet, lang: lang, title: title) { range, w in
            for r in sorted[range] { ScoresCSV.renderReject(r, lang: lang, into: &w) }
        }
    }
}
