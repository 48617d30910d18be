import Foundation
import Testing

/// Headless-Chromium screenshots of report.html and of one member's page for the Samples
/// district: the pages must render into a non-trivial image. Recorded as skipped (with the
/// reason) where `chromium` is not on PATH; never a silent pass.
///
/// Set `LVZHI_SCREENSHOTS=DIR` to keep the PNG files for a person to look at.
@Suite(.serialized, .enabled(if: Chromium.path != nil, "chromium is not on PATH: the report screenshots were not taken"))
struct ScreenshotTests {
    /// Scores Samples once per test into `scratch`/out.
    static func scoreSamples(_ scratch: Scratch, lang: String = "zh") throws -> String {
        let out = scratch.file("out")
        let r = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv",
                           "--activities", "Samples/activities", "--out", out, "--lang", lang, "--formats", "html,members", "--quiet"],
                          environment: ["SOURCE_DATE_EPOCH": "1767225600"])
        #expect(r.status == 0, "lvzhi score failed: \(r.stderr)")
        return out
    }

    /// Checks that `png` is a PNG of more than 20 KB, and keeps a copy when asked to.
    static func checkPNG(_ png: String, keepAs name: String) throws {
        let data = try #require(FileManager.default.contents(atPath: png), "no screenshot at \(png)")
        #expect(data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "\(png) is not a PNG")
        #expect(data.count > 20_000, "\(png) is only \(data.count) bytes: the page probably rendered blank")
        if let dir = ProcessInfo.processInfo.environment["LVZHI_SCREENSHOTS"], !dir.isEmpty {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(atPath: dir + "/" + name)
            try FileManager.default.copyItem(atPath: png, toPath: dir + "/" + name)
        }
    }

    @Test(arguments: ["zh", "en"])
    func reportScreenshot(lang: String) throws {
        let s = Scratch()
        let out = try Self.scoreSamples(s, lang: lang)
        let png = s.file("report.png")
        try Chromium.screenshot(url: "file://" + out + "/report.html", to: png, width: 1400, height: 2000, scratch: s)
        try Self.checkPNG(png, keepAs: "report-\(lang).png")
    }

    /// members/M0270.html: that member's own page.
    @Test func memberPageScreenshot() throws {
        let s = Scratch()
        let out = try Self.scoreSamples(s)
        let html = try #require(FileManager.default.contents(atPath: out + "/members/M0270.html"))
        #expect(String(decoding: html, as: UTF8.self).contains("id=\"m-M0270\""))
        let png = s.file("member.png")
        try Chromium.screenshot(url: "file://" + out + "/members/M0270.html", to: png, width: 1000, height: 1400, scratch: s)
        try Self.checkPNG(png, keepAs: "member-M0270.png")
    }
}

/// The `chromium` binary on PATH, and a headless screenshot with a time limit.
enum Chromium {
    static let path: String? = {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        for d in dirs {
            let p = "\(d)/chromium"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }()

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// Takes a screenshot of `url`; fails after two minutes.
    static func screenshot(url: String, to png: String, width: Int, height: Int, scratch: Scratch) throws {
        guard let path else { throw Failed(description: "chromium is not on PATH") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                       "--user-data-dir=" + scratch.file("chromium-profile"),
                       "--screenshot=" + png, "--window-size=\(width),\(height)", url]
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = scratch.path
        p.environment = env
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if p.isRunning {
            p.terminate()
            p.waitUntilExit()
            throw Failed(description: "chromium did not finish within two minutes for \(url)")
        }
        guard p.terminationStatus == 0 else {
            throw Failed(description: "chromium exited with \(p.terminationStatus) for \(url)")
        }
    }
}
