import Foundation
import LvzhiCore
import LvzhiYAML
import Yams

/// Reads mapping files (YAML) into ``Mapping`` values, reporting every problem with its line
/// and column; unknown keys are errors.
public enum MappingLoader {
    public static let topKeys = ["mapping", "name", "files", "encoding", "excel_dates", "sheet", "header_row", "columns",
                                 "record", "fields", "people", "constants", "values", "skip_rows"]
    public static let columnKeys = ["field", "list", "roles", "filled", "texts"]
    public static let skipRuleKeys = ["column", "equals", "starts_with"]
    public static let personKeys = ["path", "role", "member", "name", "single", "fields", "list"]

    /// - Throws: ``MappingError`` holding all diagnostics when the file has errors.
    public static func load(path: String) throws(MappingError) -> Mapping {
        switch YAMLFile.text(path: path, kind: .init(zh: "映射文件", en: "mapping file", unreadableID: "M001", notUTF8ID: "M002")) {
        case .success(let text): return try parse(text, path: path)
        case .failure(let d): throw MappingError(path: path, source: nil, diagnostics: [d])
        }
    }

    /// Parses mapping-file text; `path` names the file in diagnostics and anchors `files`.
    public static func parse(_ text: String, path: String) throws(MappingError) -> Mapping {
        var p = MappingParser(path: path)
        let m = p.parse(text)
        if let m, p.diagnostics.isEmpty { return m }
        throw MappingError(path: path, source: text, diagnostics: p.diagnostics)
    }
}

struct MappingParser: YAMLDocumentParser {
    let path: String
    var text: String = ""
    var diagnostics: [Diagnostic] = []
    /// Key nodes of XML `fields` entries, by "where|path", for positioned conflict messages.
    var xmlKeyNodes: [String: Node] = [:]

    static let yamlIDs = YAMLDiagnosticIDs(syntax: "M003", empty: "M004", notMapping: "M010", unknownKey: "M011",
                                           duplicateKey: "M012", alias: "M013", notScalar: "M014", badNumber: "M016",
                                           badInteger: "M016", badFlag: "M015")

    init(path: String) { self.path = path }

    static let fieldNames = ActivityField.allCases.map(\.key) + ["member_name"]

    /// A canonical field by English key or Chinese name.
    mutating func field(_ node: Node, _ what: String, allowName: Bool) -> Mapping.Target? {
        guard let s = string(node, what) else { return nil }
        let t = s.trimmingSpaces
        if t == "member_name" || t == "姓名" || t == "委员姓名" {
            if allowName { return .memberName }
        } else if t == "skip" || t == "忽略" {
            if allowName { return .skip }
        } else if t.hasPrefix("roster.") || t.hasPrefix("名册.") {
            let rest = String(t.drop(while: { $0 != "." }).dropFirst())
            if allowName, let f = MemberField(header: rest), NameIndex.checkFields.contains(f) { return .roster(f) }
            let ok = NameIndex.checkFields.map { "roster.\($0.key)" }
            error("M020", node, zh: "\(what)：名册中没有可比对的列“\(rest)”", en: "\(what): '\(rest)' is not a roster column to compare",
                  hintZh: "可用：\(ok.joined(separator: "、"))（或 名册.界别 等中文名）", hintEn: "roster columns: \(ok.joined(separator: ", "))")
            return nil
        } else if let f = ActivityField(header: t) {
            return .field(f)
        }
        let all = allowName ? Self.fieldNames + ["skip"] : ActivityField.allCases.map(\.key)
        let guess = closest(t, in: all + ActivityField.allCases.map(\.chinese))
        error("M020", node, zh: "\(what)：未知的字段“\(t)”", en: "\(what): unknown field '\(t)'",
              hintZh: (guess.map { "是否想写“\($0)”？" } ?? "") + "可用：\(all.joined(separator: "、"))",
              hintEn: (guess.map { "did you mean '\($0)'? " } ?? "") + "fields: \(all.joined(separator: ", "))")
        return nil
    }

    mutating func parse(_ text: String) -> Mapping? {
        self.text = text
        guard let root = compose(emptyHintZh: "至少要写 mapping: 1、files 和 columns。",
                                 emptyHintEn: "Write at least mapping: 1, files and columns.") else { return nil }
        guard let top = entries(root, "映射文件", en: "the mapping file", allowed: MappingLoader.topKeys) else { return nil }
        var m = Mapping(path: path, name: nil, files: [], encoding: .auto, excelDates: false, columns: [], people: nil,
                        constants: [:], values: [:])
        var sawVersion = false, sawFiles = false, sawColumns = false
        var xmlNodes: (record: Node?, fields: Node?, people: Node?) = (nil, nil, nil)
        var columnsKey: Node?
        var skipRowsNode: Node?
        for (key, keyNode, v) in top {
            switch key {
            case "mapping":
                sawVersion = true
                if let s = string(v, "mapping"), s != "1" {
                    error("M005", v, zh: "不支持的映射文件版本“\(s)”，目前只有 1", en: "unsupported mapping version '\(s)'; only 1 exists")
                }
            case "name":
                m.name = string(v, "name")
            case "files":
                sawFiles = true
                m.files = strings(v, "files") ?? []
                if m.files.isEmpty {
                    error("M006", v, zh: "files 不能为空：写明此映射适用的文件名或通配符", en: "files must name at least one file or pattern")
                }
            case "encoding":
                if let s = string(v, "encoding") {
                    if let e = TextEncoding(spelling: s) { m.encoding = e } else {
                        error("M007", v, zh: "未知的编码“\(s)”", en: "unknown encoding '\(s)'",
                              hintZh: "可用：auto、utf-8、utf-16、gb18030、gbk", hintEn: "encodings: auto, utf-8, utf-16, gb18030, gbk")
                    }
                }
            case "excel_dates":
                m.excelDates = bool(v, "excel_dates") ?? false
            case "sheet":
                // A plain whole number counts sheets; anything else (or a quoted "2") is a name.
                guard let s = string(v, "sheet") else { continue }
                m.sheetLocation = loc(v)
                if case .scalar(let scalar) = v, scalar.style == .plain, let n = Int(s.trimmingSpaces) {
                    if n >= 1 { m.sheet = .number(n) } else {
                        error("M017", v, zh: "sheet 写序号时从 1 开始（1 为第一个工作表），实际为 \(n)",
                              en: "sheet numbers start at 1 (the first sheet), got \(n)",
                              hintZh: "写工作表的名称，或从 1 起的序号；名称是数字时加引号，如 sheet: \"2025\"。",
                              hintEn: "Write the sheet's name or its number from 1; quote a name made of digits, e.g. sheet: \"2025\".")
                    }
                } else if s.trimmingSpaces.isEmpty {
                    error("M017", v, zh: "sheet 不能为空", en: "sheet must not be empty")
                } else {
                    m.sheet = .name(s)
                }
            case "header_row":
                if let n = int(v, "header_row") {
                    if n >= 1 { m.headerRow = n } else {
                        error("M018", v, zh: "header_row 是表头所在的行号，从 1 开始", en: "header_row is the header's row number, from 1")
                    }
                }
            case "columns":
                sawColumns = true
                columnsKey = keyNode
                parseColumns(v, into: &m)
            case "record":
                xmlNodes.record = v
            case "fields":
                xmlNodes.fields = v
            case "people":
                xmlNodes.people = v
            case "constants":
                guard let es = entries(v, "constants", allowed: nil) else { continue }
                for (_, k, value) in es {
                    guard case .field(let f)? = field(k, "constants", allowName: false), let s = string(value, "constants") else { continue }
                    m.constants[f] = s
                }
            case "values":
                parseValues(v, into: &m)
            case "skip_rows":
                skipRowsNode = v
                parseSkipRows(v, into: &m)
            default:
                _ = keyNode
            }
        }
        if !sawVersion {
            error("M005", root, zh: "缺少版本 mapping: 1", en: "missing the version line mapping: 1",
                  hintZh: "在文件开头写 mapping: 1。", hintEn: "Start the file with mapping: 1.")
        }
        if !sawFiles {
            error("M006", root, zh: "缺少 files：写明此映射适用的文件名或通配符", en: "missing files: name the files or patterns this mapping applies to",
                  hintZh: "例如 files: [\"提案导出*.csv\"]", hintEn: "e.g. files: [\"proposals-*.csv\"]")
        }
        if let record = xmlNodes.record {
            if let skipRowsNode {
                error("M027", skipRowsNode, zh: "skip_rows 用于表格（CSV、工作表）；XML 导出中项之外的元素本来就不读",
                      en: "skip_rows is for tables (CSV, sheets); elements outside the items of an XML export are not read anyway")
            }
            if let columnsKey {
                error("M027", columnsKey, zh: "columns 用于 CSV 导出，record/fields/people 用于 XML 导出，一个映射文件只能写其中一种",
                      en: "columns is for CSV exports and record/fields/people for XML exports; a mapping file has one or the other")
            }
            m.xml = parseXML(record: record, fields: xmlNodes.fields, people: xmlNodes.people, constants: m.constants)
        } else if let stray = xmlNodes.fields ?? xmlNodes.people {
            error("M027", stray, zh: "fields 和 people 用于 XML 导出，还需要写 record：哪个重复出现的元素是一项（如 record: 提案列表/提案）",
                  en: "fields and people are for XML exports and need record: the repeated element that is one item (e.g. record: 提案列表/提案)")
        } else if !sawColumns {
            error("M008", root, zh: "缺少 columns：写明每一列对应的字段", en: "missing columns: say which field each column holds",
                  hintZh: "XML 导出写 record、fields 和 people，见 docs/mapping.md。",
                  hintEn: "For an XML export write record, fields and people; see docs/mapping.md.")
        }
        for (header, target) in m.columns {
            var fields: [ActivityField] = []
            if case .field(let f) = target { fields = [f] }
            if case .filled(let x) = target { fields = x.fields.keys.sorted { $0.rawValue < $1.rawValue } }
            for f in fields where m.constants[f] != nil {
                error("M026", root, zh: "字段 \(f.key) 既有列（\(header)）又有固定值（constants），只能二选一",
                      en: "field \(f.key) has both a column (\(header)) and a constant; keep one")
            }
        }
        // Every required field must come from a column (or XML path) or a constant.
        if sawColumns || m.xml != nil {
            var covered = Set(m.constants.keys)
            var targets = m.columns.map(\.target)
            if let x = m.xml {
                targets = x.fields.map(\.target) + x.people.flatMap { $0.fields.map(\.target) }
                if !x.people.isEmpty { covered.insert(.memberID) }
            }
            for t in targets {
                if case .field(let f) = t { covered.insert(f) }
                if case .filled(let x) = t { covered.formUnion(x.fields.keys) }
                if t == .memberName { covered.insert(.memberID) }
            }
            let missing = ActivityField.allCases.filter { $0.isRequired && !covered.contains($0) }
            if !missing.isEmpty {
                error("M009", root, zh: "必需的字段没有来源：\(missing.map { "\($0.key)（\($0.chinese)）" }.joined(separator: "、"))",
                      en: "required fields have no source: \(missing.map(\.key).joined(separator: ", "))",
                      hintZh: m.xml == nil ? "在 columns 中把某一列映射到它们，或在 constants 中写固定值（如 kind: 提案）。"
                          : "在 fields 中把某个元素或属性映射到它们（委员来自 people），或在 constants 中写固定值（如 kind: 提案）。",
                      hintEn: m.xml == nil ? "Map a column to each, or give a fixed value under constants (e.g. kind: 提案)."
                          : "Map an element or attribute to each under fields (members come from people), or give a fixed value under constants (e.g. kind: 提案).")
            }
        }
        return m
    }

    /// One column (or XML `fields`) entry: a field name, or `{field, list, roles}`, or
    /// `{filled, texts}` (with an optional `field` when `filled` is one value).
    struct ColumnSpec {
        var target: Mapping.Target?
        var list = false
        var roles: [String]?
        var rolesNode: Node?
    }

    mutating func columnSpec(_ v: Node, _ what: String) -> ColumnSpec {
        guard case .mapping = v else { return ColumnSpec(target: field(v, what, allowName: true)) }
        var spec = ColumnSpec()
        guard let inner = entries(v, what, allowed: MappingLoader.columnKeys) else { return spec }
        var fieldNode: Node?
        var filled: (node: Node, value: Node)?
        var texts: [String]?
        for (k, kn, iv) in inner {
            switch k {
            case "field": spec.target = field(iv, "\(what).field", allowName: true); fieldNode = iv
            case "list": spec.list = bool(iv, "\(what).list") ?? false
            case "roles": spec.roles = strings(iv, "\(what).roles"); spec.rolesNode = iv
            case "filled": filled = (kn, iv)
            default:
                if case .scalar = iv, let t = string(iv, "\(what).texts") {
                    if t.trimmingSpaces == "any" || t.trimmingSpaces == "*" || t.trimmingSpaces == "任意" { texts = ["*"] } else {
                        error("M032", iv, zh: "\(what).texts 应为文字列表（如 [√, 采用]）或 any（任何文字都算填写）",
                              en: "\(what).texts takes a list of texts (e.g. [√, 采用]) or any (any text counts)")
                    }
                } else {
                    texts = strings(iv, "\(what).texts")
                    if texts?.isEmpty == true {
                        error("M032", iv, zh: "\(what).texts 不能为空", en: "\(what).texts must not be empty")
                    }
                }
            }
        }
        if let filled {
            var fields: [ActivityField: String] = [:]
            if case .mapping = filled.value {
                if fieldNode != nil {
                    error("M032", fieldNode, zh: "\(what)：filled 写成 {字段: 值} 时不再写 field",
                          en: "\(what): with filled as {field: value} leave out field")
                }
                for (_, k, fv) in entries(filled.value, "\(what).filled", allowed: nil) ?? [] {
                    guard case .field(let f)? = field(k, "\(what).filled", allowName: false), let s = string(fv, "\(what).filled") else { continue }
                    fields[f] = s
                }
            } else if let value = string(filled.value, "\(what).filled") {
                switch spec.target {
                case .field(let f)?: fields[f] = value
                case nil where fieldNode == nil:
                    error("M021", v, zh: "\(what)：filled 是一个值时要写 field（如 {field: level, filled: 区}），或写成 {filled: {status: 采用, level: 区}}",
                          en: "\(what): a single filled value needs field (e.g. {field: level, filled: 区}), or write {filled: {status: 采用, level: 区}}")
                case nil: break
                default:
                    error("M032", fieldNode, zh: "\(what)：filled 只能给出活动字段（不能是 member_name、skip 或名册列）",
                          en: "\(what): filled gives activity fields (not member_name, skip or a roster column)")
                }
            }
            if spec.list || spec.roles != nil {
                error("M032", filled.node, zh: "\(what)：filled 列不能是名单", en: "\(what): a filled column cannot be a list")
            }
            spec.target = fields.isEmpty ? nil : .filled(Mapping.Filled(fields: fields, texts: texts))
            return spec
        }
        if texts != nil {
            error("M032", v, zh: "\(what)：texts 只和 filled 一起用", en: "\(what): texts goes with filled")
        }
        if spec.target == nil, fieldNode == nil {
            error("M021", v, zh: "\(what) 缺少 field", en: "\(what) needs a field")
        }
        if let roles = spec.roles, roles.count != 2 {
            error("M022", spec.rolesNode, zh: "roles 应写两个角色：第一人的角色和其余各人的角色，如 [第一提案人, 联名提案人]",
                  en: "roles takes two roles: the first person's and everyone else's, e.g. [第一提案人, 联名提案人]")
        }
        if spec.list || spec.roles != nil, spec.target != nil, spec.target != .memberName, spec.target != .field(.memberID) {
            error("M023", v, zh: "只有委员列（member_id 或 member_name）可以是名单", en: "only the member column (member_id or member_name) can be a list")
            spec.list = false
            spec.roles = nil
        }
        return spec
    }

    /// Human label of a target's field, for M025: “level（级别）”.
    static func fieldLabel(_ t: Mapping.Target) -> String {
        switch t {
        case .field(let f): "\(f.key)（\(f.chinese)）"
        case .memberName: "member_name（姓名）"
        case .roster(let f): "roster.\(f.key)（名册.\(f.chinese)）"
        case .skip: "skip"
        case .filled(let x): x.fields.keys.sorted { $0.rawValue < $1.rawValue }.map { "\($0.key)（\($0.chinese)）" }.joined(separator: "、")
        }
    }

    /// Checks that each field comes from one place, except that several `filled` columns may
    /// share fields; names the field and the other place in M025.
    mutating func placeTargets(_ entries: [(label: String, keyNode: Node, target: Mapping.Target)]) {
        // Each field → (the first place, whether that place is a filled column).
        var placed: [String: (label: String, line: Int, filled: Bool)] = [:]
        for e in entries {
            var keys: [(String, Bool)] = []
            switch e.target {
            case .skip: continue
            case .field(.memberID), .memberName: keys = [("member", false)]
            case .field(let f): keys = [(f.key, false)]
            case .roster(let f): keys = [("roster." + f.key, false)]
            case .filled(let x): keys = x.fields.keys.sorted { $0.rawValue < $1.rawValue }.map { ($0.key, true) }
            }
            for (k, isFilled) in keys {
                let label = k == "member" ? "member_id / member_name（委员）"
                    : ActivityField.allCases.first { $0.key == k }.map { "\($0.key)（\($0.chinese)）" } ?? k
                if let first = placed[k] {
                    if first.filled && isFilled { continue }
                    let hintZh = isFilled || first.filled ? "几列共同给出一个字段时，每一列都写成 {field: \(k), filled: 值}（见 docs/mapping.md“一个字段来自几列”）。"
                        : "一个字段只能来自一列；不需要的列写 skip，几列中哪一列有文字决定取值时用 filled。"
                    let hintEn = "Several columns give one field only as filled columns ({field: \(k), filled: value}); skip the others."
                    error("M025", e.keyNode, zh: "\(e.label) 与 \(first.label)（第 \(first.line) 行）映射到了同一个字段 \(label)",
                          en: "\(e.label) and \(first.label) (line \(first.line)) map to the same field \(k)", hintZh: hintZh, hintEn: hintEn)
                    continue
                }
                placed[k] = (e.label, e.keyNode.mark?.line ?? 0, isFilled)
            }
        }
    }

    mutating func parseColumns(_ node: Node, into m: inout Mapping) {
        guard let es = entries(node, "columns", allowed: nil) else { return }
        var placed: [(label: String, keyNode: Node, target: Mapping.Target)] = []
        for (header, keyNode, v) in es {
            let spec = columnSpec(v, "columns.\(header)")
            guard let target = spec.target else { continue }
            if spec.list || spec.roles != nil {
                if m.people != nil {
                    error("M024", keyNode, zh: "只能有一列是名单", en: "only one column can be a list")
                }
                m.people = Mapping.PeopleList(column: Mapping.normalise(header), leadRole: spec.roles?.first, otherRole: spec.roles?.last)
            }
            placed.append(("“\(header)”列", keyNode, target))
            m.columns.append((Mapping.normalise(header), target))
        }
        placeTargets(placed)
        if m.people != nil, let r = placed.first(where: { if case .roster = $0.target { true } else { false } }) {
            error("M033", r.keyNode, zh: "\(r.label)按名册区分同名委员，只能用于每行一人的委员列；名单列中的每个人无法各自对应",
                  en: "\(r.label) tells homonyms apart by a roster column, which works for one member per row, not for a list column")
        }
    }

    /// `skip_rows`: rows of a table that are not records.
    mutating func parseSkipRows(_ node: Node, into m: inout Mapping) {
        guard case .sequence(let seq) = node else {
            error("M034", node, zh: "skip_rows 应为列表，如 [repeated_header, {column: 序号, equals: 合计}, {starts_with: \"注：\"}]",
                  en: "skip_rows must be a list, e.g. [repeated_header, {column: 序号, equals: 合计}, {starts_with: \"注：\"}]")
            return
        }
        for (i, item) in seq.enumerated() {
            let what = "skip_rows[\(i + 1)]"
            if case .scalar = item, let s = string(item, what) {
                let t = s.trimmingSpaces
                if t == "repeated_header" || t == "重复表头" || t == "重复的表头" {
                    m.skipRows.append(Mapping.SkipRule(repeatedHeader: true))
                } else {
                    error("M034", item, zh: "\(what)：未知的规则“\(t)”；可写 repeated_header，或 {column: 列名, equals: 文字} / {starts_with: 文字}",
                          en: "\(what): unknown rule '\(t)'; write repeated_header, or {column: header, equals: text} / {starts_with: text}")
                }
                continue
            }
            guard let es = entries(item, what, allowed: MappingLoader.skipRuleKeys) else { continue }
            var rule = Mapping.SkipRule()
            for (k, _, v) in es {
                switch k {
                case "column": rule.column = string(v, "\(what).column").map(Mapping.normalise)
                case "equals": rule.equals = (isScalar(v) ? string(v, "\(what).equals").map { [$0] } : strings(v, "\(what).equals")) ?? []
                default: rule.startsWith = (isScalar(v) ? string(v, "\(what).starts_with").map { [$0] } : strings(v, "\(what).starts_with")) ?? []
                }
            }
            let texts = rule.equals + rule.startsWith
            if texts.isEmpty || texts.contains(where: { Mapping.SkipRule.fold($0).isEmpty }) {
                error("M034", item, zh: "\(what) 要写 equals 或 starts_with，且文字不能为空（空行总是跳过）",
                      en: "\(what) needs equals or starts_with with non-empty text (blank rows are always skipped)")
                continue
            }
            m.skipRows.append(rule)
        }
    }

    func isScalar(_ n: Node) -> Bool { if case .scalar = n { true } else { false } }

    mutating func parseValues(_ node: Node, into m: inout Mapping) {
        guard let es = entries(node, "values", allowed: nil) else { return }
        for (_, fieldNode, table) in es {
            guard case .field(let f)? = field(fieldNode, "values", allowName: false) else { continue }
            guard let rows = entries(table, "values.\(f.key)", allowed: nil) else { continue }
            var out: [String: Mapping.Translation] = [:]
            for (source, _, v) in rows {
                if case .mapping = v {
                    guard let inner = entries(v, "values.\(f.key).\(source)", allowed: nil) else { continue }
                    var fields: [ActivityField: String] = [:]
                    for (_, k, iv) in inner {
                        guard case .field(let g)? = field(k, "values.\(f.key).\(source)", allowName: false),
                              let s = string(iv, "values.\(f.key).\(source)") else { continue }
                        fields[g] = s
                    }
                    out[Mapping.normalise(source)] = Mapping.Translation(fields: fields)
                } else if let s = string(v, "values.\(f.key).\(source)") {
                    out[Mapping.normalise(source)] = Mapping.Translation(fields: [f: s])
                }
            }
            m.values[f] = out
        }
    }
}
