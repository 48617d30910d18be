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
    /// The SHA-256 of each output file as written (by name): `--if-changed` skips only when
    /// the files in the folder still have these hashes (an emptied or edited output is
    /// rewritten). Absent in manifests of older versions (they never let a run skip).
    public var outputSHA256: [String: String]?
    /// The exit code of a run that did not fully succeed (1): its manifest is written all the
    /// same, so that the history can tell its outputs apart, but it never lets a run skip.
    public var exitCode: Int32?
    /// A token naming the outputs written: the SHA-256 of this manifest without the token
    /// (equal tokens, byte-identical outputs). The history stores it with a
    /// run recorded before the output swap (see ``HistoryStore``), so that after a `kill -9`
    /// the next run can tell whether the swap happened.
    public var commitToken: String?

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

    /// The manifest without what only the written outputs add (hashes, exit code, token):
    /// what two runs compare, and what the history's fingerprint hashes.
    public var identity: RunManifest {
        var m = self
        m.outputSHA256 = nil
        m.exitCode = nil
        m.commitToken = nil
        return m
    }

    /// This manifest with the hashes of the outputs as they are in `folder`.
    /// - Returns: `nil` when an output cannot be read.
    public func withOutputHashes(in folder: String) -> RunManifest? {
        var m = self
        var hashes: [String: String] = [:]
        for name in outputs {
            guard let h = Self.outputHash((folder as NSString).appendingPathComponent(name)) else { return nil }
            hashes[name] = h
        }
        m.outputSHA256 = hashes
        return m
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

    /// True when `folder` holds the manifest of a fully successful run made from the same
    /// rules, inputs and options, and every output it lists is there with the hash recorded
    /// when it was written: the run would reproduce what is already there.
    public func isUpToDate(in folder: String) -> Bool {
        guard let previous = Self.read(folder: folder), previous.identity == identity, previous.exitCode == nil,
              let recorded = previous.outputSHA256 else { return false }
        return outputs.allSatisfy { name in
            guard let want = recorded[name] else { return false }
            return Self.outputHash((folder as NSString).appendingPathComponent(name)) == want
        }
    }

    /// The SHA-256 of an output: of the file, or for an output folder (`members/`) of the
    /// sorted list of its files' names and hashes, so a changed, added or removed page counts.
    static func outputHash(_ path: String) -> String? {
        // lstat: a link planted in the folder is never followed (and cannot loop). Not
        // FileManager.attributesOfItem, which also looks up the owner's and group's names
        // (reading /etc/passwd and /etc/group for each of 20,000 member pages).
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        let kind = st.st_mode & S_IFMT
        // Files this run wrote were hashed as they were written (unless changed since).
        guard kind == S_IFDIR else { return kind == S_IFREG ? WrittenFiles.shared.sha256(st) ?? ContentHash.sha256(file: path) : nil }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return nil }
        var listing = ""
        for name in names.sorted() {
            guard let h = outputHash((path as NSString).appendingPathComponent(name)) else { return nil }
            listing += "\(name)\u{0}\(h)\n"
        }
        return ContentHash.sha256(Array(listing.utf8))
    }
}
