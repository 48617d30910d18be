import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiIngest
@testable import LvzhiRules

/// YAML files written with CRLF (Windows Notepad) or lone CRs: lines are numbered as the YAML
/// parser numbers them, so a diagnostic shows the right line, and a line number from the parser
/// never points past the text's lines (a mapping file of lone CRs with a repeated key trapped:
/// found by `Tests/Fuzz/run mapping`, kept in its corpus).
@Suite struct LineBreakTests {
    @Test func linesBreakWhereTheYAMLParserBreaksThem() {
        #expect(SourceLines.of("a\nb\r\nc\rd\u{85}e\u{2028}f\u{2029}g").map(String.init) == ["a", "b", "c", "d", "e", "f", "g"])
        #expect(SourceLines.of("a\r\n\r\nb\n").map(String.init) == ["a", "", "b", ""])
        #expect(SourceLines.of("").map(String.init) == [""])
    }

    /// The fuzzer's input: lone CRs before a repeated top-level key. A diagnostic, not a trap.
    @Test func loneCarriageReturnsWithARepeatedKeyAreADiagnostic() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fuzz/corpus-mapping/crash-lone-cr-duplicate-key.yaml")
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        var diagnostics: [Diagnostic] = []
        do { _ = try MappingLoader.parse(text, path: "m.yaml") } catch { diagnostics = error.diagnostics }
        #expect(!diagnostics.isEmpty)
        let lines = SourceLines.of(text).count
        for d in diagnostics { #expect((d.location?.line ?? 1) <= lines, "\(d.render(.en))") }
        // The same shape, small: a repeated key after lines ended by lone CRs.
        let small = "mapping: 1\rfiles: [a.csv]\r\r\rcolumns: {a: activity_id}\rfiles: [b.csv]\r"
        var d2: [Diagnostic] = []
        do { _ = try MappingLoader.parse(small, path: "m.yaml") } catch { d2 = error.diagnostics }
        let repeated = try #require(d2.first { $0.location?.line == 6 }, "\(d2.map { $0.render(.en) })")
        #expect(repeated.render(.en, source: small).contains(" 6 | files: [b.csv]"), "\(repeated.render(.en, source: small))")
    }

    /// A rule file saved with CRLF: the error shows its line and a caret under the column.
    @Test func crlfRuleFilesShowTheLineInError() {
        let lf = "name: x\nversion: 1\nrules:\n  - id: a\n    points: [1\n"
        let crlf = lf.replacingOccurrences(of: "\n", with: "\r\n")
        var d: [Diagnostic] = []
        do { _ = try RuleFileLoader.parse(crlf, path: "r.yaml") } catch { d = error.diagnostics }
        let first = try? #require(d.first)
        let shown = first?.render(.en, source: crlf) ?? ""
        var lfShown = ""
        do { _ = try RuleFileLoader.parse(lf, path: "r.yaml") } catch { lfShown = error.diagnostics.first?.render(.en, source: lf) ?? "" }
        #expect(!shown.isEmpty && shown == lfShown, "CRLF:\n\(shown)\nLF:\n\(lfShown)")
        #expect(shown.contains(" | "), "the source line is shown: \(shown)")
    }
}
