import ArgumentParser
import Foundation
import LvzhiApp
import LvzhiCore
import LvzhiHistory
import LvzhiReport
import LvzhiRules
import LvzhiScoring

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "在终端显示一位委员的计分明细 (show one member's ledger in the terminal).",
        discussion: """
        重新评分，然后列出该委员的每条记录、适用的规则、应得与实得分、封顶或扣分的原
        因和记录来源（文件:行）。规则文件有跨年度条件时，用 --history 指定
        lvzhi score 写的历史数据库，读入往年结果，与报告一致。
        Re-scores, then lists the member's every record, the rule that fired,
        nominal and awarded points, why they were capped or deducted, and where the
        record came from (file:line). With multi-year conditions, --history reads
        the earlier periods as lvzhi score does.
        """
    )

    @Option(help: "委员编号或姓名 (member id, or name).")
    var member: String

    @OptionGroup var inputs: InputOptions

    @Option(help: "历史数据库：读入往年结果，供规则文件的跨年度条件使用（与 lvzhi score 相同） (the history database: earlier periods for multi-year conditions, as lvzhi score reads them).")
    var history: String?

    @OptionGroup var language: LanguageOption

    func run() throws {
        let lang = language.language
        let mappings = try MappingOption.load(inputs.mapping, lang: lang)
        let corrections = try CorrectionOption.load(inputs.corrections, lang: lang)
        // The earlier periods, as lvzhi score reads them (an existing database only).
        var facts: HistoryFacts?
        if let history, let period = inputs.period.flatMap(Period.init(spec:)) ?? (try? RuleFileLoader.load(path: inputs.rules))?.period {
            let store = try HistoryOptions.open(path: history, lang: lang)
            do { facts = try store.priorResults(before: period).facts } catch {
                printErr(error.message(lang))
                throw ExitCode(Exit.badInput)
            }
        }
        let run: ScoreRun
        do {
            run = try ScoringPipeline.run(rules: inputs.rules, members: inputs.members, activities: inputs.activities,
                                          period: inputs.period, mappings: mappings, corrections: corrections, history: facts)
        } catch {
            throw pipelineExit(error, lang: lang)
        }
        let index = try resultIndex(in: run, lang: lang)
        let text = LedgerText(run: run, lang: lang, color: stdoutIsTerminal())
        // The ledger carries its own colours and escapes its values (LedgerText); numbers are
        // shown with the rule file's display.decimals.
        Points.withDisplay(decimals: run.rules.display.decimals) { Swift.print(text.render(run.results[index])) }
    }

    /// The result for `--member`: an id, or a name held by exactly one member.
    func resultIndex(in run: ScoreRun, lang: Language) throws -> Int {
        let wanted = member.trimmingSpaces
        if let i = run.results.firstIndex(where: { run.members[$0.member].id == wanted }) { return i }
        let named = run.results.indices.filter { run.members[run.results[$0].member].name == wanted }
            .sorted { run.members[run.results[$0].member].id < run.members[run.results[$1].member].id }
        if named.count == 1 { return named[0] }
        func label(_ m: Member) -> String { lang.pick("\(m.id)（\(m.name)）", "\(m.id) (\(m.name))") }
        if named.count > 1 {
            let ids = named.map { label(run.members[run.results[$0].member]) }
            printErr(lang.pick("错误: 有 \(named.count) 位委员名为“\(wanted)”：\(ids.joined(separator: "、"))，请用委员编号指定",
                               "error: \(named.count) members are named '\(wanted)': \(ids.joined(separator: ", ")); give the member id"))
            throw ExitCode(Exit.usage)
        }
        var guesses: [String] = []
        if let id = closest(wanted, in: run.members.map(\.id)), let m = run.members.first(where: { $0.id == id }) {
            guesses.append(label(m))
        }
        for m in run.members.sorted(by: { $0.id < $1.id }) where !wanted.isEmpty && m.id.hasPrefix(wanted) && guesses.count < 5 {
            if !guesses.contains(label(m)) { guesses.append(label(m)) }
        }
        if let name = closest(wanted, in: run.members.map(\.name)) {
            for m in run.members where m.name == name && !guesses.contains(label(m)) { guesses.append(label(m)) }
        }
        var message = lang.pick("错误: 名册 \(inputs.members) 中没有委员“\(wanted)”（按编号和姓名查找）",
                                "error: no member '\(wanted)' in \(inputs.members) (looked up by id and by name)")
        if !guesses.isEmpty {
            message += "\n  " + lang.pick("提示: 是否想找 \(guesses.joined(separator: "、"))？", "hint: did you mean \(guesses.joined(separator: ", "))?")
        }
        printErr(message)
        throw ExitCode(Exit.usage)
    }
}

/// The exit for a pipeline failure, after printing it (shared by commands that score).
func pipelineExit(_ error: ScoringPipeline.Failure, lang: Language) -> ExitCode {
    let f = pipelineFailure(error, lang: lang)
    printErr(f.message)
    return ExitCode(f.exitCode)
}

/// True when standard output is a terminal and `NO_COLOR` is not set (no-color.org).
func stdoutIsTerminal() -> Bool {
    isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
}
