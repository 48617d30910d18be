import LvzhiCore

extension Period {
    /// The period as people say it: “2025年第2季度” / “2025 Q2” for a calendar quarter, “2025年” /
    /// “2025” for a calendar year, otherwise “2025-01-01 至 2025-06-30” / “2025-01-01 to 2025-06-30”.
    public func displayName(_ lang: Language) -> String {
        let s = start.components, e = end.components
        if s.year == e.year, s.month == 1, s.day == 1, e.month == 12, e.day == 31 {
            return lang.pick("\(s.year)年", "\(s.year)")
        }
        if s.year == e.year, s.day == 1, (s.month - 1) % 3 == 0, e.month == s.month + 2,
           e.day == Day.daysIn(month: e.month, year: e.year) {
            let q = (s.month - 1) / 3 + 1
            return lang.pick("\(s.year)年第\(q)季度", "\(s.year) Q\(q)")
        }
        return lang.pick("\(start) 至 \(end)", "\(start) to \(end)")
    }
}
