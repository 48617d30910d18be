import Foundation
import GRDB
import Testing

/// The run history through the built binary: `lvzhi score` recording drafts and publications,
/// `lvzhi history`, and approval files checked by `lvzhi test`.
@Suite struct HistoryTests {
    let rules = packageRoot + "/Rules/fengjie.yaml"
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

    func score(_ s: Scratch, _ extra: [String] = [], out: String = "out/2025") throws -> RunResult {
        let m = s.write("data/members.csv", members), a = s.write("data/activities.csv", activities)
        return try lvzhi(["score", "--rules", rules, "--members", m, "--activities", a, "--out", s.file(out),
                          "--run-time", "2025-12-31T09:00:00+08:00"] + extra)
    }

    func history(_ s: Scratch, _ args: [String]) throws -> RunResult {
        try lvzhi(["history"] + args + ["--history", s.file("out/lvzhi-history.sqlite")])
    }

    func runs(_ s: Scratch) throws -> [[String: Any]] {
        let r = try history(s, ["list", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
    }

    /// `--supersede` without `--publish` used to record a draft and leave the published result in
    /// force; `--publish --no-history` published nothing. Both are usage errors now (64), before
    /// anything is written, also when the job file supplies one half.
    @Test func supersedeWithoutPublishAndPublishWithoutHistoryAreRefused() throws {
        let s = Scratch()
        let alone = try score(s, ["--supersede"])
        #expect(alone.status == 64, "\(alone.stdout)\(alone.stderr)")
        #expect(alone.stderr.contains("--supersede 只能与 --publish 一起使用"), "\(alone.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.file("out/2025")))
        #expect(!FileManager.default.fileExists(atPath: s.file("out/lvzhi-history.sqlite")))
        let nothing = try score(s, ["--publish", "--no-history", "--lang", "en"])
        #expect(nothing.status == 64, "\(nothing.stdout)\(nothing.stderr)")
        #expect(nothing.stderr.contains("--publish records the result in the history"), "\(nothing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.file("out/2025")))
        // Through a job file: history: false there, --publish on the command line.
        let m = s.write("data/members.csv", members), a = s.write("data/activities.csv", activities)
        let job = s.write("job.yaml", "rules: \(rules)\nmembers: \(m)\nactivities: [\(a)]\nout: out/2025\nhistory: false\n")
        let viaJob = try lvzhi(["score", "--job", job, "--publish"])
        #expect(viaJob.status == 64 && viaJob.stderr.contains("history: false"), "\(viaJob.stderr)")
        // Both together still work.
        let ok = try score(s, ["--publish", "--supersede"])
        #expect(ok.status == 0 && ok.stdout.contains("#1（公布）"), "\(ok.stdout)\(ok.stderr)")
    }

    @Test func scoreRecordsDraftsBesideTheOutputFolderAndRefusesASecondPublication() throws {
        let s = Scratch()
        let first = try score(s)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("历史：已记为运行 #1（草稿）"), "\(first.stdout)")
        #expect(FileManager.default.fileExists(atPath: s.file("out/lvzhi-history.sqlite")))
        #expect(!FileManager.default.fileExists(atPath: s.file("out/2025/lvzhi-history.sqlite")))

        let published = try score(s, ["--publish"])
        #expect(published.status == 0 && published.stdout.contains("#2（公布）"), "\(published.stdout)\(published.stderr)")
        let before = s.data("out/2025/scores.csv")

        // A second publication of 2025 is refused before anything is written: exit 64, outputs untouched.
        s.write("data/activities.csv", activities + "\nA3,M1,2025-02-01,全体会议,出席,,,,1,,\n")
        let m = s.file("data/members.csv"), a = s.file("data/activities.csv")
        let again = try lvzhi(["score", "--rules", rules, "--members", m, "--activities", a, "--out", s.file("out/2025"), "--publish"])
        #expect(again.status == 64)
        #expect(again.stderr.contains("已有公布的结果（运行 #2）") && again.stderr.contains("--supersede"), "\(again.stderr)")
        #expect(s.data("out/2025/scores.csv") == before)
        #expect(try runs(s).count == 2)

        let superseding = try lvzhi(["score", "--rules", rules, "--members", m, "--activities", a, "--out", s.file("out/2025"),
                                     "--publish", "--supersede", "--lang", "en"])
        #expect(superseding.status == 0, "\(superseding.stderr)")
        #expect(superseding.stdout.contains("run #3 (published, supersedes #2)"), "\(superseding.stdout)")
        #expect(s.data("out/2025/scores.csv") != before)
        let all = try runs(s)
        #expect(all.map { $0["status"] as? String } == ["draft", "published", "published"])
        #expect(all[1]["superseded_by"] as? Int == 3 && all[2]["supersedes"] as? Int == 2)

        // history publish: the draft #1 is refused too, then accepted with --supersede.
        let refused = try history(s, ["publish", "1"])
        #expect(refused.status == 64 && refused.stderr.contains("运行 #3"), "\(refused.stderr)")
        let ok = try history(s, ["publish", "#1", "--supersede"])
        #expect(ok.status == 0 && ok.stdout.contains("已公布运行 #1") && ok.stdout.contains("取代 #3"), "\(ok.stdout)\(ok.stderr)")
        let twice = try history(s, ["publish", "1"])
        #expect(twice.status == 64 && twice.stderr.contains("已经公布"))
    }

    @Test func historyCanBeTurnedOffOrPlacedAndIfChangedSkipsRecordNothing() throws {
        let s = Scratch()
        #expect(try score(s, ["--no-history"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: s.file("out/lvzhi-history.sqlite")))
        let bad = try score(s, ["--no-history", "--history", s.file("h.sqlite")])
        #expect(bad.status == 64)

        // A job file's `history: false`, and `history: PATH` relative to the job file.
        let m = s.write("data/members.csv", members), a = s.write("data/activities.csv", activities)
        let job = s.write("jobs/job.yaml", "rules: \(rules)\nmembers: \(m)\nactivities: [\(a)]\nout: ../out/job\nhistory: false\n")
        #expect(try lvzhi(["score", "--job", job]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: s.file("out/lvzhi-history.sqlite")))
        let job2 = s.write("jobs/job2.yaml", "rules: \(rules)\nmembers: \(m)\nactivities: [\(a)]\nout: ../out/job\nhistory: ../db/h.sqlite\nif_changed: true\n")
        let r1 = try lvzhi(["score", "--job", job2])
        #expect(r1.status == 0 && r1.stdout.contains("#1（草稿）"), "\(r1.stdout)\(r1.stderr)")
        #expect(FileManager.default.fileExists(atPath: s.file("db/h.sqlite")))
        // Unchanged: skipped, nothing recorded.
        let r2 = try lvzhi(["score", "--job", job2])
        #expect(r2.status == 0 && r2.stdout.contains("跳过"), "\(r2.stdout)")
        let list = try lvzhi(["history", "list", "--history", s.file("db/h.sqlite")])
        #expect(list.stdout.split(separator: "\n").count == 2, "\(list.stdout)")
        // A run skipped in the outputs but missing from the history (a new history file) runs again.
        let r3 = try lvzhi(["score", "--job", job2, "--history", s.file("db/other.sqlite")])
        #expect(r3.status == 0 && r3.stdout.contains("#1（草稿）"), "\(r3.stdout)")
    }

    @Test func aHistoryThatCannotBeWrittenStopsTheRunWithNothingChanged() throws {
        let s = Scratch()
        s.write("out/lvzhi-history.sqlite", "这不是数据库\n")
        let r = try score(s)
        #expect(r.status == 3)
        #expect(r.stderr.contains("不是 lvzhi 的历史数据库"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.file("out/2025")))
        #expect(s.read("out/lvzhi-history.sqlite") == "这不是数据库\n")
        let list = try history(s, ["list"])
        #expect(list.status == 3 && list.stderr.contains("不是 lvzhi 的历史数据库"))
        let missing = try lvzhi(["history", "list", "--history", s.file("nowhere.sqlite")])
        #expect(missing.status == 64 && missing.stderr.contains("找不到历史数据库"))
        #expect(!FileManager.default.fileExists(atPath: s.file("nowhere.sqlite")))
    }

    /// A history that fails while the run's rows are written (a trigger stands in for a full
    /// disk): the run fails, the previous outputs stay, and the history holds nothing of it.
    @Test func aHistoryWriteErrorKeepsThePreviousOutputs() throws {
        let s = Scratch()
        #expect(try score(s, ["--publish"]).status == 0)
        let before = s.data("out/2025/scores.csv")
        let manifest = s.data("out/2025/.lvzhi-run.json")
        let db = try DatabaseQueue(path: s.file("out/lvzhi-history.sqlite"))
        try db.write { try $0.execute(sql: "CREATE TRIGGER boom BEFORE INSERT ON member_result BEGIN SELECT RAISE(ABORT, 'disk on fire'); END") }
        s.write("data/activities.csv", activities + "\nA3,M1,2025-02-01,全体会议,出席,,,,1,,\n")
        let m = s.file("data/members.csv"), a = s.file("data/activities.csv")
        let failed = try lvzhi(["score", "--rules", rules, "--members", m, "--activities", a, "--out", s.file("out/2025")])
        #expect(failed.status == 3, "\(failed.stdout)\(failed.stderr)")
        #expect(failed.stderr.contains("disk on fire") && failed.stderr.contains("历史数据库"), "\(failed.stderr)")
        #expect(s.data("out/2025/scores.csv") == before && s.data("out/2025/.lvzhi-run.json") == manifest)
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.file("out")).sorted() == ["2025", "2025.lock", "lvzhi-history.sqlite"])
        #expect(try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM run") } == 1)
        try db.write { try $0.execute(sql: "DROP TRIGGER boom") }
        let again = try lvzhi(["score", "--rules", rules, "--members", m, "--activities", a, "--out", s.file("out/2025")])
        #expect(again.status == 0 && again.stdout.contains("#2（草稿）"), "\(again.stderr)")
        #expect(s.data("out/2025/scores.csv") != before)
    }

    @Test func historyCommandsListShowAndFollowAMember() throws {
        let s = Scratch()
        #expect(try score(s, ["--publish"]).status == 0)
        let m = s.file("data/members.csv"), a = s.write("data/activities.csv", activities.replacingOccurrences(of: ",5,", with: ",2,"))
        #expect(try lvzhi(["score", "--rules", rules, "--members", m, "--activities", a, "--out", s.file("out/2025"),
                           "--period", "2025-Q1"]).status == 0)
        let list = try history(s, ["list"])
        #expect(list.status == 0)
        let lines = list.stdout.split(separator: "\n")
        #expect(lines.count == 3 && lines[0].hasPrefix("编号") && lines[1].contains("#1") && lines[1].contains("公布")
                && lines[2].contains("2025-Q1") && lines[2].contains("草稿") && lines[1].contains("奉节式"), "\(list.stdout)")
        let en = try history(s, ["list", "--lang", "en"])
        #expect(en.stdout.hasPrefix("id") && en.stdout.contains("published"))

        let member = try history(s, ["member", "M1"])
        #expect(member.status == 0)
        #expect(member.stdout.contains("M1 甲委员（经济界，委员）"), "\(member.stdout)")
        // Periods by start, then end: 2025-Q1 (4 points), then 2025 (10 points), a change of +6.
        #expect(member.stdout.contains("2025-Q1") && member.stdout.contains("+6"), "\(member.stdout)")
        let json = try history(s, ["member", "M1", "--format", "json"])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let periods = try #require(root["periods"] as? [[String: Any]])
        #expect(periods.map { decimalText($0["score"]) } == ["4", "10"])
        #expect(periods.map { $0["period"] as? String } == ["2025-Q1", "2025"])
        #expect(periods.map { decimalText($0["change"]) } == ["nil", "6"])
        #expect((periods[1]["rule_counts"] as? [String: Any])?["plenary"] as? Int == 1)
        #expect(try history(s, ["member", "M9"]).status == 64)

        let show = try history(s, ["show", "1", "--members"])
        #expect(show.status == 0)
        for needle in ["运行：#1", "状态：公布", "考核期间：2025（2025-01-01..2025-12-31）", "sha256=", "名册  \(s.path)/data/members.csv",
                       "活动  \(s.path)/data/activities.csv", "M1", "甲委员"] {
            #expect(show.stdout.contains(needle), "show lacks \(needle):\n\(show.stdout)")
        }
        let showJSON = try history(s, ["show", "2", "--format", "json", "--members"])
        let run = try #require(try JSONSerialization.jsonObject(with: Data(showJSON.stdout.utf8)) as? [String: Any])
        #expect(run["period"] as? String == "2025-Q1" && (run["inputs"] as? [Any])?.count == 2 && (run["members"] as? [Any])?.count == 2)
        #expect(try history(s, ["show", "7"]).status == 64)
        #expect(try history(s, ["show", "x"]).status == 64)
    }

    /// The whole approval flow on the sample district: publish, approve, change a rule's points
    /// in a copy of the rule file, and see which members would change.
    @Test func approvedRunsBecomeRegressionCases() throws {
        let s = Scratch()
        let rulesCopy = s.file("rules/fengjie.yaml")
        try FileManager.default.createDirectory(atPath: s.file("rules"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: rules, toPath: rulesCopy)
        let published = try lvzhi(["score", "--rules", rulesCopy, "--members", "Samples/members.csv", "--activities", "Samples/activities",
                                   "--out", s.file("out/2025"), "--publish", "--quiet"])
        #expect(published.status == 0, "\(published.stderr)")

        let draft = try history(s, ["approve", "1", "--to", s.file("rules/x.approved.yaml"), "--draft"])
        #expect(draft.status == 0)
        let approve = try history(s, ["approve", "1"])
        #expect(approve.status == 0, "\(approve.stderr)")
        let approval = s.file("rules/fengjie.2025.approved.yaml")
        let text = s.read("rules/fengjie.2025.approved.yaml")
        #expect(text.contains("rules: \"fengjie.yaml\"") && text.contains("period: \"2025\"") && text.contains("run: 1"), "\(text)")
        #expect(text.contains("members: {path: \"\(relativeToScratchRules("Samples/members.csv", s))\", sha256: \""), "\(text.prefix(900))")
        #expect(text.contains("{id: \"M0001\", name: \""))

        // The same rules reproduce every approved score and grade.
        let same = try lvzhi(["test", rulesCopy, "--approved", approval])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        #expect(same.stdout.contains("✓ 得分和等次都没有改变") && same.stdout.contains("1 passed, 0 failed"), "\(same.stdout)")

        // One more point per plenary half-day: members change, exit 1, each line with old → new.
        let edited = s.file("edited.yaml")
        let original = try String(contentsOfFile: rulesCopy, encoding: .utf8)
        let needle = "when: {kind: 全体会议, status: 出席}, points: 2, per: quantity}"
        #expect(original.contains(needle))
        try original.replacingOccurrences(of: needle, with: "when: {kind: 全体会议, status: 出席}, points: 3, per: quantity}")
            .write(toFile: edited, atomically: true, encoding: .utf8)
        let changed = try lvzhi(["test", edited, "--approved", approval])
        #expect(changed.status == 1, "\(changed.stdout)\(changed.stderr)")
        #expect(changed.stdout.contains("位委员的得分或等次会改变"), "\(changed.stdout)")
        let line = try #require(changed.stdout.split(separator: "\n").first { $0.contains("M00") && $0.contains("→") })
        #expect(line.range(of: #"M\d{4} \S+：得分 [\d.]+ → [\d.]+（\+[\d.]+），等次 \S+"#, options: .regularExpression) != nil, "\(line)")
        #expect(changed.stdout.contains("0 passed, 1 failed"))
        let english = try lvzhi(["test", edited, "--approved", approval, "--lang", "en"])
        #expect(english.status == 1 && english.stdout.contains("members would change"))

        // `lvzhi test FOLDER` runs the rule file's cases and the approval files it holds.
        let folder = try lvzhi(["test", s.file("rules")])
        #expect(folder.status == 0, "\(folder.stdout)\(folder.stderr)")
        #expect(folder.stdout.contains("fengjie.2025.approved.yaml") && folder.stdout.contains("x.approved.yaml"))
        // `lvzhi check Rules/*.yaml` skips the approval files beside the rule files.
        let check = try lvzhi(["check", rulesCopy, approval])
        #expect(check.status == 0 && check.stdout.contains("核准文件，跳过"), "\(check.stdout)\(check.stderr)")

        // An input edited since approval: exit 2, saying which file and where it is named.
        let members = s.file("members.csv")
        try FileManager.default.copyItem(atPath: packageRoot + "/Samples/members.csv", toPath: members)
        let stale = text.replacingOccurrences(of: relativeToScratchRules("Samples/members.csv", s), with: "../members.csv")
        s.write("rules/stale.approved.yaml", stale)
        #expect(try lvzhi(["test", rulesCopy, "--approved", s.file("rules/stale.approved.yaml")]).status == 0)
        try (try String(contentsOfFile: members, encoding: .utf8) + "M9999,新委员,经济界,,委员,,,,,\n").write(toFile: members, atomically: true, encoding: .utf8)
        let staleRun = try lvzhi(["test", rulesCopy, "--approved", s.file("rules/stale.approved.yaml")])
        #expect(staleRun.status == 2, "\(staleRun.stdout)\(staleRun.stderr)")
        #expect(staleRun.stderr.contains("stale.approved.yaml:13:") && staleRun.stderr.contains("与核准时不同"), "\(staleRun.stderr)")

        // A damaged approval file is an error with its place.
        s.write("rules/bad.approved.yaml", "lvzhi_approved: 1\nrules: fengjie.yaml\nperiod: 2025-13\n")
        let bad = try lvzhi(["test", rulesCopy, "--approved", s.file("rules/bad.approved.yaml")])
        #expect(bad.status == 2 && bad.stderr.contains("bad.approved.yaml:3:") && bad.stderr.contains("A011"), "\(bad.stderr)")

        // Only published runs unless --draft.
        #expect(try score(s, [], out: "out/other").status == 0)
        let notPublished = try history(s, ["approve", "2"])
        #expect(notPublished.status == 64 && notPublished.stderr.contains("草稿"))
    }

    /// Foreign exports read through mapping files: the mapping files are recorded as inputs of
    /// their own kind and an approval re-reads the exports through them.
    @Test func approvalsKeepTheMappingFiles() throws {
        let s = Scratch()
        let r = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv",
                           "--activities", "Samples/activities", "Samples/foreign",
                           "--mapping", "Samples/foreign/proposals.mapping.yaml", "Samples/foreign/opinions.mapping.yaml",
                           "Samples/foreign/inspections.mapping.yaml", "Samples/foreign/proposal-system.mapping.yaml",
                           "--out", s.file("out/2025"), "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let show = try history(s, ["show", "1"])
        #expect(show.stdout.contains("映射  \(packageRoot)/Samples/foreign/proposals.mapping.yaml  sha256="), "\(show.stdout)")
        #expect(show.stdout.contains("活动  \(packageRoot)/Samples/foreign/platform-proposals.csv"))
        #expect(try history(s, ["approve", "1", "--draft", "--to", s.file("a.approved.yaml")]).status == 0)
        let text = s.read("a.approved.yaml")
        #expect(text.contains("  mapping:\n    - {path: \"") && text.contains("proposals.mapping.yaml"), "\(text.prefix(1500))")
        let check = try lvzhi(["test", "Rules/fengjie.yaml", "--approved", s.file("a.approved.yaml")])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }

    /// `path` (relative to the package root) as the approval file in `SCRATCH/rules/` names it.
    func relativeToScratchRules(_ path: String, _ s: Scratch) -> String {
        let from = (s.path + "/rules").split(separator: "/")
        let to = (packageRoot + "/" + path).split(separator: "/")
        var i = 0
        while i < from.count, i < to.count, from[i] == to[i] { i += 1 }
        return (Array(repeating: "..", count: from.count - i) + to[i...].map(String.init)).joined(separator: "/")
    }
}
