-- The group's standard actions (标准动作, 6+2 步法, seed 003 §5) as rules: data an ADMIN may edit with
-- upsertStandardActionRule. Names are the seed's own wording. Inserted once; an existing code is left as edited.
INSERT INTO "standard_action_rules" ("code", "name", "trigger", "start_after", "due_within", "repeat_every", "channel", "stage", "sample_share", "sample_cap") VALUES
  ('SIGNING_CONGRATS_SMS', '签约完成后一日内发送恭贺短信', 'SIGNED', 'PT0S', 'P1D', NULL, 'SMS', 'SIGNING', NULL, NULL),
  ('SERVICE_SUPERVISION_SMS', '签约后一周内发送服务监督短信(告知客关投诉热线)', 'SIGNED', 'PT0S', 'P7D', NULL, 'SMS', 'SIGNING', NULL, NULL),
  ('SIGNING_SATISFACTION_CALL', '呼叫中心销售(签约)满意度回访(100%回访)', 'MONTH_END_AFTER_SIGNING', 'PT0S', 'P0D', NULL, 'HOTLINE_400', 'SIGNING', NULL, NULL),
  ('CONSTRUCTION_BULLETIN', '楼盘建设进展通报(万科家书),频次不得少于两个月一次', 'PERIODIC_AWAITING_DELIVERY', 'PT0S', 'P2M', 'P2M', 'LETTER', 'AWAITING_DELIVERY', NULL, NULL),
  ('DELIVERY_SATISFACTION_CALL', '交付满意度回访', 'DELIVERED', 'PT0S', 'P7D', NULL, 'PHONE', 'DELIVERY', NULL, NULL),
  ('MOVE_IN_CONGRATS_VISIT', '恭贺乔迁(业主入住后上门贺喜)', 'DELIVERED', 'PT0S', 'P30D', NULL, 'VISIT', 'DELIVERY', NULL, NULL),
  ('THREE_MONTH_REVISIT', '嘘寒问暖(入住三个月回访),回访比例不低于项目交付量的10%,不高于60户', 'DELIVERED', 'P3M', 'P6M', NULL, 'VISIT', 'WARRANTY', 0.1, 60),
  ('WARRANTY_EXPIRY_REMINDER', '保修期届满前的温馨提示(部品保修期届满前一个月)', 'WARRANTY_ENDING', '-P1M', 'P0D', NULL, 'SMS', 'WARRANTY', NULL, NULL),
  ('ONE_YEAR_HOME_INSPECTION', '入住一年的房屋体检', 'MOVED_IN', 'P1Y', 'P13M', NULL, 'ONSITE', 'RESIDENCE', NULL, NULL),
  ('BIRTHDAY_GREETING', '客户生日祝福短信', 'BIRTHDAY', '-P3D', 'P1D', NULL, 'SMS', 'RESIDENCE', NULL, NULL)
ON CONFLICT ("code") DO NOTHING;
