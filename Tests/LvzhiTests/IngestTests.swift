import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiIngest

@Suite struct CSVReaderTests {
    func rows(_ bytes: [UInt8]) throws -> [(line: Int, fields: [String])] {
        let s = Scratch()
        let p = s.write("x.csv", bytes: bytes)
        var out: [(Int, [String])] = []
        try CSVReader(path: p).forEachRow { row in
            out.append((row.line, (0..<row.count).map { row.string($0) ?? "<bad>" }))
        }
        return out
    }

    @Test func plainLFAndCRLF() throws {
        let a = try rows(Array("a,b\n1,2\n".utf8))
        let b = try rows(Array("a,b\r\n1,2\r\n".utf8))
        #expect(a.map(\.fields) == [["a", "b"], ["1", "2"]])
        #expect(b.map(\.fields) == a.map(\.fields))
        #expect(b.map(\.line) == [1, 2])
    }

    @Test func stripsBOM() throws {
        let r = try rows([0xEF, 0xBB, 0xBF] + Array("委员编号,姓名\nM1,甲".utf8))
        #expect(r[0].fields == ["委员编号", "姓名"])
        #expect(r[1].fields == ["M1", "甲"])
    }

    @Test func quotedCommasQuotesAndNewlines() throws {
        let text = "id,title\r\n1,\"关于\"\"三农\"\"，的提案, 含逗号\"\r\n2,\"两行\r\n标题\"\r\n3,last\r\n"
        let r = try rows(Array(text.utf8))
        #expect(r[1].fields == ["1", "关于\"三农\"，的提案, 含逗号"])
        #expect(r[2].fields == ["2", "两行\r\n标题"])
        // The row after a quoted newline starts on line 5.
        #expect(r[3].line == 5 && r[3].fields == ["3", "last"])
    }

    @Test func emptyFieldsAndBlankLines() throws {
        let r = try rows(Array("a,b,c\n\n1,,\n,,\n\"\",x,\n".utf8))
        #expect(r.map(\.fields) == [["a", "b", "c"], ["1", "", ""], ["", "", ""], ["", "x", ""]])
    }

    @Test func noTrailingNewline() throws {
        #expect(try rows(Array("a\n\"q\"".utf8)).map(\.fields) == [["a"], ["q"]])
    }

    @Test func unterminatedQuoteNamesItsLine() throws {
        do {
            _ = try rows(Array("a,b\n1,2\n3,\"never closed\n4,5\n".utf8))
            Issue.record("expected an error")
        } catch let IngestError.malformedCSV(_, line, reason) {
            #expect(line == 3)
            #expect(reason == .unterminatedQuote)
        }
    }

    @Test func textAfterClosingQuoteIsAnError() throws {
        #expect(throws: IngestError.self) { try rows(Array("a\n\"x\"y\n".utf8)) }
    }

    @Test func largeFileAcrossChunks() throws {
        // Rows that straddle the 1 MiB read boundary, including a quoted field.
        var text = "id,title\n"
        for i in 0..<40_000 { text += "\(i),\"标题, 第 \(i) 条\"\n" }
        let r = try rows(Array(text.utf8))
        #expect(r.count == 40_001)
        #expect(r[39_999].fields == ["39998", "标题, 第 39998 条"])
    }
}

@Suite struct XMLReaderTests {
    func elements(_ text: String) throws -> [XMLRecord] {
        let s = Scratch()
        let p = s.write("x.xml", text)
        var out: [XMLRecord] = []
        try XMLRecordReader(path: p).forEachElement { out.append($0) }
        return out
    }

    @Test func readsAttributesAndLines() throws {
        let els = try elements("""
        <?xml version="1.0" encoding="UTF-8"?>
        <lvzhi version="1">
          <activities>
            <activity activity_id="A1" member_id="M1" title="A &amp; B &lt;c&gt;"/>
          </activities>
        </lvzhi>
        """)
        let a = els.first { $0.name == "activity" }!
        #expect(a.line == 4)
        #expect(a.attributes.first { $0.name == "title" }?.value == "A & B <c>")
    }

    @Test func refusesDoctypeAndEntityBombs() throws {
        let bomb = """
        <?xml version="1.0"?>
        <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
        <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
        <lvzhi><activities><activity activity_id="&lol3;"/></activities></lvzhi>
        """
        #expect(throws: IngestError.self) { try elements(bomb) }
    }

    @Test func refusesExternalEntities() throws {
        let xxe = """
        <?xml version="1.0"?>
        <!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
        <lvzhi><activities><activity title="&xxe;"/></activities></lvzhi>
        """
        do {
            let els = try elements(xxe)
            Issue.record("expected refusal, got \(els)")
        } catch let e as IngestError {
            #expect(e.id == "I004" || e.id == "I003")
        }
    }

    @Test func refusesDeepNesting() throws {
        let deep = String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100)
        #expect(throws: IngestError.self) { try elements(deep) }
    }

    @Test func characterReferencesNamespacesAndSchemaAttributes() throws {
        let els = try elements("""
        <?xml version="1.0" encoding="UTF-8"?>
        <lvzhi xmlns="urn:x" xmlns:p="urn:p" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:x x.xsd">
          <p:activity p:activity_id="A&#38;1" title="x &#x26; y &#x4E2D; &amp;#38; &quot;q&quot;" marks="a	b"/>
        </lvzhi>
        """)
        #expect(els.map(\.name) == ["lvzhi", "activity"])
        #expect(els[0].attributes.isEmpty)
        let a = els[1]
        #expect(a.line == 3 && a.depth == 1)
        #expect(a.attributes.map(\.name) == ["activity_id", "title", "marks"])
        #expect(a.attributes.map(\.value) == ["A&1", "x & y 中 &#38; \"q\"", "a b"])
    }

    @Test func linesPast65535AreExact() throws {
        var text = "<lvzhi>\n"
        for i in 0..<70_000 { text += "<activity activity_id=\"A\(i)\"/>\n" }
        text += "</lvzhi>\n"
        let els = try elements(text)
        #expect(els.count == 70_001)
        // Line 1 is <lvzhi>; activity i is on line i + 2 (libxml2's tree nodes stop at 65535).
        #expect(els[69_999].line == 70_000)
        #expect(els.last?.line == 70_001 && els.last?.attributes.first?.value == "A69999")
    }

    @Test func errorFromTheCallbackStopsReading() throws {
        struct Stop: Error {}
        let s = Scratch()
        let p = s.write("x.xml", "<lvzhi><a/><b/><c/></lvzhi>")
        var seen: [String] = []
        #expect(throws: Stop.self) {
            try XMLRecordReader(path: p).forEachElementView { el in
                seen.append(el.nameString)
                if el.nameIs("b") { throw Stop() }
            }
        }
        #expect(seen == ["lvzhi", "a", "b"])
    }

    @Test func undeclaredEntityAndMissingFileAreErrors() throws {
        do {
            _ = try elements("<lvzhi>\n<activity title=\"&nbsp;\"/></lvzhi>")
            Issue.record("expected an error")
        } catch let IngestError.malformedXML(_, line, reason, _) {
            #expect(line == 2)
            #expect(reason.contains("nbsp"))
        }
        #expect(throws: IngestError.self) { try XMLRecordReader(path: "/nonexistent/x.xml").forEachElementView { _ in } }
        #expect(throws: IngestError.self) { try elements("") }
    }

    @Test func truncatedFileNamesALine() throws {
        do {
            _ = try elements("<lvzhi>\n<activities>\n<activity activity_id=\"A1\"/>\n<activity activity_id=")
            Issue.record("expected an error")
        } catch let IngestError.malformedXML(_, line, _, _) {
            #expect(line >= 4)
        }
    }
}

@Suite struct ActivityIngestTests {
    func ingest(_ activities: [(String, String)], members: String = testMembersCSV) throws -> IngestResult {
        let s = Scratch()
        let mp = s.write("members.csv", members)
        let roster = try RosterReader.read(path: mp)
        let rules = try testRules()
        var ing = ActivityIngestor(members: roster.members, memberRejects: roster.rejects, period: rules.period!, vocabulary: rules.vocabulary)
        for (name, text) in activities { try ing.read(path: s.write(name, text)) }
        return ing.finish()
    }

    let header = "activity_id,member_id,date,kind,status,role,level,ref,quantity,marks,title\n"

    @Test func rejectsEachBadRecordWithReason() throws {
        let r = try ingest([("a.csv", header + """
        A1,M1,2025-01-08,全体会议,出席,,,,5,,全会
        A2,M9,2025-01-08,全体会议,出席,,,,5,,全会
        A3,M1,2025-02-30,全体会议,出席,,,,5,,全会
        A4,M1,2025-03-01,茶话会,出席,,,,,,
        A5,,2025-03-01,全体会议,出席,,,,,,
        A6,M1,2025-03-01,全体会议,到场,,,,,,
        A7,M1,2024-12-31,全体会议,出席,,,,,,
        A8,M3,2025-03-01,全体会议,出席,,,,,,
        A9,M1,2025-03-01,提案,立案,第一提案人,,P1,,精品,
        A10,M1,2025-03-01,全体会议,出席,,,,-1,,
        A11,M1,2025-03-01,全体会议,出席
        A1,M1,2025-01-08,全体会议,出席,,,,5,,全会

        """)])
        #expect(r.store.records.count == 1)
        let codes = r.rejects.map(\.reason.code)
        #expect(codes == ["unknown-member", "bad-date", "unknown-kind", "missing-field", "unknown-status",
                          "outside-period", "before-joined", "unknown-mark", "bad-quantity", "field-count", "duplicate"])
        #expect(r.rejects[0].location.line == 3)
        #expect(r.rejects[2].reason.message(.zh).contains("规则文件未声明"))
        if case .duplicate(let first) = r.rejects.last!.reason { #expect(first.line == 2) } else { Issue.record("not duplicate") }
        #expect(r.files[0].read == 12 && r.files[0].accepted == 1 && r.files[0].rejected == 11)
    }

    @Test func chineseHeadersAndXMLAgree() throws {
        let csv = "\u{FEFF}记录编号,委员编号,日期,类型,状态,角色,级别,关联编号,数量,标记,标题\r\nB1,M1,2025-03-01,提案,立案,第一提案人,,P1,1,重点;优秀,\"关于\"\"A\"\"的提案\"\r\n"
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <lvzhi version="1"><activities>
        <activity activity_id="B1" member_id="M1" date="2025-03-01" kind="提案" status="立案" role="第一提案人" ref="P1" quantity="1" marks="重点;优秀" title="关于&quot;A&quot;的提案"/>
        </activities></lvzhi>
        """
        let a = try ingest([("a.csv", csv)])
        let b = try ingest([("a.xml", xml)])
        for r in [a, b] {
            #expect(r.rejects.isEmpty)
            let rec = r.store.records[0]
            #expect(r.store.title(of: rec) == "关于\"A\"的提案")
            #expect(r.store.markNames(rec.marks) == ["重点", "优秀"])
            #expect(r.store.symbols[rec.role] == "第一提案人")
        }
    }

    @Test func duplicateAcrossFilesCountsOnce() throws {
        let row = "A1,M1,2025-01-08,全体会议,出席,,,,5,,全会\n"
        let r = try ingest([("a.csv", header + row), ("b.csv", header + row)])
        #expect(r.store.records.count == 1)
        #expect(r.rejects.map(\.reason.code) == ["duplicate"])
    }

    @Test func invalidUTF8IsRejectedNotGarbled() throws {
        var bytes = Array((header + "A1,M1,2025-01-08,全体会议,出席,,,,5,,").utf8)
        bytes += [0xFF, 0xFE, 0x0A]
        let s = Scratch()
        let roster = try RosterReader.read(path: s.write("m.csv", testMembersCSV))
        let rules = try testRules()
        var ing = ActivityIngestor(members: roster.members, period: rules.period!, vocabulary: rules.vocabulary)
        try ing.read(path: s.write("a.csv", bytes: bytes))
        #expect(ing.finish().rejects.map(\.reason.code) == ["invalid-utf8"])
    }

    @Test func unknownColumnIsAFileError() throws {
        #expect(throws: IngestError.self) {
            try ingest([("a.csv", "activity_id,member_id,date,kind,colour\n")])
        }
        #expect(throws: IngestError.self) {
            try ingest([("a.csv", "activity_id,member_id,kind\n")])
        }
    }

    @Test func rosterRejectsDuplicatesAndBadFlags() throws {
        let s = Scratch()
        let roster = try RosterReader.read(path: s.write("m.csv", testMembersCSV + "M1,重复,,,,,,,,\nM5,戊,,,,,,,,也许\nM6,己,,,,,,2025-13-01,,\n"))
        #expect(roster.members.count == 4)
        #expect(roster.rejects.map(\.reason.code) == ["duplicate-member", "bad-flag", "bad-date"])
        #expect(roster.members[3].ranked == false)
    }

    /// An id whose first row is refused but a later row is accepted is a member after all: its
    /// records are not refused for the bad row. An id whose only rows are refused stays refused.
    @Test func rosterIDRefusedThenAcceptedIsAMember() throws {
        let s = Scratch()
        let roster = try RosterReader.read(path: s.write("m.csv", testMembersCSV + "M7,庚,,,,,,2025-13-01,,\nM7,庚,,,,,,,,\nM8,辛,,,,,,2025-13-01,,\n"))
        #expect(roster.members.contains { $0.id == "M7" })
        #expect(roster.rejectedIDs["M7"] == nil)
        #expect(roster.rejectedIDs["M8"] != nil)
        #expect(roster.forPeriod(Period(spec: "2025")!).excluded["M8"] != nil)
        #expect(roster.forPeriod(Period(spec: "2025")!).excluded["M7"] == nil)
    }
}

@Suite struct SchemaTests {
    let schema = packageRoot + "/Schemas/lvzhi-export.xsd"

    @Test(arguments: ["Samples/activities/opinions.xml", "Samples/activities/activities.xml"])
    func samplesValidateAgainstTheSchema(file: String) {
        #expect(XMLSchemaValidator.validate(file: packageRoot + "/" + file, schema: schema) == [])
    }

    @Test func schemaRejectsAMissingRequiredAttribute() {
        let s = Scratch()
        let p = s.write("bad.xml", """
        <?xml version="1.0" encoding="UTF-8"?>
        <lvzhi version="1"><activities><activity activity_id="A1" date="2025-01-01" kind="提案"/></activities></lvzhi>
        """)
        let errors = XMLSchemaValidator.validate(file: p, schema: schema)
        #expect(errors.count == 1)
        #expect(errors.first?.contains("member_id") == true)
    }
}
