import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import ZIPFoundation
@testable import LvzhiCore
@testable import LvzhiIngest
@testable import LvzhiRules
@testable import LvzhiScoring
@testable import LvzhiReport
import CIsal
#if canImport(CZlib)
import CZlib
#elseif canImport(zlib)
import zlib
#endif

/// scores.xlsx: golden parts, numeric cells, neutralised text, deterministic bytes, and the
/// values read back from the package equal to scores.csv, ledger.csv and rejects.csv.
///
/// Re-record the golden parts after an intended change with
/// `LVZHI_RECORD_GOLDEN=1 swift test --filter WorkbookTests`; a re-recording run fails on
/// purpose, so it can never pass silently. Run again without it.
@Suite struct WorkbookTests {
    static let header = "activity_id,member_id,date,kind,status,role,level,ref,quantity,marks,title\n"
    /// Titles and values that a spreadsheet would run or mangle.
    static let activities = """
    A1,M1,2025-01-08,全体会议,出席,,,,4,,"=HYPERLINK(""http://x"",""点我"")"
    A2,M1,2025-03-01,提案,立案,第一提案人,,P1,,重点,+1 提案一
    A3,M2,2025-03-01,提案,立案,联名提案人,,P1,,重点,-2 提案一
    A4,M1,2025-04-01,提案,立案,第一提案人,,P2,,,@SUM(A1)
    A5,M1,2025-05-02,界别活动,参加,,,,,,"<b>&amp;</b> 1 < 2 _x0041_"
    A6,M1,2025-05-03,界别活动,参加,,,,,,"控制\u{01}字符\u{0B}与"" 引号"
    A7,M2,2025-01-08,全体会议,缺席,,,,3,,"  前后空格  "
    A8,M3,2025-08-08,界别活动,参加,,,,,,"\t制表符开头"
    A9,M1,2025-06-01,违纪,,,,,,,违反纪律
    A10,M2,2025-06-02,=cmd|' /C calc'!A0,,,,,,,未知类型
    A11,M9,2025-06-03,界别活动,参加,,,,,,无此委员

    """

    static func summary(lang: Language = .zh) throws -> RunSummary {
        let s = Scratch()
        let roster = try RosterReader.read(path: s.write("m.csv", testMembersCSV))
        let r = try testRules()
        var ing = ActivityIngestor(members: roster.members, period: r.period!, vocabulary: r.vocabulary)
        try ing.read(path: s.write("a.csv", header + activities))
        let run = Scorer.score(ing.finish(), rules: r, period: r.period!)
        return RunSummary(run: run, generatedAt: "2026-01-01T08:00:00+08:00", toolVersion: "test", lang: lang)
    }

    static func part(_ parts: [(name: String, bytes: [UInt8])], _ name: String) throws -> String {
        let p = try #require(parts.first { $0.name == name }, "no part \(name)")
        return String(decoding: p.bytes, as: UTF8.self)
    }

    // MARK: Golden parts

    static var recording: Bool { ProcessInfo.processInfo.environment["LVZHI_RECORD_GOLDEN"] == "1" }
    static let goldenDir = packageRoot + "/Tests/LvzhiTests/Fixtures/golden"

    /// Compares `actual` with the golden file `name` (or rewrites it when recording, and fails).
    static func golden(_ actual: String, _ name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let path = goldenDir + "/" + name
        if recording {
            try? FileManager.default.createDirectory(atPath: goldenDir, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: path, contents: Data(actual.utf8))
            Issue.record("re-recorded \(path); run again without LVZHI_RECORD_GOLDEN=1", sourceLocation: sourceLocation)
            return
        }
        guard let expected = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }) else {
            Issue.record("missing \(path): record it with LVZHI_RECORD_GOLDEN=1", sourceLocation: sourceLocation)
            return
        }
        guard actual != expected else { return }
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let i = (0..<min(a.count, e.count)).first { a[$0] != e[$0] } ?? min(a.count, e.count)
        Issue.record("""
            \(path) is stale at line \(i + 1):
              expected: \(i < e.count ? String(e[i]) : "<end>")
              actual:   \(i < a.count ? String(a[i]) : "<end>")
            re-record with LVZHI_RECORD_GOLDEN=1 if the change is intended
            """, sourceLocation: sourceLocation)
    }

    @Test func goldenParts() throws {
        let parts = Workbook.parts(try Self.summary(), lang: .zh)
        Self.golden(try Self.part(parts, "[Content_Types].xml"), "workbook-content-types.xml")
        Self.golden(try Self.part(parts, "xl/workbook.xml"), "workbook-workbook.xml")
        Self.golden(try Self.part(parts, "xl/styles.xml"), "workbook-styles.xml")
        Self.golden(try Self.part(parts, "xl/worksheets/sheet1.xml"), "workbook-summary-sheet.xml")
        Self.golden(try Self.part(parts, "xl/sharedStrings.xml"), "workbook-shared-strings.xml")
    }

    /// Ledger rows (header first) as ledger.csv has them: date cells' serials as yyyy-mm-dd,
    /// the Chinese note words as their codes.
    static func ledgerAsCSV(_ rows: [[String]], lang: Language) -> [[String]] {
        let codes = Dictionary(WorkbookCodes.chinese.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        return rows.enumerated().map { i, row in
            guard i > 0 else { return row }
            var r = row
            if r.count > 3, let serial = Int32(r[3]) { r[3] = Day(ordinal: serial - 25_569).description }
            if lang == .zh, r.count > 14, let code = codes[r[14]] { r[14] = code }
            return r
        }
    }

    /// The 各界别统计 sheet: a row per 界别 and a total, the grade counts adding up.
    @Test func sectorSheetCountsEveryMember() throws {
        let s = try Self.summary()
        let rows = try SheetBook(parts: Workbook.parts(s, lang: .zh)).rows("xl/worksheets/sheet3.xml")
        #expect(rows[0] == ["测试规则 履职考核结果 · 考核期间 2025年1月1日至12月31日 · 各界别统计"])
        #expect(rows[1].prefix(3) == ["界别", "人数", "参与排名"])
        let total = try #require(rows.last)
        #expect(total.first == "合计" && total[1] == String(s.rows.count))
        let grades = s.run.rules.grades.count
        #expect(total[3..<3 + grades].compactMap { Int($0) }.reduce(0, +) == s.rows.count)
        #expect(rows.dropFirst(2).dropLast().compactMap { Int($0[1]) }.reduce(0, +) == s.rows.count)
    }

    @Test func packageHasEveryPart() throws {
        let names = Workbook.parts(try Self.summary(), lang: .zh).map(\.name)
        #expect(names == ["[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "docProps/core.xml",
                          "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                          "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml", "xl/worksheets/sheet4.xml",
                          "xl/worksheets/sheet5.xml", "xl/sharedStrings.xml"])
    }

    /// The shared-string table counts every reference to it, the streamed ledger's included
    /// (it is stored after the sheets for that), and the ledger refers to it only in the columns
    /// that repeat a few texts.
    @Test func sharedStringCountIsEveryReference() throws {
        for rowLimit in [Workbook.maxRowsPerSheet, 6] {
            let parts = Workbook.parts(try Self.summary(), lang: .zh, rowLimit: rowLimit)
            let text = { (name: String) in String(decoding: parts.first { $0.name == name }!.bytes, as: UTF8.self) }
            let sheets = parts.filter { $0.name.hasPrefix("xl/worksheets/") }
            let references = sheets.reduce(0) { $0 + String(decoding: $1.bytes, as: UTF8.self).components(separatedBy: "t=\"s\"").count - 1 }
            let sst = text("xl/sharedStrings.xml")
            #expect(sst.contains("count=\"\(references)\" "), "\(rowLimit)")
            // The ledger (sheet 4 on): ids and titles stay inline, members and rules are shared.
            let ledger = text("xl/worksheets/sheet4.xml")
            #expect(ledger.contains("t=\"s\"") && ledger.contains("t=\"inlineStr\"><is><t>A1</t>"))
        }
    }

    @Test func everyPartIsWellFormedXML() throws {
        for p in Workbook.parts(try Self.summary(), lang: .zh) {
            let parser = XMLParser(data: Data(p.bytes))
            #expect(parser.parse(), "\(p.name): \(parser.parserError.map { "\($0)" } ?? "")")
        }
    }

    @Test func sheetNamesAndHeadersFollowTheLanguage() throws {
        let zh = Workbook.parts(try Self.summary(), lang: .zh)
        let en = Workbook.parts(try Self.summary(lang: .en), lang: .en)
        func names(_ parts: [(name: String, bytes: [UInt8])]) throws -> [String] {
            try Self.part(parts, "xl/workbook.xml").matches(of: /<sheet name="([^"]*)"/).map { String($0.1) }
        }
        #expect(try names(zh) == ["汇总", "五色图", "各界别统计", "明细", "问题数据"])
        #expect(try names(en) == ["Summary", "Chart", "By sector", "Ledger", "Rejects"])
        let book = try SheetBook(parts: en)
        // Every sheet starts with a title row: scheme, period, sheet.
        #expect(book.rows("xl/worksheets/sheet1.xml").first == ["测试规则 duty-performance results · period 1 January to 31 December 2025 · Summary"])
        #expect(try SheetBook(parts: zh).rows("xl/worksheets/sheet4.xml").first == ["测试规则 履职考核结果 · 考核期间 2025年1月1日至12月31日 · 明细"])
        #expect(book.rows("xl/worksheets/sheet1.xml")[1].prefix(3) == ["member_id", "name", "sector"])
        #expect(book.rows("xl/worksheets/sheet4.xml")[1] == LedgerCSV.header(.en))
        #expect(book.rows("xl/worksheets/sheet5.xml")[1] == ScoresCSV.rejectsHeader(.en))
        // English grade and colour names where the rule file gives none.
        #expect(book.rows("xl/worksheets/sheet3.xml")[1].contains("green · excellent"))
        #expect(try Self.part(en, "docProps/core.xml").contains("<dcterms:created xsi:type=\"dcterms:W3CDTF\">2026-01-01T08:00:00+08:00</dcterms:created>"))
    }

    // MARK: Cells

    @Test func numbersAreNumericCells() throws {
        let s = try Self.summary()
        let book = try SheetBook(parts: Workbook.parts(s, lang: .zh))
        let cells = book.cells("xl/worksheets/sheet1.xml")
        let categories = s.run.rules.categories.count
        // Score, rank, the categories and the record count are numbers; the rest is text.
        let numeric = Set([5, 6] + (9..<9 + categories).map { $0 } + [9 + categories + 2])
        for (i, row) in s.rows.enumerated() {
            let r = i + 3
            #expect(cells["F\(r)"]?.type == "n" && cells["F\(r)"]?.value == row.score.description)
            if row.rank == nil {
                // Written out instead of an empty cell.
                #expect(cells["G\(r)"].map { book.text($0) } == "不参与排名")
            } else {
                #expect(cells["G\(r)"].map { $0.type == "n" && $0.value == row.rank.map(String.init) } == true)
            }
            for c in 0..<9 + categories + 3 where !(c == 6 && row.rank == nil) {
                guard let cell = cells[SpreadsheetText.ref(column: c, row: r)] else { continue }
                #expect(cell.type == (numeric.contains(c) ? "n" : "s"), "column \(c) row \(r)")
            }
        }
        // The ledger's points are numbers, negative ones included; its dates are date cells.
        let ledger = book.cells("xl/worksheets/sheet4.xml")
        let points = ledger.filter { $0.key.hasPrefix("M") && $0.key != "M1" && $0.key != "M2" }
        let dates = ledger.filter { $0.key.hasPrefix("D") && $0.key != "D1" && $0.key != "D2" }
        #expect(!dates.isEmpty && dates.values.allSatisfy { $0.type == "n" && $0.style == CellStyle.date })
        #expect(dates.values.contains { $0.value == "45665" })   // 2025-01-08
        #expect(!points.isEmpty && points.values.allSatisfy { $0.type == "n" && Decimal(string: $0.value) != nil })
        #expect(points.values.contains { $0.value.hasPrefix("-") })
    }

    @Test func gradeCellsAreFilledInTheGradeColour() throws {
        let s = try Self.summary()
        let parts = Workbook.parts(s, lang: .zh)
        let styles = try Self.part(parts, "xl/styles.xml")
        for g in s.run.rules.grades {
            #expect(styles.contains("<fgColor rgb=\"FF\(g.hex.dropFirst().uppercased())\"/>"), "\(g.name)")
        }
        let cells = try SheetBook(parts: parts).cells("xl/worksheets/sheet1.xml")
        for (i, row) in s.rows.enumerated() {
            #expect(cells["H\(i + 3)"]?.style == CellStyle.gradeBase + row.gradeIndex)
        }
        // Dark text on the yellow, white on the green and the red.
        #expect(WorkbookXML.fill(s.run.rules.grades[1]).darkText)
        #expect(!WorkbookXML.fill(s.run.rules.grades[0]).darkText && !WorkbookXML.fill(s.run.rules.grades[2]).darkText)
    }

    @Test func formulaLikeTextIsNeutralisedAndCleaned() throws {
        let s = try Self.summary()
        let parts = Workbook.parts(s, lang: .zh)
        let book = try SheetBook(parts: parts)
        let titles = Set(book.rows("xl/worksheets/sheet4.xml").map { $0.count > 8 ? $0[8] : "" })
        #expect(titles.contains("'=HYPERLINK(\"http://x\",\"点我\")"))
        #expect(titles.contains("'+1 提案一"))
        #expect(titles.contains("'-2 提案一"))
        #expect(titles.contains("'@SUM(A1)"))
        #expect(titles.contains("'\t制表符开头"))
        #expect(titles.contains("<b>&amp;</b> 1 < 2 _x0041_"))
        #expect(titles.contains("控制\u{FFFD}字符\u{FFFD}与\" 引号"))
        #expect(titles.contains("  前后空格  "))
        let rejects = book.rows("xl/worksheets/sheet5.xml")
        #expect(rejects.contains { $0.contains("'=cmd|' /C calc'!A0") })
        // Raw XML: escaped, `_xHHHH_` protected, white space preserved, no control characters.
        let ledger = try Self.part(parts, "xl/worksheets/sheet4.xml")
        #expect(ledger.contains("&lt;b&gt;&amp;amp;&lt;/b&gt; 1 &lt; 2 _x005F_x0041_"))
        #expect(ledger.contains("<t xml:space=\"preserve\">  前后空格  </t>"))
        #expect(!ledger.unicodeScalars.contains { $0.value < 0x20 && $0 != "\t" && $0 != "\n" })
    }

    @Test func escapingAndWidths() {
        func esc(_ s: String) -> String {
            var out: [UInt8] = []
            SpreadsheetText.appendEscaped(s, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
        #expect(esc("a&b<c>d\"e") == "a&amp;b&lt;c&gt;d\"e")
        #expect(esc("x\u{0}\u{8}\u{B}\u{C}\u{1F}\u{FFFE}\u{FFFF}y") == "xy")
        #expect(esc("a\tb\nc\rd") == "a\tb\nc&#13;d")
        #expect(esc("_x0041_ _xZZZZ_ _x12_") == "_x005F_x0041_ _xZZZZ_ _x12_")
        #expect(esc("（全角），") == "（全角），")
        #expect(SpreadsheetText.cellText("\u{1}=1") == "\u{FFFD}=1" && SpreadsheetText.cellText("a\u{7F}\u{FFFE}") == "a\u{FFFD}")
        #expect(SpreadsheetText.cellText("普通") == "普通")
        #expect(SpreadsheetText.displayWidth("政协ab") == 6)
        #expect(SpreadsheetText.columnName(0) == "A" && SpreadsheetText.columnName(25) == "Z")
        #expect(SpreadsheetText.columnName(26) == "AA" && SpreadsheetText.columnName(16_383) == "XFD")
        #expect(Book.share(1, of: 3) == "0.3333" && Book.share(2, of: 3) == "0.6667" && Book.share(3, of: 3) == "1")  // a ratio cell: 4 places
    }

    /// Keyed texts (a member, symbol, rule or category repeated down its column) are written as
    /// plain texts would be, by the CSV writer and by a worksheet, with keys that share a slot
    /// (3, 67, 131: the same modulo 64), the same key in other columns meaning other texts, texts to
    /// quote or neutralise, texts not in the shared table, empty texts, and empty cells before
    /// them (a worksheet cell after one left out carries its reference).
    @Test func keyedTextsAreWrittenAsPlainTexts() {
        let texts: [Int: [String]] = [3: ["甲", "=SUM(A1)", "经济界"], 67: ["乙", "a,\"b\"", "教育界"], 131: ["丙", "", "不在表中"], 5: ["丁", "-2", "\t制表"]]
        let rows: [(key: Int, skip: Bool)] = [(3, false), (67, false), (3, false), (131, true), (5, false), (67, false), (131, false), (3, true), (5, false)]
        func write<W: TableSink>(_ w: inout W, keyed: Bool) {
            for (key, skip) in rows {
                for column in 0..<3 {
                    let t = texts[key]![column]
                    if !keyed { w.text(t) } else if !w.repeatText(key: key) { w.text(t, key: key) }
                    if column == 0 { w.number(skip ? "" : "1") }
                }
                w.endRow()
            }
        }
        var plain = CSVWriter(bom: false), keyed = CSVWriter(bom: false)
        write(&plain, keyed: false)
        write(&keyed, keyed: true)
        #expect(String(decoding: keyed.buffer.bytes, as: UTF8.self) == String(decoding: plain.buffer.bytes, as: UTF8.self))
        #expect(String(decoding: plain.buffer.bytes, as: UTF8.self).contains("'=SUM(A1),") && String(decoding: plain.buffer.bytes, as: UTF8.self).contains("丙,,,不在表中"))

        let table = SharedLookup(strings: ["甲", "乙", "丙", "丁", "'=SUM(A1)", "a,\"b\"", "'-2", "经济界", "教育界", "\t制表"])
        func sheet() -> SheetXML {
            var w = SheetXML(firstRow: 3)
            w.lookup = table
            w.sharedColumns = 0b1101  // the text columns refer to the table; column 1 (numbers) does not
            w.textStyle = 6
            return w
        }
        var plainSheet = sheet(), keyedSheet = sheet()
        write(&plainSheet, keyed: false)
        write(&keyedSheet, keyed: true)
        #expect(String(decoding: keyedSheet.out, as: UTF8.self) == String(decoding: plainSheet.out, as: UTF8.self))
        #expect(keyedSheet.sharedReferences == plainSheet.sharedReferences && keyedSheet.sharedReferences > 6)
        #expect(keyedSheet.widths == plainSheet.widths)
        #expect(String(decoding: plainSheet.out, as: UTF8.self).contains("<c r=\"C"))
    }

    @Test func chartGroupsMembersBySectorInTheirColours() throws {
        let s = try Self.summary()
        let book = try SheetBook(parts: Workbook.parts(s, lang: .zh))
        let rows = book.rows("xl/worksheets/sheet2.xml")
        let cells = book.cells("xl/worksheets/sheet2.xml")
        // 经济界 (M1, M2) and 教育界 (M3, M4): two members each, by name bytewise, below the title and header.
        #expect(rows[2].prefix(2) == ["教育界", "2"])
        #expect(rows[3].prefix(2) == ["经济界", "2"])
        for (r, sector) in [(3, "教育界"), (4, "经济界")] {
            let members = s.rows.filter { $0.member.sector == sector }.sorted { $0.score > $1.score }
            for (i, m) in members.enumerated() {
                let cell = try #require(cells[SpreadsheetText.ref(column: 2 + i, row: r)])
                #expect(book.text(cell) == m.member.name)
                #expect(cell.style == CellStyle.gradeBase + m.gradeIndex)
            }
        }
        // The legend counts every member once.
        let legend = rows.drop { $0.first != "颜色" }.dropFirst()
        #expect(legend.count == s.run.rules.grades.count + 1)
        #expect(legend.last?[2] == String(s.rows.count))
        #expect(legend.dropLast().map { Int($0[2])! }.reduce(0, +) == s.rows.count)
    }

    // MARK: The package

    @Test func deterministicBytes() throws {
        let s = try Self.summary()
        let scratch = Scratch()
        let a = scratch.path + "/a.xlsx", b = scratch.path + "/b.xlsx"
        try Workbook.write(s, lang: .zh, to: a)
        try Workbook.write(s, lang: .zh, to: b)
        let x = try #require(FileManager.default.contents(atPath: a))
        #expect(x == FileManager.default.contents(atPath: b))
        #expect(x.prefix(4) == Data([0x50, 0x4B, 0x03, 0x04]))
        #expect(Workbook.parts(s, lang: .zh).map(\.bytes) == Workbook.parts(s, lang: .zh).map(\.bytes))
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted() == ["a.xlsx", "b.xlsx"])
    }

    /// A reserved start (a worksheet's widths, known only after its rows) is stored in deflate's
    /// stored blocks, more than one past 65,535 bytes; the entry unzips, CRC checked, to the
    /// start followed by what was added after it. With a small write buffer the start and the
    /// entries' headers are patched after they were written out, directly or not.
    @Test(arguments: [(true, 1 << 20), (true, 4_096), (false, 4_096)])
    func reservedStartsAreStoredBlocks(direct: Bool, bufferSize: Int) throws {
        let scratch = Scratch()
        var rng = SplitMix64(seed: 7)
        for (length, lanes) in [(1, 1), (3_000, 2), (65_535, 1), (65_536, 2), (140_000, 4)] {
            let path = scratch.path + "/r\(length).zip"
            let start = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next() % 64 + 32) }
            let rest = (0..<50_000).map { i in UInt8(truncatingIfNeeded: i % 251) }
            let zip = try ZipWriter(path: path, lanes: lanes, blockSize: 4_096, direct: direct, bufferSize: bufferSize)
            try zip.beginEntry("a.txt")
            try zip.reserve(length)
            try zip.add([Array(rest[..<20_000]), Array(rest[20_000...])])
            try zip.fillReserved(start)
            try zip.endEntry()
            try zip.beginEntry("b.txt")
            try zip.add([rest])
            try zip.endEntry()
            try zip.finish()
            let book = try SheetBook.entries(xlsx: path)
            #expect(book["a.txt"] == Data(start + rest), "\(length)")
            #expect(book["b.txt"] == Data(rest))
            #expect(ZipWriter.stored(start).count == ZipWriter.storedLength(length))
        }
    }

    /// Every deflater the workbook may use (zlib always; ISA-L where it is installed) joins
    /// its blocks into one stream that unzips, CRC checked, to what was added: text that refers
    /// back across block boundaries (each block is primed with the one before), bytes that do not
    /// compress, and blocks of one byte.
    @Test(arguments: [ZipWriter.Deflater.zlib(level: 1), .zlib(level: 2), .isal(level: 1), .isal(level: 2)])
    func everyDeflaterJoinsItsBlocks(_ deflater: ZipWriter.Deflater) throws {
        if case .isal = deflater, !ZipWriter.isalAvailable { return }
        let scratch = Scratch()
        var rng = SplitMix64(seed: 11)
        let text = Array((0..<3_000).map { "<row r=\"\($0)\"><c t=\"s\"><v>\($0 % 17)</v></c></row>\n" }.joined().utf8)
        let noise = (0..<200_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for lanes in [1, 3] {
            let path = scratch.path + "/d\(lanes).zip"
            let zip = try ZipWriter(path: path, deflater: deflater, lanes: lanes, blockSize: 5_000)
            try zip.beginEntry("text.xml")
            try zip.add([Array(text[..<40_000]), [text[40_000]], Array(text[40_001...])])
            try zip.endEntry()
            try zip.beginEntry("noise.bin")
            try zip.add([noise])
            try zip.endEntry()
            try zip.finish()
            let book = try SheetBook.entries(xlsx: path)
            #expect(book["text.xml"] == Data(text), "\(deflater) on \(lanes) lanes")
            #expect(book["noise.bin"] == Data(noise), "\(deflater) on \(lanes) lanes")
            let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
            #expect(size < text.count / 4 + noise.count + 4_096, "text deflated by \(deflater)")
        }
    }

    /// Where ISA-L is installed it is what the workbook uses; a block it cannot deflate (its
    /// output full) is reported, not cut short, and zlib's deflate of that block joins ISA-L's
    /// blocks in one stream.
    @Test func isalBlocksAndZlibBlocksJoin() throws {
        guard ZipWriter.isalAvailable else { return }
        #expect(ZipWriter.defaultDeflater == .isal(level: ZipWriter.isalLevel))
        let text = Array((0..<4_000).map { "第\($0)条记录，参加界别活动。" }.joined().utf8)
        var small = [UInt8](repeating: 0, count: 64)
        let cut = text.withUnsafeBufferPointer { t in
            small.withUnsafeMutableBufferPointer { o in lvzhi_isal_deflate(nil, 0, t.baseAddress, UInt32(t.count), o.baseAddress, 64, 2) }
        }
        #expect(cut == -1)
        var room = [UInt8](repeating: 0, count: text.count + 4_096)
        let whole = text.withUnsafeBufferPointer { t in
            room.withUnsafeMutableBufferPointer { o in lvzhi_isal_deflate(nil, 0, t.baseAddress, UInt32(t.count), o.baseAddress, UInt32(o.count), 2) }
        }
        #expect(whole > 0 && whole < text.count / 4)
        #expect(try Self.inflateRaw(Array(room[..<max(0, whole)]) + [0x03, 0x00]) == text)
        // Blocks alternately by ISA-L and zlib, each primed with the 32 KiB before it.
        let half = text.count / 2
        var first: [UInt8] = [], second: [UInt8] = []
        let a = ZipWriter.deflate(text, 0..<half, dictionary: [], with: .isal(level: 2), into: &first)
        let b = ZipWriter.deflate(text, half..<text.count, dictionary: Array(text[(half - 32_768)..<half]), with: .zlib(level: 2), into: &second)
        let stream = Array(first[..<a.count]) + Array(second[..<b.count]) + [0x03, 0x00]
        #expect(try Self.inflateRaw(stream) == text)
        var c: [UInt8] = []
        let zlibFirst = ZipWriter.deflate(text, 0..<half, dictionary: [], with: .zlib(level: 1), into: &c)
        var d: [UInt8] = []
        let isalSecond = ZipWriter.deflate(text, half..<text.count, dictionary: Array(text[(half - 32_768)..<half]), with: .isal(level: 1), into: &d)
        #expect(try Self.inflateRaw(Array(c[..<zlibFirst.count]) + Array(d[..<isalSecond.count]) + [0x03, 0x00]) == text)
        // The CRC is zlib's whichever deflater ran.
        #expect(a.crc == ZipWriter.crc32(text[..<half].withUnsafeBytes { UnsafeRawBufferPointer($0) }))
    }

    /// The CRC the ZIP entries carry is zlib's, from ISA-L or, where it is not loaded, the
    /// portable fallback, continued across pieces as the writer continues it.
    @Test func crcIsZlibs() {
        var rng = SplitMix64(seed: 5)
        let bytes = (0..<100_003).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let zlib = bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
        let whole = bytes.withUnsafeBufferPointer { lvzhi_isal_crc32(0, $0.baseAddress, UInt64($0.count)) }
        let continued = bytes.withUnsafeBufferPointer { b in
            lvzhi_isal_crc32(lvzhi_isal_crc32(0, b.baseAddress, 40_000), b.baseAddress! + 40_000, UInt64(b.count - 40_000))
        }
        #expect(whole == zlib && continued == zlib)
        #expect(ZipWriter.crc32(bytes.withUnsafeBytes { $0 }) == zlib)
        #expect(lvzhi_isal_crc32(0, nil, 0) == 0)
    }

    /// A raw deflate stream inflated by zlib.
    static func inflateRaw(_ stream: [UInt8]) throws -> [UInt8] {
        var z = z_stream()
        #expect(inflateInit2_(&z, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        defer { inflateEnd(&z) }
        var input = stream
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        try input.withUnsafeMutableBufferPointer { i in
            z.next_in = i.baseAddress
            z.avail_in = uInt(i.count)
            while true {
                let r = chunk.withUnsafeMutableBufferPointer { c -> Int32 in
                    z.next_out = c.baseAddress
                    z.avail_out = uInt(c.count)
                    return inflate(&z, Z_NO_FLUSH)
                }
                out += chunk[..<(chunk.count - Int(z.avail_out))]
                if r == Z_STREAM_END { break }
                guard r == Z_OK else { throw CocoaError(.fileReadCorruptFile) }
            }
        }
        return out
    }

    /// The workbook is deflated in blocks on several threads and its sheets rendered on them:
    /// the file is the same byte for byte as one written on a single thread, and every entry
    /// unzips (CRC checked) to the part the single-threaded renderer gives. Tiny blocks and
    /// sheets make many blocks and windows of each.
    @Test func sameBytesOnOneThreadAndOnMany() throws {
        let s = try Self.summary()
        let scratch = Scratch()
        let one = scratch.path + "/one.xlsx", many = scratch.path + "/many.xlsx", whole = scratch.path + "/whole.xlsx"
        try Workbook.write(s, lang: .zh, to: one, rowLimit: 6, lanes: 1, blockRows: 1, blockSize: 97)
        try Workbook.write(s, lang: .zh, to: many, rowLimit: 6, lanes: 4, blockRows: 1, blockSize: 97)
        let bytes = try #require(FileManager.default.contents(atPath: one))
        #expect(bytes == FileManager.default.contents(atPath: many))
        // Other block sizes give other (still valid) deflate streams of the same parts.
        try Workbook.write(s, lang: .zh, to: whole, rowLimit: 6, lanes: 2)
        for path in [many, whole] {
            let book = try SheetBook(xlsx: path)
            let parts = Workbook.parts(s, lang: .zh, rowLimit: 6)
            #expect(book.parts.count == parts.count)
            for p in parts { #expect(book.parts[p.name] == Data(p.bytes), "\(p.name)") }
        }
        // unzip agrees (CRCs, sizes and the central directory).
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/unzip") {
            let unzip = Process()
            unzip.executableURL = URL(fileURLWithPath: "/usr/bin/unzip")
            unzip.arguments = ["-tq", many]
            unzip.standardOutput = FileHandle.nullDevice
            unzip.standardError = FileHandle.nullDevice
            try unzip.run()
            unzip.waitUntilExit()
            #expect(unzip.terminationStatus == 0)
        }
    }

    /// Unzips the workbook with ZIPFoundation and reads every table back through the shared
    /// strings and inline strings: the values are those of scores.csv, ledger.csv and rejects.csv.
    @Test(arguments: [Language.zh, .en])
    func valuesReadBackEqualTheCSVFiles(lang: Language) throws {
        let s = try Self.summary(lang: lang)
        let scratch = Scratch()
        let path = scratch.path + "/scores.xlsx"
        try Workbook.write(s, lang: lang, to: path)
        let book = try SheetBook(xlsx: path)
        // Below the title row; 不参与排名 where the CSV leaves the rank empty; the grades as people
        // read them (English names in English) where scores.csv keeps the rule file's.
        let unranked = lang.pick("不参与排名", "not ranked")
        var csv = CSV.rows(ScoresCSV.render(s, lang: lang).bytes)
        for i in csv.indices.dropFirst() {
            let g = try #require(s.run.rules.grades.first { $0.name == csv[i][7] })
            #expect(csv[i][8] == g.color)
            if lang == .en { csv[i][7] = g.englishName; csv[i][8] = g.englishColor }
        }
        #expect(lang == .zh || csv.dropFirst().allSatisfy { $0[7] == "unsatisfactory" && $0[8] == "red" })
        #expect(Array(book.rows("xl/worksheets/sheet1.xml").dropFirst()).map { $0.map { $0 == unranked ? "" : $0 } } == csv)
        // Control characters are U+FFFD in both, as XML 1.0 cannot carry them.
        #expect(Self.ledgerAsCSV(Array(book.rows("xl/worksheets/sheet4.xml").dropFirst()), lang: lang)
                == CSV.rows(LedgerCSV.render(s, lang: lang).bytes))
        #expect(Array(book.rows("xl/worksheets/sheet5.xml").dropFirst()) == CSV.rows(ScoresCSV.renderRejects(s.run.rejects, lang: lang).bytes))
        // What was zipped is what parts() renders.
        for p in Workbook.parts(s, lang: lang) {
            #expect(book.parts[p.name] == Data(p.bytes), "\(p.name)")
        }
    }

    /// Past Excel's row limit the ledger continues on 明细2, 明细3 …, announced on 汇总 and
    /// beside each ledger sheet's header; together the sheets hold ledger.csv's rows in order.
    @Test func ledgerContinuesOnFurtherSheets() throws {
        let s = try Self.summary()
        let ledgerLines = s.rows.reduce(0) { $0 + s.run.results[$1.resultIndex].ledger.count }
        let rowLimit = 5  // a title, a header and three ledger lines per sheet
        let sheets = (ledgerLines + 2) / 3
        #expect(sheets >= 3)
        let scratch = Scratch()
        let path = scratch.path + "/scores.xlsx"
        try Workbook.write(s, lang: .zh, to: path, rowLimit: rowLimit)
        let book = try SheetBook(xlsx: path)
        let workbook = String(decoding: try #require(book.parts["xl/workbook.xml"]), as: UTF8.self)
        let names = workbook.matches(of: /<sheet name="([^"]*)"/).map { String($0.1) }
        #expect(names == ["汇总", "五色图", "各界别统计", "明细"] + (2...sheets).map { "明细\($0)" } + ["问题数据"])
        var rows: [[String]] = []
        for k in 0..<sheets {
            let sheet = book.rows("xl/worksheets/sheet\(4 + k).xml")
            #expect(sheet[0].first?.hasSuffix(k == 0 ? "明细" : "明细\(k + 1)") == true)
            #expect(Array(sheet[1].prefix(LedgerCSV.header(.zh).count)) == LedgerCSV.header(.zh))
            #expect(sheet[1].last?.hasPrefix("第 \(k + 1) 张，共 \(sheets) 张：明细、明细2") == true)
            #expect(sheet.count <= rowLimit)
            rows += sheet.dropFirst(2)
        }
        #expect(Self.ledgerAsCSV([LedgerCSV.header(.zh)] + rows, lang: .zh) == CSV.rows(LedgerCSV.render(s, lang: .zh).bytes))
        // The two rejects fit on one sheet; the note sits below the summary table after a blank row.
        let summary = book.rows("xl/worksheets/sheet1.xml")
        #expect(summary.count == 2 + s.rows.count + 1)
        #expect(summary.last?.first?.hasPrefix("注：明细共 \(ledgerLines) 行") == true)
        // The streamed entries have the bytes parts() renders with the same limit.
        for p in Workbook.parts(s, lang: .zh, rowLimit: rowLimit) {
            #expect(book.parts[p.name] == Data(p.bytes), "\(p.name)")
        }
    }
}

// MARK: - Reading the package back

/// A minimal SpreadsheetML reader: shared strings, inline strings and numbers per cell.
struct SheetBook {
    struct Cell {
        var type: String
        var value: String
        var style: Int
    }

    var parts: [String: Data] = [:]
    var shared: [String] = []

    init(xlsx path: String) throws {
        try self.init(parts: Self.entries(xlsx: path))
    }

    /// Every entry of a ZIP file, unzipped (CRC checked) by ZIPFoundation.
    static func entries(xlsx path: String) throws -> [String: Data] {
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        var read: [String: Data] = [:]
        for entry in archive {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            read[entry.path] = data
        }
        return read
    }

    init(parts list: [(name: String, bytes: [UInt8])]) throws {
        var map: [String: Data] = [:]
        for p in list { map[p.name] = Data(p.bytes) }
        try self.init(parts: map)
    }

    init(parts: [String: Data]) throws {
        self.parts = parts
        let sst = CellReader(data: try #require(parts["xl/sharedStrings.xml"]))
        shared = sst.strings
    }

    func cells(_ name: String) -> [String: Cell] {
        guard let data = parts[name] else { return [:] }
        return CellReader(data: data).cells
    }

    /// A cell's value as text (shared strings resolved, `_xHHHH_` decoded as Excel does).
    func text(_ c: Cell) -> String {
        let raw = c.type == "s" ? shared[Int(c.value)!] : c.value
        return Self.decodeEscapes(raw)
    }

    /// The sheet as rows of text, empty cells filled, each row as wide as its last cell.
    func rows(_ name: String) -> [[String]] {
        var grid: [Int: [Int: String]] = [:]
        for (ref, c) in cells(name) {
            let (col, row) = Self.split(ref)
            grid[row, default: [:]][col] = text(c)
        }
        guard let last = grid.keys.max() else { return [] }
        // Rows that hold nothing at all are left out, like the blank line CSV does not have.
        return (1...last).compactMap { r in
            guard let row = grid[r], let width = row.keys.max() else { return nil }
            return (0...width).map { row[$0] ?? "" }
        }
    }

    static func split(_ ref: String) -> (column: Int, row: Int) {
        var col = 0
        var digits = ""
        for ch in ref.unicodeScalars {
            if ch.value >= 65 && ch.value <= 90 { col = col * 26 + Int(ch.value - 64) } else { digits.unicodeScalars.append(ch) }
        }
        return (col - 1, Int(digits)!)
    }

    static func decodeEscapes(_ s: String) -> String {
        s.replacing(/_x([0-9A-Fa-f]{4})_/) { m in String(UnicodeScalar(UInt32(m.1, radix: 16)!)!) }
    }
}

/// Collects `<c>` cells (reference, type, style, value) and `<si>` strings with XMLParser.
/// A cell or row without `r` follows the one before it, as the format allows.
final class CellReader: NSObject, XMLParserDelegate {
    var cells: [String: SheetBook.Cell] = [:]
    var strings: [String] = []
    private var current: (ref: String, cell: SheetBook.Cell)?
    private var row = 0
    private var column = 0
    private var text = ""
    private var inText = false

    init(data: Data) {
        super.init()
        let parser = XMLParser(data: data)
        parser.delegate = self
        _ = parser.parse()
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        switch name {
        case "row":
            row = attributes["r"].flatMap { Int($0) } ?? row + 1
            column = 0
        case "c":
            if let r = attributes["r"] {
                let (c, at) = SheetBook.split(r)
                precondition(at == row && c + 1 > column, "cell \(r) out of order")
                column = c + 1
            } else {
                column += 1
            }
            current = (SpreadsheetText.ref(column: column - 1, row: row), SheetBook.Cell(type: attributes["t"] ?? "n", value: "", style: Int(attributes["s"] ?? "0")!))
        case "si": text = ""
        case "v", "t":
            inText = true
            if current != nil { text = "" }
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "v", "t": inText = false
        case "si": strings.append(text)
        case "c":
            if var c = current {
                c.cell.value = text
                cells[c.ref] = c.cell
            }
            current = nil
            text = ""
        default: break
        }
    }
}

/// RFC 4180 rows of a CSV file (BOM skipped).
enum CSV {
    static func rows(_ bytes: [UInt8], droppingControls: Bool = false) -> [[String]] {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(text.unicodeScalars)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.unicodeScalars.append(c); chars.removeFirst() } else { quoted = false }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"": quoted = true
            case ",": row.append(field); field = ""
            case "\r": continue
            case "\n": row.append(field); rows.append(row); row = []; field = ""
            default: field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        // Like the sheet reader: trailing empty cells do not exist in a sheet.
        return rows.map { r in
            var r = r
            if droppingControls {
                r = r.map { String(String.UnicodeScalarView($0.unicodeScalars.filter { $0.value >= 0x20 || $0 == "\t" || $0 == "\n" || $0 == "\r" })) }
            }
            while r.last == "" { r.removeLast() }
            return r
        }
    }
}

/// scores.csv and the 汇总 sheet name every column once: a program reading columns by name
/// must not get a category's points for the member's 界别.
@Suite struct ColumnNameTests {
    @Test func categoryColumnsNeverRepeatAnotherColumn() {
        let categories = [Category(id: "sector", name: "界别组活动"), Category(id: "meetings", name: "界别"),
                          Category(id: "score", name: "会议"), Category(id: "x", name: "会议")]
        let fixedEN = ["member_id", "name", "sector", "committee", "role", "score", "rank", "grade", "color", "vetoes", "records"]
        #expect(ScoresCSV.categoryColumns(categories, lang: .en, besides: fixedEN) == ["category_sector", "meetings", "category_score", "x"])
        let fixedZH = ["委员编号", "姓名", "界别", "专委会", "职务", "总分", "排名", "等次", "颜色", "否决事项", "记录数"]
        #expect(ScoresCSV.categoryColumns(categories, lang: .zh, besides: fixedZH) == ["界别组活动", "界别（类别）", "会议", "会议（类别）"])
        // Without a clash the names are as before.
        #expect(ScoresCSV.categoryColumns([Category(id: "bonus", name: "加分")], lang: .en, besides: fixedEN) == ["bonus"])
    }

    @Test func theShippedFengjieHeaderIsUniqueInBothLanguages() throws {
        let run = try ScoringPipeline.run(rules: packageRoot + "/Rules/fengjie.yaml", members: packageRoot + "/Samples/members.csv",
                                          activities: [packageRoot + "/Samples/activities/meetings.csv"], period: nil)
        let s = RunSummary(run: run, generatedAt: "2025-12-31T09:00:00+08:00", toolVersion: "test", lang: .en)
        for lang in [Language.zh, .en] {
            let header = ScoresCSV.header(s, lang: lang)
            #expect(Set(header).count == header.count, "\(header)")
        }
        #expect(ScoresCSV.header(s, lang: .en).contains("category_sector"))
    }
}

