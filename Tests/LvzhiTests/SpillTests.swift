import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiIngest
@testable import LvzhiRules
@testable import LvzhiScoring

/// A large run keeps its records on disk (``ActivityIngestor/spillToDisk(directory:partitions:)``)
/// and scores one partition of members at a time. Differential: the random rule files and data
/// of ``SemanticsFuzzTests``, with repeated activity ids added (exact repeats and conflicting
/// ones), are scored in memory and from disk with partitions of one or a few members each and
/// scratch chunks of a few records (repeats read back from many chunks); every
/// member's result, the rejects in order, the per-file counts and the totals must be equal.
@Suite struct SpillTests {
    typealias Fuzz = SemanticsFuzzTests

    struct Outcome: Equatable, CustomStringConvertible {
        struct Member: Equatable {
            var id: String, score: Points, rank: Int?, grade: Int, bandGrade: Int, categories: [Points], vetoes: [Int]
            var missed: [Int], records: Int, unmatched: Int, progress: [String]
        }
        var members: [Member]
        var rejects: [Reject]
        var files: [FileReport]
        var scored: Int
        var setAside: Int
        var gradeCounts: [Int]
        var notices: [String]

        var description: String {
            "members \(members.map { "\($0.id)=\($0.score)/\($0.grade)" }.joined(separator: " "))\n"
                + "rejects \(rejects.map { "\($0.location) \($0.reason.code)" })\nscored \(scored) set aside \(setAside)"
        }
    }

    /// `spill`: partitions by member; `chunk`: bytes the scratch file is written in (small ones
    /// put the records of a partition, and the repeats read back, in many chunks).
    /// `titles`: each row's title (none when nil); `titleBytes`: room for shared titles when spilled.
    static func run(_ c: Fuzz.Case, rows: [ReferenceScorer.Row], rules: RuleSet, spill: Int?, chunk: Int = 16 << 10,
                    options: ScoreOptions = ScoreOptions(keepLedgers: false), files: Int = 2, titles: [String]? = nil,
                    titleBytes: Int = ActivityIngestor.sharedTitleBytes) throws -> Outcome {
        var ing = ActivityIngestor(members: c.members, period: rules.period!, vocabulary: rules.vocabulary)
        if let spill {
            ing.spillToDisk(file: try ScratchFile(directory: NSTemporaryDirectory()), directory: NSTemporaryDirectory(), partitions: spill,
                            chunkSize: chunk, titleBytes: titleBytes)
        }
        for (n, r) in rows.enumerated() {
            var values = Fuzz.values(r)
            if let titles { values[.title] = titles[n] }
            ing.add(record: values, location: SourceLocation(file: "part\(n % files).csv", line: n / files + 2))
        }
        let ingested = ing.finish()
        #expect((ingested.spilled != nil) == (spill != nil))
        let run = Scorer.score(ingested, rules: rules, period: rules.period!, options: options)
        let members = run.results.map { r in
            Outcome.Member(id: run.members[r.member].id, score: r.score, rank: r.rank, grade: r.grade, bandGrade: r.bandGrade,
                           categories: r.categoryPoints, vetoes: r.vetoes.map(\.veto), missed: r.missedRequirements, records: r.records,
                           unmatched: r.unmatched, progress: r.progress.map { "\($0.requirement) \($0.done)/\($0.needed)" })
        }
        return Outcome(members: members, rejects: run.rejects, files: run.files, scored: run.recordsScored, setAside: run.recordsSetAside,
                       gradeCounts: run.gradeCounts, notices: run.notices.map(\.en))
    }

    /// The case's rows with some activity ids repeated: the same record again, or a record
    /// that differs (a conflict), placed anywhere after or before the first.
    static func withRepeats(_ c: Fuzz.Case, seed: UInt64) -> [ReferenceScorer.Row] {
        var g = Fuzz.RNG(state: seed ^ 0x5151)
        var rows = c.rows
        guard !rows.isEmpty else { return rows }
        for _ in 0..<(1 + g.int(max(1, rows.count / 5))) {
            var copy = rows[g.int(rows.count)]
            if g.chance(40) { copy.quantity = copy.quantity + .one }
            if g.chance(20), !c.members.isEmpty { copy.member = c.members[g.int(c.members.count)].id }
            rows.insert(copy, at: g.int(rows.count + 1))
        }
        return rows
    }

    @Test func scoringFromDiskEqualsScoringInMemory() throws {
        for seed in Fuzz.seeds.prefix(400) {
            let c = Fuzz.generate(seed: seed)
            let rules = try RuleFileLoader.parse(c.yaml, path: "fuzz.yaml")
            let rows = Self.withRepeats(c, seed: seed)
            let memory = try Self.run(c, rows: rows, rules: rules, spill: nil)
            for (partitions, chunk) in [(1, 16 << 10), (3, 64), (1_000, 200)] {
                let disk = try Self.run(c, rows: rows, rules: rules, spill: partitions, chunk: chunk)
                #expect(disk == memory, "seed \(seed), \(partitions) partitions, chunks of \(chunk) bytes\nmemory \(memory)\ndisk   \(disk)\n\(c.reproduction)")
                if disk != memory { return }
            }
        }
    }

    /// Titles on many rows are kept once in memory and the scratch file refers to them
    /// (``SpilledRecords/titles``). From disk equals in memory when rules test titles, when
    /// repeats of an id differ only in their title (a conflict) or not at all (a duplicate),
    /// and when the room for shared titles runs out part-way or is none (titles then go in
    /// their records, and a repeat compares a title in its record with a shared one).
    @Test func sharedTitlesFromDiskEqualInMemory() throws {
        let pool = ["全体会议", "关于乡村振兴的提案", "委员读书活动", "", "学习贯彻全国两会精神专题讲座", "a"]
        let extra = """
        rules:
          - {id: rt1, category: c0, when: {expr: 'title == "全体会议"'}, points: 2}
          - {id: rt2, category: c0, when: {expr: 'kind == "提案" and title != ""'}, points: 0.5}

        """
        var sawShared = false, sawConflict = false
        for seed in Fuzz.seeds.prefix(200) {
            let c = Fuzz.generate(seed: seed)
            let rules = try RuleFileLoader.parse(c.yaml.replacingOccurrences(of: "rules:\n", with: extra), path: "fuzz.yaml")
            let rows = Self.withRepeats(c, seed: seed)
            // One title per activity id (so most repeats are exact), from the pool or its own;
            // now and then a repeat carries another title (a conflict in the title alone).
            var g = Fuzz.RNG(state: seed ^ 0x7171)
            var titleOf: [String: String] = [:]
            var titles: [String] = []
            for (i, r) in rows.enumerated() {
                let first = titleOf[r.id] ?? (g.chance(70) ? g.pick(pool) : "标题\(seed)-\(i)")
                titleOf[r.id] = titleOf[r.id] ?? first
                titles.append(g.chance(8) ? first + "（修订）" : first)
            }
            let memory = try Self.run(c, rows: rows, rules: rules, spill: nil, titles: titles)
            sawConflict = sawConflict || memory.rejects.contains { $0.reason.code == "duplicate-conflict" }
            for (partitions, chunk, room) in [(3, 64, ActivityIngestor.sharedTitleBytes), (2, 200, 40), (1_000, 16 << 10, 0)] {
                let disk = try Self.run(c, rows: rows, rules: rules, spill: partitions, chunk: chunk, titles: titles, titleBytes: room)
                #expect(disk == memory, "seed \(seed), room \(room)\nmemory \(memory)\ndisk   \(disk)\n\(c.reproduction)")
                if disk != memory { return }
            }
            // The titles are shared where there is room, and written in the records where there is none.
            for room in [ActivityIngestor.sharedTitleBytes, 0] {
                var ing = ActivityIngestor(members: c.members, period: rules.period!, vocabulary: rules.vocabulary)
                ing.spillToDisk(file: try ScratchFile(directory: NSTemporaryDirectory()), directory: NSTemporaryDirectory(), partitions: 2,
                                titleBytes: room)
                for (n, r) in rows.enumerated() {
                    var values = Fuzz.values(r)
                    values[.title] = titles[n]
                    ing.add(record: values, location: SourceLocation(file: "a.csv", line: n + 2))
                }
                let shared = ing.finish().spilled!.titles.bytes.count
                if room == 0 { #expect(shared == 0) } else { sawShared = sawShared || shared > 0 }
            }
        }
        #expect(sawShared && sawConflict)
    }

    /// An export given twice (or the same id many times): every record a repeat, resolved in two
    /// passes over the scratch file without holding the records.
    @Test func exportGivenTwiceAndOneIDManyTimes() throws {
        for seed in Fuzz.seeds.prefix(80) {
            let c = Fuzz.generate(seed: seed)
            let rules = try RuleFileLoader.parse(c.yaml, path: "fuzz.yaml")
            guard let one = c.rows.first else { continue }
            for rows in [c.rows + c.rows, c.rows + Array(repeating: one, count: 7) + c.rows.reversed()] {
                let memory = try Self.run(c, rows: rows, rules: rules, spill: nil)
                let disk = try Self.run(c, rows: rows, rules: rules, spill: 3, chunk: 64)
                #expect(disk == memory, "seed \(seed)\nmemory \(memory)\ndisk   \(disk)")
                if disk != memory { return }
            }
        }
    }

    /// A quarter of the year and the year to date set records aside partition by partition.
    @Test func partsOfTheYearFromDisk() throws {
        for seed in Fuzz.seeds.prefix(150) {
            let c = Fuzz.generate(seed: seed)
            let rules = try RuleFileLoader.parse(c.yaml, path: "fuzz.yaml")
            let rows = Self.withRepeats(c, seed: seed)
            let year = rules.period!
            for options in [ScoreOptions(part: Period(spec: "2025-Q2"), keepLedgers: false),
                            ScoreOptions(asOf: Day(iso: "2025-06-30"), keepLedgers: false)] {
                let memory = try Self.run(c, rows: rows, rules: rules, spill: nil, options: options)
                let disk = try Self.run(c, rows: rows, rules: rules, spill: 2, options: options)
                #expect(disk == memory, "seed \(seed) \(year)\nmemory \(memory)\ndisk   \(disk)")
                if disk != memory { return }
            }
        }
    }

    /// The scratch files have no name: nothing is left in the folder, during or after the run.
    @Test func scratchFilesLeaveNothingBehind() throws {
        let dir = NSTemporaryDirectory() + "lvzhi-spill-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let parts = try SpillPartitions(count: 4, directory: dir, chunkSize: 64)
        for i in 0..<1_000 { Array("record \(i);".utf8).withUnsafeBytes { parts.add(i % 4, bytes: $0) } }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        #expect(parts.bytesOnDisk > 0)
        let back = String(decoding: parts.load(1)!, as: UTF8.self)
        #expect(back.hasPrefix("record 1;record 5;record 9;"))
        #expect(back.split(separator: ";").count == 250)
    }

    /// A full disk while reading: the result says so (the pipeline then refuses the run, I025)
    /// instead of scoring the records that could be written and losing the others.
    @Test func fullDiskIsNotASilentLoss() throws {
        let fd = open("/dev/full", O_RDWR)
        guard fd >= 0 else { return }   // no /dev/full here
        let c = Fuzz.generate(seed: 7)
        let rules = try RuleFileLoader.parse(c.yaml, path: "fuzz.yaml")
        var ing = ActivityIngestor(members: c.members, period: rules.period!, vocabulary: rules.vocabulary)
        ing.spillToDisk(file: ScratchFile(descriptor: fd), directory: NSTemporaryDirectory(), partitions: 2, chunkSize: 64)
        for (n, r) in c.rows.enumerated() { ing.add(record: Fuzz.values(r), location: SourceLocation(file: "a.csv", line: n + 2)) }
        #expect(!c.rows.isEmpty)
        let result = ing.finish()
        #expect(result.spillFailure != nil)
    }

    /// Keys that cannot be read back (a write-only scratch file: every read fails) fail the run
    /// when reading ends: repeated ids would otherwise be counted twice, without a word.
    @Test func unreadableKeysFailTheRun() throws {
        let path = NSTemporaryDirectory() + "lvzhi-writeonly-\(UUID().uuidString)"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        #expect(fd >= 0)
        guard fd >= 0 else { return }
        unlink(path)
        let c = Fuzz.generate(seed: 7)
        let rules = try RuleFileLoader.parse(c.yaml, path: "fuzz.yaml")
        var ing = ActivityIngestor(members: c.members, period: rules.period!, vocabulary: rules.vocabulary)
        ing.spillToDisk(file: ScratchFile(descriptor: fd), directory: NSTemporaryDirectory(), partitions: 2, chunkSize: 64)
        for (n, r) in (c.rows + c.rows).enumerated() { ing.add(record: Fuzz.values(r), location: SourceLocation(file: "a.csv", line: n + 2)) }
        #expect(!c.rows.isEmpty)
        #expect(ing.finish().spillFailure != nil)
    }

    /// Every record of a spilled partition reads back with its own id and title text: many
    /// distinct titles in one partition (the table of titles copied in grows), repeated and
    /// single ones, empty ones, and titles written in their records once the room runs out.
    @Test func spilledTitlesReadBackAsGiven() throws {
        let s = Scratch()
        let roster = try RosterReader.read(path: s.write("m.csv", testMembersCSV))
        let members = roster.members.filter { $0.joined == nil }
        var g = Fuzz.RNG(state: 99)
        for room in [ActivityIngestor.sharedTitleBytes, 6_000, 0] {
            var ing = ActivityIngestor(members: members, period: Period(spec: "2025")!, vocabulary: Vocabulary())
            ing.spillToDisk(file: try ScratchFile(directory: NSTemporaryDirectory()), directory: NSTemporaryDirectory(), partitions: 1,
                            chunkSize: 512, titleBytes: room)
            var expected: [(id: String, title: String)] = []
            for n in 0..<3_000 {
                let title = g.chance(10) ? "" : g.chance(50) ? "标题\(g.int(700))" : "独有\(n)"
                let id = "A\(n)"
                ing.add(record: [.activityID: id, .memberID: members[n % members.count].id, .date: "2025-03-01", .kind: "会议",
                                 .title: title], location: SourceLocation(file: "a.csv", line: n + 2))
                expected.append((id, title))
            }
            let result = ing.finish()
            #expect(result.rejects.isEmpty)
            var table = result.store.symbols
            guard let spilled = result.spilled, let (records, arena) = spilled.load(0, symbols: &table) else {
                Issue.record("nothing spilled")
                return
            }
            #expect(records.count == expected.count)
            let got = records.map { (id: arena[$0.id], title: arena[$0.title]) }
            let wrong = got.indices.first { got[$0].id != expected[$0].id || got[$0].title != expected[$0].title }
            #expect(wrong == nil, "room \(room): record \(wrong ?? -1) read back as \(wrong.map { got[$0] } ?? ("", ""))")
            if room == 0 { #expect(spilled.titles.bytes.isEmpty) } else { #expect(spilled.titles.bytes.count > 2_000) }
            #expect(spilled.titles.bytes.count <= room)
        }
    }

    /// A long title on many rows is stored once and takes no room in the records: they go to
    /// disk in a few chunks, not one chunk each.
    @Test func longSharedTitleTakesNoRoomInRecords() throws {
        let s = Scratch()
        let roster = try RosterReader.read(path: s.write("m.csv", testMembersCSV))
        var ing = ActivityIngestor(members: roster.members, period: Period(spec: "2025")!, vocabulary: Vocabulary())
        ing.spillToDisk(file: try ScratchFile(directory: NSTemporaryDirectory()), directory: NSTemporaryDirectory(), partitions: 1)
        let title = String(repeating: "长", count: 40_000)  // 120 KB, past a chunk
        for n in 0..<300 {
            ing.add(record: [.activityID: "L\(n)", .memberID: "M1", .date: "2025-03-01", .kind: "会议", .title: title],
                    location: SourceLocation(file: "a.csv", line: n + 2))
        }
        let result = ing.finish()
        #expect(result.rejects.isEmpty)
        guard let spilled = result.spilled else {
            Issue.record("nothing spilled")
            return
        }
        #expect(spilled.partitions.chunkCount(0) <= 2)
        var table = result.store.symbols
        let loaded = spilled.load(0, symbols: &table)
        #expect(loaded?.records.count == 300)
        #expect(loaded.map { l in l.records.allSatisfy { l.arena[$0.title] == title } } == true)
    }

    /// Records read back by where they start: each from the chunk that holds it, whatever the
    /// chunk size.
    @Test func recordsReadBackWhereTheyStart() throws {
        for chunk in [8, 20, 64, 4_096] {
            let parts = try SpillPartitions(count: 3, directory: NSTemporaryDirectory(), chunkSize: chunk)
            var starts: [[Int]] = [[], [], []]
            var texts: [[String]] = [[], [], []]
            for i in 0..<500 {
                let p = (i * 7) % 3
                let text = "r\(i)" + String(repeating: "x", count: i % 11)
                starts[p].append(parts.sizes[p])
                texts[p].append(text)
                Array(text.utf8).withUnsafeBytes { parts.add(p, bytes: $0) }
            }
            parts.flushAll()
            for p in 0..<3 {
                let pick = Array(stride(from: p, to: starts[p].count, by: 5))
                var seen: [Int] = []
                let ok = parts.visit(p, offsets: pick.map { starts[p][$0] }) { k, bytes, at in
                    let length = texts[p][pick[k]].utf8.count
                    #expect(String(decoding: bytes[at..<at + length], as: UTF8.self) == texts[p][pick[k]], "chunk \(chunk)")
                    seen.append(k)
                }
                #expect(ok)
                #expect(seen == Array(pick.indices))
            }
        }
    }

    /// A folder where no scratch file can be made is an error, not a crash.
    @Test func unusableFolderIsAnError() {
        #expect(throws: SafeFile.Problem.self) { _ = try ScratchFile(directory: "/nonexistent-lvzhi-folder") }
    }
}
