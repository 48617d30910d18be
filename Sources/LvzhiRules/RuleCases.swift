import LvzhiCore
import LvzhiYAML
import Yams

/// A test case written inside a rule file under `cases:`: a few members, their records, and
/// what each member should score. Run by `lvzhi test`; a failing expectation points at its
/// own line.
///
/// ```yaml
/// cases:
///   - name: 联名提案按角色计分
///     members:
///       - {member_id: M1, role: 委员}
///     records:
///       - {member_id: M1, date: 2025-03-01, kind: 提案, status: 立案, role: 第一提案人}
///     expect:
///       M1: {score: 6, grade: 不合格, categories: {proposals: 6}}
/// ```
public struct RuleCase: Sendable {
    /// One activity record of the case, keyed by canonical field.
    public struct Record: Sendable {
        public var values: [ActivityField: String]
        /// Where the record is written in the rule file.
        public var location: SourceLocation
    }

    /// One expected value about one member.
    public enum Expected: Sendable, Equatable {
        case score(Points)
        case grade(String)
        case color(String)
        /// `nil`: the member is not ranked.
        case rank(Int?)
        case category(id: String, points: Points)
        case vetoed(Bool)
        /// Exactly these vetoes (by id) applied.
        case vetoes([String])
        /// Exactly these flags of multi-year conditions (劝辞 …) were raised; `[]` for none.
        case flags([String])
    }

    /// An expectation with the place it is written, for a failure that points at it.
    public struct Check: Sendable {
        public var expected: Expected
        public var location: SourceLocation
    }

    /// What one member should get.
    public struct Expectation: Sendable {
        public var memberID: String
        public var location: SourceLocation
        public var checks: [Check]
    }

    public var name: String
    /// 1-based position in the file's `cases` list.
    public var index: Int
    public var location: SourceLocation
    /// The case's own period, or the rule file's.
    public var period: Period
    public var members: [Member]
    public var records: [Record]
    public var expectations: [Expectation]
    /// The number of rejected records the case expects, with where it is written; `nil`
    /// means none may be rejected.
    public var expectRejects: (count: Int, location: SourceLocation)?
    /// Earlier periods of the case's members (`history:`), for the rule file's multi-year
    /// conditions; `nil` when the case states none.
    public var history: HistoryFacts? = nil
}

/// Reads the `cases:` section of a rule file.
public enum RuleCases {
    /// Parses the cases written in rule-file `text` (already loaded as `rules`). Problems are
    /// returned as diagnostics (ids T020–T027) pointing at their line and column; cases with
    /// errors are left out.
    public static func parse(_ text: String, path: String, rules: RuleSet) -> (cases: [RuleCase], diagnostics: [Diagnostic]) {
        guard let root = try? Yams.compose(yaml: text), case .mapping(let top) = root,
              let (keyNode, value) = top.first(where: { $0.key.scalar?.string == "cases" }) else {
            return ([], [])
        }
        var p = CaseParser(path: path, rules: rules)
        let cases = p.parseCases(value, keyNode: keyNode)
        return (cases, p.diagnostics)
    }
}

/// The `cases:` parser: the style of ``RuleFileParser``, with its own diagnostic ids.
struct CaseParser: YAMLDocumentParser {
    /// An expected score: a decimal (`68.5`) or an exact fraction (`12460/183`), compared exactly.
    mutating func exactPoints(_ node: Node, _ what: String) -> Points? {
        guard let s = string(node, what) else { return nil }
        if s.contains("/"), let p = Points(exact: s) { return p }
        return points(node, what)
    }

    let path: String
    let rules: RuleSet
    var diagnostics: [Diagnostic] = []
    /// Cases are read from a node of an already-composed rule file.
    var text: String { "" }

    static let yamlIDs = YAMLDiagnosticIDs(syntax: "T020", empty: "T020", notMapping: "T020", unknownKey: "T021",
                                           duplicateKey: "T022", alias: "T020", notScalar: "T020", badNumber: "T024",
                                           badInteger: "T024", badFlag: "T024")

    public static let caseKeys = ["name", "period", "members", "records", "history", "expect", "expect_rejects"]
    public static let expectKeys = ["score", "grade", "color", "rank", "categories", "vetoed", "flags"]
    public static let historyKeys = ["period", "grade", "score", "counts", "rank", "ranked"]

    init(path: String, rules: RuleSet) {
        self.path = path
        self.rules = rules
    }

    func loc(_ node: Node) -> SourceLocation {
        guard let m = node.mark else { return SourceLocation(file: path, line: 1) }
        return SourceLocation(file: path, line: m.line, column: m.column)
    }

    // MARK: - Typed access

    mutating func unknownKey(_ key: String, _ node: Node, _ what: String, allowed: [String]) {
        let guess = closest(key, in: allowed)
        error("T021", node, zh: "\(what) 中有未知的键“\(key)”", en: "unknown key '\(key)' in \(what)",
              hintZh: (guess.map { "是否想写“\($0)”？" } ?? "") + "可用的键：\(allowed.joined(separator: "、"))",
              hintEn: (guess.map { "did you mean '\($0)'? " } ?? "") + "allowed keys: \(allowed.joined(separator: ", "))")
    }

    /// A scalar's text; YAML null (`~`, `null`, nothing) reads as the empty string.
    mutating func string(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let s) = node else {
            error("T020", node, zh: "\(what) 应为一个文字值", en: "\(what) must be a single value")
            return nil
        }
        if s.style == .plain, ["~", "null", "Null", "NULL"].contains(s.string) { return "" }
        return s.string
    }

    static func flag(_ s: String) -> Bool? {
        switch s.lowercased() {
        case "是", "true", "yes", "y", "1": true
        case "否", "false", "no", "n", "0": false
        default: nil
        }
    }

    // MARK: - Sections

    mutating func parseCases(_ node: Node, keyNode: Node) -> [RuleCase] {
        guard case .sequence(let seq) = node else {
            error("T020", keyNode, zh: "cases 应为用例列表", en: "'cases' must be a list of cases",
                  hintZh: "每个用例以“- name: …”开头。", hintEn: "start each case with '- name: …'.")
            return []
        }
        var out: [RuleCase] = []
        var names: Set<String> = []
        for (i, item) in seq.enumerated() {
            guard let c = parseCase(item, index: i + 1) else { continue }
            if !names.insert(c.name).inserted {
                error("T026", item, zh: "用例名称“\(c.name)”重复", en: "duplicate case name '\(c.name)'",
                      hintZh: "每个用例起一个不同的名字，失败时才能分清是哪一个。", hintEn: "give each case its own name.")
                continue
            }
            out.append(c)
        }
        return out
    }

    mutating func parseCase(_ item: Node, index: Int) -> RuleCase? {
        let before = diagnostics.count
        guard let es = entries(item, "cases[]", allowed: Self.caseKeys) else { return nil }
        var name: String?
        var period = rules.period
        var members: [Member] = []
        var membersSeen = false
        var records: [RuleCase.Record] = []
        var expectNode: Node?
        var expectRejects: (Int, SourceLocation)?
        var historyNode: Node?
        for e in es {
            switch e.key {
            case "name": name = string(e.value, "name")
            case "period":
                if let s = string(e.value, "period") {
                    period = Period(spec: s)
                    if period == nil {
                        error("T024", e.value, zh: "无法识别的考核期间“\(s)”", en: "unrecognised period '\(s)'",
                              hintZh: "写作 2025、2025-Q1 或 2024-12-01..2025-11-30", hintEn: "write 2025, 2025-Q1 or 2024-12-01..2025-11-30")
                    }
                }
            case "members":
                membersSeen = true
                members = parseMembers(e.value)
            case "records": records = parseRecords(e.value, caseIndex: index)
            case "expect": expectNode = e.value
            case "history": historyNode = e.value
            case "expect_rejects": if let n = int(e.value, "expect_rejects") { expectRejects = (n, loc(e.value)) }
            default: break
            }
        }
        let label = name ?? "#\(index)"
        if name == nil || name?.isEmpty == true {
            error("T023", item, zh: "第 \(index) 个用例缺少名称 name", en: "case #\(index) has no 'name'")
        }
        if !membersSeen {
            error("T023", item, zh: "用例“\(label)”缺少委员 members", en: "case '\(label)' has no 'members'",
                  hintZh: "例如 members: [{member_id: M1, role: 委员}]", hintEn: "e.g. members: [{member_id: M1, role: 委员}]")
        }
        let history = historyNode.map { parseHistory($0, members: members) }
        var expectations: [RuleCase.Expectation] = []
        if let expectNode {
            expectations = parseExpect(expectNode, members: members)
        } else if expectRejects == nil {
            error("T023", item, zh: "用例“\(label)”没有写期望结果 expect", en: "case '\(label)' has no 'expect'",
                  hintZh: "例如 expect: {M1: {score: 6}}", hintEn: "e.g. expect: {M1: {score: 6}}")
        }
        if period == nil {
            error("T027", item, zh: "用例“\(label)”没有考核期间：规则文件和用例都没有写 period",
                  en: "case '\(label)' has no period: neither the rule file nor the case names one",
                  hintZh: "在用例中加 period: 2025", hintEn: "add 'period: 2025' to the case")
        }
        guard diagnostics.count == before, let name, let period else { return nil }
        var c = RuleCase(name: name, index: index, location: loc(item), period: period, members: members, records: records,
                         expectations: expectations, expectRejects: expectRejects)
        c.history = history
        return c
    }

    /// `history: {M1: [{period: 2024, grade: 不合格, counts: {absent: 2}}]}` — earlier periods
    /// of the case's members.
    mutating func parseHistory(_ node: Node, members: [Member]) -> HistoryFacts {
        var facts = HistoryFacts()
        guard let es = entries(node, "history", allowed: nil) else { return facts }
        for e in es {
            guard members.contains(where: { $0.id == e.key }) else {
                let guess = closest(e.key, in: members.map(\.id))
                error("T025", e.keyNode, zh: "history 中的委员“\(e.key)”不在本用例的 members 中",
                      en: "member '\(e.key)' in 'history' is not among the case's members",
                      hintZh: guess.map { "是否想写“\($0)”？" }, hintEn: guess.map { "did you mean '\($0)'?" })
                continue
            }
            guard case .sequence(let seq) = e.value else {
                error("T020", e.value, zh: "history.\(e.key) 应为往期列表，如 [{period: 2024, grade: 不合格}]",
                      en: "history.\(e.key) must be a list of earlier periods, e.g. [{period: 2024, grade: 不合格}]")
                continue
            }
            var priors: [HistoryFacts.Prior] = []
            for item in seq {
                guard let fields = entries(item, "history.\(e.key)[]", allowed: Self.historyKeys) else { continue }
                var period: Period?, grade: String?, score: Points?, counts: [String: Int] = [:], rank: Int?, ranked: Int?
                for f in fields {
                    switch f.key {
                    case "period":
                        if let s = string(f.value, "period") {
                            period = Period(spec: s)
                            if period == nil {
                                error("T024", f.value, zh: "无法识别的往期“\(s)”", en: "unrecognised earlier period '\(s)'",
                                      hintZh: "写作 2024、2024-Q4 或 2023-12-01..2024-11-30", hintEn: "write 2024, 2024-Q4 or 2023-12-01..2024-11-30")
                            }
                        }
                    case "grade":
                        if let g = string(f.value, "grade") {
                            if rules.gradeIndex(name: g) != nil { grade = g } else { unknownName(g, f.value, ("等次", "grade"), rules.grades.map(\.name)) }
                        }
                    case "score": score = exactPoints(f.value, "score")
                    case "rank", "ranked":
                        if let n = int(f.value, f.key) {
                            if n < 1 { error("T024", f.value, zh: "\(f.key) 应为正整数，实际为 \(n)", en: "\(f.key) must be a positive integer, got \(n)") }
                            else if f.key == "rank" { rank = n } else { ranked = n }
                        }
                    case "counts":
                        guard let cs = entries(f.value, "counts", allowed: nil) else { break }
                        for c in cs {
                            guard rules.ruleIndex(id: c.key) != nil else {
                                unknownName(c.key, c.keyNode, ("规则", "rule"), rules.rules.map(\.id))
                                continue
                            }
                            if let n = int(c.value, "counts.\(c.key)") {
                                if n < 0 { error("T024", c.value, zh: "counts 应为非负整数，实际为 \(n)", en: "counts must not be negative, got \(n)") }
                                else { counts[c.key] = n }
                            }
                        }
                    default: break
                    }
                }
                guard let period else {
                    if !fields.contains(where: { $0.key == "period" }) {
                        error("T023", item, zh: "往期缺少 period（如 period: 2024）", en: "earlier period without 'period' (e.g. period: 2024)")
                    }
                    continue
                }
                if let rank, let ranked, rank > ranked {
                    error("T024", item, zh: "名次 rank（\(rank)）大于排名人数 ranked（\(ranked)）", en: "rank (\(rank)) is greater than ranked (\(ranked))")
                    continue
                }
                priors.append(HistoryFacts.Prior(period: period, grade: grade, score: score, ruleCounts: counts,
                                                 rank: rank, ranked: ranked, location: loc(item)))
            }
            facts.byMember[e.key, default: []] += priors
        }
        return facts
    }

    mutating func parseMembers(_ node: Node) -> [Member] {
        guard case .sequence(let seq) = node else {
            error("T020", node, zh: "members 应为委员列表", en: "'members' must be a list")
            return []
        }
        var out: [Member] = []
        for item in seq {
            guard let es = entries(item, "members[]", allowed: nil) else { continue }
            var values: [MemberField: (String, Node)] = [:]
            for e in es {
                guard let f = MemberField(header: e.key) else {
                    unknownKey(e.key, e.keyNode, "members[]", allowed: MemberField.allCases.map(\.key))
                    continue
                }
                if let s = string(e.value, e.key) { values[f] = (s.trimmingSpaces, e.value) }
            }
            guard let id = values[.memberID]?.0, !id.isEmpty else {
                error("T023", item, zh: "委员缺少 member_id", en: "member without 'member_id'")
                continue
            }
            if out.contains(where: { $0.id == id }) {
                error("T026", values[.memberID]!.1, zh: "委员编号“\(id)”重复", en: "duplicate member_id '\(id)'")
                continue
            }
            func text(_ f: MemberField) -> String { values[f]?.0 ?? "" }
            var dates: [Day?] = [nil, nil]
            for (i, f) in [MemberField.joined, .left].enumerated() {
                guard let (s, n) = values[f], !s.isEmpty else { continue }
                dates[i] = Day(iso: s)
                if dates[i] == nil {
                    error("T024", n, zh: "\(f.key) 应为日期 YYYY-MM-DD，实际为“\(s)”", en: "\(f.key) must be a date YYYY-MM-DD, got '\(s)'")
                }
            }
            var ranked = true
            if let (s, n) = values[.ranked], !s.isEmpty {
                if let b = Self.flag(s) { ranked = b } else {
                    error("T024", n, zh: "ranked 应为 是 或 否，实际为“\(s)”", en: "ranked must be yes or no, got '\(s)'")
                }
            }
            let member = Member(id: id, name: text(.name).isEmpty ? id : text(.name), sector: text(.sector),
                                committee: text(.committee), role: text(.role), group: text(.group), party: text(.party),
                                joined: dates[0], left: dates[1], ranked: ranked, source: loc(item))
            // A case member must fit the rule file's roster lists, as a roster row must.
            if let (field, value, allowed) = rules.vocabulary.undeclaredValue(of: member) {
                let f: MemberField = field == "role" ? .role : field == "sector" ? .sector : .committee
                let guess = closest(value, in: allowed.filter { !$0.isEmpty })
                let shown = allowed.map { $0.isEmpty ? "\"\"" : $0 }
                let shownValue = value.isEmpty ? "为空" : "“\(value)”"
                error("T028", values[f]?.1 ?? item, zh: "委员“\(id)”的\(f.chinese)\(shownValue)，不在规则文件的 roster 列表中，名册中这样的委员会被拒收",
                      en: "member '\(id)': \(field) '\(value)' is not in the rule file's roster list; such a roster row is refused",
                      hintZh: guess.map { "是否想写“\($0)”？" } ?? "可用：\(shown.joined(separator: "、"))" + (value.isEmpty ? "；要接受\(f.chinese)为空的委员，在列表中加 \"\"" : ""),
                      hintEn: guess.map { "did you mean '\($0)'?" } ?? "allowed: \(shown.joined(separator: ", "))")
            }
            out.append(member)
        }
        return out
    }

    mutating func parseRecords(_ node: Node, caseIndex: Int) -> [RuleCase.Record] {
        guard case .sequence(let seq) = node else {
            error("T020", node, zh: "records 应为活动记录列表", en: "'records' must be a list")
            return []
        }
        var out: [RuleCase.Record] = []
        for (n, item) in seq.enumerated() {
            guard let es = entries(item, "records[]", allowed: nil) else { continue }
            var values: [ActivityField: String] = [:]
            for e in es {
                guard let f = ActivityField(header: e.key) else {
                    unknownKey(e.key, e.keyNode, "records[]", allowed: ActivityField.allCases.map(\.key))
                    continue
                }
                // Marks may be written as a list: [重点, 优秀].
                if f == .marks, let list = strings(e.value, e.key) { values[f] = list.joined(separator: ";") }
                else if f != .marks, let s = string(e.value, e.key) { values[f] = s }
            }
            if (values[.activityID] ?? "").isEmpty { values[.activityID] = "C\(caseIndex)-\(n + 1)" }
            out.append(RuleCase.Record(values: values, location: loc(item)))
        }
        return out
    }

    mutating func parseExpect(_ node: Node, members: [Member]) -> [RuleCase.Expectation] {
        guard let es = entries(node, "expect", allowed: nil) else { return [] }
        var out: [RuleCase.Expectation] = []
        for e in es {
            guard members.contains(where: { $0.id == e.key }) else {
                let guess = closest(e.key, in: members.map(\.id))
                error("T025", e.keyNode, zh: "expect 中的委员“\(e.key)”不在本用例的 members 中",
                      en: "member '\(e.key)' in 'expect' is not among the case's members",
                      hintZh: guess.map { "是否想写“\($0)”？" }, hintEn: guess.map { "did you mean '\($0)'?" })
                continue
            }
            guard let fields = entries(e.value, "expect.\(e.key)", allowed: Self.expectKeys) else { continue }
            var checks: [RuleCase.Check] = []
            for f in fields {
                let at = loc(f.value)
                switch f.key {
                case "score":
                    if let p = exactPoints(f.value, "score") { checks.append(.init(expected: .score(p), location: at)) }
                case "grade":
                    if let g = string(f.value, "grade") {
                        if rules.gradeIndex(name: g) != nil { checks.append(.init(expected: .grade(g), location: at)) }
                        else { unknownName(g, f.value, ("等次", "grade"), rules.grades.map(\.name)) }
                    }
                case "color":
                    if let c = string(f.value, "color") {
                        if rules.grades.contains(where: { $0.color == c }) { checks.append(.init(expected: .color(c), location: at)) }
                        else { unknownName(c, f.value, ("颜色", "colour"), rules.grades.map(\.color)) }
                    }
                case "rank":
                    if let s = string(f.value, "rank") {
                        if s.isEmpty || s == "-" || s == "不排名" { checks.append(.init(expected: .rank(nil), location: at)) }
                        else if let r = Int(s), r >= 1 { checks.append(.init(expected: .rank(r), location: at)) }
                        else {
                            error("T024", f.value, zh: "rank 应为正整数，或写 ~ 表示不参与排名，实际为“\(s)”",
                                  en: "rank must be a positive integer, or ~ for not ranked, got '\(s)'")
                        }
                    }
                case "categories":
                    guard let cats = entries(f.value, "categories", allowed: nil) else { break }
                    for c in cats {
                        guard rules.categoryIndex(id: c.key) != nil else {
                            unknownName(c.key, c.keyNode, ("类别", "category"), rules.categories.map(\.id))
                            continue
                        }
                        if let p = exactPoints(c.value, "categories.\(c.key)") {
                            checks.append(.init(expected: .category(id: c.key, points: p), location: loc(c.value)))
                        }
                    }
                case "flags":
                    if let list = strings(f.value, "flags") { checks.append(.init(expected: .flags(list), location: at)) }
                case "vetoed":
                    guard let list = strings(f.value, "vetoed") else { break }
                    if list.count == 1, let b = Self.flag(list[0]) {
                        checks.append(.init(expected: .vetoed(b), location: at))
                    } else {
                        let unknown = list.filter { id in !rules.vetoes.contains { $0.id == id } }
                        for u in unknown { unknownName(u, f.value, ("否决项", "veto"), rules.vetoes.map(\.id)) }
                        if unknown.isEmpty { checks.append(.init(expected: .vetoes(list), location: at)) }
                    }
                default: break
                }
            }
            out.append(RuleCase.Expectation(memberID: e.key, location: loc(e.keyNode), checks: checks))
        }
        return out
    }

    mutating func unknownName(_ value: String, _ node: Node, _ label: (zh: String, en: String), _ known: [String]) {
        let guess = closest(value, in: known)
        error("T025", node, zh: "规则文件中没有\(label.zh)“\(value)”", en: "the rule file has no \(label.en) '\(value)'",
              hintZh: guess.map { "是否想写“\($0)”？" } ?? "可用的\(label.zh)：\(known.joined(separator: "、"))",
              hintEn: guess.map { "did you mean '\($0)'?" } ?? "known: \(known.joined(separator: ", "))")
    }
}
