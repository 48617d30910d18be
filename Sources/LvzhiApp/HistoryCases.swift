import Foundation
import LvzhiCore
import LvzhiHistory
import LvzhiRules
import LvzhiScoring

/// The history use cases: open, list, show, a member's years, publish. Every failure is a
/// ``LvzhiFailure`` (a missing run or a second publication is `.usage`, exit 64; a database
/// that cannot be read is `.badInput`, exit 3).
public enum HistoryCases {
    /// The failure for a history error.
    public static func failure(_ e: HistoryError, lang: Language) -> LvzhiFailure {
        switch e {
        case .noSuchRun, .notDraft, .alreadyPublished: .usage(e.message(lang))
        default: .badInput(e.message(lang))
        }
    }

    /// Opens an existing history database for reading; never creates one.
    public static func openExisting(path: String, lang: Language) throws(LvzhiFailure) -> HistoryStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw .usage(lang.pick("错误: 找不到历史数据库 \(path)\n  提示: lvzhi score 把历史写在输出文件夹旁边（如 out/2025 的历史在 out/lvzhi-history.sqlite）；用 --history 指定它。",
                                   "error: no history database at \(path)\n  hint: lvzhi score writes it beside the output folder (out/2025 → out/lvzhi-history.sqlite); name it with --history."))
        }
        return try open(path: path, lang: lang)
    }

    /// Opens (creating when missing) a history database.
    public static func open(path: String, lang: Language) throws(LvzhiFailure) -> HistoryStore {
        do { return try HistoryStore.open(path: path) } catch { throw failure(error, lang: lang) }
    }

    /// Runs `body` with history errors turned into failures.
    public static func guarded<T>(_ lang: Language, _ body: () throws(HistoryError) -> T) throws(LvzhiFailure) -> T {
        do { return try body() } catch { throw failure(error, lang: lang) }
    }

    /// Every run, newest first.
    public static func runs(_ store: HistoryStore, lang: Language) throws(LvzhiFailure) -> [HistoryRun] {
        try guarded(lang) { () throws(HistoryError) in try store.runs().sorted { $0.id > $1.id } }
    }

    /// One run, or `.usage` when there is none.
    public static func run(_ id: Int64, in store: HistoryStore, lang: Language) throws(LvzhiFailure) -> HistoryRun {
        let r = try guarded(lang) { () throws(HistoryError) in try store.run(id) }
        guard let r else { throw failure(.noSuchRun(id), lang: lang) }
        return r
    }

    /// Publishes a draft; a period published already needs `supersede`. Published runs are
    /// immutable (the database refuses changes to them).
    /// - Parameter at: the publication time; now (or the pinned run time) when nil.
    public static func publish(run id: Int64, in store: HistoryStore, supersede: Bool, at time: String? = nil,
                               lang: Language) throws(LvzhiFailure) -> HistoryRun {
        try guarded(lang) { () throws(HistoryError) in try store.publish(run: id, at: time ?? runTimestamp(), supersede: supersede) }
    }

    /// Two stored runs' results compared (`lvzhi diff --runs`, the console's 首页): old first.
    public static func compare(old: Int64, new: Int64, in store: HistoryStore, lang: Language) throws(LvzhiFailure) -> ResultComparison {
        var sides: [ResultSet] = []
        for id in [old, new] {
            let r = try run(id, in: store, lang: lang)
            let results = try guarded(lang) { () throws(HistoryError) in try store.results(run: id) }
            sides.append(ResultSet(history: r, results: results, lang: lang))
        }
        return ResultComparison(old: sides[0], new: sides[1])
    }

    /// "已公布运行 #3（2025，奉节 1.0）".
    public static func publishedLine(_ r: HistoryRun, lang: Language) -> String {
        lang.pick("已公布运行 #\(r.id)（\(r.periodLabel)，\(r.rulesName) \(r.rulesVersion)）" + (r.supersedes.map { "，取代 #\($0)" } ?? ""),
                  "published run #\(r.id) (\(r.periodLabel), \(r.rulesName) \(r.rulesVersion))" + (r.supersedes.map { ", superseding #\($0)" } ?? ""))
    }
}

/// Checking a rule file (`lvzhi check`, the console's 规则 page).
public enum RuleChecking {
    /// The rule file's diagnostics, its rules when it loads, and whether it passes.
    public static func check(path: String, strict: Bool = false) -> (result: RuleFileCheck, passed: Bool) {
        let result = RuleFileCheck.run(path: path)
        let errors = result.diagnostics.filter { $0.severity == .error }.count
        let warnings = result.diagnostics.count - errors
        return (result, !(errors > 0 || (strict && warnings > 0)))
    }
}
