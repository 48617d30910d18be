import Foundation
import Hummingbird
import LvzhiApp
import LvzhiCore
import LvzhiHistory
import LvzhiIngest

/// 复核: a clerk proposes a correction with a reason; another account with the approver role
/// approves it; the run is redone as a new draft with every correction approved so far written
/// into a corrections file (the same scoring use case as `lvzhi score --corrections`). Nothing
/// is edited in place: the old run stays as it was.
extension Console {
    func registerReviewRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/corrections") { req, _ in try await self.authed(req) { s in try self.reviewQueue(s) } }
        router.get("/runs/:id/corrections") { req, ctx in
            try await self.authed(req) { s in try self.correctionsPage(s, id: ctx.parameters.get("id", as: Int64.self)) }
        }
        router.post("/runs/:id/corrections") { req, ctx in try await self.proposePost(req, id: ctx.parameters.get("id", as: Int64.self)) }
        router.post("/corrections/:cid/approve") { req, ctx in try await self.decidePost(req, cid: ctx.parameters.get("cid", as: Int64.self), approve: true) }
        router.post("/corrections/:cid/reject") { req, ctx in try await self.decidePost(req, cid: ctx.parameters.get("cid", as: Int64.self), approve: false) }
    }

    func actionLabel(_ a: String) -> String {
        Correction.Action(rawValue: a)?.label(lang) ?? a
    }

    func correctionStatus(_ c: ProposedCorrection) -> String {
        switch c.status {
        case .proposed: "<span class=\"draft\">\(lang.pick("待审核", "awaiting approval"))</span>"
        case .approved: "<span class=\"published\">\(lang.pick("已批准", "approved"))</span>" + (c.resultRun.map { " → <a href=\"/runs/\($0)\">#\($0)</a>" } ?? "")
        case .rejected: "<span class=\"superseded\">\(lang.pick("已驳回", "rejected"))</span>"
        }
    }

    /// A table of corrections with approve/reject buttons where `s` may decide.
    func correctionsTable(_ list: [ProposedCorrection], _ s: ConsoleSession) -> String {
        if list.isEmpty { return "<p>\(lang.pick("没有复核申请。", "No proposed corrections."))</p>" }
        var body = "<table class=\"corrections\"><tr><th>#</th><th>\(lang.pick("运行", "Run"))</th><th>\(lang.pick("操作", "Action"))</th><th>\(lang.pick("记录编号", "Record"))</th><th>\(lang.pick("委员", "Member"))</th><th>\(lang.pick("字段", "Fields"))</th><th>\(lang.pick("理由", "Reason"))</th><th>\(lang.pick("申请人", "Proposed by"))</th><th>\(lang.pick("状态", "Status"))</th><th></th></tr>"
        for c in list {
            let e = c.entry
            let fields = e.fields.sorted { $0.key < $1.key }.map { k, v in
                h((ActivityField.allCases.first { $0.key == k }?.label(lang) ?? k) + ": " + v)
            }.joined(separator: "<br>")
            let who = c.origin == .member ? lang.pick("委员异议", "member's objection") : h(c.proposedBy)
            var actions = ""
            if c.status == .proposed, s.role.mayApprove, c.proposedBy != s.account {
                actions = """
                    <form class="inline" method="post" action="/corrections/\(c.id)/approve"><input type="hidden" name="_csrf" value="\(h(s.csrf))"><button name="approve" value="\(c.id)">\(lang.pick("批准并重新评分", "Approve and re-score"))</button></form>
                    <form class="inline" method="post" action="/corrections/\(c.id)/reject"><input type="hidden" name="_csrf" value="\(h(s.csrf))"><input name="note" placeholder="\(lang.pick("驳回理由", "why rejected"))" required><button>\(lang.pick("驳回", "Reject"))</button></form>
                    """
            } else if c.status == .proposed, c.proposedBy == s.account {
                actions = lang.pick("需由另一位审核人批准", "needs another account's approval")
            } else if let by = c.decidedBy {
                actions = h(by) + (c.note.map { "：" + h($0) } ?? "")
            }
            body += "<tr id=\"c\(c.id)\"><td>\(c.id)</td><td><a href=\"/runs/\(c.runID)\">#\(c.runID)</a></td><td>\(h(actionLabel(e.action)))</td><td>\(h(e.activityID))</td><td>\(h(e.memberID ?? ""))</td><td>\(fields)</td><td>\(h(e.reason))</td><td>\(who)<br><small>\(h(c.proposedAt))</small></td><td>\(correctionStatus(c))</td><td>\(actions)</td></tr>"
        }
        return body + "</table>"
    }

    /// Every correction awaiting approval, and the latest decisions.
    func reviewQueue(_ s: ConsoleSession) throws -> Response {
        let pending = try store.corrections(status: .proposed)
        let decided = try store.corrections().filter { $0.status != .proposed }.prefix(50)
        let body = "<h2>\(lang.pick("待审核", "Awaiting approval"))</h2>" + correctionsTable(pending, s)
            + "<h2>\(lang.pick("最近的决定", "Recent decisions"))</h2>" + correctionsTable(Array(decided), s)
        return Page.html(lang.pick("复核", "Corrections"), session: s, lang: lang, body: body)
    }

    func correctionsPage(_ s: ConsoleSession, id: Int64?, form values: [String: String] = [:], error: String? = nil,
                         status: HTTPResponse.Status = .ok) throws -> Response {
        guard let id else { return notFound(s, lang.pick("没有这个运行。", "No such run.")) }
        let r: HistoryRun
        do { r = try HistoryCases.run(id, in: history, lang: lang) } catch { return notFound(s, error.message) }
        let applied = try HistoryCases.guarded(lang) { () throws(HistoryError) in try history.corrections(run: id) }
        var body = "<p>\(lang.pick("运行", "Run")) <a href=\"/runs/\(id)\">#\(id)</a>（\(h(r.periodLabel))，\(h(r.rulesName) + " " + h(r.rulesVersion))，\(statusLabel(r))）</p>"
        if !applied.isEmpty {
            body += "<h2>\(lang.pick("本次运行已应用的复核", "Corrections applied in this run"))</h2><ul>"
            for c in applied { body += "<li>\(lang.pick("复核#", "correction #"))\(c.seq) \(h(c.detail))（\(h(c.recordID)) \(h(c.memberID))）\(lang.pick("理由：", "reason: "))\(h(c.reason))，\(lang.pick("批准人：", "approved by "))\(h(c.approvedBy))</li>" }
            body += "</ul>"
        }
        body += "<h2>\(lang.pick("复核申请", "Proposed corrections"))</h2>" + correctionsTable(try store.corrections(run: id), s)
        if s.role.mayScore {
            let action = values["action"] ?? "amend"
            let fieldNames = ActivityField.allCases.filter { $0 != .activityID }.map { lang == .zh ? "\($0.chinese)（\($0.key)）" : $0.key }.joined(separator: lang.pick("、", ", "))
            body += """
                <h2>\(lang.pick("提出复核", "Propose a correction"))</h2>
                \(error.map { "<pre class=\"error\">\(h($0))</pre>" } ?? "")
                <form method="post" action="/runs/\(id)/corrections">
                <input type="hidden" name="_csrf" value="\(h(s.csrf))">
                <label>\(lang.pick("操作", "Action")) <select name="action">\(["amend", "remove", "add"].map { "<option value=\"\($0)\"\($0 == action ? " selected" : "")>\(h(actionLabel($0)))</option>" }.joined())</select></label>
                <label>\(lang.pick("记录编号（补录时为新编号）", "Record id (for add, the new record's id)")) <input name="activity_id" value="\(h(values["activity_id"] ?? ""))" required></label>
                <label>\(lang.pick("委员编号", "Member id")) <input name="member_id" value="\(h(values["member_id"] ?? ""))"></label>
                <label>\(lang.pick("字段（修改：要改的字段；补录：整条记录），每行“字段: 值”", "Fields (amend: what to change; add: the whole record), one 'field: value' per line"))<br>
                <textarea name="fields" rows="4" cols="60" placeholder="status: 请假">\(h(values["fields"] ?? ""))</textarea><br><small>\(h(fieldNames))</small></label>
                <label>\(lang.pick("理由（必写）", "Reason (required)")) <textarea name="reason" rows="2" cols="60" required>\(h(values["reason"] ?? ""))</textarea></label>
                <button>\(lang.pick("提交复核申请", "Propose"))</button>
                <p><small>\(lang.pick("提交后由另一位审核人批准；批准后以全部已批准的复核重新评分，生成新的草稿，原运行不变。", "Another account with the approver role approves it; the run is then redone as a new draft with every approved correction. The run itself is not changed."))</small></p>
                </form>
                """
        }
        return Page.html(lang.pick("复核 · 运行 #\(id)", "Corrections · run #\(id)"), session: s, lang: lang, body: body, status: status)
    }

    func proposePost(_ req: Request, id: Int64?) async throws -> Response {
        let fields = try await Forms.urlEncoded(req, limit: 64 << 10)
        let s: ConsoleSession
        switch await checkedPost(req, fields: fields) {
        case .failure(let r): return r.response
        case .success(let x): s = x
        }
        guard s.role.mayScore else { return forbidden(s, lang.pick("提出复核", "propose a correction")) }
        guard let id else { return notFound(s, lang.pick("没有这个运行。", "No such run.")) }
        do { _ = try HistoryCases.run(id, in: history, lang: lang) } catch { return notFound(s, error.message) }
        let values = fields.compactMapValues(\.first)
        do {
            let entry = try proposal(action: values["action"] ?? "", activityID: values["activity_id"] ?? "", memberID: values["member_id"] ?? "",
                                     fields: values["fields"] ?? "", reason: values["reason"] ?? "")
            let cid = try store.propose(run: id, entry: entry, by: s.account, origin: .staff)
            store.audit(account: s.account, action: "correction.propose", detail: "#\(cid) run #\(id) \(entry.action) \(entry.activityID): \(entry.reason)")
            return .redirect(to: "/runs/\(id)/corrections#c\(cid)")
        } catch let f as LvzhiFailure {
            store.audit(account: s.account, action: "correction.propose", detail: "run #\(id): \(f.message)", ok: false)
            return try correctionsPage(s, id: id, form: values, error: f.message, status: .badRequest)
        }
    }

    /// A correction entry from form values, checked as a corrections file would be.
    func proposal(action: String, activityID: String, memberID: String, fields: String, reason: String) throws(LvzhiFailure) -> CorrectionEntry {
        let trimmedMember = memberID.trimmingCharacters(in: .whitespaces)
        let entry = CorrectionEntry(action: action, activityID: activityID.trimmingCharacters(in: .whitespaces),
                                    memberID: trimmedMember.isEmpty ? nil : trimmedMember,
                                    fields: try CorrectionCases.parseFields(fields, lang: lang),
                                    reason: reason.trimmingCharacters(in: .whitespacesAndNewlines), approvedBy: "")
        _ = try CorrectionCases.check(entry, lang: lang)
        return entry
    }

    func decidePost(_ req: Request, cid: Int64?, approve: Bool) async throws -> Response {
        let fields = try await Forms.urlEncoded(req, limit: 64 << 10)
        let s: ConsoleSession
        switch await checkedPost(req, fields: fields) {
        case .failure(let r): return r.response
        case .success(let x): s = x
        }
        guard s.role.mayApprove else { return forbidden(s, lang.pick("审核复核申请", "decide on corrections")) }
        guard let cid, let c = try store.correction(cid) else { return notFound(s, lang.pick("没有这个复核申请。", "No such proposed correction.")) }
        if approve {
            do {
                let run = try await Background.run { try self.approve(correction: cid, account: s.account) }
                store.audit(account: s.account, action: "correction.approve", detail: "#\(cid) run #\(c.runID) → draft #\(run)")
                return .redirect(to: "/runs/\(run)")
            } catch let f as LvzhiFailure {
                store.audit(account: s.account, action: "correction.approve", detail: "#\(cid): \(f.message)", ok: false)
                return failurePage(s, lang.pick("复核没有批准", "The correction was not approved"), f)
            }
        }
        let note = (fields["note"]?.first ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !note.isEmpty else {
            return failurePage(s, lang.pick("复核没有驳回", "The correction was not rejected"), .usage(lang.pick("驳回需要写明理由。", "Rejecting needs a reason.")))
        }
        guard c.proposedBy != s.account else {
            return failurePage(s, lang.pick("复核没有驳回", "The correction was not rejected"), .usage(lang.pick("不能审核自己提出的复核申请。", "You cannot decide on your own proposal.")))
        }
        guard try store.decide(cid, status: .rejected, by: s.account, note: note, resultRun: nil) else {
            return failurePage(s, lang.pick("复核没有驳回", "The correction was not rejected"), .usage(lang.pick("复核申请 #\(cid) 已经审核过了。", "Correction #\(cid) was decided already.")))
        }
        store.audit(account: s.account, action: "correction.reject", detail: "#\(cid) run #\(c.runID): \(note)")
        return .redirect(to: "/runs/\(c.runID)/corrections#c\(cid)")
    }

    /// Approves a proposed correction and redoes the run as a new draft with every correction
    /// approved for it so far, this one last. The proposer may not approve; a correction is
    /// decided once. When the scoring fails (say the record does not exist: C041) the
    /// correction stays proposed and nothing is recorded.
    /// - Returns: the new draft's run id.
    public func approve(correction cid: Int64, account: String) throws(LvzhiFailure) -> Int64 {
        // One approval at a time: each redo builds on the newest redo of the run, so two at once
        // would each leave out the other's correction.
        approvals.lock()
        defer { approvals.unlock() }
        let c: ProposedCorrection
        let base: Int64
        let request: ScoringRequest?
        do {
            guard let found = try store.correction(cid) else { throw LvzhiFailure.usage(lang.pick("没有复核申请 #\(cid)。", "No proposed correction #\(cid).")) }
            c = found
            base = try store.latestRedo(of: c.runID)
            request = try store.request(run: base)
        } catch let f as LvzhiFailure {
            throw f
        } catch {
            throw .badInput("\(error)")
        }
        guard c.status == .proposed else { throw .usage(lang.pick("复核申请 #\(cid) 已经审核过了。", "Correction #\(cid) was decided already.")) }
        guard c.proposedBy != account else {
            throw .usage(lang.pick("不能批准自己提出的复核申请，需由另一位审核人批准。", "You cannot approve your own proposal; another approver must."))
        }
        guard var next = request else {
            throw .usage(lang.pick("运行 #\(base) 不是在控制台中做的，无法在这里重新评分；请把复核写入复核文件，用 lvzhi score --corrections 重新评分。",
                                   "Run #\(base) was not made in the console, so it cannot be redone here; write the correction into a corrections file and use lvzhi score --corrections."))
        }
        var entry = c.entry
        entry.approvedBy = account
        entry.approvedOn = approvalDay()
        do {
            guard try store.decide(cid, status: .approved, by: account, note: nil, resultRun: nil, entry: entry) else {
                throw LvzhiFailure.usage(lang.pick("复核申请 #\(cid) 已经审核过了。", "Correction #\(cid) was decided already."))
            }
        } catch let f as LvzhiFailure {
            throw f
        } catch {
            throw .badInput("\(error)")
        }
        next.corrections.append(cid)
        do {
            let (id, _) = try score(next, account: account, redoOf: base)
            try? store.setResultRun(cid, id)
            return id
        } catch {
            try? store.reopen(cid, entry: c.entry)
            throw error
        }
    }

    /// `approved_on`: the pinned run time's day (reproducible outputs), else today in Beijing.
    func approvalDay() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: config.runTime.flatMap(RunTime.parse) ?? Date())
    }
}
