// Micro-benchmark of the scoring arithmetic: the old 1/10000 fixed point vs the exact fraction.
// 1M records over 20,000 members, two rules per record, 40 % of lines shared among 2–6 authors,
// a per-rule cap, category sums, then a sort of the totals (ranking).
struct RNG { var s: UInt64; mutating func next() -> UInt64 { s &+= 0x9E3779B97F4A7C15; var z = s; z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) &* 0x94D049BB133111EB; return z ^ (z >> 31) } }
let members = 20_000, records = 1_000_000
var g = RNG(s: 42)
var recs: [(m: Int, q: Int, n: Int, r: Int)] = []
recs.reserveCapacity(records)
for _ in 0..<records { recs.append((Int(g.next() % UInt64(members)), Int(g.next() % 3), g.next() % 10 < 4 ? 2 + Int(g.next() % 5) : 1, Int(g.next() % 4))) }
recs.sort { $0.m < $1.m }
func bench<P: Comparable>(_ name: String, zero: P, points: [P], qty: [P], cap: P, share: (P, Int) -> P, add: (P, P) -> P, sub: (P, P) -> P, mul: (P, P) -> P) {
    let t0 = ContinuousClock.now
    var totals = [P](repeating: zero, count: members)
    var used = [P](repeating: zero, count: 4)
    var last = -1
    for r in recs {
        if r.m != last { for i in 0..<4 { used[i] = zero }; last = r.m }
        for k in 0..<2 {
            let rule = (r.r + k) % 4
            var p = mul(points[rule], qty[r.q])
            if r.n > 1 { p = share(p, r.n) }
            let left = sub(cap, used[rule])
            if p > left { p = left }
            used[rule] = add(used[rule], p)
            totals[r.m] = add(totals[r.m], p)
        }
    }
    let sorted = totals.sorted(by: >)
    let t = ContinuousClock.now - t0
    print(name, t, sorted[0], sorted[members / 2])
}
for _ in 0..<3 {
    bench("fixed 1/10000", zero: OldPoints.zero, points: [OldPoints(6), OldPoints(parsing: "1.5")!, OldPoints(2), OldPoints(10)],
          qty: [OldPoints(1), OldPoints(2), OldPoints(parsing: "0.5")!], cap: OldPoints(30),
          share: { $0.divided(by: $1) }, add: { $0 + $1 }, sub: { $0 - $1 }, mul: { $0 * $1 })
    bench("exact fraction", zero: Points.zero, points: [Points(6), Points(parsing: "1.5")!, Points(2), Points(10)],
          qty: [Points(1), Points(2), Points(parsing: "0.5")!], cap: Points(30),
          share: { $0.divided(by: $1) }, add: { $0 + $1 }, sub: { $0 - $1 }, mul: { $0 * $1 })
}
