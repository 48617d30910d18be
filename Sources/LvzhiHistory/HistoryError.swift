import LvzhiCore

/// What can go wrong with the history database.
public enum HistoryError: Error, Sendable, Equatable {
    /// The folder or file cannot be created or opened.
    case cannotOpen(path: String, reason: String)
    /// The file exists but is not an SQLite database (or is damaged).
    case notADatabase(path: String)
    /// The database was written by a newer lvzhi with a schema this version does not know.
    case newerSchema(path: String, unknown: [String])
    /// Reading or writing failed.
    case database(path: String, reason: String)
    /// The period already has a published run of the same rule file name.
    case alreadyPublished(existing: Int64, period: String, rulesName: String)
    /// No run with this id.
    case noSuchRun(Int64)
    /// The run is published already.
    case notDraft(Int64)
    /// A stored value outside its domain (a damaged or hand-edited file): refused with the
    /// run, the column and the value, never turned into a crash or a 1970 date.
    case badValue(path: String, run: Int64, column: String, value: String)

    public func message(_ lang: Language) -> String {
        switch self {
        case .cannotOpen(let p, let reason):
            return lang.pick("错误: 无法打开历史数据库 \(p)：\(SystemErrorText.localized(reason, .zh))\n  提示: 检查文件夹是否存在且可写，或用 --history 指定其他位置、--no-history 不记录。",
                             "error: cannot open the history database \(p): \(reason)\n  hint: check that the folder exists and is writable, or pass --history PATH, or --no-history.")
        case .notADatabase(let p):
            return lang.pick("错误: \(p) 不是 lvzhi 的历史数据库（不是 SQLite 文件，或文件已损坏）。本次未做任何改动。\n  提示: 用 --history 指定另一个文件；如果这个文件是误放的，请移走它。",
                             "error: \(p) is not an lvzhi history database (not an SQLite file, or damaged). Nothing was changed.\n  hint: pass --history with another file; if this file was put there by mistake, move it away.")
        case .newerSchema(let p, let unknown):
            return lang.pick("错误: 历史数据库 \(p) 由更新版本的 lvzhi 写入（未知的结构版本 \(unknown.joined(separator: "、"))），本版本不能写入。\n  提示: 请升级 lvzhi。",
                             "error: the history database \(p) was written by a newer lvzhi (unknown schema versions \(unknown.joined(separator: ", "))); this version cannot write it.\n  hint: upgrade lvzhi.")
        case .database(let p, let reason):
            return lang.pick("错误: 读写历史数据库 \(p) 失败：\(SystemErrorText.localized(reason, .zh))", "error: reading or writing the history database \(p) failed: \(reason)")
        case .alreadyPublished(let id, let period, let name):
            return lang.pick("错误: 考核期间 \(period) 的“\(name)”已有公布的结果（运行 #\(id)）。公布的结果不能修改。\n  提示: 确需更正时加 --supersede，记录一次新的公布运行取代 #\(id)（原结果保留）。",
                             "error: period \(period) of '\(name)' already has published results (run #\(id)). Published results cannot be changed.\n  hint: to correct them, add --supersede: a new published run replaces #\(id) (which is kept).")
        case .noSuchRun(let id):
            return lang.pick("错误: 历史数据库中没有运行 #\(id)\n  提示: 用 lvzhi history list 查看运行编号。",
                             "error: no run #\(id) in the history database\n  hint: lvzhi history list shows the run ids.")
        case .notDraft(let id):
            return lang.pick("错误: 运行 #\(id) 已经公布，不能再次公布", "error: run #\(id) is published already")
        case .badValue(let p, let run, let column, let value):
            return lang.pick("错误: 历史数据库 \(p) 中运行 #\(run) 的 \(column) 值“\(value)”超出有效范围（文件可能已损坏或被改动），无法读取这次运行。\n  提示: 用备份恢复历史数据库，或用 --history 指定另一个文件。",
                             "error: run #\(run) in the history database \(p) has \(column) '\(value)', outside its valid range (the file may be damaged or edited); that run cannot be read.\n  hint: restore the history database from a backup, or pass --history with another file.")
        }
    }
}
