import LvzhiCore

/// What became of the inputs: records read, accepted and rejected (by reason), the unknown
/// kinds and statuses seen, members without records and records for unknown members.
/// Printed by `lvzhi validate`.
public struct Reconciliation: Sendable, Equatable {
    public var filesRead: [String]
    /// The sheet read from each of ``filesRead`` that is a workbook.
    public var sheets: [String: String] = [:]
    /// The other sheets of each workbook read, with why each was not read.
    public var otherSheets: [String: [UnreadSheet]] = [:]
    public var recordsRead = 0
    public var accepted = 0
    public var rejected = 0
    /// Accepted records that a correction (复核) removed.
    public var removed = 0
    /// Rows that are not records (blank rows, totals, notes, repeated headers), skipped by the
    /// mappings' rules: file → the rows skipped by each rule.
    public var skipped = 0
    public var skips: [(file: String, rows: [SkippedRows])] = []
    /// Reject reason code → count, most frequent first.
    public var byReason: [(code: String, count: Int)] = []
    /// Values seen, with how often, for kinds and for statuses that the rule file does not accept.
    public var unknownKinds: [(value: String, count: Int)] = []
    public var unknownStatuses: [(value: String, count: Int)] = []
    /// Roster members with no accepted record.
    public var membersWithoutRecords: [Member] = []
    /// Member ids (or names) not in the roster, with how many records named them.
    public var unknownMembers: [(value: String, count: Int)] = []

    public init(_ r: IngestResult) {
        filesRead = r.files.filter { !$0.isRoster }.map(\.path)
        for f in r.files where !f.isRoster {
            sheets[f.path] = f.sheet
            if !f.otherSheets.isEmpty { otherSheets[f.path] = f.otherSheets }
        }
        for f in r.files where !f.isRoster {
            recordsRead += f.read
            accepted += f.accepted
            rejected += f.rejected
            removed += f.removed
            skipped += f.skipped
            if !f.skips.isEmpty { skips.append((f.path, f.skips)) }
        }
        var reasons: [String: Int] = [:], kinds: [String: Int] = [:], statuses: [String: Int] = [:], unknown: [String: Int] = [:]
        for j in r.rejects {
            reasons[j.reason.code, default: 0] += 1
            switch j.reason {
            case .unknownKind: kinds[j.value, default: 0] += 1
            case .unknownValue(let f, _, _) where f == ActivityField.status.key: statuses[j.value, default: 0] += 1
            case .unknownMember, .unknownName: unknown[j.value, default: 0] += 1
            default: break
            }
        }
        func sorted(_ d: [String: Int]) -> [(String, Int)] {
            d.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
        }
        byReason = sorted(reasons)
        unknownKinds = sorted(kinds)
        unknownStatuses = sorted(statuses)
        unknownMembers = sorted(unknown)
        var has = r.spilled?.membersWithRecords ?? [Bool](repeating: false, count: r.members.count)
        for a in r.store.records { has[Int(a.member)] = true }
        membersWithoutRecords = r.members.indices.filter { !has[$0] }.map { r.members[$0] }
    }

    public static func == (a: Reconciliation, b: Reconciliation) -> Bool { a.render(.en) == b.render(.en) }

    /// Plain text, one fact per line.
    public func render(_ lang: Language) -> String {
        func list(_ items: [(value: String, count: Int)]) -> String {
            items.map { "\($0.value.isEmpty ? lang.pick("（空）", "(empty)") : TerminalText.escape($0.value)) × \($0.count)" }
                .joined(separator: lang.pick("、", ", "))
        }
        var out: [String] = []
        out.append(lang.pick("核对 / 读取的文件：\(filesRead.count) 个", "reconciliation / files read: \(filesRead.count)"))
        for f in filesRead {
            out.append("  \(TerminalText.escape(f))" + (sheets[f].map { lang.pick("（工作表“\($0)”）", " (sheet “\($0)”)") } ?? ""))
            if let others = otherSheets[f] {
                out.append(lang.pick("    未读的其他工作表：", "    other sheets, not read: ") + others.map { $0.describe(lang) }.joined(separator: lang.pick("、", ", ")))
            }
        }
        out.append(lang.pick("读取记录 \(recordsRead) 条：接受 \(accepted) 条，拒收 \(rejected) 条",
                             "records read \(recordsRead): \(accepted) accepted, \(rejected) rejected")
                   + (removed == 0 ? "" : lang.pick("；接受的记录中经复核删除 \(removed) 条", "; \(removed) accepted records removed by corrections")))
        if skipped > 0 {
            out.append(lang.pick("另跳过不是记录的行 \(skipped) 行（不计分，也不算拒收）：", "\(skipped) rows that are not records were skipped (neither scored nor rejected):"))
            for (file, rows) in skips {
                let each = rows.map { r in
                    let more = r.count > r.lines.count
                    let lines = r.lines.map(String.init).joined(separator: lang.pick("、", ", ")) + (more ? lang.pick("", " …") : "")
                    return lang.pick("\(SkippedRows.reasonText(r.reason, .zh)) \(r.count) 行（第 \(lines) 行\(more ? "等" : "")）",
                                     "\(SkippedRows.reasonText(r.reason, .en)) \(r.count) (line\(r.lines.count > 1 ? "s" : "") \(lines))")
                }
                out.append("  \(file)：".replacingOccurrences(of: "：", with: lang.pick("：", ": ")) + each.joined(separator: lang.pick("；", "; ")))
            }
        }
        if !byReason.isEmpty {
            out.append(lang.pick("拒收原因：", "rejected by reason: ") + byReason.map { "\($0.code) \($0.count)" }.joined(separator: lang.pick("、", ", ")))
        }
        if !unknownKinds.isEmpty { out.append(lang.pick("未知的活动类型：", "unknown kinds: ") + list(unknownKinds)) }
        if !unknownStatuses.isEmpty { out.append(lang.pick("未知的状态：", "unknown statuses: ") + list(unknownStatuses)) }
        if !unknownMembers.isEmpty { out.append(lang.pick("名册中没有的委员：", "records for members not in the roster: ") + list(unknownMembers)) }
        let shown = membersWithoutRecords.prefix(20).map { TerminalText.escape("\($0.id) \($0.name)") }.joined(separator: lang.pick("、", ", "))
        let more = membersWithoutRecords.count > 20 ? lang.pick(" 等", " …") : ""
        out.append(lang.pick("没有任何记录的委员：\(membersWithoutRecords.count) 人", "members with no records: \(membersWithoutRecords.count)")
                   + (membersWithoutRecords.isEmpty ? "" : lang.pick("（", " (") + shown + more + lang.pick("）", ")")))
        return out.joined(separator: "\n")
    }
}
