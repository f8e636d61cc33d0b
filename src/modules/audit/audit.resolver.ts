import { Arg, Args, Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { PageArgsType } from '../../graphql/connection.js';
import type { Context } from '../../graphql/context.js';
import { listAudit } from './audit.service.js';
import { AuditEntry, AuditEntryConnection, AuditLogFilter } from './audit.type.js';

@Resolver(() => AuditEntry)
export class AuditResolver {
  @Authorized(['ADMIN'])
  @Query(() => AuditEntryConnection, { description: 'The audit trail, newest first (ADMIN).' })
  async auditLog(
    @Args() page: PageArgsType,
    @Arg('filter', () => AuditLogFilter, { nullable: true, description: 'Conditions on the entries.' }) filter: AuditLogFilter | null,
    @Ctx() ctx: Context,
  ) {
    return AuditEntryConnection.of(await listAudit(ctx, filter, page), AuditEntry.from);
  }
}

/** This module's resolvers, for the composition root (src/schema.ts). */
export const auditResolvers = [AuditResolver] as const;
