// libFuzzer harness for the member roster reader. Built by Tests/Fuzz/run (not part of
// `swift build`): the input's first byte picks the file type (CSV, XML or .xlsx), the rest is
// the roster file, read by RosterReader and split for the period 2025 as a run does. Any
// crash, hang or sanitizer report is a bug; thrown IngestErrors are fine. Invariants checked
// on every roster that reads: each row is a member or a reject (never dropped), members have
// an id and a name, ids are unique, nobody left before joining, and the period split keeps
// every member exactly once (graded, or outside the period with their records refused).
import Foundation
import LvzhiCore

let rosterBase = NSTemporaryDirectory() + "lvzhi-fuzz-roster-\(getpid())"
let rosterPeriod = Period(spec: "2025")!

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let path = rosterBase + [".csv", ".xml", ".xlsx"][Int(data[0]) % 3]
    FileManager.default.createFile(atPath: path, contents: Data(bytes: data + 1, count: size - 1))
    defer { unlink(path) }
    guard let roster = try? RosterReader.read(path: path, limits: XLSXLimits.standard) else { return 0 }
    precondition(roster.members.count + roster.rejects.count == roster.rowsRead,
                 "rows read \(roster.rowsRead) ≠ members \(roster.members.count) + rejects \(roster.rejects.count)")
    var ids = Set<String>()
    for m in roster.members {
        precondition(!m.id.isEmpty && !m.name.isEmpty, "a member without id or name")
        precondition(ids.insert(m.id).inserted, "member id \(m.id) twice")
        if let j = m.joined, let l = m.left { precondition(j <= l, "\(m.id) left \(l) before joining \(j)") }
    }
    for id in roster.rejectedIDs.keys { precondition(!ids.contains(id), "\(id) is both a member and a rejected row") }
    let split = roster.forPeriod(rosterPeriod)
    precondition(split.members.count + split.outside.count == roster.members.count, "the period split lost a member")
    for m in split.outside {
        precondition(split.excluded[m.id] != nil, "\(m.id) outside the period without a reason for their records")
    }
    for r in roster.rejects { _ = r.reason.message(.zh); _ = r.reason.message(.en) }
    return 0
}
