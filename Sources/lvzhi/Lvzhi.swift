import ArgumentParser
import LvzhiCore

@main
struct Lvzhi: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lvzhi",
        abstract: "政协委员履职考核评分与五色图报告工具 (CPPCC duty-performance scoring and five-colour reports).",
        discussion: """
        退出码 (exit codes):
          0   成功 (success; rejected records are listed in rejects.csv)
          1   有被拒收的记录且使用了 --strict (rejected records under --strict)
          2   规则文件有错误 (rule file errors)
          3   输入文件无法读取或格式错误 (unreadable or malformed input)
          64  命令行用法错误 (usage error)
          70  内部错误 (internal error)
        """,
        version: LvzhiVersion.current,
        subcommands: [Score.self, Check.self, TestCommand.self, Explain.self, Render.self],
        defaultSubcommand: nil
    )
}

enum LvzhiVersion {
    static let current = "0.1.0"
}

/// Exit codes, documented in the README and `--help`.
enum Exit {
    static let success: Int32 = 0
    static let rejected: Int32 = 1
    static let badRules: Int32 = 2
    static let badInput: Int32 = 3
    static let usage: Int32 = 64
    static let internalError: Int32 = 70
}

struct LanguageOption: ParsableArguments {
    @Option(name: .customLong("lang"), help: "输出语言：zh（默认）或 en (language of messages and reports).")
    var lang: String = "zh"

    var language: Language { Language(rawValue: lang) ?? .zh }

    func validate() throws {
        guard Language(rawValue: lang) != nil else {
            throw ValidationError("--lang 只能是 zh 或 en (--lang must be zh or en)")
        }
    }
}
