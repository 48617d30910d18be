import LvzhiCore

/// The date spellings found in office exports: `2024-03-05`, `2024-3-5`, `2024/3/5`,
/// `2024.3.5`, `20240305`, `2024年3月5日` (the 日 optional, or 号), each optionally followed
/// by a time of day (`2024-03-05 00:00:00`, `2024/3/5 9:30`, `2024-03-05T09:30:00`), with
/// ASCII or full-width digits and separators (`２０２４年３月５日`), and — only where a mapping
/// says so — Excel serial day numbers (`45356`). Anything else is not a date: never guessed.
public enum DateText {
    /// Parses `bytes` (already trimmed); `excel` allows serial day numbers.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, excel: Bool = false) -> Day? {
        if let d = Day.parseISO(bytes) { return d }
        if bytes.contains(where: { $0 >= 0xE3 }) {
            // Full-width digits and separators, ideographic spaces: fold to ASCII first.
            guard let folded = fold(bytes) else { return nil }
            return folded.withUnsafeBufferPointer { parseFolded($0, excel: excel) }
        }
        return parseFolded(bytes, excel: excel)
    }

    public static func parse(_ s: String, excel: Bool = false) -> Day? {
        var a = Array(s.trimmingSpaces.utf8)
        return a.withUnsafeMutableBufferPointer { parse(UnsafeBufferPointer($0), excel: excel) }
    }

    /// True when `s` is a whole number that reads as an Excel serial day (a date column holding
    /// `45356` in a file whose mapping does not say `excel_dates: true`).
    public static func looksLikeSerial(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool { serial(bytes) != nil }

    /// U+FF01…U+FF5E → ASCII, U+3000 → space; other non-ASCII bytes are kept. `nil` when there
    /// is too much of it to be a date.
    static func fold(_ b: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard b.count <= 96 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if i + 2 < b.count, b[i] == 0xEF, b[i + 1] == 0xBC || b[i + 1] == 0xBD, (0x80...0xBF).contains(b[i + 2]) {
                // U+FF00 + x: EF BC 80+x (x < 0x40) or EF BD 80+(x-0x40).
                let x = Int(b[i + 2] - 0x80) + (b[i + 1] == 0xBD ? 0x40 : 0)
                if x >= 1, x <= 0x5E { out.append(UInt8(0x20 + x)); i += 3; continue }
            }
            if i + 2 < b.count, b[i] == 0xE3, b[i + 1] == 0x80, b[i + 2] == 0x80 { out.append(0x20); i += 3; continue }
            out.append(b[i])
            i += 1
        }
        // Folding may have exposed spaces at either end.
        while out.last == 0x20 { out.removeLast() }
        while out.first == 0x20 { out.removeFirst() }
        return out
    }

    static func parseFolded(_ all: UnsafeBufferPointer<UInt8>, excel: Bool) -> Day? {
        if let d = Day.parseISO(all) { return d }
        if excel, let d = serial(all) { return d }
        guard let end = dateEnd(all) else { return nil }
        let bytes = UnsafeBufferPointer(rebasing: all[0..<end])
        if bytes.count == 8, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            func n(_ r: Range<Int>) -> Int { r.reduce(0) { $0 * 10 + Int(bytes[$1] - 0x30) } }
            guard n(0..<4) >= 1000 else { return nil }
            return Day(year: n(0..<4), month: n(4..<6), day: n(6..<8))
        }
        if let d = Day.parseISO(bytes) { return d }
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
        let year = Array("年".utf8), month = Array("月".utf8), day = Array("日".utf8), hao = Array("号".utf8)
        let ok: Bool
        if seps.count >= 2, seps[0] == year, seps[1] == month {
            ok = seps.count == 2 || (seps.count == 3 && (seps[2] == day || seps[2] == hao))
        } else if seps.count == 2, seps[0] == seps[1], seps[0].count == 1, "-/.".utf8.contains(seps[0][0]) {
            ok = true
        } else {
            ok = false
        }
        guard ok, parts[0] >= 1000, parts[0] <= 9999 else { return nil }
        return Day(year: parts[0], month: parts[1], day: parts[2])
    }

    /// Where the date part of `b` ends: `b.count` without a time of day; before the spaces (or
    /// `T`) that precede a valid `H:MM`, `H:MM:SS` or `H:MM:SS.fff`; `nil` for a time that is
    /// not one.
    static func dateEnd(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let colon = b.firstIndex(of: UInt8(ascii: ":")) else { return b.count }
        var start = colon
        while start > 0, b[start - 1] >= 0x30, b[start - 1] <= 0x39 { start -= 1 }
        let hourDigits = colon - start
        guard hourDigits == 1 || hourDigits == 2 else { return nil }
        var end = start
        if end > 0, b[end - 1] == UInt8(ascii: "T") {
            end -= 1
        } else {
            while end > 0, b[end - 1] == 0x20 || b[end - 1] == 0x09 { end -= 1 }
            // 2025年3月5日9:30 needs no space after 日/号; digits directly before the hour do.
            if end == start, end > 0, b[end - 1] < 0x80 { return nil }
        }
        guard end > 0 else { return nil }
        // The time: H:MM[:SS[.fff]] — the hour one or two digits, the rest two each.
        var fields: [(value: Int, digits: Int)] = [(0, 0)]
        var fractionDigits = -1
        for i in start..<b.count {
            let c = b[i]
            if c >= 0x30 && c <= 0x39 {
                if fractionDigits >= 0 { fractionDigits += 1; continue }
                fields[fields.count - 1].value = fields[fields.count - 1].value * 10 + Int(c - 0x30)
                fields[fields.count - 1].digits += 1
            } else if c == UInt8(ascii: ":"), fractionDigits < 0, fields.count < 3 {
                fields.append((0, 0))
            } else if c == UInt8(ascii: "."), fractionDigits < 0, fields.count == 3 {
                fractionDigits = 0
            } else {
                return nil
            }
        }
        guard fields.count >= 2, fractionDigits != 0, (1...2).contains(fields[0].digits), fields[0].value <= 23,
              fields.dropFirst().allSatisfy({ $0.digits == 2 && $0.value <= 59 }) else { return nil }
        return end
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
}
