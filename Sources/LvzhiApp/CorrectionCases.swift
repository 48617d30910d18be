import Foundation
import LvzhiCore
import LvzhiIngest
import LvzhiYAML

/// One correction (复核) as a person proposes it, before it is written into a corrections
/// file: the console's 复核 page and a member's 异议 build these; once approved they are
/// written with ``CorrectionCases/yaml(name:entries:)`` and applied by the same scoring use
/// case as `lvzhi score --corrections` (docs/corrections.md).
public struct CorrectionEntry: Sendable, Equatable, Codable {
    /// `add`, `remove` or `amend` (``Correction/Action``).
    public var action: String
    public var activityID: String
    public var memberID: String?
    /// Canonical field keys (`status`, `date`, …) → values: what `amend` sets, the record `add` adds.
    public var fields: [String: String]
    public var reason: String
    public var approvedBy: String
    /// `YYYY-MM-DD`.
    public var approvedOn: String?
    public var ticket: String?

    public init(action: String, activityID: String, memberID: String? = nil, fields: [String: String] = [:], reason: String,
                approvedBy: String, approvedOn: String? = nil, ticket: String? = nil) {
        self.action = action
        self.activityID = activityID
        self.memberID = memberID
        self.fields = fields
        self.reason = reason
        self.approvedBy = approvedBy
        self.approvedOn = approvedOn
        self.ticket = ticket
    }
}

/// Writing and checking corrections files for people who do not edit YAML.
public enum CorrectionCases {
    /// A YAML double-quoted scalar (every string is quoted, so no value is read as a number,
    /// a date, a flag or a comment).
    static func quoted(_ s: String) -> String { YAMLText.doubleQuoted(s) }

    /// The corrections file (format 1) holding `entries`, in order; fields in the canonical
    /// order of ``ActivityField``.
    public static func yaml(name: String?, entries: [CorrectionEntry]) -> String {
        var s = "corrections: 1\n"
        if let name { s += "name: \(quoted(name))\n" }
        s += "entries:\n"
        if entries.isEmpty { s = "corrections: 1\n" + (name.map { "name: \(quoted($0))\n" } ?? "") + "entries: []\n" }
        for e in entries {
            s += "  - action: \(quoted(e.action))\n"
            s += "    activity_id: \(quoted(e.activityID))\n"
            if let m = e.memberID, !m.isEmpty { s += "    member_id: \(quoted(m))\n" }
            if !e.fields.isEmpty {
                s += e.action == Correction.Action.add.rawValue ? "    record:\n" : "    set:\n"
                let order = ActivityField.allCases.map(\.key)
                for k in e.fields.keys.sorted(by: { (order.firstIndex(of: $0) ?? 99, $0) < (order.firstIndex(of: $1) ?? 99, $1) }) {
                    s += "      \(quoted(k)): \(quoted(e.fields[k]!))\n"
                }
            }
            s += "    reason: \(quoted(e.reason))\n"
            s += "    approved_by: \(quoted(e.approvedBy))\n"
            if let d = e.approvedOn { s += "    approved_on: \(quoted(d))\n" }
            if let t = e.ticket { s += "    ticket: \(quoted(t))\n" }
        }
        return s
    }

    /// Checks a proposed entry the way `lvzhi score --corrections` reads it (an unknown
    /// action or field, an empty reason, an `add` without member, date or kind …), before
    /// anyone approves it. Whether the record exists is known only when it is applied.
    /// - Returns: the entry as the corrections file will read it.
    public static func check(_ e: CorrectionEntry, lang: Language) throws(LvzhiFailure) -> Correction {
        var probe = e
        if probe.approvedBy.trimmingCharacters(in: .whitespaces).isEmpty { probe.approvedBy = lang.pick("（待批准）", "(to be approved)") }
        let text = yaml(name: nil, entries: [probe])
        do {
            let set = try CorrectionLoader.parse(text, path: lang.pick("复核申请", "proposed correction"))
            guard let c = set.entries.first else { throw LvzhiFailure.badInput(lang.pick("复核申请是空的", "the proposed correction is empty")) }
            return c
        } catch let error as CorrectionError {
            throw .badInput(error.diagnostics.map { d in
                d.message(lang) + (d.hint(lang).map { lang.pick("（", " (") + $0 + lang.pick("）", ")") } ?? "") + " [\(d.id)]"
            }.joined(separator: "\n"))
        } catch let f as LvzhiFailure {
            throw f
        } catch {
            throw .internalError("\(error)")
        }
    }

    /// `field: value` lines (English or Chinese field names, `：` accepted) → canonical keys.
    /// - Throws: `.badInput` naming a line that is not `field: value` or a field that does not exist.
    public static func parseFields(_ text: String, lang: Language) throws(LvzhiFailure) -> [String: String] {
        var out: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            guard let i = line.firstIndex(where: { $0 == ":" || $0 == "：" }) else {
                throw .badInput(lang.pick("“\(line)”应写作“字段: 值”", "'\(line)' should be 'field: value'"))
            }
            let name = line[..<i].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: i)...].trimmingCharacters(in: .whitespaces)
            guard let field = ActivityField.allCases.first(where: { $0.key == name || $0.chinese == name }) else {
                throw .badInput(lang.pick("未知的字段“\(name)”；可写 ", "unknown field '\(name)'; fields are ")
                                + ActivityField.allCases.filter { $0 != .activityID }.map { lang == .zh ? "\($0.chinese)(\($0.key))" : $0.key }.joined(separator: lang.pick("、", ", ")))
            }
            out[field.key] = value
        }
        return out
    }
}
