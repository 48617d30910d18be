import Foundation
import Testing

/// Runs the built binary on small inputs written by the test.
@Suite struct CommandLineTests {
    let members = """
    member_id,name,sector,committee,role,group,party,joined,left,ranked
    M1,=HYPERLINK("x"),经济界,,委员,,,,,
    M2,<script>alert(1)</script>,教育界,,委员,,,,,
    """
    let activities = """
    activity_id,member_id,date,kind,status,role,level,ref,quantity,marks,title
    A1,M1,2025-01-08,全体会议,出席,,,,5,,第一次全体会议
    A2,M2,2025-01-08,全体会议,出席,,,,3,,"<b>全会</b>"
    A3,M9,2025-01-08,全体会议,出席,,,,3,,
    """

    func score(_ s: Scratch, extra: [String] = [], env: [String: String] = [:], out: String = "out") throws -> RunResult {
        let m = s.write("members.csv", members)
        let a = s.write("in/activities.csv", activities)
        return try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", m, "--activities", a,
                          "--out", s.file(out)] + extra, environment: env)
    }

    /// A command line ArgumentParser cannot parse is explained in Chinese (English with
    /// `--lang en`), exit 64; help stays as it is.
    @Test func parseErrorsSpeakTheUsersLanguage() throws {
        let zh = try lvzhi(["history", "show", "abc"])
        #expect(zh.status == 64)
        #expect(zh.stderr.contains("错误: “abc”不是 <run> 的有效值") && zh.stderr.contains("用法: lvzhi history show <run>")
                && zh.stderr.contains("详见 'lvzhi history show --help'。") && !zh.stderr.contains("Error:"), "\(zh.stderr)")
        let missing = try lvzhi(["validate", "--rules"])
        #expect(missing.status == 64 && missing.stderr.contains("错误: --rules <rules> 后面缺少值"), "\(missing.stderr)")
        let extra = try lvzhi(["hist"])
        #expect(extra.status == 64 && extra.stderr.contains("错误: 多余的参数 “hist”"), "\(extra.stderr)")
        let en = try lvzhi(["history", "show", "abc", "--lang", "en"])
        #expect(en.status == 64 && en.stderr.contains("Error: The value 'abc' is invalid for '<run>'"), "\(en.stderr)")
        let help = try lvzhi(["--help"])
        #expect(help.status == 0 && help.stdout.contains("USAGE: lvzhi <subcommand>"))
    }

    @Test func scoresAndWritesEveryOutput() throws {
        let s = Scratch()
        let r = try score(s)
        #expect(r.status == 0, "\(r.stderr)")
        for f in ["report.html", "scores.csv", "scores.json", "rejects.csv"] {
            #expect(FileManager.default.fileExists(atPath: s.file("out/\(f)")), "\(f) missing")
        }
        #expect(r.stdout.contains("拒收 1 条"))
        let byID = try membersByID(s.data("out/scores.json"))
        #expect(decimalText(byID["M1"]?["score"]) == "10")
        #expect(byID["M1"]?["rank"] as? Int == 1)
        #expect(decimalText(byID["M2"]?["score"]) == "6")
    }

    @Test func neutralisesFormulasAndEscapesHTML() throws {
        let s = Scratch()
        _ = try score(s)
        let csv = s.read("out/scores.csv")
        #expect(Array(s.data("out/scores.csv").prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(csv.contains("\"'=HYPERLINK(\"\"x\"\")\""))
        let html = s.read("out/report.html")
        #expect(!html.contains("<script>alert(1)</script>"))
        #expect(!html.contains("<b>全会</b>"))
        // Offline: nothing is loaded from elsewhere (an SVG namespace URI is not a link).
        for pattern in ["src=\"http", "href=\"http", "url(http", "@import", "<link", "<script src"] {
            #expect(!html.contains(pattern), "report.html references an external resource: \(pattern)")
        }
    }

    @Test func rejectsFileNamesLineAndReason() throws {
        let s = Scratch()
        _ = try score(s)
        let rejects = s.read("out/rejects.csv").split(separator: "\r\n")
        #expect(rejects.count == 2)
        #expect(rejects[1].contains("activities.csv,4,A3,M9,member_id,M9,unknown-member,名册中没有这个委员编号"))
    }

    @Test func strictExitsOneOnRejects() throws {
        let s = Scratch()
        #expect(try score(s, extra: ["--strict"]).status == 1)
    }

    @Test func outputIsByteIdenticalAcrossRuns() throws {
        let s = Scratch()
        let env = ["SOURCE_DATE_EPOCH": "1767225600"]
        _ = try score(s, env: env, out: "one")
        _ = try score(s, env: env, out: "two")
        for f in ["report.html", "scores.csv", "scores.json", "rejects.csv"] {
            #expect(!s.data("one/\(f)").isEmpty)
            #expect(s.data("one/\(f)") == s.data("two/\(f)"), "\(f) differs")
        }
    }

    @Test func englishOutput() throws {
        let s = Scratch()
        let r = try score(s, extra: ["--lang", "en"])
        #expect(r.stdout.contains("rejected 1"))
        #expect(s.read("out/scores.csv").hasPrefix("member_id,name,"))
    }

    @Test func brokenRuleFileExitsTwoWithLocation() throws {
        let s = Scratch()
        let text = try String(contentsOfFile: packageRoot + "/Rules/fengjie.yaml", encoding: .utf8)
            .replacingOccurrences(of: "when: {kind: 表彰, level: 国家}", with: "when: {kind: 表影, level: 国家}")
        let rules = s.write("bad.yaml", text)
        let r = try lvzhi(["check", rules])
        #expect(r.status == 2)
        #expect(r.stderr.contains("bad.yaml:"))
        #expect(r.stderr.contains("[R070] 未知的活动类型“表影”"))
        #expect(r.stderr.contains("是否想写“表彰”？"))
        #expect(r.stderr.contains("^"))
    }

    @Test func missingInputExitsThree() throws {
        let s = Scratch()
        let r = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", s.file("nope.csv"),
                           "--activities", s.file("nope"), "--out", s.file("out")])
        #expect(r.status == 3)
        #expect(r.stderr.contains("无法读取"))
    }

    @Test func malformedCSVExitsThreeWithLine() throws {
        let s = Scratch()
        let m = s.write("members.csv", members)
        let a = s.write("a.csv", "activity_id,member_id,date,kind\nA1,M1,2025-01-08,\"全体会议\n")
        let r = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", m, "--activities", a, "--out", s.file("out")])
        #expect(r.status == 3)
        #expect(r.stderr.contains("a.csv:2: 错误: [I002]"))
    }

    @Test func usageErrorExits64() throws {
        #expect(try lvzhi(["score", "--rules"]).status == 64)
        #expect(try lvzhi(["score", "--rules", "x", "--members", "y", "--activities", "z", "--out", "o", "--period", "20X5"]).status == 64)
    }
}

/// The same synthetic records as CSV and as XML must give byte-identical scores.
@Suite struct FormatEquivalenceTests {
    @Test func csvAndXMLScoreTheSame() throws {
        let s = Scratch()
        let gen = Process()
        gen.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gen.arguments = ["python3", packageRoot + "/scripts/gen-samples", "--members", "300", "--records", "5000",
                         "--seed", "7", "--format", "both", "--out", s.file("data")]
        gen.standardError = FileHandle.nullDevice
        try gen.run()
        gen.waitUntilExit()
        try #require(gen.terminationStatus == 0, "scripts/gen-samples failed (python3 needed)")
        for fmt in ["csv", "xml"] {
            let r = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", s.file("data/members.csv"),
                               "--activities", s.file("data/activities.\(fmt)"), "--out", s.file("out-\(fmt)")],
                              environment: ["SOURCE_DATE_EPOCH": "0"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        #expect(s.data("out-csv/scores.csv") == s.data("out-xml/scores.csv"))
        #expect(!s.data("out-csv/scores.csv").isEmpty)
    }
}
