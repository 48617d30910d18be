import Foundation
import GRDB
import Synchronization
import Testing
@testable import LvzhiCore
@testable import LvzhiHistory
@testable import LvzhiIngest
@testable import LvzhiRules
@testable import LvzhiScoring

/// The history store: recording, reading, publication rules, choosing runs per period, rule
/// counts, migrations and files that are not history databases.
@Suite struct HistoryStoreTests {
    static let header = "activity_id,member_id,date,kind,status,role,level,ref,quantity,marks,title\n"

    /// Scores `rows` (dates inside 2025; shifted into `period`'s year) for `period`.
    static func run(_ rows: String, period spec: String = "2025") throws -> ScoreRun {
        let s = Scratch()
        let period = Period(spec: spec)!
        let year = period.start.components.year
        let roster = try RosterReader.read(path: s.write("m.csv", testMembersCSV.replacingOccurrences(of: "2025-", with: "\(year)-")))
        let rules = try testRules()
        var ing = ActivityIngestor(members: roster.members, period: period, vocabulary: rules.vocabulary)
        try ing.read(path: s.write("a.csv", header + rows.replacingOccurrences(of: "2025-", with: "\(year)-")))
        return Scorer.score(ing.finish(), rules: rules, period: period)
    }

    static let rows = """
    A1,M1,2025-01-08,全体会议,出席,,,,4,,全会
    A2,M1,2025-03-01,提案,立案,第一提案人,,P1,,重点,提案一
    A3,M2,2025-03-01,提案,立案,联名提案人,,P1,,重点,提案一
    A4,M1,2025-04-01,提案,立案,第一提案人,,P2,,,提案二
    A5,M1,2025-05-01,提案,立案,第一提案人,,P3,,,提案三
    A6,M1,2025-05-02,界别活动,参加,,,,,,
    A7,M1,2025-05-03,界别活动,参加,,,,,,
    A8,M1,2025-05-04,界别活动,参加,,,,,,
    A9,M2,2025-01-08,全体会议,缺席,,,,3,,
    A10,M3,2025-08-01,违纪,,,,,,,

    """

    func open(_ s: Scratch) throws -> HistoryStore {
        try HistoryStore.open(path: s.path + "/nested/folder/" + HistoryStore.defaultFileName)
    }

    func record(_ store: HistoryStore, _ run: ScoreRun, _ status: HistoryStatus = .draft, supersede: Bool = false,
                time: String = "2025-12-31T09:00:00+08:00") throws -> HistoryRun {
        try store.record(HistoryRecord(run: run, runTime: time, toolVersion: "9.9.9",
                                       inputs: [HistoryInput(role: .members, path: "m.csv", sha256: String(repeating: "a", count: 64))],
                                       status: status, supersede: supersede))
    }

    @Test func recordsARunAndReadsItBackExactly() throws {
        let s = Scratch()
        let store = try open(s)
        #expect(FileManager.default.fileExists(atPath: store.path))
        let run = try Self.run(Self.rows)
        let correction = HistoryCorrection(seq: 1, action: "remove", recordID: "A9", memberID: "M2", detail: "缺席改为请假",
                                           reason: "补交请假条", approvedBy: "办公室", source: SourceLocation(file: "fix.yaml", line: 3, column: 5))
        let r = try store.record(HistoryRecord(run: run, runTime: "2025-12-31T09:00:00+08:00", toolVersion: "9.9.9",
                                               inputs: [HistoryInput(role: .members, path: "m.csv", sha256: "abc"),
                                                        HistoryInput(role: .mapping, path: "/x/map.yaml", sha256: "def")],
                                               corrections: [correction], fingerprint: "fp1"))
        #expect(r.id == 1 && r.status == .draft && r.publishedAt == nil && r.supersedes == nil)
        #expect(r.periodLabel == "2025" && r.period == Period(spec: "2025"))
        #expect(r.rulesName == "测试规则" && r.rulesVersion == "t1" && r.toolVersion == "9.9.9")
        #expect(r.memberCount == 4 && r.grades.map(\.count) == run.gradeCounts && r.grades.map(\.name) == ["优秀", "合格", "不合格"])
        #expect(r.categories.map(\.id) == ["meetings", "proposals", "sector", "deductions"])
        #expect(try store.runs().map(\.id) == [1])
        #expect(try store.hasRun(fingerprint: "fp1") && !(try store.hasRun(fingerprint: "fp2")))

        let results = try store.results(run: 1)
        #expect(results.map(\.memberID) == run.results.map { run.members[$0.member].id })
        let m1 = try #require(results.first { $0.memberID == "M1" })
        #expect(m1.score == Points(32) && m1.grade == "优秀" && m1.color == "绿" && m1.gradeIndex == 0 && m1.rank == 1)
        #expect(m1.categoryPoints["proposals"] == Points(20) && m1.categoryPoints["sector"] == Points(4))
        // Every matched record counts, including the third 界别活动 the rule cap cut to 1 point.
        #expect(m1.ruleCounts == ["plenary": 1, "lead": 3, "key": 1, "sector": 3])
        let m2 = try #require(results.first { $0.memberID == "M2" })
        #expect(m2.ruleCounts == ["cosign": 1, "key": 1, "absent": 1] && m2.role == "常委" && m2.sector == "经济界")
        let m3 = try #require(results.first { $0.memberID == "M3" })
        #expect(m3.vetoes == ["违纪"] && m3.partialPeriod && m3.grade == "不合格")
        #expect(results.first { $0.memberID == "M4" }?.rank == nil)

        let inputs = try store.inputs(run: 1)
        #expect(inputs.map(\.role) == [.members, .mapping] && inputs[1].path == "/x/map.yaml")
        #expect(inputs[0].path == HistoryPaths.absolute("m.csv") && inputs[0].path.hasPrefix("/"))
        #expect(try store.corrections(run: 1) == [correction])
    }

    @Test func publishedRunsAreImmutableAndOnlySuperseded() throws {
        let s = Scratch()
        let store = try open(s)
        let run = try Self.run(Self.rows)
        let draft = try record(store, run)
        let published = try store.publish(run: draft.id, at: "2026-01-05T10:00:00+08:00")
        #expect(published.status == .published && published.publishedAt == "2026-01-05T10:00:00+08:00" && published.isCurrent)
        #expect(throws: HistoryError.notDraft(draft.id)) { try store.publish(run: draft.id, at: "x") }
        #expect(throws: HistoryError.noSuchRun(42)) { try store.publish(run: 42, at: "x") }

        // A second publication of the period is refused, as a draft then published and directly.
        let second = try record(store, run)
        #expect(throws: HistoryError.alreadyPublished(existing: 1, period: "2025", rulesName: "测试规则")) {
            try store.publish(run: second.id, at: "x")
        }
        #expect(throws: HistoryError.alreadyPublished(existing: 1, period: "2025", rulesName: "测试规则")) {
            try record(store, run, .published)
        }
        #expect(try store.runs().count == 2, "a refused publication records nothing")

        // --supersede: a new published run; the old one is kept and marked.
        let third = try record(store, run, .published, supersede: true)
        #expect(third.status == .published && third.supersedes == 1 && third.isCurrent)
        let old = try #require(try store.run(1))
        #expect(old.supersededBy == third.id && !old.isCurrent && old.status == .published)
        #expect(try store.currentPublished(period: run.period, rulesName: "测试规则")?.id == third.id)
        // Publishing the draft over the current one needs --supersede too.
        let fourth = try store.publish(run: second.id, at: "y", supersede: true)
        #expect(fourth.supersedes == third.id)

        // SQL cannot change or delete a published run or its rows either.
        try store.queue.write { db in
            for sql in ["UPDATE run SET rules_version = 'x' WHERE id = 1", "DELETE FROM run WHERE id = 1",
                        "UPDATE member_result SET score = 0 WHERE run_id = 1", "DELETE FROM member_result WHERE run_id = 1",
                        "DELETE FROM run_input WHERE run_id = 1",
                        "INSERT INTO correction (run_id, seq, action, record_id, member_id, detail, reason, approved_by) VALUES (1, 9, 'a', '', '', '', '', '')"] {
                #expect(throws: DatabaseError.self, "\(sql)") { try db.execute(sql: sql) }
            }
        }
        #expect(try store.results(run: 1).count == 4)
    }

    @Test func anErrorBeforeCommitRecordsNothing() throws {
        struct SwapFailed: Error {}
        let s = Scratch()
        let store = try open(s)
        var seen: HistoryRun?
        #expect(throws: SwapFailed.self) {
            try store.record(HistoryRecord(run: try Self.run(Self.rows), runTime: "t", toolVersion: "v", status: .published)) { r in
                seen = r
                throw SwapFailed()
            }
        }
        // The closure saw the complete run (published, with its id) inside the transaction.
        #expect(seen?.status == .published && seen?.memberCount == 4)
        #expect(try store.runs().isEmpty)
        #expect(try store.results(run: seen?.id ?? 1).isEmpty)
        // And the period can still be published.
        #expect(try record(store, try Self.run(Self.rows), .published).status == .published)
    }

    @Test func priorResultsPreferThePublishedRunOfEachEarlierPeriod() throws {
        let s = Scratch()
        let store = try open(s)
        // 2023: published (M2 不合格), then a later draft where M2 scores more.
        let published2023 = try record(store, try Self.run(Self.rows, period: "2023"), .published)
        _ = try record(store, try Self.run(Self.rows + "B1,M2,2025-06-01,提案,立案,第一提案人,,P9,,,\nB2,M2,2025-06-02,提案,立案,第一提案人,,P8,,,\n", period: "2023"))
        // 2024: two drafts; the latest counts.
        _ = try record(store, try Self.run(Self.rows, period: "2024"))
        let latest2024 = try record(store, try Self.run(Self.rows.replacingOccurrences(of: "A9,M2", with: "A9,M1"), period: "2024"))
        // A quarter and a later year are not "earlier years" of 2025.
        _ = try record(store, try Self.run(Self.rows, period: "2024-Q4"))
        _ = try record(store, try Self.run(Self.rows, period: "2026"))

        let prior = try store.priorResults(before: Period(spec: "2025")!, rulesName: "测试规则")
        #expect(prior.periods.map(\.run.periodLabel) == ["2024", "2023"])
        #expect(prior.periods.map(\.run.id) == [latest2024.id, published2023.id])
        #expect(prior.periods[1].results["M2"]?.grade == "不合格")
        #expect(prior.previous(of: "M2")?.run.id == latest2024.id)
        #expect(prior.history(of: "M3").map(\.run.periodLabel) == ["2024", "2023"])
        // M3 (veto) was 不合格 both years; M1 was 优秀 in 2023.
        #expect(prior.consecutive(["不合格"], of: "M3") == 2)
        #expect(prior.consecutive(["不合格"], of: "M1") == 0)
        #expect(prior.consecutive(["不合格"], of: "nobody") == 0)
        // Other rule names are left out; quarters are compared with quarters.
        #expect(try store.priorResults(before: Period(spec: "2025")!, rulesName: "别的规则").periods.isEmpty)
        #expect(try store.priorResults(before: Period(spec: "2025-Q1")!).periods.map(\.run.periodLabel) == ["2024-Q4"])
        #expect(try store.priorResults(before: Period(spec: "2025")!, sameKind: false).periods.count == 3)

        // memberHistory: one line per period, oldest first; --all every run.
        let history = try store.memberHistory("M2")
        #expect(history.map(\.run.periodLabel) == ["2023", "2024", "2024-Q4", "2026"])
        #expect(history[0].run.id == published2023.id)
        #expect(try store.memberHistory("M2", allRuns: true).count == 6)
        #expect(try store.memberHistory("nobody").isEmpty)
    }

    @Test func ruleCountsSumOneRunPerPeriodWithoutOverlaps() throws {
        let s = Scratch()
        let store = try open(s)
        _ = try record(store, try Self.run(Self.rows, period: "2023"))
        _ = try record(store, try Self.run(Self.rows + "B1,M2,2025-02-01,全体会议,缺席,,,,1,,\n", period: "2024"), .published)
        _ = try record(store, try Self.run(Self.rows, period: "2024"))            // a later draft: not used
        _ = try record(store, try Self.run(Self.rows, period: "2024-Q1"))         // inside 2024: not counted twice
        _ = try record(store, try Self.run(Self.rows, period: "2022"))            // outside the range
        let totals = try store.ruleCounts(from: Day(iso: "2023-01-01")!, to: Day(iso: "2024-12-31")!, rulesName: "测试规则")
        #expect(totals.runs.map(\.periodLabel) == ["2023", "2024"])
        #expect(totals.runs[1].status == .published)
        #expect(totals.count(member: "M2", rule: "absent") == 3)   // 1 in 2023, 2 in the published 2024
        #expect(totals.count(member: "M1", rule: "lead") == 6)
        #expect(totals.count(member: "M1", rule: "absent") == 0)
        let one = try store.ruleCounts(from: Day(iso: "2023-01-01")!, to: Day(iso: "2024-12-31")!, memberIDs: ["M2"])
        #expect(one.counts.keys.sorted() == ["M2"])
        // Quarters alone are summed when no year covers them (Q1 has one lead proposal, Q2 two).
        _ = try record(store, try Self.run(Self.rows, period: "2025-Q1"))
        _ = try record(store, try Self.run(Self.rows, period: "2025-Q2"))
        let quarters = try store.ruleCounts(from: Day(iso: "2025-01-01")!, to: Day(iso: "2025-12-31")!)
        #expect(quarters.runs.map(\.periodLabel) == ["2025-Q1", "2025-Q2"])
        #expect(quarters.count(member: "M1", rule: "lead") == 3)
    }

    @Test func opensAVersion1DatabaseAndAnEmptyFile() throws {
        let s = Scratch()
        // A database written by the first schema (a fixture recorded with lvzhi 0.1.0).
        let v1 = s.path + "/v1.sqlite"
        try FileManager.default.copyItem(atPath: packageRoot + "/Tests/LvzhiTests/Fixtures/history-v1.sqlite", toPath: v1)
        let store = try HistoryStore.open(path: v1)
        let runs = try store.runs()
        #expect(runs.count == 1 && runs[0].status == .published && runs[0].runTime == "2025-12-31T09:00:00+08:00")
        let results = try store.results(run: runs[0].id)
        #expect(results.first { $0.memberID == "M1" }?.score == Points(17))
        #expect(results.first { $0.memberID == "M3" }?.vetoes == ["违纪"])
        // Migrated to v2 on open; rows recorded under v1 do not know their ranking scope's size.
        #expect(try store.queue.read { db in try HistoryStore.migrator.appliedIdentifiers(db) } == ["v1", "v2", "v3"])
        #expect(results.allSatisfy { $0.rankedInScope == nil })
        // And it takes new runs.
        #expect(try record(store, try Self.run(Self.rows, period: "2026")).id == 2)

        // An empty file (touch) becomes a database.
        let empty = s.write("empty.sqlite", "")
        #expect(try HistoryStore.open(path: empty).runs().isEmpty)
    }

    /// v2 keeps the size of each member's ranking scope. Rows written under v1 have it NULL —
    /// unknown, so a bottom-N condition cannot hold for them — and new runs store it.
    @Test func version1RowsHaveNoRankingScopeAndNewRunsStoreIt() throws {
        let s = Scratch()
        let v1 = s.path + "/v1.sqlite"
        try FileManager.default.copyItem(atPath: packageRoot + "/Tests/LvzhiTests/Fixtures/history-v1.sqlite", toPath: v1)
        // The fixture as committed: schema v1, no ranked_in_scope column.
        let before = try DatabaseQueue(path: v1)
        #expect(try before.read { db in try db.columns(in: "member_result").map(\.name) }.contains("ranked_in_scope") == false)
        try before.close()

        let store = try HistoryStore.open(path: v1)
        let columns = try store.queue.read { db in try db.columns(in: "member_result").map(\.name) }
        #expect(columns.contains("ranked_in_scope"))
        let old = try store.results(run: 1)
        #expect(!old.isEmpty && old.contains { $0.rank != nil })
        #expect(old.allSatisfy { $0.rankedInScope == nil })
        #expect(try store.queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM member_result WHERE ranked_in_scope IS NOT NULL") } == 0)

        // As history facts: ranked in 2025 but the size is unknown, so not "in the bottom 1000".
        let prior = try store.priorResults(before: Period(spec: "2026")!)
        let facts = try #require(prior.facts)
        let m1 = try #require(facts.byMember["M1"]?.first)
        #expect(m1.rank != nil && m1.ranked == nil)
        #expect(!m1.inBottom(.count(1000)))

        // A new run stores it: each ranked member gets the number ranked in their scope.
        let run = try Self.run(Self.rows, period: "2026")
        let recorded = try record(store, run)
        let rows = try store.results(run: recorded.id)
        for r in run.results {
            let id = run.members[r.member].id
            let stored = try #require(rows.first { $0.memberID == id })
            #expect(stored.rankedInScope == (r.rank == nil ? nil : r.rankedInScope), "\(id)")
        }
        #expect(rows.contains { $0.rankedInScope != nil })
        let after = try store.priorResults(before: Period(spec: "2027")!).facts
        let ranked = try #require(after?.byMember["M1"]?.first { $0.period == Period(spec: "2026")! })
        #expect(ranked.ranked != nil && ranked.inBottom(.count(1000)))
    }

    @Test(arguments: [
        "not a database\n",
        "SQLite format 3\u{0}" + String(repeating: "garbage", count: 700),
        String(repeating: "\u{0}", count: 4096),
    ])
    func aFileThatIsNotAHistoryIsRefusedClearly(_ content: String) throws {
        let s = Scratch()
        let p = s.write("lvzhi-history.sqlite", content)
        #expect(throws: HistoryError.notADatabase(path: p)) { try HistoryStore.open(path: p) }
        #expect(HistoryError.notADatabase(path: p).message(.zh).contains("不是 lvzhi 的历史数据库"))
        // Untouched.
        #expect(FileManager.default.contents(atPath: p) == Data(content.utf8))
    }

    @Test func aFolderOrANewerSchemaIsRefused() throws {
        let s = Scratch()
        #expect(throws: HistoryError.self) { try HistoryStore.open(path: s.path) }
        let p = s.path + "/h.sqlite"
        let store = try HistoryStore.open(path: p)
        try store.queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99')") }
        #expect(throws: HistoryError.newerSchema(path: p, unknown: ["v99"])) { try HistoryStore.open(path: p) }
    }

    /// Several runs (separate connections, as separate processes have) creating and writing
    /// one new history file at once: each run recorded once, none lost.
    @Test func concurrentWritersShareOneFile() throws {
        let s = Scratch()
        let path = s.path + "/shared/" + HistoryStore.defaultFileName
        let run = try Self.run(Self.rows)
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            do {
                let store = try HistoryStore.open(path: path)
                _ = try store.record(HistoryRecord(run: run, runTime: "t", toolVersion: "v"))
            } catch {
                failures.withLock { $0 += 1 }
                Issue.record("a concurrent writer failed: \(error)")
            }
        }
        #expect(failures.withLock { $0 } == 0)
        #expect(try HistoryStore.open(path: path).runs().map(\.id) == [1, 2, 3, 4, 5, 6])
    }

    /// Runs opening a history in a folder that does not exist yet, all at once: each makes the
    /// folder or finds it made (CI once saw one of six concurrent writers fail).
    @Test func concurrentOpenersMakeTheFolderOnce() throws {
        for round in 0..<40 {
            let s = Scratch()
            let path = s.path + "/a/b/\(round)/" + HistoryStore.defaultFileName
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                do { _ = try HistoryStore.open(path: path) } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            #expect(failures.withLock { $0 } == [], "round \(round)")
        }
    }

    @Test(arguments: [("2025", "2025"), ("2025-Q1", "2025-Q1"), ("2024-Q4", "2024-Q4"),
                      ("2024-12-01..2025-11-30", "2024-12-01..2025-11-30"), ("2025-01-01..2025-03-30", "2025-01-01..2025-03-30")])
    func periodLabels(_ spec: String, _ label: String) {
        #expect(HistoryStore.label(of: Period(spec: spec)!) == label)
    }

    @Test(arguments: ["plain", "引号\"和\\反斜杠", "line\nbreak\ttab\r", "\u{1}control", "😀 emoji", ""])
    func jsonColumnsRoundTrip(_ text: String) {
        let obj = HistoryEncoding.object([(text, HistoryEncoding.quoted(text)), ("n", "-12")])
        let back = FlatJSON.object(obj)
        #expect(back.first { $0.0 == text }?.1 == .string(text), "\(obj)")
        #expect(back.first { $0.0 == "n" }?.1 == .int(-12))
        #expect(FlatJSON.strings(HistoryEncoding.array([text, "b"])) == [text, "b"])
        // What JSONSerialization reads, FlatJSON reads the same.
        let parsed = try? JSONSerialization.jsonObject(with: Data(obj.utf8)) as? [String: Any]
        #expect(parsed?[text] as? String == text)
        // Damaged text gives what could be read, not a crash.
        #expect(FlatJSON.object(String(obj.dropLast(3))).count <= 2)
        #expect(FlatJSON.strings("[\"a\",").count == 1 && FlatJSON.object("").isEmpty && FlatJSON.strings("x").isEmpty)
    }

    @Test func relativePaths() {
        #expect(HistoryPaths.relative("/a/b/c.csv", to: "/a/d") == "../b/c.csv")
        #expect(HistoryPaths.relative("/a/b/c.csv", to: "/a/b") == "c.csv")
        #expect(HistoryPaths.relative("/x.csv", to: "/a/b") == "../../x.csv")
    }

    /// A 20,000-member run is one transaction with prepared statements.
    @Test func recordsALargeRunQuickly() throws {
        var roster = "member_id,name,sector,committee,role,group,party,joined,left,ranked\n"
        var acts = Self.header
        for i in 0..<20_000 {
            roster += "M\(i),委员\(i),界别\(i % 25),专委会\(i % 8),委员,,,,,\n"
            acts += "A\(i),M\(i),2025-01-08,全体会议,出席,,,,2,,全会\nB\(i),M\(i),2025-03-01,提案,立案,第一提案人,,P\(i),,,提案\n"
        }
        let s = Scratch()
        let rules = try testRules()
        let members = try RosterReader.read(path: s.write("m.csv", roster))
        var ing = ActivityIngestor(members: members.members, period: rules.period!, vocabulary: rules.vocabulary)
        try ing.read(path: s.write("a.csv", acts))
        let run = Scorer.score(ing.finish(), rules: rules, period: rules.period!)
        let store = try open(s)
        let clock = ContinuousClock()
        let encoding = clock.measure { _ = HistoryEncoding.memberRows(run) }
        let elapsed = try clock.measure { _ = try record(store, run) }
        print("history: encoding 20,000 members took \(encoding)")
        var count = 0
        let reading = try clock.measure { count = try store.priorResults(before: Period(spec: "2026")!).periods.first?.results.count ?? 0 }
        #expect(count == 20_000)
        let counting = try clock.measure { count = try store.ruleCounts(from: Day(iso: "2025-01-01")!, to: Day(iso: "2025-12-31")!).counts.count }
        #expect(count == 20_000)
        print("history: prior results of 20,000 members read in \(reading), rule counts in \(counting)")
        // Well under a second in a release build; a debug build on a loaded machine gets room.
        #expect(elapsed < .seconds(3), "recording 20,000 members took \(elapsed)")
        print("history: recorded 20,000 members in \(elapsed)")
    }

    /// README's example names Rules/fengjie.2025.approved.yaml, which does not exist until someone
    /// approves a run: the error says how such a file comes about.
    @Test func aMissingApprovalFileSaysHowToWriteOne() {
        do {
            _ = try ApprovalFile.load(path: "/nonexistent/fengjie.2025.approved.yaml")
            Issue.record("a missing approval file loaded")
        } catch {
            let d = error.diagnostics
            #expect(d.map(\.id) == ["A001"])
            #expect(d.first?.hintZh?.contains("lvzhi history approve 运行编号") == true)
            #expect(d.first?.hintEn?.contains("lvzhi history approve RUN") == true)
        }
    }
}
