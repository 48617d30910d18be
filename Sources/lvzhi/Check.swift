import ArgumentParser
import LvzhiCore
import LvzhiRules

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "检查规则文件，不读取数据 (check rule files without reading data)."
    )

    @Argument(help: "规则文件 (rule files).")
    var files: [String]

    @OptionGroup var language: LanguageOption

    func run() throws {
        let lang = language.language
        var failed = false
        for f in files {
            do {
                let r = try RuleFileLoader.load(path: f)
                print(lang.pick("\(f): 通过（\(r.name) \(r.version)：\(r.categories.count) 个类别、\(r.rules.count) 条规则、\(r.grades.count) 个等次）",
                                "\(f): ok (\(r.name) \(r.version): \(r.categories.count) categories, \(r.rules.count) rules, \(r.grades.count) grades)"))
            } catch {
                failed = true
                printErr(error.render(lang))
            }
        }
        if failed { throw ExitCode(Exit.badRules) }
    }
}
