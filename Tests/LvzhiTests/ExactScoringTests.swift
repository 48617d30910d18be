import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiIngest
@testable import LvzhiRules
@testable import LvzhiScoring
@testable import LvzhiReport

/// The five defects of issue 11, each on the smallest example that shows it.
@Suite struct ExactScoringTests {
    static let head = """
    lvzhi: 1
    name: 精确计分
    period: 2025
    kinds:
      提案: {statuses: [立案, 不立案], roles: [第一提案人, 联名提案人]}
      社情民意: {statuses: [报送, 采用], levels: ["", 区, 市, 省]}
      会议: {statuses: [出席]}
    grades:
      - {name: 优秀, color: 绿, hex: "#2e8b57", min: 10}
      - {name: 合格, color: 黄, hex: "#e0b100", min: 3}
      - {name: 不合格, color: 红, hex: "#c0392b"}

    """

    struct M {
        var id: String
        var committee = ""
        var joined = ""
    }

    /// Scores `records` (CSV-ish: activity_id,member_id,date,kind,status,role,level,ref,quantity[,marks])
    /// against `yaml`; rejects are allowed and returned in the run.
    static func run(_ yaml: String, members: [M], records: [String]) throws -> (ScoreRun, [String: MemberScore]) {
        let rules = try RuleFileLoader.parse(yaml, path: "exact.yaml")
        let p = rules.period!
        let roster = members.enumerated().map { i, m in
            Member(id: m.id, name: m.id, sector: "经济界", committee: m.committee, role: "委员", joined: Day(iso: m.joined),
                   source: SourceLocation(file: "m", line: i + 2))
        }
        var ing = ActivityIngestor(members: roster, period: p, vocabulary: rules.vocabulary)
        let keys: [ActivityField] = [.activityID, .memberID, .date, .kind, .status, .role, .level, .ref, .quantity, .marks]
        for (n, line) in records.enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            var values: [ActivityField: String] = [:]
            for (k, v) in zip(keys, cells) { values[k] = v }
            ing.add(record: values, location: SourceLocation(file: "records", line: n + 1))
        }
        let run = Scorer.score(ing.finish(), rules: rules, period: p)
        var by: [String: MemberScore] = [:]
        for r in run.results { by[run.members[r.member].id] = r }
        return (run, by)
    }

    /// 1. Two 1/6 shares of 10 and one 1/3 share of 10 are the same score, and tie.
    @Test func sharesAreExactAndEqualScoresTie() throws {
        let yaml = Self.head + """
        categories: [{id: p, name: 提案}]
        rules:
          - {id: filed, category: p, when: {kind: 提案, status: 立案}, points: 10, split: {policy: equal}}
        """
        var records: [String] = []
        var members = [M(id: "A"), M(id: "B")]
        // A co-signs two items of six signatories each; B one item of three.
        for item in ["P1", "P2"] {
            records.append("\(item)-A,A,2025-03-01,提案,立案,联名提案人,,\(item),")
            for k in 1...5 {
                records.append("\(item)-X\(k),X\(item)\(k),2025-03-01,提案,立案,联名提案人,,\(item),")
                members.append(M(id: "X\(item)\(k)"))
            }
        }
        records.append("P3-B,B,2025-03-01,提案,立案,联名提案人,,P3,")
        for k in 1...2 {
            records.append("P3-Y\(k),Y\(k),2025-03-01,提案,立案,联名提案人,,P3,")
            members.append(M(id: "Y\(k)"))
        }
        let (_, by) = try Self.run(yaml, members: members, records: records)
        let a = try #require(by["A"]), b = try #require(by["B"])
        #expect(a.score == Points(10, 3))
        #expect(a.score == b.score)
        #expect(a.rank == b.rank)
        #expect(a.score.exact == "10/3")
        #expect(a.score.description == "3.33")
    }

    /// 2. A record that `exclusive` discards does not use up the rule's cap.
    @Test func exclusiveDecidesBeforeTheCapIsSpent() throws {
        let yaml = Self.head + """
        categories: [{id: o, name: 社情民意}]
        rules:
          - {id: sent, category: o, when: {kind: 社情民意, status: 报送}, points: 1}
          - {id: adopted, category: o, when: {kind: 社情民意, status: 采用}, points: 3, cap: 6}
        exclusive:
          - {id: ladder, name: 同一篇取最高, rules: [sent, adopted], per: ref}
        """
        let (_, by) = try Self.run(yaml, members: [M(id: "A")], records: [
            "S1a,A,2025-02-01,社情民意,采用,,区,S1,",
            "S1b,A,2025-02-02,社情民意,采用,,市,S1,",
            "S2a,A,2025-03-01,社情民意,采用,,区,S2,",
        ])
        let a = try #require(by["A"])
        #expect(a.score == Points(6))
        #expect(!a.ledger.contains { if case .ruleCapped = $0.note { true } else { false } })
    }

    /// 3. `once` counts only a record that earns something: a co-signed item worth 0 under
    /// `lead_only` does not use up the single count.
    @Test func countingLimitsSkipRecordsThatEarnNothing() throws {
        let yaml = Self.head + """
        categories: [{id: p, name: 提案}]
        rules:
          - {id: filed, category: p, when: {kind: 提案, status: 立案}, points: 10, once: true,
             split: {policy: lead_only, lead_role: 第一提案人}}
          - {id: skip, category: p, when: {kind: 提案, status: 不立案}, points: 1, skip_first: 1,
             split: {policy: lead_only, lead_role: 第一提案人}}
        """
        let (_, by) = try Self.run(yaml, members: [M(id: "A"), M(id: "B")], records: [
            "P1-B,B,2025-03-01,提案,立案,第一提案人,,P1,",
            "P1-A,A,2025-03-01,提案,立案,联名提案人,,P1,",
            "P2-A,A,2025-04-01,提案,立案,第一提案人,,P2,",
            // skip_first: the co-signed Q1 (worth 0) is not the one skipped; Q2 is, Q3 counts.
            "Q1-B,B,2025-05-01,提案,不立案,第一提案人,,Q1,",
            "Q1-A,A,2025-05-01,提案,不立案,联名提案人,,Q1,",
            "Q2-A,A,2025-06-01,提案,不立案,第一提案人,,Q2,",
            "Q3-A,A,2025-07-01,提案,不立案,第一提案人,,Q3,",
        ])
        let a = try #require(by["A"])
        #expect(a.score == Points(11))
    }

    /// 4. A co-author whose row is rejected still signed the item: the others' shares do not
    /// grow, and the ledger says how many signed and how many rows were refused.
    @Test func rejectedCoauthorStillCountsAsSignatory() throws {
        let yaml = Self.head + """
        categories: [{id: p, name: 提案}]
        rules:
          - {id: filed, category: p, when: {kind: 提案, status: 立案}, points: 6, split: {policy: equal}}
          - {id: half, category: p, when: {kind: 提案, status: 不立案}, points: 8,
             split: {policy: lead_half, lead_role: 第一提案人}}
        """
        let (run, by) = try Self.run(yaml, members: [M(id: "A"), M(id: "B"), M(id: "C", joined: "2025-06-01")], records: [
            "P1-A,A,2025-03-01,提案,立案,第一提案人,,P1,",
            "P1-B,B,2025-03-01,提案,立案,联名提案人,,P1,",
            "P1-Z,ZZZ,2025-03-01,提案,立案,联名提案人,,P1,",       // unknown member: rejected
            // The lead's row is rejected (before taking office): the co-signers share their half.
            "P2-C,C,2025-04-01,提案,不立案,第一提案人,,P2,",
            "P2-A,A,2025-04-01,提案,不立案,联名提案人,,P2,",
            "P2-B,B,2025-04-01,提案,不立案,联名提案人,,P2,",
        ])
        #expect(run.rejects.count == 2)
        let a = try #require(by["A"]), b = try #require(by["B"])
        #expect(a.score == Points(2) + Points(2))   // 6 / 3, and 8 × ½ ÷ 2
        #expect(b.score == Points(4))
        let line = try #require(a.ledger.first { $0.rule == 0 })
        guard case .coauthorShare(let info) = line.note else { Issue.record("not a share: \(line.note)"); return }
        #expect(info.authors == 3 && info.rejected == 1 && info.share == Points(1, 3) && info.nominal == Points(6))
        #expect(RunSummary.describe(line.note, rules: run.rules, lang: .zh) == "3 人共同完成，其中 1 人的记录被拒收：6 × 1/3")
    }

    /// 4a. A rejected row is a signatory of a rule only if it meets the rule's record conditions,
    /// marks included: a co-signer's unmarked row, refused before they took office, takes no
    /// share of the 重点 rule's points whichever of the item's rows comes first.
    @Test func rejectedRowsAreJudgedByTheirMarksToo() throws {
        let yaml = Self.head + """
        categories: [{id: p, name: 提案}]
        rules:
          - {id: key, category: p, when: {kind: 提案, status: 立案, marks: 重点}, points: 6, split: {policy: equal}}
        """
        let members = [M(id: "A"), M(id: "B"), M(id: "C", joined: "2025-06-01")]
        let rows = ["P1-A,A,2025-03-01,提案,立案,第一提案人,,P1,,重点",
                    "P1-B,B,2025-03-01,提案,立案,联名提案人,,P1,,重点",
                    "P1-C,C,2025-03-01,提案,立案,联名提案人,,P1,,"]           // rejected: before C took office; unmarked
        for records in [rows, rows.reversed()] {
            let (run, by) = try Self.run(yaml, members: members, records: records)
            #expect(run.rejects.count == 1)
            #expect(by["A"]?.score == Points(3) && by["B"]?.score == Points(3))
        }
        // The same row marked 重点 is a signatory: 6 ÷ 3.
        let (_, by) = try Self.run(yaml, members: members, records: rows.dropLast() + ["P1-C,C,2025-03-01,提案,立案,联名提案人,,P1,,重点"])
        #expect(by["A"]?.score == Points(2))
    }

    /// 4c. A row with an error of its own (a status the kind does not declare) is no signatory,
    /// even when its member is unknown too: it must not matter which of its errors is found first.
    @Test func rowsWithErrorsOfTheirOwnSignNothing() throws {
        let yaml = Self.head + """
        categories: [{id: p, name: 提案}]
        rules:
          - {id: filed, category: p, when: {kind: 提案}, points: 6, split: {policy: equal}}
        """
        for member in ["C", "ZZZ"] {
            let (run, by) = try Self.run(yaml, members: [M(id: "A"), M(id: "B"), M(id: "C")], records: [
                "P1-A,A,2025-03-01,提案,立案,第一提案人,,P1,",
                "P1-B,B,2025-03-01,提案,立案,联名提案人,,P1,",
                "P1-X,\(member),2025-03-01,提案,迟到,联名提案人,,P1,",          // undeclared status
                "P2-A,A,2025-03-01,提案,立案,第一提案人,,P2,",
                "P2-X,\(member),2025-13-01,提案,立案,联名提案人,,P2,",          // unreadable date
            ])
            #expect(run.rejects.count == 2)
            #expect(run.store.rejectedSignatories.isEmpty)
            #expect(by["A"]?.score == Points(3) + Points(6), "member \(member)")
            #expect(by["B"]?.score == Points(3), "member \(member)")
        }
    }

    /// 4b. Co-authors named in a foreign export whom the roster cannot name (a homonym, an
    /// unknown name) are rejected but stay signatories of the item.
    @Test func namedCoauthorsTheRosterCannotNameStillSign() throws {
        let header = "提案号,提交时间,案由,提案人,办理状态,类别\n"
        let r = try ingestMapped(proposalMapping, [("p.csv", Array((header + "T1,2025-03-05,关于A,张三、王芳、不存在,已立案,\n").utf8))])
        #expect(r.store.records.count == 1 && r.rejects.count == 2)
        let s = r.store
        #expect(s.rejectedSignatories.map { s.symbols[$0.ref] } == ["T1", "T1"])
        #expect(s.rejectedSignatories.map { s.symbols[$0.role] } == ["联名提案人", "联名提案人"])
        #expect(s.rejectedSignatories.map { String(decoding: $0.activityID, as: UTF8.self) } == ["T1#2", "T1#3"])
    }

    /// 5. A member listed in two 专委会 belongs to both: `member_committee` matches either, and
    /// ranking by committee and the chart use the same list.
    @Test func committeeListsHaveOneMeaning() throws {
        let yaml = Self.head + """
        categories: [{id: m, name: 会议}]
        rules:
          - {id: culture, category: m, when: {kind: 会议, status: 出席, member_committee: 文化委员会}, points: 4}
          - {id: expr, category: m, when: {expr: 'kind == "会议" and member.committee == "文化委员会"'}, points: 1}
          - {id: list, category: m, when: {expr: 'kind == "会议" and member.committee in ["农业委员会", "文化委员会"]'}, points: 1}
        """
        let (run, by) = try Self.run(yaml, members: [M(id: "A", committee: "经济委员会；文化委员会"), M(id: "B", committee: "文化委员会")],
                                     records: ["R1,A,2025-03-01,会议,出席,,,,", "R2,B,2025-03-01,会议,出席,,,,"])
        #expect(by["A"]?.score == Points(6))
        #expect(by["B"]?.score == Points(6))
        let a = run.members.first { $0.id == "A" }!
        #expect(a.committees == ["经济委员会", "文化委员会"])
    }

    /// Overflow is an error with its place, never a trap: one member co-signs items whose
    /// numbers of signatories are the primes 2…53, so their equal shares of 1 point add up to a
    /// fraction whose denominator (the product of those primes) needs more than 64 bits.
    @Test func overflowIsAnErrorNamingMemberRuleAndRecord() throws {
        let yaml = Self.head + """
        categories: [{id: p, name: 提案}]
        rules:
          - {id: filed, category: p, when: {kind: 提案, status: 立案}, points: 1, split: {policy: equal}}
        """
        var members = [M(id: "A")]
        var records: [String] = []
        for p in [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53] {
            records.append("P\(p)-A,A,2025-03-01,提案,立案,联名提案人,,P\(p),")
            for k in 1..<p {
                members.append(M(id: "X\(p)-\(k)"))
                records.append("P\(p)-\(k),X\(p)-\(k),2025-03-01,提案,立案,联名提案人,,P\(p),")
            }
        }
        let (run, by) = try Self.run(yaml, members: members, records: records)
        #expect(by["A"]?.overflow != nil)
        let o = try #require(run.overflow)
        #expect(o.memberID == "A")   // a total overflowed, so no single rule or record is named
        #expect(o.diagnostic.id == "P001")
        #expect(o.diagnostic.render(.zh).contains("委员 A"))
        // The others' values are exact and fine.
        #expect(by["X2-1"]?.score == Points(1, 2) && by["X53-1"]?.score == Points(1, 53))
    }
}
