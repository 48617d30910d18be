/// A calendar date (proleptic Gregorian), stored as days since 1970-01-01.
public struct Day: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var ordinal: Int32
    public init(ordinal: Int32) { self.ordinal = ordinal }

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...Day.daysIn(month: month, year: year)).contains(day) else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        self.ordinal = Int32(era * 146_097 + doe - 719_468)
    }

    /// Parses `YYYY-MM-DD` strictly (ASCII digits, real calendar date).
    public init?(iso text: some StringProtocol) {
        guard let d = Day.parseISO(Array(text.utf8)) else { return nil }
        self = d
    }

    // Exported specializations: ingest calls these for every record from another module, where
    // the generic version went through protocol witnesses (4,000 instructions a date).
    @_specialize(exported: true, where C == UnsafeBufferPointer<UInt8>)
    @_specialize(exported: true, where C == [UInt8])
    public static func parseISO<C: Collection>(_ b: C) -> Day? where C.Element == UInt8, C.Index == Int {
        guard b.count == 10 else { return nil }
        let s = b.startIndex
        func digit(_ i: Int) -> Int? {
            let c = b[s + i]
            return (c >= 0x30 && c <= 0x39) ? Int(c - 0x30) : nil
        }
        guard b[s + 4] == UInt8(ascii: "-"), b[s + 7] == UInt8(ascii: "-"),
              let y0 = digit(0), let y1 = digit(1), let y2 = digit(2), let y3 = digit(3),
              let m0 = digit(5), let m1 = digit(6), let d0 = digit(8), let d1 = digit(9) else { return nil }
        return Day(year: y0 * 1000 + y1 * 100 + y2 * 10 + y3, month: m0 * 10 + m1, day: d0 * 10 + d1)
    }

    public var components: (year: Int, month: Int, day: Int) {
        let z = Int(ordinal) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func < (a: Day, b: Day) -> Bool { a.ordinal < b.ordinal }
    public func adding(days: Int) -> Day { Day(ordinal: ordinal + Int32(days)) }

    public var description: String {
        let c = components
        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))"
    }
}

/// A closed date range `[start, end]` over which records are scored.
public struct Period: Hashable, Sendable, CustomStringConvertible {
    public var start: Day
    public var end: Day
    public init(start: Day, end: Day) { self.start = start; self.end = end }

    public func contains(_ d: Day) -> Bool { d >= start && d <= end }
    public var days: Int { Int(end.ordinal - start.ordinal) + 1 }

    /// Parses `2025`, `2025-Q2`, or `2024-12-01..2025-11-30`.
    public init?(spec: String) {
        let s = spec.trimmingSpaces
        if let r = s.firstRange(of: "..") {
            guard let a = Day(iso: s[s.startIndex..<r.lowerBound]), let b = Day(iso: s[r.upperBound...]),
                  a <= b else { return nil }
            self.init(start: a, end: b)
            return
        }
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 1, parts[0].count == 4, let y = Int(parts[0]),
           let a = Day(year: y, month: 1, day: 1), let b = Day(year: y, month: 12, day: 31) {
            self.init(start: a, end: b)
            return
        }
        if parts.count == 2, parts[0].count == 4, let y = Int(parts[0]),
           parts[1].count == 2, parts[1].first == "Q" || parts[1].first == "q",
           let q = Int(parts[1].dropFirst()), (1...4).contains(q),
           let a = Day(year: y, month: (q - 1) * 3 + 1, day: 1) {
            let em = q * 3
            guard let b = Day(year: y, month: em, day: Day.daysIn(month: em, year: y)) else { return nil }
            self.init(start: a, end: b)
            return
        }
        return nil
    }

    public var description: String { "\(start)..\(end)" }
}

extension String {
    /// The text without leading and trailing ASCII/ideographic spaces, tabs and newlines: the
    /// string itself, without a copy or a substring, when its first and last bytes say so.
    public var trimmingSpaces: String {
        let bytes = utf8
        guard let head = bytes.first, let tail = bytes.last else { return "" }
        if head != 0x20, head != 0x09, head != 0x0A, head != 0x0D, head != 0xE3,
           tail != 0x20, tail != 0x09, tail != 0x0A, tail != 0x0D, tail != 0x80 {
            return self
        }
        return self[...].trimmingSpaces
    }
}

extension StringProtocol {
    /// The text without leading and trailing ASCII/ideographic spaces, tabs and newlines.
    public var trimmingSpaces: String {
        // Almost every field neither starts nor ends with a space: say so from the first and
        // last UTF-8 bytes (U+3000 is E3 80 80) before walking grapheme clusters, which took
        // most of the time of reading a 20,000-member roster.
        let bytes = Substring(self).utf8
        guard let head = bytes.first, let tail = bytes.last else { return "" }
        if head != 0x20, head != 0x09, head != 0x0A, head != 0x0D, head != 0xE3,
           tail != 0x20, tail != 0x09, tail != 0x0A, tail != 0x0D, tail != 0x80 {
            return String(self)
        }
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{3000}" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) })!
        return String(self[first...last])
    }
}
