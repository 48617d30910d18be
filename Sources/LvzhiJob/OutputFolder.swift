#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import LvzhiCore

/// Folder-level atomic outputs.
///
/// A run writes everything into a staging folder beside the target (`PARENT/.NAME.tmp-PID`),
/// fsyncs every file and the folder, and only then swaps the staging folder into place:
/// - target absent: `rename(staging, target)`;
/// - target present: an atomic exchange (`renameat2(RENAME_EXCHANGE)` on Linux,
///   `renamex_np(RENAME_SWAP)` on macOS), after which the staging name holds the previous
///   outputs, which are then removed. Where the file system cannot exchange, the fallback
///   renames the target to `PARENT/.NAME.old-PID`, the staging folder to the target, and
///   removes the backup; a run killed between those two renames leaves the previous outputs
///   whole in the backup, and the next run puts them back (``recover()``).
///
/// So at every instant the target holds either the complete previous outputs or the complete
/// new ones. Files in an existing target that lvzhi does not write (a README someone put
/// there) are carried over into the new folder by hard link (or copy); a target holding
/// sub-folders lvzhi did not write is refused rather than swapped (``check(owned:)``).
///
/// All methods except ``abort()`` are called from one thread, with the ``RunLock`` held.
public final class OutputFolder: @unchecked Sendable {
    public let target: String
    public let parent: String
    public let name: String
    public let staging: String

    private enum State { case idle, staging, committing, done }
    private let mutex = NSLock()
    private var state = State.idle
    private var committed = false

    public enum Failure: Error, Sendable {
        case notAFolder(String)
        case foreignFolders(target: String, names: [String])
        case io(path: String, reason: String)
        /// The target is a mount point: it cannot be renamed or exchanged.
        case mountPoint(String)

        public func message(_ lang: Language) -> String {
            switch self {
            case .notAFolder(let p):
                return lang.pick("错误: 输出路径 \(p) 不能用作输出文件夹（它不是文件夹，或是根目录）",
                                 "error: \(p) cannot be the output folder (not a folder, or the root)")
            case .foreignFolders(let t, let names):
                let list = names.prefix(5).joined(separator: lang.pick("、", ", ")) + (names.count > 5 ? "…" : "")
                return lang.pick("错误: 输出文件夹 \(t) 中有不是 lvzhi 写的子文件夹（\(list)）。lvzhi 会整体替换输出文件夹，为免误删，本次运行未做任何改动。\n  提示: 请用一个专门的输出文件夹（例如 \(t)/lvzhi），或移走这些子文件夹。",
                                 "error: the output folder \(t) holds sub-folders lvzhi did not write (\(list)). lvzhi replaces the output folder as a whole, so it changed nothing.\n  hint: use a folder of its own for the outputs (e.g. \(t)/lvzhi), or move those sub-folders away.")
            case .io(let p, let reason):
                return lang.pick("错误: 无法写入 \(p)：\(SystemErrorText.localized(reason, .zh))", "error: cannot write \(p): \(reason)")
            case .mountPoint(let t):
                return lang.pick("错误: 输出文件夹 \(t) 是一个挂载点（另一个文件系统的根）。lvzhi 用一次原子交换整体替换输出文件夹，挂载点不能被交换，本次运行未做任何改动。\n  提示: 用挂载点中的一个子文件夹作输出文件夹，例如 --out \(t)/lvzhi。",
                                 "error: the output folder \(t) is a mount point (the root of another file system). lvzhi replaces the output folder with one atomic exchange, which a mount point cannot take part in; nothing was changed.\n  hint: use a folder inside it, e.g. --out \(t)/lvzhi.")
            }
        }
    }

    public init(target: String) {
        var t = JobPaths.normalize(target)
        // Write through a symbolic link to the folder it names, not over the link.
        var st = stat()
        // `.` and `..` have no name to swap under: use the folder's real path. A symbolic
        // link is written through, to the folder it names, not replaced.
        let isLink = lstat(t, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
        if isLink || t == "." || t.hasSuffix(".."), let real = realpath(t, nil) {
            t = String(cString: real)
            free(real)
        }
        self.target = t
        self.parent = JobPaths.directory(of: t)
        self.name = JobPaths.lastComponent(of: t)
        self.staging = (parent == "/" ? "" : parent) + "/.\(name).tmp-\(getpid())"
    }

    private var stagingPrefix: String { ".\(name).tmp-" }
    private var backupPrefix: String { ".\(name).old-" }

    /// Removes staging folders left by killed runs and restores the previous outputs if a
    /// run was killed in the middle of a fallback swap. Returns what it did, for the log.
    public func recover() throws(Failure) -> [String] {
        try makeParent()
        var did: [String] = []
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
        let backups = entries.filter { isLeftover($0, prefix: backupPrefix) }.sorted()
        if !backups.isEmpty, !exists(target), let last = backups.last {
            let p = join(parent, last)
            if rename(p, target) == 0 {
                did.append("restored \(p) → \(target)")
                syncFolder(parent)
            }
        }
        for e in entries where isLeftover(e, prefix: stagingPrefix) || isLeftover(e, prefix: backupPrefix) {
            let p = join(parent, e)
            guard exists(p) else { continue }
            removeTree(p)
            did.append("removed \(p)")
        }
        return did
    }

    /// Checks, before a run does its work, that the target can be replaced: it is a folder
    /// (or absent) and holds no sub-folders except ones named in `owned`.
    public func check(owned: Set<String>) throws(Failure) {
        var isDir: ObjCBool = false
        if target == "/" || name == "." || name == ".." { throw .notAFolder(target) }
        guard FileManager.default.fileExists(atPath: target, isDirectory: &isDir) else { return }
        guard isDir.boolValue else { throw .notAFolder(target) }
        var t = stat(), p = stat()
        if stat(target, &t) == 0, stat(parent, &p) == 0, t.st_dev != p.st_dev { throw .mountPoint(target) }
        let foreign = foreignEntries(owned: owned).filter { isDirectory(join(target, $0)) }.sorted()
        if !foreign.isEmpty { throw .foreignFolders(target: target, names: foreign) }
    }

    /// Creates the empty staging folder and returns its path.
    public func prepare() throws(Failure) -> String {
        try makeParent()
        removeTree(staging)
        guard mkdir(staging, 0o755) == 0 else { throw .io(path: staging, reason: String(cString: strerror(errno))) }
        mutex.withLock { state = .staging }
        return staging
    }

    /// Carries over foreign files of the old target, makes everything durable and swaps the
    /// staging folder into place. `owned` are the names lvzhi writes: old copies of them are
    /// not carried over (they would not match the new outputs).
    public func commit(owned: Set<String>) throws(Failure) {
        try check(owned: owned)
        try carryOver(owned: owned)
        // Durable contents before the rename makes them visible. On Linux one syncfs(2) makes
        // the whole staging tree durable (fsync of each of 20,000 member pages cost a journal
        // commit each: 6 s at 1M records); where it fails (an old kernel reporting a writeback
        // error, another system) every file is synced on its own, which names the file at fault.
        if !Self.syncFileSystem(of: staging) {
            try syncEachFile(owned: owned)
        }
        syncFolder(staging)
        let old = try swapHoldingMutex()
        syncFolder(parent)
        FaultPoint.reach("swapped")
        removeTree(old)     // the previous outputs (or nothing)
        FaultPoint.reach("old-removed")
    }

    /// syncfs(2) on the file system holding `path`; false where it is not available or fails.
    static func syncFileSystem(of path: String) -> Bool {
        #if os(Linux)
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return lvzhi_syncfs(fd) == 0
        #else
        return false
        #endif
    }

    private func syncEachFile(owned: Set<String>) throws(Failure) {
        for e in (try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? [] {
            let p = join(staging, e)
            // An output folder of lvzhi's own (members/): its files, then the folder.
            if owned.contains(e), isDirectory(p) {
                for f in (try? FileManager.default.contentsOfDirectory(atPath: p)) ?? [] { try syncFile(join(p, f)) }
                syncFolder(p)
            }
            try syncFile(p)
        }
    }

    /// The swap runs with the mutex held, so an interruption (``abort()``) waits for it.
    private func swapHoldingMutex() throws(Failure) -> String {
        mutex.lock()
        defer { mutex.unlock() }
        guard state == .staging else { throw .io(path: target, reason: "interrupted") }
        let old = try swap()
        state = .done
        committed = true
        return old
    }

    /// Puts the staging folder in place; returns the path now holding the previous outputs.
    private func swap() throws(Failure) -> String {
        if !exists(target) {
            guard rename(staging, target) == 0 else { throw .io(path: target, reason: String(cString: strerror(errno))) }
            return staging
        }
        if Self.exchange(staging, target) { return staging }
        let backup = join(parent, backupPrefix + "\(getpid())")
        removeTree(backup)
        guard rename(target, backup) == 0 else { throw .io(path: target, reason: String(cString: strerror(errno))) }
        guard rename(staging, target) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = rename(backup, target)
            throw .io(path: target, reason: reason)
        }
        return backup
    }

    /// Removes the staging folder unless the swap is under way or done (then it waits for
    /// the swap and leaves the new outputs). Safe to call from any thread, more than once.
    /// Returns true when the new outputs are in place.
    @discardableResult
    public func abort() -> Bool {
        mutex.lock()
        defer { mutex.unlock() }
        guard state == .staging else { return committed }
        state = .done
        // Rename first so that a writer still running on another thread cannot create
        // files in it by path any more, then remove.
        let trash = staging + ".abort"
        if rename(staging, trash) == 0 { removeTrash(trash) } else { removeTree(staging) }
        return false
    }

    /// Removes the renamed staging folder, again while a writer's file appears in it: a writer
    /// whose open was under way when the folder was renamed still creates its file there
    /// (1 run in 25 left a member page behind). Each writer's next open fails (the path is
    /// gone), so this ends within a few rounds; it gives up after about a second.
    private func removeTrash(_ trash: String) {
        for _ in 0..<100 {
            removeTree(trash)
            guard exists(trash) else { return }
            usleep(10_000)
        }
    }

    // MARK: - Helpers

    /// `PREFIX` + a pid (+ `.abort`): ours, not the staging folder of an output folder that
    /// merely has a similar name (`out.tmp-x` has `.out.tmp-x.tmp-PID`).
    private func isLeftover(_ e: String, prefix: String) -> Bool {
        guard e.hasPrefix(prefix) else { return false }
        var rest = e.dropFirst(prefix.count)
        if rest.hasSuffix(".abort") { rest = rest.dropLast(".abort".count) }
        return !rest.isEmpty && rest.allSatisfy { $0.isASCII && $0.isNumber }
    }

    private func foreignEntries(owned: Set<String>) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []
        return entries.filter { !isOwned($0, owned: owned) }
    }

    /// lvzhi's names, and the `NAME.tmp-PID` files older versions left when killed.
    private func isOwned(_ e: String, owned: Set<String>) -> Bool {
        if owned.contains(e) { return true }
        if let r = e.range(of: ".tmp-", options: .backwards), owned.contains(String(e[..<r.lowerBound])),
           e[r.upperBound...].allSatisfy(\.isNumber) { return true }
        return false
    }

    private func carryOver(owned: Set<String>) throws(Failure) {
        guard exists(target) else { return }
        for e in foreignEntries(owned: owned) {
            let from = join(target, e), to = join(staging, e)
            if exists(to) { continue }
            if link(from, to) == 0 { continue }
            do { try FileManager.default.copyItem(atPath: from, toPath: to) } catch {
                throw .io(path: to, reason: "\(error)")
            }
        }
    }

    private func makeParent() throws(Failure) {
        do { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) } catch {
            throw .io(path: parent, reason: "\(error)")
        }
    }

    private func join(_ a: String, _ b: String) -> String { a == "/" ? "/" + b : a + "/" + b }

    private func exists(_ p: String) -> Bool {
        var st = stat()
        return lstat(p, &st) == 0
    }

    private func isDirectory(_ p: String) -> Bool {
        var st = stat()
        return lstat(p, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    private func removeTree(_ p: String) {
        guard exists(p) else { return }
        try? FileManager.default.removeItem(atPath: p)
    }

    private func syncFile(_ p: String) throws(Failure) {
        guard !isDirectory(p) else { return }
        let fd = open(p, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }   // a symbolic link to nowhere carried over: nothing to sync
        defer { close(fd) }
        if fsync(fd) != 0 { throw .io(path: p, reason: String(cString: strerror(errno))) }
    }

    private func syncFolder(_ p: String) {
        let fd = open(p, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// Atomically exchanges two paths; false where the system or file system cannot.
    static func exchange(_ a: String, _ b: String) -> Bool {
        #if os(Linux)
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return false }
        let renameat2 = unsafeBitCast(sym, to: RenameAt2.self)
        let renameExchange: UInt32 = 2
        return renameat2(AT_FDCWD, a, AT_FDCWD, b, renameExchange) == 0
        #elseif canImport(Darwin)
        return renamex_np(a, b, UInt32(RENAME_SWAP)) == 0
        #else
        return false
        #endif
    }
}

#if os(Linux)
/// glibc's syncfs(2) (since 2.14); the Glibc module does not export it.
@_silgen_name("syncfs")
private func lvzhi_syncfs(_ fd: Int32) -> Int32
#endif
