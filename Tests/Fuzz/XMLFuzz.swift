// libFuzzer harness for the XML record reader, built by Tests/Fuzz/run xml (not part of
// `swift build`). The input is written as an XML file and read three ways: as a canonical
// export (RawReader.readXML, the benchmarked path), as a nested foreign export through a fixed
// mapping (lead by id, co-signers by name, per-person fields, vocabularies, skipped subtrees)
// with small item bounds, and through the plain element stream. Any crash, hang or sanitizer
// report is a bug; thrown IngestErrors are fine.
import Foundation
import LvzhiCore

let fuzzLayout = XMLLayout(
    record: ["列表", "提案"], anchored: false,
    fields: [XMLLayout.Field(path: XMLPath(elements: [], attribute: "编号"), target: .field(.activityID)),
             XMLLayout.Field(path: XMLPath(elements: ["日期"]), target: .field(.date)),
             XMLLayout.Field(path: XMLPath(elements: ["办理", "状态"]), target: .field(.status)),
             XMLLayout.Field(path: XMLPath(elements: ["办理"], attribute: "重点"), target: .field(.marks)),
             XMLLayout.Field(path: XMLPath(elements: ["附件"]), target: .skip),
             XMLLayout.Field(path: XMLPath(elements: ["标题"]), target: .field(.title))],
    people: [XMLLayout.PersonGroup(path: ["第一提案人"], role: "第一提案人", member: XMLPath(elements: [], attribute: "id"),
                                   byName: false, single: true, fields: [XMLLayout.Field(path: XMLPath(elements: []), target: .skip)]),
             XMLLayout.PersonGroup(path: ["联名", "人"], role: nil, member: XMLPath(elements: []), byName: true, single: false,
                                   fields: [XMLLayout.Field(path: XMLPath(elements: [], attribute: "角色"), target: .field(.role))])])
let fuzzMapping: Mapping = {
    var m = Mapping(path: "/fuzz/m.yaml", name: nil, files: ["*.xml"], encoding: .auto, excelDates: true, columns: [], people: nil,
                    constants: [.kind: "提案"],
                    values: [.status: ["已立案": Mapping.Translation(fields: [.status: "立案"])],
                             .marks: ["是": Mapping.Translation(fields: [.marks: "重点"])]])
    m.xml = fuzzLayout
    return m
}()
let fuzzNames = NameIndex(members: [
    Member(id: "M1", name: "张三", sector: "", committee: "", role: "", group: "", party: "", joined: nil, left: nil,
           ranked: true, source: SourceLocation(file: "m", line: 2)),
    Member(id: "M2", name: "王芳", sector: "", committee: "", role: "", group: "", party: "", joined: nil, left: nil,
           ranked: true, source: SourceLocation(file: "m", line: 3)),
    Member(id: "M3", name: "王芳", sector: "", committee: "", role: "", group: "", party: "", joined: nil, left: nil,
           ranked: true, source: SourceLocation(file: "m", line: 4)),
])
let fuzzPath = NSTemporaryDirectory() + "lvzhi-fuzz-\(getpid()).xml"

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

/// The records of a drained channel as text, and the error the reader threw.
func outcome(_ read: (BatchChannel) throws -> Void) -> [String] {
    let channel = BatchChannel(limit: 1 << 20)
    var out: [String] = []
    do { try read(channel) } catch { out.append("error \(error)") }
    channel.close()
    while let b = try? channel.take() {
        for r in 0..<b.count {
            let base = r * RawBatch.fieldCount * 2
            let fields = (0..<RawBatch.fieldCount).map { f in Array(b.bytes[Int(b.bounds[base + 2 * f])..<Int(b.bounds[base + 2 * f + 1])]) }
            out.append("\(b.lines[r]) \(b.prepared[r]) \(b.issues[r].map { "\($0)" } ?? "-") \(fields)")
        }
    }
    return out
}

struct CountingHandler: XMLEventHandler {
    var depth = 0
    mutating func start(_ element: borrowing XMLElementView) throws {
        depth += 1
        _ = element.nameString
        for i in 0..<element.attributeCount { _ = element.attributeValue(i).count }
    }
    mutating func text(_ bytes: UnsafeBufferPointer<UInt8>, line: Int) throws { _ = bytes.count }
    mutating func end(depth: Int) throws { self.depth -= 1 }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    FileManager.default.createFile(atPath: fuzzPath, contents: Data(bytes: data, count: size))
    let canonical = BatchChannel(limit: 1 << 20)
    _ = try? RawReader.readXML(path: fuzzPath, into: canonical)
    drain(canonical)
    // Read in parts on several threads (XMLParts), the file gives what one pass gives.
    let onePass = outcome { try RawReader.readXML(path: fuzzPath, into: $0, partBytes: 64, workers: 1) }
    let inParts = outcome { try RawReader.readXML(path: fuzzPath, into: $0, partBytes: 64, workers: 2) }
    precondition(onePass == inParts, "parts differ from one pass")
    let mapped = BatchChannel(limit: 1 << 20)
    _ = try? RawReader.readMappedXML(path: fuzzPath, mapping: fuzzMapping, layout: fuzzLayout, names: fuzzNames, into: mapped,
                                     limits: MappedXMLReader.Limits(elements: 64, bytes: 4096))
    drain(mapped)
    var h = CountingHandler()
    _ = try? XMLRecordReader(path: fuzzPath).stream(&h)
    return 0
}
