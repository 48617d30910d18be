#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibXML2
import LvzhiCore

/// An element of an XML file with its attributes as UTF-8 bytes; valid only inside the
/// callback that receives it.
public struct XMLElementView: ~Copyable {
    /// The element's local name.
    public let name: UnsafeBufferPointer<UInt8>
    public let line: Int
    public let depth: Int
    @usableFromInline let names: [UnsafeBufferPointer<UInt8>]
    @usableFromInline let values: [UnsafeBufferPointer<UInt8>]

    public var attributeCount: Int { names.count }
    public func attributeName(_ i: Int) -> UnsafeBufferPointer<UInt8> { names[i] }
    public func attributeValue(_ i: Int) -> UnsafeBufferPointer<UInt8> { values[i] }

    public var nameString: String { String(decoding: name, as: UTF8.self) }

    public func nameIs(_ s: StaticString) -> Bool {
        guard s.utf8CodeUnitCount == name.count else { return false }
        let p = s.utf8Start
        for i in 0..<name.count where p[i] != name[i] { return false }
        return true
    }
}

/// An element with its attributes as text (for small files such as the roster, and tests).
public struct XMLRecord: Sendable {
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
        @exclusivity(unchecked) var message: String?
        @exclusivity(unchecked) var line = 0
        @exclusivity(unchecked) var code = 0
        /// The file libxml2 reads through ``read(into:capacity:)``, and the guard its bytes pass.
        @exclusivity(unchecked) var fd: Int32 = -1
        @exclusivity(unchecked) var offset = 0
        @exclusivity(unchecked) var attributes = XMLAttributeGuard()
        /// The start tag with too many attributes: libxml2 is given the bytes before it, then
        /// an error instead of the tag.
        @exclusivity(unchecked) var refusedTag: Int?
        /// libxml2 was refused the tag (given -1), and whether it had reported an error before
        /// (that error is the one reported, as without the guard).
        @exclusivity(unchecked) var refused = false
        @exclusivity(unchecked) var errorBeforeRefusal = false

        /// The error for a refused tag, once libxml2 stopped (it may stop on the incomplete tag
        /// without asking for more): `nil` when libxml2 reported an error before the tag.
        func refusal(path: String) -> IngestError? {
            guard let tag = refusedTag, refused ? !errorBeforeRefusal : message == nil else { return nil }
            return .forbiddenXML(path: path, line: attributes.line(of: tag, in: fd), what: attributes.hazard)
        }
        /// What libxml2 sent to its generic error handler (see shim.h), NUL-terminated.
        let generic: UnsafeMutablePointer<CChar> = {
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: Int(LVZHI_GENERIC_ERROR_BYTES))
            p.initialize(repeating: 0, count: Int(LVZHI_GENERIC_ERROR_BYTES))
            return p
        }()
        deinit { generic.deallocate() }

        /// The first line of the generic errors, `nil` when there were none.
        var genericError: String? {
            let first = String(cString: generic).split(separator: "\n").first.map { String($0).trimmingSpaces } ?? ""
            return first.isEmpty ? nil : first
        }

        /// libxml2's read callback: the file's next bytes, up to a start tag with too many
        /// attributes; -1 (an I/O error) once libxml2 asks for that tag.
        func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int32 {
            if let tag = refusedTag, offset >= tag {
                if !refused { refused = true; errorBeforeRefusal = message != nil }
                return -1
            }
            while true {
                let n = pread(fd, buffer, capacity, off_t(offset))
                if n < 0 && errno == EINTR { continue }
                if n < 0 { return -1 }
                var given = n
                if refusedTag == nil, let tag = attributes.scan(UnsafeRawBufferPointer(start: buffer, count: n), at: offset) {
                    refusedTag = tag
                    given = tag - offset
                    if given == 0 {
                        if !refused { refused = true; errorBeforeRefusal = message != nil }
                        return -1
                    }
                }
                offset += given
                return Int32(given)
            }
        }
    }

    /// Calls `body` for every element, in document order, with its attributes as text.
    public func forEachElement(_ body: (XMLRecord) throws -> Void) throws {
        try forEachElementView { v in
            var attrs: [(String, String)] = []
            for i in 0..<v.attributeCount {
                attrs.append((String(decoding: v.attributeName(i), as: UTF8.self), String(decoding: v.attributeValue(i), as: UTF8.self)))
            }
            try body(XMLRecord(name: v.nameString, attributes: attrs, line: v.line, depth: v.depth))
        }
    }

    /// `xmlns`, `xmlns:…` and `xsi:…` attribute names.
    static func isNamespaceOrSchema(_ q: UnsafeBufferPointer<UInt8>) -> Bool {
        func starts(_ p: StaticString) -> Bool {
            guard q.count >= p.utf8CodeUnitCount else { return false }
            for i in 0..<p.utf8CodeUnitCount where q[i] != p.utf8Start[i] { return false }
            return true
        }
        if starts("xsi:") { return true }
        return starts("xmlns") && (q.count == 5 || q[5] == 0x3A)
    }

    /// Opens the file with the safe options and collects libxml2's first error in an ``ErrorBox``.
    /// `encoding` overrides the file's own declaration (`nil`: the declaration, else UTF-8/16).
    private func withReader<R>(encoding: String?, _ body: (xmlTextReaderPtr, ErrorBox) throws -> R) throws -> R {
        // NONET: no network. No NOENT (entities are not substituted), no DTDLOAD, no DTDATTR,
        // no XINCLUDE, no HUGE (libxml2's default size limits stay on).
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue)
        let box = ErrorBox()
        lvzhi_collect_generic_errors(box.generic)
        defer { lvzhi_collect_generic_errors(nil) }
        // Only a regular file: a FIFO would block the run, a device feed it forever.
        let fd = try InputFile.open(path)
        defer { close(fd) }
        LibXML2.ready
        box.fd = fd
        box.attributes.assume(encoding: encoding)
        let unmanaged = Unmanaged.passRetained(box)
        defer { unmanaged.release() }
        // Read through the box, so that the attribute guard sees every byte first.
        guard let reader = xmlReaderForIO({ ctx, buffer, len in
            guard let ctx, let buffer, len > 0 else { return 0 }
            return Unmanaged<ErrorBox>.fromOpaque(ctx).takeUnretainedValue().read(into: buffer, capacity: Int(len))
        }, nil, unmanaged.toOpaque(), path, encoding, options) else {
            throw IngestError.unreadable(path: path, reason: box.genericError ?? "libxml2 could not open the file")
        }
        defer { xmlFreeTextReader(reader) }

        xmlTextReaderSetStructuredErrorHandler(reader, { ctx, error in
            guard let ctx, let error else { return }
            let box = Unmanaged<ErrorBox>.fromOpaque(ctx).takeUnretainedValue()
            // Keep the first error-level message.
            if box.message == nil, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue {
                var m = error.pointee.message.map { String(cString: $0) } ?? "unknown error"
                while m.hasSuffix("\n") { m.removeLast() }
                box.message = m
                box.line = Int(error.pointee.line)
                box.code = Int(error.pointee.code)
            }
        }, unmanaged.toOpaque())
        return try body(reader, box)
    }

    @inline(__always)
    static func bytes(_ p: UnsafePointer<xmlChar>?) -> UnsafeBufferPointer<UInt8> {
        guard let p else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: p, count: strlen(UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self)))
    }

    /// The current element's line (the parser itself may already be further on).
    @inline(__always)
    static func elementLine(_ reader: xmlTextReaderPtr) -> Int {
        // libxml2 keeps an element's line in 16 bits: from line 65,535 on, the node says 65535
        // and only the parser's own line (a few lines ahead at most) is right.
        let nodeLine = xmlTextReaderCurrentNode(reader).map { Int(xmlGetLineNo($0)) } ?? -1
        return nodeLine > 0 && nodeLine < 65_535 ? nodeLine : Int(xmlTextReaderGetParserLineNumber(reader))
    }

    /// Copies the current element's attribute values into `scratch` (names come from the
    /// parser's dictionary and stay valid), leaving out namespace declarations and `xsi:*`.
    @inline(__always)
    static func collectAttributes(_ reader: xmlTextReaderPtr, scratch: inout [UInt8], ranges: inout [(Int, Int)],
                                  names: inout [UnsafeBufferPointer<UInt8>]) {
        scratch.removeAll(keepingCapacity: true)
        ranges.removeAll(keepingCapacity: true)
        names.removeAll(keepingCapacity: true)
        guard xmlTextReaderHasAttributes(reader) == 1, xmlTextReaderMoveToFirstAttribute(reader) == 1 else { return }
        repeat {
            // One call for the qualified name: namespace declarations (xmlns, xmlns:x) and
            // xsi:* attributes are not data; a prefixed name keeps its local part.
            let qualified = bytes(xmlTextReaderConstName(reader))
            if isNamespaceOrSchema(qualified) { continue }
            if let colon = qualified.firstIndex(of: 0x3A) {
                names.append(UnsafeBufferPointer(rebasing: qualified[(colon + 1)...]))
            } else {
                names.append(qualified)
            }
            let start = scratch.count
            scratch.append(contentsOf: bytes(xmlTextReaderConstValue(reader)))
            ranges.append((start, scratch.count))
        } while xmlTextReaderMoveToNextAttribute(reader) == 1
        xmlTextReaderMoveToElement(reader)
    }

    /// Calls `body` for every element, in document order, without building strings.
    ///
    /// This is the hot path of the canonical activity format, so it drives libxml2's SAX2 push
    /// parser directly: attribute names and values arrive as pointers into the parser's buffer
    /// (no tree nodes, no per-attribute calls). The safety rules are those of ``stream(_:encoding:)``:
    /// no network, no entity substitution, no DTD loading; the parser is stopped at a DOCTYPE
    /// before its internal subset (and any entity declaration) is read, and at the first element
    /// deeper than ``maxDepth``.
    /// - Throws: ``IngestError`` on malformed or forbidden XML, or what `body` throws.
    public func forEachElementView(_ body: (borrowing XMLElementView) throws -> Void) throws {
        let fd = try InputFile.open(path)
        defer { close(fd) }
        try withoutActuallyEscaping(body) { body in
            try XMLPushParser.with(path: path, body: body) { parser in
                try parser.parseToEnd(fd, from: 0)
            }
        }
    }

    /// What the SAX callbacks of ``forEachElementView(_:)`` share.
    final class SAXState {
        let path: String
        let body: (borrowing XMLElementView) throws -> Void
        @exclusivity(unchecked) var ctxt: xmlParserCtxtPtr?
        @exclusivity(unchecked) var depth = 0
        /// The least depth since ``XMLPushParser/mark()``.
        @exclusivity(unchecked) var lowWater = 0
        /// While set, elements are parsed and checked but not handed to `body` (the start of a
        /// file parsed again before a part of it, see ``XMLPushParser``).
        @exclusivity(unchecked) var silent = false
        /// Takes the start tags instead of `body` when set (``CanonicalXMLSink``).
        @exclusivity(unchecked) var sink: CanonicalXMLSink?
        @exclusivity(unchecked) var failure: Error?
        @exclusivity(unchecked) var message: String?
        @exclusivity(unchecked) var line = 0
        @exclusivity(unchecked) var code = 0
        @exclusivity(unchecked) var names: [UnsafeBufferPointer<UInt8>] = []
        @exclusivity(unchecked) var values: [UnsafeBufferPointer<UInt8>] = []
        /// Attribute values with character references, decoded (see ``start``).
        @exclusivity(unchecked) var decoded: [UInt8] = []
        @exclusivity(unchecked) var decodedRanges: [(index: Int, start: Int, end: Int)] = []
        /// What libxml2 sent to its generic error handler (see shim.h), NUL-terminated.
        let generic: UnsafeMutablePointer<CChar> = {
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: Int(LVZHI_GENERIC_ERROR_BYTES))
            p.initialize(repeating: 0, count: Int(LVZHI_GENERIC_ERROR_BYTES))
            return p
        }()

        init(path: String, body: @escaping (borrowing XMLElementView) throws -> Void) {
            self.path = path
            self.body = body
        }
        deinit { generic.deallocate() }

        var genericError: String? {
            let first = String(cString: generic).split(separator: "\n").first.map { String($0).trimmingSpaces } ?? ""
            return first.isEmpty ? nil : first
        }

        /// The line the parser has reached (where the current start tag ends).
        var parserLine: Int { ctxt.flatMap { $0.pointee.input.map { Int($0.pointee.line) } } ?? 0 }

        /// Stops the parser with `error` (the first one counts).
        func fail(_ error: Error) {
            if failure == nil { failure = error }
            if let ctxt { xmlStopParser(ctxt) }
        }

        @inline(__always)
        func start(_ localName: UnsafePointer<xmlChar>?, prefix: UnsafePointer<xmlChar>?, count: Int,
                   attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
            let depth = self.depth
            self.depth += 1
            guard failure == nil else { return }
            let line = parserLine
            if depth > XMLRecordReader.maxDepth {
                fail(IngestError.forbiddenXML(path: path, line: line, what: .nesting(XMLRecordReader.maxDepth)))
                return
            }
            if let sink {
                if !silent, let localName, !sink.start(localName, count: count, attributes: attributes, line: line) {
                    fail(CancellationError())
                }
                return
            }
            names.removeAll(keepingCapacity: true)
            values.removeAll(keepingCapacity: true)
            decoded.removeAll(keepingCapacity: true)
            decodedRanges.removeAll(keepingCapacity: true)
            if let attributes {
                for i in 0..<count {
                    // localname, prefix, URI, value, end. Namespace declarations never arrive
                    // here; xsi:* attributes are not data.
                    let a = attributes + 5 * i
                    if let p = a[1], p[0] == 0x78, p[1] == 0x73, p[2] == 0x69, p[3] == 0 { continue }
                    names.append(XMLRecordReader.bytes(a[0]))
                    guard let v = a[3], let e = a[4] else { values.append(UnsafeBufferPointer(start: nil, count: 0)); continue }
                    let value = UnsafeBufferPointer(start: v, count: e - v)
                    // Without entity substitution libxml2 hands over `&amp;` and `&#38;` as
                    // the text "&#38;" (the tree builder decodes it later); no other `&` can
                    // remain, since entities other than the predefined ones need a DOCTYPE.
                    if memchr(v, 0x26, value.count) != nil {
                        let from = decoded.count
                        RawBatch.appendDecodingAmpersands(value, to: &decoded)
                        decodedRanges.append((values.count, from, decoded.count))
                    }
                    values.append(value)
                }
            }
            if silent { return }
            do {
                if decodedRanges.isEmpty {
                    try body(XMLElementView(name: XMLRecordReader.bytes(localName), line: line, depth: depth, names: names, values: values))
                } else {
                    try decoded.withUnsafeBufferPointer { buf in
                        for r in decodedRanges { values[r.index] = UnsafeBufferPointer(rebasing: buf[r.start..<r.end]) }
                        try body(XMLElementView(name: XMLRecordReader.bytes(localName), line: line, depth: depth, names: names, values: values))
                    }
                }
            } catch {
                fail(error)
            }
        }
    }

    /// Streams start tags (with attributes), text and end tags to `handler`, in document order,
    /// one node at a time: memory does not grow with the file. An empty element (`<a/>`) gives
    /// a start and an end. Comments and processing instructions are skipped; CDATA arrives
    /// as text. `encoding` overrides the file's declaration (e.g. "GB18030").
    /// - Throws: ``IngestError`` on malformed or forbidden XML, or what `handler` throws.
    public func stream<H: XMLEventHandler>(_ handler: inout H, encoding: String? = nil) throws {
        try withReader(encoding: encoding) { reader, box in
            var scratch: [UInt8] = []
            var valueRanges: [(Int, Int)] = []
            var names: [UnsafeBufferPointer<UInt8>] = []
            var values: [UnsafeBufferPointer<UInt8>] = []
            while true {
                let r = xmlTextReaderRead(reader)
                if r <= 0 || box.message != nil, let refused = box.refusal(path: path) { throw refused }
                if r == 0 { break }
                if r < 0 || box.message != nil {
                    let line = box.line > 0 ? box.line : Int(xmlTextReaderGetParserLineNumber(reader))
                    throw IngestError.malformedXML(path: path, line: line, reason: box.message ?? box.genericError ?? "parse error",
                                                   code: box.message != nil ? box.code : 0)
                }
                switch xmlTextReaderNodeType(reader) {
                case 10, 17: // DOCUMENT_TYPE, ENTITY declaration
                    throw IngestError.forbiddenXML(path: path, line: Int(xmlTextReaderGetParserLineNumber(reader)), what: .doctype)
                case 5: // ENTITY_REFERENCE
                    throw IngestError.forbiddenXML(path: path, line: Int(xmlTextReaderGetParserLineNumber(reader)), what: .entityReference)
                case 1: // ELEMENT
                    let depth = Int(xmlTextReaderDepth(reader))
                    let line = Self.elementLine(reader)
                    if depth > Self.maxDepth {
                        throw IngestError.forbiddenXML(path: path, line: line, what: .nesting(Self.maxDepth))
                    }
                    let name = Self.bytes(xmlTextReaderConstLocalName(reader))
                    let empty = xmlTextReaderIsEmptyElement(reader) == 1
                    Self.collectAttributes(reader, scratch: &scratch, ranges: &valueRanges, names: &names)
                    try scratch.withUnsafeBufferPointer { buf in
                        values.removeAll(keepingCapacity: true)
                        for r in valueRanges { values.append(UnsafeBufferPointer(rebasing: buf[r.0..<r.1])) }
                        try handler.start(XMLElementView(name: name, line: line, depth: depth, names: names, values: values))
                    }
                    if empty { try handler.end(depth: depth) }
                case 3, 4: // TEXT, CDATA
                    let line = Int(xmlTextReaderGetParserLineNumber(reader))
                    try handler.text(Self.bytes(xmlTextReaderConstValue(reader)), line: line)
                case 15: // END_ELEMENT
                    try handler.end(depth: Int(xmlTextReaderDepth(reader)))
                default:
                    break
                }
            }
            if let refused = box.refusal(path: path) { throw refused }
            if let m = box.message {
                throw IngestError.malformedXML(path: path, line: box.line, reason: m, code: box.code)
            }
        }
    }
}

/// Receives the events of ``XMLRecordReader/stream(_:encoding:)``.
public protocol XMLEventHandler {
    /// An element starts; its name and attribute bytes are valid only during the call.
    mutating func start(_ element: borrowing XMLElementView) throws
    /// Text (or CDATA) inside the current element, as UTF-8; valid only during the call.
    mutating func text(_ bytes: UnsafeBufferPointer<UInt8>, line: Int) throws
    /// The element at `depth` ends.
    mutating func end(depth: Int) throws
}

/// Validates an XML file against an XSD with libxml2 (used by tests and `validate`).
public enum XMLSchemaValidator {
    /// Returns the validation errors (empty when the file is valid).
    public static func validate(file: String, schema: String) -> [String] {
        LibXML2.ready
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
        // An element with very many attributes would cost libxml2 quadratic time
        // (``XMLAttributeGuard``): such a file is not validated but left to the reader, which
        // refuses it (I004) with its line.
        if XMLAttributeGuard.refuses(file: file) { return [] }
        let rc = xmlSchemaValidateFile(ctx, file, Int32(XML_PARSE_NONET.rawValue))
        if rc != 0 && box.errors.isEmpty { box.errors.append("validation failed (code \(rc))") }
        return box.errors
    }
}
