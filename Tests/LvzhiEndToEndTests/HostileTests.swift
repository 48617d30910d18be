import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Issue 12: faults found by hostile testing — files planted under the names lvzhi writes,
/// inputs that never end, runs killed in the commit phase. Runs the built binary.
@Suite struct HostileTests {
    let members = """
    member_id,name,sector,committee,role,group,party,joined,left,ranked
    M1,甲委员,经济界,,委员,,,,,
    M2,乙委员,教育界,,委员,,,,,
    """
    let activities = """
    activity_id,member_id,date,kind,status,role,level,ref,quantity,marks,title
    A1,M1,2025-01-08,全体会议,出席,,,,5,,第一次全体会议
    A2,M2,2025-01-08,全体会议,出席,,,,3,,第一次全体会议
    """
    let rules = packageRoot + "/Rules/fengjie.yaml"

    func score(_ s: Scratch, _ extra: [String] = [], members m: String? = nil, activities a: [String]? = nil,
               env: [String: String] = [:]) throws -> RunResult {
        let mp = m ?? s.write("data/members.csv", members)
        let ap = a ?? [s.write("data/in/activities.csv", activities)]
        return try lvzhi(["score", "--rules", rules, "--members", mp, "--activities"] + ap + ["--out", s.file("out"), "--period", "2025"] + extra,
                         environment: env)
    }

    func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? -1
    }

    // MARK: - 1. Files planted under the names lvzhi writes

    /// `out.lock` replaced by a symbolic link (or a hard link) to the history database: the run
    /// refuses it and the database keeps every byte.
    @Test func aLockReplacedByALinkIsRefusedNotEmptied() throws {
        let s = Scratch()
        let first = try score(s)
        #expect(first.status == 0, "\(first.stderr)")
        let history = s.file("lvzhi-history.sqlite")
        let before = try #require(FileManager.default.contents(atPath: history))
        #expect(before.count > 0)
        let lock = s.file("out.lock")
        try FileManager.default.removeItem(atPath: lock)
        try FileManager.default.createSymbolicLink(atPath: lock, withDestinationPath: history)
        let r = try score(s)
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("符号链接"), "\(r.stderr)")
        #expect(FileManager.default.contents(atPath: history) == before, "the history database was changed through the lock's link")

        try FileManager.default.removeItem(atPath: lock)
        #expect(link(history, lock) == 0)
        let h = try score(s, ["--lang", "en"])
        #expect(h.status == 3 && h.stderr.contains("hard link"), "\(h.stderr)")
        #expect(FileManager.default.contents(atPath: history) == before)

        // A lock file is never truncated: a run leaves it in place, holding no more than a pid.
        try FileManager.default.removeItem(atPath: lock)
        #expect(try score(s).status == 0)
        #expect(size(lock) > 0 && size(lock) <= 64)
    }

    /// `--log` and the history database named through a symbolic link: refused, the file the
    /// link names unchanged.
    @Test func theLogAndTheHistoryAreNotWrittenThroughALink() throws {
        let s = Scratch()
        let victim = s.write("victim.txt", "keep me\n")
        let log = s.file("run.log")
        try FileManager.default.createSymbolicLink(atPath: log, withDestinationPath: victim)
        let r = try score(s, ["--log", log])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(s.read("victim.txt") == "keep me\n")
        #expect(!FileManager.default.fileExists(atPath: s.file("out")))

        let db = s.file("h.sqlite")
        try FileManager.default.createSymbolicLink(atPath: db, withDestinationPath: s.file("elsewhere.sqlite"))
        let h = try score(s, ["--history", db])
        #expect(h.status == 3, "\(h.stderr)")
        #expect(h.stderr.contains("symbolic link"), "\(h.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.file("elsewhere.sqlite")))
    }
}

