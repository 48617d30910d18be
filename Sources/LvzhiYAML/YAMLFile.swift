import Foundation
import LvzhiCore

/// Reads the text of a YAML file that lvzhi parses (rule, mapping, corrections and job files),
/// or says why it cannot: every such file is read and refused the same way.
public enum YAMLFile {
    /// What the file is, for the two refusals: e.g. ("规则文件", "rule file") with the ids
    /// R001 (cannot read) and R002 (not UTF-8).
    public struct Kind: Sendable {
        public var zh: String
        public var en: String
        public var unreadableID: String
        public var notUTF8ID: String

        public init(zh: String, en: String, unreadableID: String, notUTF8ID: String) {
            self.zh = zh
            self.en = en
            self.unreadableID = unreadableID
            self.notUTF8ID = notUTF8ID
        }
    }

    /// The file's text, or the diagnostic for a file that cannot be read or is not UTF-8.
    public static func text(path: String, kind: Kind) -> Result<String, Diagnostic> {
        // Only a regular file: a FIFO would block, /dev/zero never end.
        if let what = SafeFile.nonRegularKind(path) {
            return .failure(Diagnostic(
                id: kind.unreadableID, location: nil, zh: "无法读取\(kind.zh) \(path)：它是\(what.zh)，不是普通文件",
                en: "cannot read \(kind.en) \(path): it is \(what.en), not a regular file",
                hintZh: "这里要写一个文件的路径。", hintEn: "Name a file here."))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(Diagnostic(
                id: kind.unreadableID, location: nil, zh: "无法读取\(kind.zh) \(path)", en: "cannot read \(kind.en) \(path)",
                hintZh: "请检查路径是否正确、文件是否存在且可读。", hintEn: "Check that the path exists and is readable."))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(Diagnostic(
                id: kind.notUTF8ID, location: SourceLocation(file: path, line: 1), zh: "\(kind.zh)不是有效的 UTF-8 文本",
                en: "\(kind.en) is not valid UTF-8", hintZh: "请用 UTF-8 编码另存\(kind.zh)。", hintEn: "Save the \(kind.en) as UTF-8."))
        }
        return .success(text)
    }
}
