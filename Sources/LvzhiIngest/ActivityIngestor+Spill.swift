import LvzhiCore

/// Spilling a large run's records to disk (issue 13: a 400 MB export read in well under 100 MB).
///
/// While the files are read, each accepted record goes to one of ``idPartitions`` partitions
/// chosen by its activity id, so every repeat of an id lands in the same partition as the first.
/// ``ActivityIngestor/finish()`` then reads the partitions back one at a time, rejects the
/// repeats exactly as the in-memory store does (the first in reading order is kept; a repeat
/// names where the first was), and writes the records it keeps to partitions by member for
/// scoring. Rejects keep the reading order: each carries the number of the row it came from.
extension ActivityIngestor {
    final class Spill {
        let parts: SpillPartitions
        let directory: String
        /// The row being read (1, 2, …), across all files.
        var sequence: Int64 = 0
        /// For every reject after the roster's: the row it came from.
        var rejectSequences: [Int64] = []
        /// Rejects there were before the first row (the roster's).
        let rejectsBefore: Int
        /// About how many records each partition by member gets.
        let recordsPerPartition: Int

        init(parts: SpillPartitions, directory: String, rejectsBefore: Int, recordsPerPartition: Int) {
            self.parts = parts
            self.directory = directory
            self.rejectsBefore = rejectsBefore
            self.recordsPerPartition = recordsPerPartition
        }
    }

    /// Partitions by activity id while reading.
    static let idPartitions = 128

    /// From now on, accepted records are kept on disk in scratch files under `directory`
    /// (unnamed, gone when the process ends) instead of in memory. Call before the first file.
    /// Not for runs with corrections (they edit records in place).
    /// - Throws: ``SafeFile/Problem`` when no scratch file can be made there.
    /// `recordsPerPartition`: about how many records each partition by member holds (at most
    /// 256 partitions); a partition is what scoring holds in memory at once.
    public mutating func spillToDisk(directory: String, recordsPerPartition: Int = 16_384) throws(SafeFile.Problem) {
        guard store.records.isEmpty, spill == nil else { return }
        spill = Spill(parts: try SpillPartitions(count: Self.idPartitions, directory: directory), directory: directory,
                      rejectsBefore: rejects.count, recordsPerPartition: max(1, recordsPerPartition))
    }

    /// Spills to `parts` (tests: a scratch file that fails).
    mutating func spillToDisk(parts: SpillPartitions, directory: String, recordsPerPartition: Int) {
        spill = Spill(parts: parts, directory: directory, rejectsBefore: rejects.count, recordsPerPartition: recordsPerPartition)
    }

    func finishSpilled(_ spill: Spill) -> IngestResult {
        var files = self.files
        var store = self.store
        let memberCount = members.count
        let total = spill.parts.records.reduce(0, +)
        // Partitions by member: contiguous ranges of the roster, about 16k records each.
        let memberParts = max(1, min(256, total / spill.recordsPerPartition, max(1, memberCount)))
        let bounds = (0...memberParts).map { $0 * memberCount / memberParts }
        var partOf = [Int32](repeating: 0, count: memberCount)
        for p in 0..<memberParts { for m in bounds[p]..<bounds[p + 1] { partOf[m] = Int32(p) } }
        let out: SpillPartitions
        do { out = try SpillPartitions(count: memberParts, directory: spill.directory) } catch {
            // Reported through ``IngestResult/spillFailure``: the pipeline refuses the run.
            var result = IngestResult(members: members, store: store, rejects: rejects, files: files, corrections: [], spilled: nil)
            result.spillProblem = error
            return result
        }
        // Each store file's report (by path: ``add(record:location:)`` moves reports around).
        var reportOf: [String: Int] = [:]
        for (i, f) in files.enumerated() where !f.isRoster && reportOf[f.path] == nil { reportOf[f.path] = i }
        let reports = store.files.map { reportOf[$0] ?? files.count - 1 }
        var has = [Bool](repeating: false, count: memberCount)
        var repeats: [(sequence: Int64, reject: Reject)] = []
        var kept = 0
        let idField = ActivityField.activityID.key
        // One buffer for every partition read back (a fresh one faulted in a megabyte each).
        var bytes: [UInt8] = []
        for p in 0..<spill.parts.count {
            guard spill.parts.load(p, into: &bytes) else { break }
            spill.parts.release(p)
            let n = spill.parts.records[p]
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
                    let v = SpilledRecord.decode(raw, at: offset)
                    let id = UnsafeBufferPointer(rebasing: base[v.id])
                    // Not the hash's low bits: they chose the partition, so they are the same
                    // for every record here (the table would probe in one long cluster).
                    var slot = Int(truncatingIfNeeded: (UInt64(SymbolTable.hash(id)) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
                    var first: SpilledRecord.View?
                    while slots[slot] != 0 {
                        let f = SpilledRecord.decode(raw, at: starts[Int(slots[slot] - 1)])
                        if f.id.count == v.id.count && base[f.id].elementsEqual(base[v.id]) { first = f; break }
                        slot = (slot + 1) & mask
                    }
                    let a = v.activity
                    if let first {
                        let b = first.activity
                        let same = b.member == a.member && b.date == a.date && b.kind == a.kind && b.status == a.status
                            && b.role == a.role && b.level == a.level && b.marks == a.marks && b.quantity == a.quantity
                            && base[first.ref].elementsEqual(base[v.ref]) && base[first.title].elementsEqual(base[v.title])
                        let at = store.location(of: b)
                        let text = String(decoding: id, as: UTF8.self)
                        repeats.append((v.sequence, Reject(location: store.location(of: a), recordID: text, memberID: members[Int(a.member)].id,
                                                          field: idField, value: text,
                                                          reason: same ? .duplicate(first: at) : .duplicateConflict(first: at))))
                        let report = reports[Int(a.file)]
                        files[report].accepted -= 1
                        files[report].rejected += 1
                    } else {
                        starts.append(offset)
                        slots[slot] = Int32(starts.count)
                        has[Int(a.member)] = true
                        kept += 1
                        let record = UnsafeRawBufferPointer(rebasing: raw[offset..<v.next])
                        out.add(Int(partOf[Int(a.member)]), bytes: record)
                    }
                    offset = v.next
                }
            }
        }
        out.flushAll()
        // A record that could not be written while reading is missing: the whole run fails.
        if let e = spill.parts.failure { out.fail(e) }
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
        store.onDisk = kept
        return IngestResult(members: members, store: store, rejects: merged, files: files, corrections: [],
                            spilled: SpilledRecords(partitions: out, memberBounds: bounds, total: kept, membersWithRecords: has))
    }
}
