import LvzhiCore

/// Why an `.xlsx` file is not a readable workbook.
public enum WorkbookProblem: Sendable, Equatable {
    /// Not a ZIP package at all (an old .xls, an encrypted workbook, a renamed file).
    case notZip
    /// Not a ZIP package but text: most often a CSV (or an HTML table) given a .xlsx name.
    case textFile
    /// Not a ZIP package but an OLE compound file: an old .xls, or a password-protected .xlsx.
    case compoundFile
    /// A part every workbook needs (or one its relationships point to) is missing.
    case missingPart(String)
    /// A part does not decompress, fails its checksum, or is larger than its header says.
    case damagedPart(part: String, detail: String)
    /// The ZIP package holds two entries with this name (or names that differ only in case):
    /// which one is the part depends on the program that reads it.
    case duplicateEntry(String)
    /// A relationship that points outside the package.
    case externalTarget(String)
    /// The chosen sheet is a chart or dialog sheet, not a table.
    case notWorksheet(String)
    /// The workbook has no visible worksheet.
    case noWorksheet
}

/// Which of the ``XLSXLimits`` a workbook went beyond.
public enum WorkbookLimit: Sendable, Equatable {
    case entries(Int)
    case partSize(UInt64)
    case ratio(UInt64)
    case sharedStrings(Int)
    case sharedStringBytes(Int)
}

/// A broken row or cell in a sheet.
public enum SheetProblem: Sendable, Equatable {
    /// A cell or row reference that is not A1-style or lies beyond XFD1048576.
    case badReference(String)
    /// A row that comes before (or repeats) the row written ahead of it.
    case rowOutOfOrder(Int)
    /// A cell that comes before (or repeats) the cell written ahead of it in its row, or
    /// whose reference names another row.
    case cellOutOfOrder(String)
    /// A shared-string cell whose index is beyond the table.
    case sharedStringIndex(cell: String, index: String, count: Int)
    /// A formula whose result was never computed and saved.
    case formulaWithoutValue(String)
    /// A cell longer than ``XLSXLimits/maxCellBytes``.
    case cellTooLong(cell: String, limit: Int)
    /// `header_row` points at a row that is missing or blank.
    case noHeader
}

extension IngestError {
    func workbookDiagnostic(location loc: SourceLocation?) -> Diagnostic {
        let damagedHintZh = "请用 Excel 或 WPS 打开这个文件，确认能正常打开后重新另存为 .xlsx（或另存为 CSV）。"
        let damagedHintEn = "Open the file in Excel or WPS and, if it opens, save it again as .xlsx (or as CSV)."
        switch self {
        case .notWorkbook(let p, let problem):
            switch problem {
            case .notZip:
                return Diagnostic(id: id, location: nil, zh: "\(p) 不是有效的 .xlsx 工作簿（无法作为 ZIP 包打开）",
                                  en: "\(p) is not a valid .xlsx workbook (it cannot be opened as a ZIP package)",
                                  hintZh: "旧版 .xls 文件、设了打开密码的工作簿或改了扩展名的文件都会这样：请用 Excel/WPS 去掉密码后另存为 .xlsx 或 CSV。",
                                  hintEn: "Old .xls files, password-protected workbooks and renamed files look like this: remove the password and save as .xlsx or CSV in Excel/WPS.")
            case .textFile:
                return Diagnostic(id: id, location: nil, zh: "\(p) 不是有效的 .xlsx 工作簿：它是一个文本文件（多半是改成 .xlsx 扩展名的 CSV）",
                                  en: "\(p) is not a valid .xlsx workbook: it is a text file (most likely a CSV renamed to .xlsx)",
                                  hintZh: "如果它是 CSV 导出，把扩展名改回 .csv（有映射文件时，其 files 也随之改）；如果应是 Excel 工作簿，请在 Excel/WPS 中打开后另存为 .xlsx。",
                                  hintEn: "If it is a CSV export, rename it back to .csv (and a mapping's files with it, if any); if it should be a workbook, open it in Excel/WPS and save it as .xlsx.")
            case .compoundFile:
                return Diagnostic(id: id, location: nil, zh: "\(p) 不是有效的 .xlsx 工作簿：它是旧版 .xls 格式，或设了打开密码的工作簿",
                                  en: "\(p) is not a valid .xlsx workbook: it is an old .xls file or a password-protected workbook",
                                  hintZh: "请用 Excel/WPS 打开（如有密码先去掉密码），另存为 .xlsx 或 CSV。",
                                  hintEn: "Open it in Excel/WPS (remove the password, if any) and save it as .xlsx or CSV.")
            case .missingPart(let part):
                return Diagnostic(id: id, location: nil, zh: "工作簿 \(p) 缺少部件 \(part)，文件不完整",
                                  en: "the workbook \(p) lacks its part \(part); the file is incomplete",
                                  hintZh: damagedHintZh, hintEn: damagedHintEn)
            case .damagedPart(let part, let detail):
                return Diagnostic(id: id, location: nil, zh: "工作簿 \(p) 的部件 \(part) 已损坏（\(detail)）",
                                  en: "the part \(part) of the workbook \(p) is damaged (\(detail))",
                                  hintZh: damagedHintZh, hintEn: damagedHintEn)
            case .duplicateEntry(let entry):
                return Diagnostic(id: id, location: nil, zh: "工作簿 \(p) 已损坏：ZIP 包中有两个同名的条目 \(entry)，不同的软件会读到不同的内容，拒绝读取",
                                  en: "the workbook \(p) is damaged: its ZIP package holds two entries named \(entry), and programs differ on which one they read; refused",
                                  hintZh: damagedHintZh, hintEn: damagedHintEn)
            case .externalTarget(let target):
                return Diagnostic(id: id, location: nil, zh: "工作簿 \(p) 的关系指向包外的“\(target)”，拒绝读取",
                                  en: "the workbook \(p) has a relationship pointing outside the package ('\(target)'); refused",
                                  hintZh: damagedHintZh, hintEn: damagedHintEn)
            case .notWorksheet(let sheet):
                return Diagnostic(id: id, location: nil, zh: "工作簿 \(p) 中的“\(sheet)”是图表或对话框工作表，不是数据表",
                                  en: "'\(sheet)' in the workbook \(p) is a chart or dialog sheet, not a table",
                                  hintZh: "在映射文件中用 sheet 写明要读取的数据工作表。", hintEn: "Name the data sheet with sheet: in the mapping file.")
            case .noWorksheet:
                return Diagnostic(id: id, location: nil, zh: "工作簿 \(p) 中没有可见的数据工作表",
                                  en: "the workbook \(p) has no visible worksheet",
                                  hintZh: "取消隐藏要读取的工作表，或在映射文件中用 sheet 写明它的名称。",
                                  hintEn: "Unhide the sheet to read, or name it with sheet: in the mapping file.")
            }
        case .workbookLimit(let p, let part, let limit):
            let what: (zh: String, en: String)
            switch limit {
            case .entries(let n): what = ("ZIP 包中的条目超过 \(n) 个", "more than \(n) entries in the ZIP package")
            case .partSize(let n): what = ("部件 \(part) 解压后超过 \(Self.size(n))", "the part \(part) is larger than \(Self.size(n)) uncompressed")
            case .ratio(let n): what = ("部件 \(part) 的压缩比超过 \(n):1（疑似“ZIP 炸弹”）", "the part \(part) is compressed more than \(n):1 (a zip bomb?)")
            case .sharedStrings(let n): what = ("共享字符串表超过 \(n) 项", "more than \(n) shared strings")
            case .sharedStringBytes(let n): what = ("共享字符串表超过 \(Self.size(UInt64(n)))", "shared strings larger than \(Self.size(UInt64(n)))")
            }
            return Diagnostic(id: id, location: nil, zh: "拒绝读取工作簿 \(p)：\(what.zh)", en: "refused to read the workbook \(p): \(what.en)",
                              hintZh: "这不像办公软件导出的工作簿。若确是真实数据，请另存为 CSV 后再读取。",
                              hintEn: "This does not look like a workbook an office program wrote. If the data is real, save it as CSV and read that.")
        case .unknownSheet(let p, let sheet, let available, let mapping):
            // With a mapping, the diagnostic points at its sheet: value (file:line:column and a caret).
            // (The error's own location stays the workbook: that is the file that was not read.)
            let zhFile = mapping.map { " \($0.file) " } ?? "", enFile = mapping.map { " \($0.file)" } ?? ""
            return Diagnostic(id: id, location: mapping, zh: "工作簿 \(p) 中没有工作表“\(sheet)”", en: "the workbook \(p) has no sheet '\(sheet)'",
                              hintZh: "现有的工作表：\(available.joined(separator: "、"))。在映射文件\(zhFile)中用 sheet 写其中之一（名称，或从 1 起的序号）。",
                              hintEn: "Its sheets: \(available.joined(separator: ", ")). Write one of them as sheet: in the mapping file\(enFile) (a name, or a number from 1).")
        case .badSheet(_, let sheet, _, let problem):
            let zh: String, en: String
            var hintZh = damagedHintZh, hintEn = damagedHintEn
            switch problem {
            case .badReference(let r):
                zh = "工作表“\(sheet)”中的单元格引用“\(r)”无效（须在 A1 到 XFD1048576 之间）"
                en = "sheet '\(sheet)': cell reference '\(r)' is invalid (must lie between A1 and XFD1048576)"
            case .rowOutOfOrder(let r):
                zh = "工作表“\(sheet)”中的第 \(r) 行排在了它前面一行之前，或重复出现"
                en = "sheet '\(sheet)': row \(r) comes before, or repeats, the row written ahead of it"
            case .cellOutOfOrder(let r):
                zh = "工作表“\(sheet)”中的单元格 \(r) 不属于这一行，或排在了它前面的单元格之前、重复出现"
                en = "sheet '\(sheet)': cell \(r) belongs to another row, or comes before or repeats the cell ahead of it"
            case .sharedStringIndex(let c, let i, let n):
                zh = "工作表“\(sheet)”单元格 \(c) 引用了第 \(i) 个共享字符串，但表中只有 \(n) 个"
                en = "sheet '\(sheet)': cell \(c) refers to shared string \(i), but the table holds \(n)"
            case .formulaWithoutValue(let c):
                zh = "工作表“\(sheet)”单元格 \(c) 是公式，但文件中没有保存它的计算结果"
                en = "sheet '\(sheet)': cell \(c) holds a formula whose result was not saved in the file"
                hintZh = "用 Excel 或 WPS 打开并保存一次（会计算并保存公式结果），或把公式列复制后“选择性粘贴为数值”。"
                hintEn = "Open and save the file once in Excel or WPS (which computes and stores the results), or paste the column as values."
            case .cellTooLong(let c, let n):
                zh = "工作表“\(sheet)”单元格 \(c) 的内容超过 \(n) 字节的上限"
                en = "sheet '\(sheet)': cell \(c) is longer than the \(n)-byte limit"
            case .noHeader:
                zh = "工作表“\(sheet)”的这一行（header_row）是空的，没有表头"
                en = "sheet '\(sheet)': this row (header_row) is empty; there is no header"
                hintZh = "把映射文件的 header_row 改为表头所在的行号（Excel 左侧的行号）。"
                hintEn = "Set header_row in the mapping to the row number (as Excel shows it) of the header."
            }
            return Diagnostic(id: id, location: loc, zh: zh, en: en, hintZh: hintZh, hintEn: hintEn)
        default:
            return diagnostic
        }
    }

    static func size(_ n: UInt64) -> String {
        if n >= 1 << 30, n % (1 << 30) == 0 { return "\(n >> 30) GiB" }
        if n >= 1 << 20, n % (1 << 20) == 0 { return "\(n >> 20) MiB" }
        return "\(n) B"
    }
}
