import Foundation
import Testing

/// Opens the Samples/ workbook with LibreOffice (headless) and reads it back: below its title
/// row the 汇总 sheet converts to the values of scores.csv (numbers equal as decimals; the rank
/// of an unranked member is 不参与排名 in the workbook, empty in the CSV), and where LibreOffice
/// exports every sheet, 明细 and 问题数据 to those of ledger.csv and rejects.csv (the ledger's
/// dates are date cells and its note codes are in Chinese in the workbook). The workbook also
/// converts to a PDF (what printing it gives).
///
/// Needs `soffice` or `libreoffice` on PATH (Debian: `apt-get install libreoffice-calc-nogui`);
/// without it the test is reported as skipped, with that reason.
@Suite struct WorkbookConversionTests {
    /// LibreOffice's command, if installed.
    static let office: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            for name in ["soffice", "libreoffice"] {
                let p = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: p) { return p }
            }
        }
        return nil
    }()

    @Test(.enabled(if: office != nil, "LibreOffice (soffice) is not on PATH: scores.xlsx was not converted and compared with scores.csv"),
          .timeLimit(.minutes(5)))
    func libreOfficeReadsTheWorkbookBackAsTheCSVFiles() throws {
        let s = Scratch()
        let run = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv",
                             "--activities", "Samples/activities", "--out", s.file("out")],
                            environment: ["SOURCE_DATE_EPOCH": "1767225600"])
        #expect(run.status == 0, "\(run.stderr)")
        // Every sheet to its own CSV (the last token, -1; LibreOffice ≥ 7.2), UTF-8, comma,
        // double quotes, raw values rather than as shown. A private profile keeps parallel runs apart.
        let filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
        let converted = s.file("converted")
        let office = try #require(Self.office)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: office)
        p.arguments = ["-env:UserInstallation=file://" + s.file("lo-profile"), "--headless", "--norestore",
                       "--convert-to", filter, "--outdir", converted, s.file("out/scores.xlsx")]
        let log = Pipe()
        p.standardOutput = log
        p.standardError = log
        try p.run()
        let output = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(output)")

        let files = (try? FileManager.default.contentsOfDirectory(atPath: converted)) ?? []
        // scores-汇总.csv when every sheet is exported; scores.csv (the first sheet) otherwise.
        let summary = try #require(files.first { $0.hasSuffix("-汇总.csv") } ?? files.first { $0 == "scores.csv" },
                                   "LibreOffice wrote no CSV: \(files) \(output)")
        let title = try #require(Self.csvRows(s.data("converted/" + summary)).first?.first)
        #expect(title.contains("考核期间") && title.contains("汇总"), "the 汇总 sheet's title row: \(title)")
        Self.expectSameValues(s.data("converted/" + summary), s.data("out/scores.csv"), "汇总", adjust: Self.blankUnranked)
        if let ledger = files.first(where: { $0.hasSuffix("-明细.csv") }) {
            Self.expectSameValues(s.data("converted/" + ledger), s.data("out/ledger.csv"), "明细", adjust: Self.ledgerAsCSV)
        }
        if let rejects = files.first(where: { $0.hasSuffix("-问题数据.csv") }) {
            Self.expectSameValues(s.data("converted/" + rejects), s.data("out/rejects.csv"), "问题数据")
        }

        // And printed: every sheet converts to a PDF.
        let pdf = Process()
        pdf.executableURL = URL(fileURLWithPath: office)
        pdf.arguments = ["-env:UserInstallation=file://" + s.file("lo-profile"), "--headless", "--norestore",
                         "--convert-to", "pdf", "--outdir", s.file("pdf"), s.file("out/scores.xlsx")]
        pdf.standardOutput = FileHandle.nullDevice
        pdf.standardError = FileHandle.nullDevice
        try pdf.run()
        pdf.waitUntilExit()
        #expect(pdf.terminationStatus == 0)
        let printed = s.data("pdf/scores.pdf")
        let isPDF = printed.starts(with: Data("%PDF".utf8)) && printed.count > 10_000
        #expect(isPDF, "no PDF from the workbook: \(printed.count) bytes")
        if let dir = ProcessInfo.processInfo.environment["LVZHI_SCREENSHOTS"], !dir.isEmpty {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try? printed.write(to: URL(fileURLWithPath: dir + "/scores-xlsx.pdf"))
        }
    }

    /// The workbook writes 不参与排名 where scores.csv leaves the rank empty.
    static func blankUnranked(_ header: [String], _ row: [String]) -> [String] {
        guard let i = header.firstIndex(of: "排名"), i < row.count, row[i] == "不参与排名" else { return row }
        var r = row
        r[i] = ""
        return r
    }

    /// A ledger row as ledger.csv has it: a date cell's serial as yyyy-mm-dd; the note code
    /// (Chinese in the workbook) left out of the comparison.
    static func ledgerAsCSV(_ header: [String], _ row: [String]) -> [String] {
        var r = row
        if let d = header.firstIndex(of: "日期"), d < r.count, let serial = Int(r[d]) {
            // Excel's day 25569 is 1970-01-01.
            let date = Date(timeIntervalSince1970: Double(serial - 25_569) * 86_400)
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = "yyyy-MM-dd"
            r[d] = f.string(from: date)
        }
        if let c = header.firstIndex(of: "说明代码"), c < r.count { r[c] = "" }
        return r
    }

    /// The same rows and cells below the sheet's title row; cells that both read as numbers are
    /// compared as decimals. `adjust` maps a data row of either file (given the CSV's header)
    /// to the form they are compared in.
    static func expectSameValues(_ converted: Data, _ expected: Data, _ sheet: String,
                                 adjust: ([String], [String]) -> [String] = { $1 },
                                 sourceLocation: SourceLocation = #_sourceLocation) {
        var e = csvRows(expected), a = Array(csvRows(converted).dropFirst())
        let header = e.first ?? []
        for i in e.indices.dropFirst() { e[i] = adjust(header, e[i]) }
        for i in a.indices.dropFirst() { a[i] = adjust(header, a[i]) }
        #expect(a.count == e.count, "\(sheet): \(a.count) rows, scores files have \(e.count)", sourceLocation: sourceLocation)
        var reported = 0
        for (i, (x, y)) in zip(a, e).enumerated() where !sameRow(x, y) {
            reported += 1
            Issue.record("\(sheet) row \(i + 1): LibreOffice read \(x), expected \(y)", sourceLocation: sourceLocation)
            if reported == 5 { break }
        }
    }

    static func sameRow(_ a: [String], _ b: [String]) -> Bool {
        func trimmed(_ r: [String]) -> [String] {
            var r = r
            while r.last == "" { r.removeLast() }
            return r
        }
        let x = trimmed(a), y = trimmed(b)
        guard x.count == y.count else { return false }
        return zip(x, y).allSatisfy { p, q in
            if p == q { return true }
            guard let d = Decimal(string: p, locale: Locale(identifier: "en_US_POSIX")),
                  let e = Decimal(string: q, locale: Locale(identifier: "en_US_POSIX")),
                  p.allSatisfy({ "0123456789.-".contains($0) }), q.allSatisfy({ "0123456789.-".contains($0) }) else { return false }
            return d == e
        }
    }

    /// RFC 4180 rows (BOM skipped).
    static func csvRows(_ data: Data) -> [[String]] {
        var text = String(decoding: data, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        var rows: [[String]] = [], row: [String] = [], field = ""
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
        return rows
    }
}
