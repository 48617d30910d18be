import Foundation
import GRDB
import Hummingbird
import LvzhiCore

/// Per-person language: every signed-in account has its own (Chinese unless it chose English),
/// kept with the account; pages without a session (sign-in, a member's link) follow `?lang=en`.
/// The scorings' outputs keep the console's language (`lvzhi serve --lang`), so that the same
/// inputs give the same files whoever starts the run.
extension Console {
    /// The language of the request being answered (set by ``LanguageMiddleware``).
    @TaskLocal static var requestLanguage: Language?

    func registerLanguageRoutes(_ router: Router<BasicRequestContext>) {
        router.post("/language") { req, _ in
            let fields = try await Forms.urlEncoded(req, limit: 64 << 10)
            switch await self.checkedPost(req, fields: fields) {
            case .failure(let r): return r.response
            case .success(let s):
                guard let chosen = fields["lang"]?.first.flatMap(Language.init(rawValue:)) else {
                    return self.notFound(s, self.lang.pick("没有这种语言。", "No such language."))
                }
                try self.store.setLanguage(account: s.account, chosen)
                await self.sessions.setLanguage(s.id, chosen)
                self.store.audit(account: s.account, action: "language", detail: chosen.rawValue)
                let back = fields["back"]?.first.flatMap { $0.hasPrefix("/") && !$0.hasPrefix("//") && !$0.contains("\\") ? $0 : nil } ?? "/"
                return .redirect(to: back)
            }
        }
    }
}

/// Sets ``Console/requestLanguage`` for the request: the session's language, else `?lang=`.
struct LanguageMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let console: Console

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var chosen: Language?
        if let s = await console.session(request) { chosen = s.lang }
        if chosen == nil, let q = request.uri.queryParameters.get("lang") { chosen = Language(rawValue: q) }
        guard let chosen else { return try await next(request, context) }
        return try await Console.$requestLanguage.withValue(chosen) { try await next(request, context) }
    }
}

extension ConsoleStore {
    /// Adds the account's language column to databases made before it existed.
    static func addLanguageColumn(_ db: Database) throws {
        let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(console_account)").map { $0["name"] as String }
        if !columns.contains("lang") { try db.execute(sql: "ALTER TABLE console_account ADD COLUMN lang TEXT") }
    }

    public func setLanguage(account: String, _ lang: Language) throws {
        try queue.write { db in try db.execute(sql: "UPDATE console_account SET lang = ? WHERE name = ?", arguments: [lang.rawValue, account]) }
    }

    /// The account's chosen language (nil: the console's).
    public func language(account: String) throws -> Language? {
        try queue.read { db in
            try String.fetchOne(db, sql: "SELECT lang FROM console_account WHERE name = ?", arguments: [account]).flatMap(Language.init(rawValue:))
        }
    }
}
