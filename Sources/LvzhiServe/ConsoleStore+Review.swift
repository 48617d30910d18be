import Foundation
import GRDB
import LvzhiApp
import LvzhiCore

/// A correction proposed in the console (复核申请), by a clerk or from a member's 异议.
public struct ProposedCorrection: Sendable, Equatable {
    public enum Status: String, Sendable { case proposed, approved, rejected }
    public enum Origin: String, Sendable { case staff, member }

    public var id: Int64
    /// The run the correction was proposed against.
    public var runID: Int64
    /// What is asked (its `approvedBy` is empty until approved).
    public var entry: CorrectionEntry
    public var proposedBy: String
    public var proposedAt: String
    public var origin: Origin
    public var status: Status
    public var decidedBy: String?
    public var decidedAt: String?
    /// Why it was rejected.
    public var note: String?
    /// The new draft the approval produced.
    public var resultRun: Int64?
}

/// A member check window (委员核对): members' links work from `opensAt` to `closesAt`.
public struct CheckWindow: Sendable, Equatable {
    public var id: Int64
    public var runID: Int64
    public var opensAt: Date
    public var closesAt: Date
    public var openedBy: String
    public var closed: Bool

    public func isOpen(at now: Date = Date()) -> Bool { !closed && now >= opensAt && now < closesAt }
}

/// A member's link in a window; the store keeps only the SHA-256 of the token.
public struct MemberLink: Sendable, Equatable {
    public var windowID: Int64
    public var memberID: String
    public var tokenHash: String
    public var revoked: Bool
}

extension ConsoleStore {
    static let reviewSchema = """
        CREATE TABLE IF NOT EXISTS console_run_request (
          run_id INTEGER PRIMARY KEY NOT NULL,
          request TEXT NOT NULL,
          redo_of INTEGER);
        CREATE TABLE IF NOT EXISTS console_correction (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          run_id INTEGER NOT NULL,
          entry TEXT NOT NULL,
          proposed_by TEXT NOT NULL,
          proposed_at TEXT NOT NULL,
          origin TEXT NOT NULL,
          status TEXT NOT NULL,
          decided_by TEXT,
          decided_at TEXT,
          note TEXT,
          result_run INTEGER);
        CREATE TABLE IF NOT EXISTS console_window (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          run_id INTEGER NOT NULL,
          opens_at REAL NOT NULL,
          closes_at REAL NOT NULL,
          opened_by TEXT NOT NULL,
          closed INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS console_member_link (
          token_hash TEXT PRIMARY KEY NOT NULL,
          window_id INTEGER NOT NULL,
          member_id TEXT NOT NULL,
          revoked INTEGER NOT NULL DEFAULT 0,
          UNIQUE (window_id, member_id));
        """

    static let jsonEncoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    // MARK: Run requests

    /// What a console run was asked to score, so that it can be redone with corrections.
    public func recordRequest(run id: Int64, _ request: Console.ScoringRequest, redoOf: Int64?) throws {
        let json = String(decoding: try Self.jsonEncoder.encode(request), as: UTF8.self)
        try queue.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO console_run_request (run_id, request, redo_of) VALUES (?, ?, ?)",
                           arguments: [id, json, redoOf])
        }
    }

    public func request(run id: Int64) throws -> Console.ScoringRequest? {
        let json = try queue.read { db in try String.fetchOne(db, sql: "SELECT request FROM console_run_request WHERE run_id = ?", arguments: [id]) }
        return try json.map { try JSONDecoder().decode(Console.ScoringRequest.self, from: Data($0.utf8)) }
    }

    /// The newest run redone from `id` (through approved corrections), or `id` itself.
    public func latestRedo(of id: Int64) throws -> Int64 {
        var current = id
        for _ in 0..<10_000 {
            let next = try queue.read { db in
                try Int64.fetchOne(db, sql: "SELECT MAX(run_id) FROM console_run_request WHERE redo_of = ?", arguments: [current])
            }
            guard let next else { return current }
            current = next
        }
        return current
    }

    // MARK: Corrections

    public func propose(run: Int64, entry: CorrectionEntry, by account: String, origin: ProposedCorrection.Origin) throws -> Int64 {
        let json = String(decoding: try Self.jsonEncoder.encode(entry), as: UTF8.self)
        return try queue.write { db in
            try db.execute(sql: "INSERT INTO console_correction (run_id, entry, proposed_by, proposed_at, origin, status) VALUES (?, ?, ?, ?, ?, 'proposed')",
                           arguments: [run, json, account, Self.now(), origin.rawValue])
            return db.lastInsertedRowID
        }
    }

    static func decodeCorrection(_ row: Row) throws -> ProposedCorrection {
        ProposedCorrection(id: row["id"], runID: row["run_id"],
                           entry: try JSONDecoder().decode(CorrectionEntry.self, from: Data((row["entry"] as String).utf8)),
                           proposedBy: row["proposed_by"], proposedAt: row["proposed_at"],
                           origin: ProposedCorrection.Origin(rawValue: row["origin"]) ?? .staff,
                           status: ProposedCorrection.Status(rawValue: row["status"]) ?? .proposed,
                           decidedBy: row["decided_by"], decidedAt: row["decided_at"], note: row["note"], resultRun: row["result_run"])
    }

    public func correction(_ id: Int64) throws -> ProposedCorrection? {
        try queue.read { db in try Row.fetchOne(db, sql: "SELECT * FROM console_correction WHERE id = ?", arguments: [id]) }
            .map(Self.decodeCorrection)
    }

    /// Corrections, newest first: of one run, or (run nil) all of them, optionally only those in `status`.
    public func corrections(run: Int64? = nil, status: ProposedCorrection.Status? = nil) throws -> [ProposedCorrection] {
        var sql = "SELECT * FROM console_correction WHERE 1"
        var args: [any DatabaseValueConvertible] = []
        if let run { sql += " AND run_id = ?"; args.append(run) }
        if let status { sql += " AND status = ?"; args.append(status.rawValue) }
        sql += " ORDER BY id DESC"
        let rows = try queue.read { db in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)) }
        return try rows.map(Self.decodeCorrection)
    }

    /// Records a decision on a correction still proposed; false when someone decided it first.
    /// - Parameter entry: the entry as approved (with approver and date), replacing the proposal's.
    public func decide(_ id: Int64, status: ProposedCorrection.Status, by account: String, note: String?, resultRun: Int64?,
                       entry: CorrectionEntry? = nil) throws -> Bool {
        let json = try entry.map { String(decoding: try Self.jsonEncoder.encode($0), as: UTF8.self) }
        return try queue.write { db in
            try db.execute(sql: "UPDATE console_correction SET status = ?, decided_by = ?, decided_at = ?, note = ?, result_run = ?, entry = COALESCE(?, entry) WHERE id = ? AND status = 'proposed'",
                           arguments: [status.rawValue, account, Self.now(), note, resultRun, json, id])
            return db.changesCount == 1
        }
    }

    public func setResultRun(_ id: Int64, _ run: Int64) throws {
        try queue.write { db in try db.execute(sql: "UPDATE console_correction SET result_run = ? WHERE id = ?", arguments: [run, id]) }
    }

    /// Back to proposed (an approval whose re-scoring failed).
    public func reopen(_ id: Int64, entry: CorrectionEntry) throws {
        let json = String(decoding: try Self.jsonEncoder.encode(entry), as: UTF8.self)
        try queue.write { db in
            try db.execute(sql: "UPDATE console_correction SET status = 'proposed', decided_by = NULL, decided_at = NULL, result_run = NULL, entry = ? WHERE id = ?",
                           arguments: [json, id])
        }
    }

    // MARK: Member check windows

    public func openWindow(run: Int64, opens: Date, closes: Date, by account: String) throws -> Int64 {
        try queue.write { db in
            try db.execute(sql: "INSERT INTO console_window (run_id, opens_at, closes_at, opened_by) VALUES (?, ?, ?, ?)",
                           arguments: [run, opens.timeIntervalSince1970, closes.timeIntervalSince1970, account])
            return db.lastInsertedRowID
        }
    }

    static func decodeWindow(_ row: Row) -> CheckWindow {
        CheckWindow(id: row["id"], runID: row["run_id"], opensAt: Date(timeIntervalSince1970: row["opens_at"]),
                    closesAt: Date(timeIntervalSince1970: row["closes_at"]), openedBy: row["opened_by"], closed: row["closed"])
    }

    public func window(_ id: Int64) throws -> CheckWindow? {
        try queue.read { db in try Row.fetchOne(db, sql: "SELECT * FROM console_window WHERE id = ?", arguments: [id]) }.map(Self.decodeWindow)
    }

    public func windows() throws -> [CheckWindow] {
        try queue.read { db in try Row.fetchAll(db, sql: "SELECT * FROM console_window ORDER BY id DESC") }.map(Self.decodeWindow)
    }

    public func closeWindow(_ id: Int64) throws {
        try queue.write { db in try db.execute(sql: "UPDATE console_window SET closed = 1 WHERE id = ?", arguments: [id]) }
    }

    /// Stores a member's link (only the token's hash), replacing an earlier link of the same
    /// member in the window (which stops working).
    public func addLink(window: Int64, member: String, tokenHash: String) throws {
        try queue.write { db in
            try db.execute(sql: "DELETE FROM console_member_link WHERE window_id = ? AND member_id = ?", arguments: [window, member])
            try db.execute(sql: "INSERT INTO console_member_link (token_hash, window_id, member_id) VALUES (?, ?, ?)",
                           arguments: [tokenHash, window, member])
        }
    }

    /// Stores the links of a new window in one transaction.
    public func addLinks(window: Int64, _ links: [(member: String, tokenHash: String)]) throws {
        try queue.write { db in
            for l in links {
                try db.execute(sql: "INSERT INTO console_member_link (token_hash, window_id, member_id) VALUES (?, ?, ?)",
                               arguments: [l.tokenHash, window, l.member])
            }
        }
    }

    public func link(tokenHash: String) throws -> MemberLink? {
        try queue.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM console_member_link WHERE token_hash = ?", arguments: [tokenHash]).map {
                MemberLink(windowID: $0["window_id"], memberID: $0["member_id"], tokenHash: $0["token_hash"], revoked: $0["revoked"])
            }
        }
    }

    public func links(window: Int64) throws -> [MemberLink] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM console_member_link WHERE window_id = ? ORDER BY member_id", arguments: [window]).map {
                MemberLink(windowID: $0["window_id"], memberID: $0["member_id"], tokenHash: $0["token_hash"], revoked: $0["revoked"])
            }
        }
    }

    public func revokeLink(window: Int64, member: String) throws -> Bool {
        try queue.write { db in
            try db.execute(sql: "UPDATE console_member_link SET revoked = 1 WHERE window_id = ? AND member_id = ?", arguments: [window, member])
            return db.changesCount > 0
        }
    }
}
