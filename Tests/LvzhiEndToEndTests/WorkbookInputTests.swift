import Foundation
import Testing

/// `.xlsx` inputs through the built binary: a workbook written by LibreOffice as a canonical
/// activity file, the Samples roster and activities converted by LibreOffice scoring exactly
/// as the CSV files do, and broken workbooks refused with a clear message and exit code 3.
@Suite struct WorkbookInputTests {
    static let fixture = "Tests/LvzhiTests/Fixtures/xlsx/libreoffice.xlsx"
    static let roster = "member_id,name\nM1,甲\nM2,乙\nM3,丙\n"

    @Test func canonicalWorkbookIsValidatedLikeACSVFile() throws {
        let s = Scratch()
        let m = s.write("m.csv", Self.roster)
        let r = try lvzhi(["validate", "--rules", "Rules/fengjie.yaml", "--members", m, "--activities", Self.fixture, "--period", "2025"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("libreoffice.xlsx（工作表“libreoffice”）"), "\(r.stdout)")
        #expect(r.stdout.contains("读取记录 4 条：接受 3 条，拒收 1 条"), "\(r.stdout)")
        // The 提案 row has no role; its sheet row is 4.
        #expect(r.stdout.contains("libreoffice.xlsx:4: unknown-role: A3"), "\(r.stdout)")
    }

    @Test func brokenWorkbooksAreRefusedWithExitCode3() throws {
        let s = Scratch()
        let fake = s.write("导出.xlsx", "提案号,提交时间\nTA1,2025/3/5\n")
        let r = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv",
                           "--activities", fake, "--out", s.file("out")])
        #expect(r.status == 3)
        #expect(r.stderr.contains("[I017]") && r.stderr.contains("不是有效的 .xlsx 工作簿"), "\(r.stderr)")
        let en = try lvzhi(["validate", "--rules", "Rules/fengjie.yaml", "--members", fake, "--activities", "Samples/activities",
                            "--lang", "en"])
        #expect(en.status == 3 && en.stderr.contains("is not a valid .xlsx workbook"), "\(en.stderr)")
    }

    @Test func unknownSheetListsTheSheetsThatExist() throws {
        let s = Scratch()
        let mapping = try String(contentsOfFile: packageRoot + "/Samples/foreign/inspections.mapping.yaml", encoding: .utf8)
            .replacingOccurrences(of: "sheet: 调研视察", with: "sheet: 视察调研")
        let m = s.write("m.yaml", mapping)
        let r = try lvzhi(["validate", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv",
                           "--activities", "Samples/foreign/inspections.xlsx", "--mapping", m])
        #expect(r.status == 3)
        #expect(r.stderr.contains("[I019]") && r.stderr.contains("没有工作表“视察调研”") && r.stderr.contains("填表说明、调研视察"), "\(r.stderr)")
        // It points at the mapping's sheet: line (the value to fix), names the mapping in the hint,
        // and still lists the workbook as the file that was not read.
        let sheetLine = (mapping.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("sheet:") } ?? -1) + 1
        #expect(r.stderr.contains("\(m):\(sheetLine):8: 错误: [I019]"), "\(r.stderr)")
        #expect(r.stderr.contains("在映射文件 \(m) 中用 sheet"), "\(r.stderr)")
        let scored = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv", "--no-history",
                                "--activities", "Samples/foreign/inspections.xlsx", "--mapping", m, "--out", s.file("out")])
        #expect(scored.status == 3 && scored.stderr.contains("未能读取（1 个）：Samples/foreign/inspections.xlsx [I019]"), "\(scored.stderr)")
    }

    @Test(.enabled(if: WorkbookConversionTests.office != nil, "LibreOffice (soffice) is not on PATH: no workbooks to read"),
          .timeLimit(.minutes(5)))
    func samplesConvertedByLibreOfficeScoreAsTheCSVFiles() throws {
        let s = Scratch()
        let csvDir = s.file("csv")
        try FileManager.default.createDirectory(atPath: csvDir, withIntermediateDirectories: true)
        for f in ["members.csv", "activities/meetings.csv", "activities/proposals.csv"] {
            try FileManager.default.copyItem(atPath: packageRoot + "/Samples/" + f,
                                             toPath: csvDir + "/" + (f as NSString).lastPathComponent)
        }
        let books = s.file("books")
        let office = try #require(WorkbookConversionTests.office)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: office)
        // UTF-8 (76), comma, double quotes; type detection on (dates become date cells).
        p.arguments = ["-env:UserInstallation=file://" + s.file("lo-profile"), "--headless", "--norestore",
                       "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", books,
                       csvDir + "/members.csv", csvDir + "/meetings.csv", csvDir + "/proposals.csv"]
        let log = Pipe()
        p.standardOutput = log
        p.standardError = log
        try p.run()
        let output = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(output)")
        let acts = s.file("acts")
        try FileManager.default.createDirectory(atPath: acts, withIntermediateDirectories: true)
        for f in ["meetings.xlsx", "proposals.xlsx"] { try FileManager.default.moveItem(atPath: books + "/" + f, toPath: acts + "/" + f) }
        for f in ["opinions.xml", "activities.xml"] {
            try FileManager.default.copyItem(atPath: packageRoot + "/Samples/activities/" + f, toPath: acts + "/" + f)
        }
        let env = ["SOURCE_DATE_EPOCH": "1767225600"]
        let fromBooks = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", books + "/members.xlsx",
                                   "--activities", acts, "--out", s.file("out-xlsx"), "--formats", "csv"], environment: env)
        #expect(fromBooks.status == 0, "\(fromBooks.stderr)")
        #expect(fromBooks.stdout.contains("读取记录 8250 条：计分 8243 条"), "\(fromBooks.stdout)")
        let fromCSV = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv",
                                 "--activities", "Samples/activities", "--out", s.file("out-csv"), "--formats", "csv"], environment: env)
        #expect(fromCSV.status == 0)
        #expect(s.data("out-xlsx/scores.csv") == s.data("out-csv/scores.csv"), "the same scores from the workbooks as from the CSV files")
    }
}
