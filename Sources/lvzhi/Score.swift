import ArgumentParser
import Foundation
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
        if let runTime, RunTime.parse(runTime) == nil {
            throw ValidationError(l.pick("无法识别的时间“\(runTime)”，应写作 ISO 8601，如 2025-12-31T09:00:00+08:00",
                                         "unrecognised time '\(runTime)'; write ISO 8601, e.g. 2025-12-31T09:00:00+08:00"))
        }
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
        // --supersede only says what a publication replaces; alone it would record a draft and
        // leave the published result in force, which is not what the person asked for.
        if settings.supersede == true, settings.publish != true {
            throw Self.failEarly(Exit.usage, lang.pick("错误: --supersede 只能与 --publish 一起使用（取代的是已公布的结果）；单独使用时本次只会记为草稿，原公布结果不变。本次未做任何改动。\n  提示: 加上 --publish（任务文件中 publish: true），或去掉 --supersede。要公布已记录的草稿，用 lvzhi history publish 运行编号 --supersede。",
                                                       "error: --supersede needs --publish (it replaces a published result); alone the run would only be a draft and the published result would stay. Nothing was changed.\n  hint: add --publish (publish: true in a job file), or drop --supersede. To publish a recorded draft, use lvzhi history publish RUN --supersede."),
                                 log: settings.log, lang: lang)
        }
        if settings.publish == true, settings.historyEnabled == false {
            throw Self.failEarly(Exit.usage, lang.pick("错误: --publish 把结果记入历史数据库，不能与 --no-history（任务文件中 history: false）同时使用；否则什么也不会公布。本次未做任何改动。\n  提示: 去掉 --no-history（或 history: false），或去掉 --publish。",
                                                       "error: --publish records the result in the history, so it cannot go with --no-history (history: false in a job file); nothing would be published. Nothing was changed.\n  hint: drop --no-history (or history: false), or drop --publish."),
                                 log: settings.log, lang: lang)
        }
        let runner = try ScoreRunner(settings: settings, rules: rules, members: members, activities: activities, out: out,
                                     lang: lang, pinnedTime: runTime)
        runner.mappings = try MappingOption.load(settings.mappings ?? [], lang: lang)
        try runner.run()
    }
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

/// One `lvzhi score` run once its settings are complete: lock, stage, score, swap, report.
final class ScoreRunner: @unchecked Sendable {
    let settings: ScoreSettings
    let rules: String
    let members: String
    let activities: [String]
    let out: String
    let lang: Language
    let quiet: Bool
    let log: RunLog?
    let folder: OutputFolder
    let meter: ProgressMeter
    let pinnedTime: Date?
    /// Mapping files for foreign exports (`--mapping`).
    var mappings: [Mapping] = []
    /// Last period's results for the year-over-year parts of the reports (from the history
    /// store); `nil` leaves the outputs as they were.
    var previous: PreviousResults?
    let started = ContinuousClock.now
    /// Output file names this run writes (rejects.csv always).
    let selected: [String]
    /// Names lvzhi owns in the output folder.
    let owned: Set<String>
    /// The history database, or `nil` with `--no-history`.
    let historyPath: String?
    /// Held from the output swap until the history transaction has committed, so that a stop
    /// signal in between waits and both end up done (or, taken first, neither).
    let commitGate = NSLock()

    init(settings: ScoreSettings, rules: String, members: String, activities: [String], out: String,
         lang: Language, pinnedTime flag: String?) throws {
        self.settings = settings
        self.rules = rules
        self.members = members
        self.activities = activities
        self.out = out
        self.lang = lang
        quiet = settings.quiet ?? false
        pinnedTime = RunTime.pinned(flag: flag)
        folder = OutputFolder(target: out)
        meter = ProgressMeter(enabled: !quiet && isatty(2) == 1, lang: lang)
        let formats = settings.formats
        selected = ReportSet.outputNames.filter { name in (formats?.contains(name) ?? ReportSet.defaultOutputs.contains(name)) || name == "rejects.csv" }
        // members.html: the combined file's name before members/ existed, not carried over.
        owned = Set(ReportSet.outputNames + [RunManifest.fileName, "members.html"])
        if settings.historyEnabled == false {
            historyPath = nil
        } else {
            historyPath = settings.history ?? ((folder.parent == "/" ? "" : folder.parent) + "/" + HistoryStore.defaultFileName)
        }
        if let path = settings.log {
            do { log = try RunLog(path: path, lang: lang) } catch {
                printErr(lang.pick("错误: 无法打开日志文件 \(error.path)：\(error.reason)", "error: cannot open the log file \(error.path): \(error.reason)"))
                throw ExitCode(Exit.badInput)
            }
        } else {
            log = nil
        }
    }

    /// Prints `message` on stderr, logs it and the end of the run, and returns the exit to throw.
    func fail(_ code: Int32, _ message: String) -> ExitCode {
        meter.finish()
        folder.abort()
        printErr(message)
        log?.line(message)
        logEnd(code)
        return ExitCode(code)
    }

    func logEnd(_ code: Int32) {
        let d = ContinuousClock.now - started
        let seconds = String(format: "%.2f", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
        log?.line(lang.pick("结束：退出码 \(code)，用时 \(seconds) 秒", "end: exit code \(code), \(seconds) s"))
    }

    func run() throws {
        log?.line(lang.pick("开始：", "start: ") + "lvzhi \(LvzhiVersion.current) " + CommandLine.arguments.dropFirst().map(shown).joined(separator: " "))
        installSignalHandlers()
        do {
            try body()
        } catch let e as ExitCode {
            throw e
        } catch {
            throw fail(Exit.internalError, lang.pick("错误: 内部错误：\(error)。原有输出未改动；请把这条信息和日志发给维护人员。",
                                                    "error: internal error: \(error). Previous outputs are untouched; please report this with the log."))
        }
    }

    private func installSignalHandlers() {
        Interruption.onStop { [self] sig in
            // Wait for an output swap and its history commit under way; after that nothing more starts.
            commitGate.lock()
            let committed = folder.abort()
            meter.finish()
            let code = Exit.signaled(sig)
            let name = Interruption.name(sig)
            let msg = committed
                ? lang.pick("lvzhi: 收到 \(name)，已停止；本次输出已完整写入 \(out)（退出码 \(code)）",
                            "lvzhi: got \(name), stopped; this run's outputs were already complete in \(out) (exit \(code))")
                : lang.pick("lvzhi: 收到 \(name)，已停止；未完成的输出已删除，\(out) 中原有输出未改动（退出码 \(code)）",
                            "lvzhi: got \(name), stopped; unfinished outputs removed, previous outputs in \(out) untouched (exit \(code))")
            printErr(msg)
            log?.line(msg)
            logEnd(code)
            fflush(nil)
            _exit(code)
        }
    }

    private func body() throws {
        // 1. One run per output folder.
        try? FileManager.default.createDirectory(atPath: folder.parent, withIntermediateDirectories: true)
        let lockPath = RunLock.path(forOutput: folder.target)
        let runLock: RunLock
        do {
            runLock = try RunLock.acquire(path: lockPath, mode: settings.lock ?? .fail, lang: lang) { [self] pid in
                let who = pid.map { lang.pick("（进程号 \($0)）", " (pid \($0))") } ?? ""
                let msg = lang.pick("另一个 lvzhi 运行\(who)正在写入 \(out)，等待它结束…", "another lvzhi run\(who) is writing to \(out); waiting…")
                if !quiet, isatty(2) == 1 { printErr(msg) }
                log?.line(msg)
            }
        } catch {
            switch error {
            case .busy: throw fail(Exit.locked, error.message(lang, out: out))
            case .cannotOpen, .notALockFile: throw fail(Exit.badInput, error.message(lang, out: out))
            }
        }
        defer { runLock.release() }

        // 2. Clean up after killed runs; make sure the target can be replaced.
        do {
            for line in try folder.recover() { log?.line(lang.pick("清理上次中断的运行：", "cleaned up after an interrupted run: ") + line) }
            try folder.check(owned: owned)
        } catch {
            if case .io = error { throw fail(Exit.badInput, error.message(lang)) }
            throw fail(Exit.usage, error.message(lang))
        }

        // Wall time per phase on stderr with LVZHI_TIMING=1 (benchmarks); "setup" is the lock,
        // the history database, the inputs' hashes and the earlier periods' results.
        let timings = ProcessInfo.processInfo.environment["LVZHI_TIMING"] == "1" ? PhaseTimings() : nil

        // 3. The history database, opened (and migrated) before any work, so that a file that
        //    cannot be the history stops the run with nothing changed.
        var store: HistoryStore?
        if let historyPath {
            do { store = try HistoryStore.open(path: historyPath) } catch {
                throw fail(Exit.badInput, error.message(lang))
            }
            // A run killed between recording and completing: its manifest decides (the lock is held).
            do {
                for outcome in try store!.resolvePending(outPath: folder.target, token: RunManifest.read(folder: folder.target)?.commitToken) {
                    log?.line(Self.describe(outcome, lang: lang))
                }
            } catch {
                throw fail(Exit.badInput, error.message(lang))
            }
        }

        // Earlier periods from the history: for the rule file's multi-year conditions and for
        // the reports' year over year. (Without a period the pipeline reports the problem.)
        // Read before the manifest, which names the runs read: a new or superseding earlier
        // run changes this run's results, so --if-changed must not skip it.
        var facts: HistoryFacts?
        var priorRuns: [Int64] = []
        var historyRead: String?
        if let store, let period = scoringPeriod() {
            do {
                let prior = try store.priorResults(before: period)
                facts = prior.facts
                priorRuns = prior.periods.map(\.run.id)
                previous = prior.previous(for: period, lang: lang)
                if let p = prior.periods.first {
                    historyRead = lang.pick("历史：读取此前 \(prior.periods.count) 期结果，最近一期 \(p.run.periodLabel)（运行 #\(p.run.id)）",
                                            "history: \(prior.periods.count) earlier periods read, the latest \(p.run.periodLabel) (run #\(p.run.id))")
                }
            } catch {
                throw fail(Exit.badInput, error.message(lang))
            }
        }

        // 4. What this run is made from; skip if nothing changed (and the history holds the run).
        let manifest = makeManifest(priorRuns: priorRuns)
        let fingerprint = manifest.map { ContentHash.sha256($0.identity.encoded()) }
        if settings.ifChanged == true, let manifest, manifest.isUpToDate(in: folder.target),
           store.map({ s in fingerprint.map { (try? s.hasRun(fingerprint: $0)) ?? false } ?? false }) ?? true {
            let msg = lang.pick("lvzhi: 规则、输入和选项自上次成功运行以来没有变化，跳过（输出仍在 \(out)）",
                                "lvzhi: rules, inputs and options unchanged since the last successful run; skipped (outputs remain in \(out))")
            if !quiet { print(msg) }
            log?.line(msg)
            logEnd(Exit.success)
            return
        }
        if let manifest {
            for a in manifest.rules + [manifest.members] + manifest.activities {
                log?.line(lang.pick("输入 ", "input ") + "\(shown(a.path)) sha256=\(a.sha256)")
            }
        }

        if let historyRead { log?.line(historyRead) }

        // 5. Read and score.
        var corrections: CorrectionSet?
        if let path = settings.corrections {
            do { corrections = try CorrectionLoader.load(path: path) } catch {
                throw fail(Exit.badInput, error.render(lang))
            }
        }
        timings?.mark("setup")
        let run: ScoreRun
        do {
            run = try ScoringPipeline.run(rules: rules, members: members, activities: activities, period: settings.period,
                                          mappings: mappings, corrections: corrections, history: facts, asOf: settings.asOf.flatMap { Day(iso: $0) },
                                          timings: timings) { [meter] done, total, records in
                meter.update(filesDone: done, filesTotal: total, records: records, force: done == total)
            }
        } catch {
            switch error {
            case .rules(let e):
                throw fail(Exit.badRules, e.render(lang))
            case .input(let e):
                throw fail(Exit.badInput, e.diagnostic.render(lang))
            case .corrections(let e):
                throw fail(Exit.badInput, e.render(lang))
            case .files(let f):
                throw fail(Exit.badInput, f.render(lang))
            case .noPeriod:
                throw fail(Exit.usage, lang.pick("错误: 规则文件没有写考核期间 period，请用 --period 指定（如 --period 2025）",
                                                 "error: the rule file names no period; pass --period (e.g. --period 2025)"))
            case .badPeriod(let s):
                throw fail(Exit.usage, lang.pick("错误: 无法识别的考核期间“\(s)”，应写作 2025、2025-Q1 或 2024-12-01..2025-11-30",
                                                 "error: unrecognised period '\(s)'; write 2025, 2025-Q1 or 2024-12-01..2025-11-30"))
            case .overflow(let o):
                throw fail(Exit.badInput, o.diagnostic.render(lang))
            case .asOfOutsidePeriod(let d, let p):
                throw fail(Exit.usage, lang.pick("错误: --as-of \(d) 不在考核期间 \(p.start) 至 \(p.end) 之内",
                                                 "error: --as-of \(d) is outside the period \(p.start) to \(p.end)"))
            }
        }
        for n in run.notices where !quiet { printErr(lang.pick("提示: ", "note: ") + n.message(lang)) }
        for n in run.notices { log?.line(n.message(lang)) }
        for f in run.files {
            log?.line(lang.pick("读取 \(shown(f.path))：\(f.read) 条，接受 \(f.accepted) 条，拒收 \(f.rejected) 条",
                                "read \(shown(f.path)): \(f.read) records, \(f.accepted) accepted, \(f.rejected) rejected"))
        }
        if let path = settings.corrections {
            log?.line(CorrectionOption.summary(run.corrections, path: path, lang: lang))
            for c in run.corrections { log?.line("  " + c.line(lang) + " [\(c.source)]") }
        }

        // 6. A second publication of a period is refused before anything is written.
        let publish = settings.publish == true
        if publish, let store, settings.supersede != true {
            do {
                if let current = try store.currentPublished(period: run.period, rulesName: run.rules.name) {
                    throw fail(Exit.usage, HistoryError.alreadyPublished(existing: current.id, period: current.periodLabel,
                                                                         rulesName: current.rulesName).message(lang)
                                + lang.pick("只想看结果时去掉 --publish，记为草稿。本次未做任何改动。",
                                            " To just look, drop --publish (a draft is recorded). Nothing was changed."))
                }
            } catch let e as HistoryError {
                throw fail(Exit.badInput, e.message(lang))
            }
        }

        // 7. The exit code depends only on the run, so it is known before writing.
        let rejected = run.rejects.count
        let total = run.files.reduce(0) { $0 + $1.read }
        var code = Exit.success
        var complaint: String?
        if settings.strict == true, rejected > 0 {
            code = Exit.rejected
            complaint = lang.pick("错误: 有 \(rejected) 条记录被拒收（--strict），详见 rejects.csv",
                                  "error: \(rejected) records were rejected (--strict); see rejects.csv")
        } else if let limit = settings.maxRejects, limit.isExceeded(rejected: rejected, total: total) {
            code = Exit.rejected
            let share = Self.percent(rejected, of: total)
            complaint = lang.pick("错误: 拒收 \(rejected) 条（占读取记录的 \(share)），超过上限 --max-rejects \(limit)，详见 rejects.csv",
                                  "error: \(rejected) records rejected (\(share) of those read), above --max-rejects \(limit); see rejects.csv")
        }

        // 8. Write everything into the staging folder, then swap it into place. With a history,
        //    the run is first recorded as pending (committed, hidden from readers), then the
        //    folder is swapped, then the run is completed. A run killed in between leaves the
        //    pending row; the next run on this folder completes it if the folder's manifest
        //    carries this run's commit token (the swap happened) and removes it otherwise.
        meter.status(lang.pick("正在写入报告…", "writing reports…"))
        let summary = RunSummary(run: run, generatedAt: runTimestamp(pinned: pinnedTime), toolVersion: LvzhiVersion.current, lang: lang,
                                 previous: previous)
        // The commit token: the hash of the manifest with the outputs' hashes, so that equal
        // tokens mean byte-identical outputs (and reruns stay byte-identical).
        var token = UUID().uuidString.lowercased()
        do {
            let staging = try folder.prepare()
            _ = try ReportSet.write(summary, to: staging, lang: lang, only: selected)
            // The manifest records the outputs' hashes (--if-changed compares them) and the
            // commit token; a run that did not fully succeed is marked so that it never lets
            // --if-changed skip the next one.
            if var written = manifest.flatMap({ $0.withOutputHashes(in: staging) }) {
                written.exitCode = code == Exit.success ? nil : code
                token = ContentHash.sha256(written.encoded())
                written.commitToken = token
                let path = (staging as NSString).appendingPathComponent(RunManifest.fileName)
                do { try SafeFile.writeNew(written.encoded(), to: path) } catch {
                    throw OutputFolder.Failure.io(path: path, reason: error.reason(lang))
                }
            }
            timings?.mark("write")
            if store == nil {
                FaultPoint.reach("staged")
                try folder.commit(owned: owned)
            }
        } catch let e as OutputFolder.Failure {
            throw fail(Exit.badInput, e.message(lang))
        } catch {
            throw fail(Exit.badInput, lang.pick("错误: 无法写入输出文件夹 \(out)：\(error)", "error: cannot write to \(out): \(error)"))
        }
        var historyLine: String?
        if let store {
            let entry = HistoryRecord(run: run, runTime: summary.generatedAt, toolVersion: LvzhiVersion.current,
                                      inputs: historyInputs(manifest), status: publish ? .published : .draft,
                                      supersede: settings.supersede == true, corrections: run.corrections.map(HistoryCorrection.init),
                                      fingerprint: fingerprint,
                                      rulesSHA256: summary.rulesHash, extendsSHA256: summary.extendsHash)
            let recorded = try recordAndCommit(entry, in: store, token: token)
            historyLine = lang.pick("历史：已记为运行 #\(recorded.id)（\(recorded.status == .published ? "公布" : "草稿")\(recorded.supersedes.map { "，取代 #\($0)" } ?? "")），\(store.path)",
                                    "history: recorded as run #\(recorded.id) (\(recorded.status == .published ? "published" : "draft")\(recorded.supersedes.map { ", supersedes #\($0)" } ?? "")), \(store.path)")
        }
        meter.finish()
        let written = selected.map { (out as NSString).appendingPathComponent($0) }
        for w in written { log?.line(lang.pick("输出 ", "output ") + shown(w)) }

        if let timings {
            timings.mark("commit")
            printErr("timing: " + timings.report)
        }
        var line = oneLineSummary(summary)
        if let historyLine {
            log?.line(historyLine)
            line += lang.pick("；", "; ") + historyLine
        }
        log?.line(line)
        if !quiet {
            print(isatty(1) == 1 ? ReportSet.consoleSummary(summary, lang: lang, written: written) + (historyLine.map { "\n" + $0 } ?? "") : line)
        }
        if let complaint {
            printErr(complaint)
            log?.line(complaint)
        }
        logEnd(code)
        if code != Exit.success { throw ExitCode(code) }
    }

    /// Records the run, swaps the output folder into place and completes the record.
    ///
    /// Order: run recorded as pending (committed) → output folder swapped → run completed.
    /// - An error recording (or the period published meanwhile, exit 64): nothing is swapped.
    /// - A failed swap: the pending run is removed and the previous outputs stay (exit 3).
    /// - A stop signal waits for the swap and the completion (``commitGate``).
    /// - `kill -9` anywhere in between: the next run on this output folder settles the pending
    ///   run with the folder's manifest as the tie-breaker (``HistoryStore/resolvePending(outPath:token:)``):
    ///   the token is there → the swap happened → completed; otherwise → removed.
    /// - Completing fails after the swap (disk full): the outputs are in place, the run stays
    ///   pending and the next run completes it; this run fails with exit 3 saying so.
    private func recordAndCommit(_ entry: HistoryRecord, in store: HistoryStore, token: String) throws -> HistoryRun {
        let pending: HistoryRun
        do {
            pending = try store.record(entry, pending: PendingCommit(outPath: folder.target, token: token))
        } catch let e as HistoryError {
            folder.abort()
            if case .alreadyPublished = e { throw fail(Exit.usage, e.message(lang)) }
            throw fail(Exit.badInput, e.message(lang) + lang.pick("\n  本次运行没有记入历史，输出也没有替换：\(out) 中原有输出未改动。",
                                                                  "\n  this run was not recorded and its outputs were not swapped in: the previous outputs in \(out) are untouched."))
        }
        FaultPoint.reach("history-pending")
        commitGate.lock()
        defer { commitGate.unlock() }
        do {
            FaultPoint.reach("staged")
            try folder.commit(owned: owned)
        } catch {
            try? store.rollBackPending(pending.id)
            throw fail(Exit.badInput, error.message(lang))
        }
        do {
            return try store.completePending(pending.id)
        } catch {
            if case .alreadyPublished = error {
                throw fail(Exit.usage, error.message(lang) + lang.pick(
                    "\n  注意: 本次输出已写入 \(out)，已记为草稿（运行 #\(pending.id)），没有公布。",
                    "\n  note: this run's outputs are in \(out); it was recorded as a draft (run #\(pending.id)), not published."))
            }
            throw fail(Exit.badInput, error.message(lang) + lang.pick(
                "\n  注意: 本次输出已写入 \(out)，历史中的记录尚未完成；下次对同一输出文件夹运行时会补全。",
                "\n  note: this run's outputs are in \(out) but its history record is not complete yet; the next run on this output folder completes it."))
        }
    }

    static func describe(_ o: HistoryStore.PendingOutcome, lang: Language) -> String {
        switch o {
        case .completed(let id):
            lang.pick("历史：补全上次被中止的运行 #\(id)（其输出已在输出文件夹中）", "history: completed run #\(id) of an interrupted run (its outputs are in the output folder)")
        case .completedAsDraft(let id):
            lang.pick("历史：补全上次被中止的运行 #\(id)，记为草稿（该期间已有公布的结果）", "history: completed run #\(id) of an interrupted run as a draft (the period was published meanwhile)")
        case .rolledBack(let id):
            lang.pick("历史：删除上次被中止的运行 #\(id)（其输出没有换入输出文件夹）", "history: removed run #\(id) of an interrupted run (its outputs never reached the output folder)")
        }
    }

    /// The roster, activity and mapping files with the hashes the manifest already computed.
    private func historyInputs(_ manifest: RunManifest?) -> [HistoryInput] {
        guard let manifest else { return [] }
        let mappingPaths = Set(settings.mappings ?? [])
        var out = [HistoryInput(role: .members, path: manifest.members.path, sha256: manifest.members.sha256)]
        for a in manifest.activities {
            let role: HistoryInput.Role = mappingPaths.contains(a.path) ? .mapping : a.path == settings.corrections ? .corrections : .activities
            out.append(HistoryInput(role: role, path: a.path, sha256: a.sha256))
        }
        return out
    }

    /// The period this run scores (`--period`, else the rule file's), `nil` when neither says.
    private func scoringPeriod() -> Period? {
        if let spec = settings.period { return Period(spec: spec) }
        return (try? RuleFileLoader.load(path: rules))?.period
    }

    /// The manifest of this run, or `nil` when an input cannot be hashed (the run itself will
    /// then report the missing file with the right exit code).
    private func makeManifest(priorRuns: [Int64]) -> RunManifest? {
        guard let files = try? ScoringPipeline.expandInputs(activities) else { return nil }
        var options: [String: String] = ["lang": lang.rawValue, "outputs": selected.joined(separator: ",")]
        // The earlier periods' runs read from the history (none: the key is absent, as before).
        if !priorRuns.isEmpty { options["history_runs"] = priorRuns.map(String.init).joined(separator: ",") }
        if let p = settings.period { options["period"] = p }
        if let a = settings.asOf { options["as_of"] = a }
        if let t = pinnedTime { options["run_time"] = RunTime.text(t) }
        if settings.strict == true { options["strict"] = "true" }
        if let m = settings.maxRejects { options["max_rejects"] = m.description }
        // A published run is a different run from a draft of the same inputs.
        if settings.publish == true { options["publish"] = "true" }
        // Mapping and corrections files count as inputs: editing one changes what is read.
        return try? RunManifest.make(tool: LvzhiVersion.current, rules: rules, members: members,
                                     activities: files.filter { $0 != members } + (settings.mappings ?? [])
                                         + (settings.corrections.map { [$0] } ?? []),
                                     options: options, outputs: selected).get()
    }

    private func oneLineSummary(_ s: RunSummary) -> String {
        let run = s.run
        let grades = run.rules.grades.enumerated().map { i, g in "\(g.color) \(run.gradeCounts[i])" }
        return lang.pick(
            "lvzhi: 完成。委员 \(run.members.count) 人，读取记录 \(s.recordsRead) 条：计分 \(run.recordsScored) 条\(ReportSet.setAside(s, lang: lang))，拒收 \(run.rejects.count) 条；"
                + "等次 \(grades.joined(separator: "、"))；输出在 \(out)",
            "lvzhi: done. members \(run.members.count), records read \(s.recordsRead): scored \(run.recordsScored)\(ReportSet.setAside(s, lang: lang)), rejected \(run.rejects.count); "
                + "grades \(grades.joined(separator: ", ")); outputs in \(out)")
    }

    /// `n / total` as a percentage with two decimals, in integers.
    static func percent(_ n: Int, of total: Int) -> String {
        guard total > 0 else { return "0%" }
        let hundredths = (n * 10_000 + total / 2) / total
        return "\(hundredths / 100).\(String(format: "%02d", hundredths % 100))%"
    }
}

/// The run time printed in the reports.
enum RunTime {
    /// Parses ISO 8601: `2025-12-31T09:00:00+08:00`, `…Z`, or a date or local time without a
    /// zone (taken as Beijing time).
    static func parse(_ s: String) -> Date? {
        let t = s.trimmingSpaces
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: t) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: t) { return d }
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        f.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withDashSeparatorInDate]
        if let d = f.date(from: t) { return d }
        f.formatOptions = [.withFullDate, .withDashSeparatorInDate]
        return f.date(from: t)
    }

    /// `--run-time` when given, else `SOURCE_DATE_EPOCH` (the reproducible-builds convention).
    static func pinned(flag: String?) -> Date? {
        if let flag, let d = parse(flag) { return d }
        if let s = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"], let t = TimeInterval(s.trimmingSpaces) {
            return Date(timeIntervalSince1970: t)
        }
        return nil
    }

    static func text(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        return f.string(from: date)
    }
}

/// The run time printed in the reports: the pinned time (`--run-time`, `SOURCE_DATE_EPOCH`)
/// when there is one, otherwise now.
func runTimestamp(pinned: Date? = RunTime.pinned(flag: nil)) -> String {
    RunTime.text(pinned ?? Date())
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
