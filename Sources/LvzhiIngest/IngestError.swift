import Foundation
import LvzhiCore

/// A problem that stops a whole input file from being read (as opposed to a ``Reject``,
/// which refuses one record and carries on).
public enum IngestError: Error, Sendable, Equatable {
    public enum CSVProblem: Sendable, Equatable {
        case unterminatedQuote
        case textAfterClosingQuote
        case fieldTooLong(Int)
        case tooManyFields(Int)
        /// A row (a header line included) longer than this many bytes.
        case rowTooLong(Int)
    }

    case unreadable(path: String, reason: String)
    case malformedCSV(path: String, line: Int, reason: CSVProblem)
    /// `reason`: libxml2's message; `code`: its error code (`xmlParserErrors`), 0 when libxml2
    /// gave none (its generic errors), for the Chinese explanation (``XMLErrorText``).
    case malformedXML(path: String, line: Int, reason: String, code: Int = 0)
    case forbiddenXML(path: String, line: Int, what: XMLHazard)
    case missingColumns(path: String, columns: [String])
    case unknownColumn(path: String, column: String, suggestion: String?)
    case duplicateColumn(path: String, column: String)
    case emptyFile(path: String)
    case unsupportedFormat(path: String)
    case noMembers(path: String)
    /// Bytes that do not decode in the file's encoding, at a byte offset (0-based) and line.
    case undecodable(path: String, offset: Int, line: Int, encoding: String)
    /// A NUL byte (0x00) at a byte offset (0-based) and line: valid UTF-8, but never text — a
    /// file in an encoding lvzhi cannot tell (UTF-32, UTF-16 of mostly non-Latin text) or not a
    /// text file. `encoding` is the one the file was read as.
    case nulByte(path: String, offset: Int, line: Int, encoding: String)
    /// A column of a mapped file that its mapping does not mention.
    case unmappedColumn(path: String, column: String, mapping: String)
    /// Columns a mapping names that the file does not have.
    case missingMappedColumns(path: String, columns: [String], mapping: String)
    /// More than one mapping names the same input file.
    case ambiguousMapping(path: String, mappings: [String])
    /// The mapping is for the other kind of file (a CSV mapping for an XML file, or the reverse).
    case unsupportedMapped(path: String, mapping: String)
    /// An `.xlsx` file that is not a readable workbook.
    case notWorkbook(path: String, problem: WorkbookProblem)
    /// A workbook beyond one of the ``XLSXLimits`` (zip bombs, absurd tables).
    case workbookLimit(path: String, part: String, limit: WorkbookLimit)
    /// A sheet name (or number) that the workbook does not have.
    /// `mapping`: where the mapping file names the sheet, when a mapping chose it.
    case unknownSheet(path: String, sheet: String, available: [String], mapping: SourceLocation? = nil)
    /// A broken row or cell in the sheet being read; `row` is the sheet's row number.
    case badSheet(path: String, sheet: String, row: Int, problem: SheetProblem)
    /// No element in an XML file matches the mapping's `record` path; `seen` lists a few
    /// element paths that the file does have.
    case noItems(path: String, record: String, mapping: String, seen: [String])
    /// An element, attribute or text inside an item that the XML mapping does not describe.
    case unmappedXML(path: String, line: Int, what: String, mapping: String)
    /// The path names a folder, FIFO, device or socket where a file is read: refused before
    /// reading, so that a pipe never blocks the run and a device never feeds it forever.
    case notRegularFile(path: String, kind: SafeFile.Kind)
    /// A workbook read without naming a sheet whose other sheets hold records too: refused,
    /// rather than reading the first sheet and losing the others' records.
    case unreadSheets(path: String, read: String, others: [String])
    /// A large run's scratch files (``ActivityIngestor/spillToDisk(directory:partitions:)``)
    /// could not be made, written or read back in `folder` (disk full …): records would be missing.
    case scratch(folder: String, reason: String)
    /// `--activities` named no activity file: an empty folder, or only the roster. Every
    /// member would score nothing, and a cron run would publish an all-red chart.
    case noActivityFiles(paths: [String])

    /// A stable identifier for documentation and tools.
    public var id: String {
        switch self {
        case .unreadable: "I001"
        case .malformedCSV: "I002"
        case .malformedXML: "I003"
        case .forbiddenXML: "I004"
        case .missingColumns: "I005"
        case .unknownColumn: "I006"
        case .duplicateColumn: "I007"
        case .emptyFile: "I008"
        case .unsupportedFormat: "I009"
        case .noMembers: "I010"
        case .undecodable: "I011"
        case .nulByte: "I026"
        case .unmappedColumn: "I012"
        case .missingMappedColumns: "I013"
        case .ambiguousMapping: "I014"
        case .unsupportedMapped: "I015"
        case .notWorkbook: "I017"
        case .workbookLimit: "I018"
        case .unknownSheet: "I019"
        case .badSheet: "I020"
        case .noItems: "I021"
        case .unmappedXML: "I022"
        case .notRegularFile: "I023"
        case .unreadSheets: "I024"
        case .scratch: "I025"
        case .noActivityFiles: "I027"
        }
    }

    public var location: SourceLocation? {
        switch self {
        case .malformedCSV(let p, let l, _), .malformedXML(let p, let l, _, _), .forbiddenXML(let p, let l, _), .unmappedXML(let p, let l, _, _):
            SourceLocation(file: p, line: l)
        case .missingColumns(let p, _), .unknownColumn(let p, _, _), .duplicateColumn(let p, _):
            SourceLocation(file: p, line: 1)
        case .noActivityFiles(let paths):
            SourceLocation(file: paths.first ?? "", line: 0)
        case .unreadable(let p, _), .notRegularFile(let p, _), .unreadSheets(let p, _, _), .scratch(let p, _), .emptyFile(let p), .unsupportedFormat(let p), .noMembers(let p),
             .ambiguousMapping(let p, _), .unsupportedMapped(let p, _), .notWorkbook(let p, _), .workbookLimit(let p, _, _),
             .unknownSheet(let p, _, _, _), .noItems(let p, _, _, _):
            SourceLocation(file: p, line: 0)
        case .badSheet(let p, _, let row, _):
            SourceLocation(file: p, line: row)
        case .undecodable(let p, _, let l, _), .nulByte(let p, _, let l, _):
            SourceLocation(file: p, line: l)
        case .unmappedColumn(let p, _, _), .missingMappedColumns(let p, _, _):
            SourceLocation(file: p, line: 1)
        }
    }

    /// For a file that does not exist: the file of the nearest name in the same folder (a typo,
    /// `member.csv` for `members.csv`), written as the path was; nil when none is close.
    static func similarFile(to path: String, reason: String) -> String? {
        guard reason == String(cString: strerror(ENOENT)) else { return nil }
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder), names.count <= 10_000,
              let near = closest(url.lastPathComponent, in: names.filter { !$0.hasPrefix(".") }) else { return nil }
        let slash = path.lastIndex(of: "/")
        return slash.map { String(path[...$0]) + near } ?? near
    }

    public var diagnostic: Diagnostic {
        let loc = location.flatMap { $0.line > 0 ? $0 : nil }
        switch self {
        case .unreadable(let p, let r):
            if let near = Self.similarFile(to: p, reason: r) {
                return Diagnostic(id: id, location: nil, zh: "无法读取输入文件 \(p)：\(SystemErrorText.localized(r, .zh))", en: "cannot read input file \(p): \(r)",
                                  hintZh: "是否想写 \(near)？", hintEn: "did you mean \(near)?")
            }
            return Diagnostic(id: id, location: nil, zh: "无法读取输入文件 \(p)：\(SystemErrorText.localized(r, .zh))", en: "cannot read input file \(p): \(r)",
                              hintZh: "请检查路径和权限。", hintEn: "Check the path and permissions.")
        case .noActivityFiles(let paths):
            let list = paths.joined(separator: "、"), listEn = paths.joined(separator: ", ")
            return Diagnostic(id: id, location: nil,
                              zh: "没有找到活动记录文件：\(list) 中没有 .csv、.xml 或 .xlsx 文件（名册文件不算）；没有记录时所有委员都是零分，不予评分",
                              en: "no activity file found: \(listEn) holds no .csv, .xml or .xlsx file (the roster does not count); with no records every member would score nothing, so nothing was scored",
                              hintZh: "检查 --activities 指向的文件或文件夹（导出是否已放进去）。",
                              hintEn: "check the file or folder given to --activities (has the export been put there?).")
        case .scratch(let folder, let r):
            return Diagnostic(id: id, location: nil,
                              zh: "无法在临时文件夹 \(folder) 中暂存记录（\(r)），没有评分：大批量输入的记录暂存在这里再按委员分批计分",
                              en: "cannot keep records in the scratch folder \(folder) (\(r)); nothing was scored: a large input's records are kept there and scored in groups of members",
                              hintZh: "腾出空间，或用环境变量 TMPDIR 指定另一个可写的文件夹后重新运行。",
                              hintEn: "Free some space, or name another writable folder with the TMPDIR environment variable, and run again.")
        case .unreadSheets(let p, let read, let others):
            let zhList = others.map { "“\($0)”" }.joined(separator: "、"), enList = others.map { "“\($0)”" }.joined(separator: ", ")
            return Diagnostic(id: id, location: nil,
                              zh: "工作簿 \(p) 中除第一个工作表“\(read)”外，工作表 \(zhList) 也有记录；每个文件只读一个工作表，为免这些记录既不计分也不拒收，整个文件没有读取",
                              en: "the workbook \(p) holds records in sheet(s) \(enList) besides its first sheet “\(read)”; one sheet is read per file, so rather than leave those records neither scored nor rejected, the file was not read",
                              hintZh: "把每个工作表另存为单独的文件（.xlsx 或 CSV）；或在映射文件中用 sheet: 指明读哪一个（其余工作表不读，数据核对中列出）。",
                              hintEn: "Save each sheet as a file of its own (.xlsx or CSV); or name the sheet to read with sheet: in a mapping file (the others are then not read, and the reconciliation lists them).")
        case .notRegularFile(let p, let kind):
            return Diagnostic(id: id, location: nil, zh: "输入 \(p) 是\(kind.zh)，不是普通文件，没有读取",
                              en: "input \(p) is \(kind.en), not a regular file; it was not read",
                              hintZh: kind == .folder ? "这里要写一个文件的路径；活动记录的文件夹请用 --activities 给出。" : "只读取普通文件：请先把导出保存为文件，再给出它的路径。",
                              hintEn: kind == .folder ? "Name a file here; give folders of activity files with --activities." : "Only regular files are read: save the export to a file first and name that file.")
        case .malformedCSV(_, _, let problem):
            switch problem {
            case .unterminatedQuote:
                return Diagnostic(id: id, location: loc, zh: "CSV 引号未闭合：从这一行开始的带引号字段直到文件结尾都没有结束",
                                  en: "unterminated quote: the quoted field starting on this line never ends",
                                  hintZh: "文件可能被截断，或字段中的双引号没有写成两个双引号（\"\"）。",
                                  hintEn: "The file may be truncated, or a quote inside a field was not doubled (\"\").")
            case .textAfterClosingQuote:
                return Diagnostic(id: id, location: loc, zh: "CSV 格式错误：右引号后面紧跟了其他字符",
                                  en: "malformed CSV: text right after a closing quote",
                                  hintZh: "字段内的双引号要写成两个双引号（\"\"），整个字段再用双引号括起来。",
                                  hintEn: "Double any quote inside a field (\"\") and quote the whole field.")
            case .fieldTooLong(let n):
                return Diagnostic(id: id, location: loc, zh: "CSV 字段超过 \(Self.size(UInt64(n)))（\(n) 字节）的上限（没有读取这个文件的其余部分）",
                                  en: "CSV field longer than the \(Self.size(UInt64(n))) (\(n)-byte) limit (the rest of this file was not read)",
                                  hintZh: "一个字段最多 \(Self.size(UInt64(n)))，一行最多 \(Self.size(UInt64(CSVReader.maxRowBytes)))、\(CSVReader.maxFields) 个字段。文件可能损坏，或引号未闭合。",
                                  hintEn: "A field holds at most \(Self.size(UInt64(n))), a row at most \(Self.size(UInt64(CSVReader.maxRowBytes))) and \(CSVReader.maxFields) fields. The file may be damaged or have an unterminated quote.")
            case .tooManyFields(let n):
                return Diagnostic(id: id, location: loc, zh: "CSV 一行超过 \(n) 个字段", en: "CSV row with more than \(n) fields")
            case .rowTooLong(let n):
                return Diagnostic(id: id, location: loc, zh: "CSV 一行超过 \(Self.size(UInt64(n)))（\(n) 字节）的上限（没有读取这个文件的其余部分）",
                                  en: "CSV row longer than the \(Self.size(UInt64(n))) (\(n)-byte) limit (the rest of this file was not read)",
                                  hintZh: "一行最多 \(Self.size(UInt64(n)))、\(CSVReader.maxFields) 个字段，一个字段最多 \(Self.size(UInt64(CSVReader.maxFieldBytes)))。这不像是一份导出的表格：请检查文件是否正确，换行符是否被去掉了。",
                                  hintEn: "A row holds at most \(Self.size(UInt64(n))) and \(CSVReader.maxFields) fields, a field at most \(Self.size(UInt64(CSVReader.maxFieldBytes))). This does not look like an exported table: check the file, and that its line breaks were not lost.")
            }
        case .malformedXML(let p, _, let r, let code):
            // libxml2's text, after a Chinese explanation of its error code where there is one.
            let zhReason = XMLErrorText.chinese(code: code, message: r).map { "\($0)（libxml2：\(r)）" } ?? r
            if p.hasSuffix(".xml)"), p.lowercased().contains(".xlsx(") {
                // A part inside a workbook: `导出.xlsx(xl/worksheets/sheet1.xml)`.
                return Diagnostic(id: id, location: loc, zh: "工作簿中的 XML 格式错误：\(zhReason)", en: "malformed XML inside the workbook: \(r)",
                                  hintZh: "工作簿可能已损坏或被截断：请用 Excel 或 WPS 打开，确认能正常打开后重新另存为 .xlsx（或另存为 CSV）。",
                                  hintEn: "The workbook may be damaged or truncated: open it in Excel or WPS and, if it opens, save it again as .xlsx (or as CSV).")
            }
            return Diagnostic(id: id, location: loc, zh: "XML 格式错误：\(zhReason)", en: "malformed XML: \(r)",
                              hintZh: "文件可能被截断或不是合法的 XML；可用 xmllint 检查。",
                              hintEn: "The file may be truncated or not well-formed; xmllint can show where.")
        case .forbiddenXML(_, _, let what):
            return Diagnostic(id: id, location: loc, zh: "出于安全原因拒绝读取：\(what.zh)", en: "refused for safety: \(what.en)",
                              hintZh: "XML 导出不允许 DOCTYPE、实体声明、过深的嵌套或属性多得离谱的元素；这不像导出程序写出的文件。",
                              hintEn: "XML exports may not contain a DOCTYPE, entity declarations, deep nesting or elements with absurdly many attributes; this does not look like an export.")
        case .missingColumns(_, let cols):
            return Diagnostic(id: id, location: loc, zh: "缺少必需的列：\(cols.joined(separator: "、"))",
                              en: "missing required columns: \(cols.joined(separator: ", "))",
                              hintZh: "第一行应为表头，列名可用英文（如 member_id）或中文（如 委员编号）。",
                              hintEn: "The first row must be a header, in English (member_id) or Chinese (委员编号).")
        case .unknownColumn(_, let c, let s):
            return Diagnostic(id: id, location: loc, zh: "未知的列名“\(c)”", en: "unknown column '\(c)'",
                              hintZh: s.map { "是否想写“\($0)”？其他格式的导出请使用映射文件。" } ?? "其他格式的导出请使用映射文件。",
                              hintEn: s.map { "did you mean '\($0)'? Other layouts need a mapping file." } ?? "Other layouts need a mapping file.")
        case .duplicateColumn(_, let c):
            return Diagnostic(id: id, location: loc, zh: "列“\(c)”出现了两次", en: "column '\(c)' appears twice")
        case .emptyFile(let p):
            return Diagnostic(id: id, location: nil, zh: "输入文件 \(p) 为空（没有表头）", en: "input file \(p) is empty (no header)")
        case .unsupportedFormat(let p):
            return Diagnostic(id: id, location: nil, zh: "无法识别的文件类型：\(p)", en: "unrecognised file type: \(p)",
                              hintZh: "支持 .csv、.xml 和 .xlsx 文件；旧版 .xls 工作簿请用 Excel/WPS 另存为 .xlsx 或 CSV。",
                              hintEn: "Supported: .csv, .xml and .xlsx files; save an old .xls workbook as .xlsx or CSV in Excel/WPS.")
        case .noMembers(let p):
            return Diagnostic(id: id, location: nil, zh: "名册 \(p) 中没有有效的委员", en: "the roster \(p) holds no valid member")
        case .undecodable(_, let offset, _, let enc):
            return Diagnostic(id: id, location: loc, zh: "第 \(offset) 字节处的内容不是有效的 \(enc) 文本，无法解码（没有读取这个文件的其余部分）",
                              en: "bytes at offset \(offset) are not valid \(enc) text and cannot be decoded (the rest of this file was not read)",
                              hintZh: "文件可能已损坏或被截断，或编码不是 \(enc)：在映射文件中用 encoding 写明编码（utf-8、utf-16、gb18030、gbk），或用 WPS/Excel 另存为“CSV UTF-8”。",
                              hintEn: "The file may be damaged or truncated, or not \(enc): declare the encoding in the mapping (utf-8, utf-16, gb18030, gbk), or save it again as CSV UTF-8.")
        case .nulByte(_, let offset, _, let enc):
            return Diagnostic(id: id, location: loc, zh: "第 \(offset) 字节处是空字符（NUL，控制字符 0x00），文本中不会有它：这个文件不像 \(enc) 文本（没有读取这个文件的其余部分）",
                              en: "the byte at offset \(offset) is a NUL (control character 0x00), which text never holds: this file does not look like \(enc) text (the rest of this file was not read)",
                              hintZh: "这个文件可能不是文本文件，或是 lvzhi 无法自动识别的编码（如 UTF-32、不带 BOM 的 UTF-16）：在映射文件中用 encoding 写明编码（utf-8、utf-16、gb18030、gbk），或用 WPS/Excel 另存为“CSV UTF-8”。",
                              hintEn: "The file may not be text, or be in an encoding lvzhi cannot tell (UTF-32, UTF-16 without a byte-order mark): declare the encoding in the mapping (utf-8, utf-16, gb18030, gbk), or save it again as CSV UTF-8.")
        case .unmappedColumn(_, let c, let m):
            return Diagnostic(id: id, location: loc, zh: "映射文件 \(m) 没有说明列“\(c)”", en: "the mapping \(m) does not say what column '\(c)' holds",
                              hintZh: "在映射文件的 columns 中写明它对应的字段，不需要的列写作“\(c): skip”。",
                              hintEn: "Map it under columns, or write '\(c): skip' for a column to ignore.")
        case .missingMappedColumns(_, let cols, let m):
            return Diagnostic(id: id, location: loc, zh: "映射文件 \(m) 中的列在这个文件中不存在：\(cols.joined(separator: "、"))",
                              en: "columns named in the mapping \(m) are not in this file: \(cols.joined(separator: ", "))",
                              hintZh: "检查表头是否与映射文件 columns 中的写法完全一致，或这个映射是否适用于这个文件（files）。",
                              hintEn: "Check that the header matches the mapping's columns exactly, and that the mapping's files should name this file.")
        case .ambiguousMapping(let p, let ms):
            return Diagnostic(id: id, location: nil, zh: "文件 \(p) 同时符合多个映射文件：\(ms.joined(separator: "、"))",
                              en: "file \(p) is named by several mapping files: \(ms.joined(separator: ", "))",
                              hintZh: "修改这些映射文件的 files，让每个文件只对应一个映射。", hintEn: "Narrow their files patterns so each file has one mapping.")
        case .unsupportedMapped(let p, let m):
            if InputFormat(path: p) == .xml {
                return Diagnostic(id: id, location: nil, zh: "映射文件 \(m) 适用于 \(p)，但它是 CSV 映射（columns），不能读取 XML 文件",
                                  en: "mapping \(m) names \(p), but it is a CSV mapping (columns) and cannot read an XML file",
                                  hintZh: "XML 导出的映射写 record、fields 和 people（见 docs/mapping.md），或修改 files 不再对应这个文件。",
                                  hintEn: "A mapping for an XML export uses record, fields and people (see docs/mapping.md); or narrow its files.")
            }
            return Diagnostic(id: id, location: nil, zh: "映射文件 \(m) 适用于 \(p)，但它是 XML 映射（record），不能读取这个文件",
                              en: "mapping \(m) names \(p), but it is an XML mapping (record) and cannot read this file",
                              hintZh: "CSV 导出的映射写 columns（见 docs/mapping.md），或修改 files 不再对应这个文件。",
                              hintEn: "A mapping for a CSV export uses columns (see docs/mapping.md); or narrow its files.")
        case .notWorkbook, .workbookLimit, .unknownSheet, .badSheet:
            return workbookDiagnostic(location: loc)
        case .noItems(let p, let record, let m, let seen):
            return Diagnostic(id: id, location: nil, zh: "\(p) 中没有与映射文件 \(m) 的 record “\(record)”对应的元素，一项也没有读到",
                              en: "no element in \(p) matches record '\(record)' of the mapping \(m); not one item was read",
                              hintZh: "检查 record 的写法（元素名区分大小写，用 / 分隔）" + (seen.isEmpty ? "。" : "；文件中有：\(seen.joined(separator: "、"))"),
                              hintEn: "Check the record path (element names are case-sensitive, separated by /)" + (seen.isEmpty ? "." : "; the file has: \(seen.joined(separator: ", "))"))
        case .unmappedXML(_, _, let what, let m):
            let isText = what.hasSuffix("text()")
            var place = isText ? String(what.dropLast("text()".count)) : what
            while place.hasSuffix("/") { place.removeLast() }
            let zhPlace = isText ? (place.isEmpty ? "记录元素中的文字" : "\(place) 中的文字") : "记录元素中的 \(place)"
            let enPlace = isText ? (place.isEmpty ? "the text of the record element" : "the text in \(place)") : "\(place) in the record element"
            return Diagnostic(id: id, location: loc, zh: "映射文件 \(m) 没有说明\(zhPlace)", en: "the mapping \(m) does not say what \(enPlace) holds",
                              hintZh: "在映射文件的 fields（或对应 people 项的 fields）中写明它对应的字段；不需要的写作 skip（路径相对于 record 元素；属性写作 @名称）。",
                              hintEn: "Map it under fields (or the people entry's fields), or write skip to ignore it (paths are relative to the record element; attributes as @name).")
        }
    }
}

/// What an XML file is refused for before or while it is parsed (I004).
public enum XMLHazard: Sendable, Equatable {
    /// A document type declaration (which could declare entities).
    case doctype
    /// A reference to an entity other than the predefined ones.
    case entityReference
    /// An element deeper than this many levels.
    case nesting(Int)
    /// An element with more than this many attributes (``XMLAttributeGuard``).
    case attributes(Int)
    /// An encoding whose markup the guard cannot see (EBCDIC).
    case encoding(String)

    public var zh: String {
        switch self {
        case .doctype: "文件中有 DOCTYPE（文档类型声明，可用来声明实体）"
        case .entityReference: "文件中有实体引用（&名称;）；只允许 &amp;、&lt; 等预定义实体和 &#…; 字符引用"
        case .nesting(let n): "元素嵌套超过 \(n) 层"
        case .attributes(let n): "一个元素有超过 \(n) 个属性（没有解析这个元素）"
        case .encoding(let name): "文件使用 \(name) 编码，lvzhi 不读这种编码（请另存为 UTF-8）"
        }
    }

    public var en: String {
        switch self {
        case .doctype: "DOCTYPE"
        case .entityReference: "entity reference"
        case .nesting(let n): "nesting deeper than \(n)"
        case .attributes(let n): "an element with more than \(n) attributes (not parsed)"
        case .encoding(let name): "the \(name) encoding, which lvzhi does not read (save the file as UTF-8)"
        }
    }
}

/// Opening inputs: only regular files are read (``SafeFile``), refused ones as ``IngestError``.
enum InputFile {
    /// The open file descriptor of a regular file.
    /// - Throws: ``IngestError/notRegularFile(path:kind:)`` or ``IngestError/unreadable(path:reason:)``.
    static func open(_ path: String) throws(IngestError) -> Int32 {
        do { return try SafeFile.openForReading(path) } catch { throw map(error) }
    }

    /// Checks that `path` is a regular file before a library that opens it by path reads it.
    static func requireRegular(_ path: String) throws(IngestError) {
        do { try SafeFile.requireRegular(path) } catch { throw map(error) }
    }

    static func map(_ e: SafeFile.Problem) -> IngestError {
        switch e {
        case .notRegular(let p, let kind): .notRegularFile(path: p, kind: kind)
        case .symbolicLink(let p): .notRegularFile(path: p, kind: .symbolicLink)
        case .hardLinked(let p, _), .system(let p, _): .unreadable(path: p, reason: e.reason(.en))
        }
    }
}
