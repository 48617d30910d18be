import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiRules

/// The 考核细则 rendered from a rule file: golden files, the shipped `Rules/*.md`, and the
/// phrasing of each construct.
///
/// Re-record after an intended change with `LVZHI_RECORD_GOLDEN=1 swift test --filter RuleBookTests`;
/// a re-recording run fails on purpose, so it can never pass silently. Run again without it.
@Suite struct RuleBookTests {
    static var recording: Bool { ProcessInfo.processInfo.environment["LVZHI_RECORD_GOLDEN"] == "1" }

    /// Compares `actual` with the file at `path` (or rewrites it when recording, and fails).
    static func golden(_ actual: String, path: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        if recording {
            let dir = (path as NSString).deletingLastPathComponent
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: path, contents: Data(actual.utf8))
            Issue.record("re-recorded \(path); run again without LVZHI_RECORD_GOLDEN=1", sourceLocation: sourceLocation)
            return
        }
        guard let expected = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }) else {
            Issue.record("missing \(path): record it with LVZHI_RECORD_GOLDEN=1", sourceLocation: sourceLocation)
            return
        }
        guard actual != expected else { return }
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let i = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
        Issue.record("""
            \(path) is stale at line \(i + 1):
              expected: \(i < e.count ? String(e[i]) : "<end>")
              actual:   \(i < a.count ? String(a[i]) : "<end>")
            re-record with LVZHI_RECORD_GOLDEN=1 if the change is intended
            """, sourceLocation: sourceLocation)
    }

    static let goldenDir = packageRoot + "/Tests/LvzhiTests/Fixtures/golden"

    @Test func fengjieMarkdownGolden() throws {
        let rules = try RuleFileLoader.load(path: packageRoot + "/Rules/fengjie.yaml")
        Self.golden(RuleBook.render(rules, lang: .zh), path: Self.goldenDir + "/fengjie.md")
    }

    @Test func fengjieHTMLGolden() throws {
        let rules = try RuleFileLoader.load(path: packageRoot + "/Rules/fengjie.yaml")
        Self.golden(RuleBook.renderHTML(rules, lang: .zh), path: Self.goldenDir + "/fengjie.html")
    }

    @Test func fengjieEnglishGolden() throws {
        let rules = try RuleFileLoader.load(path: packageRoot + "/Rules/fengjie.yaml")
        Self.golden(RuleBook.render(rules, lang: .en), path: Self.goldenDir + "/fengjie.en.md")
    }

    /// Every shipped rule file has its 考核细则 next to it (`Rules/x.yaml` → `Rules/x.md`), up to date.
    @Test func shippedRuleBooksAreFresh() throws {
        let dir = packageRoot + "/Rules"
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".yaml") && !$0.hasSuffix(".approved.yaml") }.sorted()
        #expect(files.contains("fengjie.yaml"))
        for f in files {
            let rules = try RuleFileLoader.load(path: dir + "/" + f)
            Self.golden(RuleBook.render(rules, lang: .zh), path: dir + "/" + f.dropLast(5) + ".md")
        }
    }

    @Test func fengjieReadsLikeAnOfficesRules() throws {
        let md = RuleBook.render(try RuleFileLoader.load(path: packageRoot + "/Rules/fengjie.yaml"))
        for phrase in [
            "# 奉节式委员履职考核办法（示例）",
            "## 一、考核期间", "2025 年度，即 2025 年 1 月 1 日至 2025 年 12 月 31 日。",
            "## 二、计分方法", "总分最低 0 分，不设上限。",
            "### （一）参加政协会议和活动（本类最多计 30 分）",
            "1. 出席全体会议，每半天计 2 分。",
            "4. 参加视察、民主监督或协商活动，每次计 2 分，本项最多 10 分。",
            "1. 提案立案（第一提案人），每件计 6 分。",
            "1. 报送社情民意信息，每条计 1 分。",
            "### （七）扣分事项（本类最多扣 20 分）",
            "1. 无故缺席全体会议，每半天扣 3 分。",
            "## 四、否决事项", "年度考核等次评为“不合格”", "1. 违反政协章程或纪律。",
            "## 五、等次评定", "| 优秀 | 绿 | 80 分及以上 |", "| 优良 | 蓝 | 65 分及以上、不足 80 分 |", "| 不合格 | 红 | 不足 30 分 |",
        ] {
            #expect(md.contains(phrase), "missing: \(phrase)")
        }
        #expect(!md.contains("不重复计分"), "no exclusive groups in fengjie")
    }

    /// A rule file using every construct of the language, each phrased by its own function.
    static let everything = """
    lvzhi: 1
    name: 全功能测试
    version: "t"
    period: 2024-12-01..2025-11-30
    score: {base: 60, base_by_role: {常委: 70}, min: 0, max: 100}
    kinds:
      提案: {statuses: [立案], roles: [第一提案人, 联名提案人]}
      全体会议: {statuses: [出席, 请假, 缺席]}
      社情民意: {statuses: [报送, 采用]}
    categories:
      - {id: work, name: 履职, cap: 30}
      - {id: leave, name: 请假, floor: 0}
      - {id: spare, name: 备用}
    rules:
      - {id: proposal, name: 提案立案, category: work, when: {kind: 提案, status: 立案}, points: 6, split: {policy: lead_half, max_credited: 5}}
      - {id: opinion, category: work, when: {kind: 社情民意, status: 采用}, points: 4, split: {policy: fraction, fraction: 0.5}}
      - {id: leave, name: 请假（每次）, category: leave, when: {kind: 全体会议, status: 请假}, points: -1, skip_first: 2, cap: 5}
      - {id: standing, name: 出席全体会议, category: work, when: {kind: 全体会议, status: 出席, member_role: 常委}, points: 2, once: true}
      - {id: lead-only, name: 提案立案（仅第一提案人）, category: work, when: {kind: 提案}, points: 1, max_count: 3, split: {policy: lead_only}}
    exclusive:
      - {id: higher, name: 取高, rules: [proposal, opinion], per: ref}
    requirements:
      - {id: one-proposal, name: 提交提案, when: {kind: 提案}, min: 1, effect: {cap_grade: 合格}}
      - {id: attend, name: 出席全体会议, when: {kind: 全体会议, status: 出席}, min: 2, count: quantity, applies_to: {member_role: 常委}, effect: {deduct: 5}}
      - {id: report, name: 报送社情民意不少于 2 条, when: {kind: 社情民意}, min: 2, effect: {grade: 不合格}}
    vetoes:
      - {id: v, when: {kind: 全体会议, status: 缺席}, grade: 不合格}
    grading: {scope: sector, partial_period: prorate}
    grades:
      - {name: 优秀, color: 绿, hex: "#2e8b57", top: 10%}
      - {name: 良好, color: 蓝, hex: "#1f6fb2", top: 30%}
      - {name: 合格, color: 黄, hex: "#e0b100"}
      - {name: 不合格, color: 红, hex: "#c0392b", bottom: 2}
    """

    @Test(arguments: [
        "版本 t，由规则文件 all.yaml 生成。",
        "2024 年 12 月 1 日至 2025 年 11 月 30 日。",
        "基础分以外的得分按在任天数占考核期间天数的比例折算（除以在任比例）。",
        "基础分按职务确定：常委 70 分；其他委员 60 分。",
        "总分最低 0 分，最高 100 分。",
        "1. 提案立案，每件计 6 分，多人署名的第一提案人计一半，其余署名人平分另一半，每件最多计 5 人（第一提案人优先）。",
        "2. 社情民意（采用），每条计 4 分，多人署名的每人计该分值的 50%。",
        "3. 出席全体会议（限常委），每次计 2 分，考核期间只计一次。",
        "4. 提案立案（仅第一提案人），每件计 1 分，最多计 3 件，多人署名的仅计第一提案人。",
        "### （二）请假（本类扣至 0 分为止）",
        "1. 请假，前 2 次不计，此后每次扣 1 分，本项最多扣 5 分。",
        "本类暂无计分标准。",
        "## 四、不重复计分",
        "1. 取高：“提案立案”、“社情民意（采用）”，同一事项（同一关联编号）只按其中得分最高的一项计分。",
        "## 五、最低要求",
        "1. 提交提案：不少于 1 件；未达到的，等次最高评为“合格”。",
        "2. 出席全体会议（限常委）：累计数量不少于 2；未达到的，扣 5 分。",
        "3. 报送社情民意不少于 2 条；未达到的，等次评为“不合格”。",
        "## 六、否决事项",
        "1. 全体会议（缺席）。",
        "## 七、等次评定",
        "按总分排名评定为 4 个等次（得分相同的名次并列），在各界别内分别排名：",
        "| 优秀 | 绿 | 排名前 10% |",
        "| 良好 | 蓝 | 排名前 10% 之后至前 30% |",
        "| 合格 | 黄 | 其余委员 |",
        "| 不合格 | 红 | 排名最后 2 名 |",
        "未达到最低要求的，按“最低要求”的规定调整等次或扣分。",
    ])
    func everyConstructIsPhrased(_ phrase: String) throws {
        let md = RuleBook.render(try RuleFileLoader.parse(Self.everything, path: "Rules/all.yaml"))
        #expect(md.contains(phrase), "missing: \(phrase)\n\(md)")
    }

    @Test func englishToo() throws {
        let md = RuleBook.render(try RuleFileLoader.parse(Self.everything, path: "all.yaml"), lang: .en)
        #expect(md.contains("## 3. Points"))
        #expect(md.contains("1. 提案立案, 6 points each, on a joint item the 第一提案人 gets half and the others share the other half; at most 5 members per item (第一提案人 first)."))
        #expect(md.contains("| 优秀 | 绿 | top 10% |"))
    }

    @Test func htmlIsAnEscapedFragment() throws {
        let yaml = testRulesYAML
            .replacingOccurrences(of: "name: 测试规则", with: "name: \"<script>alert('x')</script> & 规则\"")
            .replacingOccurrences(of: "{id: meetings, name: 会议,", with: "{id: meetings, name: \"<b>会议</b>\",")
        let html = RuleBook.renderHTML(try RuleFileLoader.parse(yaml, path: "t.yaml"))
        #expect(html.hasPrefix("<section class=\"rulebook\">\n<h2>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; 规则</h2>"))
        #expect(!html.contains("<script>") && !html.contains("<b>"))
        #expect(html.contains("<h4>（一）&lt;b&gt;会议&lt;/b&gt;（本类最多计 10 分）</h4>"))
        #expect(html.contains("<td><span class=\"swatch\" style=\"background:#2e8b57\"></span> 绿</td>"))
        #expect(html.hasSuffix("</section>\n"))
        let md = RuleBook.render(try RuleFileLoader.parse(yaml, path: "t.yaml"))
        #expect(md.hasPrefix("# \\<script\\>alert('x')\\</script\\> & 规则\n"))
    }

    @Test(arguments: [(1, "一"), (7, "七"), (10, "十"), (11, "十一"), (20, "二十"), (35, "三十五")])
    func chineseNumerals(_ n: Int, _ text: String) {
        #expect(RuleBook.chineseNumeral(n) == text)
    }
}
