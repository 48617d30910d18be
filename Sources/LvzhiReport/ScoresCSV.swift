import Dispatch
import Foundation
import LvzhiCore
import LvzhiRules
import LvzhiScoring

/// Writes `scores.csv` (UTF-8 with BOM for Excel/WPS) and `rejects.csv`.
public enum ScoresCSV {
    public static func render(_ s: RunSummary, lang: Language, into buffer: ByteBuffer = ByteBuffer()) -> ByteBuffer {
        var head = CSVWriter(bom: true, into: buffer)
        head.row(header(s, lang: lang))
        var out = head.buffer
        // 80,000 rows of a province were a tenth of a second on one thread at the end of a run.
        ParallelRows.render(count: s.rows.count, window: 2_048, into: &out) { range, w in
            // Rows read where they lie: `s.rows[i]` copied each one (member, grade, arrays).
            s.rows.withUnsafeBufferPointer { rows in
                for i in range { renderRow(rows[i], lang: lang, previous: s.previous != nil, into: &w) }
            }
        }
        return out
    }

    /// The columns of scores.csv (and of the workbook's 汇总 sheet).
    public static func header(_ s: RunSummary, lang: Language) -> [String] {
        let header = lang == .zh
            ? ["委员编号", "姓名", "界别", "专委会", "职务", "总分", "排名", "等次", "颜色"]
            : ["member_id", "name", "sector", "committee", "role", "score", "rank", "grade", "color"]
        var tail = lang == .zh ? ["否决事项", "期间内任职变动", "记录数"] : ["vetoes", "partial_period", "records"]
        // Year over year, only when last period's results are known.
        if s.previous != nil {
            tail += lang == .zh ? (s.previousIsYear ? ["上年等次", "上年总分", "分数变化"] : ["上期等次", "上期总分", "分数变化"])
                : ["previous_grade", "previous_score", "score_change"]
        }
        if !s.run.rules.history.isEmpty { tail.append(lang.pick("跨年度处理", "flags")) }
        return header + categoryColumns(s.run.rules.categories, lang: lang, besides: header + tail) + tail
    }

    /// The categories' columns: their names (English: their ids), made unique against the other
    /// columns and each other, so that a program reading columns by name never gets two of one
    /// name (a category `sector` beside the member's `sector`): `category_sector`, `界别（类别）`.
    static func categoryColumns(_ categories: [Category], lang: Language, besides others: [String]) -> [String] {
        var used = Set(others)
        return categories.map { c in
            let plain = lang == .zh ? c.name : c.id
            var name = plain
            var n = 1
            while !used.insert(name).inserted {
                name = lang == .zh ? plain + (n == 1 ? "（类别）" : "（类别 \(n)）") : "category_" + c.id + (n == 1 ? "" : "_\(n)")
                n += 1
            }
            return name
        }
    }

    /// One member's row: the cells of scores.csv and of the workbook's 汇总 sheet.
    /// `previous`: write the year-over-year columns (empty for a member without a previous result).
    /// `grades`: the grades as this table names them; nil for the rule file's names (scores.csv,
    /// read by programs), ``RunSummary/displayGrades`` for the workbook people read.
    public static func renderRow<W: TableSink>(_ r: RunSummary.Row, lang: Language, previous: Bool = false, grades: [Grade]? = nil,
                                               into w: inout W) {
        w.text(r.member.id); w.text(r.member.name); w.text(r.member.sector); w.text(r.member.committee); w.text(r.member.role)
        w.number(r.score)
        w.rank(r.rank)
        let grade = grades?[r.gradeIndex] ?? r.grade
        w.grade(grade.name, index: r.gradeIndex); w.text(grade.color)
        for p in r.categoryPoints { w.number(p) }
        w.text(r.vetoReasons.joined(separator: "；"))
        w.text(r.partialPeriod ? partialPeriodText(r.member, lang: lang) : "")
        w.number(String(r.records))
        if previous {
            w.text(r.previous?.grade.name ?? ""); w.number(r.previous?.score.description ?? ""); w.number(r.scoreChange?.description ?? "")
        }
        if let flags = r.flags { w.text(flags.joined(separator: "；")) }
        w.endRow()
    }

    /// How a member's service differs from the period: “2025-07-01 任职”, “2025-06-30 离任”,
    /// both, or “是” when neither date is known.
    public static func partialPeriodText(_ m: Member, lang: Language) -> String {
        var parts: [String] = []
        if let j = m.joined { parts.append(lang.pick("\(j) 任职", "joined \(j)")) }
        if let l = m.left { parts.append(lang.pick("\(l) 离任", "left \(l)")) }
        return parts.isEmpty ? lang.pick("是", "yes") : parts.joined(separator: lang.pick("，", ", "))
    }

    public static func renderRejects(_ rejects: [Reject], lang: Language, into buffer: ByteBuffer = ByteBuffer()) -> ByteBuffer {
        var w = CSVWriter(bom: true, into: buffer)
        w.row(rejectsHeader(lang))
        for r in sortedRejects(rejects) { renderReject(r, lang: lang, into: &w) }
        return w.buffer
    }

    /// The columns of rejects.csv (and of the workbook's 问题数据 sheet).
    public static func rejectsHeader(_ lang: Language) -> [String] {
        lang == .zh ? ["文件", "行", "记录编号", "委员编号", "字段", "值", "原因代码", "原因"]
                    : ["file", "line", "activity_id", "member_id", "field", "value", "code", "reason"]
    }

    /// Rejects in the order they are listed: by file, then line.
    public static func sortedRejects(_ rejects: [Reject]) -> [Reject] {
        rejects.sorted { a, b in
            a.location.file != b.location.file ? a.location.file < b.location.file : a.location.line < b.location.line
        }
    }

    public static func renderReject<W: TableSink>(_ r: Reject, lang: Language, into w: inout W) {
        w.text(r.location.file); w.number(String(r.location.line)); w.text(r.recordID); w.text(r.memberID)
        w.text(r.field); w.text(r.value); w.text(r.reason.code); w.text(r.reason.message(lang))
        w.endRow()
    }
}

/// Where the rows of a table go: a CSV file or a worksheet. The CSV files and the workbook
/// are written by the same row functions, so their values cannot disagree.
public protocol TableSink {
    /// A text cell (neutralised against formula injection by the sink).
    mutating func text(_ s: String)
    /// A number cell (exact decimal text); empty for none.
    mutating func number(_ s: String)
    /// A grade's name; worksheets fill the cell with the grade's colour.
    mutating func grade(_ name: String, index: Int)
    /// A date: `2025-03-05` in the CSV files, a date cell in the workbook.
    mutating func date(_ d: Day)
    /// A ledger note's code (`full`, `no_rule` …): as is in the CSV files; the workbook writes
    /// the Chinese words for it (``WorkbookCodes``) when its language is Chinese.
    mutating func code(_ code: String)
    /// A rank; none (not ranked) is an empty cell in the CSV files and 不参与排名 in the workbook.
    mutating func rank(_ r: Int?)
    /// A text cell from UTF-8 bytes (a record's id or title where the store holds them),
    /// written as ``text(_:)`` would write the same string.
    mutating func text(utf8: UnsafeBufferPointer<UInt8>)
    /// A number cell from UTF-8 bytes (digits, as ``number(_:)`` would write the same string).
    mutating func number(utf8: UnsafeBufferPointer<UInt8>)
    /// A number of points, shown as ``Points/description`` shows it.
    mutating func number(_ p: Points)
    /// An exact value as ``Points/exact`` writes it (`-15/2`): a text cell, since a spreadsheet
    /// would read a fraction as a date or a formula, but never neutralised: the bytes are this
    /// program's own digits, `-` and `/`, not input.
    mutating func exact(utf8: UnsafeBufferPointer<UInt8>)
    /// A text cell that repeats down its column, `key` (≥ 0) naming it among the column's texts
    /// (a member's index, a symbol, a rule): written as ``text(_:)`` writes it; the sink may keep
    /// what it made of it under its key, for ``repeatText(key:)``.
    mutating func text(_ s: String, key: Int)
    /// Writes the text last given to ``text(_:key:)`` under `key` in this column and returns
    /// true, when the sink kept it; otherwise writes nothing and returns false (the caller then
    /// gives the text). The text is then neither read nor checked again.
    mutating func repeatText(key: Int) -> Bool
    mutating func endRow()
}

extension TableSink {
    public mutating func grade(_ name: String, index: Int) { text(name) }
    public mutating func date(_ d: Day) { text(d.description) }
    public mutating func code(_ code: String) { text(code) }
    public mutating func rank(_ r: Int?) { number(r.map(String.init) ?? "") }
    public mutating func text(utf8: UnsafeBufferPointer<UInt8>) { text(String(decoding: utf8, as: UTF8.self)) }
    public mutating func number(utf8: UnsafeBufferPointer<UInt8>) { number(String(decoding: utf8, as: UTF8.self)) }
    public mutating func number(_ p: Points) { number(p.description) }
    public mutating func text(_ s: String, key: Int) { text(s) }
    public mutating func repeatText(key: Int) -> Bool { false }
}

extension CSVWriter: TableSink {}

/// What a sink made of its keyed texts (``TableSink/text(_:key:)``), by column and key: 64
/// slots a column, a key in slot `key % 64`, so a slot holds the last key that fell in it.
struct KeyedSlots<Value> {
    private static var perColumn: Int { 64 }
    private var slots: [(key: Int, value: Value)?] = []

    /// The value kept for `key` (≥ 0) in `column`, if it is still there.
    func get(column: Int, key: Int) -> Value? {
        let i = column * Self.perColumn + (key & (Self.perColumn - 1))
        guard i < slots.count, let slot = slots[i], slot.key == key else { return nil }
        return slot.value
    }

    mutating func set(column: Int, key: Int, _ value: Value) {
        let i = column * Self.perColumn + (key & (Self.perColumn - 1))
        if slots.count <= i { slots += repeatElement(nil, count: (column + 1) * Self.perColumn - slots.count) }
        slots[i] = (key, value)
    }

    mutating func removeAll() { slots.removeAll(keepingCapacity: true) }
}

/// Writes `ledger.csv`: every ledger line of every member, in rank order — which rule gave
/// which record how many points, and every cap, floor and veto that explains a total.
public enum LedgerCSV {
    /// The columns; `corrections` adds a 复核 column (only when a corrections file was applied).
    /// The last two carry the exact values (`10/3`) of 得分 and 规则分值, which are shown
    /// rounded (`display.decimals`); a program reads them back with `Points(exact:)`.
    public static func header(_ lang: Language, corrections: Bool = false) -> [String] {
        ((lang == .zh
            ? ["委员编号", "姓名", "记录编号", "日期", "类型", "状态", "角色", "级别", "标题", "规则编号", "规则", "类别", "得分", "规则分值", "说明代码", "说明", "来源"]
            : ["member_id", "name", "activity_id", "date", "kind", "status", "role", "level", "title", "rule_id", "rule", "category", "points", "nominal", "note", "explanation", "source"])
            + (corrections ? [lang.pick("复核", "correction")] : []))
            + [lang.pick("得分（精确）", "points_exact"), lang.pick("规则分值（精确）", "nominal_exact")]
    }

    public static func render(_ s: RunSummary, lang: Language, into buffer: ByteBuffer = ByteBuffer()) -> ByteBuffer {
        var w = CSVWriter(bom: true, into: buffer)
        w.row(header(lang, corrections: s.hasCorrections))
        renderRows(s, rows: s.rows.indices, lang: lang, into: &w)
        return w.buffer
    }

    /// Renders the ledger of the summary rows `rows` (no header).
    public static func renderRows<W: TableSink>(_ s: RunSummary, rows: Range<Int>, lang: Language, into w: inout W) {
        var explanations = NoteTexts()
        // One copy of each row for all its lines: a row passed straight from the array (or from
        // a pointer into it) was copied for every line, retaining the run's shared arrays from
        // both lanes at once.
        for k in rows {
            let row = s.rows[k]
            for e in s.run.results[row.resultIndex].ledger {
                renderLine(s, row: row, entry: e, lang: lang, explanations: &explanations, into: &w)
            }
            if let removed = s.removedOfMember[row.member.id] {
                for i in removed { renderRemoved(s, row: row, correction: s.run.corrections[i], lang: lang, into: &w) }
            }
        }
    }

    /// A record that a correction removed: shown at zero points with the correction, so the
    /// member's ledger still accounts for it.
    public static func renderRemoved<W: TableSink>(_ s: RunSummary, row: RunSummary.Row, correction c: AppliedCorrection,
                                                   lang: Language, into w: inout W) {
        let v = Dictionary(uniqueKeysWithValues: c.changes.map { ($0.field, $0.before) })
        w.text(row.member.id); w.text(row.member.name)
        w.text(c.recordID)
        for f in [ActivityField.date, .kind, .status, .role, .level, .title] {
            if f == .date, let d = v[f].flatMap({ Day(iso: $0) }) { w.date(d) } else { w.text(v[f] ?? "") }
        }
        w.text(""); w.text(""); w.text("")
        w.number("0"); w.number("0")
        w.code("removed")
        w.text(lang.pick("经复核删除，不计分", "removed by a correction; not scored"))
        w.text(c.original?.description ?? "")
        w.text(c.line(lang))
        var zero = Points.zero.exact
        zero.withUTF8 { w.exact(utf8: $0); w.exact(utf8: $0) }
        w.endRow()
    }

    /// Renders one ledger line of the member in `row`. `explanations` caches the notes' texts.
    public static func renderLine<W: TableSink>(_ s: RunSummary, row: RunSummary.Row, entry e: LedgerEntry, lang: Language,
                                                explanations: inout NoteTexts, into w: inout W) {
        // Fields are read where they lie (no copy of the store, the rule set or a rule, whose
        // shared references every line would otherwise retain and release on all cores).
        // Keyed texts: a closure reading them (an autoclosure) copied the whole summary per call.
        let m = row.memberIndex
        if !w.repeatText(key: m) { w.text(row.member.id, key: m) }
        if !w.repeatText(key: m) { w.text(row.member.name, key: m) }
        if e.record >= 0 {
            let a = s.run.store.records[Int(e.record)]
            s.run.store.arena.bytes.withUnsafeBufferPointer { arena in
                w.text(utf8: UnsafeBufferPointer(rebasing: arena[Int(a.id.offset)..<Int(a.id.offset + a.id.length)]))
                w.date(a.date)
                for k in 0..<4 {
                    let symbol = k == 0 ? a.kind : k == 1 ? a.status : k == 2 ? a.role : a.level
                    if !w.repeatText(key: Int(symbol)) { w.text(s.run.store.symbols[symbol], key: Int(symbol)) }
                }
                w.text(utf8: UnsafeBufferPointer(rebasing: arena[Int(a.title.offset)..<Int(a.title.offset + a.title.length)]))
            }
        } else {
            for _ in 0..<7 { w.text("") }
        }
        if e.rule >= 0 {
            let r = Int(e.rule)
            if !w.repeatText(key: r) { w.text(s.run.rules.rules[r].id, key: r) }
            if !w.repeatText(key: r) { w.text(s.run.rules.rules[r].name, key: r) }
        } else {
            w.text(""); w.text("")
        }
        if e.category < 0 {
            w.text("")
        } else if !w.repeatText(key: Int(e.category)) {
            w.text(s.run.rules.categories[Int(e.category)].name, key: Int(e.category))
        }
        explanations.display(e.points) { w.number(utf8: $0) }
        explanations.display(e.nominal) { w.number(utf8: $0) }
        w.code(RunSummary.noteCode(e.note))
        if case .full = e.note { w.text("") } else { w.text(explanations.text(e.note, rules: s.run.rules, lang: lang)) }
        if e.record >= 0 {
            let a = s.run.store.records[Int(e.record)]
            explanations.location(file: a.file, line: a.line, files: s.run.store.files) { w.text(utf8: $0) }
        } else {
            w.text("")
        }
        if s.hasCorrections {
            w.text(e.record >= 0 ? s.correctionOfRecord[e.record].map { s.run.corrections[$0].line(lang) } ?? "" : "")
        }
        explanations.exact(e.points) { w.exact(utf8: $0) }
        explanations.exact(e.nominal) { w.exact(utf8: $0) }
        w.endRow()
    }

    /// The texts of ledger notes, remembered per note code: consecutive lines mostly repeat a
    /// note, and building the text (or a key from the note's description) every time is slow.
    /// Also each input file's name as bytes, for the 来源 column (`file:line`).
    public struct NoteTexts {
        private var last: [String: (note: LedgerEntry.Note, text: String)] = [:]
        private var files: [[UInt8]?] = []
        private var scratch: [UInt8] = []
        /// The places points are shown with (read once: ``Points/displayDecimals`` is a task-local).
        private let decimals = Points.displayDecimals
        public init() {}

        /// Hands `body` the bytes of `p` as ``Points/description`` writes it.
        mutating func display(_ p: Points, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
            scratch.removeAll(keepingCapacity: true)
            p.display(decimals: decimals, into: &scratch)
            scratch.withUnsafeBufferPointer(body)
        }

        /// Hands `body` the bytes of `p` as ``Points/exact`` writes it.
        mutating func exact(_ p: Points, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
            scratch.removeAll(keepingCapacity: true)
            p.exact(into: &scratch)
            scratch.withUnsafeBufferPointer(body)
        }

        public mutating func text(_ note: LedgerEntry.Note, rules: RuleSet, lang: Language) -> String {
            let code = RunSummary.noteCode(note)
            if let hit = last[code], hit.note == note { return hit.text }
            let text = RunSummary.describe(note, rules: rules, lang: lang)
            last[code] = (note, text)
            return text
        }

        /// Hands `body` the bytes of `file:line`, as ``SourceLocation/description`` writes them.
        mutating func location(file: Int32, line: Int32, files names: [String], _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
            let f = Int(file)
            if files.count <= f { files += Array(repeating: nil, count: f + 1 - files.count) }
            if files[f] == nil { files[f] = Array(names[f].utf8) }
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: files[f]!)
            scratch.append(UInt8(ascii: ":"))
            if line < 0 { scratch.append(UInt8(ascii: "-")) }
            HTMLBytes.digits(UInt64(line.magnitude), into: &scratch)
            scratch.withUnsafeBufferPointer(body)
        }
    }

    /// Streams the ledger into `buffer`, rendering windows of members on all cores while keeping
    /// rank order; memory stays bounded by the window size.
    public static func renderParallel(_ s: RunSummary, lang: Language, into buffer: inout ByteBuffer) {
        var head = CSVWriter(bom: true)
        head.row(header(lang, corrections: s.hasCorrections))
        buffer.append(contentsOf: head.buffer.bytes)
        ParallelRows.render(count: s.rows.count, window: 256, into: &buffer) { range, w in
            renderRows(s, rows: range, lang: lang, into: &w)
        }
    }
}

/// CSV rows rendered on two cores in rank order: windows of `window` rows each go to one lane,
/// and the lanes' bytes are appended in order, so the file is the one a single thread writes.
enum ParallelRows {
    static func render(count: Int, window: Int, into buffer: inout ByteBuffer, _ body: @Sendable (Range<Int>, inout CSVWriter) -> Void) {
        let lanes = 2
        var start = 0
        // Each lane's buffer is emptied and handed back for the next window (a fresh buffer
        // grown to megabytes every window was page faults).
        var spare = (0..<lanes).map { _ in [UInt8]() }
        let decimals = Points.displayDecimals
        while start < count {
            let ranges = (0..<lanes).map { lane -> Range<Int> in
                let lo = min(count, start + lane * window)
                return lo..<min(count, lo + window)
            }
            let parts = ParallelSlots<[UInt8]>(count: lanes)
            for lane in 0..<lanes { parts.set(lane, spare[lane]) }
            spare = []
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in Points.withDisplay(decimals: decimals) {
                var out = ByteBuffer(capacity: 0)
                out.bytes = parts.take(lane)
                var w = CSVWriter(bom: false, into: out)
                body(ranges[lane], &w)
                parts.set(lane, w.buffer.bytes)
            } }
            for lane in 0..<lanes {
                var part = parts.take(lane)
                buffer.append(contentsOf: part)
                part.removeAll(keepingCapacity: true)
                spare.append(part)
            }
            start += lanes * window
        }
    }
}

/// Result slots filled by concurrent workers, each slot written by exactly one of them.
final class ParallelSlots<T>: @unchecked Sendable {
    private var values: [T?]
    private let lock = NSLock()
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: T) { lock.lock(); values[i] = v; lock.unlock() }
    func get(_ i: Int) -> T { lock.lock(); defer { lock.unlock() }; return values[i]! }
    /// The value, leaving the slot empty (so that an array taken is uniquely referenced).
    func take(_ i: Int) -> T { lock.lock(); defer { lock.unlock() }; let v = values[i]!; values[i] = nil; return v }
}
