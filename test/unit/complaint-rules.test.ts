import { describe, expect, it } from 'vitest';
import { COMPLAINT_STATUSES, type ComplaintStatus } from '../../src/domain/enums.js';
import { allowedMutations, nextStatus, type ComplaintAction } from '../../src/modules/complaints/complaint.rules.js';
import { choosePolicy } from '../../src/sla/policy.js';

describe('complaint lifecycle', () => {
  const table: [ComplaintStatus, ComplaintAction, ComplaintStatus | null][] = [
    ['RECEIVED', 'accept', 'ACCEPTED'],
    ['RECEIVED', 'reject', 'REJECTED'],
    ['RECEIVED', 'start', null],
    ['RECEIVED', 'resolve', null],
    ['RECEIVED', 'close', null],
    ['ACCEPTED', 'start', 'IN_PROGRESS'],
    ['ACCEPTED', 'resolve', 'RESOLVED'],
    ['ACCEPTED', 'reject', 'REJECTED'],
    ['ACCEPTED', 'accept', null],
    ['IN_PROGRESS', 'resolve', 'RESOLVED'],
    ['IN_PROGRESS', 'reject', null],
    ['IN_PROGRESS', 'close', null],
    ['RESOLVED', 'returnVisitOk', 'RETURN_VISITED'],
    ['RESOLVED', 'returnVisitReopen', 'REOPENED'],
    ['RESOLVED', 'reopen', 'REOPENED'],
    ['RESOLVED', 'close', null],
    ['RETURN_VISITED', 'close', 'CLOSED'],
    ['RETURN_VISITED', 'reopen', 'REOPENED'],
    ['RETURN_VISITED', 'returnVisitOk', null],
    ['CLOSED', 'reopen', 'REOPENED'],
    ['CLOSED', 'close', null],
    ['CLOSED', 'start', null],
    ['REOPENED', 'start', 'IN_PROGRESS'],
    ['REOPENED', 'resolve', 'RESOLVED'],
    ['REOPENED', 'accept', null],
    ['REJECTED', 'reopen', null],
    ['REJECTED', 'accept', null],
  ];
  it.each(table)('%s --%s--> %s', (from, action, to) => {
    expect(nextStatus(from, action)).toBe(to);
  });

  it('lists the allowed mutations per status; terminal REJECTED allows none', () => {
    expect(allowedMutations('RECEIVED')).toEqual(['acceptComplaint', 'escalateComplaint', 'pauseComplaintSla', 'rejectComplaint', 'resumeComplaintSla']);
    expect(allowedMutations('REJECTED')).toEqual([]);
    expect(allowedMutations('CLOSED')).toEqual(['reopenComplaint']);
    for (const s of COMPLAINT_STATUSES) expect(allowedMutations(s)).toEqual([...allowedMutations(s)].sort());
  });
});

describe('choosePolicy', () => {
  const at = (n: number) => new Date(Date.UTC(2026, 0, n));
  const p = (name: string, match: { kinds?: string[]; categories?: string[]; severities?: string[] }, priority = 0, updated = 1, active = true) => ({
    name,
    kinds: (match.kinds ?? []) as never[],
    categories: (match.categories ?? []) as never[],
    severities: (match.severities ?? []) as never[],
    priority,
    updatedAt: at(updated),
    active,
  });
  const complaint = { kind: 'REPAIR', category: 'ENGINEERING_QUALITY', severity: 'MAJOR' } as const;

  it.each([
    ['the only match', [p('any', {})], 'any'],
    ['more specific beats higher priority', [p('any', {}, 100), p('repair', { kinds: ['REPAIR'] })], 'repair'],
    ['two dimensions beat one', [p('repair', { kinds: ['REPAIR'] }, 50), p('repair+eng', { kinds: ['REPAIR'], categories: ['ENGINEERING_QUALITY'] })], 'repair+eng'],
    ['priority among equally specific', [p('a', { kinds: ['REPAIR'] }, 1), p('b', { severities: ['MAJOR'] }, 2)], 'b'],
    ['newer among equal priority', [p('old', { kinds: ['REPAIR'] }, 0, 1), p('new', { kinds: ['COMPLAINT', 'REPAIR'] }, 0, 5)], 'new'],
    ['non-matching lists are skipped', [p('any', {}), p('complaints', { kinds: ['COMPLAINT'] })], 'any'],
    ['inactive policies are skipped', [p('any', {}), p('off', { kinds: ['REPAIR'] }, 0, 9, false)], 'any'],
  ] as const)('%s', (_what, policies, expected) => {
    expect(choosePolicy([...policies], complaint)?.name).toBe(expected);
  });

  it('returns null when nothing matches', () => {
    expect(choosePolicy([p('complaints', { kinds: ['COMPLAINT'] })], complaint)).toBeNull();
  });
});
