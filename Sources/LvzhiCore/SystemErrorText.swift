import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The system's reasons (`strerror`, in English whatever the locale) as a Chinese reader reads
/// them: “文件或文件夹不存在（No such file or directory）”. The English text stays beside the
/// Chinese, so that it can still be looked up; reasons this table does not know are shown as they are.
public enum SystemErrorText {
    static let chinese: [Int32: String] = [
        ENOENT: "文件或文件夹不存在",
        EACCES: "没有权限",
        EPERM: "不允许这样操作",
        ENOTDIR: "路径中有一段不是文件夹",
        EISDIR: "这是一个文件夹，不是文件",
        ENOSPC: "磁盘空间不足",
        EDQUOT: "超出磁盘配额",
        EROFS: "文件系统是只读的",
        EEXIST: "文件已存在",
        ELOOP: "符号链接过多，或路径是不允许跟随的符号链接",
        ENAMETOOLONG: "文件名或路径太长",
        EMFILE: "本进程打开的文件过多",
        ENFILE: "系统打开的文件过多",
        EIO: "输入输出错误（磁盘或设备故障）",
        EFBIG: "文件过大",
        EBUSY: "设备或资源正忙",
        ENOTEMPTY: "文件夹不为空",
        EXDEV: "不能跨文件系统移动",
        ENXIO: "设备不存在（例如没有写入端的命名管道）",
        EAGAIN: "资源暂时不可用，请稍后再试",
        ETXTBSY: "文件正被执行，不能写入",
    ]

    /// English text → Chinese, built from this system's own `strerror` texts.
    static let byText: [String: String] = {
        var out: [String: String] = [:]
        for (code, zh) in chinese { out[String(cString: strerror(code))] = zh }
        return out
    }()

    /// `reason` (a `strerror` text, possibly after “PATH: ” or “PATH：”) in `lang`.
    public static func localized(_ reason: String, _ lang: Language) -> String {
        guard lang == .zh else { return reason }
        if let zh = byText[reason] { return "\(zh)（\(reason)）" }
        for separator in ["：", ": "] {
            guard let r = reason.range(of: separator, options: .backwards) else { continue }
            let tail = String(reason[r.upperBound...])
            if let zh = byText[tail] { return String(reason[..<r.upperBound]) + "\(zh)（\(tail)）" }
        }
        return reason
    }

    /// The Chinese or English reason for error number `code`.
    public static func describe(_ code: Int32, _ lang: Language) -> String {
        localized(String(cString: strerror(code)), lang)
    }
}
