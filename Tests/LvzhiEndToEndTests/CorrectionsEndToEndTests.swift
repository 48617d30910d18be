import Foundation
import Testing

/// `--corrections` (复核) through the built binary: score, validate, explain, job files,
/// --if-changed, and errors with the corrections file's line.
@Suite struct CorrectionsEndToEndTests {
    let members = """
    member_id,name,sector,committee,role,group,party,joined,left,ranked
    M1,甲,经济界,,委员,,,,,
    M2,乙,教育界,,委员,,,,,
    """
    let activities = """
    activity_id,member_id,date,kind,status,role,level,ref,quantity,marks,title
    A1,M1,2025-01-08,全体会议,缺席,,,,5,,第一次全体会议
    A2,M2,2025-01-08,全体会议,出席,,,,3,,第一次全体会议
    A3,M2,2025-02-08,全体会议,出席,,,,3,,重复录入的全会
    """
    let corrections = """
    corrections: 1
    entries:
      - action: amend
        activity_id: A1
        set: {status: 请假}
        reason: 补交请假条
        approved_by: 王主任
      - 操作: 删除
        记录编号: A3
        理由: 重复录入
        批准人: 李四
      - action: add
        activity_id: N1
        record: {member_id: M1, date: 2025-03-01, kind: 全体会议, status: 出席, quantity: 2}
        reason: 签到表漏记
        approved_by: 王主任
    """

    func inputs(_ s: Scratch, corrections text: String? = nil) -> [String] {
        let m = s.write("members.csv", members)
        let a = s.write("in/activities.csv", activities)
        let c = s.write("fh.yaml", text ?? corrections)
        return ["--rules", "Rules/fengjie.yaml", "--members", m, "--activities", a, "--corrections", c]
    }

    @Test func scoreAppliesCorrectionsAndShowsThemEverywhere() throws {
        let s = Scratch()
        let r = try lvzhi(["score"] + inputs(s) + ["--out", s.file("out"), "--log", s.file("run.log"), "--run-time", "2025-12-31T09:00:00+08:00"])
        #expect(r.status == 0, "\(r.stderr)")
        // The summary line names the removed record, so that its figures add up to those read.
        #expect(r.stdout.contains("，复核删除 1 条，拒收"), "\(r.stdout)")
        let byID = try membersByID(s.data("out/scores.json"))
        // M1: 缺席 −15 became 请假 (0); the added 出席 × 2 gives 4. M2: only A2 remains (6).
        #expect(decimalText(byID["M1"]?["score"]) == "4")
        #expect(decimalText(byID["M2"]?["score"]) == "6")
        let root = try #require(try JSONSerialization.jsonObject(with: s.data("out/scores.json")) as? [String: Any])
        let list = try #require(root["corrections"] as? [[String: Any]])
        #expect(list.map { $0["action"] as? String } == ["amend", "remove", "add"])
        #expect((list[2]["source"] as? String)?.hasSuffix("fh.yaml:12") == true)
        let report = s.read("out/report.html")
        #expect(report.contains("七、复核记录") && report.contains("复核#3"))
        #expect(report.contains("+ 复核删除 1 条"))
        let ledger = s.read("out/ledger.csv")
        #expect(ledger.contains(",来源,复核,得分（精确）,规则分值（精确）\r\n"))
        #expect(ledger.contains("复核#1 修改 状态: 缺席→请假，理由：补交请假条，批准人：王主任"))
        #expect(ledger.contains(",A3,") && ledger.contains("removed"))
        let pages = ((try? FileManager.default.contentsOfDirectory(atPath: s.file("out/members"))) ?? []).sorted().map { s.read("out/members/" + $0) }
        #expect(pages.contains { $0.contains("复核#2 删除") })
        #expect(!s.read("out/rejects.csv").contains("A3"))
        let log = s.read("run.log")
        #expect(log.contains("fh.yaml sha256="))
        #expect(log.contains("复核 \(s.file("fh.yaml"))：3 条（补录 1、删除 1、修改 1）"))
        // The workbook has a 复核 sheet.
        let unzip = Process()
        unzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        unzip.arguments = ["unzip", "-p", s.file("out/scores.xlsx"), "xl/workbook.xml"]
        let pipe = Pipe()
        unzip.standardOutput = pipe
        if (try? unzip.run()) != nil {
            let xml = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            unzip.waitUntilExit()
            if unzip.terminationStatus == 0 { #expect(xml.contains("name=\"复核\"")) }
        }
    }

    @Test func aCorrectionOfAMissingRecordStopsTheRunWithItsLine() throws {
        let s = Scratch()
        let bad = corrections.replacingOccurrences(of: "记录编号: A3", with: "记录编号: A33")
        let r = try lvzhi(["score"] + inputs(s, corrections: bad) + ["--out", s.file("out")])
        #expect(r.status == 3)
        #expect(r.stderr.contains("fh.yaml:8:5: 错误: [C041] 输入中没有记录编号为 A33 的记录，无法删除"))
        #expect(r.stderr.contains("是否想写“A3”"))
        #expect(!FileManager.default.fileExists(atPath: s.file("out/report.html")))
        let v = try lvzhi(["validate"] + inputs(s, corrections: bad))
        #expect(v.status == 3 && v.stderr.contains("[C041]"))
    }

    @Test func aMalformedCorrectionsFileIsRefusedWithACaret() throws {
        let s = Scratch()
        let bad = corrections.replacingOccurrences(of: "    reason: 补交请假条\n", with: "")
        let r = try lvzhi(["score"] + inputs(s, corrections: bad) + ["--out", s.file("out")])
        #expect(r.status == 3)
        #expect(r.stderr.contains("fh.yaml:3:5: 错误: [C023]"))
        #expect(r.stderr.contains("   |     ^"))
        let e = try lvzhi(["explain", "--member", "M1"] + inputs(s, corrections: bad))
        #expect(e.status == 3 && e.stderr.contains("[C023]"))
    }

    @Test func validateAndExplainListTheCorrections() throws {
        let s = Scratch()
        let v = try lvzhi(["validate"] + inputs(s))
        #expect(v.status == 0, "\(v.stderr)")
        #expect(v.stdout.contains("：3 条（补录 1、删除 1、修改 1）"))
        #expect(v.stdout.contains("fh.yaml:3: 复核#1 修改 状态: 缺席→请假"))
        let e = try lvzhi(["explain", "--member", "M1"] + inputs(s))
        #expect(e.status == 0, "\(e.stderr)")
        #expect(e.stdout.contains("复核#1 修改 状态: 缺席→请假"))
        #expect(e.stdout.contains("复核#3 补录 2025-03-01 全体会议 出席"))
        let e2 = try lvzhi(["explain", "--member", "M2", "--lang", "en"] + inputs(s))
        #expect(e2.stdout.contains("Records removed by corrections"))
        // People read grades in their language: the rule file's 不合格（红） is “unsatisfactory (red)”.
        #expect(e2.stdout.contains("unsatisfactory (red)") && !e2.stdout.contains("（红）") && !e2.stdout.contains("(红)"), "\(e2.stdout)")
        let done = try lvzhi(["score", "--lang", "en", "--no-history", "--formats", "csv", "--out", s.file("en")] + inputs(s))
        #expect(done.status == 0, "\(done.stderr)")
        #expect(done.stdout.contains("grades green ") && !done.stdout.contains("绿"), "\(done.stdout)")
    }

    @Test func jobFileKeyAndIfChangedNoticeAnEditedCorrectionsFile() throws {
        let s = Scratch()
        _ = inputs(s)
        let job = s.write("job.yaml", """
        rules: \(packageRoot)/Rules/fengjie.yaml
        members: members.csv
        activities: in/activities.csv
        corrections: fh.yaml
        out: out
        if_changed: true
        """)
        let first = try lvzhi(["score", "--job", job])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(s.read("out/report.html").contains("七、复核记录"))
        let again = try lvzhi(["score", "--job", job])
        #expect(again.stdout.contains("没有变化，跳过"))
        s.write("fh.yaml", corrections.replacingOccurrences(of: "重复录入", with: "重复录入（同一次会议）"))
        let edited = try lvzhi(["score", "--job", job])
        #expect(edited.status == 0)
        #expect(!edited.stdout.contains("跳过"))
        #expect(s.read("out/report.html").contains("重复录入（同一次会议）"))
    }

    @Test func theShippedSampleCorrectionsApply() throws {
        let s = Scratch()
        let r = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv",
                           "--activities", "Samples/activities", "--corrections", "Samples/corrections-2025.yaml",
                           "--out", s.file("out"), "--formats", "json", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let root = try #require(try JSONSerialization.jsonObject(with: s.data("out/scores.json")) as? [String: Any])
        #expect((root["corrections"] as? [Any])?.count == 4)
    }
}
