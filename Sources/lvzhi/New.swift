import ArgumentParser
import Foundation
import LvzhiCore
import LvzhiRules

struct New: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "从带注释的模板新建规则文件 (a starting rule file from a template).",
        discussion: """
        例 (e.g.): lvzhi new 某区政协 → 某区政协.yaml
        （名称“某区政协委员履职考核办法”）。新文件通过 lvzhi check，并带一个用例，
        lvzhi test 可直接运行。已有同名文件时不覆盖。
        The new file passes lvzhi check and carries one case for lvzhi test. An existing
        file is never overwritten.
        """
    )

    @Argument(help: "方案名称或文件名（不写 .yaml 时自动加上）(the scheme's name or the file to write).")
    var name: String

    @Option(help: "考核年度，默认今年 (the year of the period; this year by default).")
    var year: Int?

    @OptionGroup var language: LanguageOption

    func run() throws {
        let lang = language.language
        let path = name.hasSuffix(".yaml") || name.hasSuffix(".yml") ? name : name + ".yaml"
        let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let title = base.hasSuffix("办法") ? base : base + "委员履职考核办法"
        let y = year ?? Calendar(identifier: .gregorian).component(.year, from: Date())
        guard (1900...2999).contains(y) else {
            printErr(lang.pick("错误: 年度应在 1900 到 2999 之间：\(y)", "error: the year must be between 1900 and 2999: \(y)"))
            throw ExitCode(Exit.usage)
        }
        if FileManager.default.fileExists(atPath: path) {
            printErr(lang.pick("错误: \(path) 已存在，未覆盖；换一个名称或先移走它", "error: \(path) exists and was not overwritten; choose another name or move it"))
            throw ExitCode(Exit.usage)
        }
        let text = RuleTemplate.text(name: title, year: y, schema: schemaPath(for: path))
        do {
            let folder = PathText.parent(path)
            if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting)
        } catch {
            printErr(lang.pick("错误: 无法写入 \(path)：\(error.localizedDescription)", "error: cannot write \(path): \(error.localizedDescription)"))
            throw ExitCode(Exit.badInput)
        }
        print(lang.pick("已写出 \(path)。下一步：lvzhi check \(path)，lvzhi test \(path)",
                        "wrote \(path). Next: lvzhi check \(path), lvzhi test \(path)"))
    }

    /// `Schemas/rule.schema.json` relative to the new file, when the file is written inside a
    /// folder that has it (a checkout of lvzhi, or a rules folder beside one).
    func schemaPath(for path: String) -> String? {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL
        var folder = dir
        var ups = ""
        for _ in 0..<4 {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Schemas/rule.schema.json").path) {
                return ups + "Schemas/rule.schema.json"
            }
            folder.deleteLastPathComponent()
            ups += "../"
        }
        return nil
    }
}
