import Foundation
import LvzhiCore

/// Turns an ``Inspection`` into a draft mapping file: a guess for every column (or XML place),
/// each with a comment saying what it rests on, and `# TODO` where a person must decide.
struct DraftMapping {
    let inspection: Inspection
    let context: InspectContext

    init(inspection: Inspection, context: InspectContext) {
        self.inspection = inspection
        self.context = context
    }

    // MARK: - Guessing one column

    static func has(_ name: String, _ words: [String]) -> Bool { words.contains { name.contains($0) } }

    /// The level a header names (区级采用 → 区), by the rule file's levels or the usual ones.
    func level(in header: String, kind: String?) -> String? {
        let levels = kind.flatMap { context.vocabulary?.kinds[$0]?.levels } ?? ["区", "县", "市", "省", "全国", "国家"]
        return levels.filter { !$0.isEmpty && header.contains($0) }.max { $0.count < $1.count }
    }

    /// The status a header names (区级采用 → 采用, 领导批示 → 批示).
    func status(in header: String, kind: String?) -> String? {
        let statuses = kind.flatMap { context.vocabulary?.kinds[$0]?.statuses } ?? ["采用", "批示"]
        return statuses.filter { !$0.isEmpty && header.contains($0) }.max { $0.count < $1.count }
    }

    /// A first guess for one column, before the columns are weighed against each other.
    func guess(_ c: ColumnProfile, kind: String?) -> (ColumnGuess, String) {
        let n = c.nonEmpty
        let h = c.name
        if n == 0 { return (.skip("empty"), "整列为空") }
        let rosterGiven = context.names != nil
        if c.integers == n, c.ascending, c.lastInteger.map({ $0 <= n + 1 }) == true, Self.has(h, ["序号", "行号", "No", "编号"]) || c.lastInteger == n {
            return (.rowNumber, "1, 2, 3 …：行号")
        }
        if rosterGiven, c.share(c.ids) >= 0.8 { return (.memberID, "\(c.ids)/\(n) 个值是名册中的委员编号") }
        if rosterGiven, c.share(c.nameCells) >= 0.8, c.multiNameCells > 0, c.share(c.multiNameCells) >= 0.05 {
            return (.nameList, "\(c.multiNameCells)/\(n) 格写了几位名册中的委员（名单）")
        }
        if rosterGiven, c.share(c.nameCells) >= 0.8 { return (.memberName, "\(c.nameCells)/\(n) 个值是名册中的姓名") }
        if !rosterGiven, Self.has(h, ["人", "姓名", "委员"]), c.share(c.shapedNames + c.listShaped) >= 0.8 {
            return c.listShaped > 0 ? (.nameList, "像是几个姓名（未提供名册，按形状猜测）") : (.memberName, "像是姓名（未提供名册，按形状猜测）")
        }
        if rosterGiven, c.share(c.sectors) >= 0.9 { return (.roster(.sector), "\(c.sectors)/\(n) 个值是名册中的界别") }
        // Yes/no flags: 是/否 in every row.
        if c.yes + c.no == n, c.yes > 0, c.no > 0 {
            let marks = context.vocabulary?.marks ?? ["重点", "优秀"]
            if let m = marks.filter({ h.contains($0) }).max(by: { $0.count < $1.count }) {
                let yesWords = c.frequent.filter { Mapping.Filled.yesWords.contains($0.lowercased()) }
                return (.filled([.marks: m], texts: yesWords), "是/否列：“\(yesWords.joined(separator: "、"))”时加标记 \(m)")
            }
            return (.skip("flag"), "是/否列，未能对应规则文件的标记")
        }
        // Mostly empty, the rest √ / 采用 / dates: one of several “whichever is filled” columns.
        if c.emptyShare >= 0.3, c.yes + c.dates + c.serials == n {
            var fields: [ActivityField: String] = [:]
            if let l = level(in: h, kind: kind) { fields[.level] = l }
            if let s = status(in: h, kind: kind) { fields[.status] = s }
            if !fields.isEmpty {
                return (.filled(fields, texts: nil), "\(c.empty) 格为空，其余是 √、采用或日期：哪一列有文字决定\(fields.keys.contains(.level) ? "级别" : "状态")")
            }
        }
        if c.share(c.dates + c.serials) >= 0.8 {
            return (.field(.date), "\(c.dates + c.serials)/\(n) 个值是日期" + (c.serials > 0 ? "，其中 \(c.serials) 个是 Excel 序列号" : ""))
        }
        if c.repeats == 0, c.empty == 0, c.averageLength <= 24, Self.has(h, ["编号", "号", "ID", "id", "代码"]) || c.averageLength <= 16 {
            if c.shapedNames < n / 2 || Self.has(h, ["编号", "号"]) {
                return (.field(.activityID), c.distinctCapped ? "前 \(ColumnProfile.distinctBound) 个值各不相同" : "\(n) 个值各不相同")
            }
        }
        let few = !c.distinctCapped && c.distinct <= 15
        let vocab = context.vocabulary
        if few, Self.has(h, ["状态", "情况", "结果", "办理"]) { return (.field(.status), "\(c.distinct) 种值") }
        if few, Self.has(h, ["级别", "层级", "级次"]) { return (.field(.level), "\(c.distinct) 种值") }
        if few, Self.has(h, ["角色", "身份"]) { return (.field(.role), "\(c.distinct) 种值") }
        if few, let kinds = vocab?.kinds.keys, c.values.keys.allSatisfy({ v in kinds.contains { v.contains($0) || $0.contains(v) } }),
           Self.has(h, ["类型", "类别", "形式", "种类"]) {
            return (.field(.kind), "\(c.distinct) 种值，都像规则文件中的活动类型")
        }
        if few, let marks = vocab?.marks, c.values.keys.allSatisfy({ v in Mapping.splitList(v).allSatisfy(marks.contains) }) {
            return (.field(.marks), "值都是规则文件中的标记（\(c.frequent.joined(separator: "、"))）")
        }
        if c.averageLength >= 6, Self.has(h, ["标题", "案由", "题目", "名称", "主题", "内容"]) {
            return (.field(.title), "平均 \(Int(c.averageLength)) 个字")
        }
        return (.skip("unknown"), "未能判断；样例：\(c.samples.joined(separator: "、"))")
    }

    // MARK: - The kind

    /// The activity kind for the whole file: a rule-file kind named in the file name, the title
    /// rows or the record element, the longest such name.
    func kindGuess() -> (String, String)? {
        let fileName = (inspection.path as NSString).lastPathComponent
        let headers = inspection.columns.map(\.name).joined(separator: " ")
        let kinds = context.vocabulary.map { Array($0.kinds.keys) } ?? ["提案", "社情民意", "视察", "调研", "全体会议", "学习培训"]
        for (text, place) in [(inspection.titleText ?? "", "标题或元素名"), (inspection.record ?? "", "元素名"), (fileName, "文件名"), (headers, "列名")] {
            var found = kinds.filter { text.contains($0) }
            if found.isEmpty, place != "文件名", text.contains("信息"), kinds.contains("社情民意") { found = ["社情民意"] }
            if let k = found.sorted().max(by: { $0.count < $1.count }) {
                return (k, "“\(found.contains(k) && text.contains(k) ? k : "信息")”出现在\(place)中")
            }
        }
        return nil
    }

    /// The rule file's value that `value` abbreviates or decorates: the longest allowed value
    /// whose characters appear in order in it (已立案 → 立案, 不予立案 → 不立案, 区级 → 区).
    static func closestAllowed(_ value: String, _ allowed: [String]) -> String? {
        func subsequence(_ a: String, of b: String) -> Bool {
            var it = b.makeIterator()
            return a.allSatisfy { c in while let x = it.next() { if x == c { return true } }; return false }
        }
        // 未立案, 没有采用: the negation is 不 in the rule file's words.
        let v = String(value.map { "未没無无".contains($0) ? "不" : $0 })
        let negated = v.contains("不")
        return allowed.filter { !$0.isEmpty && subsequence($0, of: v) && ($0.contains("不") || !negated || !allowed.contains { $0.contains("不") }) }
            .max { $0.count < $1.count }
    }

    // MARK: - Writing

    func text(open: inout [String]) -> String {
        let isXML = inspection.format == .xml
        let kind = kindGuess()
        var lines: [String] = []
        let file = (inspection.path as NSString).lastPathComponent
        lines.append("# 映射文件草稿：由 lvzhi inspect 根据 \(file) 猜测生成，每一处猜测都写了注释；请逐条核对，")
        lines.append("# 改好后用 lvzhi validate --mapping 本文件 检查。说明见 docs/mapping.md。")
        lines.append("# Draft mapping written by lvzhi inspect: check every commented guess, then run lvzhi validate.")
        lines.append("mapping: 1")
        lines.append("name: \(DraftYAML.scalar("草稿：" + file))")
        lines.append("files: [\(DraftYAML.scalar(file))]")
        switch inspection.encoding {
        case "gb18030", "gbk", "gb2312":
            lines.append("encoding: gb18030                 # 猜测：文件开头不是 UTF-8，按 GB18030 可以解码" + (isXML ? "（XML 声明写明 \(inspection.encoding.uppercased())）" : ""))
        default: break
        }
        if let s = inspection.sheet { lines.append("sheet: \(DraftYAML.scalar(s))                 # 读取的工作表") }
        if !isXML, let h = inspection.headerRow, h > 1 {
            lines.append("header_row: \(h)                     # 猜测：表头在第 \(h) 行，其上是标题（\(String((inspection.titleText ?? "").prefix(30)))）")
        }
        // Guess every column, then weigh them against each other.
        var guesses = inspection.columns.map { guess($0, kind: kind?.0) }
        func first(_ g: ColumnGuess) -> Int? { guesses.firstIndex { $0.0 == g } }
        let hasMemberID = !isXML && first(.memberID) != nil
        for i in guesses.indices {
            switch guesses[i].0 {
            case .memberName where hasMemberID, .nameList where hasMemberID:
                guesses[i] = (.skip("name"), "有委员编号列，姓名不需要（" + guesses[i].1 + "）")
            case .roster(.sector) where !guesses.contains(where: { $0.0 == .memberName }):
                guesses[i] = (.skip("sector"), "界别（只在按姓名找委员时用来区分同名）")
            default: break
            }
        }
        for single in [ColumnGuess.field(.date), .field(.activityID), .field(.title), .field(.status), .field(.level), .field(.kind), .field(.marks)] {
            for i in guesses.indices.filter({ guesses[$0].0 == single }).dropFirst() {
                guesses[i] = (.skip("again"), "另一列已猜作同一字段（" + guesses[i].1 + "）")
            }
        }
        if first(.field(.activityID)) == nil, let i = first(.rowNumber) {
            guesses[i] = (.field(.activityID), "没有编号列：暂用行号作记录编号（TODO：重新导出时行号会变，最好换成导出中的编号）")
            open.append("没有编号列：暂用行号 \(inspection.columns[i].name) 作记录编号")
        }
        let excel = inspection.columns.indices.contains { guesses[$0].0 == .field(.date) && inspection.columns[$0].serials > 0 }
        if excel { lines.append("excel_dates: true                 # 日期列中有 Excel 序列号（如 45667）") }

        // People (XML): elements holding names.
        var people: [String] = []
        var personPaths: [String] = []
        if isXML { people = xmlPeople(&guesses, kind: kind?.0, paths: &personPaths) }

        let roles = kind.flatMap { context.vocabulary?.kinds[$0.0]?.roles }.flatMap { $0.count == 2 ? $0 : nil }
        lines.append(isXML ? "record: \(DraftYAML.scalar(inspection.record ?? ""))           # 猜测：重复出现的元素，共 \(inspection.records) 项" : "columns:")
        if isXML { lines.append("fields:") }
        let containers = Set(inspection.columns.map(\.name).filter { n in inspection.columns.contains { $0.name.hasPrefix(n + "/") && !n.hasPrefix("@") } })
        for (i, c) in inspection.columns.enumerated() {
            if isXML, personPaths.contains(where: { c.name == $0 || c.name.hasPrefix($0 + "/") }) { continue }
            if isXML, containers.contains(c.name), c.nonEmpty == 0 { continue }
            let (g, why) = guesses[i]
            let target = g.yaml(roles: roles)
            let stats = "\(c.nonEmpty) 个非空值、\(c.distinctCapped ? "\(ColumnProfile.distinctBound)+" : String(c.distinct)) 种"
            lines.append("  \(DraftYAML.scalar(c.name)): \(target)" + String(repeating: " ", count: max(1, 28 - target.count - c.name.count * 2)) + "# \(why)；\(stats)")
            if case .skip(let r) = g, r == "unknown" { open.append("\(c.name)：未能判断（已写 skip）") }
        }
        if !people.isEmpty {
            lines.append("people:")
            lines += people
        }
        // Rows that are not records.
        if !isXML {
            var rules: [String] = []
            for s in inspection.skipped {
                let parts = s.rule.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                switch parts[0] {
                case "repeated_header": rules.append("  - repeated_header                 # 与表头相同的行 \(s.count) 行（第 \(s.firstLine) 行起）")
                case "total":
                    let place = parts[1].isEmpty ? "" : "column: \(DraftYAML.scalar(parts[1])), "
                    let rule = parts[2].isEmpty ? "starts_with: \(DraftYAML.scalar(parts[3]))" : "equals: \(DraftYAML.scalar(parts[2]))"
                    rules.append("  - {\(place)\(rule)}     # 合计行 \(s.count) 行（第 \(s.firstLine) 行）")
                case "note": rules.append("  - {starts_with: \(DraftYAML.scalar(parts[1]))}         # 注释行 \(s.count) 行（第 \(s.firstLine) 行）")
                default: break
                }
            }
            if !rules.isEmpty {
                lines.append("skip_rows:                        # 不是记录的行：跳过并计数（空行总是跳过）")
                lines += rules
            }
            if !inspection.oddRows.isEmpty {
                lines.append("# 注意：第 \(inspection.oddRows.map(String.init).joined(separator: "、")) 行的列数与表头不同，也不像合计或注释；读取时会拒收（field-count）。")
                open.append("列数与表头不同的行：\(inspection.oddRows.map(String.init).joined(separator: "、"))")
            }
        }
        // Constants and values.
        var constants: [String] = []
        let has: (ActivityField) -> Bool = { f in
            guesses.contains { g in
                if case .field(f) = g.0 { return true }
                if case .filled(let x, _) = g.0 { return x[f] != nil }
                return false
            }
        }
        if !has(.kind) {
            if let kind {
                constants.append("  kind: \(DraftYAML.scalar(kind.0))                      # 猜测：\(kind.1)")
            } else {
                constants.append("  kind: 待定                        # TODO：写规则文件中的活动类型（如 提案、社情民意）")
                open.append("活动类型（kind）未能猜出")
            }
        }
        let kindName = kind?.0
        let vocab = kindName.flatMap { context.vocabulary?.kinds[$0] }
        if !has(.status), let statuses = vocab?.statuses, statuses.count == 1 {
            constants.append("  status: \(DraftYAML.scalar(statuses[0]))                    # 规则文件中这种活动只有这一种状态")
        }
        if !constants.isEmpty {
            lines.append("constants:")
            lines += constants
        }
        var values: [String] = []
        let kinds = context.vocabulary.map { Array($0.kinds.keys).sorted() }
        for (field, allowed) in [(ActivityField.kind, kinds), (.status, vocab?.statuses), (.level, vocab?.levels), (.role, vocab?.roles)] {
            guard let allowed, let i = inspection.columns.indices.first(where: { guesses[$0].0 == .field(field) }) else { continue }
            var rows: [String] = []
            for v in inspection.columns[i].frequent where !allowed.contains(v) {
                if let to = Self.closestAllowed(v, allowed) {
                    rows.append("    \(DraftYAML.scalar(v)): \(DraftYAML.scalar(to))           # 猜测")
                } else {
                    rows.append("    # \(DraftYAML.scalar(v)): ？           TODO：规则文件中没有对应的\(field.chinese)（可用：\(allowed.joined(separator: "、"))）")
                    open.append("\(field.chinese)“\(v)”未能对应")
                }
            }
            if !rows.isEmpty { values.append("  \(field.key):"); values += rows }
        }
        // Filled columns give a status: with none filled, the status no column gives.
        let filledStatuses = Set(guesses.compactMap { g -> String? in if case .filled(let x, _) = g.0 { return x[.status] } else { return nil } })
        if !filledStatuses.isEmpty, !has(.status) || guesses.allSatisfy({ $0.0 != .field(.status) }),
           let rest = vocab?.statuses?.first(where: { !filledStatuses.contains($0) && !$0.isEmpty }) {
            values.append("  status:")
            values.append("    \"\": \(DraftYAML.scalar(rest))                      # 猜测：哪一列都没有文字时")
        }
        if !values.isEmpty {
            lines.append("values:")
            lines += values
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// XML person groups: elements (or their attributes) holding roster names or member ids,
    /// lead first. Returns the `people:` lines and the group paths (whose places are then
    /// written under each group's `fields`, not the item's).
    func xmlPeople(_ guesses: inout [(ColumnGuess, String)], kind: String?, paths: inout [String]) -> [String] {
        let cols = inspection.columns
        struct Group {
            var path: String
            var member: String?
            var name: String?
            var list = false
            var single = false
            var why = ""
            var lead = false
        }
        var groups: [Group] = []
        for (i, c) in cols.enumerated() {
            let g = guesses[i].0
            guard g == .memberName || g == .nameList || g == .memberID else { continue }
            let parts = c.name.split(separator: "/").map(String.init)
            let attribute = parts.last?.hasPrefix("@") == true
            let element = (attribute ? parts.dropLast() : parts[...]).joined(separator: "/")
            guard !element.isEmpty else { continue } // an attribute of the item itself: an item-level field
            let k = groups.firstIndex { $0.path == element } ?? { groups.append(Group(path: element)); return groups.count - 1 }()
            let place = attribute ? parts.last! : "."
            if g == .memberID { groups[k].member = place } else { groups[k].name = place }
            let list = g == .nameList || (g == .memberName && c.empty > 0 && c.maxPerItem <= 1)
            groups[k].list = groups[k].member == nil && list
            groups[k].single = !groups[k].list && c.maxPerItem == 1 && c.items == min(inspection.records, Inspector.profiledRows)
            groups[k].why = guesses[i].1
            groups[k].lead = DraftMapping.has(element, ["第一", "主", "牵头", "领衔"]) || groups[k].single
        }
        groups.sort { $0.lead && !$1.lead }
        let roles = kind.flatMap { context.vocabulary?.kinds[$0]?.roles }.flatMap { $0.count == 2 ? $0 : nil }
        var out: [String] = []
        for (n, g) in groups.enumerated() {
            paths.append(g.path)
            var extra: [String] = []
            let used = g.member ?? g.name ?? "."
            for c in cols where c.name == g.path || c.name.hasPrefix(g.path + "/") {
                let rest = c.name == g.path ? "." : String(c.name.dropFirst(g.path.count + 1))
                if rest == used { continue }
                if rest == ".", c.nonEmpty == 0 { continue }
                let (guess, _) = guess(c, kind: kind)
                extra.append("\(DraftYAML.scalar(rest)): \(guess == .roster(.sector) && !g.list && g.member == nil ? "roster.sector" : "skip")")
            }
            var entry = "{path: \(DraftYAML.scalar(g.path))"
            if let roles { entry += ", role: \(DraftYAML.scalar(n == 0 && (groups.count > 1 || g.single) ? roles[0] : roles[1]))" }
            entry += g.member.map { ", member: \(DraftYAML.scalar($0))" } ?? ", name: \(DraftYAML.scalar(used))"
            if g.single { entry += ", single: true" }
            if g.list { entry += ", list: true" }
            if !extra.isEmpty { entry += ", fields: {\(extra.joined(separator: ", "))}" }
            entry += "}"
            out.append("  - \(entry)   # 猜测：\(g.why)" + (g.list ? "；一个元素可写几人，空元素为没有" : "") + (g.single ? "；每项恰有一个" : ""))
        }
        return out
    }
}
