/// The starting rule file `lvzhi new` writes: a small, commented scheme that checks clean
/// and carries one case, so that no author starts from an empty file.
public enum RuleTemplate {
    /// The template with the scheme's name and year filled in. `schema`, when given, is the path
    /// of `rule.schema.json` relative to the new file, named on the first line for editors.
    public static func text(name: String, year: Int, schema: String? = nil) -> String {
        let head = schema.map { "# yaml-language-server: $schema=\($0)\n" } ?? ""
        return head + template
            .replacingOccurrences(of: "{{NAME}}", with: quotedIfNeeded(name))
            .replacingOccurrences(of: "{{YEAR}}", with: String(year))
    }

    /// A YAML scalar for `s`: as is when plain text is safe, otherwise double-quoted.
    static func quotedIfNeeded(_ s: String) -> String {
        let risky = s.isEmpty || s.contains { ":#{}[],&*!|>'\"%@`\\".contains($0) } || s.first == " " || s.last == " "
            || s.first == "-" || s.first == "?" || Int(s) != nil
        guard risky else { return s }
        var out = "\""
        for ch in s.unicodeScalars {
            if ch == "\"" || ch == "\\" { out += "\\" }
            out.unicodeScalars.append(ch)
        }
        return out + "\""
    }

    static let template = """
    # 规则文件：把本单位的《委员履职考核办法》写成 lvzhi 能执行的数据（由 lvzhi new 生成）。
    # 写法见 docs/rules.md，每个键的一行示例见 docs/rules-cheatsheet.md。改完后依次运行：
    #   lvzhi check 本文件     检查写法，错误会指出 文件:行:列 并给出修改建议
    #   lvzhi test 本文件      运行文末的用例（每改一条规则，就改或加一个用例）
    #   lvzhi render 本文件    生成可公布的《考核细则》
    lvzhi: 1                      # 规则文件格式版本，固定写 1
    name: {{NAME}}
    version: "{{YEAR}}.1"         # 本单位自定的版本号，印在报告上
    period: {{YEAR}}              # 考核期间：2025（自然年）、2025-Q1（季度）或 2024-12-01..2025-11-30

    score:
      base: 0                     # 基础分：每位委员从多少分起算
      min: 0                      # 总分下限
      max: 100                    # 总分上限（不封顶时删去这一行）

    # 名册中允许的职务。名册里写了列表之外的职务（如把“常委”写成“长委”），该委员会被拒收并写明行号；
    # 规则中写错的职务由 lvzhi check 指出。要接受未填职务的委员，在列表中加 ""。
    roster:
      roles: [主席, 副主席, 秘书长, 常委, 委员]

    # 接受哪些活动类型，以及每种类型的状态、角色、级别。数据中出现未声明的值，该条记录会被拒收。
    kinds:
      全体会议: {statuses: [出席, 请假, 缺席]}
      提案: {statuses: [立案, 不立案], roles: [第一提案人, 联名提案人]}
      社情民意: {statuses: [报送, 采用]}
      违纪: {}

    # 考核类别：报告中的分项得分。cap 是本类最多计多少分。
    categories:
      - {id: meetings, name: 参加会议, cap: 40}
      - {id: proposals, name: 提案, cap: 30}
      - {id: opinions, name: 社情民意, cap: 30}

    # 计分规则：符合 when 的每条记录计 points 分（扣分写负数）；per: quantity 表示乘以记录的“数量”（如半天数）。
    rules:
      - {id: plenary, name: 出席全体会议（每半天）, category: meetings, when: {kind: 全体会议, status: 出席}, points: 5, per: quantity}
      - {id: plenary-absent, name: 无故缺席全体会议, category: meetings, when: {kind: 全体会议, status: 缺席}, points: -5}
      - {id: proposal-lead, name: 提案立案（第一提案人）, category: proposals, when: {kind: 提案, status: 立案, role: 第一提案人}, points: 10}
      - {id: proposal-cosign, name: 提案立案（联名提案人）, category: proposals, when: {kind: 提案, status: 立案, role: 联名提案人}, points: 5}
      - {id: opinion, name: 报送社情民意, category: opinions, when: {kind: 社情民意, status: 报送}, points: 3}
      - {id: opinion-adopted, name: 社情民意被采用, category: opinions, when: {kind: 社情民意, status: 采用}, points: 5}

    # 最低要求：未达到时等次最高为“合格”（也可以 grade 直接评定、deduct 扣分或 flag 只标出）。
    requirements:
      - {id: plenary, name: 出席全体会议, when: {kind: 全体会议, status: 出席}, effect: {cap_grade: 合格}}

    # 否决事项：有这类记录的，不论得分多少，等次评为所写等次。
    vetoes:
      - {id: discipline, name: 违反政协章程或纪律, when: {kind: 违纪}, grade: 不合格}

    # 等次：从高到低，min 是该等次的最低分，最后一个等次不写 min。颜色和名称由本单位决定。
    grades:
      - {name: 优秀, color: 绿, hex: "#2e8b57", min: 80}
      - {name: 优良, color: 蓝, hex: "#1f6fb2", min: 65}
      - {name: 合格, color: 黄, hex: "#e0b100", min: 45}
      - {name: 基本合格, color: 褐, hex: "#8b5a2b", min: 30}
      - {name: 不合格, color: 红, hex: "#c0392b"}

    # 用例：几位虚构委员的记录和应得的结果，lvzhi test 逐一核对。在注释里写出手算过程。
    cases:
      - name: 出席会议、提交提案和社情民意
        members:
          - {member_id: A, role: 委员}
        records:
          - {member_id: A, date: {{YEAR}}-01-10, kind: 全体会议, status: 出席, quantity: 4}
          - {member_id: A, date: {{YEAR}}-03-01, kind: 提案, status: 立案, role: 第一提案人, ref: P1}
          - {member_id: A, date: {{YEAR}}-05-01, kind: 社情民意, status: 报送, ref: S1}
          - {member_id: A, date: {{YEAR}}-06-01, kind: 社情民意, status: 采用, ref: S1}
        # 会议 5 × 4 = 20；提案 10；社情民意 3 + 5 = 8；合计 38 → 基本合格（30 至不足 45）。
        expect:
          A: {score: 38, grade: 基本合格, categories: {meetings: 20, proposals: 10, opinions: 8}}

    """
}
