import LvzhiCore

extension XLSXWorkbook {
    /// The type of a cell (`t` attribute).
    enum CellType {
        case number, shared, inline, formulaText, boolean, error, date, other
        init(_ b: UnsafeBufferPointer<UInt8>?) {
            guard let b else { self = .number; return }
            if PartNode.equal(b, "s") { self = .shared }
            else if PartNode.equal(b, "n") { self = .number }
            else if PartNode.equal(b, "inlineStr") { self = .inline }
            else if PartNode.equal(b, "str") { self = .formulaText }
            else if PartNode.equal(b, "b") { self = .boolean }
            else if PartNode.equal(b, "e") { self = .error }
            else if PartNode.equal(b, "d") { self = .date }
            else { self = .other }
        }
    }

    /// Calls `body` with the rows of sheet `index` as ``CSVRow`` values, exactly as the CSV
    /// reader would hand over a file holding what the sheet shows:
    ///
    /// - The header is row `headerRow` (Excel's row number) or, without one, the first row
    ///   that is not blank; rows above it are skipped. Its width is its last non-empty cell.
    /// - Every later row that is not blank comes padded with empty fields to the header's width;
    ///   a row with a value right of the header comes wider, so that readers reject it as a
    ///   field-count mismatch instead of dropping the value. Blank rows are skipped.
    /// - A row's `line` is its sheet row number.
    /// - Values: shared and inline strings (rich-text runs joined, phonetic runs left out),
    ///   numbers as Excel's General format shows them (≤ 15 significant digits, no exponent),
    ///   numbers in a date format as `YYYY-MM-DD`, booleans as TRUE/FALSE, formula results
    ///   as saved, error values as their text (`#N/A`).
    /// - Throws: ``IngestError`` for damaged parts, broken references, limits.
    public func forEachRow(sheet index: Int, headerRow: Int? = nil, _ body: (borrowing CSVRow) throws -> Void) throws {
        let sheet = sheets[index]
        guard let part = sheet.part, sheet.isWorksheet else {
            throw IngestError.notWorkbook(path: path, problem: .notWorksheet(sheet.name))
        }
        let dates = try dateStyles()
        let strings = try sharedStrings()
        let date1904 = self.date1904
        let maxCell = limits.maxCellBytes
        let path = self.path

        func bad(_ row: Int, _ p: SheetProblem) -> IngestError { .badSheet(path: path, sheet: sheet.name, row: row, problem: p) }

        // The row being read: cell values back to back, with their columns and ends.
        var rowBytes: [UInt8] = []
        rowBytes.reserveCapacity(4096)
        var cellColumns: [Int] = []
        var cellEnds: [Int] = []
        var rowNumber = 0
        var lastColumn = 0
        // The cell being read.
        var column = 0, style = 0
        var type = CellType.number
        var value: [UInt8] = []
        var inline: [UInt8] = []
        var hasValue = false, hasFormula = false
        var inSheetData = false, inCell = false, inValue = false, inInline = false, inPhonetic = false, inText = false
        // The header.
        var headerSeen = false
        var width = 0
        var field: [UInt8] = []
        var ends: [Int] = []

        func reference() -> String { XLSXCells.columnName(column) + String(rowNumber) }

        func endCell() throws {
            let start = rowBytes.count
            switch type {
            case .shared:
                guard hasValue else { break }
                guard let i = value.withUnsafeBufferPointer(XLSXCells.integer), i < strings.count else {
                    let text = String(decoding: value, as: UTF8.self)
                    throw bad(rowNumber, .sharedStringIndex(cell: reference(), index: text, count: strings.count))
                }
                rowBytes.append(contentsOf: strings.bytes[strings.range(i)])
            case .inline:
                rowBytes.append(contentsOf: inline)
                XLSXText.decodeEscapes(&rowBytes, from: start)
            case .formulaText, .other:
                rowBytes.append(contentsOf: value)
                XLSXText.decodeEscapes(&rowBytes, from: start)
            case .error:
                rowBytes.append(contentsOf: value)
            case .boolean:
                if value == [0x31] { rowBytes.append(contentsOf: "TRUE".utf8) }
                else if value == [0x30] { rowBytes.append(contentsOf: "FALSE".utf8) }
                else { rowBytes.append(contentsOf: value) }
            case .date:
                let day = value.count >= 10 ? value.withUnsafeBufferPointer { Day.parseISO(UnsafeBufferPointer(rebasing: $0[0..<10])) } : nil
                if let day { rowBytes.append(contentsOf: day.description.utf8) } else { rowBytes.append(contentsOf: value) }
            case .number:
                guard !value.isEmpty else { break }
                let isDate = style < dates.count && dates[style]
                value.withUnsafeBufferPointer { v in
                    if isDate, let day = XLSXCells.day(serial: v, date1904: date1904) {
                        rowBytes.append(contentsOf: day.description.utf8)
                    } else if let n = XLSXCells.number(v) {
                        rowBytes.append(contentsOf: n.utf8)
                    } else {
                        rowBytes.append(contentsOf: v)
                    }
                }
            }
            if hasFormula, !hasValue, type != .inline { throw bad(rowNumber, .formulaWithoutValue(reference())) }
            if rowBytes.count - start > maxCell { throw bad(rowNumber, .cellTooLong(cell: reference(), limit: maxCell)) }
            if rowBytes.count > start {
                cellColumns.append(column)
                cellEnds.append(rowBytes.count)
            }
        }

        func emit(count: Int) throws {
            field.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            var k = 0
            for c in 1...count {
                if k < cellColumns.count, cellColumns[k] == c {
                    let lo = k == 0 ? 0 : cellEnds[k - 1]
                    field.append(contentsOf: rowBytes[lo..<cellEnds[k]])
                    k += 1
                }
                ends.append(field.count)
            }
            try field.withUnsafeBufferPointer { fb in
                try ends.withUnsafeBufferPointer { eb in
                    try body(CSVRow(bytes: fb, ends: eb, line: rowNumber))
                }
            }
        }

        func endRow() throws {
            let last = cellColumns.last ?? 0
            if !headerSeen {
                if let headerRow {
                    if rowNumber < headerRow { return }
                    if rowNumber > headerRow || last == 0 { throw bad(headerRow, .noHeader) }
                } else if last == 0 {
                    return
                }
                headerSeen = true
                width = last
                return try emit(count: width)
            }
            if last == 0 { return }
            try emit(count: max(width, last))
        }

        try readPart(part, limit: limits.maxSheetBytes) { n in
            switch n.kind {
            case .start:
                if !inSheetData {
                    if n.nameIs("sheetData") { inSheetData = true }
                    return
                }
                if n.nameIs("c") {
                    if let r = n.attribute("r") {
                        guard let ref = XLSXCells.reference(r) else {
                            throw bad(rowNumber, .badReference(String(decoding: r, as: UTF8.self)))
                        }
                        guard ref.row == rowNumber, ref.column > lastColumn else {
                            throw bad(rowNumber, .cellOutOfOrder(String(decoding: r, as: UTF8.self)))
                        }
                        column = ref.column
                    } else {
                        column = lastColumn + 1
                        guard column <= XLSXCells.maxColumn else {
                            throw bad(rowNumber, .badReference(XLSXCells.columnName(column) + String(rowNumber)))
                        }
                    }
                    lastColumn = column
                    style = n.attribute("s").flatMap(XLSXCells.integer) ?? 0
                    type = CellType(n.attribute("t"))
                    value.removeAll(keepingCapacity: true)
                    inline.removeAll(keepingCapacity: true)
                    hasValue = false; hasFormula = false
                    inCell = true
                } else if inCell {
                    if n.nameIs("v") { inValue = true; hasValue = true }
                    else if n.nameIs("f") { hasFormula = true }
                    else if n.nameIs("is") { inInline = true }
                    else if inInline, n.nameIs("rPh") { inPhonetic = true }
                    else if inInline, n.nameIs("t") { inText = !inPhonetic }
                } else if n.nameIs("row") {
                    let previous = rowNumber
                    if let r = n.attribute("r") {
                        let text = String(decoding: r, as: UTF8.self)
                        guard let number = Int(text), number >= 1, number <= XLSXCells.maxRow else {
                            throw bad(previous, .badReference(text))
                        }
                        guard number > previous else { throw bad(number, .rowOutOfOrder(number)) }
                        rowNumber = number
                    } else {
                        rowNumber = previous + 1
                        guard rowNumber <= XLSXCells.maxRow else { throw bad(previous, .badReference(String(rowNumber))) }
                    }
                    lastColumn = 0
                    rowBytes.removeAll(keepingCapacity: true)
                    cellColumns.removeAll(keepingCapacity: true)
                    cellEnds.removeAll(keepingCapacity: true)
                }
            case .end:
                guard inSheetData else { return }
                if n.nameIs("c") { inCell = false; try endCell() }
                else if n.nameIs("v") { inValue = false }
                else if n.nameIs("is") { inInline = false }
                else if n.nameIs("rPh") { inPhonetic = false }
                else if n.nameIs("t") { inText = false }
                else if n.nameIs("row") { try endRow() }
                else if n.nameIs("sheetData") { inSheetData = false }
            case .text:
                if inValue {
                    value.append(contentsOf: n.text)
                    if value.count > maxCell { throw bad(rowNumber, .cellTooLong(cell: reference(), limit: maxCell)) }
                } else if inText {
                    inline.append(contentsOf: n.text)
                    if inline.count > maxCell { throw bad(rowNumber, .cellTooLong(cell: reference(), limit: maxCell)) }
                }
            }
        }
        if !headerSeen, let headerRow { throw bad(headerRow, .noHeader) }
    }
}
