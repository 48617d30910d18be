import ArgumentParser
import Foundation
import LvzhiCore
import LvzhiIngest
import LvzhiReport
import LvzhiRules
import LvzhiScoring

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "按规则文件为委员评分并生成报告 (score members and write the reports).",
        discussion: "输出 (outputs): report.html, scores.csv, scores.json, rejects.csv"
    )

    @Option(help: "规则文件 (rule file, YAML).")
    var rules: String

    @Option(help: "委员名册 (member roster, CSV or XML).")
    var members: String

    @Option(parsing: .upToNextOption, help: "活动记录文件或文件夹，可多个 (activity files or folders).")
    var activities: [String]

    @Option(help: "输出文件夹 (output folder).")
    var out: String

    @Option(help: "考核期间，覆盖规则文件中的设置：2025、2025-Q1 或 2024-12-01..2025-11-30 (period).")
    var period: String?

    @Flag(help: "有记录被拒收时以退出码 1 结束 (exit 1 when any record was rejected).")
    var strict = false

    @Flag(name: .shortAndLong, help: "不打印摘要 (print nothing on success).")
    var quiet = false

    @OptionGroup var language: LanguageOption

    func validate() throws {
        if let period, Period(spec: period) == nil {
            throw ValidationError(language.language.pick(
                "无法识别的考核期间“\(period)”，应写作 2025、2025-Q1 或 2024-12-01..2025-11-30",
                "unrecognised period '\(period)'; write 2025, 2025-Q1 or 2024-12-01..2025-11-30"))
        }
    }

    func run() throws {
        let lang = language.language
        let timings = ProcessInfo.processInfo.environment["LVZHI_TIMING"] == "1" ? PhaseTimings() : nil
        let run: ScoreRun
        do {
            run = try ScoringPipeline.run(rules: rules, members: members, activities: activities, period: period, timings: timings)
        } catch {
            switch error {
            case .rules(let e):
                printErr(e.render(lang))
                throw ExitCode(Exit.badRules)
            case .input(let e):
                printErr(e.diagnostic.render(lang))
                throw ExitCode(Exit.badInput)
            case .noPeriod:
                printErr(lang.pick("错误: 规则文件没有写考核期间 period，请用 --period 指定（如 --period 2025）",
                                   "error: the rule file names no period; pass --period (e.g. --period 2025)"))
                throw ExitCode(Exit.usage)
            case .badPeriod(let s):
                printErr(lang.pick("错误: 无法识别的考核期间“\(s)”，应写作 2025、2025-Q1 或 2024-12-01..2025-11-30",
                                   "error: unrecognised period '\(s)'; write 2025, 2025-Q1 or 2024-12-01..2025-11-30"))
                throw ExitCode(Exit.usage)
            }
        }

        let summary = RunSummary(run: run, generatedAt: runTimestamp(), toolVersion: LvzhiVersion.current, lang: lang)
        let written: [String]
        do {
            written = try ReportSet.write(summary, to: out, lang: lang)
        } catch {
            printErr(lang.pick("错误: 无法写入输出文件夹 \(out)：\(error)", "error: cannot write to \(out): \(error)"))
            throw ExitCode(Exit.badInput)
        }

        if let timings {
            timings.mark("write")
            printErr("timing: " + timings.report)
        }
        if !quiet {
            print(ReportSet.consoleSummary(summary, lang: lang, written: written))
        }
        if strict && !run.rejects.isEmpty { throw ExitCode(Exit.rejected) }
    }
}

/// The run time printed in the reports: `SOURCE_DATE_EPOCH` when set (reproducible builds'
/// convention), otherwise now.
func runTimestamp() -> String {
    var date = Date()
    if let s = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"], let t = TimeInterval(s) {
        date = Date(timeIntervalSince1970: t)
    }
    let f = ISO8601DateFormatter()
    f.timeZone = TimeZone(identifier: "Asia/Shanghai")
    return f.string(from: date)
}

func printErr(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
