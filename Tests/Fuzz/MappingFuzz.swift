// libFuzzer harness for the mapping-file parser (MappingLoader.parse on YAML text, CSV and XML
// mappings), built by Tests/Fuzz/run mapping with Yams compiled from .build/checkouts. Every
// input must either parse into a mapping or throw a MappingError whose diagnostics all have a
// place in the file and render in both languages; a crash, hang or sanitizer report is a bug.
import Foundation
import LvzhiCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let m = try MappingLoader.parse(text, path: "/fuzz/m.yaml")
        precondition(!m.files.isEmpty)
        precondition(m.xml != nil || !m.columns.isEmpty)
        if let x = m.xml { precondition(!x.record.isEmpty) }
        _ = m.applies(to: "/fuzz/x.csv")
    } catch {
        precondition(!error.diagnostics.isEmpty)
        for d in error.diagnostics {
            precondition(d.location?.file == "/fuzz/m.yaml")
            _ = d.render(.zh, source: text)
            _ = d.render(.en, source: text)
        }
    }
    return 0
}
