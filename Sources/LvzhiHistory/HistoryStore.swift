import Foundation
import GRDB
import GRDBSQLite
import LvzhiCore
import LvzhiRules
import LvzhiScoring

/// The run history: every `lvzhi score` run, its inputs and every member's result, in one
/// SQLite file.
///
/// ```swift
/// let store = try HistoryStore.open(path: "out/lvzhi-history.sqlite")
/// let run = try store.record(HistoryRecord(run: scoreRun, runTime: "2025-12-31T09:00:00+08:00", toolVersion: "0.1.0"))
/// let prior = try store.priorResults(before: scoreRun.period, rulesName: scoreRun.rules.name)
/// ```
///
/// Points are stored exactly, as integer ten-thousandths (``Points/raw``) in columns and as
/// decimal text inside JSON; never as REAL. Published runs cannot be changed or deleted
/// (SQL triggers refuse it); a period's published run can only be superseded by a new one.
/// The store is safe to share between threads (GRDB serialises access) and between processes
/// (SQLite locks; writers wait up to a minute for each other).
public final class HistoryStore: Sendable {
    /// The database file.
    public let path: String
    let queue: DatabaseQueue

    /// The default file name, created beside the output folder.
    public static let defaultFileName = "lvzhi-history.sqlite"

    private init(path: String, queue: DatabaseQueue) {
        self.path = path
        self.queue = queue
    }

    /// Opens the database at `path`, creating the folder and the file when missing, and
    /// migrates it to the current schema.
    /// - Throws: ``HistoryError`` (`.cannotOpen`, `.notADatabase`, `.newerSchema`, `.database`).
    public static func open(path: String) throws(HistoryError) -> HistoryStore {
        let dir = PathText.parent(path)
        if !dir.isEmpty {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                // Another run may have made it at the same moment (Foundation then throws).
                var isDir: ObjCBool = false
                if !(FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) && isDir.boolValue) {
                    throw .cannotOpen(path: path, reason: "\(error.localizedDescription)")
                }
            }
        }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw .cannotOpen(path: path, reason: "is a folder")
        }
        // SQLite would write through a symbolic link planted under the database's name (or
        // block on a FIFO): only a regular file, or none yet, is opened.
        var st = stat()
        if lstat(path, &st) == 0 {
            let kind = st.st_mode & S_IFMT
            if kind == S_IFLNK { throw .cannotOpen(path: path, reason: "is a symbolic link (give the real file with --history)") }
            if kind != S_IFREG { throw .cannotOpen(path: path, reason: "is not a regular file") }
        }
        var config = Configuration()
        config.busyMode = .timeout(60)
        config.label = "lvzhi-history"
        let queue: DatabaseQueue
        do { queue = try DatabaseQueue(path: path, configuration: config) } catch {
            throw map(error, path: path)
        }
        let store = HistoryStore(path: path, queue: queue)
        try store.migrate()
        return store
    }

    private func migrate() throws(HistoryError) {
        let migrator = Self.migrator
        do {
            // Runs opening the same new file at once race: the loser's migration fails on tables
            // the winner has just made, or reads the schema while it is being made ("no such
            // table: grdb_migrations"). Migrated is migrated, whoever did it; while another run
            // may still be migrating, look again.
            for attempt in 1...Self.migrationTries {
                do {
                    let (superseded, unknown) = try queue.read { db -> (Bool, [String]) in
                        let s = try migrator.hasBeenSuperseded(db)
                        let applied = try migrator.appliedIdentifiers(db)
                        return (s, applied.subtracting(Self.migrationNames).sorted())
                    }
                    if superseded { throw HistoryError.newerSchema(path: path, unknown: unknown) }
                    try migrator.migrate(queue)
                    return
                } catch let e as HistoryError {
                    throw e
                } catch {
                    if (try? queue.read({ try migrator.hasCompletedMigrations($0) })) == true { return }
                    guard attempt < Self.migrationTries, Self.mayBeARace(error) else { throw error }
                    usleep(UInt32(20_000 * attempt))
                }
            }
        } catch let e as HistoryError {
            throw e
        } catch {
            throw Self.map(error, path: path)
        }
    }

    /// Tries of a run that lost the race (under a second of waiting in all). An error that is no
    /// race (not a database, read-only, a newer schema) fails at the first try.
    static let migrationTries = 10

    /// Whether a failed migration may have met another run's migrating the same file (a table
    /// it has just made, its lock, its schema change) rather than a file that cannot be migrated.
    static func mayBeARace(_ error: any Error) -> Bool {
        guard let e = error as? DatabaseError else { return false }
        return [.SQLITE_ERROR, .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_SCHEMA].contains(e.resultCode)
    }

    static func map(_ error: any Error, path: String) -> HistoryError {
        if let e = error as? HistoryError { return e }
        if let e = error as? BadStoredValue { return .badValue(path: path, run: e.run, column: e.column, value: e.value) }
        if let e = error as? DatabaseError {
            if e.resultCode == .SQLITE_NOTADB || e.resultCode == .SQLITE_CORRUPT { return .notADatabase(path: path) }
            if e.resultCode == .SQLITE_CANTOPEN || e.resultCode == .SQLITE_PERM || e.resultCode == .SQLITE_READONLY {
                return .cannotOpen(path: path, reason: e.message ?? "\(e.resultCode)")
            }
            return .database(path: path, reason: e.message ?? "\(e)")
        }
        return .database(path: path, reason: "\(error)")
    }

    // MARK: - Recording

    /// Records one run in one transaction. For a published run, refuses (``HistoryError/alreadyPublished(existing:period:rulesName:)``)
    /// when the period already has a current published run of the same rule-file name, unless
    /// `entry.supersede` is set: then the new run supersedes that one.
    ///
    /// `beforeCommit` runs inside the transaction after every row is written and before the
    /// commit: `lvzhi score` swaps its output folder into place there, so that an error in
    /// either leaves both unchanged (the transaction is rolled back). An error thrown by
    /// `beforeCommit` is rethrown as is.
    /// - Returns: the recorded run.
    /// - Throws: ``HistoryError``, or what `beforeCommit` threw.
    /// - Complexity: O(members + ledger lines); one prepared statement per table.
    @discardableResult
    public func record(_ entry: HistoryRecord, pending: PendingCommit? = nil,
                       beforeCommit: (HistoryRun) throws -> Void = { _ in }) throws -> HistoryRun {
        let run = entry.run
        let rows = HistoryEncoding.memberRows(run)
        var id: Int64 = 0
        var pendingRun: HistoryRun?
        do {
            try queue.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    var supersedes: Int64?
                    if entry.status == .published {
                        if let current = try Self.currentPublished(db, period: run.period, rulesName: run.rules.name) {
                            guard entry.supersede else {
                                throw HistoryError.alreadyPublished(existing: current, period: Self.label(of: run.period), rulesName: run.rules.name)
                            }
                            supersedes = current
                        }
                    }
                    id = try Self.insertRun(db, entry)
                    try Self.insertMembers(db, run: id, rows: rows)
                    let input = try db.cachedStatement(sql: "INSERT INTO run_input (run_id, seq, role, path, sha256) VALUES (?, ?, ?, ?, ?)")
                    for (i, f) in entry.inputs.enumerated() {
                        try input.execute(arguments: [id, i + 1, f.role.rawValue, HistoryPaths.absolute(f.path), f.sha256])
                    }
                    let correction = try db.cachedStatement(sql: """
                        INSERT INTO correction (run_id, seq, action, record_id, member_id, detail, reason, approved_by,
                          source_file, source_line, source_column) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                    for c in entry.corrections {
                        try correction.execute(arguments: [id, c.seq, c.action, c.recordID, c.memberID, c.detail, c.reason, c.approvedBy,
                                                           c.source?.file, c.source?.line, c.source?.column])
                    }
                    if let pending {
                        // Recorded as a draft, hidden until ``completePending(_:)``.
                        pendingRun = try Self.fetchRun(db, id: id)
                        try db.execute(sql: """
                            INSERT INTO pending_commit (run_id, out_path, token, publish, supersede, published_at) VALUES (?, ?, ?, ?, ?, ?)
                            """, arguments: [id, HistoryPaths.absolute(pending.outPath), pending.token, entry.status == .published,
                                             entry.supersede, entry.publishedAt ?? entry.runTime])
                        FaultPoint.reach("history-rows")
                        return .commit
                    }
                    if entry.status == .published {
                        try db.execute(sql: "UPDATE run SET status = 'published', published_at = ?, supersedes = ? WHERE id = ?",
                                       arguments: [entry.publishedAt ?? entry.runTime, supersedes, id])
                    }
                    guard let recorded = try Self.fetchRun(db, id: id) else { throw HistoryError.noSuchRun(id) }
                    try beforeCommit(recorded)
                    return .commit
                }
            }
        } catch let e as DatabaseError {
            throw Self.map(e, path: path)
        }
        if pending != nil {
            guard let pendingRun else { throw HistoryError.noSuchRun(id) }
            return pendingRun
        }
        guard let recorded = try self.run(id) else { throw HistoryError.noSuchRun(id) }
        return recorded
    }

    // MARK: - Pending runs (recorded before the output swap)

    /// Completes a pending run once its outputs are in place: it becomes visible, as a draft
    /// or (when it was recorded for publication) published. If the period was published
    /// meanwhile by another run, the run stays a draft and ``HistoryError/alreadyPublished(existing:period:rulesName:)``
    /// is thrown after the draft is committed.
    /// - Returns: the run as now recorded.
    @discardableResult
    public func completePending(_ id: Int64) throws(HistoryError) -> HistoryRun {
        var refusal: HistoryError?
        do {
            try queue.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    guard let row = try Row.fetchOne(db, sql: "SELECT * FROM pending_commit WHERE run_id = ?", arguments: [id]) else {
                        return .commit   // completed already
                    }
                    try db.execute(sql: "DELETE FROM pending_commit WHERE run_id = ?", arguments: [id])
                    let publish: Bool = row["publish"]
                    if publish, let r = try Self.fetchRun(db, id: id) {
                        var supersedes: Int64?
                        if let current = try Self.currentPublished(db, period: r.period, rulesName: r.rulesName), current != id {
                            let supersede: Bool = row["supersede"]
                            if supersede {
                                supersedes = current
                            } else {
                                refusal = .alreadyPublished(existing: current, period: r.periodLabel, rulesName: r.rulesName)
                                return .commit
                            }
                        }
                        try db.execute(sql: "UPDATE run SET status = 'published', published_at = ?, supersedes = ? WHERE id = ?",
                                       arguments: [row["published_at"] as String?, supersedes, id])
                    }
                    return .commit
                }
            }
        } catch {
            throw Self.map(error, path: path)
        }
        FaultPoint.reach("history-completed")
        if let refusal { throw refusal }
        guard let r = try run(id) else { throw .noSuchRun(id) }
        return r
    }

    /// Removes a pending run and everything recorded with it (its outputs were not swapped in).
    public func rollBackPending(_ id: Int64) throws(HistoryError) {
        do {
            try queue.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM pending_commit WHERE run_id = ?)", arguments: [id]) == true else {
                        return .commit
                    }
                    for table in ["member_result", "run_input", "correction", "pending_commit"] {
                        try db.execute(sql: "DELETE FROM \(table) WHERE run_id = ?", arguments: [id])
                    }
                    try db.execute(sql: "DELETE FROM run WHERE id = ? AND status = 'draft'", arguments: [id])
                    return .commit
                }
            }
        } catch {
            throw Self.map(error, path: path)
        }
    }

    /// What happened to a run left pending by a run that was killed.
    public enum PendingOutcome: Sendable, Equatable {
        /// Its outputs are in the folder (the manifest carries its token): completed.
        case completed(Int64)
        /// Its outputs never reached the folder: removed.
        case rolledBack(Int64)
        /// Completed as a draft: the period was published meanwhile.
        case completedAsDraft(Int64)
    }

    /// Settles the runs left pending for output folder `outPath` by runs that were killed
    /// between recording and completing: a run whose token is the one in the folder's
    /// manifest (`token`) has its outputs in place and is completed; any other is removed.
    /// Call with the folder's lock held (no run on it is under way).
    public func resolvePending(outPath: String, token: String?) throws(HistoryError) -> [PendingOutcome] {
        let rows = try read { db in
            try Row.fetchAll(db, sql: "SELECT run_id, token FROM pending_commit WHERE out_path = ? ORDER BY run_id",
                             arguments: [HistoryPaths.absolute(outPath)]).map { ($0["run_id"] as Int64, $0["token"] as String) }
        }
        var out: [PendingOutcome] = []
        for (id, t) in rows {
            if let token, t == token {
                do {
                    try completePending(id)
                    out.append(.completed(id))
                } catch .alreadyPublished {
                    out.append(.completedAsDraft(id))
                }
            } else {
                try rollBackPending(id)
                out.append(.rolledBack(id))
            }
        }
        return out
    }

    /// One prepared statement bound through SQLite's C interface: 20,000 members in a few
    /// hundred milliseconds even in a debug build.
    private static func insertMembers(_ db: Database, run id: Int64, rows: [HistoryEncoding.MemberRow]) throws {
        let statement = try db.makeStatement(sql: """
            INSERT INTO member_result (run_id, member_id, name, sector, committee, role, score, rank, rank_scope,
              grade_index, grade, color, partial_period, vetoes, missed_requirements, categories, rule_counts, records,
              ranked_in_scope)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let stmt = statement.sqliteStatement
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        func text(_ i: Int32, _ s: String) {
            _ = s.withCString { sqlite3_bind_text(stmt, i, $0, -1, transient) }
        }
        for r in rows {
            sqlite3_reset(stmt)
            sqlite3_bind_int64(stmt, 1, id)
            text(2, r.memberID); text(3, r.name); text(4, r.sector); text(5, r.committee); text(6, r.role)
            sqlite3_bind_int64(stmt, 7, r.score)
            if let rank = r.rank { sqlite3_bind_int64(stmt, 8, Int64(rank)) } else { sqlite3_bind_null(stmt, 8) }
            text(9, r.rankScope)
            sqlite3_bind_int64(stmt, 10, Int64(r.gradeIndex))
            text(11, r.grade); text(12, r.color)
            sqlite3_bind_int64(stmt, 13, r.partial ? 1 : 0)
            text(14, r.vetoes); text(15, r.missed); text(16, r.categories); text(17, r.ruleCounts)
            sqlite3_bind_int64(stmt, 18, Int64(r.records))
            if let n = r.rankedInScope { sqlite3_bind_int64(stmt, 19, Int64(n)) } else { sqlite3_bind_null(stmt, 19) }
            let rc = sqlite3_step(stmt)
            guard rc == SQLITE_DONE else {
                throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: db.lastErrorMessage)
            }
        }
        sqlite3_reset(stmt)
    }

    private static func insertRun(_ db: Database, _ e: HistoryRecord) throws -> Int64 {
        let run = e.run
        let grades = run.rules.grades.enumerated().map { i, g in
            HistoryGrade(name: g.name, color: g.color, hex: g.hex, count: i < run.gradeCounts.count ? run.gradeCounts[i] : 0)
        }
        let categories = run.rules.categories.map { HistoryCategory(id: $0.id, name: $0.name) }
        let rulesPath = HistoryPaths.absolute(run.rules.path)
        let extendsPath = run.rules.extends.map(HistoryPaths.absolute)
        try db.execute(sql: """
            INSERT INTO run (run_time, period_start, period_end, period_label, rules_path, rules_name, rules_version,
              rules_sha256, extends_path, extends_sha256, tool_version, status, member_count, records_read, records_scored,
              rejected, grades, categories, fingerprint)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                e.runTime, run.period.start.description, run.period.end.description, label(of: run.period),
                rulesPath, run.rules.name, run.rules.version, e.rulesSHA256 ?? ContentHash.sha256(file: run.rules.path) ?? "",
                extendsPath, run.rules.extends.map { e.extendsSHA256 ?? ContentHash.sha256(file: $0) ?? "" }, e.toolVersion,
                run.members.count, run.files.filter { !$0.isRoster }.reduce(0) { $0 + $1.read }, run.recordsScored, run.rejects.count,
                HistoryEncoding.grades(grades), HistoryEncoding.categories(categories), e.fingerprint,
            ])
        return db.lastInsertedRowID
    }

    /// Publishes a draft. Refuses when its period already has a current published run of the
    /// same rule-file name, unless `supersede`: then this run supersedes that one.
    /// - Parameter at: the publication time (ISO 8601).
    /// - Throws: ``HistoryError`` (`.noSuchRun`, `.notDraft`, `.alreadyPublished`, `.database`).
    @discardableResult
    public func publish(run id: Int64, at time: String, supersede: Bool = false) throws(HistoryError) -> HistoryRun {
        do {
            try queue.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    guard let r = try Self.fetchRun(db, id: id) else { throw HistoryError.noSuchRun(id) }
                    guard r.status == .draft else { throw HistoryError.notDraft(id) }
                    var supersedes: Int64?
                    if let current = try Self.currentPublished(db, period: r.period, rulesName: r.rulesName) {
                        guard supersede else { throw HistoryError.alreadyPublished(existing: current, period: r.periodLabel, rulesName: r.rulesName) }
                        supersedes = current
                    }
                    try db.execute(sql: "UPDATE run SET status = 'published', published_at = ?, supersedes = ? WHERE id = ?",
                                   arguments: [time, supersedes, id])
                    return .commit
                }
            }
            guard let r = try run(id) else { throw HistoryError.noSuchRun(id) }
            return r
        } catch {
            throw Self.map(error, path: path)
        }
    }

    /// The id of the current (published, not superseded) run of `period` and `rulesName`.
    static func currentPublished(_ db: Database, period: Period, rulesName: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: """
            SELECT id FROM run r WHERE status = 'published' AND period_start = ? AND period_end = ? AND rules_name = ?
              AND NOT EXISTS (SELECT 1 FROM run s WHERE s.supersedes = r.id)
            ORDER BY id DESC LIMIT 1
            """, arguments: [period.start.description, period.end.description, rulesName])
    }

    /// The current published run of a period and rule-file name, if any.
    public func currentPublished(period: Period, rulesName: String) throws(HistoryError) -> HistoryRun? {
        try read { db in try Self.currentPublished(db, period: period, rulesName: rulesName).flatMap { try Self.fetchRun(db, id: $0) } }
    }

    /// True when a run with this manifest fingerprint was recorded (so `--if-changed` may skip).
    public func hasRun(fingerprint: String) throws(HistoryError) -> Bool {
        try read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM run WHERE fingerprint = ? AND id NOT IN (SELECT run_id FROM pending_commit))", arguments: [fingerprint]) ?? false }
    }

    // MARK: - Reading

    func read<T>(_ body: (Database) throws -> T) throws(HistoryError) -> T {
        do { return try queue.read(body) } catch { throw Self.map(error, path: path) }
    }

    /// Every run, oldest first.
    public func runs() throws(HistoryError) -> [HistoryRun] {
        try read { db in try Row.fetchAll(db, sql: Self.runSelect + " ORDER BY r.id").map { try Self.decodeRun($0) } }
    }

    /// The run with this id.
    public func run(_ id: Int64) throws(HistoryError) -> HistoryRun? {
        try read { db in try Self.fetchRun(db, id: id) }
    }

    /// The files a run read, in the order recorded.
    public func inputs(run id: Int64) throws(HistoryError) -> [HistoryInput] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT role, path, sha256 FROM run_input WHERE run_id = ? ORDER BY seq", arguments: [id]).map { row in
                HistoryInput(role: HistoryInput.Role(rawValue: row["role"]) ?? .activities, path: row["path"], sha256: row["sha256"])
            }
        }
    }

    /// The corrections stored with a run, by `seq`.
    public func corrections(run id: Int64) throws(HistoryError) -> [HistoryCorrection] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM correction WHERE run_id = ? ORDER BY seq", arguments: [id]).map { row in
                let file: String? = row["source_file"]
                return HistoryCorrection(seq: row["seq"], action: row["action"], recordID: row["record_id"], memberID: row["member_id"],
                                         detail: row["detail"], reason: row["reason"], approvedBy: row["approved_by"],
                                         source: file.map { SourceLocation(file: $0, line: row["source_line"] ?? 0, column: row["source_column"]) })
            }
        }
    }

    /// Every member's result in a run, best score first (then member id).
    public func results(run id: Int64) throws(HistoryError) -> [HistoryMemberResult] {
        try read { db in
            try HistoryEncoding.fetchResults(db, sql: "SELECT \(HistoryEncoding.resultColumns) FROM member_result WHERE run_id = ? ORDER BY score DESC, member_id",
                                             arguments: [id])
        }
    }

    /// One member across periods, oldest period first: per period the run ``chooseRuns(_:)``
    /// picks (the current published run, else the latest draft); with `allRuns`, every run
    /// that scored the member, in run order.
    public func memberHistory(_ memberID: String, allRuns: Bool = false) throws(HistoryError) -> [HistoryMemberPeriod] {
        let all = try runs()
        let byID = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
        let results = try read { db in
            try HistoryEncoding.fetchResults(db, sql: "SELECT \(HistoryEncoding.resultColumns) FROM member_result WHERE member_id = ? ORDER BY run_id",
                                             arguments: [memberID])
        }
        let chosen = allRuns ? Set(all.map(\.id)) : Set(Self.chooseRuns(all).map(\.id))
        return results.compactMap { r in
            guard chosen.contains(r.runID), let run = byID[r.runID] else { return nil }
            return HistoryMemberPeriod(run: run, result: r)
        }.sorted { a, b in
            allRuns ? a.run.id < b.run.id
                : (a.run.period.start, a.run.period.end, a.run.rulesName) < (b.run.period.start, b.run.period.end, b.run.rulesName)
        }
    }

    /// One run per (period, rule-file name): the current published run, else the latest draft
    /// (highest id). Sorted by period start, then end, then name.
    public static func chooseRuns(_ runs: [HistoryRun]) -> [HistoryRun] {
        struct Key: Hashable { var start: Day; var end: Day; var name: String }
        var best: [Key: HistoryRun] = [:]
        for r in runs {
            let k = Key(start: r.period.start, end: r.period.end, name: r.rulesName)
            guard let b = best[k] else { best[k] = r; continue }
            let better = (r.isCurrent ? 1 : 0, r.id) > (b.isCurrent ? 1 : 0, b.id)
            if better { best[k] = r }
        }
        return best.values.sorted { ($0.period.start, $0.period.end, $0.rulesName) < ($1.period.start, $1.period.end, $1.rulesName) }
    }

    /// The results of the periods that ended before `period` starts, most recent first: for
    /// each earlier period one run, the current published run, else the latest draft.
    /// - Parameters:
    ///   - rulesName: only runs of this rule-file name (`nil`: any; then one run per period
    ///     all the same, a current published one preferred, else the latest).
    ///   - sameKind: only periods of the same kind as `period` (calendar years with years,
    ///     quarters with quarters, other ranges with other ranges), so that a year is not
    ///     compared with a quarter.
    /// - Complexity: reads every member row of the chosen runs.
    ///   - recordedBefore: only runs recorded before this run id (what that run read when it
    ///     was scored; `lvzhi history approve` names them in the approval file).
    public func priorResults(before period: Period, rulesName: String? = nil, sameKind: Bool = true,
                             recordedBefore: Int64? = nil) throws(HistoryError) -> PriorResults {
        let kind = Self.kind(of: period)
        let candidates = try runs().filter { r in
            r.period.end < period.start && (rulesName == nil || r.rulesName == rulesName) && (!sameKind || Self.kind(of: r.period) == kind)
                && (recordedBefore.map { r.id < $0 } ?? true)
        }
        return try priorResults(Self.onePerPeriod(Self.chooseRuns(candidates)))
    }

    /// The results of exactly these runs as earlier periods, most recent first (the runs an
    /// approval file names).
    /// - Throws: ``HistoryError/noSuchRun(_:)`` for an id the database does not hold.
    public func priorResults(runs ids: [Int64]) throws(HistoryError) -> PriorResults {
        var chosen: [HistoryRun] = []
        for id in ids {
            guard let r = try run(id) else { throw .noSuchRun(id) }
            chosen.append(r)
        }
        return try priorResults(chosen)
    }

    private func priorResults(_ runs: [HistoryRun]) throws(HistoryError) -> PriorResults {
        let chosen = runs.sorted { ($0.period.start, $0.id) > ($1.period.start, $1.id) }
        var out: [PriorResults.PeriodResults] = []
        for run in chosen {
            let rows = try results(run: run.id)
            out.append(PriorResults.PeriodResults(run: run, results: Dictionary(rows.map { ($0.memberID, $0) }, uniquingKeysWith: { a, _ in a })))
        }
        return PriorResults(periods: out)
    }

    /// Sums per-rule counts over the periods lying wholly within `from...to`, one run per
    /// period (the current published run, else the latest draft). Where periods overlap (a
    /// year and its quarters), the longest is taken and the periods overlapping it are left
    /// out, so that no record is counted twice.
    /// - Parameters:
    ///   - rulesName: only runs of this rule-file name (`nil`: any).
    ///   - memberIDs: only these members (`nil`: everyone).
    public func ruleCounts(from: Day, to: Day, rulesName: String? = nil, memberIDs: Set<String>? = nil) throws(HistoryError) -> RuleCountTotals {
        let candidates = Self.chooseRuns(try runs().filter { r in
            r.period.start >= from && r.period.end <= to && (rulesName == nil || r.rulesName == rulesName)
        })
        var taken: [HistoryRun] = []
        for r in candidates.sorted(by: { ($1.period.days, $0.period.start, $1.isCurrent ? 1 : 0, $1.id) < ($0.period.days, $1.period.start, $0.isCurrent ? 1 : 0, $0.id) })
        where !taken.contains(where: { $0.period.start <= r.period.end && r.period.start <= $0.period.end }) {
            taken.append(r)
        }
        taken.sort { $0.period.start < $1.period.start }
        var counts: [String: [String: Int]] = [:]
        try read { db in
            for run in taken {
                let statement = try db.makeStatement(sql: "SELECT member_id, rule_counts FROM member_result WHERE run_id = ?")
                try statement.setArguments([run.id])
                let stmt = statement.sqliteStatement
                while true {
                    let rc = sqlite3_step(stmt)
                    if rc == SQLITE_DONE { break }
                    guard rc == SQLITE_ROW else { throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: db.lastErrorMessage) }
                    let member = sqlite3_column_text(stmt, 0).map { String(cString: $0) } ?? ""
                    if let memberIDs, !memberIDs.contains(member) { continue }
                    let text = sqlite3_column_text(stmt, 1).map { String(cString: $0) } ?? ""
                    for (rule, n) in HistoryEncoding.decodeCounts(text) { counts[member, default: [:]][rule, default: 0] += n }
                }
                sqlite3_reset(stmt)
            }
        }
        return RuleCountTotals(runs: taken, counts: counts)
    }

    /// Several rule names in one period (`rulesName: nil`): the current published one, else the latest.
    static func onePerPeriod(_ runs: [HistoryRun]) -> [HistoryRun] {
        var best: [Period: HistoryRun] = [:]
        for r in runs {
            if let b = best[r.period], (b.isCurrent ? 1 : 0, b.id) > (r.isCurrent ? 1 : 0, r.id) { continue }
            best[r.period] = r
        }
        return Array(best.values)
    }

    // MARK: - Periods

    enum PeriodKind { case year, quarter, other }

    static func kind(of p: Period) -> PeriodKind {
        let l = label(of: p)
        if l.count == 4 { return .year }
        if l.contains("-Q") { return .quarter }
        return .other
    }

    /// A period's short name: `2025` for a calendar year, `2025-Q1` for a calendar quarter,
    /// otherwise `2024-12-01..2025-11-30` (all three are accepted by `--period`).
    public static func label(of p: Period) -> String {
        let s = p.start.components, e = p.end.components
        if s.month == 1, s.day == 1, e.month == 12, e.day == 31, s.year == e.year { return String(format: "%04d", s.year) }
        if s.year == e.year, s.day == 1, (s.month - 1) % 3 == 0, e.month == s.month + 2, e.day == Day.daysIn(month: e.month, year: e.year) {
            return String(format: "%04d-Q%d", s.year, (s.month - 1) / 3 + 1)
        }
        return p.description
    }

    // MARK: - Rows

    /// Every run but those still pending (recorded before an output swap not yet confirmed).
    static let runSelect = """
        SELECT r.*, (SELECT s.id FROM run s WHERE s.supersedes = r.id) AS superseded_by FROM run r
        WHERE r.id NOT IN (SELECT run_id FROM pending_commit)
        """

    static func fetchRun(_ db: Database, id: Int64) throws -> HistoryRun? {
        try Row.fetchOne(db, sql: runSelect + " AND r.id = ?", arguments: [id]).map { try decodeRun($0) }
    }

    /// The largest score (in ten-thousandths, either sign) a stored result may hold: far above
    /// any rule file's, far below where sums over 20,000 members could overflow.
    static let maxStoredScore: Int64 = 100_000_000_000_000

    static func decodeRun(_ row: Row) throws -> HistoryRun {
        let id: Int64 = row["id"]
        func day(_ column: String) throws -> Day {
            let text = (row[column] as String?) ?? ""
            guard let d = Day(iso: text) else { throw BadStoredValue(run: id, column: column, value: text) }
            return d
        }
        let start = try day("period_start")
        let end = try day("period_end")
        guard start <= end else { throw BadStoredValue(run: id, column: "period_end", value: end.description) }
        for column in ["member_count", "records_read", "records_scored", "rejected"] {
            let n = (row[column] as Int64?) ?? -1
            guard n >= 0, n <= Int64(Int32.max) else { throw BadStoredValue(run: id, column: column, value: String(n)) }
        }
        return HistoryRun(
            id: row["id"], runTime: row["run_time"], period: Period(start: start, end: end), periodLabel: row["period_label"],
            rulesPath: row["rules_path"], rulesName: row["rules_name"], rulesVersion: row["rules_version"],
            rulesSHA256: row["rules_sha256"], extendsPath: row["extends_path"], extendsSHA256: row["extends_sha256"],
            toolVersion: row["tool_version"], status: HistoryStatus(rawValue: row["status"]) ?? .draft,
            publishedAt: row["published_at"], supersedes: row["supersedes"], supersededBy: row["superseded_by"],
            memberCount: row["member_count"], recordsRead: row["records_read"], recordsScored: row["records_scored"],
            rejected: row["rejected"], grades: HistoryEncoding.decodeGrades(row["grades"]),
            categories: HistoryEncoding.decodeCategories(row["categories"]), fingerprint: row["fingerprint"])
    }
}

/// Where a run recorded before its output swap puts its outputs, and the token its manifest
/// carries (see ``HistoryStore/resolvePending(outPath:token:)``).
public struct PendingCommit: Sendable {
    public var outPath: String
    public var token: String
    public init(outPath: String, token: String) {
        self.outPath = outPath
        self.token = token
    }
}

/// A stored value outside its domain (mapped to ``HistoryError/badValue(path:run:column:value:)``).
struct BadStoredValue: Error {
    var run: Int64
    var column: String
    var value: String
}

/// What ``HistoryStore/record(_:beforeCommit:)`` writes for one run.
public struct HistoryRecord: Sendable {
    public var run: ScoreRun
    /// The run time printed in its reports (ISO 8601).
    public var runTime: String
    public var toolVersion: String
    /// The roster, activity and mapping files read, with their hashes.
    public var inputs: [HistoryInput]
    public var status: HistoryStatus
    /// For a published run; defaults to `runTime`.
    public var publishedAt: String?
    /// Supersede the period's current published run instead of refusing.
    public var supersede: Bool
    /// Corrections (复核) applied before publication; empty when there are none.
    public var corrections: [HistoryCorrection]
    /// The run manifest's SHA-256 (see ``HistoryStore/hasRun(fingerprint:)``).
    public var fingerprint: String?
    /// The rule file's and its base file's SHA-256 when already computed (else read from disk).
    public var rulesSHA256: String?
    public var extendsSHA256: String?

    public init(run: ScoreRun, runTime: String, toolVersion: String, inputs: [HistoryInput] = [], status: HistoryStatus = .draft,
                publishedAt: String? = nil, supersede: Bool = false, corrections: [HistoryCorrection] = [],
                fingerprint: String? = nil, rulesSHA256: String? = nil, extendsSHA256: String? = nil) {
        self.run = run
        self.runTime = runTime
        self.toolVersion = toolVersion
        self.inputs = inputs
        self.status = status
        self.publishedAt = publishedAt
        self.supersede = supersede
        self.corrections = corrections
        self.fingerprint = fingerprint
        self.rulesSHA256 = rulesSHA256
        self.extendsSHA256 = extendsSHA256
    }
}

/// Paths as stored: absolute, so that they mean the same file whatever folder a later
/// command runs from.
public enum HistoryPaths {
    public static func absolute(_ p: String) -> String {
        let full = p.hasPrefix("/") ? p : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(p)
        return (full as NSString).standardizingPath
    }

    /// `path` relative to the folder `base` (both absolute), with `..` where needed.
    public static func relative(_ path: String, to base: String) -> String {
        let p = absolute(path).split(separator: "/").map(String.init)
        let b = absolute(base).split(separator: "/").map(String.init)
        var i = 0
        while i < p.count, i < b.count, p[i] == b[i] { i += 1 }
        let up = Array(repeating: "..", count: b.count - i)
        let rel = (up + p[i...]).joined(separator: "/")
        return rel.isEmpty ? "." : rel
    }
}
