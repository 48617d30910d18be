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

    /// Spills to `file` (tests: a scratch file that fails, small chunks).
    mutating func spillToDisk(file: ScratchFile, directory: String, partitions: Int, chunkSize: Int = 64 << 10) {
        let n = max(1, min(Self.maxMemberPartitions, partitions, members.count))
        let parts = SpillPartitions(count: n, file: file, chunkSize: chunkSize)
        let made = Spill(parts: parts, ids: SpillPartitions(count: Self.idPartitions, sharing: parts), slots: memberSlots,
                         directory: directory, rejectsBefore: rejects.count)
        spill = made
        spillWriter = SpillWriter(records: .passUnretained(made.parts), keys: .passUnretained(made.ids))
    }

    /// A spilled run's partitions for the record being accepted, without a retain and a release
    /// of each a record (an atomic after the record's stores, which waits for them to reach the
    /// cache: 5 % of a 4M-record run). ``Spill`` keeps them alive.
    struct SpillWriter {
        let records: Unmanaged<SpillPartitions>
        let keys: Unmanaged<SpillPartitions>
    }

    /// A repeat's record and the first one's, read back to compare and to name them.
    private struct Fetched {
        var activity: Activity
        var sequence: Int64
        var id: [UInt8]
        var title: [UInt8]
        var ref: [UInt8]
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

        // Every repeat and the first record of its id, in no particular order.
        var pairs: [(first: SpillRef, repeat: SpillRef)] = []
        var bytes: [UInt8] = []
        for p in 0..<spill.ids.count {
            guard spill.ids.load(p, into: &bytes) else { break }
            spill.ids.release(p)
            let n = spill.ids.records[p]
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
        }

        // The records of the repeats and of their firsts, each partition's chunks read once.
        var wanted = [[Int]](repeating: [], count: spill.parts.count)
        for pair in pairs {
            wanted[Int(pair.first.part)].append(pair.first.offset)
            wanted[Int(pair.repeat.part)].append(pair.repeat.offset)
        }
        var fetched: [SpillRef: Fetched] = [:]
        for p in wanted.indices where !wanted[p].isEmpty {
            let offsets = Array(Set(wanted[p])).sorted()
            _ = spill.parts.visit(p, offsets: offsets) { k, chunk, at in
                let v = SpilledRecord.decode(chunk, at: at)
                fetched[SpillRef(part: Int32(p), offset: offsets[k])] = Fetched(
                    activity: v.activity, sequence: v.sequence, id: Array(chunk[v.id]), title: Array(chunk[v.title]), ref: Array(chunk[v.ref]))
            }
        }

        // Each store file's report (by path: ``add(record:location:)`` moves reports around).
        var reportOf: [String: Int] = [:]
        for (i, f) in files.enumerated() where !f.isRoster && reportOf[f.path] == nil { reportOf[f.path] = i }
        let reports = store.files.map { reportOf[$0] ?? files.count - 1 }
        var perMember = (0..<memberCount).map { memberSlots.base[$0].records }
        var skipped = [[Int]](repeating: [], count: spill.parts.count)
        var repeats: [(sequence: Int64, reject: Reject)] = []
        let idField = ActivityField.activityID.key
        for pair in pairs {
            // Missing only after a read error, which fails the run (``SpillPartitions/failure``).
            guard let v = fetched[pair.repeat], let first = fetched[pair.first] else { continue }
            let a = v.activity, b = first.activity
            let same = b.member == a.member && b.date == a.date && b.kind == a.kind && b.status == a.status
                && b.role == a.role && b.level == a.level && b.marks == a.marks && b.quantity == a.quantity
                && first.ref == v.ref && first.title == v.title
            let at = store.location(of: b)
            let text = String(decoding: v.id, as: UTF8.self)
            repeats.append((v.sequence, Reject(location: store.location(of: a), recordID: text, memberID: members[Int(a.member)].id,
                                              field: idField, value: text,
                                              reason: same ? .duplicate(first: at) : .duplicateConflict(first: at))))
            let report = reports[Int(a.file)]
            files[report].accepted -= 1
            files[report].rejected += 1
            perMember[Int(a.member)] -= 1
            skipped[Int(pair.repeat.part)].append(pair.repeat.offset)
        }
        for p in skipped.indices { skipped[p].sort() }
        // The repeats go among the other rejects by the row they came from.
        repeats.sort { $0.sequence < $1.sequence }
        var merged: [Reject] = Array(rejects.prefix(spill.rejectsBefore))
        merged.reserveCapacity(rejects.count + repeats.count)
        var i = spill.rejectsBefore, k = 0
        while i < rejects.count || k < repeats.count {
            if k == repeats.count || (i < rejects.count && spill.rejectSequences[i - spill.rejectsBefore] <= repeats[k].sequence) {
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
                                                    skipped: skipped))
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
final class FieldSlices: @unchecked Sendable {
    let base: UnsafeMutablePointer<UnsafeBufferPointer<UInt8>>

    init() {
        base = .allocate(capacity: ActivityField.allCases.count)
        base.initialize(repeating: UnsafeBufferPointer(start: nil, count: 0), count: ActivityField.allCases.count)
    }

    deinit { base.deallocate() }
}
