import Foundation
import LvzhiCore
import LvzhiYAML
import Yams

/// A job file: the settings of an unattended `lvzhi score` run, in YAML.
///
/// ```yaml
/// rules: ../Rules/fengjie.yaml
/// members: exports/members.csv
/// activities: [exports/*.csv, exports/xml/]
/// out: /srv/lvzhi/2025
/// max_rejects: 2%
/// ```
/// Relative paths are resolved against the job file's folder; glob patterns in `activities`
/// are expanded (sorted). Unknown keys are errors with their line and column.
public struct JobFile: Sendable {
    /// The job file's path, as given.
    public var path: String
    /// The settings the file holds, paths resolved.
    public var settings: ScoreSettings

    /// The keys a job file may hold.
    public static let keys = ["rules", "members", "activities", "period", "out", "formats", "lang", "strict",
                              "max_rejects", "history", "lock", "log", "quiet", "if_changed", "mapping",
                              "corrections", "as_of", "publish", "supersede"]

    /// Reads and checks the job file at `path`.
    /// - Parameter outputs: the output file names that `formats` may name.
    public static func load(path: String, outputs: [String]) throws(JobFileError) -> JobFile {
        switch YAMLFile.text(path: path, kind: .init(zh: "任务文件", en: "job file", unreadableID: "J001", notUTF8ID: "J002")) {
        case .success(let text): return try parse(text, path: path, outputs: outputs)
        case .failure(let d): throw JobFileError(path: path, source: nil, diagnostics: [d])
        }
    }

    /// Parses job-file text. Relative paths resolve against `baseDirectory` (by default the
    /// folder of `path`).
    public static func parse(_ text: String, path: String, baseDirectory: String? = nil,
                             outputs: [String]) throws(JobFileError) -> JobFile {
        var p = JobFileParser(path: path, text: text, base: baseDirectory ?? JobPaths.directory(of: path), outputs: outputs)
        let settings = p.parse()
        if !p.diagnostics.contains(where: { $0.severity == .error }) {
            return JobFile(path: path, settings: settings)
        }
        throw JobFileError(path: path, source: text, diagnostics: p.diagnostics)
    }
}

/// All the problems found in one job file.
public struct JobFileError: FileDiagnostics {
    public var path: String
    public var source: String?
    public var diagnostics: [Diagnostic]

    /// True when the only problems are inputs that do not exist (a glob matching nothing):
    /// an input error rather than a mistake in the job file.
    public var isInputError: Bool {
        !diagnostics.isEmpty && diagnostics.allSatisfy { $0.id == JobFileParser.noMatchID }
    }

}

struct JobFileParser: YAMLDocumentParser {
    static let noMatchID = "J030"
    let path: String
    let text: String
    let base: String
    let outputs: [String]
    var diagnostics: [Diagnostic] = []

    static let yamlIDs = YAMLDiagnosticIDs(syntax: "J003", empty: "J004", notMapping: "J010", unknownKey: "J011",
                                           duplicateKey: "J012", alias: "J013", notScalar: "J014", badNumber: "J014",
                                           badInteger: "J014", badFlag: "J023")

    /// A single value or a list of values.
    mutating func stringsWithNodes(_ node: Node, _ key: String) -> [(String, Node)]? {
        if case .sequence(let seq) = node {
            var out: [(String, Node)] = []
            for item in seq { if let s = string(item, key) { out.append((s, item)) } }
            return out
        }
        if let s = string(node, key) { return [(s, node)] }
        return nil
    }

    mutating func path(_ node: Node, _ key: String) -> String? {
        guard let s = string(node, key) else { return nil }
        let t = s.trimmingSpaces
        if t.isEmpty {
            error("J016", node, zh: "\(key) 的路径为空", en: "'\(key)' is an empty path")
            return nil
        }
        return JobPaths.resolve(t, against: base)
    }

    mutating func parse() -> ScoreSettings {
        var settings = ScoreSettings()
        guard let root = compose(emptyHintZh: "至少写明 rules、members、activities 和 out。",
                                 emptyHintEn: "Give at least rules, members, activities and out.") else { return settings }
        guard let items = entries(root, "任务文件", en: "the job file", allowed: JobFile.keys) else { return settings }
        for (key, _, v) in items {
            if isNull(v) { continue }   // `key:` with no value leaves the setting unset
            switch key {
            case "rules": settings.rules = path(v, key)
            case "members": settings.members = path(v, key)
            case "out": settings.out = path(v, key)
            case "history":
                // `history: false` records nothing; `history: true` the default file; else a path.
                if case .scalar(let sc) = v, sc.style == .plain,
                   let flag = ["true": true, "yes": true, "on": true, "false": false, "no": false, "off": false][sc.string.lowercased()] {
                    settings.historyEnabled = flag
                } else {
                    settings.history = path(v, key)
                }
            case "publish": settings.publish = bool(v, key)
            case "supersede": settings.supersede = bool(v, key)
            case "mapping":
                if let list = stringsWithNodes(v, key) { settings.mappings = list.compactMap { path($0.1, key) } }
            case "log": settings.log = path(v, key)
            case "corrections": settings.corrections = path(v, key)
            case "activities":
                if let list = stringsWithNodes(v, key) { settings.activities = activities(list) }
            case "period":
                if let s = string(v, key) {
                    if Period(spec: s) == nil {
                        error("J020", v, zh: "无法识别的考核期间“\(s)”", en: "unrecognised period '\(s)'",
                              hintZh: "写作 2025、2025-Q1 或 2024-12-01..2025-11-30", hintEn: "write 2025, 2025-Q1 or 2024-12-01..2025-11-30")
                    } else {
                        settings.period = s.trimmingSpaces
                    }
                }
            case "as_of":
                if let s = string(v, key) {
                    if Day(iso: s.trimmingSpaces) == nil {
                        error("J026", v, zh: "无法识别的截至日期“\(s)”", en: "unrecognised as-of date '\(s)'",
                              hintZh: "写作 2025-06-30", hintEn: "write e.g. 2025-06-30")
                    } else {
                        settings.asOf = s.trimmingSpaces
                    }
                }
            case "formats":
                if let list = stringsWithNodes(v, key) { settings.formats = formats(list) }
            case "lang":
                if let s = string(v, key) {
                    if let l = Language(rawValue: s.trimmingSpaces) { settings.lang = l } else {
                        error("J022", v, zh: "lang 只能是 zh 或 en，实际为“\(s)”", en: "'lang' must be zh or en, got '\(s)'")
                    }
                }
            case "strict": settings.strict = bool(v, key)
            case "quiet": settings.quiet = bool(v, key)
            case "if_changed": settings.ifChanged = bool(v, key)
            case "max_rejects":
                if let s = string(v, key) {
                    if let limit = RejectLimit(parsing: s) { settings.maxRejects = limit } else {
                        error("J024", v, zh: "max_rejects 应为非负整数 N 或百分比 N%，实际为“\(s)”",
                              en: "'max_rejects' must be a count N or a percentage N%, got '\(s)'",
                              hintZh: "例如 max_rejects: 10 或 max_rejects: 2.5%", hintEn: "e.g. max_rejects: 10 or max_rejects: 2.5%")
                    }
                }
            case "lock":
                if let s = string(v, key) {
                    if let m = LockMode(rawValue: s.trimmingSpaces) { settings.lock = m } else {
                        error("J025", v, zh: "lock 只能是 wait（等待上一次运行结束）或 fail（立即退出），实际为“\(s)”",
                              en: "'lock' must be wait or fail, got '\(s)'",
                              hintZh: closest(s, in: ["wait", "fail"]).map { "是否想写“\($0)”？" },
                              hintEn: closest(s, in: ["wait", "fail"]).map { "did you mean '\($0)'?" })
                    }
                }
            default: break
            }
        }
        return settings
    }

    /// Resolves every entry against the job file's folder and expands glob patterns.
    mutating func activities(_ list: [(String, Node)]) -> [String] {
        var out: [String] = []
        for (raw, node) in list {
            let s = raw.trimmingSpaces
            if s.isEmpty {
                error("J016", node, zh: "activities 中有空路径", en: "empty path in 'activities'")
                continue
            }
            guard JobPaths.isPattern(s) else {
                out.append(JobPaths.resolve(s, against: base))
                continue
            }
            let pattern = s.hasPrefix("/") || base == "." ? s : JobPaths.escapePattern(base) + "/" + s
            let matches = JobPaths.expand(pattern: pattern).map(JobPaths.normalize)
            if matches.isEmpty {
                error(Self.noMatchID, node, zh: "没有文件与“\(s)”匹配", en: "no file matches '\(s)'",
                      hintZh: "相对路径从任务文件所在的文件夹（\(base)）算起；检查导出文件是否已经放到位。",
                      hintEn: "Relative paths start at the job file's folder (\(base)); check that the exports are in place.")
            }
            out += matches
        }
        return out
    }

    mutating func formats(_ list: [(String, Node)]) -> [String] {
        var out: [String] = []
        let tokens = OutputFormats.tokens(available: outputs)
        for (s, node) in list {
            if let name = OutputFormats.resolve(s, available: outputs) {
                if !out.contains(name) { out.append(name) }
            } else {
                let guess = closest(s.lowercased(), in: tokens)
                error("J021", node, zh: "未知的输出格式“\(s)”", en: "unknown output format '\(s)'",
                      hintZh: (guess.map { "是否想写“\($0)”？" } ?? "") + "可用的格式：\(tokens.joined(separator: "、"))",
                      hintEn: (guess.map { "did you mean '\($0)'? " } ?? "") + "formats: \(tokens.joined(separator: ", "))")
            }
        }
        return out
    }
}
