import LvzhiCore
import LvzhiScoring

/// The self-contained HTML report (first cut).
public enum HTMLReport {
    public static func render(_ s: RunSummary, lang: Language) -> ByteBuffer {
        var o = ByteBuffer()
        o.append("<!doctype html><meta charset=utf-8><title>\(Escape.html(s.run.rules.name))</title>")
        return o
    }
}
