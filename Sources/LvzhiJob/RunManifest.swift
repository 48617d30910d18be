import Foundation
import LvzhiCore
import Yams

/// What a successful run was made from: the SHA-256 of the rule file and of every input
/// file, and the options that shape the outputs. Stored as `OUT/.lvzhi-run.json`, written
/// with the outputs and swapped into place with them, so it always describes the outputs
/// beside it. `--if-changed` compares the next run's manifest with it.
public struct RunManifest: Codable, Equatable, Sendable {
    public struct Input: Codable, Equatable, Sendable {
        public var path: String
        public var sha256: String
        public init(path: String, sha256: String) {
            self.path = path
            self.sha256 = sha256
        }
    }

    public static let fileName = ".lvzhi-run.json"

    public var format = 1
    /// The lvzhi version that wrote the outputs.
    public var tool: String
    /// The rule file, then the base files it `extends` (in order).
    public var rules: [Input]
    public var members: Input
    public var activities: [Input]
    /// Options that change the outputs (period, language, formats, a pinned run time).
    /// Options that only change the exit code (strict, max_rejects) are not listed.
    public var options: [String: String]
    /// The output files written, by name.
    public var outputs: [String]

    /// Hashes the files; fails with the path of the first file that cannot be read.
    public static func make(tool: String, rules: String, members: String, activities: [String],
                            options: [String: String], outputs: [String]) -> Result<RunManifest, HashFailure> {
        func input(_ p: String) -> Result<Input, HashFailure> {
            guard let h = ContentHash.sha256(file: p) else { return .failure(HashFailure(path: p)) }
            return .success(Input(path: p, sha256: h))
        }
        do {
            let r = try ruleFileChain(rules).map { try input($0).get() }
            let m = try input(members).get()
            let a = try activities.map { try input($0).get() }
            return .success(RunManifest(tool: tool, rules: r, members: m, activities: a, options: options, outputs: outputs))
        } catch let e as HashFailure {
            return .failure(e)
        } catch {
            return .failure(HashFailure(path: rules))
        }
    }

    /// A rule file and the base files it names with `extends:` (read just far enough to find
    /// that key), so that editing a base file counts as a change.
    public static func ruleFileChain(_ path: String) -> [String] {
        var chain = [path]
        var current = path
        while chain.count < 16,
              SafeFile.nonRegularKind(current) == nil,
              let data = FileManager.default.contents(atPath: current),
              let text = String(data: data, encoding: .utf8),
              let root = try? Yams.compose(yaml: text),
              case .mapping(let m) = root,
              let rel = m["extends"]?.scalar?.string, !rel.isEmpty {
            let next = JobPaths.resolve(rel, against: JobPaths.directory(of: current))
            if chain.contains(next) { break }
            chain.append(next)
            current = next
        }
        return chain
    }

    public struct HashFailure: Error, Sendable {
        public var path: String
    }

    /// The manifest's bytes: sorted keys, so equal manifests are equal files.
    public func encoded() -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var d = (try? e.encode(self)) ?? Data()
        d.append(0x0A)
        return d
    }

    /// The manifest in `folder`, if there is a readable one.
    public static func read(folder: String) -> RunManifest? {
        let path = (folder as NSString).appendingPathComponent(fileName)
        guard SafeFile.nonRegularKind(path) == nil, let d = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(RunManifest.self, from: d)
    }

    /// True when `folder` holds a manifest equal to this one and every output it lists:
    /// the run would reproduce what is already there.
    public func isUpToDate(in folder: String) -> Bool {
        guard let previous = Self.read(folder: folder), previous == self else { return false }
        return outputs.allSatisfy { FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent($0)) }
    }
}
