import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiIngest
@testable import LvzhiReport
@testable import LvzhiScoring

/// The per-member fixed cost of a run (issue 16: 80,000 members took a fifth of a 4M-record run
/// before any record was read) against simple references: scores.csv rendered in windows on two
/// cores against one row after another, points written as bytes against their `description`,
/// the string trim's fast path against the general one, results moved out of their optionals.
@Suite struct FixedCostTests {
    typealias Rng = SplitMix64

    /// A roster of `count` members: some with commas, quotes and formula starts in their names,
    /// some in office for part of the period, some not ranked.
    static func roster(_ count: Int) -> String {
        var rng = Rng(seed: 7)
        var csv = "member_id,name,sector,committee,role,group,party,joined,left,ranked\n"
        let names = ["甲", "乙,丙", "\"丁\"", "=戊", "-己", "庚 辛"]
        let sectors = ["经济界", "教育界", "中共"]
        let roles = ["委员", "常委", "主席"]
        for i in 0..<count {
            var name = names.randomElement(using: &rng)! + String(i)
            if name.contains(",") || name.contains("\"") { name = "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
            let joined = Int.random(in: 0..<10, using: &rng) == 0 ? "2025-07-01" : ""
            let left = Int.random(in: 0..<15, using: &rng) == 0 ? "2025-10-31" : ""
            let ranked = Int.random(in: 0..<12, using: &rng) == 0 ? "否" : "是"
            csv += "M\(i),\(name),\(sectors.randomElement(using: &rng)!),经济委员会,\(roles.randomElement(using: &rng)!),,,\(joined),\(left),\(ranked)\n"
        }
        return csv
    }

    /// Records for a third of the members: meetings and proposals, some shared, some vetoed.
    static func activities(_ count: Int) -> String {
        var rng = Rng(seed: 11)
        var csv = WorkbookTests.header
        var n = 0
        for m in stride(from: 0, to: count, by: 3) {
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                n += 1
                let day = String(format: "2025-%02d-%02d", Int.random(in: 8...9, using: &rng), Int.random(in: 1...28, using: &rng))
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: csv += "A\(n),M\(m),\(day),全体会议,出席,,,,\(Int.random(in: 1...4, using: &rng)),,会议\n"
                case 1: csv += "A\(n),M\(m),\(day),提案,立案,联名提案人,,P\(m % 7),,重点,提案\n"
                case 2: csv += "A\(n),M\(m),\(day),界别活动,参加,,,,,,活动\n"
                default: csv += "A\(n),M\(m),\(day),违纪,,,,,,,违纪\n"
                }
            }
        }
        return csv
    }

    static func summary(members count: Int) throws -> RunSummary {
        let s = Scratch()
        let roster = try RosterReader.read(path: s.write("m.csv", roster(count)))
        let r = try testRules()
        let inPeriod = roster.forPeriod(r.period!)
        var ing = ActivityIngestor(members: inPeriod.members, period: r.period!, vocabulary: r.vocabulary, excluded: inPeriod.excluded)
        try ing.read(path: s.write("a.csv", activities(count)))
        let run = Scorer.score(ing.finishAndRelease(), rules: r, period: r.period!, options: ScoreOptions())
        return RunSummary(run: run, generatedAt: "2026-01-01T08:00:00+08:00", toolVersion: "test", lang: .zh)
    }

    @Test(arguments: [0, 1, 2_047, 2_048, 4_097, 9_000])
    func scoresCSVInWindowsIsTheSequentialFile(members count: Int) throws {
        guard count > 0 else {
            // No rows at all: the header alone.
            var out = ByteBuffer()
            ParallelRows.render(count: 0, window: 4, into: &out) { _, _ in Issue.record("no window expected") }
            #expect(out.bytes.isEmpty)
            return
        }
        let s = try Self.summary(members: count)
        #expect(s.rows.count == count)
        let two = Self.sequential(s, lang: .zh)
        #expect(Self.firstDifference(ScoresCSV.render(s, lang: .zh).bytes, two) == nil)
        // Half points are shown as such by default, so that the rounding below is seen.
        if count >= 2_047 { #expect(String(decoding: two, as: UTF8.self).contains(".5")) }
        // In English, and with no decimals in force (the half points then round: the lanes must
        // show them as the rule file's display.decimals says, not as the default does).
        Points.withDisplay(decimals: 0) {
            let reference = Self.sequential(s, lang: .en)
            #expect(Self.firstDifference(ScoresCSV.render(s, lang: .en).bytes, reference) == nil)
            #expect(String(decoding: reference, as: UTF8.self).contains(".5") == false)
        }
        // Streamed to a file (drained every megabyte as the lanes' windows are appended).
        let dir = Scratch()
        let path = dir.write("scores.csv", "")
        try FileManager.default.removeItem(atPath: path)
        var b = try ByteBuffer.streaming(to: path)
        b = ScoresCSV.render(s, lang: .zh, into: b)
        try b.finish()
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Self.firstDifference(written, Self.sequential(s, lang: .zh)) == nil)
    }

    /// scores.csv one row after another, each number through its `description` (the sink below
    /// does not write points as bytes).
    static func sequential(_ s: RunSummary, lang: Language) -> [UInt8] {
        var w = DescriptionSink(csv: CSVWriter(bom: true))
        w.csv.row(ScoresCSV.header(s, lang: lang))
        for r in s.rows { ScoresCSV.renderRow(r, lang: lang, previous: false, into: &w) }
        return w.csv.buffer.bytes
    }

    /// A CSV writer that writes points through the protocol's `number(p.description)`.
    struct DescriptionSink: TableSink {
        var csv: CSVWriter
        mutating func text(_ s: String) { csv.text(s) }
        mutating func number(_ s: String) { csv.number(s) }
        mutating func text(utf8: UnsafeBufferPointer<UInt8>) { csv.text(utf8: utf8) }
        mutating func number(utf8: UnsafeBufferPointer<UInt8>) { csv.number(utf8: utf8) }
        mutating func exact(utf8: UnsafeBufferPointer<UInt8>) { csv.exact(utf8: utf8) }
        mutating func endRow() { csv.endRow() }
    }

    /// A roster row refused part-way (a cell that is not UTF-8) leaves nothing behind for the
    /// next row: the one array of cells is refilled for every row.
    @Test func aRefusedRosterRowLeavesNothingBehind() throws {
        let dir = Scratch()
        var bytes = Array("member_id,name,sector,committee,role,group,party,joined,left,ranked\n".utf8)
        bytes += Array("M1,甲,经济界,经济委员会,常委,一组,民盟,2025-02-01,,否\n".utf8)
        bytes += Array("M2,乙,教育界,".utf8) + [0xFF, 0xFE] + Array(",主席,二组,,,,是\n".utf8)
        bytes += Array("M3,丙,,,,,,,,\n".utf8)
        let roster = try RosterReader.read(path: dir.write("m.csv", bytes: bytes))
        #expect(roster.members.map(\.id) == ["M1", "M3"])
        let m3 = try #require(roster.members.last)
        #expect(m3.sector == "" && m3.committee == "" && m3.role == "" && m3.group == "" && m3.party == "")
        #expect(m3.joined == nil && m3.ranked)
        #expect(roster.rejects.count == 1)
    }

    /// Where two files first differ (the byte offset and a little of each from there), `nil` when
    /// equal: a failed `==` of two megabyte arrays would have the test library diff them.
    static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String? {
        guard a != b else { return nil }
        let i = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        let show = { (x: [UInt8]) in String(decoding: x[i..<min(x.count, i + 60)], as: UTF8.self) }
        return "at byte \(i) of \(a.count) and \(b.count): \(show(a)) | \(show(b))"
    }

    @Test func rowsInWindowsKeepTheirOrder() {
        for count in [1, 3, 7, 8, 9, 100] {
            for window in [1, 2, 3, 8] {
                var out = ByteBuffer()
                ParallelRows.render(count: count, window: window, into: &out) { range, w in
                    for i in range { w.number(String(i)); w.endRow() }
                }
                let expected = (0..<count).map { "\($0)\r\n" }.joined()
                #expect(String(decoding: out.bytes, as: UTF8.self) == expected, "count \(count), window \(window)")
            }
        }
    }

    @Test func pointsAsBytesAreTheirDescription() {
        var rng = Rng(seed: 3)
        for _ in 0..<2_000 {
            let d = Int64.random(in: 1...12, using: &rng)
            let p = Bool.random(using: &rng) ? Points(Int.random(in: -1_000...1_000, using: &rng))
                : Points(Int64.random(in: -100_000...100_000, using: &rng), d)
            for decimals in 0...4 {
                Points.withDisplay(decimals: decimals) {
                    var a = CSVWriter(bom: false), b = CSVWriter(bom: false)
                    a.number(p)
                    b.number(p.description)
                    #expect(a.buffer.bytes == b.buffer.bytes, "\(p) at \(decimals)")
                }
            }
        }
        var a = CSVWriter(bom: false), b = CSVWriter(bom: false)
        a.number(Points.overflow)
        b.number(Points.overflow.description)
        #expect(a.buffer.bytes == b.buffer.bytes)
    }

    @Test func stringTrimIsTheGeneralTrim() {
        var rng = Rng(seed: 5)
        let pieces = [" ", "\t", "\n", "\r", "\r\n", "\u{3000}", "a", "中", "e\u{301}", " \u{301}", "\u{3000}x", "M1", ""]
        for _ in 0..<5_000 {
            var s = ""
            for _ in 0..<Int.random(in: 0...5, using: &rng) { s += pieces.randomElement(using: &rng)! }
            #expect(s.trimmingSpaces == s[...].trimmingSpaces, "\(s.unicodeScalars.map { $0.value })")
        }
    }

    @Test func resultsAreMovedOutWhole() throws {
        let s = try Self.summary(members: 50)
        var optionals: [MemberScore?] = s.run.results.map { $0 }
        let moved = Scorer.unwrapAll(&optionals)
        #expect(moved.map(\.score) == s.run.results.map(\.score))
        #expect(moved.map(\.member) == s.run.results.map(\.member))
        #expect(moved.map(\.ledger.count) == s.run.results.map(\.ledger.count))
        #expect(optionals.allSatisfy { $0 == nil })
    }

    /// Whole numbers written as bytes (member pages, the workbook) are their decimal texts,
    /// appended after what the buffer holds, at every length up to UInt64.max.
    @Test func digitsAreTheDecimalText() {
        var rng = SplitMix64(seed: 5)
        var values: [UInt64] = [0, 9, 10, 99, 100, 12_345, UInt64(UInt32.max), UInt64.max, UInt64.max - 1]
        for _ in 0..<2_000 { values.append(rng.next() >> (rng.next() % 64)) }
        for v in values {
            var out: [UInt8] = Array("x=".utf8)
            HTMLBytes.digits(v, into: &out)
            #expect(String(decoding: out, as: UTF8.self) == "x=\(v)")
        }
    }
}
