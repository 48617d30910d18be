import Foundation

/// Why a record was refused. Every refused record is written to `rejects.csv`.
public enum RejectReason: Sendable, Hashable {
    case missingField(String)
    case invalidUTF8(String)
    case badDate(String)
    case badQuantity(String)
    case unknownMember
    case unknownKind(suggestion: String?)
    case unknownValue(field: String, allowed: [String], suggestion: String?)
    case unknownMark(suggestion: String?)
    case tooManyMarks
    case outsidePeriod(Period)
    case beforeJoined(Day)
    case afterLeft(Day)
    case duplicate(first: SourceLocation)
    case duplicateMember(first: SourceLocation)
    case wrongFieldCount(expected: Int, got: Int)
    case unknownElement(String)
    case unknownAttribute(String)
    case badFlag(String)
    /// Same activity id as another record, but different content: neither is scored (each names the other).
    case duplicateConflict(first: SourceLocation)
    /// A member name that several roster entries share.
    case ambiguousName(candidates: [String])
    /// A member name not in the roster.
    case unknownName
    /// The same person twice in one list cell (or one XML item).
    case repeatedPerson
    /// An XML element or attribute a mapping reads once occurs several times in one item.
    case repeatedElement(String)
    /// An XML item lacks the one element its mapping requires (`single: true`).
    case missingElement(String)
    /// An XML item beyond the bounds on elements or bytes in one item.
    case itemTooLarge(elements: Int, bytes: Int)
    /// A roster row whose `left` date is before its `joined` date.
    case leftBeforeJoined(joined: Day)
    /// A record of a member whose roster row was rejected (at that place): not "unknown".
    case memberRowRejected(SourceLocation)
    /// A record of a member who was not in office during the period (left before it or
    /// joined after it): the member is not graded this period.
    case memberOutsidePeriod(joined: Day?, left: Day?)
    /// An activity date in none of the accepted spellings; `serial`: the text is an Excel
    /// serial day number and the mapping does not say `excel_dates: true`.
    case unreadableDate(String, serial: Bool)
    /// A member named by an empty name (an empty cell or element where a name belongs).
    case emptyName
    /// No roster member with this name has the value the export gives in a roster column
    /// (界别, 委员编号 …): the candidates with their own values.
    case rosterMismatch(field: String, value: String, candidates: [String])
    /// A bracketed note after a name (“张伟（经济界）”) that no member of that name matches: the
    /// candidates with their roster values.
    case noteMismatch(note: String, candidates: [String])
    /// Several filled columns give one field different values (“区” and “市”): each as
    /// `column“text”→value`.
    case conflictingColumns(field: String, values: [String])
    /// Text in a `filled` column that the mapping does not say counts as filled.
    case unknownText(column: String, accepted: String)
    /// A roster value (职务, 界别, 专委会) outside the rule file's `roster` lists.
    case undeclaredMemberValue(field: String, allowed: [String], suggestion: String?)

    /// A stable code for grouping in the reconciliation.
    public var code: String {
        switch self {
        case .missingField: "missing-field"
        case .invalidUTF8: "invalid-utf8"
        case .badDate: "bad-date"
        case .badQuantity: "bad-quantity"
        case .unknownMember: "unknown-member"
        case .unknownKind: "unknown-kind"
        case .unknownValue(let f, _, _): "unknown-\(f)"
        case .unknownMark: "unknown-mark"
        case .tooManyMarks: "too-many-marks"
        case .outsidePeriod: "outside-period"
        case .beforeJoined: "before-joined"
        case .afterLeft: "after-left"
        case .duplicate: "duplicate"
        case .duplicateMember: "duplicate-member"
        case .wrongFieldCount: "field-count"
        case .unknownElement: "unknown-element"
        case .unknownAttribute: "unknown-attribute"
        case .badFlag: "bad-flag"
        case .duplicateConflict: "duplicate-conflict"
        case .ambiguousName: "ambiguous-name"
        case .unknownName: "unknown-name"
        case .repeatedPerson: "repeated-person"
        case .repeatedElement: "repeated-element"
        case .missingElement: "missing-element"
        case .itemTooLarge: "item-too-large"
        case .leftBeforeJoined: "left-before-joined"
        case .memberRowRejected: "member-rejected"
        case .memberOutsidePeriod: "member-outside-period"
        case .unreadableDate: "bad-date"
        case .emptyName: "empty-name"
        case .rosterMismatch, .noteMismatch: "roster-mismatch"
        case .conflictingColumns: "conflicting-columns"
        case .unknownText: "unknown-text"
        case .undeclaredMemberValue(let f, _, _): "undeclared-\(f)"
        }
    }

    /// The largest `quantity` a record may have (units, e.g. half-days).
    public static let maxQuantity: Int64 = 1_000_000


    /// The Chinese name of a canonical field with its key, e.g. “日期（date）”.
    static func label(_ key: String) -> String {
        let zh = ActivityField.allCases.first { $0.key == key }?.chinese ?? MemberField.allCases.first { $0.key == key }?.chinese
        return zh.map { "\($0)（\(key)）" } ?? key
    }

    public func message(_ lang: Language) -> String {
        switch self {
        case .missingField(let f): return lang.pick("缺少必填字段\(Self.label(f))", "missing required field \(f)")
        case .invalidUTF8(let f): return lang.pick("字段\(Self.label(f))不是有效的 UTF-8 文本（文件编码可能不是 UTF-8）", "field \(f) is not valid UTF-8 (the file may not be UTF-8 encoded)")
        case .badDate(let f): return lang.pick("\(Self.label(f))不是有效日期，应写作 YYYY-MM-DD（如 2025-03-05）", "\(f) is not a valid date; write YYYY-MM-DD (e.g. 2025-03-05)")
        case .badQuantity(let f):
            return lang.pick("\(Self.label(f))应为 0 到 \(Self.maxQuantity.grouped) 之间的数字（最多四位小数）",
                             "\(f) must be a number from 0 to \(Self.maxQuantity.grouped) with at most four decimals")
        case .unknownMember: return lang.pick("名册中没有这个委员编号", "no member with this id in the roster")
        case .leftBeforeJoined(let j): return lang.pick("离任日期早于任职日期 \(j)", "left before the joined date \(j)")
        case .memberRowRejected(let at):
            return lang.pick("名册中这位委员的一行（\(at)）被拒收，这条记录无法计分；请先改正名册中的那一行",
                             "this member's roster row (\(at)) was rejected, so the record cannot be scored; fix that roster row first")
        case .memberOutsidePeriod(let j, let l):
            let zh = l.map { "已于 \($0) 离任" } ?? j.map { "\($0) 才任职" } ?? ""
            let en = l.map { "left on \($0)" } ?? j.map { "joined on \($0)" } ?? ""
            return lang.pick("该委员\(zh)，考核期间内不在任，本期不参加评定", "the member \(en), not in office during the period; not graded this period")
        case .unknownKind(let s):
            return lang.pick("规则文件未声明这种活动类型" + (s.map { "（是否为“\($0)”？）" } ?? ""),
                             "kind not declared in the rule file" + (s.map { " (did you mean '\($0)'?)" } ?? ""))
        case .unknownValue(let f, let allowed, let s):
            let a = allowed.map { $0.isEmpty ? lang.pick("（空）", "(empty)") : $0 }
            return lang.pick("该活动类型不接受这个\(Self.zhField(f))" + (s.map { "（是否为“\($0)”？）" } ?? "") + "；可用：\(a.joined(separator: "、"))",
                             "this kind does not accept this \(f)" + (s.map { " (did you mean '\($0)'?)" } ?? "") + "; allowed: \(a.joined(separator: ", "))")
        case .unknownMark(let s):
            return lang.pick("规则文件未声明这个标记" + (s.map { "（是否为“\($0)”？）" } ?? ""),
                             "mark not declared in the rule file" + (s.map { " (did you mean '\($0)'?)" } ?? ""))
        case .tooManyMarks: return lang.pick("标记种类超过 64 种", "more than 64 distinct marks")
        case .outsidePeriod(let p): return lang.pick("日期不在考核期间 \(p) 内", "date outside the period \(p)")
        case .beforeJoined(let d): return lang.pick("日期早于该委员任职日期 \(d)", "dated before the member joined on \(d)")
        case .afterLeft(let d): return lang.pick("日期晚于该委员离任日期 \(d)", "dated after the member left on \(d)")
        case .duplicate(let first): return lang.pick("记录编号与 \(first) 的记录重复（内容相同），这一条不另计分", "duplicate of the record at \(first) (same content); not counted again")
        case .duplicateMember(let first): return lang.pick("委员编号重复，已采用首次出现（\(first)）", "duplicate member_id; the first (\(first)) is used")
        case .wrongFieldCount(let e, let g): return lang.pick("列数不符：表头有 \(e) 列，这一行有 \(g) 列", "wrong number of fields: header has \(e), row has \(g)")
        case .unknownElement(let e): return lang.pick("未知的 XML 元素 <\(e)>", "unknown XML element <\(e)>")
        case .unknownAttribute(let a): return lang.pick("未知的 XML 属性 \(a)", "unknown XML attribute \(a)")
        case .badFlag(let f): return lang.pick("\(Self.label(f))应为 是 或 否", "\(f) must be yes/no (是/否)")
        case .duplicateConflict(let first):
            return lang.pick("记录编号与 \(first) 的记录相同但内容不同：两条都未计分，请核对后改正其中一条",
                             "same activity_id as the record at \(first) but different content: neither is scored; check both and correct one")
        case .ambiguousName(let ids):
            return lang.pick("名册中有 \(ids.count) 位委员同名（\(ids.joined(separator: "、"))），无法确定是谁；请在导出中改用委员编号，或在映射中用界别等列区分（roster.sector）",
                             "\(ids.count) members share this name (\(ids.joined(separator: ", "))); cannot tell which — use the member id in the export, or tell them apart by a column such as 界别 (roster.sector)")
        case .unknownName: return lang.pick("名册中没有这个姓名的委员", "no member with this name in the roster")
        case .repeatedPerson: return lang.pick("同一人在名单中出现了两次，只计一次", "the same person is listed twice in one cell; counted once")
        case .repeatedElement(let p):
            return lang.pick("这一项中 \(p) 出现了不止一次，映射只读一个，无法确定取哪一个；整项未计分",
                             "\(p) occurs more than once in this item but the mapping reads one; cannot tell which — the item was not scored")
        case .missingElement(let p):
            return lang.pick("这一项缺少 \(p)（映射要求恰有一个）；整项未计分", "this item has no \(p) (the mapping requires exactly one); the item was not scored")
        case .undeclaredMemberValue(let f, let allowed, let s):
            let a = allowed.map { $0.isEmpty ? lang.pick("（空）", "(empty)") : $0 }
            let zh = f == "role" ? "职务" : f == "sector" ? "界别" : "专委会"
            let key = f == "role" ? "roles" : f == "sector" ? "sectors" : "committees"
            return lang.pick("规则文件的 roster.\(key) 中没有这个\(zh)" + (s.map { "（是否为“\($0)”？）" } ?? "") + "；可用：\(a.joined(separator: "、"))；该委员及其记录不计分",
                             "this \(f) is not in the rule file's roster.\(key)" + (s.map { " (did you mean '\($0)'?)" } ?? "") + "; allowed: \(a.joined(separator: ", ")); the member and their records are not scored")
        case .itemTooLarge(let e, let b):
            return lang.pick("这一项超过上限（\(e) 个元素或 \(b / 1024) KB 文字），文件可能损坏；整项未计分",
                             "this item exceeds the bounds (\(e) elements or \(b / 1024) KB of text); the file may be damaged — the item was not scored")
        case .unreadableDate(let f, let serial):
            if serial {
                return lang.pick("\(Self.label(f))是一个数字，像是 Excel 的日期序列号；在映射文件中写 excel_dates: true 即按 Excel 日期读取（45356 = 2024-03-05）",
                                 "\(f) is a number that looks like an Excel serial date; write excel_dates: true in the mapping file to read it as one (45356 = 2024-03-05)")
            }
            return lang.pick("\(Self.label(f))不是可识别的日期；可写 2025-03-05、2025/3/5、2025.3.5、20250305、2025年3月5日（或 5号），可带时间（2025-03-05 09:30:00），数字可为全角",
                             "\(f) is not a date lvzhi reads; write 2025-03-05, 2025/3/5, 2025.3.5, 20250305 or 2025年3月5日 (or 5号), optionally with a time (2025-03-05 09:30:00); full-width digits are fine")
        case .emptyName:
            return lang.pick("姓名为空：这里应写委员的姓名", "the name is empty: a member's name belongs here")
        case .rosterMismatch(let f, let v, let candidates):
            let label = MemberField.allCases.first { $0.key == f }.map { lang == .zh ? $0.chinese : $0.key } ?? f
            return lang.pick("名册中叫这个名字的委员\(label)都不是“\(v)”（\(candidates.joined(separator: "、"))），无法确定是谁",
                             "no member of this name has \(label) '\(v)' in the roster (\(candidates.joined(separator: ", "))); cannot tell who it is")
        case .noteMismatch(let note, let candidates):
            return lang.pick("名册中叫这个名字的委员没有一位与括注“\(note)”相符（\(candidates.joined(separator: "、"))），无法确定是谁",
                             "no member of this name matches the note '\(note)' in brackets (\(candidates.joined(separator: ", "))); cannot tell who it is")
        case .conflictingColumns(let f, let values):
            return lang.pick("几列给出了不同的\(Self.label(f))：\(values.joined(separator: "，"))；无法确定取哪一个，请核对这一行",
                             "several columns give different \(f) values: \(values.joined(separator: ", ")); cannot tell which — check the row")
        case .unknownText(let column, let accepted):
            return lang.pick("“\(column)”列的文字不是映射写明表示“有”的文字（\(accepted)），无法确定是否算作填写",
                             "the text in column '\(column)' is not one the mapping counts as filled (\(accepted)); cannot tell")
        }
    }

    static func zhField(_ f: String) -> String {
        switch f {
        case "status": "状态"
        case "role": "角色"
        case "level": "级别"
        default: f
        }
    }
}

/// A refused record: where it was, what it held, and why it was refused.
public struct Reject: Sendable, Hashable {
    public var location: SourceLocation
    public var recordID: String
    public var memberID: String
    /// The canonical field at fault (empty when the whole record is at fault).
    public var field: String
    public var value: String
    public var reason: RejectReason

    public init(location: SourceLocation, recordID: String, memberID: String, field: String, value: String, reason: RejectReason) {
        self.location = location
        self.recordID = recordID
        self.memberID = memberID
        self.field = field
        self.value = value
        self.reason = reason
    }
}
