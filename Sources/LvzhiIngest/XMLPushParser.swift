#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibXML2
import LvzhiCore

/// libxml2's global state, made once before any thread uses the library. Made lazily, by the
/// first parser context of each thread, it raced: two schema validations at once deadlocked
/// inside `xmlDictCreate` (both threads waiting on the mutex of its random seed), which hung
/// a CI run. libxml2 asks for `xmlInitParser` before threads use it; a static `let` is made
/// once, under a lock, by whichever thread comes first.
enum LibXML2 {
    static let ready: Void = xmlInitParser()
}

/// libxml2's SAX2 push parser over a file read by position, with the safety rules of
/// ``XMLRecordReader/forEachElementView(_:)``: no network, no entity substitution, no DTD
/// loading; stopped at a DOCTYPE before its internal subset is read, at any entity reference and
/// at the first element deeper than ``XMLRecordReader/maxDepth``.
///
/// The file is fed in ranges, so that a part of it can be parsed on its own thread
/// (``XMLParts``): the start of the file up to the first record, silently, then the part. After
/// a range, ``standsAtMark`` tells whether the parser stands exactly where it stood at
/// ``mark()`` — between two elements at the same depth, in content, with nothing but white space
/// pending — so that a part boundary guessed from the bytes is checked by the parser itself.
final class XMLPushParser {
    let state: XMLRecordReader.SAXState
    let ctxt: xmlParserCtxtPtr
    private let buffer: UnsafeMutablePointer<CChar>
    private static let chunk = 1 << 16
    private var markDepth = -1
    /// Start tags with absurdly many attributes are refused before libxml2 sees them.
    private var attributes = XMLAttributeGuard()

    /// Runs `work` with a parser whose elements go to `body`, on this thread (libxml2's generic
    /// errors are collected per thread).
    static func with<R>(path: String, body: @escaping (borrowing XMLElementView) throws -> Void,
                        _ work: (XMLPushParser) throws -> R) throws -> R {
        let state = XMLRecordReader.SAXState(path: path, body: body)
        lvzhi_collect_generic_errors(state.generic)
        defer { lvzhi_collect_generic_errors(nil) }
        let parser = try XMLPushParser(state: state)
        return try work(parser)
    }

    /// Runs `work` with a parser whose start tags go to `sink` (the canonical activity format).
    static func with<R>(path: String, sink: CanonicalXMLSink, _ work: (XMLPushParser) throws -> R) throws -> R {
        try with(path: path, body: { _ in }) { parser in
            parser.state.sink = sink
            return try work(parser)
        }
    }

    private init(state: XMLRecordReader.SAXState) throws {
        self.state = state
        var sax = xmlSAXHandler()
        sax.initialized = XML_SAX2_MAGIC
        sax.startElementNs = { ctx, localName, prefix, _, _, _, count, _, attributes in
            guard let ctx else { return }
            Unmanaged<XMLRecordReader.SAXState>.fromOpaque(ctx).takeUnretainedValue()
                .start(localName, prefix: prefix, count: Int(count), attributes: attributes)
        }
        sax.endElementNs = { ctx, _, _, _ in
            guard let ctx else { return }
            let s = Unmanaged<XMLRecordReader.SAXState>.fromOpaque(ctx).takeUnretainedValue()
            s.depth -= 1
            if s.depth < s.lowWater { s.lowWater = s.depth }
        }
        sax.internalSubset = { ctx, _, _, _ in
            guard let ctx else { return }
            let s = Unmanaged<XMLRecordReader.SAXState>.fromOpaque(ctx).takeUnretainedValue()
            s.fail(IngestError.forbiddenXML(path: s.path, line: s.parserLine, what: .doctype))
        }
        sax.reference = { ctx, _ in
            guard let ctx else { return }
            let s = Unmanaged<XMLRecordReader.SAXState>.fromOpaque(ctx).takeUnretainedValue()
            s.fail(IngestError.forbiddenXML(path: s.path, line: s.parserLine, what: .entityReference))
        }
        sax.serror = { ctx, error in
            guard let ctx, let error else { return }
            let s = Unmanaged<XMLRecordReader.SAXState>.fromOpaque(ctx).takeUnretainedValue()
            // Keep the first error-level message and stop there, as the reader does.
            if s.message == nil, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue {
                var m = error.pointee.message.map { String(cString: $0) } ?? "unknown error"
                while m.hasSuffix("\n") { m.removeLast() }
                s.message = m
                s.line = Int(error.pointee.line)
                s.code = Int(error.pointee.code)
                if let c = s.ctxt { xmlStopParser(c) }
            }
        }
        // The context holds the state without retaining it; `self` keeps it alive.
        LibXML2.ready
        guard let ctxt = xmlCreatePushParserCtxt(&sax, Unmanaged.passUnretained(state).toOpaque(), nil, 0, state.path) else {
            throw IngestError.unreadable(path: state.path, reason: state.genericError ?? "libxml2 could not open the file")
        }
        self.ctxt = ctxt
        state.ctxt = ctxt
        // NONET: no network. No NOENT (entities are not substituted), no DTDLOAD, no DTDATTR,
        // no XINCLUDE, no HUGE (libxml2's default size limits stay on).
        xmlCtxtUseOptions(ctxt, Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue))
        buffer = .allocate(capacity: Self.chunk)
    }

    deinit {
        state.ctxt = nil
        xmlFreeParserCtxt(ctxt)
        buffer.deallocate()
    }

    /// Feeds bytes `from ..< to` of the open file `fd` (to its end when the file is shorter).
    /// - Throws: ``IngestError`` on malformed or forbidden XML, or what `body` threw.
    func feed(_ fd: Int32, from: Int, to end: Int) throws {
        var at = from
        while at < end {
            let n = pread(fd, buffer, min(Self.chunk, end - at), off_t(at))
            if n < 0 {
                if errno == EINTR { continue }
                throw IngestError.unreadable(path: state.path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            if let tag = attributes.scan(UnsafeRawBufferPointer(start: buffer, count: n), at: at) {
                // libxml2 parses what comes before the tag (an earlier error is the one reported),
                // never the tag itself: its check for repeated attributes is quadratic.
                if tag > at { try check(xmlParseChunk(ctxt, buffer, Int32(tag - at), 0)) }
                throw IngestError.forbiddenXML(path: state.path, line: attributes.line(of: tag, in: fd),
                                               what: attributes.hazard)
            }
            try check(xmlParseChunk(ctxt, buffer, Int32(n), 0))
            at += n
        }
    }

    /// Feeds the file from `offset` to its end, and ends the document.
    func parseToEnd(_ fd: Int32, from offset: Int) throws {
        try feed(fd, from: offset, to: Int.max)
        try finish()
    }

    /// Ends the document: what is still open or pending is an error.
    func finish() throws {
        try check(xmlParseChunk(ctxt, buffer, 0, 1))
    }

    private func check(_ rc: Int32) throws {
        if let failure = state.failure { throw failure }
        if rc != 0 || state.message != nil {
            let line = state.message != nil && state.line > 0 ? state.line : state.parserLine
            throw IngestError.malformedXML(path: state.path, line: line, reason: state.message ?? state.genericError ?? "parse error",
                                           code: state.message != nil ? state.code : 0)
        }
    }

    /// Remembers where the parser stands (its depth), for ``standsAtMark``.
    func mark() {
        markDepth = state.depth
        state.lowWater = state.depth
    }

    /// Line feeds fed but not parsed yet.
    var lineFeedsPending: Int {
        guard let input = ctxt.pointee.input, var p = input.pointee.cur, let end = input.pointee.end else { return 0 }
        var n = 0
        while p < end {
            if p.pointee == 0x0A { n += 1 }
            p += 1
        }
        return n
    }

    /// Whether the parser stands where it stood at ``mark()``: no error, in element content at
    /// the same depth and never shallower in between (so inside the same elements), with at
    /// most white space fed and not yet parsed — not inside a comment, a CDATA section, a
    /// processing instruction or a tag, which libxml2 keeps pending until they end.
    var standsAtMark: Bool {
        guard markDepth >= 0, state.failure == nil, state.message == nil, state.depth == markDepth,
              state.lowWater >= markDepth, ctxt.pointee.instate == XML_PARSER_CONTENT, ctxt.pointee.inputNr == 1,
              let input = ctxt.pointee.input else { return false }
        guard var p = input.pointee.cur, let end = input.pointee.end else { return input.pointee.cur == nil }
        while p < end {
            switch p.pointee {
            case 0x20, 0x09, 0x0A, 0x0D: p += 1
            default: return false
            }
        }
        return true
    }
}
