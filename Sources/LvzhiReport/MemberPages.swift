import Foundation
import LvzhiCore
import LvzhiRules
import LvzhiScoring

/// `members.html`: every member's ledger as one printable page, so that each member can check
/// theirs before the results are published. One self-contained file (inline CSS, no script):
/// a table of contents, then one `<article>` per member in roster order, each starting a new
/// printed page. Opening `members.html#m-ID` shows (and prints) that member's page alone.
///
/// Per member: name, id, 界别, 专委会, 职务, score, rank in the ranking scope and grade with
/// its colour; points per category against the caps; every ledger line (date, kind and status,
/// title, rule, nominal and awarded points, and why they differ: split, capped, limited,
/// dropped, deducted); the adjustments (category caps and floors, base, missed requirements,
/// prorating, score bounds); minimum requirements met or missed; vetoes; records no rule
/// applies to; rejected records; and the distance to the next colour with the cheapest ways
/// to get there within the caps (``MemberPageWriter/nextGrade(_:_:)``).
///
/// Rendering streams: members are rendered in windows on all cores, each window into its own
/// buffer, and the buffers are appended in member order, so the bytes do not depend on the
/// number of threads. Everything from the inputs and the rule file is escaped.
public enum MemberPages {
    /// The combined file (every member, a printed page each): an option (`--formats members-combined`).
    public static let fileName = "members-combined.html"
    /// The folder of one self-contained page per member (`members/ID.html`) and its index.
    public static let folderName = "members"
    public static let indexName = "index.html"

    /// The file name of a member's own page in ``folderName``: the id escaped as in
    /// ``anchor(_:)`` (without `m-`), a leading `.` escaped too (no `.`, `..` or hidden files),
    /// and `.html`. A stem that would name the index (`index` in any case, since Windows and
    /// macOS folders ignore case) has its first letter escaped too: `index` → `_69ndex.html`,
    /// `INDEX` → `_49NDEX.html`. (`_` itself is always escaped, so no other id gives those names.)
    /// Ids longer than 200 bytes once escaped keep their first 180 bytes and a 64-bit FNV-1a
    /// hash of the whole id, to stay under file-name limits.
    public static func pageFileName(_ id: String) -> String {
        var stem = String(anchor(id).dropFirst(2))
        if stem.hasPrefix(".") { stem = "_2E" + stem.dropFirst() }
        if stem.lowercased() + ".html" == indexName, let first = stem.utf8.first {
            stem = "_" + String(first, radix: 16, uppercase: true) + stem.dropFirst()
        }
        if stem.isEmpty { stem = "_" }
        if stem.utf8.count > 200 {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in id.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            let hex = String(h, radix: 16)
            stem = String(stem.prefix(180)) + "_" + String(repeating: "0", count: 16 - hex.count) + hex
        }
        return stem + ".html"
    }

    /// The link to a member's page from a file beside the folder (report.html).
    public static func pageLink(_ id: String) -> String { folderName + "/" + pageFileName(id) }

    /// The fragment id of a member's page: `m-` and the id with every byte other than ASCII
    /// letters, digits, `-` and `.` written as `_XX` (hex), so that any id gives a distinct,
    /// valid fragment that needs no further escaping (`M 01` → `m-M_2001`).
    public static func anchor(_ id: String) -> String {
        var out = "m-"
        let hex = Array("0123456789ABCDEF")
        for b in id.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out.append("_")
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 15)])
            }
        }
        return out
    }

    /// The whole file in memory (tests; small runs).
    public static func render(_ s: RunSummary, lang: Language) -> ByteBuffer {
        var b = ByteBuffer(capacity: (1 << 16) + s.rows.count * 8192)
        render(s, lang: lang, into: &b)
        return b
    }

    /// Members per window handed to one worker.
    static let window = 96

    /// One member's own page (the member with this id; nil when there is none): a complete
    /// document holding that member's data only.
    public static func renderPage(_ s: RunSummary, lang: Language, member id: String) -> [UInt8]? {
        let ctx = MemberPageContext(s, lang: lang)
        guard let i = ctx.order.first(where: { s.rows[$0].member.id == id }) else { return nil }
        var w = MemberPageWriter(ctx, standalone: true)
        w.single(i)
        return w.o
    }

    /// The index of the member pages (`members/index.html`).
    public static func renderIndex(_ s: RunSummary, lang: Language) -> [UInt8] {
        let ctx = MemberPageContext(s, lang: lang)
        var w = MemberPageWriter(ctx, standalone: true)
        w.indexDocument()
        return w.o
    }

    /// Writes `dir/index.html` and one `dir/ID.html` per member, on all cores; returns the
    /// number of member files. `dir` must be new (the run's staging folder, swapped into place
    /// as a whole): each page is created there under its own name (never through a link, never
    /// over an existing file) and written in one go, without a temporary name and a rename per
    /// page, which doubled the directory operations of 20,000 pages.
    public static func writeFolder(_ s: RunSummary, lang: Language, to dir: String, lanes: Int? = nil) throws -> Int {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let ctx = MemberPageContext(s, lang: lang)
        @Sendable func put(_ bytes: [UInt8], _ name: String) throws {
            let path = (dir as NSString).appendingPathComponent(name)
            var failure: SafeFile.Problem?
            bytes.withUnsafeBytes { raw in
                do throws(SafeFile.Problem) { try SafeFile.writeNew(raw, to: path, sync: false, recordHash: true) } catch { failure = error }
            }
            if let failure { throw MemberPagesError.write("\(path): \(failure.reason(.en))") }
        }
        var index = MemberPageWriter(ctx, standalone: true)
        index.indexDocument()
        try put(index.o, indexName)
        let count = ctx.order.count
        let lanes = max(1, min(lanes ?? ProcessInfo.processInfo.activeProcessorCount, count))
        let failures = ParallelSlots<String?>(count: lanes)
        // The display places are a task-local: bound again on each lane, or the lanes on other
        // threads show points with the default two places whatever the rule file says.
        let decimals = Points.displayDecimals
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in Points.withDisplay(decimals: decimals) {
            var w = MemberPageWriter(ctx, standalone: true)
            var i = lane
            while i < count {
                w.o.removeAll(keepingCapacity: true)
                let row = ctx.order[i]
                w.single(row)
                do { try put(w.o, pageFileName(s.rows[row].member.id)) } catch {
                    failures.set(lane, "\(error)")
                    return
                }
                i += lanes
            }
            failures.set(lane, nil)
        } }
        for lane in 0..<lanes { if let f = failures.get(lane) { throw MemberPagesError.write(f) } }
        return count
    }

    /// Appends the file to `buffer`, which may stream to disk (``ByteBuffer/streaming(to:)``).
    public static func render(_ s: RunSummary, lang: Language, lanes: Int? = nil, into buffer: inout ByteBuffer) {
        let ctx = MemberPageContext(s, lang: lang)
        var head = MemberPageWriter(ctx)
        head.documentStart()
        head.contents()
        buffer.append(contentsOf: head.o)

        let count = ctx.order.count
        let lanes = max(1, lanes ?? ProcessInfo.processInfo.activeProcessorCount)
        var start = 0
        while start < count {
            let ranges = (0..<lanes).map { lane -> Range<Int> in
                let lo = min(count, start + lane * window)
                return lo..<min(count, lo + window)
            }
            let parts = ParallelSlots<[UInt8]>(count: lanes)
            let decimals = Points.displayDecimals
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in Points.withDisplay(decimals: decimals) {
                var w = MemberPageWriter(ctx)
                w.o.reserveCapacity(ranges[lane].count * 12_288)
                for i in ranges[lane] { w.page(ctx.order[i]) }
                parts.set(lane, w.o)
            } }
            for lane in 0..<lanes { buffer.append(contentsOf: parts.get(lane)) }
            start += lanes * window
        }

        var tail = MemberPageWriter(ctx)
        tail.documentEnd()
        buffer.append(contentsOf: tail.o)
    }
}

/// What every page needs, derived once per run and shared read-only by the workers.
final class MemberPageContext: Sendable {
    let s: RunSummary
    let lang: Language
    let rules: RuleSet
    let styles: [GradeStyle]
    /// Row indices in roster order (the order of the pages).
    let order: [Int]
    /// Escaped rule and category names; each rule's points per unit when scored by quantity.
    let ruleNames: [[UInt8]]
    let ruleUnit: [Points?]
    /// Each rule's name without a trailing “（每半天）” and its counting unit, for suggestions.
    let ruleSubjects: [(subject: String, measure: String)]
    let periodStart: Int32
    let categoryNames: [[UInt8]]
    /// `yyyy-mm-dd` for each day of the period, by ordinal − period start.
    let days: [[UInt8]]
    /// Rejected records by member id (indices into run.rejects).
    let rejects: [String: [Int]]
    /// For quota grading: the final scores of ranked members in each ranking scope, ascending.
    let scopeScores: [String: [Points]]
    /// For each 职务, the rules some member holding it scored positive points with (suggestions
    /// stick to what members in the same role actually do).
    let rulesUsedByRole: [String: [Bool]]
    /// For each 职务, the most records (units, for rules scored by quantity) one member holding
    /// it had under each rule: suggestions never ask for more than someone in the same role did.
    let mostByRole: [String: [Int]]
    /// The same over all members: the peers of a member whose 职务 fewer than
    /// ``MemberPageContext/fewPeers`` members hold (a 主席 is compared with everyone).
    let rulesUsedByAll: [Bool]
    let mostByAll: [Int]
    /// Members per 职务.
    let roleSize: [String: Int]
    static let fewPeers = 5

    init(_ s: RunSummary, lang: Language) {
        self.s = s
        self.lang = lang
        rules = s.run.rules
        styles = rules.grades.map(GradeStyle.init)
        var order = Array(s.rows.indices)
        order.sort { s.run.results[s.rows[$0].resultIndex].member < s.run.results[s.rows[$1].resultIndex].member }
        self.order = order
        ruleNames = rules.rules.map { Array(Escape.html($0.name).utf8) }
        ruleUnit = rules.rules.map { $0.basis == .quantity ? $0.points : nil }
        periodStart = s.run.period.start.ordinal
        ruleSubjects = rules.rules.map(MemberPageWriter.subjectAndMeasure)
        categoryNames = rules.categories.map { Array(Escape.html($0.name).utf8) }
        let period = s.run.period
        days = (0..<max(0, min(period.days, 40_000))).map { Array(period.start.adding(days: $0).description.utf8) }
        var rejects: [String: [Int]] = [:]
        for (i, r) in s.run.rejects.enumerated() where !r.memberID.isEmpty { rejects[r.memberID, default: []].append(i) }
        self.rejects = rejects
        var scopes: [String: [Points]] = [:]
        if rules.usesQuotas {
            for r in s.run.results where r.rank != nil { scopes[r.rankScope, default: []].append(r.score) }
            for k in scopes.keys { scopes[k]!.sort() }
        }
        scopeScores = scopes
        var used: [String: [Bool]] = [:]
        let ruleCount = rules.rules.count
        for r in s.run.results {
            let role = s.run.members[r.member].role
            var flags = used[role] ?? [Bool](repeating: false, count: ruleCount)
            var changed = used[role] == nil
            for e in r.ledger where e.rule >= 0 && e.record >= 0 && e.points.raw > 0 && Int(e.rule) < ruleCount && !flags[Int(e.rule)] {
                flags[Int(e.rule)] = true
                changed = true
            }
            if changed { used[role] = flags }
        }
        rulesUsedByRole = used
        var most: [String: [Int]] = [:]
        let records = s.run.store.records
        for r in s.run.results {
            let units = MemberPageContext.units(r, rules: rules, records: records)
            let role = s.run.members[r.member].role
            var m = most[role] ?? [Int](repeating: 0, count: ruleCount)
            for i in 0..<ruleCount where units[i] > m[i] { m[i] = units[i] }
            most[role] = m
        }
        mostByRole = most
        var usedAll = [Bool](repeating: false, count: ruleCount), mostAll = [Int](repeating: 0, count: ruleCount)
        for flags in used.values { for i in 0..<ruleCount where flags[i] { usedAll[i] = true } }
        for m in most.values { for i in 0..<ruleCount where m[i] > mostAll[i] { mostAll[i] = m[i] } }
        rulesUsedByAll = usedAll
        mostByAll = mostAll
        var sizes: [String: Int] = [:]
        for r in s.run.results { sizes[s.run.members[r.member].role, default: 0] += 1 }
        roleSize = sizes
    }

    /// The rules members like `m` scored with and the most records one of them had under each:
    /// those in the same 职务, or everyone when few hold it.
    func peers(of m: Member) -> (used: [Bool]?, most: [Int]?) {
        if (roleSize[m.role] ?? 0) >= Self.fewPeers { return (rulesUsedByRole[m.role], mostByRole[m.role]) }
        return (rulesUsedByAll, mostByAll)
    }

    /// `text` with every input file's path written as its name alone: a member's page names no
    /// folders of the office's machine (a reject's reason may cite where a record first appeared).
    func withoutFolders(_ text: String) -> String {
        var out = text
        for f in s.run.files where f.path.contains("/") && out.contains(f.path) {
            out = out.replacingOccurrences(of: f.path, with: (f.path as NSString).lastPathComponent)
        }
        return out
    }

    /// Records (units, for rules scored by quantity) a member has under each rule, the ones
    /// skipped or over a count limit included.
    static func units(_ r: MemberScore, rules: RuleSet, records: [Activity]) -> [Int] {
        var u = [Int](repeating: 0, count: rules.rules.count)
        for e in r.ledger where e.rule >= 0 && Int(e.rule) < u.count && e.record >= 0 && Int(e.record) < records.count {
            let i = Int(e.rule)
            if rules.rules[i].basis == .quantity {
                let q = records[Int(e.record)].quantity.raw
                u[i] += Int((q + Int64(Points.scale) - 1) / Int64(Points.scale))
            } else {
                u[i] += 1
            }
        }
        return u
    }
}

/// Writes pages into a byte array. Markup goes through ``raw(_:)``; data from the inputs and
/// the rule file through ``text(_:)`` (escaped).
struct MemberPageWriter {
    let ctx: MemberPageContext
    var o: [UInt8] = []
    /// Ledger line indices per category (reused between members).
    var buckets: [[Int]]
    /// “kind·status·role·level”, escaped, by symbols (a few hundred combinations at most).
    var whatCache: [SIMD4<Int32>: [UInt8]] = [:]

    /// A page of its own (members/ID.html, the index): no links to other members' pages.
    let standalone: Bool

    init(_ ctx: MemberPageContext, standalone: Bool = false) {
        self.ctx = ctx
        self.standalone = standalone
        buckets = Array(repeating: [], count: ctx.rules.categories.count)
    }

    var s: RunSummary { ctx.s }
    var lang: Language { ctx.lang }
    var rules: RuleSet { ctx.rules }
    var grades: [Grade] { ctx.s.displayGrades }
    func t(_ zh: String, _ en: String) -> String { lang.pick(zh, en) }

    mutating func raw(_ s: String) { o.append(contentsOf: s.utf8) }
    mutating func text(_ s: String) {
        var s = s
        s.withUTF8 { HTMLBytes.escape($0, into: &o) }
    }
    mutating func points(_ p: Points) { HTMLBytes.points(p, into: &o) }
    /// `+2`, `-3`, `0`.
    mutating func signed(_ p: Points) {
        if p.raw > 0 { o.append(UInt8(ascii: "+")) }
        HTMLBytes.points(p, into: &o)
    }
    mutating func day(_ d: Day) {
        let i = Int(d.ordinal - ctx.periodStart)
        if i >= 0 && i < ctx.days.count { o.append(contentsOf: ctx.days[i]) } else { text(d.description) }
    }

    // MARK: - Document

    /// - Parameter running: on a member's own page, the member's name and id, printed at the
    ///   top of every page so that a loose page of a long ledger still says whose it is.
    mutating func documentStart(title: String? = nil, running: String? = nil) {
        let r = rules
        let title = title ?? (r.name + t(" · 委员履职考核个人明细", " — members' duty-performance ledgers"))
        raw("<!DOCTYPE html>\n<html lang=\"\(t("zh-CN", "en"))\">\n<head>\n<meta charset=\"utf-8\">\n")
        raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        raw("<meta name=\"generator\" content=\"lvzhi ")
        text(s.toolVersion)
        raw("\">\n<title>")
        text(title)
        raw("</title>\n<style>\n")
        raw(MemberPageWriter.css)
        for (i, st) in ctx.styles.enumerated() {
            raw(".g\(i){background:\(st.solid);color:\(st.onSolid)}.k\(i){background:\(st.solid)}.t\(i){background:\(st.tint)}.b\(i){border-color:\(st.solid)}\n")
        }
        let foot = Format.cssString(r.name + t(" · 考核期间 ", " · period ") + "\(s.run.period.start) – \(s.run.period.end)")
        let page = t("\"第 \" counter(page) \" 页 / 共 \" counter(pages) \" 页\"", "\"Page \" counter(page) \" of \" counter(pages)")
        raw("@page{size:A4;margin:12mm 12mm 14mm 12mm;")
        if let running {
            raw("@top-left{content:\"\(Format.cssString(running))\";font-size:7.5pt;color:#374151;vertical-align:bottom;padding-bottom:2mm}")
        }
        raw("@bottom-left{content:\"\(foot)\";font-size:7pt;color:#6b7280}@bottom-right{content:\(page);font-size:7pt;color:#6b7280}}\n")
        raw("</style>\n</head>\n<body>\n<main class=\"book\">\n")
    }

    /// A member's own file: the page alone, titled with the member's name.
    mutating func single(_ rowIndex: Int) {
        let m = s.rows[rowIndex].member
        documentStart(title: m.name + t(" · ", " — ") + rules.name + t(" 履职考核个人明细", " duty-performance ledger"),
                      running: m.name + t("（委员编号 ", " (ID ") + m.id + t("）", ")"))
        page(rowIndex)
        documentEnd()
    }

    /// members/index.html: the cover and the list of members, each linking to their own file.
    mutating func indexDocument() {
        documentStart()
        contents()
        documentEnd()
    }

    mutating func documentEnd() {
        raw("</main>\n</body>\n</html>\n")
    }

    /// The cover: what this file is, how to print one member, and the list of members.
    mutating func contents() {
        let r = rules
        raw("<section class=\"cover\" id=\"toc\">\n<p class=\"kicker\">\(t("政协委员履职考核 · 个人明细", "CPPCC members' duty-performance review · member ledgers"))</p>\n<h1>")
        text(r.name)
        raw("</h1>\n<p class=\"sub\">")
        text(t("考核期间 \(DisplayDate.period(s.run.period, .zh)) · 生成于 \(DisplayDate.generated(s.generatedAt, .zh))",
               "Period \(DisplayDate.period(s.run.period, .en)) · produced \(DisplayDate.generated(s.generatedAt, .en))"))
        raw("</p>\n<div class=\"howto\"><p>")
        raw(t("每位委员一页：分类得分、每一条计分记录（日期、类型、标题、规则、应得和实得分及原因）、最低要求、否决事项，以及距下一等次还差多少和最省的做法。<b>公布前请每位委员核对本人明细</b>，如有遗漏或错误，请向政协办公室提出。",
              "One page per member: points per category, every scored record (date, kind, title, rule, nominal and awarded points and why), minimum requirements, vetoes, and how far the next colour is with the cheapest ways to reach it. <b>Each member should check their page before the results are published</b> and tell the office of anything missing or wrong."))
        raw("</p><p>")
        if standalone {
            raw(t("每位委员的明细是一个单独的文件（<code>members/委员编号.html</code>），只含本人的数据，可直接发给本人或打印；点击下面的姓名打开。",
                  "Each member's page is a file of its own (<code>members/ID.html</code>) holding that member's data only, to send to them or print; click a name below to open it."))
        } else {
            raw(t("只打印一位委员：点击下面的姓名（或在地址后加 <code>#m-委员编号</code>）只显示该委员的一页，再打印。发给委员本人时请用 <code>members/</code> 文件夹中的单人文件。",
                  "To print one member: click the name below (or add <code>#m-ID</code> to the address); only that member's page is shown and printed. To send members their page, use the files in the <code>members/</code> folder."))
        }
        raw("</p></div>\n")
        raw("<h2>\(t("目录", "Contents")) <span>\(t("\(ctx.order.count) 人，按名册顺序", "\(ctx.order.count) members, in roster order"))</span></h2>\n<ol class=\"toc\">\n")
        for i in ctx.order {
            let row = s.rows[i]
            let m = row.member
            raw(standalone ? "<li><a href=\"\(MemberPages.pageFileName(m.id))\">" : "<li><a href=\"#\(MemberPages.anchor(m.id))\">")
            raw("<span class=\"sw k\(row.gradeIndex)\"></span><b>")
            text(m.name)
            raw("</b><span class=\"i\">")
            text(m.id)
            raw("</span><span class=\"x\">")
            text(m.sector)
            raw("</span><span class=\"sc\">")
            points(row.score)
            raw("</span></a></li>\n")
        }
        raw("</ol>\n</section>\n")
    }

    // MARK: - One member

    mutating func page(_ rowIndex: Int) {
        let row = s.rows[rowIndex]
        let r = s.run.results[row.resultIndex]
        let m = row.member
        raw("<article class=\"mp b\(row.gradeIndex)\" id=\"\(MemberPages.anchor(m.id))\">\n")
        header(row, r)
        raw("<div class=\"mpgrid\">\n")
        categoryTable(row, r)
        raw("<div class=\"next\">\n<h3>\(t("距下一等次", "The next colour"))</h3>\n")
        nextGrade(row, r)
        raw("</div>\n</div>\n")
        ledger(r)
        requirements(r, member: m)
        vetoes(r)
        history(r)
        unmatched(r)
        removedRecords(m)
        rejected(m)
        raw("<footer class=\"mpf\">")
        if !standalone { raw("<a class=\"back\" href=\"#toc\">\(t("↑ 返回目录", "↑ Contents"))</a>") }
        raw(t("请核对以上记录；如有遗漏或错误，请在公布前向政协办公室提出。", "Please check these records and tell the office before publication if anything is missing or wrong."))
        raw(" <span class=\"meta\">")
        text(rules.name + " " + rules.version)
        if !s.rulesHash.isEmpty { text(" · SHA-256 " + String(s.rulesHash.prefix(12)) + "…") }
        text(t(" · 生成于 ", " · run at ") + s.generatedAt)
        raw("</span></footer>\n</article>\n")
    }

    mutating func header(_ row: RunSummary.Row, _ r: MemberScore) {
        let m = row.member
        let g = grades[row.gradeIndex]
        raw("<header class=\"mph\">\n<div class=\"who\">\n<p class=\"kicker\">")
        text(rules.name)
        raw(t(" · 个人明细", " · member ledger"))
        raw("</p>\n<h2>")
        text(m.name)
        raw("<span class=\"mid\">")
        text(m.id)
        raw("</span></h2>\n<dl class=\"facts\">")
        fact(t("界别", "Sector"), m.sector)
        fact(t("专委会", "Committee"), m.committee)
        fact(t("职务", "Role"), m.role)
        if !m.group.isEmpty { fact(t("活动组", "Group"), m.group) }
        if !m.party.isEmpty { fact(t("党派", "Party"), m.party) }
        if row.partialPeriod {
            var served: [String] = []
            if let j = m.joined { served.append(t("\(j) 任职", "joined \(j)")) }
            if let l = m.left { served.append(t("\(l) 离任", "left \(l)")) }
            fact(t("任职", "Service"), served.joined(separator: t("，", ", ")) + t("（不满全期）", " (part of the period)"))
        }
        fact(t("考核期间", "Period"), DisplayDate.period(s.run.period, lang))
        if let previous = s.previous {
            if let p = row.previous, let d = row.scoreChange {
                let change = d > .zero ? "+\(d)" : d.description
                fact(t(s.previousIsYear ? "上年" : "上期", "Last period"), t("\(p.period) \(p.grade.color) · \(p.grade.name) \(p.score) 分；本期变化 \(change) 分",
                                                 "\(p.period) \(p.grade.color) · \(p.grade.name) \(p.score) pts; change \(change)"))
                if let b = p.gradeBefore { fact(t(s.previousIsYear ? "前年" : "前期", "The year before"), "\(b.color) · \(b.name)") }
            } else {
                fact(t(s.previousIsYear ? "上年" : "上期", "Last period"), t("\(previous.label)无结果", "no result in \(previous.label)"))
            }
        }
        raw("</dl>\n</div>\n<div class=\"res g\(row.gradeIndex)\">")
        raw("<div class=\"gl\">")
        text(g.color)
        raw(" · ")
        text(g.name)
        raw("</div><div class=\"sc\">")
        points(row.score)
        raw("<small>\(t(" 分", " pts"))</small></div><div class=\"rk\">")
        text(rankText(r))
        raw("</div></div>\n</header>\n")
    }

    private mutating func fact(_ key: String, _ value: String) {
        raw("<div><dt>\(key)</dt><dd>")
        if value.isEmpty { raw("—") } else { text(value) }
        raw("</dd></div>")
    }

    /// “第 3 名（共 299 人）”, “常委中第 3 名（共 35 人）”, “不参与排名”.
    func rankText(_ r: MemberScore) -> String {
        guard let rank = r.rank else { return t("不参与排名", "not ranked") }
        if r.rankScope.isEmpty || rules.grading.scope == .all {
            return t("第 \(rank) 名（共 \(r.rankedInScope) 人）", "rank \(rank) of \(r.rankedInScope)")
        }
        return t("\(r.rankScope)中第 \(rank) 名（共 \(r.rankedInScope) 人）", "rank \(rank) of \(r.rankedInScope) in \(r.rankScope)")
    }

    /// Category | points | cap | room, with a bar of points against the cap.
    mutating func categoryTable(_ row: RunSummary.Row, _ r: MemberScore) {
        raw("<div class=\"cats\">\n<h3>\(t("分类得分", "Points by category"))</h3>\n<table>\n<thead><tr><th>\(t("类别", "Category"))</th><th class=\"r\">\(t("得分", "Points"))</th><th class=\"r\">\(t("上限", "Cap"))</th><th class=\"r\">\(t("还可得", "Room"))</th><th class=\"bar\"></th></tr></thead>\n<tbody>\n")
        for (c, cat) in rules.categories.enumerated() {
            let p = c < r.categoryPoints.count ? r.categoryPoints[c] : .zero
            raw("<tr><td>")
            o.append(contentsOf: ctx.categoryNames[c])
            raw("</td><td class=\"r\(p.isNegative ? " neg" : p.isZero ? " z" : "")\">")
            points(p)
            raw("</td><td class=\"r lim\">")
            if let cap = cat.cap { points(cap) } else if let floor = cat.floor { raw(t("下限 ", "floor ")); points(floor) } else { raw("—") }
            raw("</td><td class=\"r lim\">")
            if let cap = cat.cap, cap.raw > 0 {
                if p >= cap { raw(t("已满", "full")) } else { points(cap - p) }
            } else {
                raw("—")
            }
            raw("</td><td class=\"bar\">")
            if let cap = cat.cap, cap.raw > 0, p.raw > 0 {
                let pct = min(100, Int(p.raw * 100 / cap.raw))
                raw("<span class=\"k\(row.gradeIndex)\" style=\"width:\(pct)%\"></span>")
            } else if p.isNegative, let floor = cat.floor, floor.raw < 0 {
                let pct = min(100, Int(p.raw * 100 / floor.raw))
                raw("<span class=\"neg\" style=\"width:\(pct)%\"></span>")
            }
            raw("</td></tr>\n")
        }
        raw("<tr class=\"total\"><td>\(t("总分", "Total"))</td><td class=\"r\">")
        points(row.score)
        raw("</td><td class=\"r lim\">")
        if let max = rules.maxScore { points(max) } else { raw("—") }
        raw("</td><td></td><td></td></tr>\n</tbody>\n</table>\n</div>\n")
    }

    // MARK: - Ledger

    /// Every ledger line, by category, with the adjustments that make the total.
    mutating func ledger(_ r: MemberScore) {
        for c in buckets.indices { buckets[c].removeAll(keepingCapacity: true) }
        var whole: [Int] = []
        var vetoCount = 0, unmatchedCount = 0
        for (i, e) in r.ledger.enumerated() {
            if e.category >= 0 && Int(e.category) < buckets.count {
                buckets[Int(e.category)].append(i)
            } else if e.record < 0 {
                whole.append(i)
            } else if case .veto = e.note {
                vetoCount += 1
            } else {
                unmatchedCount += 1
            }
        }
        // No records: said plainly, without a heading per category over nothing.
        let none = r.records == 0
        raw("<h3 class=\"lh\">\(t("计分明细", "Ledger"))<span>")
        if !none {
            raw(t("\(r.records) 条记录", r.records == 1 ? "1 record" : "\(r.records) records"))
            if unmatchedCount > 0 { raw(t("，其中 \(unmatchedCount) 条无适用规则", unmatchedCount == 1 ? ", 1 matching no rule" : ", \(unmatchedCount) matching no rule")) }
        }
        raw("</span></h3>\n")
        if none { raw("<p class=\"none\">\(t("本期没有计分的履职记录。", "No scored records this period."))</p>\n") }
        raw("<table class=\"led\">\n<colgroup><col class=\"c-d\"><col><col class=\"c-r\"><col class=\"c-n\"><col class=\"c-n\"><col class=\"c-w\"></colgroup>\n")
        if !none { raw("<thead><tr><th>\(t("日期", "Date"))</th><th>\(t("记录", "Record"))</th><th>\(t("规则", "Rule"))</th><th class=\"r\">\(t("应得", "Nominal"))</th><th class=\"r\">\(t("实得", "Awarded"))</th><th>\(t("说明", "Note"))</th></tr></thead>\n") }
        let store = s.run.store
        store.arena.bytes.withUnsafeBufferPointer { arena in
            for (c, cat) in rules.categories.enumerated() {
                let lines = buckets[c]
                if none && lines.isEmpty { continue }
                raw("<tbody class=\"cat\"><tr class=\"ch\"><th colspan=\"6\">")
                o.append(contentsOf: ctx.categoryNames[c])
                raw("<span>")
                points(c < r.categoryPoints.count ? r.categoryPoints[c] : .zero)
                raw(t(" 分", " pts"))
                if let cap = cat.cap { raw(t("，上限 ", ", cap ")); points(cap) }
                if let floor = cat.floor { raw(t("，下限 ", ", floor ")); points(floor) }
                raw("</span></th></tr>\n")
                for i in lines where r.ledger[i].record >= 0 {
                    recordLine(r.ledger[i], store: store, arena: arena)
                }
                for i in lines where r.ledger[i].record < 0 { adjustmentLine(r.ledger[i]) }
                raw("</tbody>\n")
            }
        }
        // Whole-score lines: the category sum, base, requirement deductions, prorating, bounds.
        raw("<tbody class=\"sum\">\n<tr><td></td><td colspan=\"3\">\(t("各类别合计", "Categories"))</td><td class=\"p\">")
        points(r.categoryPoints.reduce(Points.zero, +))
        raw("</td><td></td></tr>\n")
        for i in whole { adjustmentLine(r.ledger[i]) }
        raw("<tr class=\"total\"><td></td><td colspan=\"3\">\(t("总分", "Total"))</td><td class=\"p\">")
        points(r.score)
        raw("</td><td>")
        text(gradeReason(r))
        raw("</td></tr>\n</tbody>\n</table>\n")
    }

    /// One scored record: date, kind·status·role·level〔marks〕 and title, rule, points, note.
    /// The nominal points are shown only when they differ from the points awarded.
    mutating func recordLine(_ e: LedgerEntry, store: ActivityStore, arena: UnsafeBufferPointer<UInt8>) {
        let a = store.records[Int(e.record)]
        let cut = e.points != e.nominal
        raw(cut ? "<tr class=\"cut\"><td>" : "<tr><td>")
        day(a.date)
        raw("</td><td><b>")
        let key = SIMD4(a.kind, a.status, a.role, a.level)
        if let what = whatCache[key] {
            o.append(contentsOf: what)
        } else {
            let start = o.count
            var first = true
            for sym in [a.kind, a.status, a.role, a.level] where sym != SymbolTable.empty {
                if !first { raw("·") }
                first = false
                text(store.symbols[sym])
            }
            whatCache[key] = Array(o[start...])
        }
        raw("</b>")
        if !a.marks.isEmpty {
            raw("〔")
            text(store.markNames(a.marks).joined(separator: "、"))
            raw("〕")
        }
        let title = a.title.length > 0 ? a.title : a.id
        if title.length > 0 {
            raw(" <cite>")
            HTMLBytes.escape(UnsafeBufferPointer(rebasing: arena[Int(title.offset)..<Int(title.offset + title.length)]), into: &o)
            raw("</cite>")
        }
        raw("</td><td>")
        let hasRule = e.rule >= 0 && Int(e.rule) < ctx.ruleNames.count
        if hasRule {
            o.append(contentsOf: ctx.ruleNames[Int(e.rule)])
            if let unit = ctx.ruleUnit[Int(e.rule)], a.quantity != .one {
                raw(" <small>")
                points(unit)
                raw(" × ")
                points(a.quantity)
                raw("</small>")
            }
        }
        raw("</td><td class=\"n\">")
        if hasRule && cut { points(e.nominal) }
        raw(e.points.isNegative ? "</td><td class=\"p neg\">" : "</td><td class=\"p\">")
        if hasRule { signed(e.points) }
        raw("</td><td>")
        if e.note != .full { text(RunSummary.describe(e.note, rules: rules, lang: lang)) }
        if let c = s.correctionOfRecord[e.record] {
            let correction = s.run.corrections[c]
            if e.note != .full { raw("<br>") }
            raw("<small class=\"corr\">")
            text(correction.line(lang))
            raw("</small>")
        }
        raw("</td></tr>\n")
    }

    /// A line that belongs to no record: a category cap or floor, base, a requirement, prorating.
    mutating func adjustmentLine(_ e: LedgerEntry) {
        raw("<tr class=\"adj\"><td></td><td colspan=\"3\">")
        text(RunSummary.describe(e.note, rules: rules, lang: lang))
        switch e.note {
        case .categoryCapped, .categoryFloored:
            raw(t("（小计 ", " (subtotal "))
            points(e.nominal)
            raw(t("）", ")"))
        case .prorated, .scoreCapped, .scoreFloored:
            raw(t("（调整前 ", " (before: "))
            points(e.nominal)
            raw(t("）", ")"))
        case .requirementMissed(let q) where q < rules.requirements.count:
            raw(t("（已有 ", " (have "))
            points(e.nominal)
            raw(t("，要求 ", ", need "))
            points(rules.requirements[q].min)
            raw(t("）", ")"))
        default: break
        }
        raw("</td><td class=\"p\(e.points.isNegative ? " neg" : "")\">")
        signed(e.points)
        raw("</td><td></td></tr>\n")
    }

    /// “总分 46 ≥ 45：合格”, or how a veto or a requirement changed the grade.
    func gradeReason(_ r: MemberScore) -> String {
        let g = grades[r.grade]
        let band = min(max(r.bandGrade, 0), grades.count - 1)
        let gradeText = t("\(g.name)（\(g.color)）", "\(g.name) (\(g.color))")
        if band != r.grade {
            var why: [String] = []
            if !r.vetoes.isEmpty { why.append(t("否决事项", "a veto")) }
            if !r.missedRequirements.isEmpty { why.append(t("未达到最低要求", "a missed requirement")) }
            if r.history.contains(where: { rules.history[$0.condition].effect.grade != nil }) { why.append(t("跨年度条件", "a multi-year condition")) }
            let by = rules.usesQuotas ? t("名次", "rank") : t("分数", "score")
            return t("按\(by)为\(grades[band].name)，因\(why.joined(separator: "和"))定为\(gradeText)",
                     "\(grades[band].name) by \(by); \(why.joined(separator: " and ")) makes it \(gradeText)")
        }
        if rules.usesQuotas { return t("按名额：\(gradeText)", "by quota: \(gradeText)") }
        if let min = grades[band].min { return t("≥ \(min)：\(gradeText)", "≥ \(min): \(gradeText)") }
        return gradeText
    }

    // MARK: - Requirements, vetoes, unmatched and rejected records

    /// The multi-year conditions (两年不合格 …) that held for the member.
    mutating func history(_ r: MemberScore) {
        guard !r.history.isEmpty else { return }
        raw("<h3 class=\"bad\">\(t("跨年度条件", "Multi-year conditions"))</h3>\n<ul class=\"reqs\">\n")
        for h in r.history {
            raw("<li class=\"miss\"><b>")
            text(rules.history[h.condition].effect.flag)
            raw("</b> ")
            text(RunSummary.describe(h, rules: rules, lang: lang))
            raw("</li>\n")
        }
        raw("</ul>\n")
    }

    /// Interim 通报: how far the member is towards each of the year's requirements.
    mutating func progress(_ r: MemberScore) {
        raw("<h3>\(t("最低要求进度（阶段通报）", "Minimum requirements so far (interim)"))</h3>\n")
        raw("<p class=\"note\">\(t("最低要求按全年计，此处只显示进度，不扣分、不改等次。", "Requirements are annual: progress only, no penalties."))</p>\n<ul class=\"reqs\">\n")
        for p in r.progress {
            let req = rules.requirements[p.requirement]
            raw(p.met ? "<li class=\"ok\"><b>\(t("✓ 已完成", "✓ met"))</b> " : "<li class=\"miss\"><b>\(t("… 未完成", "… not yet"))</b> ")
            text(RuleBook.describe(req, in: rules, lang: lang))
            raw(" <span class=\"have\">")
            text(t("（已完成 \(p.done)/\(p.needed)）", "(\(p.done) of \(p.needed))"))
            raw("</span></li>\n")
        }
        raw("</ul>\n")
    }

    mutating func requirements(_ r: MemberScore, member m: Member) {
        guard !rules.requirements.isEmpty else { return }
        if s.run.isProgressRun {
            progress(r)
            return
        }
        raw("<h3>\(t("最低要求", "Minimum requirements"))</h3>\n<ul class=\"reqs\">\n")
        for (q, req) in rules.requirements.enumerated() {
            let missed = r.missedRequirements.contains(q)
            let applies = req.appliesTo.map { MemberConditions.match($0, m) } ?? true
            if missed {
                var have = Points.zero
                for e in r.ledger where e.record < 0 { if case .requirementMissed(q) = e.note { have = e.nominal } }
                raw("<li class=\"miss\"><b>\(t("✗ 未达到", "✗ not met"))</b> ")
                text(RuleBook.describe(req, in: rules, lang: lang))
                raw(" <span class=\"have\">")
                text(t("（已有 \(have)，还差 \(req.min - have)）", "(have \(have), \(req.min - have) short)"))
                raw("</span></li>\n")
            } else if !applies {
                raw("<li class=\"na\"><b>\(t("— 不适用", "— n/a"))</b> ")
                text(RuleBook.describe(req, in: rules, lang: lang))
                raw("</li>\n")
            } else {
                raw("<li class=\"ok\"><b>\(t("✓ 已达到", "✓ met"))</b> ")
                text(RuleBook.describe(req, in: rules, lang: lang))
                raw("</li>\n")
            }
        }
        raw("</ul>\n")
    }

    mutating func vetoes(_ r: MemberScore) {
        guard !r.vetoes.isEmpty else { return }
        raw("<h3 class=\"bad\">\(t("否决事项", "Vetoes"))</h3>\n<table class=\"small\">\n<tbody>\n")
        let store = s.run.store
        for (v, record) in r.vetoes {
            let veto = rules.vetoes[v]
            raw("<tr><td class=\"d\">")
            if record >= 0 && Int(record) < store.records.count { day(store.records[Int(record)].date) }
            raw("</td><td><b>")
            text(veto.name)
            raw("</b>")
            if record >= 0 && Int(record) < store.records.count {
                let a = store.records[Int(record)]
                raw(" <span class=\"tt\">")
                text(store.title(of: a))
                raw("</span> <span class=\"loc\">")
                text(t("记录编号 ", "record ") + store.id(of: a))
                raw("</span>")
            }
            raw("</td><td>")
            text(t("等次定为\(grades[veto.grade].name)", "graded \(grades[veto.grade].name)"))
            raw("</td></tr>\n")
        }
        raw("</tbody>\n</table>\n")
    }

    mutating func unmatched(_ r: MemberScore) {
        guard r.unmatched > 0 else { return }
        raw("<h3>\(t("无适用规则的记录（计 0 分）", "Records no rule applies to (0 points)"))</h3>\n<table class=\"small\">\n<tbody>\n")
        let store = s.run.store
        for e in r.ledger where e.note == .noRule && e.record >= 0 {
            let a = store.records[Int(e.record)]
            raw("<tr><td class=\"d\">")
            day(a.date)
            raw("</td><td><b>")
            text([store.symbols[a.kind], store.symbols[a.status], store.symbols[a.role], store.symbols[a.level]].filter { !$0.isEmpty }.joined(separator: "·"))
            raw("</b> <span class=\"tt\">")
            text(store.title(of: a))
            raw("</span></td><td class=\"loc\">")
            text(store.id(of: a))
            raw("</td></tr>\n")
        }
        raw("</tbody>\n</table>\n")
    }

    /// Records a correction (复核) removed: not scored, listed with the correction.
    mutating func removedRecords(_ m: Member) {
        guard let list = s.removedOfMember[m.id], !list.isEmpty else { return }
        raw("<h3>\(t("经复核删除的记录（不计分）", "Records removed by corrections (not scored)"))</h3>\n<table class=\"small\">\n<tbody>\n")
        for i in list {
            let c = s.run.corrections[i]
            raw("<tr><td class=\"loc\">")
            text(c.recordID)
            raw("</td><td>")
            text(c.line(lang))
            raw("</td></tr>\n")
        }
        raw("</tbody>\n</table>\n")
    }

    mutating func rejected(_ m: Member) {
        guard let list = ctx.rejects[m.id], !list.isEmpty else { return }
        raw("<h3>\(t("被拒收的记录（不计分；如应当计分，请向政协办公室说明）", "Rejected records (not scored; tell the office if they should count)"))</h3>\n<table class=\"small\">\n<tbody>\n")
        for i in list {
            let rj = s.run.rejects[i]
            raw("<tr><td class=\"loc\">")
            text(rj.recordID.isEmpty ? "—" : rj.recordID)
            raw("</td><td>")
            text(rj.value)
            raw("</td><td>")
            text(ctx.withoutFolders(rj.reason.message(lang)))
            raw("</td></tr>\n")
        }
        raw("</tbody>\n</table>\n")
    }
}

/// Whether a member meets a condition's member fields (职务, 界别, 专委会, 活动组, 党派).
/// Record fields and expressions are not looked at.
enum MemberConditions {
    static func match(_ c: Condition, _ m: Member) -> Bool {
        if let v = c.memberRoles, !v.contains(m.role) { return false }
        if let v = c.memberSectors, !v.contains(m.sector) { return false }
        if let v = c.memberGroups, !v.contains(m.group) { return false }
        if let v = c.memberParties, !v.contains(m.party) { return false }
        if let v = c.memberCommittees {
            if !m.committees.contains(where: v.contains) { return false }
        }
        return true
    }
}

/// HTML escaping and number formatting straight into bytes (the member pages write a line per
/// ledger entry, a million at scale, so no intermediate strings).
enum HTMLBytes {
    /// Escapes `& < > " '`; C0 control characters other than tab, LF and CR, and DEL, become
    /// U+FFFD (they are not allowed in HTML text).
    static func escape(_ p: UnsafeBufferPointer<UInt8>, into o: inout [UInt8]) {
        var clean = true
        for b in p where b < 0x40 || b == 0x7F {
            if b == 0x26 || b == 0x3C || b == 0x3E || b == 0x22 || b == 0x27 || b == 0x7F || (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D) {
                clean = false
                break
            }
        }
        if clean { o.append(contentsOf: p); return }
        for b in p {
            switch b {
            case 0x26: o.append(contentsOf: [0x26, 0x61, 0x6D, 0x70, 0x3B])                 // &amp;
            case 0x3C: o.append(contentsOf: [0x26, 0x6C, 0x74, 0x3B])                       // &lt;
            case 0x3E: o.append(contentsOf: [0x26, 0x67, 0x74, 0x3B])                       // &gt;
            case 0x22: o.append(contentsOf: [0x26, 0x71, 0x75, 0x6F, 0x74, 0x3B])           // &quot;
            case 0x27: o.append(contentsOf: [0x26, 0x23, 0x33, 0x39, 0x3B])                 // &#39;
            case 0x09, 0x0A, 0x0D: o.append(b)
            case 0..<0x20, 0x7F: o.append(contentsOf: [0xEF, 0xBF, 0xBD])
            default: o.append(b)
            }
        }
    }

    /// `Points.description` without the string: `2`, `1.5`, `-0.25` (``Points/display(decimals:into:)``).
    static func points(_ p: Points, into o: inout [UInt8]) { p.display(decimals: Points.displayDecimals, into: &o) }

    static func digits(_ v: UInt64, into o: inout [UInt8]) { DecimalBytes.append(v, to: &o) }
}

/// A member page that could not be written.
public enum MemberPagesError: Error, CustomStringConvertible {
    case write(String)
    public var description: String {
        switch self { case .write(let reason): return reason }
    }
}
