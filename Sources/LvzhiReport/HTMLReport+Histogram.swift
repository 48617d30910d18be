import LvzhiCore
import LvzhiRules

/// The score distribution as an inline SVG: members per score bin, stacked by grade, with
/// the grade thresholds drawn as dashed vertical lines. All geometry is integer arithmetic.
///
/// Drawn twice: 720 units wide for a desk and for print, and 380 units wide for a phone (the
/// style sheet shows one or the other), so that on a 390 px screen the numbers and labels are
/// drawn at about their nominal size instead of half of it.
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
        let bins = Bins(first: first, step: step, count: binCount, width: width, counts: counts, yStep: yStep, yTicks: yTicks, yMax: yMax)
        histogramSVG(bins, layout: .wide)
        histogramSVG(bins, layout: .narrow)
    }

    /// The binned scores, computed once for both drawings.
    struct Bins {
        var first: Int64, step: Int64, count: Int, width: Int64
        var counts: [[Int]]
        var yStep: Int, yTicks: Int, yMax: Int
        var last: Int64 { first + Int64(count) * step }
    }

    /// The two drawings: for a desk (and print), and for a phone.
    enum HistogramLayout {
        case wide, narrow
        var cls: String { self == .wide ? "wide" : "narrow" }
        /// Rows for the threshold labels above the plot: a phone has room for fewer on a line.
        var labelRows: Int { self == .wide ? 2 : 4 }
    }

    private mutating func histogramSVG(_ bins: Bins, layout: HistogramLayout) {
        let first = bins.first, step = bins.step, binCount = bins.count, width = bins.width
        let counts = bins.counts, yStep = bins.yStep, yTicks = bins.yTicks, yMax = bins.yMax, last = bins.last

        // Geometry (SVG user units).
        let rows = layout.labelRows
        let w = layout == .wide ? 720 : 380
        let left = layout == .wide ? 44 : 34, right = layout == .wide ? 14 : 8, bottom = 40
        // Label rows under the axis title (“人数”, at y 12).
        let top = (layout == .wide ? 12 : 24) + rows * 14
        let h = top + 188 + bottom
        let plotW = w - left - right, plotH = h - top - bottom
        let base = top + plotH
        func x(_ raw: Int64) -> Int { left + Int((raw - first) * Int64(plotW) / (last - first)) }
        func y(_ n: Int) -> Int { base - n * plotH / yMax }

        let desc = t("总分分布直方图，每 \(width) 分一组，虚线为各等次分数线", "Histogram of total scores in bins of \(width) points; dashed lines mark the grade thresholds")
        raw("<svg class=\"hist \(layout.cls)\" viewBox=\"0 0 \(w) \(h)\" role=\"img\" aria-label=\"\(esc(desc))\">\n")
        raw("<title>\(esc(desc))</title>\n")

        // Horizontal gridlines and y labels.
        for k in 0...yTicks {
            let yy = y(k * yStep)
            raw("<line class=\"grid\" x1=\"\(left)\" y1=\"\(yy)\" x2=\"\(left + plotW)\" y2=\"\(yy)\"/>")
            raw("<text class=\"ax\" x=\"\(left - 6)\" y=\"\(yy + 4)\" text-anchor=\"end\">\(k * yStep)</text>\n")
        }
        raw("<text class=\"axt\" x=\"2\" y=\"12\">\(t("人数", "members"))</text>\n")

        // Bars, stacked best grade at the bottom.
        for b in 0..<binCount {
            let x0 = x(first + Int64(b) * step) + 1
            let x1 = x(first + Int64(b + 1) * step) - 1
            let total = counts[b].reduce(0, +)
            guard total > 0, x1 > x0 else { continue }
            let from = Points(raw: first + Int64(b) * step), to = Points(raw: first + Int64(b + 1) * step)
            raw("<g><title>\(esc("[\(from), \(to))")) \(t("\(total) 人", English.members(total)))</title>")
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
        var rowEnd = [Int](repeating: Int.min / 2, count: rows)
        for i in grades.indices.reversed() {
            guard let m = grades[i].min else { continue }
            let xx = x(m.raw)
            let label = "\(grades[i].name) ≥\(m)"
            let labelW = 14 + Format.displayWidth(label) * 6
            let flip = xx + labelW > w - 2
            let x0 = flip ? xx - labelW : xx, x1 = flip ? xx : xx + labelW
            // The first row it fits on, else the row whose last label ends furthest left.
            let row = rowEnd.firstIndex { x0 > $0 + 6 } ?? rowEnd.indices.min { rowEnd[$0] < rowEnd[$1] }!
            rowEnd[row] = x1
            let ly = top - 8 - (rows - 1 - row) * 14
            raw("<line class=\"thr\" x1=\"\(xx)\" y1=\"\(ly + 4)\" x2=\"\(xx)\" y2=\"\(base)\" stroke=\"\(styles[i].shade)\"/>")
            raw("<rect class=\"k\(i)\" x=\"\(flip ? xx - 11 : xx + 3)\" y=\"\(ly - 8)\" width=\"8\" height=\"8\" rx=\"1\"/>")
            raw("<text class=\"tl\" x=\"\(flip ? xx - 14 : xx + 14)\" y=\"\(ly)\"\(flip ? " text-anchor=\"end\"" : "")>")
            text(label)
            raw("</text>\n")
        }
        raw("</svg>\n")
    }
}
