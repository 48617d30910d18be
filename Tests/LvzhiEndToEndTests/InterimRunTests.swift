import Foundation
import Testing

/// `lvzhi score --as-of` (year-to-date 通报) and rule files with multi-year conditions, through
/// the built binary.
@Suite struct InterimRunTests {
    let members = """
    member_id,name,sector,committee,role,group,party,joined,left,ranked
    M1,甲,经济界,,委员,,,,,
    M2,乙,教育界,,委员,,,,,
    """
    let activities = """
    activity_id,member_id,date,kind,status,role,level,ref,quantity,marks,title
    A1,M1,2025-01-08,全体会议,出席,,,,5,,第一次全体会议
    A2,M2,2025-01-08,全体会议,缺席,,,,1,,第一次全体会议
    A3,M1,2025-09-01,提案,立案,第一提案人,,P1,,,下半年提案
    A4,M2,2025-03-01,提案,立案,第一提案人,,P2,,,上半年提案
    """

    func score(_ s: Scratch, rules: String, _ extra: [String]) throws -> RunResult {
        let m = s.write("members.csv", members)
        let a = s.write("in/activities.csv", activities)
        return try lvzhi(["score", "--rules", rules, "--members", m, "--activities", a, "--out", s.file("out")] + extra)
    }

    @Test func asOfSetsLaterRecordsAsideAndShowsProgress() throws {
        let s = Scratch()
        let r = try score(s, rules: "Rules/minhang.yaml", ["--as-of", "2025-06-30"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("截至 2025-06-30 的通报：1 条日期在此之后的记录未计分，也未拒收"))
        // The summary line adds up: read = scored + set aside + rejected.
        #expect(r.stdout.contains("读取记录 4 条：计分 3 条，2025-06-30 之后暂不计分 1 条，拒收 0 条"), "\(r.stdout)")
        #expect(s.read("out/rejects.csv").split(separator: "\n").count == 1)
        let root = try #require(try JSONSerialization.jsonObject(with: s.data("out/scores.json")) as? [String: Any])
        #expect(root["as_of"] as? String == "2025-06-30")
        #expect(root["records_after_as_of"] as? Int == 1)
        let byID = try membersByID(s.data("out/scores.json"))
        let progress = try #require(byID["M1"]?["requirements"] as? [[String: Any]])
        let proposal = try #require(progress.first { $0["id"] as? String == "proposal" })
        // M1's only proposal is dated after the as-of day: 0 of 1 so far.
        #expect(proposal["done"] as? Int == 0)
        #expect(proposal["met"] as? Bool == false)
        #expect(s.read("out/report.html").contains("最低要求进度（通报）"))

        let quiet = try score(Scratch(), rules: "Rules/minhang.yaml", ["--as-of", "2025-06-30", "--quiet"])
        #expect(quiet.status == 0)
        #expect(quiet.stderr.isEmpty)
    }

    @Test func asOfOutsideThePeriodIsAUsageError() throws {
        let s = Scratch()
        let outside = try score(s, rules: "Rules/minhang.yaml", ["--as-of", "2026-01-01"])
        #expect(outside.status == 64)
        #expect(outside.stderr.contains("--as-of 2026-01-01 不在考核期间 2025-01-01 至 2025-12-31 之内"))
        let bad = try score(s, rules: "Rules/minhang.yaml", ["--as-of", "6月底"])
        #expect(bad.status == 64)
    }

    @Test func historyConditionsWithoutHistoryAreNoted() throws {
        let s = Scratch()
        let r = try score(s, rules: "Rules/fengjie-term.yaml", [])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("规则文件有跨年度条件，但没有提供往年结果"))
        let header = s.read("out/scores.csv").split(separator: "\r\n").first.map(String.init) ?? ""
        #expect(header.hasSuffix(",跨年度处理"))
        let byID = try membersByID(s.data("out/scores.json"))
        #expect(byID["M1"]?["flags"] as? [String] == [])
    }
}
