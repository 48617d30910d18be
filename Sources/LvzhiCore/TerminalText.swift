/// Text from inputs (file names, column names, kinds, titles, member names) made safe to
/// print on a terminal or write as one line of a log: control characters are shown as
/// escapes instead of acting. ESC (which starts colour, cursor and OSC title/hyperlink
/// sequences), BEL, CR, LF, the other C0 and C1 controls, DEL and the Unicode bidirectional
/// overrides (which reorder what is shown) all come out visible, e.g. `\e`, `\r`, `\n`,
/// `\x07`, `\u{202E}`. The one place lvzhi escapes text for the terminal and the log.
public enum TerminalText {
    /// `s` with every control character escaped; with `keepingNewlines`, line feeds (the
    /// line structure of lvzhi's own multi-line messages) are kept and everything else is
    /// escaped — for whole messages, whose values were escaped with newlines already.
    public static func escape(_ s: String, keepingNewlines: Bool = false) -> String {
        guard s.unicodeScalars.contains(where: { needsEscape($0, keepingNewlines: keepingNewlines) }) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        for u in s.unicodeScalars {
            guard needsEscape(u, keepingNewlines: keepingNewlines) else { out.unicodeScalars.append(u); continue }
            switch u {
            case "\u{1B}": out += "\\e"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                let hex = String(u.value, radix: 16, uppercase: true)
                out += u.value < 0x100 ? "\\x" + (hex.count < 2 ? "0" + hex : hex) : "\\u{\(hex)}"
            }
        }
        return out
    }

    static func needsEscape(_ u: Unicode.Scalar, keepingNewlines: Bool) -> Bool {
        switch u.value {
        case 0x0A: return !keepingNewlines
        case 0x09: return !keepingNewlines
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: return true
        default: return false
        }
    }
}
