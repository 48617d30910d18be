import ArgumentParser
import Foundation
import LvzhiApp
import LvzhiCore

/// The pinned run time of the commands that print one (`score`, `diff`, `serve`,
/// `history publish`): `--run-time`, else `SOURCE_DATE_EPOCH`. A value that names no real moment
/// is a usage error (exit 64, U001/U002), never rolled over into another time nor ignored.
enum RunTimeOption {
    /// - Throws: `ValidationError` with the message in `lang`.
    static func validate(_ runTime: String?, _ lang: Language,
                         environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        if let runTime {
            let t = runTime.trimmingSpaces
            if let message = PinnedTime.runTimeError(t, lang) { throw ValidationError(message) }
            if RunTime.parse(t) == nil {
                throw ValidationError(lang.pick("[\(PinnedTime.runTimeID)] 无法识别的时间“\(TerminalText.escape(runTime))”，应写作 ISO 8601，如 2025-12-31T09:00:00+08:00",
                                                "[\(PinnedTime.runTimeID)] unrecognised time '\(TerminalText.escape(runTime))'; write ISO 8601, e.g. 2025-12-31T09:00:00+08:00"))
            }
            return  // the flag wins over the environment
        }
        do { _ = try PinnedTime.sourceDateEpoch(environment["SOURCE_DATE_EPOCH"], lang) } catch {
            throw ValidationError(error.message)
        }
    }
}
