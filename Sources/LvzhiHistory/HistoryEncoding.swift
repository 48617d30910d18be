import Foundation
import GRDB
import GRDBSQLite
import LvzhiCore
import LvzhiReport
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
        var rankedInScope: Int?
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
                categoryText += categoryKeys[i] + ":\"" + (i < r.categoryPoints.count ? r.categoryPoints[i].display(decimals: Points.fractionDigits) : "0") + "\""
            }
            categoryText += "}"
            let vetoes = r.vetoes.isEmpty ? "[]" : array(r.vetoes.map { rules.vetoes[$0.veto].name }.uniquedSorted())
            let missed = r.missedRequirements.isEmpty ? "[]" : array(r.missedRequirements.map { rules.requirements[$0].name })
            rows.append(MemberRow(
                memberID: m.id, name: m.name, sector: m.sector, committee: m.committee, role: m.role, score: r.score.raw,
                rank: r.rank, rankScope: r.rankScope, gradeIndex: r.grade, grade: gradeNames[r.grade], color: gradeColors[r.grade],
                partial: r.partialPeriod, vetoes: vetoes, missed: missed, categories: categoryText, ruleCounts: ruleText,
                records: r.records, rankedInScope: r.rank == nil ? nil : r.rankedInScope))
        }
        return rows
    }

    /// The columns ``decodeResult(_:)`` reads, in its order.
    static let resultColumns = """
        run_id, member_id, name, sector, committee, role, score, rank, rank_scope, grade_index, grade, color,
        partial_period, vetoes, missed_requirements, categories, rule_counts, records, ranked_in_scope
        """

    /// Reads `SELECT resultColumns …` rows through SQLite's C interface (GRDB's by-name row
    /// access is the slow part when 100,000 rows are read).
    static func fetchResults(_ db: Database, sql: String, arguments: StatementArguments) throws -> [HistoryMemberResult] {
        let statement = try db.makeStatement(sql: sql)
        try statement.setArguments(arguments)
        let stmt = statement.sqliteStatement
        func text(_ i: Int32) -> String {
            guard let p = sqlite3_column_text(stmt, i) else { return "" }
            return String(cString: p)
        }
        var out: [HistoryMemberResult] = []
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: db.lastErrorMessage) }
            // Values outside their domain are an error naming the run, not a trap further on.
            let run = sqlite3_column_int64(stmt, 0)
            let score = sqlite3_column_int64(stmt, 6)
            guard score.magnitude <= HistoryStore.maxStoredScore.magnitude else {
                throw BadStoredValue(run: run, column: "score (\(text(1)))", value: String(score))
            }
            for (column, i) in [("rank", Int32(7)), ("grade_index", 9), ("records", 17), ("ranked_in_scope", 18)]
            where sqlite3_column_type(stmt, i) != SQLITE_NULL {
                let n = sqlite3_column_int64(stmt, i)
                guard n >= 0, n <= Int64(Int32.max) else { throw BadStoredValue(run: run, column: "\(column) (\(text(1)))", value: String(n)) }
            }
            var categories: [String: Points] = [:]
            for (k, v) in FlatJSON.object(text(15)) {
                if case .string(let s) = v, let p = Points(parsing: s) {
                    guard p.raw.magnitude <= HistoryStore.maxStoredScore.magnitude else {
                        throw BadStoredValue(run: run, column: "categories (\(text(1)))", value: s)
                    }
                    categories[k] = p
                }
            }
            var counts: [String: Int] = [:]
            for (k, v) in FlatJSON.object(text(16)) { if case .int(let n) = v { counts[k] = n } }
            out.append(HistoryMemberResult(
                runID: sqlite3_column_int64(stmt, 0), memberID: text(1), name: text(2), sector: text(3), committee: text(4),
                role: text(5), score: Points(raw: sqlite3_column_int64(stmt, 6)),
                rank: sqlite3_column_type(stmt, 7) == SQLITE_NULL ? nil : Int(sqlite3_column_int64(stmt, 7)),
                rankScope: text(8), gradeIndex: Int(sqlite3_column_int64(stmt, 9)), grade: text(10), color: text(11),
                partialPeriod: sqlite3_column_int64(stmt, 12) != 0, vetoes: FlatJSON.strings(text(13)),
                missedRequirements: FlatJSON.strings(text(14)), categoryPoints: categories, ruleCounts: counts,
                records: Int(sqlite3_column_int64(stmt, 17)),
                rankedInScope: sqlite3_column_type(stmt, 18) == SQLITE_NULL ? nil : Int(sqlite3_column_int64(stmt, 18))))
        }
        sqlite3_reset(stmt)
        return out
    }

    static func decodeCounts(_ text: String?) -> [String: Int] {
        var out: [String: Int] = [:]
        for (k, v) in FlatJSON.object(text ?? "") { if case .int(let n) = v { out[k] = n } }
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

    /// A JSON string literal, escaped as the reports' JSON is (``Escape/json(_:into:)``).
    static func quoted(_ s: String) -> String {
        var out = ByteBuffer(capacity: s.utf8.count + 8)
        Escape.json(s, into: &out)
        return String(decoding: out.bytes, as: UTF8.self)
    }
}

extension Array where Element == String {
    func uniquedSorted() -> [String] { Array(Set(self)).sorted() }
}

/// A reader for the flat JSON this file writes: an object of string keys to strings or whole
/// numbers, or an array of strings. Anything else yields what could be read (never a crash).
enum FlatJSON {
    enum Value: Equatable { case string(String), int(Int) }

    static func object(_ text: String) -> [(String, Value)] {
        var r = Reader(Array(text.utf8))
        var out: [(String, Value)] = []
        guard r.take(UInt8(ascii: "{")) else { return out }
        while let key = r.string() {
            guard r.take(UInt8(ascii: ":")) else { break }
            if let s = r.string() { out.append((key, .string(s))) } else if let n = r.int() { out.append((key, .int(n))) } else { break }
            if !r.take(UInt8(ascii: ",")) { break }
        }
        return out
    }

    static func strings(_ text: String) -> [String] {
        var r = Reader(Array(text.utf8))
        var out: [String] = []
        guard r.take(UInt8(ascii: "[")) else { return out }
        while let s = r.string() {
            out.append(s)
            if !r.take(UInt8(ascii: ",")) { break }
        }
        return out
    }

    struct Reader {
        let b: [UInt8]
        var i = 0
        init(_ b: [UInt8]) { self.b = b }

        mutating func take(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }

        mutating func int() -> Int? {
            var j = i, neg = false
            if j < b.count, b[j] == UInt8(ascii: "-") { neg = true; j += 1 }
            var n = 0, digits = 0
            while j < b.count, b[j] >= 0x30, b[j] <= 0x39, digits < 18 { n = n * 10 + Int(b[j] - 0x30); j += 1; digits += 1 }
            guard digits > 0 else { return nil }
            i = j
            return neg ? -n : n
        }

        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            var bytes: [UInt8] = []
            while i < b.count {
                let c = b[i]
                i += 1
                if c == UInt8(ascii: "\"") { return String(decoding: bytes, as: UTF8.self) }
                guard c == UInt8(ascii: "\\"), i < b.count else { bytes.append(c); continue }
                let e = b[i]
                i += 1
                switch e {
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    guard i + 4 <= b.count, let v = UInt32(String(decoding: b[i..<i + 4], as: UTF8.self), radix: 16),
                          let u = Unicode.Scalar(v) else { return nil }
                    i += 4
                    bytes += Array(String(Character(u)).utf8)
                default: bytes.append(e)
                }
            }
            return nil
        }
    }
}
