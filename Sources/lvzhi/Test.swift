import ArgumentParser
import Foundation
import LvzhiCore
import LvzhiReport
import LvzhiRules
import LvzhiScoring

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "运行规则文件中的测试用例 (run the cases written in rule files).",
        discussion: """
        文件夹中的每个 .yaml 文件按文件名顺序运行。失败的期望以 文件:行:列 指向用例中写它的位置，并列出该委员的计分明细。
        Each .yaml file in a folder is run, in name order. A failing expectation points at its own
        file:line:col and is followed by the member's ledger. Exit 2 when a case fails or a file has errors.
        """
    )

    @Argument(help: "规则文件或文件夹 (rule files or folders).")
    var paths: [String]

    @OptionGroup var language: LanguageOption

    func run() throws {
        let lang = language.language
        let files = try ruleFiles(paths, lang: lang)
        var passed = 0, failed = 0, broken = 0
        for f in files {
            let outcome = CaseRunner.run(file: f)
            if let e = outcome.loadError {
                broken += 1
                printErr(e.render(lang))
                continue
            }
            if !outcome.diagnostics.isEmpty {
                printErr(outcome.diagnostics.map { $0.render(lang, source: outcome.source) }.joined(separator: "\n"))
                if outcome.hasErrors { broken += 1 }
            }
            if outcome.results.isEmpty && !outcome.hasErrors {
                print(lang.pick("\(f)：没有用例", "\(f): no cases"))
                continue
            }
            print(lang.pick("\(f)：\(outcome.results.count) 个用例", "\(f): \(outcome.results.count) cases"))
            for r in outcome.results {
                print((r.passed ? "  ✓ " : "  ✗ ") + r.ruleCase.name)
                if !r.passed { print(failureReport(r, source: outcome.source, lang: lang)) }
            }
            passed += outcome.passed
            failed += outcome.failed
        }
        if broken > 0 {
            print(lang.pick("\(broken) 个规则文件有错误", "\(broken) rule files have errors"))
        }
        print(lang.pick("\(passed) 个用例通过，\(failed) 个失败", "\(passed) cases passed, \(failed) failed"))
        // A plain line for CI logs, whatever the language.
        print("\(passed) passed, \(failed) failed")
        if failed > 0 || broken > 0 { throw ExitCode(Exit.badRules) }
    }

    /// Each failure compiler-style with its source line, then the ledger of the member it is about.
    func failureReport(_ r: CaseResult, source: String?, lang: Language) -> String {
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
