import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiReport
@testable import LvzhiScoring

/// 年度对比: the report fixture of ``HTMLReportTests`` with last year's results from a hand-made
/// table (as the history store will give them). Golden files for every output that changes,
/// structural checks of the figures, and the guarantee that without previous results nothing
/// changes (the existing golden files of HTMLReportTests and WorkbookTests cover the bytes).
@Suite struct YearOverYearTests {
    static let grades: [ResultSet.GradeInfo] = [
        .init(name: "优秀", color: "绿", hex: "#2e8b57", min: 20), .init(name: "合格", color: "黄", hex: "#e0b100", min: 10),
        .init(name: "不合格", color: "红", hex: "#c0392b"),
    ]

    static func g(_ i: Int) -> PreviousResults.GradeRef { .init(name: grades[i].name, index: i, color: grades[i].color) }

    /// Last year: M1 and M5 were 不合格 (both are 不合格 again this year → 劝辞), M8 is new,
    /// M99 has left, "M 7" has a grade from the year before.
    static var lastYear: PreviousResults {
        var p = PreviousResults(label: "2024 年", grades: grades)
        func e(_ score: String, _ grade: Int, before: Int? = nil) -> PreviousResults.Entry {
            .init(period: "2024 年", score: Points(parsing: score)!, grade: g(grade), gradeBefore: before.map(g))
        }
        p.members["M1"] = e("5", 2, before: 2)
        p.members["M2"] = e("30", 0)
        p.members["M3"] = e("12.5", 1)
        p.members["M4"] = e("15", 1)
        p.members["M5"] = e("0", 2)
        p.members["M6"] = e("11", 1)
        p.members["M 7"] = e("10", 1, before: 0)
        p.members["M99"] = .init(period: "2024 年", score: 25, grade: g(0), name: "离任者", sector: "经济界")
        return p
    }

    static func summary(lang: Language = .zh) throws -> RunSummary {
        var s = try HTMLReportTests.summary(lang: lang)
        s.attach(lastYear, lang: lang)
        return s
    }

    static func csv(_ s: RunSummary, _ lang: Language) -> String { String(decoding: ScoresCSV.render(s, lang: lang).bytes, as: UTF8.self) }
    static func json(_ s: RunSummary, _ lang: Language) -> String { String(decoding: ScoresJSON.render(s, lang: lang).bytes, as: UTF8.self) }

    @Test func goldenOutputsWithPreviousResults() throws {
        let s = try Self.summary()
        HTMLReportTests.golden(HTMLReportTests.html(HTMLReport.render(s, lang: .zh, memberPages: MemberPages.fileName)), "report-yoy.html")
        HTMLReportTests.golden(HTMLReportTests.html(MemberPages.render(s, lang: .zh)), "members-yoy.html")
        HTMLReportTests.golden(Self.csv(s, .zh), "scores-yoy.csv")
        HTMLReportTests.golden(Self.json(s, .zh), "scores-yoy.json")
        let en = try Self.summary(lang: .en)
        HTMLReportTests.golden(HTMLReportTests.html(HTMLReport.render(en, lang: .en, memberPages: MemberPages.fileName)), "report-yoy.en.html")
    }

    @Test func rowsCarryLastYearAndTheChange() throws {
        let s = try Self.summary()
        let byID = Dictionary(uniqueKeysWithValues: s.rows.map { ($0.member.id, $0) })
        let m2 = try #require(byID["M2"])
        #expect(m2.previous?.grade.name == "优秀")
        #expect(m2.scoreChange == m2.score - 30)
        #expect(byID["M8"]?.previous == nil && byID["M8"]?.scoreChange == nil)
        // 劝辞: 不合格 this year and last.
        let twice = s.lowestTwoYearsRunning.map { s.rows[$0].member.id }
        #expect(twice.sorted() == ["M1", "M5"], "\(twice)")
        for id in twice { #expect(byID[id]?.gradeIndex == 2) }
        let c = try #require(s.yearOverYear)
        #expect(c.onlyOld.map(\.id) == ["M99"])
        #expect(c.onlyNew.map(\.id) == ["M8"])
        #expect(c.pairs.count == 7)
        #expect(c.count(from: "不合格", to: "不合格") == 2)
    }

    /// Last year's run scored the whole roster, members appointed this year included (M3 joined
    /// on 2025-07-01). When the previous period's dates are known, their 2024 result is not shown
    /// as "上年" and cannot put them on the 连续两年不合格 list.
    @Test func membersNotYetInOfficeLastYearHaveNoPreviousResult() throws {
        var p = Self.lastYear
        p.members["M3"] = .init(period: "2024 年", score: 0, grade: Self.g(2))
        var undated = try HTMLReportTests.summary()
        undated.attach(p, lang: .zh)
        #expect(undated.rows.first { $0.member.id == "M3" }?.previous != nil)
        p.period = Period(spec: "2024")
        var s = try HTMLReportTests.summary()
        s.attach(p, lang: .zh)
        let byID = Dictionary(uniqueKeysWithValues: s.rows.map { ($0.member.id, $0) })
        #expect(byID["M3"]?.previous == nil)
        #expect(byID["M1"]?.previous?.grade.name == "不合格")
        #expect(!s.lowestTwoYearsRunning.map { s.rows[$0].member.id }.contains("M3"))
        // The comparison agrees: M3 is new this period, not "in both" (with undated results it is).
        let c = try #require(s.yearOverYear), u = try #require(undated.yearOverYear)
        #expect(c.onlyNew.map(\.id).sorted() == ["M3", "M8"] && !c.pairs.contains { $0.old.id == "M3" })
        #expect(u.onlyNew.map(\.id) == ["M8"] && u.pairs.count == c.pairs.count + 1)
    }

    /// Two quarters (or a 通报) in the lowest grade are no ground for 劝辞: the list is for a
    /// whole year compared with a year.
    @Test func theResignationListNeedsTwoWholeYears() throws {
        var p = Self.lastYear
        p.period = Period(spec: "2024")
        var year = try HTMLReportTests.summary()
        year.attach(p, lang: .zh)
        #expect(year.twoYearsListApplies)
        #expect(year.lowestTwoYearsRunning.map { year.rows[$0].member.id }.sorted() == ["M1", "M5"])
        #expect(HTMLReportTests.html(HTMLReport.render(year, lang: .zh)).contains("连续两年不合格（拟劝辞）"))
        p.period = Period(spec: "2024-Q4")
        var quarter = try HTMLReportTests.summary()
        quarter.attach(p, lang: .zh)
        #expect(!quarter.twoYearsListApplies && quarter.lowestTwoYearsRunning.isEmpty)
        let report = HTMLReportTests.html(HTMLReport.render(quarter, lang: .zh))
        #expect(!report.contains("拟劝辞"))
        // A quarter before is 上期, not 上年, in every output; a year stays 上年.
        #expect(report.contains("<h2>七、与上期对比</h2>") && report.contains("<th>上期等次</th>") && !report.contains("上年"))
        let members = HTMLReportTests.html(MemberPages.render(quarter, lang: .zh))
        #expect(members.contains("<dt>上期</dt>") && !members.contains("<dt>上年</dt>"))
        #expect(Self.csv(quarter, .zh).contains(",上期等次,上期总分,分数变化"))
        #expect(Self.csv(year, .zh).contains(",上年等次,上年总分,分数变化"))
        #expect(HTMLReportTests.html(HTMLReport.render(year, lang: .zh)).contains("<h2>七、年度对比</h2>"))
    }

    @Test func everyOutputShowsIt() throws {
        let s = try Self.summary()
        let report = HTMLReportTests.html(HTMLReport.render(s, lang: .zh))
        #expect(report.contains("<h2>七、年度对比</h2>"))
        #expect(report.contains("<a href=\"#yoy\">七、年度对比</a>"))
        #expect(report.contains("连续两年不合格（拟劝辞）"))
        #expect(report.contains("<th>上年等次</th><th class=\"r\">分数变化</th>"))
        let members = HTMLReportTests.html(MemberPages.render(s, lang: .zh))
        #expect(members.contains("<dt>上年</dt><dd>2024 年 红 · 不合格 5 分"))
        #expect(members.contains("<dt>前年</dt>"))
        #expect(members.contains("<dt>上年</dt><dd>2024 年无结果</dd>"))   // M8
        let csv = Self.csv(s, .en)
        let header = csv.components(separatedBy: "\r\n")[0]
        #expect(header.hasSuffix("records,previous_grade,previous_score,score_change"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(Self.json(s, .zh).utf8)) as? [String: Any])
        #expect(json["previous_period"] as? String == "2024 年")
        let m = try #require((json["members"] as? [[String: Any]])?.first { $0["member_id"] as? String == "M1" })
        let prev = try #require(m["previous"] as? [String: Any])
        #expect(prev["grade"] as? String == "不合格" && prev["grade_before"] as? String == "不合格")
        let m8 = try #require((json["members"] as? [[String: Any]])?.first { $0["member_id"] as? String == "M8" })
        #expect(m8["previous"] is NSNull)
        // The workbook's 汇总 sheet has the same columns as scores.csv.
        let sheet = try WorkbookTests.part(Workbook.parts(s, lang: .zh), "xl/worksheets/sheet1.xml")
        let strings = try WorkbookTests.part(Workbook.parts(s, lang: .zh), "xl/sharedStrings.xml")
        #expect(strings.contains("上年等次") && strings.contains("分数变化"))
        #expect(!sheet.isEmpty)
    }

    @Test func absentPreviousLeavesOutputsAlone() throws {
        let plain = try HTMLReportTests.summary()
        #expect(plain.previous == nil && plain.yearOverYear == nil && plain.lowestTwoYearsRunning.isEmpty)
        let csv = Self.csv(plain, .en)
        #expect(!csv.contains("previous"))
        #expect(!Self.json(plain, .zh).contains("previous"))
        let report = HTMLReportTests.html(HTMLReport.render(plain, lang: .zh))
        #expect(!report.contains("年度对比") && !report.contains("上年等次") && !report.contains("劝辞"))
        #expect(!HTMLReportTests.html(MemberPages.render(plain, lang: .zh)).contains("<dt>上年</dt>"))
        // An empty previous table still turns the feature on (the office asked for it), and
        // every member is then "new".
        var empty = plain
        empty.attach(PreviousResults(label: "2024 年"), lang: .zh)
        #expect(empty.yearOverYear?.pairs.isEmpty == true)
        #expect(Self.csv(empty, .en).components(separatedBy: "\r\n")[1].hasSuffix(",,,"))
    }

    @Test func hostileLabelsAreEscaped() throws {
        var p = Self.lastYear
        p.label = "<script>x</script>"
        p.members["M2"]?.grade = .init(name: "<b>优秀</b>", index: 0, color: "\"绿")
        var s = try HTMLReportTests.summary()
        s.attach(p, lang: .zh)
        let report = HTMLReportTests.html(HTMLReport.render(s, lang: .zh))
        #expect(!report.contains("<script>x") && !report.contains("<b>优秀"))
        #expect(report.contains("&lt;script&gt;x&lt;/script&gt;"))
        let members = HTMLReportTests.html(MemberPages.render(s, lang: .zh))
        #expect(!members.contains("<b>优秀"))
    }

    @Test func previousResultsFromTwoStoredRuns() throws {
        let g = Self.grades
        func m(_ id: String, _ score: Points, _ i: Int) -> MemberResult {
            MemberResult(id: id, name: id, score: score, gradeName: g[i].name, gradeIndex: i, gradeColor: g[i].color)
        }
        let y2024 = ResultSet(label: "2024 年", grades: g, members: [m("M1", 3, 2), m("M5", 0, 2), m("M2", 25, 0)])
        let y2023 = ResultSet(label: "2023 年", grades: g, members: [m("M1", 4, 2), m("M2", 12, 1)])
        let p = PreviousResults(y2024, before: y2023)
        #expect(p.label == "2024 年" && p.members.count == 3)
        #expect(p.members["M1"]?.gradeBefore?.name == "不合格")
        #expect(p.members["M2"]?.gradeBefore?.name == "合格")
        #expect(p.members["M5"]?.gradeBefore == nil)
        var s = try HTMLReportTests.summary()
        s.attach(p, lang: .zh)
        #expect(s.lowestTwoYearsRunning.map { s.rows[$0].member.id }.sorted() == ["M1", "M5"])
        // Without the grade list, "lowest" is the grade named like this scheme's lowest.
        var unnamed = p
        unnamed.grades = []
        unnamed.members["M5"]?.grade = .init(name: "差", index: 3, color: "红")
        var t = try HTMLReportTests.summary()
        t.attach(unnamed, lang: .zh)
        #expect(t.lowestTwoYearsRunning.map { t.rows[$0].member.id } == ["M1"])
    }
}
