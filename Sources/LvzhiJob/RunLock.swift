#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LvzhiCore

/// An exclusive flock(2) on a lock file beside the output folder (`OUT.lock`), held for the
/// whole run so that two runs on the same output folder never overlap. The kernel releases
/// it when the process ends however it ends (SIGKILL included), so a lock is never stale.
/// The lock file itself is left in place: removing it would let a third run lock a new
/// file while a second still waits on the old one.
public final class RunLock: @unchecked Sendable {
    public let path: String
    private var fd: Int32

    public enum Failure: Error, Sendable {
        /// Another process holds the lock (`pid` as it wrote it into the file, when known).
        case busy(path: String, pid: Int32?)
        case cannotOpen(path: String, reason: String)

        public func message(_ lang: Language, out: String) -> String {
            switch self {
            case .busy(let path, let pid):
                let who = pid.map { lang.pick("（进程号 \($0)）", " (pid \($0))") } ?? ""
                return lang.pick("错误: 另一个 lvzhi 评分任务\(who)正在写入输出文件夹 \(out)，本次运行已退出，未做任何改动。\n  提示: 等它结束后再运行，或在任务文件中写 lock: wait（命令行 --lock wait）让后来的运行排队等待。锁文件：\(path)",
                                 "error: another lvzhi run\(who) is writing to \(out); this run exited without changing anything.\n  hint: run again when it is done, or use lock: wait (--lock wait) to queue behind it. Lock file: \(path)")
            case .cannotOpen(let path, let reason):
                return lang.pick("错误: 无法创建锁文件 \(path)：\(reason)", "error: cannot create the lock file \(path): \(reason)")
            }
        }
    }

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    /// The lock file for output folder `out`: `out.lock` in the same parent folder.
    public static func path(forOutput out: String) -> String {
        JobPaths.normalize(out) + ".lock"
    }

    /// Takes the lock. With `.wait`, blocks until it is free, calling `waiting` once first.
    public static func acquire(path: String, mode: LockMode, waiting: (Int32?) -> Void = { _ in }) throws(Failure) -> RunLock {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            guard e == EWOULDBLOCK || e == EAGAIN else {
                close(fd)
                throw .cannotOpen(path: path, reason: String(cString: strerror(e)))
            }
            let holder = readPID(fd)
            if mode == .fail {
                close(fd)
                throw .busy(path: path, pid: holder)
            }
            waiting(holder)
            while flock(fd, LOCK_EX) != 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(fd)
                throw .cannotOpen(path: path, reason: reason)
            }
        }
        // Note who holds it, for the message the next run prints.
        let text = Array("\(getpid())\n".utf8)
        if ftruncate(fd, 0) == 0 {
            _ = text.withUnsafeBufferPointer { pwrite(fd, $0.baseAddress, $0.count, 0) }
        }
        return RunLock(path: path, fd: fd)
    }

    private static func readPID(_ fd: Int32) -> Int32? {
        var buf = [UInt8](repeating: 0, count: 32)
        let n = buf.withUnsafeMutableBufferPointer { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let s = String(decoding: buf[0..<n], as: UTF8.self).trimmingSpaces
        // A pid left by a run that was killed is not the holder: only name a live process.
        guard let pid = Int32(s), pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return nil }
        return pid
    }

    /// Releases the lock (also released when the process exits).
    public func release() {
        guard fd >= 0 else { return }
        _ = ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
