import Foundation
import Hummingbird
import HummingbirdTesting
import LvzhiApp
import LvzhiHistory
import LvzhiServe
import Testing

@Suite struct ConsoleRuleToolsTests {
    /// The 规则 page runs the file's cases, renders the 考核细则 exactly as `lvzhi render --format
    /// html` does, and compares a draft rule file with the last published run.
    @Test func casesRenderDiff() async throws {
        let rules = NSTemporaryDirectory() + "lvzhi-console-rules-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: rules, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: rules) }
        try FileManager.default.copyItem(atPath: packageRoot + "/Rules/fengjie.yaml", toPath: rules + "/fengjie.yaml")
        let text = try String(contentsOfFile: rules + "/fengjie.yaml", encoding: .utf8)
        // A draft that gives more for plenary sessions (its own cases then fail on those points).
        let draft = text.replacingOccurrences(of: "status: 出席}, points: 2, per: quantity}", with: "status: 出席}, points: 3, per: quantity}")
        #expect(draft != text)
        try draft.write(toFile: rules + "/draft.yaml", atomically: true, encoding: .utf8)
        let f = try ConsoleFixture(rulesDir: rules)
        try await f.test { client in
            let clerk = try await signIn(client, as: "clerk")
            let page = try await client.execute(uri: "/rules/fengjie.yaml", method: .get, headers: clerk.headers)
            let cases = RuleTesting.run(file: rules + "/fengjie.yaml", lang: .zh)
            #expect(cases.cases.count > 0 && cases.failed == 0)
            #expect(page.text.contains("\(cases.passed) 个用例通过，0 个失败"))
            for c in cases.cases { #expect(page.text.contains("✓ " + c.name.replacingOccurrences(of: "\"", with: "&quot;"))) }

            let book = try await client.execute(uri: "/rules/fengjie.yaml/render", method: .get, headers: clerk.headers)
            #expect(book.status == .ok)
            let cli = try RuleRendering.render(path: rules + "/fengjie.yaml", format: .html, lang: .zh)
            #expect(book.text.contains(cli))
            #expect(try await client.execute(uri: "/rules/..%2FREADME.md/render", method: .get, headers: clerk.headers).status == .notFound)

            // Nothing published yet.
            let none = try await client.execute(uri: "/rules/draft.yaml/diff", method: .get, headers: clerk.headers)
            #expect(none.text.contains("还没有公布的运行"))
            let id = try await scoreSamples(client, clerk)
            let chief = try await signIn(client, as: "chief")
            let run = try #require(try HistoryStore.open(path: f.console.config.historyPath).run(id))
            _ = try await client.execute(uri: "/runs/\(id)/publish", method: .post, headers: merged(chief.headers, formHeaders),
                                         body: form([("_csrf", chief.csrf), ("confirm", run.periodLabel)]))
            let same = try await client.execute(uri: "/rules/fengjie.yaml/diff", method: .get, headers: clerk.headers)
            #expect(same.status == .ok)
            #expect(same.text.contains("总分：上升 0 人，下降 0 人"))
            let diff = try await client.execute(uri: "/rules/draft.yaml/diff", method: .get, headers: clerk.headers)
            #expect(diff.status == .ok)
            #expect(diff.text.contains("运行 #\(id)"))
            #expect(!diff.text.contains("总分：上升 0 人"))
            #expect(diff.text.contains("一、等次变化"))
        }
    }
}
