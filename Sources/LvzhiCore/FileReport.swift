import Foundation

/// How many records each input file held and what became of them.
public struct FileReport: Sendable, Equatable {
    public var path: String
    public var format: String
    public var read: Int = 0
    public var accepted: Int = 0
    public var rejected: Int = 0
    /// True for the member roster, false for activity files.
    public var isRoster: Bool
    /// True for the corrections file (复核): its records are the ones it adds.
    public var isCorrections = false
    /// Accepted records of this file that a correction removed (not scored, not rejected).
    public var removed = 0
    /// The sheet read, for workbooks.
    public var sheet: String?
    /// A workbook's other sheets, with why each was not read.
    public var otherSheets: [UnreadSheet] = []
    /// Rows that are not records (blank rows, totals, notes, repeated headers), skipped by the
    /// mapping's rules: neither read as records nor rejected.
    public var skipped = 0
    /// The skipped rows by rule, in the order first met, with the first few lines of each.
    public var skips: [SkippedRows] = []
    public init(path: String, format: String, isRoster: Bool = false) {
        self.path = path
        self.format = format
        self.isRoster = isRoster
    }
}

/// Rows of one file that one rule skipped.
public struct SkippedRows: Sendable, Equatable {
    /// The rule, as the reconciliation names it (“空行”, “序号为“合计””…).
    public var reason: String
    public var count: Int
    /// The first lines (at most ``SkippedRows/linesKept``).
    public var lines: [Int]
    public static let linesKept = 5
    /// The name of the rule that skips blank rows (every mapping has it).
    public static let blankLabel = "空行"

    /// A skip rule's name in `lang` (the rules are named in Chinese, as they are written).
    public static func reasonText(_ reason: String, _ lang: Language) -> String {
        guard lang == .en else { return reason }
        switch reason {
        case blankLabel: return "blank rows"
        case "重复的表头": return "repeated headers"
        default: return reason
        }
    }
    public init(reason: String, count: Int, lines: [Int]) {
        self.reason = reason
        self.count = count
        self.lines = lines
    }
}

/// A sheet of a workbook that was not read, and why: listed in the reconciliation, so that no
/// sheet's records disappear without a word.
public struct UnreadSheet: Sendable, Equatable {
    public enum Why: Sendable, Equatable {
        /// No row at all, or a header and no row under it.
        case empty
        /// Rows, but no column a record has (notes, a lookup list).
        case noRecordColumns
        /// A chart or dialog sheet.
        case notWorksheet
        /// The mapping names another sheet (`sheet:`).
        case notSelected
    }

    public var name: String
    public var why: Why

    public init(name: String, why: Why) {
        self.name = name
        self.why = why
    }

    public func describe(_ lang: Language) -> String {
        switch why {
        case .empty: lang.pick("“\(name)”（没有数据）", "“\(name)” (no data)")
        case .noRecordColumns: lang.pick("“\(name)”（没有记录的列）", "“\(name)” (no record columns)")
        case .notWorksheet: lang.pick("“\(name)”（图表）", "“\(name)” (a chart)")
        case .notSelected: lang.pick("“\(name)”（有数据，映射文件指定读其他工作表，未读）", "“\(name)” (holds data; the mapping names another sheet, not read)")
        }
    }
}
