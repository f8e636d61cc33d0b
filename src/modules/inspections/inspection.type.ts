import { Field, ObjectType } from 'type-graphql';
import { inspectionFindings, inspections, type Evidence } from '../../db/schema/index.js';
import type { Department, InspectionFindingStatus, InspectionKind } from '../../domain/enums.js';
import { Connection } from '../../graphql/connection.js';
import { DepartmentEnum, InspectionKindEnum } from '../../graphql/enums.js';
import { toGlobalId } from '../../graphql/global-id.js';
import { Node } from '../../graphql/node.js';

export type InspectionRow = typeof inspections.$inferSelect;
export type FindingRow = typeof inspectionFindings.$inferSelect;

@ObjectType({
  implements: Node,
  description: '6+2 检查 — an inspection of a project’s standard actions by the group (seed 003 §7): visible (明访) or mystery (暗访), with its findings. Visible to readers in the project’s scope.',
})
export class Inspection extends Node {
  dbId!: number;
  projectId!: number;
  createdBy!: string;

  @Field(() => InspectionKindEnum, { description: 'Visible (明访) or mystery (暗访).' })
  kind!: InspectionKind;

  @Field({ description: 'When the inspection took place.' })
  inspectedAt!: Date;

  @Field(() => String, { nullable: true, description: 'Who inspected (staff or a third party).' })
  inspector!: string | null;

  @Field(() => String, { nullable: true, description: 'Summary of the inspection.' })
  summary!: string | null;

  @Field({ description: 'When it was recorded.' })
  createdAt!: Date;

  static from(row: InspectionRow): Inspection {
    return Object.assign(new Inspection(), { ...row, dbId: row.id, id: toGlobalId('Inspection', row.id) });
  }
}

@ObjectType({
  implements: Node,
  description:
    '检查缺陷项 — a deficiency an inspection found in one standard action, owned by a department, to be rectified (整改) within 15 days of the inspection: ' +
    'a WARNING alert fires at 80 % of that time and a BREACHED alert at its end while it is not rectified, in the SLA alert store.',
})
export class InspectionFinding extends Node {
  dbId!: number;
  inspectionId!: number;
  projectId!: number;
  ruleId!: number | null;
  rectifiedById!: string | null;

  @Field({ description: 'What was found lacking.' })
  deficiency!: string;

  @Field(() => DepartmentEnum, { description: 'The department that must rectify it.' })
  department!: Department;

  @Field({ description: 'When the WARNING alert fires if not rectified (80 % of the 15 days).' })
  warnAt!: Date;

  @Field({ description: 'Rectification deadline: 15 days after the inspection.' })
  dueAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it was rectified.' })
  rectifiedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'What was done to rectify it.' })
  rectification!: string | null;

  @Field(() => Date, { nullable: true, description: 'When its BREACHED alert fired (missed deadline), if it did.' })
  breachedAt!: Date | null;

  status!: InspectionFindingStatus;
  evidence!: Evidence[];

  static from(row: FindingRow): InspectionFinding {
    return Object.assign(new InspectionFinding(), {
      dbId: row.id,
      id: toGlobalId('InspectionFinding', row.id),
      inspectionId: row.inspectionId,
      projectId: row.projectId,
      ruleId: row.ruleId,
      rectifiedById: row.rectifiedBy,
      deficiency: row.deficiency,
      department: row.department,
      warnAt: row.warnAt,
      dueAt: row.dueAt,
      rectifiedAt: row.rectifiedAt,
      rectification: row.rectification,
      breachedAt: row.breachedAt,
      evidence: row.evidence,
    });
  }
}

export const InspectionConnection = Connection(Inspection, 'Inspection');
export const InspectionFindingConnection = Connection(InspectionFinding, 'InspectionFinding');
