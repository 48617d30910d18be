import Foundation
import Testing
@testable import LvzhiCore

@Suite struct PointsTests {
    @Test(arguments: [("2", 20_000), ("-1.5", -15_000), ("+0.25", 2_500), ("3.", 30_000), ("0.0001", 1), (" 7 ", 70_000)])
    func parses(text: String, raw: Int64) {
        #expect(Points(parsing: text)?.raw == raw)
    }

    @Test(arguments: ["", "abc", "1.23456", "1e3", "--1", "1,5", ".", "99999999999"])
    func rejects(text: String) {
        #expect(Points(parsing: text) == nil)
    }

    @Test func printsWithoutTrailingZeros() {
        #expect(Points(parsing: "2.50")!.description == "2.5")
        #expect(Points(parsing: "-0.05")!.description == "-0.05")
        #expect(Points(7).description == "7")
        #expect(Points.zero.description == "0")
    }

    @Test func multipliesAndDividesExactly() {
        #expect((Points(parsing: "1.5")! * Points(3)).description == "4.5")
        #expect((Points(parsing: "0.1")! * Points(parsing: "0.1")!).description == "0.01")
        #expect(Points(1).divided(by: 4).description == "0.25")
        // One third stays one third; only the display rounds (half away from zero, 2 places).
        #expect(Points(1).divided(by: 3) == Points(1, 3))
        #expect(Points(1).divided(by: 3).exact == "1/3")
        #expect(Points(1).divided(by: 3).description == "0.33")
        #expect(Points(2).divided(by: 3).description == "0.67")
        #expect(Points(-2).divided(by: 3).description == "-0.67")
        #expect(Points(-2).divided(by: 3).display(decimals: 4) == "-0.6667")
        #expect(Points(1).divided(by: 6) + Points(1).divided(by: 6) == Points(1).divided(by: 3))
        #expect(Points(parsing: "3.335")!.display() == "3.34" && Points(parsing: "-3.335")!.display() == "-3.34")
        #expect(Points(parsing: "2.5")!.display(decimals: 0) == "3")
    }

    @Test func exactTextReadsBack() {
        for p in [Points(10, 3), Points(-1, 6), Points(7), Points(parsing: "1.25")!, .zero] {
            #expect(Points(exact: p.exact) == p)
        }
        #expect(Points(exact: "10/3") == Points(10, 3))
        #expect(Points(exact: "4/2") == Points(2))
        for bad in ["1/0", "1/-3", "/3", "1/", "a/b", "1.5/2", "--1/2"] { #expect(Points(exact: bad) == nil) }
    }

    @Test func overflowIsAValueNotATrap() {
        let big = Points(Int(Int64.max / 2))
        #expect((big + big + big).isOverflow)
        #expect((big * big).isOverflow)
        // Coprime denominators beyond 64 bits.
        let p = Points(1, 4_294_967_311) + Points(1, 4_294_967_357)
        #expect(p.isOverflow)
        // Sticky through further arithmetic; compares above every number.
        #expect((p - p).isOverflow && (p * .zero).isOverflow && p > Points(Int(Int64.max)))
        #expect(Points(1, 0).isOverflow && Points(1).divided(by: 0).isOverflow)
        #expect(p.display() == "溢出")
        // Results that fit after normalising are exact even when the intermediate does not.
        let q = Points(Int64.max, 3) * Points(3, Int64.max)
        #expect(q == Points(1))
    }

    @Test func sumsAreExact() {
        var total = Points.zero
        for _ in 0..<10 { total += Points(parsing: "0.1")! }
        #expect(total == Points(1))
    }
}

@Suite struct DayTests {
    @Test func roundTrips() {
        for text in ["1970-01-01", "2024-02-29", "2025-12-31", "2000-03-01", "1999-12-31"] {
            #expect(Day(iso: text)?.description == text)
        }
        #expect(Day(iso: "1970-01-02")?.ordinal == 1)
    }

    @Test(arguments: ["2025-02-30", "2025-13-01", "2023-02-29", "2025/01/01", "25-01-01", "2025-1-1", "", "2025-01-01T00"])
    func rejectsInvalid(text: String) {
        #expect(Day(iso: text) == nil)
    }

    @Test func periods() {
        let y = Period(spec: "2025")!
        #expect(y.start.description == "2025-01-01" && y.end.description == "2025-12-31")
        let q = Period(spec: "2024-Q1")!
        #expect(q.end.description == "2024-03-31")
        let c = Period(spec: "2024-12-01..2025-11-30")!
        #expect(c.contains(Day(iso: "2025-01-05")!))
        #expect(!c.contains(Day(iso: "2025-12-01")!))
        #expect(Period(spec: "2025-Q5") == nil)
        #expect(Period(spec: "2025-12-01..2025-01-01") == nil)
    }
}

@Suite struct DiagnosticTests {
    @Test func rendersCaretUnderWideCharacters() {
        let d = Diagnostic(id: "R070", location: SourceLocation(file: "r.yaml", line: 2, column: 9),
                           zh: "未知", en: "unknown", hintZh: "是否想写“提案”？", hintEn: "did you mean '提案'?")
        let text = d.render(.zh, source: "a: 1\nkind: 提按x\n")
        #expect(text.contains("r.yaml:2:9: 错误: [R070] 未知"))
        #expect(text.contains(" 2 | kind: 提按x"))
        // "kind: " is 6 columns, "提按" 4 more: the caret sits under "x".
        #expect(text.contains("   | " + String(repeating: " ", count: 10) + "^"))
        #expect(text.contains("提示: 是否想写“提案”？"))
    }

    @Test func suggestsClosest() {
        #expect(closest("提按", in: ["提案", "社情民意"]) == "提案")
        #expect(closest("xyz", in: ["提案"]) == nil)
    }
}

@Suite struct TrimmingSpacesTests {
    @Test func trimsAsciiAndIdeographicSpacesOnly() {
        #expect("  王梦鹏 ".trimmingSpaces == "王梦鹏")
        #expect("\u{3000}张\u{3000}三\u{3000}".trimmingSpaces == "张\u{3000}三")
        #expect("\tM001\n".trimmingSpaces == "M001")
        #expect("政协委员".trimmingSpaces == "政协委员")
        #expect("".trimmingSpaces == "")
        #expect(" \u{3000}\t".trimmingSpaces == "")
        // Ends in 0x80 like U+3000 but is another character: kept.
        #expect("文化\u{2000}".trimmingSpaces == "文化\u{2000}")
        #expect("x y"[...].trimmingSpaces == "x y")
    }
}

/// ``PathText/parent(_:)`` against Foundation's `deletingLastPathComponent` on random paths
/// (except those Foundation traps on: one character without a folder, `a//中`), and on those.
@Suite struct PathTextTests {
    @Test func parentAgreesWithFoundationWhereFoundationWorks() {
        var g = SystemRandomNumberGenerator()
        let alphabet: [Character] = ["a", "b", "/", ".", "中"]
        var compared = 0
        for _ in 0..<5_000 {
            let path = String((0..<Int.random(in: 0...7, using: &g)).map { _ in alphabet.randomElement(using: &g)! })
            var trimmed = Substring(path)
            while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
            // Foundation traps on these (one character without a folder; `a//中`): compared below by hand.
            if trimmed.count == 1 && trimmed != "/" || path.contains("//") { continue }
            #expect(PathText.parent(path) == (path as NSString).deletingLastPathComponent, "\(path)")
            compared += 1
        }
        #expect(compared > 2_000)
        for bare in ["h", "中", "h/", "h//", "."] { #expect(PathText.parent(bare) == "") }
        #expect(PathText.parent("./h") == "." && PathText.parent("/h") == "/" && PathText.parent("a/b/") == "a")
        #expect(PathText.parent("a//中") == "a" && PathText.parent("//中") == "/" && PathText.parent("./") == "")
    }
}

