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
        // 1,021 proposal records (320 proposals, every co-signer one record) + 640 opinion rows.
        #expect(canonical.stdout.contains("读取记录 1661 条：计分 1661 条"), "\(canonical.stdout)")
        #expect(mapped.stdout.contains("读取记录 1661 条：计分 1661 条"), "\(mapped.stdout)")
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
    }

    @Test func validateCountsTheSkippedRowsNotAsRejects() throws {
        let r = try lvzhi(["validate"] + Self.roster + Self.exports)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("读取记录 1661 条：接受 1661 条，拒收 0 条"), "\(r.stdout)")
        #expect(r.stdout.contains("另跳过不是记录的行 23 行"), "\(r.stdout)")
        #expect(r.stdout.contains("重复的表头 10 行") && r.stdout.contains("序号为“合计” 1 行（第 664 行）")
                && r.stdout.contains("首格以“注：”开头 1 行（第 665 行）"), "\(r.stdout)")
        let en = try lvzhi(["validate"] + Self.roster + Self.exports + ["--lang", "en"])
        #expect(en.stdout.contains("23 rows that are not records were skipped"), "\(en.stdout)")
    }
}
