import { Field, InputType, ObjectType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Connection } from '../../graphql/connection.js';
import { toGlobalId } from '../../graphql/global-id.js';
import { Node } from '../../graphql/node.js';
import { RoleEnum } from '../../graphql/enums.js';
import type { Role } from '../../domain/enums.js';
import type { AuditRow } from './audit.service.js';

@ObjectType({ description: 'Who did something: a staff member or service account (token subject).' })
export class Actor {
  @Field({ description: 'Token subject.' })
  id!: string;

  @Field(() => RoleEnum, { description: 'Role at the time.' })
  role!: Role;
}

@ObjectType({ implements: Node, description: 'An entry of the audit trail (审计日志): who did what to which object, when and why.' })
export class AuditEntry extends Node {
  @Field({ description: 'Mutation or action name, e.g. `revealCustomerContact`.' })
  action!: string;

  @Field(() => Actor, { description: 'Who did it.' })
  actor!: Actor;

  @Field({ description: 'When.' })
  at!: Date;

  @Field({ description: 'Global ID of the object acted on.' })
  subjectId!: string;

  @Field(() => String, { nullable: true, description: 'Reason given (required for reveals).' })
  reason!: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'What changed (personal values masked).' })
  changes!: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: 'Request ID, as in the server logs.' })
  requestId!: string | null;

  static from(r: AuditRow): AuditEntry {
    return Object.assign(new AuditEntry(), {
      id: toGlobalId('AuditEntry', r.id),
      action: r.action,
      actor: { id: r.actorId, role: r.actorRole as Role },
      at: r.at,
      subjectId: r.subjectId,
      reason: r.reason,
      changes: r.changes,
      requestId: r.requestId,
    });
  }
}

export const AuditEntryConnection = Connection(AuditEntry, 'AuditEntry');

@InputType({ description: 'Filter for `auditLog`.' })
export class AuditLogFilter {
  @Field(() => [String], { nullable: true, description: 'Subject global IDs (any of).' })
  subjectIds?: string[];

  @Field(() => [String], { nullable: true, description: 'Actor token subjects (any of).' })
  actorIds?: string[];

  @Field(() => [String], { nullable: true, description: 'Actions (any of), e.g. `revealCustomerContact`.' })
  actions?: string[];

  @Field({ nullable: true, description: 'At or after this time.' })
  from?: Date;

  @Field({ nullable: true, description: 'Before this time.' })
  to?: Date;
}
