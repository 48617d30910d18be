import ArgumentParser
import Foundation
import LvzhiCore
import LvzhiIngest
import LvzhiJob
import LvzhiReport
import LvzhiRules
import LvzhiScoring

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "按规则文件为委员评分并生成报告 (score members and write the reports).",
        discussion: "输出 (outputs): " + ReportSet.outputNames.joined(separator: ", ") + "\n（rejects.csv 总是写出，formats 不能去掉它 / rejects.csv is always written）\n\n" + """
        任务文件 (job file): --job FILE 从 YAML 文件读取同样的设置，键名为 rules、members、activities、
        period、out、formats、lang、strict、max_rejects、history、lock、log、quiet、if_changed；相对路径从
        任务文件所在文件夹算起，activities 可写通配符（*.csv）；命令行选项优先于任务文件。
        (the same settings from a YAML file; relative paths start at its folder; command-line options win.)

        输出先写入旁边的临时文件夹，全部成功后整体替换 --out；被中止（包括 kill -9）时原有输出保持不变。
        同一输出文件夹同时只允许一个运行（锁文件 OUT.lock）。退出码见 lvzhi --help。
        (outputs are staged beside --out and swapped in only when complete; one run per output folder.
        Exit codes: see lvzhi --help.)
        """
    )

    @Option(help: "任务文件（YAML），命令行选项优先 (job file; command-line options win).")
    var job: String?

    @Option(help: "规则文件 (rule file, YAML).")
    var rules: String?

    @Option(help: "委员名册 (member roster, CSV or XML).")
    var members: String?

    @Option(parsing: .upToNextOption, help: "活动记录文件或文件夹，可多个 (activity files or folders).")
    var activities: [String] = []

    @Option(help: "输出文件夹 (output folder).")
    var out: String?

    @Option(parsing: .upToNextOption, help: "映射文件（YAML），可多个，读取其他格式的导出；见 docs/mapping.md (mapping files for foreign exports).")
    var mapping: [String] = []

    @Option(help: "考核期间，覆盖规则文件中的设置：2025、2025-Q1 或 2024-12-01..2025-11-30 (period).")
    var period: String?

    @Option(help: ArgumentHelp("只写这些输出，逗号分隔：\(OutputFormats.tokens(available: ReportSet.outputNames).joined(separator: ","))（默认全部；rejects.csv 总是写出） (outputs to write)."))
    var formats: [String] = []

    @Flag(inversion: .prefixedNo, help: "有记录被拒收时以退出码 1 结束 (exit 1 when any record was rejected).")
    var strict: Bool?

    @Option(name: .customLong("max-rejects"), help: "拒收记录超过 N 条或 N% 时以退出码 1 结束 (exit 1 above N or N% rejected records).")
    var maxRejects: String?

    @Option(help: "历史数据库（已接受，供历史功能使用） (history database; accepted, for the history feature).")
    var history: String?

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
                      mappings: mapping.isEmpty ? nil : mapping)
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
        if let path, let log = try? RunLog(path: path) {
            log.line(lang.pick("开始：", "start: ") + "lvzhi \(LvzhiVersion.current) " + CommandLine.arguments.dropFirst().joined(separator: " "))
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
    let started = ContinuousClock.now
    /// Output file names this run writes (rejects.csv always).
    let selected: [String]
    /// Names lvzhi owns in the output folder.
    let owned: Set<String>

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
        selected = ReportSet.outputNames.filter { formats == nil || formats!.contains($0) || $0 == "rejects.csv" }
        owned = Set(ReportSet.outputNames + [RunManifest.fileName])
        if let path = settings.log {
            do { log = try RunLog(path: path) } catch {
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
        log?.line(lang.pick("开始：", "start: ") + "lvzhi \(LvzhiVersion.current) " + CommandLine.arguments.dropFirst().joined(separator: " "))
        if let history = settings.history {
            log?.line(lang.pick("历史数据库 \(history)：已记录设置，本版本尚未写入", "history database \(history): noted; not written by this version"))
        }
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
            runLock = try RunLock.acquire(path: lockPath, mode: settings.lock ?? .fail) { [self] pid in
                let who = pid.map { lang.pick("（进程号 \($0)）", " (pid \($0))") } ?? ""
                let msg = lang.pick("另一个 lvzhi 运行\(who)正在写入 \(out)，等待它结束…", "another lvzhi run\(who) is writing to \(out); waiting…")
                if !quiet, isatty(2) == 1 { printErr(msg) }
                log?.line(msg)
            }
        } catch {
            switch error {
            case .busy: throw fail(Exit.locked, error.message(lang, out: out))
            case .cannotOpen: throw fail(Exit.badInput, error.message(lang, out: out))
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

        // 3. What this run is made from; skip if nothing changed.
        let manifest = makeManifest()
        if settings.ifChanged == true, let manifest, manifest.isUpToDate(in: folder.target) {
            let msg = lang.pick("lvzhi: 规则、输入和选项自上次成功运行以来没有变化，跳过（输出仍在 \(out)）",
                                "lvzhi: rules, inputs and options unchanged since the last successful run; skipped (outputs remain in \(out))")
            if !quiet { print(msg) }
            log?.line(msg)
            logEnd(Exit.success)
            return
        }
        if let manifest {
            for a in manifest.rules + [manifest.members] + manifest.activities {
                log?.line(lang.pick("输入 ", "input ") + "\(a.path) sha256=\(a.sha256)")
            }
        }

        // 4. Read and score.
        let timings = ProcessInfo.processInfo.environment["LVZHI_TIMING"] == "1" ? PhaseTimings() : nil
        let run: ScoreRun
        do {
            run = try ScoringPipeline.run(rules: rules, members: members, activities: activities, period: settings.period,
                                          mappings: mappings, timings: timings) { [meter] done, total, records in
                meter.update(filesDone: done, filesTotal: total, records: records, force: done == total)
            }
        } catch {
            switch error {
            case .rules(let e):
                throw fail(Exit.badRules, e.render(lang))
            case .input(let e):
                throw fail(Exit.badInput, e.diagnostic.render(lang))
            case .files(let f):
                throw fail(Exit.badInput, f.render(lang))
            case .noPeriod:
                throw fail(Exit.usage, lang.pick("错误: 规则文件没有写考核期间 period，请用 --period 指定（如 --period 2025）",
                                                 "error: the rule file names no period; pass --period (e.g. --period 2025)"))
            case .badPeriod(let s):
                throw fail(Exit.usage, lang.pick("错误: 无法识别的考核期间“\(s)”，应写作 2025、2025-Q1 或 2024-12-01..2025-11-30",
                                                 "error: unrecognised period '\(s)'; write 2025, 2025-Q1 or 2024-12-01..2025-11-30"))
            }
        }
        for f in run.files {
            log?.line(lang.pick("读取 \(f.path)：\(f.read) 条，接受 \(f.accepted) 条，拒收 \(f.rejected) 条",
                                "read \(f.path): \(f.read) records, \(f.accepted) accepted, \(f.rejected) rejected"))
        }

        // 5. The exit code depends only on the run, so it is known before writing.
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

        // 6. Write everything into the staging folder, then swap it into place.
        meter.status(lang.pick("正在写入报告…", "writing reports…"))
        let summary = RunSummary(run: run, generatedAt: runTimestamp(pinned: pinnedTime), toolVersion: LvzhiVersion.current, lang: lang)
        do {
            let staging = try folder.prepare()
            _ = try ReportSet.write(summary, to: staging, lang: lang, only: selected)
            // Only a run that fully succeeded lets --if-changed skip the next one.
            if code == Exit.success, let manifest {
                try manifest.encoded().write(to: URL(fileURLWithPath: (staging as NSString).appendingPathComponent(RunManifest.fileName)))
            }
            timings?.mark("write")
            try folder.commit(owned: owned)
        } catch let e as OutputFolder.Failure {
            throw fail(Exit.badInput, e.message(lang))
        } catch {
            throw fail(Exit.badInput, lang.pick("错误: 无法写入输出文件夹 \(out)：\(error)", "error: cannot write to \(out): \(error)"))
        }
        meter.finish()
        let written = selected.map { (out as NSString).appendingPathComponent($0) }
        for w in written { log?.line(lang.pick("输出 ", "output ") + w) }

        if let timings {
            timings.mark("commit")
            printErr("timing: " + timings.report)
        }
        let line = oneLineSummary(summary)
        log?.line(line)
        if !quiet {
            print(isatty(1) == 1 ? ReportSet.consoleSummary(summary, lang: lang, written: written) : line)
        }
        if let complaint {
            printErr(complaint)
            log?.line(complaint)
        }
        logEnd(code)
        if code != Exit.success { throw ExitCode(code) }
    }

    /// The manifest of this run, or `nil` when an input cannot be hashed (the run itself will
    /// then report the missing file with the right exit code).
    private func makeManifest() -> RunManifest? {
        guard let files = try? ScoringPipeline.expandInputs(activities) else { return nil }
        var options: [String: String] = ["lang": lang.rawValue, "outputs": selected.joined(separator: ",")]
        if let p = settings.period { options["period"] = p }
        if let t = pinnedTime { options["run_time"] = RunTime.text(t) }
        if settings.strict == true { options["strict"] = "true" }
        if let m = settings.maxRejects { options["max_rejects"] = m.description }
        // Mapping files count as inputs: editing one changes what is read.
        return try? RunManifest.make(tool: LvzhiVersion.current, rules: rules, members: members,
                                     activities: files.filter { $0 != members } + (settings.mappings ?? []),
                                     options: options, outputs: selected).get()
    }

    private func oneLineSummary(_ s: RunSummary) -> String {
        let run = s.run
        let grades = run.rules.grades.enumerated().map { i, g in "\(g.color) \(run.gradeCounts[i])" }
        return lang.pick(
            "lvzhi: 完成。委员 \(run.members.count) 人，读取记录 \(s.recordsRead) 条：计分 \(run.recordsScored) 条，拒收 \(run.rejects.count) 条；"
                + "等次 \(grades.joined(separator: "、"))；输出在 \(out)",
            "lvzhi: done. members \(run.members.count), records read \(s.recordsRead): scored \(run.recordsScored), rejected \(run.rejects.count); "
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

func printErr(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
