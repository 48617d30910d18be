import LvzhiCore

/// Member names → roster members, for exports that name members instead of numbering them.
///
/// Names are compared without the spaces some systems pad two-character names with (“叶　兰”,
/// “叶 兰” and “叶兰” are one name), so a padded name matches when exactly one roster name equals
/// it without the padding. A name several members share is told apart only by a second column
/// that the roster also has (界别, 委员编号 …); nothing is ever guessed.
public struct NameIndex: Sendable {
    var byName: [String: [Int]] = [:]
    let members: [Member]

    public init(members: [Member]) {
        self.members = members
        for (i, m) in members.enumerated() { byName[Self.key(m.name), default: []].append(i) }
    }

    /// A name without any spaces (ASCII, ideographic, no-break, line breaks).
    static func key(_ name: String) -> String {
        name.contains(where: \.isWhitespace) ? String(name.filter { !$0.isWhitespace }) : name
    }

    /// Ids of the roster members with this name, in roster order.
    public func lookup(_ name: String) -> [String] { (byName[Self.key(name)] ?? []).map { members[$0].id } }

    /// Whether any roster member has this name (padding aside).
    /// A name with a bracketed note (“张伟（经济界）”) is known when the name before it is.
    public func knows(_ name: String) -> Bool {
        byName[Self.key(name)] != nil || Self.bracketNote(name).map { byName[Self.key($0.base)] != nil } == true
    }

    /// What became of a name.
    public enum Resolution: Equatable, Sendable {
        case member(String)
        case unknown
        /// Several members have this name and the checks (if any) leave more than one.
        case ambiguous([String])
        /// No member with this name has the values the export gives in the roster columns:
        /// the candidates with their values of the first check that failed.
        case mismatch(field: MemberField, value: String, candidates: [(id: String, value: String)])
        /// A bracketed note after the name (“张伟（经济界）”) that no member of that name matches:
        /// the candidates with their roster values.
        case noteMismatch(note: String, candidates: [(id: String, values: String)])

        public static func == (a: Resolution, b: Resolution) -> Bool {
            switch (a, b) {
            case (.member(let x), .member(let y)): x == y
            case (.unknown, .unknown): true
            case (.ambiguous(let x), .ambiguous(let y)): x == y
            case (.mismatch(let f, let v, let c), .mismatch(let g, let w, let d)):
                f == g && v == w && c.map(\.id) == d.map(\.id) && c.map(\.value) == d.map(\.value)
            case (.noteMismatch(let n, let c), .noteMismatch(let m, let d)):
                n == m && c.map(\.id) == d.map(\.id) && c.map(\.values) == d.map(\.values)
            default: false
            }
        }
    }

    /// Resolves `name`, narrowing homonyms by `checks` (roster field → the export's value; empty
    /// values are ignored). A unique name whose roster values disagree with a check is a
    /// mismatch too: the export may name someone else.
    ///
    /// A name the roster does not have as written but that ends in a bracketed note — “张伟（经济界）”,
    /// “张伟(M0012)”, “张伟（民建，常委）”, the way exports tell homonyms apart inside a list cell —
    /// is the name before the bracket, narrowed by the note: every part of it must be one of the
    /// member's roster values (委员编号, 界别, any 专委会, 职务, 活动组, 党派).
    public func resolve(_ name: String, checks: [(field: MemberField, value: String)] = []) -> Resolution {
        var all = byName[Self.key(name)] ?? []
        if all.isEmpty, let (base, note) = Self.bracketNote(name), let named = byName[Self.key(base)] {
            let parts = Mapping.splitList(note).map(Mapping.normalise).filter { !$0.isEmpty }
            let kept = named.filter { i in parts.allSatisfy { Self.noteValues(of: members[i]).contains($0) } }
            if kept.isEmpty {
                return .noteMismatch(note: note, candidates: named.map { (members[$0].id, Self.noteValues(of: members[$0]).dropFirst().joined(separator: " ")) })
            }
            all = kept
        }
        if all.isEmpty { return .unknown }
        var left = all
        for c in checks {
            let want = Mapping.normalise(c.value)
            if want.isEmpty { continue }
            let kept = left.filter { Mapping.normalise(Self.value(of: members[$0], c.field)) == want }
            if kept.isEmpty {
                return .mismatch(field: c.field, value: want, candidates: left.map { (members[$0].id, Self.value(of: members[$0], c.field)) })
            }
            left = kept
        }
        return left.count == 1 ? .member(members[left[0]].id) : .ambiguous(left.map { members[$0].id })
    }

    /// `name` split into the name and the note of a trailing bracket (（…） or (…)), when the
    /// name before it is not empty.
    static func bracketNote(_ name: String) -> (base: String, note: String)? {
        let t = name.trimmingSpaces
        guard let last = t.last, last == "）" || last == ")",
              let open = t.lastIndex(where: { $0 == "（" || $0 == "(" }) else { return nil }
        let base = String(t[..<open]).trimmingSpaces
        let note = String(t[t.index(after: open)..<t.index(before: t.endIndex)]).trimmingSpaces
        return base.isEmpty || note.isEmpty ? nil : (base, note)
    }

    /// The roster values a bracketed note may name, the member id first.
    static func noteValues(of m: Member) -> [String] {
        ([m.id, m.sector] + m.committees + [m.role, m.group, m.party]).map(Mapping.normalise).filter { !$0.isEmpty }
    }

    static func value(of m: Member, _ f: MemberField) -> String {
        switch f {
        case .memberID: m.id
        case .name: m.name
        case .sector: m.sector
        case .committee: m.committee
        case .role: m.role
        case .group: m.group
        case .party: m.party
        case .joined: m.joined?.description ?? ""
        case .left: m.left?.description ?? ""
        case .ranked: m.ranked ? "是" : "否"
        }
    }

    /// The roster columns a mapping may compare (`roster.sector` …).
    public static let checkFields: [MemberField] = [.memberID, .sector, .committee, .role, .group, .party]
}
