import ArgumentParser
import LvzhiCore
import LvzhiIngest

@main
struct Lvzhi: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lvzhi",
        abstract: "政协委员履职考核评分与五色图报告工具 (CPPCC duty-performance scoring and five-colour reports).",
        discussion: """
        退出码 (exit codes):
          0   成功，或 --if-changed 时无变化而跳过 (success; rejected records are listed in
              rejects.csv; also a run skipped by --if-changed)
          1   有被拒收的记录且使用了 --strict，或超过 --max-rejects N / N%；
              lvzhi test 中核准结果会改变 (rejected records under --strict, or more than
              --max-rejects; lvzhi test: approved scores or grades would change)
          2   规则文件有错误、用例失败，或核准文件的输入已改变 (rule file errors, failing cases,
              or an approval file whose inputs changed)
          3   输入文件无法读取或格式错误，或输出（包括历史数据库）无法写入 (unreadable or malformed
              input, or outputs, the history database included, that cannot be written)
          64  命令行或任务文件用法错误；同一期间已有公布的结果而未加 --supersede (usage or job-file
              error; the period was published already and --supersede was not given)
          70  内部错误 (internal error)
          75  另一次运行正在写同一输出文件夹，且 --lock fail (another run holds the output
              folder's lock under --lock fail; try again later)
          130 / 143 / 129  被 SIGINT / SIGTERM / SIGHUP 中止，原有输出未改动
              (stopped by a signal; previous outputs untouched)
        """,
        version: LvzhiVersion.current,
        subcommands: [Score.self, Validate.self, Inspect.self, Check.self, TestCommand.self, Explain.self, Render.self, New.self, Diff.self, History.self],
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
    /// Another run holds the output folder's lock (`--lock fail`); EX_TEMPFAIL.
    static let locked: Int32 = 75
    /// Stopped by a signal: 128 + the signal number (130 SIGINT, 143 SIGTERM, 129 SIGHUP).
    static func signaled(_ sig: Int32) -> Int32 { 128 + sig }
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

/// The inputs of a run, shared by the commands that read exports without writing reports.
struct InputOptions: ParsableArguments {
    @Option(help: "规则文件 (rule file, YAML).")
    var rules: String

    @Option(help: "委员名册：CSV、XML 或 .xlsx (member roster: CSV, XML or .xlsx).")
    var members: String

    @Option(parsing: .upToNextOption, help: "活动记录文件（.csv、.xml、.xlsx）或文件夹，可多个 (activity files or folders).")
    var activities: [String]

    @Option(parsing: .upToNextOption, help: "映射文件（YAML），可多个；每个映射文件用 files 写明适用的文件；见 docs/mapping.md (mapping files for foreign exports).")
    var mapping: [String] = []

    @Option(help: "考核期间，覆盖规则文件中的设置 (period: 2025, 2025-Q1 or 2024-12-01..2025-11-30).")
    var period: String?

    @Option(help: "复核文件（YAML）：补录、删除或修改记录，每条写明理由和批准人；见 docs/corrections.md (corrections file).")
    var corrections: String?
}

/// Loading `--corrections` for the commands that read inputs.
enum CorrectionOption {
    /// - Throws: `ExitCode(3)` after printing every diagnostic when the file cannot be read or has errors.
    static func load(_ path: String?, lang: Language) throws -> CorrectionSet? {
        guard let path else { return nil }
        do { return try CorrectionLoader.load(path: path) } catch {
            printErr(error.render(lang))
            throw ExitCode(Exit.badInput)
        }
    }

    /// "复核 FILE：5 条（补录 1、删除 1、修改 3）".
    static func summary(_ applied: [AppliedCorrection], path: String, lang: Language) -> String {
        let counts = Correction.Action.allCases.map { a in (a, applied.filter { $0.action == a }.count) }.filter { $0.1 > 0 }
        let parts = counts.map { "\($0.0.label(lang)) \($0.1)" }.joined(separator: lang.pick("、", ", "))
        return lang.pick("复核 \(path)：\(applied.count) 条", "corrections \(path): \(applied.count)")
            + (parts.isEmpty ? "" : lang.pick("（\(parts)）", " (\(parts))"))
    }
}
