import LvzhiCore

/// Dates as people read them on the reports: `2026年12月3日` (English `3 December 2026`).
/// The machine forms (`2026-12-03`, ISO timestamps) stay in the CSV, JSON and ledger files,
/// and in the provenance notes.
public enum DisplayDate {
    static let months = ["January", "February", "March", "April", "May", "June", "July",
                         "August", "September", "October", "November", "December"]

    /// `2026年12月3日`, `3 December 2026`.
    public static func day(_ d: Day, _ lang: Language) -> String {
        let c = d.components
        return lang == .en ? "\(c.day) \(months[c.month - 1]) \(c.year)" : "\(c.year)年\(c.month)月\(c.day)日"
    }

    /// `2025年1月1日至12月31日` (the year written once when it is the same), `1 January to 31 December 2025`.
    public static func period(_ p: Period, _ lang: Language) -> String {
        let a = p.start.components, b = p.end.components
        if lang == .en {
            let from = a.year == b.year ? "\(a.day) \(months[a.month - 1])" : day(p.start, .en)
            return "\(from) to \(day(p.end, .en))"
        }
        return a.year == b.year ? "\(a.year)年\(a.month)月\(a.day)日至\(b.month)月\(b.day)日" : "\(day(p.start, .zh))至\(day(p.end, .zh))"
    }

    /// The run time (`2026-12-03T09:15:00+08:00`, as the run recorded it) as `2026年12月3日 09:15`;
    /// the text unchanged when it is not in that form.
    public static func generated(_ iso: String, _ lang: Language) -> String {
        let b = Array(iso.utf8)
        guard b.count >= 10, let d = Day(iso: iso.prefix(10)) else { return iso }
        var out = day(d, lang)
        if b.count >= 16, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " ") {
            out += " " + String(decoding: b[11..<16], as: UTF8.self)
        }
        return out
    }
}
