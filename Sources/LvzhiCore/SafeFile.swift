#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Opening files without being turned against them: every file lvzhi creates is opened
/// without following a symbolic link (a link planted in its place would otherwise make lvzhi
/// truncate or append to whatever it names), and every input is read only when it is a
/// regular file (a FIFO or a device such as `/dev/zero` would block or never end).
public enum SafeFile {
    /// Why a path cannot be used.
    public enum Problem: Error, Sendable, Equatable {
        /// The path is a symbolic link where lvzhi creates or writes a file.
        case symbolicLink(String)
        /// Not a regular file (a folder, FIFO, device or socket); `kind` names what it is.
        case notRegular(path: String, kind: Kind)
        /// A file with other hard links: writing it would change the other names too.
        case hardLinked(path: String, links: Int)
        /// open(2) or fstat(2) failed.
        case system(path: String, reason: String)

        public var path: String {
            switch self {
            case .symbolicLink(let p), .notRegular(let p, _), .hardLinked(let p, _), .system(let p, _): p
            }
        }

        /// The reason, without the path, for messages that name the path themselves.
        public func reason(_ lang: Language) -> String {
            switch self {
            case .symbolicLink:
                return lang.pick("它是一个符号链接（lvzhi 不会通过符号链接写入文件，以免改动链接指向的文件）",
                                 "it is a symbolic link (lvzhi does not write through symbolic links, which could change the file they name)")
            case .notRegular(_, let kind):
                return lang.pick("它是\(kind.zh)，不是普通文件", "it is \(kind.en), not a regular file")
            case .hardLinked(_, let n):
                return lang.pick("它还有其他 \(n - 1) 个硬链接名（写入会改动同一个文件的其他名字）",
                                 "it has \(n - 1) other hard link(s) (writing it would change the file under its other names)")
            case .system(_, let r):
                return SystemErrorText.localized(r, lang)
            }
        }
    }

    /// What a path that is not a regular file is.
    public enum Kind: String, Sendable, Equatable {
        case folder, fifo, characterDevice, blockDevice, socket, symbolicLink, other

        public var zh: String {
            switch self {
            case .folder: "文件夹"
            case .fifo: "命名管道（FIFO）"
            case .characterDevice: "字符设备"
            case .blockDevice: "块设备"
            case .socket: "套接字"
            case .symbolicLink: "符号链接"
            case .other: "特殊文件"
            }
        }

        public var en: String {
            switch self {
            case .folder: "a folder"
            case .fifo: "a named pipe (FIFO)"
            case .characterDevice: "a character device"
            case .blockDevice: "a block device"
            case .socket: "a socket"
            case .symbolicLink: "a symbolic link"
            case .other: "a special file"
            }
        }

        init(mode: mode_t) {
            switch mode & S_IFMT {
            case S_IFDIR: self = .folder
            case S_IFIFO: self = .fifo
            case S_IFCHR: self = .characterDevice
            case S_IFBLK: self = .blockDevice
            case S_IFSOCK: self = .socket
            case S_IFLNK: self = .symbolicLink
            default: self = .other
            }
        }
    }

    private static func errorText(_ e: Int32) -> String { String(cString: strerror(e)) }

    /// What `path` is when it is not a regular file (following symbolic links, as reading
    /// does); `nil` for a regular file or a path that does not exist.
    public static func nonRegularKind(_ path: String) -> Kind? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (st.st_mode & S_IFMT) == S_IFREG ? nil : Kind(mode: st.st_mode)
    }

    /// Opens an input for reading when it is a regular file. The open does not block on a
    /// FIFO (O_NONBLOCK, cleared again once the file is known to be regular).
    /// - Returns: the file descriptor (close-on-exec).
    /// - Throws: ``Problem`` (`.notRegular`, `.system`).
    public static func openForReading(_ path: String) throws(Problem) -> Int32 {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .system(path: path, reason: errorText(errno)) }
        _ = try regularStatus(fd, path)
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        return fd
    }

    /// The status of the open `fd` when it is a regular file; otherwise closes it and throws.
    private static func regularStatus(_ fd: Int32, _ path: String) throws(Problem) -> stat {
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let e = errno
            close(fd)
            throw .system(path: path, reason: errorText(e))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw .notRegular(path: path, kind: Kind(mode: st.st_mode))
        }
        return st
    }

    /// Checks that an input is a regular file before a library that opens it by path (and
    /// would block on a FIFO) reads it.
    public static func requireRegular(_ path: String) throws(Problem) {
        let fd = try openForReading(path)
        close(fd)
    }

    /// Opens (creating when missing) a file that lvzhi keeps and writes in place: a lock or
    /// a log. Refuses a symbolic link, anything but a regular file, and a file with other
    /// hard links. Never truncates.
    /// - Parameter flags: extra open(2) flags (`O_RDWR` or `O_WRONLY | O_APPEND`).
    public static func openOwned(_ path: String, flags: Int32, mode: mode_t = 0o644) throws(Problem) -> Int32 {
        let fd = open(path, flags | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let e = errno
            var st = stat()
            if e == ELOOP || (lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK) { throw .symbolicLink(path) }
            throw .system(path: path, reason: errorText(e))
        }
        let st = try regularStatus(fd, path)
        guard st.st_nlink <= 1 else {
            close(fd)
            throw .hardLinked(path: path, links: Int(st.st_nlink))
        }
        let fl = fcntl(fd, F_GETFL)
        if fl >= 0 { _ = fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) }
        return fd
    }

    /// Creates a new file that must not exist yet (O_CREAT|O_EXCL, so neither a file nor a
    /// symbolic link planted under the name is written through).
    public static func createNew(_ path: String, mode: mode_t = 0o644) throws(Problem) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let e = errno
            var st = stat()
            if lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK { throw .symbolicLink(path) }
            throw .system(path: path, reason: errorText(e))
        }
        return fd
    }

    /// Writes `data` to a new file at `path` (which must not exist), fsynced.
    public static func writeNew(_ data: Data, to path: String) throws(Problem) {
        var failure: Problem?
        data.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
            do throws(Problem) { try writeNew(buf, to: path, sync: true) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Writes `bytes` to a new file at `path` (which must not exist); fsynced when `sync` (a
    /// caller that makes a whole folder durable at once passes false). A file that could not be
    /// written in full is removed.
    /// With `recordHash`, the bytes' SHA-256 is recorded for the run manifest (``WrittenFiles``).
    public static func writeNew(_ bytes: UnsafeRawBufferPointer, to path: String, sync: Bool, recordHash: Bool = false) throws(Problem) {
        let fd = try createNew(path)
        var failure: Int32 = 0
        var off = 0
        while off < bytes.count {
            let n = write(fd, bytes.baseAddress! + off, bytes.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                failure = errno
                break
            }
            off += n
        }
        if failure == 0, sync, fsync(fd) != 0 { failure = errno }
        if failure == 0, recordHash { WrittenFiles.shared.record(fd: fd, sha256: ContentHash.sha256(bytes)) }
        if close(fd) != 0, failure == 0 { failure = errno }
        if failure != 0 {
            unlink(path)
            throw .system(path: path, reason: errorText(failure))
        }
    }

    /// Replaces `path` with `data`: written to a new temporary file beside it, then renamed
    /// over it. A symbolic link at `path` is replaced, not written through.
    public static func replace(_ path: String, with data: Data) throws(Problem) {
        let temp = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try writeNew(data, to: temp)
        } catch {
            unlink(temp)
            throw error
        }
        guard rename(temp, path) == 0 else {
            let e = errno
            unlink(temp)
            throw .system(path: path, reason: errorText(e))
        }
    }
}
