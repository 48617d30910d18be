import Foundation
import Testing

/// `members/`: one self-contained file per member holding that member's data only, and an
/// index. Every members/ID.html of the Samples district is searched for every other member's
/// id and name; none may appear (the combined file, members-combined.html, is an option).
@Suite struct MemberFilesTests {
    /// Whether `needle` occurs in `hay` (memmem: 300 pages × 300 members stays fast).
    static func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return false }
        return hay.withUnsafeBytes { h in
            needle.withUnsafeBytes { n in memmem(h.baseAddress, h.count, n.baseAddress, n.count) != nil }
        }
    }

    /// Roster rows (id, name) from a canonical members.csv (no quoted commas in Samples).
    static func roster(_ path: String) throws -> [(id: String, name: String)] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let header = lines.removeFirst().split(separator: ",").map { $0.trimmingCharacters(in: .init(charactersIn: "\u{FEFF}")) }
        let idCol = try #require(header.firstIndex(of: "member_id")), nameCol = try #require(header.firstIndex(of: "name"))
        return lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            .filter { $0.count > max(idCol, nameCol) }
            .map { ($0[idCol], $0[nameCol]) }
    }

    @Test func everyMemberFileHoldsThatMemberOnly() throws {
        let s = Scratch()
        let out = s.file("out")
        let r = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv",
                           "--activities", "Samples/activities", "--corrections", "Samples/corrections-2025.yaml",
                           "--out", out, "--quiet", "--no-history"],
                          environment: ["SOURCE_DATE_EPOCH": "1764722400"])
        #expect(r.status == 0, "\(r.stderr)")
        let members = try Self.roster("Samples/members.csv")
        #expect(members.count >= 300)
        let files = try FileManager.default.contentsOfDirectory(atPath: out + "/members").sorted()
        #expect(files.count == members.count + 1, "one file per member and index.html: \(files.count)")
        #expect(files.contains("index.html"))
        // The combined file is an option, not written by default.
        #expect(!FileManager.default.fileExists(atPath: out + "/members-combined.html"))
        #expect(!FileManager.default.fileExists(atPath: out + "/members.html"))

        let ids = members.map { Array($0.id.utf8) }, names = members.map { Array($0.name.utf8) }
        var leaks: [String] = []
        for (i, m) in members.enumerated() {
            let page = try #require(FileManager.default.contents(atPath: out + "/members/\(m.id).html"), "no page for \(m.id)")
            let bytes = [UInt8](page)
            #expect(Self.contains(bytes, ids[i]) && Self.contains(bytes, names[i]), "\(m.id)'s page lacks their id or name")
            for j in members.indices where j != i {
                // A name inside the member's own name (or id) is not someone else's.
                if Self.contains(ids[j], ids[i]) == false, Self.contains(bytes, ids[j]) { leaks.append("\(m.id).html holds id \(members[j].id)") }
                if !Self.contains(names[i], names[j]), Self.contains(bytes, names[j]) { leaks.append("\(m.id).html holds name \(members[j].name) (\(members[j].id))") }
            }
            // Nothing of the other files: no source paths, no links out.
            #expect(!Self.contains(bytes, Array("Samples/".utf8)), "\(m.id).html shows a source file path")
            #expect(!Self.contains(bytes, Array("href=".utf8)), "\(m.id).html links elsewhere")
        }
        #expect(leaks.isEmpty, "\(leaks.count) leaks, e.g. \(leaks.prefix(10))")

        // report.html links each name to the member's own file; the index lists them all.
        let report = s.read("out/report.html"), index = s.read("out/members/index.html")
        #expect(report.contains("href=\"members/M0270.html\""))
        #expect(report.contains("href=\"members/index.html\""))
        #expect(index.contains("href=\"M0270.html\""))
    }

    /// The combined file on request, and both together.
    @Test func combinedFileIsAnOption() throws {
        let s = Scratch()
        let r = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv",
                           "--activities", "Samples/activities", "--out", s.file("out"), "--quiet", "--no-history",
                           "--formats", "html,members-combined"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: s.file("out/members-combined.html")))
        #expect(!FileManager.default.fileExists(atPath: s.file("out/members")))
        #expect(s.read("out/report.html").contains("href=\"members-combined.html#m-M0270\""))
        // A second run writing members/ replaces the combined file and is not refused for the folder.
        let again = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv",
                               "--activities", "Samples/activities", "--out", s.file("out"), "--quiet", "--no-history",
                               "--formats", "html,members"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(FileManager.default.fileExists(atPath: s.file("out/members/M0270.html")))
        #expect(!FileManager.default.fileExists(atPath: s.file("out/members-combined.html")))
        // And a third run over the folder it wrote itself.
        let third = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv",
                               "--activities", "Samples/activities", "--out", s.file("out"), "--quiet", "--no-history"])
        #expect(third.status == 0, "\(third.stderr)")
        #expect(FileManager.default.fileExists(atPath: s.file("out/members/index.html")))
    }
}
