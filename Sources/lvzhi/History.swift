import ArgumentParser
import LvzhiApp
import Foundation
import LvzhiCore
import LvzhiHistory

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "查看和公布历史运行记录 (list, show and publish recorded runs).",
        discussion: """
        lvzhi score 每次运行默认记入输出文件夹旁边的 lvzhi-history.sqlite。这里的命
        令默认读当前文件夹中的lvzhi-history.sqlite，用 --history 指定其他文件；文件
        不存在时报错，不会新建。见 docs/history.md。
        (lvzhi score records each run in lvzhi-history.sqlite beside its output
        folder. These commands read ./lvzhi-history.sqlite unless --history names
        another file; a missing file is an error, never created.)
        """,
        subcommands: [HistoryList.self, HistoryMember.self, HistoryShow.self, HistoryPublish.self, HistoryApprove.self]
    )
}

/// Options every `lvzhi history` subcommand takes.
struct HistoryOptions: ParsableArguments {
    @Option(help: "历史数据库（默认 ./lvzhi-history.sqlite） (the history database; default ./lvzhi-history.sqlite).")
    var history: String = HistoryStore.defaultFileName

    @Option(help: "输出格式：text（默认）或 json (output format).")
    var format: String = "text"

    @OptionGroup var language: LanguageOption

    var lang: Language { language.language }
    var json: Bool { format == "json" }

    func validate() throws {
        guard ["text", "json"].contains(format) else {
            throw ValidationError(language.language.pick("--format 只能是 text 或 json", "--format must be text or json"))
        }
    }

    /// Opens the existing database; exit 64 when it is missing, 3 when it cannot be read.
    func open() throws -> HistoryStore { try Self.open(path: history, lang: lang) }

    /// Opens an existing database for reading (`lvzhi history`, `lvzhi diff --runs`): exit 64
    /// when it is missing (never created), 3 when it cannot be read.
    static func open(path history: String, lang: Language) throws -> HistoryStore {
        guard FileManager.default.fileExists(atPath: history) else {
            printErr(lang.pick("错误: 找不到历史数据库 \(history)\n  提示: lvzhi score 把历史写在输出文件夹旁边（如 out/2025 的历史在 out/lvzhi-history.sqlite）；用 --history 指定它。",
                               "error: no history database at \(history)\n  hint: lvzhi score writes it beside the output folder (out/2025 → out/lvzhi-history.sqlite); name it with --history."))
            throw ExitCode(Exit.usage)
        }
        do { return try HistoryStore.open(path: history) } catch {
            printErr(error.message(lang))
            throw ExitCode(Exit.badInput)
        }
    }

    /// Runs `body`, turning history errors into messages and exit codes.
    func guarded<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as HistoryError {
            printErr(e.message(lang))
            switch e {
            case .noSuchRun, .notDraft, .alreadyPublished: throw ExitCode(Exit.usage)
            default: throw ExitCode(Exit.badInput)
            }
        }
    }
}

/// A run id written `3` or `#3`.
struct RunID: ExpressibleByArgument {
    var value: Int64
    init?(argument: String) {
        let t = argument.hasPrefix("#") ? String(argument.dropFirst()) : argument
        guard let v = Int64(t), v > 0 else { return nil }
        value = v
    }
}

struct HistoryList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "列出所有运行 (list the recorded runs).")
    @OptionGroup var options: HistoryOptions

    func run() throws {
        let store = try options.open()
        let runs = try options.guarded { try store.runs() }
        print(options.json ? HistoryText.json(runs) : HistoryText.list(runs, lang: options.lang), terminator: options.json ? "" : "\n")
    }
}

struct HistoryMember: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "member", abstract: "一位委员历年的得分、排名和等次 (one member across periods).",
        discussion: "每个考核期间取公布的结果，没有公布时取最新的草稿；--all 列出每一次运行。(per period the published run, else the latest draft; --all lists every run.)")
    @Argument(help: "委员编号 (member id).")
    var id: String
    @Flag(help: "列出每一次运行，而不是每个期间一次 (every run, not one per period).")
    var all = false
    @OptionGroup var options: HistoryOptions

    func run() throws {
        let store = try options.open()
        let entries = try options.guarded { try store.memberHistory(id, allRuns: all) }
        if options.json {
            print(HistoryText.json(member: id, entries), terminator: "")
        } else {
            print(HistoryText.member(id, entries, lang: options.lang))
        }
        if entries.isEmpty { throw ExitCode(Exit.usage) }
    }
}

struct HistoryShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "一次运行的详情和输入文件 (a run's details and inputs).")
    @Argument(help: ArgumentHelp("运行编号 (run id).", valueName: "run"))
    var runRef: RunID
    @Flag(help: "同时列出每位委员的结果 (also list every member's result).")
    var members = false
    @OptionGroup var options: HistoryOptions

    func run() throws {
        let store = try options.open()
        try options.guarded {
            guard let r = try store.run(runRef.value) else { throw HistoryError.noSuchRun(runRef.value) }
            let inputs = try store.inputs(run: r.id)
            let corrections = try store.corrections(run: r.id)
            let results = members || options.json ? try store.results(run: r.id) : nil
            if options.json {
                print(HistoryText.json(r, inputs: inputs, corrections: corrections, results: members ? results : nil), terminator: "")
                return
            }
            print(HistoryText.show(r, inputs: inputs, corrections: corrections, lang: options.lang))
            if let results {
                let lang = options.lang
                let rows = [HistoryText.choose(lang, ["编号", "姓名", "界别", "得分", "排名", "等次", "颜色"], ["id", "name", "sector", "score", "rank", "grade", "colour"])]
                    + results.map { [$0.memberID, $0.name, $0.sector, $0.score.description, $0.rank.map(String.init) ?? "—", $0.grade, $0.color] }
                print(HistoryTextTable.render(rows))
            }
        }
    }
}

struct HistoryPublish: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish", abstract: "公布一次草稿运行 (publish a draft run).",
        discussion: "同一考核期间、同名规则文件已有公布的结果时拒绝（退出码 64），除非加 --supersede。(refused when the period already has a published run of the same rule-file name, unless --supersede.)")
    @Argument(help: ArgumentHelp("运行编号 (run id).", valueName: "run"))
    var runRef: RunID
    @Flag(help: "取代该期间已公布的结果（原结果保留） (supersede the period's published run; it is kept).")
    var supersede = false
    @OptionGroup var options: HistoryOptions

    /// The publication time is now, or `SOURCE_DATE_EPOCH`: a bad value is refused (U002).
    func validate() throws {
        try RunTimeOption.validate(nil, options.lang)
    }

    func run() throws {
        let store = try options.open()
        let lang = options.lang
        let r: HistoryRun
        do { r = try HistoryCases.publish(run: runRef.value, in: store, supersede: supersede, lang: lang) } catch {
            printErr(error.message)
            throw ExitCode(error.exitCode)
        }
        if options.json {
            print(HistoryText.json([r]), terminator: "")
        } else {
            print(HistoryCases.publishedLine(r, lang: lang))
        }
    }
}

struct HistoryApprove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "把一次运行的结果存为规则文件的核准结果 (save a run's results as approved regression cases).",
        discussion: """
        写出 YAML 核准文件（默认在规则文件旁边：规则文件名.期间.approved.yaml），记
        下规则文件、考核期间、输入文件（相对路径和 SHA-256）以及每位委员的得分和等次。
        lvzhi test 会用当前规则文件重新评分并列出会改变的委员。只核准公布的运行；草
        稿需加 --draft。
        (writes an approval file recording the rule file, period, inputs with hashes
        and every member's score and grade; lvzhi test re-scores them. Only
        published runs, unless --draft.)
        """)
    @Argument(help: ArgumentHelp("运行编号 (run id).", valueName: "run"))
    var runRef: RunID
    @Option(help: "核准文件路径（默认在规则文件旁边） (the approval file; default beside the rule file).")
    var to: String?
    @Flag(help: "允许核准草稿运行 (allow approving a draft run).")
    var draft = false
    @OptionGroup var options: HistoryOptions

    func run() throws {
        let store = try options.open()
        let lang = options.lang
        try options.guarded {
            guard let r = try store.run(runRef.value) else { throw HistoryError.noSuchRun(runRef.value) }
            if r.status == .draft, !draft {
                printErr(lang.pick("错误: 运行 #\(r.id) 是草稿，只能核准公布的结果\n  提示: 先 lvzhi history publish \(r.id)，或加 --draft。",
                                   "error: run #\(r.id) is a draft; only published results are approved\n  hint: lvzhi history publish \(r.id) first, or add --draft."))
                throw ExitCode(Exit.usage)
            }
            let inputs = try store.inputs(run: r.id)
            guard inputs.contains(where: { $0.role == .members }) else {
                printErr(lang.pick("错误: 运行 #\(r.id) 没有记录输入文件，无法核准", "error: run #\(r.id) recorded no input files; it cannot be approved"))
                throw ExitCode(Exit.usage)
            }
            let path = to ?? ApprovalFile.defaultPath(rules: r.rulesPath, periodLabel: r.periodLabel)
            // The earlier periods this run read when it was scored (those recorded before it).
            let prior = try store.priorResults(before: r.period, recordedBefore: r.id).periods.map(\.run.id)
            let file = ApprovalFile.make(path: path, run: r, inputs: inputs, results: try store.results(run: r.id),
                                         history: prior.isEmpty ? nil : ApprovalFile.History(path: store.path, runs: prior))
            do {
                let dir = PathText.parent(path)
                if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
                try Data(file.text().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                printErr(lang.pick("错误: 无法写入 \(path)：\(error.localizedDescription)", "error: cannot write \(path): \(error.localizedDescription)"))
                throw ExitCode(Exit.badInput)
            }
            print(lang.pick("已写出核准文件 \(path)：运行 #\(r.id)，\(file.results.count) 位委员。用 lvzhi test \(r.rulesPath) --approved \(path) 检查规则改动的影响。",
                            "wrote \(path): run #\(r.id), \(file.results.count) members. Check rule changes with lvzhi test \(r.rulesPath) --approved \(path)."))
        }
    }
}

enum HistoryTextTable {
    static func render(_ rows: [[String]]) -> String { HistoryText.tableText(rows) }
}
