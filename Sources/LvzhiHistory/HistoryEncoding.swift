import Foundation
import GRDB
import LvzhiCore
import LvzhiRules
import LvzhiScoring

/// Rows and the small JSON columns of the history database. JSON is written by hand (sorted
/// keys, points as decimal text) so that equal runs give equal bytes.
enum HistoryEncoding {
    struct MemberRow {
        var memberID, name, sector, committee, role: String
        var score: Int64
        var rank: Int?
        var rankScope: String
        var gradeIndex: Int
        var grade, color: String
        var partial: Bool
        var vetoes, missed, categories, ruleCounts: String
        var records: Int
    }

    /// One row per member, in the run's result order.
    /// - Complexity: O(members × (rules + categories) + ledger lines).
    static func memberRows(_ run: ScoreRun) -> [MemberRow] {
        let rules = run.rules
        // JSON keys in bytewise order, worked out once.
        func byteOrder(_ ids: [String]) -> [Int] {
            ids.indices.sorted { Array(ids[$0].utf8).lexicographicallyPrecedes(Array(ids[$1].utf8)) }
        }
        let ruleKeys = rules.rules.map { quoted($0.id) }
        let ruleOrder = byteOrder(rules.rules.map(\.id))
        let categoryKeys = rules.categories.map { quoted($0.id) }
        let categoryOrder = byteOrder(rules.categories.map(\.id))
        let gradeNames = rules.grades.map(\.name), gradeColors = rules.grades.map(\.color)
        var counts = [Int](repeating: 0, count: rules.rules.count)
        var rows: [MemberRow] = []
        rows.reserveCapacity(run.results.count)
        for r in run.results {
            let m = run.members[r.member]
            for i in counts.indices { counts[i] = 0 }
            for e in r.ledger where e.rule >= 0 && e.record >= 0 { counts[Int(e.rule)] += 1 }
            var ruleText = "{"
            for i in ruleOrder where counts[i] > 0 {
                if ruleText.utf8.count > 1 { ruleText += "," }
                ruleText += ruleKeys[i] + ":" + String(counts[i])
            }
            ruleText += "}"
            var categoryText = "{"
            for i in categoryOrder {
                if categoryText.utf8.count > 1 { categoryText += "," }
                categoryText += categoryKeys[i] + ":\"" + (i < r.categoryPoints.count ? r.categoryPoints[i].description : "0") + "\""
            }
            categoryText += "}"
            let vetoes = r.vetoes.isEmpty ? "[]" : array(r.vetoes.map { rules.vetoes[$0.veto].name }.uniquedSorted())
            let missed = r.missedRequirements.isEmpty ? "[]" : array(r.missedRequirements.map { rules.requirements[$0].name })
            rows.append(MemberRow(
                memberID: m.id, name: m.name, sector: m.sector, committee: m.committee, role: m.role, score: r.score.raw,
                rank: r.rank, rankScope: r.rankScope, gradeIndex: r.grade, grade: gradeNames[r.grade], color: gradeColors[r.grade],
                partial: r.partialPeriod, vetoes: vetoes, missed: missed, categories: categoryText, ruleCounts: ruleText,
                records: r.records))
        }
        return rows
    }

    static func decodeResult(_ row: Row) -> HistoryMemberResult {
        var categories: [String: Points] = [:]
        for (k, v) in (parse(row["categories"]) as? [String: Any]) ?? [:] {
            if let s = v as? String, let p = Points(parsing: s) { categories[k] = p }
        }
        return HistoryMemberResult(
            runID: row["run_id"], memberID: row["member_id"], name: row["name"], sector: row["sector"], committee: row["committee"],
            role: row["role"], score: Points(raw: row["score"]), rank: row["rank"], rankScope: row["rank_scope"],
            gradeIndex: row["grade_index"], grade: row["grade"], color: row["color"], partialPeriod: row["partial_period"],
            vetoes: (parse(row["vetoes"]) as? [String]) ?? [], missedRequirements: (parse(row["missed_requirements"]) as? [String]) ?? [],
            categoryPoints: categories, ruleCounts: decodeCounts(row["rule_counts"]), records: row["records"])
    }

    static func decodeCounts(_ text: String?) -> [String: Int] {
        var out: [String: Int] = [:]
        for (k, v) in (parse(text) as? [String: Any]) ?? [:] { if let n = v as? NSNumber { out[k] = n.intValue } }
        return out
    }

    static func grades(_ gs: [HistoryGrade]) -> String {
        "[" + gs.map { object([("name", quoted($0.name)), ("color", quoted($0.color)), ("hex", quoted($0.hex)), ("count", String($0.count))], sort: false) }
            .joined(separator: ",") + "]"
    }

    static func decodeGrades(_ text: String?) -> [HistoryGrade] {
        ((parse(text) as? [[String: Any]]) ?? []).map {
            HistoryGrade(name: $0["name"] as? String ?? "", color: $0["color"] as? String ?? "", hex: $0["hex"] as? String ?? "",
                         count: ($0["count"] as? NSNumber)?.intValue ?? 0)
        }
    }

    static func categories(_ cs: [HistoryCategory]) -> String {
        "[" + cs.map { object([("id", quoted($0.id)), ("name", quoted($0.name))], sort: false) }.joined(separator: ",") + "]"
    }

    static func decodeCategories(_ text: String?) -> [HistoryCategory] {
        ((parse(text) as? [[String: Any]]) ?? []).map { HistoryCategory(id: $0["id"] as? String ?? "", name: $0["name"] as? String ?? "") }
    }

    // MARK: - JSON text

    static func parse(_ text: String?) -> Any? {
        guard let text, let d = text.data(using: .utf8) else { return nil }
        return try? JSONSerialization.jsonObject(with: d)
    }

    /// `{"k":v,…}` from keys and already-encoded values; keys sorted bytewise unless `sort` is false.
    static func object(_ pairs: [(String, String)], sort: Bool = true) -> String {
        let ordered = sort ? pairs.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) } : pairs
        return "{" + ordered.map { quoted($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    static func array(_ items: [String]) -> String { "[" + items.map(quoted).joined(separator: ",") + "]" }

    /// A JSON string literal.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

extension Array where Element == String {
    func uniquedSorted() -> [String] { Array(Set(self)).sorted() }
}
