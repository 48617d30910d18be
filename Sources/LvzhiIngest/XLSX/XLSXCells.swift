import LvzhiCore

/// Cell references, number formats, numbers and dates as a worksheet stores them.
public enum XLSXCells {
    /// Excel's last column (XFD) and last row.
    public static let maxColumn = 16_384
    public static let maxRow = 1_048_576

    /// Parses an A1 reference (`B17`, `XFD1048576`) into a 1-based column and row; `nil` when
    /// it is not one or lies beyond XFD1048576.
    public static func reference(_ b: UnsafeBufferPointer<UInt8>) -> (column: Int, row: Int)? {
        var i = 0, column = 0
        while i < b.count, b[i] >= 0x41, b[i] <= 0x5A { // A–Z
            guard i < 3 else { return nil }
            column = column * 26 + Int(b[i] - 0x40)
            i += 1
        }
        guard i > 0, column <= maxColumn, i < b.count, b[i] != 0x30 else { return nil }
        var row = 0
        while i < b.count {
            guard b[i] >= 0x30, b[i] <= 0x39, row <= maxRow else { return nil }
            row = row * 10 + Int(b[i] - 0x30)
            i += 1
        }
        guard row >= 1, row <= maxRow else { return nil }
        return (column, row)
    }

    /// A non-negative whole number of at most 9 digits (style and shared-string indexes),
    /// surrounding blanks allowed; `nil` otherwise.
    public static func integer(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        var lo = 0, hi = b.count
        while lo < hi, b[lo] == 0x20 || b[lo] == 0x09 || b[lo] == 0x0A || b[lo] == 0x0D { lo += 1 }
        while hi > lo, b[hi - 1] == 0x20 || b[hi - 1] == 0x09 || b[hi - 1] == 0x0A || b[hi - 1] == 0x0D { hi -= 1 }
        guard hi > lo, hi - lo <= 9 else { return nil }
        var v = 0
        for i in lo..<hi {
            guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
            v = v * 10 + Int(b[i] - 0x30)
        }
        return v
    }

    /// The letters of a 1-based column: 1 → A, 27 → AA.
    public static func columnName(_ column: Int) -> String {
        var n = column, out: [Character] = []
        while n > 0 {
            let r = (n - 1) % 26
            out.insert(Character(Unicode.Scalar(UInt8(0x41 + r))), at: 0)
            n = (n - 1) / 26
        }
        return String(out)
    }

    // MARK: - Number formats

    /// True when the built-in number format `id` shows a date (not a time of day alone):
    /// 14–17 and 22 everywhere, and the East Asian built-ins 27–31, 36, 50–54, 57 and 58
    /// (`yyyy"年"m"月"d"日"` and the like in a Chinese Excel or WPS).
    public static func isBuiltInDate(_ id: Int) -> Bool {
        switch id {
        case 14...17, 22, 27...31, 36, 50...54, 57, 58: true
        default: false
        }
    }

    /// True when a custom format code shows a date: it holds `y` or `d` outside quoted text,
    /// escapes and `[…]` sections (colours, locales such as `[$-804]`, `[DBNum1]`).
    /// Only the first section (positive numbers) counts. `m` alone does not make a date: it
    /// also means minutes.
    public static func isDateFormat(_ code: String) -> Bool {
        var inQuote = false, inBracket = false, escaped = false
        for c in code.unicodeScalars {
            if escaped { escaped = false; continue }
            if inQuote { if c == "\"" { inQuote = false }; continue }
            if inBracket { if c == "]" { inBracket = false }; continue }
            switch c {
            case "\"": inQuote = true
            case "[": inBracket = true
            case "\\", "_", "*": escaped = true
            case ";": return false
            case "y", "Y", "d", "D": return true
            default: break
            }
        }
        return false
    }

    // MARK: - Numbers

    /// A stored number as Excel shows it in a General cell: plain decimal notation with at
    /// most 15 significant digits (Excel's precision), no exponent, no trailing zeros —
    /// `1E-3` → `0.001`, `0.30000000000000004` → `0.3`, `3.0` → `3`. `nil` when the text
    /// is not a number.
    public static func number(_ text: UnsafeBufferPointer<UInt8>) -> String? {
        var i = 0
        let n = text.count
        var negative = false
        if i < n, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") { negative = text[i] == UInt8(ascii: "-"); i += 1 }
        var digits: [UInt8] = []      // significant digits, no leading zeros
        var pointExponent = 0         // value = digits × 10^pointExponent
        var sawDigit = false, sawPoint = false
        while i < n {
            let c = text[i]
            if c >= 0x30, c <= 0x39 {
                sawDigit = true
                if digits.isEmpty && c == 0x30 {
                    if sawPoint { pointExponent -= 1 }
                } else {
                    if digits.count < 40 { digits.append(c - 0x30); if sawPoint { pointExponent -= 1 } }
                    else if !sawPoint { pointExponent += 1 }
                }
            } else if c == UInt8(ascii: "."), !sawPoint {
                sawPoint = true
            } else {
                break
            }
            i += 1
        }
        guard sawDigit else { return nil }
        if i < n {
            guard text[i] == UInt8(ascii: "E") || text[i] == UInt8(ascii: "e") else { return nil }
            i += 1
            var expNegative = false
            if i < n, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") { expNegative = text[i] == UInt8(ascii: "-"); i += 1 }
            var e = 0, expDigits = 0
            while i < n, text[i] >= 0x30, text[i] <= 0x39 {
                e = min(e * 10 + Int(text[i] - 0x30), 10_000)
                expDigits += 1
                i += 1
            }
            guard expDigits > 0, i == n else { return nil }
            pointExponent += expNegative ? -e : e
        }
        if digits.isEmpty { return "0" }
        // Round to 15 significant digits, half away from zero.
        if digits.count > 15 {
            let dropped = digits.count - 15
            let roundUp = digits[15] >= 5
            digits.removeLast(dropped)
            pointExponent += dropped
            if roundUp {
                var k = digits.count - 1
                while k >= 0 {
                    if digits[k] == 9 { digits[k] = 0; k -= 1 } else { digits[k] += 1; break }
                }
                if k < 0 { digits.insert(1, at: 0); digits.removeLast(); pointExponent += 1 }
            }
        }
        while let last = digits.last, last == 0, digits.count > 1 { digits.removeLast(); pointExponent += 1 }
        if digits == [0] { return "0" }
        // Refuse absurd magnitudes rather than write a thousand zeros.
        guard pointExponent <= 308, pointExponent >= -340 else { return nil }
        var out: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        let ascii = digits.map { $0 + 0x30 }
        if pointExponent >= 0 {
            out += ascii
            out += [UInt8](repeating: 0x30, count: pointExponent)
        } else {
            let intCount = ascii.count + pointExponent
            if intCount > 0 {
                out += ascii[0..<intCount]
                out.append(UInt8(ascii: "."))
                out += ascii[intCount...]
            } else {
                out += [0x30, UInt8(ascii: ".")]
                out += [UInt8](repeating: 0x30, count: -intCount)
                out += ascii
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - Dates

    /// The day a date cell's serial number stands for; `nil` outside Excel's dates (and for
    /// Excel's phantom 1900-02-29). A time of day in the fraction is dropped: the cell's day is
    /// what an activity's date means.
    public static func day(serial text: UnsafeBufferPointer<UInt8>, date1904: Bool) -> Day? {
        var i = 0, value = 0
        let n = text.count
        while i < n, text[i] >= 0x30, text[i] <= 0x39 {
            guard i < 8 else { return nil }
            value = value * 10 + Int(text[i] - 0x30)
            i += 1
        }
        guard i > 0 else { return nil }
        if i < n {
            guard text[i] == UInt8(ascii: ".") else { return nil }
            for j in (i + 1)..<n where !(text[j] >= 0x30 && text[j] <= 0x39) { return nil }
        }
        if date1904 {
            guard value <= 2_957_003 else { return nil }
            return Day(year: 1904, month: 1, day: 1)!.adding(days: value)
        }
        switch value {
        case 1...59: return Day(year: 1899, month: 12, day: 31)!.adding(days: value)
        case 61...2_958_465: return Day(year: 1899, month: 12, day: 30)!.adding(days: value)
        default: return nil
        }
    }
}
