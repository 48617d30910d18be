/// An exact decimal number of points, stored as a fixed-point integer in units of 1/10 000.
///
/// Points never pass through binary floating point. Four decimal places cover every scheme
/// seen in practice (½, ¼, ⅕ of a point); a division that does not terminate within four
/// places (⅓) is rounded half away from zero, and the ledger records the rounded value so
/// that its lines always add up to the member's total.
///
/// ```swift
/// let p = Points(parsing: "1.5")!      // 1.5
/// let q = p * Points(2)                // 3
/// print(q.description)                 // "3"
/// ```
public struct Points: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Units per point.
    public static let scale: Int64 = 10_000
    /// Digits after the decimal point that can be represented exactly.
    public static let fractionDigits = 4
    /// The largest magnitude accepted from input (one billion points); keeps products in range.
    public static let limit: Int64 = 1_000_000_000 * scale

    /// The value in units of 1/10 000 point.
    public var raw: Int64

    public init(raw: Int64) { self.raw = raw }
    public init(_ value: Int) { self.raw = Int64(value) * Self.scale }

    public static let zero = Points(raw: 0)
    public static let one = Points(raw: scale)

    /// Parses a plain decimal such as `2`, `-1.5`, `+0.25`, `3.`; at most four fraction
    /// digits, no exponent, no grouping. Returns `nil` for anything else.
    public init?(parsing text: some StringProtocol) {
        var utf8 = Array(text.utf8)
        // Trim ASCII spaces.
        while let last = utf8.last, last == 0x20 || last == 0x09 { utf8.removeLast() }
        var start = 0
        while start < utf8.count, utf8[start] == 0x20 || utf8[start] == 0x09 { start += 1 }
        guard start < utf8.count else { return nil }
        guard let value = Self.parse(utf8[start...]) else { return nil }
        self = value
    }

    /// Parses ASCII decimal bytes; see `init?(parsing:)`.
    public static func parse<C: Collection>(_ bytes: C) -> Points? where C.Element == UInt8 {
        var negative = false
        var i = bytes.startIndex
        guard i != bytes.endIndex else { return nil }
        if bytes[i] == UInt8(ascii: "-") { negative = true; i = bytes.index(after: i) }
        else if bytes[i] == UInt8(ascii: "+") { i = bytes.index(after: i) }
        var whole: Int64 = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var sawDigit = false
        var inFraction = false
        while i != bytes.endIndex {
            let b = bytes[i]
            if b >= 0x30 && b <= 0x39 {
                sawDigit = true
                let d = Int64(b - 0x30)
                if inFraction {
                    fractionDigits += 1
                    if fractionDigits > fractionDigitsLimit { return nil }
                    fraction = fraction * 10 + d
                } else {
                    whole = whole * 10 + d
                    if whole > limit / scale { return nil }
                }
            } else if b == UInt8(ascii: "."), !inFraction {
                inFraction = true
            } else {
                return nil
            }
            i = bytes.index(after: i)
        }
        guard sawDigit else { return nil }
        var f = fraction
        for _ in fractionDigits..<fractionDigitsLimit { f *= 10 }
        let raw = whole * scale + f
        return Points(raw: negative ? -raw : raw)
    }
    private static let fractionDigitsLimit = 4

    public static func < (a: Points, b: Points) -> Bool { a.raw < b.raw }
    public static func + (a: Points, b: Points) -> Points { Points(raw: a.raw + b.raw) }
    public static func - (a: Points, b: Points) -> Points { Points(raw: a.raw - b.raw) }
    public static prefix func - (a: Points) -> Points { Points(raw: -a.raw) }
    public static func += (a: inout Points, b: Points) { a.raw += b.raw }
    public static func -= (a: inout Points, b: Points) { a.raw -= b.raw }

    /// Exact product, rounded half away from zero to four decimal places.
    public static func * (a: Points, b: Points) -> Points {
        let (p, overflow) = a.raw.multipliedReportingOverflow(by: b.raw)
        precondition(!overflow, "points overflow")
        return Points(raw: roundedDivide(p, scale))
    }

    /// Division by a whole count (e.g. sharing among co-authors), rounded half away from zero.
    public func divided(by count: Int) -> Points {
        precondition(count > 0)
        return Points(raw: Self.roundedDivide(raw, Int64(count)))
    }

    /// `n / d` rounded half away from zero.
    public static func roundedDivide(_ n: Int64, _ d: Int64) -> Int64 {
        let q = n / d
        let r = n % d
        if r == 0 { return q }
        // |r| * 2 >= |d| → round away from zero.
        if (r.magnitude * 2) >= d.magnitude { return n < 0 ? q - 1 : q + 1 }
        return q
    }

    public var isZero: Bool { raw == 0 }
    public var isNegative: Bool { raw < 0 }

    /// Plain decimal text without trailing zeros: `2`, `1.5`, `-0.25`.
    public var description: String {
        let negative = raw < 0
        let m = raw.magnitude
        let whole = m / UInt64(Self.scale)
        var frac = m % UInt64(Self.scale)
        var s = negative ? "-" : ""
        s += String(whole)
        if frac != 0 {
            var digits = 4
            while frac % 10 == 0 { frac /= 10; digits -= 1 }
            var f = String(frac)
            while f.count < digits { f = "0" + f }
            s += "." + f
        }
        return s
    }
}

extension Points: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self.init(value) }
}
