import LvzhiCore
import LvzhiRules
import LvzhiScoring

/// The one derivation of a run that every output format is written from, so that the CSV,
/// the JSON and the HTML can never disagree.
public struct RunSummary: Sendable {
    public struct Row: Sendable {
        /// The run's members and grades, shared by every row: a row held a copy of its member
        /// (ten strings) and grade, and copying rows counted a dozen references each on the
        /// single-threaded end of a run and in every renderer.
        private let members: [Member]
        private let grades: [Grade]
        /// Index into the run's members (``ScoreRun/members``).
        public let memberIndex: Int
        public var member: Member { _read { yield members[memberIndex] } }
        public var score: Points
        public var rank: Int?
        public var grade: Grade { _read { yield grades[gradeIndex] } }
        public let gradeIndex: Int
        public var categoryPoints: [Points]
        public var vetoReasons: [String]
        public var partialPeriod: Bool
        public var records: Int
        /// Index into ``ScoreRun/results``.
        public var resultIndex: Int
        /// The member's result in the previous period, when ``RunSummary/previous`` names them.
        public var previous: PreviousResults.Entry? = nil

        /// This score minus the previous one, when there is a previous result.
        public var scoreChange: Points? { previous.map { score - $0.score } }
        /// The flags of the multi-year conditions that held (劝辞 …), in rule-file order without
        /// repeats; nil when the rule file has no `history` conditions (no column is written).
        public var flags: [String]? = nil

        init(members: [Member], memberIndex: Int, score: Points, rank: Int?, grades: [Grade], gradeIndex: Int, categoryPoints: [Points],
             vetoReasons: [String], partialPeriod: Bool, records: Int, resultIndex: Int, flags: [String]?) {
            self.members = members
            self.memberIndex = memberIndex
            self.score = score
            self.rank = rank
            self.grades = grades
            self.gradeIndex = gradeIndex
            self.categoryPoints = categoryPoints
            self.vetoReasons = vetoReasons
            self.partialPeriod = partialPeriod
            self.records = records
            self.resultIndex = resultIndex
            self.flags = flags
        }
    }

    public var run: ScoreRun
    public var rows: [Row]
    public var generatedAt: String
    /// The grades as the human-readable outputs name them: the rule file's names, or with
    /// `--lang en` the English ones (``Grade/englishName``, ``Grade/englishColor``). The
    /// machine-readable files (scores.csv, scores.json, ledger.csv, the history) keep the rule file's.
    public var displayGrades: [Grade]
    public var toolVersion: String
    public var recordsRead: Int
    /// SHA-256 of the rule file (lowercase hex; empty when it cannot be read), and of the
    /// base file it `extends`, if any: shown in the report header next to name and version.
    public var rulesHash: String
    public var extendsHash: String?
    public var rejectsByReason: [(code: String, count: Int, example: String)]
    /// Last period's results (from the history store), when known: the reports then show
    /// 年度对比. `nil` leaves every output exactly as without the feature.
    public private(set) var previous: PreviousResults?
    /// This run compared with ``previous`` (rows: last period's grades, columns: this one's).
    public private(set) var yearOverYear: ResultComparison?
    /// Record index → index into ``ScoreRun/corrections`` of the correction that added or
    /// amended it (empty without corrections).
    public var correctionOfRecord: [Int32: Int] = [:]
    /// Member id → indices into ``ScoreRun/corrections`` of that member's removed records.
    public var removedOfMember: [String: [Int]] = [:]
    /// True when a corrections file was applied: ledgers then carry a 复核 column.
    public var hasCorrections: Bool { !run.corrections.isEmpty }

    /// - Parameter previous: last period's results; when given, every row with a previous
    ///   result carries it in ``Row/previous`` and the reports add the year-over-year parts.
    public init(run: ScoreRun, generatedAt: String, toolVersion: String, lang: Language, previous: PreviousResults? = nil) {
        self.run = run
        self.generatedAt = generatedAt
        self.toolVersion = toolVersion
        displayGrades = lang == .en ? run.rules.grades.map { g in
            var e = g
            e.name = g.englishName
            e.color = g.englishColor
            return e
        } : run.rules.grades
        rulesHash = ContentHash.sha256(file: run.rules.path) ?? ""
        extendsHash = run.rules.extends.map { ContentHash.sha256(file: $0) ?? "" }
        // Each result read where it lies: `enumerated()` copied every member's result, ledger and
        // all, on one thread at the end of a run.
        let results = run.results, rules = run.rules, members = run.members
        rows = results.indices.map { i in
            Row(members: members, memberIndex: results[i].member, score: results[i].score, rank: results[i].rank,
                grades: rules.grades, gradeIndex: results[i].grade, categoryPoints: results[i].categoryPoints,
                vetoReasons: results[i].vetoes.isEmpty ? [] : results[i].vetoes.map { rules.vetoes[$0.veto].name },
                partialPeriod: results[i].partialPeriod, records: results[i].records, resultIndex: i,
                flags: rules.history.isEmpty ? nil : Self.flags(results[i], rules: rules))
        }
        recordsRead = run.files.filter { !$0.isRoster }.reduce(0) { $0 + $1.read }
        var counts: [String: (Int, String)] = [:]
        for r in run.rejects {
            let c = r.reason.code
            counts[c, default: (0, r.reason.message(lang))].0 += 1
        }
        for (i, c) in run.corrections.enumerated() {
            if let r = c.record { correctionOfRecord[r] = i }
            if c.action == .remove { removedOfMember[c.memberID, default: []].append(i) }
        }
        rejectsByReason = counts.map { ($0.key, $0.value.0, $0.value.1) }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.code < $1.code }
        if let previous { attach(previous, lang: lang) }
    }

    /// Sets ``previous`` and everything derived from it.
    public mutating func attach(_ previous: PreviousResults, lang: Language) {
        self.previous = previous
        // A roster with joined/left dates is scored whole every year, so last year's run may hold
        // a 0-point lowest grade for a member appointed this year: not their result, and not a
        // reason to list them as “two years in the lowest grade”.
        // The comparison leaves them out of last period's side too, so that its counts agree
        // (they are "new this period", not "in both").
        var compared = previous
        for i in rows.indices {
            if previous.period.map({ rows[i].member.served(during: $0) }) ?? true {
                rows[i].previous = previous.members[rows[i].member.id]
            } else {
                compared.members[rows[i].member.id] = nil
            }
        }
        let current = ResultSet(run: run, label: lang.pick("本期", "this period"), lang: lang, ledgers: false)
        yearOverYear = ResultComparison(old: compared.resultSet(), new: current)
    }

    /// Whether the previous period is a year (or of unknown length): the reports then say 上年 /
    /// 前年 / 年度对比, otherwise (a quarter before a quarter) 上期 / 前期 / 与上期对比.
    public var previousIsYear: Bool { previous?.period.map { $0.days >= 365 } ?? true }

    /// Whether the “连续两年最低等次（拟劝辞）” list means anything: a whole-year run compared with
    /// a year (or a previous period of unknown length). Two quarters in the lowest grade, or a
    /// half-year 通报, are no ground for asking a member to resign.
    public var twoYearsListApplies: Bool {
        guard let previous, !run.isProgressRun else { return false }
        return (previous.period.map { $0.days >= 365 } ?? true) && run.period.days >= 365
    }

    /// Rows of members in this scheme's lowest grade who were also in the lowest grade last
    /// period (劝辞 under most 考核办法), in rank order.
    public var lowestTwoYearsRunning: [Int] {
        guard twoYearsListApplies, let previous, let lowest = run.rules.grades.last else { return [] }
        let worst = run.rules.grades.count - 1
        return rows.indices.filter { i in
            guard rows[i].gradeIndex == worst, let p = rows[i].previous else { return false }
            return previous.isLowest(p.grade, currentLowest: lowest.name)
        }
    }

    /// The distinct flags of the conditions that held for `r`, in rule-file order.
    public static func flags(_ r: MemberScore, rules: RuleSet) -> [String] {
        var out: [String] = []
        for h in r.history where !out.contains(rules.history[h.condition].effect.flag) { out.append(rules.history[h.condition].effect.flag) }
        return out
    }

    /// A period in words: 2024年, 2025年第2季度, or start..end.
    public static func periodLabel(_ p: Period, lang: Language) -> String {
        let (y, m, d) = p.start.components
        let (ye, me, de) = p.end.components
        if m == 1, d == 1, me == 12, de == 31, y == ye { return lang.pick("\(y)年", "\(y)") }
        if y == ye, d == 1, (m - 1) % 3 == 0, me == m + 2, de == Day.daysIn(month: me, year: ye) {
            return lang.pick("\(y)年第\((m - 1) / 3 + 1)季度", "\(y)-Q\((m - 1) / 3 + 1)")
        }
        return p.description
    }

    /// What a multi-year condition found, e.g. “连续两年不合格：2024年、本期 → 劝辞”.
    public static func describe(_ hit: HistoryHit, rules: RuleSet, lang: Language) -> String {
        let c = rules.history[hit.condition]
        let earlier = hit.earlier.map { periodLabel($0, lang: lang) }
        let effect = c.effect.grade.map { lang.pick("，等次至多为\(rules.grades[$0].name)", ", graded at most \(rules.grades[$0].englishName)") } ?? ""
        switch c.test {
        case .consecutiveGrade, .gradeInTerm, .bottomConsecutive, .consecutiveScore:
            let periods = (earlier + (hit.current > 0 ? [lang.pick("本期", "this period")] : [])).joined(separator: lang.pick("、", ", "))
            return lang.pick("\(c.name)（\(periods)）→ \(c.effect.flag)\(effect)", "\(c.name) (\(periods)) → \(c.effect.flag)\(effect)")
        case .ruleCountInTerm:
            let before = earlier.isEmpty ? "" : lang.pick("，此前见于 \(earlier.joined(separator: "、"))", "; earlier in \(earlier.joined(separator: ", "))")
            return lang.pick("\(c.name)（本届累计 \(hit.count) 条，本期 \(hit.current) 条\(before)）→ \(c.effect.flag)\(effect)",
                             "\(c.name) (\(hit.count) in the term, \(hit.current) this period\(before)) → \(c.effect.flag)\(effect)")
        }
    }

    public static func describe(_ note: LedgerEntry.Note, rules: RuleSet, lang: Language) -> String {
        switch note {
        case .full: return ""
        case .ruleCapped(let cap): return lang.pick("已达本项上限 \(cap) 分", "rule cap \(cap) reached")
        case .countLimited(let max): return lang.pick("超过本项最多计 \(max) 次", "beyond the rule's limit of \(max) records")
        case .noRule: return lang.pick("无适用规则，计 0 分", "no rule applies; 0 points")
        case .repeatedItem: return lang.pick("同一事项（关联编号相同）本项只计一次", "the same item (ref) counts once for this rule")
        case .belowThreshold(let have, let need): return lang.pick("累计第 \(have) 次，满 \(need) 次计分", "\(have) so far; scores at \(need)")
        case .thresholdReached(let need): return lang.pick("累计满 \(need) 次，计分", "\(need) reached; scores")
        case .thresholdPaid: return lang.pick("已满次数计分，不再重复计", "already paid for reaching the count")
        case .categoryStart(let start, let change):
            let sign = change.isNegative ? "−" : "+"
            let working = change.isZero ? "\(start)" : "\(start) \(sign) \(change.isNegative ? -change : change) = \(start + change)"
            return lang.pick("本类 \(start) 分起算：\(working)", "the category starts at \(start): \(working)")
        case .veto(let v): return lang.pick("否决项：\(rules.vetoes[v].name)", "veto: \(rules.vetoes[v].name)")
        case .categoryCapped(let cap): return lang.pick("类别封顶 \(cap) 分", "category capped at \(cap)")
        case .categoryFloored(let floor): return lang.pick("类别扣分以 \(floor) 分为限", "category deductions stop at \(floor)")
        case .base: return lang.pick("基础分", "base score")
        case .scoreCapped(let max): return lang.pick("总分上限 \(max) 分", "total capped at \(max)")
        case .scoreFloored(let min): return lang.pick("总分下限 \(min) 分", "total floored at \(min)")
        case .coauthorShare(let s):
            let who = s.rejected > 0
                ? lang.pick("\(s.authors) 人共同完成，其中 \(s.rejected) 人的记录被拒收", "shared by \(s.authors) members, \(s.rejected) of whose records were rejected")
                : lang.pick("\(s.authors) 人共同完成", "shared by \(s.authors) members")
            let lead = s.leadless ? lang.pick("，本件没有第一提案人，第一提案人的一半不计", "; the item has no lead, the lead's half is not awarded") : ""
            return who + lead + lang.pick("：\(s.nominal.exact) × \(s.share.exact)", ": \(s.nominal.exact) × \(s.share.exact)")
        case .noLead: return lang.pick("本项仅计第一提案人，本件没有第一提案人", "only the lead author scores, and the item has no lead")
        case .notCredited(let max): return lang.pick("本项每件最多计 \(max) 人，未计入", "not credited: at most \(max) members per item")
        case .notLead: return lang.pick("本项仅计第一提案人", "only the lead author scores")
        case .skipped(let first): return lang.pick("前 \(first) 次不计分", "the first \(first) are not counted")
        case .exclusiveDropped(let g): return lang.pick("与“\(rules.exclusive[g].name)”取高，不重复计分", "not counted: the higher of '\(rules.exclusive[g].name)' counts")
        case .requirementMissed(let q): return lang.pick("未达到最低要求：\(rules.requirements[q].name)", "minimum requirement not met: \(rules.requirements[q].name)")
        case .history(let h):
            let c = rules.history[h]
            return lang.pick("跨年度条件：\(c.name) → \(c.effect.flag)", "multi-year condition: \(c.name) → \(c.effect.flag)")
        case .prorated(let served, let days): return lang.pick("期间内任职 \(served) 天（共 \(days) 天），按比例折算", "served \(served) of \(days) days; scaled")
        }
    }

    public static func noteCode(_ note: LedgerEntry.Note) -> String {
        switch note {
        case .full: "full"
        case .ruleCapped: "rule_capped"
        case .countLimited: "count_limited"
        case .noRule: "no_rule"
        case .repeatedItem: "repeated_item"
        case .belowThreshold: "below_threshold"
        case .thresholdReached: "threshold_reached"
        case .thresholdPaid: "threshold_paid"
        case .categoryStart: "category_start"
        case .veto: "veto"
        case .categoryCapped: "category_capped"
        case .categoryFloored: "category_floored"
        case .base: "base"
        case .scoreCapped: "score_capped"
        case .scoreFloored: "score_floored"
        case .coauthorShare: "coauthor_share"
        case .notCredited: "not_credited"
        case .notLead: "not_lead"
        case .noLead: "no_lead"
        case .skipped: "skipped"
        case .exclusiveDropped: "exclusive_dropped"
        case .requirementMissed: "requirement_missed"
        case .prorated: "prorated"
        case .history: "history"
        }
    }
}
