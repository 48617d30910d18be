import LvzhiCore
import LvzhiRules

/// The fixed parts of the package: content types, relationships, workbook, styles, document
/// properties, and the frame (`<worksheet>` … `<sheetData>`, `</sheetData>` …) of each sheet.
enum WorkbookXML {
    static let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    static let mainNS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    static let packageRelNS = "http://schemas.openxmlformats.org/package/2006/relationships"

    static func escaped(_ s: String) -> String {
        var out: [UInt8] = []
        SpreadsheetText.appendEscaped(s, attribute: true, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func contentTypes(sheets: Int) -> String {
        var x = declaration
        x += "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\n"
        x += "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\n"
        x += "<Default Extension=\"xml\" ContentType=\"application/xml\"/>\n"
        x += "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\n"
        for i in 1...max(1, sheets) {
            x += "<Override PartName=\"/xl/worksheets/sheet\(i).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>\n"
        }
        x += "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>\n"
        x += "<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>\n"
        x += "<Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>\n"
        x += "<Override PartName=\"/docProps/app.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>\n"
        x += "</Types>\n"
        return x
    }

    static let rootRels = declaration
        + "<Relationships xmlns=\"\(packageRelNS)\">\n"
        + "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>\n"
        + "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/>\n"
        + "<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties\" Target=\"docProps/app.xml\"/>\n"
        + "</Relationships>\n"

    static func workbookRels(sheets: Int) -> String {
        var x = declaration + "<Relationships xmlns=\"\(packageRelNS)\">"
        for i in 1...max(1, sheets) {
            x += "<Relationship Id=\"rId\(i)\" Type=\"\(relNS)/worksheet\" Target=\"worksheets/sheet\(i).xml\"/>\n"
        }
        x += "<Relationship Id=\"rId\(sheets + 1)\" Type=\"\(relNS)/styles\" Target=\"styles.xml\"/>\n"
        x += "<Relationship Id=\"rId\(sheets + 2)\" Type=\"\(relNS)/sharedStrings\" Target=\"sharedStrings.xml\"/>\n"
        x += "</Relationships>\n"
        return x
    }

    /// `xl/workbook.xml`: the sheets in order, and per sheet the defined names Excel itself
    /// writes for an autofilter (`_xlnm._FilterDatabase`) and for repeating the header row on
    /// every printed page (`_xlnm.Print_Titles`).
    static func workbook(_ sheets: [SheetLayout]) -> String {
        var x = declaration
        x += "<workbook xmlns=\"\(mainNS)\" xmlns:r=\"\(relNS)\">\n"
        x += "<workbookPr/><bookViews><workbookView activeTab=\"0\"/></bookViews><sheets>\n"
        for (i, s) in sheets.enumerated() {
            x += "<sheet name=\"\(escaped(s.name))\" sheetId=\"\(i + 1)\" r:id=\"rId\(i + 1)\"/>\n"
        }
        x += "</sheets>\n"
        var names = ""
        for (i, s) in sheets.enumerated() {
            guard let f = s.filter else { continue }
            let ref = "$A$\(s.titleRows + 1):$\(SpreadsheetText.columnName(f.columns - 1))$\(f.rows)"
            names += "<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"\(i)\" hidden=\"1\">\(escaped(quotedSheet(s.name)))!\(ref)</definedName>\n"
        }
        for (i, s) in sheets.enumerated() where s.printTitleRows > 0 {
            names += "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"\(i)\">\(escaped(quotedSheet(s.name)))!$1:$\(s.titleRows + s.printTitleRows)</definedName>\n"
        }
        if !names.isEmpty { x += "<definedNames>\n" + names + "</definedNames>\n" }
        x += "</workbook>\n"
        return x
    }

    /// A sheet name as formulas refer to it: in single quotes, quotes doubled.
    static func quotedSheet(_ name: String) -> String {
        "'" + name.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// `xl/styles.xml`. Cell formats (`cellXfs`), by index: see ``CellStyle``.
    static func styles(_ grades: [Grade]) -> String {
        let font = "<name val=\"等线\"/><family val=\"2\"/><charset val=\"134\"/>"
        var x = declaration
        x += "<styleSheet xmlns=\"\(mainNS)\">\n"
        x += "<numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"yyyy\\-mm\\-dd\"/></numFmts>\n"
        x += "<fonts count=\"6\">\n"
        x += "<font><sz val=\"11\"/>\(font)</font>\n"
        x += "<font><b/><sz val=\"11\"/>\(font)</font>\n"
        x += "<font><sz val=\"11\"/><color rgb=\"FFFFFFFF\"/>\(font)</font>\n"
        x += "<font><sz val=\"11\"/><color rgb=\"FF111111\"/>\(font)</font>\n"
        x += "<font><i/><sz val=\"11\"/><color rgb=\"FF595959\"/>\(font)</font>\n"
        x += "<font><b/><sz val=\"14\"/>\(font)</font>\n"
        x += "</fonts>\n"
        x += "<fills count=\"\(3 + grades.count)\">\n"
        x += "<fill><patternFill patternType=\"none\"/></fill>\n"
        x += "<fill><patternFill patternType=\"gray125\"/></fill>\n"
        x += "<fill><patternFill patternType=\"solid\"><fgColor rgb=\"FFE7E6E6\"/><bgColor indexed=\"64\"/></patternFill></fill>\n"
        for g in grades {
            x += "<fill><patternFill patternType=\"solid\"><fgColor rgb=\"\(fill(g).argb)\"/><bgColor indexed=\"64\"/></patternFill></fill>\n"
        }
        x += "</fills>\n"
        x += "<borders count=\"2\">\n"
        x += "<border><left/><right/><top/><bottom/><diagonal/></border>\n"
        let thin = "style=\"thin\"><color rgb=\"FFBFBFBF\"/>"
        x += "<border><left \(thin)</left><right \(thin)</right><top \(thin)</top><bottom \(thin)</bottom><diagonal/></border>\n"
        x += "</borders>\n"
        x += "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>\n"
        x += "<cellXfs count=\"\(CellStyle.gradeBase + grades.count)\">\n"
        x += "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>\n"
        x += "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"2\" borderId=\"1\" xfId=\"0\" applyFont=\"1\" applyFill=\"1\" applyBorder=\"1\"/>\n"
        x += "<xf numFmtId=\"10\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>\n"
        x += "<xf numFmtId=\"0\" fontId=\"4\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>\n"
        x += "<xf numFmtId=\"0\" fontId=\"5\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>\n"
        x += "<xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>\n"
        for (i, g) in grades.enumerated() {
            let fontID = fill(g).darkText ? 3 : 2
            x += "<xf numFmtId=\"0\" fontId=\"\(fontID)\" fillId=\"\(3 + i)\" borderId=\"1\" xfId=\"0\" applyFont=\"1\" applyFill=\"1\" applyBorder=\"1\" applyAlignment=\"1\"><alignment horizontal=\"center\"/></xf>\n"
        }
        x += "</cellXfs>\n"
        x += "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>\n"
        x += "<dxfs count=\"0\"/><tableStyles count=\"0\"/>\n"
        x += "</styleSheet>\n"
        return x
    }

    /// A grade's fill as `AARRGGBB` and whether dark text reads better on it than white — the
    /// same choice as the HTML report's. A colour that is not `#rrggbb` shows as neutral grey.
    static func fill(_ g: Grade) -> (argb: String, darkText: Bool) {
        let rgb = RGB(hex: g.hex) ?? RGB(r: 0x88, g: 0x88, b: 0x88)
        return ("FF" + rgb.hex.dropFirst().uppercased(), rgb.prefersDarkText)
    }

    static func app(sheetNames: [String]) -> String {
        var x = declaration
        x += "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">\n"
        x += "<Application>lvzhi</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>\n"
        x += "<HeadingPairs><vt:vector size=\"2\" baseType=\"variant\"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant>\n"
        x += "<vt:variant><vt:i4>\(sheetNames.count)</vt:i4></vt:variant></vt:vector></HeadingPairs>\n"
        x += "<TitlesOfParts><vt:vector size=\"\(sheetNames.count)\" baseType=\"lpstr\">\n"
        for n in sheetNames { x += "<vt:lpstr>\(escaped(n))</vt:lpstr>\n" }
        x += "</vt:vector></TitlesOfParts>\n"
        x += "<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged><AppVersion>1.0000</AppVersion>\n"
        x += "</Properties>\n"
        return x
    }

    /// `docProps/core.xml`; created and modified are the run's time, so identical runs give
    /// identical bytes.
    static func core(title: String, creator: String, created: String) -> String {
        var x = declaration
        x += "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
        x += "<dc:title>\(escaped(title))</dc:title><dc:creator>\(escaped(creator))</dc:creator>\n"
        x += "<dcterms:created xsi:type=\"dcterms:W3CDTF\">\(escaped(created))</dcterms:created>\n"
        x += "<dcterms:modified xsi:type=\"dcterms:W3CDTF\">\(escaped(created))</dcterms:modified>\n"
        x += "</cp:coreProperties>\n"
        return x
    }
}

/// Indexes into `cellXfs` of ``WorkbookXML/styles(_:)``.
enum CellStyle {
    static let plain = 0
    static let header = 1
    static let percent = 2
    static let note = 3
    /// The title row on top of every sheet (bold, larger).
    static let title = 4
    /// A date (Excel serial day) shown as yyyy-mm-dd.
    static let date = 5
    /// Grade `i` (fill in its colour, readable text, centred) is `gradeBase + i`.
    static let gradeBase = 6
}

/// How one worksheet is framed around its rows: size, frozen panes, column widths,
/// autofilter and page setup.
struct SheetLayout {
    var name: String
    /// Display widths per column (half-width characters).
    var widths: [Int]
    /// Extent of the used cells, for `<dimension>`.
    var columns: Int
    var rows: Int
    /// Rows above the table: the title row (scheme, period, sheet).
    var titleRows = 1
    /// Header rows frozen below the title.
    var frozenRows = 1
    var frozenColumns = 0
    /// The autofilter's table, from column A of the first row below the title; `rows` is the
    /// table's last row (1-based, counting the title).
    var filter: (columns: Int, rows: Int)?
    /// Header rows repeated on every printed page (below the title, which repeats too).
    var printTitleRows = 1
    var selected = false
    /// Print one page wide (A4 landscape otherwise at 100%).
    var fitToWidth = false

    static let minWidth = 6
    static let maxWidth = 60

    /// Everything before the rows. `padTo` pads it with spaces before `<sheetData>` to that
    /// many bytes (at least ``prefixBound()``), so that it fits a space reserved before the
    /// rows were written (``ZipWriter/reserve(_:)``).
    func prefix(padTo length: Int? = nil) -> [UInt8] { prefix(padTo: length, merge: true) }

    /// The longest ``prefix(padTo:)`` any column widths could give this layout: a `<col>` per
    /// column, each of the widest width.
    func prefixBound() -> Int {
        var widest = self
        widest.widths = Array(repeating: Self.maxWidth, count: max(columns, widths.count))
        return widest.prefix(padTo: nil, merge: false).count
    }

    private func prefix(padTo length: Int?, merge: Bool) -> [UInt8] {
        var x = WorkbookXML.declaration
        x += "<worksheet xmlns=\"\(WorkbookXML.mainNS)\" xmlns:r=\"\(WorkbookXML.relNS)\">\n"
        if fitToWidth { x += "<sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr>\n" }
        x += "<dimension ref=\"A1:\(SpreadsheetText.ref(column: max(1, columns) - 1, row: max(1, rows)))\"/>\n"
        x += "<sheetViews><sheetView \(selected ? "tabSelected=\"1\" " : "")workbookViewId=\"0\">\n"
        let frozen = frozenRows > 0 ? frozenRows + titleRows : 0
        if frozen > 0 || frozenColumns > 0 {
            let topLeft = SpreadsheetText.ref(column: frozenColumns, row: frozen + 1)
            let pane = frozenColumns == 0 ? "bottomLeft" : frozen == 0 ? "topRight" : "bottomRight"
            x += "<pane"
            if frozenColumns > 0 { x += " xSplit=\"\(frozenColumns)\"" }
            if frozen > 0 { x += " ySplit=\"\(frozen)\"" }
            x += " topLeftCell=\"\(topLeft)\" activePane=\"\(pane)\" state=\"frozen\"/>\n"
            x += "<selection pane=\"\(pane)\" activeCell=\"\(topLeft)\" sqref=\"\(topLeft)\"/>\n"
        }
        x += "</sheetView></sheetViews>\n"
        x += "<sheetFormatPr defaultRowHeight=\"15\"/>\n"
        if !widths.isEmpty {
            x += "<cols>\n"
            var i = 0
            while i < widths.count {
                let w = Self.columnWidth(widths[i])
                var j = i
                while merge && j + 1 < widths.count && Self.columnWidth(widths[j + 1]) == w { j += 1 }
                x += "<col min=\"\(i + 1)\" max=\"\(j + 1)\" width=\"\(w)\" customWidth=\"1\"/>\n"
                i = j + 1
            }
            x += "</cols>\n"
        }
        if let length {
            let pad = length - x.utf8.count - "<sheetData>\n".utf8.count
            precondition(pad >= 0, "worksheet prefix longer than its bound")
            x += String(repeating: " ", count: pad)
        }
        x += "<sheetData>\n"
        return Array(x.utf8)
    }

    func suffix() -> [UInt8] {
        var x = "</sheetData>\n"
        if let f = filter {
            x += "<autoFilter ref=\"A\(titleRows + 1):\(SpreadsheetText.ref(column: f.columns - 1, row: f.rows))\"/>\n"
        }
        x += "<pageMargins left=\"0.5\" right=\"0.5\" top=\"0.6\" bottom=\"0.6\" header=\"0.3\" footer=\"0.3\"/>\n"
        x += "<pageSetup paperSize=\"9\" orientation=\"landscape\"\(fitToWidth ? " fitToWidth=\"1\" fitToHeight=\"0\"" : "")/>\n"
        x += "<headerFooter><oddFooter>&amp;C&amp;P / &amp;N</oddFooter></headerFooter>\n"
        x += "</worksheet>\n"
        return Array(x.utf8)
    }

    /// A column's width in characters from the widest value's display width.
    static func columnWidth(_ displayWidth: Int) -> Int { min(maxWidth, max(minWidth, displayWidth + 2)) }
}
