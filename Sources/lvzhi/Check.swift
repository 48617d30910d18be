import ArgumentParser
import Foundation
import LvzhiCore
import LvzhiRules

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "检查规则文件，不读取数据 (check rule files without reading data).",
        discussion: """
        先读取并校验规则文件，再做静态检查（达不到的等次、超过总分上限的类别上限、永
        远不会生效或重复的规则、空类别、未使用的活动类型、无法写成文字又没有 text
        的表达式规则）并检查 cases 中的用例写法。警告不影响退出码，除非使用 --strict。
        Parses each file, then runs the static checks (unreachable grades, caps
        above score.max, rules that never apply or repeat another, empty categories,
        unused kinds, expression rules without words or text) and checks the 'cases' section. Warnings do not fail the check
        unless --strict.
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: "规则文件 (rule files).")
    var files: [String]

    @Option(help: "输出格式：text（默认）或 json（供编辑器使用）(output format: text or json, for editors).")
    var format: Format = .text

    @Flag(help: "有警告时也以退出码 2 结束 (exit 2 on warnings too).")
    var strict = false

    @OptionGroup var language: LanguageOption

    func run() throws {
        let lang = language.language
        var failed = false
        var json: [JSONDiagnostic] = []
        for f in files {
            // Approval files (lvzhi history approve) live beside the rule files; `Rules/*.yaml`
            // names them too. They are checked by `lvzhi test`.
            if f.hasSuffix(".approved.yaml") {
                if format == .text { print(lang.pick("\(f): 核准文件，跳过（由 lvzhi test 检查）", "\(f): approval file, skipped (lvzhi test checks it)")) }
                continue
            }
            let result = RuleFileCheck.run(path: f)
            let errors = result.diagnostics.filter { $0.severity == .error }.count
            let warnings = result.diagnostics.count - errors
            if errors > 0 || (strict && warnings > 0) { failed = true }
            switch format {
            case .json:
                json += result.diagnostics.map { JSONDiagnostic($0, file: f, lang: lang) }
            case .text:
                if !result.diagnostics.isEmpty {
                    printErr(result.diagnostics.map { d in
                        // A finding in a base file (extends) is shown without this file's source.
                        d.render(lang, source: d.location?.file == f ? result.source : nil)
                    }.joined(separator: "\n"))
                }
                if let r = result.rules, errors == 0 {
                    let cases = result.cases
                    let extra = warnings > 0 ? lang.pick("，\(warnings) 个警告", ", \(warnings) warnings") : ""
                    print(lang.pick("\(f): 通过（\(r.name) \(r.version)：\(r.categories.count) 个类别、\(r.rules.count) 条规则、\(r.grades.count) 个等次、\(cases) 个用例\(extra)）",
                                    "\(f): ok (\(r.name) \(r.version): \(r.categories.count) categories, \(r.rules.count) rules, \(r.grades.count) grades, \(cases) cases\(extra))"))
                }
            }
        }
        if format == .json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try enc.encode(json), as: UTF8.self))
        }
        if failed { throw ExitCode(Exit.badRules) }
    }
}

/// One diagnostic for editors: `{file, line, column, severity, id, message, hint}`.
struct JSONDiagnostic: Encodable {
    var file: String
    var line: Int?
    var column: Int?
    var severity: String
    var id: String
    var message: String
    var hint: String?

    init(_ d: Diagnostic, file: String, lang: Language) {
        self.file = d.location?.file ?? file
        line = d.location?.line
        column = d.location?.column
        severity = d.severity.rawValue
        id = d.id
        message = d.message(lang)
        hint = d.hint(lang)
    }

    func encode(to encoder: Encoder) throws {
        // Absent line, column and hint are written as null, so every object has every key.
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(file, forKey: .file)
        try c.encode(line, forKey: .line)
        try c.encode(column, forKey: .column)
        try c.encode(severity, forKey: .severity)
        try c.encode(id, forKey: .id)
        try c.encode(message, forKey: .message)
        try c.encode(hint, forKey: .hint)
    }

    enum CodingKeys: String, CodingKey { case file, line, column, severity, id, message, hint }
}
