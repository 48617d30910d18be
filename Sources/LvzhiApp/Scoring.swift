import Foundation
import LvzhiCore
import LvzhiHistory
import LvzhiIngest
import LvzhiJob
import LvzhiReport
import LvzhiRules
import LvzhiScoring

/// Where a scoring run's messages go: the command line prints them on stderr, the web console
/// collects them for the result page.
public struct ScoringConsole: Sendable {
    /// A note, warning or error line (stderr on the command line).
    public var note: @Sendable (String) -> Void
    /// A person is watching a terminal: draw the progress bar, say when waiting for the lock.
    public var interactive: Bool
    /// The command line that started the run, for the log's first line.
    public var commandLine: String

    /// Files read of all, and records read so far, as the inputs are read (the web console's progress bar).
    public var progress: (@Sendable (_ filesDone: Int, _ filesTotal: Int, _ records: Int) -> Void)?

    public init(note: @escaping @Sendable (String) -> Void, interactive: Bool, commandLine: String,
                progress: (@Sendable (_ filesDone: Int, _ filesTotal: Int, _ records: Int) -> Void)? = nil) {
        self.note = note
        self.interactive = interactive
        self.commandLine = commandLine
        self.progress = progress
    }

    /// Collects nothing, draws nothing (tests, the web console's own collector replaces `note`).
    public static let silent = ScoringConsole(note: { _ in }, interactive: false, commandLine: "")
}

/// What a finished scoring run produced.
public struct ScoringOutcome: Sendable {
    /// `--if-changed` found nothing changed: the message, and nothing else was done.
    public var skipped: String?
    /// The run's results (nil when skipped).
    public var summary: RunSummary?
    /// The one-line summary (cron, the log).
    public var line: String
    /// The multi-line summary for a terminal.
    public var consoleText: String
    /// The history line ("recorded as run #3 …"), when the run was recorded.
    public var historyLine: String?
    /// The recorded history run, when there is a history.
    public var historyRun: HistoryRun?
    /// Paths of the outputs written.
    public var written: [String]
    /// ``ExitStatus/success`` or ``ExitStatus/rejected`` (outputs written, but too many rejects).
    public var exitCode: Int32
    /// Why the exit code is not 0.
    public var complaint: String?
}

/// One scoring run, the whole transaction a person asks for with `lvzhi score` or the web
/// console's 评分 page once the settings are complete: lock the output folder, read the
/// history, skip when unchanged, read and score, refuse a second publication, write the
/// outputs into a staging folder, swap it into place inside the history transaction.
public final class ScoringTransaction: @unchecked Sendable {
    let settings: ScoreSettings
    let rules: String
    let members: String
    let activities: [String]
    let out: String
    /// The language of messages, the log and the progress meter.
    let lang: Language
    /// The language of the outputs (reports, workbook, member pages).
    let outputLang: Language
    let quiet: Bool
    let log: RunLog?
    let folder: OutputFolder
    let meter: ProgressMeter
    let pinnedTime: Date?
    let console: ScoringConsole
    /// Mapping files for foreign exports (`--mapping`).
    public var mappings: [Mapping] = []
    /// Last period's results for the year-over-year parts of the reports (from the history
    /// store); `nil` leaves the outputs as they were.
    var previous: PreviousResults?
    let started = ContinuousClock.now
    /// Output file names this run writes (rejects.csv always).
    let selected: [String]
    /// Names lvzhi owns in the output folder.
    let owned: Set<String>
    /// The history database, or `nil` with `--no-history`.
    public let historyPath: String?
    /// Held from the output swap until the history transaction has committed, so that a stop
    /// signal in between waits and both end up done (or, taken first, neither).
    let commitGate = NSLock()

    /// - Parameter pinnedTime: `--run-time`; `SOURCE_DATE_EPOCH` is read when it is nil.
    /// - Parameter outputLang: the outputs' language when it differs from the messages' (the web
    ///   console writes its own language whoever starts the run, and answers in theirs); `lang` when nil.
    /// - Throws: ``LvzhiFailure/badInput(_:)`` when the log file cannot be opened.
    public init(settings: ScoreSettings, rules: String, members: String, activities: [String], out: String,
                lang: Language, outputLang: Language? = nil, pinnedTime flag: String?, console: ScoringConsole) throws(LvzhiFailure) {
        self.settings = settings
        self.rules = rules
        self.members = members
        self.activities = activities
        self.out = out
        self.lang = lang
        self.outputLang = outputLang ?? lang
        self.console = console
        quiet = settings.quiet ?? false
        pinnedTime = RunTime.pinned(flag: flag)
        folder = OutputFolder(target: out)
        meter = ProgressMeter(enabled: !quiet && console.interactive, lang: lang)
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
                throw .badInput(lang.pick("错误: 无法打开日志文件 \(error.path)：\(error.reason)", "error: cannot open the log file \(error.path): \(error.reason)"))
            }
        } else {
            log = nil
        }
    }

    /// Settings that contradict each other, refused before anything is done (nil: none).
    public static func contradiction(in settings: ScoreSettings, lang: Language) -> LvzhiFailure? {
        // --supersede only says what a publication replaces; alone it would record a draft and
        // leave the published result in force, which is not what the person asked for.
        if settings.supersede == true, settings.publish != true {
            return .usage(lang.pick("错误: --supersede 只能与 --publish 一起使用（取代的是已公布的结果）；单独使用时本次只会记为草稿，原公布结果不变。本次未做任何改动。\n  提示: 加上 --publish（任务文件中 publish: true），或去掉 --supersede。要公布已记录的草稿，用 lvzhi history publish 运行编号 --supersede。",
                                    "error: --supersede needs --publish (it replaces a published result); alone the run would only be a draft and the published result would stay. Nothing was changed.\n  hint: add --publish (publish: true in a job file), or drop --supersede. To publish a recorded draft, use lvzhi history publish RUN --supersede."))
        }
        if settings.publish == true, settings.historyEnabled == false {
            return .usage(lang.pick("错误: --publish 把结果记入历史数据库，不能与 --no-history（任务文件中 history: false）同时使用；否则什么也不会公布。本次未做任何改动。\n  提示: 去掉 --no-history（或 history: false），或去掉 --publish。",
                                    "error: --publish records the result in the history, so it cannot go with --no-history (history: false in a job file); nothing would be published. Nothing was changed.\n  hint: drop --no-history (or history: false), or drop --publish."))
        }
        return nil
    }

    /// Loads mapping files; every diagnostic of every file in one failure.
    public static func loadMappings(_ paths: [String], lang: Language) throws(LvzhiFailure) -> [Mapping] {
        var out: [Mapping] = []
        var messages: [String] = []
        for p in paths {
            do { out.append(try MappingLoader.load(path: p)) } catch {
                messages.append(error.render(lang))
            }
        }
        if !messages.isEmpty { throw .badInput(messages.joined(separator: "\n")) }
        return out
    }

    /// Logs `message` and the end of the run, removes the staging folder, and returns the failure to throw.
    func fail(_ code: Int32, _ message: String) -> LvzhiFailure {
        meter.finish()
        folder.abort()
        log?.line(message)
        logEnd(code)
        return .code(code, message)
    }

    func logEnd(_ code: Int32) {
        let d = ContinuousClock.now - started
        let seconds = String(format: "%.2f", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
        log?.line(lang.pick("结束：退出码 \(code)，用时 \(seconds) 秒", "end: exit code \(code), \(seconds) s"))
    }

    /// Runs the transaction.
    /// - Parameter handleSignals: the command line stops on SIGINT/SIGTERM/SIGHUP with the
    ///   staging folder removed (or waits for a swap under way); a server leaves signals alone.
    public func run(handleSignals: Bool) throws(LvzhiFailure) -> ScoringOutcome {
        log?.line(lang.pick("开始：", "start: ") + "lvzhi \(LvzhiVersion.current) " + console.commandLine)
        if handleSignals { installSignalHandlers() }
        do {
            return try body()
        } catch let e as LvzhiFailure {
            throw e
        } catch {
            throw fail(ExitStatus.internalError, lang.pick("错误: 内部错误：\(error)。原有输出未改动；请把这条信息和日志发给维护人员。",
                                                          "error: internal error: \(error). Previous outputs are untouched; please report this with the log."))
        }
    }

    private func installSignalHandlers() {
        Interruption.onStop { [self] sig in
            // Wait for an output swap and its history commit under way; after that nothing more starts.
            commitGate.lock()
            let committed = folder.abort()
            meter.finish()
            let code = ExitStatus.signaled(sig)
            let name = Interruption.name(sig)
            let msg = committed
                ? lang.pick("lvzhi: 收到 \(name)，已停止；本次输出已完整写入 \(out)（退出码 \(code)）",
                            "lvzhi: got \(name), stopped; this run's outputs were already complete in \(out) (exit \(code))")
                : lang.pick("lvzhi: 收到 \(name)，已停止；未完成的输出已删除，\(out) 中原有输出未改动（退出码 \(code)）",
                            "lvzhi: got \(name), stopped; unfinished outputs removed, previous outputs in \(out) untouched (exit \(code))")
            console.note(msg)
            log?.line(msg)
            logEnd(code)
            fflush(nil)
            _exit(code)
        }
    }

    private func body() throws -> ScoringOutcome {
        // 1. One run per output folder.
        try? FileManager.default.createDirectory(atPath: folder.parent, withIntermediateDirectories: true)
        let lockPath = RunLock.path(forOutput: folder.target)
        let runLock: RunLock
        do {
            runLock = try RunLock.acquire(path: lockPath, mode: settings.lock ?? .fail, lang: lang) { [self] pid in
                let who = pid.map { lang.pick("（进程号 \($0)）", " (pid \($0))") } ?? ""
                let msg = lang.pick("另一个 lvzhi 运行\(who)正在写入 \(out)，等待它结束…", "another lvzhi run\(who) is writing to \(out); waiting…")
                if !quiet, console.interactive { console.note(msg) }
                log?.line(msg)
            }
        } catch {
            switch error {
            case .busy: throw fail(ExitStatus.locked, error.message(lang, out: out))
            case .cannotOpen, .notALockFile: throw fail(ExitStatus.badInput, error.message(lang, out: out))
            }
        }
        defer { runLock.release() }

        // 2. Clean up after killed runs; make sure the target can be replaced.
        do {
            for line in try folder.recover() { log?.line(lang.pick("清理上次中断的运行：", "cleaned up after an interrupted run: ") + line) }
            try folder.check(owned: owned)
        } catch {
            if case .io = error { throw fail(ExitStatus.badInput, error.message(lang)) }
            throw fail(ExitStatus.usage, error.message(lang))
        }

        // Wall time per phase on stderr with LVZHI_TIMING=1 (benchmarks); "setup" is the lock,
        // the history database, the inputs' hashes and the earlier periods' results.
        let timings = ProcessInfo.processInfo.environment["LVZHI_TIMING"] == "1" ? PhaseTimings() : nil

        // 3. The history database, opened (and migrated) before any work, so that a file that
        //    cannot be the history stops the run with nothing changed.
        var store: HistoryStore?
        if let historyPath {
            do { store = try HistoryStore.open(path: historyPath) } catch {
                throw fail(ExitStatus.badInput, error.message(lang))
            }
            // A run killed between recording and completing: its manifest decides (the lock is held).
            do {
                for outcome in try store!.resolvePending(outPath: folder.target, token: RunManifest.read(folder: folder.target)?.commitToken) {
                    log?.line(Self.describe(outcome, lang: lang))
                }
            } catch {
                throw fail(ExitStatus.badInput, error.message(lang))
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
                previous = prior.previous(for: period, lang: outputLang)
                if let p = prior.periods.first {
                    historyRead = lang.pick("历史：读取此前 \(prior.periods.count) 期结果，最近一期 \(p.run.periodLabel)（运行 #\(p.run.id)）",
                                            "history: \(prior.periods.count) earlier periods read, the latest \(p.run.periodLabel) (run #\(p.run.id))")
                }
            } catch {
                throw fail(ExitStatus.badInput, error.message(lang))
            }
        }

        // 4. What this run is made from; skip if nothing changed (and the history holds the run).
        //    Hashing every input is most of the manifest's cost (100 MB at 1M records). When
        //    nothing needs the hashes before the records are read — no --if-changed, no run log —
        //    they are taken on another thread while the outputs are written (step 8).
        let hashLater = settings.ifChanged != true && log == nil
        let stamps = InputStamps.take([rules, members] + ((try? ScoringPipeline.expandInputs(activities)) ?? [])
                                      + (settings.mappings ?? []) + (settings.corrections.map { [$0] } ?? []))
        var manifest = hashLater ? nil : makeManifest(priorRuns: priorRuns)
        var fingerprint = manifest.map { ContentHash.sha256($0.identity.encoded()) }
        if settings.ifChanged == true, let manifest, manifest.isUpToDate(in: folder.target),
           store.map({ s in fingerprint.map { (try? s.hasRun(fingerprint: $0)) ?? false } ?? false }) ?? true {
            let msg = lang.pick("lvzhi: 规则、输入和选项自上次成功运行以来没有变化，跳过（输出仍在 \(out)）",
                                "lvzhi: rules, inputs and options unchanged since the last successful run; skipped (outputs remain in \(out))")
            log?.line(msg)
            logEnd(ExitStatus.success)
            return ScoringOutcome(skipped: msg, summary: nil, line: msg, consoleText: msg, historyLine: nil, historyRun: nil,
                                  written: [], exitCode: ExitStatus.success, complaint: nil)
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
                throw fail(ExitStatus.badInput, error.render(lang))
            }
        }
        timings?.mark("setup")
        let run: ScoreRun
        do {
            run = try ScoringPipeline.run(rules: rules, members: members, activities: activities, period: settings.period,
                                          mappings: mappings, corrections: corrections, history: facts, asOf: settings.asOf.flatMap { Day(iso: $0) },
                                          keepLedgers: store != nil || !Set(selected).isSubset(of: ReportSet.withoutLedgers),
                                          timings: timings) { [meter, console] done, total, records in
                meter.update(filesDone: done, filesTotal: total, records: records, force: done == total)
                console.progress?(done, total, records)
            }
        } catch {
            switch error {
            case .rules(let e):
                throw fail(ExitStatus.badRules, e.render(lang))
            case .input(let e):
                throw fail(ExitStatus.badInput, e.diagnostic.render(lang))
            case .corrections(let e):
                throw fail(ExitStatus.badInput, e.render(lang))
            case .files(let f):
                throw fail(ExitStatus.badInput, f.render(lang))
            case .noPeriod:
                throw fail(ExitStatus.usage, lang.pick("错误: 规则文件没有写考核期间 period，请用 --period 指定（如 --period 2025）",
                                                 "error: the rule file names no period; pass --period (e.g. --period 2025)"))
            case .badPeriod(let s):
                throw fail(ExitStatus.usage, lang.pick("错误: 无法识别的考核期间“\(s)”，应写作 2025、2025-Q1 或 2024-12-01..2025-11-30",
                                                 "error: unrecognised period '\(s)'; write 2025, 2025-Q1 or 2024-12-01..2025-11-30"))
            case .overflow(let o):
                throw fail(ExitStatus.badInput, o.diagnostic.render(lang))
            case .asOfOutsidePeriod(let d, let p):
                throw fail(ExitStatus.usage, lang.pick("错误: --as-of \(d) 不在考核期间 \(p.start) 至 \(p.end) 之内",
                                                 "error: --as-of \(d) is outside the period \(p.start) to \(p.end)"))
            }
        }
        for n in run.notices where !quiet { console.note(lang.pick("提示: ", "note: ") + n.message(lang)) }
        for n in run.notices { log?.line(n.message(lang)) }
        for f in run.files {
            log?.line(lang.pick("读取 \(shown(f.path))：\(f.read) 条，接受 \(f.accepted) 条，拒收 \(f.rejected) 条",
                                "read \(shown(f.path)): \(f.read) records, \(f.accepted) accepted, \(f.rejected) rejected"))
        }
        if let path = settings.corrections {
            log?.line(CorrectionSummary.line(run.corrections, path: path, lang: lang))
            for c in run.corrections { log?.line("  " + c.line(lang) + " [\(c.source)]") }
        }

        let readRuns = priorRuns
        let pendingManifest = hashLater ? Background { self.makeManifest(priorRuns: readRuns) } : nil

        // 6. A second publication of a period is refused before anything is written.
        let publish = settings.publish == true
        if publish, let store, settings.supersede != true {
            do {
                if let current = try store.currentPublished(period: run.period, rulesName: run.rules.name) {
                    throw fail(ExitStatus.usage, HistoryError.alreadyPublished(existing: current.id, period: current.periodLabel,
                                                                         rulesName: current.rulesName).message(lang)
                                + lang.pick("只想看结果时去掉 --publish，记为草稿。本次未做任何改动。",
                                            " To just look, drop --publish (a draft is recorded). Nothing was changed."))
                }
            } catch let e as HistoryError {
                throw fail(ExitStatus.badInput, e.message(lang))
            }
        }

        // 7. The exit code depends only on the run, so it is known before writing.
        let rejected = run.rejects.count
        let total = run.files.reduce(0) { $0 + $1.read }
        var code = ExitStatus.success
        var complaint: String?
        if settings.strict == true, rejected > 0 {
            code = ExitStatus.rejected
            complaint = lang.pick("错误: 有 \(rejected) 条记录被拒收（--strict），详见 rejects.csv",
                                  "error: \(rejected) records were rejected (--strict); see rejects.csv")
        } else if let limit = settings.maxRejects, limit.isExceeded(rejected: rejected, total: total) {
            code = ExitStatus.rejected
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
        let summary = RunSummary(run: run, generatedAt: runTimestamp(pinned: pinnedTime), toolVersion: LvzhiVersion.current, lang: outputLang,
                                 previous: previous)
        // The commit token: the hash of the manifest with the outputs' hashes, so that equal
        // tokens mean byte-identical outputs (and reruns stay byte-identical).
        var token = UUID().uuidString.lowercased()
        do {
            let staging = try folder.prepare()
            _ = try ReportSet.write(summary, to: staging, lang: outputLang, only: selected)
            if let pendingManifest {
                manifest = pendingManifest.wait()
                fingerprint = manifest.map { ContentHash.sha256($0.identity.encoded()) }
            }
            // Read and hashed: an input that changed meanwhile (an export still being written)
            // was scored from other bytes than its recorded hash, and --if-changed would trust it.
            if let changed = stamps.changed() { throw InputStamps.Changed(path: changed) }
            // The manifest records the outputs' hashes (--if-changed compares them) and the
            // commit token; a run that did not fully succeed is marked so that it never lets
            // --if-changed skip the next one.
            if var written = manifest.flatMap({ $0.withOutputHashes(in: staging) }) {
                written.exitCode = code == ExitStatus.success ? nil : code
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
            throw fail(ExitStatus.badInput, e.message(lang))
        } catch let e as InputStamps.Changed {
            throw fail(ExitStatus.badInput, lang.pick(
                "错误: 输入文件 \(e.path) 在本次运行读取期间被修改（大小或修改时间变了），计分所用的内容与记录的指纹可能不一致；没有写入任何输出，原有输出未改动\n  提示: 等导出写完后重新运行。",
                "error: the input file \(e.path) changed while this run read it (its size or modification time); what was scored may not match its recorded hash. Nothing was written; previous outputs are untouched.\n  hint: run again once the export is complete."))
        } catch {
            let why = Self.writeFailure(error, lang: lang)
            throw fail(ExitStatus.badInput, lang.pick("错误: 无法写入输出文件夹 \(out)：\(why)", "error: cannot write to \(out): \(why)"))
        }
        var historyLine: String?
        var recordedRun: HistoryRun?
        if let store {
            let entry = HistoryRecord(run: run, runTime: summary.generatedAt, toolVersion: LvzhiVersion.current,
                                      inputs: historyInputs(manifest), status: publish ? .published : .draft,
                                      supersede: settings.supersede == true, corrections: run.corrections.map(HistoryCorrection.init),
                                      fingerprint: fingerprint,
                                      rulesSHA256: summary.rulesHash, extendsSHA256: summary.extendsHash)
            let recorded = try recordAndCommit(entry, in: store, token: token)
            recordedRun = recorded
            historyLine = lang.pick("历史：已记为运行 #\(recorded.id)（\(recorded.status == .published ? "公布" : "草稿")\(recorded.supersedes.map { "，取代 #\($0)" } ?? "")），\(store.path)",
                                    "history: recorded as run #\(recorded.id) (\(recorded.status == .published ? "published" : "draft")\(recorded.supersedes.map { ", supersedes #\($0)" } ?? "")), \(store.path)")
        }
        meter.finish()
        let written = selected.map { (out as NSString).appendingPathComponent($0) }
        for w in written { log?.line(lang.pick("输出 ", "output ") + shown(w)) }

        if let timings {
            timings.mark("commit")
            console.note("timing: " + timings.report)
        }
        var line = oneLineSummary(summary)
        if let historyLine {
            log?.line(historyLine)
            line += lang.pick("；", "; ") + historyLine
        }
        log?.line(line)
        if let complaint { log?.line(complaint) }
        logEnd(code)
        return ScoringOutcome(skipped: nil, summary: summary, line: line,
                              consoleText: ReportSet.consoleSummary(summary, lang: lang, written: written) + (historyLine.map { "\n" + $0 } ?? ""),
                              historyLine: historyLine, historyRun: recordedRun, written: written, exitCode: code, complaint: complaint)
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
            if case .alreadyPublished = e { throw fail(ExitStatus.usage, e.message(lang)) }
            throw fail(ExitStatus.badInput, e.message(lang) + lang.pick("\n  本次运行没有记入历史，输出也没有替换：\(out) 中原有输出未改动。",
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
            throw fail(ExitStatus.badInput, error.message(lang))
        }
        do {
            return try store.completePending(pending.id)
        } catch {
            if case .alreadyPublished = error {
                throw fail(ExitStatus.usage, error.message(lang) + lang.pick(
                    "\n  注意: 本次输出已写入 \(out)，已记为草稿（运行 #\(pending.id)），没有公布。",
                    "\n  note: this run's outputs are in \(out); it was recorded as a draft (run #\(pending.id)), not published."))
            }
            throw fail(ExitStatus.badInput, error.message(lang) + lang.pick(
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
        var options: [String: String] = ["lang": outputLang.rawValue, "outputs": selected.joined(separator: ",")]
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
        let grades = run.rules.grades.enumerated().map { i, g in "\(lang == .zh ? g.color : g.englishColor) \(run.gradeCounts[i])" }
        return lang.pick(
            "lvzhi: 完成。委员 \(run.members.count) 人，读取记录 \(s.recordsRead) 条：计分 \(run.recordsScored) 条\(ReportSet.setAside(s, lang: lang))，拒收 \(run.rejects.count) 条\(ReportSet.skippedRows(s, lang: lang))；"
                + "等次 \(grades.joined(separator: "、"))；输出在 \(out)",
            "lvzhi: done. members \(run.members.count), records read \(s.recordsRead): scored \(run.recordsScored)\(ReportSet.setAside(s, lang: lang)), rejected \(run.rejects.count)\(ReportSet.skippedRows(s, lang: lang)); "
                + "grades \(grades.joined(separator: ", ")); outputs in \(out)")
    }

    /// `n / total` as a percentage with two decimals, in integers.
    public static func percent(_ n: Int, of total: Int) -> String {
        guard total > 0 else { return "0%" }
        let hundredths = (n * 10_000 + total / 2) / total
        return "\(hundredths / 100).\(String(format: "%02d", hundredths % 100))%"
    }
}

/// The run time printed in the reports.
public enum RunTime {
    /// Parses ISO 8601: `2025-12-31T09:00:00+08:00`, `…Z`, or a date or local time without a
    /// zone (taken as Beijing time).
    public static func parse(_ s: String) -> Date? {
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
    public static func pinned(flag: String?) -> Date? {
        if let flag, let d = parse(flag) { return d }
        if let s = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"], let t = TimeInterval(s.trimmingSpaces) {
            return Date(timeIntervalSince1970: t)
        }
        return nil
    }

    public static func text(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        return f.string(from: date)
    }
}

/// The run time printed in the reports: the pinned time (`--run-time`, `SOURCE_DATE_EPOCH`)
/// when there is one, otherwise now.
public func runTimestamp(pinned: Date? = RunTime.pinned(flag: nil)) -> String {
    RunTime.text(pinned ?? Date())
}

/// The version printed in reports, logs and the history.
public enum LvzhiVersion {
    public static let current = "0.1.0"
}

/// "复核 FILE：5 条（补录 1、删除 1、修改 3）".
public enum CorrectionSummary {
    public static func line(_ applied: [AppliedCorrection], path: String, lang: Language) -> String {
        let counts = Correction.Action.allCases.map { a in (a, applied.filter { $0.action == a }.count) }.filter { $0.1 > 0 }
        let parts = counts.map { "\($0.0.label(lang)) \($0.1)" }.joined(separator: lang.pick("、", ", "))
        return lang.pick("复核 \(path)：\(applied.count) 条", "corrections \(path): \(applied.count)")
            + (parts.isEmpty ? "" : lang.pick("（\(parts)）", " (\(parts))"))
    }
}

/// One value (a path, a name) inside a message: every control character escaped, line
/// breaks included, so it cannot split the message's lines.
func shown(_ s: String) -> String { TerminalText.escape(s) }

/// A value computed on another thread, waited for once.
final class Background<T: Sendable>: @unchecked Sendable {
    private var value: T?
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () -> T) {
        DispatchQueue.global().async {
            self.value = work()
            self.done.signal()
        }
    }

    /// The value, once computed (call once).
    func wait() -> T {
        done.wait()
        return value!
    }
}

extension ScoringTransaction {
    /// Why an output could not be written, as “PATH: reason” in the run's language: not the
    /// error's debug form (`system(path: …)`, `Error Domain=NSCocoaErrorDomain Code=512 …`).
    static func writeFailure(_ error: any Error, lang: Language) -> String {
        let colon = lang.pick("：", ": ")
        if let p = error as? SafeFile.Problem { return p.path + colon + p.reason(lang) }
        if let e = error as? CocoaError {
            var reason = e.userInfo[NSLocalizedDescriptionKey] as? String
            // The system's reason beneath (a POSIXError on Linux, an NSError elsewhere).
            if let posix = e.userInfo[NSUnderlyingErrorKey] as? POSIXError {
                reason = String(cString: strerror(posix.code.rawValue))
            } else if let ns = e.userInfo[NSUnderlyingErrorKey] as? NSError, ns.domain == NSPOSIXErrorDomain {
                reason = String(cString: strerror(Int32(ns.code)))
            }
            let why = reason.map { SystemErrorText.localized($0, lang) } ?? lang.pick("写入失败（错误码 \(e.code.rawValue)）", "write failed (code \(e.code.rawValue))")
            return e.filePath.map { $0 + colon + why } ?? why
        }
        return "\(error)"
    }
}

/// The size, modification time and file identity of each input, taken before anything is read,
/// so that a file changed during the run is noticed once it has been read and hashed.
struct InputStamps {
    struct Changed: Error { var path: String }
    struct Stamp: Equatable {
        var device: UInt64, inode: UInt64, size: Int64, seconds: Int, nanoseconds: Int
    }
    var stamps: [(path: String, stamp: Stamp?)]

    static func stamp(_ path: String) -> Stamp? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Stamp(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size),
                     seconds: st.st_mtim.tv_sec, nanoseconds: st.st_mtim.tv_nsec)
    }

    static func take(_ paths: [String]) -> InputStamps {
        InputStamps(stamps: paths.map { ($0, stamp($0)) })
    }

    /// The first input whose stamp is not what it was.
    func changed() -> String? {
        stamps.first { Self.stamp($0.path) != $0.stamp }?.path
    }
}
