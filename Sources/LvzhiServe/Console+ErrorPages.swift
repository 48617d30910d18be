import Foundation
import Hummingbird
import LvzhiCore

/// Answers for what no route handles: an unknown address (404), a method the address does not
/// take (405), a request body that is too large (413) or cannot be read (400), and anything
/// else a handler throws (500). Each is a page in the person's language with the same security
/// headers as every other page, not an empty body.
extension Console {
    /// The page for a refused or failed request, with the person's navigation when signed in.
    func errorPage(_ req: Request, status: HTTPResponse.Status, zh: String, en: String) async -> Response {
        let s = await session(req)
        let title: String = switch status {
        case .notFound: lang.pick("找不到", "Not found")
        case .methodNotAllowed: lang.pick("不支持的请求", "Method not allowed")
        case .internalServerError: lang.pick("出错了", "Something went wrong")
        default: lang.pick("请求被拒绝", "Request refused")
        }
        return Page.html(title, session: s, lang: lang, body: "<p class=\"error\">\(h(lang.pick(zh, en)))</p>", status: status)
    }

    /// Gives every address the router knows a 405 page for the methods it does not take (with
    /// `Allow`). Call after every route is registered.
    func registerMethodNotAllowed(_ router: Router<BasicRequestContext>) {
        var byPath: [String: (path: RouterPath, methods: Set<HTTPRequest.Method>)] = [:]
        for r in router.routes {
            byPath[r.path.description, default: (r.path, [])].methods.insert(r.method)
        }
        for (_, entry) in byPath {
            let allow = entry.methods.map(\.rawValue).sorted().joined(separator: ", ")
            for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch] where !entry.methods.contains(method) {
                router.on(entry.path, method: method) { req, _ in
                    var r = await self.errorPage(req, status: .methodNotAllowed,
                                                 zh: "这个地址不接受 \(req.method.rawValue) 请求（只接受 \(allow)）。",
                                                 en: "This address does not take \(req.method.rawValue) requests (only \(allow)).")
                    r.headers[.allow] = allow
                    return r
                }
            }
        }
    }
}

/// Turns errors thrown below it into pages (see ``Console/errorPage(_:status:zh:en:)``). Runs
/// inside ``LanguageMiddleware`` so that the page is in the person's language.
struct ErrorPageMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let console: Console

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as Forms.Failure {
            return await console.errorPage(request, status: e.status, zh: e.message(.zh), en: e.message(.en))
        } catch let e as HTTPError where e.status == .notFound {
            return await console.errorPage(request, status: .notFound, zh: "没有这个页面。", en: "No such page.")
        } catch let e as any HTTPResponseError where e.status == .contentTooLarge {
            return await console.errorPage(request, status: .contentTooLarge, zh: "提交的内容太大，未保存。", en: "The request is too large; nothing was stored.")
        } catch let e as any HTTPResponseError where e.status.code < 500 {
            return await console.errorPage(request, status: e.status, zh: "请求被拒绝（HTTP \(e.status.code)）。", en: "Request refused (HTTP \(e.status.code)).")
        } catch {
            FileHandle.standardError.write(Data("lvzhi serve: \(request.method) \(request.uri.path): \(error)\n".utf8))
            return await console.errorPage(request, status: .internalServerError,
                                           zh: "服务器内部错误，请求没有完成。请把时间告诉管理员（详情在控制台的日志中）。",
                                           en: "Internal error; the request did not complete. Tell the administrator the time (the details are in the console's log).")
        }
    }
}

/// Route parameters, percent-decoded strictly.
extension Parameters {
    /// The parameter `name` percent-decoded (the router hands over the raw path segment: a member
    /// id with a space or in Chinese arrives as `%E5%A7%94…`). Nil when the encoding is invalid or
    /// the decoded text holds `/`, `\`, NUL or is `.`/`..` or contains `..`: such a value names no
    /// member, rule file or output, and the handler answers 404 as for any unknown name.
    func decoded(_ name: String) -> String? {
        guard let raw = get(name), let text = raw.removingPercentEncoding else { return nil }
        if text.contains("/") || text.contains("\\") || text.contains("\0") || text.contains("..") || text == "." { return nil }
        return text
    }

    /// A parameter that names a value, not a file (a member id: looked up in the database, its
    /// page file named by ``MemberPages/pageFileName(_:)``, which escapes every such byte), so
    /// `2025/01`, `A\B` or `Z..1` are ids like any other; nil only for invalid encoding or NUL.
    func decodedValue(_ name: String) -> String? {
        guard let raw = get(name), let text = raw.removingPercentEncoding, !text.contains("\0") else { return nil }
        return text
    }
}
