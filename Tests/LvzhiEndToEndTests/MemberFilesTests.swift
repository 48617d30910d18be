import Foundation
import Testing

/// `members/`: one self-contained file per member holding that member's data only, and an
/// index. Every members/ID.html of the Samples district is searched for every other member's
/// id and name; none may appear (the combined file, members-combined.html, is an option).
@Suite struct MemberFilesTests {
    /// Whether `needle` occurs in `hay`.
    static func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, hay.count >= needle.count else { return false }
        return hay.withUnsafeBytes { h in
            needle.withUnsafeBytes { n in
                guard let hb = h.baseAddress, let nb = n.baseAddress else { return false }
                for at in 0...(h.count - n.count) where h[at] == n[0] && memcmp(hb + at, nb, n.count) == 0 { return true }
                return false
            }
        }
    }

    /// Every substring of `text` of `lengths` characters, and every run of id characters
    /// (ASCII letters, digits, `-`, `.`, `_`): looking other members up in these sets keeps
    /// 300 pages × 300 members fast.
    static func pieces(_ text: String, lengths: Set<Int>) -> Set<Substring> {
        var out = Set<Substring>()
        let idx = Array(text.indices) + [text.endIndex]
        for n in lengths where n > 0 {
            var i = 0
            while i + n < idx.count {
                out.insert(text[idx[i]..<idx[i + n]])
                i += 1
            }
        }
        func idChar(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "." || c == "_") }
        var start: String.Index?
        for i in text.indices {
            if idChar(text[i]) { if start == nil { start = i } } else if let s0 = start { out.insert(text[s0..<i]); start = nil }
        }
        if let s0 = start { out.insert(text[s0...]) }
        return out
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

        let lengths = Set(members.map { $0.name.count })
        // A correction on the member's own record names its approver (批准人: 提案委员会 李华); an
        // approver who is also a member is part of that record, not another member's data.
        let corrections = (try? String(contentsOfFile: packageRoot + "/Samples/corrections-2025.yaml", encoding: .utf8)) ?? ""
        let approvers = Set(corrections.split(separator: "\n").filter { $0.contains("批准人:") }
            .flatMap { $0.split(separator: " ").map(String.init) })
        #expect(approvers.contains("李华"))
        var leaks: [String] = []
        for (i, m) in members.enumerated() {
            let page = try #require(FileManager.default.contents(atPath: out + "/members/\(m.id).html"), "no page for \(m.id)")
            let text = String(decoding: page, as: UTF8.self)
            let found = Self.pieces(text, lengths: lengths)
            #expect(found.contains(Substring(m.id)) && found.contains(Substring(m.name)), "\(m.id)'s page lacks their id or name")
            for (j, other) in members.enumerated() where j != i {
                // A name inside the member's own name is not someone else's.
                if found.contains(Substring(other.id)) { leaks.append("\(m.id).html holds id \(other.id)") }
                if !m.name.contains(other.name), !approvers.contains(other.name), found.contains(Substring(other.name)) {
                    leaks.append("\(m.id).html holds name \(other.name) (\(other.id))")
                }
            }
            // Nothing of the other files: no source paths, no links out.
            let bytes = [UInt8](page)
            let path = Self.contains(bytes, Array("Samples/".utf8)), link = Self.contains(bytes, Array("href=".utf8))
            #expect(!path, "\(m.id).html shows a source file path")
            #expect(!link, "\(m.id).html links elsewhere")
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
