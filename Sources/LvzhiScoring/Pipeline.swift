import Foundation
import LvzhiCore
import LvzhiIngest
import LvzhiRules

/// Runs ingest and scoring for one set of inputs.
public enum ScoringPipeline {
    public enum Failure: Error, Sendable {
        case rules(RuleFileError)
        case input(IngestError)
        case noPeriod
        case badPeriod(String)
    }

    /// Expands folders into the CSV, XML and XLSX files they hold (recursively), sorted by path, so
    /// the run does not depend on the order the shell or the file system lists them in.
    public static func expandInputs(_ paths: [String]) throws(IngestError) -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else {
                throw .unreadable(path: p, reason: "No such file or directory")
            }
            if isDir.boolValue {
                guard let e = fm.enumerator(atPath: p) else { throw .unreadable(path: p, reason: "cannot list folder") }
                var found: [String] = []
                while let rel = e.nextObject() as? String {
                    let full = (p as NSString).appendingPathComponent(rel)
                    if InputFormat(path: full) != nil { found.append(full) }
                }
                out += found
            } else {
                guard InputFormat(path: p) != nil else { throw .unsupportedFormat(path: p) }
                out.append(p)
            }
        }
        return Array(Set(out)).sorted()
    }

    /// Loads the rules, reads the roster and every activity file, and scores. `progress` is
    /// called while reading with the activity files done, their number, and the records read.
    public static func run(rules rulesPath: String, members membersPath: String, activities: [String],
                           period periodSpec: String?, mappings: [Mapping] = [], timings: PhaseTimings? = nil,
                           progress: ((_ filesDone: Int, _ filesTotal: Int, _ recordsRead: Int) -> Void)? = nil) throws(Failure) -> ScoreRun {
        let rules: RuleSet
        do { rules = try RuleFileLoader.load(path: rulesPath) } catch { throw .rules(error) }
        let period: Period
        if let spec = periodSpec {
            guard let p = Period(spec: spec) else { throw .badPeriod(spec) }
            period = p
        } else if let p = rules.period {
            period = p
        } else {
            throw .noPeriod
        }
        do {
            let files = try expandInputs(activities)
            let roster = try RosterReader.read(path: membersPath)
            var ingestor = ActivityIngestor(members: roster.members, memberRejects: roster.rejects, memberFile: membersPath,
                                            memberRows: roster.rowsRead, memberSheet: roster.sheet, period: period,
                                            vocabulary: rules.vocabulary)
            let inputs = files.filter { $0 != membersPath }
            var done = 0, records = 0
            if let progress {
                ingestor.progress = { n in records = n; progress(done, inputs.count, n) }
            }
            for f in inputs {
                try ingestor.read(path: f, mapping: try Mapping.select(for: f, from: mappings))
                done += 1
                progress?(done, inputs.count, records)
            }
            timings?.mark("ingest")
            let run = Scorer.score(ingestor.finish(), rules: rules, period: period)
            timings?.mark("score")
            return run
        } catch let e as IngestError {
            throw .input(e)
        } catch {
            throw .input(.unreadable(path: membersPath, reason: "\(error)"))
        }
    }
}

/// Wall-clock time per phase, printed with `LVZHI_TIMING=1` (for benchmarks).
public final class PhaseTimings: @unchecked Sendable {
    private var last = ContinuousClock.now
    public private(set) var phases: [(String, Duration)] = []
    public init() {}
    public func mark(_ name: String) {
        let now = ContinuousClock.now
        phases.append((name, now - last))
        last = now
    }
    public var report: String {
        phases.map { "\($0.0) \(String(format: "%.3f", Double($0.1.components.attoseconds) / 1e18 + Double($0.1.components.seconds))) s" }
            .joined(separator: ", ")
    }
}
