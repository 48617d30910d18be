import Foundation
import Testing
@testable import LvzhiIngest
@testable import LvzhiJob
@testable import LvzhiReport
import LvzhiCore
import LvzhiRules

/// Issue 12: hostile inputs at the unit level (rows without end, encodings, rosters, sheets).
@Suite struct HostileInputTests {
    func temp(_ name: String, _ bytes: [UInt8]) -> String {
        let dir = NSTemporaryDirectory() + "lvzhi-hostile-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let p = dir + "/" + name
        _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }

    /// A row without a line break is bounded: refused once it passes the limit, not buffered
    /// whole (fields each under the per-field limit, or nothing but commas).
    @Test func aRowWithoutEndIsRefusedAtTheLimit() throws {
        let field = [UInt8](repeating: 0x61, count: CSVReader.maxFieldBytes - 1)
        var bytes = Array("a,b\n".utf8)
        for _ in 0..<20 { bytes += field + [0x2C] }
        let long = temp("long.csv", bytes)
        #expect(throws: IngestError.malformedCSV(path: long, line: 2, reason: .rowTooLong(16 << 20))) {
            try CSVReader(path: long).forEachRow { _ in }
        }
        let commas = temp("commas.csv", Array("a,b\n".utf8) + [UInt8](repeating: 0x2C, count: 200_000))
        #expect(throws: IngestError.malformedCSV(path: commas, line: 2, reason: .tooManyFields(CSVReader.maxFields))) {
            try CSVReader(path: commas).forEachRow { _ in }
        }
    }

    // MARK: - 3. Every sheet that holds data

    static let activityHeader = ["activity_id", "member_id", "date", "kind", "status"]

    /// A workbook whose second sheet holds records too: refused with both sheets named, not
    /// read as its first sheet alone (the second sheet's records were neither scored nor
    /// rejected). A notes sheet and an empty sheet do not refuse it; the reconciliation lists them.
    @Test func aSecondSheetWithRecordsRefusesTheWorkbook() throws {
        let s = Scratch()
        let sheet1 = XLSXFixture.SheetSpec(name: "一月", rows: xlsxRow(1, Self.activityHeader) + xlsxRow(2, ["A1", "M1", "2025-01-08", "全体会议", "出席"]))
        let sheet2 = XLSXFixture.SheetSpec(name: "二月", rows: xlsxRow(1, Self.activityHeader) + xlsxRow(2, ["A2", "M2", "2025-02-08", "全体会议", "出席"]))
        let notes = XLSXFixture.SheetSpec(name: "填表说明", rows: xlsxRow(1, ["说明"]) + xlsxRow(2, ["每行一条记录"]))
        let empty = XLSXFixture.SheetSpec(name: "空表", rows: "")
        let two = try XLSXFixture([sheet1, notes, sheet2]).write(to: s.path + "/two.xlsx")
        let rules = try testRules()
        let roster = s.write("members.csv", testMembersCSV)
        let members = try RosterReader.read(path: roster).members
        var ingestor = ActivityIngestor(members: members, period: rules.period!, vocabulary: rules.vocabulary)
        #expect(throws: IngestError.unreadSheets(path: two, read: "一月", others: ["二月"])) {
            try ingestor.read(path: two)
        }
        let diagnostic = IngestError.unreadSheets(path: two, read: "一月", others: ["二月"]).diagnostic.render(.zh)
        #expect(diagnostic.contains("[I024]") && diagnostic.contains("“二月”") && diagnostic.contains("sheet:"), "\(diagnostic)")

        let one = try XLSXFixture([sheet1, notes, empty]).write(to: s.path + "/one.xlsx")
        var ok = ActivityIngestor(members: members, period: rules.period!, vocabulary: rules.vocabulary)
        try ok.read(path: one)
        let text = Reconciliation(ok.finish()).render(.zh)
        #expect(text.contains("（工作表“一月”）") && text.contains("未读的其他工作表：“填表说明”（没有记录的列）、“空表”（没有数据）"), "\(text)")

        // A roster workbook the same way.
        let memberHeader = ["member_id", "name"]
        let r1 = XLSXFixture.SheetSpec(name: "委员", rows: xlsxRow(1, memberHeader) + xlsxRow(2, ["M1", "甲"]))
        let r2 = XLSXFixture.SheetSpec(name: "常委", rows: xlsxRow(1, memberHeader) + xlsxRow(2, ["M2", "乙"]))
        let book = try XLSXFixture([r1, r2]).write(to: s.path + "/roster.xlsx")
        #expect(throws: IngestError.unreadSheets(path: book, read: "委员", others: ["常委"])) { try RosterReader.read(path: book) }
    }

    // MARK: - 10. UTF-16 without a byte-order mark

    /// A UTF-16 file without a BOM is read as UTF-16 (told by its NUL bytes), not as a header
    /// of 'a\0c\0t…'; a file with NULs in no such pattern is refused as undecodable.
    @Test(arguments: [true, false])
    func utf16WithoutABOMIsDetected(_ littleEndian: Bool) throws {
        let text = "activity_id,member_id,date,kind,status,title\nA1,M1,2025-01-08,全体会议,出席,第一次会议\n"
        var bytes: [UInt8] = []
        for unit in text.utf16 {
            let lo = UInt8(unit & 0xFF), hi = UInt8(unit >> 8)
            bytes += littleEndian ? [lo, hi] : [hi, lo]
        }
        let p = temp("utf16.csv", bytes)
        var rows: [[String]] = []
        try CSVReader(path: p).forEachRow { row in rows.append((0..<row.count).map { row.string($0) ?? "?" }) }
        #expect(rows.first?.first == "activity_id")
        #expect(rows.last == ["A1", "M1", "2025-01-08", "全体会议", "出席", "第一次会议"])
    }

    /// Refused, and said to be a NUL (a control character that is valid UTF-8), not "invalid UTF-8".
    @Test func nulBytesWithoutAPatternAreRefused() throws {
        let p = temp("nul.csv", Array("a,b\n1,".utf8) + [0, 0, 0, 0x41] + Array("\n".utf8))
        #expect(throws: IngestError.nulByte(path: p, offset: 6, line: 2, encoding: "UTF-8")) {
            try CSVReader(path: p).forEachRow { _ in }
        }
        let d = IngestError.nulByte(path: p, offset: 6, line: 2, encoding: "UTF-8").diagnostic
        #expect(d.id == "I026" && d.location?.line == 2)
        #expect(d.message(.zh).contains("第 6 字节处是空字符（NUL，控制字符 0x00）") && !d.message(.zh).contains("不是有效的"), "\(d.message(.zh))")
        #expect(d.message(.en).contains("offset 6 is a NUL"), "\(d.message(.en))")
    }

    // MARK: - Also

    /// A bad quantity's reason gives the limit.
    @Test func aBadQuantitySaysTheLimit() {
        #expect(RejectReason.badQuantity("quantity").message(.zh).contains("0 到 1,000,000"))
        #expect(RejectReason.badQuantity("quantity").message(.en).contains("from 0 to 1,000,000"))
    }

    /// An output folder that is a mount point (here /dev/shm, a tmpfs on Linux) is refused
    /// before any work with a hint to use a folder inside it, not failed at the swap with EBUSY.
    @Test(.enabled(if: Self.isMountPoint("/dev/shm")))
    func aMountPointAsTheOutputFolderGetsAHint() throws {
        let folder = OutputFolder(target: "/dev/shm")
        #expect(throws: OutputFolder.Failure.self) { try folder.check(owned: []) }
        do { try folder.check(owned: []) } catch {
            guard case .mountPoint = error else { Issue.record("got \(error)"); return }
            #expect(error.message(.zh).contains("--out /dev/shm/lvzhi"))
        }
    }

    static func isMountPoint(_ p: String) -> Bool {
        var a = stat(), b = stat()
        return stat(p, &a) == 0 && stat((p as NSString).deletingLastPathComponent, &b) == 0 && a.st_dev != b.st_dev
    }
}

/// ESC and BEL from an export reached report.html, scores.csv and rejects.csv as they were: a
/// clerk who prints a CSV in a terminal ran whatever escape sequence a name carried. C0 control
/// characters other than tab, LF and CR, and DEL, are written as U+FFFD in every CSV and HTML output.
@Suite struct ControlCharacterOutputTests {
    @Test func controlsBecomeReplacementCharacters() {
        var w = CSVWriter(bom: false)
        w.text("A\u{1B}]0;pwned\u{07}B"); w.text("tab\there"); w.text("two\nlines"); w.endRow()
        var id = Array("X\u{1B}[2J".utf8)
        id.withUnsafeBufferPointer { w.text(utf8: $0) }
        w.endRow()
        let text = String(decoding: w.buffer.bytes, as: UTF8.self)
        #expect(text == "A\u{FFFD}]0;pwned\u{FFFD}B,tab\there,\"two\nlines\"\r\nX\u{FFFD}[2J\r\n", "\(text.debugDescription)")
        #expect(Escape.html("<b>\u{1B}\u{7F}\t</b>") == "&lt;b&gt;\u{FFFD}\u{FFFD}\t&lt;/b&gt;")
        #expect(Escape.html("普通文字") == "普通文字")
    }
}
