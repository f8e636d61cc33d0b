import { getTableColumns } from 'drizzle-orm';
import { Field, ObjectType } from 'type-graphql';
import { touchpoints, type Evidence } from '../../db/schema/index.js';
import type { Channel, EvidenceKind, ProjectStage, TouchpointOutcome } from '../../domain/enums.js';
import { Connection } from '../../graphql/connection.js';
import { ChannelEnum, EvidenceKindEnum, ProjectStageEnum, TouchpointOutcomeEnum } from '../../graphql/enums.js';
import { toGlobalId } from '../../graphql/global-id.js';
import { Node, readsRow } from '../../graphql/node.js';

export type TouchpointRow = typeof touchpoints.$inferSelect;

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
    const t = new Touchpoint();
    t.row = row;
    t.dbId = row.id;
    t.id = toGlobalId('Touchpoint', row.id);
    return t;
  }
}
readsRow(Touchpoint, Object.keys(getTableColumns(touchpoints)), ['id']);

export const TouchpointConnection = Connection(Touchpoint, 'Touchpoint');
