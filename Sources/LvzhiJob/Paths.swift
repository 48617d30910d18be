#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Path arithmetic for job files: purely lexical, so a job file's relative paths come out the
/// same however the job file itself was named (`scripts/cron/../../Samples` → `Samples`).
public enum JobPaths {
    /// `path` resolved against `base` when it is relative, then normalised.
    public static func resolve(_ path: String, against base: String) -> String {
        if path.hasPrefix("/") || base.isEmpty || base == "." { return normalize(path) }
        return normalize(base + "/" + path)
    }

    /// Removes `.` components, empty components and `x/..` pairs; keeps leading `..` of
    /// relative paths. Returns `.` for an empty relative path.
    public static func normalize(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for c in path.split(separator: "/", omittingEmptySubsequences: true) {
            if c == "." { continue }
            if c == ".." {
                if let last = parts.last, last != ".." { parts.removeLast(); continue }
                if absolute { continue }
            }
            parts.append(c)
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// The folder holding `path` (`.` for a bare file name).
    public static func directory(of path: String) -> String {
        let n = normalize(path)
        guard let slash = n.lastIndex(of: "/") else { return n == ".." ? "../.." : "." }
        if slash == n.startIndex { return "/" }
        return String(n[..<slash])
    }

    /// The last component of `path`.
    public static func lastComponent(of path: String) -> String {
        let n = normalize(path)
        guard let slash = n.lastIndex(of: "/") else { return n }
        return String(n[n.index(after: slash)...])
    }

    /// True when `path` holds glob(3) wildcards (`*`, `?`, `[`).
    public static func isPattern(_ path: String) -> Bool {
        path.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    /// `s` with glob(3) wildcards escaped, for a folder name that is not meant as a pattern.
    public static func escapePattern(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ch == "*" || ch == "?" || ch == "[" || ch == "]" || ch == "\\" { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    /// The paths matching a glob(3) pattern, sorted (by Swift's string order, not by
    /// the locale, so the result does not depend on `LANG`). Empty when nothing matches.
    public static func expand(pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard glob(pattern, 0, nil, &g) == 0 else { return [] }
        var out: [String] = []
        for i in 0..<Int(g.gl_pathc) {
            if let p = g.gl_pathv[i] { out.append(String(cString: p)) }
        }
        return out.sorted()
    }
}
