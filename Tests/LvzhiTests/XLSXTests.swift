import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiIngest
import LvzhiScoring

/// The rows of a workbook's sheet as the readers see them: (line, fields).
func xlsxRows(_ path: String, sheet: SheetSelector? = nil, headerRow: Int? = nil,
              limits: XLSXLimits = .standard) throws -> [(line: Int, fields: [String])] {
    let book = try XLSXWorkbook(path: path, limits: limits)
    var out: [(Int, [String])] = []
    try book.forEachRow(sheet: try book.sheetIndex(sheet), headerRow: headerRow) { row in
        out.append((row.line, (0..<row.count).map { row.string($0) ?? "<bad>" }))
    }
    return out
}

/// The IngestError a closure throws (nil when it throws none or another error).
func ingestError(_ body: () throws -> Void) -> IngestError? {
    do { try body(); return nil } catch let e as IngestError { return e } catch { return nil }
}

@Suite struct XLSXCellTests {
    @Test(arguments: [("A1", 1, 1), ("Z9", 26, 9), ("AA10", 27, 10), ("XFD1048576", 16_384, 1_048_576), ("BC23", 55, 23)])
    func references(_ text: String, _ column: Int, _ row: Int) {
        let r = Array(text.utf8).withUnsafeBufferPointer { XLSXCells.reference($0) }
        #expect(r?.column == column && r?.row == row)
        #expect(XLSXCells.columnName(column) + String(row) == text)
    }

    @Test(arguments: ["XFE1", "A1048577", "AAAA1", "A0", "A01", "a1", "1A", "A", "", "A1B", "A99999999999999999999"])
    func refusedReferences(_ text: String) {
        #expect(Array(text.utf8).withUnsafeBufferPointer { XLSXCells.reference($0) } == nil)
    }

    @Test func indexes() {
        func int(_ s: String) -> Int? { Array(s.utf8).withUnsafeBufferPointer(XLSXCells.integer) }
        #expect(int("0") == 0 && int(" 12 ") == 12 && int("999999999") == 999_999_999)
        #expect(int("") == nil && int("-1") == nil && int("1.0") == nil && int("1000000000") == nil && int("x") == nil)
    }

    @Test(arguments: [("1.5", "1.5"), ("3.0", "3"), ("100", "100"), ("0.30000000000000004", "0.3"), ("1E-3", "0.001"),
                      ("-2.5e2", "-250"), ("123456789012345678", "123456789012346000"), ("0.1", "0.1"), ("0", "0"),
                      ("007", "7"), ("99999999999999999", "100000000000000000"), ("4.4999999999999996", "4.5"), ("1e+2", "100")])
    func numbersAsGeneralShowsThem(_ stored: String, _ shown: String) {
        #expect(Array(stored.utf8).withUnsafeBufferPointer { XLSXCells.number($0) } == shown)
    }

    @Test(arguments: ["", "abc", "1.2.3", "1e", "--1", "1e999999", "0x10"])
    func notNumbers(_ stored: String) {
        #expect(Array(stored.utf8).withUnsafeBufferPointer { XLSXCells.number($0) } == nil)
    }

    @Test(arguments: [("yyyy-mm-dd", true), (#"yyyy"年"m"月"d"日""#, true), ("[$-804]yyyy/m/d h:mm", true), ("d-mmm", true),
                      ("[DBNum1][$-804]yyyy\"年\"m\"月\"", true), ("0.00", false), ("General", false), ("h:mm:ss", false),
                      (#""day"0"#, false), (#"\d0"#, false), ("[Red]0;[Blue]-0", false), ("mm:ss", false), ("0;yyyy", false)])
    func dateFormats(_ code: String, _ isDate: Bool) {
        #expect(XLSXCells.isDateFormat(code) == isDate)
    }

    @Test func builtInDateFormats() {
        #expect((14...17).allSatisfy(XLSXCells.isBuiltInDate) && XLSXCells.isBuiltInDate(22) && XLSXCells.isBuiltInDate(31))
        #expect(![0, 1, 2, 9, 10, 18, 19, 20, 21, 32, 45, 49].contains(where: XLSXCells.isBuiltInDate))
    }

    @Test func serials() {
        func day(_ s: String, _ d1904: Bool = false) -> String? {
            Array(s.utf8).withUnsafeBufferPointer { XLSXCells.day(serial: $0, date1904: d1904) }?.description
        }
        #expect(day("45721") == "2025-03-05")
        #expect(day("45721.75") == "2025-03-05")     // a time of day keeps the day
        #expect(day("1") == "1900-01-01" && day("59") == "1900-02-28" && day("61") == "1900-03-01")
        #expect(day("60") == nil && day("0") == nil && day("-1") == nil && day("2958466") == nil && day("4.5e4") == nil)
        #expect(day("0", true) == "1904-01-01" && day("44259", true) == "2025-03-05")
    }

    @Test func escapes() {
        var b = Array("a_x000D_b _x005F_x0041_ _x00E9_ _xZZZZ_ _x12".utf8)
        XLSXText.decodeEscapes(&b, from: 0)
        #expect(String(decoding: b, as: UTF8.self) == "a\rb _x0041_ é _xZZZZ_ _x12")
    }
}

@Suite struct XLSXReaderTests {
    @Test func sharedInlineRichNumbersBooleansFormulas() throws {
        let s = Scratch()
        var f = XLSXFixture(rows: xlsxRow(1, ["a", "b", "c", "d", "e", "f", "g", "h"]) + """
            <row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>2</v></c><c r="C2" t="s"><v>3</v></c>\
            <c r="D2" t="inlineStr"><is><r><t>内联</t></r><r><rPr><b/></rPr><t>富文本</t></r></is></c><c r="E2"><v>1.50</v></c>\
            <c r="F2" t="b"><v>1</v></c><c r="G2" t="str"><f>A2&amp;"x"</f><v>委员编号x</v></c><c r="H2" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>
            <row r="3"><c r="A3" t="n"><v>0.30000000000000004</v></c><c r="B3"><v>1E-3</v></c><c r="C3"><v>123456789012345678</v></c>\
            <c r="D3" t="s"><v>4</v></c><c r="E3" t="str"><f>""</f><v></v></c><c r="F3" t="inlineStr"><is><t>&lt;tag&gt; &amp; "q"</t></is></c>\
            <c r="G3" t="b"><v>0</v></c></row>
            """)
        f.shared = ["委员编号", "姓名",
                    #"<r><rPr><b/></rPr><t>关于</t></r><r><t xml:space="preserve">加快 </t></r><r><t>改造</t></r>"#,
                    #"<t>张三</t><rPh sb="0" eb="1"><t>ちょう</t></rPh><phoneticPr fontId="1"/>"#,
                    "line_x000D_break _x005F_x0041_ ok"]
        let rows = try xlsxRows(f.write(to: s.path + "/v.xlsx"))
        #expect(rows.map(\.line) == [1, 2, 3])
        #expect(rows[1].fields == ["委员编号", "关于加快 改造", "张三", "内联富文本", "1.5", "TRUE", "委员编号x", "#DIV/0!"])
        #expect(rows[2].fields == ["0.3", "0.001", "123456789012346000", "line\rbreak _x0041_ ok", "", "<tag> & \"q\"", "FALSE", ""])
    }

    @Test func datesFollowTheCellsNumberFormat() throws {
        let s = Scratch()
        var f = XLSXFixture(rows: xlsxRow(1, ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]) + """
            <row r="2"><c r="A2" s="1"><v>45721</v></c><c r="B2" s="2"><v>45721</v></c><c r="C2" s="3"><v>45721</v></c>\
            <c r="D2" s="4"><v>0.5</v></c><c r="E2" s="5"><v>45721.75</v></c><c r="F2" s="6"><v>45658</v></c>\
            <c r="G2" s="7"><v>45721</v></c><c r="H2" s="1"><v>60</v></c><c r="I2" s="1"><v>-5</v></c>\
            <c r="J2" s="9"><v>45721</v></c><c r="K2" t="d"><v>2025-03-05T10:00:00</v></c></row>
            """)
        f.numFmts = #"<numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/><numFmt numFmtId="165" formatCode="0.00"/>"#
            + #"<numFmt numFmtId="166" formatCode="[$-804]yyyy/m/d h:mm"/><numFmt numFmtId="167" formatCode="&quot;day&quot;0"/>"#
        f.cellXfs = [0, 14, 164, 165, 20, 166, 31, 167].map { #"<xf numFmtId="\#($0)" fontId="0"/>"# }.joined()
        let rows = try xlsxRows(f.write(to: s.path + "/d.xlsx"))
        #expect(rows[1].fields == ["2025-03-05", "2025-03-05", "45721", "0.5", "2025-03-05", "2025-01-01", "45721", "60", "-5", "45721", "2025-03-05"])

        f.date1904 = true
        f.sheets[0].rows = xlsxRow(1, ["a", "b"]) + #"<row r="2"><c r="A2" s="1"><v>0</v></c><c r="B2" s="1"><v>44259</v></c></row>"#
        #expect(try xlsxRows(f.write(to: s.path + "/d1904.xlsx"))[1].fields == ["1904-01-01", "2025-03-05"])

        // No styles part at all: numbers stay numbers.
        f.cellXfs = nil
        f.date1904 = false
        #expect(try xlsxRows(f.write(to: s.path + "/nostyles.xlsx"))[1].fields == ["0", "44259"])
    }

    static let gaps = """
        <row r="2"><c r="A2" s="0"/><c r="B2" s="0"><v></v></c></row>\
        <row r="3"><c r="A3" t="inlineStr"><is><t>id</t></is></c><c r="C3" t="inlineStr"><is><t>name</t></is></c></row>\
        <row r="4"><c t="inlineStr"><is><t>x</t></is></c><c t="inlineStr"><is><t>y</t></is></c></row>\
        <row r="6"><c r="C6" t="inlineStr"><is><t>z</t></is></c></row>\
        <row r="7"><c r="A7" t="inlineStr"><is><t>q</t></is></c><c r="E7" t="inlineStr"><is><t>beyond</t></is></c></row>\
        <row r="8"/>\
        <row r="9"><c r="A9" t="inlineStr"><is><t>w</t></is></c><c r="D9" s="0"/></row>\
        <row><c r="A10"><v>10</v></c></row>
        """

    @Test func emptyCellsGapsAndColumnsBeyondTheHeader() throws {
        let s = Scratch()
        let p = try XLSXFixture(rows: Self.gaps).write(to: s.path + "/g.xlsx")
        let rows = try xlsxRows(p)
        #expect(rows.map(\.line) == [3, 4, 6, 7, 9, 10])
        #expect(rows.map(\.fields) == [["id", "", "name"], ["x", "y", ""], ["", "", "z"], ["q", "", "", "", "beyond"],
                                       ["w", "", ""], ["10", "", ""]])
        // header_row picks the header; rows above it are titles.
        let fromFour = try xlsxRows(p, headerRow: 4)
        #expect(fromFour.map(\.line) == [4, 6, 7, 9, 10])
        #expect(fromFour[1].fields == ["", "", "z"])      // wider than the header's two columns
        for missing in [5, 8, 11] {
            #expect(ingestError { _ = try xlsxRows(p, headerRow: missing) } == .badSheet(path: p, sheet: "Sheet1", row: missing, problem: .noHeader))
        }
    }

    @Test func sheetsByNameNumberAndDefault() throws {
        let s = Scratch()
        let p = try XLSXFixture([
            .init(name: "隐藏", rows: xlsxRow(1, ["hidden"]), state: "hidden"),
            .init(name: "工作表1", rows: xlsxRow(1, ["first"])),
            .init(name: "调研视察", rows: xlsxRow(1, ["second"]) + xlsxRow(2, ["row"])),
        ]).write(to: s.path + "/s.xlsx")
        #expect(try xlsxRows(p).map(\.fields) == [["first"]])
        #expect(try xlsxRows(p, sheet: .number(1)).map(\.fields) == [["first"]])
        #expect(try xlsxRows(p, sheet: .number(2)).map(\.fields) == [["second"], ["row"]])
        #expect(try xlsxRows(p, sheet: .name("调研视察")).count == 2)
        #expect(try xlsxRows(p, sheet: .name(" 调研视察 ")).count == 2)
        #expect(try xlsxRows(p, sheet: .name("隐藏")).map(\.fields) == [["hidden"]])
        let unknown = ingestError { _ = try xlsxRows(p, sheet: .name("社情民意")) }
        #expect(unknown == .unknownSheet(path: p, sheet: "社情民意", available: ["隐藏", "工作表1", "调研视察"]))
        #expect(unknown?.diagnostic.hintZh?.contains("隐藏、工作表1、调研视察") == true)
        #expect(unknown?.id == "I019")
        #expect(ingestError { _ = try xlsxRows(p, sheet: .number(3)) } == .unknownSheet(path: p, sheet: "3", available: ["隐藏", "工作表1", "调研视察"]))
    }

    @Test func chartSheetsAndWorkbooksWithoutAVisibleSheet() throws {
        let s = Scratch()
        var f = XLSXFixture([.init(name: "图表", rows: ""), .init(name: "数据", rows: xlsxRow(1, ["a"]))])
        f.overrides["xl/_rels/workbook.xml.rels"] = Array("""
            <?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="\(XLSXFixture.rel)/chartsheet" Target="chartsheets/sheet1.xml"/>\
            <Relationship Id="rId2" Type="\(XLSXFixture.rel)/worksheet" Target="worksheets/sheet2.xml"/></Relationships>
            """.utf8)
        let p = try f.write(to: s.path + "/c.xlsx")
        #expect(try xlsxRows(p).map(\.fields) == [["a"]])         // the first worksheet, not the chart
        #expect(ingestError { _ = try xlsxRows(p, sheet: .name("图表")) } == .notWorkbook(path: p, problem: .notWorksheet("图表")))
        let hidden = try XLSXFixture([.init(name: "a", rows: "", state: "hidden")]).write(to: s.path + "/h.xlsx")
        #expect(ingestError { _ = try xlsxRows(hidden) } == .notWorkbook(path: hidden, problem: .noWorksheet))
    }

    @Test func storedEntriesAndPackagesWithoutSharedStringsOrRootRels() throws {
        let s = Scratch()
        var f = XLSXFixture(rows: xlsxRow(1, ["a"]) + #"<row r="2"><c r="A2"><v>1</v></c></row>"#)
        f.compression = .none
        f.omit = ["xl/sharedStrings.xml", "_rels/.rels"]
        #expect(try xlsxRows(f.write(to: s.path + "/stored.xlsx")).map(\.fields) == [["a"], ["1"]])
    }

    @Test func largeSheetsStreamAndAnEarlyStopDoesNotHang() throws {
        let s = Scratch()
        var rows = xlsxRow(1, ["编号", "标题"])
        for i in 2...30_000 {
            rows += #"<row r="\#(i)"><c r="A\#(i)"><v>\#(i)</v></c><c r="B\#(i)" t="inlineStr"><is><t>关于第 \#(i) 项的建议</t></is></c></row>"#
        }
        let p = try XLSXFixture(rows: rows).write(to: s.path + "/big.xlsx")
        var count = 0, last: [String] = []
        let book = try XLSXWorkbook(path: p)
        try book.forEachRow(sheet: 0) { row in
            count += 1
            last = (0..<row.count).map { row.string($0)! }
        }
        #expect(count == 30_000 && last == ["30000", "关于第 30000 项的建议"])
        struct Stop: Error {}
        var seen = 0
        #expect(throws: Stop.self) {
            try book.forEachRow(sheet: 0) { _ in
                seen += 1
                if seen == 5 { throw Stop() }
            }
        }
        #expect(seen == 5)
        // The workbook is still usable afterwards.
        count = 0
        try book.forEachRow(sheet: 0) { _ in count += 1 }
        #expect(count == 30_000)
    }

    @Test func workbookWrittenByLibreOffice() throws {
        let p = packageRoot + "/Tests/LvzhiTests/Fixtures/xlsx/libreoffice.xlsx"
        let rows = try xlsxRows(p)
        #expect(rows.map(\.line) == [1, 2, 3, 4, 6])
        #expect(rows.map(\.fields) == [
            ["记录编号", "委员编号", "日期", "类型", "状态", "数量", "标题"],
            ["A1", "M1", "2025-03-05", "全体会议", "出席", "1.5", "关于“老旧小区”改造，的建议"],
            ["A2", "M2", "2025-06-01", "界别活动", "参加", "2", "多行\n标题"],
            ["A3", "M1", "2025-12-31", "提案", "立案", "0.25", "#VALUE!"],
            ["A4", "M3", "2025-02-28", "界别活动", "参加", "", "  前后空格  "],
        ])
    }
}

@Suite struct XLSXHostileTests {
    let s = Scratch()
    var simple: XLSXFixture { XLSXFixture(rows: xlsxRow(1, ["a", "b"]) + xlsxRow(2, ["1", "2"])) }

    @Test func notAZip() {
        for (name, bytes) in [("empty.xlsx", []), ("torn.xlsx", [0x50, 0x4B, 0x03, 0x04, 1, 2, 3])] as [(String, [UInt8])] {
            let p = s.write(name, bytes: bytes)
            let e = ingestError { _ = try XLSXWorkbook(path: p) }
            #expect(e == .notWorkbook(path: p, problem: .notZip))
            #expect(e?.diagnostic.hintZh?.contains(".xls") == true)
        }
        // A CSV renamed to .xlsx (UTF-8, also with Chinese cut at any byte, or UTF-16 with a BOM)
        // is named as text; an old .xls / encrypted workbook (OLE compound file) as such.
        let csv = Array("提案号,提交时间\nTA1,2025/3/5\n".utf8)
        for (name, bytes) in [("csv.xlsx", csv), ("cut.xlsx", Array(csv.prefix(4))), ("u16.xlsx", [0xFF, 0xFE, 0x61, 0x00])] as [(String, [UInt8])] {
            let p = s.write(name, bytes: bytes)
            let e = ingestError { _ = try XLSXWorkbook(path: p) }
            #expect(e == .notWorkbook(path: p, problem: .textFile), "\(name)")
            #expect(e?.diagnostic.zh.contains("改成 .xlsx 扩展名的 CSV") == true)
            #expect(e?.diagnostic.hintZh?.contains("改回 .csv") == true)
        }
        let ole = s.write("old.xlsx", bytes: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0])
        let e = ingestError { _ = try XLSXWorkbook(path: ole) }
        #expect(e == .notWorkbook(path: ole, problem: .compoundFile))
        #expect(e?.diagnostic.en.contains("old .xls file or a password-protected workbook") == true)
        // Binary that is neither stays the general message.
        let junk = s.write("junk.xlsx", bytes: [0x00, 0x01, 0x02, 0xFF, 0x00])
        #expect(ingestError { _ = try XLSXWorkbook(path: junk) } == .notWorkbook(path: junk, problem: .notZip))
        #expect(ingestError { _ = try XLSXWorkbook(path: s.path + "/none.xlsx") } == .unreadable(path: s.path + "/none.xlsx", reason: "No such file or directory"))
    }

    @Test func hugeDeclaredSizesAreRefusedBeforeInflating() throws {
        let p = try simple.write(to: s.path + "/declared.xlsx")
        try XLSXFixture.patchDeclaredSize(p, entry: "xl/workbook.xml", to: 0xF000_0000)
        #expect(ingestError { _ = try XLSXWorkbook(path: p) } == .workbookLimit(path: p, part: "xl/workbook.xml", limit: .partSize(64 << 20)))
        // A sheet may be large, but not 4 GB out of a few hundred bytes.
        let q = try simple.write(to: s.path + "/ratio.xlsx")
        try XLSXFixture.patchDeclaredSize(q, entry: "xl/worksheets/sheet1.xml", to: 0xF000_0000)
        let e = ingestError { _ = try xlsxRows(q) }
        #expect(e == .workbookLimit(path: q, part: "xl/worksheets/sheet1.xml", limit: .ratio(250)))
        #expect(e?.id == "I018")
        #expect(e?.diagnostic.zh.contains("ZIP 炸弹") == true)
    }

    @Test func aPartLargerThanItsHeaderSaysIsDamaged() throws {
        let p = try simple.write(to: s.path + "/lie.xlsx")
        try XLSXFixture.patchDeclaredSize(p, entry: "xl/worksheets/sheet1.xml", to: 40)
        guard case .notWorkbook(_, .damagedPart(let part, _))? = ingestError({ _ = try xlsxRows(p) }) else {
            Issue.record("expected a damaged part"); return
        }
        #expect(part == "xl/worksheets/sheet1.xml")
    }

    @Test func inflatedBytesCountAgainstTheLimits() throws {
        // 300 KB of blanks between rows: a small zip bomb against small limits.
        var f = simple
        f.sheets[0].rows += String(repeating: " ", count: 300_000)
        let p = try f.write(to: s.path + "/bomb.xlsx")
        var limits = XLSXLimits()
        limits.maxSheetBytes = 100_000
        #expect(ingestError { _ = try xlsxRows(p, limits: limits) } == .workbookLimit(path: p, part: "xl/worksheets/sheet1.xml", limit: .partSize(100_000)))
        limits = XLSXLimits()
        limits.ratioFloorBytes = 1000
        #expect(ingestError { _ = try xlsxRows(p, limits: limits) } == .workbookLimit(path: p, part: "xl/worksheets/sheet1.xml", limit: .ratio(250)))
        limits = XLSXLimits()
        limits.maxEntries = 3
        #expect(ingestError { _ = try xlsxRows(p, limits: limits) } == .workbookLimit(path: p, part: "", limit: .entries(3)))
    }

    @Test func sharedStringTableIsBounded() throws {
        var f = XLSXFixture(rows: #"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#, shared: ["一", "二", "三四五六七八"])
        let p = try f.write(to: s.path + "/sst.xlsx")
        var limits = XLSXLimits()
        limits.maxSharedStrings = 2
        #expect(ingestError { _ = try xlsxRows(p, limits: limits) } == .workbookLimit(path: p, part: "xl/sharedStrings.xml", limit: .sharedStrings(2)))
        limits = XLSXLimits()
        limits.maxSharedStringBytes = 12
        #expect(ingestError { _ = try xlsxRows(p, limits: limits) } == .workbookLimit(path: p, part: "xl/sharedStrings.xml", limit: .sharedStringBytes(12)))
        f.shared = ["一"]
        f.sheets[0].rows = #"<row r="1"><c r="A1" t="s"><v>7</v></c></row>"#
        let q = try f.write(to: s.path + "/index.xlsx")
        #expect(ingestError { _ = try xlsxRows(q) } == .badSheet(path: q, sheet: "Sheet1", row: 1, problem: .sharedStringIndex(cell: "A1", index: "7", count: 1)))
    }

    @Test func missingParts() throws {
        var f = simple
        f.omit = ["xl/worksheets/sheet1.xml"]
        let p = try f.write(to: s.path + "/nosheet.xlsx")
        #expect(ingestError { _ = try xlsxRows(p) } == .notWorkbook(path: p, problem: .missingPart("xl/worksheets/sheet1.xml")))
        f.omit = ["xl/workbook.xml"]
        let q = try f.write(to: s.path + "/nobook.xlsx")
        let e = ingestError { _ = try XLSXWorkbook(path: q) }
        #expect(e == .notWorkbook(path: q, problem: .missingPart("xl/workbook.xml")))
        #expect(e?.id == "I017")
    }

    /// Two entries under one name (repro: two xl/worksheets/sheet1.xml, the second holding
    /// another record): lvzhi read the first, other tools the last. Refused as damaged (I017),
    /// naming the entry; so are names that differ only in case (one part for OPC).
    @Test(arguments: ["xl/worksheets/sheet1.xml", "XL/Worksheets/Sheet1.xml"])
    func duplicateEntryNamesAreRefused(_ second: String) throws {
        var f = simple
        f.extraEntries = [(second, Array("""
            <?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="\(XLSXFixture.main)"><sheetData>\(xlsxRow(1, ["evil"]))</sheetData></worksheet>
            """.utf8))]
        let p = try f.write(to: s.path + "/dup.xlsx")
        let e = ingestError { _ = try xlsxRows(p) }
        #expect(e == .notWorkbook(path: p, problem: .duplicateEntry(second)))
        #expect(e?.id == "I017")
        #expect(e?.diagnostic.message(.zh).contains("两个同名的条目 \(second)") == true, "\(String(describing: e?.diagnostic.message(.zh)))")
        #expect(e?.diagnostic.message(.en).contains("two entries named \(second)") == true)
    }

    /// A cell with more attributes than any element may have: refused (I004) before libxml2
    /// parses the tag (its repeated-attribute check is quadratic), as in XML exports.
    @Test func aCellWithTooManyAttributesIsRefused() throws {
        let attributes = (0..<(XMLAttributeGuard.maxAttributes + 1)).map { " z\($0)=\"1\"" }.joined()
        let p = try XLSXFixture(rows: "<row r=\"1\"><c r=\"A1\"\(attributes)><v>1</v></c></row>").write(to: s.path + "/attrs.xlsx")
        guard case .forbiddenXML(let label, _, .attributes(XMLAttributeGuard.maxAttributes))? = ingestError({ _ = try xlsxRows(p) }) else {
            Issue.record("\(String(describing: ingestError({ _ = try xlsxRows(p) })))")
            return
        }
        #expect(label == p + "(xl/worksheets/sheet1.xml)")
    }

    @Test func malformedXMLNamesThePartAndLine() throws {
        var f = simple
        f.sheets[0].raw = "<?xml version=\"1.0\"?>\n<worksheet xmlns=\"\(XLSXFixture.main)\"><sheetData>\n<row r=\"1\">\n<c r=\"A1\"><v>1</v></row>\n</sheetData></worksheet>"
        let p = try f.write(to: s.path + "/bad.xlsx")
        guard case .malformedXML(let label, let line, _, _)? = ingestError({ _ = try xlsxRows(p) }) else {
            Issue.record("expected malformed XML"); return
        }
        #expect(label == p + "(xl/worksheets/sheet1.xml)")
        #expect(line == 4)
        let d = IngestError.malformedXML(path: label, line: line, reason: "x").diagnostic
        #expect(d.render(.zh).hasPrefix(p + "(xl/worksheets/sheet1.xml):4: 错误: [I003] 工作簿中的 XML 格式错误"), "\(d.render(.zh))")
        #expect(d.hintZh?.contains("WPS") == true)
        // Truncated: the part just stops.
        f.sheets[0].raw = "<worksheet xmlns=\"\(XLSXFixture.main)\"><sheetData><row r=\"1\"><c r=\"A1\"><v>1"
        let q = try f.write(to: s.path + "/trunc.xlsx")
        guard case .malformedXML(let label2, _, _, _)? = ingestError({ _ = try xlsxRows(q) }) else {
            Issue.record("expected malformed XML"); return
        }
        #expect(label2 == q + "(xl/worksheets/sheet1.xml)")
    }

    @Test func doctypeAndEntitiesAreRefusedInEveryPart() throws {
        let laughs = """
            <?xml version="1.0"?>
            <!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
            <sst xmlns="\(XLSXFixture.main)"><si><t>&c;</t></si></sst>
            """
        var f = simple
        f.shared = ["x"]
        f.overrides["xl/sharedStrings.xml"] = Array(laughs.utf8)
        let p = try f.write(to: s.path + "/laughs.xlsx")
        // Refused while libxml2 reads the internal subset, or at the DOCTYPE node: never expanded.
        switch ingestError({ _ = try xlsxRows(p) }) {
        case .forbiddenXML(let label, _, .doctype)?, .malformedXML(let label, _, _, _)?:
            #expect(label == p + "(xl/sharedStrings.xml)")
        case let other:
            Issue.record("expected a refusal, got \(String(describing: other))")
        }
        var g = simple
        g.overrides["xl/workbook.xml"] = Array("""
            <?xml version="1.0"?>
            <!DOCTYPE workbook SYSTEM "http://example.invalid/x.dtd">
            <workbook xmlns="\(XLSXFixture.main)"/>
            """.utf8)
        let q = try g.write(to: s.path + "/dtd.xlsx")
        guard case .forbiddenXML(let label, let line, .doctype)? = ingestError({ _ = try XLSXWorkbook(path: q) }) else {
            Issue.record("expected the DOCTYPE refused"); return
        }
        #expect(label == q + "(xl/workbook.xml)" && (2...3).contains(line))
    }

    @Test(arguments: [
        (#"<row r="1"><c r="XFE1"><v>1</v></c></row>"#, 1, SheetProblem.badReference("XFE1")),
        (#"<row r="1"><c r="AAAA1"><v>1</v></c></row>"#, 1, .badReference("AAAA1")),
        (#"<row r="1048577"><c><v>1</v></c></row>"#, 0, .badReference("1048577")),
        (#"<row r="x"/>"#, 0, .badReference("x")),
        (#"<row r="1"><c r="B1"><v>1</v></c><c r="A1"><v>2</v></c></row>"#, 1, .cellOutOfOrder("A1")),
        (#"<row r="1"><c r="A1"><v>1</v></c><c r="A1"><v>2</v></c></row>"#, 1, .cellOutOfOrder("A1")),
        (#"<row r="1"><c r="A2"><v>1</v></c></row>"#, 1, .cellOutOfOrder("A2")),
        (#"<row r="3"><c r="A3"><v>1</v></c></row><row r="2"/>"#, 2, .rowOutOfOrder(2)),
        (#"<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><f>1+1</f></c></row>"#, 2, .formulaWithoutValue("A2")),
    ])
    func brokenCells(_ rows: String, _ row: Int, _ problem: SheetProblem) throws {
        let p = try XLSXFixture(rows: rows).write(to: s.path + "/cells.xlsx")
        let e = ingestError { _ = try xlsxRows(p) }
        #expect(e == .badSheet(path: p, sheet: "Sheet1", row: row, problem: problem))
        #expect(e?.id == "I020")
    }

    @Test func columnsPastXFDWithoutReferences() throws {
        let cells = String(repeating: "<c><v>1</v></c>", count: XLSXCells.maxColumn + 1)
        let p = try XLSXFixture(rows: "<row r=\"1\">\(cells)</row>").write(to: s.path + "/wide.xlsx")
        #expect(ingestError { _ = try xlsxRows(p) } == .badSheet(path: p, sheet: "Sheet1", row: 1, problem: .badReference("XFE1")))
    }

    @Test func longCellsAreBounded() throws {
        let p = try XLSXFixture(rows: xlsxRow(1, ["a"]) + xlsxRow(2, [String(repeating: "长", count: 20)])).write(to: s.path + "/long.xlsx")
        var limits = XLSXLimits()
        limits.maxCellBytes = 30
        #expect(ingestError { _ = try xlsxRows(p, limits: limits) } == .badSheet(path: p, sheet: "Sheet1", row: 2, problem: .cellTooLong(cell: "A2", limit: 30)))
    }

    @Test func relationshipsCannotLeaveThePackage() throws {
        var f = simple
        f.overrides["xl/_rels/workbook.xml.rels"] = Array("""
            <?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="\(XLSXFixture.rel)/worksheet" Target="../../../etc/passwd"/></Relationships>
            """.utf8)
        let p = try f.write(to: s.path + "/escape.xlsx")
        #expect(ingestError { _ = try XLSXWorkbook(path: p) } == .notWorkbook(path: p, problem: .externalTarget("../../../etc/passwd")))
        f.overrides["xl/_rels/workbook.xml.rels"] = Array("""
            <?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="\(XLSXFixture.rel)/worksheet" Target="file:///etc/passwd" TargetMode="External"/></Relationships>
            """.utf8)
        let q = try f.write(to: s.path + "/external.xlsx")
        #expect(ingestError { _ = try XLSXWorkbook(path: q) } == .notWorkbook(path: q, problem: .externalTarget("file:///etc/passwd")))
    }
}

@Suite struct XLSXIngestTests {
    @Test func rosterAsAWorkbook() throws {
        let s = Scratch()
        var f = XLSXFixture(rows: xlsxRow(1, ["委员编号", "姓名", "界别", "任职日期", "是否排名"]) + """
            <row r="2"><c r="A2" t="inlineStr"><is><t>M1</t></is></c><c r="B2" t="inlineStr"><is><t>张三</t></is></c>\
            <c r="D2" s="1"><v>45383</v></c><c r="E2" t="b"><v>0</v></c></row>
            <row r="3"><c r="A3" t="inlineStr"><is><t>M2</t></is></c><c r="B3" t="inlineStr"><is><t>李四</t></is></c>\
            <c r="C3" t="inlineStr"><is><t>经济界</t></is></c><c r="E3" t="inlineStr"><is><t>是</t></is></c></row>
            <row r="5"><c r="A5" t="inlineStr"><is><t>M3</t></is></c><c r="B5" t="inlineStr"><is><t>王五</t></is></c>\
            <c r="E5" t="inlineStr"><is><t>也许</t></is></c></row>
            """)
        f.cellXfs = #"<xf numFmtId="0"/><xf numFmtId="14"/>"#
        let p = try f.write(to: s.path + "/名册.xlsx")
        let r = try RosterReader.read(path: p)
        #expect(r.members.map(\.id) == ["M1", "M2"])
        #expect(r.members[0].joined?.description == "2024-04-01" && r.members[0].ranked == false)
        #expect(r.members[1].sector == "经济界" && r.members[1].ranked)
        #expect(r.rejects.map(\.location) == [SourceLocation(file: p, line: 5)])
        #expect(r.sheet == "Sheet1" && r.rowsRead == 3)
    }

    static let inspectionMapping = """
        mapping: 1
        files: ["*.xlsx"]
        sheet: 调研视察
        header_row: 2
        columns:
          编号: activity_id
          日期: date
          参加人: {field: member_name, list: true}
          状态: status
        constants:
          kind: 界别活动
        values:
          status: {已参加: 参加}
        """

    @Test func mappedSheetWithATitleRowScoresAndRejectsByRowNumber() throws {
        let s = Scratch()
        let title = #"<row r="1"><c r="A1" t="inlineStr"><is><t>2025 年调研视察登记表</t></is></c></row>"#
        var f = XLSXFixture([
            .init(name: "说明", rows: xlsxRow(1, ["本表由平台导出"])),
            .init(name: "调研视察", rows: title + xlsxRow(2, ["编号", "日期", "参加人", "状态"]) + """
                <row r="3"><c r="A3" t="inlineStr"><is><t>DY-1</t></is></c><c r="B3" s="1"><v>45721</v></c>\
                <c r="C3" t="inlineStr"><is><t>张三、李四</t></is></c><c r="D3" t="inlineStr"><is><t>已参加</t></is></c></row>
                <row r="4"><c r="A4" t="inlineStr"><is><t>DY-2</t></is></c><c r="B4" s="1"><v>45722</v></c>\
                <c r="C4" t="inlineStr"><is><t>欧阳不在</t></is></c><c r="D4" t="inlineStr"><is><t>已参加</t></is></c></row>
                <row r="7"><c r="A7" t="inlineStr"><is><t>DY-3</t></is></c><c r="B7" s="1"><v>45723</v></c>\
                <c r="C7" t="inlineStr"><is><t>王五</t></is></c><c r="D7" t="inlineStr"><is><t>已参加</t></is></c>\
                <c r="F7" t="inlineStr"><is><t>表头外的备注</t></is></c></row>
                """),
        ])
        f.cellXfs = #"<xf numFmtId="0"/><xf numFmtId="14"/>"#
        let result = try ingestMapped(Self.inspectionMapping, [("导出.xlsx", [UInt8](try Data(contentsOf: URL(fileURLWithPath: f.write(to: s.path + "/x.xlsx")))))])
        #expect(result.store.records.count == 2)
        #expect(result.store.records.map { result.store.location(of: $0).line } == [3, 3])
        #expect(result.store.records.map(\.date.description) == ["2025-03-05", "2025-03-05"])
        #expect(result.rejects.map(\.location.line) == [4, 7])
        #expect(result.rejects.map(\.reason.code) == ["unknown-name", "field-count"])
        let report = try #require(result.files.last)
        #expect(report.format == "xlsx" && report.sheet == "调研视察" && report.read == 4 && report.rejected == 2)
    }

    @Test func mappedSheetErrors() throws {
        let s = Scratch()
        let book = try XLSXFixture(rows: xlsxRow(1, ["编号", "日期", "参加人", "状态"])).write(to: s.path + "/x.xlsx")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: book)))
        guard case .unknownSheet(_, "调研视察", ["Sheet1"], _)? = ingestError({ _ = try ingestMapped(Self.inspectionMapping, [("a.xlsx", bytes)]) }) else {
            Issue.record("expected an unknown sheet"); return
        }
        // Without sheet/header_row the same file's first row is the header; a wrong header is an unmapped column.
        let plain = Self.inspectionMapping.replacingOccurrences(of: "sheet: 调研视察\nheader_row: 2\n", with: "")
        let titled = try XLSXFixture(rows: xlsxRow(1, ["2025 年调研视察登记表"]) + xlsxRow(2, ["编号", "日期", "参加人", "状态"])).write(to: s.path + "/t.xlsx")
        guard case .unmappedColumn(_, "2025 年调研视察登记表", _)? = ingestError({
            _ = try ingestMapped(plain, [("b.xlsx", [UInt8](try Data(contentsOf: URL(fileURLWithPath: titled))))])
        }) else {
            Issue.record("expected an unmapped column"); return
        }
    }

    @Test func headerRowSkipsTitleLinesOfCSVFilesToo() throws {
        let csv = "2025 年调研视察登记表,,,\n编号,日期,参加人,状态\nDY-1,2025-03-05,张三,已参加\n"
        let mapping = Self.inspectionMapping.replacingOccurrences(of: "sheet: 调研视察\n", with: "").replacingOccurrences(of: "*.xlsx", with: "*.csv")
        let r = try ingestMapped(mapping, [("a.csv", Array(csv.utf8))])
        #expect(r.store.records.count == 1 && r.rejects.isEmpty)
        #expect(r.store.location(of: r.store.records[0]).line == 3)
        let without = mapping.replacingOccurrences(of: "header_row: 2\n", with: "")
        guard case .unmappedColumn(_, "2025 年调研视察登记表", _)? = ingestError({ _ = try ingestMapped(without, [("a.csv", Array(csv.utf8))]) }) else {
            Issue.record("expected the title line read as the header"); return
        }
    }

    @Test func canonicalActivitiesAsAWorkbook() throws {
        let s = Scratch()
        let p = try XLSXFixture(rows: xlsxRow(1, ["activity_id", "member_id", "date", "kind", "status", "quantity"])
            + xlsxRow(2, ["A1", "M1", "2025-03-05", "全体会议", "出席", "2"]) + xlsxRow(3, ["A2", "M9", "2025-03-05", "全体会议", "出席"]))
            .write(to: s.path + "/acts.xlsx")
        let roster = try RosterReader.read(path: s.write("m.csv", mappingMembersCSV))
        let rules = try testRules()
        var ing = ActivityIngestor(members: roster.members, period: rules.period!, vocabulary: rules.vocabulary)
        try ing.read(path: p)
        let r = ing.finish()
        #expect(r.store.records.count == 1 && r.store.records[0].quantity == Points(2))
        #expect(r.rejects.map(\.reason.code) == ["unknown-member"] && r.rejects[0].location == SourceLocation(file: p, line: 3))
    }

    @Test func mappingFileSheetAndHeaderRowKeys() throws {
        let base = "mapping: 1\nfiles: [a.xlsx]\ncolumns: {a: activity_id, b: member_id, c: date}\nconstants: {kind: 提案}\n"
        #expect(try MappingLoader.parse(base, path: "m.yaml").sheet == nil)
        #expect(try MappingLoader.parse(base + "sheet: 2\n", path: "m.yaml").sheet == .number(2))
        #expect(try MappingLoader.parse(base + "sheet: \"2\"\n", path: "m.yaml").sheet == .name("2"))
        #expect(try MappingLoader.parse(base + "sheet: 社情民意\nheader_row: 3\n", path: "m.yaml").sheet == .name("社情民意"))
        #expect(try MappingLoader.parse(base + "header_row: 3\n", path: "m.yaml").headerRow == 3)
        func ids(_ yaml: String) -> [String] {
            do { _ = try MappingLoader.parse(yaml, path: "m.yaml"); return [] } catch { return error.diagnostics.map(\.id) }
        }
        #expect(ids(base + "sheet: 0\n") == ["M017"])
        #expect(ids(base + "sheet: \"\"\n") == ["M017"])
        #expect(ids(base + "sheet: [a, b]\n") == ["M014"])
        #expect(ids(base + "header_row: 0\n") == ["M018"])
        #expect(ids(base + "header_row: 二\n") == ["M016"])
        #expect(ids(base + "sheets: 1\n") == ["M011"])
    }

    @Test func foldersPickUpWorkbooksButNotExcelLockFiles() throws {
        let s = Scratch()
        s.write("d/a.csv", "x")
        s.write("d/b.xlsx", "x")
        s.write("d/~$b.xlsx", "x")
        s.write("d/c.xls", "x")
        let files = try ScoringPipeline.expandInputs([s.path + "/d"])
        #expect(files.map { ($0 as NSString).lastPathComponent } == ["a.csv", "b.xlsx"])
        #expect(InputFormat(path: "X.XLSX") == .xlsx && InputFormat(path: "a.xls") == nil)
    }
}
