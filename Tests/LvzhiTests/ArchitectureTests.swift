import Foundation
import Testing

/// The module layering the reports and the history rely on (issue 17): they work on results —
/// the accepted records, the rejects, the per-file counts, the corrections applied, all in
/// LvzhiCore — and never on how inputs are read, so neither imports LvzhiIngest; the use cases
/// that re-read inputs (re-checking an approval file) live in LvzhiApp.
@Suite struct ArchitectureTests {
    static func imports(of module: String) throws -> [(file: String, imports: Set<String>)] {
        let dir = packageRoot + "/Sources/" + module
        let files = try FileManager.default.subpathsOfDirectory(atPath: dir).filter { $0.hasSuffix(".swift") }.sorted()
        return try files.map { f in
            let text = try String(contentsOfFile: dir + "/" + f, encoding: .utf8)
            let names = text.split(whereSeparator: \.isNewline).compactMap { line -> String? in
                let t = line.trimmingCharacters(in: .whitespaces)
                guard t.hasPrefix("import ") || t.contains(" import ") && t.hasPrefix("@") else { return nil }
                return t.split(separator: " ").last.map(String.init)
            }
            return (module + "/" + f, Set(names))
        }
    }

    @Test(arguments: ["LvzhiReport", "LvzhiHistory"])
    func resultModulesDoNotImportIngest(module: String) throws {
        let files = try Self.imports(of: module)
        #expect(files.count > 3, "no sources found for \(module)")
        for f in files { #expect(!f.imports.contains("LvzhiIngest"), "\(f.file) imports LvzhiIngest") }
        // Nor may the package say they depend on it.
        let manifest = try String(contentsOfFile: packageRoot + "/Package.swift", encoding: .utf8)
        let start = try #require(manifest.range(of: ".target(name: \"\(module)\""))
        let end = manifest[start.upperBound...].range(of: "]),")?.lowerBound ?? manifest.endIndex
        #expect(!manifest[start.upperBound..<end].contains("\"LvzhiIngest\""), "Package.swift gives \(module) LvzhiIngest")
    }

    @Test func theCoreImportsNoOtherLvzhiModule() throws {
        for f in try Self.imports(of: "LvzhiCore") {
            #expect(f.imports.filter { $0.hasPrefix("Lvzhi") }.isEmpty, "\(f.file) imports \(f.imports.sorted())")
        }
    }
}
