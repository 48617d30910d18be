import LvzhiCore

/// A place inside an expression's text.
public struct ExprPosition: Hashable, Sendable, CustomStringConvertible {
    /// Unicode scalars from the start of the expression (0-based).
    public var offset: Int
    /// 1-based line within the expression.
    public var line: Int
    /// 1-based column within the line, in Unicode scalars (one per 汉字).
    public var column: Int

    public init(offset: Int, line: Int, column: Int) {
        self.offset = offset
        self.line = line
        self.column = column
    }

    public static let start = ExprPosition(offset: 0, line: 1, column: 1)
    public var description: String { "\(line):\(column)" }
}

/// One problem in an expression: a stable id, a Chinese and an English message, where, and a hint.
///
/// | id | meaning |
/// |---|---|
/// | E001 | expression longer than 4,000 characters |
/// | E002 | nested deeper than 64 levels |
/// | E003 | a character that is not part of the language (`=`, `&`, `；`, full-width operators …) |
/// | E004 | string without its closing quote |
/// | E005 | bad number: more than 4 fraction digits, beyond ±1e9, or letters after digits |
/// | E006 | bad date: not a real `YYYY-MM-DD` date, or `date()` without a string constant |
/// | E007 | unexpected token (syntax error) |
/// | E008 | the expression ends too early, or is empty |
/// | E009 | chained comparison `a < b < c` |
/// | E010 | unknown name (hint: the closest field, or quote a text value) |
/// | E011 | unknown field of `member.` or `period.` |
/// | E012 | unknown function |
/// | E013 | wrong number of arguments |
/// | E014 | the two sides have different types (`decimal` 与 `string`), also list elements |
/// | E015 | operator not defined for the type (`<` on strings, `and` on decimals …) |
/// | E016 | the whole expression has the wrong type (a condition must be bool) |
/// | E017 | `count`/`sum` inside `count`/`sum` |
/// | E018 | a record field outside `count`/`sum` in a member-level expression |
/// | E019 | the right side of `in` is neither a list nor `marks` |
/// | E020 | a list element that is not a constant |
/// | E021 | division by anything but a positive whole-number constant |
/// | E022 | a list anywhere but the right side of `in` |
/// | E023 | a kind, status, role, level or mark that the rule file does not declare, or a member role, sector or committee outside its `roster` lists |
/// | E024 | a function argument of the wrong type |
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var id: String
    public var position: ExprPosition
    public var zh: String
    public var en: String
    public var hintZh: String?
    public var hintEn: String?

    public init(id: String, position: ExprPosition, zh: String, en: String, hintZh: String? = nil, hintEn: String? = nil) {
        self.id = id
        self.position = position
        self.zh = zh
        self.en = en
        self.hintZh = hintZh
        self.hintEn = hintEn
    }

    public var line: Int { position.line }
    public var column: Int { position.column }
    public func message(_ lang: Language) -> String { lang.pick(zh, en) }
    public func hint(_ lang: Language) -> String? { lang == .zh ? hintZh : hintEn }
    public var description: String { "\(position): [\(id)] \(zh)" + (hintZh.map { " 提示: \($0)" } ?? "") }

    /// Where the error is in the rule file, given where the expression's text starts there.
    ///
    /// `start` is the position of the expression's first character (for a quoted YAML scalar,
    /// one column after the opening quote). On the expression's first line the column is offset
    /// by `start.column`; on later lines (block scalars) the line is offset and the column is the
    /// column within the expression plus `indentation` (the block's indentation).
    public func location(from start: SourceLocation, indentation: Int = 0) -> SourceLocation {
        if position.line == 1 {
            return SourceLocation(file: start.file, line: start.line, column: (start.column ?? 1) + position.column - 1)
        }
        return SourceLocation(file: start.file, line: start.line + position.line - 1, column: position.column + indentation)
    }

    /// The error as a ``Diagnostic`` located in the rule file (see ``location(from:indentation:)``).
    public func diagnostic(from start: SourceLocation?, indentation: Int = 0) -> Diagnostic {
        Diagnostic(id: id, location: start.map { location(from: $0, indentation: indentation) },
                   zh: zh, en: en, hintZh: hintZh, hintEn: hintEn)
    }
}
