import ArgumentParser
import Foundation
import LvzhiApp
import LvzhiCore
import LvzhiHistory
import LvzhiIngest
import LvzhiJob
import LvzhiReport
import LvzhiRules
import LvzhiScoring

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "按规则文件为委员评分并生成报告 (score members and write the reports).",
        discussion: "输出 (outputs): " + ReportSet.outputNames.joined(separator: ", ") + "\n（rejects.csv 总是写出，formats 不能去掉它 / rejects.csv is always written）\n\n" + """
        任务文件 (job file): --job FILE 从 YAML 文件读取同样的设置，键名为 rules、members、
        activities、period、as_of、out、formats、lang、strict、max_rejects、history、publish、
        supersede、lock、log、quiet、if_changed、mapping、corrections；相对路径从任务文件所在
        文件夹算起，activities 可写通配符（*.csv）；命令行选项优先于任务文件。
        (the same settings from a YAML file; relative paths start at its folder;
        command-line options win.)

        输出先写入旁边的临时文件夹，全部成功后整体替换 --out；被中止（包括 kill -9）时
        原有输出保持不变。同一输出文件夹同时只允许一个运行（锁文件 OUT.lock）。
        退出码见 lvzhi --help。
        (outputs are staged beside --out and swapped in only when complete; one run per
        output folder. Exit codes: see lvzhi --help.)

        历史 (history): 每次运行默认记入输出文件夹旁边的 lvzhi-history.sqlite（--history
        指定其他文件，--no-history 或任务文件中 history: false 不记录）；记为草稿，
        --publish 记为公布。同一考核期间、同名规则文件已有公布的结果时拒绝再次公布
        （退出码 64），除非加 --supersede。历史写不进去时本次输出也不替换。
        见 docs/history.md。
        (each run is recorded in lvzhi-history.sqlite beside the output folder,
        as a draft unless --publish; a second publication of a period needs
        --supersede; if the history cannot be written, the outputs are not
        swapped in either.)
        """
    )

    @Option(help: "任务文件（YAML），命令行选项优先 (job file; command-line options win).")
    var job: String?

    @Option(help: "规则文件 (rule file, YAML).")
    var rules: String?

    @Option(help: "委员名册：CSV、XML 或 .xlsx (member roster: CSV, XML or .xlsx).")
    var members: String?

    @Option(parsing: .upToNextOption, help: "活动记录文件（.csv、.xml、.xlsx）或文件夹，可多个 (activity files or folders).")
    var activities: [String] = []

    @Option(help: "输出文件夹 (output folder).")
    var out: String?

    @Option(name: .customLong("as-of"), help: "阶段通报：只计到这一天（含）为止的记录，之后的记录不计分也不拒收；最低要求只显示进度 (year to date as of DATE, e.g. 2025-06-30).")
    var asOf: String?

    @Option(parsing: .upToNextOption, help: "映射文件（YAML），可多个，读取其他格式的导出；见 docs/mapping.md (mapping files for foreign exports).")
    var mapping: [String] = []

    @Option(help: "考核期间，覆盖规则文件中的设置：2025、2025-Q1 或 2024-12-01..2025-11-30 (period).")
    var period: String?

    @Option(help: "复核文件（YAML）：补录、删除或修改记录，每条写明理由和批准人；见 docs/corrections.md (corrections file).")
    var corrections: String?

    @Option(help: ArgumentHelp("只写这些输出，逗号分隔：\(OutputFormats.tokens(available: ReportSet.outputNames).joined(separator: ","))（默认全部；rejects.csv 总是写出） (outputs to write)."))
    var formats: [String] = []

    @Flag(inversion: .prefixedNo, help: "有记录被拒收时以退出码 1 结束 (exit 1 when any record was rejected).")
    var strict: Bool?

    @Option(name: .customLong("max-rejects"), help: "拒收记录超过 N 条或 N% 时以退出码 1 结束 (exit 1 above N or N% rejected records).")
    var maxRejects: String?

    @Option(help: "历史数据库，默认为输出文件夹旁边的 lvzhi-history.sqlite (history database; default: lvzhi-history.sqlite beside --out).")
    var history: String?

    @Flag(name: .customLong("no-history"), help: "不记入历史数据库 (record no history).")
    var noHistory = false

    @Flag(inversion: .prefixedNo, help: "把本次结果记为公布（默认记为草稿） (record the run as published, not as a draft).")
    var publish: Bool?

    @Flag(help: "该考核期间已有公布的结果时，以本次结果取代它（原结果保留） (supersede the period's published run).")
    var supersede = false

    @Option(help: "输出文件夹被另一个运行占用时：wait 等待，fail 立即以退出码 75 退出（默认） (wait or fail when another run holds the output folder).")
    var lock: String?

    @Option(help: "把带时间的运行记录追加到这个文件 (append timestamped lines to this log file).")
    var log: String?

    @Flag(inversion: .prefixedNo, help: "规则、输入和选项自上次成功运行以来未变化时跳过 (skip when nothing changed since the last successful run).")
    var ifChanged: Bool?

    @Option(name: .customLong("run-time"), help: "固定报告中的生成时间（ISO 8601，如 2025-12-31T09:00:00+08:00；也可用 SOURCE_DATE_EPOCH） (pin the run time).")
    var runTime: String?

    @Flag(name: .shortAndLong, help: "成功时不打印任何内容 (print nothing on success).")
    var quiet = false

    @Option(name: .customLong("lang"), help: "输出语言：zh（默认）或 en (language of messages and reports).")
    var lang: String?

    private var cliLanguage: Language { lang.flatMap(Language.init(rawValue:)) ?? .zh }

    private var formatTokens: [String] {
        formats.flatMap { $0.split(whereSeparator: { $0 == "," || $0 == "，" }) }.map { $0.trimmingSpaces }.filter { !$0.isEmpty }
    }

    func validate() throws {
        let l = cliLanguage
        if let lang, Language(rawValue: lang) == nil {
            throw ValidationError("--lang 只能是 zh 或 en (--lang must be zh or en)")
        }
        if let period, Period(spec: period) == nil {
            throw ValidationError(l.pick("无法识别的考核期间“\(period)”，应写作 2025、2025-Q1 或 2024-12-01..2025-11-30",
                                         "unrecognised period '\(period)'; write 2025, 2025-Q1 or 2024-12-01..2025-11-30"))
        }
        if let asOf, Day(iso: asOf.trimmingSpaces) == nil {
            throw ValidationError(l.pick("无法识别的日期 --as-of “\(asOf)”，应写作 2025-06-30", "unrecognised date --as-of '\(asOf)'; write e.g. 2025-06-30"))
        }
        if let maxRejects, RejectLimit(parsing: maxRejects) == nil {
            throw ValidationError(l.pick("--max-rejects 应为非负整数 N 或百分比 N%（如 10 或 2.5%），实际为“\(maxRejects)”",
                                         "--max-rejects must be a count N or a percentage N% (e.g. 10 or 2.5%), got '\(maxRejects)'"))
        }
        if let lock, LockMode(rawValue: lock) == nil {
            throw ValidationError(l.pick("--lock 只能是 wait 或 fail", "--lock must be wait or fail"))
        }
        try RunTimeOption.validate(runTime, l)
        for t in formatTokens where OutputFormats.resolve(t, available: ReportSet.outputNames) == nil {
            throw ValidationError(l.pick("未知的输出格式“\(t)”；可用：\(OutputFormats.tokens(available: ReportSet.outputNames).joined(separator: "、"))",
                                         "unknown output format '\(t)'; formats: \(OutputFormats.tokens(available: ReportSet.outputNames).joined(separator: ", "))"))
        }
        if noHistory, history != nil {
            throw ValidationError(l.pick("--history 和 --no-history 不能同时使用", "--history and --no-history cannot be used together"))
        }
        if job == nil, !commandLineSettings.missing.isEmpty {
            let names = commandLineSettings.missing.map { "--\($0)" }.joined(separator: ", ")
            throw ValidationError(l.pick("缺少 \(names)；或用 --job 指定任务文件", "missing \(names); or name a job file with --job"))
        }
    }

    /// What the command line sets (unset options stay `nil`, so a job file can fill them).
    var commandLineSettings: ScoreSettings {
        ScoreSettings(rules: rules, members: members, activities: activities.isEmpty ? nil : activities,
                      period: period, out: out,
                      formats: formatTokens.isEmpty ? nil : formatTokens.compactMap { OutputFormats.resolve($0, available: ReportSet.outputNames) },
                      lang: lang.flatMap(Language.init(rawValue:)), strict: strict,
                      maxRejects: maxRejects.flatMap(RejectLimit.init(parsing:)), history: history,
                      lock: lock.flatMap(LockMode.init(rawValue:)), log: log, quiet: quiet ? true : nil, ifChanged: ifChanged,
                      mappings: mapping.isEmpty ? nil : mapping, corrections: corrections, asOf: asOf?.trimmingSpaces,
                      historyEnabled: noHistory ? false : nil, publish: publish, supersede: supersede ? true : nil)
    }

    func run() throws {
        let cli = commandLineSettings
        var settings = cli
        if let job {
            do {
                settings = try JobFile.load(path: job, outputs: ReportSet.outputNames).settings.overriding(with: cli)
            } catch {
                throw Self.failEarly(error.isInputError ? Exit.badInput : Exit.usage, error.render(cliLanguage), log: cli.log, lang: cliLanguage)
            }
        }
        let lang = settings.lang ?? .zh
        let missing = settings.missing
        guard missing.isEmpty, let rules = settings.rules, let members = settings.members,
              let activities = settings.activities, let out = settings.out else {
            let names = missing.map { "--\($0)" }.joined(separator: ", ")
            throw Self.failEarly(Exit.usage, lang.pick("错误: 缺少 \(names)（命令行和任务文件中都没有）",
                                                       "error: missing \(names) (neither on the command line nor in the job file)"),
                                 log: settings.log, lang: lang)
        }
        if let contradiction = ScoringTransaction.contradiction(in: settings, lang: lang) {
            throw Self.failEarly(contradiction.exitCode, contradiction.message, log: settings.log, lang: lang)
        }
        do {
            let transaction = try ScoringTransaction(
                settings: settings, rules: rules, members: members, activities: activities, out: out, lang: lang, pinnedTime: runTime,
                console: ScoringConsole(note: { printErr($0) }, interactive: isatty(2) == 1,
                                        commandLine: CommandLine.arguments.dropFirst().map(shown).joined(separator: " ")))
            transaction.mappings = try ScoringTransaction.loadMappings(settings.mappings ?? [], lang: lang)
            let outcome = try transaction.run(handleSignals: true)
            // The process ends after this: its results (every member's score and ledger) are left
            // for the kernel to free at once instead of one object at a time (70 ms at 4M records).
            _ = Unmanaged.passRetained(KeptUntilExit(outcome))
            if !(settings.quiet ?? false) {
                print(outcome.skipped ?? (isatty(1) == 1 ? outcome.consoleText : outcome.line))
            }
            if let complaint = outcome.complaint { printErr(complaint) }
            if outcome.exitCode != ExitStatus.success { throw ExitCode(outcome.exitCode) }
        } catch let failure as LvzhiFailure {
            printErr(failure.message)
            throw ExitCode(failure.exitCode)
        }
    }
}

/// A run's outcome held until the process exits (see ``Score/run()``).
private final class KeptUntilExit {
    let value: ScoringOutcome
    init(_ value: ScoringOutcome) { self.value = value }
}

extension Score {
    /// A failure before the run proper: printed, and logged when a log file is known already.
    static func failEarly(_ code: Int32, _ message: String, log path: String?, lang: Language) -> ExitCode {
        printErr(message)
        if let path, let log = try? RunLog(path: path, lang: lang) {
            log.line(lang.pick("开始：", "start: ") + "lvzhi \(LvzhiVersion.current) " + CommandLine.arguments.dropFirst().map(shown).joined(separator: " "))
            log.line(message)
            log.line(lang.pick("结束：退出码 \(code)", "end: exit code \(code)"))
        }
        return ExitCode(code)
    }
}

/// Writes a message to stderr, control characters from inputs escaped (lvzhi's own line
/// breaks kept).
func printErr(_ s: String) {
    FileHandle.standardError.write(Data((TerminalText.escape(s, keepingNewlines: true) + "\n").utf8))
}

/// Writes text to stdout, control characters from inputs escaped (line breaks kept). Output
/// that carries lvzhi's own colours (explain's ledger) escapes its values itself and uses
/// `Swift.print`.
func print(_ s: String, terminator: String = "\n") {
    Swift.print(TerminalText.escape(s, keepingNewlines: true), terminator: terminator)
}

/// One value (a path, a name) inside a message: every control character escaped, line
/// breaks included, so it cannot split the message's lines.
func shown(_ s: String) -> String { TerminalText.escape(s) }
