import Foundation
import Testing

/// `lvzhi diff` run as the built binary on Samples/: Rules/fengjie.yaml against modified copies.
/// The expected figures are computed independently from two `lvzhi score` runs (scores.json and
/// ledger.csv), and the headline numbers are also written out as checked by hand.
@Suite struct DiffCommandTests {
    static let inputs = ["--members", "Samples/members.csv", "--activities", "Samples/activities"]

    func fengjie() throws -> String {
        try String(contentsOfFile: packageRoot + "/Rules/fengjie.yaml", encoding: .utf8)
    }

    /// A modified copy of fengjie.yaml in `s`.
    func variant(_ s: Scratch, _ name: String, _ from: String, _ to: String) throws -> String {
        let text = try fengjie()
        #expect(text.contains(from), "fengjie.yaml no longer contains \(from)")
        return s.write(name, text.replacingOccurrences(of: from, with: to))
    }

    /// (grade, score text) per member from a `lvzhi score` run with `rules`.
    func scored(_ s: Scratch, _ rules: String, _ out: String) throws -> [String: (grade: String, score: String)] {
        let r = try lvzhi(["score", "--rules", rules] + Self.inputs + ["--out", s.file(out), "--quiet", "--formats", "json,ledger"])
        #expect(r.status == 0, "\(r.stderr)")
        return try membersByID(s.data(out + "/scores.json")).mapValues { ($0["grade"] as! String, decimalText($0["score"])) }
    }

    func diffJSON(_ old: String, _ new: String) throws -> [String: Any] {
        let r = try lvzhi(["diff", "--old-rules", old, "--new-rules", new] + Self.inputs + ["--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    /// The transition counts as "from→to": n, from the diff's JSON.
    func transitions(_ json: [String: Any]) throws -> [String: Int] {
        let m = try #require(json["matrix"] as? [String: Any])
        let rows = try #require(m["rows"] as? [String]), cols = try #require(m["columns"] as? [String])
        let counts = try #require(m["counts"] as? [[Int]])
        var out: [String: Int] = [:]
        for (i, r) in rows.enumerated() { for (j, c) in cols.enumerated() where counts[i][j] > 0 { out["\(r)→\(c)"] = counts[i][j] } }
        return out
    }

    /// The same counts computed from two scoring runs.
    func transitions(_ a: [String: (grade: String, score: String)], _ b: [String: (grade: String, score: String)]) -> [String: Int] {
        var out: [String: Int] = [:]
        for (id, x) in a { if let y = b[id] { out["\(x.grade)→\(y.grade)", default: 0] += 1 } }
        return out
    }

    @Test func aHigherBandThresholdMovesTheMembersBetweenTheLines() throws {
        let s = Scratch()
        let new = try variant(s, "fengjie-70.yaml", "{name: 优良, color: 蓝, hex: \"#1f6fb2\", min: 65}", "{name: 优良, color: 蓝, hex: \"#1f6fb2\", min: 70}")
        let before = try scored(s, "Rules/fengjie.yaml", "old")
        // Independently: the 优良 members scoring below 70 are the ones that must drop to 合格.
        let dropping = before.filter { $0.value.grade == "优良" && Decimal(string: $0.value.score)! < 70 }.keys.sorted()
        #expect(dropping.count == 22)
        let json = try diffJSON("Rules/fengjie.yaml", new)
        let changed = try #require(json["changed"] as? [[String: Any]])
        #expect(changed.map { $0["member_id"] as! String } == dropping)
        #expect(try transitions(json)["优良→合格"] == 22)
        // A threshold moves no ledger line: every changed member lists none.
        for c in changed { #expect((c["ledger"] as? [Any])?.isEmpty == true) }
        let summary = try #require(json["summary"] as? [String: Any])
        #expect(summary["score_up"] as? Int == 0 && summary["score_down"] as? Int == 0 && summary["both"] as? Int == 300)

        let text = try lvzhi(["diff", "--old-rules", "Rules/fengjie.yaml", "--new-rules", new] + Self.inputs)
        #expect(text.status == 0)
        #expect(text.stdout.contains("  蓝 优良       76   54   -22"), "\(text.stdout)")
        #expect(text.stdout.contains("  黄 合格      132  154   +22"))
        #expect(text.stdout.contains("等次或颜色变化的委员（22 人）"))
        #expect(text.stdout.contains("计分明细无变化（分数线或名额变化所致）"))
        #expect(text.stderr.isEmpty)
    }

    @Test func morePointsForAProposalListTheChangedLedgerLines() throws {
        let s = Scratch()
        let new = try variant(s, "fengjie-p8.yaml", "role: 第一提案人}, points: 6}", "role: 第一提案人}, points: 8}")
        let before = try scored(s, "Rules/fengjie.yaml", "old")
        let after = try scored(s, new, "new")
        let json = try diffJSON("Rules/fengjie.yaml", new)
        #expect(try transitions(json) == transitions(before, after))
        let expectedChanged = before.keys.filter { before[$0]!.grade != after[$0]!.grade }.sorted()
        let changed = try #require(json["changed"] as? [[String: Any]])
        #expect(Set(changed.map { $0["member_id"] as! String }) == Set(expectedChanged))
        // Checked by hand once: 24 members change colour, 优秀 39 → 47, 165 members score higher.
        #expect(expectedChanged.count == 24)
        let newGrades = try #require((json["new"] as? [String: Any])?["grades"] as? [[String: Any]])
        #expect(newGrades.first?["count"] as? Int == 47)
        #expect((json["summary"] as? [String: Any])?["score_up"] as? Int == 165)
        // Every score change equals the difference of the two runs.
        for c in try #require(json["score_changes"] as? [[String: Any]]) {
            let id = c["member_id"] as! String
            #expect(Decimal(string: after[id]!.score)! - Decimal(string: before[id]!.score)! == (c["change"] as! NSNumber).decimalValue)
        }
        // M0023's changed lines are exactly its proposal-lead lines in the old ledger.csv.
        let ledger = s.read("old/ledger.csv").components(separatedBy: "\r\n").filter { $0.hasPrefix("M0023,") && $0.contains(",proposal-lead,") }
        let ids = ledger.map { $0.split(separator: ",")[2] }.map(String.init).sorted()
        let m23 = try #require(changed.first { $0["member_id"] as? String == "M0023" })
        let lines = try #require(m23["ledger"] as? [[String: Any]])
        #expect(lines.map { $0["activity_id"] as! String } == ids)
        #expect(ids == ["A0000099", "A0001573"])
        for l in lines {
            #expect(l["change"] as? String == "changed" && decimalText(l["old"]) == "6" && decimalText(l["new"]) == "8")
        }
    }

    @Test func theSameRulesChangeNothingAndStillExitZero() throws {
        let r = try lvzhi(["diff", "--old-rules", "Rules/fengjie.yaml", "--new-rules", "Rules/fengjie.yaml"] + Self.inputs + ["--lang", "en"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("scores: 0 up, 0 down, 300 unchanged; 0 changed grade or colour"), "\(r.stdout)")
        #expect(r.stdout.contains("3. Members whose grade or colour changes (0)"))
    }

    @Test func theHTMLPageIsSelfContained() throws {
        let s = Scratch()
        let new = try variant(s, "fengjie-p8.yaml", "role: 第一提案人}, points: 6}", "role: 第一提案人}, points: 8}")
        let page = s.file("diff.html")
        let r = try lvzhi(["diff", "--old-rules", "Rules/fengjie.yaml", "--new-rules", new] + Self.inputs + ["--html", page, "--run-time", "2026-01-01T09:00:00+08:00"])
        #expect(r.status == 0, "\(r.stderr)")
        let html = s.read("diff.html")
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        #expect(html.contains("<h2>三、等次或颜色变化的委员（24 人）</h2>"))
        #expect(html.contains("2026-01-01T09:00:00+08:00"))
        for bad in ["http://", "https://", "src=\"", "<script", "<link"] { #expect(!html.contains(bad), "\(bad)") }
        // Same inputs, same bytes.
        let again = try lvzhi(["diff", "--old-rules", "Rules/fengjie.yaml", "--new-rules", new] + Self.inputs + ["--html", s.file("again.html"), "--run-time", "2026-01-01T09:00:00+08:00"])
        #expect(again.stdout == r.stdout && s.read("again.html") == html)
    }

    @Test func errorsInEitherRuleFileExitTwoAndNameBoth() throws {
        let s = Scratch()
        let bad1 = try variant(s, "bad-old.yaml", "min: 80}", "min: 八十}")
        let bad2 = try variant(s, "bad-new.yaml", "points: 3}", "points: 三}")
        let r = try lvzhi(["diff", "--old-rules", bad1, "--new-rules", bad2] + Self.inputs)
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("bad-old.yaml:"), "\(r.stderr)")
        #expect(r.stderr.contains("bad-new.yaml:"))
        let one = try lvzhi(["diff", "--old-rules", "Rules/fengjie.yaml", "--new-rules", bad2] + Self.inputs)
        #expect(one.status == 2 && one.stderr.contains("bad-new.yaml:") && !one.stderr.contains("fengjie.yaml:"))
        let missing = try lvzhi(["diff", "--old-rules", "Rules/fengjie.yaml", "--new-rules", "Rules/fengjie.yaml",
                                 "--members", "nope.csv", "--activities", "Samples/activities"])
        #expect(missing.status == 3)
        let usage = try lvzhi(["diff", "--old-rules", "Rules/fengjie.yaml", "--new-rules", "Rules/fengjie.yaml"] + Self.inputs + ["--format", "xml"])
        #expect(usage.status == 64 && usage.stderr.contains("--format 只能是 text 或 json"))
    }

    @Test func aFourGradeSchemeAgainstAFiveGradeOne() throws {
        let s = Scratch()
        let before = try scored(s, "Rules/fengjie.yaml", "old")
        let after = try scored(s, "Rules/xiangyang.yaml", "new")
        let json = try diffJSON("Rules/fengjie.yaml", "Rules/xiangyang.yaml")
        let m = try #require(json["matrix"] as? [String: Any])
        #expect(m["rows"] as? [String] == ["优秀", "优良", "合格", "基本合格", "不合格"])
        #expect(m["columns"] as? [String] == ["优秀", "称职", "基本称职", "不称职"])
        #expect(try transitions(json) == transitions(before, after))
        // Counts per grade on each side are those of the two score runs.
        for (side, results) in [("old", before), ("new", after)] {
            let grades = try #require((json[side] as? [String: Any])?["grades"] as? [[String: Any]])
            for g in grades {
                let name = g["name"] as! String
                #expect(g["count"] as? Int == results.values.filter { $0.grade == name }.count, "\(side) \(name)")
            }
        }
        let summary = try #require(json["summary"] as? [String: Any])
        #expect(summary["rejected_old"] is Int && summary["rejected_new"] is Int)
    }
}
