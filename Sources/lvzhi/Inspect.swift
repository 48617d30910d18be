import ArgumentParser
import Foundation
import LvzhiCore
import LvzhiIngest
import LvzhiRules

/// `lvzhi inspect`: looks at exports nobody has mapped yet and drafts their mapping files.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "查看未映射的导出并起草映射文件 (look at unmapped exports and draft their mapping files).",
        discussion: """
        识别编码、表头所在的行（或 XML 中重复出现的元素）、各列的样例
        和不同值的个数，猜测哪些列是姓名、名单、日期、委员编号，写出
        映射文件草稿（每处猜测都有注释），再用 lvzhi validate 检查。
        (Detects the encoding, the header row or the repeated XML element,
        samples and distinct counts per column, guesses names, lists, dates
        and member ids, and writes a draft mapping file with every guess
        commented, for lvzhi validate to check.)
        退出码：0 写出草稿；3 文件无法读取；64 用法错误或草稿已存在
        （加 --force 覆盖）。
        (exit codes: 0 drafts written, 3 unreadable file, 64 usage or the
        draft exists.)
        """
    )

    @Argument(help: "导出文件（.csv、.xlsx、.xml） (the exports).")
    var files: [String]

    @Option(help: "名册，用来识别姓名、委员编号和界别 (the roster, to recognise names, member ids and 界别).")
    var members: String?

    @Option(help: "规则文件，用来对应活动类型、状态和级别 (the rule file, for kinds, statuses and levels).")
    var rules: String?

    @Option(help: "草稿写到这个文件夹（默认在导出旁边） (folder for the drafts; default: next to each export).")
    var out: String?

    @Flag(help: "覆盖已有的草稿 (overwrite existing drafts).")
    var force = false

    @OptionGroup var language: LanguageOption

    func run() throws {
        let lang = language.language
        var roster: [Member]?
        if let members {
            do { roster = try RosterReader.read(path: members).members } catch let e as IngestError {
                printErr(e.diagnostic.render(lang))
                throw ExitCode(Exit.badInput)
            }
        }
        var vocabulary: Vocabulary?
        if let rules {
            do { vocabulary = try RuleFileLoader.load(path: rules).vocabulary } catch {
                printErr(error.render(lang))
                throw ExitCode(Exit.badRules)
            }
        }
        if let out, let problem = Self.draftFolderProblem(out, lang) {
            printErr(problem)
            throw ExitCode(Exit.usage)
        }
        let context = InspectContext(members: roster, vocabulary: vocabulary)
        var failed = false
        for file in files {
            let draftPath = ((out ?? PathText.parent(file)) as NSString)
                .appendingPathComponent(((file as NSString).lastPathComponent as NSString).deletingPathExtension + ".mapping.yaml")
            if FileManager.default.fileExists(atPath: draftPath), !force {
                printErr(lang.pick("错误: \(draftPath) 已存在；加 --force 覆盖，或用 --out 写到别处",
                                   "error: \(draftPath) exists; pass --force to overwrite it or --out to write elsewhere"))
                throw ExitCode(Exit.usage)
            }
            let inspection: Inspection
            do { inspection = try Inspector.inspect(path: file, context: context) } catch let e as IngestError {
                printErr(e.diagnostic.render(lang))
                failed = true
                continue
            }
            print(inspection.render(lang))
            do {
                // Written beside and renamed over the draft, never through a symbolic link.
                try SafeFile.replace(draftPath, with: Data(inspection.draft.utf8))
            } catch {
                let folder = (draftPath as NSString).deletingLastPathComponent
                let why = Self.draftFolderProblem(folder.isEmpty ? "." : folder, lang, option: nil) ?? error.reason(lang)
                printErr(lang.pick("错误: [U004] 无法写入映射草稿 \(shown(draftPath))：\(why)", "error: [U004] cannot write the draft mapping \(shown(draftPath)): \(why)"))
                throw ExitCode(Exit.badInput)
            }
            print(lang.pick("  草稿：\(draftPath)", "  draft: \(draftPath)"))
        }
        if failed { throw ExitCode(Exit.badInput) }
    }

    /// Why drafts cannot be written into `folder` (missing, or not a folder); `nil` when they can
    /// be tried. With `option`, the whole message (U003, naming the option); without, the reason.
    static func draftFolderProblem(_ folder: String, _ lang: Language, option: String? = "--out") -> String? {
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder)
        if exists && isFolder.boolValue { return nil }
        let why = exists ? lang.pick("它不是文件夹", "it is not a folder") : lang.pick("这个文件夹不存在", "this folder does not exist")
        guard let option else { return lang.pick("草稿所在的文件夹 \(shown(folder))：\(why)", "the folder \(shown(folder)) of the draft: \(why)") }
        return lang.pick("错误: [U003] \(option) 给出的草稿文件夹 \(shown(folder))：\(why)\n  提示: 先建好这个文件夹，或去掉 \(option)（草稿写在各导出文件旁边）。",
                         "error: [U003] the draft folder \(shown(folder)) given by \(option): \(why)\n  hint: create the folder first, or leave out \(option) (drafts are written next to each export).")
    }
}
