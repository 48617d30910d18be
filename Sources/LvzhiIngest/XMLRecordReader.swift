import CLibXML2
import LvzhiCore

/// An element of a canonical XML export with its attributes, valid inside the callback.
public struct XMLRecord {
    public var name: String
    public var attributes: [(name: String, value: String)]
    public var line: Int
    public var depth: Int
}

/// Streams the elements of an XML file with libxml2's `xmlTextReader` — never a whole-document
/// tree — with network access, DTD loading and entity substitution off. A DOCTYPE (and with it
/// any entity declaration) is refused outright, so entity-expansion bombs never start.
public struct XMLRecordReader {
    public static let maxDepth = 32

    public let path: String
    public init(path: String) { self.path = path }

    final class ErrorBox {
        var message: String?
        var line = 0
    }

    /// Calls `body` for every element, in document order.
    /// - Throws: ``IngestError`` on malformed or forbidden XML.
    public func forEachElement(_ body: (XMLRecord) throws -> Void) throws {
        // NONET: no network. No NOENT (entities are not substituted), no DTDLOAD, no DTDATTR,
        // no XINCLUDE, no HUGE (libxml2's default size limits stay on).
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue)
        guard let reader = xmlReaderForFile(path, nil, options) else {
            throw IngestError.unreadable(path: path, reason: "libxml2 could not open the file")
        }
        defer { xmlFreeTextReader(reader) }

        let box = ErrorBox()
        let unmanaged = Unmanaged.passRetained(box)
        defer { unmanaged.release() }
        xmlTextReaderSetStructuredErrorHandler(reader, { ctx, error in
            guard let ctx, let error else { return }
            let box = Unmanaged<ErrorBox>.fromOpaque(ctx).takeUnretainedValue()
            // Keep the first fatal or error-level message.
            if box.message == nil, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue {
                var m = error.pointee.message.map { String(cString: $0) } ?? "unknown error"
                while m.hasSuffix("\n") { m.removeLast() }
                box.message = m
                box.line = Int(error.pointee.line)
            }
        }, unmanaged.toOpaque())

        while true {
            let r = xmlTextReaderRead(reader)
            if r == 0 { break }
            if r < 0 || box.message != nil {
                let line = box.line > 0 ? box.line : Int(xmlTextReaderGetParserLineNumber(reader))
                throw IngestError.malformedXML(path: path, line: line, reason: box.message ?? "parse error")
            }
            let type = xmlTextReaderNodeType(reader)
            switch type {
            case 10, 17: // DOCUMENT_TYPE, ENTITY declaration
                throw IngestError.forbiddenXML(path: path, line: Int(xmlTextReaderGetParserLineNumber(reader)), what: "DOCTYPE")
            case 5: // ENTITY_REFERENCE
                throw IngestError.forbiddenXML(path: path, line: Int(xmlTextReaderGetParserLineNumber(reader)), what: "entity reference")
            case 1: // ELEMENT
                let depth = Int(xmlTextReaderDepth(reader))
                // The element's own line (the parser itself may already be further on).
                let nodeLine = xmlTextReaderCurrentNode(reader).map { Int(xmlGetLineNo($0)) } ?? -1
                let line = nodeLine > 0 ? nodeLine : Int(xmlTextReaderGetParserLineNumber(reader))
                if depth > Self.maxDepth {
                    throw IngestError.forbiddenXML(path: path, line: line, what: "nesting deeper than \(Self.maxDepth)")
                }
                let name = xmlTextReaderConstLocalName(reader).map { String(cString: $0) } ?? ""
                var attributes: [(String, String)] = []
                if xmlTextReaderHasAttributes(reader) == 1, xmlTextReaderMoveToFirstAttribute(reader) == 1 {
                    repeat {
                        let n = xmlTextReaderConstLocalName(reader).map { String(cString: $0) } ?? ""
                        // Namespace declarations (xmlns, xmlns:x) and xsi:* are not data.
                        let isNamespace = xmlTextReaderIsNamespaceDecl(reader) == 1
                        let prefix = xmlTextReaderConstPrefix(reader).map { String(cString: $0) }
                        if !isNamespace, prefix != "xsi" {
                            let v = xmlTextReaderConstValue(reader).map { String(cString: $0) } ?? ""
                            attributes.append((n, v))
                        }
                    } while xmlTextReaderMoveToNextAttribute(reader) == 1
                    xmlTextReaderMoveToElement(reader)
                }
                try body(XMLRecord(name: name, attributes: attributes, line: line, depth: depth))
            default:
                break
            }
        }
        if let m = box.message {
            throw IngestError.malformedXML(path: path, line: box.line, reason: m)
        }
    }
}

/// Validates an XML file against an XSD with libxml2 (used by tests and `validate`).
public enum XMLSchemaValidator {
    /// Returns the validation errors (empty when the file is valid).
    public static func validate(file: String, schema: String) -> [String] {
        guard let parserCtx = xmlSchemaNewParserCtxt(schema) else { return ["cannot read schema \(schema)"] }
        defer { xmlSchemaFreeParserCtxt(parserCtx) }
        guard let s = xmlSchemaParse(parserCtx) else { return ["cannot parse schema \(schema)"] }
        defer { xmlSchemaFree(s) }
        guard let ctx = xmlSchemaNewValidCtxt(s) else { return ["cannot create validation context"] }
        defer { xmlSchemaFreeValidCtxt(ctx) }
        final class Box { var errors: [String] = [] }
        let box = Box()
        let u = Unmanaged.passRetained(box)
        defer { u.release() }
        xmlSchemaSetValidStructuredErrors(ctx, { c, e in
            guard let c, let e else { return }
            let b = Unmanaged<Box>.fromOpaque(c).takeUnretainedValue()
            var m = e.pointee.message.map { String(cString: $0) } ?? "error"
            while m.hasSuffix("\n") { m.removeLast() }
            b.errors.append("line \(e.pointee.line): \(m)")
        }, u.toOpaque())
        let rc = xmlSchemaValidateFile(ctx, file, Int32(XML_PARSE_NONET.rawValue))
        if rc != 0 && box.errors.isEmpty { box.errors.append("validation failed (code \(rc))") }
        return box.errors
    }
}
