import { LOW_SATISFACTION_MAX } from '../surveys/responses.js';
import type { ComplaintStatus, SlaClockKind } from '../../domain/enums.js';

/** Lifecycle actions (one mutation each). */
export type ComplaintAction =
  | 'accept'
  | 'start'
  | 'resolve'
  | 'returnVisitOk'
  | 'returnVisitReopen'
  | 'close'
  | 'reopen'
  | 'reject';

/**
 * The lifecycle (SPEC §2): RECEIVED → ACCEPTED → IN_PROGRESS → RESOLVED → RETURN_VISITED →
 * CLOSED, with REOPENED (worked again like IN_PROGRESS) and REJECTED (terminal).
 */
export const TRANSITIONS: Record<ComplaintAction, { from: ComplaintStatus[]; to: ComplaintStatus; mutation: string }> = {
  accept: { from: ['RECEIVED'], to: 'ACCEPTED', mutation: 'acceptComplaint' },
  start: { from: ['ACCEPTED', 'REOPENED'], to: 'IN_PROGRESS', mutation: 'startComplaintWork' },
  resolve: { from: ['ACCEPTED', 'IN_PROGRESS', 'REOPENED'], to: 'RESOLVED', mutation: 'resolveComplaint' },
  returnVisitOk: { from: ['RESOLVED'], to: 'RETURN_VISITED', mutation: 'recordReturnVisit' },
  returnVisitReopen: { from: ['RESOLVED'], to: 'REOPENED', mutation: 'recordReturnVisit' },
  close: { from: ['RETURN_VISITED'], to: 'CLOSED', mutation: 'closeComplaint' },
  reopen: { from: ['RESOLVED', 'RETURN_VISITED', 'CLOSED'], to: 'REOPENED', mutation: 'reopenComplaint' },
  reject: { from: ['RECEIVED', 'ACCEPTED'], to: 'REJECTED', mutation: 'rejectComplaint' },
};

/** Statuses in which a complaint is still being handled (clocks may run, escalation and pauses allowed). */
export const OPEN_STATUSES: ComplaintStatus[] = ['RECEIVED', 'ACCEPTED', 'IN_PROGRESS', 'RESOLVED', 'RETURN_VISITED', 'REOPENED'];

/** The mutations allowed from a status, for INVALID_TRANSITION messages and `viewerCan`. */
export function allowedMutations(status: ComplaintStatus): string[] {
  const out = new Set<string>();
  for (const t of Object.values(TRANSITIONS)) if (t.from.includes(status)) out.add(t.mutation);
  if (OPEN_STATUSES.includes(status)) {
    out.add('escalateComplaint');
    out.add('pauseComplaintSla');
    out.add('resumeComplaintSla');
  }
  return [...out].sort();
}

/** The status an action leads to, or null when it is not allowed from `status`. */
export function nextStatus(status: ComplaintStatus, action: ComplaintAction): ComplaintStatus | null {
  const t = TRANSITIONS[action];
  return t.from.includes(status) ? t.to : null;
}

/** Clock events of each action: which clocks start (or resume) and which stop. */
export const CLOCK_EFFECTS: Record<ComplaintAction | 'create' | 'escalate' | 'reportEscalation', { start: SlaClockKind[]; stop: SlaClockKind[] }> = {
  create: { start: ['ACCEPTANCE', 'RESOLUTION'], stop: [] },
  accept: { start: [], stop: ['ACCEPTANCE'] },
  start: { start: [], stop: ['REPAIR_VISIT'] },
  resolve: { start: ['RETURN_VISIT'], stop: ['RESOLUTION', 'REPAIR_VISIT'] },
  returnVisitOk: { start: [], stop: ['RETURN_VISIT'] },
  returnVisitReopen: { start: ['RESOLUTION'], stop: ['RETURN_VISIT'] },
  close: { start: [], stop: ['ACCEPTANCE', 'ESCALATION_REPORT', 'RESOLUTION', 'RETURN_VISIT', 'REPAIR_VISIT'] },
  reopen: { start: ['RESOLUTION'], stop: ['RETURN_VISIT'] },
  reject: { start: [], stop: ['ACCEPTANCE', 'ESCALATION_REPORT', 'RESOLUTION', 'RETURN_VISIT', 'REPAIR_VISIT'] },
  escalate: { start: ['ESCALATION_REPORT'], stop: [] },
  reportEscalation: { start: [], stop: ['ESCALATION_REPORT'] },
};

/** A return-visit score of 2 or less (不满意/很不满意) reopens the complaint (挽回服务). */
export const REOPEN_SCORE = LOW_SATISFACTION_MAX;

/** Repeat window: same customer, unit and category within this many days is a repeat. */
export const REPEAT_WINDOW_DAYS = 30;

/** The number of a year's `n`th complaint: TS-2026-000042, six digits at least, never cut. */
export function complaintNumber(year: number, n: number): string {
  return `TS-${year}-${String(n).padStart(6, '0')}`;
}
