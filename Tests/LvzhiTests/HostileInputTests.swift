import Foundation
import Testing
@testable import LvzhiIngest
@testable import LvzhiJob
import LvzhiCore

/// Issue 12: hostile inputs at the unit level (rows without end, encodings, rosters, sheets).
@Suite struct HostileInputTests {
    func temp(_ name: String, _ bytes: [UInt8]) -> String {
        let dir = NSTemporaryDirectory() + "lvzhi-hostile-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let p = dir + "/" + name
        _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }

    /// A row without a line break is bounded: refused once it passes the limit, not buffered
    /// whole (fields each under the per-field limit, or nothing but commas).
    @Test func aRowWithoutEndIsRefusedAtTheLimit() throws {
        let field = [UInt8](repeating: 0x61, count: CSVReader.maxFieldBytes - 1)
        var bytes = Array("a,b\n".utf8)
        for _ in 0..<20 { bytes += field + [0x2C] }
        let long = temp("long.csv", bytes)
        #expect(throws: IngestError.malformedCSV(path: long, line: 2, reason: .rowTooLong(16 << 20))) {
            try CSVReader(path: long).forEachRow { _ in }
        }
        let commas = temp("commas.csv", Array("a,b\n".utf8) + [UInt8](repeating: 0x2C, count: 200_000))
        #expect(throws: IngestError.malformedCSV(path: commas, line: 2, reason: .tooManyFields(CSVReader.maxFields))) {
            try CSVReader(path: commas).forEachRow { _ in }
        }
    }
}
