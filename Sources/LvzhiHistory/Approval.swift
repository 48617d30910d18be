import Foundation
import LvzhiCore
import LvzhiRules
import LvzhiScoring
import LvzhiYAML
import Yams

/// An approval file (`NAME.approved.yaml`): a run's results, approved by the office, kept next
/// to the rule file as regression cases. `lvzhi test` re-scores the same inputs with the
/// current rule file and lists the members whose score or grade would change.
///
/// ```yaml
/// lvzhi_approved: 1
/// rules: fengjie.yaml                 # relative to this file
/// rules_name: 奉节式委员履职考核办法（示例）
/// rules_version: "2025.1"
/// rules_sha256: "…"
/// period: "2025"
/// run: 3
/// run_time: "2025-12-31T09:00:00+08:00"
/// published_at: "2025-12-31T09:00:00+08:00"
/// inputs:
///   members: {path: ../Samples/members.csv, sha256: "…"}
///   activities:
///     - {path: ../Samples/activities/meetings.csv, sha256: "…"}
///   mapping: []
///   corrections: []                   # the 复核 file applied, if any
/// history: {path: ../out/lvzhi-history.sqlite, runs: [1]}   # the earlier periods' runs it read, if any
/// results:
///   - {id: M0001, name: 谢润颖, score: "83", grade: 优秀}
/// ```
public struct ApprovalFile: Sendable {
    public struct Input: Sendable, Equatable {
        /// Absolute (resolved against the approval file's folder).
        public var path: String
        public var sha256: String
        public var location: SourceLocation?
    }
    /// The earlier periods' runs the approved run read from the history (for the rule file's
    /// multi-year conditions), so that re-scoring sees the same earlier results.
    public struct History: Sendable, Equatable {
        /// The history database, absolute.
        public var path: String
        public var runs: [Int64]
        public var location: SourceLocation?

        public init(path: String, runs: [Int64], location: SourceLocation? = nil) {
            self.path = HistoryPaths.absolute(path)
            self.runs = runs
            self.location = location
        }
    }
    public struct Result: Sendable, Equatable {
        public var memberID: String
        public var name: String
        public var score: Points
        public var grade: String
        public var location: SourceLocation?
    }

    public static let suffix = ".approved.yaml"
    public static let formatKey = "lvzhi_approved"

    public var path: String
    /// Absolute.
    public var rules: String
    public var rulesName: String
    public var rulesVersion: String
    public var rulesSHA256: String
    /// A `--period` spec.
    public var period: String
    public var run: Int64?
    public var runTime: String
    public var publishedAt: String?
    public var members: Input
    public var activities: [Input]
    public var mappings: [Input]
    /// The corrections (复核) file the run applied: none or one.
    public var corrections: [Input] = []
    /// Earlier periods from the history; `nil` when the run had none.
    public var history: History?
    public var results: [Result]

    /// The default name: `RULES-STEM.PERIOD.approved.yaml` beside the rule file.
    public static func defaultPath(rules: String, periodLabel: String) -> String {
        let dir = PathText.parent(rules)
        let stem = ((rules as NSString).lastPathComponent as NSString).deletingPathExtension
        let safe = periodLabel.replacingOccurrences(of: "..", with: "_")
        return (dir.isEmpty ? "" : dir + "/") + "\(stem).\(safe)\(suffix)"
    }

    /// Builds the approval of a recorded run, to be written at `path`.
    /// `history`: the history database and the earlier runs the run read (see
    /// ``HistoryStore/priorResults(before:rulesName:sameKind:recordedBefore:)``), if any.
    public static func make(path: String, run: HistoryRun, inputs: [HistoryInput], results: [HistoryMemberResult],
                            history: History? = nil) -> ApprovalFile {
        func input(_ i: HistoryInput) -> Input { Input(path: i.path, sha256: i.sha256) }
        let members = inputs.first { $0.role == .members }.map(input) ?? Input(path: "", sha256: "")
        return ApprovalFile(
            path: path, rules: run.rulesPath, rulesName: run.rulesName, rulesVersion: run.rulesVersion, rulesSHA256: run.rulesSHA256,
            period: run.periodLabel, run: run.id, runTime: run.runTime, publishedAt: run.publishedAt, members: members,
            activities: inputs.filter { $0.role == .activities }.map(input), mappings: inputs.filter { $0.role == .mapping }.map(input),
            corrections: inputs.filter { $0.role == .corrections }.map(input), history: history,
            results: results.sorted { $0.memberID < $1.memberID }.map {
                Result(memberID: $0.memberID, name: $0.name, score: $0.score, grade: $0.grade)
            })
    }

    /// The file's text: sorted, paths relative to the file's folder, strings quoted.
    public func text() -> String {
        let dir = PathText.parent(HistoryPaths.absolute(path))
        func q(_ s: String) -> String { HistoryEncoding.quoted(s) }
        func rel(_ p: String) -> String { q(HistoryPaths.relative(p, to: dir)) }
        func input(_ i: Input) -> String { "{path: \(rel(i.path)), sha256: \(q(i.sha256))}" }
        var lines = [
            "# lvzhi 核准结果（回归用例）：lvzhi test 用同样的输入重新评分，列出得分或等次会改变的委员。",
            "# 由 lvzhi history approve 生成，请勿手工修改。Approved results: lvzhi test re-scores these inputs.",
            "\(Self.formatKey): 1",
            "rules: \(rel(rules))",
            "rules_name: \(q(rulesName))",
            "rules_version: \(q(rulesVersion))",
            "rules_sha256: \(q(rulesSHA256))",
            "period: \(q(period))",
        ]
        if let run { lines.append("run: \(run)") }
        lines.append("run_time: \(q(runTime))")
        if let publishedAt { lines.append("published_at: \(q(publishedAt))") }
        lines.append("inputs:")
        lines.append("  members: \(input(members))")
        lines.append("  activities:" + (activities.isEmpty ? " []" : ""))
        for a in activities { lines.append("    - \(input(a))") }
        lines.append("  mapping:" + (mappings.isEmpty ? " []" : ""))
        for m in mappings { lines.append("    - \(input(m))") }
        if !corrections.isEmpty {
            lines.append("  corrections:")
            for c in corrections { lines.append("    - \(input(c))") }
        }
        if let history {
            lines.append("history: {path: \(rel(history.path)), runs: [\(history.runs.map(String.init).joined(separator: ", "))]}")
        }
        lines.append("results:" + (results.isEmpty ? " []" : ""))
        for r in results {
            lines.append("  - {id: \(q(r.memberID)), name: \(q(r.name)), score: \(q(r.score.display(decimals: Points.fractionDigits))), grade: \(q(r.grade))}")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads and checks an approval file.
    /// - Throws: ``ApprovalError`` with every problem found, each with its line and column.
    public static func load(path: String) throws(ApprovalError) -> ApprovalFile {
        guard SafeFile.nonRegularKind(path) == nil,
              let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ApprovalError(path: path, source: nil, diagnostics: [Diagnostic(
                id: "A001", location: nil, zh: "无法读取核准文件 \(path)", en: "cannot read the approval file \(path)",
                hintZh: "请检查路径是否正确、文件是否存在且为 UTF-8 文本。核准文件由 lvzhi history approve 运行编号 生成（lvzhi history list 查看编号）。",
                hintEn: "Check that the path exists and the file is UTF-8 text. Approval files are written by lvzhi history approve RUN (see lvzhi history list).")])
        }
        var p = ApprovalParser(path: path, text: text)
        if let file = p.parse(), !p.diagnostics.contains(where: { $0.severity == .error }) { return file }
        throw ApprovalError(path: path, source: text, diagnostics: p.diagnostics)
    }
}

/// The problems found in one approval file.
public struct ApprovalError: FileDiagnostics {
    public var path: String
    public var source: String?
    public var diagnostics: [Diagnostic]
}

struct ApprovalParser: YAMLDocumentParser {
    let path: String
    let text: String
    var diagnostics: [Diagnostic] = []

    static let yamlIDs = YAMLDiagnosticIDs(syntax: "A002", empty: "A003", notMapping: "A004", unknownKey: "A005",
                                           duplicateKey: "A006", alias: "A007", notScalar: "A008", badNumber: "A009",
                                           badInteger: "A009", badFlag: "A009")
    static let keys = [ApprovalFile.formatKey, "rules", "rules_name", "rules_version", "rules_sha256", "period", "run",
                       "run_time", "published_at", "inputs", "history", "results"]

    var base: String { PathText.parent(HistoryPaths.absolute(path)) }

    mutating func parse() -> ApprovalFile? {
        guard let root = compose() else { return nil }
        guard let items = entries(root, "核准文件", en: "the approval file", allowed: Self.keys) else { return nil }
        var f = ApprovalFile(path: path, rules: "", rulesName: "", rulesVersion: "", rulesSHA256: "", period: "", run: nil,
                             runTime: "", publishedAt: nil, members: .init(path: "", sha256: ""), activities: [], mappings: [], results: [])
        var seen: Set<String> = []
        for (key, _, v) in items {
            seen.insert(key)
            switch key {
            case ApprovalFile.formatKey:
                if let n = int(v, key), n != 1 {
                    error("A010", v, zh: "不支持的核准文件格式 \(n)", en: "unsupported approval file format \(n)", hintZh: "请升级 lvzhi。", hintEn: "Upgrade lvzhi.")
                }
            case "rules": f.rules = string(v, key).map { JobPathsLite.resolve($0, against: base) } ?? ""
            case "rules_name": f.rulesName = string(v, key) ?? ""
            case "rules_version": f.rulesVersion = string(v, key) ?? ""
            case "rules_sha256": f.rulesSHA256 = string(v, key) ?? ""
            case "period":
                let s = string(v, key) ?? ""
                if Period(spec: s) == nil {
                    error("A011", v, zh: "无法识别的考核期间“\(s)”", en: "unrecognised period '\(s)'",
                          hintZh: "写作 2025、2025-Q1 或 2024-12-01..2025-11-30", hintEn: "write 2025, 2025-Q1 or 2024-12-01..2025-11-30")
                }
                f.period = s
            case "run": f.run = int(v, key).map(Int64.init)
            case "run_time": f.runTime = string(v, key) ?? ""
            case "published_at": f.publishedAt = isNull(v) ? nil : string(v, key)
            case "inputs": parseInputs(v, into: &f)
            case "history": f.history = history(v)
            case "results":
                guard case .sequence(let seq) = v else {
                    if !isNull(v) { error("A012", v, zh: "results 应为列表", en: "'results' must be a list") }
                    continue
                }
                var ids: Set<String> = []
                for item in seq {
                    if let r = result(item) {
                        if !ids.insert(r.memberID).inserted {
                            error("A013", item, zh: "委员 \(r.memberID) 出现两次", en: "member \(r.memberID) appears twice")
                        }
                        f.results.append(r)
                    }
                }
            default: break
            }
        }
        for required in [ApprovalFile.formatKey, "rules", "period", "inputs", "results"] where !seen.contains(required) {
            error("A014", root, zh: "核准文件缺少 \(required)", en: "the approval file lacks '\(required)'",
                  hintZh: "核准文件由 lvzhi history approve 生成，请重新生成。", hintEn: "Approval files are written by lvzhi history approve; write it again.")
        }
        return f
    }

    mutating func parseInputs(_ v: Node, into f: inout ApprovalFile) {
        guard let items = entries(v, "inputs", allowed: ["members", "activities", "mapping", "corrections"]) else { return }
        for (key, _, node) in items {
            switch key {
            case "members": if let i = input(node) { f.members = i }
            case "activities", "mapping", "corrections":
                var list: [ApprovalFile.Input] = []
                if case .sequence(let seq) = node {
                    for item in seq { if let i = input(item) { list.append(i) } }
                } else if !isNull(node) {
                    error("A012", node, zh: "\(key) 应为列表", en: "'\(key)' must be a list")
                }
                switch key {
                case "activities": f.activities = list
                case "mapping": f.mappings = list
                default:
                    if list.count > 1 { error("A012", node, zh: "corrections 最多一个文件", en: "'corrections' names at most one file") }
                    f.corrections = list
                }
            default: break
            }
        }
        if f.members.path.isEmpty { error("A014", v, zh: "inputs 缺少 members", en: "'inputs' lacks 'members'") }
    }

    mutating func history(_ node: Node) -> ApprovalFile.History? {
        guard let items = entries(node, "history", allowed: ["path", "runs"]) else { return nil }
        var path = "", runs: [Int64] = []
        for (key, _, v) in items {
            if key == "path" { path = string(v, key).map { JobPathsLite.resolve($0, against: base) } ?? "" }
            if key == "runs" {
                if case .sequence(let seq) = v {
                    for item in seq { if let n = int(item, key), n > 0 { runs.append(Int64(n)) } else { return badHistory(node) } }
                } else {
                    return badHistory(node)
                }
            }
        }
        guard !path.isEmpty, !runs.isEmpty else { return badHistory(node) }
        return ApprovalFile.History(path: path, runs: runs, location: loc(node))
    }

    mutating func badHistory(_ node: Node) -> ApprovalFile.History? {
        error("A017", node, zh: "history 应写明历史数据库 path 和往年运行编号 runs（列表）",
              en: "'history' needs the history database's path and a list of earlier run ids, runs")
        return nil
    }

    mutating func input(_ node: Node) -> ApprovalFile.Input? {
        guard let items = entries(node, "输入文件", en: "an input", allowed: ["path", "sha256"]) else { return nil }
        var path = "", sha = ""
        for (key, _, v) in items {
            if key == "path" { path = string(v, key).map { JobPathsLite.resolve($0, against: base) } ?? "" }
            if key == "sha256" { sha = string(v, key) ?? "" }
        }
        if path.isEmpty || sha.count != 64 {
            error("A015", node, zh: "输入文件应写明 path 和 64 位的 sha256", en: "an input needs a path and a 64-digit sha256")
            return nil
        }
        return ApprovalFile.Input(path: path, sha256: sha, location: loc(node))
    }

    mutating func result(_ node: Node) -> ApprovalFile.Result? {
        guard let items = entries(node, "results[]", allowed: ["id", "name", "score", "grade"]) else { return nil }
        var id = "", name = "", score: Points?, grade = ""
        for (key, _, v) in items {
            switch key {
            case "id": id = string(v, key) ?? ""
            case "name": name = string(v, key) ?? ""
            case "score": score = points(v, key)
            case "grade": grade = string(v, key) ?? ""
            default: break
            }
        }
        guard !id.isEmpty, let score, !grade.isEmpty else {
            error("A016", node, zh: "每位委员应写明 id、score 和 grade", en: "each member needs id, score and grade")
            return nil
        }
        return ApprovalFile.Result(memberID: id, name: name, score: score, grade: grade, location: loc(node))
    }
}

/// Path resolution for approval files (the same rule as job files: relative to the file's folder).
enum JobPathsLite {
    static func resolve(_ p: String, against base: String) -> String {
        let t = p.trimmingSpaces
        return HistoryPaths.absolute(t.hasPrefix("/") ? t : (base as NSString).appendingPathComponent(t))
    }
}

/// What re-scoring an approval file's inputs with a rule file gives.
public struct ApprovalOutcome: Sendable {
    /// A member whose approved score or grade would change.
    public struct Change: Sendable, Equatable {
        public var memberID: String
        public var name: String
        public var oldScore: Points
        public var oldGrade: String
        /// `nil` when the member is no longer scored.
        public var newScore: Points?
        public var newGrade: String?
        public var location: SourceLocation?

        public init(memberID: String, name: String, oldScore: Points, oldGrade: String, newScore: Points? = nil,
                    newGrade: String? = nil, location: SourceLocation? = nil) {
            self.memberID = memberID
            self.name = name
            self.oldScore = oldScore
            self.oldGrade = oldGrade
            self.newScore = newScore
            self.newGrade = newGrade
            self.location = location
        }
    }
    /// An input whose content is not what was approved.
    public struct StaleInput: Sendable, Equatable {
        public var path: String
        public var expected: String
        /// `nil` when the file cannot be read.
        public var actual: String?
        public var location: SourceLocation?

        public init(path: String, expected: String, actual: String?, location: SourceLocation?) {
            self.path = path
            self.expected = expected
            self.actual = actual
            self.location = location
        }
    }
    public enum Status: Sendable {
        /// Every approved score and grade is reproduced.
        case unchanged
        /// Some members would change.
        case changed
        /// An input changed or is missing: the comparison cannot be made.
        case staleInputs
        /// The rules or inputs could not be read (the message says why).
        case failed
    }

    public var file: ApprovalFile
    public var rules: String
    public var status: Status
    public var changes: [Change] = []
    public var stale: [StaleInput] = []
    /// A rendered error for `.failed`.
    public var failure: String?
    /// The number of members compared.
    public var compared: Int = 0

    public init(file: ApprovalFile, rules: String, status: Status) {
        self.file = file
        self.rules = rules
        self.status = status
    }
}
