import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiIngest
import LvzhiRules

/// A roster with homonyms told apart by 界别 (王芳), homonyms in the same 界别 (刘洋), and
/// two-character names that exports pad inside (叶兰, 史磊).
let exportMembersCSV = """
member_id,name,sector,committee,role,group,party,joined,left,ranked
M1,张三,经济界,,委员,,,,,是
M2,李四,经济界,,委员,,,,,是
M3,王五,教育界,,委员,,,,,是
M4,王芳,教育界,,委员,,,,,是
M5,王芳,科技界,,委员,,,,,是
M6,叶兰,医药卫生界,,委员,,,,,是
M7,史磊,农业界,,委员,,,,,是
M8,刘洋,经济界,,委员,,,,,是
M9,刘洋,经济界,,委员,,,,,是
M10,欧阳明,经济界,,委员,,,,,是

"""

/// The test rules with the kinds these exports hold.
let exportRulesYAML = testRulesYAML.replacingOccurrences(
    of: "  违纪: {}\n",
    with: "  违纪: {}\n  社情民意: {statuses: [报送, 采用, 批示], levels: [\"\", 区, 市, 省]}\n  视察: {statuses: [参加]}\n")

/// Ingests one file holding `text` (in GB18030 with `gb18030`) through `yaml` against ``exportMembersCSV``.
func ingestExport(_ yaml: String, _ name: String, _ text: String, gb18030: Bool = false) throws -> IngestResult {
    let s = Scratch()
    let roster = try RosterReader.read(path: s.write("members.csv", exportMembersCSV))
    let rules = try RuleFileLoader.parse(exportRulesYAML, path: "test.yaml")
    let mapping = try MappingLoader.parse(yaml, path: s.write("m.yaml", yaml))
    var ing = ActivityIngestor(members: roster.members, period: rules.period!, vocabulary: rules.vocabulary)
    try ing.read(path: s.write(name, bytes: gb18030 ? EncodingTests.encode(text, "GB18030") : Array(text.utf8)), mapping: mapping)
    return ing.finish()
}

/// Scope 1: a list inside one XML element or attribute, exactly as a CSV list cell.
@Suite struct XMLListTests {
    static let mapping = """
    mapping: 1
    files: ["*.xml"]
    record: 提案
    fields: {"@编号": activity_id, 日期: date, 状态: status}
    people:
      - {path: 第一提案人, role: 第一提案人, name: ".", single: true}
      - {path: 联名提案人, role: 联名提案人, name: ".", list: true}
    constants: {kind: 提案}
    values: {status: {已立案: 立案}}
    """

    static func export(_ items: [(id: String, lead: String, cosigners: String?)], encoding: String = "UTF-8") -> String {
        var s = "<?xml version=\"1.0\" encoding=\"\(encoding)\"?>\n<导出>\n"
        for i in items {
            s += "<提案 编号=\"\(i.id)\"><日期>2025-03-05 00:00:00</日期><状态>已立案</状态><第一提案人>\(i.lead)</第一提案人>"
            switch i.cosigners {
            case nil: s += "<联名提案人/>"
            case let c?: s += "<联名提案人>\(c)</联名提案人>"
            }
            s += "</提案>\n"
        }
        return s + "</导出>\n"
    }

    func people(_ r: IngestResult) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for a in r.store.records {
            let id = r.store.id(of: a)
            let item = String(id.split(separator: "#")[0])
            out[item, default: []].append("\(r.members[Int(a.member)].id):\(r.store.symbols[a.role])")
        }
        return out
    }

    @Test func oneElementListsEveryCoSignerWithEverySeparator() throws {
        let xml = Self.export([
            ("T1", "张三", "李四、王五 史磊"),
            ("T2", "张三", "李四，王五,史磊"),
            ("T3", "张三", "李四;王五；史磊"),
            ("T4", "张三", "李四/王五／史磊"),
            ("T5", "张三", "李四\u{3000}王五\n  史磊"),
            ("T6", "张三", "  李四 、 王五\t史磊  "),
        ], encoding: "GB18030")
        let r = try ingestExport(Self.mapping, "p.xml", xml, gb18030: true)
        #expect(r.rejects.isEmpty, "\(r.rejects)")
        for t in ["T1", "T2", "T3", "T4", "T5", "T6"] {
            #expect(people(r)[t] == ["M1:第一提案人", "M2:联名提案人", "M3:联名提案人", "M7:联名提案人"], "\(t)")
        }
        #expect(r.store.records.map { r.store.id(of: $0) }.prefix(4) == ["T1", "T1#2", "T1#3", "T1#4"])
        #expect(r.store.records.allSatisfy { r.store.symbols[$0.ref] == r.store.id(of: $0).split(separator: "#")[0].description })
    }

    @Test func anEmptyElementIsNobody() throws {
        let xml = Self.export([("T1", "张三", nil), ("T2", "李四", ""), ("T3", "王五", " 、 ")])
        let r = try ingestExport(Self.mapping, "p.xml", xml)
        #expect(r.rejects.isEmpty, "\(r.rejects)")
        #expect(r.store.records.count == 3)
        #expect(people(r) == ["T1": ["M1:第一提案人"], "T2": ["M2:第一提案人"], "T3": ["M3:第一提案人"]])
    }

    @Test func aListInAnAttributeOrTheItemsOwnField() throws {
        let attr = """
        mapping: 1
        files: ["*.xml"]
        record: 活动
        fields: {"@编号": activity_id, "@日期": date}
        people:
          - {path: 参加, name: "@人员", list: true}
        constants: {kind: 视察, status: 参加}
        """
        let r = try ingestExport(attr, "a.xml", "<r><活动 编号=\"V1\" 日期=\"2025/3/5 9:30\"><参加 人员=\"张三、叶　兰 史 磊\"/></活动></r>")
        #expect(r.rejects.isEmpty, "\(r.rejects)")
        #expect(r.store.records.map { r.members[Int($0.member)].id } == ["M1", "M6", "M7"])
        let item = """
        mapping: 1
        files: ["*.xml"]
        record: 提案
        fields:
          "@编号": activity_id
          "@日期": date
          "@提案人": {field: member_name, list: true, roles: [第一提案人, 联名提案人]}
        constants: {kind: 提案, status: 立案}
        """
        let i = try ingestExport(item, "b.xml", "<r><提案 编号=\"T9\" 日期=\"20250305\" 提案人=\"李四 张三\"/><提案 编号=\"T10\" 日期=\"20250305\" 提案人=\"\"/></r>")
        #expect(i.store.records.map { "\(i.store.id(of: $0)):\(i.members[Int($0.member)].id):\(i.store.symbols[$0.role])" }
                == ["T9:M2:第一提案人", "T9#2:M1:联名提案人"])
        #expect(i.rejects.map(\.reason.code) == ["empty-name"], "an item naming nobody is refused, not dropped")
    }

    @Test func aNonListPersonElementThatIsEmptyIsAnEmptyName() throws {
        let r = try ingestExport(Self.mapping, "p.xml", Self.export([("T1", "", "李四")]))
        #expect(r.rejects.map(\.reason.code) == ["empty-name"])
        #expect(r.rejects[0].reason.message(.zh).contains("姓名为空"))
        #expect(!r.rejects[0].reason.message(.zh).contains("缺少委员编号"))
    }
}

/// Scope 1 for CSV list cells, and scope 4: names padded inside.
@Suite struct ListCellAndPaddingTests {
    static let mapping = """
    mapping: 1
    files: ["*.csv"]
    columns: {编号: activity_id, 日期: date, 提案人: {field: member_name, list: true, roles: [第一提案人, 联名提案人]}}
    constants: {kind: 提案, status: 立案}
    """

    @Test(arguments: ["张三、叶　兰 史磊", "张三 叶 兰 史磊", "张三/叶兰／史 磊", "张三；叶　兰,史　磊", "张三\u{00A0}叶兰、史磊"])
    func paddedNamesStayWholeInAList(_ cell: String) throws {
        let r = try ingestExport(Self.mapping, "p.csv", "编号,日期,提案人\nT1,2025-03-05,\"\(cell)\"\n")
        #expect(r.rejects.isEmpty, "\(r.rejects)")
        #expect(r.store.records.map { r.members[Int($0.member)].id } == ["M1", "M6", "M7"])
    }

    @Test func splitterKeepsOnlyKnownPaddedNamesTogether() {
        let known: Set<String> = ["叶兰", "欧阳明"]
        #expect(Mapping.splitList("叶 兰 张三", isName: known.contains) == ["叶兰", "张三"])
        #expect(Mapping.splitList("欧阳 明", isName: known.contains) == ["欧阳明"])
        #expect(Mapping.splitList("王 五", isName: known.contains) == ["王", "五"], "an unknown pair is not joined: it is refused later, not guessed")
        #expect(Mapping.splitList("叶、兰", isName: known.contains) == ["叶", "兰"], "only spaces pad a name; 、 separates")
        #expect(Mapping.splitList("", isName: known.contains).isEmpty)
    }

    @Test func paddedNamesMatchOnlyWhenExactlyOneRosterNameEqualsThem() throws {
        let m = """
        mapping: 1
        files: ["*.csv"]
        columns: {编号: activity_id, 日期: date, 报送人: member_name}
        constants: {kind: 社情民意, status: 报送}
        """
        let r = try ingestExport(m, "o.csv", "编号,日期,报送人\nX1,2025-03-05,叶　兰\nX2,2025-03-05,叶 兰\nX3,2025-03-05,王　芳\nX4,2025-03-05,史  磊\nX5,2025-03-05,\n")
        #expect(r.store.records.map { r.members[Int($0.member)].id } == ["M6", "M6", "M7"])
        #expect(r.rejects.map(\.reason.code) == ["ambiguous-name", "empty-name"])
        #expect(r.rejects[1].reason.message(.zh) == "姓名为空：这里应写委员的姓名")
        let s = Scratch()
        #expect(NameIndex(members: try RosterReader.read(path: s.write("m.csv", exportMembersCSV)).members).lookup("叶\u{3000}兰") == ["M6"])
    }

    @Test func anEmptyListCellIsNobodyAndTheRowIsRefusedAsAnEmptyName() throws {
        let r = try ingestExport(Self.mapping, "p.csv", "编号,日期,提案人\nT1,2025-03-05, 、 \n")
        #expect(r.rejects.map(\.reason.code) == ["empty-name"])
        #expect(r.store.records.isEmpty)
    }
}

/// Scope 2: one field from several columns.
@Suite struct FilledColumnsTests {
    static let mapping = """
    mapping: 1
    files: ["*.csv"]
    columns:
      编号: activity_id
      报送人: member_name
      日期: date
      区级: {filled: {status: 采用, level: 区}}
      市级: {filled: {status: 采用, level: 市}}
      省级: {field: level, filled: 省}
      方式: skip
    constants: {kind: 社情民意}
    values: {status: {"": 报送}}
    """
    static let header = "编号,报送人,日期,区级,市级,省级,方式\n"

    func outcome(_ r: IngestResult) -> [String] {
        r.store.records.map { "\(r.store.id(of: $0)):\(r.store.symbols[$0.status]):\(r.store.symbols[$0.level])" }
    }

    @Test func theLevelIsWhicheverColumnIsFilled() throws {
        let rows = "X1,张三,2025-03-05,,,,\nX2,张三,2025-03-05,√,,,\nX3,张三,2025-03-05,,采用,,\nX4,张三,2025-03-05,,2025-04-01,否,\nX5,张三,2025-03-05,是,,无,\n"
        let r = try ingestExport(Self.mapping, "o.csv", Self.header + rows)
        #expect(r.rejects.isEmpty, "\(r.rejects)")
        #expect(outcome(r) == ["X1:报送:", "X2:采用:区", "X3:采用:市", "X4:采用:市", "X5:采用:区"])
    }

    @Test func twoFilledColumnsThatDisagreeAreARejectWithBothValues() throws {
        let r = try ingestExport(Self.mapping, "o.csv", Self.header + "X1,张三,2025-03-05,√,√,,\nX2,张三,2025-03-05,√,,√,\n")
        #expect(r.store.records.isEmpty)
        #expect(r.rejects.map(\.reason.code) == ["conflicting-columns", "conflicting-columns"])
        let m = r.rejects[0].reason.message(.zh)
        #expect(m.contains("区级“√”→区") && m.contains("市级“√”→市") && m.contains("级别（level）"), "\(m)")
        #expect(r.rejects[0].location.line == 2 && r.rejects[0].recordID == "X1" && r.rejects[0].value == "区/市")
        #expect(r.rejects[1].reason.message(.en).contains("省级“√”→省"))
    }

    @Test func unknownTextInAFilledColumnIsARejectNeverAGuess() throws {
        let r = try ingestExport(Self.mapping, "o.csv", Self.header + "X1,张三,2025-03-05,待定,,,\n")
        #expect(r.rejects.map(\.reason.code) == ["unknown-text"])
        #expect(r.rejects[0].value == "待定" && r.rejects[0].reason.message(.zh).contains("“区级”列"))
    }

    @Test func declaredTextsReplaceTheDefaultsAndMarksAddUp() throws {
        let m = """
        mapping: 1
        files: ["*.csv"]
        columns:
          编号: activity_id
          提案人: member_id
          日期: date
          重点: {field: marks, filled: 重点, texts: [是]}
          优秀: {field: marks, filled: 优秀, texts: [是]}
          备注: {field: title, filled: 有备注, texts: any}
        constants: {kind: 提案, status: 立案, role: 第一提案人}
        """
        let r = try ingestExport(m, "p.csv", "编号,提案人,日期,重点,优秀,备注\nT1,M1,2025-03-05,是,是,随便什么\nT2,M1,2025-03-05,否,,\nT3,M1,2025-03-05,√,,\n")
        #expect(r.store.records.map { r.store.markNames($0.marks).joined(separator: ";") } == ["重点;优秀", ""])
        #expect(r.store.title(of: r.store.records[0]) == "有备注")
        #expect(r.rejects.map(\.reason.code) == ["unknown-text"], "√ is not among this column's texts")
    }

    @Test func filledFieldsInXMLToo() throws {
        let m = """
        mapping: 1
        files: ["*.xml"]
        record: 信息
        fields:
          "@编号": activity_id
          "@报送人": member_name
          "@日期": date
          区: {filled: {status: 采用, level: 区}}
          市: {filled: {status: 采用, level: 市}}
        constants: {kind: 社情民意}
        values: {status: {"": 报送}}
        """
        let r = try ingestExport(m, "o.xml", "<r><信息 编号=\"X1\" 报送人=\"张三\" 日期=\"2025-03-05\"><区/><市>√</市></信息><信息 编号=\"X2\" 报送人=\"张三\" 日期=\"2025-03-05\"><区>√</区><市>√</市></信息></r>")
        #expect(outcome(r) == ["X1:采用:市"])
        #expect(r.rejects.map(\.reason.code) == ["conflicting-columns"])
    }

    @Test(arguments: [
        // a plain column and a filled one for the same field: M025 names the field
        ("mapping: 1\nfiles: [a.csv]\ncolumns:\n  a: activity_id\n  b: level\n  c: {field: level, filled: 区}\n", "M025", 6),
        // filled with a single value needs field
        ("mapping: 1\nfiles: [a.csv]\ncolumns:\n  a: activity_id\n  c: {filled: 区}\n", "M021", 5),
        ("mapping: 1\nfiles: [a.csv]\ncolumns:\n  a: activity_id\n  c: {field: level, filled: 区, texts: []}\n", "M032", 5),
        ("mapping: 1\nfiles: [a.csv]\ncolumns:\n  a: activity_id\n  c: {field: level, texts: [是]}\n", "M032", 5),
        ("mapping: 1\nfiles: [a.csv]\ncolumns:\n  a: activity_id\n  c: {filled: {level: 区}}\nconstants: {level: 市}\n", "M026", 1),
    ] as [(String, String, Int)])
    func mappingErrors(yaml: String, id: String, line: Int) {
        var d: [Diagnostic] = []
        do { _ = try MappingLoader.parse(yaml, path: "m.yaml") } catch { d = error.diagnostics }
        #expect(d.contains { $0.id == id && $0.location?.line == line }, "\(d.map { $0.render(.zh) })")
    }
}

/// Scope 3: rows that are not records.
@Suite struct SkippedRowsTests {
    static let mapping = """
    mapping: 1
    files: ["*.csv"]
    header_row: 2
    columns: {序号: skip, 编号: activity_id, 报送人: member_name, 日期: date}
    skip_rows:
      - repeated_header
      - {column: 序号, equals: [合计, 小计]}
      - {starts_with: "注："}
    constants: {kind: 社情民意, status: 报送}
    """

    @Test func footersTotalsBlankRowsAndRepeatedHeadersAreSkippedAndCounted() throws {
        // Line 7 is a row of empty cells (as Excel and WPS save one); line 8 an empty line, which
        // CSV does not count as a row at all.
        let text = "某区社情民意信息报送表,,,\n序号,编号,报送人,日期\n1,X1,张三,2025-03-05\n,,,\n序号,编号,报送人,日期\n2,X2,李四,2025-03-06\n , ,,\n\n合计,,共 2 条,\n注:以上为虚构数据\n"
        let r = try ingestExport(Self.mapping, "o.csv", text)
        #expect(r.rejects.isEmpty, "\(r.rejects)")
        #expect(r.store.records.count == 2)
        let f = try #require(r.files.first { $0.path.hasSuffix("o.csv") })
        #expect(f.read == 2 && f.accepted == 2 && f.rejected == 0 && f.skipped == 5)
        #expect(f.skips == [SkippedRows(reason: "空行", count: 2, lines: [4, 7]), SkippedRows(reason: "重复的表头", count: 1, lines: [5]),
                            SkippedRows(reason: "序号为“合计”或“小计”", count: 1, lines: [9]), SkippedRows(reason: "首格以“注：”开头", count: 1, lines: [10])])
        let text2 = Reconciliation(r).render(.zh)
        #expect(text2.contains("读取记录 2 条：接受 2 条，拒收 0 条"))
        #expect(text2.contains("另跳过不是记录的行 5 行"), "\(text2)")
        #expect(text2.contains("空行 2 行（第 4、7 行）") && text2.contains("序号为“合计”或“小计” 1 行（第 9 行）"), "\(text2)")
        #expect(Reconciliation(r).render(.en).contains("blank rows 2 (lines 4, 7)"))
    }

    @Test func aFooterNoRuleDescribesIsStillRejectedWithItsLine() throws {
        let r = try ingestExport(Self.mapping, "o.csv", "标题\n序号,编号,报送人,日期\n1,X1,张三,2025-03-05\n总计：1 条\n")
        #expect(r.rejects.map(\.reason.code) == ["field-count"] && r.rejects[0].location.line == 4)
    }

    @Test func aRuleColumnTheFileLacksIsAnError() throws {
        #expect(throws: IngestError.self) {
            _ = try ingestExport(Self.mapping.replacingOccurrences(of: "column: 序号", with: "column: 行号"), "o.csv", "t\n序号,编号,报送人,日期\n1,X1,张三,2025-03-05\n")
        }
    }

    @Test(arguments: [
        ("mapping: 1\nfiles: [a.csv]\ncolumns: {a: activity_id}\nskip_rows: {column: a}\n", "M034", 4),
        ("mapping: 1\nfiles: [a.csv]\ncolumns: {a: activity_id}\nskip_rows:\n  - footer\n", "M034", 5),
        ("mapping: 1\nfiles: [a.csv]\ncolumns: {a: activity_id}\nskip_rows:\n  - {column: a}\n", "M034", 5),
        ("mapping: 1\nfiles: [a.csv]\ncolumns: {a: activity_id}\nskip_rows:\n  - {colum: a, equals: x}\n", "M011", 5),
        ("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields: {x: activity_id}\nskip_rows: [repeated_header]\n", "M027", 5),
    ] as [(String, String, Int)])
    func ruleErrors(yaml: String, id: String, line: Int) {
        var d: [Diagnostic] = []
        do { _ = try MappingLoader.parse(yaml, path: "m.yaml") } catch { d = error.diagnostics }
        #expect(d.contains { $0.id == id && $0.location?.line == line }, "\(d.map { $0.render(.zh) })")
    }
}

/// Scope 4: homonyms told apart by a second column, never guessed.
@Suite struct HomonymTests {
    static let mapping = """
    mapping: 1
    files: ["*.csv"]
    columns: {编号: activity_id, 报送人: member_name, 界别: roster.sector, 日期: date}
    constants: {kind: 社情民意, status: 报送}
    """

    @Test func aRosterColumnResolvesHomonymsAndChecksUniqueNames() throws {
        let rows = "X1,王芳,教育界,2025-03-05\nX2,王　芳,科技界,2025-03-05\nX3,王芳,,2025-03-05\nX4,王芳,经济界,2025-03-05\nX5,刘洋,经济界,2025-03-05\nX6,张三,经济界,2025-03-05\nX7,张三,教育界,2025-03-05\n"
        let r = try ingestExport(Self.mapping, "o.csv", "编号,报送人,界别,日期\n" + rows)
        #expect(r.store.records.map { "\(r.store.id(of: $0)):\(r.members[Int($0.member)].id)" } == ["X1:M4", "X2:M5", "X6:M1"])
        #expect(r.rejects.map { "\($0.recordID):\($0.reason.code)" }
                == ["X3:ambiguous-name", "X4:roster-mismatch", "X5:ambiguous-name", "X7:roster-mismatch"])
        #expect(r.rejects[1].reason.message(.zh).contains("界别都不是“经济界”（M4 教育界、M5 科技界）"), "\(r.rejects[1].reason.message(.zh))")
        #expect(r.rejects[2].reason == .ambiguousName(candidates: ["M8", "M9"]), "the same 界别 still does not tell 刘洋 apart")
        #expect(r.rejects[3].reason.message(.en).contains("no member of this name has sector '教育界'"))
    }

    @Test func aMemberIDColumnAsTheSecondColumn() throws {
        let m = Self.mapping.replacingOccurrences(of: "界别: roster.sector", with: "委员证号: 名册.委员编号")
        let r = try ingestExport(m, "o.csv", "编号,报送人,委员证号,日期\nX1,刘洋,M9,2025-03-05\nX2,刘洋,M1,2025-03-05\n")
        #expect(r.store.records.map { r.members[Int($0.member)].id } == ["M9"])
        #expect(r.rejects.map(\.reason.code) == ["roster-mismatch"])
    }

    /// Inside one list cell a second column cannot say which 王芳 is meant; exports write the
    /// difference in brackets after the name instead, and that note resolves them.
    @Test func aBracketedNoteTellsHomonymsApartInsideAListCell() throws {
        let xml = XMLListTests.export([
            ("T1", "张三", "王芳（科技界）、刘洋(M9)、叶 兰"),
            ("T2", "王芳（教育界）", "刘洋（经济界，M8） 史磊"),
            ("T3", "张三", "王芳（农业界）、刘洋（经济界）"),
            ("T4", "张三", "王芳"),
        ])
        let r = try ingestExport(XMLListTests.mapping, "p.xml", xml)
        #expect(XMLListTests().people(r)["T1"] == ["M1:第一提案人", "M5:联名提案人", "M9:联名提案人", "M6:联名提案人"])
        #expect(XMLListTests().people(r)["T2"] == ["M4:第一提案人", "M8:联名提案人", "M7:联名提案人"])
        #expect(r.rejects.map { "\($0.value):\($0.reason.code)" }
                == ["王芳（农业界）:roster-mismatch", "刘洋（经济界）:ambiguous-name", "王芳:ambiguous-name"], "\(r.rejects.map { ($0.value, $0.reason) })")
        #expect(r.rejects[0].reason.message(.zh).contains("没有一位与括注“农业界”相符（M4 教育界 委员、M5 科技界 委员）"), "\(r.rejects[0].reason.message(.zh))")
        // The refused co-signers still signed: the item's other shares do not change.
        #expect(XMLListTests().people(r)["T3"] == ["M1:第一提案人"])
    }

    @Test func bracketsKeepTheirSeparatorsAndPlainNamesAreUnchanged() {
        #expect(Mapping.splitList("王芳（科技界，常委）、李四(M2; M3) 张三") == ["王芳（科技界，常委）", "李四(M2; M3)", "张三"])
        #expect(Mapping.splitList("李四、王五") == ["李四", "王五"])
        let index = NameIndex(members: [Member(id: "M1", name: "李四", sector: "经济界", source: SourceLocation(file: "m.csv", line: 2)), Member(id: "M2", name: "（空）", source: SourceLocation(file: "m.csv", line: 3))])
        #expect(index.resolve("李四（经济界）") == .member("M1"))
        #expect(index.resolve("李四（教育界）") == .noteMismatch(note: "教育界", candidates: [(id: "M1", values: "经济界")]))
        #expect(index.resolve("（空）") == .member("M2"), "a roster name that is itself bracketed is matched as written")
        #expect(index.resolve("王五（经济界）") == .unknown)
    }

    @Test func inXMLAPersonsOwnAttributeTellsThemApart() throws {
        let m = """
        mapping: 1
        files: ["*.xml"]
        record: 提案
        fields: {"@编号": activity_id, "@日期": date}
        people:
          - {path: 第一提案人, role: 第一提案人, name: ".", single: true, fields: {"@界别": roster.sector}}
        constants: {kind: 提案, status: 立案}
        """
        let r = try ingestExport(m, "p.xml", "<r><提案 编号=\"T1\" 日期=\"2025-03-05\"><第一提案人 界别=\"科技界\">王芳</第一提案人></提案></r>")
        #expect(r.store.records.map { r.members[Int($0.member)].id } == ["M5"])
    }

    @Test(arguments: [
        ("mapping: 1\nfiles: [a.csv]\ncolumns:\n  a: activity_id\n  b: {field: member_name, list: true}\n  c: roster.sector\n", "M033", 6),
        ("mapping: 1\nfiles: [a.csv]\ncolumns:\n  a: activity_id\n  b: member_name\n  c: roster.unit\n", "M020", 6),
        ("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields:\n  x: activity_id\n  s: roster.sector\npeople:\n  - {path: p, name: '.'}\n", "M033", 6),
        ("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields:\n  x: activity_id\npeople:\n  - path: p\n    name: '.'\n    list: true\n    fields: {'@s': roster.sector}\n", "M033", 10),
    ] as [(String, String, Int)])
    func mappingErrors(yaml: String, id: String, line: Int) {
        var d: [Diagnostic] = []
        do { _ = try MappingLoader.parse(yaml, path: "m.yaml") } catch { d = error.diagnostics }
        #expect(d.contains { $0.id == id && $0.location?.line == line }, "\(d.map { $0.render(.zh) })")
    }
}

/// Scope 5: dates as exports write them.
@Suite struct ExportDateTests {
    @Test(arguments: ["2024-03-05 00:00:00", "2024/3/5 9:30", "2024/3/5 09:30:15", "20240305", "2024年3月5号", "2024年3月5日 9:30",
                      "２０２４年３月５日", "２０２４－０３－０５", "2024-03-05T09:30:00", "2024-03-05 00:00:00.000", "２０２４/３/５ ９：３０", "2024.3.5"])
    func spellings(_ s: String) {
        #expect(DateText.parse(s) == Day(year: 2024, month: 3, day: 5), "\(s)")
    }

    @Test(arguments: ["2024-03-05 25:00", "2024-03-05 9:3", "2024-03-05 09:30:", "20240230", "2024030", "202403051", "2024年3月5号号",
                      "2024-03-05 上午", "2024/3/5 9:30 PM", "00:00 2024-03-05", "2024-03-05 00:00:00.", "45356"])
    func refusals(_ s: String) {
        #expect(DateText.parse(s) == nil, "\(s)")
    }

    @Test func aSerialWithoutExcelDatesSaysHowToReadIt() throws {
        let m = "mapping: 1\nfiles: [\"*.csv\"]\ncolumns: {编号: activity_id, 人: member_id, 日期: date}\nconstants: {kind: 全体会议, status: 出席}\n"
        let r = try ingestExport(m, "a.csv", "编号,人,日期\nA1,M1,45721\nA2,M1,3月5日\n")
        #expect(r.rejects.map(\.reason.code) == ["bad-date", "bad-date"])
        #expect(r.rejects[0].reason.message(.zh).contains("excel_dates: true"))
        #expect(r.rejects[0].reason.message(.en).contains("excel_dates: true"))
        let other = r.rejects[1].reason.message(.zh)
        #expect(other.contains("2025-03-05") && other.contains("20250305") && other.contains("2025年3月5日") && other.contains("全角"), "\(other)")
        let ok = try ingestExport(m.replacingOccurrences(of: "mapping: 1\n", with: "mapping: 1\nexcel_dates: true\n"), "a.csv", "编号,人,日期\nA1,M1,45721\n")
        #expect(ok.rejects.isEmpty && ok.store.records.first?.date == Day(year: 2025, month: 3, day: 5))
    }
}

/// Scope 7: messages that point at their cause.
@Suite struct MappingMessageTests {
    func errors(_ yaml: String) -> [Diagnostic] {
        do { _ = try MappingLoader.parse(yaml, path: "m.yaml"); return [] } catch { return error.diagnostics }
    }

    @Test func m031PointsAtTheEntryThatCausedIt() {
        let inside = errors("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields:\n  x: activity_id\n  d: date\n  p/@n: title\npeople:\n  - {path: p, member: '@id'}\n")
        #expect(inside.first { $0.id == "M031" }.map { ($0.location?.line, $0.location?.column) }! == (7, 3))
        let member = errors("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields:\n  x: activity_id\n  m: member_id\npeople:\n  - {path: p, member: '@id'}\n")
        #expect(member.first { $0.id == "M031" }?.location?.line == 6)
        let overlap = errors("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields:\n  x: activity_id\npeople:\n  - path: p\n    member: '@id'\n  - path: p/q\n    name: '.'\n")
        #expect(overlap.first { $0.id == "M031" }?.location?.line == 9)
        let opaque = errors("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields:\n  x: activity_id\npeople:\n  - path: p\n    name: q\n    fields:\n      q/r: title\n")
        #expect(opaque.first { $0.id == "M031" }?.location?.line == 8, "\(opaque.map { $0.render(.zh) })")
    }

    @Test func m025NamesTheField() {
        let d = errors("mapping: 1\nfiles: [a.csv]\ncolumns:\n  提案号: activity_id\n  级别A: level\n  级别B: 级别\n")
        let m = d.first { $0.id == "M025" }
        #expect(m?.location?.line == 6)
        #expect(m?.zh.contains("level（级别）") == true && m?.zh.contains("“级别A”列") == true, "\(m?.zh ?? "")")
        #expect(m?.en.contains("the same field level") == true)
        let member = errors("mapping: 1\nfiles: [a.csv]\ncolumns:\n  a: activity_id\n  b: member_id\n  c: member_name\n")
        #expect(member.first { $0.id == "M025" }?.zh.contains("委员") == true)
        let xml = errors("mapping: 1\nfiles: [a.xml]\nrecord: a\nfields:\n  x: activity_id\n  y: level\n  z: level\n")
        #expect(xml.first { $0.id == "M025" }?.zh.contains("level（级别）") == true)
    }
}

/// Scope 6: the guesses behind `lvzhi inspect`.
@Suite struct InspectorTests {
    @Test func closestAllowedValue() {
        let statuses = ["立案", "不立案"]
        #expect(DraftMapping.closestAllowed("已立案", statuses) == "立案")
        #expect(DraftMapping.closestAllowed("不予立案", statuses) == "不立案")
        #expect(DraftMapping.closestAllowed("未立案", statuses) == "不立案")
        #expect(DraftMapping.closestAllowed("退回", statuses) == nil)
        #expect(DraftMapping.closestAllowed("区级", ["", "区", "市"]) == "区")
    }

    @Test func aSheetWithATitleFootersAndAFilledColumnGroup() throws {
        let s = Scratch()
        let csv = "社情民意信息汇总,,,,\n编号,报送人,日期,区级采用,市级采用\nX1,张三,20250305,√,\nX2,叶　兰,2025年3月6号,,\nX3,王五,45721,,采用\n,,,,\n合计,,3,,\n"
        let roster = try RosterReader.read(path: s.write("m.csv", exportMembersCSV))
        let rules = try RuleFileLoader.parse(exportRulesYAML, path: "t.yaml")
        let i = try Inspector.inspect(path: s.write("o.csv", csv), context: InspectContext(members: roster.members, vocabulary: rules.vocabulary))
        #expect(i.headerRow == 2 && i.records == 3)
        #expect(i.skipped.map(\.rule) == ["blank", "total|编号|合计|合计"])
        let d = i.draft
        for line in ["header_row: 2", "excel_dates: true", "编号: activity_id", "报送人: member_name", "日期: date",
                     "区级采用: {filled: {status: 采用, level: 区}}", "{column: 编号, equals: 合计}", "kind: 社情民意", "\"\": 报送"] {
            #expect(d.contains(line), "\(line)\n\(d)")
        }
        // The draft is a mapping the loader accepts.
        let m = try MappingLoader.parse(d, path: s.path + "/o.mapping.yaml")
        #expect(m.headerRow == 2 && m.excelDates && m.skipRows.count == 1)
    }
}
