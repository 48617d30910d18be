import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiIngest
@testable import LvzhiReport
@testable import LvzhiRules
@testable import LvzhiScoring

/// Corrections files (复核): reading them with positions, applying them, showing them.
@Suite struct CorrectionsParserTests {
    func diagnostics(_ text: String) -> [Diagnostic] {
        do {
            _ = try CorrectionLoader.parse(text, path: "fh.yaml")
            return []
        } catch {
            return error.diagnostics
        }
    }

    static let header = "corrections: 1\nentries:\n"

    @Test func readsEnglishAndChineseKeys() throws {
        let set = try CorrectionLoader.parse(Self.header + """
          - action: amend
            activity_id: X1
            member_id: M1
            set: {status: 立案, 标记: [重点, 优秀]}
            reason: 复审立案
            approved_by: 王主任
            approved_on: 2025/12/5
            ticket: FH-1
          - 操作: 删除
            记录编号: X2
            理由: 重复录入
            批准人: 李四
          - action: 补录
            activity_id: N1
            member_id: M2
            record: {日期: 2025-03-05, kind: 全体会议, status: 出席, quantity: 2}
            reason: 签到表漏记
            approved_by: 王主任
        """, path: "fh.yaml")
        #expect(set.entries.count == 3)
        let a = set.entries[0]
        #expect(a.seq == 1 && a.action == .amend && a.activityID == "X1" && a.memberID == "M1")
        #expect(a.fields == [.status: "立案", .marks: "重点;优秀"])
        #expect(a.approvedOn == Day(year: 2025, month: 12, day: 5) && a.ticket == "FH-1")
        #expect(a.location.line == 3)
        #expect(a.fieldLocations[.status]?.line == 6)
        #expect(set.entries[1].action == .remove && set.entries[1].reason == "重复录入" && set.entries[1].approvedBy == "李四")
        let add = set.entries[2]
        #expect(add.action == .add && add.fields[.memberID] == "M2" && add.fields[.date] == "2025-03-05" && add.fields[.quantity] == "2")
    }

    @Test func missingReasonAndApproverPointAtTheEntry() {
        let d = diagnostics(Self.header + "  - {action: remove, activity_id: X1}\n")
        #expect(d.map(\.id) == ["C023", "C023"])
        #expect(d[0].location == SourceLocation(file: "fh.yaml", line: 3, column: 5))
        #expect(d[0].zh.contains("reason（理由）"))
        #expect(d[1].zh.contains("approved_by（批准人）"))
        #expect(d[0].render(.zh, source: Self.header + "  - {action: remove, activity_id: X1}\n").contains("    ^"))
    }

    @Test func emptyReasonIsRefused() {
        let d = diagnostics(Self.header + "  - {action: remove, activity_id: X1, reason: \"  \", approved_by: 王}\n")
        #expect(d.map(\.id) == ["C020"])
        #expect(d[0].location?.line == 3)
    }

    @Test func unknownActionSuggestsTheNearest() {
        let d = diagnostics(Self.header + "  - action: amnd\n    activity_id: X1\n    set: {status: 立案}\n    reason: r\n    approved_by: a\n")
        #expect(d.map(\.id) == ["C021"])
        #expect(d[0].location == SourceLocation(file: "fh.yaml", line: 3, column: 13))
        #expect(d[0].hintZh?.contains("是否想写“amend”") == true)
    }

    @Test func unknownFieldAndUnknownKeyHaveTheirColumns() {
        let d = diagnostics(Self.header + "  - action: amend\n    activity_id: X1\n    set: {statu: 立案}\n    reason: r\n    approved_by: a\n    approver: b\n")
        #expect(d.map(\.id).sorted() == ["C011", "C030"])
        let field = d.first { $0.id == "C030" }!
        #expect(field.location == SourceLocation(file: "fh.yaml", line: 5, column: 11))
        #expect(field.hintZh?.contains("status") == true)
        let key = d.first { $0.id == "C011" }!
        #expect(key.location?.line == 8)
    }

    @Test func badDatesAreRefusedWhereWritten() {
        let d = diagnostics(Self.header + "  - action: amend\n    activity_id: X1\n    set: {date: 2025-02-30}\n    reason: r\n    approved_by: a\n    approved_on: 昨天\n")
        #expect(d.map(\.id) == ["C022", "C022"])
        #expect(d.compactMap { $0.location?.line }.sorted() == [5, 8])
    }

    @Test func shapeErrors() {
        // amend without set, add without required fields, remove with set, id in set, no version.
        #expect(diagnostics(Self.header + "  - {action: amend, activity_id: X1, reason: r, approved_by: a}\n").map(\.id) == ["C025"])
        #expect(diagnostics(Self.header + "  - {action: add, activity_id: N1, record: {kind: 全体会议}, reason: r, approved_by: a}\n").map(\.id) == ["C026", "C026"])
        #expect(diagnostics(Self.header + "  - {action: remove, activity_id: X1, set: {status: 出席}, reason: r, approved_by: a}\n").map(\.id) == ["C024"])
        #expect(diagnostics(Self.header + "  - {action: amend, activity_id: X1, set: {activity_id: X9}, reason: r, approved_by: a}\n").map(\.id) == ["C031"])
        #expect(diagnostics("entries: []\n").map(\.id) == ["C005"])
        #expect(diagnostics("corrections: 2\nentries: []\n").map(\.id) == ["C005"])
        #expect(diagnostics(Self.header + "  - {action: remove, 操作: 删除, activity_id: X1, reason: r, approved_by: a}\n").map(\.id) == ["C012"])
        #expect(diagnostics("corrections: 1\nentries: [\n").first?.id == "C003")
        #expect(diagnostics("").first?.id == "C004")
    }

}

@Suite struct CorrectionsApplyTests {
    static let activities = """
    activity_id,member_id,date,kind,status,role,level,ref,quantity,marks,title
    A1,M1,2025-01-08,全体会议,缺席,,,,2,,全会
    A2,M1,2025-03-01,提案,不立案,第一提案人,,P1,1,,关于甲的提案
    A3,M2,2025-03-01,提案,立案,第一提案人,,P2,1,,关于乙的提案
    A4,M1,2025-03-01,提案,立案,联名提案人,,P2,1,,关于乙的提案
    A5,M2,2025-04-01,界别活动,参加,,,,1,,调研
    A5,M2,2025-04-01,界别活动,参加,,,,1,,调研
    A6,M2,2025-04-01,全体会议,出席,,,,1,,重复的全会

    """

    struct Fixture {
        let scratch = Scratch()
        let rules: RuleSet
        let members: String
        let activities: String
        init(rules yaml: String = testRulesYAML) throws {
            rules = try RuleFileLoader.parse(yaml, path: "test.yaml")
            members = scratch.write("members.csv", testMembersCSV)
            activities = scratch.write("activities.csv", CorrectionsApplyTests.activities)
        }

        func ingest(_ corrections: String?) throws -> IngestResult {
            let roster = try RosterReader.read(path: members)
            var i = ActivityIngestor(members: roster.members, memberFile: members, memberRows: roster.rowsRead,
                                     period: Period(spec: "2025")!, vocabulary: rules.vocabulary)
            try i.read(path: activities)
            if let corrections {
                let path = scratch.write("fh.yaml", "corrections: 1\nentries:\n" + corrections)
                try i.apply(try CorrectionLoader.load(path: path))
            }
            return i.finish()
        }

        func score(_ corrections: String?) throws -> ScoreRun {
            Scorer.score(try ingest(corrections), rules: rules, period: Period(spec: "2025")!)
        }

        /// Through ``ScoringPipeline`` (which also scores without the corrections).
        func pipeline(_ corrections: String?) throws -> ScoreRun {
            let rulesPath = scratch.write("rules.yaml", testRulesYAML)
            let set = try corrections.map { try CorrectionLoader.load(path: scratch.write("fh.yaml", "corrections: 1\nentries:\n" + $0)) }
            return try ScoringPipeline.run(rules: rulesPath, members: members, activities: [activities], period: nil, corrections: set)
        }

        func errors(_ corrections: String) -> [Diagnostic] {
            do {
                _ = try ingest(corrections)
                return []
            } catch let e as CorrectionError {
                return e.diagnostics
            } catch {
                return [Diagnostic(id: "unexpected \(error)", location: nil, zh: "", en: "")]
            }
        }
    }

    func score(_ run: ScoreRun, _ id: String) -> Points {
        run.results.first { run.members[$0.member].id == id }!.score
    }

    @Test func amendChangesTheRecordAndKeepsItsSource() throws {
        let f = try Fixture()
        let before = try f.score(nil)
        let run = try f.score("""
          - {action: amend, activity_id: A2, member_id: M1, set: {status: 立案, marks: 重点}, reason: 复审立案, approved_by: 王}
        """)
        // 6 (lead) + 3 (重点) + 2 (co-signed P2) − 5 (absence, floored) = 6; before: 2 − 5 → 0.
        #expect(score(before, "M1") == Points(0))
        #expect(score(run, "M1") == Points(6))
        #expect(run.corrections.count == 1)
        let c = run.corrections[0]
        #expect(c.action == .amend && c.recordID == "A2" && c.memberID == "M1")
        #expect(c.changes.map(\.field) == [.status, .marks])
        #expect(c.changes[0].before == "不立案" && c.changes[0].after == "立案")
        #expect(c.original?.line == 3 && c.source.line == 3 && c.source.file.hasSuffix("fh.yaml"))
        let r = run.store.records[Int(c.record!)]
        #expect(run.store.id(of: r) == "A2" && run.store.location(of: r).line == 3)
        #expect(c.line(.zh) == "复核#1 修改 状态: 不立案→立案，标记: （空）→重点，理由：复审立案，批准人：王")
    }

    @Test func removeDropsTheRecordWithoutARejectAndBalances() throws {
        let f = try Fixture()
        let before = try f.ingest(nil)
        let after = try f.ingest("""
          - {action: remove, activity_id: A6, reason: 重复录入, approved_by: 王}
        """)
        #expect(after.store.records.count == before.store.records.count - 1)
        #expect(after.rejects.count == before.rejects.count)
        #expect(!after.store.records.contains { after.store.id(of: $0) == "A6" })
        let file = after.files.first { $0.path == f.activities }!
        #expect(file.removed == 1 && file.read == file.accepted + file.rejected)
        #expect(after.corrections[0].record == nil && after.corrections[0].changes.first { $0.field == .title }?.before == "重复的全会")
    }

    @Test func addCreatesARecordAtTheCorrectionsLine() throws {
        let f = try Fixture()
        let run = try f.score("""
          - action: remove
            activity_id: A6
            reason: r
            approved_by: a
          - action: add
            activity_id: N1
            member_id: M3
            record: {date: 2025-09-01, kind: 全体会议, status: 出席, quantity: 3}
            reason: 签到表漏记
            approved_by: 王
        """)
        let c = run.corrections[1]
        #expect(c.seq == 2 && c.action == .add && c.memberID == "M3")
        let r = run.store.records[Int(c.record!)]
        #expect(run.store.location(of: r) == SourceLocation(file: c.source.file, line: 7))
        #expect(c.source.line == 7)
        #expect(score(run, "M3") == Points(6))
        let report = run.files.first { $0.isCorrections }!
        #expect(report.read == 1 && report.accepted == 1 && report.format == "yaml")
    }

    @Test func missingRejectedTwiceAndWrongMemberAreErrorsAtTheirLines() throws {
        let f = try Fixture()
        let missing = f.errors("  - {action: remove, activity_id: A7, reason: r, approved_by: a}\n")
        #expect(missing.map(\.id) == ["C041"])
        #expect(missing[0].location?.line == 3)
        #expect(missing[0].hintZh?.contains("是否想写") == true)

        let twice = f.errors("""
          - {action: remove, activity_id: A1, reason: r, approved_by: a}
          - {action: amend, activity_id: A1, set: {status: 请假}, reason: r, approved_by: a}

        """)
        #expect(twice.map(\.id) == ["C040"])
        #expect(twice[0].location?.line == 4 && twice[0].zh.contains("第 3 行"))

        let wrongMember = f.errors("  - {action: remove, activity_id: A3, member_id: M1, reason: r, approved_by: a}\n")
        #expect(wrongMember.map(\.id) == ["C043"])
        #expect(wrongMember[0].zh.contains("属于委员 M2"))
        #expect(wrongMember[0].location?.line == 3 && wrongMember[0].location?.column == 50)

        // The repeat of A5 was rejected as a duplicate; the first A5 is the one corrected.
        let dupe = try f.ingest("  - {action: amend, activity_id: A5, set: {title: 调研（更正）}, reason: r, approved_by: a}\n")
        #expect(dupe.rejects.contains { $0.recordID == "A5" && $0.reason.code == "duplicate" })
        #expect(dupe.store.records.filter { dupe.store.id(of: $0) == "A5" }.map { dupe.store.title(of: $0) } == ["调研（更正）"])

        let existing = f.errors("  - {action: add, activity_id: A1, record: {member_id: M1, date: 2025-05-01, kind: 界别活动, status: 参加}, reason: r, approved_by: a}\n")
        #expect(existing.map(\.id) == ["C046"])
    }

    @Test func correctionsOfRejectedRecordsSayWhy() throws {
        let f = try Fixture()
        let scratch = f.scratch
        let extra = scratch.write("more.csv", "activity_id,member_id,date,kind,status\nB1,M1,2025-05-01,全体会议,迟到\n")
        let roster = try RosterReader.read(path: f.members)
        var i = ActivityIngestor(members: roster.members, period: Period(spec: "2025")!, vocabulary: f.rules.vocabulary)
        try i.read(path: extra)
        let set = try CorrectionLoader.parse("corrections: 1\nentries:\n  - {action: amend, activity_id: B1, set: {status: 出席}, reason: r, approved_by: a}\n", path: "fh.yaml")
        #expect(throws: CorrectionError.self) { try i.apply(set) }
        do { try i.apply(set) } catch {
            #expect(error.diagnostics.first?.id == "C042")
            #expect(error.diagnostics.first?.zh.contains("unknown-status") == true)
        }
    }

    @Test func anAmendmentThatMakesTheRecordInvalidIsAnErrorAtTheField() throws {
        let f = try Fixture()
        let d = f.errors("""
          - action: amend
            activity_id: A1
            set:
              status: 迟到
            reason: r
            approved_by: a
          - {action: amend, activity_id: A3, set: {date: 2024-12-31}, reason: r, approved_by: a}
          - {action: add, activity_id: N1, record: {member_id: M9, date: 2025-05-01, kind: 全体会议}, reason: r, approved_by: a}
          - {action: amend, activity_id: A5, set: {status: 参加}, reason: r, approved_by: a}

        """)
        #expect(d.map(\.id) == ["C044", "C044", "C044", "C045"])
        #expect(d[0].location == SourceLocation(file: d[0].location!.file, line: 6, column: 15))
        #expect(d[0].zh.contains("unknown-status") && d[0].zh.contains("“迟到”"))
        #expect(d[1].zh.contains("outside-period") && d[1].location?.line == 9)
        #expect(d[2].zh.contains("unknown-member") && d[2].location?.line == 10)
        #expect(d[3].location?.line == 11)
    }

    @Test func coauthorSplitsFollowCorrectedRows() throws {
        let yaml = testRulesYAML.replacingOccurrences(
            of: "  - {id: lead, category: proposals, when: {kind: 提案, status: 立案, role: 第一提案人}, points: 6}\n  - {id: cosign, category: proposals, when: {kind: 提案, status: 立案, role: 联名提案人}, points: 2}\n",
            with: "  - {id: filed, category: proposals, when: {kind: 提案, status: 立案}, points: 6, split: {policy: equal}}\n")
        #expect(yaml != testRulesYAML)
        let f = try Fixture(rules: yaml)
        let before = try f.score(nil)
        // P2 is shared by M2 (lead) and M1: 3 each; M2 has 3.5 more from other records.
        #expect(score(before, "M2") == Points(parsing: "6.5")!)
        // A third co-author joins P2: 2 each.
        let added = try f.score("  - {action: add, activity_id: N2, record: {member_id: M3, date: 2025-08-01, kind: 提案, status: 立案, role: 联名提案人, ref: P2}, reason: r, approved_by: a}\n")
        #expect(score(added, "M2") == Points(parsing: "5.5")! && score(added, "M3") == Points(2))
        // M1's row is removed: M2 alone takes the 6.
        let removed = try f.score("  - {action: remove, activity_id: A4, reason: r, approved_by: a}\n")
        #expect(score(removed, "M2") == Points(parsing: "9.5")!)
        // M1's row is moved off P2 onto its own ref: both get the full 6 (M1: 6 − 5 absence).
        let moved = try f.score("  - {action: amend, activity_id: A4, set: {ref: P9}, reason: r, approved_by: a}\n")
        #expect(score(moved, "M2") == Points(parsing: "9.5")! && score(moved, "M1") == Points(1))
    }

    @Test func theOrderOfRecordsDoesNotMatter() throws {
        let f = try Fixture()
        let text = """
          - {action: add, activity_id: N1, record: {member_id: M1, date: 2025-05-01, kind: 界别活动, status: 参加}, reason: r, approved_by: a}
          - {action: remove, activity_id: A3, reason: r, approved_by: a}
          - {action: amend, activity_id: A1, set: {status: 请假}, reason: r, approved_by: a}

        """
        let a = try f.score(text)
        let b = try f.score(text)
        #expect(a.results.map(\.score) == b.results.map(\.score))
        #expect(a.corrections == b.corrections)
        #expect(a.corrections.map(\.seq) == [1, 2, 3])
        // The record indices still point at the right records after A3 was dropped.
        for c in a.corrections {
            if let r = c.record { #expect(a.store.id(of: a.store.records[Int(r)]) == c.recordID) }
        }
    }
}

@Suite struct CorrectionsReportTests {
    func summary(_ corrections: String?) throws -> RunSummary {
        let f = try CorrectionsApplyTests.Fixture()
        let run = try f.pipeline(corrections)
        return RunSummary(run: run, generatedAt: "2025-12-31T09:00:00+08:00", toolVersion: "test", lang: .zh)
    }

    static let sample = """
      - {action: amend, activity_id: A2, member_id: M1, set: {status: 立案}, reason: "复审<立案>", approved_by: 王, ticket: FH-1}
      - {action: remove, activity_id: A6, reason: 重复录入, approved_by: 李}
      - {action: add, activity_id: N1, record: {member_id: M3, date: 2025-09-01, kind: 全体会议, status: 出席}, reason: 漏记, approved_by: 王}

    """

    @Test func withoutCorrectionsNothingChanges() throws {
        let s = try summary(nil)
        let html = String(decoding: HTMLReport.render(s, lang: .zh).bytes, as: UTF8.self)
        #expect(!html.contains("复核"))
        let ledger = String(decoding: LedgerCSV.render(s, lang: .zh).bytes, as: UTF8.self)
        #expect(!ledger.contains("复核"))
        #expect(ledger.components(separatedBy: "\r\n").first?.hasSuffix(",来源,得分（精确）,规则分值（精确）") == true)
        let json = String(decoding: ScoresJSON.render(s, lang: .zh).bytes, as: UTF8.self)
        #expect(!json.contains("\"corrections\""))
    }

    @Test func reportListsEveryCorrectionEscaped() throws {
        let s = try summary(Self.sample)
        let html = String(decoding: HTMLReport.render(s, lang: .zh).bytes, as: UTF8.self)
        #expect(html.contains("<a href=\"#corrections\">七、复核记录</a>"))
        #expect(html.contains("<h2>七、复核记录</h2>"))
        #expect(html.contains("复审&lt;立案&gt;") && !html.contains("复审<立案>"))
        for tag in ["复核#1", "复核#2", "复核#3"] { #expect(html.contains(tag)) }
        #expect(html.contains("状态: 不立案→立案"))
        // M1 without the corrections: 2 − 5 → 0; with A2 立案: 6 + 2 − 5 = 3.
        #expect(html.contains("<td class=\"r\">0 → <b>3</b></td>"))
        #expect(s.run.uncorrected["M1"] == CorrectionEffect(score: 0, grade: 2))
        #expect(html.contains("复核删除"))
        // The reconciliation still balances, naming the removed record.
        #expect(html.contains("+ 复核删除 1 条"))
        #expect(!html.contains("记录数不平衡"))
        let en = String(decoding: HTMLReport.render(s, lang: .en).bytes, as: UTF8.self)
        #expect(en.contains("7. Corrections") && en.contains("correction #2"))
    }

    @Test func ledgerCarriesTheCorrectionColumnAndRemovedRows() throws {
        let s = try summary(Self.sample)
        let text = String(decoding: LedgerCSV.render(s, lang: .zh).bytes, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines[0].hasSuffix(",来源,复核,得分（精确）,规则分值（精确）"))
        let amended = lines.first { $0.contains(",A2,") }!
        #expect(amended.hasSuffix("复核#1 修改 状态: 不立案→立案，理由：复审<立案>，批准人：王，申请编号 FH-1,6,6"))
        let removed = lines.first { $0.contains(",A6,") }!
        #expect(removed.contains(",0,0,removed,经复核删除，不计分,") && removed.contains("复核#2 删除"))
        let added = lines.first { $0.contains(",N1,") }!
        #expect(added.contains("fh.yaml:5,复核#3 补录"))
        let parallel = { var b = ByteBuffer(); LedgerCSV.renderParallel(s, lang: .zh, into: &b); return b }()
        #expect(parallel.bytes == LedgerCSV.render(s, lang: .zh).bytes)
    }

    /// Every ledger.csv row has the header's columns (a removed record too, with its exact zeros),
    /// negative exact values are written as numbers, not neutralised text, and the workbook's
    /// 明细 sheet holds the same rows as ledger.csv, the removed record included.
    @Test func ledgerRowsAreWholeAndTheWorkbookHasThemAll() throws {
        let s = try summary(Self.sample)
        let text = String(decoding: LedgerCSV.render(s, lang: .zh).bytes.dropFirst(3), as: UTF8.self)
        let rows = Self.csvRows(text)
        #expect(rows.count > 3)
        for r in rows { #expect(r.count == rows[0].count, "\(r)") }
        let removed = try #require(rows.first { $0[2] == "A6" })
        #expect(removed.suffix(2) == ["0", "0"] && removed[3] == "2025-04-01")
        let absent = try #require(rows.first { $0[2] == "A1" })
        #expect(absent.suffix(2) == ["-6", "-6"] && absent[12] == "-6", "\(absent)")
        #expect(!text.contains(",'-6"))
        let ledgerSheet = Workbook.parts(s, lang: .zh).filter { $0.name.hasPrefix("xl/worksheets/") }
            .map { String(decoding: $0.bytes, as: UTF8.self) }.first { $0.contains(">A1<") }
        let sheet = try #require(ledgerSheet)
        #expect(sheet.contains(">A6<") && sheet.contains("<t>-6</t>") && !sheet.contains("'-6"))
        #expect(sheet.components(separatedBy: "<row ").count - 1 == rows.count + 1)  // the title row
    }

    /// RFC 4180 rows (quoted fields may hold commas, quotes and line breaks).
    static func csvRows(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false, wasQuote = false
        for c in text {
            if quoted {
                if c == "\"" { quoted = false; wasQuote = true } else { field.append(c) }
                continue
            }
            switch c {
            case "\"": if wasQuote { field.append("\"") }; quoted = true
            case ",": row.append(field); field = ""
            case "\r\n", "\n": row.append(field); rows.append(row); row = []; field = ""
            default: field.append(c)
            }
            wasQuote = false
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    @Test func jsonAndMemberPagesAndExplainShowThem() throws {
        let s = try summary(Self.sample)
        let json = String(decoding: ScoresJSON.render(s, lang: .zh).bytes, as: UTF8.self)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        let list = object["corrections"] as! [[String: Any]]
        #expect(list.map { $0["action"] as! String } == ["amend", "remove", "add"])
        #expect(list[0]["reason"] as? String == "复审<立案>" && list[0]["ticket"] as? String == "FH-1")
        #expect(decimalString(list[0]["score_before"]) == "0" && decimalString(list[0]["score_after"]) == "3")
        #expect(list[0]["grade_before"] as? String == "不合格")
        #expect((list[1]["original"] as? String)?.hasSuffix("activities.csv:8") == true)
        let pages = String(decoding: MemberPages.render(s, lang: .zh).bytes, as: UTF8.self)
        #expect(pages.contains("<small class=\"corr\">复核#1 修改"))
        #expect(pages.contains("经复核删除的记录（不计分）"))
        let text = LedgerText(run: s.run, lang: .zh)
        let m1 = s.run.results.first { s.run.members[$0.member].id == "M1" }!
        #expect(text.render(m1).contains("复核#1 修改 状态: 不立案→立案"))
        let m2 = s.run.results.first { s.run.members[$0.member].id == "M2" }!
        #expect(text.render(m2).contains("经复核删除的记录（不计分）"))
    }
}

private func decimalString(_ v: Any?) -> String {
    guard let n = v as? NSNumber else { return "nil" }
    return n.decimalValue.description
}
