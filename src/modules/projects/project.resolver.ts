import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Authorized, Ctx, Field, FieldResolver, ID, Info, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { PageArgsType } from '../../graphql/connection.js';
import { READERS } from '../../auth/access.js';
import type { Context } from '../../graphql/context.js';
import { fieldNeeds, selectedColumns, selectedColumnsOf } from '../../graphql/projection.js';
import { whenReady, type Maybe } from '../../graphql/maybe.js';
import { CityCompany } from '../org/org.type.js';
import { Project, ProjectConnection } from './project.type.js';
import { CreateProjectInput, ProjectFilter, ProjectOrder, UpdateProjectInput } from './project.input.js';
import { ProjectService } from './project.service.js';

@ObjectType({ description: 'Result of `createProject`.' })
export class CreateProjectPayload {
  @Field(() => Project, { description: 'The created project (or the first one, on an idempotent retry).' })
  project!: Project;
}

@ObjectType({ description: 'Result of `updateProject`.' })
export class UpdateProjectPayload {
  @Field(() => Project, { description: 'The project after the change.' })
  project!: Project;
}

@Resolver(() => Project)
export class ProjectResolver {
  @Authorized(READERS)
  @Query(() => ProjectConnection, { description: 'Projects in the viewer’s scope.' })
  async projects(
    @Args() page: PageArgsType,
    @Arg('filter', () => ProjectFilter, { nullable: true, description: 'Conditions on the projects.' }) filter: ProjectFilter | null,
    @Arg('orderBy', () => ProjectOrder, { nullable: true, description: 'Ordering; by name ascending by default.' }) orderBy: ProjectOrder | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ) {
    const service = new ProjectService(ctx);
    return ProjectConnection.of(await service.list(filter, orderBy, page, selectedColumns(info, Project, true), selectedColumnsOf(info, 'cityCompany', true, CityCompany)), Project.from);
  }

  @Authorized(READERS)
  @Query(() => Project, { description: 'One project by ID; NOT_FOUND when unknown or out of scope.' })
  async project(@Arg('id', () => ID, { description: 'Project ID.' }) id: string, @Ctx() ctx: Context): Promise<Project> {
    return Project.from(await new ProjectService(ctx).get(id));
  }

  @Authorized()
  @Mutation(() => CreateProjectPayload, { description: 'Creates a project under a city company (ADMIN, or MANAGER of that city company).' })
  async createProject(@Arg('input', () => CreateProjectInput, { description: 'The new project.' }) input: CreateProjectInput, @Ctx() ctx: Context) {
    return { project: Project.from(await new ProjectService(ctx).create(input)) };
  }

  @Authorized()
  @Mutation(() => UpdateProjectPayload, { description: 'Changes a project in scope (ADMIN, MANAGER).' })
  async updateProject(@Arg('input', () => UpdateProjectInput, { description: 'The changes.' }) input: UpdateProjectInput, @Ctx() ctx: Context) {
    return { project: Project.from(await new ProjectService(ctx).update(input)) };
  }

  // A visible project's city company is visible too (see Access), so no check is needed here.
  @FieldResolver(() => CityCompany, { description: 'The city company (城市公司) the project belongs to.' })
  // Without a promise when the row is at hand (a page of projects read it with them): no
  // promise and no microtask per project (see Batched in graphql/loaders.ts).
  cityCompany(@Root() p: Project, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Maybe<CityCompany> {
    return whenReady(ctx.loaders.cityCompaniesWith(selectedColumns(info, CityCompany, false)).get(p.cityCompanyId), (row) => {
      if (!row) throw new Error(`city company ${p.cityCompanyId} missing`);
      return CityCompany.from(row);
    });
  }
}

// What a project's fields read of its row, besides its column fields (see graphql/projection.ts).
fieldNeeds(Project, { always: ['id'], fields: { id: [], cityCompany: ['cityCompanyId'] } });

/** This module's resolvers, for the composition root (src/schema.ts). */
export const projectResolvers = [ProjectResolver] as const;
