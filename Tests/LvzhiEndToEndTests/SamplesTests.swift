import Foundation
import Testing

/// Scores the shipped Samples/ district with the default rules and checks members whose
/// scores were computed by hand from their records (see the comments).
@Suite struct SamplesTests {
    static let scratch = Scratch()
    static let run: RunResult? = try? lvzhi(
        ["score", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv",
         "--activities", "Samples/activities", "--out", scratch.file("out")],
        environment: ["SOURCE_DATE_EPOCH": "1767225600"])

    func member(_ id: String) throws -> [String: Any] {
        _ = try #require(Self.run)
        return try #require(try membersByID(Self.scratch.data("out/scores.json"))[id])
    }

    func categories(_ m: [String: Any]) -> [String: String] {
        (m["categories"] as? [String: Any] ?? [:]).mapValues { decimalText($0) }
    }

    @Test func runsCleanlyAndReportsTheSevenBadRows() throws {
        let r = try #require(Self.run)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try membersByID(Self.scratch.data("out/scores.json")).count == 300)
        #expect(r.stdout.contains("读取记录 8250 条：计分 8243 条"))
        let rejects = Self.scratch.read("out/rejects.csv")
        for id in ["A0008244", "A0008245", "A0008246", "A0008247", "A0004602", "A0008248", "A0008249"] {
            #expect(rejects.contains(id), "\(id) not in rejects.csv")
        }
    }

    /// M0134 彭义刚 (co-signs a proposal). By hand from the records:
    /// meetings: plenary 5 half-days × 2 = 10, training 2 × 1 + 0.5 × 1 = 2.5, committee/sector
    ///   meetings attended 4 × 1 = 4 (two 请假 score nothing) → 16.5;
    /// proposals: lead 立案 6 + co-signed 立案 2 = 8; campaign 3; sector activities 2 × 3 = 6.
    /// Total 33.5 → 基本合格 (≥ 30), 褐.
    @Test func coSignedProposal() throws {
        let m = try member("M0134")
        #expect(decimalText(m["score"]) == "33.5")
        #expect(categories(m) == ["meetings": "16.5", "proposals": "8", "opinions": "0", "campaign": "3",
                                  "sector": "6", "bonus": "0", "deductions": "0"])
        #expect(m["grade"] as? String == "基本合格")
        #expect(m["color"] as? String == "褐")
    }

    /// M0270 杨萍艳 joined on 2025-07-01; her 视察 of 2025-05-20 is rejected (before joining).
    /// meetings: committee 1 + 民主监督 2 + training 0.5 + sector meeting 1 + committee 1 = 5.5;
    /// proposals: 3 lead 立案 × 6 + 重点 3 = 21, capped at 20; opinions: 4 报送 × 1 + 区 adoption 2 = 6;
    /// campaign: 6 × 3 = 18, capped at 15; sector: 2 × 3 = 6. Total 52.5 → 合格, 黄.
    @Test func midYearJoinerWithCappedCategories() throws {
        let m = try member("M0270")
        #expect(decimalText(m["score"]) == "52.5")
        #expect(categories(m) == ["meetings": "5.5", "proposals": "20", "opinions": "6", "campaign": "15",
                                  "sector": "6", "bonus": "0", "deductions": "0"])
        #expect(m["grade"] as? String == "合格")
        #expect(m["partial_period"] as? Bool == true)
        #expect(m["joined"] as? String == "2025-07-01")
        let ledger = Self.scratch.read("out/ledger.csv")
        #expect(ledger.contains("M0270,杨萍艳,,,,,,,,,,提交提案,-1,21,category_capped"))
        #expect(ledger.contains("M0270,杨萍艳,,,,,,,,,,双百行动,-3,18,category_capped"))
    }

    /// M0082 曾建源 has a disciplinary record: 22 points (meetings 7, opinions 1 + 2 + 3 = 6,
    /// campaign 3, sector 9, deductions −1 −1 −1 = −3) but the veto forces 不合格.
    @Test func vetoForcesLowestGrade() throws {
        let m = try member("M0082")
        #expect(decimalText(m["score"]) == "22")
        #expect(categories(m)["deductions"] == "-3")
        #expect(m["grade"] as? String == "不合格")
        #expect(m["color"] as? String == "红")
        #expect(m["vetoes"] as? [String] == ["违反政协章程或纪律"])
        #expect(Self.scratch.read("out/ledger.csv").contains("A0006838,2025-10-15,违纪"))
    }

    @Test func chairIsNotRanked() throws {
        let m = try member("M0001")
        #expect(m["ranked"] as? Bool == false)
        #expect(m["rank"] is NSNull)
    }
}
