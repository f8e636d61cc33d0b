import { getTableColumns } from 'drizzle-orm';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { touchpoints, type Evidence } from '../../db/schema/index.js';
import { sampleShareOf, type PlannedRow, type RuleRow } from './planner.js';
import type { Channel, EvidenceKind, PlannedTouchpointStatus, ProjectStage, RuleTrigger, TouchpointOutcome } from '../../domain/enums.js';
import { Connection } from '../../graphql/connection.js';
import { ChannelEnum, EvidenceKindEnum, ProjectStageEnum, RuleTriggerEnum, TouchpointOutcomeEnum } from '../../graphql/enums.js';
import { toGlobalId } from '../../graphql/global-id.js';
import { Node, readsRow, rowNode } from '../../graphql/node.js';

export type TouchpointRow = typeof touchpoints.$inferSelect;
export type { PlannedRow, RuleRow } from './planner.js';

@ObjectType({ description: 'A piece of evidence archived with a touchpoint (存档资料, seed 003 §6.1).' })
export class TouchpointEvidence {
  @Field({ description: 'Where the file is kept (http/https URL).' })
  url!: string;

  @Field(() => EvidenceKindEnum, { description: 'What kind of evidence it is.' })
  kind!: EvidenceKind;

  /** The caption as stored; the resolver masks it for viewers who see personal data masked. */
  rawCaption!: string | null;

  static from(e: Evidence): TouchpointEvidence {
    return Object.assign(new TouchpointEvidence(), { url: e.url, kind: e.kind, rawCaption: e.caption });
  }
}

/**
 * 客户触点. `notes` and evidence captions are resolved through masking; `customer`, `project`,
 * `unit` and `staff` by field resolvers from the ids below.
 */
@ObjectType({
  implements: Node,
  description:
    '客户触点 — a recorded contact with a customer: a call, SMS, visit, letter, event… Standard actions (标准动作, 6+2 步法) are touchpoints whose `kind` is the code of their rule. ' +
    'Visible to every reading role in the project’s scope, except touchpoints of CONFIDENTIAL/SECRET customers, which only ADMIN and MANAGER see.',
})
export class Touchpoint extends Node {
  dbId!: number;
  customerId!: number;
  projectId!: number;
  unitId!: number | null;
  staffId!: string | null;
  createdBy!: string | null;
  notes!: string | null;
  notesMasked!: string | null;
  evidence!: Evidence[];

  @Field(() => ProjectStageEnum, { description: 'Lifecycle stage of the customer’s journey the contact belongs to.' })
  stage!: ProjectStage;

  @Field(() => ChannelEnum, { description: 'Channel of the contact.' })
  channel!: Channel;

  @Field({ description: 'Kind of contact: an upper-case code, e.g. FOLLOW_UP_CALL, or the code of the standard action rule it carries out.' })
  kind!: string;

  @Field(() => TouchpointOutcomeEnum, { nullable: true, description: 'What came of it; null when not recorded.' })
  outcome!: TouchpointOutcome | null;

  @Field({ description: 'When the contact happened.' })
  occurredAt!: Date;

  @Field({ description: 'When it was recorded.' })
  createdAt!: Date;

  row!: TouchpointRow;

  static from(row: TouchpointRow): Touchpoint {
    return rowNode(Touchpoint, 'Touchpoint', row);
  }
}
readsRow(Touchpoint, Object.keys(getTableColumns(touchpoints)), ['id']);

export const TouchpointConnection = Connection(Touchpoint, 'Touchpoint');

@ObjectType({
  implements: Node,
  description:
    '标准动作规则 — a standard action of the 6+2 步法 (seed 003) as data: when its trigger happens, a planned touchpoint is created that opens `startAfter` and is due `dueWithin` after the trigger’s moment. ' +
    'Editing a rule applies to later triggers only; a deactivated rule plans nothing more, and its open planned actions stay listed.',
})
export class StandardActionRule extends Node {
  dbId!: number;

  @Field({ description: 'Stable code (A–Z, 0–9, _); touchpoints that carry the action out have it as their `kind`.' })
  code!: string;

  @Field({ description: 'Name, in the seed’s own wording for the defaults.' })
  name!: string;

  @Field(() => RuleTriggerEnum, { description: 'What plans the action.' })
  trigger!: RuleTrigger;

  @Field({ description: 'ISO-8601 calendar duration from the trigger’s moment to when the action may be done (negative: before it, e.g. -P1M).' })
  startAfter!: string;

  @Field({ description: 'ISO-8601 calendar duration from the trigger’s moment to when the action is due (months and years count on the calendar).' })
  dueWithin!: string;

  @Field(() => String, { nullable: true, description: 'For PERIODIC_AWAITING_DELIVERY: the period between occurrences (e.g. P2M); null otherwise.' })
  repeatEvery!: string | null;

  @Field(() => ChannelEnum, { description: 'Channel the action uses.' })
  channel!: Channel;

  @Field(() => ProjectStageEnum, { description: 'Journey stage the action belongs to.' })
  stage!: ProjectStage;

  @Field(() => Float, { nullable: true, description: 'Sampled rules: the least share of a project’s deliveries that get the action (e.g. 0.1), drawn systematically in delivery order; null plans it for every trigger.' })
  sampleShare!: number | null;

  @Field(() => Int, { nullable: true, description: 'Sampled rules: the most actions per project (e.g. 60 households); null for no cap.' })
  sampleCap!: number | null;

  @Field({ description: 'Whether it plans actions for new triggers.' })
  active!: boolean;

  @Field({ description: 'When it was created.' })
  createdAt!: Date;

  @Field({ description: 'When it was last changed.' })
  updatedAt!: Date;

  static from(row: RuleRow): StandardActionRule {
    return Object.assign(new StandardActionRule(), { ...row, sampleShare: sampleShareOf(row), dbId: row.id, id: toGlobalId('StandardActionRule', row.id) });
  }
}

@ObjectType({
  implements: Node,
  description:
    '计划触点 — a standard action a rule planned for a customer when its trigger happened, with the times it opens and is due. Completing it records the real touchpoint and links it. ' +
    'Visible like touchpoints: the project in scope, and CONFIDENTIAL/SECRET customers’ only to ADMIN and MANAGER.',
})
export class PlannedTouchpoint extends Node {
  dbId!: number;
  ruleId!: number;
  customerId!: number;
  projectId!: number;
  unitId!: number | null;
  touchpointId!: number | null;
  storedStatus!: PlannedTouchpointStatus;
  rawSkipReason!: string | null;
  closedBy!: string | null;

  @Field({ description: 'The moment of the trigger (signing, delivery, move-in, a warranty’s end, a birthday…).' })
  triggerAt!: Date;

  @Field({ description: 'From when the action may be done.' })
  opensAt!: Date;

  @Field({ description: 'When it is due; past it and not done, it is OVERDUE and a TOUCHPOINT_OVERDUE alert fires.' })
  dueAt!: Date;

  @Field(() => ChannelEnum, { description: 'Channel the rule asked for when it was planned.' })
  channel!: Channel;

  @Field(() => ProjectStageEnum, { description: 'Journey stage the action belongs to.' })
  stage!: ProjectStage;

  @Field(() => Date, { nullable: true, description: 'When it was completed or skipped.' })
  completedAt!: Date | null;

  @Field({ description: 'When it was planned.' })
  createdAt!: Date;

  static from(row: PlannedRow): PlannedTouchpoint {
    return Object.assign(new PlannedTouchpoint(), {
      dbId: row.id,
      id: toGlobalId('PlannedTouchpoint', row.id),
      ruleId: row.ruleId,
      customerId: row.customerId,
      projectId: row.projectId,
      unitId: row.unitId,
      touchpointId: row.touchpointId,
      storedStatus: row.status,
      rawSkipReason: row.skipReason,
      closedBy: row.closedBy,
      triggerAt: row.triggerAt,
      opensAt: row.opensAt,
      dueAt: row.dueAt,
      channel: row.channel,
      stage: row.stage,
      completedAt: row.completedAt,
      createdAt: row.createdAt,
    });
  }
}

export const PlannedTouchpointConnection = Connection(PlannedTouchpoint, 'PlannedTouchpoint');
