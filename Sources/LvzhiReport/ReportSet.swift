import Foundation
import LvzhiCore
import LvzhiScoring

/// Writes every output of a run into one folder.
public enum ReportSet {
    /// The files every run writes, in the order they are written.
    /// `members` is a folder (one page per member and `index.html`); `members-combined.html`
    /// (every member in one printable file) is written only when asked for.
    public static let outputNames = ["report.html", MemberPages.folderName, MemberPages.fileName, "scores.xlsx", "scores.csv", "scores.json", "ledger.csv", "rejects.csv"]

    /// What a run writes when no formats are named: everything but the combined member file.
    public static let defaultOutputs = outputNames.filter { $0 != MemberPages.fileName }
    /// The outputs that show no ledger line: a run writing only these need not keep ledgers.
    public static let withoutLedgers: Set<String> = ["scores.csv", "scores.json", "rejects.csv"]

    /// Writes report.html, members/, scores.xlsx, scores.csv, scores.json, ledger.csv and rejects.csv
    /// (or only the outputs named in `only`, which may add members-combined.html); returns their paths. Each file is streamed under a temporary
    /// name and renamed into place when complete. The score command writes into a staging
    /// folder that is swapped into place as a whole (LvzhiJob's `OutputFolder`).
    public static func write(_ s: RunSummary, to dir: String, lang: Language, only: [String]? = nil) throws -> [String] {
        // Every number shown is rounded by the rule file's `display.decimals` (Points.display).
        try Points.withDisplay(decimals: s.run.rules.display.decimals) {
            try writeFiles(s, to: dir, lang: lang, only: only)
        }
    }

    private static func writeFiles(_ s: RunSummary, to dir: String, lang: Language, only: [String]?) throws -> [String] {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        @Sendable func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }
        let selected = outputNames.filter { only?.contains($0) ?? defaultOutputs.contains($0) }
        // report.html links names to each member's own file, else to the combined file.
        let links = selected.contains(MemberPages.folderName) ? MemberPages.folderName + "/"
            : selected.contains(MemberPages.fileName) ? MemberPages.fileName : nil
        // LVZHI_TIMING=1 (benchmarks): each output's wall time on stderr.
        let timing = ProcessInfo.processInfo.environment["LVZHI_TIMING"] == "1"
        var times: [String] = []
        @Sendable func took(_ name: String, since started: ContinuousClock.Instant) -> String {
            let d = ContinuousClock.now - started
            return name + " " + String(format: "%.3f", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
        }
        // The member pages are mostly the kernel's work (20,000 files created one at a time in
        // one folder, under its lock), the other outputs mostly rendering and deflating: the
        // pages are written beside them instead of before them. Every output is the same bytes.
        let pages = selected.contains(MemberPages.folderName) && selected.count > 2 ? BesideWriter() : nil
        defer { pages?.finish() }
        if let pages {
            let decimals = Points.displayDecimals
            pages.start {
                try Points.withDisplay(decimals: decimals) {
                    let started = ContinuousClock.now
                    _ = try MemberPages.writeFolder(s, lang: lang, to: path(MemberPages.folderName))
                    return took(MemberPages.folderName, since: started)
                }
            }
        }
        for name in selected where !(pages != nil && name == MemberPages.folderName) {
            let started = ContinuousClock.now
            defer { if timing { times.append(took(name, since: started)) } }
            // The workbook is a ZIP package written through its own temporary file.
            if name == "scores.xlsx" { try Workbook.write(s, lang: lang, to: path(name)); continue }
            if name == MemberPages.folderName { _ = try MemberPages.writeFolder(s, lang: lang, to: path(name)); continue }
            var b = try ByteBuffer.streaming(to: path(name))
            switch name {
            case "report.html": HTMLReport.render(s, lang: lang, memberPages: links, into: &b)
            case MemberPages.fileName: MemberPages.render(s, lang: lang, into: &b)
            case "scores.csv": b = ScoresCSV.render(s, lang: lang, into: b)
            case "scores.json": ScoresJSON.render(s, lang: lang, into: &b)
            case "ledger.csv": LedgerCSV.renderParallel(s, lang: lang, into: &b)
            default: b = ScoresCSV.renderRejects(s.run.rejects, lang: lang, into: b)
            }
            try b.finish()
        }
        if let pages { times.append(try pages.wait() + " (alongside)") }
        if timing { FileHandle.standardError.write(Data(("timing: outputs " + times.joined(separator: ", ") + " s\n").utf8)) }
        return selected.map(path)
    }

    /// The records read that were neither scored nor rejected, as “，复核删除 1 条，2025-06-30 之后暂不计分
    /// 3761 条” or “，本期（2025年第2季度）之外暂不计分 6477 条” (empty when there are none), so that a summary line's figures add up to the
    /// records read just as the report's reconciliation does.
    public static func setAside(_ s: RunSummary, lang: Language) -> String {
        let run = s.run
        var out = ""
        let removed = run.files.filter { !$0.isRoster }.reduce(0) { $0 + $1.removed }
        if removed > 0 { out += lang.pick("，复核删除 \(removed) 条", ", removed by corrections \(removed)") }
        if let part = run.part {
            out += lang.pick("，本期（\(part.displayName(.zh))）之外暂不计分 \(run.recordsOutsidePart) 条",
                             ", set aside outside \(part.displayName(.en)) \(run.recordsOutsidePart)")
        }
        if let asOf = run.asOf {
            out += lang.pick("，\(asOf) 之后暂不计分 \(run.recordsAfterAsOf) 条", ", set aside after \(asOf) \(run.recordsAfterAsOf)")
        }
        return out
    }

    /// “（另跳过不是记录的行 23 行）” when the mappings skipped rows that are not records, else empty.
    public static func skippedRows(_ s: RunSummary, lang: Language) -> String {
        let skipped = s.run.files.reduce(0) { $0 + $1.skipped }
        return skipped == 0 ? "" : lang.pick("（另跳过不是记录的行 \(skipped) 行）", " (\(skipped) rows that are not records skipped)")
    }

    /// The short summary printed at the end of a run.
    public static func consoleSummary(_ s: RunSummary, lang: Language, written: [String]) -> String {
        let run = s.run
        var lines: [String] = []
        lines.append(lang.pick("\(run.rules.name) \(run.rules.version)，考核期间 \(run.period)",
                               "\(run.rules.name) \(run.rules.version), period \(run.period)"))
        lines.append(lang.pick("读取记录 \(s.recordsRead) 条：计分 \(run.recordsScored) 条（其中 \(run.recordsUnmatched) 条无适用规则）\(setAside(s, lang: lang))，拒收 \(run.rejects.count) 条",
                               "records read \(s.recordsRead): scored \(run.recordsScored) (\(run.recordsUnmatched) matched no rule)\(setAside(s, lang: lang)), rejected \(run.rejects.count)"))
        let skipped = run.files.reduce(0) { $0 + $1.skipped }
        if skipped > 0 {
            lines.append(lang.pick("另跳过不是记录的行 \(skipped) 行（合计、注释、空行、重复的表头；不计分，也不算拒收）",
                                   "\(skipped) rows that are not records were skipped (totals, notes, blank rows, repeated headers; neither scored nor rejected)"))
        }
        for r in s.rejectsByReason {
            lines.append("  - \(r.example): \(r.count)")
        }
        let grades = run.rules.grades.enumerated().map { i, g in
            lang.pick("\(g.color)（\(g.name)）\(run.gradeCounts[i])", "\(g.englishColor) (\(g.englishName)) \(run.gradeCounts[i])")
        }
        lines.append(lang.pick("委员 \(run.members.count) 人：", "members \(run.members.count): ") + grades.joined(separator: lang.pick("，", ", ")))
        lines.append(lang.pick("输出：", "outputs:"))
        for w in written { lines.append("  \(w)") }
        return lines.joined(separator: "\n")
    }
}

/// One output written on a thread of its own beside the others; ``wait()`` gives its result,
/// ``finish()`` only waits for it (a run that failed elsewhere must not leave it writing).
private final class BesideWriter: @unchecked Sendable {
    private let group = DispatchGroup()
    private let lock = NSLock()
    private var result: Result<String, any Error> = .success("")

    func start(_ work: @escaping @Sendable () throws -> String) {
        DispatchQueue.global().async(group: group) { [self] in
            let r = Result { try work() }
            lock.lock(); result = r; lock.unlock()
        }
    }

    func finish() { group.wait() }

    func wait() throws -> String {
        group.wait()
        lock.lock(); defer { lock.unlock() }
        return try result.get()
    }
}
