#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibXML2
import Foundation
import LvzhiCore

/// A large canonical XML activity file parsed in parts on several threads, with the very records,
/// lines, issues and errors of one pass over it (issue 16: libxml2 alone is as long as the
/// budget for the whole ingest).
///
/// The file is cut before `<activity` start tags found in its bytes near every ``partBytes``.
/// Part 0 is parsed from the start of the file as usual; part `k` by a parser of its own, fed the
/// start of the file up to the first record (without handing its elements on: it only puts the
/// parser inside the same elements) and then the part, to its end. Such a cut is right only if
/// the parser of the part before it, fed up to the cut, stands between two elements inside the
/// same elements as at the first record (``XMLPushParser/standsAtMark``); `<activity` in a
/// comment or a CDATA section fails that. A part whose end is not a right cut goes on to the end
/// of the file itself, and the parts after it are thrown away: the records are always those of
/// one pass. Lines are counted per part and added up in order. A part that fails is read again
/// in one pass from the start of the file (leaving out the records handed on already), so that a
/// broken file fails with the very error, wording and line of one pass.
///
/// Only files whose bytes are UTF-8 are cut (a declaration naming another encoding is read in one
/// pass), and only when they hold at least two parts.
enum XMLParts {
    static let partBytes = 4 << 20

    struct Plan: Equatable {
        /// Offset of the first `<activity` start tag.
        var firstRecord: Int
        /// Line feeds before it.
        var linesBefore: Int
        /// Where each part starts; the first is 0.
        var starts: [Int]
    }

    /// Where to cut the file open as `fd`, `nil` to read it in one pass.
    static func plan(fd: Int32, partBytes: Int) -> Plan? {
        var st = stat()
        guard fstat(fd, &st) == 0, partBytes > 0 else { return nil }
        let size = Int(st.st_size)
        guard size >= 2 * partBytes else { return nil }
        let head = read(fd, at: 0, count: min(size, 1 << 20))
        guard declaresUTF8(head), let first = startTag(in: head, from: 0) else { return nil }
        var starts = [0]
        var target = max(partBytes, first + 1)
        while target < size {
            let window = read(fd, at: target, count: min(size - target, 1 << 18))
            if let at = startTag(in: window, from: 0) {
                starts.append(target + at)
                target += at + partBytes
            } else {
                target += window.count
            }
        }
        guard starts.count >= 2 else { return nil }
        let lines = head[..<first].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        return Plan(firstRecord: first, linesBefore: lines, starts: starts)
    }

    private static func read(_ fd: Int32, at offset: Int, count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, count - got, off_t(offset + got)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            got += n
        }
        bytes.removeLast(count - got)
        return bytes
    }

    /// No byte-order mark but UTF-8's, and a declaration, if any, naming UTF-8.
    static func declaresUTF8(_ head: [UInt8]) -> Bool {
        var i = 0
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        guard i < head.count, head[i] == 0x3C else { return false }  // UTF-16 and -32 start otherwise
        let rest = head[i...]
        guard rest.starts(with: Array("<?xml".utf8)) else { return true }
        guard let close = rest.firstRange(of: Array("?>".utf8)) else { return false }
        let declaration = String(decoding: rest[..<close.lowerBound], as: UTF8.self).lowercased()
        guard let e = declaration.range(of: "encoding") else { return true }
        let value = declaration[e.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let quote = value.first, quote == "\"" || quote == "'" else { return false }
        let name = value.dropFirst().prefix { $0 != quote }
        return name == "utf-8" || name == "utf8"
    }

    /// The offset of the first `<activity` followed by white space, `/` or `>` at or after `from`.
    static func startTag(in bytes: [UInt8], from: Int) -> Int? {
        let tag = Array("<activity".utf8)
        var i = from
        while i + tag.count < bytes.count {
            guard let lt = bytes[i...].firstIndex(of: 0x3C) else { return nil }
            if lt + tag.count >= bytes.count { return nil }
            if bytes[lt..<(lt + tag.count)].elementsEqual(tag) {
                switch bytes[lt + tag.count] {
                case 0x20, 0x09, 0x0A, 0x0D, 0x2F, 0x3E: return lt
                default: break
                }
            }
            i = lt + 1
        }
        return nil
    }

    /// What one part produced, shared between its parser and the thread handing batches on.
    private final class Board: @unchecked Sendable {
        struct Part {
            var batches: [RawBatch] = []
            var done = false
            var failure: Error?
            /// Line feeds in the part (its parser's bytes after the start of the file).
            var lines = 0
            /// The part went on to the end of the file: the parts after it are void.
            var toTheEnd = false
        }
        let condition = NSCondition()
        var parts: [Part]
        var next = 0
        var head = 0
        var stop = false
        var running = 0
        /// Parts from here on are not parsed (one before went on to the end of the file).
        var end: Int
        init(count: Int) {
            parts = Array(repeating: Part(), count: count)
            end = count
        }
    }

    /// Reads the canonical XML file `path` into `channel` with `workers` parsers.
    static func read(path: String, fd: Int32, plan: Plan, workers: Int, preparer: RowPreparer?, into channel: BatchChannel) throws {
        LibXML2.ready
        let count = plan.starts.count
        let board = Board(count: count)
        let window = workers + 2

        // One part: its records go to the board as batches fill.
        @Sendable func parse(_ k: Int) {
            var stopped = false
            let put: (RawBatch) -> Void = { b in
                board.condition.lock()
                board.parts[k].batches.append(b)
                board.condition.broadcast()
                // A part going on to the end of the file waits for its turn past a few batches.
                while board.parts[k].toTheEnd && board.parts[k].batches.count >= 8 && !board.stop {
                    board.condition.wait()
                }
                stopped = board.stop
                board.condition.unlock()
            }
            let sink = CanonicalXMLSink(channel: channel, preparer: preparer) { b in
                put(b)
                return !stopped
            }
            var lines = 0
            var toTheEnd = false
            var failure: Error?
            do {
                try XMLPushParser.with(path: path, sink: sink) { parser in
                    func goOn(from at: Int) throws {
                        board.condition.lock()
                        board.parts[k].toTheEnd = true
                        board.end = min(board.end, k + 1)
                        board.condition.unlock()
                        toTheEnd = true
                        try parser.parseToEnd(fd, from: at)
                    }
                    let end = k + 1 < count ? plan.starts[k + 1] : Int.max
                    if k == 0 {
                        try parser.feed(fd, from: 0, to: plan.firstRecord)
                        parser.mark()
                        guard parser.standsAtMark else { return try goOn(from: plan.firstRecord) }
                    } else {
                        parser.state.silent = true
                        try parser.feed(fd, from: 0, to: plan.firstRecord)
                        parser.state.silent = false
                        parser.mark()
                    }
                    try parser.feed(fd, from: k == 0 ? plan.firstRecord : plan.starts[k], to: end)
                    if end == Int.max {
                        try parser.finish()
                    } else if parser.standsAtMark {
                        // libxml2's line is that of the first byte not parsed yet: the line feeds
                        // of the part are those it parsed, but for those of the start of the
                        // file, and those in the white space still pending.
                        lines = parser.state.parserLine - 1 - (k == 0 ? 0 : plan.linesBefore) + parser.lineFeedsPending
                    } else {
                        try goOn(from: end)
                    }
                }
            } catch {
                failure = error
            }
            if let last = sink.last { put(last) }
            board.condition.lock()
            board.parts[k].done = true
            board.parts[k].failure = failure
            board.parts[k].lines = lines
            board.parts[k].toTheEnd = toTheEnd
            board.condition.broadcast()
            board.condition.unlock()
        }

        @Sendable func work() {
            while true {
                board.condition.lock()
                while !board.stop && board.next < board.end && board.next >= board.head + window { board.condition.wait() }
                if board.stop || board.next >= board.end {
                    board.running -= 1
                    board.condition.broadcast()
                    board.condition.unlock()
                    return
                }
                let k = board.next
                board.next += 1
                board.condition.unlock()
                parse(k)
            }
        }

        board.running = workers
        for _ in 0..<workers {
            let t = Thread { work() }
            t.stackSize = 1 << 22
            t.start()
        }
        defer {
            board.condition.lock()
            board.stop = true
            board.condition.broadcast()
            while board.running > 0 { board.condition.wait() }
            board.condition.unlock()
        }

        // Hand the parts on in order, each as it fills.
        var linesBefore = 0
        var handedOn = 0
        for k in 0..<count {
            let shift = k == 0 ? 0 : linesBefore - plan.linesBefore
            while true {
                board.condition.lock()
                while board.parts[k].batches.isEmpty && !board.parts[k].done { board.condition.wait() }
                // A part that failed is read again in one pass: libxml2 names lines in some
                // messages ("… activity line 275 …"), and those of a part are its own; and
                // which error a broken file gives may depend on where its bytes were split.
                if board.parts[k].failure != nil {
                    board.stop = true
                    board.condition.broadcast()
                    board.condition.unlock()
                    return try RawReader.readXMLInOnePass(path: path, fd: fd, into: channel, preparer: preparer, skipping: handedOn)
                }
                let taken = board.parts[k].batches
                board.parts[k].batches = []
                let part = board.parts[k]
                board.condition.broadcast()
                board.condition.unlock()
                for b in taken {
                    b.shiftLines(by: shift)
                    handedOn += b.count
                    channel.put(b)
                }
                guard part.done, part.batches.isEmpty else { continue }
                if part.toTheEnd { return }
                linesBefore += part.lines
                break
            }
            board.condition.lock()
            board.head = k + 1
            board.condition.broadcast()
            board.condition.unlock()
        }
    }
}

/// Turns the start tags of a canonical XML export into raw batches (one record per `activity`
/// element; any other element but the document's own is flagged), straight from libxml2's SAX2
/// attribute array: no element view and no arrays per element on the hot path.
final class CanonicalXMLSink {
    let channel: BatchChannel
    /// Records are prepared for the validator (``RawBatch/prepareLast(from:)``) when given.
    let preparer: RowPreparer?
    /// Where full batches go; false stops the parse (the reader gave up on this part).
    let put: (RawBatch) -> Bool
    /// The batch being filled; `filling` reads it without counting a reference (`batch` holds it):
    /// an `unowned(unsafe) var` was still retained and released around every element.
    @exclusivity(unchecked) private(set) var batch: RawBatch {
        didSet { filling = Unmanaged.passUnretained(batch) }
    }
    @exclusivity(unchecked) private var filling: Unmanaged<RawBatch>
    /// Records still to leave out (``RawReader/readXMLInOnePass(path:fd:into:preparer:skipping:)``).
    @exclusivity(unchecked) var skip = 0
    /// libxml2 interns names in its parser's dictionary, so an element or attribute name arrives
    /// at the same address every time: names are compared by address once known.
    @exclusivity(unchecked) private var activityName: UnsafePointer<UInt8>?
    @exclusivity(unchecked) private var documentNames: [UnsafePointer<UInt8>] = []
    @exclusivity(unchecked) private var known: [(name: UnsafePointer<UInt8>, id: Int32)] = []
    /// The field of the attribute at each position in the element before: exports write their
    /// attributes in one order, so this is the answer but for the first element.
    @exclusivity(unchecked) private var byPosition = [(name: UnsafePointer<UInt8>?, id: Int32)](repeating: (nil, 0), count: 16)

    init(channel: BatchChannel, preparer: RowPreparer?, put: @escaping (RawBatch) -> Bool) {
        self.channel = channel
        self.preparer = preparer
        self.put = put
        let first = channel.fresh()
        batch = first
        filling = Unmanaged.passUnretained(first)
    }

    /// The last batch, if it holds records, with its members looked up.
    var last: RawBatch? {
        guard batch.count > 0 else { return nil }
        batch.findMembers(preparer)
        return batch
    }

    /// The batch as it stands (even empty), with its members looked up.
    var current: RawBatch {
        batch.findMembers(preparer)
        return batch
    }

    @inline(__always)
    static func bytes(_ p: UnsafePointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: p, count: strlen(UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self)))
    }

    static func equals(_ p: UnsafePointer<UInt8>, _ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        for i in 0..<n where p[i] != s.utf8Start[i] { return false }
        return p[n] == 0
    }

    private func fieldID(_ name: UnsafePointer<UInt8>, at position: Int) -> Int32? {
        if position < 16, byPosition[position].name == name { return byPosition[position].id }
        var found: Int32?
        for k in known where k.name == name {
            found = k.id
            break
        }
        if found == nil {
            guard let id = RawReader.fieldNames.lookup(bytes: Self.bytes(name)) else { return nil }
            if known.count < 64 { known.append((name, id)) }
            found = id
        }
        if position < 16, let found { byPosition[position] = (name, found) }
        return found
    }

    /// An element starts: `attributes` holds `count` groups of five pointers (local name,
    /// prefix, URI, value, end of value). Returns false to stop the parse.
    func start(_ localName: UnsafePointer<UInt8>, count: Int, attributes: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, line: Int) -> Bool {
        let isActivity: Bool
        if localName == activityName {
            isActivity = true
        } else if documentNames.contains(localName) {
            return true
        } else if Self.equals(localName, "activity") {
            activityName = localName
            isActivity = true
        } else if Self.equals(localName, "lvzhi") || Self.equals(localName, "activities") || Self.equals(localName, "members")
                    || Self.equals(localName, "member") {
            documentNames.append(localName)
            return true
        } else {
            isActivity = false
        }
        if skip > 0 {
            skip -= 1
            return true
        }
        let full = filling._withUnsafeGuaranteedRef { b in
            fill(b, isActivity: isActivity, localName: localName, count: count, attributes: attributes, line: line)
            return b.isFull
        }
        if full {
            batch.findMembers(preparer)
            let goOn = put(batch)
            batch = channel.fresh()
            return goOn
        }
        return true
    }

    /// Adds the element to `b`: its attributes as fields, or a flag for what is not a record.
    @inline(__always)
    private func fill(_ b: RawBatch, isActivity: Bool, localName: UnsafePointer<UInt8>, count: Int,
                      attributes: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, line: Int) {
        b.begin(line: line)
        if isActivity {
            let start = b.bytes.count
            var clean = true
            var position = 0
            for i in 0..<count {
                let a = attributes! + 5 * i
                // Namespace declarations never arrive here; xsi:* attributes are not data.
                if let p = a[1], p[0] == 0x78, p[1] == 0x73, p[2] == 0x69, p[3] == 0 { continue }
                let value: UnsafeBufferPointer<UInt8>
                if let v = a[3], let e = a[4] { value = UnsafeBufferPointer(start: v, count: e - v) } else { value = UnsafeBufferPointer(start: nil, count: 0) }
                guard let name = a[0], let id = fieldID(name, at: position), id > 0 else {
                    b.flag(.unknownAttribute(name: a[0].map { String(decoding: Self.bytes($0), as: UTF8.self) } ?? "",
                                             value: String(decoding: Self.decoded(value), as: UTF8.self), id: recordID(count, attributes!)))
                    clean = false
                    break
                }
                b.set(field: Int(id) - 1, value, decodingAmpersands: value.baseAddress.map { memchr($0, 0x26, value.count) != nil } ?? false)
                position += 1
            }
            if clean && preparer != nil { b.prepareLast(from: start) }
        } else {
            b.flag(.unknownElement(String(decoding: Self.bytes(localName), as: UTF8.self)))
        }
    }

    /// The `activity_id` of an element with an unknown attribute, for its reject.
    private func recordID(_ count: Int, _ attributes: UnsafeMutablePointer<UnsafePointer<UInt8>?>) -> String {
        for i in 0..<count {
            let a = attributes + 5 * i
            guard let name = a[0], RawReader.fieldNames.lookup(bytes: Self.bytes(name)) == 1, let v = a[3], let e = a[4] else { continue }
            return String(decoding: Self.decoded(UnsafeBufferPointer(start: v, count: e - v)), as: UTF8.self)
        }
        return ""
    }

    /// Without entity substitution libxml2 hands over `&amp;` and `&#38;` as the text "&#38;"
    /// (the tree builder decodes it later); no other `&` can remain, since entities other than
    /// the predefined ones need a DOCTYPE.
    static func decoded(_ value: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        RawBatch.appendDecodingAmpersands(value, to: &out)
        return out
    }
}
