import Foundation
import LvzhiCore
import LvzhiYAML
import Yams

/// Everything wrong with a corrections file, found while reading it or while applying it to
/// the inputs; each diagnostic names the corrections file's line and column.
public struct CorrectionError: FileDiagnostics {
    public var path: String
    public var source: String?
    public var diagnostics: [Diagnostic]

    public init(path: String, source: String?, diagnostics: [Diagnostic]) {
        self.path = path
        self.source = source
        self.diagnostics = diagnostics
    }

}

/// Reads corrections files (YAML). See docs/corrections.md.
///
/// ```yaml
/// corrections: 1
/// entries:
///   - action: amend            # 操作：add 补录 / remove 删除 / amend 修改
///     activity_id: T2025-0042  # 记录编号
///     set: {status: 立案}      # 修改为
///     reason: 提案委复函确认已立案  # 理由
///     approved_by: 王主任       # 批准人
/// ```
public enum CorrectionLoader {
    public static let topKeys = ["corrections", "复核", "name", "名称", "entries", "条目"]
    public static let entryKeys = ["action", "操作", "activity_id", "记录编号", "member_id", "委员编号", "set", "修改为",
                                   "record", "记录", "reason", "理由", "approved_by", "批准人", "approved_on", "批准日期",
                                   "ticket", "申请编号"]
    /// Chinese aliases → canonical keys.
    static let aliases: [String: String] = [
        "复核": "corrections", "名称": "name", "条目": "entries", "操作": "action", "记录编号": "activity_id",
        "委员编号": "member_id", "修改为": "set", "记录": "record", "理由": "reason", "批准人": "approved_by",
        "批准日期": "approved_on", "申请编号": "ticket",
    ]

    /// - Throws: ``CorrectionError`` holding every problem found.
    public static func load(path: String) throws(CorrectionError) -> CorrectionSet {
        switch YAMLFile.text(path: path, kind: .init(zh: "复核文件", en: "corrections file", unreadableID: "C001", notUTF8ID: "C002")) {
        case .success(let text): return try parse(text, path: path)
        case .failure(let d): throw CorrectionError(path: path, source: nil, diagnostics: [d])
        }
    }

    /// Parses corrections-file text; `path` names the file in diagnostics and sources.
    public static func parse(_ text: String, path: String) throws(CorrectionError) -> CorrectionSet {
        var p = CorrectionParser(path: path)
        let entries = p.parse(text)
        if p.diagnostics.isEmpty { return CorrectionSet(path: path, source: text, name: p.name, entries: entries) }
        throw CorrectionError(path: path, source: text, diagnostics: p.diagnostics)
    }
}

struct CorrectionParser: YAMLDocumentParser {
    let path: String
    var text: String = ""
    var diagnostics: [Diagnostic] = []
    var name: String?

    static let yamlIDs = YAMLDiagnosticIDs(syntax: "C003", empty: "C004", notMapping: "C010", unknownKey: "C011",
                                           duplicateKey: "C012", alias: "C013", notScalar: "C014", badNumber: "C015",
                                           badInteger: "C015", badFlag: "C015")

    init(path: String) { self.path = path }

    /// The entries of a mapping with Chinese keys turned into their canonical spelling; a key
    /// written both ways counts as written twice.
    mutating func canonicalEntries(_ node: Node, _ what: String, en: String, allowed: [String]) -> [(key: String, keyNode: Node, value: Node)]? {
        guard let es = entries(node, what, en: en, allowed: allowed) else { return nil }
        var out: [(String, Node, Node)] = []
        var seen: Set<String> = []
        for (k, kn, v) in es {
            let key = CorrectionLoader.aliases[k] ?? k
            if !seen.insert(key).inserted {
                error("C012", kn, zh: Self.joinedText(what, "中“\(k)”与另一个键意思相同，重复了"), en: "'\(k)' repeats another key of the same meaning in \(en)")
                continue
            }
            out.append((key, kn, v))
        }
        return out
    }

    static func joinedText(_ what: String, _ rest: String) -> String {
        guard let last = what.unicodeScalars.last else { return rest }
        return last.isASCII ? "\(what) \(rest)" : "\(what)\(rest)"
    }

    mutating func parse(_ text: String) -> [Correction] {
        self.text = text
        guard let root = compose(emptyHintZh: "至少要写 corrections: 1 和 entries。",
                                 emptyHintEn: "Write at least corrections: 1 and entries.") else { return [] }
        guard let top = canonicalEntries(root, "复核文件", en: "the corrections file", allowed: CorrectionLoader.topKeys) else { return [] }
        var out: [Correction] = []
        var sawVersion = false, sawEntries = false
        for (key, _, v) in top {
            switch key {
            case "corrections":
                sawVersion = true
                if let s = string(v, "corrections"), s.trimmingSpaces != "1" {
                    error("C005", v, zh: "不支持的复核文件版本“\(s)”，目前只有 1", en: "unsupported corrections version '\(s)'; only 1 exists")
                }
            case "name":
                name = string(v, "name")
            default:
                sawEntries = true
                if isNull(v) { continue }
                guard case .sequence(let seq) = v else {
                    error("C006", v, zh: "entries 应为列表，每一项以“- ”开头", en: "entries must be a list, one item per '- '")
                    continue
                }
                for item in seq {
                    if let c = entry(item, seq: out.count + 1) { out.append(c) } else { out.append(placeholder(out.count + 1)) }
                }
            }
        }
        if !sawVersion {
            error("C005", root, zh: "缺少版本 corrections: 1", en: "missing the version line corrections: 1",
                  hintZh: "在文件开头写 corrections: 1。", hintEn: "Start the file with corrections: 1.")
        }
        if !sawEntries {
            error("C006", root, zh: "缺少 entries（条目）：复核的各条记录", en: "missing entries: the list of corrections")
        }
        return out
    }

    /// Keeps numbering stable when an entry has errors (the file is refused anyway).
    private func placeholder(_ seq: Int) -> Correction {
        Correction(seq: seq, action: .remove, activityID: "", reason: "", approvedBy: "", location: SourceLocation(file: path, line: 0))
    }

    mutating func nonEmpty(_ node: Node, _ what: String) -> String? {
        guard let s = string(node, what) else { return nil }
        let t = s.trimmingSpaces
        if t.isEmpty {
            error("C020", node, zh: "\(what) 不能为空", en: "\(what) must not be empty")
            return nil
        }
        return t
    }

    mutating func entry(_ node: Node, seq: Int) -> Correction? {
        let what = "entries 第 \(seq) 项"
        let whatEn = "entry \(seq)"
        let before = diagnostics.count
        guard let es = canonicalEntries(node, what, en: whatEn, allowed: CorrectionLoader.entryKeys) else { return nil }
        var action: Correction.Action?
        var id: String?, member: String?, reason: String?, approver: String?, approvedOn: Day?, ticket: String?
        var fields: [ActivityField: String] = [:]
        var locations: [ActivityField: SourceLocation] = [:]
        var setNode: Node?, recordNode: Node?, memberNode: Node?
        for (key, _, v) in es {
            switch key {
            case "action":
                guard let s = nonEmpty(v, "action") else { continue }
                if let a = Correction.Action.spellings[s.lowercased()] { action = a } else {
                    let all = Correction.Action.spellings.keys.sorted()
                    let guess = closest(s, in: all)
                    error("C021", v, zh: "未知的操作“\(s)”", en: "unknown action '\(s)'",
                          hintZh: (guess.map { "是否想写“\($0)”？" } ?? "") + "可用：add（补录）、remove（删除）、amend（修改）",
                          hintEn: (guess.map { "did you mean '\($0)'? " } ?? "") + "actions: add, remove, amend")
                }
            case "activity_id": id = nonEmpty(v, "activity_id")
            case "member_id":
                member = nonEmpty(v, "member_id")
                memberNode = v
            case "set": setNode = v
            case "record": recordNode = v
            case "reason": reason = nonEmpty(v, "reason")
            case "approved_by": approver = nonEmpty(v, "approved_by")
            case "approved_on":
                guard let s = nonEmpty(v, "approved_on") else { continue }
                if let d = DateText.parse(s) { approvedOn = d } else {
                    error("C022", v, zh: "批准日期“\(s)”不是有效日期", en: "approved_on '\(s)' is not a valid date",
                          hintZh: "写作 YYYY-MM-DD，如 2025-12-20", hintEn: "write YYYY-MM-DD, e.g. 2025-12-20")
                }
            default: ticket = nonEmpty(v, "ticket")
            }
        }
        func need(_ present: Bool, _ key: String, _ zhName: String) {
            if !present {
                error("C023", node, zh: "\(what)缺少 \(key)（\(zhName)）", en: "\(whatEn) is missing \(key)",
                      hintZh: "每条复核都要写明 action（操作）、activity_id（记录编号）、reason（理由）和 approved_by（批准人）。",
                      hintEn: "Every correction needs action, activity_id, reason and approved_by.")
            }
        }
        need(es.contains { $0.key == "action" }, "action", "操作")
        need(es.contains { $0.key == "activity_id" }, "activity_id", "记录编号")
        need(es.contains { $0.key == "reason" }, "reason", "理由")
        need(es.contains { $0.key == "approved_by" }, "approved_by", "批准人")

        if let action {
            switch action {
            case .remove:
                if let n = setNode { error("C024", n, zh: "删除（remove）不需要 set", en: "remove takes no set") }
                if let n = recordNode { error("C024", n, zh: "删除（remove）不需要 record", en: "remove takes no record") }
            case .amend:
                if let n = recordNode {
                    error("C024", n, zh: "修改（amend）用 set 写要改的字段，不用 record", en: "amend names the fields to change under set, not record")
                }
                if let setNode {
                    readFields(setNode, "set", into: &fields, locations: &locations, forAdd: false)
                    if fields.isEmpty, diagnostics.count == before {
                        error("C025", setNode, zh: "set 中没有要修改的字段", en: "set names no field to change")
                    }
                } else {
                    error("C025", node, zh: "\(what)是修改（amend），缺少 set（修改为）：写明要修改的字段和新值",
                          en: "\(whatEn) is an amend without set: name the fields to change and their new values",
                          hintZh: "例如 set: {status: 立案}", hintEn: "e.g. set: {status: 立案}")
                }
            case .add:
                if let n = setNode { error("C024", n, zh: "补录（add）用 record 写完整记录，不用 set", en: "add gives the whole record under record, not set") }
                if let recordNode {
                    readFields(recordNode, "record", into: &fields, locations: &locations, forAdd: true)
                } else {
                    error("C026", node, zh: "\(what)是补录（add），缺少 record（记录）：写明日期、类型等字段",
                          en: "\(whatEn) is an add without record: give the date, kind and other fields",
                          hintZh: "例如 record: {date: 2025-03-05, kind: 会议, status: 出席}", hintEn: "e.g. record: {date: 2025-03-05, kind: 会议, status: 出席}")
                }
                if let m = fields[.memberID] {
                    if let member, member != m {
                        error("C027", node, zh: "member_id 写了两个不同的值（\(member) 和 record 中的 \(m)）", en: "member_id is given twice with different values (\(member), \(m) in record)")
                    }
                    member = m
                } else if let member {
                    fields[.memberID] = member
                }
                for f in [ActivityField.memberID, .date, .kind] where fields[f] == nil {
                    if recordNode != nil {
                        error("C026", recordNode, zh: "补录的记录缺少必填字段 \(f.key)（\(f.chinese)）", en: "the added record is missing the required field \(f.key)")
                    }
                }
            }
        }
        guard diagnostics.count == before, let action, let id, let reason, let approver else { return nil }
        if action == .add, locations[.memberID] == nil, let memberNode { locations[.memberID] = loc(memberNode) }
        var c = Correction(seq: seq, action: action, activityID: id, memberID: member, fields: fields, fieldLocations: locations,
                           reason: reason, approvedBy: approver, approvedOn: approvedOn, ticket: ticket,
                           location: loc(node) ?? SourceLocation(file: path, line: 1))
        c.checkLocation = memberNode.flatMap { loc($0) }
        return c
    }

    /// Reads `set` or `record`: canonical field (English key or Chinese name) → value.
    mutating func readFields(_ node: Node, _ what: String, into fields: inout [ActivityField: String],
                             locations: inout [ActivityField: SourceLocation], forAdd: Bool) {
        guard let es = entries(node, what, allowed: nil) else { return }
        var seen: Set<Int> = []
        for (k, kn, v) in es {
            guard let f = ActivityField(header: k) else {
                let all = ActivityField.allCases.filter { $0 != .activityID }
                let guess = closest(k, in: all.map(\.key) + all.map(\.chinese))
                error("C030", kn, zh: "\(what) 中有未知的字段“\(k)”", en: "unknown field '\(k)' in \(what)",
                      hintZh: (guess.map { "是否想写“\($0)”？" } ?? "") + "可用：\(all.map { "\($0.key)（\($0.chinese)）" }.joined(separator: "、"))",
                      hintEn: (guess.map { "did you mean '\($0)'? " } ?? "") + "fields: \(all.map(\.key).joined(separator: ", "))")
                continue
            }
            if f == .activityID {
                error("C031", kn, zh: "\(what) 中不能写记录编号：记录编号写在条目的 activity_id 上" + (forAdd ? "" : "，不能修改"),
                      en: "\(what) cannot hold activity_id: the id goes on the entry's activity_id" + (forAdd ? "" : " and cannot be changed"),
                      hintZh: forAdd ? nil : "要改编号，请删除（remove）原记录并补录（add）新记录。",
                      hintEn: forAdd ? nil : "To change an id, remove the record and add a new one.")
                continue
            }
            if !seen.insert(f.rawValue).inserted {
                error("C012", kn, zh: "\(what) 中字段 \(f.key) 写了两次", en: "field \(f.key) appears twice in \(what)")
                continue
            }
            let value: String?
            if f == .marks, case .sequence = v {
                value = strings(v, "\(what).\(f.key)")?.map(\.trimmingSpaces).joined(separator: ";")
            } else if isNull(v) {
                value = ""
            } else {
                value = string(v, "\(what).\(f.key)")?.trimmingSpaces
            }
            guard let value else { continue }
            if f.isRequired, value.isEmpty {
                error("C020", v, zh: "\(what).\(f.key) 不能为空（\(f.chinese)是必填字段）", en: "\(what).\(f.key) must not be empty (a required field)")
                continue
            }
            if f == .date, DateText.parse(value) == nil {
                error("C022", v, zh: "\(what).date 的值“\(value)”不是有效日期", en: "\(what).date '\(value)' is not a valid date",
                      hintZh: "写作 YYYY-MM-DD，如 2025-03-05", hintEn: "write YYYY-MM-DD, e.g. 2025-03-05")
                continue
            }
            if f == .quantity, !value.isEmpty, Points.parse(Array(value.utf8)).map({ $0.isNegative }) ?? true {
                error("C015", v, zh: "\(what).quantity 应为不小于 0 的数字，实际为“\(value)”", en: "\(what).quantity must be a number ≥ 0, got '\(value)'")
                continue
            }
            fields[f] = value
            locations[f] = loc(v)
        }
    }
}
