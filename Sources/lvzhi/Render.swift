import ArgumentParser
import Foundation
import LvzhiApp
import LvzhiCore
import LvzhiRules

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "把规则文件写成可发布的考核细则 (write a rule file as the published 考核细则).",
        discussion: "例 (e.g.): lvzhi render Rules/fengjie.yaml --out Rules/fengjie.md"
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case md, html
    }

    @Argument(help: "规则文件 (rule file).")
    var file: String

    @Option(help: "输出格式：md（Markdown，默认）或 html（HTML 片段）(md or an html fragment).")
    var format: Format = .md

    @Option(help: "输出文件；不写时打印到标准输出 (output file; standard output if omitted).")
    var out: String?

    @OptionGroup var language: LanguageOption

    func run() throws {
        let lang = language.language
        let text: String
        do { text = try RuleRendering.render(path: file, format: format == .md ? .md : .html, lang: lang) } catch {
            printErr(error.message)
            throw ExitCode(error.exitCode)
        }
        guard let out else {
            print(text, terminator: "")
            return
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
            printErr(lang.pick("错误: 无法写入 \(out)：\(error.localizedDescription)", "error: cannot write \(out): \(error.localizedDescription)"))
            throw ExitCode(Exit.badInput)
        }
    }
}
