-- The group's survey templates (满意度调查, SPEC §2; seed 004 回访体系) as version 1 of each, with their
-- questions: data an ADMIN may edit with upsertSurveyTemplate (an edit adds a version). Scale 1–5
-- (5 非常满意 … 1 很不满意); NPS 0–10. Inserted once; a code that already exists is left as it is.
WITH t AS (
  INSERT INTO "survey_templates" ("code", "name", "kind", "stage", "description") VALUES
    ('SIGNING', '签约满意度调查', 'SIGNING', 'SIGNING', '呼叫中心签约后满意度回访 (call centre, after signing)'),
    ('DELIVERY', '交付满意度调查', 'DELIVERY', 'DELIVERY', '交付满意度回访 (after handover)'),
    ('THREE_MONTH', '入住三个月回访', 'THREE_MONTH', 'WARRANTY', '嘘寒问暖:入住三个月回访 (three months after handover)'),
    ('COMPLAINT_RETURN_VISIT', '投诉处理回访', 'COMPLAINT_RETURN_VISIT', 'WARRANTY', '投诉关闭后3个工作日内回访 (after a complaint is resolved)'),
    ('REPAIR_RETURN_VISIT', '维修回访', 'REPAIR_RETURN_VISIT', 'WARRANTY', '维修关闭后24小时内回访 (after a repair)'),
    ('ANNUAL', '年度客户满意度调查', 'ANNUAL', 'RESIDENCE', '集团年度满意度调查 (year-end group survey)')
  ON CONFLICT DO NOTHING
  RETURNING "id", "code"
)
INSERT INTO "survey_questions" ("template_id", "code", "position", "kind", "dimension", "required", "text", "label_en")
SELECT t."id", q.code, q.position, q.kind, q.dimension, q.required, q.zh, q.en
FROM t JOIN (VALUES
  ('SIGNING', 'OVERALL', 1, 'OVERALL', NULL, true, '您对本次购房签约的总体满意度', 'Overall satisfaction with signing'),
  ('SIGNING', 'SALES', 2, 'SCORE', 'SALES', true, '您对销售人员服务的满意度', 'Sales staff service'),
  ('SIGNING', 'DESIGN', 3, 'SCORE', 'DESIGN', false, '您对楼盘规划与户型设计的满意度', 'Site plan and floor-plan design'),
  ('SIGNING', 'NPS', 4, 'NPS', NULL, false, '您有多大可能向亲友推荐我们的楼盘(0–10)', 'How likely are you to recommend us (0–10)'),
  ('SIGNING', 'COMMENT', 5, 'TEXT', NULL, false, '其他意见或建议', 'Other comments'),
  ('DELIVERY', 'OVERALL', 1, 'OVERALL', NULL, true, '您对本次交付的总体满意度', 'Overall satisfaction with the handover'),
  ('DELIVERY', 'ENGINEERING', 2, 'SCORE', 'ENGINEERING', true, '您对房屋工程质量的满意度', 'Construction quality'),
  ('DELIVERY', 'DESIGN', 3, 'SCORE', 'DESIGN', false, '您对规划设计的满意度', 'Design'),
  ('DELIVERY', 'CUSTOMER_SERVICE', 4, 'SCORE', 'CUSTOMER_SERVICE', true, '您对交付现场服务的满意度', 'Service at the handover'),
  ('DELIVERY', 'PROPERTY_MANAGEMENT', 5, 'SCORE', 'PROPERTY_MANAGEMENT', false, '您对物业服务的满意度', 'Property management'),
  ('DELIVERY', 'NPS', 6, 'NPS', NULL, false, '您有多大可能向亲友推荐我们(0–10)', 'How likely are you to recommend us (0–10)'),
  ('DELIVERY', 'COMMENT', 7, 'TEXT', NULL, false, '其他意见或建议', 'Other comments'),
  ('THREE_MONTH', 'OVERALL', 1, 'OVERALL', NULL, true, '入住三个月以来,您的总体满意度', 'Overall satisfaction after three months'),
  ('THREE_MONTH', 'ENGINEERING', 2, 'SCORE', 'ENGINEERING', true, '您对房屋质量的满意度', 'Construction quality'),
  ('THREE_MONTH', 'CUSTOMER_SERVICE', 3, 'SCORE', 'CUSTOMER_SERVICE', false, '您对客户服务的满意度', 'Customer service'),
  ('THREE_MONTH', 'PROPERTY_MANAGEMENT', 4, 'SCORE', 'PROPERTY_MANAGEMENT', true, '您对物业服务的满意度', 'Property management'),
  ('THREE_MONTH', 'NPS', 5, 'NPS', NULL, false, '您有多大可能向亲友推荐我们(0–10)', 'How likely are you to recommend us (0–10)'),
  ('THREE_MONTH', 'COMMENT', 6, 'TEXT', NULL, false, '其他意见或建议', 'Other comments'),
  ('COMPLAINT_RETURN_VISIT', 'OVERALL', 1, 'OVERALL', NULL, true, '您对本次投诉处理结果的总体满意度', 'Overall satisfaction with how the complaint was handled'),
  ('COMPLAINT_RETURN_VISIT', 'CUSTOMER_SERVICE', 2, 'SCORE', 'CUSTOMER_SERVICE', false, '您对处理过程中服务态度与及时性的满意度', 'Attitude and timeliness of the service'),
  ('COMPLAINT_RETURN_VISIT', 'COMMENT', 3, 'TEXT', NULL, false, '其他意见或建议', 'Other comments'),
  ('REPAIR_RETURN_VISIT', 'OVERALL', 1, 'OVERALL', NULL, true, '您对本次维修的总体满意度', 'Overall satisfaction with the repair'),
  ('REPAIR_RETURN_VISIT', 'ENGINEERING', 2, 'SCORE', 'ENGINEERING', false, '您对维修质量的满意度', 'Quality of the repair'),
  ('REPAIR_RETURN_VISIT', 'CUSTOMER_SERVICE', 3, 'SCORE', 'CUSTOMER_SERVICE', false, '您对维修人员服务与准时的满意度', 'Punctuality and service of the repair staff'),
  ('REPAIR_RETURN_VISIT', 'COMMENT', 4, 'TEXT', NULL, false, '其他意见或建议', 'Other comments'),
  ('ANNUAL', 'OVERALL', 1, 'OVERALL', NULL, true, '您对我们的总体满意度', 'Overall satisfaction'),
  ('ANNUAL', 'ENGINEERING', 2, 'SCORE', 'ENGINEERING', true, '您对房屋工程质量的满意度', 'Construction quality'),
  ('ANNUAL', 'DESIGN', 3, 'SCORE', 'DESIGN', true, '您对规划设计的满意度', 'Design'),
  ('ANNUAL', 'SALES', 4, 'SCORE', 'SALES', false, '您对销售服务的满意度', 'Sales service'),
  ('ANNUAL', 'CUSTOMER_SERVICE', 5, 'SCORE', 'CUSTOMER_SERVICE', true, '您对客户服务的满意度', 'Customer service'),
  ('ANNUAL', 'PROPERTY_MANAGEMENT', 6, 'SCORE', 'PROPERTY_MANAGEMENT', true, '您对物业服务的满意度', 'Property management'),
  ('ANNUAL', 'NPS', 7, 'NPS', NULL, true, '您有多大可能向亲友推荐我们(0–10)', 'How likely are you to recommend us (0–10)'),
  ('ANNUAL', 'COMMENT', 8, 'TEXT', NULL, false, '其他意见或建议', 'Other comments')
) AS q(tcode, code, position, kind, dimension, required, zh, en) ON q.tcode = t."code";
--> statement-breakpoint
-- 挽回服务 (seed 004 §e): a low score (overall 2 or less) plans a recovery contact within three days.
INSERT INTO "standard_action_rules" ("code", "name", "trigger", "start_after", "due_within", "repeat_every", "channel", "stage", "sample_share", "sample_cap") VALUES
  ('RECOVERY_FOLLOW_UP', '挽回服务:客户不满意(总体评分2分及以下)后三日内回访', 'LOW_SATISFACTION', 'PT0S', 'P3D', NULL, 'PHONE', 'WARRANTY', NULL, NULL)
ON CONFLICT ("code") DO NOTHING;
