#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Named points in the commit phase of `lvzhi score` where a test can kill the process:
/// with `LVZHI_FAULT_AT=NAME` in the environment, reaching point NAME raises SIGKILL, the
/// way a power cut or the OOM killer would stop the run there. Without the variable a point
/// costs one comparison. Used by the fault-injection test of the all-or-nothing commit.
public enum FaultPoint {
    /// The points of the commit phase, in the order a run reaches them.
    public static let commitPhase = [
        "staged",             // every output and the manifest written and fsynced in the staging folder
        "history-rows",       // the run's rows written, the transaction not yet committed
        "history-pending",    // the run recorded as pending (committed), the outputs not yet swapped
        "swapped",            // the staging folder swapped into place, the previous outputs not yet removed
        "old-removed",        // the previous outputs removed
        "history-completed",  // the pending run completed (draft or published) in the history
    ]

    private static let armed: String? = {
        guard let p = getenv("LVZHI_FAULT_AT") else { return nil }
        let s = String(cString: p)
        return s.isEmpty ? nil : s
    }()

    /// Kills the process with SIGKILL when `LVZHI_FAULT_AT` names this point.
    public static func reach(_ name: String) {
        guard let armed, armed == name else { return }
        raise(SIGKILL)
    }
}
