import { registerEnumType } from 'type-graphql';
import * as E from '../domain/enums.js';

/** `['A','B']` → `{ A: 'A', B: 'B' }`, the enum object type-graphql registers. */
function enumOf<const T extends readonly string[]>(values: T): { [K in T[number]]: K } {
  return Object.fromEntries(values.map((v) => [v, v])) as { [K in T[number]]: K };
}

function register<const T extends readonly string[]>(
  name: string,
  values: T,
  description: string,
  terms: { [K in T[number]]: string },
) {
  const obj = enumOf(values);
  registerEnumType(obj, {
    name,
    description,
    valuesConfig: Object.fromEntries(values.map((v) => [v, { description: terms[v as T[number]] }])) as never,
  });
  return obj;
}

export const RoleEnum = register('Role', E.ROLES, 'Staff role (角色) carried in the bearer token.', {
  ADMIN: '集团客户关系中心 — group customer-relations centre: everything',
  MANAGER: '城市/项目客户关系经理 — manager: read/write in scope, may reveal contact data',
  AGENT: '客服专员/400呼叫中心 — agent: creates customers, touchpoints, complaints in scope',
  HANDLER: '责任部门 — responsible department: works its assigned complaints',
  ANALYST: '数据分析 — BI: read-only, personal data always masked',
  SUBSCRIBER: '告警订阅服务账号 — alert-stream service account: subscriptions only',
});

export const ProjectStageEnum = register('ProjectStage', E.PROJECT_STAGES, 'Project lifecycle stage (项目阶段, seed 000 §5.1.2).', {
  PRE_PROJECT: '项目前期 — pre-project',
  SALES_PREP: '销售准备 — sales preparation',
  SIGNING: '销售签约 — sales and signing',
  AWAITING_DELIVERY: '售后等待 — awaiting delivery',
  DELIVERY: '房屋交付 — handover',
  WARRANTY: '保修服务 — warranty service',
  RESIDENCE: '居住回访 — residence and revisits',
});

export const CustomerClassEnum = register('CustomerClass', E.CUSTOMER_CLASSES, 'Customer class (客户等级).', {
  A: 'A类客户 — most valuable',
  B: 'B类客户',
  C: 'C类客户 — default',
  D: 'D类客户',
});

export const ConfidentialityEnum = register(
  'Confidentiality',
  E.CONFIDENTIALITY_LEVELS,
  'Confidentiality level of a customer record (保密级别, seed 001 客户信息保密).',
  {
    NORMAL: '普通 — visible to every role in scope (masked where required)',
    CONFIDENTIAL: '机密 — visible only to ADMIN and in-scope MANAGER',
    SECRET: '绝密 — visible only to ADMIN and in-scope MANAGER',
  },
);

export const GenderEnum = register('Gender', E.GENDERS, 'Gender (性别).', {
  MALE: '男 — male',
  FEMALE: '女 — female',
  UNKNOWN: '未知 — not recorded',
});

export const SegmentEnum = register('CustomerSegment', E.SEGMENTS, 'Derived customer segment (客户细分, seed 004); thresholds are configurable.', {
  PROSPECT: '潜在客户 — no signed unit',
  PRE_OWNER: '准业主 — signed, not yet handed over',
  BREAK_IN: '磨合期业主 — less than SEGMENT_BREAK_IN_MONTHS (12) since first handover',
  STABLE: '稳定期业主 — between the break-in and veteran thresholds (1–3 years)',
  VETERAN: '老业主 — at least SEGMENT_VETERAN_MONTHS (36) since first handover',
});

export const ChannelEnum = register('Channel', E.CHANNELS, 'Contact channel (接触渠道).', {
  PHONE: '电话 — phone call',
  SMS: '短信 — text message',
  HOTLINE_400: '400热线 — 400 service hotline',
  VISIT: '来访 — customer visit',
  ONSITE: '上门/现场 — on-site',
  WECHAT: '微信 — WeChat',
  EMAIL: '电子邮件 — email',
  LETTER: '信函 — letter',
  FORUM: '网络论坛 — online forum',
  EVENT: '活动 — event',
});

export const ComplaintKindEnum = register('ComplaintKind', E.COMPLAINT_KINDS, 'Kind of case (类型).', {
  COMPLAINT: '投诉 — complaint',
  REPAIR: '报修 — repair request',
  INQUIRY: '咨询 — inquiry',
  SUGGESTION: '建议 — suggestion',
});

export const ComplaintCategoryEnum = register('ComplaintCategory', E.COMPLAINT_CATEGORIES, 'What a complaint is about (投诉类别).', {
  ENGINEERING_QUALITY: '工程质量 — construction quality',
  SERVICE_ATTITUDE: '服务态度 — staff attitude',
  SALES_PROMISE: '销售承诺 — sales promises',
  DESIGN: '规划设计 — planning and design',
  PROPERTY_MANAGEMENT: '物业服务 — property management',
  OTHER: '其他 — other',
});

export const DefectLocationEnum = register('DefectLocation', E.DEFECT_LOCATIONS, 'Location of an engineering defect (缺陷部位).', {
  WALL_BEAM: '墙体/梁柱 — walls and beams',
  WINDOW_DOOR: '门窗 — windows and doors',
  FLOOR_ROOF_CEILING: '地面/屋面/天花 — floor, roof, ceiling',
  WATERPROOFING: '防水 — waterproofing, leaks',
  PLUMBING: '给排水 — plumbing',
  ELECTRICAL: '电气 — electrical',
  FIXTURES: '设备/装修 — fixtures and fittings',
  PUBLIC_AREA: '公共部位 — common areas',
  OTHER: '其他 — other',
});

export const SeverityEnum = register('Severity', E.SEVERITIES, 'Severity (严重程度, seed 001 篇六).', {
  NORMAL: '一般投诉 — normal',
  MAJOR: '重大投诉 — major: repeat, authorities/media, group complaint, disturbance or refund demand',
});

export const ComplaintStatusEnum = register('ComplaintStatus', E.COMPLAINT_STATUSES, 'Lifecycle status (处理状态).', {
  RECEIVED: '已受理登记 — received',
  ACCEPTED: '已派单 — accepted: department and handler assigned',
  IN_PROGRESS: '处理中 — being worked',
  RESOLVED: '已解决 — resolved, awaiting return visit',
  RETURN_VISITED: '已回访 — return visit done',
  CLOSED: '已关闭 — closed',
  REOPENED: '重新处理 — reopened, worked again',
  REJECTED: '不予受理 — rejected as invalid, explained to the customer',
});

export const DepartmentEnum = register('Department', E.DEPARTMENTS, 'Responsible department (责任部门).', {
  ENGINEERING: '工程部 — engineering',
  PROPERTY: '物业 — property management',
  MARKETING: '营销部 — marketing and sales',
  DESIGN: '设计部 — design',
  CUSTOMER_SERVICE: '客服中心 — customer service',
  FINANCE: '财务部 — finance',
  LEGAL: '法务部 — legal',
});

export const SlaClockEnum = register('SlaClockKind', E.SLA_CLOCKS, 'An SLA clock (时限).', {
  ACCEPTANCE: '受理及方案 — acceptance and proposed solution (1 working day, seed 001 篇十)',
  ESCALATION_REPORT: '重大投诉上报 — major-complaint escalation report (24 h, seed 001 篇六)',
  RESOLUTION: '结案 — resolution (7 days, seed 001 篇四)',
  RETURN_VISIT: '回访 — return visit after resolution (3 working days; repairs 24 h, seed 004)',
  REPAIR_VISIT: '上门维修 — repair visit: appointment + 10 minutes (seed 001 篇十八)',
});

export const SlaClockStateEnum = register('SlaClockState', E.SLA_CLOCK_STATES, 'State of an SLA clock (计时状态).', {
  RUNNING: '计时中 — running',
  PAUSED: '暂停 — paused while waiting on the customer',
  STOPPED: '已停止 — stopped: its goal happened or the case ended',
});

export const AlertLevelEnum = register('AlertLevel', E.ALERT_LEVELS, 'Alert level (预警级别).', {
  WARNING: '预警 — share of the target used (default 80%)',
  BREACHED: '超时 — target missed',
  ESCALATED: '升级 — major complaint breached: the next org level up is notified',
  LOW_SATISFACTION: '低满意度 — score ≤ 2',
  TOUCHPOINT_OVERDUE: '触点逾期 — planned touchpoint overdue',
});

export const MajorReasonEnum = register(
  'MajorReason',
  E.MAJOR_REASONS,
  'Why a complaint is major (重大投诉原因, seed 001 篇六).',
  {
    REPEAT: '重复投诉 — repeated complaint',
    AUTHORITY_OR_MEDIA: '投诉至政府/厂家/媒体 — to authorities, manufacturer or media',
    GROUP_COMPLAINT: '群诉 — group complaint',
    DISTURBANCE: '堵门/闹事 — blocking or disturbance',
    REFUND_DEMAND: '退房 — refund demand',
  },
);

export const TouchpointOutcomeEnum = register('TouchpointOutcome', E.TOUCHPOINT_OUTCOMES, 'What came of a touchpoint (触点结果).', {
  REACHED: '已沟通 — the customer was reached and the purpose achieved',
  NOT_REACHED: '未联系上 — the customer could not be reached',
  DECLINED: '客户拒绝 — the customer declined',
  FOLLOW_UP: '待跟进 — reached, but a follow-up is needed',
});

export const EvidenceKindEnum = register('EvidenceKind', E.EVIDENCE_KINDS, 'Kind of archived evidence (存档资料, seed 003 §6.1: 截屏、文档、照片、多媒体文件).', {
  SCREENSHOT: '截屏 — screenshot (e.g. of a sent SMS or WeChat message)',
  PHOTO: '照片 — photo',
  DOCUMENT: '文档 — document (letter, form, report)',
  AUDIO: '录音 — audio recording (multimedia)',
  VIDEO: '视频 — video (multimedia)',
});

export const PlannedTouchpointStatusEnum = register('PlannedTouchpointStatus', E.PLANNED_TOUCHPOINT_STATUSES, 'Status of a planned standard action (标准动作执行状态).', {
  PLANNED: '待执行 — planned, not yet due',
  DONE: '已完成 — carried out (on time or late); its touchpoint is linked',
  SKIPPED: '已跳过 — skipped with a reason (audited)',
  OVERDUE: '已逾期 — past its due time and not done',
});

export const RuleTriggerEnum = register('RuleTrigger', E.RULE_TRIGGERS, 'What makes a standard action rule plan an action (触发条件). Offsets (`startAfter`, `dueWithin`) count from the trigger’s moment, in the business time zone.', {
  SIGNED: '签约 — the unit is signed (recordSigning)',
  DELIVERED: '交付 — the unit is handed over (recordDelivery)',
  MOVED_IN: '入住 — the customer moves in (recordMoveIn)',
  WARRANTY_ENDING: '保修期届满 — a warranty term of the project ends for a delivered unit (delivery + the term’s years), one action per term',
  BIRTHDAY: '生日 — the birthday (local midnight) of a customer holding a signed unit, every year; 29 February falls on 28 February in other years',
  PERIODIC_AWAITING_DELIVERY: '售后等待期定期 — every `repeatEvery` from the signing until the delivery (the first at the signing)',
  MONTH_END_AFTER_SIGNING: '签约当月月底 — the signing; due by the end (last millisecond) of the month in which signing + `dueWithin` falls',
  ANNIVERSARY_OF_MOVE_IN: '入住周年 — each anniversary of the move-in',
  LOW_SATISFACTION: '不满意 — a survey response whose overall score is 2 or less (挽回服务), one action per response; the action takes the response’s stage',
});

export const SurveyTemplateKindEnum = register('SurveyTemplateKind', E.SURVEY_TEMPLATE_KINDS, 'What a survey template is for (问卷类型, SPEC §2).', {
  SIGNING: '签约满意度 — call centre, after signing',
  DELIVERY: '交付满意度 — after handover',
  THREE_MONTH: '入住三个月回访 — three months after handover',
  COMPLAINT_RETURN_VISIT: '投诉处理回访 — return visit after a complaint (recordReturnVisit)',
  REPAIR_RETURN_VISIT: '维修回访 — return visit after a repair (recordReturnVisit)',
  ANNUAL: '年度满意度 — the group’s year-end survey',
  CUSTOM: '自定义 — any other survey',
});

export const QuestionKindEnum = register('SurveyQuestionKind', E.QUESTION_KINDS, 'What a survey question asks for (题型).', {
  SCORE: '维度评分 — a score 1–5 (5 非常满意, 4 满意, 3 一般, 2 不满意, 1 很不满意) on one dimension',
  OVERALL: '总体满意度 — the overall score 1–5; one per template; CSAT and the mean are computed from it',
  NPS: '推荐意愿 — would you recommend us, 0–10; at most one per template',
  TEXT: '开放题 — free text (comments)',
});

export const DimensionEnum = register('SatisfactionDimension', E.DIMENSIONS, 'What a score question measures (满意度维度): product (ENGINEERING, DESIGN) or experience (SALES, CUSTOMER_SERVICE, PROPERTY_MANAGEMENT).', {
  ENGINEERING: '工程质量 — construction quality (product)',
  DESIGN: '规划设计 — design (product)',
  SALES: '销售服务 — sales (experience)',
  CUSTOMER_SERVICE: '客户服务 — customer service (experience)',
  PROPERTY_MANAGEMENT: '物业服务 — property management (experience)',
});

export const InspectionKindEnum = register('InspectionKind', E.INSPECTION_KINDS, 'How a 6+2 inspection was carried out (检查方式, seed 003 §7).', {
  VISIBLE: '明访 — announced visit',
  MYSTERY: '暗访 — mystery visit',
});

export const InspectionFindingStatusEnum = register('InspectionFindingStatus', E.INSPECTION_FINDING_STATUSES, 'Status of an inspection finding (整改状态).', {
  OPEN: '待整改 — open, within its 15 days',
  OVERDUE: '整改逾期 — open past its 15 days',
  RECTIFIED: '已整改 — rectified',
});
