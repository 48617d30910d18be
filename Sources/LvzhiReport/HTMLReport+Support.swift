import Foundation
import LvzhiCore
import LvzhiRules

/// Display colours of one grade, derived once from the rule file's `#rrggbb` (which is
/// untrusted: anything that is not six hex digits is shown as neutral grey, so nothing from
/// the rule file ever reaches the style sheet but the normalised digits).
struct GradeStyle {
    /// `#rrggbb`, lower case.
    let solid: String
    /// Text colour readable on `solid` (near-black or white).
    let onSolid: String
    /// A light tint of the colour for table cells, with dark text.
    let tint: String
    /// A darker shade for thin lines and text on white.
    let shade: String

    init(_ grade: Grade) {
        let rgb = RGB(hex: grade.hex) ?? RGB(r: 0x88, g: 0x88, b: 0x88)
        solid = rgb.hex
        onSolid = rgb.prefersDarkText ? "#111" : "#fff"
        tint = rgb.mixed(withWhite: 78).hex
        shade = rgb.mixed(withBlack: 20).hex
    }
}

struct RGB {
    var r: Int, g: Int, b: Int

    init(r: Int, g: Int, b: Int) { self.r = r; self.g = g; self.b = b }

    /// Parses `#rrggbb` or `#rgb` (the `#` optional); nil for anything else.
    init?(hex: String) {
        var digits = Array(hex.utf8)
        if digits.first == UInt8(ascii: "#") { digits.removeFirst() }
        func nibble(_ c: UInt8) -> Int? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(c - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(c - UInt8(ascii: "A")) + 10
            default: return nil
            }
        }
        let n = digits.compactMap(nibble)
        guard n.count == digits.count else { return nil }
        switch n.count {
        case 6: self.init(r: n[0] * 16 + n[1], g: n[2] * 16 + n[3], b: n[4] * 16 + n[5])
        case 3: self.init(r: n[0] * 17, g: n[1] * 17, b: n[2] * 17)
        default: return nil
        }
    }

    var hex: String {
        let d = Array("0123456789abcdef")
        var s = "#"
        for v in [r, g, b] { s.append(d[v >> 4]); s.append(d[v & 15]) }
        return s
    }

    /// `percent` parts white, the rest this colour (integer arithmetic, rounded).
    func mixed(withWhite percent: Int) -> RGB {
        func m(_ c: Int) -> Int { (c * (100 - percent) + 255 * percent + 50) / 100 }
        return RGB(r: m(r), g: m(g), b: m(b))
    }

    func mixed(withBlack percent: Int) -> RGB {
        func m(_ c: Int) -> Int { (c * (100 - percent) + 50) / 100 }
        return RGB(r: m(r), g: m(g), b: m(b))
    }

    /// True when dark text reads better than white on this colour. Uses the WCAG relative
    /// luminance, with the cut-over moved towards white text (L ≥ 0.30 rather than the
    /// equal-contrast 0.18), which is how mid greens and blues are usually labelled.
    /// The comparison runs on a table of integers (linear light × 10⁶ per channel value),
    /// so the choice is a pure function of the colour.
    var prefersDarkText: Bool {
        let l = 2126 * RGB.linear[r] + 7152 * RGB.linear[g] + 722 * RGB.linear[b]
        return l >= 3_000 * 1_000_000
    }

    /// sRGB channel value → linear light × 1,000,000, rounded.
    static let linear: [Int] = (0..<256).map { v in
        let c = Double(v) / 255
        let lin = c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        return Int((lin * 1_000_000).rounded())
    }
}

enum Format {

    /// `n / total` as a percentage with one decimal, rounded half up, in integers.
    static func percent(_ n: Int, of total: Int) -> String {
        guard total > 0, n > 0 else { return "0.0%" }
        let p = (n * 2000 + total) / (2 * total)
        return "\(p / 10).\(p % 10)%"
    }

    /// Rounds to at most `decimals` places (half away from zero) for display.
    static func rounded(_ p: Points, decimals: Int) -> Points {
        var unit = 1
        for _ in 0..<max(0, Points.fractionDigits - decimals) { unit *= 10 }
        guard unit > 1 else { return p }
        return Points(raw: p.divided(by: unit).raw * Int64(unit))
    }

    /// Display width in "half-width" units: CJK and other wide characters count two.
    static func displayWidth(_ s: String) -> Int {
        var w = 0
        for u in s.unicodeScalars { w += u.value < 0x1100 ? 1 : 2 }
        return w
    }

    /// Contents of a CSS string literal. Stricter than Escape.html, since HTML escapes mean
    /// nothing inside `<style>`: every ASCII character but letters, digits and space becomes
    /// a hex CSS escape, so neither a quote, a backslash nor `</style>` can survive.
    static func cssString(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            let v = u.value
            let plain = (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x20
                || (v >= 0xA0 && v != 0x2028 && v != 0x2029)
            if plain {
                out.unicodeScalars.append(u)
            } else {
                // `\hh ` — the one space after the digits ends the escape and is not shown.
                out += "\\" + String(v, radix: 16) + " "
            }
        }
        return out
    }
}

/// English counts in the reports' own words: “1 member”, “2 members”, “1 point”, “1.5 points”,
/// and the usual English for the counting units rule names end with (“（每半天）”).
enum English {
    /// “1 member”, “12 members”.
    static func members(_ n: Int) -> String { n == 1 ? "1 member" : "\(n) members" }
    /// “1 point”, “0.5 points”, “2 points” (only exactly one is singular).
    static func points(_ p: Points) -> String { p == .one ? "1 point" : "\(p) points" }

    /// The English of a counting unit written after 每 in a rule name (`半天` → half-day,
    /// half-days, per half-day); nil for a word not in the list.
    static func unit(_ measure: String) -> (one: String, many: String, each: String)? {
        guard let u = units[measure] else { return nil }
        return (u.one, u.many, measure == "次" ? "each time" : "per " + u.one)
    }

    static let units: [String: (one: String, many: String)] = [
        "半天": ("half-day", "half-days"), "天": ("day", "days"), "次": ("time", "times"), "人次": ("attendance", "attendances"),
        "件": ("item", "items"), "篇": ("article", "articles"), "条": ("item", "items"), "项": ("item", "items"),
        "场": ("session", "sessions"), "期": ("issue", "issues"), "份": ("copy", "copies"),
        "小时": ("hour", "hours"), "单位": ("unit", "units"), "年": ("year", "years"), "月": ("month", "months"),
    ]

    /// The rule set as the English report's appendix shows it: grades and colours by their
    /// displayed English names (so that “graded 'unsatisfactory'” matches the rest of the
    /// report), and a rule name's trailing unit in English when it is a known word
    /// (“出席全体会议（每半天）” → “出席全体会议 (per half-day)”). Scoring never sees it.
    static func appendixRules(_ rules: RuleSet) -> RuleSet {
        var r = rules
        r.grades = rules.grades.map { g in
            var e = g
            e.name = g.englishName
            e.color = g.englishColor
            return e
        }
        for i in r.rules.indices {
            let name = r.rules[i].name.trimmingCharacters(in: .whitespaces)
            for (open, close) in [("（", "）"), ("(", ")")] as [(Character, Character)] where name.last == close {
                guard let o = name.lastIndex(of: open) else { continue }
                let inner = String(name[name.index(after: o)..<name.index(before: name.endIndex)]).trimmingCharacters(in: .whitespaces)
                guard inner.hasPrefix("每"), let u = unit(String(inner.dropFirst())) else { continue }
                r.rules[i].name = String(name[..<o]).trimmingCharacters(in: .whitespaces) + " (" + u.each + ")"
                break
            }
        }
        return r
    }
}

/// Floor division for (possibly negative) raw points.
func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
