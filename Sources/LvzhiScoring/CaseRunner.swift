import Foundation
import LvzhiCore
import LvzhiIngest
import LvzhiRules

/// A failed expectation of a rule-file case.
public struct CaseFailure: Sendable {
    /// Points at the expectation (or the rejected record) in the rule file; ids T001–T009.
    public var diagnostic: Diagnostic
    /// The member whose ledger explains the failure, if any.
    public var memberID: String?
    /// Records the case did not expect to be rejected (for T002, all rejects).
    public var rejects: [Reject]
}

/// What running one case gave.
public struct CaseResult: Sendable {
    public var ruleCase: RuleCase
    public var run: ScoreRun
    public var failures: [CaseFailure]
    public var passed: Bool { failures.isEmpty }

    /// The member's result in the run.
    public func result(for memberID: String) -> MemberScore? {
        run.results.first { run.members[$0.member].id == memberID }
    }
}

/// Everything `lvzhi test` learns about one rule file.
public struct CaseFileOutcome: Sendable {
    public var path: String
    /// The file's text, for printing diagnostics with their source line.
    public var source: String?
    /// Set when the rule file itself does not load.
    public var loadError: RuleFileError?
    /// Problems in the `cases:` section.
    public var diagnostics: [Diagnostic]
    public var results: [CaseResult]

    public var hasErrors: Bool { loadError != nil || diagnostics.contains { $0.severity == .error } }
    public var passed: Int { results.filter(\.passed).count }
    public var failed: Int { results.count - passed }
}

/// Runs the cases written in rule files through the real pipeline: the case's members are the
/// roster, its records go through ``ActivityIngestor`` (validation, vocabulary, period,
/// duplicates) and ``Scorer`` scores them.
public enum CaseRunner {
    /// Loads `path`, parses its cases and runs every one.
    public static func run(file path: String) -> CaseFileOutcome {
        let source = FileManager.default.contents(atPath: path).flatMap { String(data: $0, encoding: .utf8) }
        let rules: RuleSet
        do { rules = try RuleFileLoader.load(path: path) } catch {
            return CaseFileOutcome(path: path, source: error.source ?? source, loadError: error, diagnostics: [], results: [])
        }
        let (cases, diagnostics) = RuleCases.parse(source ?? "", path: path, rules: rules)
        return CaseFileOutcome(path: path, source: source, loadError: nil, diagnostics: diagnostics,
                               results: cases.map { run($0, rules: rules) })
    }

    /// Runs one case against `rules`.
    public static func run(_ c: RuleCase, rules: RuleSet) -> CaseResult {
        var ingestor = ActivityIngestor(members: c.members, period: c.period, vocabulary: rules.vocabulary)
        var recordAt: [Int: SourceLocation] = [:]
        for r in c.records {
            ingestor.add(record: r.values, location: r.location)
            recordAt[r.location.line] = r.location
        }
        var run = Scorer.score(ingestor.finish(), rules: rules, period: c.period, options: ScoreOptions(history: c.history))
        // Point rejects at the record's line and column in the rule file.
        for i in run.rejects.indices { run.rejects[i].location = recordAt[run.rejects[i].location.line] ?? run.rejects[i].location }
        var failures: [CaseFailure] = []
        let lead = "用例“\(c.name)”：", leadEn = "case '\(c.name)': "
        if var o = run.overflow {
            o.location = o.location.flatMap { recordAt[$0.line] } ?? c.location
            failures.append(CaseFailure(diagnostic: o.diagnostic, memberID: o.memberID, rejects: []))
            return CaseResult(ruleCase: c, run: run, failures: failures)
        }

        // Rejected records: none unless the case says how many.
        if let (expected, at) = c.expectRejects {
            if run.rejects.count != expected {
                failures.append(CaseFailure(
                    diagnostic: Diagnostic(id: "T002", location: at,
                                           zh: lead + "应拒收 \(expected) 条记录，实际拒收 \(run.rejects.count) 条",
                                           en: leadEn + "expected \(expected) rejected records, got \(run.rejects.count)"),
                    memberID: nil, rejects: run.rejects))
            }
        } else {
            for r in run.rejects {
                failures.append(CaseFailure(
                    diagnostic: Diagnostic(id: "T001", location: r.location,
                                           zh: lead + "这条记录被拒收：\(r.reason.message(.zh))",
                                           en: leadEn + "this record was rejected: \(r.reason.message(.en))",
                                           hintZh: "若用例就是要测试拒收，请写 expect_rejects: \(run.rejects.count)",
                                           hintEn: "if the case tests the reject, write 'expect_rejects: \(run.rejects.count)'"),
                    memberID: r.memberID.isEmpty ? nil : r.memberID, rejects: [r]))
            }
        }

        for e in c.expectations {
            guard let result = run.results.first(where: { run.members[$0.member].id == e.memberID }) else { continue }
            for check in e.checks {
                if let (zh, en, id) = mismatch(check.expected, result, rules: rules) {
                    failures.append(CaseFailure(
                        diagnostic: Diagnostic(id: id, location: check.location,
                                               zh: lead + "\(e.memberID) " + zh, en: leadEn + "\(e.memberID) " + en),
                        memberID: e.memberID, rejects: []))
                }
            }
        }
        return CaseResult(ruleCase: c, run: run, failures: failures)
    }

    /// A value in a case's message: exact, with the rounded figure beside a fraction
    /// (`12460/183 (≈68.09)`), so that two values that round alike still read as different.
    static func shown(_ p: Points) -> String {
        let decimal = p.display(decimals: Points.fractionDigits)
        return Points(exact: decimal) == p ? decimal : "\(p.exact) (≈\(p.display()))"
    }

    /// The message (zh, en, id) when `result` does not meet `expected`, or nil.
    static func mismatch(_ expected: RuleCase.Expected, _ r: MemberScore, rules: RuleSet) -> (String, String, String)? {
        switch expected {
        case .score(let p):
            guard r.score != p else { return nil }
            return ("的总分应为 \(shown(p))，实际为 \(shown(r.score))", "should score \(shown(p)), got \(shown(r.score))", "T003")
        case .grade(let g):
            let actual = rules.grades[r.grade].name
            guard actual != g else { return nil }
            return ("的等次应为“\(g)”，实际为“\(actual)”", "should be graded '\(g)', got '\(actual)'", "T004")
        case .color(let c):
            let actual = rules.grades[r.grade].color
            guard actual != c else { return nil }
            return ("的颜色应为“\(c)”，实际为“\(actual)”", "should be coloured '\(c)', got '\(actual)'", "T005")
        case .rank(let want):
            guard r.rank != want else { return nil }
            func zh(_ v: Int?) -> String { v.map { "第 \($0) 名" } ?? "不排名" }
            func en(_ v: Int?) -> String { v.map { "rank \($0)" } ?? "not ranked" }
            return ("的排名应为\(zh(want))，实际为\(zh(r.rank))", "should be \(en(want)), got \(en(r.rank))", "T006")
        case .category(let id, let p):
            guard let i = rules.categoryIndex(id: id), i < r.categoryPoints.count else { return nil }
            let actual = r.categoryPoints[i]
            guard actual != p else { return nil }
            let name = rules.categories[i].name
            return ("的“\(name)”（\(id)）得分应为 \(shown(p))，实际为 \(shown(actual))", "should get \(shown(p)) in '\(name)' (\(id)), got \(shown(actual))", "T007")
        case .vetoed(let want):
            let names = r.vetoes.map { rules.vetoes[$0.veto].name }
            guard want != !names.isEmpty else { return nil }
            return want
                ? ("应被否决，实际没有否决项适用", "should be vetoed, but no veto applied", "T008")
                : ("不应被否决，实际适用了否决项：\(names.joined(separator: "、"))",
                   "should not be vetoed, but got: \(names.joined(separator: ", "))", "T008")
        case .flags(let want):
            var actual: [String] = []
            for h in r.history where !actual.contains(rules.history[h.condition].effect.flag) { actual.append(rules.history[h.condition].effect.flag) }
            guard Set(actual) != Set(want) else { return nil }
            let a = actual.isEmpty ? "无" : actual.joined(separator: "、")
            let w = want.isEmpty ? "无" : want.joined(separator: "、")
            return ("的跨年度处理应为 \(w)，实际为 \(a)",
                    "should be flagged \(want.isEmpty ? "nothing" : want.joined(separator: ", ")), got \(actual.isEmpty ? "nothing" : actual.joined(separator: ", "))", "T009")
        case .vetoes(let ids):
            let actual = Array(Set(r.vetoes.map { rules.vetoes[$0.veto].id })).sorted()
            guard actual != Array(Set(ids)).sorted() else { return nil }
            let a = actual.isEmpty ? "无" : actual.joined(separator: "、")
            return ("的否决项应为 \(ids.joined(separator: "、"))，实际为 \(a)",
                    "should have vetoes \(ids.joined(separator: ", ")), got \(actual.isEmpty ? "none" : actual.joined(separator: ", "))", "T008")
        }
    }
}
