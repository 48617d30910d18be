import LvzhiCore

/// Exit codes, documented in the README and `lvzhi --help`.
public enum ExitStatus {
    public static let success: Int32 = 0
    public static let rejected: Int32 = 1
    public static let badRules: Int32 = 2
    public static let badInput: Int32 = 3
    public static let usage: Int32 = 64
    public static let internalError: Int32 = 70
    /// Another run holds the output folder's lock (`--lock fail`); EX_TEMPFAIL.
    public static let locked: Int32 = 75
    /// Stopped by a signal: 128 + the signal number (130 SIGINT, 143 SIGTERM, 129 SIGHUP).
    public static func signaled(_ sig: Int32) -> Int32 { 128 + sig }
}

/// The one way a use case fails. Each case carries the message already in the person's
/// language; the command line maps it to an exit code, the web console to a page.
public enum LvzhiFailure: Error, Sendable, Equatable {
    /// Rejected records under `--strict` or above `--max-rejects` (the outputs were written).
    case rejected(String)
    /// Errors in a rule file, failing cases, a broken approval file.
    case badRules(String)
    /// Unreadable or malformed input, or outputs (the history included) that cannot be written.
    case badInput(String)
    /// A request that cannot be carried out as asked: a missing setting, a period published
    /// already, a run that does not exist or is not a draft.
    case usage(String)
    /// Another run holds the output folder's lock.
    case locked(String)
    /// A bug.
    case internalError(String)

    public var message: String {
        switch self {
        case .rejected(let m), .badRules(let m), .badInput(let m), .usage(let m), .locked(let m), .internalError(let m): m
        }
    }

    public var exitCode: Int32 {
        switch self {
        case .rejected: ExitStatus.rejected
        case .badRules: ExitStatus.badRules
        case .badInput: ExitStatus.badInput
        case .usage: ExitStatus.usage
        case .locked: ExitStatus.locked
        case .internalError: ExitStatus.internalError
        }
    }

    /// The failure for an exit code (for code that still decides by number).
    public static func code(_ code: Int32, _ message: String) -> LvzhiFailure {
        switch code {
        case ExitStatus.rejected: .rejected(message)
        case ExitStatus.badRules: .badRules(message)
        case ExitStatus.badInput: .badInput(message)
        case ExitStatus.usage: .usage(message)
        case ExitStatus.locked: .locked(message)
        default: .internalError(message)
        }
    }
}
