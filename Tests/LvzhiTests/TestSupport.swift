import Foundation
import LvzhiCore
import LvzhiIngest
import LvzhiRules

/// A small deterministic generator (SplitMix64), so failures reproduce: seedable, the same on
/// every platform. Shared by the fuzz and differential tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A scratch folder that removes itself.
final class Scratch {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "lvzhi-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        write(name, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) -> String {
        let p = (path as NSString).appendingPathComponent(name)
        try! FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }
}

/// A small rule set used across tests.
let testRulesYAML = """
lvzhi: 1
name: 测试规则
version: "t1"
period: 2025
score: {base: 0, min: 0}
kinds:
  全体会议: {statuses: [出席, 请假, 缺席]}
  提案: {statuses: [立案, 不立案], roles: [第一提案人, 联名提案人]}
  界别活动: {statuses: [参加]}
  违纪: {}
marks: [重点, 优秀]
categories:
  - {id: meetings, name: 会议, cap: 10}
  - {id: proposals, name: 提案, cap: 20}
  - {id: sector, name: 界别活动}
  - {id: deductions, name: 扣分, floor: -5}
rules:
  - {id: plenary, category: meetings, when: {kind: 全体会议, status: 出席}, points: 2, per: quantity}
  - {id: lead, category: proposals, when: {kind: 提案, status: 立案, role: 第一提案人}, points: 6}
  - {id: cosign, category: proposals, when: {kind: 提案, status: 立案, role: 联名提案人}, points: 2}
  - {id: key, category: proposals, when: {kind: 提案, status: 立案, marks: 重点}, points: 3}
  - {id: sector, category: sector, when: {kind: 界别活动}, points: 1.5, cap: 4}
  - {id: absent, category: deductions, when: {kind: 全体会议, status: 缺席}, points: -3, per: quantity}
vetoes:
  - {id: discipline, name: 违纪, when: {kind: 违纪}, grade: 不合格}
grades:
  - {name: 优秀, color: 绿, hex: "#2e8b57", min: 20}
  - {name: 合格, color: 黄, hex: "#e0b100", min: 10}
  - {name: 不合格, color: 红, hex: "#c0392b"}
"""

let testMembersCSV = """
member_id,name,sector,committee,role,group,party,joined,left,ranked
M1,甲,经济界,经济委员会,委员,,,,,是
M2,乙,经济界,经济委员会,常委,,,,,是
M3,丙,教育界,教科卫体委员会,委员,,,2025-07-01,,是
M4,丁,教育界,,主席,,,,,否

"""

func testRules() throws -> RuleSet {
    try RuleFileLoader.parse(testRulesYAML, path: "test.yaml")
}
