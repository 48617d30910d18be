import Foundation
import Testing

/// `lvzhi score` with activity files that cannot be read to the end: every bad file is named
/// with its line, the run says which files it read and which it did not, and nothing is
/// written.
@Suite struct InputFailureTests {
    @Test func scoreNamesEveryBadFileAndWhatItRead() throws {
        let s = Scratch()
        s.write("in/a-good.csv", "activity_id,member_id,date,kind,status\nZ1,M0002,2025-03-05,全体会议,出席\n")
        s.write("in/b-quote.csv", "activity_id,member_id,date,kind,status\nZ2,M0002,2025-03-06,全体会议,出席\nZ3,M0002,\"2025-03-07,全体会议,出席\n")
        s.write("in/c-truncated.xml", "<?xml version=\"1.0\"?>\n<lvzhi version=\"1\"><activities>\n<activity activity_id=\"Z4\" member_id=\"M0002\"\n")
        s.write("in/d-good.xml", "<?xml version=\"1.0\"?>\n<lvzhi version=\"1\"><activities>\n<activity activity_id=\"Z5\" member_id=\"M0002\" date=\"2025-03-08\" kind=\"全体会议\" status=\"出席\"/>\n</activities></lvzhi>\n")
        s.write("in/e-header.csv", "编号,谁\n1,2\n")
        let args = ["score", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv", "--activities", s.file("in"), "--out", s.file("out")]
        let r = try lvzhi(args)
        #expect(r.status == 3, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.file("out")), "no outputs swapped in")
        // Each bad file's own diagnostic with its line…
        #expect(r.stderr.contains("b-quote.csv:3") && r.stderr.contains("[I002]"), "\(r.stderr)")
        #expect(r.stderr.contains("c-truncated.xml:") && r.stderr.contains("[I003]"))
        #expect(r.stderr.contains("e-header.csv:1") && r.stderr.contains("[I006]"))
        // …then what was read and what was not.
        #expect(r.stderr.contains("有 3 个活动文件未能完整读取，没有评分"))
        #expect(r.stderr.contains("完整读取（2 个）：\(s.file("in/a-good.csv"))、\(s.file("in/d-good.xml"))"), "\(r.stderr)")
        #expect(r.stderr.contains("读到中途出错（2 个，出错行之后未读取）：\(s.file("in/b-quote.csv")) 第 3 行 [I002]"))
        #expect(r.stderr.contains("未能读取（1 个）：\(s.file("in/e-header.csv")) [I006]"))
        let en = try lvzhi(args + ["--lang", "en"])
        #expect(en.status == 3)
        #expect(en.stderr.contains("3 activity file(s) could not be read to the end") && en.stderr.contains("read in full (2)"), "\(en.stderr)")
        // One bad file alone: the same shape, nothing else read.
        let one = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv",
                             "--activities", s.file("in/c-truncated.xml"), "--out", s.file("out")])
        #expect(one.status == 3 && one.stderr.contains("完整读取（0 个）：无"), "\(one.stderr)")
    }

    @Test func aMappedXMLExportWithAnUnmappedElementNamesItsLine() throws {
        let s = Scratch()
        let xml = try String(contentsOfFile: packageRoot + "/Samples/foreign/proposal-system.xml", encoding: .utf8)
            .replacingOccurrences(of: "<案由>关于推动垃圾分类提质增效的提案</案由>", with: "<案由>关于推动垃圾分类提质增效的提案</案由><附件/>")
        s.write("proposal-system.xml", xml)
        let r = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv", "--activities", s.file("proposal-system.xml"),
                           "--mapping", "Samples/foreign/proposal-system.mapping.yaml", "--out", s.file("out")])
        #expect(r.status == 3)
        #expect(r.stderr.contains("proposal-system.xml:5") && r.stderr.contains("[I022]") && r.stderr.contains("附件"), "\(r.stderr)")
    }

    /// Bytes that are not GB18030 in a file that says it is: libxml2's own complaint becomes the
    /// diagnostic's reason, and libxml2 prints nothing of its own on stderr.
    @Test func undecodableXMLIsOneDiagnosticNotLibxml2Noise() throws {
        let s = Scratch()
        let path = s.file("enc.xml")
        let bytes = Array("<?xml version=\"1.0\" encoding=\"GB18030\"?>\n<lvzhi version=\"1\"><activities>\n<activity activity_id=\"A1\" status=\"".utf8)
            + [0x93, 0x3E] + Array("\"/>\n</activities></lvzhi>\n".utf8)
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let r = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv", "--activities", path, "--out", s.file("out")])
        #expect(r.status == 3)
        #expect(r.stderr.contains("enc.xml:3: 错误: [I003] XML 格式错误：文件中有不是声明编码的字节（编码不对，或文件已损坏）（libxml2：input conversion failed"), "\(r.stderr)")
        #expect(!r.stderr.contains("encoding error :") && !r.stderr.contains("I/O error"), "\(r.stderr)")
    }
}

/// No activity data at all used to give exit 0 and an all-red chart: an empty export folder, or
/// the roster given as the activities, is I027 (exit 3, nothing written); files holding headers
/// only are scored with notice N006 saying so.
@Suite struct NoActivityDataTests {
    @Test func noActivityFileIsAnInputError() throws {
        let s = Scratch()
        _ = s.write("m.csv", try String(contentsOfFile: packageRoot + "/Samples/members.csv", encoding: .utf8))
        try FileManager.default.createDirectory(atPath: s.file("empty"), withIntermediateDirectories: true)
        let rules = packageRoot + "/Rules/fengjie.yaml"
        for activities in ["empty", "m.csv"] {
            for verb in [["score", "--out", "o", "--no-history"], ["validate"]] {
                let r = try lvzhi(verb + ["--rules", rules, "--members", "m.csv", "--activities", activities], directory: s.path)
                #expect(r.status == 3 && r.stderr.contains("[I027] 没有找到活动记录文件"), "\(verb) \(activities): \(r.stderr)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: s.file("o")))
        let header = try String(contentsOfFile: packageRoot + "/Samples/activities/meetings.csv", encoding: .utf8).split(whereSeparator: \.isNewline)[0]
        _ = s.write("in/h.csv", header + "\n")
        let r = try lvzhi(["score", "--rules", rules, "--members", "m.csv", "--activities", "in", "--out", "o", "--no-history"], directory: s.path)
        #expect(r.status == 0 && r.stderr.contains("活动文件中没有读到任何记录"), "\(r.stderr)")
    }
}
