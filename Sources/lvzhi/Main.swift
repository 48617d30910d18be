import ArgumentParser
import Foundation
import LvzhiJob

extension Lvzhi {
    /// ArgumentParser's `main`, except that an error no command expected is an internal error:
    /// exit code 70 with a readable message (not 1, which means "rejected records"), and a
    /// crash exits 70 too instead of dying by a signal.
    static func main() {
        Interruption.exitOnCrash(code: Exit.internalError)
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            try command.run()
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
