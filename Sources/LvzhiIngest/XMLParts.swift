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
        xmlInitParser()
        let count = plan.starts.count
        let board = Board(count: count)
        let window = workers + 2
        let pathCopy = path

        // One part: its records go to the board as batches fill.
        @Sendable func parse(_ k: Int) {
            var batcher = XMLActivityBatcher(channel: channel, preparer: preparer)
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
            var lines = 0
            var toTheEnd = false
            var failure: Error?
            do {
                try XMLPushParser.with(path: pathCopy, body: { el in
                    batcher.element(el, put: put)
                    if stopped { throw CancellationError() }
                }) { parser in
                    func goOn(from at: Int) throws {
                        board.condition.lock()
                        board.parts[k].toTheEnd = true
                        board.end = min(board.end, k + 1)
                        board.condition.unlock()
                        toTheEnd = true
                        _ = try parser.feed(fd, from: at, to: Int.max)
                        try parser.finish()
                    }
                    let end = k + 1 < count ? plan.starts[k + 1] : Int.max
                    if k == 0 {
                        lines = try parser.feed(fd, from: 0, to: plan.firstRecord, countingLines: true)
                        parser.mark()
                        guard parser.standsAtMark else { return try goOn(from: plan.firstRecord) }
                    } else {
                        parser.state.silent = true
                        _ = try parser.feed(fd, from: 0, to: plan.firstRecord)
                        parser.state.silent = false
                        parser.mark()
                    }
                    let from = k == 0 ? plan.firstRecord : plan.starts[k]
                    lines += try parser.feed(fd, from: from, to: end, countingLines: end != Int.max)
                    if end == Int.max {
                        try parser.finish()
                    } else if !parser.standsAtMark {
                        try goOn(from: end)
                    }
                }
            } catch {
                failure = error
            }
            if let last = batcher.last {
                last.findMembers(preparer)
                put(last)
            }
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

/// Turns the elements of a canonical XML export into raw batches (one record per `activity`
/// element; any other element but the document's own is flagged).
struct XMLActivityBatcher {
    let channel: BatchChannel
    /// Records are prepared for the validator (``RawBatch/prepareLast(from:)``) when given.
    let preparer: RowPreparer?
    var batch: RawBatch
    /// libxml2 interns names in its dictionary, so the same attribute name arrives at the
    /// same address every time: remember address → field instead of hashing the name.
    var known: [(name: UnsafePointer<UInt8>, count: Int, id: Int32)] = []
    /// Records still to leave out (``RawReader/readXMLInOnePass(path:fd:into:preparer:skipping:)``).
    var skip = 0

    init(channel: BatchChannel, preparer: RowPreparer? = nil) {
        self.channel = channel
        self.preparer = preparer
        batch = channel.fresh()
    }

    private mutating func fieldID(_ name: UnsafeBufferPointer<UInt8>) -> Int32? {
        if let base = name.baseAddress {
            for k in known where k.name == base && k.count == name.count { return k.id }
        }
        guard let id = RawReader.fieldNames.lookup(bytes: name) else { return nil }
        if let base = name.baseAddress, known.count < 64 { known.append((base, name.count, id)) }
        return id
    }

    mutating func element(_ el: borrowing XMLElementView, put: (RawBatch) -> Void) {
        if el.nameIs("lvzhi") || el.nameIs("activities") || el.nameIs("members") || el.nameIs("member") { return }
        if skip > 0 {
            skip -= 1
            return
        }
        if el.nameIs("activity") {
            batch.begin(line: el.line)
            let start = batch.bytes.count
            var clean = true
            for i in 0..<el.attributeCount {
                guard let id = fieldID(el.attributeName(i)), id > 0 else {
                    var recordID = ""
                    for k in 0..<el.attributeCount where RawReader.fieldNames.lookup(bytes: el.attributeName(k)) == 1 {
                        recordID = String(decoding: el.attributeValue(k), as: UTF8.self)
                    }
                    batch.flag(.unknownAttribute(name: String(decoding: el.attributeName(i), as: UTF8.self),
                                                 value: String(decoding: el.attributeValue(i), as: UTF8.self), id: recordID))
                    clean = false
                    break
                }
                batch.set(field: Int(id) - 1, el.attributeValue(i))
            }
            if clean && preparer != nil { batch.prepareLast(from: start) }
        } else {
            batch.begin(line: el.line)
            batch.flag(.unknownElement(el.nameString))
        }
        if batch.isFull {
            batch.findMembers(preparer)
            put(batch)
            batch = channel.fresh()
        }
    }

    /// The last batch, if it holds records.
    var last: RawBatch? { batch.count > 0 ? batch : nil }
}
