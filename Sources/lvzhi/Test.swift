import ArgumentParser
import Foundation
import LvzhiApp
import LvzhiCore
import LvzhiHistory
import LvzhiReport
import LvzhiRules
import LvzhiScoring

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "运行规则文件中的测试用例 (run the cases written in rule files).",
        discussion: """
        文件夹中的每个 .yaml 文件按文件名顺序运行。失败的期望以 文件:行:列 指向用例
        中写它的位置，并列出该委员的计分明细。
        Each .yaml file in a folder is run, in name order. A failing expectation
        points at its own file:line:col and is followed by the member's ledger. Exit
        2 when a case fails or a file has errors.

        核准结果 (approval files, lvzhi history approve)：文件夹中的 *.approved.yaml
        用它记下的规则文件重新评分；
        --approved FILE 用命令行上的规则文件（只能一个）重新评分，此时不运行规则文件
        中的用例。列出得分或等次会改变的委员，有改变时退出码 1；输入文件与核准时不同
        （SHA-256 不符）或缺失时退出码 2。
        (*.approved.yaml files in a folder are re-scored with the rule file they
        name; --approved FILE re-scores with the one rule file given, without
        running its cases. Members whose score or grade would change are listed:
        exit 1; an input that changed since approval: exit 2.)
        """
    )

    @Argument(help: "规则文件或文件夹 (rule files or folders).")
    var paths: [String]

    @Option(parsing: .singleValue, help: "核准文件（lvzhi history approve 写出），可多次使用 (approval files; repeatable).")
    var approved: [String] = []

    @OptionGroup var language: LanguageOption

    func run() throws {
        let lang = language.language
        var passed = 0, failed = 0, broken = 0
        var approvals: [(file: String, rules: String?)] = []
        var files: [String] = []
        if approved.isEmpty {
            let found = try ruleFiles(paths, lang: lang)
            files = found.filter { !$0.hasSuffix(ApprovalFile.suffix) }
            approvals = found.filter { $0.hasSuffix(ApprovalFile.suffix) }.map { ($0, nil) }
        } else {
            guard paths.count == 1, !isFolder(paths[0]) else {
                printErr(lang.pick("错误: 使用 --approved 时只能给一个规则文件", "error: with --approved, name exactly one rule file"))
                throw ExitCode(Exit.usage)
            }
            approvals = approved.map { ($0, paths[0]) }
        }
        for f in files {
            let report = RuleTesting.run(file: f, lang: lang)
            for e in report.err { printErr(e) }
            for line in report.out { print(line) }
            if report.broken { broken += 1 }
            passed += report.passed
            failed += report.failed
        }
        var changed = 0
        for a in approvals {
            switch checkApproval(a.file, rules: a.rules, lang: lang) {
            case .unchanged: passed += 1
            case .changed: failed += 1; changed += 1
            case .staleInputs, .failed: broken += 1
            }
        }
        if broken > 0 {
            print(lang.pick("\(broken) 个规则文件或核准文件有错误", "\(broken) rule or approval files have errors"))
        }
        print(lang.pick("\(passed) 个用例通过，\(failed) 个失败", "\(passed) cases passed, \(failed) failed"))
        // A plain line for CI logs, whatever the language.
        print("\(passed) passed, \(failed) failed")
        if broken > 0 || failed > changed { throw ExitCode(Exit.badRules) }
        if changed > 0 { throw ExitCode(Exit.rejected) }
    }

    private func isFolder(_ p: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: p, isDirectory: &isDir) && isDir.boolValue
    }

    /// Re-scores one approval file and prints what would change.
    func checkApproval(_ path: String, rules: String?, lang: Language) -> ApprovalOutcome.Status {
        let file: ApprovalFile
        do { file = try ApprovalFile.load(path: path) } catch {
            printErr(error.render(lang))
            return .failed
        }
        let outcome = ApprovalCheck.run(file, rules: rules, lang: lang)
        print(lang.pick("\(path)：核准的 \(file.results.count) 位委员（\(file.rulesName) \(file.rulesVersion)，考核期间 \(file.period)），用 \(outcome.rules) 重新评分",
                        "\(path): \(file.results.count) approved members (\(file.rulesName) \(file.rulesVersion), period \(file.period)), re-scored with \(outcome.rules)"))
        switch outcome.status {
        case .unchanged:
            print(lang.pick("  ✓ 得分和等次都没有改变", "  ✓ no score or grade changes"))
        case .changed:
            let grades = outcome.changes.filter { $0.newGrade != $0.oldGrade }.count
            print(lang.pick("  ✗ \(outcome.changes.count) 位委员的得分或等次会改变（其中等次改变 \(grades) 位）：",
                            "  ✗ \(outcome.changes.count) members would change (\(grades) of them in grade):"))
            for c in outcome.changes {
                let score = c.newScore.map { "\(c.oldScore) → \($0)（\(HistoryText.delta($0 - c.oldScore))）" }
                    ?? lang.pick("\(c.oldScore) → 未评分", "\(c.oldScore) → not scored")
                let grade = c.newGrade.map { $0 == c.oldGrade ? c.oldGrade : "\(c.oldGrade) → \($0)" } ?? "\(c.oldGrade) → —"
                print("    \(c.memberID) \(c.name)：" + lang.pick("得分 ", "score ") + score + lang.pick("，等次 ", ", grade ") + grade
                      + (c.location.map { "  (\($0))" } ?? ""))
            }
        case .staleInputs:
            for s in outcome.stale {
                let loc = s.location.map { "\($0): " } ?? "\(path): "
                if let actual = s.actual {
                    printErr(loc + lang.pick("错误: 输入文件 \(s.path) 与核准时不同（核准时 sha256 \(s.expected.prefix(12))…，现在 \(actual.prefix(12))…），无法比较。\n  提示: 恢复该文件，或用新的运行重新核准（lvzhi history approve）。",
                                             "error: the input \(s.path) differs from the approved one (sha256 \(s.expected.prefix(12))… then, \(actual.prefix(12))… now); cannot compare.\n  hint: restore the file, or approve a new run (lvzhi history approve)."))
                } else {
                    printErr(loc + lang.pick("错误: 找不到核准时的输入文件 \(s.path)，无法比较。\n  提示: 把文件放回原处，或用新的运行重新核准。",
                                             "error: the approved input \(s.path) is missing; cannot compare.\n  hint: put it back, or approve a new run."))
                }
            }
        case .failed:
            printErr(outcome.failure ?? "")
        }
        return outcome.status
    }
}

/// The rule files named on the command line: files as given, folders as the `.yaml` files
/// directly inside them, in name order.
/// - Throws: `ExitCode(Exit.usage)` for a path that does not exist or a folder without rule files.
func ruleFiles(_ paths: [String], lang: Language) throws -> [String] {
    var out: [String] = []
    let fm = FileManager.default
    for p in paths {
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: p, isDirectory: &isDir) else {
            printErr(lang.pick("错误: 找不到 \(p)", "error: no such file or folder: \(p)"))
            throw ExitCode(Exit.usage)
        }
        guard isDir.boolValue else { out.append(p); continue }
        let names = ((try? fm.contentsOfDirectory(atPath: p)) ?? []).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        if names.isEmpty {
            printErr(lang.pick("错误: 文件夹 \(p) 中没有 .yaml 规则文件", "error: no .yaml rule files in \(p)"))
            throw ExitCode(Exit.usage)
        }
        out += names.map { (p as NSString).appendingPathComponent($0) }
    }
    return out
}
