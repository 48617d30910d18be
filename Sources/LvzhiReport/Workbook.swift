import Foundation
import LvzhiCore
import LvzhiRules
import LvzhiScoring
import ZIPFoundation
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
/// into their ZIP entries, rendered twice — once to measure (ZIPFoundation needs an entry's size
/// up front; on all cores), once to write (on a second thread, while the caller's compresses) —
/// so memory stays bounded. Every sheet starts with a title row (scheme, period, sheet); dates
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
        return book.entries().map { e in
            switch e.content {
            case .bytes(let b): return (e.name, b)
            case .streamed(let t, let sheet):
                let layout = book.layout(t, sheet: sheet, measured: t.measure(sheet: sheet))
                var out = layout.prefix()
                var stream = t.stream(sheet: sheet, measuring: false)
                while stream.next(into: &out) {}
                out += layout.suffix()
                return (e.name, out)
            }
        }
    }

    static func write(_ s: RunSummary, lang: Language, to path: String, rowLimit: Int) throws {
        let book = Book(s, lang: lang, rowLimit: rowLimit)
        let temp = path + ".tmp-\(getpid())"
        unlink(temp)
        do {
            try zip(book, to: temp)
            guard rename(temp, path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: String(cString: strerror(errno))])
            }
        } catch {
            unlink(temp)
            throw error
        }
    }

    private static func zip(_ book: Book, to path: String) throws {
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for e in book.entries() {
            switch e.content {
            case .bytes(let bytes):
                try archive.addEntry(with: e.name, type: .file, uncompressedSize: Int64(bytes.count),
                                     modificationDate: entryDate, compressionMethod: .deflate) { position, size in
                    let start = Int(position)
                    return Data(bytes[start..<start + size])
                }
            case .streamed(let table, let sheet):
                // Pass 1 measures the rows (size and column widths) on all cores; pass 2 renders
                // them again on another thread while this one compresses.
                let measured = table.measure(sheet: sheet)
                let layout = book.layout(table, sheet: sheet, measured: measured)
                let suffix = layout.suffix()
                let total = layout.prefix().count + measured.bodyBytes + suffix.count
                let pipe = ChunkPipe(capacity: 4)
                defer { pipe.cancel() }
                Thread.detachNewThread { [pipe] in
                    var stream = table.stream(sheet: sheet, measuring: false)
                    var chunk: [UInt8] = []
                    while stream.next(into: &chunk) {
                        guard pipe.put(chunk) else { return }
                        chunk = []
                    }
                    pipe.finish()
                }
                var pending = layout.prefix()
                var offset = 0
                var suffixAdded = false
                try archive.addEntry(with: e.name, type: .file, uncompressedSize: Int64(total),
                                     modificationDate: entryDate, compressionMethod: .deflate,
                                     bufferSize: 1 << 16) { _, size in
                    while pending.count - offset < size {
                        pending.removeFirst(offset)
                        offset = 0
                        if let chunk = pipe.take() {
                            pending += chunk
                        } else if !suffixAdded {
                            pending += suffix
                            suffixAdded = true
                        } else {
                            throw WorkbookError.sizeMismatch(e.name)
                        }
                    }
                    defer { offset += size }
                    return Data(pending[offset..<offset + size])
                }
                guard suffixAdded, pending.count == offset else { throw WorkbookError.sizeMismatch(e.name) }
            }
        }
    }
}

/// Chunks of a sheet handed from the thread that renders them to the one that compresses them,
/// at most `capacity` at a time.
final class ChunkPipe: @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks: [[UInt8]] = []
    private var finished = false
    private var cancelled = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Waits for room; false when the reader has gone.
    func put(_ chunk: [UInt8]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        chunks.append(chunk)
        condition.broadcast()
        return true
    }

    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next chunk; nil once the writer has finished and everything was taken.
    func take() -> [UInt8]? {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty && !finished && !cancelled { condition.wait() }
        guard !chunks.isEmpty else { return nil }
        condition.broadcast()
        return chunks.removeFirst()
    }

    /// Stops the writer (at its next chunk).
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}

enum WorkbookError: Error, CustomStringConvertible {
    /// A streamed sheet rendered to a different size than measured (a bug, never bad input).
    case sizeMismatch(String)
    var description: String {
        switch self {
        case .sizeMismatch(let name): "internal error: \(name) changed size between measuring and writing"
        }
    }
}

/// One package entry: bytes built in memory, or one sheet of a streamed table.
struct BookEntry {
    enum Content {
        case bytes([UInt8])
        case streamed(StreamedTable, sheet: Int)
    }
    var name: String
    var content: Content
}

/// The workbook's plan: sheet names and layouts, the in-memory sheets and the shared strings.
struct Book {
    let s: RunSummary
    let lang: Language
    let ledger: StreamedTable
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
        sheetNames = memorySheets.map(\.layout.name)
        sheetNames += (0..<ledger.sheetCount).map(ledger.sheetName)
        sheetNames += (0..<rejects.sheetCount).map(rejects.sheetName)
        if let corrections { sheetNames += (0..<corrections.sheetCount).map(corrections.sheetName) }
    }

    func t(_ zh: String, _ en: String) -> String { lang.pick(zh, en) }

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
            layouts.append(layout(table, sheet: k, measured: .init(bodyBytes: 0, widths: [], columns: table.header.count)))
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
            BookEntry(name: "xl/sharedStrings.xml", content: .bytes(shared.xml())),
        ]
        for (i, m) in memorySheets.enumerated() {
            out.append(BookEntry(name: "xl/worksheets/sheet\(i + 1).xml", content: .bytes(m.layout.prefix() + m.body + m.layout.suffix())))
        }
        for (i, (table, k)) in streamedSheets().enumerated() {
            out.append(BookEntry(name: "xl/worksheets/sheet\(memorySheets.count + i + 1).xml", content: .streamed(table, sheet: k)))
        }
        return out
    }

    private func streamedSheets() -> [(StreamedTable, Int)] {
        (0..<ledger.sheetCount).map { (ledger, $0) } + (0..<rejects.sheetCount).map { (rejects, $0) }
            + (corrections.map { c in (0..<c.sheetCount).map { (c, $0) } } ?? [])
    }

    func layout(_ t: StreamedTable, sheet k: Int, measured m: StreamedTable.Measure) -> SheetLayout {
        let rows = 2 + t.rows(ofSheet: k).count
        var layout = SheetLayout(name: t.sheetName(k), widths: m.widths, columns: max(m.columns, t.header.count), rows: rows,
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
        for r in s.rows { ScoresCSV.renderRow(r, lang: lang, previous: s.previous != nil, into: &w) }
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

    struct Measure {
        var bodyBytes: Int
        var widths: [Int]
        var columns: Int
    }

    /// Renders sheet `k`'s rows once to learn their size and column widths, in contiguous
    /// slices on all cores (each slice numbers its rows from where it starts).
    func measure(sheet k: Int) -> Measure {
        var head = sheetWriter()
        let columns = renderHeader(sheet: k, into: &head)
        let rows = rows(ofSheet: k)
        let lanes = max(1, min(ProcessInfo.processInfo.activeProcessorCount, rows.count / Stream.batch))
        let slots = ParallelSlots<(bytes: Int, widths: [Int])>(count: lanes)
        let decimals = Points.displayDecimals
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in Points.withDisplay(decimals: decimals) {
            let lo = rows.lowerBound + rows.count * lane / lanes
            let hi = rows.lowerBound + rows.count * (lane + 1) / lanes
            var w = SheetXML(firstRow: 3 + lo - rows.lowerBound)
            w.lang = lang
            var bytes = 0
            var next = lo
            while next < hi {
                let upTo = min(hi, next + Stream.batch)
                render(next..<upTo, &w)
                bytes += w.out.count
                w.out.removeAll(keepingCapacity: true)
                next = upTo
            }
            slots.set(lane, (bytes, w.widths))
        } }
        var m = Measure(bodyBytes: head.out.count, widths: head.widths, columns: columns)
        for lane in 0..<lanes {
            let (bytes, widths) = slots.get(lane)
            m.bodyBytes += bytes
            for (i, w) in widths.enumerated() {
                if i < m.widths.count { m.widths[i] = max(m.widths[i], w) } else { m.widths.append(w) }
            }
        }
        return m
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

    func stream(sheet k: Int, measuring: Bool) -> Stream { Stream(table: self, sheet: k, measuring: measuring) }

    /// A writer for this table's sheets (dates as date cells, codes in words).
    func sheetWriter() -> SheetXML {
        var w = SheetXML()
        w.lang = lang
        return w
    }

    /// The rows of one sheet (header first) in batches.
    struct Stream {
        let table: StreamedTable
        let sheet: Int
        private var w: SheetXML
        private var next: Int
        private let end: Int
        private var headerDone = false

        static let batch = 2048

        init(table: StreamedTable, sheet: Int, measuring: Bool) {
            self.table = table
            self.sheet = sheet
            w = table.sheetWriter()
            let rows = table.rows(ofSheet: sheet)
            next = rows.lowerBound
            end = rows.upperBound
            w.measuring = measuring
        }

        /// Appends the next batch of rows to `out`; false when there were none left.
        mutating func next(into out: inout [UInt8]) -> Bool {
            swap(&w.out, &out)
            defer { swap(&w.out, &out) }
            if !headerDone {
                headerDone = true
                _ = table.renderHeader(sheet: sheet, into: &w)
                return true
            }
            guard next < end else { return false }
            let upTo = min(end, next + Self.batch)
            table.render(next..<upTo, &w)
            next = upTo
            return true
        }
    }

    static func ledger(_ s: RunSummary, lang: Language, rowsPerSheet: Int, title: String) -> StreamedTable {
        // starts[i]: the table row of summary row i's first ledger line.
        var starts = [0]
        starts.reserveCapacity(s.rows.count + 1)
        for r in s.rows { starts.append(starts[starts.count - 1] + s.run.results[r.resultIndex].ledger.count) }
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
                w.text(c.approvedOn?.description ?? ""); w.text(c.ticket ?? ""); w.text(c.source.description)
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
