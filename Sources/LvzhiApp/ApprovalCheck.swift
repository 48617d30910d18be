import Foundation
import LvzhiCore
import LvzhiHistory
import LvzhiIngest
import LvzhiRules
import LvzhiScoring

public enum ApprovalCheck {
    /// Re-scores `file`'s inputs with `rules` (default: the rule file it names) for its period
    /// and compares every approved member's score and grade.
    public static func run(_ file: ApprovalFile, rules: String? = nil, lang: Language) -> ApprovalOutcome {
        let rulesPath = rules ?? file.rules
        var outcome = ApprovalOutcome(file: file, rules: rulesPath, status: .unchanged)
        for i in [file.members] + file.activities + file.mappings + file.corrections {
            let actual = ContentHash.sha256(file: i.path)
            if actual != i.sha256 { outcome.stale.append(.init(path: i.path, expected: i.sha256, actual: actual, location: i.location)) }
        }
        if !outcome.stale.isEmpty {
            outcome.status = .staleInputs
            return outcome
        }
        var mappings: [Mapping] = []
        for m in file.mappings {
            do { mappings.append(try MappingLoader.load(path: m.path)) } catch {
                outcome.status = .failed
                outcome.failure = error.render(lang)
                return outcome
            }
        }
        var corrections: CorrectionSet?
        if let c = file.corrections.first {
            do { corrections = try CorrectionLoader.load(path: c.path) } catch {
                outcome.status = .failed
                outcome.failure = error.render(lang)
                return outcome
            }
        }
        // The earlier periods the run read, from the same stored runs (published runs never
        // change). Needed only by rule files with multi-year conditions.
        var facts: HistoryFacts?
        if let h = file.history, let rules = try? RuleFileLoader.load(path: rulesPath), !rules.history.isEmpty {
            let place = h.location.map { "\(file.path):\($0.line)" + ($0.column.map { ":\($0)" } ?? "") } ?? file.path
            guard FileManager.default.fileExists(atPath: h.path) else {
                outcome.status = .failed
                outcome.failure = lang.pick(
                    "错误: \(place)：找不到历史数据库 \(h.path)\n  提示: 规则文件有跨年度条件，需要核准时读取的往年结果（运行 \(h.runs.map { "#\($0)" }.joined(separator: "、"))）；请把历史数据库放回该位置。",
                    "error: \(place): no history database at \(h.path)\n  hint: the rule file has multi-year conditions and needs the earlier results the run read (runs \(h.runs.map { "#\($0)" }.joined(separator: ", "))); put the history database back there.")
                return outcome
            }
            do {
                facts = try HistoryStore.open(path: h.path).priorResults(runs: h.runs).facts
            } catch {
                outcome.status = .failed
                outcome.failure = "\(place): " + error.message(lang)
                return outcome
            }
        }
        let run: ScoreRun
        do {
            run = try ScoringPipeline.run(rules: rulesPath, members: file.members.path, activities: file.activities.map(\.path),
                                          period: file.period, mappings: mappings, corrections: corrections, history: facts)
        } catch {
            outcome.status = .failed
            switch error {
            case .rules(let e): outcome.failure = e.render(lang)
            case .input(let e): outcome.failure = e.diagnostic.render(lang)
            case .files(let f): outcome.failure = f.render(lang)
            case .noPeriod, .badPeriod: outcome.failure = lang.pick("错误: 核准文件的考核期间“\(file.period)”无法识别", "error: the approval file's period '\(file.period)' is not valid")
            case .corrections(let e): outcome.failure = e.render(lang)
            case .overflow(let o): outcome.failure = o.diagnostic.render(lang)
            case .asOfOutsidePeriod: outcome.failure = lang.pick("错误: 核准文件的考核期间“\(file.period)”无法识别", "error: the approval file's period '\(file.period)' is not valid")
            }
            return outcome
        }
        var byID: [String: MemberScore] = [:]
        for r in run.results { byID[run.members[r.member].id] = r }
        for a in file.results {
            outcome.compared += 1
            guard let r = byID[a.memberID] else {
                outcome.changes.append(.init(memberID: a.memberID, name: a.name, oldScore: a.score, oldGrade: a.grade, location: a.location))
                continue
            }
            let grade = run.rules.grades[r.grade].name
            // History (and so an approval file) keeps scores to four places: an exact score
            // matches the approved one when it rounds to it.
            if Points(raw: r.score.raw) != a.score || grade != a.grade {
                outcome.changes.append(.init(memberID: a.memberID, name: a.name, oldScore: a.score, oldGrade: a.grade,
                                             newScore: r.score, newGrade: grade, location: a.location))
            }
        }
        outcome.status = outcome.changes.isEmpty ? .unchanged : .changed
        return outcome
    }
}
