import Foundation
import Testing
@testable import LvzhiCore
@testable import LvzhiReport
@testable import LvzhiRules

/// What the UX review of report.html and the member pages found, each kept fixed: the
/// histogram drawn for a phone, small tables that fit a phone, names never cut off in the
/// 五色图 or the member index, marks that do not cover names, a running header with the
/// member on every printed page, tap targets, a plain word for a member without records,
/// English counts and grade names, and member ids that would name the index. The layouts
/// themselves are measured in Chromium by scripts/test-browser.
@Suite struct ReportUXTests {
    typealias F = HTMLReportTests

    static func report(_ lang: Language = .zh, members: String = F.members, activities: String = F.activities) throws -> String {
        F.html(HTMLReport.render(try F.summary(lang: lang, members: members, activities: activities), lang: lang, memberPages: "members/"))
    }

    /// The body of the `@media` block that starts with `head` (up to its closing brace).
    static func media(_ css: String, _ head: String) -> String {
        guard let r = css.range(of: head) else { return "" }
        let rest = css[r.upperBound...]
        return String(rest[..<(rest.range(of: "\n}\n")?.lowerBound ?? rest.endIndex)])
    }

    // MARK: A. Histogram

    /// Two drawings: 720 units for a desk and print, 380 for a phone, where it is drawn at
    /// about its nominal size (390 px wide: 11-unit text at about 11 px, not 5–6 px).
    @Test(arguments: [Language.zh, .en])
    func histogramHasAPhoneDrawing(_ lang: Language) throws {
        let doc = try Self.report(lang)
        #expect(doc.contains("<svg class=\"hist wide\" viewBox=\"0 0 720 268\""))
        #expect(doc.contains("<svg class=\"hist narrow\" viewBox=\"0 0 380 "))
        let css = HTMLWriter.css
        #expect(css.contains("svg.hist.narrow{display:none}"))
        let phone = Self.media(css, "@media screen and (max-width:560px){")
        #expect(phone.contains("svg.hist.wide{display:none}") && phone.contains("svg.hist.narrow{display:block"))
        let print = Self.media(css, "@media print{")
        #expect(print.contains("svg.hist.narrow{display:none}") && print.contains("svg.hist.wide{display:block}"))
        // Each threshold label in both drawings, the phone one with room for four rows.
        let grade = lang == .zh ? "合格 ≥10" : "satisfactory ≥10"
        #expect(doc.components(separatedBy: grade).count == 3)
    }

    // MARK: B. Small tables on a phone

    @Test func smallTablesFitAPhone() {
        let css = HTMLWriter.css
        #expect(css.contains(".legend td.col{white-space:nowrap}"))   // the colour word stays beside its swatch
        let phone = Self.media(css, "@media screen and (max-width:560px){")
        #expect(phone.contains("table.legend,table.scope,table.act{display:table;overflow-x:visible}"))
        #expect(phone.contains(".plain.scope td.gd,.plain.scope td.nm"))
    }

    @Test func legendColourCellIsMarked() throws {
        let doc = try Self.report(.en)
        #expect(doc.contains("<tr><td class=\"col\"><span class=\"sw k0\"></span>green</td>"))
    }

    // MARK: C, D. Names in the chart and the index; marks

    @Test func chartNamesWrapAndAreNeverCut() throws {
        let css = HTMLWriter.css
        for rule in css.split(separator: "\n") where rule.hasPrefix(".m ") || rule.hasPrefix(".m{") || rule.hasPrefix(".m.") {
            #expect(!rule.contains("ellipsis") && !rule.contains("line-clamp") && !rule.contains("overflow:hidden"), "\(rule)")
            #expect(!rule.contains(";height:") && !rule.contains("{height:"), "\(rule)")
        }
        #expect(Self.media(css, "@media print{").contains(".m{min-height:11.5mm}"))
        // The whole name is in the cell, however long.
        let long = "阿依古丽·买买提吐尔逊·艾力江巴拉提古丽"
        let roster = F.members.replacingOccurrences(of: "M1,甲,", with: "M1,\(long),")
        #expect(try Self.report(members: roster).contains("<span class=\"n\">\(long)</span>"))
        // The member index shows the whole name too.
        let index = MemberPageWriter.css
        #expect(index.contains(".toc b{font-weight:600;min-width:0;overflow-wrap:anywhere}"))
        #expect(!index.contains("max-width:8em"))
    }

    /// The ▲ (and ※, ○) follow the score on its line instead of sitting over the name's end.
    @Test func marksFollowTheScore() throws {
        let doc = try Self.report()
        #expect(doc.contains("<span class=\"s\">0.75<i>▲</i></span></a>") || doc.range(of: #"<span class="s">[0-9.-]+<i>▲</i></span></a>"#, options: .regularExpression) != nil)
        #expect(doc.range(of: #"</span><i>[※▲○]+</i></a>"#, options: .regularExpression) == nil)
        #expect(HTMLWriter.css.contains(".m i{font-style:normal;font-size:10px;margin-left:3px}"))
    }

    // MARK: E. Printed member pages

    @Test func printedMemberPagesNameTheMemberAndCountPages() throws {
        let s = try F.summary()
        let page = String(decoding: try #require(MemberPages.renderPage(s, lang: .zh, member: "M3")), as: UTF8.self)
        #expect(page.contains("@top-left{content:\"丙（委员编号 M3）\""))
        #expect(page.contains("@bottom-right{content:\"第 \" counter(page) \" 页 / 共 \" counter(pages) \" 页\""))
        // An id with characters CSS would read is escaped inside the string.
        let odd = String(decoding: try #require(MemberPages.renderPage(s, lang: .zh, member: "M 7")), as: UTF8.self)
        #expect(odd.contains("@top-left{content:\"O\\27 Brien \\3c i\\3e （委员编号 M 7）\""))
        let en = try F.summary(lang: .en)
        let enPage = String(decoding: try #require(MemberPages.renderPage(en, lang: .en, member: "M3")), as: UTF8.self)
        #expect(enPage.contains("@top-left{content:\"丙 \\28 ID M3\\29 \""))
        #expect(enPage.contains("\"Page \" counter(page) \" of \" counter(pages)"))
    }

    // MARK: F. Tap targets

    @Test func linksAreTallEnoughOnAPhone() {
        let phone = Self.media(HTMLWriter.css, "@media screen and (max-width:560px){")
        #expect(phone.contains(".toc a{display:inline-flex;align-items:center;min-height:32px}"))
        #expect(phone.contains(".rank td.nm a,.plain td.nm a,.meta a{display:inline-flex;align-items:center;min-height:32px}"))
        #expect(phone.contains(".bytabs label{padding:9px 10px 9px"))
        let members = Self.media(MemberPageWriter.css, "@media screen and (max-width:700px){")
        #expect(members.contains(".toc a{align-items:center;min-height:36px;padding:4px 0}"))
        // Not on a desk or on paper.
        #expect(!Self.media(HTMLWriter.css, "@media print{").contains("min-height:32px"))
    }

    // MARK: G. No records

    @Test(arguments: [Language.zh, .en])
    func memberWithoutRecordsIsToldPlainly(_ lang: Language) throws {
        let roster = F.members + "M0,零记录,经济界,,委员,,,,,是\n"
        let s = try F.summary(lang: lang, members: roster)
        let page = String(decoding: try #require(MemberPages.renderPage(s, lang: lang, member: "M0")), as: UTF8.self)
        #expect(page.contains(lang == .zh ? "<p class=\"none\">本期没有计分的履职记录。</p>" : "<p class=\"none\">No scored records this period.</p>"))
        #expect(!page.contains("0 条记录") && !page.contains("0 records"))
        #expect(!page.contains("<tr class=\"ch\">"))                 // no empty category headings
        #expect(!page.contains("<thead><tr><th>\(lang == .zh ? "日期" : "Date")"))
        #expect(page.contains("<tr class=\"total\"><td></td><td colspan=\"3\">\(lang == .zh ? "总分" : "Total")</td>"))
        // A member with records keeps the headings.
        let m1 = String(decoding: try #require(MemberPages.renderPage(s, lang: lang, member: "M1")), as: UTF8.self)
        #expect(m1.contains("<tr class=\"ch\">") && !m1.contains("<p class=\"none\">"))
    }

    // MARK: H. English

    @Test func englishCountsAreSingularForOne() throws {
        let s = try F.summary(lang: .en)
        let doc = F.html(HTMLReport.render(s, lang: .en, memberPages: "members/"))
        let pages = F.html(MemberPages.render(s, lang: .en))
        for text in [doc, pages] {
            #expect(text.range(of: #"(?<![0-9.])1 (members|points|records)\b"#, options: .regularExpression) == nil,
                    "\(text.range(of: #"(?<![0-9.])1 (members|points|records)\b"#, options: .regularExpression).map { String(text[$0]) } ?? "")")
        }
        #expect(doc.contains("<span class=\"scount\">1 member</span>"))
        #expect(English.members(1) == "1 member" && English.members(2) == "2 members" && English.members(0) == "0 members")
        #expect(English.points(.one) == "1 point" && English.points(Points(raw: Points.one.raw * 3 / 2)) == "1.5 points")
    }

    @Test func englishAdviceNamesTheUnit() throws {
        let pages = F.html(MemberPages.render(try F.summary(lang: .en), lang: .en))
        let m7 = F.page(pages, "M 7")
        #expect(m7.contains("出席全体会议: 4 more half-days (2 points per half-day), 8 points in all."))
        #expect(m7.contains("提案立案（第一提案人）: 2 more items (6 points per item), 12 points in all."))
    }

    @Test func englishAppendixUsesTheDisplayedNames() throws {
        let doc = try Self.report(.en)
        let start = try #require(doc.range(of: "<section class=\"appendix\""))
        let appendix = String(doc[start.lowerBound...]).components(separatedBy: "<section class=\"provenance\"")[0]
        #expect(appendix.contains("Grade names in the rule file: 优秀 (excellent), 绿 (green); 合格 (satisfactory), 黄 (yellow); 不合格 (unsatisfactory), 红 (red)."))
        #expect(appendix.contains("graded &#39;unsatisfactory&#39; whatever the score"))
        #expect(!appendix.contains("&#39;不合格&#39;") && !appendix.contains("&#39;合格&#39;"))
        #expect(appendix.contains("出席全体会议, 2 points each (per half-day)"))
        #expect(!appendix.contains("(每半天)"))
        // The Chinese report's appendix is the rule file's own words.
        let zh = try Self.report(.zh)
        #expect(zh.contains("出席全体会议，每半天计 2 分"))
        #expect(English.appendixRules(try F.summary().run.rules).rules.map(\.name).contains("无故缺席全体会议 (per half-day)"))
    }

    // MARK: I. Ids that would name the index

    @Test func pageFileNamesNeverNameTheIndex() {
        #expect(MemberPages.pageFileName("index") == "_69ndex.html")
        #expect(MemberPages.pageFileName("INDEX") == "_49NDEX.html")
        #expect(MemberPages.pageFileName("Index") == "_49ndex.html")
        #expect(MemberPages.pageFileName("index.html") == "index.html.html")
        #expect(MemberPages.pageFileName("indexes") == "indexes.html")
        #expect(MemberPages.pageFileName("_69ndex") == "_5F69ndex.html")   // `_` is escaped: no other id takes the name
        #expect(MemberPages.pageLink("index") == "members/_69ndex.html")
    }

    @Test func memberNamedIndexIsWrittenBesideTheIndex() throws {
        let roster = F.members + "index,小写,经济界,,委员,,,,,是\nINDEX,大写,经济界,,委员,,,,,是\nindex.html,带后缀,经济界,,委员,,,,,是\n"
        let s = try F.summary(members: roster)
        let dir = Scratch()
        _ = try ReportSet.write(s, to: dir.path, lang: .zh, only: ["report.html", MemberPages.folderName, "rejects.csv"])
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/members"))
        #expect(files.isSuperset(of: ["index.html", "_69ndex.html", "_49NDEX.html", "index.html.html"]))
        // No two names differ only in case (macOS and Windows folders ignore it).
        #expect(Set(files.map { $0.lowercased() }).count == files.count)
        #expect(try #require(FileManager.default.contents(atPath: dir.path + "/members/index.html")) == Data(MemberPages.renderIndex(s, lang: .zh)))
        let own = try #require(FileManager.default.contents(atPath: dir.path + "/members/_69ndex.html"))
        #expect([UInt8](own) == MemberPages.renderPage(s, lang: .zh, member: "index"))
        let report = String(decoding: try #require(FileManager.default.contents(atPath: dir.path + "/report.html")), as: UTF8.self)
        #expect(report.contains("href=\"members/_69ndex.html\"") && report.contains("href=\"members/index.html\""))
        let index = String(decoding: MemberPages.renderIndex(s, lang: .zh), as: UTF8.self)
        #expect(index.contains("<li><a href=\"_69ndex.html\">") && index.contains("<li><a href=\"_49NDEX.html\">"))
    }
}
