import Foundation
import LvzhiCore
import LvzhiYAML
import Yams

/// Reads mapping files (YAML) into ``Mapping`` values, reporting every problem with its line
/// and column; unknown keys are errors.
public enum MappingLoader {
    public static let topKeys = ["mapping", "name", "files", "encoding", "excel_dates", "sheet", "header_row", "columns",
                                 "record", "fields", "people", "constants", "values"]
    public static let columnKeys = ["field", "list", "roles"]
    public static let personKeys = ["path", "role", "member", "name", "single", "fields"]

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
            if case .field(let f) = target, m.constants[f] != nil {
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

    mutating func parseColumns(_ node: Node, into m: inout Mapping) {
        guard let es = entries(node, "columns", allowed: nil) else { return }
        var targets: [Mapping.Target: Node] = [:]
        for (header, keyNode, v) in es {
            var target: Mapping.Target?
            if case .mapping = v {
                guard let inner = entries(v, "columns.\(header)", allowed: MappingLoader.columnKeys) else { continue }
                var list = false
                var roles: [String]?
                var rolesNode: Node?
                for (k, _, iv) in inner {
                    switch k {
                    case "field": target = field(iv, "columns.\(header).field", allowName: true)
                    case "list": list = bool(iv, "columns.\(header).list") ?? false
                    default: roles = strings(iv, "columns.\(header).roles"); rolesNode = iv
                    }
                }
                if target == nil, !inner.contains(where: { $0.key == "field" }) {
                    error("M021", v, zh: "columns.\(header) 缺少 field", en: "columns.\(header) needs a field")
                }
                if let roles, roles.count != 2 {
                    error("M022", rolesNode, zh: "roles 应写两个角色：第一人的角色和其余各人的角色，如 [第一提案人, 联名提案人]",
                          en: "roles takes two roles: the first person's and everyone else's, e.g. [第一提案人, 联名提案人]")
                }
                if list || roles != nil {
                    guard target == .memberName || target == .field(.memberID) else {
                        error("M023", v, zh: "只有委员列（member_id 或 member_name）可以是名单", en: "only the member column (member_id or member_name) can be a list")
                        continue
                    }
                    if m.people != nil {
                        error("M024", keyNode, zh: "只能有一列是名单", en: "only one column can be a list")
                    }
                    m.people = Mapping.PeopleList(column: header, leadRole: roles?.first, otherRole: roles?.last)
                }
            } else {
                target = field(v, "columns.\(header)", allowName: true)
            }
            guard let target else { continue }
            if target != .skip {
                let clash: Bool = switch target {
                case .memberName: targets[.field(.memberID)] != nil
                case .field(.memberID): targets[.memberName] != nil
                default: false
                }
                if let first = targets[target] ?? (clash ? keyNode : nil) {
                    error("M025", keyNode, zh: "两列映射到了同一个字段（另一列在第 \(first.mark?.line ?? 0) 行）",
                          en: "two columns map to the same field (the other on line \(first.mark?.line ?? 0))")
                    continue
                }
                targets[target] = keyNode
            }
            m.columns.append((Mapping.normalise(header), target))
        }
    }

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
