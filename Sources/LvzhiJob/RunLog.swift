#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import LvzhiCore

/// `--log FILE`: plain lines appended to a file, each starting with the local time and the
/// process id (`2025-12-31T02:30:00+08:00 [4242] 开始 …`). Every line goes out in one
/// write(2) on a file opened with O_APPEND, so lines of overlapping runs never interleave
/// mid-line, and a run killed at any point leaves only whole lines behind.
public final class RunLog: @unchecked Sendable {
    public let path: String
    private let fd: Int32
    private let mutex = NSLock()
    private let formatter: ISO8601DateFormatter

    public struct OpenFailure: Error, Sendable {
        public var path: String
        public var reason: String
    }

    public init(path: String, lang: Language = .zh) throws(OpenFailure) {
        self.path = path
        let dir = JobPaths.directory(of: path)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // Appended to in place: never through a symbolic link, never a FIFO, device or a
        // file with other hard links (the log would be written into whatever they name).
        do { fd = try SafeFile.openOwned(path, flags: O_WRONLY | O_APPEND) } catch {
            throw OpenFailure(path: path, reason: error.reason(lang))
        }
        formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone.current
        formatter.formatOptions = [.withInternetDateTime]
    }

    /// Appends `text`; a text of several lines becomes several timestamped lines.
    public func line(_ text: String) {
        mutex.lock()
        defer { mutex.unlock() }
        let prefix = "\(formatter.string(from: Date())) [\(getpid())] "
        var out = ""
        // Control characters from inputs never act on a terminal showing the log; values with
        // line breaks (a file name) are escaped where they are put in, so a line stays a line.
        for line in TerminalText.escape(text, keepingNewlines: true).split(separator: "\n", omittingEmptySubsequences: false) {
            out += prefix + line + "\n"
        }
        let bytes = Array(out.utf8)
        _ = bytes.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count) }
    }

    deinit { close(fd) }
}

/// The progress bar shown on stderr when it is a terminal: records read and files done,
/// redrawn at most ten times a second, erased when the run finishes.
public final class ProgressMeter: @unchecked Sendable {
    public let enabled: Bool
    private let lang: Language
    private var last = ContinuousClock.now - .seconds(1)
    private var shown = false

    public init(enabled: Bool, lang: Language) {
        self.enabled = enabled
        self.lang = lang
    }

    /// Call as often as you like; draws when 100 ms have passed (or `force`).
    public func update(filesDone: Int, filesTotal: Int, records: Int, force: Bool = false) {
        guard enabled else { return }
        let now = ContinuousClock.now
        guard force || now - last >= .milliseconds(100) else { return }
        last = now
        let width = 24
        let filled = filesTotal > 0 ? min(width, filesDone * width / filesTotal) : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let n = records.grouped
        let text = lang.pick("读取中 [\(bar)] 文件 \(filesDone)/\(filesTotal)，记录 \(n) 条",
                             "reading [\(bar)] files \(filesDone)/\(filesTotal), records \(n)")
        emit("\r\u{1B}[2K" + text)
        shown = true
    }

    /// A one-off status (`正在写入报告…`) in place of the bar.
    public func status(_ text: String) {
        guard enabled else { return }
        emit("\r\u{1B}[2K" + text)
        shown = true
    }

    /// Erases the bar.
    public func finish() {
        guard enabled, shown else { return }
        emit("\r\u{1B}[2K")
        shown = false
    }

    private func emit(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }

}
