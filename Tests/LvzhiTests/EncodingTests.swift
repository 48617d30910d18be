import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import LvzhiCore
@testable import LvzhiIngest

@Suite struct EncodingTests {
    func rows(_ bytes: [UInt8], _ encoding: TextEncoding = .auto) throws -> [[String]] {
        let s = Scratch()
        let p = s.write("x.csv", bytes: bytes)
        var out: [[String]] = []
        try CSVReader(path: p, encoding: encoding).forEachRow { row in
            out.append((0..<row.count).map { row.string($0) ?? "<bad>" })
        }
        return out
    }

    let text = "委员编号,姓名,备注\r\nM1,张三,\"含逗号, 和“引号”\"\r\nM2,李四,𠀋 扩展B区\r\n"
    var expected: [[String]] { [["委员编号", "姓名", "备注"], ["M1", "张三", "含逗号, 和“引号”"], ["M2", "李四", "𠀋 扩展B区"]] }

    /// `s` in the encoding `name`, through iconv.
    static func encode(_ s: String, _ name: String) -> [UInt8] {
        let cd = iconv_open(name, "UTF-8")
        precondition(Int(bitPattern: cd) != -1)
        defer { iconv_close(cd) }
        var input = Array(s.utf8)
        var output = [UInt8](repeating: 0, count: input.count * 2 + 16)
        let produced = input.withUnsafeMutableBytes { ib in
            output.withUnsafeMutableBytes { ob in
                var ip: UnsafeMutablePointer<CChar>? = ib.baseAddress?.assumingMemoryBound(to: CChar.self)
                var op: UnsafeMutablePointer<CChar>? = ob.baseAddress?.assumingMemoryBound(to: CChar.self)
                var il = ib.count, ol = ob.count
                precondition(iconv(cd, &ip, &il, &op, &ol) != -1)
                return ob.count - ol
            }
        }
        return Array(output[0..<produced])
    }

    static func utf16(_ s: String, bigEndian: Bool) -> [UInt8] {
        var out: [UInt8] = bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]
        for u in s.utf16 {
            out += bigEndian ? [UInt8(u >> 8), UInt8(u & 0xFF)] : [UInt8(u & 0xFF), UInt8(u >> 8)]
        }
        return out
    }

    @Test func utf8WithAndWithoutBOM() throws {
        #expect(try rows(Array(text.utf8)) == expected)
        #expect(try rows([0xEF, 0xBB, 0xBF] + Array(text.utf8)) == expected)
    }

    @Test(arguments: [false, true])
    func utf16WithBOM(bigEndian: Bool) throws {
        let b = Self.utf16(text, bigEndian: bigEndian)
        #expect(try rows(b) == expected)
        #expect(try rows(b, .utf16) == expected)
    }

    @Test func gb18030DetectedOrDeclared() throws {
        let b = Self.encode(text, "GB18030")
        #expect(!UTF8Check.isValid(b.withUnsafeBufferPointer { $0 }))
        #expect(try rows(b) == expected)
        #expect(try rows(b, .gb18030) == expected)
    }

    @Test func gbkDeclared() throws {
        let t = "编号,状态\n1,已采用（单篇）\n"
        #expect(try rows(Self.encode(t, "GBK"), .gbk) == [["编号", "状态"], ["1", "已采用（单篇）"]])
    }

    /// Several megabytes, so multi-byte characters straddle the reader's chunk boundaries.
    @Test(arguments: ["GB18030", "UTF-16LE"])
    func chunkBoundaries(encoding: String) throws {
        var t = "id,text\n"
        var want: [[String]] = [["id", "text"]]
        for i in 0..<40_000 {
            let v = String(repeating: "政协委员履职", count: 1 + i % 7) + (i % 3 == 0 ? "a" : "") + "𠀋"
            t += "\(i),\(v)\n"
            want.append(["\(i)", v])
        }
        let b = encoding == "UTF-16LE" ? Self.utf16(t, bigEndian: false) : Self.encode(t, encoding)
        #expect(b.count > 2 << 20)
        #expect(try rows(b) == want)
    }

    @Test func undecodableBytesNameOffsetAndLine() throws {
        var b = Self.encode("编号,状态\n1,采用\n2,", "GB18030")
        let offset = b.count
        b += [0x81, 0x20] + Self.encode("报送\n", "GB18030")
        do {
            _ = try rows(b, .gb18030)
            Issue.record("expected an error")
        } catch let IngestError.undecodable(_, o, line, enc) {
            #expect(o == offset && line == 3 && enc == "GB18030")
        }
        let d = IngestError.undecodable(path: "x.csv", offset: offset, line: 3, encoding: "GB18030").diagnostic
        #expect(d.render(.zh).contains("x.csv:3") && d.render(.zh).contains("第 \(offset) 字节"))
        #expect(d.render(.en).contains("offset \(offset)"))
    }

    @Test func truncatedUTF16IsAnError() throws {
        let b = Self.utf16("a,b\n1,2\n", bigEndian: false) + [0x41]
        #expect(throws: IngestError.self) { try rows(b) }
    }

    @Test func declaredUTF16WithoutBOMIsAnError() throws {
        #expect(throws: IngestError.self) { try rows(Array("a,b\n".utf8), .utf16) }
    }

    /// Neither UTF-8 nor GB18030: read as UTF-8, and the bad record is refused, not garbled.
    @Test func neitherUTF8NorGB18030IsRefusedPerRecord() throws {
        let s = Scratch()
        let roster = try RosterReader.read(path: s.write("m.csv", testMembersCSV))
        let rules = try testRules()
        var ing = ActivityIngestor(members: roster.members, period: rules.period!, vocabulary: rules.vocabulary)
        let bytes = Array("activity_id,member_id,date,kind,status,title\nA1,M1,2025-03-05,全体会议,出席,ok\nA2,M1,2025-03-05,全体会议,出席,".utf8)
            + [0xFF, 0xFF, 0x0A]
        try ing.read(path: s.write("a.csv", bytes: bytes))
        let r = ing.finish()
        #expect(r.store.records.count == 1)
        #expect(r.rejects.map(\.reason.code) == ["invalid-utf8"])
    }

    @Test func mappedGB18030File() throws {
        let yaml = """
        mapping: 1
        files: [x.csv]
        encoding: gb18030
        columns: {信息编号: activity_id, 报送人: member_name, 报送日期: date, 采用情况: status}
        constants: {kind: 提案, role: 第一提案人}
        values: {status: {已立案: 立案, "立案(重点)": {status: 立案, marks: 重点}}}
        """
        let csv = Self.encode("信息编号,报送人,报送日期,采用情况\r\nX1,张三,2025年3月5日,立案（重点）\r\n", "GB18030")
        let r = try ingestMapped(yaml, [("x.csv", csv)])
        #expect(r.rejects.isEmpty, "\(r.rejects)")
        #expect(r.store.markNames(r.store.records[0].marks) == ["重点"])
    }
}
