import Foundation
import GRDB
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Issue 12: faults found by hostile testing — files planted under the names lvzhi writes,
/// inputs that never end, runs killed in the commit phase. Runs the built binary.
@Suite struct HostileTests {
    let members = """
    member_id,name,sector,committee,role,group,party,joined,left,ranked
    M1,甲委员,经济界,,委员,,,,,
    M2,乙委员,教育界,,委员,,,,,
    """
    let activities = """
    activity_id,member_id,date,kind,status,role,level,ref,quantity,marks,title
    A1,M1,2025-01-08,全体会议,出席,,,,5,,第一次全体会议
    A2,M2,2025-01-08,全体会议,出席,,,,3,,第一次全体会议
    """
    let rules = packageRoot + "/Rules/fengjie.yaml"

    func score(_ s: Scratch, _ extra: [String] = [], members m: String? = nil, activities a: [String]? = nil,
               env: [String: String] = [:]) throws -> RunResult {
        let mp = m ?? s.write("data/members.csv", members)
        let ap = a ?? [s.write("data/in/activities.csv", activities)]
        return try lvzhi(["score", "--rules", rules, "--members", mp, "--activities"] + ap + ["--out", s.file("out"), "--period", "2025"] + extra,
                         environment: env)
    }

    func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? -1
    }

    // MARK: - 1. Files planted under the names lvzhi writes

    /// `out.lock` replaced by a symbolic link (or a hard link) to the history database: the run
    /// refuses it and the database keeps every byte.
    @Test func aLockReplacedByALinkIsRefusedNotEmptied() throws {
        let s = Scratch()
        let first = try score(s)
        #expect(first.status == 0, "\(first.stderr)")
        let history = s.file("lvzhi-history.sqlite")
        let before = try #require(FileManager.default.contents(atPath: history))
        #expect(before.count > 0)
        let lock = s.file("out.lock")
        try FileManager.default.removeItem(atPath: lock)
        try FileManager.default.createSymbolicLink(atPath: lock, withDestinationPath: history)
        let r = try score(s)
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("符号链接"), "\(r.stderr)")
        #expect(FileManager.default.contents(atPath: history) == before, "the history database was changed through the lock's link")

        try FileManager.default.removeItem(atPath: lock)
        #expect(link(history, lock) == 0)
        let h = try score(s, ["--lang", "en"])
        #expect(h.status == 3 && h.stderr.contains("hard link"), "\(h.stderr)")
        #expect(FileManager.default.contents(atPath: history) == before)

        // A lock file is never truncated: a run leaves it in place, holding no more than a pid.
        try FileManager.default.removeItem(atPath: lock)
        #expect(try score(s).status == 0)
        #expect(size(lock) > 0 && size(lock) <= 64)
    }

    /// `--log` and the history database named through a symbolic link: refused, the file the
    /// link names unchanged.
    @Test func theLogAndTheHistoryAreNotWrittenThroughALink() throws {
        let s = Scratch()
        let victim = s.write("victim.txt", "keep me\n")
        let log = s.file("run.log")
        try FileManager.default.createSymbolicLink(atPath: log, withDestinationPath: victim)
        let r = try score(s, ["--log", log])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(s.read("victim.txt") == "keep me\n")
        #expect(!FileManager.default.fileExists(atPath: s.file("out")))

        let db = s.file("h.sqlite")
        try FileManager.default.createSymbolicLink(atPath: db, withDestinationPath: s.file("elsewhere.sqlite"))
        let h = try score(s, ["--history", db])
        #expect(h.status == 3, "\(h.stderr)")
        #expect(h.stderr.contains("symbolic link"), "\(h.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.file("elsewhere.sqlite")))
    }
}

// MARK: - 7. Inputs that never end

extension HostileTests {
    /// Runs the binary, killing it after `seconds` (a hang is a failure, not a stuck suite).
    func runBounded(_ args: [String], seconds: Double = 60) throws -> (status: Int32, stderr: String, hung: Bool) {
        let s = Scratch()
        let errPath = s.file("stderr.txt")
        let p = try startLvzhi(args, stderrPath: errPath)
        let start = Date()
        while p.isRunning, Date().timeIntervalSince(start) < seconds { usleep(20_000) }
        let hung = p.isRunning
        if hung { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        return (p.terminationStatus, (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "", hung)
    }

    /// `--members /dev/zero` and a FIFO named x.csv among the activities: refused at once with
    /// the documented exit code (3), the lock released for the next run.
    @Test func devicesAndFIFOsAreRefusedNotReadForever() throws {
        let s = Scratch()
        let acts = s.write("data/in/activities.csv", activities)
        let base = ["score", "--rules", rules, "--period", "2025", "--out", s.file("out")]
        let zero = try runBounded(base + ["--members", "/dev/zero", "--activities", acts])
        #expect(!zero.hung, "--members /dev/zero hung")
        #expect(zero.status == 3 && zero.stderr.contains("[I023]") && zero.stderr.contains("字符设备"), "\(zero.stderr)")

        let m = s.write("data/members.csv", members)
        #expect(mkfifo(s.file("data/in/x.csv"), 0o644) == 0)
        let fifo = try runBounded(base + ["--members", m, "--activities", s.file("data/in"), "--lang", "en"])
        #expect(!fifo.hung, "a FIFO among the activities hung the run")
        #expect(fifo.status == 3 && fifo.stderr.contains("[I023]") && fifo.stderr.contains("named pipe"), "\(fifo.stderr)")
        #expect(mkfifo(s.file("fifo.yaml"), 0o644) == 0)
        let rulesFIFO = try runBounded(["score", "--rules", s.file("fifo.yaml"), "--members", m, "--activities", acts, "--out", s.file("out")])
        #expect(!rulesFIFO.hung && rulesFIFO.status == 2, "\(rulesFIFO.stderr)")

        // The lock is free again: a normal run goes through.
        try FileManager.default.removeItem(atPath: s.file("data/in/x.csv"))
        let ok = try runBounded(base + ["--members", m, "--activities", acts])
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    /// `lvzhi inspect` on a FIFO (named .csv, .xml, or without an extension): refused at once
    /// with I023 and exit 3, as `score` refuses it, instead of blocking for ever on the open.
    @Test func inspectRefusesAFIFO() throws {
        let s = Scratch()
        for name in ["p.csv", "p.xml", "pipe"] {
            #expect(mkfifo(s.file(name), 0o644) == 0)
            let r = try runBounded(["inspect", s.file(name), "--out", s.path], seconds: 30)
            #expect(!r.hung, "inspect \(name) hung")
            #expect(r.status == 3 && r.stderr.contains("[I023]") && r.stderr.contains("命名管道"), "\(name): \(r.stderr)")
        }
    }

    /// `inspect --out` naming a folder that does not exist: which path and why, in the
    /// language asked for, before anything is inspected (exit 64), not Foundation's English.
    @Test func inspectOutMissingFolderSaysWhich() throws {
        let s = Scratch()
        let csv = s.write("a.csv", activities)
        let r = try lvzhi(["inspect", csv, "--out", s.file("missing-dir")])
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains("[U003] --out 给出的草稿文件夹 \(s.file("missing-dir"))：这个文件夹不存在"), "\(r.stderr)")
        #expect(!r.stderr.contains("The operation could not be completed"))
        let en = try lvzhi(["inspect", csv, "--out", csv, "--lang", "en"])
        #expect(en.status == 64 && en.stderr.contains("[U003] the draft folder \(csv) given by --out: it is not a folder"), "\(en.stderr)")
    }

    /// Impossible run times and SOURCE_DATE_EPOCH values: exit 64 with the reason (U001/U002),
    /// nothing written; never rolled over into another time nor silently ignored.
    @Test func impossibleRunTimesAreUsageErrors() throws {
        for t in ["2025-02-30T09:00:00+08:00", "2025-12-31T25:00:00+08:00", "2025-12-31T09:00:60+08:00",
                  "2025-12-31T09:00:00+99:00", "2025-12-31T09:00:00+08:99"] {
            let s = Scratch()
            let r = try score(s, ["--no-history", "--run-time", t])
            #expect(r.status == 64 && r.stderr.contains("[U001]") && r.stderr.contains(t), "\(t): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: s.file("out/scores.json")))
        }
        for e in ["abc", "99999999999999999999", "-1"] {
            let s = Scratch()
            let r = try score(s, ["--no-history", "--lang", "en"], env: ["SOURCE_DATE_EPOCH": e])
            #expect(r.status == 64 && r.stderr.contains("[U002]") && r.stderr.contains("SOURCE_DATE_EPOCH"), "\(e): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: s.file("out/scores.json")))
        }
        // The flag wins over the environment, as before; a valid epoch still pins the time.
        let s = Scratch()
        #expect(try score(s, ["--no-history", "--run-time", "2025-12-31T09:00:00+08:00"], env: ["SOURCE_DATE_EPOCH": "abc"]).status == 0)
        let pinned = Scratch()
        #expect(try score(pinned, ["--no-history"], env: ["SOURCE_DATE_EPOCH": "1767196800"]).status == 0)
        #expect(pinned.read("out/scores.json").contains("\"generated_at\":\"2026-01-01T00:00:00+08:00\""))
        let publish = try lvzhi(["history", "publish", "1", "--history", Scratch().file("none.sqlite")], environment: ["SOURCE_DATE_EPOCH": "1e9"])
        #expect(publish.status == 64 && publish.stderr.contains("[U002]"), "\(publish.stderr)")
    }

    /// A folder where a file is expected: the documented exit code (3, an unreadable input),
    /// never a hang (a folder named like a workbook used to spin ZIPFoundation forever).
    @Test func aFolderWhereAFileIsExpectedExitsThree() throws {
        let s = Scratch()
        let acts = s.write("data/in/activities.csv", activities)
        for name in ["roster.xlsx", "roster.csv", "roster.xml"] {
            try FileManager.default.createDirectory(atPath: s.file(name), withIntermediateDirectories: true)
            let r = try runBounded(["score", "--rules", rules, "--period", "2025", "--members", s.file(name), "--activities", acts,
                                    "--out", s.file("out")], seconds: 30)
            #expect(!r.hung, "--members \(name) (a folder) hung")
            #expect(r.status == 3 && r.stderr.contains("[I023]") && r.stderr.contains("文件夹"), "\(name): \(r.stderr)")
        }
    }
}

// MARK: - 8. Roster validation

extension HostileTests {
    /// An invalid `joined` date, `joined` after `left`, a member who left before the period and
    /// one who joined after it: each roster problem a reject with its line and reason; the
    /// records of a rejected row say so (not "no such member"); members outside the period
    /// are not graded and the report says so.
    @Test func rosterDatesAreCheckedAndMembersOutsideThePeriodAreNotGraded() throws {
        let s = Scratch()
        let m = s.write("data/members.csv", """
        member_id,name,sector,committee,role,group,party,joined,left,ranked
        M1,甲委员,经济界,,委员,,,,,
        M2,乙委员,教育界,,委员,,,2025-13-01,,
        M3,丙委员,教育界,,委员,,,2025-06-01,2025-03-01,
        M4,丁委员,教育界,,委员,,,2020-01-01,2024-06-30,
        M5,戊委员,教育界,,委员,,,2026-02-01,,
        """)
        let a = s.write("data/in/activities.csv", """
        activity_id,member_id,date,kind,status,role,level,ref,quantity,marks,title
        A1,M1,2025-01-08,全体会议,出席,,,,1,,
        A2,M2,2025-01-08,全体会议,出席,,,,1,,
        A4,M4,2025-01-08,全体会议,出席,,,,1,,
        """)
        let r = try score(s, ["--formats", "json,html"], members: m, activities: [a])
        #expect(r.status == 0, "\(r.stderr)")
        let rejects = s.read("out/rejects.csv")
        let lines = rejects.split(separator: "\n").map(String.init)
        // The roster rows, each with its line and reason.
        #expect(lines.contains { $0.contains("members.csv") && $0.contains(",3,") && $0.contains("任职日期（joined）不是有效日期") }, "\(rejects)")
        #expect(lines.contains { $0.contains("members.csv") && $0.contains(",4,") && $0.contains("离任日期早于任职日期 2025-06-01") }, "\(rejects)")
        // The rejected member's record points at the roster row, not at "no such member".
        #expect(lines.contains { $0.contains("A2") && $0.contains("名册中这位委员的一行") && $0.contains("members.csv:3") }, "\(rejects)")
        #expect(!rejects.contains("名册中没有这个委员编号"), "\(rejects)")
        #expect(lines.contains { $0.contains("A4") && $0.contains("已于 2024-06-30 离任") }, "\(rejects)")
        // Only M1 is graded; the report and scores.json say who was left out.
        let graded = try membersByID(s.data("out/scores.json"))
        #expect(Set(graded.keys) == ["M1"], "\(graded.keys.sorted())")
        #expect(s.read("out/report.html").contains("本期不参加评定") && s.read("out/report.html").contains("M4 丁委员"))
        #expect(s.read("out/scores.json").contains("N005"))
    }
}

// MARK: - 2. kill -9 in the commit phase

extension HostileTests {
    /// Kills a run (SIGKILL, through `LVZHI_FAULT_AT`) at every step of its commit phase. After
    /// each kill the output folder holds the previous outputs or the new ones, whole; the next
    /// run settles the history by the folder's manifest, so that the killed run is recorded
    /// exactly when its outputs are the ones in the folder ("一起成功或一起不变").
    @Test(arguments: ["staged", "history-rows", "history-pending", "swapped", "old-removed", "history-completed"])
    func aRunKilledAnywhereInTheCommitPhaseLeavesOutputsAndHistoryAgreeing(_ step: String) throws {
        let s = Scratch()
        let env = ["SOURCE_DATE_EPOCH": "1767196800"]
        let a = try score(s, env: env)
        #expect(a.status == 0, "\(a.stderr)")
        let previous = try snapshot(s.file("out"))
        let history = s.file("lvzhi-history.sqlite")

        let killed = try score(s, ["--lang", "en"], env: env.merging(["LVZHI_FAULT_AT": step]) { $1 })
        #expect(killed.status == SIGKILL, "step \(step): the run was not killed (status \(killed.status)): \(killed.stderr)")
        let state = try snapshot(s.file("out"))
        let swapped = state != previous
        // The folder is never a mix: the new run's outputs are English, whole.
        if swapped {
            #expect(state["scores.csv"].map { String(decoding: $0, as: UTF8.self).contains("member_id") || !$0.isEmpty } == true)
            #expect(Set(state.keys) == Set(previous.keys), "step \(step): \(state.keys.sorted())")
        }
        #expect(["staged", "history-rows", "history-pending"].contains(step) ? !swapped : swapped, "step \(step): swapped \(swapped)")

        // The next run (the same, with --if-changed) settles the killed run first.
        let next = try score(s, ["--lang", "en", "--if-changed", "--log", s.file("run.log")], env: env)
        #expect(next.status == 0, "\(next.stderr)")
        let db = try DatabaseQueue(path: history)
        let (runs, pending) = try db.read { db in
            (try Int64.fetchAll(db, sql: "SELECT id FROM run ORDER BY id"), try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pending_commit") ?? 0)
        }
        #expect(pending == 0, "step \(step): a run is still pending")
        if swapped {
            // The killed run's outputs are in place: it is recorded (completed), and the next
            // run, made from the same inputs, is skipped.
            #expect(runs == [1, 2], "step \(step): runs \(runs)")
            #expect(next.stdout.contains("skipped"), "step \(step): \(next.stdout)")
            if step != "history-completed" { #expect(s.read("run.log").contains("completed run #2"), "\(s.read("run.log"))") }
        } else {
            // Its outputs never arrived: it is not in the history; the next run did the work.
            // (SQLite gives the next run the freed id 2.)
            #expect(runs == [1, 2], "step \(step): runs \(runs)")
            #expect(next.stdout.contains("done"), "step \(step): \(next.stdout)")
            if step == "history-pending" { #expect(s.read("run.log").contains("removed run #2"), "\(s.read("run.log"))") }
        }
        #expect(try snapshot(s.file("out")).keys.sorted() == previous.keys.sorted())
    }

    func snapshot(_ dir: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            out[name] = FileManager.default.contents(atPath: dir + "/" + name) ?? Data()
        }
        return out
    }
}

// MARK: - 9. --if-changed and the outputs' hashes

extension HostileTests {
    /// An emptied scores.csv or an edited report.html is not "unchanged": the run is redone
    /// and the outputs rewritten.
    @Test func ifChangedComparesTheOutputsHashes() throws {
        let s = Scratch()
        let first = try score(s, ["--if-changed"])
        #expect(first.status == 0, "\(first.stderr)")
        let csv = s.read("out/scores.csv")
        #expect(try score(s, ["--if-changed"]).stdout.contains("跳过"))
        s.write("out/scores.csv", "")
        let emptied = try score(s, ["--if-changed"])
        #expect(emptied.status == 0 && !emptied.stdout.contains("跳过"), "\(emptied.stdout)")
        #expect(s.read("out/scores.csv") == csv)
        s.write("out/report.html", s.read("out/report.html").replacingOccurrences(of: "甲委员", with: "某委员"))
        let edited = try score(s, ["--if-changed"])
        #expect(!edited.stdout.contains("跳过"), "\(edited.stdout)")
        #expect(s.read("out/report.html").contains("甲委员"))
        #expect(try score(s, ["--if-changed"]).stdout.contains("跳过"))
    }
}

// MARK: - 6. A history with values outside their domain

extension HostileTests {
    /// A score of Int64.max or an invalid period start in the history file: `diff --runs`,
    /// `history member` and `history list` fail with a clear error naming the run (exit 3),
    /// never a crash (70) or a 1970 date.
    @Test func outOfRangeHistoryValuesAreAClearErrorNamingTheRun() throws {
        let s = Scratch()
        #expect(try score(s).status == 0)
        #expect(try score(s, ["--lang", "en"]).status == 0)
        let history = s.file("lvzhi-history.sqlite")
        let db = try DatabaseQueue(path: history)
        try db.write { db in try db.execute(sql: "UPDATE member_result SET score = 9223372036854775807 WHERE run_id = 1 AND member_id = 'M1'") }
        let diff = try lvzhi(["diff", "--runs", "1", "2", "--history", history])
        #expect(diff.status == 3 && diff.stderr.contains("运行 #1") && diff.stderr.contains("9223372036854775807"), "\(diff.status) \(diff.stderr)")
        let member = try lvzhi(["history", "member", "M1", "--history", history, "--lang", "en"])
        #expect(member.status == 3 && member.stderr.contains("run #1"), "\(member.status) \(member.stderr)")

        try db.write { db in try db.execute(sql: "UPDATE run SET period_start = '2025-02-30' WHERE id = 2") }
        let list = try lvzhi(["history", "list", "--history", history])
        #expect(list.status == 3 && list.stderr.contains("运行 #2") && list.stderr.contains("period_start"), "\(list.status) \(list.stderr)")
        #expect(!list.stdout.contains("1970"))
        let show = try lvzhi(["history", "show", "2", "--history", history])
        #expect(show.status == 3 && !show.stdout.contains("1970"), "\(show.status) \(show.stderr)")
    }
}

// MARK: - 4. Control characters from inputs

extension HostileTests {
    /// ESC, OSC, BEL and line breaks in a column name, a kind, a title and a file name never
    /// reach the terminal or the log raw: they are shown escaped, and a file name with a line
    /// break does not split a log line.
    @Test func controlCharactersFromInputsAreEscapedEverywhere() throws {
        let s = Scratch()
        let m = s.write("data/members.csv", members)
        let evil = "\u{1B}]0;owned\u{07}\u{1B}[31m"
        // A kind with an escape sequence (rejected, listed by validate), a title (shown by explain).
        let acts = s.write("data/in/a\nb\u{1B}[2J.csv", """
        activity_id,member_id,date,kind,status,role,level,ref,quantity,marks,title
        A1,M1,2025-01-08,全体会议,出席,,,,1,,标题\(evil)
        A2,M2,2025-01-08,会议\(evil),出席,,,,1,,
        """)
        let log = s.file("run.log")
        let r = try score(s, ["--log", log], members: m, activities: [acts])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.contains("\u{1B}") && !r.stderr.contains("\u{1B}"))
        let logText = s.read("run.log")
        #expect(!logText.contains("\u{1B}") && !logText.contains("\u{07}"), "\(logText)")
        // Every log line starts with a time stamp: the file name's line break did not split one.
        for line in logText.split(separator: "\n") { #expect(line.hasPrefix("20") && line.contains(" ["), "\(line)") }
        #expect(logText.contains("a\\nb\\e[2J.csv"), "\(logText)")

        let v = try lvzhi(["validate", "--rules", rules, "--members", m, "--activities", acts, "--period", "2025"])
        #expect(!v.stdout.contains("\u{1B}") && !v.stdout.contains("\u{07}") && v.stdout.contains("\\e]0;owned\\x07"), "\(v.stdout)")
        let e = try lvzhi(["explain", "--member", "M1", "--rules", rules, "--members", m, "--activities", acts, "--period", "2025"])
        #expect(e.status == 0 && !e.stdout.contains("\u{1B}]") && !e.stdout.contains("\u{07}"), "\(e.stdout)")

        // A column name with an escape sequence: the diagnostic shows it escaped.
        let bad = s.write("data/bad/x.csv", "activity_id,member_id,date,kind,status,col\(evil)\nA9,M1,2025-01-08,全体会议,出席,x\n")
        let c = try score(s, [], members: m, activities: [bad])
        #expect(c.status == 3 && !c.stderr.contains("\u{1B}") && c.stderr.contains("col\\e]0;owned\\x07"), "\(c.stderr)")
    }
}

/// Paths of one character, relative to the working folder (`--history h`, `--mapping p`,
/// `inspect a`): Foundation's `deletingLastPathComponent` traps on them on Linux, and these
/// runs crashed with exit 70. They must work like `./h`.
@Suite struct OneCharacterPathTests {
    @Test func oneCharacterPathsWorkLikeTheirDotSlashForms() throws {
        let s = Scratch()
        _ = s.write("m.csv", try String(contentsOfFile: packageRoot + "/Samples/members.csv", encoding: .utf8))
        _ = s.write("a.csv", try String(contentsOfFile: packageRoot + "/Samples/activities/meetings.csv", encoding: .utf8))
        _ = s.write("a", "x")
        let rules = packageRoot + "/Rules/fengjie.yaml"
        let score = try lvzhi(["score", "--rules", rules, "--members", "m.csv", "--activities", "a.csv", "--out", "o", "--history", "h", "-q"],
                              directory: s.path)
        #expect(score.status == 0, "\(score.stderr)")
        #expect(FileManager.default.fileExists(atPath: s.file("h")) && FileManager.default.fileExists(atPath: s.file("o/scores.csv")))
        let list = try lvzhi(["history", "list", "--history", "h"], directory: s.path)
        #expect(list.status == 0 && list.stdout.contains("#1"), "\(list.stdout)\(list.stderr)")
        let explain = try lvzhi(["explain", "--rules", rules, "--members", "m.csv", "--activities", "a.csv", "--member", "M0001",
                                 "--history", "h"], directory: s.path)
        #expect(explain.status == 0, "\(explain.stderr)")
        // A file named `a` is not an export lvzhi reads: refused (exit 3), not a crash.
        let inspect = try lvzhi(["inspect", "a"], directory: s.path)
        #expect(inspect.status == 3 && inspect.stderr.contains("I009"), "\(inspect.stderr)")
    }
}

/// `--history ""` said the run was recorded and published while nothing was stored (a second
/// publication was then not refused), and `--out ""` swapped out the working folder: an empty
/// argument is refused with exit 64 before anything is read or written.
@Suite struct EmptyArgumentTests {
    @Test func emptyArgumentsAreUsageErrors() throws {
        let s = Scratch()
        _ = s.write("m.csv", try String(contentsOfFile: packageRoot + "/Samples/members.csv", encoding: .utf8))
        _ = s.write("a.csv", try String(contentsOfFile: packageRoot + "/Samples/activities/meetings.csv", encoding: .utf8))
        let base = ["score", "--rules", packageRoot + "/Rules/fengjie.yaml", "--members", "m.csv", "--activities", "a.csv"]
        for extra in [["--out", "o", "--history", "", "--publish"], ["--out", ""], ["--out", "o", "--mapping", ""]] {
            let r = try lvzhi(base + extra, directory: s.path)
            #expect(r.status == 64 && r.stderr.contains("参数为空"), "\(extra): \(r.stderr)")
        }
        let en = try lvzhi(base + ["--out", "", "--lang", "en"], directory: s.path)
        #expect(en.status == 64 && en.stderr.contains("an empty argument after --out"), "\(en.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.path).sorted() == ["a.csv", "m.csv"])
    }
}
