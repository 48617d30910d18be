import Foundation
import Hummingbird
import LvzhiApp
import LvzhiCore

/// Scorings started from the 评分 page run in the background; the browser is sent to the
/// job's page, which shows a progress bar and reloads itself (no script) until the run is
/// recorded, then goes on to the run's page.
final class ScoringJobs: Sendable {
    enum State: Sendable {
        case running(filesDone: Int, filesTotal: Int, records: Int)
        case done(Int64)
        case failed(LvzhiFailure)
    }

    struct Job: Sendable {
        var account: String
        var state: State
        var started: Date
    }

    private let jobs = Mutex<[String: Job]>([:])

    func start(account: String) -> String {
        let id = randomToken(bytes: 16)
        jobs.withLock { $0[id] = Job(account: account, state: .running(filesDone: 0, filesTotal: 0, records: 0), started: Date()) }
        return id
    }

    func update(_ id: String, _ state: State) {
        jobs.withLock { j in
            j[id]?.state = state
            // Forget finished jobs after a day.
            let old = Date().addingTimeInterval(-86_400)
            j = j.filter { $0.value.started > old }
        }
    }

    func job(_ id: String) -> Job? { jobs.withLock { $0[id] } }
}

/// A lock around a value (Foundation's NSLock; the Synchronization module's Mutex needs macOS 15).
final class Mutex<Value: Sendable>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

extension Console {
    func registerJobRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/jobs/:jid") { req, ctx in try await self.authed(req) { s in self.jobPage(s, id: ctx.parameters.decoded("jid") ?? "") } }
        router.get("/jobs/:jid/status") { req, ctx in try await self.authed(req) { s in self.jobStatus(s, id: ctx.parameters.decoded("jid") ?? "") } }
    }

    /// Starts a scoring in the background; the returned job id names its progress page.
    func startScoring(_ request: ScoringRequest, session s: ConsoleSession, describe: String) -> String {
        let jid = jobs.start(account: s.account)
        // In the language of the person who started it (their failure messages), as approvals are.
        Background.start {
            let progress: @Sendable (Int, Int, Int) -> Void = { done, total, records in
                self.jobs.update(jid, .running(filesDone: done, filesTotal: total, records: records))
            }
            do {
                let (id, out) = try self.score(request, account: s.account, progress: progress)
                self.store.audit(account: s.account, action: "score", detail: "run #\(id) \(describe) → \(out)")
                self.jobs.update(jid, .done(id))
            } catch {
                let f = error as? LvzhiFailure ?? .internalError("\(error)")
                self.store.audit(account: s.account, action: "score", detail: f.message, ok: false)
                self.jobs.update(jid, .failed(f))
            }
        }
        return jid
    }

    func jobPage(_ s: ConsoleSession, id: String) -> Response {
        guard let job = jobs.job(id), job.account == s.account || s.role == .admin else {
            return notFound(s, lang.pick("没有这个评分任务。", "No such scoring."))
        }
        switch job.state {
        case .done(let run):
            return .redirect(to: "/runs/\(run)")
        case .failed(let f):
            return failurePage(s, lang.pick("评分没有完成", "The scoring did not finish"), f)
        case .running(let done, let total, let records):
            let bar = total > 0 ? "<progress id=\"progress\" value=\"\(done)\" max=\"\(total)\"></progress>" : "<progress id=\"progress\"></progress>"
            let body = """
                <p>\(bar) \(h(lang.pick("已读取 \(done)/\(total) 个文件、\(records) 条记录……", "read \(done) of \(total) files, \(records) records…")))</p>
                <p><small>\(lang.pick("本页每秒刷新一次，完成后转到结果。", "This page reloads every second and goes on to the result when done."))</small></p>
                """
            var r = Page.html(lang.pick("正在评分", "Scoring"), session: s, lang: lang, body: body, refresh: 1)
            r.status = .ok
            return r
        }
    }

    /// `{"state":"running","files_done":2,"files_total":4,"records":5310}`, `{"state":"done","run":3}`
    /// or `{"state":"failed","message":"…"}`.
    func jobStatus(_ s: ConsoleSession, id: String) -> Response {
        guard let job = jobs.job(id), job.account == s.account || s.role == .admin else {
            return Page.response("{\"state\":\"unknown\"}", status: .notFound, contentType: "application/json")
        }
        let json: String
        switch job.state {
        case .running(let d, let t, let r): json = "{\"state\":\"running\",\"files_done\":\(d),\"files_total\":\(t),\"records\":\(r)}"
        case .done(let run): json = "{\"state\":\"done\",\"run\":\(run)}"
        case .failed(let f):
            let msg = String(decoding: (try? JSONEncoder().encode(shownPaths(f.message))) ?? Data("\"\"".utf8), as: UTF8.self)
            json = "{\"state\":\"failed\",\"message\":\(msg)}"
        }
        return Page.response(json, contentType: "application/json")
    }
}
