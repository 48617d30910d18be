import Foundation
import Hummingbird
import LvzhiApp
import LvzhiCore
import LvzhiHistory
import LvzhiIngest
import LvzhiJob
import LvzhiReport
import LvzhiRules
import MultipartKit

/// How the console is set up (`lvzhi serve`).
public struct ConsoleConfig: Sendable {
    /// Holds the history database (with the console's accounts and audit log), the runs' output
    /// folders (`runs/`) and uploaded exports (`uploads/`).
    public var dataDir: String
    /// The rule files a clerk may choose (`*.yaml`, approval files excluded).
    public var rulesDir: String
    /// The exports a clerk may pick instead of uploading (`.csv`, `.xml`, `.xlsx`; mapping files `.yaml`).
    public var exportsDir: String?
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    /// Seconds a connection may send nothing before it is closed (between requests, in the
    /// headers, in a body).
    public var idleTimeout: Int = 30
    public var lang: Language = .zh
    /// Sets the `Secure` flag on the console's cookies (`--secure-cookies`: behind an HTTPS proxy).
    public var secureCookies: Bool = false
    /// Pins the reports' run time (`--run-time`; `SOURCE_DATE_EPOCH` when nil).
    public var runTime: String?
    /// The largest request body, uploads included.
    public var maxUploadBytes: Int = 64 << 20
    /// The most files one scoring may upload.
    public var maxUploadFiles: Int = 20
    /// The most 评分 forms whose bodies are read at once (each up to `maxUploadBytes` in memory);
    /// more are refused with HTTP 503.
    public var maxConcurrentUploads: Int = 2

    public init(dataDir: String, rulesDir: String, exportsDir: String? = nil) {
        self.dataDir = dataDir
        self.rulesDir = rulesDir
        self.exportsDir = exportsDir
    }

    public var historyPath: String { (dataDir as NSString).appendingPathComponent(HistoryStore.defaultFileName) }
    var runsDir: String { (dataDir as NSString).appendingPathComponent("runs") }
    var uploadsDir: String { (dataDir as NSString).appendingPathComponent("uploads") }
    /// Corrections files written for approved corrections (one per redone run).
    var correctionsDir: String { (dataDir as NSString).appendingPathComponent("corrections") }
}

/// The web console: pages over the LvzhiApp use cases, with accounts, sessions, CSRF tokens
/// and an audit log.
public final class Console: Sendable {
    public let config: ConsoleConfig
    public let store: ConsoleStore
    let history: HistoryStore
    let sessions = SessionStore()
    let limiter = LoginLimiter()
    let jobs = ScoringJobs()
    /// Request bodies of 评分 forms being read (see ``ConsoleConfig/maxConcurrentUploads``).
    let uploadSlots: Slots
    /// Serialises approvals of corrections (see ``approve(correction:account:)``).
    let approvals = NSLock()
    /// Rows for failures without a session (see ``auditAnonymous(account:action:detail:)``).
    let anonymousAudit = AuditThrottle()
    /// The language of the page being answered: the signed-in person's, else the console's.
    var lang: Language { Console.requestLanguage ?? config.lang }

    public init(config: ConsoleConfig) throws {
        self.config = config
        uploadSlots = Slots(config.maxConcurrentUploads)
        let fm = FileManager.default
        for d in [config.dataDir, config.runsDir, config.uploadsDir, config.correctionsDir] {
            try fm.createDirectory(atPath: d, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        try Self.protectDatabase(config.historyPath)
        history = try HistoryCases.open(path: config.historyPath, lang: config.lang)
        store = try ConsoleStore(path: config.historyPath)
        try Self.protectDatabase(config.historyPath)
        var warnings: [String] = []
        if let mode = (try? fm.attributesOfItem(atPath: config.dataDir))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
            warnings.append(config.lang.pick(
                "注意: 数据文件夹 \(config.dataDir) 的权限是 \(String(mode, radix: 8))，本机其他用户可以进入；数据库已设为只有本用户可读写（600），评分输出和上传的文件仍可能被读取。建议 chmod 700 \(config.dataDir)",
                "note: the data folder \(config.dataDir) has mode \(String(mode, radix: 8)): other local users can enter it. The database is kept 600 (owner only), but the runs' outputs and uploads may be readable. Consider chmod 700 \(config.dataDir)"))
        }
        self.warnings = warnings
    }

    /// What the person starting the console should know (a data folder others can enter).
    public let warnings: [String]

    /// The history database (password hashes, the audit log, members' results) and SQLite's
    /// side files (`-journal`, `-wal`, `-shm`, made with the database's mode) readable and
    /// writable by this user only, whatever the umask and whether or not the data folder existed.
    static func protectDatabase(_ path: String) throws {
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            guard fm.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw LvzhiFailure.badInput("cannot create \(path)")
            }
        }
        for suffix in ["", "-journal", "-wal", "-shm"] where fm.fileExists(atPath: path + suffix) {
            if let mode = (try fm.attributesOfItem(atPath: path + suffix))[.posixPermissions] as? Int, mode & 0o077 != 0 {
                try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path + suffix)
            }
        }
    }

    /// The Hummingbird application, bound to `config.host:config.port`. A connection that sends
    /// nothing for `config.idleTimeout` seconds is closed, whether it is between requests, in the
    /// middle of its headers or in the middle of a body.
    public func application() -> some ApplicationProtocol {
        Application(router: router(), server: .http1(configuration: .init(idleTimeout: .seconds(Int64(config.idleTimeout)))),
                    configuration: .init(address: .hostname(config.host, port: config.port), serverName: nil))
    }

    /// A cookie of the console's: HttpOnly, SameSite=Strict, and Secure with `--secure-cookies`
    /// or when the request came through an HTTPS proxy that says so (`X-Forwarded-Proto: https`;
    /// a client that sends it itself only makes its own cookie stricter).
    func makeCookie(_ name: String, _ value: String, maxAge: Int, path: String, for req: Request) -> Cookie {
        let proxied = req.headers[.init("X-Forwarded-Proto")!]?.lowercased() == "https"
        return Cookie(name: name, value: value, maxAge: maxAge, path: path, secure: config.secureCookies || proxied, httpOnly: true, sameSite: .strict)
    }

    static let sessionCookie = "lvzhi_session"
    static let loginCookie = "lvzhi_login"

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: LanguageMiddleware(console: self))
        router.add(middleware: ErrorPageMiddleware(console: self))
        router.get("/login") { req, _ in self.loginPage(req, message: nil) }
        router.post("/login") { req, _ in try await self.login(req) }
        router.post("/logout") { req, _ in try await self.logout(req) }
        router.get("/") { req, _ in try await self.authed(req) { s in try self.home(s) } }
        router.get("/score") { req, _ in try await self.authed(req) { s in self.scoreForm(s, error: nil) } }
        router.post("/score") { req, _ in try await self.scorePost(req) }
        router.get("/runs/:id") { req, ctx in try await self.authed(req) { s in try self.runPage(s, id: ctx.parameters.get("id", as: Int64.self)) } }
        router.get("/runs/:id/files/:name") { req, ctx in
            try await self.authed(req) { s in try self.runFile(s, id: ctx.parameters.get("id", as: Int64.self), name: ctx.parameters.decoded("name") ?? "") }
        }
        // The member pages (members/ID.html, members/index.html), as report.html links them.
        router.get("/runs/:id/files/members/:page") { req, ctx in
            try await self.authed(req) { s in try self.runFile(s, id: ctx.parameters.get("id", as: Int64.self), name: ctx.parameters.decoded("page") ?? "", inMembers: true) }
        }
        router.get("/members") { req, _ in
            try await self.authed(req) { s in try self.memberSearch(s, run: req.uri.queryParameters.get("run", as: Int64.self), query: req.uri.queryParameters.get("q") ?? "") }
        }
        router.get("/runs/:id/members/:member") { req, ctx in
            try await self.authed(req) { s in try self.memberPage(s, id: ctx.parameters.get("id", as: Int64.self), member: ctx.parameters.decodedValue("member") ?? "") }
        }
        router.get("/runs/:id/publish") { req, ctx in try await self.authed(req) { s in try self.publishForm(s, id: ctx.parameters.get("id", as: Int64.self), error: nil) } }
        router.post("/runs/:id/publish") { req, ctx in try await self.publishPost(req, id: ctx.parameters.get("id", as: Int64.self)) }
        router.get("/rules") { req, _ in try await self.authed(req) { s in self.rulesList(s) } }
        router.get("/rules/:name") { req, ctx in try await self.authed(req) { s in self.rulePage(s, name: ctx.parameters.decoded("name") ?? "") } }
        router.get("/runs/:id/compare") { req, ctx in
            try await self.authed(req) { s in self.comparePage(s, id: ctx.parameters.get("id", as: Int64.self), with: req.uri.queryParameters.get("with", as: Int64.self)) }
        }
        router.get("/audit") { req, _ in
            try await self.authed(req) { s in try self.auditPage(s, before: req.uri.queryParameters.get("before", as: Int64.self)) }
        }
        registerReviewRoutes(router)
        registerMemberCheckRoutes(router)
        registerRuleRoutes(router)
        registerJobRoutes(router)
        registerLanguageRoutes(router)
        registerMethodNotAllowed(router)
        return router
    }

    // MARK: - Sessions

    /// The request's session, checked against the account as it is now: the command line
    /// (`--add-account`) may change a password or role while the console runs. A new password
    /// (or a removed account) ends the session; a new role applies at once.
    func session(_ req: Request) async -> ConsoleSession? {
        guard let id = req.cookies[Self.sessionCookie]?.value, var s = await sessions.find(id) else { return nil }
        let account: ConsoleStore.Credential?
        do { account = try store.credential(account: s.account) } catch {
            // The database could not be read (busy, locked): no answer is not a changed password.
            // The request is refused (signed out for now), the session kept, nothing audited.
            return nil
        }
        guard let current = account, current.stamp == s.credential else {
            await sessions.remove(id)
            store.audit(account: s.account, action: "session", detail: "ended: the account's password changed or the account is gone", ok: false)
            return nil
        }
        if current.role != s.role {
            await sessions.setRole(id, current.role)
            s.role = current.role
        }
        return s
    }

    /// Runs `body` for a signed-in person; everyone else is sent to the sign-in page.
    func authed(_ req: Request, _ body: (ConsoleSession) async throws -> Response) async throws -> Response {
        guard let s = await session(req) else { return .redirect(to: "/login") }
        return try await body(s)
    }

    /// The form fields of a POST after checking the session and its CSRF token.
    /// - Returns: the session and the fields, or the response to send instead.
    func checkedPost(_ req: Request, fields: [String: [String]]) async -> Result<ConsoleSession, Refusal> {
        guard let s = await session(req) else { return .failure(Refusal(response: .redirect(to: "/login"))) }
        guard let token = fields["_csrf"]?.first, constantTimeEqual(token, s.csrf) else {
            return .failure(Refusal(response: csrfRefusal(req, s)))
        }
        return .success(s)
    }

    /// The answer to a form whose CSRF token does not match the session's (audited).
    func csrfRefusal(_ req: Request, _ s: ConsoleSession) -> Response {
        store.audit(account: s.account, action: "csrf", detail: "\(req.method) \(req.uri.path)", ok: false)
        return Page.html(lang.pick("请求被拒绝", "Request refused"), session: s, lang: lang,
                         body: "<p class=\"error\">\(lang.pick("表单已过期或来源不明（CSRF 令牌不符）。请返回重新打开页面再提交。", "The form expired or did not come from this console (CSRF token mismatch). Go back, reload and submit again."))</p>",
                         status: .forbidden)
    }

    struct Refusal: Error { var response: Response }

    func loginPage(_ req: Request, message: String?, status: HTTPResponse.Status = .ok) -> Response {
        let token = randomToken()
        var r = Page.html(lang.pick("登录", "Sign in"), session: nil, lang: lang, body: """
            \(message.map { "<p class=\"error\">\(h($0))</p>" } ?? "")
            <p><a href="/login?lang=\(lang == .zh ? "en" : "zh")">\(lang == .zh ? "English" : "中文")</a></p>
            <form method="post" action="/login\(lang == .en ? "?lang=en" : "")">
            <input type="hidden" name="_csrf" value="\(token)">
            <label>\(lang.pick("账号", "Account")) <input name="account" autocomplete="username" required></label>
            <label>\(lang.pick("密码", "Password")) <input name="password" type="password" autocomplete="current-password" required></label>
            <button>\(lang.pick("登录", "Sign in"))</button></form>
            """, status: status)
        r.setCookie(makeCookie(Self.loginCookie, token, maxAge: 3600, path: "/login", for: req))
        return r
    }

    func login(_ req: Request) async throws -> Response {
        let fields = try await Forms.urlEncoded(req, limit: 64 << 10)
        // Sign-in CSRF: the form's token must match the cookie set with the form.
        guard let token = fields["_csrf"]?.first, let cookie = req.cookies[Self.loginCookie]?.value, constantTimeEqual(token, cookie) else {
            return loginPage(req, message: lang.pick("登录表单已过期，请重新登录。", "The sign-in form expired; please sign in again."), status: .forbidden)
        }
        let name = fields["account"]?.first ?? ""
        let password = fields["password"]?.first ?? ""
        let key = LoginLimiter.key(name)
        // The attempt counts before the (slow) password check, so parallel guesses cannot all
        // pass the limit; a success clears it.
        guard await limiter.reserve(key) else {
            auditAnonymous(account: name, action: "login", detail: "rate-limited")
            return loginPage(req, message: lang.pick("登录失败次数过多，请 15 分钟后再试。", "Too many failed sign-ins; try again in 15 minutes."), status: .tooManyRequests)
        }
        let credential = try await Background.run { try self.store.verifyCredential(name: name, password: password) }
        guard let credential else {
            auditAnonymous(account: name, action: "login", detail: "wrong password or no such account")
            return loginPage(req, message: lang.pick("账号或密码不对。", "Wrong account or password."), status: .unauthorized)
        }
        await limiter.succeed(key)
        let role = credential.role
        let s = await sessions.create(account: name, role: role, lang: try? store.language(account: name), credential: credential.stamp)
        store.audit(account: name, action: "login", detail: role.rawValue)
        var r = Response.redirect(to: "/")
        r.setCookie(makeCookie(Self.sessionCookie, s.id, maxAge: Int(sessions.lifetime), path: "/", for: req))
        return r
    }

    /// A failure nobody signed in caused, written as it comes up to ``AuditThrottle/perMinute``
    /// rows of its action a minute; the rest become one summary row.
    func auditAnonymous(account: String, action: String, detail: String) {
        let (write, leftOut) = anonymousAudit.admit(action)
        if leftOut > 0 { auditLeftOut(action, leftOut) }
        if write { store.audit(account: account, action: action, detail: detail, ok: false) }
    }

    func auditLeftOut(_ action: String, _ n: Int) {
        store.audit(account: "(anonymous)", action: action,
                    detail: "\(n) more failures of this kind left out (at most \(anonymousAudit.perMinute) a minute are written one by one)", ok: false)
    }

    func logout(_ req: Request) async throws -> Response {
        let fields = try await Forms.urlEncoded(req, limit: 64 << 10)
        switch await checkedPost(req, fields: fields) {
        case .failure(let r): return r.response
        case .success(let s):
            await sessions.remove(s.id)
            store.audit(account: s.account, action: "logout", detail: "")
            var r = Response.redirect(to: "/login")
            r.setCookie(makeCookie(Self.sessionCookie, "", maxAge: 0, path: "/", for: req))
            return r
        }
    }

    func forbidden(_ s: ConsoleSession, _ what: String) -> Response {
        store.audit(account: s.account, action: "forbidden", detail: what, ok: false)
        return Page.html(lang.pick("没有权限", "Not allowed"), session: s, lang: lang,
                         body: "<p class=\"error\">\(h(lang.pick("你的角色（\(s.role.label(lang))）不能\(what)。", "Your role (\(s.role.label(lang))) may not \(what).")))</p>",
                         status: .forbidden)
    }

    func notFound(_ s: ConsoleSession, _ message: String) -> Response {
        Page.html(lang.pick("找不到", "Not found"), session: s, lang: lang, body: "<p class=\"error\">\(h(message))</p>", status: .notFound)
    }

    func failurePage(_ s: ConsoleSession, _ title: String, _ f: LvzhiFailure) -> Response {
        let status: HTTPResponse.Status = switch f {
        case .usage: .conflict
        case .locked: .conflict
        case .internalError: .internalServerError
        default: .unprocessableContent
        }
        return Page.html(title, session: s, lang: lang, body: "<pre class=\"error\">\(h(shownPaths(f.message)))</pre>", status: status)
    }

    /// A message for the browser with the server's folders left out: paths in the data folder
    /// shown relative to it (`uploads/…`, `runs/…`), rule files and exports by their names there.
    func shownPaths(_ message: String) -> String {
        var out = message
        var folders = [config.dataDir, config.rulesDir] + (config.exportsDir.map { [$0] } ?? [])
        // Both as given and resolved (`--data out/console`, symbolic links), longest first.
        folders += folders.map { URL(fileURLWithPath: $0).standardizedFileURL.resolvingSymlinksInPath().path }
        folders += folders.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        for dir in Set(folders.filter { $0.count > 1 }).sorted(by: { $0.count > $1.count }) {
            out = out.replacingOccurrences(of: dir.hasSuffix("/") ? dir : dir + "/", with: "")
        }
        return out
    }

    // MARK: - 首页

    func statusLabel(_ r: HistoryRun) -> String {
        if r.supersededBy != nil { return "<span class=\"superseded\">\(lang.pick("已取代", "superseded"))</span>" }
        return r.status == .published ? "<span class=\"published\">\(lang.pick("已公布", "published"))</span>"
            : "<span class=\"draft\">\(lang.pick("草稿", "draft"))</span>"
    }

    func grades(_ r: HistoryRun) -> String {
        r.grades.map { "\(h($0.color)) \($0.count)" }.joined(separator: lang.pick("、", ", "))
    }

    func home(_ s: ConsoleSession) throws -> Response {
        let runs = try HistoryCases.runs(history, lang: lang)
        var byPeriod: [(String, [HistoryRun])] = []
        for r in runs {
            if let i = byPeriod.firstIndex(where: { $0.0 == r.periodLabel }) { byPeriod[i].1.append(r) } else { byPeriod.append((r.periodLabel, [r])) }
        }
        var body = ""
        if runs.isEmpty {
            body += "<p>\(lang.pick("还没有评分记录。", "No runs yet."))\(s.role.mayScore ? " <a href=\"/score\">\(lang.pick("开始评分", "Run a scoring"))</a>" : "")</p>"
        }
        for (label, list) in byPeriod {
            body += "<h2>\(h(lang.pick("考核期间 ", "Period ")))\(h(label))</h2><table><tr><th>\(lang.pick("运行", "Run"))</th><th>\(lang.pick("时间", "Time"))</th><th>\(lang.pick("规则", "Rules"))</th><th>\(lang.pick("状态", "Status"))</th><th>\(lang.pick("委员", "Members"))</th><th>\(lang.pick("读取/计分/拒收", "Read/scored/rejected"))</th><th>\(lang.pick("等次", "Grades"))</th><th>\(lang.pick("与上次相比", "Since the run before"))</th></tr>"
            for (i, r) in list.prefix(5).enumerated() {
                let previous = i + 1 < list.count ? list[i + 1] : nil
                body += "<tr><td><a href=\"/runs/\(r.id)\">#\(r.id)</a></td><td>\(h(r.runTime))</td><td>\(h(r.rulesName)) \(h(r.rulesVersion))</td><td>\(statusLabel(r))</td><td>\(r.memberCount)</td><td>\(r.recordsRead) / \(r.recordsScored) / <a href=\"/runs/\(r.id)#rejects\">\(r.rejected)</a></td><td>\(grades(r))</td><td class=\"changes\">\(previous.map { changeSummary(r, since: $0) } ?? "—")</td></tr>"
            }
            body += "</table>"
        }
        return Page.html(lang.pick("首页", "Home"), session: s, lang: lang, body: body)
    }

    /// "比 #3：总分上升 2 人、下降 1 人，等次变化 1 人，拒收 +2", linking to the comparison.
    func changeSummary(_ r: HistoryRun, since p: HistoryRun) -> String {
        guard let c = try? HistoryCases.compare(old: p.id, new: r.id, in: history, lang: lang) else { return "—" }
        let rejects = r.rejected - p.rejected
        let text = lang.pick("比 #\(p.id)：总分上升 \(c.scoreUp) 人、下降 \(c.scoreDown) 人，等次变化 \(c.changed.count) 人",
                             "vs #\(p.id): \(c.scoreUp) up, \(c.scoreDown) down, \(c.changed.count) changed grade")
            + (rejects == 0 ? "" : lang.pick("，拒收 ", ", rejects ") + (rejects > 0 ? "+" : "") + String(rejects))
        return "<a href=\"/runs/\(r.id)/compare?with=\(p.id)\">\(h(text))</a>"
    }

    /// Two runs compared (`lvzhi diff --runs OLD NEW`).
    func comparePage(_ s: ConsoleSession, id: Int64?, with old: Int64?) -> Response {
        guard let id, let old else { return notFound(s, lang.pick("没有这个运行。", "No such run.")) }
        do {
            let c = try HistoryCases.compare(old: old, new: id, in: history, lang: lang)
            return Page.html(lang.pick("运行 #\(id) 与 #\(old) 比较", "Run #\(id) against #\(old)"), session: s, lang: lang,
                             body: "<pre class=\"src diff\">\(h(DiffReport.text(c, lang: lang)))</pre>")
        } catch {
            return failurePage(s, lang.pick("无法比较", "Cannot compare"), error)
        }
    }

    // MARK: - 评分

    /// Files under `dir` with one of `extensions`, as sorted relative paths (hidden files, Excel
    /// lock files and anything deeper than three folders left out).
    static func listFiles(_ dir: String?, extensions: Set<String>) -> [String] {
        guard let dir, let e = FileManager.default.enumerator(atPath: dir) else { return [] }
        var out: [String] = []
        while let rel = e.nextObject() as? String {
            let parts = rel.split(separator: "/")
            if parts.contains(where: { $0.hasPrefix(".") || $0.hasPrefix("~$") }) || parts.count > 4 { continue }
            let ext = (rel as NSString).pathExtension.lowercased()
            guard extensions.contains(ext) else { continue }
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(rel), isDirectory: &isDir), !isDir.boolValue {
                out.append(rel)
            }
        }
        return out.sorted()
    }

    var ruleFiles: [String] {
        Self.listFiles(config.rulesDir, extensions: ["yaml", "yml"]).filter { !$0.contains("/") && !$0.hasSuffix(".approved.yaml") }
    }
    static let dataExtensions: Set<String> = ["csv", "xml", "xlsx"]
    var exportFiles: [String] { Self.listFiles(config.exportsDir, extensions: Self.dataExtensions) }
    var mappingFiles: [String] { Self.listFiles(config.exportsDir, extensions: ["yaml", "yml"]).filter { $0.hasSuffix(".mapping.yaml") } }

    func options(_ names: [String], selected: String? = nil) -> String {
        names.map { "<option value=\"\(h($0))\"\($0 == selected ? " selected" : "")>\(h($0))</option>" }.joined()
    }

    func scoreForm(_ s: ConsoleSession, error: String?, status: HTTPResponse.Status = .ok) -> Response {
        guard s.role.mayScore else { return forbidden(s, lang.pick("评分", "run a scoring")) }
        let exports = exportFiles
        let body = """
            \(error.map { "<pre class=\"error\">\(h($0))</pre>" } ?? "")
            <form method="post" action="/score?_csrf=\(h(s.csrf))" enctype="multipart/form-data">
            <input type="hidden" name="_csrf" value="\(h(s.csrf))">
            <label>\(lang.pick("规则文件", "Rule file")) <select name="rules" required>\(options(ruleFiles, selected: "fengjie.yaml"))</select></label>
            <fieldset><legend>\(lang.pick("委员名册", "Member roster"))</legend>
            <label>\(lang.pick("从导出文件夹选择", "From the exports folder")) <select name="members"><option value="">—</option>\(options(exports, selected: exports.first { ($0 as NSString).lastPathComponent.hasPrefix("members.") }))</select></label>
            <label>\(lang.pick("或上传", "or upload")) <input type="file" name="members_upload" accept=".csv,.xml,.xlsx"></label></fieldset>
            <fieldset><legend>\(lang.pick("活动记录", "Activity records"))</legend>
            <label>\(lang.pick("从导出文件夹选择（可多选）", "From the exports folder (several)")) <select name="activities" multiple>\(options(exports.filter { !($0 as NSString).lastPathComponent.hasPrefix("members.") }))</select></label>
            <label>\(lang.pick("或上传（可多个）", "or upload (several)")) <input type="file" name="activities_upload" multiple accept=".csv,.xml,.xlsx"></label>
            <label>\(lang.pick("映射文件（其他平台的导出）", "Mapping files (foreign exports)")) <select name="mapping" multiple>\(options(mappingFiles))</select></label></fieldset>
            <label>\(lang.pick("考核期间（留空用规则文件中的）", "Period (empty: the rule file's)")) <input name="period" placeholder="2025"></label>
            <button>\(lang.pick("评分", "Score"))</button>
            <p>\(lang.pick("上传的文件以生成的名字保存在数据文件夹中；每次最多 \(config.maxUploadFiles) 个文件、共 \(config.maxUploadBytes >> 20) MB。结果记为草稿，公布另需审核人确认。",
                          "Uploads are stored under generated names in the data folder; at most \(config.maxUploadFiles) files, \(config.maxUploadBytes >> 20) MB in all. The result is a draft; publishing needs a reviewer."))</p>
            </form>
            """
        return Page.html(lang.pick("评分", "Score"), session: s, lang: lang, body: body, status: status)
    }

    /// A 评分 form. The session, the role and the CSRF token (in the form's address, so that it
    /// can be checked before the body) are checked before the body is read, and at most
    /// `config.maxConcurrentUploads` bodies are read at once: nobody without a session makes the
    /// server read up to 64 MB. The form is checked before its uploads are stored, and nothing
    /// is left in `uploads/` when it is refused.
    func scorePost(_ req: Request) async throws -> Response {
        guard let s = await session(req) else { return .redirect(to: "/login") }
        guard s.role.mayScore else { return forbidden(s, lang.pick("评分", "run a scoring")) }
        let early = req.uri.queryParameters.get("_csrf")
        if let early, !constantTimeEqual(early, s.csrf) { return csrfRefusal(req, s) }
        guard uploadSlots.acquire() else {
            store.audit(account: s.account, action: "score", detail: "refused: \(config.maxConcurrentUploads) uploads in progress", ok: false)
            var r = scoreForm(s, error: lang.pick("同时进行的上传太多（最多 \(config.maxConcurrentUploads) 个），未保存。请稍后再提交。",
                                                 "Too many uploads at once (at most \(config.maxConcurrentUploads)); nothing was stored. Submit again in a moment."),
                              status: .serviceUnavailable)
            r.headers[.retryAfter] = "10"
            return r
        }
        defer { uploadSlots.release() }
        let form: Forms.Multipart
        do {
            form = try await Forms.multipart(req, limit: config.maxUploadBytes, maxFiles: config.maxUploadFiles)
        } catch let e as Forms.Failure {
            store.audit(account: s.account, action: "score", detail: "upload refused: \(e)", ok: false)
            return scoreForm(s, error: e.message(lang), status: e.status)
        }
        if early == nil {
            switch await checkedPost(req, fields: form.fields) {
            case .failure(let r): return r.response
            case .success: break
            }
        }
        func refuse(_ m: String) -> Response {
            store.audit(account: s.account, action: "score", detail: m, ok: false)
            return scoreForm(s, error: m, status: .badRequest)
        }
        // Only names listed from the configured folders; uploads under generated names.
        guard let rulesName = form.fields["rules"]?.first, ruleFiles.contains(rulesName) else {
            return refuse(lang.pick("请从规则文件夹中选择规则文件。", "Choose a rule file from the Rules folder."))
        }
        let exports = Set(exportFiles)
        let mappings = Set(mappingFiles)
        func exportPath(_ rel: String) -> String { (config.exportsDir! as NSString).appendingPathComponent(rel) }
        for v in (form.fields["members"] ?? []) + (form.fields["activities"] ?? []) where !v.isEmpty && !exports.contains(v) {
            return refuse(lang.pick("“\(v)”不在导出文件夹中。", "'\(v)' is not in the exports folder."))
        }
        for v in form.fields["mapping"] ?? [] where !mappings.contains(v) {
            return refuse(lang.pick("“\(v)”不是导出文件夹中的映射文件。", "'\(v)' is not a mapping file in the exports folder."))
        }
        // Everything that can be checked without the files, before they are stored.
        if let bad = form.badExtension { return refuse(Forms.Failure.badExtension(bad).message(lang)) }
        let pickedMembers = form.fields["members"]?.first(where: { !$0.isEmpty }).map(exportPath)
        guard pickedMembers != nil || form.hasUpload("members_upload") else {
            return refuse(lang.pick("请选择或上传委员名册。", "Choose or upload the member roster."))
        }
        let pickedActivities = (form.fields["activities"] ?? []).filter { !$0.isEmpty }.map(exportPath)
        guard !pickedActivities.isEmpty || form.hasUpload("activities_upload") else {
            return refuse(lang.pick("请选择或上传活动记录。", "Choose or upload activity records."))
        }
        let period = form.fields["period"]?.first.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        if let period, Period(spec: period) == nil {
            return refuse(lang.pick("无法识别的考核期间“\(period)”，应写作 2025、2025-Q1 或 2024-12-01..2025-11-30",
                                    "unrecognised period '\(period)'; write 2025, 2025-Q1 or 2024-12-01..2025-11-30"))
        }
        let uploads: [(field: String, path: String)]
        do { uploads = try form.store(in: config.uploadsDir) } catch let e as Forms.Failure {
            return refuse(e.message(lang))
        }
        let members = uploads.first { $0.field == "members_upload" }?.path ?? pickedMembers!
        let activities = pickedActivities + uploads.filter { $0.field == "activities_upload" }.map(\.path)
        let request = ScoringRequest(rules: (config.rulesDir as NSString).appendingPathComponent(rulesName), members: members,
                                     activities: activities, mappings: (form.fields["mapping"] ?? []).map(exportPath), period: period)
        let jid = startScoring(request, session: s, describe: "\(rulesName) \(period ?? "")")
        return .redirect(to: "/jobs/\(jid)")
    }

    /// A scoring asked for in the console, with paths already resolved and checked.
    public struct ScoringRequest: Sendable, Codable, Equatable {
        public var rules: String
        public var members: String
        public var activities: [String]
        public var mappings: [String]
        public var period: String?
        /// The console's approved corrections (复核) applied, in order (ids of ``ProposedCorrection``).
        public var corrections: [Int64]

        public init(rules: String, members: String, activities: [String], mappings: [String] = [], period: String? = nil,
                    corrections: [Int64] = []) {
            self.rules = rules
            self.members = members
            self.activities = activities
            self.mappings = mappings
            self.period = period
            self.corrections = corrections
        }
    }

    /// Runs a scoring into a new output folder under `runs/` through the same use case as
    /// `lvzhi score`, recorded as a draft in the history. With corrections, they are written
    /// into a corrections file under `corrections/` and applied as `lvzhi score --corrections` does.
    /// - Parameter redoOf: the run this one redoes with one more correction.
    /// - Returns: the history run id and the output folder.
    public func score(_ r: ScoringRequest, account: String, redoOf: Int64? = nil,
                      progress: (@Sendable (Int, Int, Int) -> Void)? = nil) throws(LvzhiFailure) -> (Int64, String) {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        f.dateFormat = "yyyyMMdd-HHmmss"
        let stamp = f.string(from: Date()) + "-" + randomToken(bytes: 4)
        let out = (config.runsDir as NSString).appendingPathComponent(stamp)
        var correctionsFile: String?
        if !r.corrections.isEmpty {
            correctionsFile = try writeCorrections(r.corrections, name: stamp)
        }
        // The outputs in the console's language whoever starts the run (the same inputs give the
        // same files); messages in the language of the person who asked.
        let settings = ScoreSettings(rules: r.rules, members: r.members, activities: r.activities, period: r.period, out: out,
                                     lang: config.lang, history: config.historyPath, lock: .fail, quiet: true,
                                     mappings: r.mappings.isEmpty ? nil : r.mappings, corrections: correctionsFile,
                                     historyEnabled: true, publish: false)
        let t = try ScoringTransaction(settings: settings, rules: r.rules, members: r.members, activities: r.activities, out: out,
                                       lang: lang, outputLang: config.lang, pinnedTime: config.runTime,
                                       console: ScoringConsole(note: { _ in }, interactive: false, commandLine: "serve (\(account))", progress: progress))
        t.mappings = try ScoringTransaction.loadMappings(r.mappings, lang: lang)
        let outcome = try t.run(handleSignals: false)
        guard let run = outcome.historyRun else {
            throw .internalError(lang.pick("评分完成但没有记入历史", "the scoring finished but was not recorded"))
        }
        do {
            try store.recordRun(id: run.id, outDir: out, account: account)
            try store.recordRequest(run: run.id, r, redoOf: redoOf)
        } catch {
            throw .badInput(lang.pick("无法记录运行 #\(run.id) 的输出位置：\(error)", "cannot record run #\(run.id)'s output folder: \(error)"))
        }
        return (run.id, out)
    }

    /// Writes the approved corrections `ids` into a new corrections file under `corrections/`.
    func writeCorrections(_ ids: [Int64], name: String) throws(LvzhiFailure) -> String {
        var entries: [CorrectionEntry] = []
        do {
            for id in ids {
                guard let c = try store.correction(id) else { throw LvzhiFailure.usage(lang.pick("没有复核申请 #\(id)", "no proposed correction #\(id)")) }
                var e = c.entry
                e.ticket = e.ticket ?? "lvzhi-serve #\(id)"
                entries.append(e)
            }
        } catch let f as LvzhiFailure {
            throw f
        } catch {
            throw .badInput("\(error)")
        }
        let path = (config.correctionsDir as NSString).appendingPathComponent(name + ".yaml")
        let text = CorrectionCases.yaml(name: lang.pick("网页控制台批准的复核", "corrections approved in the web console"), entries: entries)
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw .badInput(lang.pick("无法写入复核文件 \(path)", "cannot write the corrections file \(path)"))
        }
        return path
    }

    // MARK: - A run

    func runPage(_ s: ConsoleSession, id: Int64?) throws -> Response {
        guard let id else { return notFound(s, lang.pick("没有这个运行。", "No such run.")) }
        let r: HistoryRun
        do { r = try HistoryCases.run(id, in: history, lang: lang) } catch { return notFound(s, error.message) }
        let out = try store.outDir(run: id)
        var body = """
            <table>
            <tr><th>\(lang.pick("考核期间", "Period"))</th><td>\(h(r.periodLabel))</td></tr>
            <tr><th>\(lang.pick("规则", "Rules"))</th><td>\(h(r.rulesName)) \(h(r.rulesVersion))<br><small>SHA-256 \(h(r.rulesSHA256))</small></td></tr>
            <tr><th>\(lang.pick("状态", "Status"))</th><td>\(statusLabel(r))\(r.publishedAt.map { " " + h($0) } ?? "")</td></tr>
            <tr><th>\(lang.pick("时间", "Time"))</th><td>\(h(r.runTime))</td></tr>
            <tr><th>\(lang.pick("委员", "Members"))</th><td>\(r.memberCount)</td></tr>
            <tr><th>\(lang.pick("记录", "Records"))</th><td>\(lang.pick("读取 \(r.recordsRead)，计分 \(r.recordsScored)，拒收 \(r.rejected)", "read \(r.recordsRead), scored \(r.recordsScored), rejected \(r.rejected)"))</td></tr>
            <tr><th>\(lang.pick("等次", "Grades"))</th><td>\(grades(r))</td></tr>
            </table>
            <p><a href="/members?run=\(id)">\(lang.pick("查找委员", "Find a member"))</a> · <a href="/runs/\(id)/corrections">\(lang.pick("复核", "Corrections"))</a>\(s.role.mayScore ? " · <a href=\"/runs/\(id)/check\">" + lang.pick("委员核对", "Member check") + "</a>" : "")
            \(r.status == .draft && r.supersededBy == nil && s.role.mayPublish ? " · <a href=\"/runs/\(id)/publish\">\(lang.pick("公布", "Publish"))</a>" : "")
            \(r.status == .published ? " · " + lang.pick("已公布的结果只读。", "Published results are read-only.") : "")</p>
            """
        if let out {
            let present = ReportSet.outputNames.filter { FileManager.default.fileExists(atPath: (out as NSString).appendingPathComponent($0)) }
            body += "<h2>\(lang.pick("输出", "Outputs"))</h2><p>" + present.map { name in
                let target = name == "members" ? "members/index.html" : name
                return "<a href=\"/runs/\(id)/files/\(target)\">\(name)</a>"
            }.joined(separator: " · ") + "</p>"
            let rejects = Self.readRejects((out as NSString).appendingPathComponent("rejects.csv"), limit: 1000)
            body += "<h2 id=\"rejects\">\(lang.pick("拒收的记录", "Rejected records"))（\(r.rejected)）</h2>"
            if let header = rejects.first {
                body += "<table><tr>" + header.map { "<th>\(h($0))</th>" }.joined() + "</tr>"
                for row in rejects.dropFirst() { body += "<tr>" + row.map { "<td>\(h($0))</td>" }.joined() + "</tr>" }
                body += "</table>"
                if r.rejected > rejects.count - 1 {
                    body += "<p>" + lang.pick("只列出前 \(rejects.count - 1) 条，全部见 rejects.csv。", "The first \(rejects.count - 1) only; see rejects.csv for all.") + "</p>"
                }
            }
            if present.contains("report.html") {
                body += "<h2 id=\"report\">report.html</h2><iframe class=\"report\" src=\"/runs/\(id)/files/report.html\" title=\"report.html\"></iframe>"
            }
        } else {
            body += "<p>" + lang.pick("这次运行不是在控制台中做的（例如 cron），输出文件不在数据文件夹中。", "This run was not made in the console (cron, say): its outputs are not in the data folder.") + "</p>"
        }
        return Page.html(lang.pick("运行 #\(id)", "Run #\(id)"), session: s, lang: lang, body: body, frames: out != nil)
    }

    /// rejects.csv as rows (the header first), at most `limit` data rows.
    static func readRejects(_ path: String, limit: Int) -> [[String]] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        var rows: [[String]] = []
        try? CSVReader(path: path).forEachRow { row in
            guard rows.count <= limit else { return }
            rows.append((0..<row.count).map { row.string($0) ?? "" })
        }
        return rows
    }

    func runFile(_ s: ConsoleSession, id: Int64?, name: String, inMembers: Bool = false) throws -> Response {
        // An output by its known name, or a member page: one plain .html name inside members/
        // (no folder, no leading dot), read only when it is a regular file.
        let known = inMembers
            ? (name.hasSuffix(".html") && !name.hasPrefix(".") && !name.contains("/") && !name.contains("\\"))
            : ReportSet.outputNames.contains(name) && name != "members"
        guard let id, known, let out = try store.outDir(run: id) else {
            return notFound(s, lang.pick("没有这个文件。", "No such file."))
        }
        let path = inMembers ? (out as NSString).appendingPathComponent("members/" + name) : (out as NSString).appendingPathComponent(name)
        guard (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType == .typeRegular,
              let data = FileManager.default.contents(atPath: path) else { return notFound(s, lang.pick("没有这个文件。", "No such file.")) }
        let type: String = switch (name as NSString).pathExtension {
        case "html": "text/html; charset=utf-8"
        case "csv": "text/csv; charset=utf-8"
        case "json": "application/json"
        default: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        }
        // The reports and member pages hold no script (tested): none may run in them.
        var headers: HTTPFields = [.contentType: type, .xContentTypeOptions: "nosniff", .cacheControl: "no-store",
                                   .init("Referrer-Policy")!: "no-referrer",
                                   .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"]
        if !name.hasSuffix(".html") { headers[.contentDisposition] = "attachment; filename=\"\(name)\"" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: - 委员

    func memberSearch(_ s: ConsoleSession, run: Int64?, query: String) throws -> Response {
        let runs = try HistoryCases.runs(history, lang: lang)
        guard let r = run.flatMap({ id in runs.first { $0.id == id } }) ?? runs.first else {
            return Page.html(lang.pick("委员", "Members"), session: s, lang: lang, body: "<p>\(lang.pick("还没有评分记录。", "No runs yet."))</p>")
        }
        let q = query.trimmingCharacters(in: .whitespaces)
        var body = """
            <form method="get" action="/members"><input type="hidden" name="run" value="\(r.id)">
            <label>\(lang.pick("姓名或编号", "Name or id")) <input name="q" value="\(h(q))" autofocus></label><button>\(lang.pick("查找", "Search"))</button></form>
            <p>\(lang.pick("运行", "Run")) <a href="/runs/\(r.id)">#\(r.id)</a>（\(h(r.periodLabel))，\(h(r.rulesName))）</p>
            """
        if !q.isEmpty {
            let results = try HistoryCases.guarded(lang) { () throws(HistoryError) in try history.results(run: r.id) }
            let hits = results.filter { $0.memberID.localizedCaseInsensitiveContains(q) || $0.name.contains(q) }
            body += "<table><tr><th>\(lang.pick("编号", "Id"))</th><th>\(lang.pick("姓名", "Name"))</th><th>\(lang.pick("界别", "Sector"))</th><th>\(lang.pick("总分", "Score"))</th><th>\(lang.pick("排名", "Rank"))</th><th>\(lang.pick("等次", "Grade"))</th></tr>"
            for m in hits.prefix(200) {
                body += "<tr><td><a href=\"/runs/\(r.id)/members/\(u(m.memberID))\">\(h(m.memberID))</a></td><td>\(h(m.name))</td><td>\(h(m.sector))</td><td>\(m.score)</td><td>\(m.rank.map(String.init) ?? "—")</td><td>\(h(m.grade))（\(h(m.color))）</td></tr>"
            }
            body += "</table>"
            if hits.isEmpty { body += "<p>\(lang.pick("没有找到。", "Nothing found."))</p>" }
        }
        return Page.html(lang.pick("委员", "Members"), session: s, lang: lang, body: body)
    }

    func memberPage(_ s: ConsoleSession, id: Int64?, member: String) throws -> Response {
        guard let id else { return notFound(s, lang.pick("没有这个运行。", "No such run.")) }
        let results = try HistoryCases.guarded(lang) { () throws(HistoryError) in try history.results(run: id) }
        guard let m = results.first(where: { $0.memberID == member }) else {
            return notFound(s, lang.pick("运行 #\(id) 中没有委员 \(member)。", "Run #\(id) has no member \(member)."))
        }
        let years = try HistoryCases.guarded(lang) { () throws(HistoryError) in try history.memberHistory(member) }
        var body = """
            <table>
            <tr><th>\(lang.pick("编号", "Id"))</th><td>\(h(m.memberID))</td></tr>
            <tr><th>\(lang.pick("界别", "Sector"))</th><td>\(h(m.sector))</td></tr>
            <tr><th>\(lang.pick("专委会", "Committee"))</th><td>\(h(m.committee))</td></tr>
            <tr><th>\(lang.pick("总分", "Score"))</th><td>\(m.score)</td></tr>
            <tr><th>\(lang.pick("排名", "Rank"))</th><td>\(m.rank.map(String.init) ?? "—") \(h(m.rankScope))</td></tr>
            <tr><th>\(lang.pick("等次", "Grade"))</th><td>\(h(m.grade))（\(h(m.color))）</td></tr>
            <tr><th>\(lang.pick("分类得分", "Categories"))</th><td>\(m.categoryPoints.sorted { $0.key < $1.key }.map { "\(h($0.key)) \($0.value)" }.joined(separator: "<br>"))</td></tr>
            \(m.vetoes.isEmpty ? "" : "<tr><th>\(lang.pick("否决", "Vetoes"))</th><td>\(m.vetoes.map(h).joined(separator: "、"))</td></tr>")
            \(m.missedRequirements.isEmpty ? "" : "<tr><th>\(lang.pick("未达最低要求", "Requirements missed"))</th><td>\(m.missedRequirements.map(h).joined(separator: "、"))</td></tr>")
            <tr><th>\(lang.pick("计分记录", "Records scored"))</th><td>\(m.records)</td></tr>
            </table>
            """
        if try store.outDir(run: id) != nil {
            body += "<p><a href=\"/runs/\(id)/files/members/\(MemberPages.pageFileName(m.memberID))\">\(lang.pick("个人明细（每条计分记录）", "The member's page (every scored record)"))</a></p>"
        }
        body += "<h2>\(lang.pick("历年", "Year over year"))</h2><table><tr><th>\(lang.pick("期间", "Period"))</th><th>\(lang.pick("运行", "Run"))</th><th>\(lang.pick("总分", "Score"))</th><th>\(lang.pick("排名", "Rank"))</th><th>\(lang.pick("等次", "Grade"))</th></tr>"
        for y in years {
            body += "<tr><td>\(h(y.run.periodLabel))</td><td><a href=\"/runs/\(y.run.id)\">#\(y.run.id)</a> \(statusLabel(y.run))</td><td>\(y.result.score)</td><td>\(y.result.rank.map(String.init) ?? "—")</td><td>\(h(y.result.grade))</td></tr>"
        }
        body += "</table>"
        return Page.html("\(m.name)（\(m.memberID)）", session: s, lang: lang, body: body)
    }

    // MARK: - 公布

    func publishForm(_ s: ConsoleSession, id: Int64?, error: String?, status: HTTPResponse.Status = .ok) throws -> Response {
        guard s.role.mayPublish else { return forbidden(s, lang.pick("公布结果", "publish results")) }
        guard let id else { return notFound(s, lang.pick("没有这个运行。", "No such run.")) }
        let r: HistoryRun
        do { r = try HistoryCases.run(id, in: history, lang: lang) } catch { return notFound(s, error.message) }
        guard r.status == .draft else {
            return Page.html(lang.pick("公布", "Publish"), session: s, lang: lang,
                             body: "<p class=\"error\">\(lang.pick("运行 #\(id) 已经公布，公布的结果只读。", "Run #\(id) is published already; published results are read-only."))</p>",
                             status: .conflict)
        }
        let current = try HistoryCases.guarded(lang) { () throws(HistoryError) in try history.currentPublished(period: r.period, rulesName: r.rulesName) }
        let body = """
            \(error.map { "<pre class=\"error\">\(h($0))</pre>" } ?? "")
            <p>\(h(lang.pick("公布运行 #\(id)：考核期间 \(r.periodLabel)，规则“\(r.rulesName)”版本 \(r.rulesVersion)（SHA-256 \(r.rulesSHA256.prefix(12))…）。公布后结果只读，不能修改或删除。",
                             "Publish run #\(id): period \(r.periodLabel), rules '\(r.rulesName)' version \(r.rulesVersion) (SHA-256 \(r.rulesSHA256.prefix(12))…). Published results are read-only.")))</p>
            <p>\(lang.pick("等次", "Grades"))：\(grades(r))；\(lang.pick("拒收", "rejected")) \(r.rejected)</p>
            <form method="post" action="/runs/\(id)/publish">
            <input type="hidden" name="_csrf" value="\(h(s.csrf))">
            \(current.map { c in """
                <p class="error">\(h(lang.pick("该期间已有公布的结果（运行 #\(c.id)）。取代它需要写明理由；原结果保留。", "The period already has a published result (run #\(c.id)). Superseding it needs a reason; it is kept.")))</p>
                <label><input type="checkbox" name="supersede" value="1"> \(lang.pick("取代运行 #\(c.id)", "supersede run #\(c.id)"))</label>
                <label>\(lang.pick("理由", "Reason")) <textarea name="reason" rows="3" cols="60"></textarea></label>
                """ } ?? "")
            <label><input type="checkbox" name="confirm" value="\(h(r.periodLabel))" required> \(h(lang.pick("我确认公布 \(r.periodLabel) 的结果", "I confirm publishing the results of \(r.periodLabel)")))</label>
            <button>\(lang.pick("公布", "Publish"))</button></form>
            """
        return Page.html(lang.pick("公布", "Publish"), session: s, lang: lang, body: body, status: status)
    }

    func publishPost(_ req: Request, id: Int64?) async throws -> Response {
        let fields = try await Forms.urlEncoded(req, limit: 64 << 10)
        let s: ConsoleSession
        switch await checkedPost(req, fields: fields) {
        case .failure(let r): return r.response
        case .success(let x): s = x
        }
        guard s.role.mayPublish else { return forbidden(s, lang.pick("公布结果", "publish results")) }
        guard let id else { return notFound(s, lang.pick("没有这个运行。", "No such run.")) }
        let r: HistoryRun
        do { r = try HistoryCases.run(id, in: history, lang: lang) } catch { return notFound(s, error.message) }
        guard fields["confirm"]?.first == r.periodLabel else {
            return try publishForm(s, id: id, error: lang.pick("请勾选确认。", "Tick the confirmation."), status: .badRequest)
        }
        let supersede = fields["supersede"]?.first == "1"
        let reason = (fields["reason"]?.first ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if supersede, reason.isEmpty {
            return try publishForm(s, id: id, error: lang.pick("取代已公布的结果需要写明理由。", "Superseding a published result needs a reason."), status: .badRequest)
        }
        do {
            let p = try HistoryCases.publish(run: id, in: history, supersede: supersede, at: config.runTime.flatMap(RunTime.parse).map(RunTime.text), lang: lang)
            store.audit(account: s.account, action: "publish", detail: HistoryCases.publishedLine(p, lang: lang) + (reason.isEmpty ? "" : lang.pick("；理由：", "; reason: ") + reason))
            return .redirect(to: "/runs/\(id)")
        } catch {
            store.audit(account: s.account, action: "publish", detail: "run #\(id): \(error.message)", ok: false)
            return failurePage(s, lang.pick("没有公布", "Not published"), error)
        }
    }

    // MARK: - 规则

    func rulesList(_ s: ConsoleSession) -> Response {
        var body = "<table><tr><th>\(lang.pick("规则文件", "Rule file"))</th><th>\(lang.pick("名称", "Name"))</th><th>\(lang.pick("检查", "Check"))</th></tr>"
        for f in ruleFiles {
            let (result, passed) = RuleChecking.check(path: (config.rulesDir as NSString).appendingPathComponent(f))
            body += "<tr><td><a href=\"/rules/\(u(f))\">\(h(f))</a></td><td>\(h(result.rules.map { "\($0.name) \($0.version)" } ?? "—"))</td><td>\(passed ? lang.pick("通过", "ok") : "<span class=\"draft\">" + lang.pick("有错误", "errors") + "</span>")\(result.diagnostics.isEmpty ? "" : "（\(result.diagnostics.count)）")</td></tr>"
        }
        body += "</table>"
        return Page.html(lang.pick("规则", "Rules"), session: s, lang: lang, body: body)
    }

    func rulePage(_ s: ConsoleSession, name: String) -> Response {
        guard ruleFiles.contains(name) else { return notFound(s, lang.pick("规则文件夹中没有“\(name)”。", "The Rules folder has no '\(name)'.")) }
        let path = (config.rulesDir as NSString).appendingPathComponent(name)
        let (result, passed) = RuleChecking.check(path: path)
        var body = passed
            ? "<p class=\"ok\">\(h(lang.pick("检查通过", "Check passed")))\(result.rules.map { h("：\($0.name) \($0.version)，\($0.categories.count) 个类别、\($0.rules.count) 条规则、\($0.grades.count) 个等次、\(result.cases) 个用例") } ?? "")</p>"
            : ""
        var badLines = Set<Int>()
        if !result.diagnostics.isEmpty {
            body += "<ul>"
            for d in result.diagnostics {
                let line = d.location?.file == path || d.location?.file == nil ? d.location?.line : nil
                if let line { badLines.insert(line) }
                let at = line.map { "<a href=\"#L\($0)\">\(h(name)):\($0)\(d.location?.column.map { ":\($0)" } ?? "")</a> " } ?? (d.location.map { h("\($0.file):\($0.line)") + " " } ?? "")
                body += "<li class=\"\(d.severity == .error ? "error" : "")\">\(at)<strong>\(h(d.id))</strong> \(h(d.message(lang)))\(d.hint(lang).map { "<br><small>\(h($0))</small>" } ?? "")</li>"
            }
            body += "</ul>"
        }
        if passed { body += ruleCasesSection(path: path, name: name) }
        if let source = result.source {
            body += "<h2>\(lang.pick("规则文件", "The rule file"))</h2><pre class=\"src\">"
            // Numbered as the YAML parser numbers them (a CRLF file is not one long line).
            for (i, line) in SourceLines.of(source).enumerated() {
                let n = i + 1
                body += "<span id=\"L\(n)\"\(badLines.contains(n) ? " class=\"bad\"" : "")>\(String(format: "%4d", n))  \(h(String(line)))</span>\n"
            }
            body += "</pre>"
        }
        return Page.html(name, session: s, lang: lang, body: body, status: .ok)
    }

    // MARK: - 审计

    /// Audit rows on one page (``auditPage(_:before:)``).
    static let auditPageSize = 200

    /// The audit log, newest first, ``auditPageSize`` rows a page; `before` pages back to older rows.
    func auditPage(_ s: ConsoleSession, before: Int64?) throws -> Response {
        guard s.role.mayAudit else { return forbidden(s, lang.pick("查看审计记录", "read the audit log")) }
        for (action, n) in anonymousAudit.drain() { auditLeftOut(action, n) }
        let rows = try store.auditLog(limit: Self.auditPageSize, before: before)
        var nav: [String] = []
        if before != nil { nav.append("<a href=\"/audit\">\(lang.pick("最新的记录", "Newest entries"))</a>") }
        if rows.count == Self.auditPageSize, let last = rows.last {
            nav.append("<a href=\"/audit?before=\(last.id)\">\(lang.pick("更早的记录", "Older entries"))</a>")
        }
        var body = "<p>" + lang.pick("按时间倒序，每页 \(Self.auditPageSize) 条。", "Newest first, \(Self.auditPageSize) a page.") + (nav.isEmpty ? "" : " " + nav.joined(separator: " · ")) + "</p>"
        body += "<table><tr><th>#</th><th>\(lang.pick("时间", "Time"))</th><th>\(lang.pick("账号", "Account"))</th><th>\(lang.pick("操作", "Action"))</th><th>\(lang.pick("结果", "Result"))</th><th>\(lang.pick("详情", "Detail"))</th></tr>"
        for e in rows {
            body += "<tr><td>\(e.id)</td><td>\(h(e.at))</td><td>\(h(e.account))</td><td>\(h(e.action))</td><td>\(e.ok ? lang.pick("成功", "ok") : lang.pick("失败", "failed"))</td><td>\(h(e.detail))</td></tr>"
        }
        body += "</table>"
        if !nav.isEmpty { body += "<p>" + nav.joined(separator: " · ") + "</p>" }
        return Page.html(lang.pick("审计记录", "Audit log"), session: s, lang: lang, body: body)
    }
}

/// Blocking work (bcrypt, a scoring) off the server's event loops.
enum Background {
    /// Runs `body` on a GCD thread, in the language of the request that asked for it: a task-local
    /// is not seen on another thread, and an English-speaking approver was refused in Chinese.
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            start { c.resume(with: Result { try body() }) }
        }
    }

    /// Starts `body` on a GCD thread in the request's language and returns at once (a scoring
    /// the browser follows on its progress page).
    static func start(_ body: @escaping @Sendable () -> Void) {
        let language = Console.requestLanguage
        DispatchQueue.global().async { Console.$requestLanguage.withValue(language) { body() } }
    }
}
