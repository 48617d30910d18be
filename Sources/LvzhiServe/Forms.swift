import Foundation
import Hummingbird
import LvzhiCore
import MultipartKit

/// Reading form posts with limits.
enum Forms {
    enum Failure: Error, CustomStringConvertible {
        case tooLarge(limit: Int)
        case tooManyFiles(limit: Int)
        case badForm
        /// The body ended early or its chunked encoding is broken.
        case badBody
        case badExtension(String)
        case cannotStore(String)

        var status: HTTPResponse.Status {
            switch self {
            case .tooLarge: .contentTooLarge
            case .tooManyFiles, .badForm, .badBody, .badExtension: .badRequest
            case .cannotStore: .internalServerError
            }
        }

        var description: String { message(.en) }

        /// 64 MB, 64 KB.
        static func size(_ n: Int) -> String { n >= 1 << 20 ? "\(n >> 20) MB" : "\(n >> 10) KB" }

        func message(_ lang: Language) -> String {
            switch self {
            case .tooLarge(let n): lang.pick("上传的内容超过 \(Self.size(n)) 的上限，未保存。", "The upload is larger than the \(Self.size(n)) limit; nothing was stored.")
            case .tooManyFiles(let n): lang.pick("一次最多上传 \(n) 个文件，未保存。", "At most \(n) files per upload; nothing was stored.")
            case .badForm: lang.pick("无法读取提交的表单。", "The form could not be read.")
            case .badBody: lang.pick("提交的内容不完整或格式有误，未保存。", "The request body is incomplete or malformed; nothing was stored.")
            case .badExtension(let e): lang.pick("只接受 .csv、.xml、.xlsx 文件（收到“\(e)”）。", "Only .csv, .xml and .xlsx files are accepted (got '\(e)').")
            case .cannotStore(let m): lang.pick("无法保存上传的文件：\(m)", "cannot store the upload: \(m)")
            }
        }
    }

    /// The whole body, at most `limit` bytes.
    /// - Throws: ``Failure/tooLarge(limit:)`` past the limit, ``Failure/badBody`` when the body
    ///   cannot be read (a malformed chunked encoding, the client gone).
    static func collect(_ req: Request, limit: Int) async throws -> ByteBuffer {
        var req = req
        do { return try await req.collectBody(upTo: limit) } catch let e as any HTTPResponseError where e.status == .contentTooLarge {
            throw Failure.tooLarge(limit: limit)
        } catch {
            throw Failure.badBody
        }
    }

    /// `application/x-www-form-urlencoded` fields (repeated names keep every value).
    static func urlEncoded(_ req: Request, limit: Int) async throws -> [String: [String]] {
        let body = try await collect(req, limit: limit)
        return parseURLEncoded(String(buffer: body))
    }

    static func parseURLEncoded(_ text: String) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for pair in text.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            out[decode(kv[0]), default: []].append(kv.count > 1 ? decode(kv[1]) : "")
        }
        return out
    }

    /// A `multipart/form-data` post: text fields, and file parts held in memory until stored.
    struct Multipart {
        var fields: [String: [String]] = [:]
        var files: [(field: String, filename: String, data: ByteBuffer)] = []

        /// The name of the first file part whose extension is not .csv, .xml or .xlsx.
        var badExtension: String? {
            files.first { f in
                (f.data.readableBytes > 0 || !f.filename.isEmpty) && !Console.dataExtensions.contains((f.filename as NSString).pathExtension.lowercased())
            }?.filename
        }

        /// Whether the form carries a non-empty file in `field`.
        func hasUpload(_ field: String) -> Bool { files.contains { $0.field == field && $0.data.readableBytes > 0 } }

        /// Stores every non-empty file part under a generated name in `dir`, keeping only the
        /// extension of the name the browser sent (which must be .csv, .xml or .xlsx). All or
        /// nothing: when one cannot be written, those already written are removed.
        func store(in dir: String) throws -> [(field: String, path: String)] {
            if let bad = badExtension { throw Failure.badExtension(bad) }
            var out: [(field: String, path: String)] = []
            for f in files where f.data.readableBytes > 0 {
                let ext = (f.filename as NSString).pathExtension.lowercased()
                let path = (dir as NSString).appendingPathComponent(randomToken(bytes: 16) + "." + ext)
                let data = Data(f.data.readableBytesView)
                guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
                    for written in out { try? FileManager.default.removeItem(atPath: written.path) }
                    throw Failure.cannotStore((path as NSString).lastPathComponent)
                }
                out.append((f.field, path))
            }
            return out
        }
    }

    static func multipart(_ req: Request, limit: Int, maxFiles: Int) async throws -> Multipart {
        guard let type = req.headers[.contentType], type.lowercased().hasPrefix("multipart/form-data"),
              let boundary = parameter("boundary", in: type) else {
            // A plain form (no file inputs filled) is read the same way.
            if req.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
                return Multipart(fields: try await urlEncoded(req, limit: limit))
            }
            throw Failure.badForm
        }
        let body = try await collect(req, limit: limit)
        var result = Multipart()
        var headers: [(String, String)] = []
        var current = ByteBuffer()
        var tooMany = false
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { headers.append(($0, $1)) }
        parser.onBody = { current.writeBuffer(&$0) }
        parser.onPartComplete = {
            let disposition = headers.first { $0.0.lowercased() == "content-disposition" }?.1 ?? ""
            let name = parameter("name", in: disposition) ?? ""
            if let filename = parameter("filename", in: disposition) {
                if result.files.count >= maxFiles { tooMany = true } else { result.files.append((name, filename, current)) }
            } else {
                result.fields[name, default: []].append(String(buffer: current))
            }
            headers = []
            current = ByteBuffer()
        }
        do { try parser.execute(body) } catch { throw Failure.badForm }
        if tooMany { throw Failure.tooManyFiles(limit: maxFiles) }
        return result
    }

    /// `name="value"` or `name=value` in a header value.
    static func parameter(_ key: String, in header: String) -> String? {
        for part in header.split(separator: ";").dropFirst() {
            let kv = part.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).lowercased() == key else { continue }
            var v = kv[1].trimmingCharacters(in: .whitespaces)
            if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = String(v.dropFirst().dropLast()) }
            return v
        }
        return nil
    }
}
