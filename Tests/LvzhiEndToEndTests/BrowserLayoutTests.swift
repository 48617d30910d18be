import Foundation
import Testing

/// The reports in a real browser: `scripts/measure-layout` drives headless Chromium through
/// chromedriver (WebDriver, Python standard library only) and sets the viewport through the
/// DevTools protocol (`Emulation.setDeviceMetricsOverride`: a phone at 390 px, a desktop at
/// 1400 px). At both widths report.html, the member index and two members' own pages
/// (members/ID.html) have no sideways scroll of the page
/// (`document.documentElement.scrollWidth <= innerWidth`; wide tables scroll inside their own
/// box), and the record column of a member's ledger is at least 120 px wide (a title is never
/// a character per line).
///
/// Skipped, with the reason, where `chromium`, `chromedriver` or `python3` is not on PATH
/// (Debian: `apt-get install chromium chromium-driver fonts-noto-cjk`;
/// `LVZHI_BROWSER_TESTS=1 scripts/test` installs them). `LVZHI_SCREENSHOTS=DIR` keeps a
/// screenshot of every page at both widths and its printed PDF for a person to look at.
@Suite(.serialized,
       .enabled(if: BrowserTools.missing.isEmpty, "chromium, chromedriver or python3 is not on PATH: the layout was not measured in a browser"),
       .enabled(if: ProcessInfo.processInfo.environment["LVZHI_BROWSER_TESTS"] == "1", "set LVZHI_BROWSER_TESTS=1 to measure the layout in Chromium"))
struct BrowserLayoutTests {

    struct Measure: Decodable, CustomStringConvertible {
        var page: String, width: Int, scrollWidth: Int, innerWidth: Int, recordColumn: Int, widest: String
        var description: String {
            "\(page) at \(width) px: scrollWidth \(scrollWidth), innerWidth \(innerWidth), record column \(recordColumn) px" + (widest.isEmpty ? "" : ", widest: \(widest)")
        }
    }

    /// Scores a district into `scratch`/out (Samples by default).
    static func score(_ s: Scratch, members: String = "Samples/members.csv", activities: String = "Samples/activities") throws -> String {
        let out = s.file("out")
        let r = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", members, "--activities", activities,
                           "--out", out, "--formats", "html,members", "--quiet", "--no-history"],
                          environment: ["SOURCE_DATE_EPOCH": "1764722400"])
        #expect(r.status == 0, "lvzhi score failed: \(r.stderr)")
        return out
    }

    /// Runs scripts/measure-layout on `pages` (name → path) at 390 and 1400 px.
    static func measure(_ pages: [(String, String)], scratch: Scratch) throws -> [Measure] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let shots = ProcessInfo.processInfo.environment["LVZHI_SCREENSHOTS"].flatMap { $0.isEmpty ? nil : $0 } ?? "-"
        p.arguments = ["python3", "scripts/measure-layout", shots, "390,1400"] + pages.map { "\($0.0)=\($0.1)" }
        // HOME stays as it is: Chromium started by chromedriver with another HOME hangs at start.
        let out = scratch.file("measure.out"), err = scratch.file("measure.err")
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "measure-layout failed: \(scratch.read("measure.err").suffix(2000))")
        return try scratch.read("measure.out").split(separator: "\n").map { try JSONDecoder().decode(Measure.self, from: Data($0.utf8)) }
    }

    static func check(_ results: [Measure], expected: Int, ledgers: Set<String>) {
        #expect(results.count == expected, "measured \(results.count) of \(expected) page layouts")
        for m in results {
            print("browser: \(m)")
            #expect(m.innerWidth == m.width, "\(m.page): the viewport is \(m.innerWidth) px, not \(m.width)")
            #expect(m.scrollWidth <= m.innerWidth, "scrolls sideways: \(m)")
            if ledgers.contains(m.page) { #expect(m.recordColumn >= 120, "record column too narrow: \(m)") }
        }
    }

    @Test(.timeLimit(.minutes(10)))
    func samplesReadWithoutSidewaysScroll() throws {
        let s = Scratch()
        let out = try Self.score(s)
        let pages = [("report", out + "/report.html"), ("members-index", out + "/members/index.html"),
                     ("member-M0270", out + "/members/M0270.html"), ("member-M0001", out + "/members/M0001.html")]
        Self.check(try Self.measure(pages, scratch: s), expected: 8, ledgers: ["member-M0270", "member-M0001"])
    }

    /// A generated district of 5,000 members (compact chart overview, bounded rankings).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["LVZHI_BIG_DISTRICT"] != nil, "set LVZHI_BIG_DISTRICT=1 to lay out a generated 5,000-member district"),
          .timeLimit(.minutes(20)))
    func bigDistrictReadsWithoutSidewaysScroll() throws {
        let s = Scratch()
        let gen = Process()
        gen.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gen.arguments = ["python3", "scripts/gen-samples", "--members", "5000", "--records", "150000", "--seed", "7", "--out", s.file("gen")]
        gen.standardOutput = FileHandle.nullDevice
        try gen.run()
        gen.waitUntilExit()
        #expect(gen.terminationStatus == 0)
        let out = try Self.score(s, members: s.file("gen/members.csv"), activities: s.file("gen/activities.csv"))
        #expect(FileManager.default.contents(atPath: out + "/report.html").map { String(decoding: $0, as: UTF8.self).contains("各界别等次构成") } == true)
        Self.check(try Self.measure([("big-report", out + "/report.html"), ("big-member", out + "/members/M0001.html")], scratch: s),
                   expected: 4, ledgers: ["big-member"])
    }
}

/// The programs the browser tests need, and which of them are missing.
enum BrowserTools {
    static let missing: [String] = ["chromium", "chromedriver", "python3"].filter { name in
        !(ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(name)")
        }
    }
}
