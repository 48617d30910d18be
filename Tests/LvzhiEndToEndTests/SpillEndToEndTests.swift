import Foundation
import Testing

/// A run whose outputs show no ledger keeps a large input's records on disk (`LVZHI_SPILL=always`
/// forces it for any size, `never` forbids it): the outputs and what is printed must be the
/// same byte for byte, for canonical files (with repeated ids), the mapped exports, a quarter,
/// and `lvzhi validate`.
@Suite struct SpillEndToEndTests {
    static let env = ["SOURCE_DATE_EPOCH": "1767225600"]

    static func both(_ arguments: [String], outputs: Bool = true) throws {
        let s = Scratch()
        var printed: [String] = []
        for mode in ["never", "always"] {
            var args = arguments
            if outputs { args += ["--out", s.file(mode), "--formats", "csv,json,rejects", "--no-history"] }
            let r = try lvzhi(args, environment: env.merging(["LVZHI_SPILL": mode]) { $1 })
            #expect(r.status == 0 || r.status == 1, "\(mode): \(r.stderr)")
            printed.append("\(r.status)\n\(r.stdout)\n\(r.stderr)".replacingOccurrences(of: s.file(mode), with: "OUT"))
        }
        #expect(printed[0] == printed[1], "\(arguments)\nin memory:\n\(printed[0].prefix(1500))\non disk:\n\(printed[1].prefix(1500))")
        guard outputs else { return }
        for f in ["scores.csv", "scores.json", "rejects.csv"] {
            #expect(s.read("never/\(f)") == s.read("always/\(f)"), "\(f) differs: \(arguments)")
        }
    }

    @Test func samplesScoreTheSameFromDisk() throws {
        for rules in ["fengjie", "xiangyang", "guangzhou", "dongcheng", "quota"] {
            try Self.both(["score", "--rules", "Rules/\(rules).yaml", "--members", "Samples/members.csv", "--activities", "Samples/activities"])
        }
        try Self.both(["score", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv", "--activities", "Samples/activities",
                       "--period", "2025-Q3"])
        try Self.both(["score", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv"] + ExportMappingTests.exports)
    }

    @Test func validateTheSameFromDisk() throws {
        try Self.both(["validate", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv", "--activities", "Samples/activities"],
                      outputs: false)
        try Self.both(["validate", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv"] + ExportMappingTests.exports,
                      outputs: false)
    }

    /// Scratch files go to TMPDIR; where none can be made the run stops with an error naming
    /// the folder (exit 3), never a crash and never a partial result.
    @Test func unusableScratchFolderIsReported() throws {
        let s = Scratch()
        let r = try lvzhi(["score", "--rules", "Rules/fengjie.yaml", "--members", "Samples/members.csv", "--activities", "Samples/activities",
                           "--out", s.file("out"), "--formats", "csv", "--no-history"],
                          environment: ["LVZHI_SPILL": "always", "TMPDIR": "/nonexistent-lvzhi-tmp"])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("/nonexistent-lvzhi-tmp") && r.stderr.contains("[I025]"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.file("out/scores.csv")))
    }
}
