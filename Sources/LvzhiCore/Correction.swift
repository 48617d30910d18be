import Foundation

/// One entry of a corrections file (复核): the office adds, removes or amends one activity
/// record, with the reason and who approved it.
public struct Correction: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        case add, remove, amend

        /// 补录 / 删除 / 修改.
        public func label(_ lang: Language) -> String {
            switch self {
            case .add: lang.pick("补录", "add")
            case .remove: lang.pick("删除", "remove")
            case .amend: lang.pick("修改", "amend")
            }
        }

        /// The spellings accepted in a corrections file.
        public static let spellings: [String: Action] = [
            "add": .add, "补录": .add, "增加": .add, "新增": .add, "添加": .add,
            "remove": .remove, "delete": .remove, "删除": .remove, "撤销": .remove,
            "amend": .amend, "修改": .amend, "更正": .amend, "修正": .amend,
        ]
    }

    /// 1-based position in the corrections file ("复核#3").
    public var seq: Int
    public var action: Action
    /// The record corrected (for `add`, the new record's id).
    public var activityID: String
    /// The member the record belongs to: a check for `remove` and `amend` (the record must be
    /// this member's), the record's member for `add`.
    public var memberID: String?
    /// For `amend` the fields to change; for `add` the new record's fields (without the id).
    public var fields: [ActivityField: String]
    /// Where each value in `fields` (and `member_id`) is written, for errors about it.
    public var fieldLocations: [ActivityField: SourceLocation]
    /// 理由 (required).
    public var reason: String
    /// 批准人 (required).
    public var approvedBy: String
    /// 批准日期 (optional).
    public var approvedOn: Day?
    /// 申请编号 / ticket (optional).
    public var ticket: String?
    /// Where the entry starts in the corrections file.
    public var location: SourceLocation
    /// Where the entry's own `member_id` is written (the check for `remove` and `amend`).
    public var checkLocation: SourceLocation?

    public init(seq: Int, action: Action, activityID: String, memberID: String? = nil, fields: [ActivityField: String] = [:],
                fieldLocations: [ActivityField: SourceLocation] = [:], reason: String, approvedBy: String,
                approvedOn: Day? = nil, ticket: String? = nil, location: SourceLocation) {
        self.seq = seq
        self.action = action
        self.activityID = activityID
        self.memberID = memberID
        self.fields = fields
        self.fieldLocations = fieldLocations
        self.reason = reason
        self.approvedBy = approvedBy
        self.approvedOn = approvedOn
        self.ticket = ticket
        self.location = location
    }
}

/// A parsed corrections file.
public struct CorrectionSet: Sendable {
    public var path: String
    /// The file's text, for carets under errors found when the corrections are applied.
    public var source: String
    public var name: String?
    public var entries: [Correction]

    public init(path: String, source: String, name: String? = nil, entries: [Correction]) {
        self.path = path
        self.source = source
        self.name = name
        self.entries = entries
    }
}

/// A correction as applied to the inputs: what the record was and what it became. Kept with
/// the run so that reports, ledgers and the history show every correction.
public struct AppliedCorrection: Sendable, Equatable {
    public struct Change: Sendable, Equatable {
        public var field: ActivityField
        public var before: String
        public var after: String

        public init(field: ActivityField, before: String, after: String) {
            self.field = field
            self.before = before
            self.after = after
        }
    }

    public var seq: Int
    public var action: Correction.Action
    public var recordID: String
    /// The record's member after the correction (for `remove`, the removed record's member).
    public var memberID: String
    /// For `amend` the changed fields; for `add` every field of the new record (before empty);
    /// for `remove` every field of the removed record (after empty).
    public var changes: [Change]
    public var reason: String
    public var approvedBy: String
    public var approvedOn: Day?
    public var ticket: String?
    /// The corrections file and line of the entry.
    public var source: SourceLocation
    /// Where the corrected record was read from (`nil` for `add`).
    public var original: SourceLocation?
    /// Index of the resulting record in ``ActivityStore/records`` (`nil` for `remove`).
    public var record: Int32?

    public init(seq: Int, action: Correction.Action, recordID: String, memberID: String, changes: [Change], reason: String,
                approvedBy: String, approvedOn: Day? = nil, ticket: String? = nil, source: SourceLocation,
                original: SourceLocation? = nil, record: Int32? = nil) {
        self.seq = seq
        self.action = action
        self.recordID = recordID
        self.memberID = memberID
        self.changes = changes
        self.reason = reason
        self.approvedBy = approvedBy
        self.approvedOn = approvedOn
        self.ticket = ticket
        self.source = source
        self.original = original
        self.record = record
    }

    /// "复核#3".
    public func tag(_ lang: Language) -> String { lang.pick("复核#\(seq)", "correction #\(seq)") }

    /// What was done, e.g. "修改 状态: 提交→立案" or "删除 2025-03-01 会议 出席".
    public func detail(_ lang: Language) -> String {
        let sep = lang.pick("，", ", ")
        switch action {
        case .amend:
            let parts = changes.map { c in
                "\(c.field.label(lang)): \(Self.shown(c.before, lang))→\(Self.shown(c.after, lang))"
            }
            return action.label(lang) + " " + parts.joined(separator: sep)
        case .add, .remove:
            let v = Dictionary(uniqueKeysWithValues: changes.map { ($0.field, action == .add ? $0.after : $0.before) })
            let summary = [ActivityField.date, .kind, .status, .role, .level].compactMap { v[$0].flatMap { $0.isEmpty ? nil : $0 } }
            var text = action.label(lang) + " " + summary.joined(separator: " ")
            if let title = v[.title], !title.isEmpty { text += lang.pick("《\(title)》", " “\(title)”") }
            return text
        }
    }

    /// The whole correction on one line, for ledgers:
    /// "复核#3 修改 状态: 提交→立案，理由：…，批准人：…".
    public func line(_ lang: Language) -> String {
        var s = "\(tag(lang)) \(detail(lang))" + lang.pick("，理由：\(reason)，批准人：\(approvedBy)", "; reason: \(reason); approved by \(approvedBy)")
        if let approvedOn { s += lang.pick("（\(approvedOn)）", " (\(approvedOn))") }
        if let ticket { s += lang.pick("，申请编号 \(ticket)", "; ticket \(ticket)") }
        return s
    }

    public static func shown(_ v: String, _ lang: Language) -> String { v.isEmpty ? lang.pick("（空）", "(empty)") : v }
}
