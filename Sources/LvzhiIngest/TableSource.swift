import LvzhiCore

/// Where the rows of a table come from: a CSV file, or one sheet of an `.xlsx` workbook.
/// Both hand over ``CSVRow`` values with the same meaning (first row the header, `line` the
/// row's line or sheet row number), so the column handling, mappings and rejects that follow
/// do not know which it was.
enum TableSource: @unchecked Sendable {
    case csv(CSVReader, headerLine: Int?)
    case sheet(XLSXWorkbook, index: Int, headerRow: Int?, others: [UnreadSheet])

    /// Opens `path` (a `.csv` or `.xlsx` file). A workbook's directory and sheet list are read
    /// here, so that a missing sheet fails before any row is read; `sheet` and `headerRow` come
    /// from the file's mapping.
    /// - Throws: ``IngestError``.
    static func open(path: String, format: InputFormat, encoding: TextEncoding = .auto, sheet: SheetSelector? = nil,
                     headerRow: Int? = nil, limits: XLSXLimits = .standard) throws -> TableSource {
        switch format {
        case .xlsx:
            let book = try XLSXWorkbook(path: path, limits: limits)
            let index = try book.sheetIndex(sheet)
            // Every other sheet is looked at: one holding records refuses the file unless the
            // mapping chose the sheet; the rest are listed in the reconciliation.
            let others = try book.otherSheets(besides: index, chosen: sheet != nil)
            return .sheet(book, index: index, headerRow: headerRow, others: others)
        case .csv, .xml:
            return .csv(CSVReader(path: path, encoding: encoding), headerLine: headerRow)
        }
    }

    /// The name of the sheet read, for workbooks.
    var sheetName: String? {
        if case .sheet(let book, let i, _, _) = self { return book.sheets[i].name }
        return nil
    }

    /// The workbook's other sheets and why they were not read.
    var otherSheets: [UnreadSheet] {
        if case .sheet(_, _, _, let others) = self { return others }
        return []
    }

    func forEachRow(_ body: (borrowing CSVRow) throws -> Void) throws {
        switch self {
        case .csv(let reader, let headerLine):
            guard let headerLine, headerLine > 1 else { return try reader.forEachRow(body) }
            try reader.forEachRow { row in
                if row.line >= headerLine { try body(row) }
            }
        case .sheet(let book, let index, let headerRow, _):
            try book.forEachRow(sheet: index, headerRow: headerRow, body)
        }
    }
}
