import ArgumentParser
import LvzhiApp
import Foundation
import LvzhiCore
import LvzhiHistory
import LvzhiReport
import LvzhiRules
import LvzhiScoring

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "比较两个规则版本对同一批数据的评定结果，或两次历史运行 (compare two rule versions on the same inputs, or two stored runs).",
        discussion: """
        用旧规则和新规则分别为同一份名册和活动记录评分，列出等次变化矩阵（行：旧等次，
        列：新等次）、各等次人数、等次或颜色变化的委员及其变化的计分明细、总分分布。
        用于在采用新的考核办法之前，看它会让去年的结果变成什么样。两个规则文件的等次
        可以不同（如四个等次对五个等次），按名称对应。考核期间：--period，否则用新规
        则文件的期间，两边相同。也可以比较历史数据库中的两次运行：lvzhi diff --runs
        3 5 [--history DB]，数据库默认为 ./lvzhi-history.sqlite（与 lvzhi history 相
        同）；历史中不保存计分明细，所以不列明细。退出码：0 对比完成（无论结果是否变
        化——对比是一份报告）；2 任一规则文件有错误；3 输入或历史数据库无法读取；64
        用法错误（含历史数据库不存在、运行编号不存在）。
        (Scores the same roster and activities with both rule files and prints the
        grade-transition matrix, counts per grade, the members whose colour changes
        with the ledger lines that changed for them, and the score distribution.
        Grades are matched by name. With --runs A B it compares two runs stored in
        the history database instead (default ./lvzhi-history.sqlite), without
        ledger lines. Exit 0 whether or not anything changed; 2 rule-file errors in
        either file; 3 unreadable inputs or history; 64 usage, a missing history
        database or an unknown run id.)
        """
    )

    @Option(name: .customLong("old-rules"), help: "旧规则文件 (the rule file in use).")
    var oldRules: String?

    @Option(name: .customLong("new-rules"), help: "新规则文件 (the proposed rule file).")
    var newRules: String?

    @Option(help: "委员名册 (member roster, CSV or XML).")
    var members: String?

    @Option(parsing: .upToNextOption, help: "活动记录文件或文件夹，可多个 (activity files or folders).")
    var activities: [String] = []

    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("比较历史数据库中的两次运行：旧 新，如 --runs 3 5（代替规则文件和数据） (compare two stored runs, old then new, instead of rule files and inputs).",
                               valueName: "run"))
    var runs: [RunID] = []

    @Option(help: "与 --runs 一起用的历史数据库（默认 ./lvzhi-history.sqlite） (the history database for --runs; default ./lvzhi-history.sqlite).")
    var history: String?

    @Option(parsing: .upToNextOption, help: "映射文件（YAML），可多个；见 docs/mapping.md (mapping files for foreign exports).")
    var mapping: [String] = []

    @Option(help: "考核期间，两边相同；默认用新规则文件的期间 (period for both sides; default: the new rule file's).")
    var period: String?

    @Option(help: "输出格式：text（默认）或 json (output format on stdout).")
    var format: String = "text"

    @Option(help: "另外写一个自包含的 HTML 对比页 (also write a self-contained HTML page).")
    var html: String?

    @Option(name: .customLong("run-time"), help: "固定 HTML 中的生成时间（ISO 8601；也可用 SOURCE_DATE_EPOCH） (pin the run time).")
    var runTime: String?

    @OptionGroup var language: LanguageOption

    func validate() throws {
        let l = language.language
        guard format == "text" || format == "json" else {
            throw ValidationError(l.pick("--format 只能是 text 或 json", "--format must be text or json"))
        }
        if !runs.isEmpty || history != nil {
            guard runs.count == 2 else {
                throw ValidationError(l.pick("--runs 需要两个运行编号：旧 新，如 --runs 3 5（用 lvzhi history list 查看编号）",
                                             "--runs takes two run ids, old then new, e.g. --runs 3 5 (lvzhi history list shows them)"))
            }
            let given = [("--old-rules", oldRules != nil), ("--new-rules", newRules != nil), ("--members", members != nil),
                         ("--activities", !activities.isEmpty), ("--mapping", !mapping.isEmpty), ("--period", period != nil)]
                .filter(\.1).map(\.0)
            guard given.isEmpty else {
                let names = given.joined(separator: " ")
                throw ValidationError(l.pick("--runs 比较两次已保存的运行，不能再给 \(names)（历史中的运行已有各自的规则、数据和期间）",
                                             "--runs compares two stored runs; \(names) cannot be given with it (each run has its own rules, inputs and period)"))
            }
        } else {
            let missing = [("--old-rules", oldRules == nil), ("--new-rules", newRules == nil), ("--members", members == nil),
                           ("--activities", activities.isEmpty)].filter(\.1).map(\.0)
            guard missing.isEmpty else {
                let names = missing.joined(separator: " ")
                throw ValidationError(l.pick("缺少 \(names)：比较两个规则版本需要 --old-rules、--new-rules、--members 和 --activities；比较两次历史运行用 --runs 旧 新",
                                             "missing \(names): comparing two rule versions needs --old-rules, --new-rules, --members and --activities; compare two stored runs with --runs OLD NEW"))
            }
        }
        if let period, Period(spec: period) == nil {
            throw ValidationError(l.pick("无法识别的考核期间“\(period)”，应写作 2025、2025-Q1 或 2024-12-01..2025-11-30",
                                         "unrecognised period '\(period)'; write 2025, 2025-Q1 or 2024-12-01..2025-11-30"))
        }
        try RunTimeOption.validate(runTime, l)
    }

    func run() throws {
        let lang = language.language
        if runs.count == 2 { return try runHistory(lang: lang) }
        guard let oldRules, let newRules, let members else { throw ExitCode(Exit.usage) }
        let comparison: ResultComparison
        do {
            comparison = try RuleComparisons.compare(oldRules: oldRules, newRules: newRules, members: members, activities: activities,
                                                     mappings: mapping, period: period, lang: lang)
        } catch {
            printErr(error.message)
            throw ExitCode(error.exitCode)
        }
        try emit(comparison, lang: lang)
    }

    /// Two runs from the history database: their stored results, without ledgers. The
    /// database follows `lvzhi history`: missing → exit 64, unreadable → 3; an unknown run → 64.
    func runHistory(lang: Language) throws {
        let path = history ?? HistoryStore.defaultFileName
        let store = try HistoryOptions.open(path: path, lang: lang)
        let comparison: ResultComparison
        do { comparison = try HistoryCases.compare(old: runs[0].value, new: runs[1].value, in: store, lang: lang) } catch {
            printErr(error.message)
            throw ExitCode(error.exitCode)
        }
        try emit(comparison, lang: lang)
    }

    /// Prints the comparison in `--format` and writes `--html`: shared by both kinds of diff.
    func emit(_ comparison: ResultComparison, lang: Language) throws {
        if let html {
            let page = DiffReport.html(comparison, lang: lang, generatedAt: runTimestamp(pinned: RunTime.pinned(flag: runTime)),
                                       toolVersion: LvzhiVersion.current)
            do {
                try Data(page.utf8).write(to: URL(fileURLWithPath: html), options: .atomic)
            } catch {
                printErr(lang.pick("错误: 无法写入 \(html)：\(error.localizedDescription)", "error: cannot write \(html): \(error.localizedDescription)"))
                throw ExitCode(Exit.badInput)
            }
        }
        print(format == "json" ? DiffReport.json(comparison) : DiffReport.text(comparison, lang: lang), terminator: "")
    }
}
