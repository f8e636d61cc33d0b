/**
 * Closed vocabularies of the domain (SPEC §1–§2). Stored as text in the database,
 * exposed as GraphQL enums; one list each so SQL, validation and schema agree.
 */

export const ROLES = ['ADMIN', 'MANAGER', 'AGENT', 'HANDLER', 'ANALYST', 'SUBSCRIBER'] as const;
export type Role = (typeof ROLES)[number];

export const PROJECT_STAGES = [
  'PRE_PROJECT',
  'SALES_PREP',
  'SIGNING',
  'AWAITING_DELIVERY',
  'DELIVERY',
  'WARRANTY',
  'RESIDENCE',
] as const;
export type ProjectStage = (typeof PROJECT_STAGES)[number];

export const CUSTOMER_CLASSES = ['A', 'B', 'C', 'D'] as const;
export type CustomerClass = (typeof CUSTOMER_CLASSES)[number];

export const CONFIDENTIALITY_LEVELS = ['NORMAL', 'CONFIDENTIAL', 'SECRET'] as const;
export type Confidentiality = (typeof CONFIDENTIALITY_LEVELS)[number];

export const GENDERS = ['MALE', 'FEMALE', 'UNKNOWN'] as const;
export type Gender = (typeof GENDERS)[number];

export const SEGMENTS = ['PROSPECT', 'PRE_OWNER', 'BREAK_IN', 'STABLE', 'VETERAN'] as const;
export type Segment = (typeof SEGMENTS)[number];

export const CHANNELS = [
  'PHONE',
  'SMS',
  'HOTLINE_400',
  'VISIT',
  'ONSITE',
  'WECHAT',
  'EMAIL',
  'LETTER',
  'FORUM',
  'EVENT',
] as const;
export type Channel = (typeof CHANNELS)[number];

export const COMPLAINT_KINDS = ['COMPLAINT', 'REPAIR', 'INQUIRY', 'SUGGESTION'] as const;
export type ComplaintKind = (typeof COMPLAINT_KINDS)[number];

export const COMPLAINT_CATEGORIES = [
  'ENGINEERING_QUALITY',
  'SERVICE_ATTITUDE',
  'SALES_PROMISE',
  'DESIGN',
  'PROPERTY_MANAGEMENT',
  'OTHER',
] as const;
export type ComplaintCategory = (typeof COMPLAINT_CATEGORIES)[number];

export const DEFECT_LOCATIONS = [
  'WALL_BEAM',
  'WINDOW_DOOR',
  'FLOOR_ROOF_CEILING',
  'WATERPROOFING',
  'PLUMBING',
  'ELECTRICAL',
  'FIXTURES',
  'PUBLIC_AREA',
  'OTHER',
] as const;
export type DefectLocation = (typeof DEFECT_LOCATIONS)[number];

export const SEVERITIES = ['NORMAL', 'MAJOR'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Why a complaint is MAJOR (重大投诉, seed 001 篇六). */
export const MAJOR_REASONS = ['REPEAT', 'AUTHORITY_OR_MEDIA', 'GROUP_COMPLAINT', 'DISTURBANCE', 'REFUND_DEMAND'] as const;
export type MajorReason = (typeof MAJOR_REASONS)[number];

export const COMPLAINT_STATUSES = [
  'RECEIVED',
  'ACCEPTED',
  'IN_PROGRESS',
  'RESOLVED',
  'RETURN_VISITED',
  'CLOSED',
  'REOPENED',
  'REJECTED',
] as const;
export type ComplaintStatus = (typeof COMPLAINT_STATUSES)[number];

export const DEPARTMENTS = [
  'ENGINEERING',
  'PROPERTY',
  'MARKETING',
  'DESIGN',
  'CUSTOMER_SERVICE',
  'FINANCE',
  'LEGAL',
] as const;
export type Department = (typeof DEPARTMENTS)[number];

export const SLA_CLOCKS = ['ACCEPTANCE', 'ESCALATION_REPORT', 'RESOLUTION', 'RETURN_VISIT', 'REPAIR_VISIT'] as const;
export type SlaClockKind = (typeof SLA_CLOCKS)[number];

export const SLA_CLOCK_STATES = ['RUNNING', 'PAUSED', 'STOPPED'] as const;
export type SlaClockState = (typeof SLA_CLOCK_STATES)[number];

export const ALERT_LEVELS = ['WARNING', 'BREACHED', 'ESCALATED', 'LOW_SATISFACTION', 'TOUCHPOINT_OVERDUE'] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];

/** What came of a touchpoint (触点结果). */
export const TOUCHPOINT_OUTCOMES = ['REACHED', 'NOT_REACHED', 'DECLINED', 'FOLLOW_UP'] as const;
export type TouchpointOutcome = (typeof TOUCHPOINT_OUTCOMES)[number];

/** Kinds of evidence archived with a touchpoint (seed 003 §6.1: screenshots, photos, documents). */
export const EVIDENCE_KINDS = ['SCREENSHOT', 'PHOTO', 'DOCUMENT', 'AUDIO', 'VIDEO'] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/** Status of a planned standard action; OVERDUE is a PLANNED one past its due time. */
export const PLANNED_TOUCHPOINT_STATUSES = ['PLANNED', 'DONE', 'SKIPPED', 'OVERDUE'] as const;
export type PlannedTouchpointStatus = (typeof PLANNED_TOUCHPOINT_STATUSES)[number];

/** What makes a standard action rule plan an action (SPEC §2, seed 003). */
export const RULE_TRIGGERS = [
  'SIGNED',
  'DELIVERED',
  'MOVED_IN',
  'WARRANTY_ENDING',
  'BIRTHDAY',
  'PERIODIC_AWAITING_DELIVERY',
  'MONTH_END_AFTER_SIGNING',
  'ANNIVERSARY_OF_MOVE_IN',
  'LOW_SATISFACTION',
] as const;
export type RuleTrigger = (typeof RULE_TRIGGERS)[number];

/** Triggers planned when a unit's milestone is recorded (the rest are planned by the scheduler as time passes). */
export const MILESTONE_TRIGGERS = {
  SIGNED: ['SIGNED', 'MONTH_END_AFTER_SIGNING', 'PERIODIC_AWAITING_DELIVERY'],
  DELIVERED: ['DELIVERED'],
  MOVED_IN: ['MOVED_IN'],
} as const satisfies Record<string, readonly RuleTrigger[]>;
export type Milestone = keyof typeof MILESTONE_TRIGGERS;

export const SURVEY_TEMPLATE_KINDS = [
  'SIGNING',
  'DELIVERY',
  'THREE_MONTH',
  'COMPLAINT_RETURN_VISIT',
  'REPAIR_RETURN_VISIT',
  'ANNUAL',
  'CUSTOM',
] as const;
export type SurveyTemplateKind = (typeof SURVEY_TEMPLATE_KINDS)[number];

export const QUESTION_KINDS = ['SCORE', 'OVERALL', 'NPS', 'TEXT'] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];

export const DIMENSIONS = ['ENGINEERING', 'DESIGN', 'SALES', 'CUSTOMER_SERVICE', 'PROPERTY_MANAGEMENT'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** How an inspection was carried out (6+2 检查, seed 003 §7.1.2: 暗访+明访). */
export const INSPECTION_KINDS = ['VISIBLE', 'MYSTERY'] as const;
export type InspectionKind = (typeof INSPECTION_KINDS)[number];

/** Status of an inspection finding; OVERDUE is an open one past its 15-day deadline. */
export const INSPECTION_FINDING_STATUSES = ['OPEN', 'OVERDUE', 'RECTIFIED'] as const;
export type InspectionFindingStatus = (typeof INSPECTION_FINDING_STATUSES)[number];
