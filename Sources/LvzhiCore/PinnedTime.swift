/// Strict checks of a pinned run time (`--run-time`, `SOURCE_DATE_EPOCH`) before it is used.
///
/// Foundation's ISO 8601 parser rolls impossible values over instead of refusing them
/// (2025-02-30 becomes 03-02, hour 25 the next day, an offset of +99:00 is taken as hours), and
/// a `SOURCE_DATE_EPOCH` that is not a number used to be ignored while one of twenty digits dated
/// the report in the year 5828963. A value that names no real moment is a usage error (exit 64).
///
/// Accepted `--run-time` forms (the ones the reports print and the docs show):
/// `2025-12-31T09:00:00+08:00`, `…Z`, `…09:00:00.5+08:00`, `2025-12-31T09:00:00` and
/// `2025-12-31` (both taken as Beijing time). `SOURCE_DATE_EPOCH`: decimal digits only, seconds
/// since 1970-01-01T00:00:00Z, at most ``latestEpoch`` (the end of the year 9999); an empty value
/// counts as unset.
public enum PinnedTime {
    /// 9999-12-31T23:59:59Z.
    public static let latestEpoch: Int64 = 253_402_300_799

    /// Diagnostic ids (documented in the README, “错误编号”).
    public static let runTimeID = "U001"
    public static let sourceDateEpochID = "U002"

    /// Why a `--run-time` value names no moment: `nil` when it is valid.
    /// - Returns: the reason in Chinese and English, without the value.
    public static func runTimeProblem(_ text: String) -> (zh: String, en: String)? {
        let b = Array(text.utf8)
        func digits(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var n = 0
            for i in from..<(from + count) {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                n = n * 10 + Int(b[i] - 0x30)
            }
            return n
        }
        func at(_ i: Int, _ c: Character) -> Bool { i < b.count && b[i] == c.asciiValue! }
        let syntax = ("写法不对", "it is not written as one")
        guard b.count >= 10, let year = digits(0, 4), at(4, "-"), let month = digits(5, 2), at(7, "-"), let day = digits(8, 2) else {
            return syntax
        }
        guard year >= 1 else { return ("没有 0 年", "there is no year 0") }
        guard (1...12).contains(month) else { return ("月份 \(month) 不在 1–12 之间", "month \(month) is not within 1–12") }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else {
            return ("\(year) 年 \(month) 月没有 \(day) 日（只有 \(days) 天）", "\(year)-\(month < 10 ? "0" : "")\(month) has no day \(day) (it has \(days) days)")
        }
        if b.count == 10 { return nil }
        guard at(10, "T"), let hour = digits(11, 2), at(13, ":"), let minute = digits(14, 2), at(16, ":"), let second = digits(17, 2) else {
            return syntax
        }
        guard hour <= 23 else { return ("小时 \(hour) 不在 0–23 之间", "hour \(hour) is not within 0–23") }
        guard minute <= 59 else { return ("分钟 \(minute) 不在 0–59 之间", "minute \(minute) is not within 0–59") }
        guard second <= 59 else { return ("秒 \(second) 不在 0–59 之间（不接受闰秒）", "second \(second) is not within 0–59 (leap seconds are not accepted)") }
        var i = 19
        if at(i, ".") {
            i += 1
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            guard i > start, i - start <= 9 else { return syntax }
            // A fraction needs a zone, as the reports' own form has.
            guard i < b.count else { return syntax }
        }
        if i == b.count { return nil }  // local (Beijing) time
        if at(i, "Z") { return i + 1 == b.count ? nil : syntax }
        guard at(i, "+") || at(i, "-"), let oh = digits(i + 1, 2), at(i + 3, ":"), let om = digits(i + 4, 2), i + 6 == b.count else {
            return syntax
        }
        guard oh <= 14, om <= 59, oh < 14 || om == 0 else {
            return ("时区偏移 \(String(decoding: b[i..<(i + 6)], as: UTF8.self)) 不存在（应在 -14:00 到 +14:00 之间，分钟在 00–59 之间）",
                    "the offset \(String(decoding: b[i..<(i + 6)], as: UTF8.self)) does not exist (it must lie within -14:00 and +14:00, minutes 00–59)")
        }
        return nil
    }

    /// The `--run-time` message (with its id) when `text` is not a valid run time; `nil` when it is.
    public static func runTimeError(_ text: String, option: String = "--run-time", _ lang: Language) -> String? {
        guard let reason = runTimeProblem(text) else { return nil }
        let shown = TerminalText.escape(text)
        return lang.pick("[\(runTimeID)] \(option) 的时间“\(shown)”无效：\(reason.zh)；应写作 ISO 8601，如 2025-12-31T09:00:00+08:00（或 2025-12-31T09:00:00、2025-12-31，按北京时间）",
                         "[\(runTimeID)] invalid \(option) time '\(shown)': \(reason.en); write ISO 8601, e.g. 2025-12-31T09:00:00+08:00 (or 2025-12-31T09:00:00 or 2025-12-31, Beijing time)")
    }

    /// Seconds since the epoch from `SOURCE_DATE_EPOCH`: `nil` when unset or empty.
    /// - Throws: the message (with its id) when the value is not a plain non-negative integer
    ///   up to ``latestEpoch``.
    public static func sourceDateEpoch(_ value: String?, _ lang: Language) throws(PinnedTimeError) -> Int64? {
        guard let value, !value.isEmpty else { return nil }
        let shown = TerminalText.escape(value)
        let digitsOnly = value.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        guard digitsOnly else {
            throw PinnedTimeError(message: lang.pick(
                "[\(sourceDateEpochID)] 环境变量 SOURCE_DATE_EPOCH 的值“\(shown)”无效：应为从 1970-01-01T00:00:00Z 起的秒数，只含数字（如 1767196800）",
                "[\(sourceDateEpochID)] invalid SOURCE_DATE_EPOCH '\(shown)': it must be the seconds since 1970-01-01T00:00:00Z, digits only (e.g. 1767196800)"))
        }
        guard let n = Int64(value), n <= latestEpoch else {
            throw PinnedTimeError(message: lang.pick(
                "[\(sourceDateEpochID)] 环境变量 SOURCE_DATE_EPOCH 的值“\(shown)”太大：最多 \(latestEpoch)（9999-12-31T23:59:59Z）",
                "[\(sourceDateEpochID)] SOURCE_DATE_EPOCH '\(shown)' is too large: at most \(latestEpoch) (9999-12-31T23:59:59Z)"))
        }
        return n
    }
}

/// A pinned time that names no moment; `message` is ready to print (id included).
public struct PinnedTimeError: Error, Sendable, Equatable {
    public var message: String
}
