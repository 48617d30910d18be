import ArgumentParser
import Foundation
import Hummingbird
import LvzhiApp
import LvzhiCore
import LvzhiServe

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "在浏览器中办理年度考核：本机网页控制台 (the web console for office staff).",
        discussion: """
        数据文件夹（--data）中保存历史数据库（连同控制台的账号和审计记录）、每次评分的
        输出（runs/）和上传的导出文件（uploads/），不存在时自动创建。默认只监听
        127.0.0.1；所有页面都要先登录（委员核对链接除外）。先用 --add-account 建立账
        号（密码从标准输入读一行）：工作人员评分、提出复核，审核人批准复核（不能是提出
        人）和公布。见 README“网页控制台”。
        (DIR holds the history database with the console's accounts and audit log,
        the runs' outputs and the uploads. Binds 127.0.0.1 by default; every page
        but a member's check link needs a sign-in. Create accounts first with
        --add-account (password on standard input): staff score and propose
        corrections, reviewers approve others' corrections and publish.)
        """
    )

    @Option(help: "数据文件夹 (data folder).")
    var data: String

    @Option(name: .customLong("rules-dir"), help: "可选的规则文件所在文件夹（默认 Rules） (folder of selectable rule files).")
    var rulesDir: String = "Rules"

    @Option(name: .customLong("exports-dir"), help: "可选的导出文件所在文件夹 (folder of exports to pick from).")
    var exportsDir: String?

    @Option(help: "监听地址（默认 127.0.0.1） (address to bind).")
    var host: String = "127.0.0.1"

    @Option(help: "端口（默认 8080） (port).")
    var port: Int = 8080

    @Option(name: .customLong("run-time"), help: "固定报告中的生成时间（同 lvzhi score --run-time） (pin the reports' run time).")
    var runTime: String?

    @Option(name: .customLong("add-account"), help: "新建或修改账号（密码从标准输入读一行）后退出 (add or update an account and exit; password on stdin).")
    var addAccount: String?

    @Option(help: "--add-account 的角色：admin 管理员、staff 工作人员、reviewer 审核人 (role for --add-account).")
    var role: String = "staff"

    @Flag(help: "打印审计记录后退出 (print the audit log and exit).")
    var audit = false

    @Option(name: .customLong("lang"), help: "界面语言：zh（默认）或 en (language).")
    var lang: String = "zh"

    @Flag(name: .customLong("secure-cookies"), help: "cookie 加 Secure 标记（在 HTTPS 反向代理之后使用） (mark cookies Secure: behind an HTTPS proxy).")
    var secureCookies = false

    @Option(name: .customLong("idle-timeout"), help: "连接多少秒没有收发数据即关闭（默认 30） (seconds a connection may stay silent).")
    var idleTimeout: Int = 30

    func validate() throws {
        guard Language(rawValue: lang) != nil else { throw ValidationError("--lang 只能是 zh 或 en (--lang must be zh or en)") }
        guard ConsoleRole(text: role) != nil else { throw ValidationError("--role 只能是 admin、staff 或 reviewer (--role must be admin, staff or reviewer)") }
        try RunTimeOption.validate(runTime, Language(rawValue: lang) ?? .zh)
        guard (1...3600).contains(idleTimeout) else { throw ValidationError("--idle-timeout 应为 1 到 3600 秒 (--idle-timeout must be 1 to 3600 seconds)") }
    }

    func run() async throws {
        let language = Language(rawValue: lang) ?? .zh
        var config = ConsoleConfig(dataDir: data, rulesDir: rulesDir, exportsDir: exportsDir)
        config.host = host
        config.port = port
        config.lang = language
        config.runTime = runTime
        config.secureCookies = secureCookies
        config.idleTimeout = idleTimeout
        let console: Console
        do { console = try Console(config: config) } catch {
            printErr((error as? LvzhiFailure)?.message ?? language.pick("错误: 无法打开数据文件夹 \(data)：\(error)", "error: cannot open the data folder \(data): \(error)"))
            throw ExitCode(Exit.badInput)
        }
        if let name = addAccount {
            let password = ProcessInfo.processInfo.environment["LVZHI_PASSWORD"] ?? readLine(strippingNewline: true) ?? ""
            do { try console.store.setAccount(name: name, role: ConsoleRole(text: role)!, password: password) } catch {
                printErr("\(error)")
                throw ExitCode(Exit.usage)
            }
            console.store.audit(account: "(lvzhi serve --add-account)", action: "account", detail: "\(name) \(role)")
            print(language.pick("已保存账号 \(name)（\(ConsoleRole(text: role)!.label(language))）", "saved account \(name) (\(ConsoleRole(text: role)!.label(language)))"))
            return
        }
        if audit {
            for e in try console.store.auditLog(limit: 10_000).reversed() {
                print([String(e.id), e.at, e.account, e.action, e.ok ? "ok" : "failed", e.detail].joined(separator: "\t"))
            }
            return
        }
        let accounts = (try? console.store.accounts()) ?? []
        if accounts.isEmpty {
            printErr(language.pick("错误: 还没有账号。先建立一个管理员：\n  lvzhi serve --data \(data) --add-account 名字 --role admin   （密码从标准输入读一行）",
                                   "error: no accounts yet. Create an administrator first:\n  lvzhi serve --data \(data) --add-account NAME --role admin   (password on stdin)"))
            throw ExitCode(Exit.usage)
        }
        for w in console.warnings { printErr(w) }
        print(language.pick("lvzhi 控制台：http://\(host):\(port)/ （数据 \(data)，规则 \(rulesDir)\(exportsDir.map { "，导出 \($0)" } ?? "")）",
                            "lvzhi console: http://\(host):\(port)/ (data \(data), rules \(rulesDir)\(exportsDir.map { ", exports \($0)" } ?? ""))"))
        try await console.application().runService()
    }
}
