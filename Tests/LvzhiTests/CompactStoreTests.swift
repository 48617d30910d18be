import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiIngest
@testable import LvzhiRules
@testable import LvzhiScoring
@testable import LvzhiReport

/// What keeps a large run small (issue 16) changes no output: equal titles are stored once,
/// and a run whose outputs show no ledger drops the ledgers without changing a score.
@Suite struct CompactStoreTests {
    static let activities = WorkbookTests.header + """
    A1,M1,2025-01-08,全体会议,出席,,,,4,,第一次全体会议
    A2,M2,2025-01-08,全体会议,出席,,,,3,,第一次全体会议
    A3,M1,2025-03-01,提案,立案,第一提案人,,P1,,重点,关于某事的提案
    A4,M2,2025-03-01,提案,立案,联名提案人,,P1,,重点,关于某事的提案
    A5,M3,2025-08-02,界别活动,参加,,,,,,
    A6,M3,2025-08-03,界别活动,参加,,,,,,第一次全体会议
    A7,M1,2025-06-01,违纪,,,,,,,违反纪律

    """

    static func ingest() throws -> IngestResult {
        let s = Scratch()
        let roster = try RosterReader.read(path: s.write("m.csv", testMembersCSV))
        let r = try testRules()
        var ing = ActivityIngestor(members: roster.members, period: r.period!, vocabulary: r.vocabulary)
        try ing.read(path: s.write("a.csv", activities))
        return ing.finishAndRelease()
    }

    @Test func equalTitlesAreStoredOnce() throws {
        let store = try Self.ingest().store
        let titles = store.records.map { store.title(of: $0) }
        try #require(titles.count == 7)
        #expect(titles == ["第一次全体会议", "第一次全体会议", "关于某事的提案", "关于某事的提案", "", "第一次全体会议", "违反纪律"])
        #expect(store.records[0].title == store.records[1].title)
        #expect(store.records[0].title == store.records[5].title)
        #expect(store.records[2].title == store.records[3].title)
        // Each distinct title once, beside each id.
        let distinct = Set(titles).reduce(0) { $0 + $1.utf8.count }
        let ids = store.records.reduce(0) { $0 + Int($1.id.length) }
        #expect(store.arena.bytes.count == distinct + ids)
    }

    @Test func droppingLedgersChangesNoScore() throws {
        let r = try testRules()
        let ingested = try Self.ingest()
        let full = Scorer.score(ingested, rules: r, period: r.period!, options: ScoreOptions())
        let lean = Scorer.score(ingested, rules: r, period: r.period!, options: ScoreOptions(keepLedgers: false))
        #expect(full.results.contains { !$0.ledger.isEmpty })
        #expect(lean.results.allSatisfy { $0.ledger.isEmpty })
        #expect(full.results.map(\.score) == lean.results.map(\.score))
        #expect(full.results.map(\.grade) == lean.results.map(\.grade))
        let a = RunSummary(run: full, generatedAt: "2026-01-01T08:00:00+08:00", toolVersion: "test", lang: .zh)
        let b = RunSummary(run: lean, generatedAt: "2026-01-01T08:00:00+08:00", toolVersion: "test", lang: .zh)
        #expect(ScoresCSV.render(a, lang: .zh).bytes == ScoresCSV.render(b, lang: .zh).bytes)
        #expect(ScoresJSON.render(a, lang: .zh).bytes == ScoresJSON.render(b, lang: .zh).bytes)
        #expect(ScoresCSV.renderRejects(full.rejects, lang: .zh).bytes == ScoresCSV.renderRejects(lean.rejects, lang: .zh).bytes)
    }
}
