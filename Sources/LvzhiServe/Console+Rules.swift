import Foundation
import Hummingbird
import LvzhiApp
import LvzhiCore
import LvzhiHistory
import LvzhiReport
import LvzhiRules
import LvzhiScoring

/// 规则: a rule file's cases, its 考核细则 and a comparison with the last published run, through
/// the same LvzhiApp use cases as `lvzhi test`, `lvzhi render` and `lvzhi diff`.
extension Console {
    func registerRuleRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/rules/:name/render") { req, ctx in try await self.authed(req) { s in self.ruleBookPage(s, name: ctx.parameters.decoded("name") ?? "") } }
        router.get("/rules/:name/diff") { req, ctx in
            try await self.authed(req) { s in
                try await self.ruleDiffPage(s, name: ctx.parameters.decoded("name") ?? "", run: req.uri.queryParameters.get("run", as: Int64.self))
            }
        }
    }

    /// The cases section of a rule file's page (`lvzhi test` on the file).
    func ruleCasesSection(path: String, name: String) -> String {
        let report = RuleTesting.run(file: path, lang: lang)
        var body = "<h2 id=\"cases\">\(lang.pick("用例", "Cases"))</h2>"
        if report.cases.isEmpty {
            body += "<p>\(lang.pick("这个规则文件没有用例。", "This rule file has no cases."))</p>"
        } else {
            body += "<p class=\"\(report.failed == 0 && !report.broken ? "ok" : "error")\">\(h(lang.pick("\(report.passed) 个用例通过，\(report.failed) 个失败", "\(report.passed) cases passed, \(report.failed) failed")))</p><ul class=\"cases\">"
            for c in report.cases { body += "<li>\(c.passed ? "✓" : "✗") \(h(c.name))</li>" }
            body += "</ul>"
        }
        if report.failed > 0 || report.broken {
            body += "<pre class=\"src\">\(h((report.err + report.out).joined(separator: "\n")))</pre>"
        }
        body += "<p><a href=\"/rules/\(u(name))/render\">\(lang.pick("考核细则", "The rule book (考核细则)"))</a> · <a href=\"/rules/\(u(name))/diff\">\(lang.pick("与最近公布的运行比较", "Compare with the last published run"))</a></p>"
        return body
    }

    func ruleBookPage(_ s: ConsoleSession, name: String) -> Response {
        guard ruleFiles.contains(name) else { return notFound(s, lang.pick("规则文件夹中没有“\(name)”。", "The Rules folder has no '\(name)'.")) }
        do {
            let html = try RuleRendering.render(path: (config.rulesDir as NSString).appendingPathComponent(name), format: .html, lang: lang)
            return Page.html(lang.pick("考核细则 · \(name)", "Rule book · \(name)"), session: s, lang: lang, body: "<div class=\"rulebook\">\(html)</div>")
        } catch {
            return failurePage(s, lang.pick("无法生成考核细则", "Cannot render the rule book"), error)
        }
    }

    /// `lvzhi diff` of the rule file against the stored results of a run (the latest
    /// published one unless `run` names another), on that run's own inputs.
    func ruleDiffPage(_ s: ConsoleSession, name: String, run: Int64?) async throws -> Response {
        guard ruleFiles.contains(name) else { return notFound(s, lang.pick("规则文件夹中没有“\(name)”。", "The Rules folder has no '\(name)'.")) }
        let runs = try HistoryCases.runs(history, lang: lang)
        let target = run.flatMap { id in runs.first { $0.id == id } } ?? runs.first { $0.isCurrent }
        guard let target else {
            return Page.html(lang.pick("比较", "Compare"), session: s, lang: lang,
                             body: "<p>\(lang.pick("还没有公布的运行可以比较。", "No published run to compare with yet."))</p>")
        }
        let path = (config.rulesDir as NSString).appendingPathComponent(name)
        let lang = self.lang
        let history = self.history
        do {
            let text = try await Background.run { () throws -> String in
                let c = try RuleComparisons.against(run: target, in: history, rules: path, lang: lang)
                return DiffReport.text(c, lang: lang)
            }
            let choices = runs.map { r in "<option value=\"\(r.id)\"\(r.id == target.id ? " selected" : "")>#\(r.id) \(h(r.periodLabel)) \(h(r.rulesName)) \(h(r.rulesVersion))\(r.status == .published ? lang.pick("（已公布）", " (published)") : "")</option>" }.joined()
            let body = """
                <form method="get" action="/rules/\(u(name))/diff"><label>\(lang.pick("与运行比较", "Compare with run")) <select name="run">\(choices)</select></label><button>\(lang.pick("比较", "Compare"))</button></form>
                <p>\(h(lang.pick("旧：运行 #\(target.id) 保存的结果；新：用 \(name) 为同一批数据重新评分。", "Old: run #\(target.id)'s stored results; new: the same inputs scored with \(name).")))</p>
                <pre class="src diff">\(h(text))</pre>
                """
            return Page.html(lang.pick("比较 · \(name)", "Compare · \(name)"), session: s, lang: lang, body: body)
        } catch let f as LvzhiFailure {
            return failurePage(s, lang.pick("无法比较", "Cannot compare"), f)
        }
    }
}
