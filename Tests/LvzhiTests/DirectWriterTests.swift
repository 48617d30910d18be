import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import LvzhiCore

/// ``DirectWriter``: whatever the pieces, the patches and the way the file system takes the
/// writes (direct, refused and then buffered, or buffered from the start), the file holds
/// exactly the bytes given.
@Suite struct DirectWriterTests {
    enum Mode: String, CaseIterable, CustomTestStringConvertible {
        /// Direct where the file system takes it (it does on this machine's ext4).
        case direct
        /// Direct asked for, the first direct write refused (as a device with larger blocks
        /// refuses it): the page cache takes over.
        case refused
        /// Direct asked for, the first direct read refused (a patch of written bytes).
        case readRefused
        case buffered
        var testDescription: String { rawValue }
    }

    private static func open(_ path: String) throws -> Int32 {
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        try #require(fd >= 0)
        return fd
    }

    private static func writer(_ mode: Mode, fd: Int32, path: String, capacity: Int) -> DirectWriter {
        switch mode {
        case .direct: return DirectWriter(fd: fd, path: path, capacity: capacity)
        case .refused, .readRefused:
            let w = DirectWriter(fd: fd, path: path, capacity: capacity)
            if mode == .refused { w.refuseNextDirect = true }
            return w
        case .buffered: return DirectWriter(fd: fd, path: path, direct: false, capacity: capacity)
        }
    }

    @Test(arguments: Mode.allCases)
    func randomPiecesAndPatchesGiveTheBytes(_ mode: Mode) throws {
        let scratch = Scratch()
        var rng = SplitMix64(seed: 31)
        for round in 0..<24 {
            let path = scratch.path + "/f\(round)"
            let fd = try Self.open(path)
            defer { close(fd) }
            let capacity = [4_096, 8_192, 20_000, 1 << 16][round % 4]
            let w = Self.writer(mode, fd: fd, path: path, capacity: capacity)
            var expected: [UInt8] = []
            // Lengths around the block and buffer sizes, and empty pieces.
            let target = [0, 1, 4_095, 4_096, 4_097, capacity, capacity + 1, 3 * capacity - 5][round % 8] + Int(rng.next() % 3) * 4_096
            while expected.count < target {
                let n = min(target - expected.count, Int(rng.next() % UInt64(capacity + capacity / 2)))
                let piece = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                try w.append(piece)
                expected += piece
                #expect(w.length == expected.count)
                // Now and then a patch anywhere in what is there: written out or still gathered.
                if !expected.isEmpty && rng.next() % 3 == 0 {
                    let at = Int(rng.next() % UInt64(expected.count))
                    if mode == .readRefused && at < w.length - capacity { w.refuseNextDirect = true }
                    let len = min(expected.count - at, Int(rng.next() % 9_000))
                    let patch = (0..<len).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                    try w.patch(patch, at: at)
                    expected.replaceSubrange(at..<(at + len), with: patch)
                }
            }
            try w.finish()
            let got = try #require(FileManager.default.contents(atPath: path))
            #expect(got.count == expected.count, "round \(round) (\(mode))")
            #expect(got == Data(expected), "round \(round) (\(mode))")
            // Direct where the file system is one lvzhi writes directly to (this machine's /tmp: ext4).
            let capable = DirectWriter.directFileSystem(fd) && DirectWriter.enabled
            if mode == .direct { #expect(w.direct == capable, "round \(round)") }
            if mode == .refused && target > 0 { #expect(!w.direct, "a refused direct write falls back: round \(round)") }
        }
    }

    /// The file system check reads statfs's f_type right: it agrees with `stat -f`.
    @Test func fileSystemCheckAgreesWithStat() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/stat") else { return }
        let scratch = Scratch()
        let fd = try Self.open(scratch.path + "/f")
        defer { close(fd) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/stat")
        p.arguments = ["-f", "-c", "%t", scratch.path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        let hex = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(DirectWriter.directFileSystem(fd) == ["ef53", "58465342", "9123683e"].contains(hex), "stat -f says \(hex)")
    }

    /// A file system full (or any other write error) is reported, not lost.
    @Test func writeErrorsAreThrown() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let fd = Glibc.open("/dev/full", O_WRONLY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        let w = DirectWriter(fd: fd, path: "/dev/full", capacity: 4_096)
        #expect(throws: SafeFile.Problem.self) {
            try w.append([UInt8](repeating: 7, count: 10_000))
            try w.finish()
        }
    }
}
