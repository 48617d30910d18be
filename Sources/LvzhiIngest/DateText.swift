import LvzhiCore

/// The date spellings found in office exports: `2024-03-05`, `2024-3-5`, `2024/3/5`,
/// `2024.3.5`, `2024年3月5日` (the 日 optional), and — only where a mapping says so — Excel
/// serial day numbers (`45356`). Anything else is not a date: never guessed.
public enum DateText {
    /// Parses `bytes` (already trimmed); `excel` allows serial day numbers.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, excel: Bool = false) -> Day? {
        if let d = Day.parseISO(bytes) { return d }
        if excel, let d = serial(bytes) { return d }
        var parts: [Int] = []
        var cur = 0, digits = 0
        var sep: [UInt8] = []
        var i = 0
        let n = bytes.count
        var seps: [[UInt8]] = []
        while i < n {
            let c = bytes[i]
            if c >= 0x30 && c <= 0x39 {
                if !sep.isEmpty { seps.append(sep); sep = [] }
                cur = cur * 10 + Int(c - 0x30)
                digits += 1
                if digits > 5 { return nil }
            } else {
                if sep.isEmpty {
                    if digits == 0 { return nil } // a leading non-digit
                    parts.append(cur); cur = 0; digits = 0
                }
                sep.append(c)
                if sep.count > 3 { return nil }
            }
            i += 1
        }
        if digits > 0 { parts.append(cur) } else if !sep.isEmpty { seps.append(sep) }
        guard parts.count == 3 else { return nil }
        let year = Array("年".utf8), month = Array("月".utf8), day = Array("日".utf8)
        let ok: Bool
        if seps.count >= 2, seps[0] == year, seps[1] == month {
            ok = seps.count == 2 || (seps.count == 3 && seps[2] == day)
        } else if seps.count == 2, seps[0] == seps[1], seps[0].count == 1, "-/.".utf8.contains(seps[0][0]) {
            ok = true
        } else {
            ok = false
        }
        guard ok, parts[0] >= 1000, parts[0] <= 9999 else { return nil }
        return Day(year: parts[0], month: parts[1], day: parts[2])
    }

    /// An Excel serial day number (1900 date system, as Excel and WPS write it): day 1 is
    /// 1900-01-01 and Excel's phantom 1900-02-29 is skipped, so serials from 61 on are exact.
    static func serial(_ bytes: UnsafeBufferPointer<UInt8>) -> Day? {
        var value = 0
        var i = 0
        while i < bytes.count, bytes[i] != UInt8(ascii: ".") {
            guard bytes[i] >= 0x30, bytes[i] <= 0x39, i < 7 else { return nil }
            value = value * 10 + Int(bytes[i] - 0x30)
            i += 1
        }
        guard i > 0 else { return nil }
        if i < bytes.count {
            // Only a zero fraction: a time of day would be a different cell format.
            for j in (i + 1)..<bytes.count where bytes[j] != UInt8(ascii: "0") { return nil }
        }
        guard value >= 61, value <= 2_958_465 else { return nil }
        return Day(year: 1899, month: 12, day: 30)!.adding(days: value)
    }

    public static func parse(_ s: String, excel: Bool = false) -> Day? {
        var a = Array(s.trimmingSpaces.utf8)
        return a.withUnsafeMutableBufferPointer { parse(UnsafeBufferPointer($0), excel: excel) }
    }
}
