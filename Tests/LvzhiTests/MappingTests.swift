import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiIngest
@testable import LvzhiScoring
import LvzhiRules

/// A roster with a pair of homonyms (两个“王芳”).
let mappingMembersCSV = """
member_id,name,sector,committee,role,group,party,joined,left,ranked
M1,张三,经济界,,委员,,,,,是
M2,李四,经济界,,委员,,,,,是
M3,王五,教育界,,委员,,,,,是
M4,王芳,教育界,,委员,,,,,是
M5,王芳,科技界,,委员,,,,,是

"""

let proposalMapping = """
mapping: 1
files: ["*.csv"]
columns:
  提案号: activity_id
  提交时间: date
  案由: title
  提案人: {field: member_name, list: true, roles: [第一提案人, 联名提案人]}
  办理状态: status
  类别: skip
constants:
  kind: 提案
values:
  status:
    已立案: 立案
    未立案: 不立案
    立案（重点）: {status: 立案, marks: 重点}
"""

/// Ingests `files` (name → bytes) through `mappingYAML` with the test rules and roster.
func ingestMapped(_ mappingYAML: String, _ files: [(String, [UInt8])], members: String = mappingMembersCSV) throws -> IngestResult {
    let s = Scratch()
    let roster = try RosterReader.read(path: s.write("members.csv", members))
    let rules = try testRules()
    let mapping = try MappingLoader.parse(mappingYAML, path: s.write("m.yaml", mappingYAML))
    var ing = ActivityIngestor(members: roster.members, period: rules.period!, vocabulary: rules.vocabulary)
    for (name, bytes) in files { try ing.read(path: s.write(name, bytes: bytes), mapping: mapping) }
    return ing.finish()
}

@Suite struct MappingFileTests {
    func errors(_ yaml: String) -> [Diagnostic] {
        do { _ = try MappingLoader.parse(yaml, path: "m.yaml"); return [] } catch { return error.diagnostics }
    }

    @Test func parsesColumnsConstantsValuesAndLists() throws {
        let m = try MappingLoader.parse(proposalMapping, path: "/x/m.yaml")
        #expect(m.files == ["*.csv"])
        #expect(m.constants == [.kind: "提案"])
        #expect(m.people == Mapping.PeopleList(column: "提案人", leadRole: "第一提案人", otherRole: "联名提案人"))
        #expect(m.columns.first { $0.header == "类别" }?.target == .skip)
        #expect(m.values[.status]?["立案(重点)"] == Mapping.Translation(fields: [.status: "立案", .marks: "重点"]))
    }

    @Test func unknownKeysAreErrorsWithLineAndColumn() {
        let d = errors("mapping: 1\nfiles: [a.csv]\ncolums: {a: activity_id}\n")
        let unknown = d.first { $0.id == "M011" }
        #expect(unknown?.location?.line == 3 && unknown?.location?.column == 1)
        #expect(unknown?.hintZh?.contains("columns") == true)
        let inner = errors("mapping: 1\nfiles: [a.csv]\ncolumns:\n  a: {field: activity_id, lst: true}\nconstants: {kind: 提案, member_id: M1, date: 2025-01-01}\n")
        #expect(inner.contains { $0.id == "M011" && $0.location?.line == 4 })
    }

    @Test(arguments: [
        ("mapping: 1\nfiles: [a.csv]\ncolumns: {a: 日子}\n", "M020"),          // unknown field
        ("mapping: 2\nfiles: [a.csv]\ncolumns: {a: activity_id}\n", "M005"),   // version
        ("files: [a.csv]\ncolumns: {a: activity_id}\n", "M005"),               // no version
        ("mapping: 1\ncolumns: {a: activity_id}\n", "M006"),                   // no files
        ("mapping: 1\nfiles: [a.csv]\ncolumns: {a: activity_id}\n", "M009"),   // required fields missing
        ("mapping: 1\nfiles: [a.csv]\nencoding: big5\ncolumns: {a: activity_id}\n", "M007"),
        ("mapping: 1\nfiles: [a.csv]\ncolumns: {a: member_id, b: member_name}\n", "M025"),
        ("mapping: 1\nfiles: [a.csv]\ncolumns: {a: {field: title, list: true}}\n", "M023"),
        ("mapping: 1\nfiles: [a.csv]\ncolumns: {a: {field: member_name, roles: [x]}}\n", "M022"),
        ("mapping: 1\nfiles: [a.csv]\ncolumns: {a: kind}\nconstants: {kind: 提案}\n", "M026"),
        ("mapping: 1\nfiles: [a.csv]\ncolumns: [a, b]\n", "M010"),
        ("mapping: 1\nfiles: [a.csv\ncolumns: {}\n", "M003"),
        ("", "M004"),
    ])
    func refusals(yaml: String, id: String) {
        let d = errors(yaml)
        #expect(d.contains { $0.id == id }, "\(d.map { $0.render(.zh) })")
        #expect(d.allSatisfy { $0.location?.file == "m.yaml" })
    }

    @Test func splitsListCells() {
        #expect(Mapping.splitList("张三、李四 王五") == ["张三", "李四", "王五"])
        #expect(Mapping.splitList("张三,李四，王五;赵六；钱七\n孙八\u{3000}周九") == ["张三", "李四", "王五", "赵六", "钱七", "孙八", "周九"])
        #expect(Mapping.splitList("  ") == [])
    }

    @Test func filePatterns() throws {
        let m = try MappingLoader.parse(proposalMapping.replacingOccurrences(of: "[\"*.csv\"]", with: "[\"提案*.csv\", \"sub/x-?.csv\"]"),
                                        path: "/data/maps/m.yaml")
        #expect(m.applies(to: "/anywhere/提案2025.csv"))
        #expect(!m.applies(to: "/anywhere/社情.csv"))
        #expect(m.applies(to: "/data/maps/sub/x-1.csv"))
        #expect(!m.applies(to: "/data/other/sub/x-1.csv"))
        #expect(throws: IngestError.self) { try Mapping.select(for: "/a/提案.csv", from: [m, m]) }
    }
}

@Suite struct MappedIngestTests {
    let header = "提案号,提交时间,案由,提案人,办理状态,类别\n"

    @Test func expandsListCellsFirstAsLeadNoneDropped() throws {
        let r = try ingestMapped(proposalMapping, [("p.csv", Array((header + "T1,2025/3/5,关于A,\"张三、李四 王五\",立案（重点）,经济\n").utf8))])
        #expect(r.rejects.isEmpty, "\(r.rejects)")
        #expect(r.store.records.count == 3)
        let s = r.store
        #expect(r.store.records.map { s.id(of: $0) } == ["T1", "T1#2", "T1#3"])
        #expect(r.store.records.map { r.members[Int($0.member)].id } == ["M1", "M2", "M3"])
        #expect(r.store.records.map { s.symbols[$0.role] } == ["第一提案人", "联名提案人", "联名提案人"])
        #expect(r.store.records.allSatisfy { s.symbols[$0.kind] == "提案" && s.symbols[$0.status] == "立案" && s.symbols[$0.ref] == "T1" })
        #expect(r.store.records.allSatisfy { s.markNames($0.marks) == ["重点"] })
        #expect(r.store.records[0].date == Day(year: 2025, month: 3, day: 5))
    }

    @Test func homonymsAreRejectedAsAmbiguousNeverGuessed() throws {
        let r = try ingestMapped(proposalMapping, [("p.csv", Array((header + "T1,2025-03-05,关于A,张三、王芳、不存在,已立案,\n").utf8))])
        #expect(r.store.records.count == 1)
        #expect(r.rejects.map(\.reason.code) == ["ambiguous-name", "unknown-name"])
        #expect(r.rejects[0].reason == .ambiguousName(candidates: ["M4", "M5"]))
        #expect(r.rejects[0].recordID == "T1#2" && r.rejects[0].value == "王芳" && r.rejects[0].location.line == 2)
        #expect(r.rejects[0].reason.message(.zh).contains("M4、M5"))
        #expect(r.rejects[1].recordID == "T1#3")
        #expect(r.files[0].read == 3 && r.files[0].accepted == 1 && r.files[0].rejected == 2)
    }

    @Test func sameExportTwiceCountsOnceAndRepeatedPersonIsRefused() throws {
        let text = Array((header + "T1,2025-03-05,关于A,张三 李四 张三,未立案,\n").utf8)
        let r = try ingestMapped(proposalMapping, [("a.csv", text), ("b.csv", text)])
        #expect(r.store.records.count == 2)
        #expect(r.rejects.map(\.reason.code) == ["repeated-person", "duplicate", "duplicate", "repeated-person"])
    }

    @Test func unmappedValuesReachValidationAsUnknownStatus() throws {
        let r = try ingestMapped(proposalMapping, [("p.csv", Array((header + "T1,2025-03-05,关于A,张三,转办,\n").utf8))])
        #expect(r.rejects.map(\.reason.code) == ["unknown-status"])
        #expect(r.rejects[0].value == "转办")
        let rec = Reconciliation(r)
        #expect(rec.unknownStatuses.map(\.value) == ["转办"] && rec.unknownStatuses[0].count == 1)
        #expect(rec.membersWithoutRecords.count == 5)
    }

    @Test func headerMustMatchTheMapping() throws {
        do {
            _ = try ingestMapped(proposalMapping, [("p.csv", Array("提案号,提交时间,案由,提案人,办理状态,类别,多余\n".utf8))])
            Issue.record("expected an error")
        } catch let IngestError.unmappedColumn(_, column, _) {
            #expect(column == "多余")
        }
        do {
            _ = try ingestMapped(proposalMapping, [("p.csv", Array("提案号,提交时间,案由,提案人\n".utf8))])
            Issue.record("expected an error")
        } catch let IngestError.missingMappedColumns(_, cols, _) {
            #expect(cols == ["办理状态", "类别"])
        }
    }

    @Test func memberIDListsAndConstants() throws {
        let yaml = """
        mapping: 1
        files: [x.csv]
        columns: {编号: activity_id, 日期: date, 委员: {field: member_id, list: true}, 状态: status}
        constants: {kind: 全体会议, quantity: "2"}
        values: {status: {到会: 出席}}
        """
        let r = try ingestMapped(yaml, [("x.csv", Array("编号,日期,委员,状态\nH1,2025年3月5日,M1；M2,到会\n".utf8))])
        #expect(r.rejects.isEmpty, "\(r.rejects)")
        #expect(r.store.records.map { r.store.id(of: $0) } == ["H1", "H1#2"])
        #expect(r.store.records.allSatisfy { $0.quantity == Points(parsing: "2")! })
    }

    @Test func excelSerialDatesOnlyWhenTheMappingSaysSo() throws {
        let base = """
        mapping: 1
        files: [x.csv]
        columns: {编号: activity_id, 日期: date, 姓名: member_name}
        constants: {kind: 全体会议, status: 出席}
        """
        let csv = Array("编号,日期,姓名\nE1,45721,张三\nE2,45721.0,李四\n".utf8)
        let on = try ingestMapped(base + "\nexcel_dates: true\n", [("x.csv", csv)])
        #expect(on.rejects.isEmpty, "\(on.rejects)")
        #expect(on.store.records[0].date == Day(year: 2025, month: 3, day: 5))
        let off = try ingestMapped(base, [("x.csv", csv)])
        #expect(off.rejects.map(\.reason.code) == ["bad-date", "bad-date"])
    }
}

@Suite struct HostileMappedInputTests {
    let header = "提案号,提交时间,案由,提案人,办理状态,类别\n"

    @Test func oversizedListCellIsBoundedLikeAnyField() {
        let cell = String(repeating: "张三、", count: (CSVReader.maxFieldBytes / 9) + 10)
        #expect(throws: IngestError.self) {
            _ = try ingestMapped(proposalMapping, [("p.csv", Array((header + "T1,2025-03-05,关于A,\"\(cell)\",已立案,\n").utf8))])
        }
    }

    @Test func longListsKeepEveryPerson() throws {
        let names = ["张三", "李四", "王五"]
        let cell = (0..<300).map { names[$0 % 3] }.joined(separator: "、")
        let r = try ingestMapped(proposalMapping, [("p.csv", Array((header + "T1,2025-03-05,关于A,\(cell),已立案,\n").utf8))])
        #expect(r.store.records.count == 3)
        #expect(r.rejects.count == 297 && r.rejects.allSatisfy { $0.reason == .repeatedPerson })
        #expect(r.files[0].read == 300)
    }

    @Test func oneRowOfMorePeopleThanABatchHolds() throws {
        // 10,000 co-signers in one cell: more records than a reader's batch holds (4,096), all
        // from one row.
        let roster = (0..<10_000).map { "M\($0),委员\($0),经济界,,委员,,,,,是" }.joined(separator: "\n")
        let cell = (0..<10_000).map { "委员\($0)" }.joined(separator: "、")
        let r = try ingestMapped(proposalMapping, [("p.csv", Array((header + "T1,2025-03-05,关于A,\(cell),已立案,\n").utf8))],
                                 members: "member_id,name,sector,committee,role,group,party,joined,left,ranked\n" + roster + "\n")
        #expect(r.store.records.count == 10_000)
        #expect(r.rejects.isEmpty)
        #expect(r.files.last?.read == 10_000)
    }

    @Test func emptyAndHeaderOnlyFiles() throws {
        #expect(throws: IngestError.self) { _ = try ingestMapped(proposalMapping, [("p.csv", [])]) }
        let r = try ingestMapped(proposalMapping, [("p.csv", [0xEF, 0xBB, 0xBF] + Array(header.utf8))])
        #expect(r.files[0].read == 0 && r.rejects.isEmpty)
    }

    @Test func invalidUTF8InAMappedCellIsRefusedNotGarbled() throws {
        let bytes = Array((header + "T1,2025-03-05,关于A,张三,").utf8) + [0xC3, 0x28] + Array(",\n".utf8)
        let r = try ingestMapped(proposalMapping + "\nencoding: utf-8\n", [("p.csv", bytes)])
        #expect(r.store.records.isEmpty)
        #expect(r.rejects.map(\.reason.code) == ["invalid-utf8"])
    }

    @Test func emptyPeopleCellIsAnEmptyName() throws {
        let r = try ingestMapped(proposalMapping, [("p.csv", Array((header + "T1,2025-03-05,关于A, 、 ,已立案,\n").utf8))])
        #expect(r.rejects.map(\.reason.code) == ["empty-name"])
    }
}

@Suite struct DateTextTests {
    @Test(arguments: ["2024-03-05", "2024-3-5", "2024/3/5", "2024/03/05", "2024.3.5", "2024年3月5日", "2024年3月5"])
    func spellings(_ s: String) {
        #expect(DateText.parse(s) == Day(year: 2024, month: 3, day: 5))
    }

    @Test(arguments: ["2024/3-5", "2024/2/30", "24/3/5", "3/5/2024", "2024年3月", "2024..3.5", "45356", "", "2024年3月5日上午", "２０２４年３月"])
    func refusals(_ s: String) {
        #expect(DateText.parse(s) == nil)
    }

    @Test func excelSerials() {
        #expect(DateText.parse("45356", excel: true) == Day(year: 2024, month: 3, day: 5))
        #expect(DateText.parse("61", excel: true) == Day(year: 1900, month: 3, day: 1))
        #expect(DateText.parse("45356.5", excel: true) == nil)
        #expect(DateText.parse("60", excel: true) == nil)
    }

    @Test func canonicalFilesAcceptTheSpellingsToo() throws {
        let s = Scratch()
        let roster = try RosterReader.read(path: s.write("m.csv", testMembersCSV))
        let rules = try testRules()
        var ing = ActivityIngestor(members: roster.members, period: rules.period!, vocabulary: rules.vocabulary)
        try ing.read(path: s.write("a.csv", "activity_id,member_id,date,kind,status\nA1,M1,2025/3/5,全体会议,出席\nA2,M1,2025年3月6日,全体会议,出席\nA3,M1,2024/12/31,全体会议,出席\n"))
        let r = ing.finish()
        #expect(r.store.records.count == 2)
        #expect(r.rejects.map(\.reason.code) == ["outside-period"])
    }
}

@Suite struct DuplicateConflictTests {
    @Test func identicalRepeatIsDuplicateDifferentContentIsConflictNamingBoth() throws {
        let s = Scratch()
        let roster = try RosterReader.read(path: s.write("m.csv", testMembersCSV))
        let rules = try testRules()
        var ing = ActivityIngestor(members: roster.members, period: rules.period!, vocabulary: rules.vocabulary)
        let h = "activity_id,member_id,date,kind,status,role,level,ref,quantity,marks,title\n"
        let a = s.write("a.csv", h + "A1,M1,2025-03-05,全体会议,出席,,,,1,,全会\nA2,M1,2025-03-06,全体会议,出席,,,,1,,全会\n")
        let b = s.write("b.csv", h + "A1,M1,2025-03-05,全体会议,出席,,,,1,,全会\nA2,M1,2025-03-06,全体会议,出席,,,,2,,全会\n")
        try ing.read(path: a)
        try ing.read(path: b)
        let r = ing.finish()
        // A1 counts once; A2's two copies differ, so neither is scored and each names the other.
        #expect(r.store.records.count == 1)
        #expect(r.rejects.map(\.reason.code) == ["duplicate", "duplicate-conflict", "duplicate-conflict"])
        let first = r.rejects[1], c = r.rejects[2]
        #expect(first.location == SourceLocation(file: a, line: 3) && first.reason == .duplicateConflict(first: SourceLocation(file: b, line: 3)))
        #expect(c.location == SourceLocation(file: b, line: 3))
        #expect(c.reason == .duplicateConflict(first: SourceLocation(file: a, line: 3)))
        #expect(c.reason.message(.zh).contains(a + ":3") && c.reason.message(.zh).contains("两条都未计分"))
        #expect(r.files.map(\.accepted) == [1, 0] && r.files.map(\.rejected) == [1, 2])
    }

    /// Which of two conflicting copies comes first is only the order of the rows: the scores
    /// are the same in every order and in every split of the rows into files, in memory and
    /// from disk.
    @Test func conflictingCopiesScoreTheSameInEveryOrder() throws {
        let s = Scratch()
        let rules = try testRules()
        let h = "activity_id,member_id,date,kind,status,role,level,ref,quantity,marks,title\n"
        let rows = ["A1,M1,2025-03-05,全体会议,出席,,,,8,,全会", "A1,M1,2025-03-05,全体会议,出席,,,,2,,全会",
                    "A1,M1,2025-03-05,全体会议,出席,,,,8,,全会", "A2,M2,2025-03-06,全体会议,出席,,,,1,,全会",
                    "A3,M2,2025-04-01,全体会议,出席,,,,3,,全会"]
        var seen: Set<String> = []
        for k in 0..<12 {
            var g = SystemRandomNumberGenerator()
            let order = k == 0 ? rows : k == 1 ? rows.reversed() : rows.shuffled(using: &g)
            let cut = k % 3 + 1
            let a = s.write("o\(k)/a.csv", h + order.prefix(cut).joined(separator: "\n") + "\n")
            let b = s.write("o\(k)/b.csv", h + order.dropFirst(cut).joined(separator: "\n") + "\n")
            for spill in [false, true] {
                let roster = try RosterReader.read(path: s.write("m.csv", testMembersCSV))
                var ing = ActivityIngestor(members: roster.members, period: rules.period!, vocabulary: rules.vocabulary)
                if spill { try ing.spillToDisk(directory: s.path, partitions: 2) }
                try ing.read(path: a)
                try ing.read(path: b)
                let r = ing.finish()
                let run = Scorer.score(r, rules: rules, period: rules.period!)
                let scores = run.results.map { "\(run.members[$0.member].id)=\($0.score)" }.sorted().joined(separator: " ")
                seen.insert(scores + " rejected \(r.rejects.count)")
                #expect(r.rejects.filter { $0.recordID == "A1" }.count == 3, "\(order) \(spill)")
            }
        }
        #expect(seen.count == 1, "\(seen)")
    }
}
