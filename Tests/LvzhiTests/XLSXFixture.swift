import Foundation
import ZIPFoundation

/// Builds small `.xlsx` packages part by part for tests, including broken and hostile ones.
struct XLSXFixture {
    struct SheetSpec {
        var name: String
        /// The `<sheetData>` content (rows), or a whole part when `raw` is set.
        var rows: String
        var state: String? = nil
        var raw: String? = nil
    }

    var sheets: [SheetSpec] = []
    /// `<si>` contents; plain strings are wrapped in `<t>`.
    var shared: [String] = []
    /// The `<numFmts>` and `<cellXfs>` content of styles.xml; `nil` leaves the part out.
    var numFmts: String = ""
    var cellXfs: String? = #"<xf numFmtId="0"/>"#
    var date1904 = false
    /// Parts replaced or added verbatim (by name), and parts left out.
    var overrides: [String: [UInt8]] = [:]
    var omit: Set<String> = []
    /// Entries written after all the parts, even under a name already written (a hostile package).
    var extraEntries: [(String, [UInt8])] = []
    var compression: CompressionMethod = .deflate

    init(_ sheets: [SheetSpec] = []) { self.sheets = sheets }

    /// One sheet named Sheet1 holding `rows`.
    init(rows: String, shared: [String] = []) {
        sheets = [SheetSpec(name: "Sheet1", rows: rows)]
        self.shared = shared
    }

    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    func parts() -> [(String, [UInt8])] {
        var out: [(String, String)] = []
        out.append(("[Content_Types].xml", """
            <?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/></Types>
            """))
        out.append(("_rels/.rels", """
            <?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="\(Self.rel)/officeDocument" Target="xl/workbook.xml"/></Relationships>
            """))
        var rels = ""
        var sheetList = ""
        for (i, s) in sheets.enumerated() {
            rels += #"<Relationship Id="rId\#(i + 1)" Type="\#(Self.rel)/worksheet" Target="worksheets/sheet\#(i + 1).xml"/>"#
            let state = s.state.map { #" state="\#($0)""# } ?? ""
            sheetList += #"<sheet name="\#(Self.escape(s.name))" sheetId="\#(i + 1)"\#(state) r:id="rId\#(i + 1)"/>"#
            let xml = s.raw ?? """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <worksheet xmlns="\(Self.main)" xmlns:r="\(Self.rel)"><dimension ref="A1"/><sheetData>\(s.rows)</sheetData><mergeCells count="0"/></worksheet>
                """
            out.append(("xl/worksheets/sheet\(i + 1).xml", xml))
        }
        rels += #"<Relationship Id="rIdS" Type="\#(Self.rel)/sharedStrings" Target="sharedStrings.xml"/>"#
        rels += #"<Relationship Id="rIdT" Type="\#(Self.rel)/styles" Target="/xl/styles.xml"/>"#
        out.append(("xl/_rels/workbook.xml.rels", """
            <?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\(rels)</Relationships>
            """))
        out.append(("xl/workbook.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="\(Self.main)" xmlns:r="\(Self.rel)"><workbookPr date1904="\(date1904 ? "1" : "0")"/><sheets>\(sheetList)</sheets></workbook>
            """))
        let si = shared.map { $0.hasPrefix("<") ? "<si>\($0)</si>" : "<si><t xml:space=\"preserve\">\(Self.escape($0))</t></si>" }.joined()
        out.append(("xl/sharedStrings.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <sst xmlns="\(Self.main)" count="\(shared.count)" uniqueCount="\(shared.count)">\(si)</sst>
            """))
        if let cellXfs {
            out.append(("xl/styles.xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <styleSheet xmlns="\(Self.main)"><numFmts>\(numFmts)</numFmts><cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>\
                <cellXfs>\(cellXfs)</cellXfs></styleSheet>
                """))
        }
        var result = out.filter { !omit.contains($0.0) }.map { ($0.0, overrides[$0.0] ?? Array($0.1.utf8)) }
        for (name, bytes) in overrides.sorted(by: { $0.key < $1.key }) where !result.contains(where: { $0.0 == name }) {
            result.append((name, bytes))
        }
        return result
    }

    @discardableResult
    func write(to path: String) throws -> String {
        try? FileManager.default.removeItem(atPath: path)
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for (name, bytes) in parts() + extraEntries {
            let data = Data(bytes)
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: compression) { pos, size in
                data.subdata(in: Int(pos)..<Int(pos) + size)
            }
        }
        return path
    }

    /// Rewrites the uncompressed size that the local and central headers of entry `name` declare.
    static func patchDeclaredSize(_ path: String, entry name: String, to size: UInt32) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let nameBytes = Array(name.utf8)
        func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
        func put32(_ i: Int, _ v: UInt32) { for k in 0..<4 { bytes[i + k] = UInt8((v >> (8 * UInt32(k))) & 0xFF) } }
        var patched = 0
        var i = 0
        while i + 46 < bytes.count {
            if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 0x03, bytes[i + 3] == 0x04 {
                let n = u16(i + 26)
                if Array(bytes[(i + 30)..<(i + 30 + n)]) == nameBytes { put32(i + 22, size); patched += 1 }
            } else if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 0x01, bytes[i + 3] == 0x02 {
                let n = u16(i + 28)
                if Array(bytes[(i + 46)..<(i + 46 + n)]) == nameBytes { put32(i + 24, size); patched += 1 }
            }
            i += 1
        }
        precondition(patched == 2, "entry \(name) not found twice")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}

/// `<row r="n">` with inline-string cells from column A on (empty strings leave the cell out).
func xlsxRow(_ n: Int, _ values: [String]) -> String {
    var cells = ""
    for (i, v) in values.enumerated() where !v.isEmpty {
        let col = String(UnicodeScalar(UInt8(65 + i)))
        cells += #"<c r="\#(col)\#(n)" t="inlineStr"><is><t>\#(XLSXFixture.escape(v))</t></is></c>"#
    }
    return #"<row r="\#(n)">\#(cells)</row>"#
}
