import Foundation
import LvzhiCore
import LvzhiIngest
import LvzhiRules

/// Runs ingest and scoring for one set of inputs.
public enum ScoringPipeline {
    public enum Failure: Error, Sendable {
        case rules(RuleFileError)
        case input(IngestError)
        /// Activity files that could not be read to the end (every one of them, the others
        /// having been read on).
        case files(InputFailures)
        case noPeriod
        case badPeriod(String)
        /// The corrections file cannot be applied to the inputs.
        case corrections(CorrectionError)
        /// `--as-of` falls outside the period.
        case asOfOutsidePeriod(Day, Period)
        /// A member's score cannot be represented exactly (P001).
        case overflow(ScoreOverflow)
    }

    /// Expands folders into the CSV, XML and XLSX files they hold (recursively), sorted by path, so
    /// the run does not depend on the order the shell or the file system lists them in.
    public static func expandInputs(_ paths: [String]) throws(IngestError) -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else {
                throw .unreadable(path: p, reason: "No such file or directory")
            }
            if isDir.boolValue {
                guard let e = fm.enumerator(atPath: p) else { throw .unreadable(path: p, reason: "cannot list folder") }
                var found: [String] = []
                while let rel = e.nextObject() as? String {
                    let full = (p as NSString).appendingPathComponent(rel)
                    if InputFormat(path: full) != nil { found.append(full) }
                }
                out += found
            } else {
                if let kind = SafeFile.nonRegularKind(p) { throw .notRegularFile(path: p, kind: kind) }
                guard InputFormat(path: p) != nil else { throw .unsupportedFormat(path: p) }
                out.append(p)
            }
        }
        return Array(Set(out)).sorted()
    }

    /// N005: roster members not in office during the period, not graded (listed by id).
    static func notGradedNotice(_ members: [Member], period: Period) -> RunNotice {
        let shown = members.prefix(20).map { TerminalText.escape("\($0.id) \($0.name)") }
        let more = members.count > 20
        return RunNotice(
            id: "N005",
            zh: "名册中有 \(members.count) 位委员在考核期间 \(period) 内不在任（此前已离任或此后才任职），本期不参加评定，也不计入等次人数："
                + shown.joined(separator: "、") + (more ? " 等" : ""),
            en: "\(members.count) roster member(s) were not in office during the period \(period) (left before it or joined after it): not graded this period, and not counted in the grades: "
                + shown.joined(separator: ", ") + (more ? " …" : ""))
    }

    /// Loads the rules, reads the roster and every activity file, applies the corrections
    /// (复核) if any, and scores. `progress` is
    /// called while reading with the activity files done, their number, and the records read.
    ///
    /// `history` gives earlier periods' results for the rule file's `history` conditions (nil:
    /// none available; the run then carries a notice). `asOf` scores the year to date: records
    /// are read for the whole period (later ones are not rejected), those dated after `asOf` are
    /// set aside. A run with `asOf`, or over a period shorter than the rule file's own (a quarter
    /// of its year), is an interim 通报: requirements show progress instead of applying; for the
    /// latter the records are read against the rule file's whole period and those outside the
    /// run's period are set aside (``ScoreRun/recordsOutsidePart``), not rejected.
    /// - Throws: ``Failure``; `.files` after reading on past every activity file that cannot be
    ///   read to the end, naming all of them and the files read in full (nothing is scored).
    public static func run(rules rulesPath: String, members membersPath: String, activities: [String],
                           period periodSpec: String?, mappings: [Mapping] = [], corrections: CorrectionSet? = nil,
                           history: HistoryFacts? = nil, asOf: Day? = nil, keepLedgers: Bool = true, spill: SpillPolicy = .auto,
                           timings: PhaseTimings? = nil,
                           progress: ((_ filesDone: Int, _ filesTotal: Int, _ recordsRead: Int) -> Void)? = nil) throws(Failure) -> ScoreRun {
        let rules: RuleSet
        do { rules = try RuleFileLoader.load(path: rulesPath) } catch { throw .rules(error) }
        let period: Period
        if let spec = periodSpec {
            guard let p = Period(spec: spec) else { throw .badPeriod(spec) }
            period = p
        } else if let p = rules.period {
            period = p
        } else {
            throw .noPeriod
        }
        if let asOf, !period.contains(asOf) { throw .asOfOutsidePeriod(asOf, period) }
        var options = ScoreOptions(history: history, asOf: asOf, keepLedgers: keepLedgers)
        // The period the records are read and checked against: for part of the rule file's own
        // period (a quarter of its year), the whole of it, so that a full-year export's other
        // records are set aside (counted, not rejected); only records outside it are rejected.
        var readPeriod = period
        if let own = rules.period, own != period, own.start <= period.start, period.end <= own.end {
            options.fullPeriod = own
            options.part = period
            readPeriod = own
        }
        do {
            let files = try expandInputs(activities)
            let roster = try RosterReader.read(path: membersPath)
            // Members not in office during the period are not graded; their records are refused.
            let inPeriod = roster.forPeriod(readPeriod)
            var ingestor = ActivityIngestor(members: inPeriod.members, memberRejects: roster.rejects, memberFile: membersPath,
                                            memberRows: roster.rowsRead, memberSheet: roster.sheet, period: readPeriod,
                                            vocabulary: rules.vocabulary, excluded: inPeriod.excluded)
            let inputs = files.filter { $0 != membersPath }
            if inputs.isEmpty { throw IngestError.noActivityFiles(paths: activities) }
            // A run that shows no ledger keeps its records on disk when they are many.
            if corrections == nil, !keepLedgers, rules.history.isEmpty { try spill.start(&ingestor, files: inputs) }
            var done = 0, records = 0
            if let progress {
                ingestor.progress = { n in records = n; progress(done, inputs.count, n) }
            }
            // A bad file does not stop the reading: every bad file is reported at once.
            var failures = InputFailures()
            for f in inputs {
                do {
                    try ingestor.read(path: f, mapping: try Mapping.select(for: f, from: mappings))
                    failures.read.append(f)
                } catch let e as IngestError {
                    failures.failed.append(e)
                } catch {
                    failures.failed.append(.unreadable(path: f, reason: "\(error)"))
                }
                done += 1
                progress?(done, inputs.count, records)
            }
            if !failures.failed.isEmpty { throw Failure.files(failures) }
            // The records as exported, kept (copy-on-write) to show what the corrections changed.
            let asExported = corrections.map { _ in ingestor.finish() }
            if let corrections {
                do { try ingestor.apply(corrections) } catch { throw Failure.corrections(error) }
            }
            let ingested = ingestor.finishAndRelease()
            try SpillPolicy.check(ingested)
            timings?.mark("ingest")
            var run = Scorer.score(ingested, rules: rules, period: readPeriod, options: options)
            try SpillPolicy.check(ingested)
            if let asExported, !run.corrections.isEmpty {
                run.uncorrected = CorrectionEffect.before(run, uncorrected: Scorer.score(asExported, rules: rules, period: readPeriod,
                                                                                         options: options))
            }
            if !inPeriod.outside.isEmpty { run.notices.append(Self.notGradedNotice(inPeriod.outside, period: readPeriod)) }
            // Files but not one record (an export of headers only): say so where the all-red
            // chart is shown, instead of grading everyone on nothing without a word.
            if run.files.filter({ !$0.isRoster }).allSatisfy({ $0.read == 0 }), run.corrections.isEmpty {
                run.notices.append(RunNotice(id: "N006",
                    zh: "活动文件中没有读到任何记录（\(inputs.count) 个文件都只有表头或是空的）：所有委员都没有得分，请先核对导出",
                    en: "not one record was read from the activity files (all \(inputs.count) hold headers only or nothing): no member scored anything; check the export first"))
            }
            timings?.mark("score")
            if let o = run.overflow { throw Failure.overflow(o) }
            return run
        } catch let e as IngestError {
            throw .input(e)
        } catch let e as Failure {
            throw e
        } catch {
            throw .input(.unreadable(path: membersPath, reason: "\(error)"))
        }
    }
}

/// When a run keeps its records on disk instead of in memory (``ActivityIngestor/spillToDisk(directory:)``):
/// `auto` when the activity files hold more than ``autoBytes`` together. The environment variable
/// `LVZHI_SPILL` (`always`, `never`) overrides it, for tests and benchmarks.
public enum SpillPolicy: Sendable {
    case auto, always, never

    /// About 300,000 records of a canonical CSV.
    public static let autoBytes: Int64 = 32 << 20

    /// Where scratch files go: `TMPDIR`, or /tmp.
    public static var directory: String {
        if let t = ProcessInfo.processInfo.environment["TMPDIR"], !t.isEmpty { return t }
        return "/tmp"
    }

    /// Starts keeping `ingestor`'s records on disk when the policy applies to `files`.
    /// - Throws: I025 (``IngestError/scratch(folder:reason:)``) when no scratch file can be made.
    public func start(_ ingestor: inout ActivityIngestor, files: [String]) throws(IngestError) {
        guard let bytes = spillBytes(files) else { return }
        // About 16,384 records of a canonical CSV (100 bytes each) a partition.
        let partitions = Int(min(Int64(ActivityIngestor.maxMemberPartitions), max(1, bytes / (1_600 << 10))))
        do { try ingestor.spillToDisk(directory: Self.directory, partitions: partitions) } catch {
            throw .scratch(folder: Self.directory, reason: error.reason(.en))
        }
    }

    /// I025 when `result`'s scratch files could not be written or read back: records are missing.
    public static func check(_ result: IngestResult) throws(IngestError) {
        if let e = result.spillFailure { throw .scratch(folder: directory, reason: e.reason(.en)) }
    }

    public func applies(to files: [String]) -> Bool { spillBytes(files) != nil }

    /// The activity files' bytes together when the policy applies, nil when it does not.
    func spillBytes(_ files: [String]) -> Int64? {
        var total: Int64 = 0
        for f in files {
            var st = stat()
            if stat(f, &st) == 0 { total += Int64(st.st_size) }
        }
        switch ProcessInfo.processInfo.environment["LVZHI_SPILL"] {
        case "always": return total
        case "never": return nil
        default: break
        }
        switch self {
        case .always: return total
        case .never: return nil
        case .auto: return total > Self.autoBytes ? total : nil
        }
    }
}

/// The activity files of a run that failed to read: which were read to the end, and where
/// each of the others stopped.
public struct InputFailures: Error, Sendable {
    /// Files read to the end, in reading order.
    public var read: [String] = []
    /// One error per file that could not be read to the end, in reading order.
    public var failed: [IngestError] = []

    public init(read: [String] = [], failed: [IngestError] = []) {
        self.read = read
        self.failed = failed
    }

    /// Every file's diagnostic, then which files were read, which stopped where, and that
    /// nothing was scored.
    public func render(_ lang: Language) -> String {
        var out = failed.map { $0.diagnostic.render(lang) }
        let sep = lang.pick("、", ", ")
        func names(_ files: [String]) -> String {
            if files.isEmpty { return lang.pick("无", "none") }
            let shown = files.prefix(30).map { TerminalText.escape($0) }.joined(separator: sep)
            return files.count > 30 ? shown + lang.pick("……（共 \(files.count) 个）", "… (\(files.count) in all)") : shown
        }
        out.append(lang.pick("lvzhi: 有 \(failed.count) 个活动文件未能完整读取，没有评分。",
                             "lvzhi: \(failed.count) activity file(s) could not be read to the end; nothing was scored."))
        out.append(lang.pick("  完整读取（\(read.count) 个）：", "  read in full (\(read.count)): ") + names(read))
        let partial = failed.filter { ($0.location?.line ?? 0) > 1 }
        let unread = failed.filter { ($0.location?.line ?? 0) <= 1 }
        if !partial.isEmpty {
            out.append(lang.pick("  读到中途出错（\(partial.count) 个，出错行之后未读取）：", "  stopped part-way (\(partial.count); nothing after the line was read): ")
                       + partial.map { e in
                           let line = e.location?.line ?? 0
                           return lang.pick("\(e.location?.file ?? "") 第 \(line) 行 [\(e.id)]", "\(e.location?.file ?? ""):\(line) [\(e.id)]")
                       }.joined(separator: sep))
        }
        if !unread.isEmpty {
            out.append(lang.pick("  未能读取（\(unread.count) 个）：", "  not read (\(unread.count)): ")
                       + unread.map { "\($0.location?.file ?? "") [\($0.id)]" }.joined(separator: sep))
        }
        out.append(lang.pick("  修正或移走这些文件后重新运行；lvzhi validate 可以先检查全部输入。",
                             "  Fix or remove these files and run again; lvzhi validate checks all inputs first."))
        return out.joined(separator: "\n")
    }
}

/// Wall-clock time per phase, printed with `LVZHI_TIMING=1` (for benchmarks).
public final class PhaseTimings: @unchecked Sendable {
    private var last = ContinuousClock.now
    public private(set) var phases: [(String, Duration)] = []
    public init() {}
    public func mark(_ name: String) {
        let now = ContinuousClock.now
        phases.append((name, now - last))
        last = now
    }
    public var report: String {
        phases.map { "\($0.0) \(String(format: "%.3f", Double($0.1.components.attoseconds) / 1e18 + Double($0.1.components.seconds))) s" }
            .joined(separator: ", ")
    }
}

/// A member's score and grade without the corrections (复核), to show what they changed.
public struct CorrectionEffect: Sendable, Equatable {
    public var score: Points
    /// Index of the grade (0 = best).
    public var grade: Int

    public init(score: Points, grade: Int) {
        self.score = score
        self.grade = grade
    }

    /// The uncorrected results of the members that `run`'s corrections name.
    static func before(_ run: ScoreRun, uncorrected: ScoreRun) -> [String: CorrectionEffect] {
        let named = Set(run.corrections.flatMap { c in [c.memberID] + c.changes.filter { $0.field == .memberID }.map(\.before) })
        var out: [String: CorrectionEffect] = [:]
        for r in uncorrected.results where named.contains(uncorrected.members[r.member].id) {
            out[uncorrected.members[r.member].id] = CorrectionEffect(score: r.score, grade: r.grade)
        }
        return out
    }
}
