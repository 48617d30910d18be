#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import LvzhiCore
import ZIPFoundation

/// Which sheet of a workbook to read: by name, or by number (1 = the first visible sheet).
public enum SheetSelector: Sendable, Hashable, CustomStringConvertible {
    case name(String)
    case number(Int)

    public var description: String {
        switch self {
        case .name(let s): s
        case .number(let n): String(n)
        }
    }
}

/// An `.xlsx` workbook (Office Open XML, as Excel, WPS and LibreOffice write it), opened for
/// reading one sheet as rows of text.
///
/// Opening reads the package's directory, the relationships and `workbook.xml` (the sheet
/// names). ``forEachRow(sheet:headerRow:_:)`` then reads `styles.xml` (which cells are dates),
/// the shared-string table (held in memory, within ``XLSXLimits``) and streams the sheet:
/// each part is inflated on a helper thread straight into libxml2's `xmlTextReader` through a
/// bounded pipe, so a sheet of any size is read in constant memory and never extracted to disk.
/// Used from one thread at a time.
///
/// ```swift
/// let book = try XLSXWorkbook(path: "导出.xlsx")
/// try book.forEachRow(sheet: try book.sheetIndex(.name("调研视察")), headerRow: 2) { row in … }
/// ```
public final class XLSXWorkbook: @unchecked Sendable {
    public struct Sheet: Sendable, Equatable {
        public var name: String
        public var visible: Bool
        /// False for chart and dialog sheets.
        public var isWorksheet: Bool
        /// The sheet's part in the package (`xl/worksheets/sheet1.xml`).
        public var part: String?
    }

    public let path: String
    public let limits: XLSXLimits
    /// The sheets in workbook order, hidden ones included.
    public private(set) var sheets: [Sheet] = []
    /// The workbook counts dates from 1904-01-01 (old Mac Excel) instead of 1900.
    public private(set) var date1904 = false

    let archive: Archive
    private var entries: [String: Entry] = [:]
    private var lowercased: [String: String] = [:]
    private var sharedStringsPart: String?
    private var stylesPart: String?

    /// What a file that is not a ZIP package is, from its first bytes: an OLE compound file (an
    /// old .xls or an encrypted workbook), text (a renamed CSV: valid UTF-8 without control bytes but
    /// tab and line ends, or a UTF-16 byte-order mark), or unknown.
    static func sniff(_ path: String) -> WorkbookProblem {
        guard let h = FileHandle(forReadingAtPath: path) else { return .notZip }
        defer { try? h.close() }
        let head = [UInt8]((try? h.read(upToCount: 4096)) ?? Data())
        if head.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { return .compoundFile }
        if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]) { return .textFile }
        // Text has no control bytes besides tab and line ends (a torn ZIP header has several).
        guard head.count >= 2, !head.contains(where: { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }) else { return .notZip }
        // A cut in the middle of a multi-byte character at the 4096-byte boundary is still text.
        for cut in 0...min(3, head.count - 1) where String(validating: head.dropLast(cut), as: UTF8.self) != nil { return .textFile }
        return .notZip
    }

    /// - Throws: ``IngestError`` when the file is not a workbook or breaks a limit.
    public init(path: String, limits: XLSXLimits = .standard) throws {
        self.path = path
        self.limits = limits
        guard access(path, R_OK) == 0 else { throw IngestError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        try InputFile.requireRegular(path)
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw IngestError.notWorkbook(path: path, problem: Self.sniff(path))
        }
        var count = 0
        for e in archive {
            count += 1
            if count > limits.maxEntries { throw IngestError.workbookLimit(path: path, part: "", limit: .entries(limits.maxEntries)) }
            let name = e.path
            // Two entries under one name (or names that differ only in case, which OPC treats as
            // the same part): readers disagree on which one counts — lvzhi would read the first,
            // Python's zipfile and others the last — so the records of one of them would be
            // neither scored nor rejected. Refused as damaged, naming the entry.
            if entries[name] != nil || lowercased[name.lowercased()] != nil {
                throw IngestError.notWorkbook(path: path, problem: .duplicateEntry(name))
            }
            entries[name] = e
            lowercased[name.lowercased()] = name
        }
        // The package's relationships name the workbook part.
        var workbookPart = "xl/workbook.xml"
        if entry("_rels/.rels") != nil {
            let rels = try relationships(of: "")
            guard let main = rels.values.first(where: { $0.type.hasSuffix("/officeDocument") && !$0.external }) else {
                throw IngestError.notWorkbook(path: path, problem: .missingPart("xl/workbook.xml"))
            }
            workbookPart = main.target
        }
        guard entry(workbookPart) != nil else { throw IngestError.notWorkbook(path: path, problem: .missingPart(workbookPart)) }
        let rels = try relationships(of: workbookPart)
        sharedStringsPart = rels.values.filter { $0.type.hasSuffix("/sharedStrings") && !$0.external }.map(\.target).min()
        stylesPart = rels.values.filter { $0.type.hasSuffix("/styles") && !$0.external }.map(\.target).min()
        try readWorkbook(workbookPart, rels: rels)
    }

    // MARK: - Choosing a sheet

    /// The index in ``sheets`` of the sheet `selector` names; `nil` means the first visible
    /// worksheet. Numbers count visible sheets, as their tabs show.
    /// - Throws: ``IngestError/unknownSheet(path:sheet:available:)`` listing the sheets,
    ///   ``IngestError/notWorkbook(path:problem:)`` for a chart sheet or no worksheet.
    public func sheetIndex(_ selector: SheetSelector?) throws -> Int {
        let found: Int?
        switch selector {
        case nil:
            guard let i = sheets.firstIndex(where: { $0.visible && $0.isWorksheet }) else {
                throw IngestError.notWorkbook(path: path, problem: .noWorksheet)
            }
            return i
        case .number(let n):
            let visible = sheets.indices.filter { sheets[$0].visible }
            found = n >= 1 && n <= visible.count ? visible[n - 1] : nil
        case .name(let s):
            let t = s.trimmingSpaces
            found = sheets.firstIndex { $0.name == s } ?? sheets.firstIndex { $0.name.trimmingSpaces.lowercased() == t.lowercased() }
        }
        guard let i = found else {
            throw IngestError.unknownSheet(path: path, sheet: selector!.description, available: sheets.map(\.name))
        }
        guard sheets[i].isWorksheet, sheets[i].part != nil else {
            throw IngestError.notWorkbook(path: path, problem: .notWorksheet(sheets[i].name))
        }
        return i
    }

    // MARK: - Parts

    func entry(_ name: String) -> Entry? {
        if let e = entries[name] { return e }
        return lowercased[name.lowercased()].flatMap { entries[$0] }
    }

    func label(_ part: String) -> String { "\(path)(\(part))" }

    /// Streams the XML part `name` through `body`, within `limit` bytes.
    func readPart(_ name: String, limit: UInt64, _ body: (borrowing PartNode) throws -> Void) throws {
        guard let e = entry(name), e.type == .file else { throw IngestError.notWorkbook(path: path, problem: .missingPart(name)) }
        let size = e.uncompressedSize
        if size > limit { throw IngestError.workbookLimit(path: path, part: name, limit: .partSize(limit)) }
        if size > limits.ratioFloorBytes, size / max(e.compressedSize, 1) > limits.maxRatio {
            throw IngestError.workbookLimit(path: path, part: name, limit: .ratio(limits.maxRatio))
        }
        let inflater = PartInflater(archive: archive, entry: e, limit: limit, path: path, part: name)
        try PartReader(label: label(name)).read(inflater, body)
    }

    struct Relationship {
        var type: String
        var target: String
        var external: Bool
    }

    /// The relationships of `part` ("" for the package), by id, with targets resolved to
    /// part names. Targets that climb out of the package are refused.
    func relationships(of part: String) throws -> [String: Relationship] {
        let folder = PathText.parent(part)
        let file = (part as NSString).lastPathComponent
        let relsPart = part.isEmpty ? "_rels/.rels" : (folder.isEmpty ? "" : folder + "/") + "_rels/\(file).rels"
        guard entry(relsPart) != nil else { return [:] }
        var out: [String: Relationship] = [:]
        try readPart(relsPart, limit: limits.maxPartBytes) { n in
            guard n.kind == .start, n.nameIs("Relationship"), let id = n.string("Id"), let target = n.string("Target") else { return }
            let external = n.string("TargetMode") == "External"
            let resolved = external ? target : try resolve(target, from: folder)
            if out[id] == nil { out[id] = Relationship(type: n.string("Type") ?? "", target: resolved, external: external) }
        }
        return out
    }

    /// `worksheets/sheet1.xml` from `xl` → `xl/worksheets/sheet1.xml`; `/xl/…` is absolute.
    func resolve(_ target: String, from folder: String) throws -> String {
        let decoded = target.removingPercentEncoding ?? target
        var parts: [Substring] = decoded.hasPrefix("/") ? [] : folder.split(separator: "/")
        for p in decoded.split(separator: "/") {
            switch p {
            case ".": continue
            case "..":
                guard !parts.isEmpty else { throw IngestError.notWorkbook(path: path, problem: .externalTarget(target)) }
                parts.removeLast()
            default: parts.append(p)
            }
        }
        return parts.joined(separator: "/")
    }

    private func readWorkbook(_ part: String, rels: [String: Relationship]) throws {
        var found: [Sheet] = []
        try readPart(part, limit: limits.maxPartBytes) { n in
            guard n.kind == .start else { return }
            if n.nameIs("workbookPr") {
                let v = n.string("date1904")?.lowercased()
                date1904 = v == "1" || v == "true"
            } else if n.nameIs("sheet") {
                let name = n.string("name") ?? ""
                let state = n.string("state") ?? "visible"
                var sheetPart: String?
                var isWorksheet = false
                if let id = n.string("id"), let r = rels[id] {
                    if r.external { throw IngestError.notWorkbook(path: path, problem: .externalTarget(r.target)) }
                    sheetPart = r.target
                    isWorksheet = r.type.hasSuffix("/worksheet")
                }
                found.append(Sheet(name: name, visible: state == "visible", isWorksheet: isWorksheet, part: sheetPart))
            }
        }
        sheets = found
    }

    // MARK: - Styles and shared strings

    /// For every cell style (`s` attribute), whether its number format shows a date.
    func dateStyles() throws -> [Bool] {
        guard let part = stylesPart, entry(part) != nil else { return [] }
        var custom: [Int: Bool] = [:]
        var xfs: [Int] = []
        var inCellXfs = false
        try readPart(part, limit: limits.maxPartBytes) { n in
            if n.nameIs("cellXfs") { inCellXfs = n.kind == .start; return }
            guard n.kind == .start else { return }
            if n.nameIs("numFmt"), let id = n.string("numFmtId").flatMap({ Int($0) }) {
                custom[id] = XLSXCells.isDateFormat(n.string("formatCode") ?? "")
            } else if inCellXfs, n.nameIs("xf") {
                xfs.append(n.string("numFmtId").flatMap { Int($0) } ?? 0)
            }
        }
        return xfs.map { custom[$0] ?? XLSXCells.isBuiltInDate($0) }
    }

    /// The shared-string table: all strings' UTF-8 in one array, and where each ends.
    struct SharedStrings {
        var bytes: [UInt8] = []
        var ends: [UInt32] = []
        var count: Int { ends.count }
        func range(_ i: Int) -> Range<Int> { (i == 0 ? 0 : Int(ends[i - 1]))..<Int(ends[i]) }
    }

    func sharedStrings() throws -> SharedStrings {
        var table = SharedStrings()
        guard let part = sharedStringsPart, entry(part) != nil else { return table }
        var inItem = false, inPhonetic = false, inText = false
        var start = 0
        try readPart(part, limit: limits.maxSharedStringsPartBytes) { n in
            switch n.kind {
            case .start:
                if n.nameIs("si") { inItem = true; inPhonetic = false; start = table.bytes.count }
                else if n.nameIs("rPh") { inPhonetic = true }
                else if n.nameIs("t") { inText = inItem && !inPhonetic }
            case .end:
                if n.nameIs("t") { inText = false }
                else if n.nameIs("rPh") { inPhonetic = false }
                else if n.nameIs("si") {
                    inItem = false
                    XLSXText.decodeEscapes(&table.bytes, from: start)
                    table.ends.append(UInt32(table.bytes.count))
                    if table.ends.count > limits.maxSharedStrings {
                        throw IngestError.workbookLimit(path: path, part: part, limit: .sharedStrings(limits.maxSharedStrings))
                    }
                }
            case .text:
                guard inText else { return }
                table.bytes.append(contentsOf: n.text)
                if table.bytes.count > limits.maxSharedStringBytes {
                    throw IngestError.workbookLimit(path: path, part: part, limit: .sharedStringBytes(limits.maxSharedStringBytes))
                }
            }
        }
        return table
    }
}

/// Text as OOXML stores it.
enum XLSXText {
    /// Replaces the `_xHHHH_` escapes OOXML writes for control characters (`_x000D_`) and
    /// for a literal `_x` (`_x005F_`) in `bytes[from...]`.
    static func decodeEscapes(_ bytes: inout [UInt8], from: Int) {
        let n = bytes.count
        guard n - from >= 7 else { return }
        var i = from
        var found = false
        while i + 6 < n {
            if bytes[i] == 0x5F, bytes[i + 1] == 0x78, bytes[i + 6] == 0x5F { found = true; break }
            i += 1
        }
        guard found else { return }
        var out: [UInt8] = []
        out.reserveCapacity(n - from)
        i = from
        while i < n {
            if i + 6 < n, bytes[i] == 0x5F, bytes[i + 1] == 0x78, bytes[i + 6] == 0x5F, let v = hex4(bytes, i + 2),
               let scalar = Unicode.Scalar(v) {
                out.append(contentsOf: String(Character(scalar)).utf8)
                i += 7
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        bytes.replaceSubrange(from..<n, with: out)
    }

    private static func hex4(_ b: [UInt8], _ at: Int) -> UInt32? {
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = b[at + k]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }
}

// MARK: - The other sheets

extension XLSXWorkbook {
    private struct StopProbe: Error {}

    /// The header cells (trimmed, non-empty) of a sheet and whether a row follows the header;
    /// reads no further than the first row under the header.
    func probe(sheet index: Int) throws -> (header: Set<String>, hasRows: Bool) {
        var header: Set<String>?
        var hasRows = false
        do {
            try forEachRow(sheet: index) { row in
                if header == nil {
                    var h: Set<String> = []
                    for c in 0..<row.count { if let s = row.string(c)?.trimmingSpaces, !s.isEmpty { h.insert(s) } }
                    header = h
                    return
                }
                if row.isBlank { return }
                hasRows = true
                throw StopProbe()
            }
        } catch is StopProbe {}
        return (header ?? [], hasRows)
    }

    /// The sheets other than `read`, each with why it is not read; throws
    /// ``IngestError/unreadSheets(path:read:others:)`` when one of them holds records and the
    /// sheet was not chosen (`chosen` false): reading only the first would lose them silently.
    /// A sheet holds records when it has a row under a header that shares a column with the
    /// sheet read or names a canonical column.
    func otherSheets(besides read: Int, chosen: Bool) throws -> [UnreadSheet] {
        let known = Set(ActivityField.allCases.flatMap { [$0.key, $0.chinese] } + MemberField.allCases.flatMap { [$0.key, $0.chinese] })
        let readHeader = try probe(sheet: read).header
        var out: [UnreadSheet] = []
        var holding: [String] = []
        for (i, s) in sheets.enumerated() where i != read {
            guard s.isWorksheet, s.part != nil else { out.append(UnreadSheet(name: s.name, why: .notWorksheet)); continue }
            let p = try probe(sheet: i)
            if !p.hasRows { out.append(UnreadSheet(name: s.name, why: .empty)); continue }
            let lower = Set(p.header.map { $0.lowercased() })
            guard !p.header.isDisjoint(with: readHeader) || !lower.isDisjoint(with: known) || !p.header.isDisjoint(with: known) else {
                out.append(UnreadSheet(name: s.name, why: .noRecordColumns)); continue
            }
            holding.append(s.name)
            out.append(UnreadSheet(name: s.name, why: .notSelected))
        }
        if !chosen, !holding.isEmpty {
            throw IngestError.unreadSheets(path: path, read: sheets[read].name, others: holding)
        }
        return out
    }
}
