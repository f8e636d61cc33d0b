import { and, eq, gt, gte, inArray, isNotNull, isNull, lt, lte, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { INSPECTORS, RECTIFIERS } from '../../auth/access.js';
import { idempotent } from '../../db/idempotency.js';
import { inspectionFindings, inspections, standardActionRules } from '../../db/schema/index.js';
import { DEPARTMENTS, INSPECTION_KINDS, type InspectionFindingStatus } from '../../domain/enums.js';
import type { Context } from '../../graphql/context.js';
import { AppError } from '../../graphql/errors.js';
import { parseId, parseIds, toGlobalId } from '../../graphql/global-id.js';
import { keyset, pageOf, pageRequest, type PageArgs } from '../../graphql/pagination.js';
import { assertNotFuture, idempotencyKey, parseInput, text } from '../../graphql/validate.js';
import { recordAudit } from '../audit/audit.service.js';
import { ruleIdIn } from '../touchpoints/standard-action.service.js';
import { codesOf, evidenceList, evidenceRows, kindCode } from '../touchpoints/touchpoint.service.js';
import type { InspectionFilter, InspectionFindingFilter, RecordInspectionInput, RectifyInspectionFindingInput } from './inspection.input.js';
import type { FindingRow, InspectionRow } from './inspection.type.js';

/** Days a department has to rectify a finding (seed 003 §7: 部门15天内对报告中的缺陷项进行整改). */
export const RECTIFY_DAYS = 15;
/** Share of the rectification time at which the WARNING alert fires (the SLA default). */
export const RECTIFY_WARN_AT = 0.8;
const DAY = 86_400_000;

const recordSchema = z.object({
  projectId: z.string(),
  kind: z.enum(INSPECTION_KINDS),
  inspectedAt: z.date().nullish(),
  inspector: text(100).nullish(),
  summary: text(4000).nullish(),
  findings: z
    .array(z.object({ ruleCode: kindCode.nullish(), deficiency: text(2000), department: z.enum(DEPARTMENTS) }))
    .max(200, 'at most 200 findings'),
  idempotencyKey: idempotencyKey.nullish(),
});
const rectifySchema = z.object({ findingId: z.string(), rectification: text(2000), evidence: evidenceList.nullish() });

/** `column` is one of `ids`; no condition when there are none. */
const inListOf = (column: AnyColumn, ids: number[] | null) => (ids ? inArray(column, ids) : undefined);

/** The status a client sees: an open finding past its deadline is OVERDUE. */
export function findingStatus(f: Pick<FindingRow, 'rectifiedAt' | 'dueAt'>, now: Date): InspectionFindingStatus {
  if (f.rectifiedAt) return 'RECTIFIED';
  return f.dueAt <= now ? 'OVERDUE' : 'OPEN';
}

/** 6+2 inspections and their findings: recording, rectifying, listing, scoped by project. */
export class InspectionService {
  constructor(private readonly ctx: Context) {}

  private get access() {
    return this.ctx.access;
  }

  async getInspection(gid: string, field = 'id'): Promise<InspectionRow> {
    const id = parseId(gid, 'Inspection', field);
    const [row] = await this.ctx.db.select().from(inspections).where(eq(inspections.id, id));
    if (!row || !(await this.access.inScope(row.projectId))) throw AppError.notFound('Inspection', gid);
    return row;
  }

  async getFinding(gid: string, field = 'id'): Promise<FindingRow> {
    const id = parseId(gid, 'InspectionFinding', field);
    const [row] = await this.ctx.db.select().from(inspectionFindings).where(eq(inspectionFindings.id, id));
    if (!row || !(await this.access.inScope(row.projectId))) throw AppError.notFound('InspectionFinding', gid);
    return row;
  }

  /** Records an inspection with its findings (ADMIN); each finding's 15-day deadline starts at the inspection. Audited, idempotent with a key. */
  async record(input: RecordInspectionInput): Promise<InspectionRow> {
    const viewer = this.access.requireRole(INSPECTORS, 'record inspections');
    const data = parseInput(recordSchema, input);
    const projectId = parseId(data.projectId, 'Project', 'input.projectId');
    if (!(await this.ctx.loaders.project.load(projectId))) throw AppError.notFound('Project', data.projectId);
    await this.access.assertProjectInScope(projectId, 'Project', data.projectId);
    const now = this.ctx.now();
    const inspectedAt = data.inspectedAt ?? now;
    assertNotFuture('input.inspectedAt', inspectedAt, now);
    const codes = [...new Set(data.findings.map((f) => f.ruleCode).filter((c): c is string => !!c))];
    const rules = codes.length ? await this.ctx.db.select({ id: standardActionRules.id, code: standardActionRules.code }).from(standardActionRules).where(inArray(standardActionRules.code, codes)) : [];
    const ruleId = new Map(rules.map((r) => [r.code, r.id]));
    data.findings.forEach((f, i) => {
      if (f.ruleCode && !ruleId.has(f.ruleCode)) throw AppError.badInput(`input.findings.${i}.ruleCode`, `no standard action rule has the code ${f.ruleCode}`);
    });
    const dueAt = new Date(inspectedAt.getTime() + RECTIFY_DAYS * DAY);
    const warnAt = new Date(inspectedAt.getTime() + RECTIFY_WARN_AT * RECTIFY_DAYS * DAY);
    const { id, replayed } = await idempotent(this.ctx.db, { actorId: viewer.id, operation: 'recordInspection', key: data.idempotencyKey, input: data }, async (tx) => {
      const [row] = await tx
        .insert(inspections)
        .values({ projectId, kind: data.kind, inspectedAt, inspector: data.inspector ?? null, summary: data.summary ?? null, createdBy: viewer.id })
        .returning({ id: inspections.id });
      if (data.findings.length) {
        await tx.insert(inspectionFindings).values(
          data.findings.map((f) => ({
            inspectionId: row!.id,
            projectId,
            ruleId: f.ruleCode ? ruleId.get(f.ruleCode)! : null,
            deficiency: f.deficiency,
            department: f.department,
            warnAt,
            dueAt,
            // Findings recorded late may already be past their warning: the scheduler fires what is due.
            nextCheckAt: warnAt,
          })),
        );
      }
      await recordAudit(tx, this.ctx, {
        action: 'recordInspection',
        subjectId: toGlobalId('Inspection', row!.id),
        projectId,
        changes: { kind: data.kind, inspectedAt: inspectedAt.toISOString(), findings: data.findings.length },
      });
      return row!.id;
    });
    if (!replayed && data.findings.length) this.ctx.sla.wake(warnAt);
    const [saved] = await this.ctx.db.select().from(inspections).where(eq(inspections.id, id));
    return saved!;
  }

  /**
   * Records a finding's rectification: ADMIN, MANAGER in scope, or a HANDLER of the owning
   * department. Stops its alerts; once only. Audited.
   */
  async rectify(input: RectifyInspectionFindingInput): Promise<FindingRow> {
    const viewer = this.access.requireRole(RECTIFIERS, 'rectify inspection findings');
    const data = parseInput(rectifySchema, input);
    const finding = await this.getFinding(data.findingId, 'input.findingId');
    if (viewer.role === 'HANDLER' && viewer.department !== finding.department) {
      throw AppError.forbidden(`The finding belongs to ${finding.department}; a HANDLER may rectify only its department’s findings`);
    }
    if (finding.rectifiedAt) {
      throw AppError.invalidTransition(`The finding was already rectified at ${finding.rectifiedAt.toISOString()}`, { field: 'input.findingId' });
    }
    const now = this.ctx.now();
    return this.ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .update(inspectionFindings)
        .set({ rectifiedAt: now, rectification: data.rectification, rectifiedBy: viewer.id, evidence: evidenceRows(data.evidence), nextCheckAt: null, updatedAt: sql`now()` })
        .where(and(eq(inspectionFindings.id, finding.id), isNull(inspectionFindings.rectifiedAt)))
        .returning();
      if (!row) throw AppError.invalidTransition('The finding was rectified meanwhile; reload it', { field: 'input.findingId' });
      await recordAudit(tx, this.ctx, {
        action: 'rectifyInspectionFinding',
        subjectId: data.findingId,
        projectId: finding.projectId,
        changes: { onTime: now <= finding.dueAt, evidence: row.evidence.length },
      });
      return row;
    });
  }

  async listInspections(filter: InspectionFilter | null | undefined, args: PageArgs) {
    const f = filter ?? {};
    const req = pageRequest(this.ctx.cursors, args, 'INSPECTED_AT');
    const base = and(
      await this.access.projectCondition(inspections.projectId),
      inListOf(inspections.projectId, parseIds(f.projectIds, 'Project', 'filter.projectIds')),
      f.kinds?.length ? inArray(inspections.kind, f.kinds) : undefined,
      f.inspectedFrom ? gte(inspections.inspectedAt, f.inspectedFrom) : undefined,
      f.inspectedTo ? lt(inspections.inspectedAt, f.inspectedTo) : undefined,
    );
    const ks = keyset(req, { key: 'INSPECTED_AT', column: inspections.inspectedAt, cast: 'timestamptz' }, inspections.id, true);
    const rows = await this.ctx.db.select().from(inspections).where(and(base, ks.where)).orderBy(...ks.orderBy).limit(ks.limit);
    return { ...pageOf(rows, req, (r) => this.ctx.cursors.encode('INSPECTED_AT', r.inspectedAt, r.id)), count: () => this.ctx.db.$count(inspections, base) };
  }

  private async findingConditions(f: InspectionFindingFilter): Promise<(SQL | undefined)[]> {
    const now = this.ctx.now();
    const t = inspectionFindings;
    const ruleCodes = codesOf(f.ruleCodes, 'filter.ruleCodes');
    const byStatus: Record<InspectionFindingStatus, SQL> = {
      OPEN: and(isNull(t.rectifiedAt), gt(t.dueAt, now))!,
      OVERDUE: and(isNull(t.rectifiedAt), lte(t.dueAt, now))!,
      RECTIFIED: isNotNull(t.rectifiedAt),
    };
    return [
      await this.access.projectCondition(t.projectId),
      inListOf(t.inspectionId, parseIds(f.inspectionIds, 'Inspection', 'filter.inspectionIds')),
      inListOf(t.projectId, parseIds(f.projectIds, 'Project', 'filter.projectIds')),
      ruleCodes ? ruleIdIn(this.ctx.db, t.ruleId, ruleCodes) : undefined,
      f.departments?.length ? inArray(t.department, f.departments) : undefined,
      f.statuses?.length ? or(...[...new Set(f.statuses)].map((s) => byStatus[s])) : undefined,
    ];
  }

  /** Findings, soonest deadline first. */
  async listFindings(filter: InspectionFindingFilter | null | undefined, args: PageArgs) {
    const req = pageRequest(this.ctx.cursors, args, 'DUE_AT');
    const base = and(...(await this.findingConditions(filter ?? {})));
    const ks = keyset(req, { key: 'DUE_AT', column: inspectionFindings.dueAt, cast: 'timestamptz' }, inspectionFindings.id, false);
    const rows = await this.ctx.db.select().from(inspectionFindings).where(and(base, ks.where)).orderBy(...ks.orderBy).limit(ks.limit);
    return { ...pageOf(rows, req, (r) => this.ctx.cursors.encode('DUE_AT', r.dueAt, r.id)), count: () => this.ctx.db.$count(inspectionFindings, base) };
  }

  /** Inspections by id (their visibility follows from what refers to them). */
  async inspectionsById(ids: number[]): Promise<Map<number, InspectionRow>> {
    const rows = await this.ctx.db.select().from(inspections).where(inArray(inspections.id, ids));
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Findings by id (their visibility follows from what refers to them). */
  async findingsById(ids: number[]): Promise<Map<number, FindingRow>> {
    const rows = await this.ctx.db.select().from(inspectionFindings).where(inArray(inspectionFindings.id, ids));
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** The findings of some inspections, oldest first (one statement for a page of inspections). */
  async findingsOf(inspectionIds: number[]): Promise<Map<number, FindingRow[]>> {
    const rows = await this.ctx.db.select().from(inspectionFindings).where(inArray(inspectionFindings.inspectionId, inspectionIds)).orderBy(inspectionFindings.id);
    const out = new Map<number, FindingRow[]>();
    for (const r of rows) out.set(r.inspectionId, [...(out.get(r.inspectionId) ?? []), r]);
    return out;
  }
}

