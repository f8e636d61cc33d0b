import { getTableColumns } from 'drizzle-orm';
import { Field, Int, ObjectType } from 'type-graphql';
import { projects } from '../../db/schema/index.js';
import type { ProjectStage } from '../../domain/enums.js';
import { Connection } from '../../graphql/connection.js';
import { ProjectStageEnum } from '../../graphql/enums.js';
import type { ProjectRow } from '../../graphql/loaders.js';
import { Node, readsRow, rowNode } from '../../graphql/node.js';
import { LocalDateScalar } from '../../graphql/scalars.js';

@ObjectType({ description: 'Warranty term (保修期) for one building component.' })
export class WarrantyTerm {
  @Field({ description: 'Component, e.g. 防水 waterproofing.' })
  component!: string;

  @Field(() => Int, { description: 'Warranty length in years.' })
  years!: number;
}

@ObjectType({ implements: Node, description: '项目 — a real-estate development.' })
export class Project extends Node {
  dbId!: number;
  cityCompanyId!: number;

  @Field({ description: 'Unique project code, e.g. `SZ-001`.' })
  code!: string;

  @Field({ description: 'Project name.' })
  name!: string;

  @Field({ description: 'City (城市).' })
  city!: string;

  @Field(() => String, { nullable: true, description: 'Phase/batch (期), e.g. 一期.' })
  phase!: string | null;

  @Field(() => Int, { nullable: true, description: 'Total number of units.' })
  totalUnits!: number | null;

  @Field(() => ProjectStageEnum, { description: 'Lifecycle stage.' })
  stage!: ProjectStage;

  @Field(() => LocalDateScalar, { nullable: true, description: 'Sales opening date (开盘).' })
  salesOpenedOn!: string | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'Planned delivery date (计划交付).' })
  plannedDeliveryOn!: string | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'Actual delivery date (实际交付).' })
  actualDeliveryOn!: string | null;

  @Field(() => [WarrantyTerm], { description: 'Warranty terms per component.' })
  warrantyTerms!: WarrantyTerm[];

  @Field({ description: 'When the project was created.' })
  createdAt!: Date;

  @Field({ description: 'When the project was last changed.' })
  updatedAt!: Date;

  /** The row the columns are read from (see {@link readsRow}). */
  row!: ProjectRow;

  static from(row: ProjectRow): Project {
    return rowNode(Project, 'Project', row);
  }
}
readsRow(Project, Object.keys(getTableColumns(projects)), ['id']);

export const ProjectConnection = Connection(Project, 'Project');
