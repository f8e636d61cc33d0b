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
