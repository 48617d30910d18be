/// libxml2's error messages (English, terse, sometimes naming its own functions) as a Chinese
/// reader reads them, chosen by the error's code (`xmlError.code`, `xmlParserErrors`); libxml2's
/// own text stays beside the explanation in parentheses, so that it can still be looked up.
/// Codes this table does not know are shown as libxml2 wrote them.
enum XMLErrorText {
    /// The explanation of libxml2 error `code` (with its `message` for the one generic code that
    /// covers several cases); `nil` when there is none.
    static func chinese(code: Int, message: String) -> String? {
        switch code {
        case 1 where message.contains("Huge input lookup"):  // XML_ERR_INTERNAL_ERROR
            return "一个标记（如一个开始标签连同它的属性）超过了 XML 解析器约 10 MB 的上限，可能是属性值过长或标签没有结束"
        case 1 where message.contains("Excessive depth") || message.contains("Maximum depth"):
            return "元素嵌套过深"
        case 4: return "文件为空，或没有根元素"                                                  // XML_ERR_DOCUMENT_EMPTY
        case 5: return "根元素结束之后还有内容（一个 XML 文件只能有一个根元素）"                     // XML_ERR_DOCUMENT_END
        case 6, 7: return "字符引用（&#…;）的写法不对"                                            // XML_ERR_INVALID_HEX/DEC_CHARREF
        case 8: return "字符引用（如 &#1;）指向 XML 中不允许的控制字符"                            // XML_ERR_INVALID_CHARREF
        case 9 where message.contains("CharRef"):                                                   // XML_ERR_INVALID_CHAR, by reference
            return "字符引用（如 &#1;）指向 XML 中不允许的控制字符"
        case 9: return "文件中有 XML 不允许的字符（如控制字符）"                                   // XML_ERR_INVALID_CHAR
        case 22: return "“&”后面没有实体名：文字中的 & 要写作 &amp;"                              // XML_ERR_ENTITYREF_NO_NAME
        case 23: return "实体引用缺少结尾的分号：文字中的 & 要写作 &amp;"                          // XML_ERR_ENTITYREF_SEMICOL_MISSING
        case 26, 27: return "使用了没有定义的实体（如 &nbsp;）；只允许 &amp;、&lt;、&gt;、&quot;、&apos; 和 &#…; 字符引用"  // XML_ERR_UNDECLARED_ENTITY
        case 31, 32: return "声明的编码无法识别或不受支持"                                        // XML_ERR_UNKNOWN/UNSUPPORTED_ENCODING
        case 33, 34, 39, 40, 41, 43, 44: return "属性值没有用引号括起来，或引号没有结束"           // STRING_/ATTRIBUTE_/LITERAL_NOT_STARTED/FINISHED, WITHOUT_VALUE
        case 38: return "属性值中有没有转义的“<”（要写作 &lt;）"                                   // XML_ERR_LT_IN_ATTRIBUTE
        case 42, 203: return "同一个元素中有重复的属性"                                          // XML_ERR_ATTRIBUTE_REDEFINED, XML_NS_ERR_ATTRIBUTE_REDEFINED
        case 45: return "注释没有结束（缺少 -->）"                                                // XML_ERR_COMMENT_NOT_FINISHED
        case 46, 47: return "处理指令（<?…?>）没有结束"                                           // XML_ERR_PI_NOT_STARTED/FINISHED
        case 57: return "XML 声明（<?xml …?>）没有结束"                                           // XML_ERR_XMLDECL_NOT_FINISHED
        case 62: return "文字中不能出现“]]>”"                                                      // XML_ERR_MISPLACED_CDATA_END
        case 63: return "CDATA 段没有结束（缺少 ]]>）"                                            // XML_ERR_CDATA_NOT_FINISHED
        case 64: return "XML 声明（<?xml …?>）只能写在文件最开头"                                  // XML_ERR_RESERVED_XML_NAME
        case 65: return "缺少空格（如两个属性之间）"                                              // XML_ERR_SPACE_REQUIRED
        case 68: return "这里应是一个名称（如“<”后的元素名）：文字中的 < 要写作 &lt;"               // XML_ERR_NAME_REQUIRED
        case 73: return "标签没有用“>”结束"                                                       // XML_ERR_GT_REQUIRED
        case 74, 85: return "元素没有结束标签，或结束标签的位置不对"                               // XML_ERR_LTSLASH_REQUIRED, XML_ERR_NOT_WELL_BALANCED
        case 75: return "属性名后缺少“=”"                                                        // XML_ERR_EQUAL_REQUIRED
        case 76: return "结束标签与对应的开始标签名称不同"                                        // XML_ERR_TAG_NAME_MISMATCH
        case 77: return "文件在一个标签中间结束（可能被截断）"                                    // XML_ERR_TAG_NOT_FINISHED
        case 80: return "注释中不能有“--”"                                                        // XML_ERR_HYPHEN_IN_COMMENT
        case 81: return "文件中有不是声明编码的字节（编码不对，或文件已损坏）"                     // XML_ERR_INVALID_ENCODING
        case 86: return "文件末尾有多余的内容"                                                    // XML_ERR_EXTRA_CONTENT
        case 96, 108, 109: return "XML 声明中的版本号缺失或不受支持"                               // VERSION_MISSING, UNKNOWN_VERSION, VERSION_MISMATCH
        case 110: return "名称过长"                                                               // XML_ERR_NAME_TOO_LONG
        case 201: return "使用了没有声明的命名空间前缀"                                           // XML_NS_ERR_UNDEFINED_NAMESPACE
        case 0 where message.hasPrefix("input conversion failed") || message.contains("encoder error"):
            // The generic handler (no code): bytes that do not convert from the declared encoding.
            return "文件中有不是声明编码的字节（编码不对，或文件已损坏）"
        default: return nil
        }
    }
}
