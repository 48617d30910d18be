import Dispatch
import LvzhiCore

/// Spilling a large run's records to disk (issue 13: a 400 MB export read in well under 100 MB).
///
/// While the files are read, each accepted record is written once, to the partition of its
/// member (contiguous ranges of the roster), which is what scoring reads back; and its
/// activity id with where the record lies (``SpilledKey``, a few bytes) goes to one of
/// ``idPartitions`` partitions chosen by the id, so every repeat of an id lands beside the
/// first. ``ActivityIngestor/finish()`` then reads the keys back one partition at a time,
/// reads the records of the repeats it finds, and rejects them exactly as the in-memory store
/// does (the first in reading order is kept; a repeat names where the first was); scoring
/// leaves them out (``SpilledRecords/skipped``). Rejects keep the reading order: each carries
/// the number of the row it came from.
extension ActivityIngestor {
    final class Spill {
        /// Records, by member.
        let parts: SpillPartitions
        /// Keys (``SpilledKey``), by activity id.
        let ids: SpillPartitions
        /// Partition `p` holds the records of members `bounds[p] ..< bounds[p + 1]`
        /// (``MemberSlot/part``; records accepted per member in ``MemberSlot/records``).
        let bounds: [Int]
        let directory: String
        /// For every reject after the roster's: the row it came from (``ActivityIngestor/rowSequence``).
        var rejectSequences: [Int64] = []
        /// Rejects there were before the first row (the roster's).
        let rejectsBefore: Int

        init(parts: SpillPartitions, ids: SpillPartitions, slots: MemberSlots, directory: String, rejectsBefore: Int) {
            self.parts = parts
            self.ids = ids
            let n = parts.count
            bounds = (0...n).map { $0 * slots.count / n }
            for p in 0..<n { for m in bounds[p]..<bounds[p + 1] { slots.base[m].part = UInt8(p) } }
            self.directory = directory
            self.rejectsBefore = rejectsBefore
        }
    }

    /// Partitions by activity id while reading.
    static let idPartitions = 128

    /// The most partitions by member (a partition's members are numbered in a byte).
    public static let maxMemberPartitions = 256

    /// From now on, accepted records are kept on disk in a scratch file under `directory`
    /// (unnamed, gone when the process ends) instead of in memory. Call before the first file.
    /// Not for runs with corrections (they edit records in place).
    /// `partitions`: how many partitions by member (at most ``maxMemberPartitions`` and one per
    /// member); a partition is what scoring holds in memory at once, so a run of N records
    /// wants about N / 16,384.
    /// - Throws: ``SafeFile/Problem`` when no scratch file can be made there.
    public mutating func spillToDisk(directory: String, partitions: Int) throws(SafeFile.Problem) {
        guard store.records.isEmpty, spill == nil else { return }
        try spillToDisk(file: ScratchFile(directory: directory), directory: directory, partitions: partitions)
    }

    /// The most bytes of shared titles a spilled run keeps in memory (``SpilledRecords/titles``);
    /// new titles past them are written in their records.
    public static let sharedTitleBytes = 32 << 20

    /// Spills to `file` (tests: a scratch file that fails, small chunks, little room for shared titles).
    mutating func spillToDisk(file: ScratchFile, directory: String, partitions: Int, chunkSize: Int = 64 << 10,
                              titleBytes: Int = sharedTitleBytes) {
        let n = max(1, min(Self.maxMemberPartitions, partitions, members.count))
        let parts = SpillPartitions(count: n, file: file, chunkSize: chunkSize)
        let made = Spill(parts: parts, ids: SpillPartitions(count: Self.idPartitions, sharing: parts), slots: memberSlots,
                         directory: directory, rejectsBefore: rejects.count)
        spill = made
        spillWriter = SpillWriter(records: .passUnretained(made.parts), keys: .passUnretained(made.ids), titleBytes: titleBytes)
    }

    /// A spilled run's partitions for the record being accepted, without a retain and a release
    /// of each a record (an atomic after the record's stores, which waits for them to reach the
    /// cache: 5 % of a 4M-record run). ``Spill`` keeps them alive.
    struct SpillWriter {
        let records: Unmanaged<SpillPartitions>
        let keys: Unmanaged<SpillPartitions>
        /// Room for shared titles (the arena's bytes; ``sharedTitleBytes``).
        let titleBytes: Int
    }

    /// The first record of a repeated id: where it was, and the SHA-256 of what a repeat is
    /// compared on (``compared(_:_:with:)``).
    private struct FirstSeen {
        var digest: Digest
        var file: Int32
        var line: Int32
        var member: Int32
    }

    /// A pair (a repeat and its first) by where one of its records lies, to read them in order.
    private struct PairPlace: Comparable {
        var place: SpillRef
        var pair: Int
        static func < (x: PairPlace, y: PairPlace) -> Bool {
            x.place.part != y.place.part ? x.place.part < y.place.part : x.place.offset < y.place.offset
        }
    }

    /// A SHA-256 digest held in place (no array per record).
    private struct Digest: Equatable {
        var a: UInt64, b: UInt64, c: UInt64, d: UInt64
    }

    /// The SHA-256 of what makes two records with the same activity id the same record: member,
    /// date, kind, status, role, level, marks, quantity, title and ref (not where they were read).
    /// Equal digests: an exact repeat (`duplicate`); different: `duplicate-conflict`. A title is
    /// compared by its text, whether it is in the record or among the shared `titles`.
    private static func compared(_ v: SpilledRecord.View, _ bytes: UnsafeRawBufferPointer, titles: UnsafeRawBufferPointer,
                                 with hasher: SHA256Digester) -> Digest {
        let a = v.activity
        let title = v.sharedTitle.map { UnsafeRawBufferPointer(rebasing: titles[Int($0.offset)..<Int($0.offset) + Int($0.length)]) }
            ?? UnsafeRawBufferPointer(rebasing: bytes[v.title])
        var numbers = (Int64(a.member), Int64(a.date.ordinal), Int64(a.kind), Int64(a.status), Int64(a.role), Int64(a.level),
                       Int64(bitPattern: a.marks.bits), a.quantity.numerator, a.quantity.denominator, Int64(title.count), Int64(v.ref.count))
        hasher.begin()
        withUnsafeBytes(of: &numbers) { hasher.update($0) }
        hasher.update(title)
        hasher.update(UnsafeRawBufferPointer(rebasing: bytes[v.ref]))
        let w = hasher.finish()
        return Digest(a: w.0, b: w.1, c: w.2, d: w.3)
    }

    /// The repeats among one key partition's `count` keys (``SpilledKey``), each with the first
    /// key of its id, in the order they were written.
    private static func repeats(in bytes: [UInt8], count n: Int) -> [(first: SpillRef, repeat: SpillRef)] {
        var pairs: [(first: SpillRef, repeat: SpillRef)] = []
        var size = 16
        while size < n * 2 { size <<= 1 }
        var slots = [Int32](repeating: 0, count: size)
        var starts: [Int] = []
        starts.reserveCapacity(n)
        let mask = slots.count - 1
        bytes.withUnsafeBytes { raw in
            let base = raw.bindMemory(to: UInt8.self)
            var offset = 0
            while offset < raw.count {
                let key = SpilledKey.decode(raw, at: offset)
                let id = UnsafeBufferPointer(rebasing: base[key.id])
                // Not the hash's low bits: they chose the partition, so they are the same
                // for every key here (the table would probe in one long cluster).
                var slot = Int(truncatingIfNeeded: (UInt64(SymbolTable.hash(id)) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
                var first: SpillRef?
                while slots[slot] != 0 {
                    let f = SpilledKey.decode(raw, at: starts[Int(slots[slot] - 1)])
                    if f.id.count == key.id.count && base[f.id].elementsEqual(base[key.id]) { first = f.ref; break }
                    slot = (slot + 1) & mask
                }
                if let first {
                    pairs.append((first, key.ref))
                } else {
                    starts.append(offset)
                    slots[slot] = Int32(starts.count)
                }
                offset = key.next
            }
        }
        return pairs
    }

    func finishSpilled(_ spill: Spill) -> IngestResult {
        var files = self.files
        var store = self.store
        let memberCount = members.count
        spill.parts.flushAll()
        spill.ids.flushAll()
        // Keys that could not be written: repeats would go unnoticed, so the whole run fails.
        if let e = spill.ids.failure { spill.parts.fail(e) }
        let total = spill.parts.records.reduce(0, +)

        // Every repeat and the first record of its id, in no particular order. The key partitions
        // are independent (every repeat of an id is in its partition): read on every core, a
        // tenth of a 4M-record run's wall time was this loop on one thread.
        let ids = spill.ids
        var found = [[(first: SpillRef, repeat: SpillRef)]](repeating: [], count: ids.count)
        found.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let outPtr = out.baseAddress!
            DispatchQueue.concurrentPerform(iterations: ids.count) { p in
                // A partition that cannot be read is recorded (``SpillPartitions/failure``, passed
                // on to the records' below): the run fails.
                var bytes: [UInt8] = []
                guard ids.load(p, into: &bytes) else { return }
                outPtr[p] = Self.repeats(in: bytes, count: ids.records[p])
            }
        }
        for p in 0..<ids.count { ids.release(p) }
        // Keys that could not be read back: repeats would be counted twice, so the run fails.
        if let e = ids.failure { spill.parts.fail(e) }
        let pairs = found.flatMap { $0 }

        // Each store file's report (by path: ``add(record:location:)`` moves reports around).
        var reportOf: [String: Int] = [:]
        for (i, f) in files.enumerated() where !f.isRoster && reportOf[f.path] == nil { reportOf[f.path] = i }
        let reports = store.files.map { reportOf[$0] ?? files.count - 1 }
        var perMember = (0..<memberCount).map { memberSlots.base[$0].records }
        var skipped = [[Int]](repeating: [], count: spill.parts.count)
        // `order`: twice the row's sequence (one less for a first withdrawn by that row's conflict).
        var repeats: [(order: Int64, reject: Reject)] = []
        var withdrawnFirsts: [SpillRef: (order: Int64, reject: Reject, file: Int32, member: Int32)] = [:]
        repeats.reserveCapacity(pairs.count)
        let idField = ActivityField.activityID.key

        // The records of the repeats and of their firsts are read back in two passes, each
        // partition's chunks once a pass: first every first (its place and a SHA-256 of what a
        // repeat is compared on), then every repeat, compared and rejected as it is read. Memory
        // holds 40 bytes a first, not the records (an export given twice repeats every record).
        func visitInOrder(_ key: (Int) -> SpillRef, _ body: (ArraySlice<Int>, SpilledRecord.View, UnsafeRawBufferPointer) -> Void) {
            var items = pairs.indices.map { PairPlace(place: key($0), pair: $0) }
            items.sort()
            let order = items.map(\.pair)
            var i = 0
            while i < items.count {
                let p = items[i].place.part
                // The partition's distinct offsets; the pairs of offset k are order[owners[k] ..< owners[k + 1]].
                var offsets: [Int] = []
                var owners: [Int] = []
                while i < items.count, items[i].place.part == p {
                    let off = items[i].place.offset
                    if offsets.last != off {
                        offsets.append(off)
                        owners.append(i)
                    }
                    i += 1
                }
                owners.append(i)
                // A read error leaves pairs unvisited; the run then fails (``SpillPartitions/failure``).
                _ = spill.parts.visit(Int(p), offsets: offsets) { k, chunk, at in
                    body(order[owners[k]..<owners[k + 1]], SpilledRecord.decode(chunk, at: at), chunk)
                }
            }
        }
        var firsts = [FirstSeen?](repeating: nil, count: pairs.count)
        let hasher = SHA256Digester()
        let titles = store.arena
        titles.bytes.withUnsafeBytes { titleBytes in
            visitInOrder({ pairs[$0].first }) { owners, v, chunk in
                let seen = FirstSeen(digest: Self.compared(v, chunk, titles: titleBytes, with: hasher), file: v.activity.file, line: v.activity.line,
                                     member: v.activity.member)
                for pair in owners { firsts[pair] = seen }
            }
            // A record is the repeat of one pair only.
            visitInOrder({ pairs[$0].repeat }) { owners, v, chunk in
                guard let pair = owners.first, let first = firsts[pair] else { return }
                let a = v.activity
                let same = Self.compared(v, chunk, titles: titleBytes, with: hasher) == first.digest
                let at = SourceLocation(file: store.files[Int(first.file)], line: Int(first.line))
                let text = String(decoding: chunk[v.id], as: UTF8.self)
                // Ordered as ingest in memory finds them: by the repeat's row, a withdrawn first just before it.
                let order = 2 * v.sequence
                // Other content: the first is rejected too, named by its earliest conflicting repeat
                // (the partitions are not read in row order).
                if !same, withdrawnFirsts[pairs[pair].first].map({ order - 1 < $0.order }) ?? true {
                    withdrawnFirsts[pairs[pair].first] = (order - 1, Reject(location: at, recordID: text, memberID: members[Int(first.member)].id,
                                                                            field: idField, value: text,
                                                                            reason: .duplicateConflict(first: store.location(of: a))),
                                                          first.file, first.member)
                }
                repeats.append((order, Reject(location: store.location(of: a), recordID: text, memberID: members[Int(a.member)].id,
                                                  field: idField, value: text,
                                                  reason: same ? .duplicate(first: at) : .duplicateConflict(first: at))))
                let report = reports[Int(a.file)]
                files[report].accepted -= 1
                files[report].rejected += 1
                perMember[Int(a.member)] -= 1
                skipped[Int(pairs[pair].repeat.part)].append(pairs[pair].repeat.offset)
            }
        }
        for (place, w) in withdrawnFirsts {
            repeats.append((w.order, w.reject))
            files[reports[Int(w.file)]].accepted -= 1
            files[reports[Int(w.file)]].rejected += 1
            perMember[Int(w.member)] -= 1
            skipped[Int(place.part)].append(place.offset)
        }
        for p in skipped.indices { skipped[p].sort() }
        // The repeats go among the other rejects by the row they came from.
        repeats.sort { $0.order < $1.order }
        var merged: [Reject] = Array(rejects.prefix(spill.rejectsBefore))
        merged.reserveCapacity(rejects.count + repeats.count)
        var i = spill.rejectsBefore, k = 0
        while i < rejects.count || k < repeats.count {
            if k == repeats.count || (i < rejects.count && 2 * spill.rejectSequences[i - spill.rejectsBefore] <= repeats[k].order) {
                merged.append(rejects[i]); i += 1
            } else {
                merged.append(repeats[k].reject); k += 1
            }
        }
        let kept = total - repeats.count
        store.onDisk = kept
        let has = (0..<memberCount).map { perMember[$0] > 0 }
        return IngestResult(members: members, store: store, rejects: merged, files: files, corrections: [],
                            spilled: SpilledRecords(partitions: spill.parts, memberBounds: spill.bounds, total: kept, membersWithRecords: has,
                                                    skipped: skipped, titles: titles))
    }
}

/// What validating a record reads of its member (``ActivityIngestor/memberSlots``).
struct MemberSlot {
    /// First and last day in office as day ordinals (`Int32.min`, `Int32.max`: open).
    var joined: Int32
    var left: Int32
    /// A spilled run: records accepted so far, and the partition by member.
    var records: Int32 = 0
    var part: UInt8 = 0
}

/// One ``MemberSlot`` per roster member, in raw memory (no exclusivity checks, no copy on write).
final class MemberSlots: @unchecked Sendable {
    let base: UnsafeMutablePointer<MemberSlot>
    let count: Int

    init(_ members: [Member]) {
        count = members.count
        base = .allocate(capacity: max(1, count))
        for (i, m) in members.enumerated() {
            (base + i).initialize(to: MemberSlot(joined: m.joined?.ordinal ?? .min, left: m.left?.ordinal ?? .max))
        }
    }

    deinit { base.deallocate() }
}

/// Room for one record's fields, by ``ActivityField`` raw value.
/// The allowed values of every declared kind, in raw memory (see ``ActivityIngestor``'s `KindCheck`).
final class AllowedValues: @unchecked Sendable {
    let base: UnsafeMutablePointer<Int32>

    init(_ values: [Int32]) {
        base = .allocate(capacity: max(1, values.count))
        base.initialize(from: values, count: values.count)
    }

    deinit { base.deallocate() }
}

final class FieldSlices: @unchecked Sendable {
    let base: UnsafeMutablePointer<UnsafeBufferPointer<UInt8>>

    init() {
        base = .allocate(capacity: ActivityField.allCases.count)
        base.initialize(repeating: UnsafeBufferPointer(start: nil, count: 0), count: ActivityField.allCases.count)
    }

    deinit { base.deallocate() }
}
