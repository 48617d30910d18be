import Foundation
import Testing

/// Runs the built binary on Samples/foreign: three foreign exports (two CSV files and a
/// workbook) read through their mapping files alongside the canonical Samples/activities (as
/// scripts/demo does).
@Suite struct ForeignExportTests {
    static let mappings = ["--mapping", "Samples/foreign/proposals.mapping.yaml", "Samples/foreign/opinions.mapping.yaml",
                           "Samples/foreign/inspections.mapping.yaml", "Samples/foreign/proposal-system.mapping.yaml"]
    static let inputs = ["--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv",
                         "--activities", "Samples/activities", "Samples/foreign"]

    @Test func scoresForeignExportsAlongsideTheCanonicalFiles() throws {
        let s = Scratch()
        let r = try lvzhi(["score"] + Self.inputs + Self.mappings + ["--out", s.file("out")],
                          environment: ["SOURCE_DATE_EPOCH": "1767225600"])
        #expect(r.status == 0, "\(r.stderr)")
        // 8250 canonical rows + 123 records from the two foreign CSV files + 83 from the workbook
        // + 65 from the nested XML export (list cells and proposers expanded, one record each).
        #expect(r.stdout.contains("读取记录 8521 条：计分 8505 条"), "\(r.stdout)")
        let rejects = s.read("out/rejects.csv")
        #expect(rejects.contains("TA2025-008#2") && rejects.contains("李怡旭") && rejects.contains("M0101"))
        #expect(rejects.contains("TA2025-024#2") && rejects.contains("欧阳不在"))
        #expect(rejects.contains("XX2025-018") && rejects.contains("转有关部门参考"))
        let ledger = s.read("out/ledger.csv")
        #expect(ledger.contains("TA2025-001#4"), "co-signers from one list cell are scored")
        #expect(ledger.contains("XX2025-001"), "GB18030 rows with Excel serial dates are scored")
        #expect(ledger.contains("DY2025-001,2025-02-10,视察,参加"), "workbook rows with real Excel dates are scored")
        #expect(ledger.contains("Samples/foreign/inspections.xlsx:3"), "ledger lines name the sheet row")
        #expect(rejects.contains("Samples/foreign/inspections.xlsx,14,DY2025-012,") && rejects.contains("2024-12-18"))
        #expect(s.read("out/report.html").contains("XLSX（工作表“调研视察”）"))
        #expect(s.read("out/scores.json").contains(#""format":"xlsx","sheet":"调研视察""#))
        // Nested XML: the lead by id, co-signers by name, linked by the proposal's id.
        #expect(ledger.contains("M0166,卢康志,ZA2025-001,2025-01-06,提案,立案,第一提案人"), "\(ledger.prefix(300))")
        #expect(ledger.contains(",ZA2025-002#4,") && ledger.contains("Samples/foreign/proposal-system.xml:"))
        #expect(rejects.contains("proposal-system.xml,101,ZA2025-009,,,范良瑞,missing-element"), "no lead: the whole item is refused")
        #expect(rejects.contains("proposal-system.xml,101,ZA2025-009#2,,,赵瑶庆,missing-element"))
        #expect(rejects.contains("ZA2025-017#3") && rejects.contains("proposal-system.xml,210,ZA2025-017#3"))
    }

    @Test func validatePrintsTheReconciliation() throws {
        let r = try lvzhi(["validate"] + Self.inputs + Self.mappings)
        #expect(r.status == 1, "records were rejected: \(r.stderr)")
        #expect(r.stdout.contains("读取记录 8521 条：接受 8505 条，拒收 16 条"), "\(r.stdout)")
        #expect(r.stdout.contains("Samples/foreign/inspections.xlsx（工作表“调研视察”）"))
        #expect(r.stdout.contains("Samples/foreign/inspections.xlsx:14: outside-period: DY2025-012"))
        #expect(r.stdout.contains("missing-element 2"), "\(r.stdout)")
        #expect(r.stdout.contains("映射 Samples/foreign/proposal-system.mapping.yaml 适用于：Samples/foreign/proposal-system.xml"))
        #expect(!r.stderr.contains("[I016]"), "a mapped XML export is not checked against the canonical XSD: \(r.stderr)")
        #expect(r.stdout.contains("未知的状态：已采用(单篇) × 1、转有关部门参考 × 1"))
        #expect(r.stdout.contains("名册中没有的委员：M0999 × 1、欧阳不在 × 1"))
        #expect(r.stdout.contains("映射 Samples/foreign/opinions.mapping.yaml 适用于：Samples/foreign/opinions-gb18030.csv"))
        let en = try lvzhi(["validate"] + Self.inputs + Self.mappings + ["--lang", "en"])
        #expect(en.stdout.contains("records read 8521: 8505 accepted, 16 rejected"))
        #expect(en.stdout.contains("ambiguous-name 2"))
    }

    @Test func validateCleanCanonicalFileExitsZero() throws {
        let s = Scratch()
        let a = s.write("a.csv", "activity_id,member_id,date,kind,status\nZ1,M0002,2025-03-05,全体会议,出席\n")
        let r = try lvzhi(["validate", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv", "--activities", a])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("没有任何记录的委员：299 人"))
    }

    @Test func foreignExportWithoutItsMappingIsRefusedWithAHint() throws {
        let s = Scratch()
        let r = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv",
                           "--activities", "Samples/foreign/platform-proposals.csv", "--out", s.file("out")])
        #expect(r.status == 3)
        #expect(r.stderr.contains("platform-proposals.csv:1") && r.stderr.contains("映射文件"))
    }

    @Test func brokenMappingFileNamesLineAndColumn() throws {
        let s = Scratch()
        let m = s.write("m.yaml", "mapping: 1\nfiles: [platform-proposals.csv]\ncolumns:\n  提案号: activity_id\n  提交时间: datum\n")
        let r = try lvzhi(["validate"] + Self.inputs + ["--mapping", m])
        #expect(r.status == 3)
        #expect(r.stderr.contains("m.yaml:5:9") && r.stderr.contains("[M020]") && r.stderr.contains("datum"), "\(r.stderr)")
        let en = try lvzhi(["score"] + Self.inputs + ["--mapping", m, "--out", s.file("out"), "--lang", "en"])
        #expect(en.status == 3 && en.stderr.contains("unknown field 'datum'"))
    }

    @Test func validateChecksXMLAgainstTheSchema() throws {
        let s = Scratch()
        let x = s.write("bad.xml", "<?xml version=\"1.0\"?>\n<lvzhi version=\"1\"><activities>\n<activity activity_id=\"Z1\" member_id=\"M0002\" date=\"2025-03-05\" kind=\"全体会议\" colour=\"red\"/>\n</activities></lvzhi>\n")
        let r = try lvzhi(["validate", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv", "--activities", x])
        #expect(r.status == 3)
        #expect(r.stderr.contains("[I016]") && r.stderr.contains("colour"), "\(r.stderr)")
    }
}
