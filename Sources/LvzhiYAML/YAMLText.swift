import Foundation

/// Writing YAML that lvzhi generates for people (draft mapping files, corrections files).
public enum YAMLText {
    /// `s` as a YAML double-quoted scalar: quotes and backslashes escaped, line breaks and tabs
    /// as `\n` `\r` `\t`, other control and invisible characters (C0, DEL, C1, U+2028/2029,
    /// BOM) as `\uXXXX`, so the value reads back exactly and is never a number, a date, a flag
    /// or a comment.
    public static func doubleQuoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if c.value < 0x20 || c.value == 0x7f || (0x80...0x9f).contains(c.value) || c.value == 0x2028 || c.value == 0x2029 || c.value == 0xfeff {
                    out += String(format: "\\u%04X", c.value)
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }
}
