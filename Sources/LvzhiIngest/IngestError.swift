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
    case malformedXML(path: String, line: Int, reason: String)
    case forbiddenXML(path: String, line: Int, what: String)
    case missingColumns(path: String, columns: [String])
    case unknownColumn(path: String, column: String, suggestion: String?)
    case duplicateColumn(path: String, column: String)
    case emptyFile(path: String)
    case unsupportedFormat(path: String)
    case noMembers(path: String)
    /// Bytes that do not decode in the file's encoding, at a byte offset (0-based) and line.
    case undecodable(path: String, offset: Int, line: Int, encoding: String)
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
        }
    }

    public var location: SourceLocation? {
        switch self {
        case .malformedCSV(let p, let l, _), .malformedXML(let p, let l, _), .forbiddenXML(let p, let l, _), .unmappedXML(let p, let l, _, _):
            SourceLocation(file: p, line: l)
        case .missingColumns(let p, _), .unknownColumn(let p, _, _), .duplicateColumn(let p, _):
            SourceLocation(file: p, line: 1)
        case .unreadable(let p, _), .notRegularFile(let p, _), .unreadSheets(let p, _, _), .emptyFile(let p), .unsupportedFormat(let p), .noMembers(let p),
             .ambiguousMapping(let p, _), .unsupportedMapped(let p, _), .notWorkbook(let p, _), .workbookLimit(let p, _, _),
             .unknownSheet(let p, _, _, _), .noItems(let p, _, _, _):
            SourceLocation(file: p, line: 0)
        case .badSheet(let p, _, let row, _):
            SourceLocation(file: p, line: row)
        case .undecodable(let p, _, let l, _):
            SourceLocation(file: p, line: l)
        case .unmappedColumn(let p, _, _), .missingMappedColumns(let p, _, _):
            SourceLocation(file: p, line: 1)
        }
    }

    public var diagnostic: Diagnostic {
        let loc = location.flatMap { $0.line > 0 ? $0 : nil }
        switch self {
        case .unreadable(let p, let r):
            return Diagnostic(id: id, location: nil, zh: "无法读取输入文件 \(p)：\(r)", en: "cannot read input file \(p): \(r)",
                              hintZh: "请检查路径和权限。", hintEn: "Check the path and permissions.")
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
                return Diagnostic(id: id, location: loc, zh: "CSV 字段超过 \(n) 字节的上限", en: "CSV field longer than the \(n)-byte limit",
                                  hintZh: "文件可能损坏，或引号未闭合。", hintEn: "The file may be damaged or have an unterminated quote.")
            case .tooManyFields(let n):
                return Diagnostic(id: id, location: loc, zh: "CSV 一行超过 \(n) 个字段", en: "CSV row with more than \(n) fields")
            case .rowTooLong(let n):
                return Diagnostic(id: id, location: loc, zh: "CSV 一行超过 \(n) 字节的上限（没有读取这个文件的其余部分）",
                                  en: "CSV row longer than the \(n)-byte limit (the rest of this file was not read)",
                                  hintZh: "这不像是一份导出的表格：请检查文件是否正确，换行符是否被去掉了。",
                                  hintEn: "This does not look like an exported table: check the file, and that its line breaks were not lost.")
            }
        case .malformedXML(let p, _, let r):
            if p.hasSuffix(".xml)"), p.lowercased().contains(".xlsx(") {
                // A part inside a workbook: `导出.xlsx(xl/worksheets/sheet1.xml)`.
                return Diagnostic(id: id, location: loc, zh: "工作簿中的 XML 格式错误：\(r)", en: "malformed XML inside the workbook: \(r)",
                                  hintZh: "工作簿可能已损坏或被截断：请用 Excel 或 WPS 打开，确认能正常打开后重新另存为 .xlsx（或另存为 CSV）。",
                                  hintEn: "The workbook may be damaged or truncated: open it in Excel or WPS and, if it opens, save it again as .xlsx (or as CSV).")
            }
            return Diagnostic(id: id, location: loc, zh: "XML 格式错误：\(r)", en: "malformed XML: \(r)",
                              hintZh: "文件可能被截断或不是合法的 XML；可用 xmllint 检查。",
                              hintEn: "The file may be truncated or not well-formed; xmllint can show where.")
        case .forbiddenXML(_, _, let what):
            return Diagnostic(id: id, location: loc, zh: "出于安全原因拒绝读取：\(what)", en: "refused for safety: \(what)",
                              hintZh: "规范 XML 导出不允许 DOCTYPE、实体声明或过深的嵌套。",
                              hintEn: "Canonical XML exports may not contain a DOCTYPE, entity declarations or deep nesting.")
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

/// Why a record was refused. Every refused record is written to `rejects.csv`.
public enum RejectReason: Sendable, Hashable {
    case missingField(String)
    case invalidUTF8(String)
    case badDate(String)
    case badQuantity(String)
    case unknownMember
    case unknownKind(suggestion: String?)
    case unknownValue(field: String, allowed: [String], suggestion: String?)
    case unknownMark(suggestion: String?)
    case tooManyMarks
    case outsidePeriod(Period)
    case beforeJoined(Day)
    case afterLeft(Day)
    case duplicate(first: SourceLocation)
    case duplicateMember(first: SourceLocation)
    case wrongFieldCount(expected: Int, got: Int)
    case unknownElement(String)
    case unknownAttribute(String)
    case badFlag(String)
    /// Same activity id as an accepted record, but different content.
    case duplicateConflict(first: SourceLocation)
    /// A member name that several roster entries share.
    case ambiguousName(candidates: [String])
    /// A member name not in the roster.
    case unknownName
    /// The same person twice in one list cell (or one XML item).
    case repeatedPerson
    /// An XML element or attribute a mapping reads once occurs several times in one item.
    case repeatedElement(String)
    /// An XML item lacks the one element its mapping requires (`single: true`).
    case missingElement(String)
    /// An XML item beyond the bounds on elements or bytes in one item.
    case itemTooLarge(elements: Int, bytes: Int)
    /// A roster row whose `left` date is before its `joined` date.
    case leftBeforeJoined(joined: Day)
    /// A record of a member whose roster row was rejected (at that place): not "unknown".
    case memberRowRejected(SourceLocation)
    /// A record of a member who was not in office during the period (left before it or
    /// joined after it): the member is not graded this period.
    case memberOutsidePeriod(joined: Day?, left: Day?)
    /// An activity date in none of the accepted spellings; `serial`: the text is an Excel
    /// serial day number and the mapping does not say `excel_dates: true`.
    case unreadableDate(String, serial: Bool)
    /// A member named by an empty name (an empty cell or element where a name belongs).
    case emptyName
    /// No roster member with this name has the value the export gives in a roster column
    /// (界别, 委员编号 …): the candidates with their own values.
    case rosterMismatch(field: String, value: String, candidates: [String])
    /// A bracketed note after a name (“张伟（经济界）”) that no member of that name matches: the
    /// candidates with their roster values.
    case noteMismatch(note: String, candidates: [String])
    /// Several filled columns give one field different values (“区” and “市”): each as
    /// `column“text”→value`.
    case conflictingColumns(field: String, values: [String])
    /// Text in a `filled` column that the mapping does not say counts as filled.
    case unknownText(column: String, accepted: String)
    /// A roster value (职务, 界别, 专委会) outside the rule file's `roster` lists.
    case undeclaredMemberValue(field: String, allowed: [String], suggestion: String?)

    /// A stable code for grouping in the reconciliation.
    public var code: String {
        switch self {
        case .missingField: "missing-field"
        case .invalidUTF8: "invalid-utf8"
        case .badDate: "bad-date"
        case .badQuantity: "bad-quantity"
        case .unknownMember: "unknown-member"
        case .unknownKind: "unknown-kind"
        case .unknownValue(let f, _, _): "unknown-\(f)"
        case .unknownMark: "unknown-mark"
        case .tooManyMarks: "too-many-marks"
        case .outsidePeriod: "outside-period"
        case .beforeJoined: "before-joined"
        case .afterLeft: "after-left"
        case .duplicate: "duplicate"
        case .duplicateMember: "duplicate-member"
        case .wrongFieldCount: "field-count"
        case .unknownElement: "unknown-element"
        case .unknownAttribute: "unknown-attribute"
        case .badFlag: "bad-flag"
        case .duplicateConflict: "duplicate-conflict"
        case .ambiguousName: "ambiguous-name"
        case .unknownName: "unknown-name"
        case .repeatedPerson: "repeated-person"
        case .repeatedElement: "repeated-element"
        case .missingElement: "missing-element"
        case .itemTooLarge: "item-too-large"
        case .leftBeforeJoined: "left-before-joined"
        case .memberRowRejected: "member-rejected"
        case .memberOutsidePeriod: "member-outside-period"
        case .unreadableDate: "bad-date"
        case .emptyName: "empty-name"
        case .rosterMismatch, .noteMismatch: "roster-mismatch"
        case .conflictingColumns: "conflicting-columns"
        case .unknownText: "unknown-text"
        case .undeclaredMemberValue(let f, _, _): "undeclared-\(f)"
        }
    }

    /// The largest `quantity` a record may have (units, e.g. half-days).
    public static let maxQuantity: Int64 = 1_000_000


    /// The Chinese name of a canonical field with its key, e.g. “日期（date）”.
    static func label(_ key: String) -> String {
        let zh = ActivityField.allCases.first { $0.key == key }?.chinese ?? MemberField.allCases.first { $0.key == key }?.chinese
        return zh.map { "\($0)（\(key)）" } ?? key
    }

    public func message(_ lang: Language) -> String {
        switch self {
        case .missingField(let f): return lang.pick("缺少必填字段\(Self.label(f))", "missing required field \(f)")
        case .invalidUTF8(let f): return lang.pick("字段\(Self.label(f))不是有效的 UTF-8 文本（文件编码可能不是 UTF-8）", "field \(f) is not valid UTF-8 (the file may not be UTF-8 encoded)")
        case .badDate(let f): return lang.pick("\(Self.label(f))不是有效日期，应写作 YYYY-MM-DD（如 2025-03-05）", "\(f) is not a valid date; write YYYY-MM-DD (e.g. 2025-03-05)")
        case .badQuantity(let f):
            return lang.pick("\(Self.label(f))应为 0 到 \(Self.maxQuantity.grouped) 之间的数字（最多四位小数）",
                             "\(f) must be a number from 0 to \(Self.maxQuantity.grouped) with at most four decimals")
        case .unknownMember: return lang.pick("名册中没有这个委员编号", "no member with this id in the roster")
        case .leftBeforeJoined(let j): return lang.pick("离任日期早于任职日期 \(j)", "left before the joined date \(j)")
        case .memberRowRejected(let at):
            return lang.pick("名册中这位委员的一行（\(at)）被拒收，这条记录无法计分；请先改正名册中的那一行",
                             "this member's roster row (\(at)) was rejected, so the record cannot be scored; fix that roster row first")
        case .memberOutsidePeriod(let j, let l):
            let zh = l.map { "已于 \($0) 离任" } ?? j.map { "\($0) 才任职" } ?? ""
            let en = l.map { "left on \($0)" } ?? j.map { "joined on \($0)" } ?? ""
            return lang.pick("该委员\(zh)，考核期间内不在任，本期不参加评定", "the member \(en), not in office during the period; not graded this period")
        case .unknownKind(let s):
            return lang.pick("规则文件未声明这种活动类型" + (s.map { "（是否为“\($0)”？）" } ?? ""),
                             "kind not declared in the rule file" + (s.map { " (did you mean '\($0)'?)" } ?? ""))
        case .unknownValue(let f, let allowed, let s):
            let a = allowed.map { $0.isEmpty ? lang.pick("（空）", "(empty)") : $0 }
            return lang.pick("该活动类型不接受这个\(Self.zhField(f))" + (s.map { "（是否为“\($0)”？）" } ?? "") + "；可用：\(a.joined(separator: "、"))",
                             "this kind does not accept this \(f)" + (s.map { " (did you mean '\($0)'?)" } ?? "") + "; allowed: \(a.joined(separator: ", "))")
        case .unknownMark(let s):
            return lang.pick("规则文件未声明这个标记" + (s.map { "（是否为“\($0)”？）" } ?? ""),
                             "mark not declared in the rule file" + (s.map { " (did you mean '\($0)'?)" } ?? ""))
        case .tooManyMarks: return lang.pick("标记种类超过 64 种", "more than 64 distinct marks")
        case .outsidePeriod(let p): return lang.pick("日期不在考核期间 \(p) 内", "date outside the period \(p)")
        case .beforeJoined(let d): return lang.pick("日期早于该委员任职日期 \(d)", "dated before the member joined on \(d)")
        case .afterLeft(let d): return lang.pick("日期晚于该委员离任日期 \(d)", "dated after the member left on \(d)")
        case .duplicate(let first): return lang.pick("记录编号重复，已按首次出现（\(first)）计分", "duplicate activity_id; counted once, as first seen at \(first)")
        case .duplicateMember(let first): return lang.pick("委员编号重复，已采用首次出现（\(first)）", "duplicate member_id; the first (\(first)) is used")
        case .wrongFieldCount(let e, let g): return lang.pick("列数不符：表头有 \(e) 列，这一行有 \(g) 列", "wrong number of fields: header has \(e), row has \(g)")
        case .unknownElement(let e): return lang.pick("未知的 XML 元素 <\(e)>", "unknown XML element <\(e)>")
        case .unknownAttribute(let a): return lang.pick("未知的 XML 属性 \(a)", "unknown XML attribute \(a)")
        case .badFlag(let f): return lang.pick("\(Self.label(f))应为 是 或 否", "\(f) must be yes/no (是/否)")
        case .duplicateConflict(let first):
            return lang.pick("记录编号与 \(first) 的记录相同但内容不同，两条都需核对；已按首次出现计分，这一条未计分",
                             "same activity_id as the record at \(first) but different content; check both — the first was scored, this one was not")
        case .ambiguousName(let ids):
            return lang.pick("名册中有 \(ids.count) 位委员同名（\(ids.joined(separator: "、"))），无法确定是谁；请在导出中改用委员编号，或在映射中用界别等列区分（roster.sector）",
                             "\(ids.count) members share this name (\(ids.joined(separator: ", "))); cannot tell which — use the member id in the export, or tell them apart by a column such as 界别 (roster.sector)")
        case .unknownName: return lang.pick("名册中没有这个姓名的委员", "no member with this name in the roster")
        case .repeatedPerson: return lang.pick("同一人在名单中出现了两次，只计一次", "the same person is listed twice in one cell; counted once")
        case .repeatedElement(let p):
            return lang.pick("这一项中 \(p) 出现了不止一次，映射只读一个，无法确定取哪一个；整项未计分",
                             "\(p) occurs more than once in this item but the mapping reads one; cannot tell which — the item was not scored")
        case .missingElement(let p):
            return lang.pick("这一项缺少 \(p)（映射要求恰有一个）；整项未计分", "this item has no \(p) (the mapping requires exactly one); the item was not scored")
        case .undeclaredMemberValue(let f, let allowed, let s):
            let a = allowed.map { $0.isEmpty ? lang.pick("（空）", "(empty)") : $0 }
            let zh = f == "role" ? "职务" : f == "sector" ? "界别" : "专委会"
            let key = f == "role" ? "roles" : f == "sector" ? "sectors" : "committees"
            return lang.pick("规则文件的 roster.\(key) 中没有这个\(zh)" + (s.map { "（是否为“\($0)”？）" } ?? "") + "；可用：\(a.joined(separator: "、"))；该委员及其记录不计分",
                             "this \(f) is not in the rule file's roster.\(key)" + (s.map { " (did you mean '\($0)'?)" } ?? "") + "; allowed: \(a.joined(separator: ", ")); the member and their records are not scored")
        case .itemTooLarge(let e, let b):
            return lang.pick("这一项超过上限（\(e) 个元素或 \(b / 1024) KB 文字），文件可能损坏；整项未计分",
                             "this item exceeds the bounds (\(e) elements or \(b / 1024) KB of text); the file may be damaged — the item was not scored")
        case .unreadableDate(let f, let serial):
            if serial {
                return lang.pick("\(Self.label(f))是一个数字，像是 Excel 的日期序列号；在映射文件中写 excel_dates: true 即按 Excel 日期读取（45356 = 2024-03-05）",
                                 "\(f) is a number that looks like an Excel serial date; write excel_dates: true in the mapping file to read it as one (45356 = 2024-03-05)")
            }
            return lang.pick("\(Self.label(f))不是可识别的日期；可写 2025-03-05、2025/3/5、2025.3.5、20250305、2025年3月5日（或 5号），可带时间（2025-03-05 09:30:00），数字可为全角",
                             "\(f) is not a date lvzhi reads; write 2025-03-05, 2025/3/5, 2025.3.5, 20250305 or 2025年3月5日 (or 5号), optionally with a time (2025-03-05 09:30:00); full-width digits are fine")
        case .emptyName:
            return lang.pick("姓名为空：这里应写委员的姓名", "the name is empty: a member's name belongs here")
        case .rosterMismatch(let f, let v, let candidates):
            let label = MemberField.allCases.first { $0.key == f }.map { lang == .zh ? $0.chinese : $0.key } ?? f
            return lang.pick("名册中叫这个名字的委员\(label)都不是“\(v)”（\(candidates.joined(separator: "、"))），无法确定是谁",
                             "no member of this name has \(label) '\(v)' in the roster (\(candidates.joined(separator: ", "))); cannot tell who it is")
        case .noteMismatch(let note, let candidates):
            return lang.pick("名册中叫这个名字的委员没有一位与括注“\(note)”相符（\(candidates.joined(separator: "、"))），无法确定是谁",
                             "no member of this name matches the note '\(note)' in brackets (\(candidates.joined(separator: ", "))); cannot tell who it is")
        case .conflictingColumns(let f, let values):
            return lang.pick("几列给出了不同的\(Self.label(f))：\(values.joined(separator: "，"))；无法确定取哪一个，请核对这一行",
                             "several columns give different \(f) values: \(values.joined(separator: ", ")); cannot tell which — check the row")
        case .unknownText(let column, let accepted):
            return lang.pick("“\(column)”列的文字不是映射写明表示“有”的文字（\(accepted)），无法确定是否算作填写",
                             "the text in column '\(column)' is not one the mapping counts as filled (\(accepted)); cannot tell")
        }
    }

    static func zhField(_ f: String) -> String {
        switch f {
        case "status": "状态"
        case "role": "角色"
        case "level": "级别"
        default: f
        }
    }
}

/// A refused record: where it was, what it held, and why it was refused.
public struct Reject: Sendable, Hashable {
    public var location: SourceLocation
    public var recordID: String
    public var memberID: String
    /// The canonical field at fault (empty when the whole record is at fault).
    public var field: String
    public var value: String
    public var reason: RejectReason

    public init(location: SourceLocation, recordID: String, memberID: String, field: String, value: String, reason: RejectReason) {
        self.location = location
        self.recordID = recordID
        self.memberID = memberID
        self.field = field
        self.value = value
        self.reason = reason
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
