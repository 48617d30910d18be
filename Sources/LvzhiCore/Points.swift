/// An exact number of points: a normalised fraction `numerator / denominator` of 64-bit
/// integers (denominator > 0, no common factor).
///
/// Points never pass through binary floating point, and nothing is rounded while scoring:
/// a 1/6 share of 10 is 5/3, two of them are 10/3, exactly what a 1/3 share of 10 is, so the
/// two members tie. Rounding happens only when a number is shown, in one place
/// (``display(decimals:)``, half away from zero); ``exact`` is the text a program reads back
/// (``init(exact:)``).
///
/// Arithmetic never traps. A result whose normalised numerator or denominator does not fit in
/// 64 bits becomes the *overflow* value (``isOverflow``): it stays overflowed through further
/// arithmetic, so whoever produced a total can see that it could not be represented and report
/// where (the scorer does, naming the member, the rule and the record). `lvzhi check` bounds the
/// rule file's values so that ordinary data never gets there.
///
/// ```swift
/// let p = Points(parsing: "1.5")!              // 3/2
/// let share = Points(10) * Points(1, 6)        // 5/3
/// print((share + share).exact)                 // "10/3"
/// print((share + share).description)           // "3.33"
/// ```
public struct Points: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Units per point of the fixed-point view (``raw``), used by expressions and history.
    public static let scale: Int64 = 10_000
    /// Digits after the decimal point accepted in a decimal literal (rule files, quantities).
    public static let fractionDigits = 4
    /// The largest magnitude accepted from input (one billion points), in units of ``scale``.
    public static let limit: Int64 = 1_000_000_000 * scale
    /// Decimal places a number is shown with unless the rule file says otherwise (`display.decimals`).
    public static let defaultDisplayDecimals = 2
    /// Decimal places ``description`` shows while a run's outputs are written: the rule file's
    /// `display.decimals`, bound by ``withDisplay(decimals:_:)`` around the writers (and inside
    /// each worker lane), 2 otherwise.
    @TaskLocal public static var displayDecimals: Int = defaultDisplayDecimals

    /// Runs `body` with ``description`` showing `decimals` places.
    public static func withDisplay<T>(decimals: Int, _ body: () throws -> T) rethrows -> T {
        try $displayDecimals.withValue(decimals, operation: body)
    }

    /// The numerator; its sign is the value's sign.
    public private(set) var numerator: Int64
    /// The denominator, always > 0 (0 only for the overflow value).
    public private(set) var denominator: Int64

    /// Whole points.
    public init(_ value: Int) {
        numerator = Int64(value)
        denominator = 1
    }

    /// The fraction `numerator / denominator`, normalised; the overflow value when the
    /// denominator is 0 or the normalised form does not fit.
    public init(_ numerator: Int64, _ denominator: Int64) {
        self = Self.make(Int128(numerator), Int128(denominator))
    }

    private init(unchecked n: Int64, _ d: Int64) {
        numerator = n
        denominator = d
    }

    /// A value in units of 1/10 000 point (the fixed-point view; exact).
    public init(raw: Int64) { self.init(raw, Self.scale) }

    public static let zero = Points(unchecked: 0, 1)
    public static let one = Points(unchecked: 1, 1)
    /// The value of a computation whose exact result does not fit in 64-bit numerator and
    /// denominator. Compares above every number; stays overflowed through arithmetic.
    public static let overflow = Points(unchecked: 1, 0)

    /// True for ``overflow``.
    public var isOverflow: Bool { denominator == 0 }
    public var isZero: Bool { numerator == 0 && denominator != 0 }
    public var isNegative: Bool { numerator < 0 && denominator != 0 }
    /// True when the value is a whole number of points.
    public var isInteger: Bool { denominator == 1 }

    /// The value rounded half away from zero to 1/10 000 point (the fixed-point view used by
    /// expressions and the history database). Saturates at ±`Int64.max` for the overflow value.
    public var raw: Int64 {
        if isOverflow { return .max }
        if denominator == 1 {
            let (p, o) = numerator.multipliedReportingOverflow(by: Self.scale)
            return o ? (numerator < 0 ? .min : .max) : p
        }
        let r = Self.roundedDivide128(Int128(numerator) * Int128(Self.scale), Int128(denominator))
        return Int64(clamping: r)
    }

    // MARK: - Normalising

    /// Binary (Stein's) gcd, one body for the 64-bit fast paths and the 128-bit general case.
    @inline(__always)
    static func binaryGCD<T: FixedWidthInteger & UnsignedInteger>(_ a: T, _ b: T) -> T {
        var a = a, b = b
        if a == 0 { return b }
        if b == 0 { return a }
        if a == 1 || b == 1 { return 1 }
        if a == b { return a }
        let shift = (a | b).trailingZeroBitCount
        a >>= a.trailingZeroBitCount
        repeat {
            b >>= b.trailingZeroBitCount
            if a > b { swap(&a, &b) }
            b -= a
        } while b != 0
        return a << shift
    }

    @inline(__always)
    static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 { binaryGCD(a, b) }

    static func gcd128(_ a: UInt128, _ b: UInt128) -> UInt128 {
        if a <= UInt128(UInt64.max) && b <= UInt128(UInt64.max) { return UInt128(gcd(UInt64(a), UInt64(b))) }
        return binaryGCD(a, b)
    }

    /// `n / d` normalised, or the overflow value.
    static func make(_ n: Int128, _ d: Int128) -> Points {
        if d == 0 { return .overflow }
        if n == 0 { return .zero }
        var n = n, d = d
        if d < 0 {
            // −Int128.min cannot occur: the operands come from 64-bit values.
            n = -n
            d = -d
        }
        let g = gcd128(n.magnitude, d.magnitude)
        if g > 1 {
            n /= Int128(g)
            d /= Int128(g)
        }
        guard let nn = Int64(exactly: n), let dd = Int64(exactly: d) else { return .overflow }
        return Points(unchecked: nn, dd)
    }

    // MARK: - Arithmetic (exact; never traps)

    public static func + (a: Points, b: Points) -> Points {
        if a.isOverflow || b.isOverflow { return .overflow }
        if a.denominator == b.denominator {
            let (s, o) = a.numerator.addingReportingOverflow(b.numerator)
            if !o {
                if a.denominator == 1 { return Points(unchecked: s, 1) }
                return reduced(s, a.denominator)
            }
        } else if let p = add64(a, b) {
            return p
        }
        let n = Int128(a.numerator) * Int128(b.denominator) + Int128(b.numerator) * Int128(a.denominator)
        return make(n, Int128(a.denominator) * Int128(b.denominator))
    }

    /// `a + b` in 64 bits (Knuth's method: divide by the denominators' gcd first), or nil when an
    /// intermediate does not fit.
    @inline(__always)
    private static func add64(_ a: Points, _ b: Points) -> Points? {
        let g = Int64(gcd(UInt64(a.denominator), UInt64(b.denominator)))
        let da = a.denominator / g, db = b.denominator / g
        let (x, o1) = a.numerator.multipliedReportingOverflow(by: db)
        let (y, o2) = b.numerator.multipliedReportingOverflow(by: da)
        let (t, o3) = x.addingReportingOverflow(y)
        if o1 || o2 || o3 { return nil }
        if t == 0 { return .zero }
        if g == 1 {
            let (d, o) = da.multipliedReportingOverflow(by: db)
            return o ? nil : Points(unchecked: t, d)
        }
        let g2 = Int64(gcd(t.magnitude, UInt64(g)))
        let (d, o4) = da.multipliedReportingOverflow(by: b.denominator / g2)
        if o4 { return nil }
        return Points(unchecked: t / g2, d)
    }

    /// `n / d` (d > 0) without a common factor, in 64 bits.
    @inline(__always)
    private static func reduced(_ n: Int64, _ d: Int64) -> Points {
        if n == 0 { return .zero }
        let g = Int64(gcd(n.magnitude, UInt64(d)))
        return g == 1 ? Points(unchecked: n, d) : Points(unchecked: n / g, d / g)
    }

    public static prefix func - (a: Points) -> Points {
        if a.isOverflow || a.numerator == .min { return .overflow }
        return Points(unchecked: -a.numerator, a.denominator)
    }

    public static func - (a: Points, b: Points) -> Points { a + (-b) }
    public static func += (a: inout Points, b: Points) { a = a + b }
    public static func -= (a: inout Points, b: Points) { a = a - b }

    public static func * (a: Points, b: Points) -> Points {
        if a.isOverflow || b.isOverflow { return .overflow }
        if a.denominator == 1 && b.denominator == 1 {
            let (p, o) = a.numerator.multipliedReportingOverflow(by: b.numerator)
            if !o { return Points(unchecked: p, 1) }
        } else if a.numerator == 0 || b.numerator == 0 {
            return .zero
        } else {
            // Cross-cancel first: (a.n / g1) × (b.n / g2) over (a.d / g2) × (b.d / g1).
            let g1 = Int64(gcd(a.numerator.magnitude, UInt64(b.denominator)))
            let g2 = Int64(gcd(b.numerator.magnitude, UInt64(a.denominator)))
            let (n, o1) = (a.numerator / g1).multipliedReportingOverflow(by: b.numerator / g2)
            let (d, o2) = (a.denominator / g2).multipliedReportingOverflow(by: b.denominator / g1)
            if !o1 && !o2 { return Points(unchecked: n, d) }
        }
        return make(Int128(a.numerator) * Int128(b.numerator), Int128(a.denominator) * Int128(b.denominator))
    }

    /// Exact division by a whole count (sharing among co-authors): 10 divided by 6 is 5/3.
    /// Division by a count below 1 gives the overflow value.
    public func divided(by count: Int) -> Points {
        if isOverflow || count <= 0 { return .overflow }
        if numerator == 0 { return .zero }
        let g = Int64(Self.gcd(numerator.magnitude, UInt64(count)))
        let (d, o) = denominator.multipliedReportingOverflow(by: Int64(count) / g)
        if !o { return Points(unchecked: numerator / g, d) }
        return Self.make(Int128(numerator), Int128(denominator) * Int128(count))
    }

    /// Exact product with the fraction `n / d` (prorating: × period days ÷ days served).
    public func scaled(by n: Int, over d: Int) -> Points {
        if isOverflow || d <= 0 { return .overflow }
        return Self.make(Int128(numerator) * Int128(n), Int128(denominator) * Int128(d))
    }

    public static func < (a: Points, b: Points) -> Bool {
        if a.isOverflow || b.isOverflow { return !a.isOverflow && b.isOverflow }
        if a.denominator == b.denominator { return a.numerator < b.numerator }
        return Int128(a.numerator) * Int128(b.denominator) < Int128(b.numerator) * Int128(a.denominator)
    }

    /// The magnitude.
    public var magnitude: Points { isNegative ? -self : self }

    // MARK: - Parsing

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
    @_specialize(exported: true, where C == UnsafeBufferPointer<UInt8>)
    @_specialize(exported: true, where C == ArraySlice<UInt8>)
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
                    if fractionDigits > Self.fractionDigits { return nil }
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
        // Whole points (a quantity of 1, 2, …): no fraction to normalise.
        if fraction == 0 { return Points(unchecked: negative ? -whole : whole, 1) }
        var f = fraction
        for _ in fractionDigits..<Self.fractionDigits { f *= 10 }
        let raw = whole * scale + f
        return Points(raw: negative ? -raw : raw)
    }

    /// Parses the exact form written by ``exact``: `3`, `-1.5` (a decimal as above) or a
    /// fraction `10/3`, `-1/6` (whole numbers, denominator > 0). Returns `nil` for anything else.
    public init?(exact text: some StringProtocol) {
        var s = Substring(text)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        if let slash = s.firstIndex(of: "/") {
            let num = s[..<slash], den = s[s.index(after: slash)...]
            guard !num.isEmpty, !den.isEmpty, den.allSatisfy(\.isASCIIDigit),
                  num.dropFirst(num.first == "-" ? 1 : 0).allSatisfy(\.isASCIIDigit), num != "-",
                  let n = Int64(num), let d = Int64(den), d > 0 else { return nil }
            let p = Points(n, d)
            if p.isOverflow { return nil }
            self = p
        } else {
            guard let p = Points(parsing: s) else { return nil }
            self = p
        }
    }

    // MARK: - Text

    /// The exact value as text a program can read back (``init(exact:)``): `3`, `-2`, `10/3`,
    /// `3/2`; `overflow` for the overflow value.
    public var exact: String {
        var out: [UInt8] = []
        exact(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// ``exact`` appended to a byte buffer (a ledger writes two a line).
    public func exact(into o: inout [UInt8]) {
        if isOverflow { o.append(contentsOf: "overflow".utf8); return }
        if numerator < 0 { o.append(UInt8(ascii: "-")) }
        Self.digits(numerator.magnitude, into: &o)
        if denominator != 1 {
            o.append(UInt8(ascii: "/"))
            Self.digits(UInt64(denominator), into: &o)
        }
    }

    /// The one way a number of points is shown: rounded half away from zero to `decimals`
    /// places (0–4), without trailing zeros: `3.33` for 10/3, `1.5`, `-0.25`, `2`.
    /// `溢出` (overflow) for the overflow value.
    public func display(decimals: Int = Points.displayDecimals) -> String {
        var out: [UInt8] = []
        display(decimals: decimals, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// ``display(decimals:)`` appended to a byte buffer (the member pages write a million lines).
    public func display(decimals: Int, into o: inout [UInt8]) {
        if isOverflow { o.append(contentsOf: "溢出".utf8); return }
        if denominator == 1 {
            if numerator < 0 { o.append(UInt8(ascii: "-")) }
            Self.digits(numerator.magnitude, into: &o)
            return
        }
        let places = max(0, min(decimals, Self.fractionDigits))
        var unit: Int128 = 1
        for _ in 0..<places { unit *= 10 }
        let scaled = Self.roundedDivide128(Int128(numerator) * unit, Int128(denominator))
        if scaled < 0 { o.append(UInt8(ascii: "-")) }
        let m = scaled.magnitude
        Self.digits(UInt64(m / UInt128(unit)), into: &o)
        var frac = UInt64(m % UInt128(unit))
        guard frac != 0 else { return }
        o.append(UInt8(ascii: "."))
        var width = places
        while frac % 10 == 0 { frac /= 10; width -= 1 }
        DecimalBytes.append(frac, width: width, to: &o)
    }

    private static func digits(_ v: UInt64, into o: inout [UInt8]) { DecimalBytes.append(v, to: &o) }

    /// ``display(decimals:)`` with the places in force (``displayDecimals``, 2 by default).
    public var description: String { display() }

    /// `n / d` rounded half away from zero (fixed-point helpers).
    public static func roundedDivide(_ n: Int64, _ d: Int64) -> Int64 {
        Int64(clamping: roundedDivide128(Int128(n), Int128(d)))
    }

    static func roundedDivide128(_ n: Int128, _ d: Int128) -> Int128 {
        let q = n / d
        let r = n % d
        if r == 0 { return q }
        if r.magnitude * 2 >= d.magnitude { return (n < 0) != (d < 0) ? q - 1 : q + 1 }
        return q
    }
}

extension Points: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self.init(value) }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

/// Whole numbers appended to a byte buffer as decimal text (ledger points, member pages,
/// workbook cells), written backwards into room on the stack and appended at once: reversing
/// `o[start...]` in place retained and released the buffer's storage at every number.
public enum DecimalBytes {
    /// `v` in decimal, without leading zeros.
    @inline(__always)
    public static func append(_ v: UInt64, to o: inout [UInt8]) {
        if v < 10 { o.append(UInt8(ascii: "0") + UInt8(v)); return }
        append(v, width: 0, to: &o)
    }

    /// `v` in decimal, padded with leading zeros to `width` digits (at most 24).
    public static func append(_ v: UInt64, width: Int, to o: inout [UInt8]) {
        var room: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes; UInt64.max has 20 digits
        withUnsafeMutableBytes(of: &room) { b in
            var i = b.count
            var v = v
            while v > 0 || b.count - i < width {
                i -= 1
                b[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            }
            o.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[i...]))
        }
    }
}
