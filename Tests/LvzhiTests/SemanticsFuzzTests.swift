import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiIngest
@testable import LvzhiRules
@testable import LvzhiScoring

/// Randomized differential tests: random rule files built from every primitive (caps, floors,
/// splits, exclusive, counting limits, requirements, vetoes, bands and quotas, scopes,
/// prorating) and random data (co-authors, ties, rejected rows) are scored by the engine and by
/// ``ReferenceScorer``; every member's exact score, categories, rank, grade, veto and missed
/// requirements must agree. A failure prints a shrunk rule file and data to reproduce it.
///
/// CI runs a fixed budget of seeds; `scripts/fuzz-semantics N` runs N (environment
/// `LVZHI_FUZZ_SEEDS`, first seed `LVZHI_FUZZ_FIRST`).
@Suite struct SemanticsFuzzTests {
    static var seeds: Range<UInt64> {
        let env = ProcessInfo.processInfo.environment
        let n = env["LVZHI_FUZZ_SEEDS"].flatMap(UInt64.init) ?? 1000
        let first = env["LVZHI_FUZZ_FIRST"].flatMap(UInt64.init) ?? 1
        return first..<(first + n)
    }

    /// ``SplitMix64`` with the helpers the generators below use.
    struct RNG {
        var generator: SplitMix64
        init(state: UInt64) { generator = SplitMix64(seed: state) }
        mutating func next() -> UInt64 { generator.next() }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
        mutating func chance(_ percent: Int) -> Bool { int(100) < percent }
        mutating func pick<T>(_ xs: [T]) -> T { xs[int(xs.count)] }
    }

    struct Case {
        var yaml: String
        var members: [Member]
        var rows: [ReferenceScorer.Row]

        var membersCSV: String {
            "member_id,name,sector,committee,role,group,party,joined,left,ranked\n" + members.map { m in
                "\(m.id),\(m.name),\(m.sector),\"\(m.committee)\",\(m.role),\(m.group),,\(m.joined?.description ?? ""),\(m.left?.description ?? ""),\(m.ranked ? "是" : "否")"
            }.joined(separator: "\n")
        }
        var rowsCSV: String {
            "activity_id,member_id,date,kind,status,role,level,ref,quantity,marks\n" + rows.map { r in
                "\(r.id),\(r.member),\(r.date),\(r.kind),\(r.status),\(r.role),\(r.level),\(r.ref),\(r.quantity.display(decimals: 4)),\(r.marks.joined(separator: ";"))"
            }.joined(separator: "\n")
        }
        var reproduction: String { "--- rules.yaml\n\(yaml)\n--- members.csv\n\(membersCSV)\n--- activities.csv\n\(rowsCSV)\n" }
    }

    // MARK: - Generating

    static func generate(seed: UInt64) -> Case {
        var g = RNG(state: seed)
        var y = "lvzhi: 1\nname: 随机方案 \(seed)\nperiod: 2025\n"
        let base = g.pick([0, 0, 60, 100])
        var score = "score: {base: \(base)"
        if g.chance(40) { score += ", min: 0" }
        if g.chance(25) { score += ", max: \(base + g.pick([10, 20, 40]))" }
        if g.chance(25) { score += ", base_by_role: {常委: \(base + 20)}" }
        y += score + "}\n"
        y += """
        kinds:
          提案: {statuses: [立案, 不立案], roles: [第一提案人, 联名提案人]}
          社情民意: {statuses: [报送, 采用], levels: ["", 区, 市]}
          会议: {statuses: [出席, 缺席]}
          违纪: {}
        marks: [重点]

        """
        let categoryCount = 1 + g.int(3)
        y += "categories:\n"
        for c in 0..<categoryCount {
            var line = "  - {id: c\(c), name: 类别\(c)"
            if g.chance(35) { line += ", cap: \(g.pick([4, 6, 10, 15]))" }
            else if g.chance(30) { line += ", floor: \(g.pick([0, -3, -5]))" }
            else if g.chance(15) { line += ", start: \(g.pick([5, 10]))" }
            y += line + "}\n"
        }
        let ruleCount = 1 + g.int(5)
        y += "rules:\n"
        var ruleKinds: [String] = []
        for r in 0..<ruleCount {
            let kind = g.pick(["提案", "提案", "社情民意", "会议"])
            ruleKinds.append(kind)
            var when = "kind: \(kind)"
            switch kind {
            case "提案":
                if g.chance(70) { when += ", status: \(g.pick(["立案", "不立案"]))" }
                if g.chance(25) { when += ", role: \(g.pick(["第一提案人", "联名提案人"]))" }
            case "社情民意":
                if g.chance(70) { when += ", status: \(g.pick(["报送", "采用"]))" }
                if g.chance(25) { when += ", level: \(g.pick(["区", "市"]))" }
            default:
                when += ", status: \(g.pick(["出席", "缺席"]))"
            }
            if g.chance(15) { when += ", marks: 重点" }
            if g.chance(10) { when += ", member_role: 常委" }
            if g.chance(10) { when += ", member_committee: \(g.pick(["经济委员会", "文化委员会"]))" }
            if kind != "会议", g.chance(12) { when += g.pick([", sole: true", ", signers: {min: 2}", ", signers: {min: 2, max: 2}"]) }
            let negative = kind == "会议" && when.contains("缺席")
            let points = negative ? g.pick(["-1", "-2", "-0.5"]) : g.pick(["1", "2", "3", "5", "10", "1.5", "0.25"])
            var line = "  - {id: r\(r), category: c\(g.int(categoryCount)), when: {\(when)}, points: \(points)"
            if g.chance(20) { line += ", per: quantity" }
            // A lump sum when the count is reached: nothing else limits or shares it.
            if g.chance(10) {
                line += ", at_least: \(2 + g.int(2))"
                if g.chance(30) { line += ", once_per: ref" }
                y += line + "}\n"
                continue
            }
            if g.chance(10) { line += ", once_per: ref" }
            if g.chance(30) { line += ", cap: \(g.pick(["2", "4", "5", "6", "10"]))" }
            if g.chance(15) { line += ", once: true" } else if g.chance(15) { line += ", max_count: \(1 + g.int(3))" }
            if g.chance(15) { line += ", skip_first: \(1 + g.int(2))" }
            if kind != "会议", g.chance(55) {
                let policy = g.pick(["lead_only", "lead_half", "equal", "fraction", "full"])
                var split = "policy: \(policy)"
                if policy == "fraction" { split += ", fraction: \(g.pick(["0.5", "1/3", "0.25"]))" }
                if policy.hasPrefix("lead") || g.chance(30) { split += ", lead_role: 第一提案人" }
                if g.chance(20) { split += ", max_credited: \(1 + g.int(3))" }
                line += ", split: {\(split)}"
            }
            y += line + "}\n"
        }
        if ruleCount >= 2, g.chance(40) {
            let a = g.int(ruleCount)
            var b = g.int(ruleCount)
            if b == a { b = (a + 1) % ruleCount }
            if g.chance(50) {
                y += "exclusive:\n  - {id: x, name: 取其高, rules: [r\(a), r\(b)], per: ref}\n"
            } else {
                y += "exclusive:\n  - {id: x, name: 取其高, rules: [r\(a), r\(b)]}\n"
            }
        }
        let gradeNames = ["优秀", "合格", "基本合格", "不合格"]
        if g.chance(45) {
            y += "requirements:\n"
            for q in 0..<(1 + g.int(2)) {
                let kind = g.pick(["提案", "会议", "社情民意"])
                let effect = g.pick(["{cap_grade: 合格}", "{grade: 基本合格}", "{deduct: \(g.pick([2, 5]))}", "{flag: true}"])
                var line = "  - {id: q\(q), name: 要求\(q), when: {kind: \(kind)}, min: \(1 + g.int(2)), effect: \(effect)"
                if g.chance(25) { line += ", count: quantity" }
                if g.chance(20) { line += ", applies_to: {member_role: 常委}" }
                y += line + "}\n"
            }
        }
        if g.chance(30) {
            y += "vetoes:\n  - {id: v, name: 违纪, when: {kind: 违纪}, grade: \(g.pick(["不合格", "基本合格"]))}\n"
        }
        y += "grading: {scope: \(g.pick(["all", "all", "sector", "committee", "role", "[committee, role]", "[role, sector]"])), partial_period: \(g.pick(["flag", "exclude_from_ranking", "prorate"]))}\n"
        y += "grades:\n"
        let colours = [("绿", "#2e8b57"), ("黄", "#e0b100"), ("褐", "#8b5a2b"), ("红", "#c0392b")]
        if g.chance(50) {
            let hi = base + g.pick([6, 10, 15]), mid = base + g.pick([2, 3, 5]), low = base + g.pick([0, 1])
            let mins = [hi, max(mid, low + 1), low]
            for (i, name) in gradeNames.enumerated() {
                y += "  - {name: \(name), color: \(colours[i].0), hex: \"\(colours[i].1)\"" + (i < 3 ? ", min: \(mins[i])" : "") + "}\n"
            }
        } else {
            let (top1, top2) = g.pick([("20%", "50%"), ("1", "3"), ("34%", "67%"), ("2", "4")])
            y += "  - {name: 优秀, color: 绿, hex: \"#2e8b57\", top: \(top1)}\n"
            y += "  - {name: 合格, color: 黄, hex: \"#e0b100\", top: \(top2)}\n"
            y += "  - {name: 基本合格, color: 褐, hex: \"#8b5a2b\"}\n"
            y += "  - {name: 不合格, color: 红, hex: \"#c0392b\", bottom: \(g.pick(["1", "10%", "2"]))}\n"
        }

        var members: [Member] = []
        for i in 0..<(3 + g.int(8)) {
            let joined = g.chance(15) ? Day(iso: g.pick(["2025-04-01", "2025-07-02", "2025-10-15"])) : nil
            let left = g.chance(8) ? Day(iso: g.pick(["2025-06-30", "2025-11-30"])) : nil
            members.append(Member(id: "M\(i)", name: "委员\(i)", sector: g.pick(["经济界", "教育界"]),
                                  committee: g.pick(["经济委员会", "文化委员会", "经济委员会；文化委员会", "文化委员会、经济委员会", ""]),
                                  role: g.pick(["委员", "委员", "常委"]), joined: joined, left: left, ranked: !g.chance(10),
                                  source: SourceLocation(file: "members.csv", line: i + 2)))
        }
        var rows: [ReferenceScorer.Row] = []
        let start = Day(iso: "2025-01-01")!
        for k in 0..<g.int(36) {
            let kind = g.pick(["提案", "提案", "社情民意", "会议", "违纪"])
            let who = g.chance(8) ? "X\(g.int(3))" : members[g.int(members.count)].id
            var r = ReferenceScorer.Row(id: "A\(100 + g.int(900))-\(k)", member: who, date: start.adding(days: g.int(365)), kind: kind)
            switch kind {
            case "提案":
                r.status = g.pick(["立案", "立案", "不立案"])
                r.role = g.pick(["第一提案人", "联名提案人", "联名提案人"])
                if g.chance(80) { r.ref = "P\(g.int(4))" }
            case "社情民意":
                r.status = g.pick(["报送", "采用"])
                r.level = r.status == "采用" ? g.pick(["区", "市"]) : ""
                if g.chance(80) { r.ref = "S\(g.int(3))" }
            case "会议":
                r.status = g.pick(["出席", "出席", "缺席"])
                r.quantity = g.pick([Points.one, Points(2), Points(1, 2)])
            default:
                break
            }
            if kind != "违纪", g.chance(15) { r.marks = ["重点"] }
            rows.append(r)
        }
        return Case(yaml: y, members: members, rows: rows)
    }

    // MARK: - Running

    struct Outcome: Equatable {
        var results: [String: ReferenceScorer.Result]
    }

    static func values(_ r: ReferenceScorer.Row) -> [ActivityField: String] {
        [.activityID: r.id, .memberID: r.member, .date: r.date.description, .kind: r.kind, .status: r.status, .role: r.role,
         .level: r.level, .ref: r.ref, .quantity: r.quantity.display(decimals: 4), .marks: r.marks.joined(separator: ";")]
    }

    /// The engine: ingest (in `files` pieces) and score.
    static func engine(_ c: Case, rules: RuleSet, order: [Int]? = nil, files: Int = 1) -> Outcome {
        var ing = ActivityIngestor(members: c.members, period: rules.period!, vocabulary: rules.vocabulary)
        for (n, i) in (order ?? Array(c.rows.indices)).enumerated() {
            ing.add(record: values(c.rows[i]), location: SourceLocation(file: "part\(n % files).csv", line: n / files + 2))
        }
        let run = Scorer.score(ing.finish(), rules: rules, period: rules.period!)
        var out: [String: ReferenceScorer.Result] = [:]
        for r in run.results {
            out[run.members[r.member].id] = ReferenceScorer.Result(
                score: r.score, rank: r.rank, grade: r.grade, vetoed: !r.vetoes.isEmpty,
                missed: r.missedRequirements.map { rules.requirements[$0].id }, categories: r.categoryPoints)
        }
        return Outcome(results: out)
    }

    static func reference(_ c: Case, rules: RuleSet) -> Outcome {
        Outcome(results: ReferenceScorer(rules: rules, period: rules.period!, members: c.members, rows: c.rows).run())
    }

    /// The first member whose results differ, described; nil when the two agree.
    static func difference(_ c: Case) -> String? {
        guard let rules = try? RuleFileLoader.parse(c.yaml, path: "fuzz.yaml") else { return nil }
        let a = engine(c, rules: rules), b = reference(c, rules: rules)
        for m in c.members where a.results[m.id] != b.results[m.id] {
            return "\(m.id): engine \(a.results[m.id].map(\.description) ?? "-")\n      reference \(b.results[m.id].map(\.description) ?? "-")"
        }
        return nil
    }

    /// Drops rows, then members without rows, while the difference persists.
    static func shrink(_ c: Case) -> Case {
        var c = c
        var i = 0
        while i < c.rows.count {
            var smaller = c
            smaller.rows.remove(at: i)
            if difference(smaller) != nil { c = smaller } else { i += 1 }
        }
        var j = 0
        while j < c.members.count {
            var smaller = c
            let id = smaller.members[j].id
            smaller.members.remove(at: j)
            smaller.rows.removeAll { $0.member == id }
            if smaller.members.count > 0, difference(smaller) != nil { c = smaller } else { j += 1 }
        }
        return c
    }

    @Test func generatedRuleFilesAreValid() throws {
        for seed in Self.seeds.prefix(100) {
            let c = Self.generate(seed: seed)
            do { _ = try RuleFileLoader.parse(c.yaml, path: "fuzz.yaml") } catch {
                Issue.record("seed \(seed): the generator wrote an invalid rule file: \(error.render(.en))\n\(c.yaml)")
                return
            }
        }
    }

    @Test func engineAgreesWithTheReferenceScorer() {
        for seed in Self.seeds {
            let c = Self.generate(seed: seed)
            guard Self.difference(c) != nil else { continue }
            let small = Self.shrink(c)
            Issue.record("seed \(seed): engine and reference scorer differ\n\(Self.difference(small) ?? "")\n\(small.reproduction)")
            return
        }
    }

    /// Input order never matters; splitting an export into two or three files changes nothing.
    @Test func orderAndFilesDoNotMatter() throws {
        for seed in Self.seeds.prefix(150) {
            let c = Self.generate(seed: seed)
            let rules = try RuleFileLoader.parse(c.yaml, path: "fuzz.yaml")
            let plain = Self.engine(c, rules: rules)
            var g = RNG(state: seed ^ 0xABCD)
            var order = Array(c.rows.indices)
            for i in order.indices.reversed() { order.swapAt(i, g.int(i + 1)) }
            #expect(Self.engine(c, rules: rules, order: order) == plain, "seed \(seed): order changed the results\n\(c.reproduction)")
            #expect(Self.engine(c, rules: rules, files: 2) == plain, "seed \(seed): two files changed the results\n\(c.reproduction)")
            #expect(Self.engine(c, rules: rules, order: order, files: 3) == plain, "seed \(seed): three files changed the results")
        }
    }

    /// Two members with the same fields and the same records (not shared with anyone) score the same.
    @Test func equalRecordsGiveEqualScores() throws {
        for seed in Self.seeds.prefix(150) {
            var c = Self.generate(seed: seed)
            guard let m = c.members.first else { continue }
            var twin = m
            twin.id = "T"
            twin.name = "双胞胎"
            c.members.append(twin)
            let mine = c.rows.filter { $0.member == m.id }
            // Own copies of the shared items so that the twins do not co-sign with each other.
            c.rows = c.rows.filter { !mine.map(\.ref).contains($0.ref) || $0.ref.isEmpty || $0.member == m.id }
            for r in mine {
                var copy = r
                copy.id = "T-" + r.id
                copy.member = "T"
                if !r.ref.isEmpty { copy.ref = "T-" + r.ref }
                c.rows.append(copy)
            }
            let rules = try RuleFileLoader.parse(c.yaml, path: "fuzz.yaml")
            let out = Self.engine(c, rules: rules)
            #expect(out.results[m.id]?.score == out.results["T"]?.score, "seed \(seed)\n\(c.reproduction)")
            #expect(out.results[m.id]?.rank == out.results["T"]?.rank, "seed \(seed)")
        }
    }
}
