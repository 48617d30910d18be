/// Path arithmetic on strings, for where Foundation's cannot be trusted: on Linux,
/// `NSString.deletingLastPathComponent` traps on a path that is one character (`h`, `中`, `h/`),
/// so `--history h` crashed the run.
public enum PathText {
    /// The folder part of `path`, as `NSString.deletingLastPathComponent` gives it where that works:
    /// `""` for a bare name, `"/"` for a file in the root, trailing slashes ignored (`a/b/` → `a`).
    public static func parent(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return "" }
        if slash == p.startIndex { return "/" }
        var head = p[..<slash]
        while head.count > 1, head.hasSuffix("/") { head = head.dropLast() }
        return String(head)
    }
}
