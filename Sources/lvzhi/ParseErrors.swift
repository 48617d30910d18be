import ArgumentParser
import Foundation

/// ArgumentParser's own messages for a command line it cannot parse, in the user's language:
/// Chinese unless `--lang en` is on the command line. Each known sentence is translated; any
/// other keeps its English text after the translated “错误:” prefix, so nothing is lost.
enum ParseErrors {
    /// Whether the command line asks for English (`--lang en`, `--lang=en`).
    static func wantsEnglish(_ arguments: [String]) -> Bool {
        for (i, a) in arguments.enumerated() {
            if a == "--lang=en" { return true }
            if a == "--lang", i + 1 < arguments.count, arguments[i + 1] == "en" { return true }
        }
        return false
    }

    /// `message` (ArgumentParser's full message for a parse error) in Chinese.
    static func chinese(_ message: String) -> String {
        message.split(separator: "\n", omittingEmptySubsequences: false).map { line(String($0)) }.joined(separator: "\n")
    }

    /// Most specific first.
    private static let sentences: [(pattern: String, template: String)] = [
        (#"^The value '(.*)' is invalid for '(.*)'\. Please provide one of (.*)\.$"#, "“$1”不是 $2 的有效值；可用：$3"),
        (#"^The value '(.*)' is invalid for '(.*)': (.*)$"#, "“$1”不是 $2 的有效值：$3"),
        (#"^The value '(.*)' is invalid for '(.*)'$"#, "“$1”不是 $2 的有效值"),
        (#"^Missing expected argument '(.*)'$"#, "缺少参数 $1"),
        (#"^Missing value for '(.*)'$"#, "$1 后面缺少值"),
        (#"^Unknown option '(.*)'\. Did you mean '(.*)'\?$"#, "未知的选项 $1；是否为 $2？"),
        (#"^Unknown option '(.*)'$"#, "未知的选项 $1"),
        (#"^Unexpected argument '(.*)'\. Did you mean '(.*)'\?$"#, "多余的参数 “$1”；是否为 $2？"),
        (#"^Unexpected argument '(.*)'$"#, "多余的参数 “$1”"),
        (#"^([0-9]+) unexpected arguments: (.*)$"#, "多余的参数 $1 个：$2"),
    ]

    private static func line(_ text: String) -> String {
        var prefix = "", rest = text
        for (en, zh) in [("Error: ", "错误: "), ("Help:  ", "说明:  "), ("Usage: ", "用法: ")] where rest.hasPrefix(en) {
            prefix = zh
            rest = String(rest.dropFirst(en.count))
            break
        }
        if let r = rest.range(of: #"^  See '(.*)' for more information\.$"#, options: .regularExpression) {
            let inner = rest[r].dropFirst("  See '".count).dropLast("' for more information.".count)
            return "  详见 '\(inner)'。"
        }
        if prefix == "错误: " {
            for s in sentences {
                guard let re = try? NSRegularExpression(pattern: s.pattern) else { continue }
                let whole = NSRange(rest.startIndex..., in: rest)
                guard let m = re.firstMatch(in: rest, range: whole) else { continue }
                var out = s.template
                for g in stride(from: m.numberOfRanges - 1, through: 1, by: -1) {
                    let value = Range(m.range(at: g), in: rest).map { String(rest[$0]) } ?? ""
                    out = out.replacingOccurrences(of: "$\(g)", with: value)
                }
                return prefix + out
            }
        }
        return prefix + rest
    }
}
