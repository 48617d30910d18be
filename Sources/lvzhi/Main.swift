import ArgumentParser
import Foundation
import LvzhiJob
#if canImport(Glibc)
import Glibc
#endif

extension Lvzhi {
    /// ArgumentParser's `main`, except that an error no command expected is an internal error:
    /// exit code 70 with a readable message (not 1, which means "rejected records"), and a
    /// crash exits 70 too instead of dying by a signal.
    static func main() async {
        Interruption.exitOnCrash(code: Exit.internalError)
        #if canImport(Glibc)
        // glibc raises its mmap threshold each time a large block is freed, after which the
        // big arrays of a run (batches, records, ledgers, output buffers) come from the heap
        // and stay there fragmented: 1M records peaked at 310–318 MiB. A fixed threshold
        // keeps blocks of 1 MiB and more in mmap and returns them when freed: 281 MiB, the
        // same wall time within the machine's noise (docs/benchmarks.md).
        // (mallopt is not in Swift's Glibc module: looked up by name; M_MMAP_THRESHOLD is -3.)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        if let mallopt = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
            _ = unsafeBitCast(mallopt, to: Mallopt.self)(-3, 1 << 20)
        }
        #endif
        // An empty argument (`--history ""`, `--out "$UNSET"`) is a mistake, never a path: the
        // history went nowhere while the run said it was recorded, and `--out ""` swapped out the
        // working folder. Refused before anything is read or written, as a job file's J016 is.
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let i = arguments.firstIndex(of: "") {
            let after = i > 0 ? arguments[i - 1] : ""
            let english = ParseErrors.wantsEnglish(arguments)
            printErr(english ? "error: an empty argument\(after.hasPrefix("-") ? " after \(after)" : ""); write a path or value, or leave the option out"
                             : "错误: 参数为空\(after.hasPrefix("-") ? "（\(after) 之后）" : "")；请写出路径或取值，或者不写这个选项")
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            // Help and version are printed as they are; errors in the user's language.
            let code = exitCode(for: error)
            let arguments = Array(CommandLine.arguments.dropFirst())
            guard code != .success, !ParseErrors.wantsEnglish(arguments) else { exit(withError: error) }
            printErr(ParseErrors.chinese(fullMessage(for: error)))
            Foundation.exit(code.rawValue)
        }
        do {
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let e as ExitCode {
            exit(withError: e)
        } catch let e as CleanExit {
            exit(withError: e)
        } catch let e as ValidationError {
            exit(withError: e)
        } catch where String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") {
            // ArgumentParser's own errors (a command without run() asks for help).
            exit(withError: error)
        } catch {
            printErr("lvzhi: 内部错误 (internal error): \(error)")
            Foundation.exit(Exit.internalError)
        }
    }
}
