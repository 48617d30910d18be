#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibXML2
import Foundation
import ZIPFoundation

/// A bounded hand-over of decompressed bytes from the thread that inflates a ZIP entry
/// (ZIPFoundation pushes chunks to a consumer) to the thread that parses them (libxml2's
/// `xmlTextReader` pulls through a read callback). At most ``depth`` chunks of 64 KiB wait
/// in between, so a part of any size is parsed in constant memory and never written to disk.
final class PartPipe: @unchecked Sendable {
    static let depth = 8
    struct Cancelled: Error {}

    private let condition = NSCondition()
    private var chunks: [Data] = []
    private var offset = 0
    private var ended = false
    private var cancelled = false
    private var stored: Error?
    private var producerDone = false

    /// Why the producer stopped, once it has.
    var failure: Error? {
        condition.lock()
        defer { condition.unlock() }
        return stored
    }

    /// Producer: waits while the pipe is full; throws once the consumer has gone.
    func put(_ d: Data) throws {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count >= Self.depth && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        if !d.isEmpty { chunks.append(d) }
        condition.broadcast()
    }

    /// Producer: the end of the part, or why it stopped.
    func finish(error: Error?) {
        condition.lock()
        ended = true
        if stored == nil, !(error is Cancelled) { stored = error }
        producerDone = true
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: up to `capacity` bytes; 0 at the end, -1 when the producer failed.
    func read(into p: UnsafeMutableRawPointer, capacity: Int) -> Int {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty && !ended && stored == nil { condition.wait() }
        if stored != nil { return -1 }
        guard !chunks.isEmpty else { return 0 }
        let first = chunks[0]
        let n = min(capacity, first.count - offset)
        first.withUnsafeBytes { raw in
            p.copyMemory(from: raw.baseAddress! + offset, byteCount: n)
        }
        offset += n
        if offset == first.count {
            chunks.removeFirst()
            offset = 0
            condition.broadcast()
        }
        return n
    }

    /// Consumer: reads and drops what is left (so the checksum is verified) and waits for the
    /// producer; `cancel` stops it early instead.
    func close(cancel: Bool) {
        condition.lock()
        if cancel { cancelled = true }
        while !producerDone {
            if !chunks.isEmpty { chunks.removeAll(); offset = 0 }
            condition.broadcast()
            condition.wait()
        }
        chunks.removeAll()
        condition.unlock()
    }
}

/// One ZIP entry of a workbook being inflated on its own thread into a ``PartPipe``, with the
/// workbook's limits enforced on the bytes actually produced (a header may lie).
final class PartInflater: @unchecked Sendable {
    let archive: Archive
    let entry: Entry
    let pipe = PartPipe()
    let limit: UInt64
    let path: String
    let part: String

    init(archive: Archive, entry: Entry, limit: UInt64, path: String, part: String) {
        self.archive = archive
        self.entry = entry
        self.limit = limit
        self.path = path
        self.part = part
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    private func run() {
        let declared = entry.uncompressedSize
        var total: UInt64 = 0
        do {
            let crc = try archive.extract(entry, bufferSize: 1 << 16, skipCRC32: false) { [self] data in
                total += UInt64(data.count)
                if total > limit { throw IngestError.workbookLimit(path: path, part: part, limit: .partSize(limit)) }
                if total > declared {
                    throw IngestError.notWorkbook(path: path, problem: .damagedPart(part: part, detail: "解压后大于文件头中写明的 \(declared) 字节 / larger than the \(declared) bytes its header declares"))
                }
                try pipe.put(data)
            }
            if total != declared {
                throw IngestError.notWorkbook(path: path, problem: .damagedPart(part: part, detail: "解压后 \(total) 字节，文件头写明 \(declared) 字节 / \(total) bytes, its header declares \(declared)"))
            }
            if crc != entry.checksum {
                throw IngestError.notWorkbook(path: path, problem: .damagedPart(part: part, detail: "CRC 校验不符 / CRC mismatch"))
            }
            pipe.finish(error: nil)
        } catch let e as IngestError {
            pipe.finish(error: e)
        } catch is PartPipe.Cancelled {
            pipe.finish(error: PartPipe.Cancelled())
        } catch {
            pipe.finish(error: IngestError.notWorkbook(path: path, problem: .damagedPart(part: part, detail: "\(error)")))
        }
    }
}

/// A node of a workbook part; valid only inside the callback that receives it.
struct PartNode: ~Copyable {
    enum Kind { case start, end, text }
    let kind: Kind
    /// The element's local name (empty for text).
    let name: UnsafeBufferPointer<UInt8>
    /// The text of a text node.
    let text: UnsafeBufferPointer<UInt8>
    let depth: Int
    let attributeNames: [UnsafeBufferPointer<UInt8>]
    let attributeValues: [UnsafeBufferPointer<UInt8>]

    func nameIs(_ s: StaticString) -> Bool { Self.equal(name, s) }

    /// The value of the attribute with local name `s`.
    func attribute(_ s: StaticString) -> UnsafeBufferPointer<UInt8>? {
        for i in 0..<attributeNames.count where Self.equal(attributeNames[i], s) { return attributeValues[i] }
        return nil
    }

    func string(_ s: StaticString) -> String? { attribute(s).map { String(decoding: $0, as: UTF8.self) } }

    static func equal(_ b: UnsafeBufferPointer<UInt8>, _ s: StaticString) -> Bool {
        guard s.utf8CodeUnitCount == b.count else { return false }
        let p = s.utf8Start
        for i in 0..<b.count where p[i] != b[i] { return false }
        return true
    }
}

/// Streams the nodes of one workbook part with libxml2's `xmlTextReader`, fed from a
/// ``PartPipe``, under the same rules as ``XMLRecordReader``: no network, no DTD loading, no
/// entity substitution, and a DOCTYPE or entity reference refused outright.
struct PartReader {
    static let maxDepth = 32

    /// `book.xlsx(xl/worksheets/sheet1.xml)`: where an XML error is reported.
    let label: String

    final class Context {
        let pipe: PartPipe
        @exclusivity(unchecked) var message: String?
        @exclusivity(unchecked) var line = 0
        @exclusivity(unchecked) var code = 0
        /// Start tags with absurdly many attributes are never given to libxml2 (``XMLAttributeGuard``).
        @exclusivity(unchecked) var attributes = XMLAttributeGuard()
        @exclusivity(unchecked) var offset = 0
        @exclusivity(unchecked) var refusedTag: Int?
        /// libxml2 asked for the refused tag and was given an error; `errorBefore`: it had
        /// reported another error before (that one is reported).
        @exclusivity(unchecked) var refused = false
        @exclusivity(unchecked) var errorBefore = false
        init(pipe: PartPipe) { self.pipe = pipe }

        func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int32 {
            if refusedTag != nil {
                if !refused { refused = true; errorBefore = message != nil }
                return -1
            }
            let n = pipe.read(into: UnsafeMutableRawPointer(buffer), capacity: capacity)
            guard n > 0 else { return Int32(n) }
            if let tag = attributes.scan(UnsafeRawBufferPointer(start: buffer, count: n), at: offset) {
                refusedTag = tag
                let given = tag - offset
                offset = tag
                if given == 0 {
                    refused = true
                    errorBefore = message != nil
                    return -1
                }
                return Int32(given)
            }
            offset += n
            return Int32(n)
        }
    }

    /// Parses the part that `inflater` produces, calling `body` for every element start, element
    /// end (also for `<empty/>` elements) and text node.
    /// - Throws: ``IngestError``: the inflater's (limits, damage) first, then XML errors.
    func read(_ inflater: PartInflater, _ body: (borrowing PartNode) throws -> Void) throws {
        let context = Context(pipe: inflater.pipe)
        let unmanaged = Unmanaged.passRetained(context)
        defer { unmanaged.release() }
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue)
        inflater.start()
        var finishedCleanly = false
        defer { inflater.pipe.close(cancel: !finishedCleanly) }
        LibXML2.ready
        guard let reader = xmlReaderForIO({ ctx, buffer, len in
            guard let ctx, let buffer, len > 0 else { return 0 }
            return Unmanaged<Context>.fromOpaque(ctx).takeUnretainedValue().read(into: buffer, capacity: Int(len))
        }, nil, unmanaged.toOpaque(), label, nil, options) else {
            throw IngestError.unreadable(path: label, reason: "libxml2 could not start reading")
        }
        defer { xmlFreeTextReader(reader) }
        xmlTextReaderSetStructuredErrorHandler(reader, { ctx, error in
            guard let ctx, let error else { return }
            let c = Unmanaged<Context>.fromOpaque(ctx).takeUnretainedValue()
            if c.message == nil, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue {
                var m = error.pointee.message.map { String(cString: $0) } ?? "unknown error"
                while m.hasSuffix("\n") { m.removeLast() }
                c.message = m
                c.line = Int(error.pointee.line)
                c.code = Int(error.pointee.code)
            }
        }, unmanaged.toOpaque())

        func bytes(_ p: UnsafePointer<xmlChar>?) -> UnsafeBufferPointer<UInt8> {
            guard let p else { return UnsafeBufferPointer(start: nil, count: 0) }
            return UnsafeBufferPointer(start: p, count: strlen(UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self)))
        }
        func line() -> Int { Int(xmlTextReaderGetParserLineNumber(reader)) }
        func failure() -> Error {
            if let f = inflater.pipe.failure { return f }
            if context.refusedTag != nil, context.refused ? !context.errorBefore : context.message == nil {
                return IngestError.forbiddenXML(path: label, line: line(), what: context.attributes.hazard)
            }
            return IngestError.malformedXML(path: label, line: context.line > 0 ? context.line : line(), reason: context.message ?? "parse error",
                                            code: context.code)
        }
        let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        var scratch: [UInt8] = []
        scratch.reserveCapacity(256)
        var ranges: [(Int, Int)] = []
        var names: [UnsafeBufferPointer<UInt8>] = []
        var values: [UnsafeBufferPointer<UInt8>] = []

        while true {
            let r = xmlTextReaderRead(reader)
            if r == 0 && context.refusedTag == nil { break }
            if r <= 0 || context.message != nil || inflater.pipe.failure != nil { throw failure() }
            switch xmlTextReaderNodeType(reader) {
            case 10, 17: // DOCUMENT_TYPE, ENTITY declaration
                throw IngestError.forbiddenXML(path: label, line: line(), what: .doctype)
            case 5: // ENTITY_REFERENCE
                throw IngestError.forbiddenXML(path: label, line: line(), what: .entityReference)
            case 1: // ELEMENT
                let depth = Int(xmlTextReaderDepth(reader))
                if depth > Self.maxDepth {
                    throw IngestError.forbiddenXML(path: label, line: line(), what: .nesting(Self.maxDepth))
                }
                let name = bytes(xmlTextReaderConstLocalName(reader))
                let isEmpty = xmlTextReaderIsEmptyElement(reader) == 1
                scratch.removeAll(keepingCapacity: true)
                ranges.removeAll(keepingCapacity: true)
                names.removeAll(keepingCapacity: true)
                if xmlTextReaderHasAttributes(reader) == 1, xmlTextReaderMoveToFirstAttribute(reader) == 1 {
                    repeat {
                        let qualified = bytes(xmlTextReaderConstName(reader))
                        if XMLRecordReader.isNamespaceOrSchema(qualified) { continue }
                        names.append(bytes(xmlTextReaderConstLocalName(reader)))
                        let start = scratch.count
                        scratch.append(contentsOf: bytes(xmlTextReaderConstValue(reader)))
                        ranges.append((start, scratch.count))
                    } while xmlTextReaderMoveToNextAttribute(reader) == 1
                    xmlTextReaderMoveToElement(reader)
                }
                try scratch.withUnsafeBufferPointer { buf in
                    values.removeAll(keepingCapacity: true)
                    for r in ranges { values.append(UnsafeBufferPointer(rebasing: buf[r.0..<r.1])) }
                    try body(PartNode(kind: .start, name: name, text: empty, depth: depth, attributeNames: names, attributeValues: values))
                    if isEmpty {
                        try body(PartNode(kind: .end, name: name, text: empty, depth: depth, attributeNames: [], attributeValues: []))
                    }
                }
            case 15: // END_ELEMENT
                let name = bytes(xmlTextReaderConstLocalName(reader))
                try body(PartNode(kind: .end, name: name, text: empty, depth: Int(xmlTextReaderDepth(reader)), attributeNames: [], attributeValues: []))
            case 3, 4, 13, 14: // TEXT, CDATA, WHITESPACE, SIGNIFICANT_WHITESPACE
                let text = bytes(xmlTextReaderConstValue(reader))
                try body(PartNode(kind: .text, name: empty, text: text, depth: Int(xmlTextReaderDepth(reader)), attributeNames: [], attributeValues: []))
            default:
                break
            }
        }
        if context.message != nil || inflater.pipe.failure != nil { throw failure() }
        finishedCleanly = true
        // Drain to the end so the size and checksum checks run, then report what they found.
        inflater.pipe.close(cancel: false)
        if let f = inflater.pipe.failure { throw f }
    }
}
