extension BinaryInteger {
    /// The number with thousands separators, for people: `2,343`, `-1,000,000`.
    public var grouped: String {
        let digits = String(magnitude)
        var out = ""
        out.reserveCapacity(digits.utf8.count + digits.utf8.count / 3 + 1)
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (self < 0 ? "-" : "") + out
    }
}
