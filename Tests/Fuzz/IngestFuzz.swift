// libFuzzer harness for the CSV reader, the streaming decoder, the mapping layer and the
// workbook reader. Built by Tests/Fuzz/run (not part of `swift build`): the input's first byte
// picks the encoding, the rest is a CSV file read through a fixed proposal mapping (names, a
// list column, vocabularies, Excel dates) and, separately, as a plain CSV file; the same bytes
// are also opened as an .xlsx workbook (the corpus holds one with stored, uncompressed parts,
// so mutations reach the XML). Any crash, hang or sanitizer report is a bug; thrown
// IngestErrors are fine.
import Foundation
import LvzhiCore

let fuzzMapping = Mapping(
    path: "/fuzz/m.yaml", name: nil, files: ["*.csv"], encoding: .auto, excelDates: true,
    columns: [("提案号", .field(.activityID)), ("日期", .field(.date)), ("提案人", .memberName),
              ("状态", .field(.status)), ("备注", .skip)],
    people: Mapping.PeopleList(column: "提案人", leadRole: "第一提案人", otherRole: "联名提案人"),
    constants: [.kind: "提案"],
    values: [.status: ["已立案": Mapping.Translation(fields: [.status: "立案"]),
                       "立案(重点)": Mapping.Translation(fields: [.status: "立案", .marks: "重点"])]])
let fuzzNames = NameIndex(members: [
    Member(id: "M1", name: "张三", sector: "", committee: "", role: "", group: "", party: "", joined: nil, left: nil,
           ranked: true, source: SourceLocation(file: "m", line: 2)),
    Member(id: "M2", name: "王芳", sector: "", committee: "", role: "", group: "", party: "", joined: nil, left: nil,
           ranked: true, source: SourceLocation(file: "m", line: 3)),
    Member(id: "M3", name: "王芳", sector: "", committee: "", role: "", group: "", party: "", joined: nil, left: nil,
           ranked: true, source: SourceLocation(file: "m", line: 4)),
])
let fuzzPreparer: RowPreparer = {
    var ids = SymbolTable()
    for id in ["M1", "M2", "M3"] { _ = ids.intern(id) }
    return RowPreparer(memberIDs: ids)
}()
let fuzzPath = NSTemporaryDirectory() + "lvzhi-fuzz-\(getpid()).csv"
let fuzzBook = NSTemporaryDirectory() + "lvzhi-fuzz-\(getpid()).xlsx"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let encodings: [TextEncoding] = [.auto, .utf8, .utf16, .gb18030, .gbk]
    var mapping = fuzzMapping
    mapping.encoding = encodings[Int(data[0]) % encodings.count]
    FileManager.default.createFile(atPath: fuzzPath, contents: Data(bytes: data + 1, count: size - 1))
    _ = try? CSVReader(path: fuzzPath, encoding: mapping.encoding).forEachRow { row in
        for i in 0..<row.count { _ = row.string(i) }
    }
    let channel = BatchChannel()
    _ = try? RawReader.readMappedTable(path: fuzzPath, source: .csv(CSVReader(path: fuzzPath, encoding: mapping.encoding), headerLine: nil),
                                       mapping: mapping, names: fuzzNames, into: channel)
    channel.close()
    while let b = try? channel.take() {
        for r in 0..<b.count where b.issues[r] == nil {
            let base = r * RawBatch.fieldCount * 2
            let date = b.bytes[Int(b.bounds[base + 4])..<Int(b.bounds[base + 5])]
            _ = Array(date).withUnsafeBufferPointer { DateText.parse($0, excel: true) }
        }
    }
    // The canonical table path: rows read in place, copied, checked and trimmed on the reader
    // thread (RawBatch.add with a RowPreparer). Every record's field bounds lie in its batch;
    // a prepared one's bytes are valid UTF-8, its fields (but the title) trimmed, its member
    // and date what the validator would find.
    let table = BatchChannel()
    _ = try? RawReader.readTable(path: fuzzPath, source: .csv(CSVReader(path: fuzzPath, encoding: mapping.encoding), headerLine: nil),
                                 into: table, preparer: fuzzPreparer)
    table.close()
    while let b = try? table.take() {
        b.bytes.withUnsafeBufferPointer { bytes in
            for r in 0..<b.count {
                let base = r * RawBatch.fieldCount * 2
                var fields: [UnsafeBufferPointer<UInt8>] = []
                for f in 0..<RawBatch.fieldCount {
                    let lo = Int(b.bounds[base + 2 * f]), hi = Int(b.bounds[base + 2 * f + 1])
                    precondition(0 <= lo && lo <= hi && hi <= bytes.count, "field bounds outside the batch")
                    fields.append(UnsafeBufferPointer(rebasing: bytes[lo..<hi]))
                }
                guard b.prepared[r] else { continue }
                for (f, v) in fields.enumerated() {
                    precondition(UTF8Check.isValid(v), "a prepared field is not UTF-8")
                    if f != ActivityField.title.rawValue {
                        precondition(ActivityIngestor.trim(v).count == v.count, "a prepared field is not trimmed")
                    }
                }
                let member = fuzzPreparer.memberIDs.lookup(bytes: fields[ActivityField.memberID.rawValue]).map { $0 - 1 } ?? -1
                precondition(b.members[r] == max(member, -1), "the prepared member differs")
                precondition(b.days[r] == (Day.parseISO(fields[ActivityField.date.rawValue])?.ordinal ?? Int32.min), "the prepared date differs")
            }
        }
    }
    FileManager.default.createFile(atPath: fuzzBook, contents: Data(bytes: data + 1, count: size - 1))
    var limits = XLSXLimits()
    limits.maxSheetBytes = 1 << 20
    limits.maxSharedStringsPartBytes = 1 << 20
    if let book = try? XLSXWorkbook(path: fuzzBook, limits: limits), let i = try? book.sheetIndex(nil) {
        _ = try? book.forEachRow(sheet: i, headerRow: nil) { row in
            for c in 0..<row.count { _ = row.string(c) }
        }
    }
    _ = Mapping.splitList(String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self))
    return 0
}
