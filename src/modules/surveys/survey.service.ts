import { and, asc, count, desc, eq, getTableColumns, gte, inArray, isNull, lt, lte, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { CUSTOMER_WRITERS, TEMPLATE_ADMINS } from '../../auth/access.js';
import { idempotent } from '../../db/idempotency.js';
import { selectRows } from '../../db/rows.js';
import { surveyQuestions, surveyResponses, surveyTemplates } from '../../db/schema/index.js';
import { CHANNELS, DIMENSIONS, PROJECT_STAGES, QUESTION_KINDS, SURVEY_TEMPLATE_KINDS } from '../../domain/enums.js';
import type { Context } from '../../graphql/context.js';
import { AppError } from '../../graphql/errors.js';
import { parseId, parseIds, toGlobalId } from '../../graphql/global-id.js';
import { pagesByParent, partitionedRank } from '../../graphql/nested.js';
import { keyset, pageOf, pageRequest, type PageArgs, type SortSpec } from '../../graphql/pagination.js';
import { assertNotFuture, idempotencyKey, parseInput, text } from '../../graphql/validate.js';
import { recordAudit } from '../audit/audit.service.js';
import { ComplaintService } from '../complaints/complaint.service.js';
import { CustomerService, segmentAt } from '../customers/customer.service.js';
import { codesOf, kindCode, TouchpointService } from '../touchpoints/touchpoint.service.js';
import { insertResponse, prepareAnswers, type ResponseRow, type TemplateRow } from './responses.js';
import type { SubmitSurveyResponseInput, SurveyResponseFilter, UpsertSurveyTemplateInput } from './survey.input.js';

const templateSchema = z.object({
  code: kindCode,
  name: text(100),
  kind: z.enum(SURVEY_TEMPLATE_KINDS),
  stage: z.enum(PROJECT_STAGES),
  description: text(500).nullish(),
  active: z.boolean().nullish(),
  questions: z
    .array(
      z
        .object({
          code: kindCode,
          kind: z.enum(QUESTION_KINDS),
          dimension: z.enum(DIMENSIONS).nullish(),
          required: z.boolean().nullish(),
          labelZh: text(200),
          labelEn: text(200),
        })
        .superRefine((q, c) => {
          if (q.kind === 'SCORE' && !q.dimension) c.addIssue({ code: 'custom', path: ['dimension'], message: 'a SCORE question needs a dimension' });
          if (q.kind !== 'SCORE' && q.dimension) c.addIssue({ code: 'custom', path: ['dimension'], message: `a ${q.kind} question has no dimension` });
        }),
    )
    .min(1, 'at least one question')
    .max(50, 'at most 50 questions')
    .superRefine((qs, c) => {
      const codes = new Set<string>();
      qs.forEach((q, i) => {
        if (codes.has(q.code)) c.addIssue({ code: 'custom', path: [i, 'code'], message: `${q.code} is used twice` });
        codes.add(q.code);
      });
      const overall = qs.filter((q) => q.kind === 'OVERALL').length;
      if (overall !== 1) c.addIssue({ code: 'custom', message: `a template has exactly one OVERALL question (CSAT and the mean come from it); this has ${overall}` });
      if (qs.filter((q) => q.kind === 'NPS').length > 1) c.addIssue({ code: 'custom', message: 'a template has at most one NPS question' });
    }),
});

const submitSchema = z.object({
  customerId: z.string(),
  projectId: z.string(),
  touchpointId: z.string().nullish(),
  complaintId: z.string().nullish(),
  channel: z.enum(CHANNELS).nullish(),
  submittedAt: z.date().nullish(),
  idempotencyKey: idempotencyKey.nullish(),
});

/** The questions as they compare between versions. */
const questionKey = (q: { code: string; kind: string; dimension?: string | null; required?: boolean | null; labelZh: string; labelEn: string }) =>
  JSON.stringify([q.code, q.kind, q.dimension ?? null, q.required ?? true, q.labelZh, q.labelEn]);

const SORTS: Record<string, SortSpec> = { SUBMITTED_AT: { key: 'SUBMITTED_AT', column: surveyResponses.submittedAt, cast: 'timestamptz' } };

/** 满意度调查: templates (versioned), responses and their lists. */
export class SurveyService {
  constructor(private readonly ctx: Context) {}

  private get access() {
    return this.ctx.access;
  }

  /** Templates by code; the current version of each unless `allVersions`. */
  templates(opts: { code?: string | null; active?: boolean | null; allVersions?: boolean | null }): Promise<TemplateRow[]> {
    const t = surveyTemplates;
    return this.ctx.db
      .select()
      .from(t)
      .where(
        and(
          opts.allVersions ? undefined : isNull(t.supersededAt),
          opts.code ? eq(t.code, opts.code) : undefined,
          opts.active === true || opts.active === false ? eq(t.active, opts.active) : undefined,
        ),
      )
      .orderBy(asc(t.code), desc(t.version));
  }

  /**
   * Creates a template, or edits the one with the code (ADMIN); audited. Changed questions add a
   * version (the old one is stamped superseded, its responses keep it); a change of name,
   * description, kind, stage or `active` alone edits the current version in place.
   */
  async upsertTemplate(input: UpsertSurveyTemplateInput): Promise<TemplateRow> {
    const viewer = this.access.requireRole(TEMPLATE_ADMINS, 'configure survey templates');
    const d = parseInput(templateSchema, input);
    const now = this.ctx.now();
    const meta = { name: d.name, kind: d.kind, stage: d.stage, description: d.description ?? null, active: d.active ?? true };
    return this.ctx.db.transaction(async (tx) => {
      const [current] = await tx
        .select()
        .from(surveyTemplates)
        .where(and(eq(surveyTemplates.code, d.code), isNull(surveyTemplates.supersededAt)))
        .for('update');
      const questions = current ? await tx.select().from(surveyQuestions).where(eq(surveyQuestions.templateId, current.id)).orderBy(asc(surveyQuestions.position)) : [];
      const sameQuestions = current && questions.map(questionKey).join('\n') === d.questions.map(questionKey).join('\n');
      if (current && sameQuestions) {
        const changed = Object.entries(meta).filter(([k, v]) => current[k as keyof typeof meta] !== v);
        if (!changed.length) return current;
        const [row] = await tx.update(surveyTemplates).set({ ...meta, updatedAt: now }).where(eq(surveyTemplates.id, current.id)).returning();
        await recordAudit(tx, this.ctx, { action: 'upsertSurveyTemplate', subjectId: toGlobalId('SurveyTemplate', current.id), changes: Object.fromEntries(changed) });
        return row!;
      }
      if (current) await tx.update(surveyTemplates).set({ supersededAt: now, updatedAt: now }).where(eq(surveyTemplates.id, current.id));
      const version = current ? current.version + 1 : 1;
      const [row] = await tx
        .insert(surveyTemplates)
        .values({ code: d.code, version, ...meta, createdBy: viewer.id, createdAt: now, updatedAt: now })
        .onConflictDoNothing()
        .returning();
      // A concurrent upsert created this version first.
      if (!row) throw AppError.conflict(`Template ${d.code} was changed meanwhile; send the change again`, { field: 'input.code' });
      await tx.insert(surveyQuestions).values(
        d.questions.map((q, i) => ({ templateId: row.id, code: q.code, position: i + 1, kind: q.kind, dimension: q.dimension ?? null, required: q.required ?? true, labelZh: q.labelZh, labelEn: q.labelEn })),
      );
      await recordAudit(tx, this.ctx, { action: 'upsertSurveyTemplate', subjectId: toGlobalId('SurveyTemplate', row.id), changes: { version, ...meta, questions: d.questions.map((q) => q.code) } });
      return row;
    });
  }

  /** A response the viewer may see, or NOT_FOUND. */
  async get(gid: string, field = 'id'): Promise<ResponseRow> {
    const id = parseId(gid, 'SurveyResponse', field);
    const row = await this.ctx.loaders.surveyResponse.load(id);
    if (!row || !(await new TouchpointService(this.ctx).canSee(row))) throw AppError.notFound('SurveyResponse', gid);
    return row;
  }

  /**
   * Records a customer's answers (ADMIN, MANAGER, AGENT) to a template version, in a project the
   * customer is linked to, optionally following a touchpoint or complaint of the same customer;
   * audited (without the answers' texts), idempotent with a key. A low overall score raises
   * LOW_SATISFACTION and plans the recovery follow-up in the same transaction.
   */
  async submit(input: SubmitSurveyResponseInput): Promise<ResponseRow> {
    const viewer = this.access.requireRole(CUSTOMER_WRITERS, 'submit survey responses');
    const data = parseInput(submitSchema, input);
    const now = this.ctx.now();
    const submittedAt = data.submittedAt ?? now;
    assertNotFuture('input.submittedAt', submittedAt, now);
    const customers = new CustomerService(this.ctx);
    const customer = await customers.get(data.customerId, 'input.customerId');
    const owned = await this.ctx.loaders.ownershipsByCustomer.load(customer.id);
    const { projectId } = await customers.placeOf(customer, owned, { projectId: data.projectId });
    const touchpoint = data.touchpointId ? await new TouchpointService(this.ctx).get(data.touchpointId, 'input.touchpointId') : null;
    if (touchpoint && touchpoint.customerId !== customer.id) throw AppError.badInput('input.touchpointId', 'the touchpoint is with another customer');
    const complaint = data.complaintId ? await new ComplaintService(this.ctx).get(data.complaintId, 'input.complaintId') : null;
    if (complaint && complaint.customerId !== customer.id) throw AppError.badInput('input.complaintId', 'the complaint is from another customer');
    const { template, answers } = await prepareAnswers(this.ctx.db, input, input.answers, 'input');
    const fingerprint = { ...data, templateId: input.templateId, templateCode: input.templateCode, answers: input.answers };
    const { id, replayed } = await idempotent(this.ctx.db, { actorId: viewer.id, operation: 'submitSurveyResponse', key: data.idempotencyKey, input: fingerprint }, async (tx) => {
      const { response } = await insertResponse(
        tx,
        {
          template,
          customerId: customer.id,
          customerName: customer.name,
          projectId,
          segment: segmentAt(this.ctx, owned, submittedAt),
          touchpointId: touchpoint?.id ?? null,
          complaintId: complaint?.id ?? null,
          channel: data.channel ?? null,
          submittedAt,
          createdBy: viewer.id,
          answers,
        },
        now,
        this.ctx.config.businessTimeZone,
      );
      await recordAudit(tx, this.ctx, {
        action: 'submitSurveyResponse',
        subjectId: toGlobalId('SurveyResponse', response.id),
        projectId,
        changes: { customerId: data.customerId, template: `${template.code} v${template.version}`, overallScore: response.overallScore, npsScore: response.npsScore, answers: answers.length },
      });
      return response.id;
    });
    const [saved] = await this.ctx.db.select().from(surveyResponses).where(eq(surveyResponses.id, id));
    if (!saved || (replayed && !(await new TouchpointService(this.ctx).canSee(saved)))) throw AppError.notFound('SurveyResponse');
    return saved;
  }

  /** Visibility plus the filter's conditions. */
  private async conditions(f: SurveyResponseFilter | null | undefined): Promise<(SQL | undefined)[]> {
    const r = surveyResponses;
    const templateCodes = codesOf(f?.templateCodes, 'filter.templateCodes');
    const byTemplate = (cond: SQL) => inArray(r.templateId, this.ctx.db.select({ id: surveyTemplates.id }).from(surveyTemplates).where(cond));
    for (const [field, v] of [
      ['filter.minOverallScore', f?.minOverallScore],
      ['filter.maxOverallScore', f?.maxOverallScore],
    ] as const) {
      if (v != null && (v < 1 || v > 5)) throw AppError.badInput(field, 'must be 1–5');
    }
    const ids = (v: readonly string[] | undefined, type: 'Project' | 'Customer' | 'Complaint' | 'SurveyTemplate', field: string) => parseIds(v, type, field);
    const projectIds = ids(f?.projectIds, 'Project', 'filter.projectIds');
    const customerIds = ids(f?.customerIds, 'Customer', 'filter.customerIds');
    const complaintIds = ids(f?.complaintIds, 'Complaint', 'filter.complaintIds');
    const templateIds = ids(f?.templateIds, 'SurveyTemplate', 'filter.templateIds');
    return [
      await this.access.customerRecordCondition(r.projectId, r.customerId),
      projectIds ? inArray(r.projectId, projectIds) : undefined,
      customerIds ? inArray(r.customerId, customerIds) : undefined,
      complaintIds ? inArray(r.complaintId, complaintIds) : undefined,
      templateIds ? inArray(r.templateId, templateIds) : undefined,
      templateCodes ? byTemplate(inArray(surveyTemplates.code, templateCodes)) : undefined,
      f?.kinds?.length ? byTemplate(inArray(surveyTemplates.kind, f.kinds)) : undefined,
      f?.stages?.length ? inArray(r.stage, f.stages) : undefined,
      f?.segments?.length ? inArray(r.segment, f.segments) : undefined,
      f?.minOverallScore != null ? gte(r.overallScore, f.minOverallScore) : undefined,
      f?.maxOverallScore != null ? lte(r.overallScore, f.maxOverallScore) : undefined,
      f?.submittedFrom ? gte(r.submittedAt, f.submittedFrom) : undefined,
      f?.submittedTo ? lt(r.submittedAt, f.submittedTo) : undefined,
    ];
  }

  private cursorOf = (r: ResponseRow) => this.ctx.cursors.encode('SUBMITTED_AT', r.submittedAt, r.id);

  /** Responses the viewer may see, newest first. */
  async list(filter: SurveyResponseFilter | null | undefined, args: PageArgs) {
    const sort = SORTS.SUBMITTED_AT!;
    const req = pageRequest(this.ctx.cursors, args, sort.key);
    const base = and(...(await this.conditions(filter)));
    const ks = keyset(req, sort, surveyResponses.id, true);
    const rows = await selectRows(this.ctx.db, this.ctx.db.select().from(surveyResponses).where(and(base, ks.where)).orderBy(...ks.orderBy).limit(ks.limit));
    return { ...pageOf(rows, req, this.cursorOf), count: () => this.ctx.db.$count(surveyResponses, base) };
  }

  /** Pages of `Customer.surveyResponses` for many customers in one statement. */
  async pagesFor(customerIds: number[], filter: SurveyResponseFilter | null | undefined, args: PageArgs) {
    const sort = SORTS.SUBMITTED_AT!;
    const req = pageRequest(this.ctx.cursors, args, sort.key);
    const column = surveyResponses.customerId;
    const { rank, where, limit } = partitionedRank(req, sort, surveyResponses.id, true, column);
    const page = this.ctx.db
      .select({ ...getTableColumns(surveyResponses), _pid: sql<number>`${column}`.as('_pid'), _rn: rank.as('_rn') })
      .from(surveyResponses)
      .where(and(...(await this.conditions(filter)), inArray(column, customerIds), where))
      .as('page');
    const rows = await selectRows(this.ctx.db, this.ctx.db.select().from(page).where(lte(page._rn, limit)));
    return pagesByParent<ResponseRow>(rows, req, this.cursorOf, customerIds);
  }

  /** `totalCount` of `Customer.surveyResponses` for many customers, in one statement. */
  async countsFor(customerIds: number[], filter: SurveyResponseFilter | null | undefined): Promise<Map<number, number>> {
    const column = surveyResponses.customerId;
    const counted = await this.ctx.db
      .select({ pid: column, n: count() })
      .from(surveyResponses)
      .where(and(...(await this.conditions(filter)), inArray(column, customerIds)))
      .groupBy(column);
    return new Map(counted.map((c) => [c.pid, c.n]));
  }
}
