import ArgumentParser
import Foundation
import LvzhiCore
import LvzhiIngest
import LvzhiRules
import LvzhiScoring

/// `lvzhi validate`: reads every input the way `score` would, scores nothing, and prints
/// what it found and a reconciliation.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "检查输入文件而不评分，并打印数据核对 (check the inputs without scoring; print a reconciliation).",
        discussion: """
        XML 文件按 Schemas/lvzhi-export.xsd 校验；CSV 和 .xlsx 检查列和值；映射文件
        检查是否覆盖了每一列、每个文件。
        (XML is validated against the XSD, CSV and .xlsx columns and values are
        checked, and so is mapping coverage.)
        退出码：0 全部通过；1 有记录被拒收；2 规则文件有错误；3 有文件无法读取、格式
        错误或映射文件有错误；64 用法错误。
        (exit codes: 0 all good, 1 records rejected, 2 rule-file errors, 3
        unreadable/malformed files or mapping errors, 64 usage.)
        """
    )

    @OptionGroup var inputs: InputOptions

    @Option(help: "XML 导出的 XSD（默认 Schemas/lvzhi-export.xsd） (the XSD for XML exports).")
    var schema: String?

    @OptionGroup var language: LanguageOption

    func run() throws {
        let lang = language.language
        let (rules, members, activities, mapping, period) = (inputs.rules, inputs.members, inputs.activities, inputs.mapping, inputs.period)
        let ruleSet: RuleSet
        do { ruleSet = try RuleFileLoader.load(path: rules) } catch {
            printErr(error.render(lang))
            throw ExitCode(Exit.badRules)
        }
        var chosen = ruleSet.period
        if let period {
            guard let given = Period(spec: period) else {
                printErr(lang.pick("错误: 无法识别的考核期间“\(period)”，应写作 2025、2025-Q1 或 2024-12-01..2025-11-30",
                                   "error: unrecognised period '\(period)'; write 2025, 2025-Q1 or 2024-12-01..2025-11-30"))
                throw ExitCode(Exit.usage)
            }
            // Part of the rule file's own period (a quarter of its year): score reads the records
            // against the whole of it and sets the others aside, so validate checks them the same way.
            if let own = ruleSet.period, own.start <= given.start, given.end <= own.end {
                chosen = own
            } else {
                chosen = given
            }
        }
        guard let p = chosen else {
            printErr(lang.pick("错误: 没有考核期间，请用 --period 指定（如 --period 2025）", "error: no period; pass --period (e.g. --period 2025)"))
            throw ExitCode(Exit.usage)
        }
        let mappings = try MappingOption.load(mapping, lang: lang)
        let corrections = try CorrectionOption.load(inputs.corrections, lang: lang)
        var failed = false
        func report(_ e: IngestError) {
            failed = true
            printErr(e.diagnostic.render(lang))
        }
        let files: [String]
        do throws(IngestError) {
            files = try ScoringPipeline.expandInputs(activities)
            if !files.contains(where: { $0 != members }) { throw IngestError.noActivityFiles(paths: activities) }
        } catch {
            report(error)
            throw ExitCode(Exit.badInput)
        }
        // Mapping coverage: which files each mapping names.
        for m in mappings {
            let named = files.filter { m.applies(to: $0) }
            if named.isEmpty {
                failed = true
                printErr(lang.pick("\(m.path): 错误: [M030] 这个映射文件的 files 没有对应任何输入文件（\(m.files.joined(separator: "、"))）",
                                   "\(m.path): error: [M030] this mapping's files name no input file (\(m.files.joined(separator: ", ")))"))
            } else {
                print(lang.pick("映射 \(m.path) 适用于：", "mapping \(m.path) applies to: ") + named.joined(separator: lang.pick("、", ", ")))
            }
        }
        // XML against the schema (foreign XML read through a mapping is checked by reading it).
        let xsd = schema ?? Self.defaultSchema()
        for f in files where InputFormat(path: f) == .xml && !mappings.contains(where: { $0.applies(to: f) }) {
            guard let xsd else {
                print(lang.pick("未找到 Schemas/lvzhi-export.xsd，跳过 XML 结构校验（可用 --schema 指定）",
                                "Schemas/lvzhi-export.xsd not found; XML structure not checked (pass --schema)"))
                break
            }
            let errors = XMLSchemaValidator.validate(file: f, schema: xsd)
            if !errors.isEmpty {
                failed = true
                for e in errors.prefix(20) { printErr(lang.pick("\(f): 错误: [I016] 不符合 \(xsd)：\(e)", "\(f): error: [I016] does not match \(xsd): \(e)")) }
                if errors.count > 20 { printErr(lang.pick("…… 共 \(errors.count) 处", "… \(errors.count) in all")) }
            }
        }
        let roster: RosterReader.Result
        do { roster = try RosterReader.read(path: members) } catch let e as IngestError {
            report(e)
            throw ExitCode(Exit.badInput)
        }
        let inPeriod = roster.forPeriod(p)
        var ingestor = ActivityIngestor(members: inPeriod.members, memberRejects: roster.rejects, memberFile: members,
                                        memberRows: roster.rowsRead, memberSheet: roster.sheet, period: p, vocabulary: ruleSet.vocabulary,
                                        excluded: inPeriod.excluded)
        // Many records are checked on disk, not held (validate scores nothing).
        if corrections == nil {
            do { try SpillPolicy.auto.start(&ingestor, files: files.filter { $0 != members }) } catch {
                report(error)
                throw ExitCode(Exit.badInput)
            }
        }
        var notRead: [String] = []
        for f in files where f != members {
            do {
                try ingestor.read(path: f, mapping: try Mapping.select(for: f, from: mappings))
            } catch let e as IngestError {
                report(e)
                notRead.append(f)
            }
        }
        var correctionsApplied = false
        if let corrections {
            do {
                try ingestor.apply(corrections)
                correctionsApplied = true
            } catch {
                failed = true
                printErr(error.render(lang))
            }
        }
        let result = ingestor.finish()
        do { try SpillPolicy.check(result) } catch {
            report(error)
            throw ExitCode(Exit.badInput)
        }
        print(Reconciliation(result).render(lang))
        if let corrections, correctionsApplied {
            print(CorrectionOption.summary(result.corrections, path: corrections.path, lang: lang))
            for c in result.corrections { print("  \(c.source): " + c.line(lang)) }
        }
        if !notRead.isEmpty {
            print(lang.pick("未能读完的文件：", "files not read to the end: ") + notRead.joined(separator: lang.pick("、", ", ")))
        }
        for j in result.rejects.prefix(30) {
            print(shown("\(j.location): \(j.reason.code): " + (j.recordID.isEmpty ? "" : "\(j.recordID) ")
                  + (j.value.isEmpty ? "" : lang.pick("“\(j.value)” ", "'\(j.value)' ")) + j.reason.message(lang)))
        }
        if result.rejects.count > 30 {
            print(lang.pick("…… 共 \(result.rejects.count) 条被拒收（lvzhi score 把全部写入 rejects.csv）",
                            "… \(result.rejects.count) rejected in all (lvzhi score lists them all in rejects.csv)"))
        }
        if failed { throw ExitCode(Exit.badInput) }
        if !result.rejects.isEmpty { throw ExitCode(Exit.rejected) }
    }

    /// `Schemas/lvzhi-export.xsd` in the working folder or above the executable.
    static func defaultSchema() -> String? {
        let rel = "Schemas/lvzhi-export.xsd"
        if FileManager.default.fileExists(atPath: rel) { return rel }
        var dir = PathText.parent(CommandLine.arguments[0])
        for _ in 0..<5 {
            let p = (dir as NSString).appendingPathComponent(rel)
            if FileManager.default.fileExists(atPath: p) { return p }
            dir = PathText.parent(dir)
        }
        return nil
    }
}

/// Loading `--mapping` files for `score` and `validate`.
enum MappingOption {
    /// - Throws: `ExitCode(3)` after printing every diagnostic when a mapping file has errors.
    static func load(_ paths: [String], lang: Language) throws -> [Mapping] {
        var out: [Mapping] = []
        var bad = false
        for p in paths {
            do { out.append(try MappingLoader.load(path: p)) } catch {
                printErr(error.render(lang))
                bad = true
            }
        }
        if bad { throw ExitCode(Exit.badInput) }
        return out
    }
}
