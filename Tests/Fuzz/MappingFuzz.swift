// libFuzzer harness for the mapping-file parser (MappingLoader.parse on YAML text, CSV and XML
// mappings), built by Tests/Fuzz/run mapping with Yams compiled from .build/checkouts. Every
// input must either parse into a mapping or throw a MappingError whose diagnostics all have a
// place in the file and render in both languages; a crash, hang or sanitizer report is a bug.
// A mapping that parses is then used: a fixed table export (title row, list cell, padded and
// homonym names, filled columns, a repeated header, a blank row, 合计 and 注：) or a fixed XML
// export (a list element, an empty one, a person with a 界别 attribute, filled elements) is
// read through it, so the new mapping forms meet fuzzed mappings; every record read is checked.
import Foundation
import LvzhiCore

let fuzzNames = NameIndex(members: [
    Member(id: "M1", name: "张三", sector: "经济界", source: SourceLocation(file: "m", line: 2)),
    Member(id: "M2", name: "王芳", sector: "教育界", source: SourceLocation(file: "m", line: 3)),
    Member(id: "M3", name: "王芳", sector: "科技界", source: SourceLocation(file: "m", line: 4)),
    Member(id: "M4", name: "叶兰", sector: "医药卫生界", source: SourceLocation(file: "m", line: 5)),
])
let fuzzTable = NSTemporaryDirectory() + "lvzhi-fuzz-\(getpid()).csv"
let fuzzXML = NSTemporaryDirectory() + "lvzhi-fuzz-\(getpid()).xml"
let tableText = """
标题,,,,,,,
序号,信息编号,报送人,所属界别,报送日期,区级采用,市级采用,备注
1,X1,张三,经济界,2025-03-05 00:00:00,√,,
2,X2,"叶　兰、王芳（教育界） 张三",科技界,20250306,,采用,
,,,,,,,
序号,信息编号,报送人,所属界别,报送日期,区级采用,市级采用,备注
3,X3,王芳,科技界,２０２５年３月７号,√,√,待定
合计,,3,,,,,
注：虚构

"""
let xmlText = """
<?xml version="1.0" encoding="UTF-8"?>
<导出><提案列表>
<提案 编号="T1" 提案人="张三、叶 兰"><提交时间>2025/3/5 9:30</提交时间><第一提案人 界别="教育界">王芳</第一提案人><联名提案人>张三、叶　兰 王芳（科技界，M3）、王芳(农业界</联名提案人><重点提案>是</重点提案><区>√</区></提案>
<提案 编号="T2"><提交时间>45721</提交时间><第一提案人 界别="经济界">张三</第一提案人><联名提案人/><重点提案>否</重点提案><区/></提案>
</提案列表></导出>

"""

func drain(_ channel: BatchChannel) {
    channel.close()
    while let b = try? channel.take() {
        for r in 0..<b.count where b.issues[r] == nil {
            let base = r * RawBatch.fieldCount * 2
            for f in 0..<RawBatch.fieldCount {
                precondition(b.bounds[base + 2 * f] <= b.bounds[base + 2 * f + 1] && Int(b.bounds[base + 2 * f + 1]) <= b.bytes.count)
            }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let m = try MappingLoader.parse(text, path: "/fuzz/m.yaml")
        precondition(!m.files.isEmpty)
        precondition(m.xml != nil || !m.columns.isEmpty)
        if let x = m.xml { precondition(!x.record.isEmpty) }
        _ = m.applies(to: "/fuzz/x.csv")
        let channel = BatchChannel(limit: 1 << 20)
        if let x = m.xml {
            FileManager.default.createFile(atPath: fuzzXML, contents: Data(xmlText.utf8))
            _ = try? RawReader.readMappedXML(path: fuzzXML, mapping: m, layout: x, names: fuzzNames, into: channel)
        } else {
            FileManager.default.createFile(atPath: fuzzTable, contents: Data(tableText.utf8))
            _ = try? RawReader.readMappedTable(path: fuzzTable, source: .csv(CSVReader(path: fuzzTable, encoding: .utf8), headerLine: m.headerRow),
                                               mapping: m, names: fuzzNames, into: channel)
        }
        drain(channel)
    } catch {
        precondition(!error.diagnostics.isEmpty)
        for d in error.diagnostics {
            precondition(d.location?.file == "/fuzz/m.yaml")
            _ = d.render(.zh, source: text)
            _ = d.render(.en, source: text)
        }
    }
    return 0
}
