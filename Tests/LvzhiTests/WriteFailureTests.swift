import Foundation
import Testing
@testable import LvzhiApp
@testable import LvzhiCore
@testable import LvzhiIngest
@testable import LvzhiReport

/// A run that cannot write an output says which file and why, in its language: not the
/// error's debug form (`system(path: …)` or `Error Domain=NSCocoaErrorDomain Code=512 …`).
@Suite struct WriteFailureTests {
    @Test func safeFileProblemsNameTheFileAndTheReason() {
        let p = SafeFile.Problem.system(path: "/out/.x.tmp-1/ledger.csv", reason: "No space left on device")
        #expect(ScoringTransaction.writeFailure(p, lang: .zh) == "/out/.x.tmp-1/ledger.csv：磁盘空间不足（No space left on device）")
        #expect(ScoringTransaction.writeFailure(p, lang: .en) == "/out/.x.tmp-1/ledger.csv: No space left on device")
        let link = SafeFile.Problem.symbolicLink("/out/report.html")
        #expect(ScoringTransaction.writeFailure(link, lang: .zh).hasPrefix("/out/report.html：它是一个符号链接"))
    }

    /// The system's English reasons read in Chinese, the English kept beside them; unknown
    /// reasons and English messages are left as they are.
    @Test func systemReasonsAreShownInChinese() {
        let enoent = String(cString: strerror(ENOENT))
        #expect(SystemErrorText.localized(enoent, .zh) == "文件或文件夹不存在（\(enoent)）")
        #expect(SystemErrorText.localized(enoent, .en) == enoent)
        #expect(SystemErrorText.localized("/a/b.csv: " + enoent, .zh) == "/a/b.csv: 文件或文件夹不存在（\(enoent)）")
        #expect(SystemErrorText.localized("libxml2 could not open the file", .zh) == "libxml2 could not open the file")
        #expect(SystemErrorText.describe(EACCES, .zh).hasPrefix("没有权限（"))
    }

    /// A missing input whose name is one typo from a file beside it: the hint names that file.
    @Test func aMissingInputSuggestsTheFileOfTheNearestName() {
        let scratch = Scratch()
        _ = scratch.write("members.csv", "member_id,name\n")
        let d = IngestError.unreadable(path: scratch.path + "/member.csv", reason: String(cString: strerror(ENOENT))).diagnostic
        #expect(d.hintZh == "是否想写 \(scratch.path)/members.csv？" && d.hintEn == "did you mean \(scratch.path)/members.csv?")
        #expect(d.zh.contains("文件或文件夹不存在"))
        let far = IngestError.unreadable(path: scratch.path + "/activities.xml", reason: String(cString: strerror(ENOENT))).diagnostic
        #expect(far.hintZh == "请检查路径和权限。")
    }

    @Test func foundationErrorsNameTheFileAndTheSystemsReason() throws {
        let scratch = Scratch()
        let file = scratch.path + "/plain"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        // A folder where a file is: Foundation's error, with the POSIX reason beneath it.
        var thrown: (any Error)?
        do { try FileManager.default.createDirectory(atPath: file + "/members", withIntermediateDirectories: true) } catch { thrown = error }
        let error = try #require(thrown)
        let text = ScoringTransaction.writeFailure(error, lang: .en)
        #expect(!text.contains("Error Domain") && !text.contains("NSCocoaErrorDomain"), "\(text)")
        #expect(text == file + "/members: " + String(cString: strerror(ENOTDIR)), "\(text)")
        let made = CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: "/out/a.csv",
                                                           NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC))])
        #expect(ScoringTransaction.writeFailure(made, lang: .en) == "/out/a.csv: " + String(cString: strerror(ENOSPC)))
    }

    /// A streamed output that fails to be written is reported under its own name.
    @Test func streamedOutputsFailWithTheirName() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let scratch = Scratch()
        let path = scratch.path + "/ledger.csv"
        var b = try ByteBuffer.streaming(to: path)
        // Point the sink's file at /dev/full: every write fails with ENOSPC.
        let full = open("/dev/full", O_WRONLY | O_CLOEXEC)
        try #require(full >= 0)
        #expect(dup2(full, try #require(b.sinkDescriptor)) >= 0)
        close(full)
        b.append(String(repeating: "记录,", count: 2_000_000))
        do {
            try b.finish()
            Issue.record("a write to a full device finished")
        } catch let p as SafeFile.Problem {
            #expect(p.path == path)
            #expect(ScoringTransaction.writeFailure(p, lang: .en) == path + ": " + String(cString: strerror(ENOSPC)))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty, "no temporary file left")
    }
}

/// An input changed while the run read it (an export still being written) is noticed once it
/// has been read and hashed: its size, modification time or identity differ from before.
@Suite struct InputStampsTests {
    @Test func aChangedInputIsNamed() throws {
        let scratch = Scratch()
        let a = scratch.write("a.csv", "x\n"), b = scratch.write("b.csv", "y\n")
        let stamps = InputStamps.take([a, b, scratch.path + "/missing.csv"])
        #expect(stamps.changed() == nil)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: b))
        try h.seekToEnd()
        try h.write(contentsOf: Data("z\n".utf8))
        try h.close()
        #expect(stamps.changed() == b)
        // Replaced by another file of the same size: a new identity.
        let again = InputStamps.take([a])
        try FileManager.default.removeItem(atPath: a)
        _ = scratch.write("a.csv", "q\n")
        #expect(again.changed() == a || InputStamps.stamp(a)?.inode == again.stamps[0].stamp?.inode)
    }
}

