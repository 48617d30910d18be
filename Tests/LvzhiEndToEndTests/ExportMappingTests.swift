import Foundation
import Testing

/// The exports of issue 13, built by scripts/gen-exports the way platforms write them: a
/// proposal system's GB18030 XML (all co-signers in one element, empty when none, the lead's
/// 界别 beside a homonym, padded names, every date spelling) and a 社情民意 sheet (the level is
/// whichever of three columns has text, a title row, repeated headers, blank rows, 合计 and 注：
/// at the end, Excel serials). Read through their two short mapping files they must give
/// exactly the scores of the same records in canonical form, with nothing rejected.
@Suite struct ExportMappingTests {
    static let roster = ["--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv"]
    static let exports = ["--activities", "Samples/exports/proposal-export.xml", "Samples/exports/opinions-sheet.csv",
                          "--mapping", "Samples/exports/proposal-export.mapping.yaml", "Samples/exports/opinions-sheet.mapping.yaml"]

    @Test func mappedExportsScoreExactlyAsTheCanonicalRecords() throws {
        let s = Scratch()
        let env = ["SOURCE_DATE_EPOCH": "1767225600"]
        let canonical = try lvzhi(["score"] + Self.roster + ["--activities", "Samples/exports/canonical", "--out", s.file("canonical"), "--no-history"],
                                  environment: env)
        #expect(canonical.status == 0, "\(canonical.stderr)")
        let mapped = try lvzhi(["score"] + Self.roster + Self.exports + ["--out", s.file("mapped"), "--no-history"], environment: env)
        #expect(mapped.status == 0, "\(mapped.stderr)")
        // 1,032 proposal records (320 proposals, every co-signer one record) + 640 opinion rows.
        #expect(canonical.stdout.contains("读取记录 1672 条：计分 1672 条"), "\(canonical.stdout)")
        #expect(mapped.stdout.contains("读取记录 1672 条：计分 1672 条"), "\(mapped.stdout)")
        let header = "文件,行,记录编号,委员编号,字段,值,原因代码,原因"
        #expect(s.read("mapped/rejects.csv").trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix(header), "\(s.read("mapped/rejects.csv").prefix(600))")
        #expect(s.read("canonical/rejects.csv").trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix(header))
        let a = s.read("canonical/scores.csv"), b = s.read("mapped/scores.csv")
        #expect(a.split(whereSeparator: \.isNewline).count == 301, "300 members and the header")
        #expect(a == b, "scores.csv differs between the canonical and the mapped run")
        // The homonym 李怡旭 (M0101 工商联, M0261 文化艺术界) is scored under both ids, told apart by 界别.
        let ledger = s.read("mapped/ledger.csv")
        #expect(ledger.contains("M0101,李怡旭") && ledger.contains("M0261,李怡旭"))
        // Same ids in both runs: the co-signers of one element are TX…#2, #3 … in the order written.
        #expect(ledger.contains(",TX2025-0004#6,"), "\(ledger.prefix(400))")
        #expect(s.read("canonical/ledger.csv").contains(",TX2025-0004#6,"))
        // The 23 rows that are not records are counted where the clerk looks: the report's
        // reconciliation (with the rule and the lines), scores.json, the summary printed.
        let report = s.read("mapped/report.html")
        #expect(report.contains("跳过的非记录行</div><div class=\"v\">23</div>"), "\(report.count)")
        #expect(report.contains("另有 23 行不是记录") && report.contains("中“序号为“合计”” 1 行（第 664 行）"))
        #expect(!s.read("canonical/report.html").contains("跳过的非记录行"))
        let json = try JSONSerialization.jsonObject(with: Data(s.read("mapped/scores.json").utf8)) as? [String: Any]
        #expect((json?["summary"] as? [String: Any])?["rows_skipped"] as? Int == 23)
        let sheet = (json?["files"] as? [[String: Any]])?.first { ($0["path"] as? String)?.hasSuffix("opinions-sheet.csv") == true }
        #expect(sheet?["skipped"] as? Int == 23 && (sheet?["skipped_by_reason"] as? [String: Int])?["重复的表头"] == 10, "\(String(describing: sheet))")
        #expect(mapped.stdout.contains("另跳过不是记录的行 23 行"), "\(mapped.stdout)")
    }

    @Test func validateCountsTheSkippedRowsNotAsRejects() throws {
        let r = try lvzhi(["validate"] + Self.roster + Self.exports)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("读取记录 1672 条：接受 1672 条，拒收 0 条"), "\(r.stdout)")
        #expect(r.stdout.contains("另跳过不是记录的行 23 行"), "\(r.stdout)")
        #expect(r.stdout.contains("重复的表头 10 行") && r.stdout.contains("序号为“合计” 1 行（第 664 行）")
                && r.stdout.contains("首格以“注：”开头 1 行（第 665 行）"), "\(r.stdout)")
        let en = try lvzhi(["validate"] + Self.roster + Self.exports + ["--lang", "en"])
        #expect(en.stdout.contains("23 rows that are not records were skipped"), "\(en.stdout)")
    }
}

/// `lvzhi inspect` on the same two exports, with the roster and the rule file: the drafts it
/// writes, unedited, must pass `lvzhi validate` and score exactly like the canonical records.
@Suite struct InspectCommandTests {
    @Test func draftsTheMappingsOfBothExports() throws {
        let s = Scratch()
        for f in ["proposal-export.xml", "opinions-sheet.csv"] {
            try FileManager.default.copyItem(atPath: packageRoot + "/Samples/exports/" + f, toPath: s.file(f))
        }
        let r = try lvzhi(["inspect", s.file("proposal-export.xml"), s.file("opinions-sheet.csv"),
                           "--members", "Samples/members.csv", "--rules", "Rules/fengjie.yaml"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("编码：GB18030") && r.stdout.contains("重复的元素：提案列表/提案，共 320 项"), "\(r.stdout)")
        #expect(r.stdout.contains("表头在第 2 行；数据 640 行"), "\(r.stdout)")
        #expect(r.stdout.contains("联名提案人  [非空 230、空 90"), "samples and distinct counts per place: \(r.stdout)")
        let xml = s.read("proposal-export.mapping.yaml"), sheet = s.read("opinions-sheet.mapping.yaml")
        for line in ["encoding: gb18030", "record: \"提案列表/提案\"", "\"@编号\": activity_id", "提交时间: date", "办理状态: status",
                     "重点提案: {field: marks, filled: 重点, texts: [是]}",
                     "- {path: 第一提案人, role: 第一提案人, name: \".\", single: true, fields: {\"@界别\": roster.sector}}",
                     "- {path: 联名提案人, role: 联名提案人, name: \".\", list: true}", "kind: 提案", "不予立案: 不立案"] {
            #expect(xml.contains(line), "\(line)\n\(xml)")
        }
        for line in ["encoding: gb18030", "header_row: 2", "excel_dates: true", "序号: skip", "信息编号: activity_id", "报送人: member_name",
                     "所属界别: roster.sector", "区级采用: {filled: {status: 采用, level: 区}}", "市领导批示: {filled: {status: 批示, level: 市}}",
                     "采用方式: marks", "- repeated_header", "- {column: 序号, equals: 合计}", "- {starts_with: \"注：\"}", "kind: 社情民意",
                     "\"\": 报送"] {
            #expect(sheet.contains(line), "\(line)\n\(sheet)")
        }
        #expect(sheet.split(separator: "\n").filter { !$0.hasPrefix("#") }.allSatisfy { !$0.contains(":") || $0.contains("#") || $0.hasSuffix(":") || $0.hasPrefix("mapping") || $0.hasPrefix("name") || $0.hasPrefix("files") },
                "every guess carries a comment")
        // Unedited, the drafts read both exports completely and score like the canonical records.
        let inputs = ["--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv", "--activities", s.file("proposal-export.xml"),
                      s.file("opinions-sheet.csv"), "--mapping", s.file("proposal-export.mapping.yaml"), s.file("opinions-sheet.mapping.yaml")]
        let v = try lvzhi(["validate"] + inputs)
        #expect(v.status == 0 && v.stdout.contains("读取记录 1672 条：接受 1672 条，拒收 0 条"), "\(v.stdout)\(v.stderr)")
        let env = ["SOURCE_DATE_EPOCH": "1767225600"]
        let drafted = try lvzhi(["score"] + inputs + ["--out", s.file("drafted"), "--no-history"], environment: env)
        let canonical = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv", "--activities",
                                   "Samples/exports/canonical", "--out", s.file("canonical"), "--no-history"], environment: env)
        #expect(drafted.status == 0 && canonical.status == 0)
        #expect(s.read("drafted/scores.csv") == s.read("canonical/scores.csv"))
        // A draft is not overwritten without --force.
        let again = try lvzhi(["inspect", s.file("opinions-sheet.csv")])
        #expect(again.status == 64 && again.stderr.contains("--force"), "\(again.stderr)")
    }

    @Test func withoutRosterOrRulesTheDraftStillParses() throws {
        let s = Scratch()
        let r = try lvzhi(["inspect", "Samples/foreign/inspections.xlsx", "--out", s.path, "--lang", "en"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("sheet “调研视察”") && r.stdout.contains("header on line 2"), "the data sheet, not the 填表说明 before it: \(r.stdout)")
        let v = try lvzhi(["validate", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv", "--activities",
                           "Samples/foreign/inspections.xlsx", "--mapping", s.file("inspections.mapping.yaml")])
        #expect(v.status != 3, "the draft is a valid mapping file: \(v.stderr)")
    }
}

/// Samples/exports is generated: regenerating it must give the committed files.
@Suite struct GeneratedExportsTests {
    @Test func samplesExportsAreUpToDate() throws {
        let s = Scratch()
        let gen = Process()
        gen.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gen.arguments = ["python3", packageRoot + "/scripts/gen-exports", "--out", s.path, "--members", packageRoot + "/Samples/members.csv"]
        gen.standardOutput = FileHandle.nullDevice
        try gen.run()
        gen.waitUntilExit()
        try #require(gen.terminationStatus == 0, "scripts/gen-exports failed (python3 needed)")
        for f in ["proposal-export.xml", "opinions-sheet.csv", "canonical/proposals.csv", "canonical/opinions.csv"] {
            #expect(s.data(f) == FileManager.default.contents(atPath: packageRoot + "/Samples/exports/" + f), "Samples/exports/\(f) is stale: run scripts/gen-exports")
        }
    }
}
