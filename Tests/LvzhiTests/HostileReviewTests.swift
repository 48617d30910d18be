import Foundation
import Testing
@testable import LvzhiIngest
import LvzhiCore
import LvzhiRules

/// Defects of the external hostile-input review: inputs that cost quadratic time, pinned times
/// that name no moment, messages that gave the wrong reason or libxml2's English alone.
@Suite struct HostileReviewTests {
    func temp(_ name: String, _ bytes: [UInt8]) -> String {
        let dir = NSTemporaryDirectory() + "lvzhi-review-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let p = dir + "/" + name
        _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }

    /// A canonical export whose activity on line 4 has `n` attributes (`z0="1" z1="1" …` after the fields).
    func manyAttributes(_ n: Int) -> String {
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<lvzhi version=\"1\">\n  <activities>\n<activity activity_id=\"X1\" member_id=\"M1\""
        for i in 0..<(n - 2) { s += " z\(i)=\"1\"" }
        return s + "/>\n<activity activity_id=\"X2\" member_id=\"M1\"/>\n  </activities>\n</lvzhi>\n"
    }

    // MARK: - An element with very many attributes (quadratic inside libxml2)

    /// 100,000 attributes on one element: refused (I004, line 4) before libxml2 parses the tag —
    /// its check for repeated attributes compares each with every one before it — on the
    /// canonical fast path (the push parser), the text reader and the ingest of a whole file.
    @Test func anElementWithAHundredThousandAttributesIsRefusedUnparsed() throws {
        let p = temp("many.xml", Array(manyAttributes(100_000).utf8))
        let refusal = IngestError.forbiddenXML(path: p, line: 4, what: .attributes(XMLAttributeGuard.maxAttributes))
        // The push parser: the elements before the tag arrive, the tag never does.
        var seen: [String] = []
        #expect(throws: refusal) { try XMLRecordReader(path: p).forEachElementView { seen.append($0.nameString) } }
        #expect(seen == ["lvzhi", "activities"])
        // The text reader (mapped exports, inspect).
        struct Names: XMLEventHandler {
            var names: [String] = []
            mutating func start(_ element: borrowing XMLElementView) throws { names.append(element.nameString) }
            mutating func text(_ bytes: UnsafeBufferPointer<UInt8>, line: Int) throws {}
            mutating func end(depth: Int) throws {}
        }
        var names = Names()
        #expect(throws: refusal) { try XMLRecordReader(path: p).stream(&names) }
        #expect(names.names == ["lvzhi", "activities"])
        // The ingest of the canonical format (the sink on the push parser), and the schema check
        // (which leaves the file to the reader instead of spending libxml2's quadratic time).
        let rules = try testRules()
        var ingestor = ActivityIngestor(members: [], period: rules.period!, vocabulary: rules.vocabulary)
        #expect(throws: refusal) { try ingestor.read(path: p) }
        #expect(XMLAttributeGuard.refuses(file: p))
        #expect(refusal.diagnostic.message(.zh).contains("一个元素有超过 1000 个属性"))
    }

    /// The limit itself is accepted; one more is not.
    @Test func theLimitIsAcceptedOneMoreIsNot() throws {
        let ok = temp("ok.xml", Array(manyAttributes(XMLAttributeGuard.maxAttributes).utf8))
        var count = 0
        try XMLRecordReader(path: ok).forEachElementView { if $0.nameIs("activity") && count == 0 { count = $0.attributeCount } }
        #expect(count == XMLAttributeGuard.maxAttributes)
        let over = temp("over.xml", Array(manyAttributes(XMLAttributeGuard.maxAttributes + 1).utf8))
        #expect(throws: IngestError.forbiddenXML(path: over, line: 4, what: .attributes(XMLAttributeGuard.maxAttributes))) {
            try XMLRecordReader(path: over).forEachElementView { _ in }
        }
    }

    /// Quotes in comments, CDATA, instructions, declarations and values are not attributes, and
    /// the count holds across any split of the bytes (fed one byte at a time here).
    @Test func onlyStartTagsAreCountedWhereverTheBytesAreSplit() {
        let quotes = String(repeating: "\"x\" ", count: 50)
        let text = "<?xml version=\"1.0\"?><!-- \(quotes) --><?pi \(quotes)?><r a=\"1 > 2 \(quotes.replacingOccurrences(of: "\"", with: "'"))\" b='\"'>"
            + "<![CDATA[ \(quotes) ]]></r><s a=\"1\" b=\"2\" c=\"3\"/>"
        let bytes = Array(text.utf8)
        var whole = XMLAttributeGuard(limit: 2)
        var split = XMLAttributeGuard(limit: 2)
        let at = bytes.withUnsafeBytes { whole.scan($0, at: 0) }
        var splitAt: Int?
        for i in bytes.indices where splitAt == nil {
            splitAt = [bytes[i]].withUnsafeBytes { split.scan($0, at: i) }
        }
        let s = Array("<s ".utf8)
        let expected = (0..<bytes.count).first { Array(bytes[$0..<min($0 + 3, bytes.count)]) == s }
        #expect(at == expected && splitAt == expected, "only <s> has more than 2 attributes")
        var generous = XMLAttributeGuard(limit: 3)
        #expect(bytes.withUnsafeBytes { generous.scan($0, at: 0) } == nil)
    }

    /// UTF-16 is counted by code unit (a CJK character may hold a quote's byte), and the line of
    /// the refusal counts its line feeds by code unit too.
    @Test(arguments: [true, false])
    func utf16IsCountedByCodeUnit(_ littleEndian: Bool) throws {
        // 㰢 (U+3C22) holds the bytes of `<` and `"`; 上 (U+4E0A) holds a line feed's byte.
        let text = manyAttributes(XMLAttributeGuard.maxAttributes + 1)
            .replacingOccurrences(of: "encoding=\"UTF-8\"", with: "encoding=\"UTF-16\"")
            .replacingOccurrences(of: "<lvzhi version=\"1\">", with: "<lvzhi version=\"1\" note=\"㰢上\">")
        var bytes: [UInt8] = littleEndian ? [0xFF, 0xFE] : [0xFE, 0xFF]
        for unit in text.utf16 {
            let lo = UInt8(unit & 0xFF), hi = UInt8(unit >> 8)
            bytes += littleEndian ? [lo, hi] : [hi, lo]
        }
        let p = temp("utf16.xml", bytes)
        #expect(throws: IngestError.forbiddenXML(path: p, line: 4, what: .attributes(XMLAttributeGuard.maxAttributes))) {
            try XMLRecordReader(path: p).forEachElementView { _ in }
        }
        let fine = temp("fine.xml", Array(bytes.prefix(200)))
        #expect(!XMLAttributeGuard.refuses(file: fine))
    }

    // MARK: - libxml2's messages in Chinese

    /// libxml2's common errors get a Chinese explanation by their code, its text in parentheses;
    /// English keeps libxml2's text.
    @Test func libxml2ErrorsAreExplainedInChinese() throws {
        let p = temp("charref.xml", Array("<?xml version=\"1.0\"?>\n<lvzhi>\n<activity title=\"a&#1;b\"/>\n</lvzhi>\n".utf8))
        do {
            try XMLRecordReader(path: p).forEachElementView { _ in }
            Issue.record("expected an error")
        } catch let e as IngestError {
            guard case .malformedXML(_, 3, let reason, let code) = e else { Issue.record("\(e)"); return }
            #expect(code != 0)
            let zh = e.diagnostic.message(.zh)
            #expect(zh.contains("字符引用（如 &#1;）指向 XML 中不允许的控制字符（libxml2：\(reason)）"), "\(zh)")
            #expect(e.diagnostic.message(.en) == "malformed XML: \(reason)")
        }
        let mismatch = temp("mismatch.xml", Array("<lvzhi>\n<a></b>\n</lvzhi>\n".utf8))
        do {
            try XMLRecordReader(path: mismatch).forEachElementView { _ in }
            Issue.record("expected an error")
        } catch let e as IngestError {
            #expect(e.diagnostic.message(.zh).contains("结束标签与对应的开始标签名称不同（libxml2："), "\(e.diagnostic.message(.zh))")
        }
        #expect(IngestError.forbiddenXML(path: "x.xml", line: 40, what: .nesting(32)).diagnostic.message(.zh) == "出于安全原因拒绝读取：元素嵌套超过 32 层")
        #expect(XMLErrorText.chinese(code: 1, message: "internal error: Huge input lookup")?.contains("10 MB") == true)
        #expect(XMLErrorText.chinese(code: 9999, message: "something new") == nil)
    }

    // MARK: - CSV limits stated as documented

    @Test func aLongFieldNamesBothLimits() throws {
        let d = IngestError.malformedCSV(path: "a.csv", line: 3, reason: .fieldTooLong(CSVReader.maxFieldBytes)).diagnostic
        #expect(d.message(.zh).contains("CSV 字段超过 1 MiB（1048576 字节）的上限"), "\(d.message(.zh))")
        #expect(d.hintZh?.contains("一个字段最多 1 MiB，一行最多 16 MiB、1024 个字段") == true, "\(String(describing: d.hintZh))")
        #expect(d.hintEn?.contains("at most 1 MiB, a row at most 16 MiB and 1024 fields") == true)
        let readme = try String(contentsOfFile: packageRootForTests + "/README.md", encoding: .utf8)
        #expect(readme.contains("CSV 一个字段超过 1 MiB、一行超过 16 MiB 或超过 1024 个字段"))
    }

    // MARK: - Pinned run times

    @Test(arguments: ["2025-12-31T09:00:00+08:00", "2025-12-31T01:00:00Z", "2025-12-31T09:00:00.25+08:00", "2025-12-31T09:00:00",
                      "2025-12-31", "2024-02-29", "2000-02-29T23:59:59-12:00", "2025-06-30T00:00:00+14:00"])
    func validRunTimes(_ t: String) {
        #expect(PinnedTime.runTimeProblem(t) == nil, "\(t)")
    }

    @Test(arguments: [("2025-02-30T09:00:00+08:00", "2 月没有 30 日"), ("2025-12-31T25:00:00+08:00", "小时 25"),
                      ("2025-12-31T09:00:60+08:00", "秒 60"), ("2025-12-31T09:00:00+99:00", "时区偏移 +99:00"),
                      ("2025-12-31T09:00:00+08:99", "时区偏移 +08:99"), ("2025-12-31T09:60:00Z", "分钟 60"), ("2023-02-29", "2 月没有 29 日"),
                      ("2025-13-01", "月份 13"), ("1e30", "写法不对"), ("2025-12-31T09:00+08:00", "写法不对"), ("2025-12-31 09:00:00", "写法不对"),
                      ("2025-12-31T09:00:00+0800", "写法不对"), ("0000-01-01", "没有 0 年"), ("2025-12-31T09:00:00+14:30", "时区偏移")])
    func invalidRunTimes(_ t: String, _ reason: String) {
        let message = PinnedTime.runTimeError(t, .zh)
        #expect(message?.hasPrefix("[U001] --run-time 的时间“\(t)”无效：") == true && message?.contains(reason) == true, "\(t): \(String(describing: message))")
        #expect(PinnedTime.runTimeError(t, .en)?.hasPrefix("[U001] invalid --run-time time") == true)
    }

    @Test func sourceDateEpochIsAPlainBoundedInteger() throws {
        #expect(try PinnedTime.sourceDateEpoch(nil, .zh) == nil)
        #expect(try PinnedTime.sourceDateEpoch("", .zh) == nil)
        #expect(try PinnedTime.sourceDateEpoch("0", .zh) == 0)
        #expect(try PinnedTime.sourceDateEpoch("1767196800", .zh) == 1_767_196_800)
        #expect(try PinnedTime.sourceDateEpoch("253402300799", .zh) == PinnedTime.latestEpoch)
        for bad in ["abc", "-1", "+5", " 1", "1.5", "1e9", "253402300800", "99999999999999999999", "１２３"] {
            #expect(throws: PinnedTimeError.self, "\(bad)") { _ = try PinnedTime.sourceDateEpoch(bad, .zh) }
            do { _ = try PinnedTime.sourceDateEpoch(bad, .en) } catch {
                #expect(error.message.hasPrefix("[U002]") && error.message.contains("SOURCE_DATE_EPOCH"))
            }
        }
    }
}

/// The package root, from this file's location.
let packageRootForTests: String = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/")

/// Three ways past the attribute guard found by a review of its first version: a `<` inside a
/// comment made the span skip lose step with the markup; a DOCTYPE's default attributes are
/// applied by libxml2 with the same quadratic check; EBCDIC has no `<` byte at all.
@Suite struct AttributeGuardReviewTests {
    static func flood(_ n: Int) -> String { "<e " + (0..<n).map { "a\($0)=\"\"" }.joined(separator: " ") + "/>" }

    static func scan(_ text: [UInt8], chunk: Int = 1 << 16) -> (offset: Int?, hazard: XMLHazard) {
        var g = XMLAttributeGuard()
        var at = 0
        while at < text.count {
            let piece = Array(text[at..<min(text.count, at + chunk)])
            if let hit = piece.withUnsafeBytes({ g.scan($0, at: at) }) { return (hit, g.hazard) }
            at += piece.count
        }
        return (nil, g.hazard)
    }

    @Test func aLessThanInsideACommentDoesNotHideAFlood() {
        let text = "<r><!-- <x y=' " + String(repeating: "x", count: 5_000) + " -->" + Self.flood(2_000) + "<!-- ' --></r>"
        let r = Self.scan(Array(text.utf8))
        #expect(r.offset != nil && r.hazard == .attributes(XMLAttributeGuard.maxAttributes))
        // A long comment and CDATA holding `<` and quotes are not floods.
        let calm = "<r><!-- <x y=' " + String(repeating: "\"x\" ", count: 3_000) + " --><![CDATA[ < " + String(repeating: "'q' ", count: 3_000)
            + " ]]><e a=\"1\"/></r>"
        #expect(Self.scan(Array(calm.utf8)).offset == nil)
    }

    @Test func aDoctypeDeclaringManyDefaultsIsRefusedBeforeLibxml2() {
        let decl = "<!DOCTYPE r [<!ATTLIST r " + (0..<2_000).map { "a\($0) CDATA \"v\"" }.joined(separator: " ") + ">]><r/>"
        let r = Self.scan(Array(decl.utf8), chunk: 997)
        #expect(r.offset == 0 && r.hazard == .doctype)
    }

    /// UTF-16 without a byte-order mark, read through a mapping that names the encoding: scanned
    /// by code unit, so an element named U+3E00 (whose low byte is `>`) cannot end a tag early.
    @Test func utf16WithoutAMarkIsScannedAsTheMappingSays() {
        let text = "\n<\u{3E00} " + (0..<2_000).map { "a\($0)=\"\"" }.joined(separator: " ") + "/>"
        var le: [UInt8] = []
        for u in text.utf16 { le += [UInt8(u & 0xFF), UInt8(u >> 8)] }
        var g = XMLAttributeGuard()
        g.assume(encoding: "utf-16le")
        #expect(le.withUnsafeBytes { g.scan($0, at: 0) } != nil)
        var be: [UInt8] = []
        for u in text.utf16 { be += [UInt8(u >> 8), UInt8(u & 0xFF)] }
        var h = XMLAttributeGuard()
        h.assume(encoding: "UTF-16")
        #expect(be.withUnsafeBytes { h.scan($0, at: 0) } != nil)
        var plain = XMLAttributeGuard()
        plain.assume(encoding: "GB18030")
        #expect(Array("<e a=\"1\"/>".utf8).withUnsafeBytes { plain.scan($0, at: 0) } == nil)
    }

    @Test func ebcdicIsRefused() {
        let r = Self.scan([0x4C, 0x6F, 0xA7, 0x94, 0x93, 0x40])
        #expect(r.offset == 0 && r.hazard == .encoding("EBCDIC"))
    }
}
