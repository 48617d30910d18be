import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unattended runs (issue 7): job files, exit codes, lock, --if-changed, byte-identical
/// reruns, and runs killed at many points. Runs the built binary.
@Suite struct UnattendedTests {
    let members = """
    member_id,name,sector,committee,role,group,party,joined,left,ranked
    M1,甲委员,经济界,,委员,,,,,
    M2,乙委员,教育界,,委员,,,,,
    """
    let activities = """
    activity_id,member_id,date,kind,status,role,level,ref,quantity,marks,title
    A1,M1,2025-01-08,全体会议,出席,,,,5,,第一次全体会议
    A2,M2,2025-01-08,全体会议,出席,,,,3,,第一次全体会议
    A3,M9,2025-01-08,全体会议,出席,,,,3,,
    """
    let rules = packageRoot + "/Rules/fengjie.yaml"

    /// Writes the small inputs (2 roster rows, 3 activity rows, 1 of them rejected).
    func inputs(_ s: Scratch) -> (members: String, activities: String) {
        (s.write("data/members.csv", members), s.write("data/in/activities.csv", activities))
    }

    func score(_ s: Scratch, _ extra: [String] = [], out: String = "out", env: [String: String] = [:]) throws -> RunResult {
        let i = inputs(s)
        return try lvzhi(["score", "--rules", rules, "--members", i.members, "--activities", i.activities,
                          "--out", s.file(out)] + extra, environment: env)
    }

    func lines(_ text: String) -> [Substring] { text.split(separator: "\n") }

    // MARK: - Job files

    @Test func jobFileRunWithGlobsRelativePathsAndLog() throws {
        let s = Scratch()
        _ = inputs(s)
        s.write("data/in/more.csv", "activity_id,member_id,date,kind,status,role,level,ref,quantity,marks,title\nB1,M1,2025-03-01,全体会议,出席,,,,1,,\n")
        s.write("data/in/notes.txt", "not an export")
        let job = s.write("jobs/nightly.yaml", """
        # 每晚评分
        rules: \(rules)
        members: ../data/members.csv
        activities:
          - ../data/in/*.csv
        period: 2025
        out: ../out/2025
        formats: [csv, json]
        max_rejects: 1
        log: ../logs/lvzhi.log
        """)
        let r = try lvzhi(["score", "--job", job])
        #expect(r.status == 0, "\(r.stderr)")
        // Not a terminal: exactly one summary line on stdout, nothing on stderr.
        #expect(lines(r.stdout).count == 1)
        #expect(r.stdout.contains("读取记录 4 条") && r.stdout.contains("拒收 1 条"), "\(r.stdout)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: s.file("out/2025")).sorted()
        #expect(names == [".lvzhi-run.json", "rejects.csv", "scores.csv", "scores.json"])
        let log = s.read("logs/lvzhi.log")
        for needle in ["开始：lvzhi", "输入 \(s.path)/data/in/more.csv sha256=", "读取 \(s.path)/data/in/activities.csv：3 条",
                       "输出 \(s.path)/out/2025/scores.csv", "lvzhi: 完成", "结束：退出码 0"] {
            #expect(log.contains(needle), "log lacks \(needle):\n\(log)")
        }
        // Every log line starts with a timestamp and the pid.
        for line in lines(log) { #expect(line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d) \[\d+\] "#, options: .regularExpression) != nil, "\(line)") }

        // Command-line options win over the job file.
        let o = try lvzhi(["score", "--job", job, "--out", s.file("other"), "--lang", "en", "--formats", "html", "--quiet"])
        #expect(o.status == 0, "\(o.stderr)")
        #expect(o.stdout.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.file("other")).sorted() == [".lvzhi-run.json", "rejects.csv", "report.html"])
        #expect(s.read("other/rejects.csv").contains("reason"))
    }

    @Test func jobFileErrorsNameTheLineAndColumn() throws {
        let s = Scratch()
        let job = s.write("job.yaml", "rules: \(rules)\nactivites: [a.csv]\n")
        let r = try lvzhi(["score", "--job", job])
        #expect(r.status == 64)
        #expect(r.stderr.contains("job.yaml:2:1: 错误: [J011] 任务文件中有未知的键“activites”"), "\(r.stderr)")
        #expect(r.stderr.contains("是否想写“activities”"))
        let en = try lvzhi(["score", "--job", job, "--lang", "en"])
        #expect(en.stderr.contains("unknown key 'activites'") && en.stderr.contains("did you mean 'activities'"), "\(en.stderr)")
        // A glob matching nothing is missing input (3), not a usage error.
        let missing = s.write("job2.yaml", "rules: \(rules)\nmembers: m.csv\nactivities: [exports/*.csv]\nout: out\n")
        let m = try lvzhi(["score", "--job", missing])
        #expect(m.status == 3, "\(m.stderr)")
        #expect(m.stderr.contains("[J030]"))
        // Settings missing from both the job file and the command line.
        let partial = s.write("job3.yaml", "rules: \(rules)\n")
        let p = try lvzhi(["score", "--job", partial])
        #expect(p.status == 64)
        #expect(p.stderr.contains("--members") && p.stderr.contains("--out"), "\(p.stderr)")
    }

    // MARK: - Exit codes

    @Test func exitCodes() throws {
        let s = Scratch()
        // 1 rejected of 5 records read (2 roster rows, 3 activities) = 20 %.
        #expect(try score(s, ["--max-rejects", "1"]).status == 0)
        let over = try score(s, ["--max-rejects", "0"])
        #expect(over.status == 1)
        #expect(over.stderr.contains("拒收 1 条（占读取记录的 20.00%），超过上限 --max-rejects 0"), "\(over.stderr)")
        #expect(lines(over.stdout).count == 1)            // the summary is still printed
        #expect(try score(s, ["--max-rejects", "20%"]).status == 0)
        #expect(try score(s, ["--max-rejects", "19.99%"]).status == 1)
        #expect(try score(s, ["--strict"]).status == 1)
        let job = s.write("strict.yaml", "strict: true\n")
        #expect(try score(s, ["--job", job]).status == 1)
        #expect(try score(s, ["--job", job, "--no-strict"]).status == 0)
        // Rule errors, input errors, usage errors.
        let badRules = s.write("bad.yaml", "lvzhi: 1\nname: x\n")
        let i = inputs(s)
        #expect(try lvzhi(["score", "--rules", badRules, "--members", i.members, "--activities", i.activities, "--out", s.file("o")]).status == 2)
        #expect(try lvzhi(["score", "--rules", rules, "--members", i.members, "--activities", s.file("nope.csv"), "--out", s.file("o")]).status == 3)
        #expect(try lvzhi(["score", "--rules", rules, "--members", i.members, "--activities", i.activities]).status == 64)
        #expect(try score(s, ["--max-rejects", "lots"]).status == 64)
        #expect(try score(s, ["--lock", "later"]).status == 64)
        // A target folder holding someone else's sub-folders is refused, untouched.
        s.write("busy/photos/a.jpg", "x")
        let refused = try score(s, out: "busy")
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("不是 lvzhi 写的子文件夹"), "\(refused.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.file("busy")) == ["photos"])
        // --help documents the codes.
        let help = try lvzhi(["--help"])
        for code in ["0 ", "1 ", "2 ", "3 ", "64 ", "70 ", "75 ", "130"] { #expect(help.stdout.contains("  \(code)"), "\(code)") }
    }

    // MARK: - Lock

    @Test func secondRunFailsOrWaitsWhileTheLockIsHeld() throws {
        let s = Scratch()
        _ = inputs(s)
        let fd = open(s.file("out.lock"), O_RDWR | O_CREAT, 0o644)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX) == 0)

        let r = try score(s, ["--lock", "fail"])
        #expect(r.status == 75, "\(r.stderr)")
        #expect(r.stderr.contains("另一个 lvzhi 评分任务正在写入输出文件夹"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.file("out")))
        #expect(try score(s).status == 75)                  // fail is the default

        // With --lock wait the second run queues behind the first.
        let i = inputs(s)
        let p = try startLvzhi(["score", "--rules", rules, "--members", i.members, "--activities", i.activities,
                                "--out", s.file("out"), "--lock", "wait"])
        Thread.sleep(forTimeInterval: 0.5)
        #expect(p.isRunning)
        #expect(!FileManager.default.fileExists(atPath: s.file("out")))
        flock(fd, LOCK_UN)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: s.file("out/scores.json")))
    }

    // MARK: - Idempotence

    @Test func rerunsAreByteIdentical() throws {
        let s = Scratch()
        let pinned = ["--run-time", "2026-01-01T00:00:00+08:00"]
        #expect(try score(s, pinned).status == 0)
        let first = try snapshot(s.file("out"))
        #expect(try score(s, pinned).status == 0)
        #expect(try snapshot(s.file("out")) == first)
        // SOURCE_DATE_EPOCH for the same instant gives the same bytes.
        #expect(try score(s, out: "epoch", env: ["SOURCE_DATE_EPOCH": "1767196800"]).status == 0)
        #expect(try snapshot(s.file("epoch")) == first)
        #expect(s.read("out/scores.json").contains("2026-01-01T00:00:00+08:00"))
    }

    @Test func ifChangedSkipsUnchangedRuns() throws {
        let s = Scratch()
        let first = try score(s, ["--if-changed"])
        #expect(first.status == 0 && first.stdout.contains("完成"), "\(first.stderr)")
        let before = try snapshot(s.file("out"))
        let again = try score(s, ["--if-changed"])
        #expect(again.status == 0)
        #expect(lines(again.stdout).count == 1 && again.stdout.contains("没有变化，跳过"), "\(again.stdout)")
        #expect(try snapshot(s.file("out")) == before)
        // Another option, another input, or a missing output means a real run.
        #expect(try score(s, ["--if-changed", "--lang", "en"]).stdout.contains("done"))
        #expect(try score(s, ["--if-changed", "--lang", "en"]).stdout.contains("skipped"))
        s.write("data/in/activities.csv", activities + "\nA4,M2,2025-02-01,全体会议,出席,,,,1,,")
        let changed = try lvzhi(["score", "--rules", rules, "--members", s.file("data/members.csv"),
                                 "--activities", s.file("data/in/activities.csv"), "--out", s.file("out"), "--if-changed"])
        #expect(changed.stdout.contains("完成"))
        // A run that failed the reject limit is not "successful": it is not skipped next time.
        #expect(try score(s, ["--if-changed", "--max-rejects", "0"]).status == 1)
        #expect(try score(s, ["--if-changed", "--max-rejects", "0"]).status == 1)
    }

    // MARK: - Killed runs

    /// Runs on a generated input and kills them (SIGKILL) or stops them (SIGTERM) at points
    /// spread over reading, scoring, writing and swapping; after each, the output folder must
    /// hold exactly the previous run's files or exactly the new run's, byte for byte.
    @Test func killedRunsNeverLeaveHalfWrittenOutputs() throws {
        let s = Scratch()
        let data = s.file("big")
        let gen = Process()
        gen.executableURL = URL(fileURLWithPath: packageRoot + "/scripts/gen-samples")
        gen.arguments = ["--members", "500", "--records", "20000", "--format", "csv", "--out", data]
        gen.standardOutput = FileHandle.nullDevice
        gen.standardError = FileHandle.nullDevice
        try gen.run()
        gen.waitUntilExit()
        #expect(gen.terminationStatus == 0)
        let out = s.file("out")
        let env = ["SOURCE_DATE_EPOCH": "1767196800"]
        // Without the workbook, whose writer dominates a debug build's run time: the swap of the
        // folder is the same whichever writers fill it.
        func args(_ lang: String) -> [String] {
            ["score", "--rules", rules, "--members", data + "/members.csv", "--activities", data + "/activities.csv",
             "--period", "2025", "--out", out, "--lang", lang, "--formats", "html,csv,json,ledger"]
        }
        // The previous outputs (A). The killed runs write other outputs (B: English).
        let a = try lvzhi(args("zh"), environment: env)
        #expect(a.status == 0, "\(a.stderr)")
        let previous = try snapshot(out)
        #expect(Set(previous.keys).isSuperset(of: ["report.html", "scores.csv", "scores.json", "ledger.csv", "rejects.csv", ".lvzhi-run.json"]))

        enum When { case after(Double), staging, stagingHas(String) }
        let plan: [(Int32, When)] = [
            // While reading and scoring.
            (SIGKILL, .after(0.05)), (SIGKILL, .after(0.2)), (SIGTERM, .after(0.3)),
            // While writing: the first file under way, a later one, the last one written, and
            // the swap (the manifest is written last, just before it).
            (SIGKILL, .staging), (SIGTERM, .stagingHas("scores.csv")), (SIGKILL, .stagingHas("rejects.csv")),
            (SIGKILL, .stagingHas(".lvzhi-run.json")),
        ]
        var seen: [[String: Data]] = []
        for (sig, when) in plan {
            let errPath = s.file("stderr-\(seen.count).txt")
            let p = try startLvzhi(args("en"), environment: env, stderrPath: errPath)
            let staging = s.path + "/.out.tmp-\(p.processIdentifier)"
            let start = Date()
            while p.isRunning {
                let fire: Bool
                switch when {
                case .after(let t): fire = Date().timeIntervalSince(start) >= t
                case .staging: fire = FileManager.default.fileExists(atPath: staging)
                case .stagingHas(let name): fire = FileManager.default.fileExists(atPath: staging + "/" + name)
                }
                if fire { kill(p.processIdentifier, sig); break }
                usleep(500)
            }
            p.waitUntilExit()
            let state = try snapshot(out)
            #expect(state == previous || state.keys.sorted() == previous.keys.sorted(),
                    "signal \(sig) at \(when): output folder holds \(state.keys.sorted())")
            seen.append(state)
            if sig == SIGTERM && p.terminationStatus != 0 {
                // Stopped cleanly: documented code, message, and the staging folder removed.
                #expect(p.terminationReason == .exit && p.terminationStatus == 143)
                let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
                #expect(err.contains("got SIGTERM, stopped"), "\(err)")
                #expect(!FileManager.default.fileExists(atPath: staging))
                #expect(!FileManager.default.fileExists(atPath: staging + ".abort"))
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: out).allSatisfy { previous.keys.contains($0) })
        }
        // A complete run of B cleans up what the killed runs left and gives the new outputs.
        let b = try lvzhi(args("en"), environment: env)
        #expect(b.status == 0, "\(b.stderr)")
        let next = try snapshot(out)
        #expect(next != previous)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: s.path).filter { $0.hasPrefix(".out.") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        for (i, state) in seen.enumerated() {
            #expect(state == previous || state == next, "after kill \(i) (\(plan[i])) the outputs are a mix of two runs")
        }
        #expect(seen.first == previous)
    }

    /// Every file in `dir` (hidden ones included) with its bytes.
    func snapshot(_ dir: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            out[name] = FileManager.default.contents(atPath: dir + "/" + name) ?? Data()
        }
        return out
    }
}
