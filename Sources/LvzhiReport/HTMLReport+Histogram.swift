import LvzhiCore
import LvzhiRules

/// The score distribution as an inline SVG: members per score bin, stacked by grade, with
/// the grade thresholds drawn as dashed vertical lines. All geometry is integer arithmetic.
extension HTMLWriter {
    mutating func histogram() {
        guard !s.rows.isEmpty else {
            raw("<p class=\"empty\">\(t("没有委员。", "No members."))</p>\n")
            return
        }
        let scale = Points.scale
        var lo = s.rows[0].score.raw, hi = lo
        for r in s.rows { lo = min(lo, r.score.raw); hi = max(hi, r.score.raw) }
        for g in grades { if let m = g.min { lo = min(lo, m.raw); hi = max(hi, m.raw) } }

        // Bin width in whole points: 5 unless that gives more than 40 bins.
        var width: Int64 = 5
        let candidates: [Int64] = [5, 10, 20, 25, 50]
        search: for mag in [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000] as [Int64] {
            for c in candidates where c * mag >= 5 {
                width = c * mag
                let bins = floorDiv(hi, width * scale) - floorDiv(lo, width * scale) + 1
                if bins <= 40 { break search }
            }
        }
        let step = width * scale
        let first = floorDiv(lo, step) * step
        let binCount = Int(floorDiv(hi, step) - floorDiv(lo, step) + 1)
        let last = first + Int64(binCount) * step

        var counts = [[Int]](repeating: [Int](repeating: 0, count: grades.count), count: binCount)
        for r in s.rows {
            let b = Int((r.score.raw - first) / step)
            if r.gradeIndex < grades.count { counts[b][r.gradeIndex] += 1 }
        }
        let maxCount = max(1, counts.map { $0.reduce(0, +) }.max() ?? 1)
        // A round y step giving at most five gridlines.
        var yStep = 1
        outer: for mag in [1, 10, 100, 1_000, 10_000, 100_000] {
            for c in [1, 2, 5] where (maxCount + c * mag - 1) / (c * mag) <= 5 {
                yStep = c * mag
                break outer
            }
        }
        let yTicks = (maxCount + yStep - 1) / yStep
        let yMax = yTicks * yStep

        // Geometry (SVG user units).
        let w = 720, h = 268
        let left = 44, right = 14, top = 40, bottom = 40
        let plotW = w - left - right, plotH = h - top - bottom
        let base = top + plotH
        func x(_ raw: Int64) -> Int { left + Int((raw - first) * Int64(plotW) / (last - first)) }
        func y(_ n: Int) -> Int { base - n * plotH / yMax }

        let desc = t("总分分布直方图，每 \(width) 分一组，虚线为各等次分数线", "Histogram of total scores in bins of \(width) points; dashed lines mark the grade thresholds")
        raw("<svg class=\"hist\" viewBox=\"0 0 \(w) \(h)\" role=\"img\" aria-label=\"\(esc(desc))\">\n")
        raw("<title>\(esc(desc))</title>\n")

        // Horizontal gridlines and y labels.
        for k in 0...yTicks {
            let yy = y(k * yStep)
            raw("<line class=\"grid\" x1=\"\(left)\" y1=\"\(yy)\" x2=\"\(left + plotW)\" y2=\"\(yy)\"/>")
            raw("<text class=\"ax\" x=\"\(left - 6)\" y=\"\(yy + 4)\" text-anchor=\"end\">\(k * yStep)</text>\n")
        }
        raw("<text class=\"axt\" x=\"2\" y=\"\(top - 28)\">\(t("人数", "members"))</text>\n")

        // Bars, stacked best grade at the bottom.
        for b in 0..<binCount {
            let x0 = x(first + Int64(b) * step) + 1
            let x1 = x(first + Int64(b + 1) * step) - 1
            let total = counts[b].reduce(0, +)
            guard total > 0, x1 > x0 else { continue }
            let from = Points(raw: first + Int64(b) * step), to = Points(raw: first + Int64(b + 1) * step)
            raw("<g><title>\(esc("[\(from), \(to))")) \(t("\(total) 人", "\(total) members"))</title>")
            var cum = 0
            for (gi, n) in counts[b].enumerated() where n > 0 {
                let yTop = y(cum + n), yBottom = y(cum)
                raw("<rect class=\"k\(gi)\" x=\"\(x0)\" y=\"\(yTop)\" width=\"\(x1 - x0)\" height=\"\(yBottom - yTop)\"/>")
                cum += n
            }
            raw("</g>\n")
            if x1 - x0 >= 14 {
                raw("<text class=\"bv\" x=\"\((x0 + x1) / 2)\" y=\"\(y(total) - 3)\" text-anchor=\"middle\">\(total)</text>\n")
            }
        }

        // Axis and bin-edge labels, as dense as fits.
        raw("<line class=\"axis\" x1=\"\(left)\" y1=\"\(base)\" x2=\"\(left + plotW)\" y2=\"\(base)\"/>\n")
        let binPx = max(1, plotW / binCount)
        let every = max(1, (30 + binPx - 1) / binPx)
        for b in stride(from: 0, through: binCount, by: every) {
            let edge = first + Int64(b) * step
            let xx = x(edge)
            raw("<line class=\"axis\" x1=\"\(xx)\" y1=\"\(base)\" x2=\"\(xx)\" y2=\"\(base + 4)\"/>")
            raw("<text class=\"ax\" x=\"\(xx)\" y=\"\(base + 16)\" text-anchor=\"middle\">\(Points(raw: edge))</text>\n")
        }
        raw("<text class=\"axt\" x=\"\(left + plotW)\" y=\"\(base + 34)\" text-anchor=\"end\">\(t("总分（每组 \(width) 分，含下限不含上限）", "total score (bins of \(width), lower bound included)"))</text>\n")

        // Threshold lines, left to right. Each label goes right of its line (left of it near
        // the right edge), on the upper row unless it would overlap the label already there.
        var rowEnd = [Int.min / 2, Int.min / 2]
        for i in grades.indices.reversed() {
            guard let m = grades[i].min else { continue }
            let xx = x(m.raw)
            let label = "\(grades[i].name) ≥\(m)"
            let labelW = 14 + Format.displayWidth(label) * 6
            let flip = xx + labelW > w - 2
            let x0 = flip ? xx - labelW : xx, x1 = flip ? xx : xx + labelW
            let row = x0 > rowEnd[0] + 6 ? 0 : x0 > rowEnd[1] + 6 ? 1 : (rowEnd[0] <= rowEnd[1] ? 0 : 1)
            rowEnd[row] = x1
            let ly = row == 0 ? top - 22 : top - 8
            raw("<line class=\"thr\" x1=\"\(xx)\" y1=\"\(ly + 4)\" x2=\"\(xx)\" y2=\"\(base)\" stroke=\"\(styles[i].shade)\"/>")
            raw("<rect class=\"k\(i)\" x=\"\(flip ? xx - 11 : xx + 3)\" y=\"\(ly - 8)\" width=\"8\" height=\"8\" rx=\"1\"/>")
            raw("<text class=\"tl\" x=\"\(flip ? xx - 14 : xx + 14)\" y=\"\(ly)\"\(flip ? " text-anchor=\"end\"" : "")>")
            text(label)
            raw("</text>\n")
        }
        raw("</svg>\n")
    }
}
