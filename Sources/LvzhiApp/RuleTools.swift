import Foundation
import LvzhiCore
import LvzhiHistory
import LvzhiIngest
import LvzhiReport
import LvzhiRules
import LvzhiScoring

/// The failure for a scoring pipeline error, in the person's language (`lvzhi score`,
/// `explain`, `diff` and the console say the same).
public func pipelineFailure(_ error: ScoringPipeline.Failure, lang: Language) -> LvzhiFailure {
    switch error {
    case .rules(let e): .badRules(e.render(lang))
    case .input(let e): .badInput(e.diagnostic.render(lang))
    case .corrections(let e): .badInput(e.render(lang))
    case .files(let f): .badInput(f.render(lang))
    case .noPeriod:
        .usage(lang.pick("错误: 规则文件没有写考核期间 period，请用 --period 指定（如 --period 2025）",
                         "error: the rule file names no period; pass --period (e.g. --period 2025)"))
    case .badPeriod(let s):
        .usage(lang.pick("错误: 无法识别的考核期间“\(s)”，应写作 2025、2025-Q1 或 2024-12-01..2025-11-30",
                         "error: unrecognised period '\(s)'; write 2025, 2025-Q1 or 2024-12-01..2025-11-30"))
    case .overflow(let o): .badInput(o.diagnostic.render(lang))
    case .asOfOutsidePeriod(let d, let p):
        .usage(lang.pick("错误: --as-of \(d) 不在考核期间 \(p.start) 至 \(p.end) 之内",
                         "error: --as-of \(d) is outside the period \(p.start) to \(p.end)"))
    }
}

/// Running the cases written in a rule file (`lvzhi test`, the console's 规则 page).
public enum RuleTesting {
    /// One rule file's cases: the lines `lvzhi test` prints (standard output and standard
    /// error kept apart), and the counts.
    public struct FileReport: Sendable {
        public var out: [String] = []
        public var err: [String] = []
        public var passed = 0
        public var failed = 0
        /// The file does not load or has errors.
        public var broken = false
        /// Each case's name and whether it passed, in order.
        public var cases: [(name: String, passed: Bool)] = []
    }

    public static func run(file f: String, lang: Language) -> FileReport {
        var report = FileReport()
        let outcome = CaseRunner.run(file: f)
        if let e = outcome.loadError {
            report.broken = true
            report.err.append(e.render(lang))
            return report
        }
        if !outcome.diagnostics.isEmpty {
            report.err.append(outcome.diagnostics.map { $0.render(lang, source: outcome.source) }.joined(separator: "\n"))
            if outcome.hasErrors { report.broken = true }
        }
        if outcome.results.isEmpty && !outcome.hasErrors {
            report.out.append(lang.pick("\(f)：没有用例", "\(f): no cases"))
            return report
        }
        report.out.append(lang.pick("\(f)：\(outcome.results.count) 个用例", "\(f): \(outcome.results.count) cases"))
        for r in outcome.results {
            report.out.append((r.passed ? "  ✓ " : "  ✗ ") + r.ruleCase.name)
            report.cases.append((r.ruleCase.name, r.passed))
            if !r.passed { report.out.append(failureReport(r, source: outcome.source, lang: lang)) }
        }
        report.passed = outcome.passed
        report.failed = outcome.failed
        return report
    }

    /// Each failure compiler-style with its source line, then the ledger of the member it is about.
    public static func failureReport(_ r: CaseResult, source: String?, lang: Language) -> String {
        var out: [String] = []
        var shown = Set<String>()
        let ledger = LedgerText(run: r.run, lang: lang, color: false, compact: true)
        for f in r.failures {
            out.append(f.diagnostic.render(lang, source: source))
            if f.diagnostic.id == "T002" {
                for j in f.rejects {
                    out.append("    " + lang.pick("拒收：", "rejected: ") + "\(j.location)  " + j.reason.message(lang))
                }
            }
        }
        for f in r.failures {
            guard let id = f.memberID, shown.insert(id).inserted, let result = r.result(for: id) else { continue }
            let m = r.run.members[result.member]
            out.append(lang.pick("  \(m.id)（\(m.name)）的计分明细：", "  ledger of \(m.id) (\(m.name)):"))
            out.append(ledger.render(result, indent: "    "))
        }
        return out.joined(separator: "\n")
    }
}

/// Writing a rule file as the published 考核细则 (`lvzhi render`, the console's 规则 page).
public enum RuleRendering {
    public enum Format: String, Sendable { case md, html }

    /// - Throws: `.badRules` with every error of the file.
    public static func render(path: String, format: Format, lang: Language) throws(LvzhiFailure) -> String {
        let rules: RuleSet
        do { rules = try RuleFileLoader.load(path: path) } catch { throw .badRules(error.render(lang)) }
        return format == .md ? RuleBook.render(rules, lang: lang) : RuleBook.renderHTML(rules, lang: lang)
    }
}

/// Comparing two rule versions on the same inputs (`lvzhi diff`), or a draft rule file
/// against a stored run (the console's 规则 page).
public enum RuleComparisons {
    /// Scores the same inputs with both rule files. Both files are checked before any data is
    /// read, and every error of both is in the one failure.
    /// - Parameter mappings: mapping files, read after both rule files are known to be sound.
    public static func compare(oldRules: String, newRules: String, members: String, activities: [String], mappings paths: [String],
                               period: String?, lang: Language) throws(LvzhiFailure) -> ResultComparison {
        var loaded: [RuleSet] = []
        var errors: [String] = []
        for path in [oldRules, newRules] {
            do { loaded.append(try RuleFileLoader.load(path: path)) } catch { errors.append(error.render(lang)) }
        }
        if !errors.isEmpty { throw .badRules(errors.joined(separator: "\n")) }
        let mappings = try ScoringTransaction.loadMappings(paths, lang: lang)
        let spec = period ?? (loaded[1].period ?? loaded[0].period)?.description
        var sides: [ResultSet] = []
        for (path, rules) in zip([oldRules, newRules], loaded) {
            let run: ScoreRun
            do {
                run = try ScoringPipeline.run(rules: path, members: members, activities: activities, period: spec, mappings: mappings)
            } catch {
                throw pipelineFailure(error, lang: lang)
            }
            sides.append(ResultSet(run: run, label: ResultSet.ruleLabel(path: path, rules: rules, lang: lang), lang: lang))
        }
        return ResultComparison(old: sides[0], new: sides[1])
    }

    /// The stored results of `run` (old) against the same inputs — roster, activities, mapping
    /// and corrections files as the history records them, the run's period — scored with the
    /// rule file `rules` (new). The old side has no ledgers (the history keeps none).
    /// - Throws: `.usage` when an input of the run is gone or has changed since.
    public static func against(run: HistoryRun, in store: HistoryStore, rules: String, lang: Language) throws(LvzhiFailure) -> ResultComparison {
        let inputs = try HistoryCases.guarded(lang) { () throws(HistoryError) in try store.inputs(run: run.id) }
        for i in inputs where ContentHash.sha256(file: i.path) != i.sha256 {
            throw .usage(lang.pick("运行 #\(run.id) 的输入文件 \(i.path) 已不存在或已改变，无法用同样的数据比较。",
                                   "run #\(run.id)'s input \(i.path) is gone or has changed since, so the same data cannot be compared."))
        }
        guard let members = inputs.first(where: { $0.role == .members })?.path else {
            throw .usage(lang.pick("历史中没有记下运行 #\(run.id) 的输入文件。", "the history does not record run #\(run.id)'s inputs."))
        }
        let mappings = try ScoringTransaction.loadMappings(inputs.filter { $0.role == .mapping }.map(\.path), lang: lang)
        var corrections: CorrectionSet?
        if let c = inputs.first(where: { $0.role == .corrections }) {
            do { corrections = try CorrectionLoader.load(path: c.path) } catch { throw .badInput(error.render(lang)) }
        }
        let ruleSet: RuleSet
        do { ruleSet = try RuleFileLoader.load(path: rules) } catch { throw .badRules(error.render(lang)) }
        let results = try HistoryCases.guarded(lang) { () throws(HistoryError) in try store.results(run: run.id) }
        let scored: ScoreRun
        do {
            scored = try ScoringPipeline.run(rules: rules, members: members, activities: inputs.filter { $0.role == .activities }.map(\.path),
                                             period: run.period.description, mappings: mappings, corrections: corrections)
        } catch {
            throw pipelineFailure(error, lang: lang)
        }
        return ResultComparison(old: ResultSet(history: run, results: results, lang: lang),
                                new: ResultSet(run: scored, label: ResultSet.ruleLabel(path: rules, rules: ruleSet, lang: lang), lang: lang))
    }
}
