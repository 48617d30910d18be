import Testing
@testable import LvzhiCore
@testable import LvzhiIngest
@testable import LvzhiRules
@testable import LvzhiScoring

@Suite struct ScoringTests {
    let header = "activity_id,member_id,date,kind,status,role,level,ref,quantity,marks,title\n"

    func score(_ rows: String, rules: RuleSet? = nil) throws -> ScoreRun {
        let s = Scratch()
        let roster = try RosterReader.read(path: s.write("m.csv", testMembersCSV))
        let r = try rules ?? testRules()
        var ing = ActivityIngestor(members: roster.members, period: r.period!, vocabulary: r.vocabulary)
        try ing.read(path: s.write("a.csv", header + rows))
        return Scorer.score(ing.finish(), rules: r, period: r.period!)
    }

    func result(_ run: ScoreRun, _ id: String) -> MemberScore {
        run.results.first { run.members[$0.member].id == id }!
    }

    @Test func pointsCapsAndLedger() throws {
        let run = try score("""
        A1,M1,2025-01-08,全体会议,出席,,,,4,,全会
        A2,M1,2025-03-01,提案,立案,第一提案人,,P1,,重点,提案一
        A3,M2,2025-03-01,提案,立案,联名提案人,,P1,,重点,提案一
        A4,M1,2025-04-01,提案,立案,第一提案人,,P2,,,提案二
        A5,M1,2025-05-01,提案,立案,第一提案人,,P3,,,提案三
        A6,M1,2025-05-02,界别活动,参加,,,,,,
        A7,M1,2025-05-03,界别活动,参加,,,,,,
        A8,M1,2025-05-04,界别活动,参加,,,,,,
        A9,M2,2025-01-08,全体会议,缺席,,,,3,,

        """)
        let m1 = result(run, "M1")
        // meetings 2×4 = 8; proposals 6+3+6+6 = 21 → capped 20; sector 1.5+1.5+1 (rule cap 4) = 4.
        #expect(m1.categoryPoints.map(\.description) == ["8", "20", "4", "0"])
        #expect(m1.score == Points(32))
        #expect(m1.grade == 0)
        let capped = m1.ledger.first { $0.note == .ruleCapped(cap: Points(4)) }
        #expect(capped?.points == Points(1) && capped?.nominal == Points(parsing: "1.5")!)
        #expect(m1.ledger.contains { $0.note == .categoryCapped(cap: Points(20)) && $0.points == Points(-1) })
        // The ledger adds up to the score.
        #expect(m1.ledger.reduce(Points.zero) { $0 + $1.points } == m1.score)

        let m2 = result(run, "M2")
        // Co-signer 2 + key 3 = 5; absent 3 half-days × −3 = −9 → floor −5; total 0 (score min 0).
        #expect(m2.categoryPoints.map(\.description) == ["0", "5", "0", "-5"])
        #expect(m2.score == .zero)
        #expect(m2.grade == 2)
    }

    @Test func vetoForcesLowestGrade() throws {
        let run = try score("""
        A1,M1,2025-01-08,全体会议,出席,,,,5,,
        A2,M1,2025-03-01,提案,立案,第一提案人,,P1,,重点,
        A3,M1,2025-03-02,提案,立案,第一提案人,,P2,,重点,
        A4,M1,2025-06-01,违纪,,,,,,,违反纪律

        """)
        let m1 = result(run, "M1")
        #expect(m1.score == Points(28))
        #expect(m1.grade == 2)
        #expect(m1.vetoes.count == 1)
        #expect(m1.ledger.contains { $0.note == .veto(0) })
    }

    @Test func competitionRankingSkipsUnrankedAndSharesTies() throws {
        let run = try score("""
        A1,M1,2025-01-08,全体会议,出席,,,,3,,
        A2,M2,2025-01-08,全体会议,出席,,,,3,,
        A3,M4,2025-01-08,全体会议,出席,,,,5,,
        A4,M3,2025-08-08,界别活动,参加,,,,,,

        """)
        #expect(result(run, "M4").rank == nil)
        #expect(result(run, "M1").rank == 1)
        #expect(result(run, "M2").rank == 1)
        #expect(result(run, "M3").rank == 3)
        #expect(result(run, "M3").partialPeriod)
        #expect(run.results.map { run.members[$0.member].id } == ["M4", "M1", "M2", "M3"])
    }

    @Test func independentOfInputOrder() throws {
        let rows = [
            "A1,M1,2025-05-02,界别活动,参加,,,,,,",
            "A2,M1,2025-05-02,界别活动,参加,,,,,,",
            "A3,M1,2025-05-01,界别活动,参加,,,,,,",
            "A4,M2,2025-01-08,全体会议,出席,,,,2,,",
            "A5,M1,2025-03-01,提案,立案,第一提案人,,P1,,,",
        ]
        let a = try score(rows.joined(separator: "\n") + "\n")
        let b = try score(rows.reversed().joined(separator: "\n") + "\n")
        func fingerprint(_ r: ScoreRun) -> [String] {
            r.results.map { m in
                "\(r.members[m.member].id) \(m.score) \(m.rank ?? 0) " + m.ledger.map { e in
                    (e.record >= 0 ? r.store.id(of: r.store.records[Int(e.record)]) : "-") + ":\(e.points)"
                }.joined(separator: ",")
            }
        }
        #expect(fingerprint(a) == fingerprint(b))
        // The cap cuts the last record by (date, id): A2.
        let m1 = result(a, "M1")
        let cut = m1.ledger.first { if case .ruleCapped = $0.note { return true }; return false }!
        #expect(a.store.id(of: a.store.records[Int(cut.record)]) == "A2")
    }

    @Test func recordMatchingNoRuleIsKeptAtZero() throws {
        let run = try score("A1,M1,2025-01-08,全体会议,请假,,,,5,,\n")
        let m1 = result(run, "M1")
        #expect(m1.unmatched == 1)
        #expect(m1.ledger.map(\.note) == [.noRule])
        #expect(run.recordsUnmatched == 1)
    }
}
