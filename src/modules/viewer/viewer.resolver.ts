import { Ctx, Field, ID, ObjectType, Query, Resolver } from 'type-graphql';
import { CUSTOMER_WRITERS, ORG_ADMINS, PROJECT_WRITERS, READERS, REVEALERS, STAFF_WRITERS } from '../../auth/access.js';
import type { Department, Role } from '../../domain/enums.js';
import type { Context } from '../../graphql/context.js';
import { RoleEnum } from '../../graphql/enums.js';

@ObjectType({ description: 'What the viewer may do, so UIs can hide what is not allowed.' })
export class ViewerCapabilities {
  @Field({ description: 'May run queries (every role but SUBSCRIBER).' })
  read!: boolean;

  @Field({ description: 'May create and edit projects.' })
  editProjects!: boolean;

  @Field({ description: 'May create and edit customers, units and milestones.' })
  editCustomers!: boolean;

  @Field({ description: 'May reveal masked contact data (with a reason).' })
  revealContact!: boolean;

  @Field({ description: 'Sees personal data unmasked.' })
  seePersonalData!: boolean;

  @Field({ description: 'Sees CONFIDENTIAL and SECRET customers.' })
  seeConfidential!: boolean;

  @Field({ description: 'May read the audit trail.' })
  readAuditLog!: boolean;

  @Field({ description: 'May create and edit regions and city companies (ADMIN).' })
  manageOrganisation!: boolean;

  @Field({ description: 'May create and edit staff members: ADMIN anyone, MANAGER non-ADMIN staff of city companies fully in its scope.' })
  manageStaff!: boolean;
}

@ObjectType({ description: 'The authenticated caller.' })
export class Viewer {
  @Field({ description: 'Token subject (staff member or service account).' })
  id!: string;

  @Field(() => RoleEnum, { description: 'Role.' })
  role!: Role;

  @Field(() => String, { nullable: true, description: 'Display name, when the token carries one.' })
  name!: string | null;

  @Field(() => String, { nullable: true, description: 'Department, for HANDLER tokens.' })
  department!: Department | null;

  @Field(() => [ID], { nullable: true, description: 'Scope: IDs of regions, city companies or projects; null for the whole group.' })
  scope!: string[] | null;

  @Field({ description: 'When the bearer token expires; a UI should get a new one before then.' })
  expiresAt!: Date;

  @Field(() => ViewerCapabilities, { description: 'What the viewer may do.' })
  can!: ViewerCapabilities;
}

@Resolver()
export class ViewerResolver {
  @Query(() => Viewer, { nullable: true, description: 'The authenticated caller; null when anonymous.' })
  viewer(@Ctx() ctx: Context): Viewer | null {
    const v = ctx.viewer;
    if (!v) return null;
    const a = ctx.access;
    return {
      ...v,
      can: {
        read: a.hasRole(READERS),
        editProjects: a.hasRole(PROJECT_WRITERS),
        editCustomers: a.hasRole(CUSTOMER_WRITERS),
        revealContact: a.hasRole(REVEALERS),
        seePersonalData: a.seesPersonalData(),
        seeConfidential: a.seesConfidential(),
        readAuditLog: a.hasRole(['ADMIN']),
        manageOrganisation: a.hasRole(ORG_ADMINS),
        manageStaff: a.hasRole(STAFF_WRITERS),
      },
    };
  }
}

/** This module's resolvers, for the composition root (src/schema.ts). */
export const viewerResolvers = [ViewerResolver] as const;
