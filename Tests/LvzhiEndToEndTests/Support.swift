import Foundation
import Testing

/// The package root, found from this file's location.
let packageRoot: String = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/")

/// The built `lvzhi` binary: `$LVZHI_BIN`, or the debug build in `.build`.
let lvzhiBinary: String = {
    if let p = ProcessInfo.processInfo.environment["LVZHI_BIN"], !p.isEmpty { return p }
    return packageRoot + "/.build/debug/lvzhi"
}()

struct RunResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the built binary with `arguments` from the package root.
func lvzhi(_ arguments: [String], environment: [String: String] = [:], directory: String = packageRoot) throws -> RunResult {
    guard FileManager.default.isExecutableFile(atPath: lvzhiBinary) else {
        throw BinaryMissing(path: lvzhiBinary)
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: lvzhiBinary)
    p.arguments = arguments
    p.currentDirectoryURL = URL(fileURLWithPath: directory)
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    p.environment = env
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return RunResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

/// Starts the built binary without waiting for it (signal and lock tests). Its stdout goes
/// nowhere; its stderr goes to `stderrPath` when given.
func startLvzhi(_ arguments: [String], environment: [String: String] = [:], stderrPath: String? = nil) throws -> Process {
    guard FileManager.default.isExecutableFile(atPath: lvzhiBinary) else {
        throw BinaryMissing(path: lvzhiBinary)
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: lvzhiBinary)
    p.arguments = arguments
    p.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    p.environment = env
    p.standardInput = FileHandle.nullDevice
    p.standardOutput = FileHandle.nullDevice
    if let stderrPath {
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        p.standardError = FileHandle(forWritingAtPath: stderrPath)
    } else {
        p.standardError = FileHandle.nullDevice
    }
    try p.run()
    return p
}

struct BinaryMissing: Error, CustomStringConvertible {
    var path: String
    var description: String { "lvzhi binary not found at \(path): run `swift build` first or set LVZHI_BIN" }
}

final class Scratch: Sendable {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "lvzhi-e2e-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        let p = file(name)
        try! FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
        return p
    }
    func read(_ name: String) -> String { (try? String(contentsOfFile: file(name), encoding: .utf8)) ?? "" }
    func data(_ name: String) -> Data { FileManager.default.contents(atPath: file(name)) ?? Data() }
}

/// Reads scores.json's members by id.
func membersByID(_ data: Data) throws -> [String: [String: Any]] {
    let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let members = try #require(root["members"] as? [[String: Any]])
    var out: [String: [String: Any]] = [:]
    for m in members { out[m["member_id"] as! String] = m }
    return out
}

/// A JSON number as exact decimal text (JSONSerialization gives NSNumber).
func decimalText(_ v: Any?) -> String {
    guard let n = v as? NSNumber else { return "nil" }
    return n.decimalValue.description
}
