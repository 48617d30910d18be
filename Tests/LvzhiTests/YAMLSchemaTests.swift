import Foundation
import Testing
import Yams
@testable import LvzhiCore
@testable import LvzhiIngest
@testable import LvzhiJob
@testable import LvzhiRules

/// The JSON Schemas in Schemas/ (for editors with the YAML language server): every shipped YAML
/// file names its schema and validates against it, and each schema lists exactly the keys its
/// parser accepts.
@Suite struct YAMLSchemaTests {
    static let schemas = packageRoot + "/Schemas"

    /// Shipped YAML files and the schema each must name.
    static func shippedFiles() throws -> [(path: String, schema: String)] {
        var out: [(String, String)] = []
        let fm = FileManager.default
        for dir in ["Rules", "Samples", "scripts"] {
            guard let e = fm.enumerator(atPath: packageRoot + "/" + dir) else { continue }
            while let rel = e.nextObject() as? String {
                guard rel.hasSuffix(".yaml") || rel.hasSuffix(".yml"), !rel.hasSuffix(".approved.yaml") else { continue }
                let path = packageRoot + "/" + dir + "/" + rel
                let schema = dir == "Rules" ? "rule" : rel.hasSuffix(".mapping.yaml") ? "mapping"
                    : rel.contains("corrections") ? "corrections" : "job"
                out.append((path, schema))
            }
        }
        return out.sorted { $0.0 < $1.0 }
    }

    static func load(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: schemas + "/\(name).schema.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func keys(_ object: [String: Any]?) -> Set<String> {
        Set(((object?["properties"] as? [String: Any]) ?? [:]).keys)
    }

    @Test func everyShippedYAMLFileNamesItsSchema() throws {
        let files = try Self.shippedFiles()
        #expect(files.count >= 15)
        for (path, schema) in files {
            let first = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").first.map(String.init) ?? ""
            let prefix = "# yaml-language-server: $schema="
            #expect(first.hasPrefix(prefix), "\(path) does not start with \(prefix)")
            let named = String(first.dropFirst(prefix.count))
            #expect(named.hasSuffix("Schemas/\(schema).schema.json"), "\(path) names \(named), expected the \(schema) schema")
            let resolved = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(named).standardizedFileURL.path
            #expect(FileManager.default.fileExists(atPath: resolved), "\(path): \(resolved) does not exist")
        }
    }

    // MARK: - Keys in step with the parsers

    @Test func theRuleSchemaListsExactlyTheParsersKeys() throws {
        let schema = try Self.load("rule")
        let defs = try #require(schema["definitions"] as? [String: [String: Any]])
        var expected = RuleFileKeys.all
        expected["caseMember"] = MemberField.allCases.flatMap { [$0.key, $0.chinese] }
        expected["caseRecord"] = ActivityField.allCases.flatMap { [$0.key, $0.chinese] }
        for (name, parserKeys) in expected.sorted(by: { $0.key < $1.key }) {
            let schemaKeys = name == "top" ? Self.keys(schema) : Self.keys(defs[name])
            #expect(schemaKeys == Set(parserKeys), "\(name): only in the schema \(schemaKeys.subtracting(parserKeys).sorted()), only in the parser \(Set(parserKeys).subtracting(schemaKeys).sorted())")
        }
        // Every part of the schema that lists keys is one the parser knows.
        let listed = Set(defs.filter { $0.value["properties"] != nil }.keys)
        #expect(listed.subtracting(expected.keys).isEmpty, "schema definitions without a parser key list: \(listed.subtracting(expected.keys).sorted())")
        #expect((schema["additionalProperties"] as? Bool) == false)
        for (name, def) in defs where def["properties"] != nil {
            #expect((def["additionalProperties"] as? Bool) == false, "\(name) must refuse unknown keys, as the parser does")
        }
    }

    @Test func theMappingJobAndCorrectionsSchemasListExactlyTheParsersKeys() throws {
        let mapping = try Self.load("mapping")
        let mdefs = try #require(mapping["definitions"] as? [String: [String: Any]])
        #expect(Self.keys(mapping) == Set(MappingLoader.topKeys))
        #expect(Self.keys(mdefs["column"]) == Set(MappingLoader.columnKeys))
        #expect(Self.keys(mdefs["person"]) == Set(MappingLoader.personKeys))
        #expect(Self.keys(mdefs["skipRule"]) == Set(MappingLoader.skipRuleKeys))
        #expect(Self.keys(try Self.load("job")) == Set(JobFile.keys))
        let corrections = try Self.load("corrections")
        let cdefs = try #require(corrections["definitions"] as? [String: [String: Any]])
        #expect(Self.keys(corrections) == Set(CorrectionLoader.topKeys))
        #expect(Self.keys(cdefs["entry"]) == Set(CorrectionLoader.entryKeys))
    }

    @Test func theCheatSheetShowsEveryKey() throws {
        let sheet = try String(contentsOfFile: packageRoot + "/docs/rules-cheatsheet.md", encoding: .utf8)
        for (part, keys) in RuleFileKeys.all {
            for key in keys { #expect(sheet.contains("`\(key)`"), "docs/rules-cheatsheet.md lacks \(part).\(key)") }
        }
    }

    // MARK: - Shipped files validate

    /// python3 with the `jsonschema` package, which validates; the test is skipped without it.
    static let validatorAvailable: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import jsonschema"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    /// Validates each (schema, YAML text) pair; returns one line per problem.
    static func validate(_ pairs: [(schema: String, yaml: String, name: String)]) throws -> [String] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lvzhi-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var list: [[String]] = []
        for (i, pair) in pairs.enumerated() {
            let json = dir.appendingPathComponent("\(i).json")
            try YAMLAsJSON.data(pair.yaml).write(to: json)
            list.append([schemas + "/\(pair.schema).schema.json", json.path, pair.name])
        }
        let listFile = dir.appendingPathComponent("list.json")
        try JSONSerialization.data(withJSONObject: list).write(to: listFile)
        let script = """
        import json, sys, jsonschema
        out = []
        for schema, doc, name in json.load(open(sys.argv[1])):
            v = jsonschema.Draft7Validator(json.load(open(schema, encoding="utf-8")))
            for e in v.iter_errors(json.load(open(doc, encoding="utf-8"))):
                out.append("%s %s: %s" % (name, "/".join(str(p) for p in e.absolute_path), e.message[:160]))
        print("\\n".join(out))
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, listFile.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test(.enabled(if: validatorAvailable, "python3 with the jsonschema package is not installed"))
    func everyShippedYAMLFileValidatesAgainstItsSchema() throws {
        let pairs = try Self.shippedFiles().map { f in
            (schema: f.schema, yaml: try String(contentsOfFile: f.path, encoding: .utf8), name: f.path)
        }
        #expect(try Self.validate(pairs) == [])
    }

    @Test(.enabled(if: validatorAvailable, "python3 with the jsonschema package is not installed"))
    func theSchemasFlagWhatTheParsersRefuse() throws {
        let rules = try String(contentsOfFile: packageRoot + "/Rules/minhang.yaml", encoding: .utf8)
        let job = try String(contentsOfFile: packageRoot + "/scripts/cron/job.yaml", encoding: .utf8)
        let problems = try Self.validate([
            ("rule", rules.replacingOccurrences(of: "{id: plenary, name: 出席全体会议（每半天）, category: meetings,", with: "{id: plenary, name: 出席全体会议（每半天）, categroy: meetings,"), "rule"),
            ("rule", rules.replacingOccurrences(of: "points: 5, per: quantity", with: "points: 5, per: halfday"), "values"),
            ("job", job.replacingOccurrences(of: "lock: fail", with: "lokc: fail"), "job"),
        ])
        #expect(problems.contains { $0.hasPrefix("rule rules/0:") && $0.contains("categroy") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("values rules/0/per:") && $0.contains("halfday") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("job :") && $0.contains("lokc") }, "\(problems)")
        // The parser refuses the same mistakes.
        #expect(throws: RuleFileError.self) {
            try RuleFileLoader.parse(rules.replacingOccurrences(of: "category: meetings, when: {kind: 全体会议, status: 出席}, points: 5, per: quantity",
                                                                with: "categroy: meetings, when: {kind: 全体会议, status: 出席}, points: 5, per: quantity"),
                                     path: "r.yaml")
        }
    }
}

/// A YAML document as JSON the way the YAML language server reads it (YAML 1.2 core schema:
/// `2025-01-01` and `yes` stay text), for validating with a JSON Schema.
enum YAMLAsJSON {
    static func data(_ yaml: String) throws -> Data {
        let node = try Yams.compose(yaml: yaml)
        return try JSONSerialization.data(withJSONObject: node.map(value) ?? NSNull(), options: [.fragmentsAllowed, .sortedKeys])
    }

    static func value(_ node: Node) -> Any {
        switch node {
        case .mapping(let m):
            var out: [String: Any] = [:]
            for (k, v) in m { out[k.scalar?.string ?? ""] = value(v) }
            return out
        case .sequence(let s):
            return s.map(value)
        case .scalar(let s):
            guard s.style == .plain else { return s.string }
            return scalar(s.string)
        case .alias:
            return NSNull()
        }
    }

    static func scalar(_ t: String) -> Any {
        if ["", "~", "null", "Null", "NULL"].contains(t) { return NSNull() }
        if ["true", "True", "TRUE"].contains(t) { return true }
        if ["false", "False", "FALSE"].contains(t) { return false }
        if t.range(of: #"^[-+]?[0-9]+$"#, options: .regularExpression) != nil, let i = Int(t) { return i }
        if t.range(of: #"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$"#, options: .regularExpression) != nil {
            return NSDecimalNumber(string: t)
        }
        return t
    }
}
