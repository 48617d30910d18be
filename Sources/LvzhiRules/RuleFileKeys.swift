/// Every key the rule-file parser accepts, by the part of the file it belongs to. The parser
/// reads its allowed keys from here, and a test keeps `Schemas/rule.schema.json` (whose
/// `definitions` carry the same names) in step with it.
public enum RuleFileKeys {
    public static let top = ["lvzhi", "name", "version", "period", "extends", "score", "roster", "kinds", "marks", "categories",
                             "rules", "exclusive", "requirements", "vetoes", "grades", "grading", "term", "history", "display", "cases"]
    public static let score = ["base", "base_by_role", "min", "max"]
    public static let roster = ["roles", "sectors", "committees"]
    public static let kind = ["statuses", "roles", "levels"]
    public static let category = ["id", "name", "start", "cap", "floor"]
    public static let rule = ["id", "name", "text", "category", "when", "points", "per", "cap", "max_count", "once", "once_per", "skip_first", "at_least", "split"]
    public static let split = ["policy", "fraction", "lead_role", "max_credited"]
    public static let condition = ["kind", "status", "role", "level", "marks", "member_role", "member_sector", "member_committee",
                                   "member_group", "member_party", "signers", "sole", "expr"]
    public static let exclusive = ["id", "name", "rules", "per"]
    public static let requirement = ["id", "name", "when", "min", "count", "applies_to", "effect"]
    public static let requirementEffect = ["cap_grade", "grade", "deduct", "flag"]
    public static let veto = ["id", "name", "when", "grade"]
    public static let grade = ["name", "color", "hex", "min", "top", "bottom", "name_en", "color_en"]
    public static let grading = ["scope", "partial_period"]
    public static let term = ["start", "years"]
    public static let history = ["id", "name", "when", "effect"]
    public static let historyWhen = ["grade", "score_below", "years", "rule", "in_term", "bottom"]
    public static let historyEffect = ["flag", "grade"]
    public static let signers = ["min", "max"]
    public static let display = ["decimals"]

    /// Each part by the name of its definition in `Schemas/rule.schema.json` (`top` is the
    /// schema's root). The parts of `cases:` are the case parser's.
    public static var all: [String: [String]] {
        ["top": top, "score": score, "roster": roster, "kind": kind, "category": category, "rule": rule, "split": split,
         "condition": condition, "exclusive": exclusive, "requirement": requirement, "requirementEffect": requirementEffect,
         "veto": veto, "grade": grade, "grading": grading, "term": term, "history": history, "historyWhen": historyWhen,
         "historyEffect": historyEffect, "signers": signers, "display": display,
         "case": CaseParser.caseKeys, "caseHistory": CaseParser.historyKeys, "expect": CaseParser.expectKeys]
    }
}
