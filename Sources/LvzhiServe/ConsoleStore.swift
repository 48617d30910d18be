import Foundation
import GRDB
import HummingbirdBcrypt
import LvzhiCore

/// A console account's role. 管理员 manages accounts and may do everything; 工作人员 runs
/// scorings; 审核人 publishes. Everyone signed in may look.
public enum ConsoleRole: String, Sendable, CaseIterable {
    case admin, staff, reviewer

    /// Accepts `admin`/`staff`/`reviewer` or 管理员/工作人员/审核人.
    public init?(text: String) {
        switch text.trimmingCharacters(in: .whitespaces) {
        case "admin", "管理员": self = .admin
        case "staff", "工作人员": self = .staff
        case "reviewer", "审核人": self = .reviewer
        default: return nil
        }
    }

    public func label(_ lang: Language) -> String {
        switch self {
        case .admin: lang.pick("管理员", "administrator")
        case .staff: lang.pick("工作人员", "staff")
        case .reviewer: lang.pick("审核人", "reviewer")
        }
    }

    /// May run a scoring (评分).
    public var mayScore: Bool { self == .admin || self == .staff }
    /// May publish a draft (公布).
    public var mayPublish: Bool { self == .admin || self == .reviewer }
    /// May approve or reject a proposed correction (复核), not one's own.
    public var mayApprove: Bool { self == .admin || self == .reviewer }
    /// May read the audit log.
    public var mayAudit: Bool { self == .admin }
}

/// One audited action.
public struct AuditEntry: Sendable, Equatable {
    public var id: Int64
    public var at: String
    public var account: String
    public var action: String
    public var detail: String
    public var ok: Bool
}

/// The console's own tables, kept in the history database beside the runs (so that the audit
/// log travels with the results it is about): accounts (bcrypt hashes), the audit log, and
/// the output folder of each run the console made. Tables are created when missing; the
/// history's own schema is not touched.
public final class ConsoleStore: Sendable {
    let queue: DatabaseQueue
    public let path: String
    /// bcrypt's work factor for new passwords.
    let cost: UInt8
    /// Checked against when a name does not exist, made once with the same work factor as real
    /// hashes: a cheaper one made unknown names answer faster and told which names exist.
    let dummyHash: String

    /// - Parameter bcryptCost: the work factor of new password hashes (``bcryptCost`` by default).
    public init(path: String, bcryptCost: UInt8 = ConsoleStore.bcryptCost) throws {
        self.path = path
        cost = bcryptCost
        dummyHash = Bcrypt.hash("lvzhi-no-such-account", cost: bcryptCost)
        var config = Configuration()
        config.busyMode = .timeout(60)
        config.label = "lvzhi-console"
        queue = try DatabaseQueue(path: path, configuration: config)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS console_account (
                  name TEXT PRIMARY KEY NOT NULL,
                  role TEXT NOT NULL,
                  password_hash TEXT NOT NULL,
                  created_at TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS console_audit (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  at TEXT NOT NULL,
                  account TEXT NOT NULL,
                  action TEXT NOT NULL,
                  detail TEXT NOT NULL,
                  ok INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS console_run (
                  run_id INTEGER PRIMARY KEY NOT NULL,
                  out_dir TEXT NOT NULL,
                  account TEXT NOT NULL);
                CREATE TRIGGER IF NOT EXISTS console_audit_no_update BEFORE UPDATE ON console_audit
                BEGIN SELECT RAISE(ABORT, 'lvzhi: the audit log is append-only'); END;
                CREATE TRIGGER IF NOT EXISTS console_audit_no_delete BEFORE DELETE ON console_audit
                BEGIN SELECT RAISE(ABORT, 'lvzhi: the audit log is append-only'); END;
                """)
            try db.execute(sql: Self.reviewSchema)
            try Self.addLanguageColumn(db)
        }
    }

    static func now() -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        return f.string(from: Date())
    }

    // MARK: Accounts

    /// Adds an account or replaces its password and role. Passwords shorter than 8 characters are refused.
    public func setAccount(name: String, role: ConsoleRole, password: String) throws {
        guard Self.isValidName(name) else { throw ConsoleError.badAccountName }
        guard password.count >= 8 else { throw ConsoleError.weakPassword }
        let hash = Bcrypt.hash(password, cost: cost)
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO console_account (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash
                """, arguments: [name, role.rawValue, hash, Self.now()])
        }
    }

    /// bcrypt's work factor: 12 in use; tests lower it with LVZHI_BCRYPT_COST (4 at least).
    public static var bcryptCost: UInt8 {
        if let s = ProcessInfo.processInfo.environment["LVZHI_BCRYPT_COST"], let n = UInt8(s), n >= 4, n <= 16 { return n }
        return 12
    }

    /// Account names: letters (any script), digits, `.`, `_`, `-`; 1–64 characters.
    public static func isValidName(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 64 && s.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0) }
    }

    public func accounts() throws -> [(name: String, role: ConsoleRole)] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT name, role FROM console_account ORDER BY name").compactMap { row in
                ConsoleRole(rawValue: row["role"]).map { (name: row["name"] as String, role: $0) }
            }
        }
    }

    /// The account's role when `password` matches its bcrypt hash. A name that does not exist
    /// costs a bcrypt verification too, so timing does not tell which names exist.
    public func verify(name: String, password: String) throws -> ConsoleRole? {
        try verifyCredential(name: name, password: password)?.role
    }

    /// An account's role and a digest of its password hash, which changes with every new password.
    struct Credential: Equatable {
        var role: ConsoleRole
        var stamp: String
    }

    /// ``verify(name:password:)`` with the credential a session keeps.
    func verifyCredential(name: String, password: String) throws -> Credential? {
        let row = try queue.read { db in
            try Row.fetchOne(db, sql: "SELECT role, password_hash FROM console_account WHERE name = ?", arguments: [name])
        }
        guard let row else {
            _ = Bcrypt.verify(password, hash: dummyHash)
            return nil
        }
        let hash: String = row["password_hash"]
        guard Bcrypt.verify(password, hash: hash), let role = ConsoleRole(rawValue: row["role"]) else { return nil }
        return Credential(role: role, stamp: ContentHash.sha256(Data(hash.utf8)))
    }

    /// The account's current credential, read on every request of a session (the command line
    /// changes accounts while the console runs); nil when the account is gone.
    func credential(account: String) throws -> Credential? {
        try queue.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT role, password_hash FROM console_account WHERE name = ?", arguments: [account]),
                  let role = ConsoleRole(rawValue: row["role"]) else { return nil }
            return Credential(role: role, stamp: ContentHash.sha256(Data((row["password_hash"] as String).utf8)))
        }
    }

    /// The work factor written in a bcrypt hash (`$2b$12$…` → 12).
    static func cost(ofHash hash: String) -> Int? {
        let parts = hash.split(separator: "$")
        return parts.count >= 3 ? Int(parts[1]) : nil
    }

    // MARK: Audit

    /// The most characters of an account name kept in an audit row (the longest valid name).
    public static let auditAccountLimit = 64
    /// The most characters of an audit row's detail.
    public static let auditDetailLimit = 512

    /// Appends a row to the audit log. What a request typed (an account name, a path) is cut to
    /// ``auditAccountLimit`` and ``auditDetailLimit`` characters, marked as cut: anonymous
    /// requests cannot grow the database by megabytes a row.
    public func audit(account: String, action: String, detail: String, ok: Bool = true) {
        try? queue.write { db in
            try db.execute(sql: "INSERT INTO console_audit (at, account, action, detail, ok) VALUES (?, ?, ?, ?, ?)",
                           arguments: [Self.now(), Self.cut(account, Self.auditAccountLimit), Self.cut(action, Self.auditAccountLimit),
                                       Self.cut(detail, Self.auditDetailLimit), ok])
        }
    }

    /// `text` when it has at most `limit` Unicode scalars, else its first `limit` and a mark
    /// (scalars, not characters: a letter with 20,000 combining marks is one character).
    static func cut(_ text: String, _ limit: Int) -> String {
        let scalars = text.unicodeScalars.count
        guard scalars > limit else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit))) + "…[截断，共 \(scalars) 字符 / cut, \(scalars) characters]"
    }

    /// The newest audit rows first, at most `limit`; with `before`, those older than that row.
    public func auditLog(limit: Int = 500, before: Int64? = nil) throws -> [AuditEntry] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM console_audit WHERE id < ? ORDER BY id DESC LIMIT ?",
                             arguments: [before ?? Int64.max, limit]).map {
                AuditEntry(id: $0["id"], at: $0["at"], account: $0["account"], action: $0["action"], detail: $0["detail"], ok: $0["ok"])
            }
        }
    }

    // MARK: Runs

    public func recordRun(id: Int64, outDir: String, account: String) throws {
        try queue.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO console_run (run_id, out_dir, account) VALUES (?, ?, ?)",
                           arguments: [id, outDir, account])
        }
    }

    /// The output folder of a run made in the console (runs from cron have none here).
    public func outDir(run id: Int64) throws -> String? {
        try queue.read { db in try String.fetchOne(db, sql: "SELECT out_dir FROM console_run WHERE run_id = ?", arguments: [id]) }
    }
}

public enum ConsoleError: Error, CustomStringConvertible {
    case badAccountName, weakPassword

    public var description: String {
        switch self {
        case .badAccountName: "账号名只能由字母、数字、.、_、- 组成，最长 64 个字符 (account names: letters, digits, . _ -, at most 64)"
        case .weakPassword: "密码至少 8 个字符 (passwords need at least 8 characters)"
        }
    }
}
