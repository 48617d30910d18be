#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import LvzhiCore

/// What `lvzhi inspect` found in one export nobody has mapped yet, and the draft mapping file
/// it wrote from that: every guess commented, for the clerk to check and `lvzhi validate` to try.
public struct Inspection: Sendable {
    public var path: String
    public var format: InputFormat
    /// The text encoding found (`utf-8`, `utf-8 (BOM)`, `gb18030`, `utf-16le` …; for XML the declared one).
    public var encoding: String
    public var sheet: String?
    /// Tables: the header's row (line) number and the title rows above it.
    public var headerRow: Int?
    public var titleText: String?
    /// Tables: data rows; XML: items.
    public var records = 0
    /// XML: the repeated item element (as `record:` is written) and the element paths seen.
    public var record: String?
    /// Columns (tables) or places inside an item (XML), in file order.
    public var columns: [ColumnProfile] = []
    /// Rows that are not records: rule label → count and first line.
    public var skipped: [(rule: String, count: Int, firstLine: Int)] = []
    /// Rows that look like none of the above and do not fit the header.
    public var oddRows: [Int] = []
    /// The draft mapping file's text.
    public var draft = ""
    /// Guesses the draft could not make (each also a comment in the draft).
    public var open: [String] = []
}

/// Looks at an export and drafts its mapping file. See `docs/mapping.md` (“lvzhi inspect”).
///
/// Streams the file (twice for XML: once for the element paths, once for the items), keeping
/// per column only counts, three samples and at most ``ColumnProfile/distinctBound`` distinct
/// values, so memory does not grow with the file.
public enum Inspector {
    /// Data rows (or XML items) whose values are profiled; later ones are counted and, in
    /// tables, still checked for totals, notes and repeated headers.
    public static let profiledRows = 100_000

    /// - Throws: ``IngestError`` when the file cannot be read.
    public static func inspect(path: String, context: InspectContext = InspectContext()) throws -> Inspection {
        // Only a regular file, as every reader: a FIFO would block the first read for ever, a
        // device feed it for ever (I023). Checked before the name, so that `inspect pipe` says so.
        try InputFile.requireRegular(path)
        guard let format = InputFormat(path: path) else { throw IngestError.unsupportedFormat(path: path) }
        var result = Inspection(path: path, format: format, encoding: "utf-8")
        switch format {
        case .csv, .xlsx: try inspectTable(&result, context)
        case .xml: try inspectXML(&result, context)
        }
        result.draft = DraftMapping(inspection: result, context: context).text(open: &result.open)
        return result
    }

    // MARK: - Tables

    /// The encoding of a text file from its first bytes, as the CSV reader's `auto` decides it.
    static func detectEncoding(path: String) -> String {
        let head = self.head(path, count: 1 << 19)
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { return "utf-8 (BOM)" }
        if head.starts(with: [0xFF, 0xFE]) { return "utf-16le" }
        if head.starts(with: [0xFE, 0xFF]) { return "utf-16be" }
        return head.withUnsafeBufferPointer { b in
            !DecodingSource.looksLikeUTF8(b) && DecodingSource.decodes(b, from: "GB18030") ? "gb18030" : "utf-8"
        }
    }

    static func inspectTable(_ r: inout Inspection, _ ctx: InspectContext) throws {
        if r.format == .csv {
            r.encoding = detectEncoding(path: r.path)
            return try inspectRows(&r, ctx, source: TableSource.open(path: r.path, format: .csv))
        }
        // A workbook: every visible worksheet, keeping the one that holds the most data (the
        // first sheet is often a 填表说明).
        r.encoding = "xlsx"
        let book = try XLSXWorkbook(path: r.path)
        let visible = book.sheets.filter { $0.visible && $0.isWorksheet }
        var best: Inspection?
        for n in visible.indices {
            var candidate = r
            let source = TableSource.sheet(book, index: try book.sheetIndex(.number(n + 1)), headerRow: 1, others: [])
            candidate.sheet = source.sheetName
            guard (try? inspectRows(&candidate, ctx, source: source)) != nil else { continue }
            let size = candidate.records * candidate.columns.count
            if best == nil || size > best!.records * best!.columns.count { best = candidate }
        }
        guard let best else { throw IngestError.emptyFile(path: r.path) }
        r = best
    }

    static func inspectRows(_ r: inout Inspection, _ ctx: InspectContext, source: TableSource) throws {
        // The first rows wait until the header is known.
        var head: [(line: Int, cells: [String])] = []
        var header: [String]?
        var profiles: [ColumnProfile] = []
        var skipped: [String: (count: Int, first: Int)] = [:]
        var order: [String] = []
        var result = r

        func skip(_ rule: String, _ line: Int) {
            if skipped[rule] == nil { order.append(rule); skipped[rule] = (0, line) }
            skipped[rule]!.count += 1
        }
        func data(_ line: Int, _ cells: [String]) {
            guard let header else { return }
            let texts = cells.map { $0.trimmingSpaces }
            let filled = texts.filter { !$0.isEmpty }
            if filled.isEmpty { return skip("blank", line) }
            if texts.map(Mapping.normalise) == header.map(Mapping.normalise) || (texts.count > header.count
                && texts.prefix(header.count).map(Mapping.normalise) == header.map(Mapping.normalise)) {
                return skip("repeated_header", line)
            }
            let first = filled[0]
            let column = texts.firstIndex(of: first).map { $0 < header.count ? header[$0] : "" } ?? ""
            for total in ["合计", "小计", "总计"] where Mapping.SkipRule.fold(first).hasPrefix(total) {
                return skip("total|\(column)|\(Mapping.SkipRule.fold(first) == total ? total : "")|\(total)", line)
            }
            for note in ["注：", "注:", "说明：", "备注：", "制表", "填表人", "审核人"] where first.hasPrefix(note) {
                return skip("note|\(note == "注:" ? "注：" : note)", line)
            }
            if cells.count != header.count {
                if result.oddRows.count < 20 { result.oddRows.append(line) }
                return
            }
            result.records += 1
            // Past the first rows only the rows that are not records are still looked for.
            if result.records > Inspector.profiledRows { return }
            for (i, c) in cells.enumerated() where i < profiles.count { profiles[i].add(c, ctx) }
        }
        func chooseHeader() {
            let counts = head.map { $0.cells.filter { !$0.trimmingSpaces.isEmpty }.count }
            let widest = counts.max() ?? 0
            let need = max(2, Int((Double(widest) * 0.6).rounded(.up)))
            let index = head.indices.first { i in
                counts[i] >= need && head[i].cells.allSatisfy { c in
                    let t = c.trimmingSpaces
                    return t.isEmpty || (Int(t) == nil && DateText.parse(t) == nil && t.count <= 30)
                }
            } ?? 0
            guard index < head.count else { return }
            header = head[index].cells.map { $0.trimmingSpaces }
            result.headerRow = head[index].line
            let titles = head[..<index].flatMap { $0.cells }.map { $0.trimmingSpaces }.filter { !$0.isEmpty }
            if !titles.isEmpty { result.titleText = titles.joined(separator: " ") }
            profiles = header!.map { ColumnProfile(name: Mapping.normalise($0)) }
            for row in head[(index + 1)...] { data(row.line, row.cells) }
        }
        try source.forEachRow { row in
            var cells: [String] = []
            for c in 0..<row.count { cells.append(row.string(c) ?? "") }
            if header == nil {
                head.append((row.line, cells))
                if head.count == 30 { chooseHeader() }
                return
            }
            data(row.line, cells)
        }
        if header == nil { chooseHeader() }
        if header == nil { throw IngestError.emptyFile(path: r.path) }
        result.columns = profiles
        result.skipped = order.map { ($0, skipped[$0]!.count, skipped[$0]!.first) }
        r = result
    }

    // MARK: - XML

    /// Counts element paths from the root (bounded), to find the repeated item element.
    struct PathCounter: XMLEventHandler {
        var stack: [String] = []
        var counts: [String: Int] = [:]
        var order: [String] = []
        var hasChildren: Set<String> = []
        mutating func start(_ el: borrowing XMLElementView) throws {
            if stack.count > el.depth { stack.removeSubrange(el.depth...) }
            if !stack.isEmpty { hasChildren.insert(stack.joined(separator: "/")) }
            stack.append(el.nameString)
            let p = stack.joined(separator: "/")
            if counts[p] == nil {
                guard counts.count < 4000 else { return }
                order.append(p)
            }
            counts[p, default: 0] += 1
        }
        mutating func text(_ bytes: UnsafeBufferPointer<UInt8>, line: Int) throws {}
        mutating func end(depth: Int) throws { if stack.count > depth { stack.removeSubrange(depth...) } }
    }

    /// Profiles the places inside each item: leaf elements' text and every attribute.
    struct ItemProfiler: XMLEventHandler {
        let record: [String]
        let ctx: InspectContext
        var outer: [String] = []
        var inItem = -1
        var rel: [String] = []
        var texts: [String] = []
        var childSeen: [Bool] = []
        var profiles: [String: ColumnProfile] = [:]
        var order: [String] = []
        var perItem: [String: Int] = [:]
        var items = 0

        init(record: [String], ctx: InspectContext) {
            self.record = record
            self.ctx = ctx
        }

        mutating func profile(_ p: String, _ value: String) {
            if profiles[p] == nil {
                guard profiles.count < 400 else { return }
                profiles[p] = ColumnProfile(name: p)
                order.append(p)
            }
            profiles[p]!.add(value, ctx)
            perItem[p, default: 0] += 1
        }

        mutating func start(_ el: borrowing XMLElementView) throws {
            let name = el.nameString
            if inItem < 0 {
                if outer.count > el.depth { outer.removeSubrange(el.depth...) }
                outer.append(name)
                guard outer.count >= record.count, Array(outer.suffix(record.count)) == record else { return }
                items += 1
                guard items <= Inspector.profiledRows else { return }
                inItem = el.depth
                perItem = [:]
                rel = []
                texts = [""]
                childSeen = [false]
            } else {
                childSeen[childSeen.count - 1] = true
                rel.append(name)
                texts.append("")
                childSeen.append(false)
            }
            let base = rel.joined(separator: "/")
            for a in 0..<el.attributeCount {
                let p = (base.isEmpty ? "" : base + "/") + "@" + String(decoding: el.attributeName(a), as: UTF8.self)
                profile(p, String(decoding: el.attributeValue(a), as: UTF8.self))
            }
        }

        mutating func text(_ bytes: UnsafeBufferPointer<UInt8>, line: Int) throws {
            guard inItem >= 0, texts[texts.count - 1].utf8.count < 4096 else { return }
            texts[texts.count - 1] += String(decoding: bytes, as: UTF8.self)
        }

        mutating func end(depth: Int) throws {
            guard inItem >= 0 else {
                if outer.count > depth { outer.removeSubrange(depth...) }
                return
            }
            let text = texts.removeLast()
            let hadChildren = childSeen.removeLast()
            if depth == inItem {
                for (p, n) in perItem {
                    guard var c = profiles[p] else { continue }
                    c.items += 1
                    c.maxPerItem = max(c.maxPerItem, n)
                    profiles[p] = c
                }
                inItem = -1
                if outer.count > depth { outer.removeSubrange(depth...) }
                return
            }
            if !hadChildren { profile(rel.joined(separator: "/"), text) }
            rel.removeLast()
        }
    }

    static func inspectXML(_ r: inout Inspection, _ ctx: InspectContext) throws {
        r.encoding = declaredEncoding(path: r.path) ?? "utf-8"
        var counter = PathCounter()
        try XMLRecordReader(path: r.path).stream(&counter)
        // The item: the most repeated element path whose parent occurs once (a list under one
        // container), shallowest on a tie.
        var best: (path: String, count: Int)?
        for p in counter.order {
            let n = counter.counts[p] ?? 0
            let parts = p.split(separator: "/")
            guard n >= 2, parts.count >= 2 else { continue }
            let parent = parts.dropLast().joined(separator: "/")
            guard counter.counts[parent] == 1 else { continue }
            if best == nil || n > best!.count { best = (p, n) }
        }
        if best == nil, let p = counter.order.dropFirst().first { best = (p, counter.counts[p] ?? 1) }
        guard let best else { throw IngestError.emptyFile(path: r.path) }
        let parts = best.path.split(separator: "/").map(String.init)
        let record = Array(parts.suffix(min(2, parts.count - 1)))
        r.record = record.joined(separator: "/")
        var profiler = ItemProfiler(record: record, ctx: ctx)
        try XMLRecordReader(path: r.path).stream(&profiler)
        r.records = profiler.items
        r.columns = profiler.order.compactMap { profiler.profiles[$0] }
        r.titleText = parts.joined(separator: " ")
    }

    /// The first `count` bytes of a regular file (opened as every input is, ``InputFile``:
    /// never blocking on a FIFO); empty when it cannot be read, which the reader then reports.
    static func head(_ path: String, count: Int) -> [UInt8] {
        guard let fd = try? InputFile.open(path) else { return [] }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, count - got) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            got += n
        }
        bytes.removeLast(count - got)
        return bytes
    }

    /// The encoding named in the XML declaration, lower-cased.
    static func declaredEncoding(path: String) -> String? {
        let head = String(decoding: self.head(path, count: 200).prefix { $0 != UInt8(ascii: ">") }, as: UTF8.self)
        guard head.hasPrefix("<?xml"), let r = head.range(of: "encoding=") else { return nil }
        let rest = head[r.upperBound...].dropFirst()
        return String(rest.prefix { $0 != "\"" && $0 != "'" }).lowercased()
    }
}

extension Inspection {
    /// What was found, for the terminal: encoding, header row (or the item element), each
    /// column with its guess, counts and samples, the rows that are not records, and what is
    /// left for a person to decide.
    public func render(_ lang: Language) -> String {
        var out: [String] = []
        out.append(lang.pick("\(path)：", "\(path):"))
        let enc = format == .xlsx ? lang.pick("工作簿（Unicode）", "workbook (Unicode)") : encoding.uppercased()
        out.append(lang.pick("  编码：\(enc)", "  encoding: \(enc)") + (sheet.map { lang.pick("；工作表“\($0)”", "; sheet “\($0)”") } ?? ""))
        if let record {
            out.append(lang.pick("  重复的元素：\(record)，共 \(records) 项；项内的元素和属性", "  repeated element: \(record), \(records) items; inside each")
                       + (records > Inspector.profiledRows ? lang.pick("（按前 \(Inspector.profiledRows) 项统计）", " (from the first \(Inspector.profiledRows) items)") : "")
                       + lang.pick("：", ":"))
        } else {
            out.append(lang.pick("  表头在第 \(headerRow ?? 1) 行；数据 \(records) 行；各列", "  header on line \(headerRow ?? 1); \(records) data rows; columns")
                       + (records > Inspector.profiledRows ? lang.pick("（按前 \(Inspector.profiledRows) 行统计）", " (from the first \(Inspector.profiledRows) rows)") : "")
                       + lang.pick("：", ":"))
        }
        for c in columns {
            let distinct = c.distinctCapped ? "\(ColumnProfile.distinctBound)+" : String(c.distinct)
            let counts = lang.pick("非空 \(c.nonEmpty)、空 \(c.empty)、不同值 \(distinct)", "\(c.nonEmpty) filled, \(c.empty) empty, \(distinct) distinct")
                + (record != nil && c.maxPerItem > 1 ? lang.pick("、一项最多 \(c.maxPerItem) 个", ", up to \(c.maxPerItem) per item") : "")
            out.append("    \(c.name)  [\(counts)]  " + lang.pick("样例：", "e.g. ") + c.samples.joined(separator: lang.pick("、", ", ")))
        }
        if !skipped.isEmpty {
            out.append(lang.pick("  不是记录的行：", "  rows that are not records: ") + skipped.map { s in
                let what = s.rule.split(separator: "|").first.map(String.init) ?? s.rule
                let name = ["blank": lang.pick("空行", "blank"), "repeated_header": lang.pick("重复的表头", "repeated header"),
                            "total": lang.pick("合计", "total"), "note": lang.pick("注释", "note")][what] ?? what
                return lang.pick("\(name) \(s.count) 行（第 \(s.firstLine) 行起）", "\(name) \(s.count) (from line \(s.firstLine))")
            }.joined(separator: lang.pick("、", ", ")))
        }
        if !open.isEmpty {
            out.append(lang.pick("  需要人来决定：", "  left to decide: ") + open.joined(separator: lang.pick("；", "; ")))
        }
        return out.joined(separator: "\n")
    }
}
