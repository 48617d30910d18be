import Foundation
import LvzhiCore
import LvzhiYAML
import Yams

/// Reads a rule file (YAML) into a ``RuleSet``, collecting every problem it finds as a
/// ``Diagnostic`` with its line and column instead of stopping at the first.
public enum RuleFileLoader {
    /// Loads and validates the rule file at `path`.
    /// - Throws: ``RuleFileError`` holding all diagnostics when the file has errors.
    public static func load(path: String) throws(RuleFileError) -> RuleSet {
        switch YAMLFile.text(path: path, kind: .init(zh: "规则文件", en: "rule file", unreadableID: "R001", notUTF8ID: "R002")) {
        case .success(let text): return try parse(text, path: path)
        case .failure(let d): throw RuleFileError(path: path, source: nil, diagnostics: [d])
        }
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
public struct RuleFileError: FileDiagnostics {
    public var path: String
    public var source: String?
    public var diagnostics: [Diagnostic]

}

struct RuleFileParser: YAMLDocumentParser {
    let path: String
    let text: String
    var diagnostics: [Diagnostic] = []

    static let yamlIDs = YAMLDiagnosticIDs(syntax: "R003", empty: "R004", notMapping: "R010", unknownKey: "R011",
                                           duplicateKey: "R012", alias: "R013", notScalar: "R014", badNumber: "R015",
                                           badInteger: "R016", badFlag: "R059")

    init(path: String, text: String) {
        self.path = path
        self.text = text
    }

    /// The largest magnitude of any number of points in a rule file (points, caps, floors, base,
    /// bounds, thresholds, deductions). With quantities of at most 1,000,000 (ingest) a record's
    /// points then stay within 10^10 with a denominator dividing 10^8, so one record's value is
    /// always exact in 64 bits; what sums and shares still cannot hold is the error P001.
    static let valueLimit = Points(10_000)

    /// An exact decimal with at most four fraction digits, within ±``valueLimit`` (R015, R017).
    mutating func points(_ node: Node, _ what: String) -> Points? {
        guard let s = string(node, what) else { return nil }
        guard let p = Points(parsing: s) else {
            error(Self.yamlIDs.badNumber, node, zh: Self.joined(what, "应为数字（最多四位小数），实际为“\(s)”"),
                  en: "\(what) must be a number with at most four decimals, got '\(s)'",
                  hintZh: "例如 2、-1.5、0.25", hintEn: "e.g. 2, -1.5, 0.25")
            return nil
        }
        if p.magnitude > Self.valueLimit {
            error("R017", node, zh: Self.joined(what, "超出允许的范围（绝对值不超过 10000），实际为“\(s)”"),
                  en: "\(what) is out of range (at most 10000 in magnitude), got '\(s)'",
                  hintZh: "分值、上限和门槛的绝对值不能超过 10000，以保证计算精确、不会溢出",
                  hintEn: "points, caps and thresholds are limited to ±10000 so that arithmetic stays exact")
            return nil
        }
        return p
    }

    /// A co-author fraction: a decimal (`0.5`) or an exact fraction (`1/3`), in (0, 1]. A decimal
    /// with more than four places (`0.33333`) cannot be exact and is refused with a hint (R015).
    mutating func fraction(_ node: Node, _ what: String) -> Points? {
        guard let s = string(node, what) else { return nil }
        guard let p = Points(exact: s) else {
            error(Self.yamlIDs.badNumber, node, zh: Self.joined(what, "应为小数（最多四位）或分数，实际为“\(s)”，无法精确表示"),
                  en: "\(what) must be a decimal with at most four places or a fraction, got '\(s)', which cannot be exact",
                  hintZh: "例如 0.5、0.25，或写成分数 1/3", hintEn: "e.g. 0.5, 0.25, or a fraction such as 1/3")
            return nil
        }
        return p
    }

    // MARK: - Sections

    /// Files already being read up the `extends` chain (cycle detection).
    var chain: [String] = []
    /// The folder `extends` may not leave (the folder of the first rule file).
    var rulesRoot: String?

    mutating func parse() -> RuleSet? {
        guard let root = compose(emptyHintZh: "规则文件至少要有 lvzhi、name、categories、rules 和 grades。",
                                 emptyHintEn: "A rule file needs at least lvzhi, name, categories, rules and grades.") else { return nil }
        guard let items = entries(root, "规则文件", en: "the rule file", allowed: RuleFileKeys.top) else { return nil }
        var byKey: [String: (Node, Node)] = [:]
        for e in items { byKey[e.key] = (e.keyNode, e.value) }

        // A rule file may build on a base file (a city template) and override parts of it.
        var r = RuleSet(name: "", version: "", path: path, categories: [], rules: [], grades: [])
        var inherited = false
        if let (_, v) = byKey["extends"], let rel = string(v, "extends") {
            guard let base = loadBase(rel, node: v) else { return nil }
            r = base
            r.path = path
            r.extends = base.path
            inherited = true
        }

        if let (_, v) = byKey["lvzhi"] {
            if let i = int(v, "lvzhi"), i != 1 {
                error("R020", v, zh: "不支持的规则文件格式版本 \(i)", en: "unsupported rule-file format version \(i)",
                      hintZh: "本版本的 lvzhi 读取格式 1（lvzhi: 1）。", hintEn: "This lvzhi reads format 1 (lvzhi: 1).")
            }
        } else {
            error("R021", root, zh: "缺少格式版本 lvzhi: 1", en: "missing format version 'lvzhi: 1'",
                  hintZh: "在文件开头加一行 lvzhi: 1", hintEn: "add 'lvzhi: 1' at the top")
        }
        r.formatVersion = 1
        if let (_, v) = byKey["name"] { r.name = string(v, "name") ?? "" }
        else if !inherited { error("R022", root, zh: "缺少规则名称 name", en: "missing 'name'") }
        if let (_, v) = byKey["version"] { r.version = string(v, "version") ?? "" }

        if let (_, v) = byKey["period"], let s = string(v, "period") {
            r.period = Period(spec: s)
            if r.period == nil {
                error("R023", v, zh: "无法识别的考核期间“\(s)”", en: "unrecognised period '\(s)'",
                      hintZh: "写作 2025、2025-Q1 或 2024-12-01..2025-11-30", hintEn: "write 2025, 2025-Q1 or 2024-12-01..2025-11-30")
            }
        }

        var roleKeys: [(String, Node)] = []
        if let (_, v) = byKey["score"], let es = entries(v, "score", allowed: RuleFileKeys.score) {
            for e in es {
                switch e.key {
                case "base": r.base = points(e.value, "score.base") ?? .zero
                case "min": r.minScore = isNull(e.value) ? nil : points(e.value, "score.min")
                case "max": r.maxScore = isNull(e.value) ? nil : points(e.value, "score.max")
                case "base_by_role":
                    if let roles = entries(e.value, "score.base_by_role", allowed: nil) {
                        for role in roles {
                            roleKeys.append((role.key, role.keyNode))
                            if let p = points(role.value, "score.base_by_role.\(role.key)") { r.baseByRole[role.key] = p }
                        }
                    }
                default: break
                }
            }
            if let lo = r.minScore, let hi = r.maxScore, lo > hi {
                error("R024", v, zh: "score.min（\(lo)）大于 score.max（\(hi)）", en: "score.min (\(lo)) is greater than score.max (\(hi))")
            }
        }

        if let (_, v) = byKey["kinds"], let es = entries(v, "kinds", allowed: nil) {
            var kinds = Array(r.vocabulary.kinds.values).sorted { $0.name < $1.name }
            for e in es {
                var k = Vocabulary.Kind(name: e.key)
                if !isNull(e.value), let fields = entries(e.value, "kinds.\(e.key)", allowed: RuleFileKeys.kind) {
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
                kinds.removeAll { $0.name == k.name }
                kinds.append(k)
            }
            let marks = r.vocabulary.marks
            r.vocabulary = Vocabulary(kinds: kinds, marks: marks)
        }
        if let (_, v) = byKey["marks"] { r.vocabulary.marks = strings(v, "marks") }
        if let (_, v) = byKey["roster"] { parseRoster(v, into: &r.vocabulary) }
        // base_by_role names roles; with a declared list each must be one of them.
        for (role, node) in roleKeys { checkMemberValues([role], field: "member_role", vocabulary: r.vocabulary, nodes: [node]) }

        if let (keyNode, v) = byKey["categories"] {
            if case .sequence(let seq) = v {
                var seen: Set<String> = []
                for item in seq {
                    guard let es = entries(item, "categories[]", allowed: RuleFileKeys.category) else { continue }
                    var c = Category(id: "", name: "", location: loc(item))
                    var idNode: Node = item
                    for e in es {
                        switch e.key {
                        case "id": c.id = string(e.value, "category.id") ?? ""; idNode = e.value
                        case "name": c.name = string(e.value, "category.name") ?? ""
                        case "cap": c.cap = isNull(e.value) ? nil : points(e.value, "category.cap")
                        case "floor": c.floor = isNull(e.value) ? nil : points(e.value, "category.floor")
                        case "start":
                            c.start = isNull(e.value) ? nil : points(e.value, "category.start")
                            if let s = c.start, s <= .zero {
                                error("R035", e.value, zh: "start 是本类的满分（从多少分起扣），应为正数，实际为 \(s)",
                                      en: "'start' is the category's full points (deducted from), and must be positive, got \(s)",
                                      hintZh: "如 start: 50 表示“会议 50 分，缺席一次扣 5 分，扣完为止”", hintEn: "e.g. start: 50 for '50 points, 5 off per absence, down to 0'")
                                c.start = nil
                            }
                        default: break
                        }
                    }
                    if let s = c.start, let cap = c.cap, cap < s {
                        error("R036", item, zh: "类别“\(c.id)”的上限 cap（\(cap)）低于起始分 start（\(s)），起始分永远计不满",
                              en: "category '\(c.id)': cap (\(cap)) is below start (\(s)), so the start can never count in full",
                              hintZh: "删去 cap（起始分就是上限），或调低 start", hintEn: "remove cap (start is the cap), or lower start")
                    }
                    if let s = c.start, let floor = c.floor, floor > s {
                        error("R036", item, zh: "类别“\(c.id)”的下限 floor（\(floor)）高于起始分 start（\(s)），扣分不会起作用",
                              en: "category '\(c.id)': floor (\(floor)) is above start (\(s)); deductions can never apply")
                    }
                    if c.id.isEmpty { error("R030", item, zh: "类别缺少 id", en: "category without an id"); continue }
                    if !seen.insert(c.id).inserted {
                        error("R031", idNode, zh: "类别 id“\(c.id)”重复", en: "duplicate category id '\(c.id)'")
                        continue
                    }
                    if c.name.isEmpty { c.name = r.categoryIndex(id: c.id).map { r.categories[$0].name } ?? c.id }
                    if let cap = c.cap, let floor = c.floor, floor > cap {
                        error("R032", item, zh: "类别“\(c.id)”的下限 floor 大于上限 cap", en: "category '\(c.id)' has floor above cap")
                    }
                    if let i = r.categoryIndex(id: c.id) { r.categories[i] = c } else { r.categories.append(c) }
                }
            } else {
                error("R033", keyNode, zh: "categories 应为列表", en: "'categories' must be a list")
            }
        }
        if r.categories.isEmpty {
            error("R034", byKey["categories"]?.0 ?? root, zh: "至少需要一个考核类别 categories", en: "at least one category is required")
        }

        if let (keyNode, v) = byKey["grades"] {
            if case .sequence(let seq) = v {
                r.grades = parseGrades(Array(seq))
            } else {
                error("R046", keyNode, zh: "grades 应为列表", en: "'grades' must be a list")
            }
        }
        if r.grades.count < 2 {
            error("R047", byKey["grades"]?.0 ?? root, zh: "至少需要两个等次 grades", en: "at least two grades are required")
        }

        if let (keyNode, v) = byKey["rules"] {
            if case .sequence(let seq) = v {
                var seen: Set<String> = []
                for item in seq {
                    guard let rule = parseRule(item, categories: r.categories, vocabulary: r.vocabulary, kindNodes: [:]) else { continue }
                    if !seen.insert(rule.id).inserted {
                        error("R051", item, zh: "规则 id“\(rule.id)”重复", en: "duplicate rule id '\(rule.id)'")
                        continue
                    }
                    if let i = r.ruleIndex(id: rule.id) { r.rules[i] = rule } else { r.rules.append(rule) }
                }
            } else {
                error("R050", keyNode, zh: "rules 应为列表", en: "'rules' must be a list")
            }
        }

        if let (keyNode, v) = byKey["exclusive"] {
            if case .sequence(let seq) = v {
                for item in seq {
                    guard let g = parseExclusive(item, rules: r.rules) else { continue }
                    if let i = r.exclusive.firstIndex(where: { $0.id == g.id }) { r.exclusive[i] = g } else { r.exclusive.append(g) }
                }
            } else {
                error("R080", keyNode, zh: "exclusive 应为列表", en: "'exclusive' must be a list")
            }
        }

        if let (keyNode, v) = byKey["requirements"] {
            if case .sequence(let seq) = v {
                for item in seq {
                    guard let q = parseRequirement(item, grades: r.grades, vocabulary: r.vocabulary) else { continue }
                    if let i = r.requirements.firstIndex(where: { $0.id == q.id }) { r.requirements[i] = q } else { r.requirements.append(q) }
                }
            } else {
                error("R090", keyNode, zh: "requirements 应为列表", en: "'requirements' must be a list")
            }
        }

        if let (keyNode, v) = byKey["vetoes"] {
            if case .sequence(let seq) = v {
                for item in seq {
                    guard let es = entries(item, "vetoes[]", allowed: RuleFileKeys.veto) else { continue }
                    var id = "", name = "", when = Condition(), grade: Int?
                    for e in es {
                        switch e.key {
                        case "id": id = string(e.value, "veto.id") ?? ""
                        case "name": name = string(e.value, "veto.name") ?? ""
                        case "when": when = parseCondition(e.value, vocabulary: r.vocabulary) ?? Condition()
                        case "grade": grade = gradeRef(e.value, grades: r.grades, what: "veto.grade")
                        default: break
                        }
                    }
                    if id.isEmpty { error("R061", item, zh: "否决项缺少 id", en: "veto without an id"); continue }
                    let veto = Veto(id: id, name: name.isEmpty ? id : name, when: when,
                                    grade: grade ?? max(0, r.grades.count - 1), location: loc(item))
                    if let i = r.vetoes.firstIndex(where: { $0.id == id }) { r.vetoes[i] = veto } else { r.vetoes.append(veto) }
                }
            } else {
                error("R062", keyNode, zh: "vetoes 应为列表", en: "'vetoes' must be a list")
            }
        }

        if let (_, v) = byKey["term"] { r.term = parseTerm(v) ?? r.term }
        if let (_, v) = byKey["display"], let es = entries(v, "display", allowed: RuleFileKeys.display) {
            for e in es where e.key == "decimals" {
                if let d = int(e.value, "display.decimals") {
                    if d > Points.fractionDigits {
                        error("R018", e.value, zh: "display.decimals 应为 0 到 4 的整数（报告中显示的小数位数），实际为 \(d)",
                              en: "display.decimals must be a whole number from 0 to 4 (decimal places shown), got \(d)",
                              hintZh: "默认 2；分数本身总是精确的，只在显示时四舍五入", hintEn: "the default is 2; scores are exact and rounded only when shown")
                    } else {
                        r.display.decimals = d
                    }
                }
            }
        }
        if let (keyNode, v) = byKey["history"] {
            if case .sequence(let seq) = v {
                var seen: Set<String> = []
                for item in seq {
                    guard let h = parseHistory(item, rules: r) else { continue }
                    if !seen.insert(h.id).inserted {
                        error("R111", item, zh: "跨年度条件 id“\(h.id)”重复", en: "duplicate history condition id '\(h.id)'")
                        continue
                    }
                    if let i = r.history.firstIndex(where: { $0.id == h.id }) { r.history[i] = h } else { r.history.append(h) }
                }
            } else {
                error("R110", keyNode, zh: "history 应为列表", en: "'history' must be a list")
            }
        }
        if r.term == nil, let h = r.history.first(where: \.needsTerm) {
            error("R116", byKey["history"]?.1 ?? root, zh: "跨年度条件“\(h.id)”按届统计，但规则文件没有写届期 term",
                  en: "history condition '\(h.id)' counts over the term, but the rule file has no 'term'",
                  hintZh: "在文件中加一行，如 term: {start: 2023-01-01, years: 5}（本届第一天和每届年数）",
                  hintEn: "add e.g. term: {start: 2023-01-01, years: 5} (the term's first day and its length in years)")
        }

        if let (_, v) = byKey["grading"], let es = entries(v, "grading", allowed: RuleFileKeys.grading) {
            for e in es {
                if e.key == "scope", case .sequence(let items) = e.value {
                    // Several columns together: [committee, role].
                    var dims: [Grading.Scope] = []
                    for item in items {
                        guard let s = string(item, "grading.scope") else { continue }
                        guard let sc = Grading.Scope(rawValue: s), sc != .all else {
                            error("R100", item, zh: "排名范围的每一项只能是 sector（界别）、committee（专委会）、role（职务）或 group（活动组）",
                                  en: "each scope column must be sector, committee, role or group")
                            continue
                        }
                        if dims.contains(sc) {
                            error("R100", item, zh: "排名范围中“\(s)”写了两次", en: "'\(s)' is listed twice in scope")
                        }
                        dims.append(sc)
                    }
                    if items.isEmpty {
                        error("R100", e.value, zh: "排名范围不能是空列表；全体一起排名写 scope: all", en: "scope cannot be an empty list; write scope: all to rank everyone together")
                    }
                    r.grading.scope = RankScope(dims)
                    continue
                }
                guard let s = string(e.value, "grading.\(e.key)") else { continue }
                switch e.key {
                case "scope":
                    if let sc = Grading.Scope(rawValue: s) { r.grading.scope = RankScope([sc]) } else {
                        error("R100", e.value, zh: "排名范围 scope 只能是 all、sector（界别）、committee（专委会）、role（职务）、group（活动组），或其中几项的列表（如 [committee, role]）",
                              en: "scope must be all, sector, committee, role or group, or a list of several (e.g. [committee, role])")
                    }
                case "partial_period":
                    if let pp = Grading.PartialPolicy(rawValue: s) { r.grading.partial = pp } else {
                        error("R101", e.value, zh: "partial_period 只能是 flag（标注）、exclude_from_ranking（不参加排名）或 prorate（按任职天数折算）",
                              en: "partial_period must be flag, exclude_from_ranking or prorate")
                    }
                default: break
                }
            }
        }
        return r
    }

    /// Loads the base file named by `extends`, which must lie inside the rules folder.
    mutating func loadBase(_ rel: String, node: Node) -> RuleSet? {
        let dir = PathText.parent(path)
        let root = rulesRoot ?? URL(fileURLWithPath: dir.isEmpty ? "." : dir).resolvingSymlinksInPath().path
        let candidate = rel.hasPrefix("/") ? rel : (dir.isEmpty ? rel : dir + "/" + rel)
        let resolved = URL(fileURLWithPath: candidate).resolvingSymlinksInPath().path
        guard resolved == root || resolved.hasPrefix(root + "/") else {
            error("R025", node, zh: "extends 只能引用规则文件夹（\(root)）内的文件：“\(rel)”",
                  en: "extends may only name files inside the rules folder (\(root)): '\(rel)'",
                  hintZh: "把基础方案放进同一文件夹，并写相对路径，如 extends: city.yaml",
                  hintEn: "put the base file in the same folder and use a relative path, e.g. extends: city.yaml")
            return nil
        }
        if chain.contains(resolved) || chain.count > 8 {
            error("R026", node, zh: "extends 形成了循环引用：\((chain + [resolved]).joined(separator: " → "))",
                  en: "extends forms a cycle: \((chain + [resolved]).joined(separator: " → "))")
            return nil
        }
        guard SafeFile.nonRegularKind(resolved) == nil,
              let data = FileManager.default.contents(atPath: resolved), let text = String(data: data, encoding: .utf8) else {
            error("R027", node, zh: "无法读取基础规则文件“\(rel)”", en: "cannot read base rule file '\(rel)'")
            return nil
        }
        var sub = RuleFileParser(path: candidate, text: text)
        sub.chain = chain + [URL(fileURLWithPath: path).resolvingSymlinksInPath().path, resolved]
        sub.rulesRoot = root
        let base = sub.parse()
        // The base file's own problems are reported against the base file.
        diagnostics += sub.diagnostics.map { d in
            var d = d
            if d.location == nil { d.location = SourceLocation(file: candidate, line: 1) }
            return d
        }
        if sub.diagnostics.contains(where: { $0.severity == .error }) { return nil }
        return base
    }

    mutating func gradeRef(_ node: Node, grades: [Grade], what: String) -> Int? {
        guard let g = string(node, what) else { return nil }
        if let i = grades.firstIndex(where: { $0.name == g }) { return i }
        error("R060", node, zh: "引用了未定义的等次“\(g)”", en: "names an undefined grade '\(g)'",
              hintZh: closest(g, in: grades.map(\.name)).map { "是否想写“\($0)”？" } ?? "可用的等次：\(grades.map(\.name).joined(separator: "、"))",
              hintEn: closest(g, in: grades.map(\.name)).map { "did you mean '\($0)'?" } ?? "grades: \(grades.map(\.name).joined(separator: ", "))")
        return nil
    }

    mutating func share(_ node: Node, what: String) -> Share? {
        guard let s = string(node, what) else { return nil }
        if s.hasSuffix("%"), let p = Points(parsing: s.dropLast()), p > .zero, p <= Points(100) { return .percent(p) }
        if let n = Int(s), n > 0 { return .count(n) }
        error("R104", node, zh: "\(what) 应写作百分比（如 10%）或人数（如 5），实际为“\(s)”",
              en: "\(what) must be a percentage (10%) or a count (5), got '\(s)'")
        return nil
    }

    mutating func parseGrades(_ seq: [Node]) -> [Grade] {
        var grades: [Grade] = []
        var nodes: [Node] = []
        for item in seq {
            guard let es = entries(item, "grades[]", allowed: RuleFileKeys.grade) else { continue }
            var g = Grade(name: "", color: "", hex: "#888888", min: nil)
            for e in es {
                switch e.key {
                case "name": g.name = string(e.value, "grade.name") ?? ""
                case "color": g.color = string(e.value, "grade.color") ?? ""
                case "name_en": g.nameEn = string(e.value, "grade.name_en")
                case "color_en": g.colorEn = string(e.value, "grade.color_en")
                case "hex":
                    let h = string(e.value, "grade.hex") ?? ""
                    if Self.isHexColor(h) { g.hex = h.lowercased() } else {
                        error("R040", e.value, zh: "颜色值“\(h)”应写作 #rrggbb", en: "colour '\(h)' must be written #rrggbb")
                    }
                case "min": g.min = points(e.value, "grade.min")
                case "top": g.top = share(e.value, what: "grade.top")
                case "bottom": g.bottom = share(e.value, what: "grade.bottom")
                default: break
                }
            }
            if g.name.isEmpty { error("R041", item, zh: "等次缺少名称 name", en: "grade without a name"); continue }
            if g.color.isEmpty { g.color = g.name }
            if grades.contains(where: { $0.name == g.name }) {
                error("R042", item, zh: "等次名称“\(g.name)”重复", en: "duplicate grade name '\(g.name)'")
            }
            grades.append(g)
            nodes.append(item)
        }
        let quota = grades.contains { $0.top != nil || $0.bottom != nil }
        if quota {
            // Quota grading: top grades first (cumulative shares, increasing), one remainder grade,
            // bottom grades last (cumulative from the worst, decreasing towards the end).
            var phase = 0 // 0 top, 1 remainder seen, 2 bottom
            var remainders = 0
            var lastTop: Share?
            for (i, g) in grades.enumerated() {
                if g.min != nil {
                    error("R048", nodes[i], zh: "按名额评定时等次不能再设分数门槛 min（“\(g.name)”）",
                          en: "grades assigned by quota cannot also have 'min' ('\(g.name)')",
                          hintZh: "用 top（前若干名或百分比）和 bottom（后若干名或百分比），并留一个等次不设两者以容纳其余委员。",
                          hintEn: "use top/bottom shares and leave one grade without either for everyone else.")
                }
                if let t = g.top {
                    if phase != 0 {
                        error("R049", nodes[i], zh: "设 top 的等次应排在最前面（“\(g.name)”）", en: "grades with 'top' must come first ('\(g.name)')")
                    }
                    if let lt = lastTop, t.of(10_000) <= lt.of(10_000) {
                        error("R049", nodes[i], zh: "top 按累计计算，应逐级增大：“\(g.name)”的 \(t) 不大于上一等次的 \(lt)",
                              en: "top shares are cumulative and must increase: '\(g.name)' \(t) is not above \(lt)")
                    }
                    lastTop = t
                } else if g.bottom != nil {
                    phase = 2
                } else {
                    if phase == 2 {
                        error("R049", nodes[i], zh: "不设 top/bottom 的等次应位于 top 等次和 bottom 等次之间（“\(g.name)”）",
                              en: "the remainder grade must sit between the top and bottom grades ('\(g.name)')")
                    }
                    phase = 1
                    remainders += 1
                }
            }
            if remainders != 1 {
                error("R049", nodes.first, zh: "按名额评定时应恰有一个等次不设 top/bottom，用来容纳其余委员（现有 \(remainders) 个）",
                      en: "quota grading needs exactly one grade without top/bottom for everyone else (found \(remainders))")
            }
            return grades
        }
        for (i, g) in grades.enumerated() {
            let isLast = i == grades.count - 1
            if isLast, g.min != nil {
                error("R043", nodes[i], zh: "最后一个等次不应设 min（低于上一等次门槛的都归入它）",
                      en: "the last grade must not have 'min' (it takes every score below the previous threshold)",
                      hintZh: "删除最后一个等次的 min。", hintEn: "remove 'min' from the last grade.")
            } else if !isLast, g.min == nil {
                error("R044", nodes[i], zh: "等次“\(g.name)”缺少分数门槛 min", en: "grade '\(g.name)' needs a threshold 'min'")
            }
            if i > 0, let m = g.min, let prev = grades[i - 1].min, m >= prev {
                error("R045", nodes[i], zh: "等次门槛应从高到低排列：“\(g.name)”的 min \(m) 不低于上一等次的 \(prev)",
                      en: "grade thresholds must decrease: '\(g.name)' min \(m) is not below the previous \(prev)")
            }
        }
        return grades
    }

    mutating func parseExclusive(_ item: Node, rules: [Rule]) -> ExclusiveGroup? {
        guard let es = entries(item, "exclusive[]", allowed: RuleFileKeys.exclusive) else { return nil }
        var id = "", name = "", members: [[Int]] = [], scope = ExclusiveGroup.Scope.member
        for e in es {
            switch e.key {
            case "id": id = string(e.value, "exclusive.id") ?? ""
            case "name": name = string(e.value, "exclusive.name") ?? ""
            case "per":
                if let s = string(e.value, "exclusive.per") {
                    if let sc = ExclusiveGroup.Scope(rawValue: s) { scope = sc } else {
                        error("R081", e.value, zh: "per 只能是 member（每位委员取高）或 ref（同一件提案或信息取高）",
                              en: "'per' must be member or ref")
                    }
                }
            case "rules":
                let nodes: [Node]
                if case .sequence(let s) = e.value { nodes = Array(s) } else { nodes = [e.value] }
                for n in nodes {
                    // An alternative is one rule id or a list of rule ids counted together.
                    let ids: [Node]
                    if case .sequence(let inner) = n { ids = Array(inner) } else { ids = [n] }
                    var alternative: [Int] = []
                    for idNode in ids {
                        guard let rid = string(idNode, "exclusive.rules") else { continue }
                        if let i = rules.firstIndex(where: { $0.id == rid }) {
                            if members.contains(where: { $0.contains(i) }) || alternative.contains(i) {
                                error("R089", idNode, zh: "规则“\(rid)”在同一 exclusive 分组中出现了两次", en: "rule '\(rid)' appears twice in one exclusive group")
                            } else { alternative.append(i) }
                        } else {
                            let guess = closest(rid, in: rules.map(\.id))
                            error("R082", idNode, zh: "exclusive 引用了未定义的规则“\(rid)”", en: "exclusive names an undefined rule '\(rid)'",
                                  hintZh: guess.map { "是否想写“\($0)”？" }, hintEn: guess.map { "did you mean '\($0)'?" })
                        }
                    }
                    if !alternative.isEmpty { members.append(alternative) }
                }
            default: break
            }
        }
        if id.isEmpty { error("R083", item, zh: "exclusive 分组缺少 id", en: "exclusive group without an id"); return nil }
        if members.count < 2 {
            error("R084", item, zh: "exclusive 分组“\(id)”至少要列出两个互斥项", en: "exclusive group '\(id)' needs at least two alternatives")
            return nil
        }
        return ExclusiveGroup(id: id, name: name.isEmpty ? id : name, alternatives: members, scope: scope, location: loc(item))
    }

    /// `term: {start: 2023-01-01, years: 5}`.
    mutating func parseTerm(_ node: Node) -> Term? {
        guard let es = entries(node, "term", allowed: RuleFileKeys.term) else { return nil }
        var start: Day?, years: Int?
        for e in es {
            switch e.key {
            case "start":
                if let s = string(e.value, "term.start") {
                    start = Day(iso: s)
                    if start == nil {
                        error("R117", e.value, zh: "届期起始日期“\(s)”无法识别", en: "term start '\(s)' is not a date",
                              hintZh: "写作 2023-01-01（本届第一天）", hintEn: "write e.g. 2023-01-01 (the term's first day)")
                    }
                }
            case "years":
                if let y = int(e.value, "term.years") {
                    if (1...20).contains(y) { years = y } else {
                        error("R117", e.value, zh: "每届年数 years 应在 1 到 20 之间，实际为 \(y)",
                              en: "term years must be between 1 and 20, got \(y)", hintZh: "政协每届通常为 5 年：years: 5",
                              hintEn: "a CPPCC term is usually five years: years: 5")
                    }
                }
            default: break
            }
        }
        guard let start, let years else {
            if !es.contains(where: { $0.key == "start" }) || !es.contains(where: { $0.key == "years" }) {
                error("R117", node, zh: "届期 term 需要写 start（本届第一天）和 years（每届年数）",
                      en: "'term' needs 'start' (the term's first day) and 'years' (its length)",
                      hintZh: "如 term: {start: 2023-01-01, years: 5}", hintEn: "e.g. term: {start: 2023-01-01, years: 5}")
            }
            return nil
        }
        return Term(start: start, years: years, location: loc(node))
    }

    /// One entry of `history:` — a condition over several periods and its effect.
    mutating func parseHistory(_ item: Node, rules r: RuleSet) -> HistoryCondition? {
        guard let es = entries(item, "history[]", allowed: RuleFileKeys.history) else { return nil }
        var id = "", name = ""
        var test: HistoryCondition.Test?
        var flag: String?, grade: Int?
        var hasWhen = false, hasEffect = false, whenBroken = false, oneYear = false
        for e in es {
            switch e.key {
            case "id": id = string(e.value, "history.id") ?? ""
            case "name": name = string(e.value, "history.name") ?? ""
            case "when":
                hasWhen = true
                guard let ws = entries(e.value, "history.when", allowed: RuleFileKeys.historyWhen) else { whenBroken = true; continue }
                var gradeTest: HistoryCondition.GradeTest?, years: Int?, rule: Int?, inTerm: Int?, bottom: Share?, below: Points?
                var broken = false
                for w in ws {
                    switch w.key {
                    case "grade":
                        guard let g = string(w.value, "history.when.grade") else { broken = true; continue }
                        if g == "lowest" || g == "最低等次" { gradeTest = .lowest }
                        else if let i = gradeRef(w.value, grades: r.grades, what: "history.when.grade") { gradeTest = .named(i) }
                        else { broken = true }
                    case "rule":
                        guard let rid = string(w.value, "history.when.rule") else { broken = true; continue }
                        if let i = r.ruleIndex(id: rid) { rule = i } else {
                            broken = true
                            let guess = closest(rid, in: r.rules.map(\.id))
                            error("R114", w.value, zh: "跨年度条件引用了未定义的规则“\(rid)”", en: "history condition names an undefined rule '\(rid)'",
                                  hintZh: guess.map { "是否想写“\($0)”？" } ?? "写 rules 中某条规则的 id",
                                  hintEn: guess.map { "did you mean '\($0)'?" } ?? "name the id of a rule under 'rules'")
                        }
                    case "bottom":
                        if let sh = share(w.value, what: "history.when.bottom") { bottom = sh } else { broken = true }
                    case "score_below":
                        if let p = points(w.value, "history.when.score_below") { below = p } else { broken = true }
                    case "years", "in_term":
                        guard let n = int(w.value, "history.when.\(w.key)") else { broken = true; continue }
                        if n < 1 || n > 100 {
                            broken = true
                            error("R115", w.value, zh: "\(w.key) 应为 1 到 100 之间的整数，实际为 \(n)",
                                  en: "'\(w.key)' must be a whole number from 1 to 100, got \(n)")
                        } else if w.key == "years" { years = n } else { inTerm = n }
                    default: break
                    }
                }
                if broken { whenBroken = true; continue }
                if years == 1 { oneYear = true }
                // A grade or a score without `years` is a condition on this period alone.
                if years == nil, inTerm == nil, rule == nil, bottom == nil, gradeTest != nil || below != nil { years = 1 }
                switch (gradeTest, years, rule, inTerm) {
                case (nil, let y?, nil, nil) where below != nil && bottom == nil: test = .consecutiveScore(below: below!, years: y)
                case (_, _, _, _) where below != nil: test = nil
                case (nil, let y?, nil, nil) where bottom != nil: test = .bottomConsecutive(bottom!, years: y)
                case (_, _, _, _) where bottom != nil: test = nil
                case (let g?, let y?, nil, nil): test = .consecutiveGrade(g, years: y)
                case (let g?, nil, nil, let n?): test = .gradeInTerm(g, min: n)
                case (nil, nil, let ru?, let n?): test = .ruleCountInTerm(rule: ru, min: n)
                default: break
                }
                if test == nil {
                    error("R112", e.value, zh: "跨年度条件的写法应为 {grade: 等次}（本期）、{score_below: 60}（本期得分低于）、{score_below: 60, years: N}（连续 N 期得分低于）、{grade: 等次, years: N}（连续 N 期）、{grade: 等次, in_term: N}（本届 N 期）、{rule: 规则id, in_term: N}（本届累计 N 条）或 {bottom: 10 或 5%, years: N}（连续 N 期排名在后）",
                          en: "write {grade: NAME} (this period), {score_below: 60} (this period's score below), {score_below: 60, years: N} (below in N periods in a row), {grade: NAME, years: N} (N periods in a row), {grade: NAME, in_term: N} (N periods in the term), {rule: ID, in_term: N} (N records in the term) or {bottom: 10 or 5%, years: N} (bottom N periods running)",
                          hintZh: "如 when: {grade: 不合格, years: 2} 表示连续两年不合格", hintEn: "e.g. when: {grade: 不合格, years: 2} for two 不合格 in a row")
                    whenBroken = true
                }
            case "effect":
                hasEffect = true
                guard let fx = entries(e.value, "history.effect", allowed: RuleFileKeys.historyEffect) else { continue }
                for f in fx {
                    switch f.key {
                    case "flag":
                        if let s = string(f.value, "history.effect.flag") {
                            if s.trimmingSpaces.isEmpty {
                                error("R118", f.value, zh: "flag 应写要标出的处理意见，如 劝辞", en: "'flag' names the action to show, e.g. 劝辞")
                            } else { flag = s.trimmingSpaces }
                        }
                    case "grade": grade = gradeRef(f.value, grades: r.grades, what: "history.effect.grade")
                    default: break
                    }
                }
                if fx.isEmpty {
                    error("R118", e.value, zh: "effect 至少写 flag（标出的处理意见，如 劝辞）或 grade（等次至多为）",
                          en: "effect needs 'flag' (the action shown, e.g. 劝辞) or 'grade' (the grade at most)")
                }
            default: break
            }
        }
        if id.isEmpty { error("R111", item, zh: "跨年度条件缺少 id", en: "history condition without an id"); return nil }
        if !hasWhen {
            error("R112", item, zh: "跨年度条件“\(id)”缺少条件 when", en: "history condition '\(id)' has no 'when'",
                  hintZh: "如 when: {grade: 不合格, years: 2}", hintEn: "e.g. when: {grade: 不合格, years: 2}")
            return nil
        }
        if !hasEffect {
            error("R118", item, zh: "跨年度条件“\(id)”缺少后果 effect（flag 或 grade）", en: "history condition '\(id)' has no 'effect' (flag or grade)",
                  hintZh: "如 effect: {flag: 劝辞}", hintEn: "e.g. effect: {flag: 劝辞}")
            return nil
        }
        guard !whenBroken, let test else { return nil }
        let label = name.isEmpty ? id : name
        var condition = HistoryCondition(id: id, name: label, test: test, effect: .init(flag: flag ?? label, grade: grade), location: loc(item))
        condition.wroteOneYear = oneYear
        return condition
    }

    mutating func parseRequirement(_ item: Node, grades: [Grade], vocabulary: Vocabulary) -> Requirement? {
        guard let es = entries(item, "requirements[]", allowed: RuleFileKeys.requirement) else { return nil }
        var id = "", name = "", when: Condition?, min = Points.one, byQuantity = false, applies: Condition?, effect: Requirement.Effect?
        for e in es {
            switch e.key {
            case "id": id = string(e.value, "requirement.id") ?? ""
            case "name": name = string(e.value, "requirement.name") ?? ""
            case "when": when = parseCondition(e.value, vocabulary: vocabulary)
            case "min": min = points(e.value, "requirement.min") ?? .one
            case "count":
                if let s = string(e.value, "requirement.count") {
                    switch s {
                    case "records": byQuantity = false
                    case "quantity": byQuantity = true
                    default: error("R091", e.value, zh: "count 只能是 records（按条数）或 quantity（按数量，如半天数）",
                                   en: "'count' must be records or quantity")
                    }
                }
            case "applies_to": applies = parseCondition(e.value, vocabulary: vocabulary, scope: .member)
            case "effect":
                guard let fx = entries(e.value, "requirement.effect", allowed: RuleFileKeys.requirementEffect) else { continue }
                if fx.count != 1 {
                    error("R092", e.value, zh: "effect 只能写一种后果：cap_grade、grade、deduct 或 flag",
                          en: "effect takes exactly one of cap_grade, grade, deduct, flag")
                }
                for f in fx {
                    switch f.key {
                    case "cap_grade": if let g = gradeRef(f.value, grades: grades, what: "effect.cap_grade") { effect = .capGrade(g) }
                    case "grade": if let g = gradeRef(f.value, grades: grades, what: "effect.grade") { effect = .forceGrade(g) }
                    case "deduct":
                        if let p = points(f.value, "effect.deduct") {
                            if p.isNegative {
                                error("R093", f.value, zh: "deduct 写正数，表示扣多少分", en: "'deduct' takes a positive number of points")
                            } else { effect = .deduct(p) }
                        }
                    default: effect = .flag
                    }
                }
            default: break
            }
        }
        if id.isEmpty { error("R094", item, zh: "最低要求缺少 id", en: "requirement without an id"); return nil }
        guard let when else {
            error("R095", item, zh: "最低要求“\(id)”缺少条件 when", en: "requirement '\(id)' has no 'when'")
            return nil
        }
        guard let effect else {
            error("R096", item, zh: "最低要求“\(id)”缺少后果 effect（cap_grade、grade、deduct 或 flag）",
                  en: "requirement '\(id)' has no 'effect' (cap_grade, grade, deduct or flag)")
            return nil
        }
        return Requirement(id: id, name: name.isEmpty ? id : name, when: when, min: min, byQuantity: byQuantity,
                           appliesTo: applies, effect: effect, location: loc(item))
    }

    func parseRuleID(_ node: Node) -> String? {
        guard case .mapping(let m) = node else { return nil }
        return m["id"]?.scalar?.string
    }

    mutating func parseRule(_ item: Node, categories: [Category], vocabulary: Vocabulary, kindNodes: [String: Node]) -> Rule? {
        guard let es = entries(item, "rules[]", allowed: RuleFileKeys.rule) else { return nil }
        var id = "", name = "", category: Int?, when: Condition?, pts: Points?, basis = PointsBasis.record
        var cap: Points?, maxCount: Int?, skipFirst: Int?, split: CoauthorSplit?, text: String?
        var oncePerRef = false, atLeast: Points?, atLeastNode: Node?
        for e in es {
            switch e.key {
            case "id": id = string(e.value, "rule.id") ?? ""
            case "name": name = string(e.value, "rule.name") ?? ""
            case "text":
                if let t = string(e.value, "rule.text") {
                    if t.trimmingSpaces.isEmpty {
                        error("R063", e.value, zh: "text 应写这条规则公布时的一句话，不能为空",
                              en: "'text' is the rule's published sentence and cannot be empty",
                              hintZh: "如 text: 全年第一提案人立案 3 件以上的，每件另加 2 分", hintEn: "e.g. text: 2 more points per proposal for 3 or more")
                    } else { text = t.trimmingSpaces }
                }
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
            case "once":
                if let once = bool(e.value, "rule.once"), once { maxCount = 1 }
            case "skip_first": skipFirst = int(e.value, "rule.skip_first")
            case "split": split = parseSplit(e.value)
            case "once_per":
                if let s = string(e.value, "rule.once_per") {
                    if s == "ref" { oncePerRef = true } else {
                        error("R064", e.value, zh: "once_per 只能写 ref（同一事项，即关联编号相同的几条记录，本项只计一次），实际为“\(s)”",
                              en: "once_per takes ref (one item, the records sharing a ref, counts once for this rule), got '\(s)'",
                              hintZh: "每人每期只计一次请写 once: true", hintEn: "for once per member and period write once: true")
                    }
                }
            case "at_least":
                atLeastNode = e.value
                if let n = points(e.value, "rule.at_least") {
                    if n <= .zero {
                        error("R066", e.value, zh: "at_least 是计分所需的次数（或数量），应大于 0，实际为 \(n)",
                              en: "at_least is the number of records (or quantity) needed, and must be above 0, got \(n)",
                              hintZh: "如 at_least: 2 表示“2 次以上得 30 分”", hintEn: "e.g. at_least: 2 for '30 points for 2 or more'")
                    } else { atLeast = n }
                }
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
        var rule = Rule(id: id, name: name.isEmpty ? id : name, category: category, when: when, points: pts,
                        basis: basis, cap: cap, maxCount: maxCount, location: loc(item))
        rule.skipFirst = skipFirst
        rule.split = split
        rule.text = text
        rule.oncePerRef = oncePerRef
        rule.atLeast = atLeast
        if atLeast != nil {
            // A lump sum is paid once and to the member alone: limits on counting or sharing do not apply.
            let clashing = ["once", "max_count", "skip_first", "split", "cap"].filter { k in es.contains { $0.key == k } }
            if !clashing.isEmpty {
                error("R067", atLeastNode, zh: "at_least 的规则达到次数时一次性计分，不能再写 \(clashing.joined(separator: "、"))",
                      en: "a rule with at_least pays once when the count is reached; it cannot also have \(clashing.joined(separator: ", "))",
                      hintZh: "删去 \(clashing.joined(separator: "、"))；要分档计分请写几条规则（如 at_least: 2 计 30 分、at_least: 4 另加 10 分）",
                      hintEn: "remove \(clashing.joined(separator: ", ")); for tiers write several rules")
            }
        }
        return rule
    }

    mutating func parseSplit(_ node: Node) -> CoauthorSplit? {
        guard let es = entries(node, "split", allowed: RuleFileKeys.split) else { return nil }
        var split = CoauthorSplit(policy: .full)
        var hasPolicy = false
        var fractionWritten = false
        for e in es {
            switch e.key {
            case "policy":
                if let s = string(e.value, "split.policy") {
                    if let p = CoauthorSplit.Policy(rawValue: s) { split.policy = p; hasPolicy = true } else {
                        error("R085", e.value, zh: "未知的分配方式“\(s)”", en: "unknown split policy '\(s)'",
                              hintZh: "可用：lead_only（仅第一提案人）、lead_half（第一提案人一半，其余平分另一半）、equal（平分）、fraction（每人按比例）、full（每人全额）",
                              hintEn: "use lead_only, lead_half, equal, fraction or full")
                    }
                }
            case "fraction":
                fractionWritten = true
                if let f = fraction(e.value, "split.fraction") {
                    if f <= .zero || f > .one {
                        error("R086", e.value, zh: "fraction 应大于 0、不超过 1（如 0.5），实际为 \(f)",
                              en: "'fraction' must be above 0 and at most 1 (e.g. 0.5), got \(f)",
                              hintZh: f.isZero ? "fraction: 0 表示联名人不计分：只计第一提案人请写 policy: lead_only" : "每人得分值的几分之几，如一半写 0.5",
                              hintEn: f.isZero ? "fraction 0 would give co-signers nothing: for the lead alone write policy: lead_only" : "the share each author gets, e.g. 0.5 for half")
                    } else { split.fraction = f }
                }
            case "lead_role": split.leadRoles = strings(e.value, "split.lead_role") ?? split.leadRoles
            case "max_credited": split.maxCredited = int(e.value, "split.max_credited")
            default: break
            }
        }
        if !hasPolicy {
            error("R087", node, zh: "split 缺少分配方式 policy", en: "'split' needs a 'policy'")
            return nil
        }
        if split.policy == .fraction, split.fraction == nil, !fractionWritten {
            error("R088", node, zh: "policy: fraction 需要写 fraction（如 0.5）", en: "policy fraction needs 'fraction' (e.g. 0.5)")
            return nil
        }
        if split.policy == .fraction, split.fraction == nil { return nil } // R086 said why

        return split
    }

    mutating func parseCondition(_ node: Node, vocabulary: Vocabulary, scope: ExpressionScope = .record) -> Condition? {
        guard let es = entries(node, "when", allowed: RuleFileKeys.condition) else { return nil }
        var c = Condition()
        var kindValueNodes: [Node] = []
        for e in es where e.key == "signers" || e.key == "sole" {
            if scope == .member {
                error("R079", e.keyNode, zh: "\(e.key) 是对一条记录所属事项的条件（几人署名），不能用于 applies_to",
                      en: "\(e.key) tests the item a record belongs to (how many signed it) and cannot be used in applies_to")
                continue
            }
            if es.contains(where: { $0.key == "signers" }) && es.contains(where: { $0.key == "sole" }) {
                if e.key == "sole" {
                    error("R078", e.keyNode, zh: "signers 和 sole 只能写一个（sole: true 就是 signers: 1）",
                          en: "write signers or sole, not both (sole: true is signers: 1)")
                }
                continue
            }
            parseSigners(e.key, e.value, into: &c)
        }
        for e in es where e.key != "signers" && e.key != "sole" {
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
            case "member_sector": c.memberSectors = list
            case "member_committee": c.memberCommittees = list
            case "member_group": c.memberGroups = list
            case "member_party": c.memberParties = list
            case "expr":
                guard case .scalar(let scalar) = e.value else {
                    error("R075", e.value, zh: "expr 应为一个表达式文字", en: "'expr' must be a single expression")
                    continue
                }
                c.expression = scalar.string
                c.expressionScope = scope
                compileExpression(scalar, scope: scope, vocabulary: vocabulary)
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
        for key in ["member_role", "member_sector", "member_committee"] {
            guard let valueNode = valueNode(node, key: key) else { continue }
            let values = key == "member_role" ? c.memberRoles : key == "member_sector" ? c.memberSectors : c.memberCommittees
            let nodes: [Node]
            if case .sequence(let s) = valueNode { nodes = Array(s) } else { nodes = [valueNode] }
            checkMemberValues(values ?? [], field: key, vocabulary: vocabulary, nodes: nodes)
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

    /// Type-checks an expression before any data is read, reporting its errors at their place in
    /// the rule file.
    mutating func compileExpression(_ scalar: Node.Scalar, scope: ExpressionScope, vocabulary: Vocabulary) {
        do {
            _ = try RuleExpression.compile(scalar.string, options: ExpressionOptions(scope: scope, result: .bool, vocabulary: vocabulary))
        } catch {
            let mark = scalar.mark
            var start = SourceLocation(file: path, line: mark?.line ?? 1, column: mark?.column ?? 1)
            var indentation = 0
            switch scalar.style {
            case .singleQuoted, .doubleQuoted:
                start.column = (start.column ?? 1) + 1
            case .literal, .folded:
                // The text starts on the next line, at the block's indentation.
                let lines = SourceLines.of(text)
                let next = start.line < lines.count ? lines[start.line] : ""
                indentation = next.prefix { $0 == " " }.count
                start = SourceLocation(file: path, line: start.line + 1, column: indentation + 1)
            default:
                break
            }
            for e in error.errors { diagnostics.append(e.diagnostic(from: start, indentation: indentation)) }
        }
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

    /// `signers: 1`, `signers: {min: 2, max: 5}` or `sole: true|false`.
    mutating func parseSigners(_ key: String, _ node: Node, into c: inout Condition) {
        if key == "sole" {
            guard let b = bool(node, "when.sole") else { return }
            if b { c.signersMin = 1; c.signersMax = 1 } else { c.signersMin = 2 }
            return
        }
        var lo: Int?, hi: Int?
        if case .mapping = node {
            guard let es = entries(node, "when.signers", allowed: RuleFileKeys.signers) else { return }
            for e in es {
                guard let n = int(e.value, "when.signers.\(e.key)") else { return }
                if e.key == "min" { lo = n } else { hi = n }
            }
        } else {
            guard let n = int(node, "when.signers") else { return }
            lo = n
            hi = n
        }
        if (lo ?? 1) < 1 || (hi ?? 1) < 1 || (lo ?? 1) > (hi ?? Int.max) || (lo == nil && hi == nil) {
            error("R078", node, zh: "signers 是同一事项的署名人数：写 1（个人）、{min: 2}（联名）或 {min: 2, max: 5}，至少为 1 且 min 不大于 max",
                  en: "signers is the number of members who signed the item: 1 (alone), {min: 2} (joint) or {min: 2, max: 5}; at least 1, min not above max")
            return
        }
        c.signersMin = lo
        c.signersMax = hi
    }

    /// `roster: {roles: [...], sectors: [...], committees: [...]}`: the values the roster may hold.
    mutating func parseRoster(_ node: Node, into vocabulary: inout Vocabulary) {
        guard let es = entries(node, "roster", allowed: RuleFileKeys.roster) else { return }
        for e in es {
            guard case .sequence = e.value else {
                error("R077", e.value, zh: "roster.\(e.key) 应为列表，如 [主席, 副主席, 常委, 委员]",
                      en: "roster.\(e.key) must be a list, e.g. [主席, 副主席, 常委, 委员]")
                continue
            }
            let list = (strings(e.value, "roster.\(e.key)") ?? []).map(\.trimmingSpaces)
            if list.isEmpty {
                error("R077", e.value, zh: "roster.\(e.key) 是空列表，名册中的每位委员都会被拒收",
                      en: "roster.\(e.key) is empty: every member of the roster would be rejected",
                      hintZh: "列出允许的值；不想检查时删去这一行", hintEn: "list the allowed values, or remove the line to check nothing")
                continue
            }
            switch e.key {
            case "roles": vocabulary.memberRoles = list
            case "sectors": vocabulary.memberSectors = list
            default: vocabulary.memberCommittees = list
            }
        }
    }

    /// R076: a 职务, 界别 or 专委会 that the rule file's `roster` does not declare.
    mutating func checkMemberValues(_ values: [String], field: String, vocabulary: Vocabulary, nodes: [Node]) {
        let (declared, zh, key): ([String]?, String, String) = switch field {
        case "member_role": (vocabulary.memberRoles, "职务", "roles")
        case "member_sector": (vocabulary.memberSectors, "界别", "sectors")
        default: (vocabulary.memberCommittees, "专委会", "committees")
        }
        guard let declared else { return }
        for (i, v) in values.enumerated() where !declared.contains(v) {
            let guess = closest(v, in: declared.filter { !$0.isEmpty })
            let shown = declared.map { $0.isEmpty ? "\"\"" : $0 }
            error("R076", i < nodes.count ? nodes[i] : nodes.first,
                  zh: "未声明的\(zh)\(v.isEmpty ? "（空）" : "“\(v)”")（roster.\(key) 中没有），这一项永远不会生效",
                  en: "undeclared \(field.dropFirst(7)) '\(v)' (not in roster.\(key)); this can never apply",
                  hintZh: guess.map { "是否想写“\($0)”？" } ?? "已声明的\(zh)：\(shown.joined(separator: "、"))",
                  hintEn: guess.map { "did you mean '\($0)'?" } ?? "declared: \(shown.joined(separator: ", "))")
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
