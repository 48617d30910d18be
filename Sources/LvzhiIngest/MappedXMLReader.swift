import LvzhiCore

/// The paths of an ``XMLLayout`` as a tree, so that each element inside an item is classified
/// with one dictionary look-up.
struct XMLPathTree {
    enum Slot: Equatable {
        /// Index into the layout's (or the person group's) `fields`.
        case field(Int)
        case member
        case skip
    }

    struct Node {
        var children: [String: Int] = [:]
        /// Where the element's text goes; its children are then part of that text.
        var text: Slot?
        var attributes: [String: Slot] = [:]
        /// A person element of this group (item tree only).
        var group: Int?
    }

    var nodes = [Node()]

    init(fields: [XMLLayout.Field], member: XMLPath? = nil, groups: [[String]] = []) {
        for (i, f) in fields.enumerated() { add(f.path, f.target == .skip ? .skip : .field(i)) }
        if let member { add(member, .member) }
        for (g, path) in groups.enumerated() { nodes[node(path)].group = g }
    }

    private mutating func node(_ elements: [String]) -> Int {
        var n = 0
        for e in elements {
            if let c = nodes[n].children[e] { n = c; continue }
            nodes.append(Node())
            nodes[n].children[e] = nodes.count - 1
            n = nodes.count - 1
        }
        return n
    }

    private mutating func add(_ path: XMLPath, _ slot: Slot) {
        let n = node(path.elements)
        if let a = path.attribute { nodes[n].attributes[a] = slot } else { nodes[n].text = slot }
    }
}

/// Reads a nested XML export through its mapping, one item element at a time: a small state
/// machine over ``XMLRecordReader/stream(_:encoding:)`` that keeps only the current item's
/// values, never a tree, so memory does not grow with the file. Each item becomes one record
/// per person element, lead group first; problems are rejects (with the item's or the
/// person's line) or, for what the mapping does not describe, an ``IngestError`` with the line.
struct MappedXMLReader: XMLEventHandler {
    /// Bounds on one item: elements inside it and bytes of text and attribute values kept.
    struct Limits: Sendable {
        var elements = 10_000
        var bytes = 1 << 20
    }

    let layout: XMLLayout
    let mapping: Mapping
    let names: NameIndex
    let path: String
    let limits: Limits
    let itemTree: XMLPathTree
    let groupTrees: [XMLPathTree]
    /// Records ready for the channel.
    var emit: (_ line: Int, _ fields: [String], _ issue: RawIssue?) -> Void

    private enum Sink {
        case item(Int)
        case person(group: Int, index: Int, field: Int)
        case member(group: Int, index: Int)
    }

    private enum Frame {
        case item(node: Int)
        case person(group: Int, index: Int, node: Int)
        case text(Sink)
        case skip
    }

    private struct Person {
        var line: Int
        var member: String?
        var memberCount = 0
        var values: [String?]
        var counts: [Int]
    }

    private struct Item {
        var line = 0
        var values: [String?] = []
        var counts: [Int] = []
        var persons: [[Person]] = []
        var elements = 0
        var bytes = 0
        var tooLarge = false
    }

    /// Element names from the root to the current element, while outside an item.
    private var outer: [String] = []
    /// Depth of the current item element; -1 outside items.
    private var itemDepth = -1
    /// Elements open inside the current item (the item element first) and their names.
    private var frames: [Frame] = []
    private var frameNames: [String] = []
    private var item = Item()
    private(set) var itemsSeen = 0
    /// A few element paths seen outside items, to suggest a `record` when none matched.
    private(set) var pathsSeen: [String] = []

    init(layout: XMLLayout, mapping: Mapping, names: NameIndex, path: String, limits: Limits = Limits(),
         emit: @escaping (_ line: Int, _ fields: [String], _ issue: RawIssue?) -> Void) {
        self.layout = layout
        self.mapping = mapping
        self.names = names
        self.path = path
        self.limits = limits
        self.emit = emit
        itemTree = XMLPathTree(fields: layout.fields, groups: layout.people.map(\.path))
        groupTrees = layout.people.map { XMLPathTree(fields: $0.fields, member: $0.member) }
    }

    // MARK: - Events

    mutating func start(_ el: borrowing XMLElementView) throws {
        let name = el.nameString
        guard itemDepth >= 0 else {
            if outer.count > el.depth { outer.removeSubrange(el.depth...) }
            outer.append(name)
            if matchesRecord() {
                beginItem(line: el.line, depth: el.depth)
                try enter(.item(node: 0), element: el, tree: itemTree, name: name)
            } else if pathsSeen.count < 8 {
                let p = outer.joined(separator: "/")
                if !pathsSeen.contains(p) { pathsSeen.append(p) }
            }
            return
        }
        item.elements += 1
        if item.elements > limits.elements { item.tooLarge = true }
        if item.tooLarge {
            frames.append(.skip)
            frameNames.append(name)
            return
        }
        switch frames.last! {
        case .skip:
            push(.skip, name)
        case .text(let sink):
            push(.text(sink), name)
        case .item(let n):
            guard let c = itemTree.nodes[n].children[name] else { throw unmapped(element: name, line: el.line) }
            if let g = itemTree.nodes[c].group {
                let fieldCount = layout.people[g].fields.count
                item.persons[g].append(Person(line: el.line, values: Array(repeating: nil, count: fieldCount),
                                              counts: Array(repeating: 0, count: fieldCount)))
                try enter(.person(group: g, index: item.persons[g].count - 1, node: 0), element: el, tree: groupTrees[g], name: name)
            } else {
                try enter(.item(node: c), element: el, tree: itemTree, name: name)
            }
        case .person(let g, let i, let n):
            guard let c = groupTrees[g].nodes[n].children[name] else { throw unmapped(element: name, line: el.line) }
            try enter(.person(group: g, index: i, node: c), element: el, tree: groupTrees[g], name: name)
        }
    }

    mutating func text(_ bytes: UnsafeBufferPointer<UInt8>, line: Int) throws {
        guard itemDepth >= 0, !item.tooLarge, let frame = frames.last else { return }
        switch frame {
        case .skip:
            return
        case .text(let sink):
            guard keep(bytes.count) else { return }
            append(String(decoding: bytes, as: UTF8.self), to: sink)
        case .item, .person:
            if bytes.contains(where: { !Self.isSpace($0) }) {
                throw IngestError.unmappedXML(path: path, line: line, what: relative("text()"), mapping: mapping.path)
            }
        }
    }

    mutating func end(depth: Int) throws {
        guard itemDepth >= 0 else {
            if outer.count > depth { outer.removeSubrange(depth...) }
            return
        }
        if depth > itemDepth {
            frames.removeLast()
            frameNames.removeLast()
            return
        }
        finishItem()
        itemDepth = -1
        frames.removeAll(keepingCapacity: true)
        frameNames.removeAll(keepingCapacity: true)
        if outer.count > depth { outer.removeSubrange(depth...) }
    }

    // MARK: - Inside an item

    private func matchesRecord() -> Bool {
        let r = layout.record
        if layout.anchored { return outer == r }
        return outer.count >= r.count && outer.suffix(r.count).elementsEqual(r)
    }

    private mutating func beginItem(line: Int, depth: Int) {
        itemsSeen += 1
        itemDepth = depth
        item = Item(line: line, values: Array(repeating: nil, count: layout.fields.count),
                    counts: Array(repeating: 0, count: layout.fields.count),
                    persons: Array(repeating: [], count: layout.people.count))
    }

    private mutating func push(_ f: Frame, _ name: String) {
        frames.append(f)
        frameNames.append(name)
    }

    /// Opens an element at `frame` (a node of `tree`): its attributes, and whether its text is read.
    private mutating func enter(_ frame: Frame, element el: borrowing XMLElementView, tree: XMLPathTree, name: String) throws {
        let node: Int
        switch frame {
        case .item(let n), .person(_, _, let n): node = n
        default: node = 0
        }
        push(frame, name)
        let n = tree.nodes[node]
        for a in 0..<el.attributeCount {
            let attribute = String(decoding: el.attributeName(a), as: UTF8.self)
            guard let slot = n.attributes[attribute] else {
                throw IngestError.unmappedXML(path: path, line: el.line, what: relative("@" + attribute), mapping: mapping.path)
            }
            if slot == .skip { continue }
            let value = el.attributeValue(a)
            guard keep(value.count) else { return }
            if let sink = sink(slot, frame) { set(String(decoding: value, as: UTF8.self), sink) }
        }
        guard let t = n.text else { return }
        if t == .skip {
            frames[frames.count - 1] = .skip
        } else if let sink = sink(t, frame) {
            set("", sink)
            frames[frames.count - 1] = .text(sink)
        }
    }

    private func sink(_ slot: XMLPathTree.Slot, _ frame: Frame) -> Sink? {
        switch (slot, frame) {
        case (.field(let i), .item): .item(i)
        case (.field(let i), .person(let g, let p, _)): .person(group: g, index: p, field: i)
        case (.member, .person(let g, let p, _)): .member(group: g, index: p)
        default: nil
        }
    }

    /// Starts a value at `sink`, counting how often its place occurs in the item.
    private mutating func set(_ value: String, _ sink: Sink) {
        switch sink {
        case .item(let i):
            item.counts[i] += 1
            item.values[i] = value
        case .person(let g, let p, let i):
            item.persons[g][p].counts[i] += 1
            item.persons[g][p].values[i] = value
        case .member(let g, let p):
            item.persons[g][p].memberCount += 1
            item.persons[g][p].member = value
        }
    }

    private mutating func append(_ text: String, to sink: Sink) {
        switch sink {
        case .item(let i): item.values[i]?.append(text)
        case .person(let g, let p, let i): item.persons[g][p].values[i]?.append(text)
        case .member(let g, let p): item.persons[g][p].member?.append(text)
        }
    }

    /// Counts `n` more bytes against the item's bound; false (and the item too large) past it.
    private mutating func keep(_ n: Int) -> Bool {
        item.bytes += n
        if item.bytes > limits.bytes { item.tooLarge = true }
        return !item.tooLarge
    }

    /// The path of the current element relative to the item element, then `rest`.
    private func relative(_ rest: String) -> String {
        (frameNames.dropFirst() + [rest]).joined(separator: "/")
    }

    private func unmapped(element: String, line: Int) -> IngestError {
        .unmappedXML(path: path, line: line, what: relative(element), mapping: mapping.path)
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    // MARK: - Records

    /// One record per person (lead group first, each group in document order; a list element
    /// is as many people as it names), or one record (one per listed person) for an item without
    /// people; the item's problems reject all of its records.
    private mutating func finishItem() {
        let count = ActivityField.allCases.count
        var base = [String](repeating: "", count: count)
        var itemName: String?
        var itemChecks: [(field: MemberField, value: String)] = []
        var filled: [MappedValues.FilledCell] = []
        var issue: RejectReason?
        for (i, f) in layout.fields.enumerated() {
            guard let raw = item.values[i] else { continue }
            let v = f.path.attribute == nil ? raw.trimmingSpaces : raw
            if item.counts[i] > 1, issue == nil { issue = .repeatedElement(f.path.description) }
            switch f.target {
            case .field(let a): base[a.rawValue] = v
            case .memberName: itemName = v
            case .roster(let m): itemChecks.append((m, v))
            case .filled(let x): filled.append(MappedValues.FilledCell(place: f.path.description, text: v, spec: x))
            case .skip: break
            }
        }
        for (g, group) in layout.people.enumerated() where group.single && item.persons[g].count != 1 && issue == nil {
            let p = group.path.joined(separator: "/")
            issue = item.persons[g].isEmpty ? .missingElement(p) : .repeatedElement(p)
        }
        if issue == nil, case .rejected(let reason, _, _, _, _)? = MappedValues.combine(filled, into: &base) { issue = reason }
        let itemID = base[ActivityField.activityID.rawValue].trimmingSpaces

        func reject(_ v: [String], _ reason: RejectReason, line: Int, value: String = "") {
            emit(line, v, .rejected(reason: reason, field: "", value: value, id: v[ActivityField.activityID.rawValue].trimmingSpaces,
                                    member: v[ActivityField.memberID.rawValue].trimmingSpaces))
        }

        if item.tooLarge {
            // Who was in it is not known past the bound: one reject for the whole item.
            var v = base
            MappedValues.complete(&v, mapping: mapping)
            return reject(v, .itemTooLarge(elements: limits.elements, bytes: limits.bytes), line: item.line)
        }
        if layout.people.isEmpty {
            var v = base
            MappedValues.complete(&v, mapping: mapping)
            if let issue { return reject(v, issue, line: item.line) }
            let byName = itemName != nil
            guard let list = layout.itemList else {
                var seen: Set<String> = []
                let problem = itemName.flatMap { MappedValues.resolve($0, byName: true, checks: itemChecks, into: &v, names: names, seen: &seen) }
                return emit(item.line, v, problem)
            }
            // A list in one element or attribute, exactly as a CSV list cell.
            let cell = itemName ?? v[ActivityField.memberID.rawValue]
            let people = byName ? Mapping.splitList(cell, isName: names.knows) : Mapping.splitList(cell)
            if people.isEmpty { return emit(item.line, v, MappedValues.nobody(byName: byName, v)) }
            if v[ActivityField.ref.rawValue].trimmingSpaces.isEmpty { v[ActivityField.ref.rawValue] = itemID }
            var seen: Set<String> = []
            for (n, person) in people.enumerated() {
                var w = v
                if n > 0, !itemID.isEmpty { w[ActivityField.activityID.rawValue] = "\(itemID)#\(n + 1)" }
                if let role = n == 0 ? list.leadRole : list.otherRole { w[ActivityField.role.rawValue] = role }
                let problem = MappedValues.resolve(person, byName: byName, into: &w, names: names, seen: &seen)
                emit(item.line, w, problem)
            }
            return
        }
        // Each person element, a list element as the people it names (none when empty).
        var persons: [(group: Int, person: Person, who: String)] = []
        for (g, group) in layout.people.enumerated() {
            for person in item.persons[g] {
                let raw = person.member ?? ""
                let text = group.member.attribute == nil ? raw.trimmingSpaces : raw
                if group.list, person.memberCount <= 1 {
                    let people = group.byName ? Mapping.splitList(text, isName: names.knows) : Mapping.splitList(text)
                    for p in people { persons.append((g, person, p)) }
                } else {
                    persons.append((g, person, text))
                }
            }
        }
        if persons.isEmpty {
            var v = base
            MappedValues.complete(&v, mapping: mapping)
            if let issue { return reject(v, issue, line: item.line) }
            return emit(item.line, v, MappedValues.nobody(byName: layout.people.contains(where: \.byName), v))
        }
        var seen: Set<String> = []
        for (n, (g, person, text)) in persons.enumerated() {
            let group = layout.people[g]
            var v = base
            var ownID = false
            var personIssue = issue
            var checks: [(field: MemberField, value: String)] = []
            var personFilled: [MappedValues.FilledCell] = []
            for (i, f) in group.fields.enumerated() {
                guard let raw = person.values[i] else { continue }
                let value = f.path.attribute == nil ? raw.trimmingSpaces : raw
                switch f.target {
                case .field(let a):
                    v[a.rawValue] = value
                    if a == .activityID { ownID = true }
                case .roster(let m): checks.append((m, value))
                case .filled(let x): personFilled.append(MappedValues.FilledCell(place: "\(group.path.joined(separator: "/"))/\(f.path)", text: value, spec: x))
                default: continue
                }
                if person.counts[i] > 1, personIssue == nil { personIssue = .repeatedElement("\(group.path.joined(separator: "/"))/\(f.path)") }
            }
            if person.memberCount > 1, personIssue == nil {
                personIssue = .repeatedElement("\(group.path.joined(separator: "/"))/\(group.member)")
            }
            if personIssue == nil, case .rejected(let reason, _, _, _, _)? = MappedValues.combine(personFilled, into: &v) { personIssue = reason }
            MappedValues.complete(&v, mapping: mapping)
            if !ownID, !itemID.isEmpty {
                v[ActivityField.activityID.rawValue] = n == 0 ? itemID : "\(itemID)#\(n + 1)"
            }
            if v[ActivityField.ref.rawValue].trimmingSpaces.isEmpty { v[ActivityField.ref.rawValue] = itemID }
            if let role = group.role { v[ActivityField.role.rawValue] = role }
            if let personIssue {
                if !group.byName { v[ActivityField.memberID.rawValue] = text }
                reject(v, personIssue, line: issue != nil ? item.line : person.line, value: group.byName ? text : "")
                continue
            }
            let problem = MappedValues.resolve(text, byName: group.byName, checks: checks, into: &v, names: names, seen: &seen)
            emit(person.line, v, problem)
        }
    }
}

extension RawReader {
    static func readMappedXML(path: String, mapping: Mapping, layout: XMLLayout, names: NameIndex, into channel: BatchChannel,
                              limits: MappedXMLReader.Limits = MappedXMLReader.Limits()) throws {
        final class Out {
            var batch: RawBatch
            init(_ b: RawBatch) { batch = b }
        }
        let out = Out(channel.fresh())
        var reader = MappedXMLReader(layout: layout, mapping: mapping, names: names, path: path, limits: limits) { line, fields, issue in
            out.batch.begin(line: line)
            // A refused row keeps its fields too: a person the roster cannot name still signed the item.
            if let issue { out.batch.flag(issue) }
            for (f, s) in fields.enumerated() where !s.isEmpty { out.batch.set(field: f, string: s) }
            if out.batch.isFull {
                channel.put(out.batch)
                out.batch = channel.fresh()
            }
        }
        let encoding: String? = switch mapping.encoding {
        case .auto: nil
        case .utf8: "UTF-8"
        case .utf16: "UTF-16"
        case .gb18030: "GB18030"
        case .gbk: "GBK"
        }
        do {
            try XMLRecordReader(path: path).stream(&reader, encoding: encoding)
        } catch {
            // The items before the error are counted (validate's reconciliation) before it is reported.
            channel.put(out.batch)
            throw error
        }
        channel.put(out.batch)
        if reader.itemsSeen == 0 {
            throw IngestError.noItems(path: path, record: layout.recordText, mapping: mapping.path, seen: reader.pathsSeen)
        }
    }
}
