import Foundation
import Testing

/// The reports in a real browser: Chromium (headless) driven through chromedriver's WebDriver
/// protocol, the viewport set through the DevTools protocol (`Emulation.setDeviceMetricsOverride`,
/// a phone at 390 px and a desktop at 1400 px). At both widths report.html, a member's own page
/// (members/ID.html) and the index have no sideways scroll of the page
/// (`document.documentElement.scrollWidth <= innerWidth`; wide tables scroll inside their own
/// box), and the record column of the member's ledger is at least 120 px wide (a title is
/// never a character per line).
///
/// Skipped, with the reason, where `chromium` or `chromedriver` is not on PATH (Debian:
/// `apt-get install chromium chromium-driver fonts-noto-cjk`; scripts/setup installs them
/// when `LVZHI_BROWSER_TESTS=1`). `LVZHI_SCREENSHOTS=DIR` keeps a screenshot of every page at
/// both widths, and the printed PDF, for a person to look at.
@Suite(.serialized, .enabled(if: Chromium.path != nil && WebDriver.driverPath != nil && WebDriver.curlPath != nil,
                             "chromium, chromedriver or curl is not on PATH: the layout was not measured in a browser"))
struct BrowserLayoutTests {
    static let widths = [390, 1400]

    /// Scores a district into `scratch`/out: Samples (300 members) or a generated one.
    static func score(_ s: Scratch, members: String = "Samples/members.csv", activities: String = "Samples/activities",
                      formats: String = "html,members", lang: String = "zh") throws -> String {
        let out = s.file("out")
        let r = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", members, "--activities", activities,
                           "--out", out, "--lang", lang, "--formats", formats, "--quiet", "--no-history"],
                          environment: ["SOURCE_DATE_EPOCH": "1764722400"])
        #expect(r.status == 0, "lvzhi score failed: \(r.stderr)")
        return out
    }

    /// What the page measures: the page's scroll width, the viewport width and the narrowest
    /// ledger record column (−1 when the page has no ledger).
    struct Measure: CustomStringConvertible {
        var scrollWidth: Int, innerWidth: Int, recordColumn: Int, overflowing: String
        var description: String { "scrollWidth \(scrollWidth), innerWidth \(innerWidth), record column \(recordColumn) px\(overflowing.isEmpty ? "" : ", widest: " + overflowing)" }
    }

    static let measureScript = """
        const d = document.documentElement;
        let rec = -1;
        for (const td of document.querySelectorAll('table.led tbody.cat tr:not(.ch):not(.adj) td:nth-child(2)')) {
          const w = Math.round(td.getBoundingClientRect().width);
          if (rec < 0 || w < rec) rec = w;
        }
        let wide = '';
        if (d.scrollWidth > innerWidth) {
          for (const e of document.body.querySelectorAll('*')) {
            const r = e.getBoundingClientRect();
            if (r.right > innerWidth + 1) { wide = e.tagName + '.' + e.className + ' right ' + Math.round(r.right); break; }
          }
        }
        return [d.scrollWidth, innerWidth, rec, wide];
        """

    static func measure(_ session: WebDriver.Session, _ url: String, width: Int) throws -> Measure {
        try session.viewport(width: width, height: width < 600 ? 844 : 1000)
        try session.open(url)
        let v = try session.execute(measureScript) as? [Any] ?? []
        func int(_ x: Any?) -> Int { (x as? NSNumber)?.intValue ?? Int("\(x ?? "")") ?? -2 }
        return Measure(scrollWidth: int(v.first), innerWidth: int(v.count > 1 ? v[1] : nil), recordColumn: int(v.count > 2 ? v[2] : nil),
                       overflowing: v.count > 3 ? "\(v[3])" : "")
    }

    /// Checks the page at both widths; keeps screenshots when asked.
    static func check(_ session: WebDriver.Session, _ file: String, name: String, ledger: Bool) throws {
        for width in widths {
            let m = try measure(session, "file://" + file, width: width)
            print("browser: \(name) at \(width) px: \(m)")
            #expect(m.innerWidth == width, "\(name): the viewport is \(m.innerWidth) px, not \(width)")
            #expect(m.scrollWidth <= m.innerWidth, "\(name) at \(width) px scrolls sideways: \(m)")
            if ledger {
                #expect(m.recordColumn >= 120, "\(name) at \(width) px: the record column is \(m.recordColumn) px wide")
            }
            if let dir = ProcessInfo.processInfo.environment["LVZHI_SCREENSHOTS"], !dir.isEmpty {
                try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try session.screenshot(fullPage: true).write(to: URL(fileURLWithPath: "\(dir)/\(name)-\(width).png"))
                if width == widths.last {
                    try session.printPDF().write(to: URL(fileURLWithPath: "\(dir)/\(name).pdf"))
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func samplesReadWithoutSidewaysScroll() throws {
        let s = Scratch()
        let out = try Self.score(s)
        let driver = try WebDriver.start(scratch: s)
        defer { driver.stop() }
        let session = try driver.session()
        try Self.check(session, out + "/report.html", name: "report", ledger: false)
        try Self.check(session, out + "/members/index.html", name: "members-index", ledger: false)
        // A member with many records and long titles, and one of the first in the roster.
        for id in ["M0270", "M0001"] {
            try Self.check(session, out + "/members/\(id).html", name: "member-\(id)", ledger: true)
        }
        try session.close()
    }

    /// A generated district of 5,000 members: the compact 五色图 and bounded rankings keep the
    /// report readable and free of sideways scroll at both widths.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["LVZHI_BIG_DISTRICT"] != nil, "set LVZHI_BIG_DISTRICT=1 to lay out a generated 5,000-member district"),
          .timeLimit(.minutes(10)))
    func bigDistrictReadsWithoutSidewaysScroll() throws {
        let s = Scratch()
        let gen = Process()
        gen.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gen.arguments = ["python3", "scripts/gen-samples", "--members", "5000", "--records", "150000", "--out", s.file("gen")]
        try gen.run()
        gen.waitUntilExit()
        #expect(gen.terminationStatus == 0)
        let out = try Self.score(s, members: s.file("gen/members.csv"), activities: s.file("gen/activities.csv"))
        let driver = try WebDriver.start(scratch: s)
        defer { driver.stop() }
        let session = try driver.session()
        try Self.check(session, out + "/report.html", name: "big-report", ledger: false)
        try session.close()
    }
}

/// A chromedriver process and the few WebDriver commands the layout tests need.
final class WebDriver: @unchecked Sendable {
    static let driverPath: String? = {
        for d in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let p = "\(d)/chromedriver"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }()

    static let curlPath: String? = {
        for d in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let p = "\(d)/curl"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }()

    struct Failed: Error, CustomStringConvertible { var description: String }

    let process: Process
    let base: String
    let profile: String

    private init(process: Process, base: String, profile: String) {
        self.process = process
        self.base = base
        self.profile = profile
    }

    /// Starts chromedriver on a free port.
    static func start(scratch: Scratch) throws -> WebDriver {
        guard let driverPath else { throw Failed(description: "chromedriver is not on PATH") }
        let port = 20_000 + Int(getpid() % 20_000)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: driverPath)
        p.arguments = ["--port=\(port)"]
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = scratch.path
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let d = WebDriver(process: p, base: "http://127.0.0.1:\(port)", profile: scratch.file("chromium-profile"))
        // Ready when /status answers.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            probe.arguments = ["curl", "-sf", "--max-time", "2", d.base + "/status"]
            probe.standardOutput = FileHandle.nullDevice
            probe.standardError = FileHandle.nullDevice
            if (try? probe.run()) != nil {
                probe.waitUntilExit()
                if probe.terminationStatus == 0 { return d }
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        d.stop()
        throw Failed(description: "chromedriver did not start on port \(port)")
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// One WebDriver command through `curl` (no URLSession: it is not dependable on every
    /// Linux Foundation, and the tests need nothing more than a request and its JSON reply).
    func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> Any? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var args = ["curl", "-s", "--max-time", "180", "-X", method, base + path]
        if let body {
            let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
            args += ["-H", "Content-Type: application/json", "--data-binary", json]
        }
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw Failed(description: "\(method) \(path): curl exited with \(p.terminationStatus)") }
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let value = json?["value"]
        if let err = value as? [String: Any], let e = err["error"] as? String {
            throw Failed(description: "\(method) \(path): \(e): \(err["message"] ?? "")")
        }
        return value
    }

    func session() throws -> Session {
        let caps: [String: Any] = ["capabilities": ["alwaysMatch": [
            "browserName": "chrome",
            "goog:chromeOptions": ["binary": Chromium.path ?? "chromium",
                                   "args": ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                            "--disable-dev-shm-usage", "--user-data-dir=" + profile]],
        ] as [String: Any]]]
        let v = try call("POST", "/session", caps) as? [String: Any]
        guard let id = v?["sessionId"] as? String else { throw Failed(description: "no WebDriver session: \(v ?? [:])") }
        return Session(driver: self, id: id)
    }

    struct Session: Sendable {
        let driver: WebDriver
        let id: String

        func cdp(_ cmd: String, _ params: [String: Any] = [:]) throws -> Any? {
            try driver.call("POST", "/session/\(id)/goog/cdp/execute", ["cmd": cmd, "params": params])
        }

        /// A device of this width: the page's viewport meta applies (mobile below 600 px).
        func viewport(width: Int, height: Int) throws {
            _ = try cdp("Emulation.setDeviceMetricsOverride",
                              ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600])
        }

        func open(_ url: String) throws {
            _ = try driver.call("POST", "/session/\(id)/url", ["url": url])
        }

        func execute(_ script: String) throws -> Any? {
            try driver.call("POST", "/session/\(id)/execute/sync", ["script": script, "args": [Any]()])
        }

        func screenshot(fullPage: Bool) throws -> Data {
            let v = try cdp("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": fullPage]) as? [String: Any]
            return Data(base64Encoded: v?["data"] as? String ?? "") ?? Data()
        }

        /// The page printed on A4, as the browser prints it (the page's own @page rules).
        func printPDF() throws -> Data {
            let v = try cdp("Page.printToPDF", ["preferCSSPageSize": true, "printBackground": true]) as? [String: Any]
            return Data(base64Encoded: v?["data"] as? String ?? "") ?? Data()
        }

        func close() throws {
            _ = try driver.call("DELETE", "/session/\(id)")
        }
    }
}
