import Foundation
import Hummingbird
import LvzhiApp
import LvzhiCore
import LvzhiHistory
import LvzhiReport

/// 委员核对: staff open a window on a run; every member of the run gets a link with a 128-bit
/// random token (only its SHA-256 is stored) that shows that member's page and nothing else,
/// works only while the window is open, and can be revoked. A member may raise an objection
/// (异议), which becomes a proposed correction for staff to approve or reject.
extension Console {
    static let memberCookie = "lvzhi_member"

    func registerMemberCheckRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/runs/:id/check") { req, ctx in
            try await self.authed(req) { s in try self.checkPage(s, id: ctx.parameters.get("id", as: Int64.self)) }
        }
        router.post("/runs/:id/check") { req, ctx in try await self.openWindowPost(req, id: ctx.parameters.get("id", as: Int64.self)) }
        router.post("/check/:wid/:action") { req, ctx in
            try await self.windowActionPost(req, wid: ctx.parameters.get("wid", as: Int64.self), action: ctx.parameters.decoded("action") ?? "")
        }
        router.get("/m/:token") { req, ctx in try await self.memberView(req, token: ctx.parameters.decoded("token") ?? "") }
        router.get("/m/:token/page/:file") { req, ctx in
            try await self.memberFile(req, token: ctx.parameters.decoded("token") ?? "", file: ctx.parameters.decoded("file") ?? "")
        }
        router.post("/m/:token/objection") { req, ctx in try await self.objectionPost(req, token: ctx.parameters.decoded("token") ?? "") }
    }

    static func tokenHash(_ token: String) -> String { ContentHash.sha256(Data(token.utf8)) }

    /// Opens a check window on a run and makes one link per member of the run.
    /// - Returns: the window and each member's token (shown once; only hashes are kept).
    public func openWindow(run id: Int64, opens: Date, closes: Date, account: String) throws -> (Int64, [(member: String, token: String)]) {
        let results = try history.results(run: id)
        let wid = try store.openWindow(run: id, opens: opens, closes: closes, by: account)
        let out = results.map { (member: $0.memberID, token: randomToken(bytes: 16)) }
        try store.addLinks(window: wid, out.map { ($0.member, Self.tokenHash($0.token)) })
        return (wid, out)
    }

    func timeText(_ d: Date) -> String { RunTime.text(d) }

    func checkPage(_ s: ConsoleSession, id: Int64?, links: [(member: String, token: String)] = [], error: String? = nil,
                   status: HTTPResponse.Status = .ok) throws -> Response {
        guard s.role.mayScore else { return forbidden(s, lang.pick("安排委员核对", "arrange member checks")) }
        guard let id else { return notFound(s, lang.pick("没有这个运行。", "No such run.")) }
        let r: HistoryRun
        do { r = try HistoryCases.run(id, in: history, lang: lang) } catch { return notFound(s, error.message) }
        var body = "<p>\(lang.pick("运行", "Run")) <a href=\"/runs/\(id)\">#\(id)</a>（\(h(r.periodLabel))，\(statusLabel(r))）。"
            + lang.pick("每位委员一个链接，只显示本人的结果，窗口结束或撤销后失效；委员可以提出异议，异议成为复核申请。",
                        "One link per member shows that member's result only and stops working when the window ends or the link is revoked; members may raise objections, which become proposed corrections.") + "</p>"
        if let error { body += "<pre class=\"error\">\(h(error))</pre>" }
        if !links.isEmpty {
            body += "<h2>\(lang.pick("核对链接（只显示这一次，请现在发给委员）", "Links (shown this once: send them to the members now)"))</h2><table class=\"links\"><tr><th>\(lang.pick("委员", "Member"))</th><th>\(lang.pick("链接", "Link"))</th></tr>"
            for l in links { body += "<tr><td>\(h(l.member))</td><td><a class=\"member-link\" href=\"/m/\(l.token)\">/m/\(l.token)</a></td></tr>" }
            body += "</table>"
        }
        let windows = try store.windows().filter { $0.runID == id }
        for w in windows {
            let state = w.closed ? lang.pick("已关闭", "closed") : w.isOpen() ? lang.pick("开放中", "open") : (Date() < w.opensAt ? lang.pick("未开始", "not yet open") : lang.pick("已结束", "ended"))
            let ls = try store.links(window: w.id)
            body += "<h2>\(lang.pick("窗口", "Window")) #\(w.id)：\(h(timeText(w.opensAt))) — \(h(timeText(w.closesAt)))（\(state)，\(h(w.openedBy))）</h2>"
            if !w.closed {
                body += "<form class=\"inline\" method=\"post\" action=\"/check/\(w.id)/close\"><input type=\"hidden\" name=\"_csrf\" value=\"\(h(s.csrf))\"><button>\(lang.pick("关闭窗口（全部链接失效）", "Close the window (every link stops)"))</button></form>"
            }
            body += "<table><tr><th>\(lang.pick("委员", "Member"))</th><th>\(lang.pick("链接", "Link"))</th><th></th></tr>"
            for l in ls {
                body += "<tr><td>\(h(l.memberID))</td><td>\(l.revoked ? lang.pick("已撤销", "revoked") : lang.pick("有效", "valid"))</td><td>"
                if !w.closed {
                    body += "<form class=\"inline\" method=\"post\" action=\"/check/\(w.id)/revoke\"><input type=\"hidden\" name=\"_csrf\" value=\"\(h(s.csrf))\"><input type=\"hidden\" name=\"member\" value=\"\(h(l.memberID))\"><button>\(lang.pick("撤销", "Revoke"))</button></form> "
                    body += "<form class=\"inline\" method=\"post\" action=\"/check/\(w.id)/renew\"><input type=\"hidden\" name=\"_csrf\" value=\"\(h(s.csrf))\"><input type=\"hidden\" name=\"member\" value=\"\(h(l.memberID))\"><button>\(lang.pick("换新链接", "New link"))</button></form>"
                }
                body += "</td></tr>"
            }
            body += "</table>"
        }
        body += """
            <h2>\(lang.pick("开放核对窗口", "Open a check window"))</h2>
            <form method="post" action="/runs/\(id)/check">
            <input type="hidden" name="_csrf" value="\(h(s.csrf))">
            <label>\(lang.pick("开始（留空为现在）", "Opens (empty: now)")) <input name="opens" placeholder="2025-12-20T09:00"></label>
            <label>\(lang.pick("结束", "Closes")) <input name="closes" placeholder="2025-12-27" required></label>
            <button>\(lang.pick("开放并生成链接", "Open and make the links"))</button></form>
            """
        return Page.html(lang.pick("委员核对 · 运行 #\(id)", "Member check · run #\(id)"), session: s, lang: lang, body: body, status: status)
    }

    func openWindowPost(_ req: Request, id: Int64?) async throws -> Response {
        let fields = try await Forms.urlEncoded(req, limit: 64 << 10)
        let s: ConsoleSession
        switch await checkedPost(req, fields: fields) {
        case .failure(let r): return r.response
        case .success(let x): s = x
        }
        guard s.role.mayScore else { return forbidden(s, lang.pick("安排委员核对", "arrange member checks")) }
        guard let id, (try? history.run(id)) != nil else { return notFound(s, lang.pick("没有这个运行。", "No such run.")) }
        let opensText = (fields["opens"]?.first ?? "").trimmingCharacters(in: .whitespaces)
        let closesText = (fields["closes"]?.first ?? "").trimmingCharacters(in: .whitespaces)
        let opens = opensText.isEmpty ? Date() : RunTime.parse(opensText)
        guard let opens, let closes = RunTime.parse(closesText), closes > opens, closes > Date() else {
            return try checkPage(s, id: id, error: lang.pick("请写明开始和结束时间（如 2025-12-27 或 2025-12-27T18:00，北京时间），结束要晚于开始和现在。",
                                                             "Give the opening and closing times (2025-12-27 or 2025-12-27T18:00, Beijing time); the end must be after the start and after now."),
                                 status: .badRequest)
        }
        let (wid, links) = try openWindow(run: id, opens: opens, closes: closes, account: s.account)
        store.audit(account: s.account, action: "check.open", detail: "window #\(wid) run #\(id) \(timeText(opens)) — \(timeText(closes)), \(links.count) links")
        return try checkPage(s, id: id, links: links)
    }

    func windowActionPost(_ req: Request, wid: Int64?, action: String) async throws -> Response {
        let fields = try await Forms.urlEncoded(req, limit: 64 << 10)
        let s: ConsoleSession
        switch await checkedPost(req, fields: fields) {
        case .failure(let r): return r.response
        case .success(let x): s = x
        }
        guard s.role.mayScore else { return forbidden(s, lang.pick("安排委员核对", "arrange member checks")) }
        guard let wid, let w = try store.window(wid) else { return notFound(s, lang.pick("没有这个核对窗口。", "No such check window.")) }
        let member = fields["member"]?.first ?? ""
        switch action {
        case "close":
            try store.closeWindow(wid)
            store.audit(account: s.account, action: "check.close", detail: "window #\(wid)")
        case "revoke":
            guard try store.revokeLink(window: wid, member: member) else { return notFound(s, lang.pick("窗口中没有这位委员。", "The window has no such member.")) }
            store.audit(account: s.account, action: "check.revoke", detail: "window #\(wid) \(member)")
        case "renew":
            guard !w.closed, try store.links(window: wid).contains(where: { $0.memberID == member }) else {
                return notFound(s, lang.pick("窗口中没有这位委员。", "The window has no such member."))
            }
            let token = randomToken(bytes: 16)
            try store.addLink(window: wid, member: member, tokenHash: Self.tokenHash(token))
            store.audit(account: s.account, action: "check.renew", detail: "window #\(wid) \(member)")
            return try checkPage(s, id: w.runID, links: [(member, token)])
        default:
            return notFound(s, lang.pick("没有这个操作。", "No such action."))
        }
        return .redirect(to: "/runs/\(w.runID)/check")
    }

    // MARK: - The member's side (no account: the token is the credential)

    enum LinkState { case valid(MemberLink, CheckWindow), unknown, revoked, expired }

    func linkState(_ token: String) throws -> LinkState {
        // Only well-formed tokens are looked up (32 lowercase hex digits).
        guard token.utf8.count == 32, token.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }),
              let l = try store.link(tokenHash: Self.tokenHash(token)), let w = try store.window(l.windowID) else { return .unknown }
        if l.revoked { return .revoked }
        guard w.isOpen() else { return .expired }
        return .valid(l, w)
    }

    /// The page for a link that does not work (audited), or nil with the link and window.
    func memberGate(_ token: String) throws -> Result<(MemberLink, CheckWindow), Refusal> {
        func refuse(_ status: HTTPResponse.Status, _ zh: String, _ en: String, _ why: String) -> Result<(MemberLink, CheckWindow), Refusal> {
            auditAnonymous(account: "(member link)", action: "member.view", detail: why)
            return .failure(Refusal(response: Page.html(lang.pick("委员核对", "Member check"), session: nil, lang: lang,
                                                        body: "<p class=\"error\">\(h(lang.pick(zh, en)))</p>", status: status)))
        }
        switch try linkState(token) {
        case .unknown: return refuse(.notFound, "没有这个链接。", "No such link.", "unknown token")
        case .revoked: return refuse(.forbidden, "这个链接已被撤销，请向政协办公室索取新链接。", "This link was revoked; ask the office for a new one.", "revoked token")
        case .expired: return refuse(.gone, "核对窗口已结束（或尚未开始），链接不能使用。", "The check window has ended (or not begun); the link does not work.", "expired token")
        case .valid(let l, let w): return .success((l, w))
        }
    }

    func memberView(_ req: Request, token: String, message: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let l: MemberLink, w: CheckWindow
        switch try memberGate(token) {
        case .failure(let r): return r.response
        case .success(let x): (l, w) = x
        }
        let results = try history.results(run: w.runID)
        guard let m = results.first(where: { $0.memberID == l.memberID }) else {
            return Page.html(lang.pick("委员核对", "Member check"), session: nil, lang: lang, body: "", status: .notFound)
        }
        let csrf = randomToken()
        var body = message.map { "<p class=\"ok\">\(h($0))</p>" } ?? ""
        if let error { body += "<pre class=\"error\">\(h(error))</pre>" }
        body += """
            <p>\(h(lang.pick("请核对您的履职记录和得分。核对截止 \(timeText(w.closesAt))。", "Please check your records and score. The check closes at \(timeText(w.closesAt)).")))</p>
            <table>
            <tr><th>\(lang.pick("编号", "Id"))</th><td>\(h(m.memberID))</td></tr>
            <tr><th>\(lang.pick("总分", "Score"))</th><td>\(m.score)</td></tr>
            <tr><th>\(lang.pick("等次", "Grade"))</th><td>\(h(m.grade))（\(h(m.color))）</td></tr>
            <tr><th>\(lang.pick("计分记录", "Records scored"))</th><td>\(m.records)</td></tr>
            </table>
            """
        if try store.outDir(run: w.runID) != nil {
            body += "<p><a href=\"/m/\(token)/page/\(u(MemberPages.pageFileName(m.memberID)))\">\(lang.pick("每条计分记录（个人明细）", "Every scored record (your page)"))</a></p>"
        }
        let mine = try store.corrections(run: w.runID).filter { $0.origin == .member && $0.entry.memberID == m.memberID }
        if !mine.isEmpty {
            body += "<h2>\(lang.pick("您提出的异议", "Your objections"))</h2><ul>"
            for c in mine {
                let state = switch c.status {
                case .proposed: lang.pick("办公室处理中", "with the office")
                case .approved: lang.pick("已采纳", "accepted")
                case .rejected: lang.pick("未采纳", "not accepted") + (c.note.map { "：" + $0 } ?? "")
                }
                body += "<li>\(h(actionLabel(c.entry.action))) \(h(c.entry.activityID))：\(h(c.entry.reason))（\(h(state))）</li>"
            }
            body += "</ul>"
        }
        body += """
            <h2>\(lang.pick("提出异议", "Raise an objection"))</h2>
            <p><a href="/m/\(token)?lang=\(lang == .zh ? "en" : "zh")">\(lang == .zh ? "English" : "中文")</a></p>
            <form method="post" action="/m/\(token)/objection\(lang == .en ? "?lang=en" : "")">
            <input type="hidden" name="_csrf" value="\(csrf)">
            <label>\(lang.pick("要求", "What should happen")) <select name="action"><option value="amend">\(lang.pick("更正一条记录", "correct a record"))</option><option value="remove">\(lang.pick("删除一条记录", "remove a record"))</option><option value="add">\(lang.pick("补录漏记的活动", "add a missing activity"))</option></select></label>
            <label>\(lang.pick("记录编号（见个人明细；补录可留空）", "Record id (see your page; empty for an addition)")) <input name="activity_id"></label>
            <label>\(lang.pick("应改为（每行“字段: 值”，如 状态: 请假；补录写日期、类型）", "Should read (one 'field: value' per line, e.g. status: 请假; for an addition date and kind)"))<br><textarea name="fields" rows="3" cols="50"></textarea></label>
            <label>\(lang.pick("理由（必写）", "Reason (required)")) <textarea name="reason" rows="3" cols="50" required></textarea></label>
            <button>\(lang.pick("提交异议", "Send"))</button></form>
            """
        var r = Page.html("\(m.name)（\(m.memberID)）", session: nil, lang: lang, body: body, status: status)
        r.setCookie(makeCookie(Self.memberCookie, csrf, maxAge: 3600, path: "/m/\(token)", for: req))
        return r
    }

    /// The member's own page from the run's outputs; any other file name is refused.
    func memberFile(_ req: Request, token: String, file: String) async throws -> Response {
        let l: MemberLink, w: CheckWindow
        switch try memberGate(token) {
        case .failure(let r): return r.response
        case .success(let x): (l, w) = x
        }
        guard file == MemberPages.pageFileName(l.memberID), let out = try store.outDir(run: w.runID) else {
            store.audit(account: "(member link)", action: "member.view", detail: "\(l.memberID) asked for \(file)", ok: false)
            return Page.html(lang.pick("委员核对", "Member check"), session: nil, lang: lang,
                             body: "<p class=\"error\">\(lang.pick("这个链接只能查看本人的页面。", "This link shows your own page only."))</p>", status: .notFound)
        }
        let path = (out as NSString).appendingPathComponent("members/" + file)
        guard (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType == .typeRegular,
              let data = FileManager.default.contents(atPath: path) else {
            return Page.html(lang.pick("委员核对", "Member check"), session: nil, lang: lang, body: "", status: .notFound)
        }
        let headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .xContentTypeOptions: "nosniff", .cacheControl: "no-store",
                                   .init("Referrer-Policy")!: "no-referrer",
                                   .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"]
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func objectionPost(_ req: Request, token: String) async throws -> Response {
        let fields = try await Forms.urlEncoded(req, limit: 64 << 10)
        let l: MemberLink, w: CheckWindow
        switch try memberGate(token) {
        case .failure(let r): return r.response
        case .success(let x): (l, w) = x
        }
        guard let sent = fields["_csrf"]?.first, let cookie = req.cookies[Self.memberCookie]?.value, constantTimeEqual(sent, cookie) else {
            store.audit(account: "member \(l.memberID)", action: "csrf", detail: "POST /m/…/objection", ok: false)
            return Page.html(lang.pick("请求被拒绝", "Request refused"), session: nil, lang: lang,
                             body: "<p class=\"error\">\(lang.pick("表单已过期或来源不明，请重新打开链接再提交。", "The form expired or did not come from this page; open the link again and resend."))</p>",
                             status: .forbidden)
        }
        let v = fields.compactMapValues(\.first)
        var activity = (v["activity_id"] ?? "").trimmingCharacters(in: .whitespaces)
        if v["action"] == "add", activity.isEmpty { activity = "YY-\(l.memberID)-\(randomToken(bytes: 3))" }
        do {
            // The member is always the link's member: an objection cannot be about someone else's record.
            let entry = try proposal(action: v["action"] ?? "", activityID: activity, memberID: l.memberID,
                                     fields: v["fields"] ?? "", reason: v["reason"] ?? "")
            let cid = try store.propose(run: w.runID, entry: entry, by: "member:\(l.memberID)", origin: .member)
            store.audit(account: "member \(l.memberID)", action: "correction.propose", detail: "#\(cid) objection on run #\(w.runID) \(entry.action) \(entry.activityID): \(entry.reason)")
            return try await memberView(req, token: token, message: lang.pick("异议已提交（编号 \(cid)），办公室审核后会重新评分。", "Objection sent (no. \(cid)); the office will review it."))
        } catch let f as LvzhiFailure {
            return try await memberView(req, token: token, error: f.message, status: .badRequest)
        }
    }
}
