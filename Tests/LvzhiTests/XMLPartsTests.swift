import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiIngest

/// A canonical XML file read in parts on several threads (``XMLParts``) must give exactly what
/// one pass gives: the same records in the same order, with the same lines, issues and
/// preparation, and the same first error.
@Suite struct XMLPartsTests {
    /// Everything a reader hands on, as text, or the error it threw.
    struct Outcome: Equatable, CustomStringConvertible {
        var records: [String] = []
        var error: String?
        var description: String { (error.map { "error \($0)\n" } ?? "") + records.joined(separator: "\n") }
    }

    static let preparer: RowPreparer = {
        var t = SymbolTable()
        _ = t.intern("")
        for m in ["M1", "M2", "M3"] { _ = t.intern(m) }
        return RowPreparer(memberIDs: t)
    }()

    static func read(_ path: String, workers: Int, partBytes: Int) -> Outcome {
        let channel = BatchChannel(limit: 1 << 20)
        var out = Outcome()
        do {
            try RawReader.readXML(path: path, into: channel, preparer: preparer, partBytes: partBytes, workers: workers)
        } catch {
            out.error = "\(error)"
        }
        channel.close()
        while let b = try? channel.take() {
            for r in 0..<b.count {
                var fields: [String] = []
                let base = r * RawBatch.fieldCount * 2
                for f in 0..<RawBatch.fieldCount {
                    fields.append(String(decoding: b.bytes[Int(b.bounds[base + 2 * f])..<Int(b.bounds[base + 2 * f + 1])], as: UTF8.self))
                }
                let issue = b.issues[r].map { "\($0)" } ?? "-"
                out.records.append("\(b.lines[r]) \(b.prepared[r]) \(b.members[r]) \(b.days[r]) \(issue) \(fields)")
            }
        }
        return out
    }

    /// A random canonical export with what a real one may hold around its records: comments and
    /// CDATA sections holding `<activity` tags, processing instructions, records over several
    /// lines, unknown elements and attributes, escaped characters, Chinese text.
    static func document(_ g: inout SplitMix64, records: Int, tail: String = "</activities>\n</lvzhi>\n") -> String {
        var s = g.next() % 3 == 0 ? "\u{FEFF}" : ""
        s += ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "<?xml version='1.0' encoding='utf-8'?>\n", "<?xml version=\"1.0\"?>\n", ""][Int(g.next() % 4)]
        s += "<lvzhi version=\"1\">\n  <!-- 导出 -->\n  <activities>\n"
        for i in 0..<records {
            switch g.next() % 16 {
            case 0: s += "  <!-- <activity activity_id=\"C\(i)\" member_id=\"M1\"/>\n  <activity/> -->\n"
            case 1: s += "  <![CDATA[ <activity activity_id=\"D\(i)\"/>\n<activity ]]>\n"
            case 2: s += "  <?note <activity x?>\n"
            case 3: s += "  <note>\(i)</note>\n"
            default: break
            }
            let member = ["M1", "M2", "M3", "M9", " M2 ", ""][Int(g.next() % 6)]
            let date = ["2025-03-0\(1 + g.next() % 9)", "2025/3/5", "20x5-01-01", " 2025-12-31 "][Int(g.next() % 4)]
            let sep = g.next() % 5 == 0 ? "\n      " : " "
            var attrs = "activity_id=\"A\(i)\"\(sep)member_id=\"\(member)\" date=\"\(date)\"\(sep)kind=\"提案\" title=\"关于&amp;第\(i)件&lt;事&gt;\""
            if g.next() % 20 == 0 { attrs += " bogus=\"1\"" }
            s += g.next() % 7 == 0 ? "  <activity \(attrs)></activity>\n" : "  <activity \(attrs)/>\n"
        }
        return s + tail
    }

    @Test func partsGiveWhatOnePassGives() throws {
        let s = Scratch()
        var g = SplitMix64(seed: 16)
        var cutFiles = 0
        for trial in 0..<60 {
            let text = Self.document(&g, records: 20 + Int(g.next() % 300))
            let path = s.write("a\(trial).xml", text)
            let one = Self.read(path, workers: 1, partBytes: 64)
            #expect(one.error == nil, "\(one.error ?? "")")
            for (workers, part) in [(2, 64), (2, 200), (3, 97), (4, 1000), (2, 4096)] {
                let fd = open(path, O_RDONLY)
                defer { close(fd) }
                if let plan = XMLParts.plan(fd: fd, partBytes: part), plan.starts.count > 2 { cutFiles += 1 }
                let parts = Self.read(path, workers: workers, partBytes: part)
                #expect(parts == one, "trial \(trial), \(workers) workers, parts of \(part) bytes")
            }
        }
        // The parts path was taken, not a silent fall back to one pass.
        #expect(cutFiles > 200)
    }

    @Test func theFirstErrorInTheFileIsTheOneReportedWithItsLine() throws {
        let s = Scratch()
        var g = SplitMix64(seed: 7)
        let breaks = [
            "  <activity activity_id=\"X\" member_id=\"M1\" date=\"2025-01-01\" kind=\"提案\">\n",  // never closed
            "  <activity activity_id=\"X\" title=\"&bogus;\"/>\n",
            "  <activity activity_id=\"X\" a=\"1\" a=\"2\"/>\n",
            "  <activity activity_id=\"X\"\n",
            "  </activities>\n",
            "  <a><b><c><d><e><f><g><h><i><j><k><l><m><n><o><p><q><r><s><t><u><v><w><x><y><z><a><b><c><d><e><f><g>\n",
            "  <activity activity_id=\"\u{1}\"/>\n",
        ]
        for (i, broken) in breaks.enumerated() {
            for at in [0.1, 0.5, 0.95] {
                var text = Self.document(&g, records: 300)
                var lines = text.components(separatedBy: "\n")
                let where_ = Int(Double(lines.count) * at)
                lines.insert(broken.trimmingCharacters(in: .newlines), at: where_)
                text = lines.joined(separator: "\n")
                let path = s.write("e\(i)-\(at).xml", text)
                let one = Self.read(path, workers: 1, partBytes: 64)
                #expect(one.error != nil, "break \(i) at \(at) parsed")
                for (workers, part) in [(2, 64), (3, 300), (2, 2000)] {
                    let parts = Self.read(path, workers: workers, partBytes: part)
                    #expect(parts.error == one.error, "break \(i) at \(at), parts of \(part): \(parts.error ?? "none") vs \(one.error ?? "none")")
                }
            }
        }
    }

    @Test func aDoctypeOrAnUnclosedDocumentFailsAsInOnePass() throws {
        let s = Scratch()
        var g = SplitMix64(seed: 3)
        let body = Self.document(&g, records: 200)
        let doctype = body.replacingOccurrences(of: "<lvzhi version=\"1\">", with: "<!DOCTYPE lvzhi [<!ENTITY a \"aaaa\">]>\n<lvzhi version=\"1\">")
        let unclosed = Self.document(&g, records: 200, tail: "</activities>\n")
        let trailing = Self.document(&g, records: 200, tail: "</activities>\n</lvzhi>\n<lvzhi/>\n")
        for (name, text) in [("doctype", doctype), ("unclosed", unclosed), ("trailing", trailing)] {
            let path = s.write("\(name).xml", text)
            let one = Self.read(path, workers: 1, partBytes: 64)
            #expect(one.error != nil, "\(name)")
            #expect(Self.read(path, workers: 2, partBytes: 128) == one, "\(name)")
        }
    }

    @Test func onlyUTF8FilesAreCut() throws {
        #expect(XMLParts.declaresUTF8(Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><a/>".utf8)))
        #expect(XMLParts.declaresUTF8(Array("<?xml version='1.0' encoding = 'utf8' ?><a/>".utf8)))
        #expect(XMLParts.declaresUTF8(Array("<?xml version=\"1.0\"?><a/>".utf8)))
        #expect(XMLParts.declaresUTF8([0xEF, 0xBB, 0xBF] + Array("<a/>".utf8)))
        #expect(!XMLParts.declaresUTF8(Array("<?xml version=\"1.0\" encoding=\"GB18030\"?><a/>".utf8)))
        #expect(!XMLParts.declaresUTF8(Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>".utf8)))
        #expect(!XMLParts.declaresUTF8([0xFF, 0xFE, 0x3C, 0x00]))
        #expect(!XMLParts.declaresUTF8([0x00, 0x3C, 0x00, 0x61]))
        #expect(!XMLParts.declaresUTF8(Array("<?xml version=\"1.0\" encoding=\"UTF-8\"".utf8)))

        let s = Scratch()
        var g = SplitMix64(seed: 5)
        let gb = Self.document(&g, records: 200).replacingOccurrences(of: "encoding=\"UTF-8\"", with: "encoding=\"GB18030\"")
        let path = s.write("gb.xml", bytes: Array(gb.utf8))
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        #expect(gb.contains("GB18030") == (XMLParts.plan(fd: fd, partBytes: 64) == nil))
    }

    @Test func startTagsAreFoundOnlyWhole() {
        #expect(XMLParts.startTag(in: Array("x<activityx/><activity/>".utf8), from: 0) == 13)
        #expect(XMLParts.startTag(in: Array("<activity\n a=\"1\"/>".utf8), from: 0) == 0)
        #expect(XMLParts.startTag(in: Array("<activities><activity>".utf8), from: 0) == 12)
        #expect(XMLParts.startTag(in: Array("<activity".utf8), from: 0) == nil)
    }
}

extension XMLPartsTests {
    /// Found by the fuzz harness: a byte that is not UTF-8 before the first record. libxml2's
    /// push parser named it differently when the same bytes came in other pieces ("error parsing
    /// attribute name"); a failed part is now read again in one pass.
    @Test func aBrokenStartFailsAsInOnePass() throws {
        let s = Scratch()
        let bytes: [UInt8] = [60, 229, 136, 151, 232, 161, 168, 62, 60, 230, 143, 144, 230, 161, 136, 32, 231, 188, 150, 229, 143, 183, 61, 34, 80, 49, 34, 32, 229, 132, 154, 228, 189, 153, 61, 34, 49, 34, 62, 60, 230, 151, 165, 230, 156, 159, 62, 50, 48, 50, 53, 45, 48, 51, 63, 62, 10, 60, 108, 118, 122, 104, 105, 62, 60, 97, 99, 116, 105, 118, 105, 116, 105, 101, 134, 62, 10, 60, 97, 99, 116, 105, 118, 105, 116, 121, 32, 97, 99, 116, 105, 118, 105, 116, 121, 95, 105, 100, 61, 34, 65, 49, 34, 32, 109, 101, 109, 98, 101, 101, 114, 115, 105, 111, 110, 61, 34, 49, 34, 32, 120, 109, 108, 110, 115, 61, 34, 117, 114, 110, 58, 108, 118, 122, 104, 105, 34, 32, 120, 109, 108, 110, 115, 58, 120, 115, 105, 61, 34, 104, 116, 116, 112, 58, 47, 47, 119, 119, 119, 46, 119, 51, 46, 111, 114, 103, 47, 50, 48, 48, 49, 47, 88, 77, 76, 83, 99, 104, 101, 109, 97, 45, 105, 110, 115, 116, 97, 110, 99, 101, 34, 62, 10, 32, 32, 60, 97, 99, 116, 105, 118, 105, 116, 105, 101, 115, 62, 10, 32, 213, 32, 32, 60, 97, 99, 116, 105, 118, 105, 116, 121, 32, 97, 99, 116, 105, 118, 105, 116, 121, 95, 105, 100, 61, 60, 229, 138, 158, 231, 144, 134, 62, 117, 115, 61, 34, 231, 171, 11, 230, 161, 136, 34, 32, 114, 111, 108, 101, 61, 34, 231, 172, 172, 228, 184, 128, 230, 114, 95, 60, 111, 116, 101, 47, 62, 10, 32, 32, 60, 47, 97, 99, 116, 105, 118, 105, 116, 105, 101, 115, 62, 10, 60, 47, 229, 47, 108, 118, 122, 104, 105, 62, 10, 136, 151, 232, 161, 168, 62]
        let path = s.write("c.xml", bytes: bytes)
        let one = Self.read(path, workers: 1, partBytes: 64)
        #expect(one.error?.contains("not proper UTF-8") == true)
        #expect(Self.read(path, workers: 2, partBytes: 64) == one)
    }
}
