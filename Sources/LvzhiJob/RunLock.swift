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
///
/// The lock file is opened without following a symbolic link, only when it is a regular
/// file with no other hard link and no bigger than a lock file is, and it is never
/// truncated: a link or a hard link planted under the lock's name (to the history database,
/// say) is refused instead of emptied.
public final class RunLock: @unchecked Sendable {
    public let path: String
    private var fd: Int32

    public enum Failure: Error, Sendable {
        /// Another process holds the lock (`pid` as it wrote it into the file, when known).
        case busy(path: String, pid: Int32?)
        case cannotOpen(path: String, reason: String)
        /// The lock's name holds something that is not a lock file (a symbolic link, a hard
        /// link to another file, a folder, a file with other contents): refused, untouched.
        case notALockFile(path: String, reason: String)

        public func message(_ lang: Language, out: String) -> String {
            switch self {
            case .busy(let path, let pid):
                let who = pid.map { lang.pick("（进程号 \($0)）", " (pid \($0))") } ?? ""
                return lang.pick("错误: 另一个 lvzhi 评分任务\(who)正在写入输出文件夹 \(out)，本次运行已退出，未做任何改动。\n  提示: 等它结束后再运行，或在任务文件中写 lock: wait（命令行 --lock wait）让后来的运行排队等待。锁文件：\(path)",
                                 "error: another lvzhi run\(who) is writing to \(out); this run exited without changing anything.\n  hint: run again when it is done, or use lock: wait (--lock wait) to queue behind it. Lock file: \(path)")
            case .cannotOpen(let path, let reason):
                return lang.pick("错误: 无法创建锁文件 \(path)：\(SystemErrorText.localized(reason, .zh))", "error: cannot create the lock file \(path): \(reason)")
            case .notALockFile(let path, let reason):
                return lang.pick("错误: 锁文件 \(path) 不是 lvzhi 的锁文件：\(reason)。本次运行未做任何改动，该文件也未被改动。\n  提示: 查明是谁放在那里的；确认无误后删除它，下次运行会重新创建锁文件。",
                                 "error: the lock file \(path) is not lvzhi's lock file: \(reason). This run changed nothing, that file included.\n  hint: find out who put it there; once sure, remove it and the next run creates the lock file anew.")
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
    public static func acquire(path: String, mode: LockMode, lang: Language = .zh,
                               waiting: (Int32?) -> Void = { _ in }) throws(Failure) -> RunLock {
        let fd: Int32
        do { fd = try SafeFile.openOwned(path, flags: O_RDWR) } catch {
            if case .system(_, let reason) = error { throw .cannotOpen(path: path, reason: reason) }
            throw .notALockFile(path: path, reason: error.reason(lang))
        }
        var st = stat()
        if fstat(fd, &st) == 0, st.st_size > maxSize {
            close(fd)
            throw .notALockFile(path: path, reason: lang.pick("它有 \(st.st_size) 字节，锁文件只写一个进程号", "it holds \(st.st_size) bytes; a lock file holds only a process id"))
        }
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
        // Note who holds it, for the message the next run prints: written over the old text
        // at a fixed width, never truncated.
        write(record: "\(getpid())", fd: fd)
        return RunLock(path: path, fd: fd)
    }

    /// The largest lock file accepted: a process id, padded.
    static let maxSize = 64
    static let recordWidth = 16

    /// Writes `text` padded with spaces to ``recordWidth`` bytes at the start of the file.
    private static func write(record text: String, fd: Int32) {
        var bytes = Array(text.utf8.prefix(recordWidth - 1))
        bytes += [UInt8](repeating: 0x20, count: recordWidth - 1 - bytes.count) + [0x0A]
        _ = bytes.withUnsafeBufferPointer { pwrite(fd, $0.baseAddress, $0.count, 0) }
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
        Self.write(record: "", fd: fd)
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
