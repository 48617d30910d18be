#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// Clean stops on SIGINT, SIGTERM and SIGHUP, and exit code 70 instead of a bare crash.
public enum Interruption {
    /// The signals handled by ``onStop(_:)``.
    public static let stopSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Runs `handler` (on a background queue, not in signal context) when the process gets
    /// SIGINT, SIGTERM or SIGHUP. The handler must end the process. Call once, early.
    public static func onStop(_ handler: @escaping @Sendable (Int32) -> Void) {
        for sig in stopSignals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global(qos: .userInitiated))
            source.setEventHandler { handler(sig) }
            source.resume()
            sources.append(source)
        }
    }

    /// The name of a stop signal, for messages.
    public static func name(_ sig: Int32) -> String {
        switch sig {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        default: return "signal \(sig)"
        }
    }

    /// On a crash (a failed precondition, a bad memory access) print one line and exit with
    /// `code` instead of dying by the signal, so cron and systemd see "internal error".
    /// Whatever the run had staged is left for the next run to clean; outputs in place are
    /// untouched.
    public static func exitOnCrash(code: Int32) {
        crashExitCode = code
        for sig in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT] {
            signal(sig, crashHandler)
        }
    }
}

nonisolated(unsafe) private var crashExitCode: Int32 = 70

private let crashHandler: @convention(c) (Int32) -> Void = { _ in
    let msg: StaticString = "lvzhi: 内部错误，程序异常终止；原有输出未改动 (internal error: lvzhi crashed; previous outputs are untouched)\n"
    _ = write(2, msg.utf8Start, msg.utf8CodeUnitCount)
    _exit(crashExitCode)
}
