import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiIngest

let nestedProposalMapping = """
mapping: 1
files: ["*.xml"]
record: 提案列表/提案
fields:
  "@编号": activity_id
  "@序号": skip
  案由: title
  提交日期: date
  办理/状态: status
  办理/重点: marks
people:
  - {path: 第一提案人, role: 第一提案人, member: "@委员编号", single: true, fields: {".": skip}}
  - {path: 联名提案人列表/联名提案人, role: 联名提案人, name: "."}
constants: {kind: 提案}
values:
  status: {已立案: 立案, 不予立案: 不立案}
  marks: {是: 重点, 否: ""}
"""

/// One `<提案>` item; `lead` nil leaves out the 第一提案人 element.
func proposalItem(_ id: String, lead: String? = "M1", cosigners: [String] = [], status: String = "已立案", key: String = "否",
                  extra: String = "") -> String {
    var s = "<提案 编号=\"\(id)\" 序号=\"1\">\n  <案由>关于\(id)</案由>\n  <提交日期>2025年3月5日</提交日期>\n"
    if let lead { s += "  <第一提案人 委员编号=\"\(lead)\">某某</第一提案人>\n" }
    s += "  <联名提案人列表>" + cosigners.map { "<联名提案人>\($0)</联名提案人>" }.joined() + "</联名提案人列表>\n"
    s += "  <办理><状态>\(status)</状态><重点>\(key)</重点></办理>\(extra)\n</提案>\n"
    return s
}

func proposalExport(_ items: String...) -> [UInt8] {
    Array(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<提案导出 系统=\"x\">\n<提案列表>\n" + items.joined() + "</提案列表>\n</提案导出>\n").utf8)
}

@Suite struct NestedXMLMappingFileTests {
    func errors(_ yaml: String) -> [Diagnostic] {
        do { _ = try MappingLoader.parse(yaml, path: "m.yaml"); return [] } catch { return error.diagnostics }
    }

    @Test func parsesRecordFieldsAndPeople() throws {
        let m = try MappingLoader.parse(nestedProposalMapping, path: "/x/m.yaml")
        let x = try #require(m.xml)
        #expect(x.record == ["提案列表", "提案"] && !x.anchored)
        #expect(m.columns.isEmpty && m.people == nil)
        #expect(x.fields.first { $0.path == XMLPath(elements: [], attribute: "编号") }?.target == .field(.activityID))
        #expect(x.fields.first { $0.path == XMLPath(elements: ["办理", "状态"]) }?.target == .field(.status))
        #expect(x.people.map(\.path) == [["第一提案人"], ["联名提案人列表", "联名提案人"]])
        #expect(x.people[0] == XMLLayout.PersonGroup(path: ["第一提案人"], role: "第一提案人", member: XMLPath(elements: [], attribute: "委员编号"),
                                                     byName: false, single: true, fields: [XMLLayout.Field(path: XMLPath(elements: []), target: .skip)]))
        #expect(x.people[1].byName && x.people[1].member == XMLPath(elements: []) && !x.people[1].single)
        let anchored = try MappingLoader.parse(nestedProposalMapping.replacingOccurrences(of: "record: 提案列表/提案", with: "record: /导出/提案列表/提案"), path: "m.yaml")
        #expect(anchored.xml?.anchored == true && anchored.xml?.recordText == "/导出/提案列表/提案")
    }

    @Test(arguments: ["办理/结果", "@编号", "办理/@状态", ".", " 案由 "])
    func validPaths(_ s: String) {
        #expect(XMLPath(parsing: s) != nil)
    }

    @Test(arguments: ["", "a//b", "@a/b", "a/*", "../a", "a/..", "/a", "a/", "a b", "ns:a", "@", "a/@b/@c"])
    func invalidPaths(_ s: String) {
        #expect(XMLPath(parsing: s) == nil)
    }

    @Test(arguments: [
        // columns and record together; fields without record
        ("mapping: 1\nfiles: [a.xml]\nrecord: a\ncolumns: {x: activity_id}\nfields: {b: activity_id}\n", "M027", 4),
        ("mapping: 1\nfiles: [a.xml]\nfields: {'@id': activity_id}\n", "M027", 3),
        // bad paths
        ("mapping: 1\nfiles: [a.xml]\nrecord: a//b\nfields: {x: activity_id}\n", "M028", 3),
        ("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields:\n  x/*: activity_id\n", "M028", 5),
        ("mapping: 1\nfiles: [a.xml]\nrecord: a/@b\nfields: {x: activity_id}\n", "M028", 3),
        // people entries
        ("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields: {x: activity_id}\npeople:\n  - {path: p, role: r}\n", "M029", 6),
        ("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields: {x: activity_id}\npeople:\n  - {path: p, member: '@id', name: '.'}\n", "M029", 6),
        ("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields: {x: activity_id}\npeople:\n  - {member: '@id'}\n", "M029", 6),
        ("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields: {x: activity_id}\npeople: {path: p}\n", "M029", 5),
        ("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields: {x: activity_id}\npeople:\n  - {path: p, membr: '@id'}\n", "M011", 6),
        // contradictions
        ("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields: {x: activity_id, p/@n: title}\npeople:\n  - {path: p, member: '@id'}\n", "M031", 4),
        ("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields: {x: activity_id, y: skip, y/z: title}\npeople:\n  - {path: p, member: '@id'}\n", "M031", 4),
        ("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields: {x: activity_id}\npeople:\n  - {path: p, member: '@id'}\n  - {path: p/q, name: '.'}\n", "M031", 7),
        ("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields: {x: activity_id, m: member_id}\npeople:\n  - {path: p, member: '@id'}\n", "M031", 4),
        ("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields: {x: activity_id, y: activity_id}\npeople:\n  - {path: p, member: '@id'}\n", "M025", 4),
        ("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields: {x: activity_id}\npeople:\n  - {path: p, member: '@id', role: 甲, fields: {'@r': role}}\n", "M026", 6),
        ("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields: {x: activity_id, k: kind}\nconstants: {kind: 提案}\npeople:\n  - {path: p, member: '@id'}\n", "M026", 4),
        ("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields: {x: activity_id}\npeople:\n  - {path: p, member: '@id', fields: {'@m': member_name}}\n", "M031", 6),
        // required fields: no date, no kind; no member at all
        ("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields: {x: activity_id}\npeople:\n  - {path: p, member: '@id'}\n", "M009", 1),
        ("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields: {x: activity_id, d: date}\nconstants: {kind: 提案}\n", "M009", 1),
    ] as [(String, String, Int)])
    func refusals(yaml: String, id: String, line: Int) {
        let d = errors(yaml)
        #expect(d.contains { $0.id == id && $0.location?.line == line }, "\(d.map { $0.render(.zh) })")
        #expect(d.allSatisfy { $0.location?.file == "m.yaml" })
    }

    @Test func messagesSayWhatToWrite() {
        let d = errors("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields:\n  @id: activity_id\n")
        #expect(!d.isEmpty, "an unquoted @ is a YAML error, reported with its place")
        let q = errors("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields:\n  'a/@b/c': activity_id\n")
        #expect(q.first { $0.id == "M028" }?.hintZh?.contains("\"@编号\"") == true)
        #expect(q.first { $0.id == "M028" }?.location?.column == 3)
    }
}

@Suite struct NestedXMLIngestTests {
    @Test func leadFirstThenCoSignersNoneDropped() throws {
        // The co-signers come before the lead in the document; the lead still comes first.
        let item = "<提案 编号=\"P1\" 序号=\"1\"><联名提案人列表><联名提案人>李四</联名提案人><联名提案人> 王五 </联名提案人></联名提案人列表>"
            + "<案由>关于A</案由><提交日期>2025/3/5</提交日期><第一提案人 委员编号=\"M1\">张三</第一提案人>"
            + "<办理><状态>已立案</状态><重点>是</重点></办理></提案>\n"
        let r = try ingestMapped(nestedProposalMapping, [("p.xml", proposalExport(item))])
        #expect(r.rejects.isEmpty, "\(r.rejects)")
        let s = r.store
        #expect(s.records.map { s.id(of: $0) } == ["P1", "P1#2", "P1#3"])
        #expect(s.records.map { r.members[Int($0.member)].id } == ["M1", "M2", "M3"])
        #expect(s.records.map { s.symbols[$0.role] } == ["第一提案人", "联名提案人", "联名提案人"])
        #expect(s.records.allSatisfy { s.symbols[$0.ref] == "P1" && s.symbols[$0.status] == "立案" && s.markNames($0.marks) == ["重点"] })
        #expect(s.records.allSatisfy { s.title(of: $0) == "关于A" && $0.date == Day(year: 2025, month: 3, day: 5) })
        #expect(r.files[0].format == "xml" && r.files[0].read == 3 && r.files[0].accepted == 3)
    }

    @Test func emptyCoSignerListGivesTheLeadAlone() throws {
        let r = try ingestMapped(nestedProposalMapping, [("p.xml", proposalExport(proposalItem("P1"), proposalItem("P2", lead: "M2", cosigners: ["张三"])))])
        #expect(r.rejects.isEmpty, "\(r.rejects)")
        #expect(r.store.records.map { r.store.id(of: $0) } == ["P1", "P2", "P2#2"])
    }

    @Test func missingLeadRefusesTheWholeItemOneRejectPerPerson() throws {
        let r = try ingestMapped(nestedProposalMapping, [("p.xml", proposalExport(proposalItem("P1", lead: nil, cosigners: ["张三", "李四"]),
                                                                                 proposalItem("P2", lead: nil), proposalItem("P3")))])
        #expect(r.store.records.map { r.store.id(of: $0) } == ["P3"])
        #expect(r.rejects.map(\.reason) == Array(repeating: .missingElement("第一提案人"), count: 3))
        #expect(r.rejects.map(\.recordID) == ["P1", "P1#2", "P2"])
        #expect(r.rejects.map(\.value) == ["张三", "李四", ""])
        // Each at the item's line.
        #expect(r.rejects.map(\.location.line) == [4, 4, 10])
        #expect(r.rejects[0].reason.message(.zh).contains("第一提案人"))
    }

    /// libxml2 keeps element lines in 16 bits; past line 65,535 the reader must not report 65535.
    /// There the parser's own line is used, which runs at most a few lines ahead of the item.
    @Test func linesPast65535AreNotCapped() throws {
        let filler = (1...12_000).map { proposalItem("F\($0)") }.joined()   // 7 lines each
        let bytes = proposalExport(filler + proposalItem("LATE", lead: nil, cosigners: ["张三"]))
        let expected = 3 + 12_000 * 7 + 1   // the late item's first line
        let r = try ingestMapped(nestedProposalMapping, [("p.xml", bytes)])
        let late = try #require(r.rejects.first { $0.recordID == "LATE" })
        #expect(late.location.line > 65_535)
        #expect(late.location.line >= expected && late.location.line <= expected + 10, "reported \(late.location.line), item at \(expected)")
    }

    @Test func twoLeadsOrTwoStatusesAreRepeatedElements() throws {
        let twoLeads = proposalItem("P1", extra: "<第一提案人 委员编号=\"M2\">x</第一提案人>")
        let twoStatuses = proposalItem("P2", extra: "<办理><状态>已立案</状态></办理>")
        let r = try ingestMapped(nestedProposalMapping, [("p.xml", proposalExport(twoLeads, twoStatuses))])
        #expect(r.store.records.isEmpty)
        #expect(r.rejects.map(\.reason) == [.repeatedElement("第一提案人"), .repeatedElement("第一提案人"), .repeatedElement("办理/状态")])
    }

    @Test func namesResolveOnlyWhenUnique() throws {
        let r = try ingestMapped(nestedProposalMapping, [("p.xml", proposalExport(proposalItem("P1", cosigners: ["王芳", "赵六", "李四", "李四"])))])
        #expect(r.store.records.map { r.store.id(of: $0) } == ["P1", "P1#4"])
        #expect(r.rejects.map(\.reason.code) == ["ambiguous-name", "unknown-name", "repeated-person"])
        #expect(r.rejects[0].reason == .ambiguousName(candidates: ["M4", "M5"]) && r.rejects[0].recordID == "P1#2")
        #expect(r.rejects.map(\.location.line) == [8, 8, 8], "the co-signers' line")
    }

    @Test func leadByIDIsTheSamePersonAsACoSignerByName() throws {
        let r = try ingestMapped(nestedProposalMapping, [("p.xml", proposalExport(proposalItem("P1", lead: "M1", cosigners: ["张三"])))])
        #expect(r.rejects.map(\.reason.code) == ["repeated-person"])
    }

    @Test func valueVocabulariesAndUnmappedValues() throws {
        let r = try ingestMapped(nestedProposalMapping, [("p.xml", proposalExport(proposalItem("P1", status: "不予立案"),
                                                                                 proposalItem("P2", status: "转办"),
                                                                                 proposalItem("P3", key: "是")))])
        let s = r.store
        #expect(s.records.map { s.symbols[$0.status] } == ["不立案", "立案"])
        #expect(s.markNames(s.records[1].marks) == ["重点"] && s.markNames(s.records[0].marks).isEmpty)
        #expect(r.rejects.map(\.reason.code) == ["unknown-status"] && r.rejects[0].value == "转办")
    }

    /// An activity with its participants as children, each with a role of their own.
    @Test func participantsAsChildrenWithTheirOwnRoles() throws {
        let yaml = """
        mapping: 1
        files: ["*.xml"]
        record: 活动
        fields: {"@编号": activity_id, 日期: date, 名称: title, 参加人员/@人数: skip}
        people:
          - {path: 参加人员/人员, member: "@委员编号", fields: {"@角色": role, 备注: skip}}
        constants: {kind: 提案, status: 立案}
        values: {role: {组长: 第一提案人, 组员: 联名提案人}}
        """
        let xml = """
        <?xml version="1.0"?>
        <活动列表>
          <活动 编号="H1"><日期>2025-04-01</日期><名称>调研</名称>
            <参加人员 人数="2">
              <人员 委员编号="M2" 角色="组员"><备注>迟到</备注></人员>
              <人员 委员编号="M1" 角色="组长"/>
            </参加人员>
          </活动>
          <活动 编号="H2"><日期>2025-04-02</日期><名称>空</名称><参加人员 人数="0"/></活动>
        </活动列表>
        """
        let r = try ingestMapped(yaml, [("a.xml", Array(xml.utf8))])
        let s = r.store
        #expect(s.records.map { s.id(of: $0) } == ["H1", "H1#2"])
        #expect(s.records.map { r.members[Int($0.member)].id } == ["M2", "M1"], "document order within a group")
        #expect(s.records.map { s.symbols[$0.role] } == ["联名提案人", "第一提案人"])
        #expect(s.records.map { Int($0.line) } == [5, 6], "each participant at its own line")
        // An activity without participants is one record without a member, refused as such.
        #expect(r.rejects.map(\.reason.code) == ["missing-field"] && r.rejects[0].recordID == "H2" && r.rejects[0].location.line == 9)
    }

    @Test func attributeTextAndDeepPaths() throws {
        let yaml = """
        mapping: 1
        files: ["*.xml"]
        record: /根/项
        fields: {".": title, "@id": activity_id, "@d": date, "@who": member_name}
        constants: {kind: 全体会议, status: 出席}
        """
        let xml = "<根><项 id=\"Q1\" d=\"2025-05-06\" who=\"张三\">  全体会议第一次  </项><组><项 id=\"no\">不在 /根/项</项></组></根>"
        let r = try ingestMapped(yaml, [("a.xml", Array(xml.utf8))])
        #expect(r.rejects.isEmpty, "\(r.rejects)")
        #expect(r.store.records.count == 1)
        #expect(r.store.title(of: r.store.records[0]) == "全体会议第一次")
        #expect(r.members[Int(r.store.records[0].member)].id == "M1")
        // Namespaces: local names are compared; xmlns and xsi:* attributes are not data.
        let ns = "<x:根 xmlns:x=\"urn:a\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><x:项 xsi:type=\"t\" id=\"Q2\" d=\"2025-05-07\" who=\"李四\">第二次</x:项></x:根>"
        let n = try ingestMapped(yaml, [("b.xml", Array(ns.utf8))])
        #expect(n.rejects.isEmpty && n.store.records.map { n.store.id(of: $0) } == ["Q2"], "\(n.rejects)")
    }

    @Test func unmappedElementAttributeOrTextIsAnErrorWithItsLine() throws {
        func failure(_ bytes: [UInt8]) throws -> IngestError? {
            do { _ = try ingestMapped(nestedProposalMapping, [("p.xml", bytes)]) } catch let e as IngestError { return e }
            return nil
        }
        let element = try failure(proposalExport(proposalItem("P1"), proposalItem("P2", extra: "\n<附件列表><附件/></附件列表>")))
        #expect(element?.id == "I022" && element?.location?.line == 17, "\(String(describing: element))")
        #expect(element?.diagnostic.message(.zh).contains("附件列表") == true)
        let attribute = try failure(proposalExport(proposalItem("P1").replacingOccurrences(of: "<联名提案人列表>", with: "<联名提案人列表 数量=\"0\">")))
        #expect(attribute?.id == "I022" && attribute?.location?.line == 8)
        #expect(attribute?.diagnostic.message(.zh).contains("联名提案人列表/@数量") == true)
        let text = try failure(proposalExport(proposalItem("P1").replacingOccurrences(of: "<办理>", with: "<办理>散落的文字")))
        #expect(text?.id == "I022" && text?.diagnostic.message(.en).contains("text in 办理") == true)
        let person = try failure(proposalExport(proposalItem("P1", cosigners: ["张三"]).replacingOccurrences(of: "<联名提案人>", with: "<联名提案人 序号=\"1\">")))
        #expect(person?.diagnostic.message(.zh).contains("联名提案人列表/联名提案人/@序号") == true)
    }

    @Test func noItemMatchingTheRecordPathIsAnError() throws {
        let yaml = nestedProposalMapping.replacingOccurrences(of: "record: 提案列表/提案", with: "record: 提案清单/提案")
        do {
            _ = try ingestMapped(yaml, [("p.xml", proposalExport(proposalItem("P1")))])
            Issue.record("expected I021")
        } catch let e as IngestError {
            #expect(e.id == "I021")
            #expect(e.diagnostic.hintZh?.contains("提案导出/提案列表/提案") == true, "\(e.diagnostic.render(.zh))")
        }
    }

    @Test func truncatedFileIsMalformedWithItsLineAfterTheItemsBefore() throws {
        let full = proposalExport(proposalItem("P1"), proposalItem("P2"))
        let cut = Array(full.prefix(full.count - 60))
        let s = Scratch()
        let roster = try RosterReader.read(path: s.write("members.csv", mappingMembersCSV))
        let rules = try testRules()
        let mapping = try MappingLoader.parse(nestedProposalMapping, path: s.write("m.yaml", nestedProposalMapping))
        var ing = ActivityIngestor(members: roster.members, period: rules.period!, vocabulary: rules.vocabulary)
        do {
            try ing.read(path: s.write("p.xml", bytes: cut), mapping: mapping)
            Issue.record("expected a malformed-XML error")
        } catch let e as IngestError {
            guard case .malformedXML(_, let line, _, _) = e else { Issue.record("\(e)"); return }
            #expect(line >= 12)
        }
        #expect(ing.finish().store.records.count == 1, "the first item was complete")
    }

    @Test func doctypeAndDeepNestingAreRefused() throws {
        let doctype = "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"b\">]>\n<提案列表><提案 编号=\"&a;\"/></提案列表>"
        #expect(throws: IngestError.self) { _ = try ingestMapped(nestedProposalMapping, [("p.xml", Array(doctype.utf8))]) }
        let deep = "<提案列表><提案 编号=\"P1\"><办理>" + String(repeating: "<状态>", count: 40) + String(repeating: "</状态>", count: 40)
            + "</办理></提案></提案列表>"
        do {
            _ = try ingestMapped(nestedProposalMapping, [("p.xml", Array(deep.utf8))])
            Issue.record("expected forbidden nesting")
        } catch let e as IngestError {
            #expect(e.id == "I004")
        }
    }

    @Test func hugeItemIsBoundedAndRefusedTheNextOneStillRead() throws {
        // 20 000 co-signers in one item: past the 10 000-element bound.
        let many = proposalItem("P1", cosigners: Array(repeating: "张三", count: 20_000))
        let r = try ingestMapped(nestedProposalMapping, [("p.xml", proposalExport(many, proposalItem("P2")))])
        #expect(r.rejects.map(\.reason.code) == ["item-too-large"] && r.rejects[0].recordID == "P1")
        #expect(r.store.records.map { r.store.id(of: $0) } == ["P2"])
        // Text is bounded too.
        let longTitle = proposalItem("P3").replacingOccurrences(of: "关于P3", with: String(repeating: "长", count: 400_000))
        let t = try ingestMapped(nestedProposalMapping, [("p.xml", proposalExport(longTitle))])
        #expect(t.rejects.map(\.reason.code) == ["item-too-large"])
    }

    @Test func smallLimitsThroughTheReaderDirectly() throws {
        let s = Scratch()
        let mapping = try MappingLoader.parse(nestedProposalMapping, path: s.write("m.yaml", nestedProposalMapping))
        let path = s.write("p.xml", bytes: proposalExport(proposalItem("P1", cosigners: ["张三", "李四"]), proposalItem("P2")))
        let channel = BatchChannel(limit: 100)
        try RawReader.readMappedXML(path: path, mapping: mapping, layout: mapping.xml!, names: NameIndex(members: []), into: channel,
                                    limits: MappedXMLReader.Limits(elements: 8, bytes: 1 << 20))
        channel.close()
        var issues: [String] = []
        while let b = try channel.take() {
            for r in 0..<b.count { issues.append(b.issues[r].map { if case .rejected(let reason, _, _, _, _) = $0 { reason.code } else { "?" } } ?? "ok") }
        }
        #expect(issues == ["item-too-large", "ok"])
    }

    @Test func mappingKindMustMatchTheFile() throws {
        #expect(throws: IngestError.self) { _ = try ingestMapped(nestedProposalMapping.replacingOccurrences(of: "*.xml", with: "*.csv"), [("p.csv", Array("a,b\n".utf8))]) }
        do {
            _ = try ingestMapped(proposalMapping.replacingOccurrences(of: "*.csv", with: "*.xml"), [("p.xml", proposalExport(proposalItem("P1")))])
            Issue.record("expected I015")
        } catch let e as IngestError {
            #expect(e.id == "I015" && e.diagnostic.message(.zh).contains("CSV 映射"))
        }
    }

    @Test func gb18030DeclaredOrForcedByTheMapping() throws {
        let text = String(decoding: proposalExport(proposalItem("P1", cosigners: ["李四"])), as: UTF8.self)
        let declared = text.replacingOccurrences(of: "encoding=\"UTF-8\"", with: "encoding=\"GB18030\"")
        let r = try ingestMapped(nestedProposalMapping, [("p.xml", EncodingTests.encode(declared, "GB18030"))])
        #expect(r.rejects.isEmpty && r.store.records.count == 2, "\(r.rejects)")
        // Undeclared GB18030 bytes read as UTF-8 are malformed, not garbled; the mapping can name the encoding.
        let bare = EncodingTests.encode(text.replacingOccurrences(of: " encoding=\"UTF-8\"", with: ""), "GB18030")
        #expect(throws: IngestError.self) { _ = try ingestMapped(nestedProposalMapping, [("p.xml", bare)]) }
        let forced = try ingestMapped(nestedProposalMapping + "\nencoding: gb18030\n", [("p.xml", bare)])
        #expect(forced.rejects.isEmpty && forced.store.records.count == 2, "\(forced.rejects)")
    }
}
