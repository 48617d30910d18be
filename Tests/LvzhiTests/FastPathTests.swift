import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiIngest
@testable import LvzhiScoring

/// The fast paths added for speed (issue 16) against deliberately simple references:
/// the CSV reader's rows read in place against the rows written, at chunk sizes that put rows
/// across chunk ends; the roster's byte check before splitting a cell against the `Character`
/// split alone; the symbol table's hash and byte comparison against a dictionary.
@Suite struct FastPathTests {
    typealias Rng = SplitMix64

    static let pieces = ["a", "M1", "中", "提案", " ", "\u{3000}", ",", "\"", "\n", "\r\n", "x y", "𠀋", "；", "1.5", ""]

    /// A random field; `plain` keeps it free of what needs quoting.
    static func field(_ rng: inout Rng, plain: Bool) -> String {
        var s = ""
        for _ in 0..<Int.random(in: 0...4, using: &rng) {
            let p = pieces.randomElement(using: &rng)!
            if plain && needsQuotes(p) { continue }
            s += p
        }
        return s
    }

    static func needsQuotes(_ s: String) -> Bool {
        s.utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
    }

    /// CSV text for `rows` as a platform would write it (quoting what needs it, sometimes
    /// more), with random line ends and blank lines; and the line each row starts on.
    static func csv(_ rows: [[String]], _ rng: inout Rng) -> (text: String, lines: [Int]) {
        var text = ""
        var line = 1
        var lines: [Int] = []
        for row in rows {
            if Int.random(in: 0..<8, using: &rng) == 0 {
                text += "\n"
                line += 1
            }
            lines.append(line)
            text += row.map { f -> String in
                let needs = needsQuotes(f) || f.isEmpty && row.count == 1
                if needs || Int.random(in: 0..<10, using: &rng) == 0 {
                    line += f.utf8.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                    return "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                }
                return f
            }.joined(separator: ",")
            text += Bool.random(using: &rng) ? "\n" : "\r\n"
            line += 1
        }
        return (text, lines)
    }

    @Test(arguments: [1 << 20, 5, 13, 64, 4096])
    func csvRowsReadInPlaceMatchTheRowsWritten(chunk: Int) throws {
        let scratch = Scratch()
        for seed in 0..<60 {
            var rng = Rng(seed: UInt64(seed))
            let width = Int.random(in: 1...6, using: &rng)
            let plain = seed % 3 != 0
            var rows: [[String]] = []
            for _ in 0..<Int.random(in: 1...40, using: &rng) {
                var row = (0..<width).map { _ in Self.field(&rng, plain: plain) }
                // A row of empty fields is blank (skipped by readers, kept here as written).
                if row.allSatisfy(\.isEmpty) { row[0] = "z" }
                rows.append(row)
            }
            let (text, lines) = Self.csv(rows, &rng)
            let path = scratch.write("s\(seed).csv", text)
            var got: [[String]] = []
            var gotLines: [Int] = []
            try CSVReader(path: path, encoding: .utf8, chunkSize: chunk).forEachRow { row in
                if row.isBlank { return }
                got.append((0..<row.count).map { row.string($0) ?? "<bad>" })
                gotLines.append(row.line)
            }
            #expect(got == rows, "seed \(seed), chunk \(chunk)")
            #expect(gotLines == lines, "seed \(seed), chunk \(chunk)")
        }
    }

    @Test func rowsOfCommasAreBlankBothWays() throws {
        let scratch = Scratch()
        let path = scratch.write("b.csv", ",,\n\"\",,\na,,\n")
        var blanks: [Bool] = []
        try CSVReader(path: path).forEachRow { row in blanks.append(row.isBlank) }
        #expect(blanks == [true, true, false])
    }

    @Test func theRowsTextIsCheckedWhole() throws {
        // Invalid UTF-8 in a row read in place (declared UTF-8, so not taken for GB18030): the
        // row is not marked checked, and the field check still refuses it.
        let scratch = Scratch()
        let path = scratch.write("u.csv", bytes: Array("a,b\n".utf8) + [0x41, 0x2C, 0xE4, 0xB8, 0x0A])
        var valid: [Bool] = []
        try CSVReader(path: path, encoding: .utf8).forEachRow { row in valid.append(row.isValidUTF8) }
        #expect(valid == [true, false])
    }

    /// ``Member/list`` before its byte check: the `Character` split alone.
    static func referenceList(_ text: String) -> [String] {
        text.split(whereSeparator: { Member.listSeparators.contains($0) }).compactMap { part in
            var p = Substring(part)
            while let c = p.first, c.isWhitespace { p.removeFirst() }
            while let c = p.last, c.isWhitespace { p.removeLast() }
            return p.isEmpty ? nil : String(p)
        }
    }

    @Test func rosterCellsSplitAsBefore() {
        let alphabet = ["经济委员会", "文化", ";", "；", "、", ",", "，", "|", " ", "\u{3000}", "\u{00A0}", "\u{2003}",
                        "\t", "\u{0301}", "a", "ü", "\u{1680}", "\u{205F}", "\u{2028}", "\u{FEFF}", "\r\n", "ｂ"]
        var rng = Rng(seed: 7)
        for _ in 0..<5000 {
            let s = (0..<Int.random(in: 0...6, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }.joined()
            #expect(Member.list(s) == Self.referenceList(s), "\(s.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test func symbolsInternAndLookUpByBytes() {
        var table = SymbolTable()
        var reference: [String: Int32] = ["": 0]
        var rng = Rng(seed: 11)
        let alphabet = ["a", "b", "中", "提", "案", "1", "-", " ", "界别活动", "第一提案人"]
        for _ in 0..<20_000 {
            let s = (0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }.joined()
            let id = table.intern(s)
            if let known = reference[s] { #expect(id == known) } else {
                #expect(Int(id) == reference.count)
                reference[s] = id
            }
            #expect(table[id] == s)
        }
        #expect(table.count == reference.count)
        // Sixteen at a time (``SymbolTable/lookup(_:key:found:)``) as one at a time: present
        // and absent keys, a count that is not a multiple of sixteen.
        let probes = Array(reference.keys.sorted().prefix(1_000)) + (0..<237).map { "不在表里\($0)" }
        let shuffled = probes.shuffled(using: &rng)
        var flat: [UInt8] = []
        var ranges: [Range<Int>] = []
        for p in shuffled {
            ranges.append(flat.count..<flat.count + p.utf8.count)
            flat.append(contentsOf: p.utf8)
        }
        var batch: [Int32?] = []
        flat.withUnsafeBufferPointer { bytes in
            table.lookup(ranges.count, key: { UnsafeBufferPointer(rebasing: bytes[ranges[$0]]) }, found: { k, id in
                #expect(k == batch.count)
                batch.append(id)
            })
        }
        #expect(batch == shuffled.map { table.lookup($0) })
        #expect(batch.compactMap { $0 }.count == 1_000)
        #expect(table.lookup("不在表里的值") == nil)
        #expect(table.lookup("") == SymbolTable.empty)
        // The empty string hashes the same with or without a base address.
        let bytes: [UInt8] = [1, 2, 3]
        bytes.withUnsafeBufferPointer { b in
            #expect(SymbolTable.hash(UnsafeBufferPointer(rebasing: b[1..<1])) == SymbolTable.hash(UnsafeBufferPointer(start: nil, count: 0)))
        }
    }

    /// The UTF-8 check (a hand-written fast path) against the standard library's decoder, on random mixes of ASCII, Chinese, four-byte characters and
    /// broken bytes at every offset.
    @Test func utf8CheckAgreesWithTheStandardLibrary() {
        var rng = Rng(seed: 29)
        let pieces: [[UInt8]] = [Array("A0000001,M12643,2025-09-19,".utf8), Array("提案".utf8), Array("𠀋".utf8), [0x80], [0xC0, 0xAF],
                                 [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE6, 0x8F], [0xFF], Array("x".utf8)]
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...12, using: &rng) {
                let p = pieces[Int.random(in: 0..<pieces.count, using: &rng)]
                // Mostly well-formed pieces, so that valid strings are common.
                if p.count == 1 && p[0] >= 0x80 || p.first == 0xC0 || p.first == 0xED || p.first == 0xF4 || p.count == 2 && p[0] == 0xE6 {
                    if Int.random(in: 0..<4, using: &rng) != 0 { continue }
                }
                bytes += p
            }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            #expect(bytes.withUnsafeBufferPointer { UTF8Check.isValid($0) } == expected, "\(bytes)")
        }
    }

    /// An input read from start to end is hashed as it is read (the run manifest then need not
    /// read it again): the hash of the file's own bytes, also when they are transcoded; nothing
    /// for a read stopped early.
    @Test func inputsReadToTheEndAreHashedAsRead() throws {
        let scratch = Scratch()
        func check(_ bytes: [UInt8], encoding: TextEncoding, name: String) throws {
            let path = scratch.path + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            var st = stat()
            #expect(lstat(path, &st) == 0)
            struct Stop: Error {}
            _ = try? CSVReader(path: path, encoding: encoding, chunkSize: 64).forEachRow { _ in throw Stop() }
            #expect(WrittenFiles.shared.sha256(st) == nil, "\(name): stopped early")
            var rows = 0
            try CSVReader(path: path, encoding: encoding, chunkSize: 64).forEachRow { _ in rows += 1 }
            #expect(rows > 1)
            #expect(WrittenFiles.shared.sha256(st) == ContentHash.sha256(bytes), "\(name)")
            // Taken once; then the file is read and hashed, to the same digest.
            #expect(ContentHash.sha256(file: path) == ContentHash.sha256(bytes))
        }
        let text = "activity_id,member_id,title\n" + (0..<3_000).map { "A\($0),M\($0 % 7),\"关于\($0)\"\n" }.joined()
        try check(Array(text.utf8), encoding: .auto, name: "utf8.csv")
        // 委员 in GB18030, transcoded to UTF-8 on the way in.
        let gb: [UInt8] = Array("activity_id,member_id\nA1,".utf8) + [0xCE, 0xAF, 0xD4, 0xB1, 0x0A]
        try check(Array(repeating: gb, count: 50).flatMap { $0 }, encoding: .gb18030, name: "gb.csv")
    }

    @Test func spilledRecordsReadBackAsWritten() {
        var rng = Rng(seed: 3)
        let extremes: [Int32] = [0, 1, 127, 128, 16_383, 16_384, Int32.max, Int32.min, -1]
        func int32() -> Int32 { Bool.random(using: &rng) ? extremes.randomElement(using: &rng)! : Int32.random(in: .min ... .max, using: &rng) }
        let quantities: [Points] = [.one, .zero, Points(3, 2), Points(-7, 3), Points(Int64.max, 1), Points(Int64.min + 1, Int64.max), .overflow]
        var out = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<5_000 {
            let id = Array("A\(rng.next() % 100_000)".utf8)
            let title = Array(String(repeating: "关于", count: Int(rng.next() % 40)).utf8)
            let ref = Bool.random(using: &rng) ? [] : Array("P2025-\(rng.next())".utf8)
            let a = Activity(member: int32(), date: Day(ordinal: int32()), kind: int32(), status: int32(), role: int32(), level: int32(),
                             marks: MarkSet(bits: rng.next()), quantity: quantities.randomElement(using: &rng)!, file: int32(), line: int32())
            let sequence = Int64(bitPattern: rng.next())
            // Half the titles are shared ones, at any offset and length a 32-bit reference allows.
            let shared = Bool.random(using: &rng)
                ? StringArena.Ref(offset: UInt32(bitPattern: int32()), length: UInt32(bitPattern: int32()) >> UInt32(rng.next() % 32)) : nil
            let written = out.withUnsafeMutableBytes { raw in
                id.withUnsafeBufferPointer { i in title.withUnsafeBufferPointer { t in ref.withUnsafeBufferPointer { r in
                    SpilledRecord.encode(a, sequence: sequence, id: i, title: t, sharedTitle: shared, ref: r, to: raw.baseAddress!)
                } } }
            }
            #expect(written <= SpilledRecord.maxSize(id: id.count, title: title.count, ref: ref.count))
            #expect(shared == nil || written <= SpilledRecord.maxSize(id: id.count, title: 0, ref: ref.count))
            out.withUnsafeBytes { raw in
                let v = SpilledRecord.decode(raw, at: 0)
                #expect(v.activity == a)
                #expect(v.sequence == sequence)
                #expect(v.sharedTitle == shared)
                #expect(Array(raw[v.id]) == id && Array(raw[v.title]) == (shared == nil ? title : []) && Array(raw[v.ref]) == ref)
                #expect(v.next == written)
            }
        }
    }

    @Test func wholeQuantitiesParseToTheSameValue() {
        for (text, value) in [("1", Points(1)), ("0", Points.zero), ("-0", Points.zero), ("12", Points(12)), ("-3", Points(-3)),
                              ("2.0", Points(2)), ("1.5", Points(3, 2)), ("0.25", Points(1, 4)), ("+7", Points(7))] {
            let p = Points.parse(Array(text.utf8))
            #expect(p == value, "\(text)")
            #expect(p?.denominator == value.denominator, "\(text)")
        }
    }

    /// Points written into bytes (ledger lines) are the texts ``Points/exact`` and
    /// ``Points/description`` give, extremes and the overflow value included.
    @Test func pointsAsBytesAreTheirTexts() {
        var rng = SplitMix64(seed: 16)
        var values = [Points.zero, Points(1), Points(-1), Points(10, 3), Points(-10, 3), Points(Int.max), Points(Int.min + 1),
                      Points(1, 7), Points(Int64.max, 3)]
        values.append(Points(Int.max) + Points(Int.max))  // overflow
        for _ in 0..<2_000 {
            let n = Int64(truncatingIfNeeded: rng.next()) >> Int64(rng.next() % 64)
            let d = Int64(rng.next() % 1_000) + 1
            values.append(Points(n, d))
        }
        for p in values {
            var exact: [UInt8] = []
            p.exact(into: &exact)
            // The reference: how `exact` was written before it went through bytes.
            let reference = p.isOverflow ? "overflow" : p.denominator == 1 ? String(p.numerator) : "\(p.numerator)/\(p.denominator)"
            #expect(String(decoding: exact, as: UTF8.self) == p.exact)
            #expect(p.exact == reference)
            for decimals in 0...4 {
                var shown: [UInt8] = []
                p.display(decimals: decimals, into: &shown)
                #expect(String(decoding: shown, as: UTF8.self) == Points.withDisplay(decimals: decimals) { p.description })
            }
        }
    }

    /// Scores are put in rank order by swaps along the permutation's cycles: the same as
    /// building the array in that order, for any permutation.
    @Test func permutingBySwapsGivesTheOrderAsked() {
        var g = SplitMix64(seed: 21)
        for n in [0, 1, 2, 3, 7, 100, 1000] {
            var order = Array(0..<n)
            order.shuffle(using: &g)
            var values = (0..<n).map { "v\($0)" }
            let expected = order.map { values[$0] }
            Scorer.permute(&values, to: order)
            #expect(values == expected, "\(n)")
        }
    }

    @Test func aBatchHasRoomForEveryCanonicalField() {
        #expect(RawBatch.fieldCount == ActivityField.allCases.count)
    }
}
