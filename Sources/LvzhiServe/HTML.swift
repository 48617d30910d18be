import Foundation
import Hummingbird
import LvzhiCore
import LvzhiReport

/// Escapes text for HTML element content and quoted attribute values (the reports' escape).
func h(_ s: String) -> String { Escape.html(s) }

/// Percent-encodes a path segment or query value.
func u(_ s: String) -> String {
    s.addingPercentEncoding(withAllowedCharacters: CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
}

enum Page {
    static let css = """
        body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#222;background:#fafafa}
        header{background:#8b1a1a;color:#fff;padding:.5em 1em;display:flex;gap:1.5em;align-items:center;flex-wrap:wrap}
        header a{color:#fff;text-decoration:none}header .who{margin-left:auto;font-size:.9em}
        main{padding:1em;max-width:72em}table{border-collapse:collapse;margin:.5em 0}
        td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}th{background:#eee}
        .draft{color:#a60}.published{color:#070;font-weight:bold}.superseded{color:#777}
        .error{background:#fee;border:1px solid #c00;padding:.6em;white-space:pre-wrap}
        .ok{background:#efe;border:1px solid #090;padding:.6em}
        pre.src{background:#fff;border:1px solid #ccc;padding:.5em;overflow:auto}pre.src .bad{background:#fdd}
        iframe.report{width:100%;height:80vh;border:1px solid #ccc;background:#fff}
        form.inline{display:inline}label{display:block;margin:.5em 0}
        button{padding:.3em 1em}select[multiple]{min-width:24em;min-height:8em}
        """

    /// - Parameter refresh: reload the page after this many seconds (a progress page).
    /// - Parameter frames: the page embeds the console's own pages (a run's report.html).
    static func html(_ title: String, session: ConsoleSession?, lang: Language, body: String, status: HTTPResponse.Status = .ok,
                     refresh: Int? = nil, frames: Bool = false) -> Response {
        var nav = ""
        if let s = session {
            nav = """
                <a href="/">\(lang.pick("首页", "Home"))</a>
                \(s.role.mayScore ? "<a href=\"/score\">\(lang.pick("评分", "Score"))</a>" : "")
                <a href="/members">\(lang.pick("委员", "Members"))</a>
                <a href="/corrections">\(lang.pick("复核", "Corrections"))</a>
                <a href="/rules">\(lang.pick("规则", "Rules"))</a>
                \(s.role.mayAudit ? "<a href=\"/audit\">\(lang.pick("审计", "Audit"))</a>" : "")
                <span class="who"><form class="inline" method="post" action="/language"><input type="hidden" name="_csrf" value="\(h(s.csrf))"><input type="hidden" name="lang" value="\(lang == .zh ? "en" : "zh")"><button class="lang">\(lang == .zh ? "English" : "中文")</button></form>
                \(h(s.account))（\(h(s.role.label(lang)))）
                <form class="inline" method="post" action="/logout"><input type="hidden" name="_csrf" value="\(h(s.csrf))"><button>\(lang.pick("退出", "Sign out"))</button></form></span>
                """
        }
        let page = """
            <!DOCTYPE html>
            <html lang="\(lang == .zh ? "zh-CN" : "en")"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">\(refresh.map { "<meta http-equiv=\"refresh\" content=\"\($0)\">" } ?? "")
            <title>\(h(title)) · lvzhi</title><style>\(css)</style></head>
            <body><header><strong>lvzhi 履职</strong>\(nav)</header><main><h1>\(h(title))</h1>
            \(body)
            </main></body></html>
            """
        return frames
            ? response(page, status: status, csp: "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-src 'self'; frame-ancestors 'none'")
            : response(page, status: status)
    }

    static func response(_ text: String, status: HTTPResponse.Status = .ok, contentType: String = "text/html; charset=utf-8",
                         csp: String = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'") -> Response {
        var headers: HTTPFields = [:]
        headers[.contentType] = contentType
        headers[.contentSecurityPolicy] = csp
        headers[.xContentTypeOptions] = "nosniff"
        headers[.init("Referrer-Policy")!] = "no-referrer"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
