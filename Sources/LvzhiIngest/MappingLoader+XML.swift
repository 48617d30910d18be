import LvzhiCore
import LvzhiYAML
import Yams

/// The XML part of a mapping file: `record`, `fields` and `people`.
extension MappingParser {
    /// An element path or an element's attribute, relative to the item (or person) element.
    mutating func xmlPath(_ text: String, _ node: Node, _ what: String, elementsOnly: Bool = false) -> XMLPath? {
        if let p = XMLPath(parsing: text), !elementsOnly || (p.attribute == nil && !p.elements.isEmpty) {
            return p
        }
        let zhForm = elementsOnly ? "元素路径，如 联名提案人列表/联名提案人" : "元素路径（如 办理/结果）、属性（如 @编号、办理/@状态）或 . （元素自身的文字）"
        let enForm = elementsOnly ? "an element path such as 联名提案人列表/联名提案人"
            : "an element path (办理/结果), an attribute (@编号, 办理/@状态) or . (the element's own text)"
        error("M028", node, zh: "\(what)：“\(text)”不是有效的 XML 路径，应写\(zhForm)", en: "\(what): '\(text)' is not a valid XML path; write \(enForm)",
              hintZh: "路径用 / 分隔元素名，属性写在最后并以 @ 开头；YAML 中以 @ 开头的值要加引号（\"@编号\"）。不支持 *、.. 和命名空间前缀。",
              hintEn: "Separate element names with /, put an attribute last with @; quote values starting with @ in YAML (\"@编号\"). No *, .. or namespace prefixes.")
        return nil
    }

    /// `path: field` entries (`fields` of the item or of a person group). A list entry of the
    /// item (`{field: member_name, list: true, roles: […]}`) comes back in `list`.
    mutating func xmlFields(_ node: Node, _ what: String, persons: Bool, list: inout Mapping.PeopleList?) -> [XMLLayout.Field] {
        guard let es = entries(node, what, allowed: nil) else { return [] }
        var out: [XMLLayout.Field] = []
        var seenPaths: [XMLPath: Node] = [:]
        for (key, keyNode, v) in es {
            let path = xmlPath(key, keyNode, what)
            let spec = columnSpec(v, "\(what).\(key)")
            guard let target = spec.target, let path else { continue }
            if persons, target == .memberName || target == .field(.memberID) {
                error("M031", keyNode, zh: "\(what).\(key)：people 中的委员由 member 或 name 给出，fields 中不能再映射委员",
                      en: "\(what).\(key): a person's member comes from member or name, not from fields")
                continue
            }
            if let first = seenPaths[path] {
                error("M025", keyNode, zh: "\(what) 中 \(path) 写了两次（另一处在第 \(first.mark?.line ?? 0) 行）",
                      en: "\(path) appears twice in \(what) (the other on line \(first.mark?.line ?? 0))")
                continue
            }
            if spec.list || spec.roles != nil {
                if persons {
                    error("M023", keyNode, zh: "\(what).\(key)：人员的名单写在 people 项上（list: true），不写在 fields 中",
                          en: "\(what).\(key): a person group's list is list: true on the people entry, not under fields")
                } else if list != nil {
                    error("M024", keyNode, zh: "只能有一处是名单", en: "only one place can be a list")
                } else {
                    list = Mapping.PeopleList(column: path.description, leadRole: spec.roles?.first, otherRole: spec.roles?.last)
                }
            }
            seenPaths[path] = keyNode
            xmlKeyNodes["\(what)|\(path)"] = keyNode
            out.append(XMLLayout.Field(path: path, target: target))
        }
        return out
    }

    mutating func parseXML(record: Node, fields: Node?, people: Node?, constants: [ActivityField: String]) -> XMLLayout? {
        var layout = XMLLayout(record: [], anchored: false, fields: [], people: [])
        var ok = true
        if let r = string(record, "record") {
            let t = r.trimmingSpaces
            let anchored = t.hasPrefix("/")
            if let p = xmlPath(anchored ? String(t.dropFirst()) : t, record, "record", elementsOnly: true) {
                layout.record = p.elements
                layout.anchored = anchored
            } else { ok = false }
        } else { ok = false }
        if let fields {
            var list: Mapping.PeopleList?
            layout.fields = xmlFields(fields, "fields", persons: false, list: &list)
            layout.itemList = list
            if list != nil, let r = layout.fields.first(where: { if case .roster = $0.target { true } else { false } }) {
                error("M033", xmlKeyNodes["fields|\(r.path)"] ?? fields, zh: "fields 中的 \(r.path) 按名册区分同名委员，只能用于一项一人；名单中的每个人无法各自对应",
                      en: "\(r.path) under fields tells homonyms apart only where an item is one person, not for a list")
            }
        }
        var groupNodes: [Node] = []
        if let people {
            if case .sequence(let seq) = people {
                for (i, item) in seq.enumerated() {
                    if let g = parsePersonGroup(item, "people[\(i + 1)]") {
                        layout.people.append(g)
                        groupNodes.append(item)
                    }
                }
            } else {
                error("M029", people, zh: "people 应为列表，每项写一种人：- {path: 第一提案人, role: 第一提案人, member: \"@编号\"}",
                      en: "people must be a list, one entry per kind of person: - {path: 第一提案人, role: 第一提案人, member: \"@编号\"}")
            }
        }
        checkXMLConflicts(layout, fieldsNode: fields ?? record, groupNodes: groupNodes, constants: constants)
        return ok ? layout : nil
    }

    mutating func parsePersonGroup(_ node: Node, _ what: String) -> XMLLayout.PersonGroup? {
        guard let es = entries(node, what, allowed: MappingLoader.personKeys) else { return nil }
        var path: [String]?
        var role: String?
        var member: (XMLPath, Bool)?
        var memberNodes: [Node] = []
        var single = false
        var list = false
        var listNode: Node?
        var fields: [XMLLayout.Field] = []
        var broken = false
        for (key, keyNode, v) in es {
            switch key {
            case "path":
                xmlKeyNodes["\(what).path"] = v
                if let s = string(v, "\(what).path") {
                    if let p = xmlPath(s, v, "\(what).path", elementsOnly: true) { path = p.elements } else { broken = true }
                } else { broken = true }
            case "role":
                role = string(v, "\(what).role")
            case "member", "name":
                memberNodes.append(keyNode)
                if let s = string(v, "\(what).\(key)"), let p = xmlPath(s, v, "\(what).\(key)") {
                    member = (p, key == "name")
                    xmlKeyNodes["\(what).member"] = keyNode
                } else { broken = true }
            case "single":
                single = bool(v, "\(what).single") ?? false
            case "list":
                list = bool(v, "\(what).list") ?? false
                listNode = keyNode
            default:
                var none: Mapping.PeopleList?
                fields = xmlFields(v, "\(what).fields", persons: true, list: &none)
            }
        }
        if path == nil, !broken {
            error("M029", node, zh: "\(what) 缺少 path：每个人对应的子元素，如 path: 联名提案人列表/联名提案人",
                  en: "\(what) needs path: the child element that is one person, e.g. path: 联名提案人列表/联名提案人")
        }
        if memberNodes.count > 1 {
            error("M029", memberNodes[1], zh: "\(what) 只能写 member（委员编号）或 name（姓名，通过名册查找）其中之一",
                  en: "\(what) takes member (the member id) or name (looked up in the roster), not both")
            return nil
        }
        if memberNodes.isEmpty, !broken {
            error("M029", node, zh: "\(what) 缺少 member 或 name：在哪里读委员编号或姓名，如 member: \"@编号\" 或 name: \".\"（元素的文字）",
                  en: "\(what) needs member or name: where the member id or name is, e.g. member: \"@编号\" or name: \".\" (the element's text)")
        }
        guard let path, let member, !broken else { return nil }
        if list, let r = fields.first(where: { if case .roster = $0.target { true } else { false } }) {
            error("M033", xmlKeyNodes["\(what).fields|\(r.path)"] ?? listNode, zh: "\(what) 是名单（list: true），\(r.path) 按名册区分同名委员只能用于一个元素一人",
                  en: "\(what) is a list (list: true); \(r.path) tells homonyms apart only where an element is one person")
        }
        if role != nil, fields.contains(where: { $0.target == .field(.role) }) {
            error("M026", node, zh: "\(what) 既写了 role 又在 fields 中映射了角色，只能二选一",
                  en: "\(what) has both role and a role in fields; keep one")
        }
        return XMLLayout.PersonGroup(path: path, role: role, member: member.0, byName: member.1, single: single, fields: fields, list: list)
    }

    /// Paths that contradict each other: a value inside a person element written at item level,
    /// person elements inside each other, mapped places inside an element that is read as text
    /// or skipped, a field from two places, or from a place and a constant.
    mutating func checkXMLConflicts(_ x: XMLLayout, fieldsNode: Node, groupNodes: [Node], constants: [ActivityField: String]) {
        func isPrefix(_ a: [String], of b: [String]) -> Bool { a.count <= b.count && Array(b.prefix(a.count)) == a }
        for (i, g) in x.people.enumerated() {
            for f in x.fields where isPrefix(g.path, of: f.path.elements) {
                error("M031", xmlKeyNodes["fields|\(f.path)"] ?? fieldsNode, zh: "fields 中的 \(f.path) 在 people 的 \(g.path.joined(separator: "/")) 之内；请写到那一项的 fields 中（路径相对于人员元素）",
                      en: "\(f.path) under fields lies inside the person element \(g.path.joined(separator: "/")); write it under that entry's fields (relative to the person element)")
            }
            for (j, h) in x.people.enumerated() where j != i && isPrefix(g.path, of: h.path) && (g.path != h.path || j > i) {
                error("M031", xmlKeyNodes["people[\(j + 1)].path"] ?? groupNodes[j], zh: "people 中 \(h.path.joined(separator: "/")) 与 \(g.path.joined(separator: "/")) 重叠：一个元素只能属于一种人",
                      en: "people entries \(h.path.joined(separator: "/")) and \(g.path.joined(separator: "/")) overlap: an element is one kind of person")
            }
        }
        // Read as text or skipped: nothing else may be mapped inside.
        func checkOpaque(_ fields: [XMLLayout.Field], others: [[String]], node: Node, scope: String, memberNode: Node? = nil) {
            let what = scope == "fields" ? "fields " : String(scope.dropLast(".fields".count)) + " "
            for f in fields where f.path.attribute == nil {
                let inside = others.filter { $0.count > f.path.elements.count && isPrefix(f.path.elements, of: $0) }
                guard let o = inside.first else { continue }
                let how = f.target == .skip ? "忽略（skip）" : "按文字读取"
                let node = xmlKeyNodes["\(scope)|\(f.path)"] ?? (f.target == .memberName ? memberNode : nil) ?? node
                error("M031", node, zh: "\(what)中的 \(f.path) \(how)，其内部就不能再映射 \(o.joined(separator: "/"))",
                      en: "\(f.path) in \(what) is \(f.target == .skip ? "skipped" : "read as text"), so nothing inside it (\(o.joined(separator: "/"))) can be mapped")
            }
        }
        checkOpaque(x.fields, others: x.fields.map(\.path.elements) + x.people.map(\.path), node: fieldsNode, scope: "fields")
        for (i, g) in x.people.enumerated() {
            let member = XMLLayout.Field(path: g.member, target: .memberName)
            checkOpaque(g.fields + [member], others: (g.fields + [member]).map(\.path.elements), node: groupNodes[i], scope: "people[\(i + 1)].fields",
                        memberNode: xmlKeyNodes["people[\(i + 1)].member"])
            if g.fields.contains(where: { $0.path == g.member }) {
                error("M025", xmlKeyNodes["people[\(i + 1)].fields|\(g.member)"] ?? groupNodes[i], zh: "people[\(i + 1)] 中 \(g.member) 既是委员又映射到了 fields", en: "people[\(i + 1)]: \(g.member) is both the member and under fields")
            }
        }
        // Each field from one place (several filled places may share one): an item-level field
        // and a person-level one may not both give it.
        func place(_ f: XMLLayout.Field, _ node: Node, _ prefix: String, _ placed: inout [ActivityField: (String, Bool)]) {
            var fields: [ActivityField] = []
            var isFilled = false
            switch f.target {
            case .field(let a): fields = [a]
            case .filled(let x): fields = x.fields.keys.sorted { $0.rawValue < $1.rawValue }; isFilled = true
            default: return
            }
            let here = prefix + f.path.description
            let node = xmlKeyNodes["\(prefix.isEmpty ? "fields" : prefix + "fields")|\(f.path)"] ?? node
            for a in fields {
                if let c = constants[a] {
                    error("M026", node, zh: "字段 \(a.key) 既有来源（\(here)）又有固定值（constants: \(c)），只能二选一",
                          en: "field \(a.key) has both a source (\(here)) and a constant (\(c)); keep one")
                } else if let other = placed[a] {
                    if other.1 && isFilled { continue }
                    error("M025", node, zh: "\(other.0) 与 \(here) 映射到了同一个字段 \(a.key)（\(a.chinese)）",
                          en: "\(other.0) and \(here) map to the same field \(a.key)",
                          hintZh: "一个字段只能来自一处；几处中哪一处有文字决定取值时，每一处都写成 {field: \(a.key), filled: 值}。",
                          hintEn: "A field comes from one place; when whichever place has text decides it, write each as {field: \(a.key), filled: value}.")
                } else {
                    placed[a] = (here, isFilled)
                }
            }
        }
        var itemPlaced: [ActivityField: (String, Bool)] = [:]
        for f in x.fields { place(f, fieldsNode, "", &itemPlaced) }
        for (i, g) in x.people.enumerated() {
            var placed = itemPlaced
            for f in g.fields { place(f, groupNodes[i], "people[\(i + 1)].", &placed) }
        }
        if !x.people.isEmpty, let r = x.fields.first(where: { if case .roster = $0.target { true } else { false } }) {
            error("M033", xmlKeyNodes["fields|\(r.path)"] ?? fieldsNode,
                  zh: "fields 中的 \(r.path) 按名册区分同名委员，但委员来自 people；请写到对应 people 项的 fields 中（路径相对于人员元素）",
                  en: "\(r.path) under fields tells homonyms apart, but the members come from people; write it under that entry's fields")
        }
        if let itemMember = x.fields.first(where: { $0.target == .memberName || $0.target == .field(.memberID) }), !x.people.isEmpty {
            error("M031", xmlKeyNodes["fields|\(itemMember.path)"] ?? fieldsNode, zh: "fields 中的 \(itemMember.path) 映射了委员，同时又写了 people；委员只能来自其中一处",
                  en: "\(itemMember.path) under fields maps the member while people is written too; members come from one of them")
        }
    }
}
