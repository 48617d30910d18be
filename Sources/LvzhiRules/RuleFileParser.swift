import Foundation
import LvzhiCore
import Yams

/// Reads a rule file (YAML) into a ``RuleSet``, collecting every problem it finds as a
/// ``Diagnostic`` with its line and column instead of stopping at the first.
public enum RuleFileLoader {
    /// Loads and validates the rule file at `path`.
    /// - Throws: ``RuleFileError`` holding all diagnostics when the file has errors.
    public static func load(path: String) throws(RuleFileError) -> RuleSet {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RuleFileError(path: path, source: nil, diagnostics: [Diagnostic(
                id: "R001", location: nil,
                zh: "无法读取规则文件 \(path)", en: "cannot read rule file \(path)",
                hintZh: "请检查路径是否正确、文件是否存在且可读。", hintEn: "Check that the path exists and is readable.")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RuleFileError(path: path, source: nil, diagnostics: [Diagnostic(
                id: "R002", location: SourceLocation(file: path, line: 1),
                zh: "规则文件不是有效的 UTF-8 文本", en: "rule file is not valid UTF-8",
                hintZh: "请用 UTF-8 编码另存规则文件。", hintEn: "Save the rule file as UTF-8.")])
        }
        return try parse(text, path: path)
    }

    /// Parses rule-file text. `path` is used in diagnostics only.
    public static func parse(_ text: String, path: String) throws(RuleFileError) -> RuleSet {
        var p = RuleFileParser(path: path, text: text)
        let result = p.parse()
        if let result, !p.diagnostics.contains(where: { $0.severity == .error }) { return result }
        throw RuleFileError(path: path, source: text, diagnostics: p.diagnostics)
    }
}

/// All the problems found in one rule file.
public struct RuleFileError: Error, Sendable {
    public var path: String
    public var source: String?
    public var diagnostics: [Diagnostic]

    public func render(_ lang: Language) -> String {
        diagnostics.map { $0.render(lang, source: source) }.joined(separator: "\n")
    }
}

struct RuleFileParser {
    let path: String
    let text: String
    var diagnostics: [Diagnostic] = []

    init(path: String, text: String) {
        self.path = path
        self.text = text
    }

    // MARK: - Diagnostics helpers

    func loc(_ node: Node?) -> SourceLocation? {
        guard let m = node?.mark else { return SourceLocation(file: path, line: 1) }
        return SourceLocation(file: path, line: m.line, column: m.column)
    }

    mutating func error(_ id: String, _ node: Node?, zh: String, en: String, hintZh: String? = nil, hintEn: String? = nil) {
        diagnostics.append(Diagnostic(id: id, location: loc(node), zh: zh, en: en, hintZh: hintZh, hintEn: hintEn))
    }

    // MARK: - Typed access

    /// The entries of a mapping, reporting keys that are not in `allowed`.
    mutating func entries(_ node: Node, _ what: String, allowed: [String]) -> [(key: String, keyNode: Node, value: Node)]? {
        guard case .mapping(let mapping) = node else {
            error("R010", node, zh: "\(what) 应为键值映射（key: value）", en: "\(what) must be a mapping (key: value)")
            return nil
        }
        var out: [(String, Node, Node)] = []
        var seen: Set<String> = []
        for (k, v) in mapping {
            guard let key = k.scalar?.string else {
                error("R010", k, zh: "\(what) 的键必须是文字", en: "keys of \(what) must be plain text")
                continue
            }
            if !allowed.isEmpty, !allowed.contains(key) {
                let guess = closest(key, in: allowed)
                error("R011", k, zh: "\(what) 中有未知的键“\(key)”", en: "unknown key '\(key)' in \(what)",
                      hintZh: guess.map { "是否想写“\($0)”？可用的键：\(allowed.joined(separator: "、"))" } ?? "可用的键：\(allowed.joined(separator: "、"))",
                      hintEn: guess.map { "did you mean '\($0)'? allowed keys: \(allowed.joined(separator: ", "))" } ?? "allowed keys: \(allowed.joined(separator: ", "))")
                continue
            }
            if !seen.insert(key).inserted {
                error("R012", k, zh: "\(what) 中键“\(key)”重复", en: "duplicate key '\(key)' in \(what)")
                continue
            }
            out.append((key, k, v))
        }
        return out
    }

    mutating func string(_ node: Node, _ what: String) -> String? {
        if case .alias = node {
            error("R013", node, zh: "规则文件不支持 YAML 别名（*）", en: "YAML aliases (*) are not supported in rule files")
            return nil
        }
        guard let s = node.scalar?.string else {
            error("R014", node, zh: "\(what) 应为一个文字值", en: "\(what) must be a single value")
            return nil
        }
        return s
    }

    mutating func points(_ node: Node, _ what: String) -> Points? {
        guard let s = string(node, what) else { return nil }
        guard let p = Points(parsing: s) else {
            error("R015", node, zh: "\(what) 应为数字（最多四位小数），实际为“\(s)”",
                  en: "\(what) must be a number with at most four decimals, got '\(s)'",
                  hintZh: "例如 2、-1.5、0.25", hintEn: "e.g. 2, -1.5, 0.25")
            return nil
        }
        return p
    }

    mutating func int(_ node: Node, _ what: String) -> Int? {
        guard let s = string(node, what) else { return nil }
        guard let i = Int(s), i >= 0 else {
            error("R016", node, zh: "\(what) 应为非负整数，实际为“\(s)”", en: "\(what) must be a non-negative integer, got '\(s)'")
            return nil
        }
        return i
    }

    /// A single value or a list of values.
    mutating func strings(_ node: Node, _ what: String) -> [String]? {
        if case .sequence(let seq) = node {
            var out: [String] = []
            for item in seq { if let s = string(item, what) { out.append(s) } }
            return out
        }
        if let s = string(node, what) { return [s] }
        return nil
    }

    // MARK: - Sections

    mutating func parse() -> RuleSet? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            var line = 1, column = 1
            var problem = "\(e)"
            switch e {
            case .scanner(_, let p, let mark, _), .parser(_, let p, let mark, _):
                line = mark.line; column = mark.column; problem = p
            default: break
            }
            diagnostics.append(Diagnostic(id: "R003", location: SourceLocation(file: path, line: line, column: column),
                                          zh: "YAML 语法错误：\(problem)", en: "YAML syntax error: \(problem)",
                                          hintZh: "检查缩进（只能用空格）、冒号后的空格和成对的引号、括号。",
                                          hintEn: "Check indentation (spaces only), a space after each colon, and matching quotes and brackets."))
            return nil
        } catch {
            diagnostics.append(Diagnostic(id: "R003", location: SourceLocation(file: path, line: 1),
                                          zh: "YAML 语法错误：\(error)", en: "YAML syntax error: \(error)"))
            return nil
        }
        guard let root else {
            error("R004", nil, zh: "规则文件为空", en: "rule file is empty")
            return nil
        }
        let top = ["lvzhi", "name", "version", "period", "score", "kinds", "marks", "categories", "rules", "vetoes", "grades"]
        guard let items = entries(root, "规则文件", allowed: top) else { return nil }
        var byKey: [String: (Node, Node)] = [:]
        for e in items { byKey[e.key] = (e.keyNode, e.value) }

        var formatVersion = 1
        if let (_, v) = byKey["lvzhi"] {
            if let i = int(v, "lvzhi"), i != 1 {
                error("R020", v, zh: "不支持的规则文件格式版本 \(i)", en: "unsupported rule-file format version \(i)",
                      hintZh: "本版本的 lvzhi 读取格式 1（lvzhi: 1）。", hintEn: "This lvzhi reads format 1 (lvzhi: 1).")
            } else { formatVersion = 1 }
        } else {
            error("R021", root, zh: "缺少格式版本 lvzhi: 1", en: "missing format version 'lvzhi: 1'",
                  hintZh: "在文件开头加一行 lvzhi: 1", hintEn: "add 'lvzhi: 1' at the top")
        }
        var name = ""
        if let (_, v) = byKey["name"] { name = string(v, "name") ?? "" }
        else { error("R022", root, zh: "缺少规则名称 name", en: "missing 'name'") }
        var version = ""
        if let (_, v) = byKey["version"] { version = string(v, "version") ?? "" }

        var period: Period?
        if let (_, v) = byKey["period"], let s = string(v, "period") {
            period = Period(spec: s)
            if period == nil {
                error("R023", v, zh: "无法识别的考核期间“\(s)”", en: "unrecognised period '\(s)'",
                      hintZh: "写作 2025、2025-Q1 或 2024-12-01..2025-11-30", hintEn: "write 2025, 2025-Q1 or 2024-12-01..2025-11-30")
            }
        }

        var base = Points.zero, minScore: Points?, maxScore: Points?
        if let (_, v) = byKey["score"], let es = entries(v, "score", allowed: ["base", "min", "max"]) {
            for e in es {
                switch e.key {
                case "base": base = points(e.value, "score.base") ?? .zero
                case "min": minScore = points(e.value, "score.min")
                case "max": maxScore = points(e.value, "score.max")
                default: break
                }
            }
            if let lo = minScore, let hi = maxScore, lo > hi {
                error("R024", v, zh: "score.min（\(lo)）大于 score.max（\(hi)）", en: "score.min (\(lo)) is greater than score.max (\(hi))")
            }
        }

        var vocabulary = Vocabulary()
        var kindNodes: [String: Node] = [:]
        if let (_, v) = byKey["kinds"], let es = entries(v, "kinds", allowed: []) {
            var kinds: [Vocabulary.Kind] = []
            for e in es {
                kindNodes[e.key] = e.keyNode
                var k = Vocabulary.Kind(name: e.key)
                if case .scalar(let s) = e.value, s.string.isEmpty || s.string == "~" || s.string == "null" {
                    kinds.append(k); continue
                }
                if let fields = entries(e.value, "kinds.\(e.key)", allowed: ["statuses", "roles", "levels"]) {
                    for f in fields {
                        let list = strings(f.value, "kinds.\(e.key).\(f.key)")
                        switch f.key {
                        case "statuses": k.statuses = list
                        case "roles": k.roles = list
                        case "levels": k.levels = list
                        default: break
                        }
                    }
                }
                kinds.append(k)
            }
            vocabulary = Vocabulary(kinds: kinds)
        }
        if let (_, v) = byKey["marks"] { vocabulary.marks = strings(v, "marks") }

        var categories: [Category] = []
        if let (keyNode, v) = byKey["categories"] {
            if case .sequence(let seq) = v {
                for item in seq {
                    guard let es = entries(item, "categories[]", allowed: ["id", "name", "cap", "floor"]) else { continue }
                    var c = Category(id: "", name: "", location: loc(item))
                    var idNode: Node = item
                    for e in es {
                        switch e.key {
                        case "id": c.id = string(e.value, "category.id") ?? ""; idNode = e.value
                        case "name": c.name = string(e.value, "category.name") ?? ""
                        case "cap": c.cap = points(e.value, "category.cap")
                        case "floor": c.floor = points(e.value, "category.floor")
                        default: break
                        }
                    }
                    if c.id.isEmpty { error("R030", item, zh: "类别缺少 id", en: "category without an id"); continue }
                    if categories.contains(where: { $0.id == c.id }) {
                        error("R031", idNode, zh: "类别 id“\(c.id)”重复", en: "duplicate category id '\(c.id)'")
                        continue
                    }
                    if c.name.isEmpty { c.name = c.id }
                    if let cap = c.cap, let floor = c.floor, floor > cap {
                        error("R032", item, zh: "类别“\(c.id)”的下限 floor 大于上限 cap", en: "category '\(c.id)' has floor above cap")
                    }
                    categories.append(c)
                }
            } else {
                error("R033", keyNode, zh: "categories 应为列表", en: "'categories' must be a list")
            }
        }
        if categories.isEmpty {
            error("R034", byKey["categories"]?.0 ?? root, zh: "至少需要一个考核类别 categories", en: "at least one category is required")
        }

        var grades: [Grade] = []
        if let (keyNode, v) = byKey["grades"] {
            if case .sequence(let seq) = v {
                for (i, item) in seq.enumerated() {
                    guard let es = entries(item, "grades[]", allowed: ["name", "color", "hex", "min"]) else { continue }
                    var g = Grade(name: "", color: "", hex: "#888888", min: nil)
                    var minNode: Node?
                    for e in es {
                        switch e.key {
                        case "name": g.name = string(e.value, "grade.name") ?? ""
                        case "color": g.color = string(e.value, "grade.color") ?? ""
                        case "hex":
                            let h = string(e.value, "grade.hex") ?? ""
                            if Self.isHexColor(h) { g.hex = h.lowercased() } else {
                                error("R040", e.value, zh: "颜色值“\(h)”应写作 #rrggbb", en: "colour '\(h)' must be written #rrggbb")
                            }
                        case "min": g.min = points(e.value, "grade.min"); minNode = e.value
                        default: break
                        }
                    }
                    if g.name.isEmpty { error("R041", item, zh: "等次缺少名称 name", en: "grade without a name"); continue }
                    if g.color.isEmpty { g.color = g.name }
                    if grades.contains(where: { $0.name == g.name }) {
                        error("R042", item, zh: "等次名称“\(g.name)”重复", en: "duplicate grade name '\(g.name)'")
                    }
                    let isLast = i == seq.count - 1
                    if isLast, g.min != nil {
                        error("R043", minNode, zh: "最后一个等次不应设 min（低于上一等次门槛的都归入它）",
                              en: "the last grade must not have 'min' (it takes every score below the previous threshold)",
                              hintZh: "删除最后一个等次的 min。", hintEn: "remove 'min' from the last grade.")
                    } else if !isLast, g.min == nil {
                        error("R044", item, zh: "等次“\(g.name)”缺少分数门槛 min", en: "grade '\(g.name)' needs a threshold 'min'")
                    }
                    if let m = g.min, let prev = grades.last?.min, m >= prev {
                        error("R045", minNode, zh: "等次门槛应从高到低排列：“\(g.name)”的 min \(m) 不低于上一等次的 \(prev)",
                              en: "grade thresholds must decrease: '\(g.name)' min \(m) is not below the previous \(prev)")
                    }
                    grades.append(g)
                }
            } else {
                error("R046", keyNode, zh: "grades 应为列表", en: "'grades' must be a list")
            }
        }
        if grades.count < 2 {
            error("R047", byKey["grades"]?.0 ?? root, zh: "至少需要两个等次 grades", en: "at least two grades are required")
        }

        var rules: [Rule] = []
        if let (keyNode, v) = byKey["rules"] {
            if case .sequence(let seq) = v {
                for item in seq {
                    if let r = parseRule(item, categories: categories, vocabulary: vocabulary, kindNodes: kindNodes),
                       !rules.contains(where: { $0.id == r.id }) {
                        rules.append(r)
                    } else if let r = parseRuleID(item), rules.contains(where: { $0.id == r }) {
                        error("R051", item, zh: "规则 id“\(r)”重复", en: "duplicate rule id '\(r)'")
                    }
                }
            } else {
                error("R050", keyNode, zh: "rules 应为列表", en: "'rules' must be a list")
            }
        }

        var vetoes: [Veto] = []
        if let (keyNode, v) = byKey["vetoes"] {
            if case .sequence(let seq) = v {
                for item in seq {
                    guard let es = entries(item, "vetoes[]", allowed: ["id", "name", "when", "grade"]) else { continue }
                    var id = "", name = "", when = Condition(), grade: Int?
                    for e in es {
                        switch e.key {
                        case "id": id = string(e.value, "veto.id") ?? ""
                        case "name": name = string(e.value, "veto.name") ?? ""
                        case "when": when = parseCondition(e.value, vocabulary: vocabulary) ?? Condition()
                        case "grade":
                            if let g = string(e.value, "veto.grade") {
                                grade = grades.firstIndex { $0.name == g }
                                if grade == nil {
                                    error("R060", e.value, zh: "否决项指向未定义的等次“\(g)”", en: "veto names an undefined grade '\(g)'",
                                          hintZh: closest(g, in: grades.map(\.name)).map { "是否想写“\($0)”？" },
                                          hintEn: closest(g, in: grades.map(\.name)).map { "did you mean '\($0)'?" })
                                }
                            }
                        default: break
                        }
                    }
                    if id.isEmpty { error("R061", item, zh: "否决项缺少 id", en: "veto without an id"); continue }
                    vetoes.append(Veto(id: id, name: name.isEmpty ? id : name, when: when,
                                       grade: grade ?? max(0, grades.count - 1), location: loc(item)))
                }
            } else {
                error("R062", keyNode, zh: "vetoes 应为列表", en: "'vetoes' must be a list")
            }
        }

        return RuleSet(formatVersion: formatVersion, name: name, version: version, path: path, period: period,
                       base: base, minScore: minScore, maxScore: maxScore, vocabulary: vocabulary,
                       categories: categories, rules: rules, vetoes: vetoes, grades: grades)
    }

    func parseRuleID(_ node: Node) -> String? {
        guard case .mapping(let m) = node else { return nil }
        return m["id"]?.scalar?.string
    }

    mutating func parseRule(_ item: Node, categories: [Category], vocabulary: Vocabulary, kindNodes: [String: Node]) -> Rule? {
        guard let es = entries(item, "rules[]", allowed: ["id", "name", "category", "when", "points", "per", "cap", "max_count"]) else { return nil }
        var id = "", name = "", category: Int?, when: Condition?, pts: Points?, basis = PointsBasis.record
        var cap: Points?, maxCount: Int?
        for e in es {
            switch e.key {
            case "id": id = string(e.value, "rule.id") ?? ""
            case "name": name = string(e.value, "rule.name") ?? ""
            case "category":
                if let c = string(e.value, "rule.category") {
                    category = categories.firstIndex { $0.id == c }
                    if category == nil {
                        let guess = closest(c, in: categories.map(\.id))
                        error("R052", e.value, zh: "规则指向未定义的类别“\(c)”", en: "rule names an undefined category '\(c)'",
                              hintZh: guess.map { "是否想写“\($0)”？" } ?? "先在 categories 中定义它。",
                              hintEn: guess.map { "did you mean '\($0)'?" } ?? "define it under 'categories' first.")
                    }
                }
            case "when": when = parseCondition(e.value, vocabulary: vocabulary)
            case "points": pts = points(e.value, "rule.points")
            case "per":
                if let s = string(e.value, "rule.per") {
                    if let b = PointsBasis(rawValue: s) { basis = b } else {
                        error("R053", e.value, zh: "per 只能是 record（每条记录）或 quantity（按数量，如半天数）",
                              en: "'per' must be 'record' or 'quantity'")
                    }
                }
            case "cap":
                cap = points(e.value, "rule.cap")
                if let c = cap, c.isNegative {
                    error("R054", e.value, zh: "规则上限 cap 应为正数（扣分规则也写正数，表示最多扣多少）",
                          en: "rule cap must be positive (for deductions it limits the amount deducted)")
                }
            case "max_count": maxCount = int(e.value, "rule.max_count")
            default: break
            }
        }
        if id.isEmpty { error("R055", item, zh: "规则缺少 id", en: "rule without an id"); return nil }
        if category == nil, !es.contains(where: { $0.key == "category" }) {
            error("R056", item, zh: "规则“\(id)”缺少所属类别 category", en: "rule '\(id)' has no 'category'")
        }
        if pts == nil, !es.contains(where: { $0.key == "points" }) {
            error("R057", item, zh: "规则“\(id)”缺少分值 points", en: "rule '\(id)' has no 'points'")
        }
        if when == nil, !es.contains(where: { $0.key == "when" }) {
            error("R058", item, zh: "规则“\(id)”缺少适用条件 when", en: "rule '\(id)' has no 'when'",
                  hintZh: "例如 when: {kind: 提案, status: 立案}", hintEn: "e.g. when: {kind: 提案, status: 立案}")
        }
        guard let category, let when, let pts else { return nil }
        return Rule(id: id, name: name.isEmpty ? id : name, category: category, when: when, points: pts,
                    basis: basis, cap: cap, maxCount: maxCount, location: loc(item))
    }

    mutating func parseCondition(_ node: Node, vocabulary: Vocabulary) -> Condition? {
        guard let es = entries(node, "when", allowed: ["kind", "status", "role", "level", "marks", "member_role"]) else { return nil }
        var c = Condition()
        var kindValueNodes: [Node] = []
        for e in es {
            let list = strings(e.value, "when.\(e.key)")
            switch e.key {
            case "kind":
                c.kinds = list
                if case .sequence(let s) = e.value { kindValueNodes = Array(s) } else { kindValueNodes = [e.value] }
            case "status": c.statuses = list
            case "role": c.roles = list
            case "level": c.levels = list
            case "marks": c.marks = list ?? []
            case "member_role": c.memberRoles = list
            default: break
            }
        }
        // Check values against the declared vocabulary, so a typo is caught before any data is read.
        if !vocabulary.isEmpty, let kinds = c.kinds {
            for (i, k) in kinds.enumerated() where vocabulary.kinds[k] == nil {
                let guess = closest(k, in: vocabulary.kinds.keys.sorted())
                error("R070", i < kindValueNodes.count ? kindValueNodes[i] : node,
                      zh: "未知的活动类型“\(k)”（未在 kinds 中声明）", en: "unknown kind '\(k)' (not declared under 'kinds')",
                      hintZh: guess.map { "是否想写“\($0)”？" } ?? "先在 kinds 中声明它。",
                      hintEn: guess.map { "did you mean '\($0)'?" } ?? "declare it under 'kinds' first.")
            }
            checkValues(c.statuses, field: "status", label: ("状态", "status"), kinds: kinds, vocabulary: vocabulary, node: node) { $0.statuses }
            checkValues(c.roles, field: "role", label: ("角色", "role"), kinds: kinds, vocabulary: vocabulary, node: node) { $0.roles }
            checkValues(c.levels, field: "level", label: ("级别", "level"), kinds: kinds, vocabulary: vocabulary, node: node) { $0.levels }
        }
        if let marks = vocabulary.marks {
            for m in c.marks where !marks.contains(m) {
                let guess = closest(m, in: marks)
                error("R074", node, zh: "未知的标记“\(m)”（未在 marks 中声明）", en: "unknown mark '\(m)' (not declared under 'marks')",
                      hintZh: guess.map { "是否想写“\($0)”？" }, hintEn: guess.map { "did you mean '\($0)'?" })
            }
        }
        return c
    }

    mutating func checkValues(_ values: [String]?, field: String, label: (String, String), kinds: [String],
                              vocabulary: Vocabulary, node: Node, allowed: (Vocabulary.Kind) -> [String]?) {
        guard let values else { return }
        for v in values {
            var known = false
            var candidates: [String] = []
            for k in kinds {
                guard let kind = vocabulary.kinds[k] else { known = true; continue }
                guard let list = allowed(kind) else { known = true; continue }
                candidates += list
                if list.contains(v) { known = true }
            }
            if !known {
                let guess = closest(v, in: candidates)
                error(field == "status" ? "R071" : field == "role" ? "R072" : "R073", valueNode(node, key: field) ?? node,
                      zh: "活动类型 \(kinds.joined(separator: "、")) 没有\(label.0)“\(v)”，这条规则永远不会生效",
                      en: "kind \(kinds.joined(separator: ", ")) has no \(label.1) '\(v)'; this rule can never fire",
                      hintZh: guess.map { "是否想写“\($0)”？" } ?? "可用的\(label.0)：\(candidates.joined(separator: "、"))",
                      hintEn: guess.map { "did you mean '\($0)'?" } ?? "allowed: \(candidates.joined(separator: ", "))")
            }
        }
    }

    func valueNode(_ mapping: Node, key: String) -> Node? {
        guard case .mapping(let m) = mapping else { return nil }
        return m[key]
    }

    static func isHexColor(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 7, u[0] == UInt8(ascii: "#") else { return false }
        return u.dropFirst().allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }
    }
}
