-- Rules/fengjie.yaml in one SQL query (DuckDB), for scripts/bench: the scores an analyst would
-- compute with a SQL engine instead of lvzhi. Scores only: no ledger, no rejects file. Records
-- of members not on the roster, outside 2025 or outside the member's time in office, or of a
-- kind not in the rule file count for nothing (lvzhi rejects them with a reason).
-- @MEMBERS@ and @ACTIVITIES@ are replaced by the CSV paths, @OUT@ by the scores file.
COPY (
WITH
m AS (
  SELECT member_id, NULLIF(joined, '')::DATE AS joined, NULLIF("left", '')::DATE AS left_on
  FROM read_csv('@MEMBERS@', header = true, all_varchar = true)
),
a AS (
  SELECT a.member_id, a.kind, a.status, a.role, a.level, a.marks,
         CAST(a.quantity AS DECIMAL(18, 4)) AS q
  FROM read_csv('@ACTIVITIES@', header = true, all_varchar = true) a
  JOIN m USING (member_id)
  WHERE a.date::DATE BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
    AND (m.joined IS NULL OR a.date::DATE >= m.joined)
    AND (m.left_on IS NULL OR a.date::DATE <= m.left_on)
),
-- id, category, kinds, status, role, levels, mark, points, per quantity, rule cap
rules(id, category, kinds, status, role, levels, mark, points, per_qty, cap) AS (VALUES
  ('plenary', 'meetings', ['全体会议'], '出席', NULL, NULL, NULL, 2, true, NULL),
  ('standing', 'meetings', ['常委会议'], '出席', NULL, NULL, NULL, 2, false, NULL),
  ('committee-meeting', 'meetings', ['专委会会议', '界别会议', '协商会'], '出席', NULL, NULL, NULL, 1, false, NULL),
  ('inspection', 'meetings', ['视察', '民主监督', '协商活动'], '参加', NULL, NULL, NULL, 2, false, 10),
  ('research', 'meetings', ['调研'], '参加', NULL, NULL, NULL, 2, false, 8),
  ('research-writer', 'meetings', ['调研'], '参加', '执笔人', NULL, NULL, 3, false, NULL),
  ('training', 'meetings', ['学习培训'], '参加', NULL, NULL, NULL, 1, true, NULL),
  ('speech-oral', 'meetings', ['大会发言'], '口头', NULL, NULL, NULL, 5, false, NULL),
  ('speech-written', 'meetings', ['大会发言'], '书面', NULL, NULL, NULL, 3, false, NULL),
  ('proposal-lead', 'proposals', ['提案'], '立案', '第一提案人', NULL, NULL, 6, false, NULL),
  ('proposal-cosign', 'proposals', ['提案'], '立案', '联名提案人', NULL, NULL, 2, false, NULL),
  ('proposal-not-filed', 'proposals', ['提案'], '不立案', '第一提案人', NULL, NULL, 1, false, NULL),
  ('proposal-key', 'proposals', ['提案'], '立案', NULL, NULL, '重点', 3, false, NULL),
  ('proposal-excellent', 'proposals', ['提案'], NULL, '第一提案人', NULL, '优秀', 5, false, NULL),
  ('opinion-submitted', 'opinions', ['社情民意'], '报送', NULL, NULL, NULL, 1, false, NULL),
  ('opinion-adopted-district', 'opinions', ['社情民意'], '采用', NULL, ['区'], NULL, 2, false, NULL),
  ('opinion-adopted-city', 'opinions', ['社情民意'], '采用', NULL, ['市'], NULL, 4, false, NULL),
  ('opinion-adopted-province', 'opinions', ['社情民意'], '采用', NULL, ['省'], NULL, 6, false, NULL),
  ('opinion-adopted-national', 'opinions', ['社情民意'], '采用', NULL, ['全国'], NULL, 10, false, NULL),
  ('opinion-instruction-district', 'opinions', ['社情民意'], '批示', NULL, ['区'], NULL, 3, false, NULL),
  ('opinion-instruction-city', 'opinions', ['社情民意'], '批示', NULL, ['市'], NULL, 5, false, NULL),
  ('opinion-instruction-province', 'opinions', ['社情民意'], '批示', NULL, ['省', '全国'], NULL, 8, false, NULL),
  ('campaign', 'campaign', ['双百行动'], NULL, NULL, NULL, NULL, 3, false, NULL),
  ('sector-activity', 'sector', ['界别活动'], '参加', NULL, NULL, NULL, 3, false, NULL),
  ('commendation-national', 'bonus', ['表彰'], NULL, NULL, ['国家'], NULL, 10, false, NULL),
  ('commendation-province', 'bonus', ['表彰'], NULL, NULL, ['省'], NULL, 8, false, NULL),
  ('commendation-city', 'bonus', ['表彰'], NULL, NULL, ['市'], NULL, 6, false, NULL),
  ('commendation-district', 'bonus', ['表彰'], NULL, NULL, ['区'], NULL, 4, false, NULL),
  ('plenary-absent', 'deductions', ['全体会议'], '缺席', NULL, NULL, NULL, -3, true, NULL),
  ('standing-absent', 'deductions', ['常委会议'], '缺席', NULL, NULL, NULL, -2, false, NULL),
  ('meeting-absent', 'deductions', ['专委会会议', '界别会议', '协商会'], '缺席', NULL, NULL, NULL, -1, false, NULL),
  ('training-absent', 'deductions', ['学习培训'], '缺席', NULL, NULL, NULL, -1, false, NULL)
),
-- category, cap (positive categories) or floor (deductions)
categories(category, cap, floor) AS (VALUES
  ('meetings', 30, NULL), ('proposals', 20, NULL), ('opinions', 20, NULL), ('campaign', 15, NULL),
  ('sector', 15, NULL), ('bonus', 10, NULL), ('deductions', NULL, -20)
),
per_rule AS (
  SELECT a.member_id, r.category, r.cap,
         SUM(CAST(r.points AS DECIMAL(18, 4)) * CASE WHEN r.per_qty THEN a.q ELSE 1 END) AS pts
  FROM a JOIN rules r
    ON list_contains(r.kinds, a.kind)
   AND (r.status IS NULL OR a.status = r.status)
   AND (r.role IS NULL OR a.role = r.role)
   AND (r.levels IS NULL OR list_contains(r.levels, a.level))
   AND (r.mark IS NULL OR list_contains(string_split(a.marks, ';'), r.mark))
  GROUP BY a.member_id, r.id, r.category, r.cap
),
per_category AS (
  SELECT p.member_id, p.category,
         SUM(CASE WHEN p.cap IS NULL THEN p.pts ELSE LEAST(p.pts, p.cap) END) AS pts
  FROM per_rule p GROUP BY p.member_id, p.category
),
totals AS (
  SELECT c.member_id,
         SUM(CASE WHEN k.cap IS NOT NULL THEN LEAST(c.pts, k.cap) ELSE GREATEST(c.pts, k.floor) END) AS pts
  FROM per_category c JOIN categories k USING (category)
  GROUP BY c.member_id
),
vetoed AS (SELECT DISTINCT member_id FROM a WHERE kind = '违纪')
SELECT m.member_id,
       GREATEST(COALESCE(t.pts, 0), 0) AS score,
       CASE WHEN v.member_id IS NOT NULL THEN '不合格'
            WHEN GREATEST(COALESCE(t.pts, 0), 0) >= 80 THEN '优秀'
            WHEN GREATEST(COALESCE(t.pts, 0), 0) >= 65 THEN '优良'
            WHEN GREATEST(COALESCE(t.pts, 0), 0) >= 45 THEN '合格'
            WHEN GREATEST(COALESCE(t.pts, 0), 0) >= 30 THEN '基本合格'
            ELSE '不合格' END AS grade
FROM m LEFT JOIN totals t USING (member_id) LEFT JOIN vetoed v USING (member_id)
ORDER BY score DESC, m.member_id
) TO '@OUT@' (HEADER, DELIMITER ',');
