import Foundation
import Testing
import LvzhiCore
@testable import LvzhiJob

private let outputs = ["report.html", "scores.csv", "scores.json", "ledger.csv", "rejects.csv"]

private func parse(_ text: String, path: String = "/jobs/job.yaml") throws(JobFileError) -> ScoreSettings {
    try JobFile.parse(text, path: path, outputs: outputs).settings
}

private func diagnostics(_ text: String, path: String = "/jobs/job.yaml") -> [Diagnostic] {
    do {
        _ = try parse(text, path: path)
        return []
    } catch {
        return error.diagnostics
    }
}

@Suite struct JobFileTests {
    @Test func mappingFilesResolveAgainstTheJobFolderAndTheCommandLineWins() throws {
        let one = try parse("mapping: maps/proposals.yaml\n")
        #expect(one.mappings == ["/jobs/maps/proposals.yaml"])
        let two = try parse("mapping: [a.yaml, /etc/lvzhi/b.yaml]\n")
        #expect(two.mappings == ["/jobs/a.yaml", "/etc/lvzhi/b.yaml"])
        #expect(two.overriding(with: ScoreSettings(mappings: ["c.yaml"])).mappings == ["c.yaml"])
        #expect(two.overriding(with: ScoreSettings()).mappings == two.mappings)
        #expect(diagnostics("mappings: a.yaml\n").first?.hintZh?.hasPrefix("是否想写“mapping”？") == true)
    }

    @Test func correctionsFileResolvesAgainstTheJobFolderAndTheCommandLineWins() throws {
        let job = try parse("corrections: 复核/2025.yaml\n")
        #expect(job.corrections == "/jobs/复核/2025.yaml")
        #expect(job.overriding(with: ScoreSettings(corrections: "/tmp/other.yaml")).corrections == "/tmp/other.yaml")
        #expect(job.overriding(with: ScoreSettings()).corrections == job.corrections)
        #expect(diagnostics("correction: a.yaml\n").first?.hintZh?.hasPrefix("是否想写“corrections”？") == true)
        #expect(diagnostics("corrections: [a.yaml, b.yaml]\n").first?.location?.line == 1)
    }

    @Test func readsEveryKey() throws {
        let s = try parse("""
        rules: rules/fengjie.yaml
        members: /data/members.csv
        activities: [/data/a.csv, exports/]
        period: 2025-Q1
        out: ../out/2025
        formats: [html, csv, scores.json]
        lang: en
        strict: true
        max_rejects: 2.5%
        history: history.sqlite
        lock: wait
        log: logs/lvzhi.log
        quiet: yes
        if_changed: false
        """)
        #expect(s.rules == "/jobs/rules/fengjie.yaml")
        #expect(s.members == "/data/members.csv")
        #expect(s.activities == ["/data/a.csv", "/jobs/exports"])
        #expect(s.period == "2025-Q1")
        #expect(s.out == "/out/2025")
        #expect(s.formats == ["report.html", "scores.csv", "scores.json"])
        #expect(s.lang == .en)
        #expect(s.strict == true)
        #expect(s.maxRejects == .percent(Points(parsing: "2.5")!))
        #expect(s.history == "/jobs/history.sqlite")
        #expect(s.lock == .wait)
        #expect(s.log == "/jobs/logs/lvzhi.log")
        #expect(s.quiet == true)
        #expect(s.ifChanged == false)
    }

    @Test func historySwitchesAndPublication() throws {
        let off = try parse("rules: r.yaml\nhistory: false\npublish: true\nsupersede: yes\n")
        #expect(off.history == nil && off.historyEnabled == false && off.publish == true && off.supersede == true)
        let on = try parse("history: true\n")
        #expect(on.history == nil && on.historyEnabled == true)
        // A file literally named "false" can still be written quoted.
        #expect(try parse("history: \"false\"\n").history == "/jobs/false")
        // The command line wins both ways: --history PATH turns a job's `history: false` back on,
        // --no-history turns a job's path off.
        let cliPath = off.overriding(with: ScoreSettings(history: "/x/h.sqlite"))
        #expect(cliPath.history == "/x/h.sqlite" && cliPath.historyEnabled == true)
        let cliOff = try parse("history: h.sqlite\n").overriding(with: ScoreSettings(historyEnabled: false))
        #expect(cliOff.historyEnabled == false)
        #expect(diagnostics("publish: maybe\n").first?.id == "J023")
    }

    @Test func unknownKeyHasLineColumnAndHint() {
        let d = diagnostics("""
        rules: r.yaml
        # a comment
          
        membres: m.csv
        """)
        #expect(d.count == 1)
        #expect(d.first?.id == "J011")
        #expect(d.first?.location == SourceLocation(file: "/jobs/job.yaml", line: 4, column: 1))
        #expect(d.first?.hintZh?.contains("是否想写“members”") == true)
        #expect(d.first?.hintEn?.contains("did you mean 'members'") == true)
        let rendered = JobFileError(path: "/jobs/job.yaml", source: "rules: r.yaml\n\n\nmembres: m.csv", diagnostics: d).render(.zh)
        #expect(rendered.hasPrefix("/jobs/job.yaml:4:1: 错误: [J011] 任务文件中有未知的键“membres”"))
    }

    @Test func badValuesPointAtTheValue() {
        let d = diagnostics("""
        lock: sometimes
        max_rejects: many
        formats: [html, htm]
        period: 2025-Q5
        strict: maybe
        lang: fr
        """)
        #expect(d.map(\.id) == ["J025", "J024", "J021", "J020", "J023", "J022"])
        #expect(d.map { $0.location?.line ?? 0 } == [1, 2, 3, 4, 5, 6])
        #expect(d[0].location?.column == 7)
        #expect(d[2].location?.column == 17)
        #expect(d[2].hintZh?.contains("“html”") == true)
    }

    @Test func duplicateKeysAliasesAndSyntaxErrors() {
        let dup = diagnostics("out: a\nlog: l\nout: b\n")
        #expect(dup.map(\.id) == ["J012"])
        #expect(dup.first?.location == SourceLocation(file: "/jobs/job.yaml", line: 3, column: 1))
        #expect(diagnostics("base: &b x.csv\nrules: *b\n").map(\.id).contains("J011"))
        let syntax = diagnostics("rules: [a.yaml\nout: b\n")
        #expect(syntax.map(\.id) == ["J003"])
        #expect(syntax.first?.location?.line ?? 0 >= 1)
        #expect(diagnostics("- a\n- b\n").map(\.id) == ["J010"])
        #expect(diagnostics("").map(\.id) == ["J004"])
    }

    @Test func emptyValuesLeaveSettingsUnset() throws {
        let s = try parse("rules:\nperiod: ~\nout: out\n")
        #expect(s.rules == nil && s.period == nil)
        #expect(s.out == "/jobs/out")
    }

    @Test func relativePathsResolveAgainstTheJobFileFolder() throws {
        // A job file named by a relative path gives relative paths, normalised.
        let s = try parse("rules: ../../Rules/fengjie.yaml\nmembers: ./data/../Samples/members.csv\nout: /abs/out\n",
                          path: "scripts/cron/job.yaml")
        #expect(s.rules == "Rules/fengjie.yaml")
        #expect(s.members == "scripts/cron/Samples/members.csv")
        #expect(s.out == "/abs/out")
        let here = try parse("rules: r.yaml\n", path: "job.yaml")
        #expect(here.rules == "r.yaml")
        let up = try parse("rules: ../r.yaml\n", path: "job.yaml")
        #expect(up.rules == "../r.yaml")
    }

    @Test func globsExpandSortedAgainstTheJobFileFolder() throws {
        let s = Scratch()
        for name in ["exports/b.csv", "exports/a.csv", "exports/c.xml", "exports/notes.txt", "exports/sub/d.csv", "job.yaml"] {
            s.write(name, "x")
        }
        let job = s.path + "/job.yaml"
        let settings = try JobFile.parse("activities:\n  - exports/*.csv\n  - exports/[c]*.xml\n  - exports/sub\n",
                                         path: job, outputs: outputs).settings
        #expect(settings.activities == [s.path + "/exports/a.csv", s.path + "/exports/b.csv",
                                        s.path + "/exports/c.xml", s.path + "/exports/sub"])
        // A pattern matching nothing is an input error, with its position.
        do {
            _ = try JobFile.parse("activities: [exports/*.csv, missing/*.csv]\n", path: job, outputs: outputs)
            Issue.record("expected an error")
        } catch {
            #expect(error.isInputError)
            #expect(error.diagnostics.map(\.id) == ["J030"])
            #expect(error.diagnostics.first?.location?.column == 29)
        }
    }

    @Test func loadsFromDiskAndReportsUnreadableFiles() throws {
        let s = Scratch()
        let job = s.write("jobs/job.yaml", "rules: ../r.yaml\n")
        #expect(try JobFile.load(path: job, outputs: outputs).settings.rules == s.path + "/r.yaml")
        do {
            _ = try JobFile.load(path: s.path + "/nope.yaml", outputs: outputs)
            Issue.record("expected an error")
        } catch {
            #expect(error.diagnostics.map(\.id) == ["J001"])
            #expect(!error.isInputError)
        }
    }
}

@Suite struct ScoreSettingsTests {
    @Test func commandLineOverridesTheJobFile() throws {
        let job = try parse("""
        rules: r.yaml
        members: m.csv
        activities: [a.csv, b.csv]
        out: out
        strict: true
        lock: wait
        lang: en
        """)
        let cli = ScoreSettings(activities: ["/cli/x.csv"], out: "/cli/out", strict: false, maxRejects: .count(3))
        let merged = job.overriding(with: cli)
        #expect(merged.rules == "/jobs/r.yaml")            // only in the job file
        #expect(merged.activities == ["/cli/x.csv"])      // a list replaces, not appends
        #expect(merged.out == "/cli/out")
        #expect(merged.strict == false)                   // --no-strict beats strict: true
        #expect(merged.maxRejects == .count(3))
        #expect(merged.lock == .wait)
        #expect(merged.lang == .en)
        #expect(merged.missing.isEmpty)
        #expect(ScoreSettings(rules: "r").missing == ["members", "activities", "out"])
    }

    @Test func rejectLimits() {
        #expect(RejectLimit(parsing: "10") == .count(10))
        #expect(RejectLimit(parsing: " 2.5% ") == .percent(Points(parsing: "2.5")!))
        #expect(RejectLimit(parsing: "0%") == .percent(.zero))
        for bad in ["", "-1", "abc", "150%", "1.5", "%"] { #expect(RejectLimit(parsing: bad) == nil, "\(bad)") }
        #expect(!RejectLimit.count(2).isExceeded(rejected: 2, total: 100))
        #expect(RejectLimit.count(2).isExceeded(rejected: 3, total: 100))
        // Exact: 1 of 40 is 2.5 %.
        #expect(!RejectLimit.percent(Points(parsing: "2.5")!).isExceeded(rejected: 1, total: 40))
        #expect(RejectLimit.percent(Points(parsing: "2.4999")!).isExceeded(rejected: 1, total: 40))
        #expect(!RejectLimit.percent(.zero).isExceeded(rejected: 0, total: 0))
    }

    @Test func formatNames() {
        #expect(OutputFormats.resolve("html", available: outputs) == "report.html")
        #expect(OutputFormats.resolve("CSV", available: outputs) == "scores.csv")
        #expect(OutputFormats.resolve("json", available: outputs) == "scores.json")
        #expect(OutputFormats.resolve("ledger", available: outputs) == "ledger.csv")
        #expect(OutputFormats.resolve("rejects.csv", available: outputs) == "rejects.csv")
        #expect(OutputFormats.resolve("xlsx", available: outputs + ["scores.xlsx"]) == "scores.xlsx")
        #expect(OutputFormats.resolve("pdf", available: outputs) == nil)
        #expect(OutputFormats.tokens(available: outputs) == ["html", "csv", "json", "ledger", "rejects"])
    }

    @Test func pathArithmetic() {
        #expect(JobPaths.normalize("a/./b//c/../d") == "a/b/d")
        #expect(JobPaths.normalize("../../x") == "../../x")
        #expect(JobPaths.normalize("/../x") == "/x")
        #expect(JobPaths.normalize("a/..") == ".")
        #expect(JobPaths.directory(of: "out") == ".")
        #expect(JobPaths.directory(of: "/out") == "/")
        #expect(JobPaths.directory(of: "a/b/") == "a")
        #expect(JobPaths.lastComponent(of: "a/b/") == "b")
        #expect(JobPaths.escapePattern("we[ir]d*") == "we\\[ir\\]d\\*")
    }
}

@Suite struct OutputFolderTests {
    let owned: Set<String> = Set(outputs + [RunManifest.fileName])

    func stage(_ f: OutputFolder, _ files: [String: String]) throws -> String {
        let staging = try f.prepare()
        for (name, text) in files {
            _ = FileManager.default.createFile(atPath: staging + "/" + name, contents: Data(text.utf8))
        }
        return staging
    }

    func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func swapsWholeFoldersAndKeepsForeignFiles() throws {
        let s = Scratch()
        let out = s.path + "/out"
        let f1 = OutputFolder(target: out)
        #expect(f1.staging == s.path + "/.out.tmp-\(getpid())")
        _ = try stage(f1, ["scores.csv": "old", "report.html": "old"])
        try f1.commit(owned: owned)
        #expect(read(out + "/scores.csv") == "old")
        // Someone puts a note in the folder; the next run writes fewer outputs.
        s.write("out/README.txt", "note")
        let f2 = OutputFolder(target: out)
        _ = try stage(f2, ["scores.csv": "new"])
        try f2.commit(owned: owned)
        #expect(read(out + "/scores.csv") == "new")
        #expect(read(out + "/README.txt") == "note")
        #expect(read(out + "/report.html") == nil)          // a stale output is not carried over
        let left = try FileManager.default.contentsOfDirectory(atPath: s.path).filter { $0.hasPrefix(".out.") }
        #expect(left.isEmpty)
    }

    @Test func refusesFoldersWithForeignSubfolders() throws {
        let s = Scratch()
        s.write("out/photos/a.jpg", "x")
        let f = OutputFolder(target: s.path + "/out")
        #expect(throws: OutputFolder.Failure.self) { try f.check(owned: owned) }
        s.write("file", "x")
        #expect(throws: OutputFolder.Failure.self) { try OutputFolder(target: s.path + "/file").check(owned: owned) }
    }

    @Test func abortRemovesTheStagingFolder() throws {
        let s = Scratch()
        let f = OutputFolder(target: s.path + "/out")
        let staging = try stage(f, ["scores.csv": "x"])
        #expect(f.abort() == false)
        #expect(!FileManager.default.fileExists(atPath: staging))
        #expect(!FileManager.default.fileExists(atPath: s.path + "/out"))
        #expect(throws: OutputFolder.Failure.self) { try f.commit(owned: owned) }
    }

    @Test func recoversAfterAKilledRun() throws {
        let s = Scratch()
        // A run killed while staging, and one killed between the two renames of the fallback swap.
        s.write(".out.tmp-99999/scores.csv", "half")
        s.write(".out.old-99998/scores.csv", "previous")
        // The staging folder of another output folder, `out.tmp-x`, is not ours.
        s.write(".out.tmp-x.tmp-99997/scores.csv", "other")
        let f = OutputFolder(target: s.path + "/out")
        let did = try f.recover()
        #expect(did.count == 2)
        #expect(read(s.path + "/out/scores.csv") == "previous")
        let left = try FileManager.default.contentsOfDirectory(atPath: s.path).filter { $0.hasPrefix(".out.") }
        #expect(left == [".out.tmp-x.tmp-99997"])
    }
}

@Suite struct RunLockTests {
    @Test func secondLockFailsOrWaits() throws {
        let s = Scratch()
        let path = RunLock.path(forOutput: s.path + "/out")
        #expect(path == s.path + "/out.lock")
        let first = try RunLock.acquire(path: path, mode: .fail)
        do {
            _ = try RunLock.acquire(path: path, mode: .fail)
            Issue.record("expected the lock to be busy")
        } catch {
            guard case .busy(_, let pid) = error else { Issue.record("\(error)"); return }
            #expect(pid == getpid())
            #expect(error.message(.zh, out: "out").contains("正在写入输出文件夹 out"))
        }
        first.release()
        let again = try RunLock.acquire(path: path, mode: .fail)
        again.release()
    }
}

@Suite struct RunManifestTests {
    @Test func changesWithAnyInputOrOption() throws {
        let s = Scratch()
        let base = s.write("rules/base.yaml", "lvzhi: 1\n")
        let rules = s.write("rules/r.yaml", "extends: base.yaml\n")
        let members = s.write("m.csv", "member_id\n")
        let a = s.write("a.csv", "activity_id\n")
        func make(_ options: [String: String] = ["lang": "zh"]) throws -> RunManifest {
            try RunManifest.make(tool: "t", rules: rules, members: members, activities: [a], options: options, outputs: ["scores.csv"]).get()
        }
        let m1 = try make()
        #expect(m1.rules.map(\.path) == [rules, base])
        #expect(m1 == (try make()))
        #expect(m1.encoded() == (try make()).encoded())
        #expect(m1 != (try make(["lang": "en"])))
        s.write("rules/base.yaml", "lvzhi: 1\n# edited\n")
        #expect(m1 != (try make()))
        // Up to date only when the stored manifest matches and every output is there.
        s.write("out/scores.csv", "x")
        let m2 = try make()
        // A manifest without the outputs' hashes (an older version's) never lets a run skip.
        _ = FileManager.default.createFile(atPath: s.path + "/out/" + RunManifest.fileName, contents: m2.encoded())
        #expect(!m2.isUpToDate(in: s.path + "/out"))
        let written = try #require(m2.withOutputHashes(in: s.path + "/out"))
        try FileManager.default.removeItem(atPath: s.path + "/out/" + RunManifest.fileName)
        _ = FileManager.default.createFile(atPath: s.path + "/out/" + RunManifest.fileName, contents: written.encoded())
        #expect(m2.isUpToDate(in: s.path + "/out"))
        // An output edited or emptied since: not up to date.
        s.write("out/scores.csv", "")
        #expect(!m2.isUpToDate(in: s.path + "/out"))
        s.write("out/scores.csv", "x")
        #expect(m2.isUpToDate(in: s.path + "/out"))
        try FileManager.default.removeItem(atPath: s.path + "/out/scores.csv")
        #expect(!m2.isUpToDate(in: s.path + "/out"))
        if case .failure(let e) = RunManifest.make(tool: "t", rules: rules, members: s.path + "/none.csv", activities: [],
                                                   options: [:], outputs: []) {
            #expect(e.path == s.path + "/none.csv")
        } else {
            Issue.record("expected a hash failure")
        }
    }
}

@Suite struct JobFileAsOfTests {
    @Test func asOfIsReadCheckedAndOverridden() throws {
        let job = try parse("rules: r.yaml\nas_of: 2025-06-30\n")
        #expect(job.asOf == "2025-06-30")
        #expect(job.overriding(with: ScoreSettings(asOf: "2025-09-30")).asOf == "2025-09-30")
        #expect(job.overriding(with: ScoreSettings()).asOf == "2025-06-30")
        let d = diagnostics("as_of: 6月底\n")
        #expect(d.map(\.id) == ["J026"])
        #expect(d.first?.location?.line == 1)
        #expect(d.first?.location?.column == 8)
    }
}

/// Output hashes taken as the files are written (``WrittenFiles``) are the hashes of the
/// files read back; a file changed since, or not written through them, is read and hashed.
@Suite struct WrittenFileHashTests {
    @Test func hashesRecordedWhileWritingMatchTheFilesAndGoStaleWhenTheyChange() throws {
        #expect(ContentHash.sha256(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let scratch = Scratch()
        let page = scratch.path + "/page.html"
        let bytes = Array("<p>委员</p>\n".utf8)
        try bytes.withUnsafeBytes { try SafeFile.writeNew($0, to: page, sync: false, recordHash: true) }
        var st = stat()
        #expect(lstat(page, &st) == 0)
        #expect(WrittenFiles.shared.sha256(st) == ContentHash.sha256(bytes))
        // Taken once: asked again, the file is read and hashed (the same hash).
        #expect(WrittenFiles.shared.sha256(st) == nil)
        #expect(RunManifest.outputHash(page) == ContentHash.sha256(file: page))
        // Changed after it was written: the recorded hash no longer applies.
        let handle = try #require(FileHandle(forWritingAtPath: page))
        handle.seekToEndOfFile()
        handle.write(Data("x".utf8))
        try handle.close()
        #expect(lstat(page, &st) == 0)
        #expect(WrittenFiles.shared.sha256(st) == nil)
        #expect(RunManifest.outputHash(page) == ContentHash.sha256(bytes + Array("x".utf8)))
        // A file written some other way was never recorded.
        let other = scratch.path + "/other.csv"
        try Data("a,b\n".utf8).write(to: URL(fileURLWithPath: other))
        #expect(lstat(other, &st) == 0)
        #expect(WrittenFiles.shared.sha256(st) == nil)
        #expect(RunManifest.outputHash(other) == ContentHash.sha256(Array("a,b\n".utf8)))
    }
}
