import type { Channel, Confidentiality, CustomerClass, Gender, ProjectStage } from '../domain/enums.js';
import { idCheckChar } from '../domain/contact.js';
import type { CalendarSettings } from '../sla/store.js';
import type { Db, Tx } from '../db/client.js';
import { customers, unitOwnerships, units } from '../db/schema/customers.js';
import { cityCompanies, projects, regions, type WarrantyTerm } from '../db/schema/org.js';
import { seedComplaints } from './demo-complaints.js';
import { seedStaff } from './demo-staff.js';
import { seedStandardActions } from './demo-actions.js';
import { seedSurveys } from './demo-surveys.js';
import type { SegmentThresholds } from '../domain/segment.js';
import type { PlannedOwnership } from '../modules/touchpoints/planner.js';

export type SeedOptions = {
  /** Number of customers to create; default 2000. */
  customers?: number;
  /** PRNG seed; the same seed and `now` give the same data. Default 20261125. */
  seed?: number;
  /** The reference time every generated date is relative to (nothing happened later; only an open repair's appointment may lie ahead); default the current time. */
  now?: Date;
  /** Business calendar for the complaints' working-time SLA clocks; default Asia/Shanghai, 09:00–18:00. */
  calendar?: CalendarSettings;
  /** Segment thresholds (survey responses keep the customer's segment); default 12 and 36 months. */
  segments?: SegmentThresholds;
};

export type SeedSummary = {
  regions: number;
  cityCompanies: number;
  staff: number;
  projects: number;
  customers: number;
  units: number;
  ownerships: number;
  complaints: number;
  /** Standard actions planned by the demo milestones, and the touchpoints that carried them out. */
  plannedTouchpoints: number;
  touchpoints: number;
  /** Survey responses: those taken in the satisfaction calls, and the annual survey. */
  surveyResponses: number;
};

const CHUNK = 500;
/** Complaints drawn per customer over the last 120 days (plus about 6% repeats): ~360 for 2,000 customers. */
const COMPLAINTS_PER_CUSTOMER = 0.17;
const DAY = 86_400_000;
/** China Standard Time offset: calendar dates and business hours are local to the projects. */
const CST = 8 * 3_600_000;

// ---------------------------------------------------------------------------
// Deterministic randomness

export type Rng = {
  next(): number;
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  weighted<T>(items: readonly (readonly [T, number])[]): T;
  digits(n: number): string;
};

/** mulberry32: tiny, fast and good enough for demo data. */
function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => {
    const item = items[Math.floor(next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  };
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick,
    weighted<T>(items: readonly (readonly [T, number])[]): T {
      const total = items.reduce((s, [, w]) => s + w, 0);
      let r = next() * total;
      for (const [item, w] of items) {
        r -= w;
        if (r < 0) return item;
      }
      const last = items[items.length - 1];
      if (!last) throw new Error('weighted pick from an empty list');
      return last[0];
    },
    digits: (n) => Array.from({ length: n }, () => String(int(0, 9))).join(''),
  };
}

// ---------------------------------------------------------------------------
// Dates

const addDays = (d: Date, days: number) => new Date(d.getTime() + days * DAY);
const minDate = (a: Date, b: Date) => (a.getTime() <= b.getTime() ? a : b);

function addMonths(d: Date, months: number): Date {
  const r = new Date(d.getTime());
  r.setUTCMonth(r.getUTCMonth() + months);
  return r;
}

/** The calendar date (in China) of an instant, as 'YYYY-MM-DD'. */
const cstDate = (d: Date) => new Date(d.getTime() + CST).toISOString().slice(0, 10);

/** Midnight in China of a 'YYYY-MM-DD' date. */
const cstMidnight = (ymd: string) => new Date(Date.parse(`${ymd}T00:00:00Z`) - CST);

/** A uniformly random instant between `from` and `to`. */
function between(rng: Rng, from: Date, to: Date): Date {
  const span = Math.max(0, to.getTime() - from.getTime());
  return new Date(from.getTime() + Math.floor(rng.next() * span));
}

/** A random time during office hours (09:00–18:59 China time) on the China calendar day of `d`. */
function officeHours(rng: Rng, d: Date): Date {
  return new Date(cstMidnight(cstDate(d)).getTime() + rng.int(9 * 60, 18 * 60 + 59) * 60_000 + rng.int(0, 59) * 1000);
}

// ---------------------------------------------------------------------------
// Organisation

const REGIONS = [
  { code: 'SOUTH', name: '华南区域' },
  { code: 'EAST', name: '华东区域' },
  { code: 'WEST', name: '西南区域' },
] as const;

const CITY_COMPANIES = [
  { code: 'SZ', name: '深圳公司', city: '深圳', region: 'SOUTH', idRegion: '440300' },
  { code: 'SH', name: '上海公司', city: '上海', region: 'EAST', idRegion: '310100' },
  { code: 'CD', name: '成都公司', city: '成都', region: 'WEST', idRegion: '510100' },
] as const;
type CityCode = (typeof CITY_COMPANIES)[number]['code'];

const STANDARD_WARRANTY: WarrantyTerm[] = [
  { component: '主体结构', years: 50 },
  { component: '防水', years: 5 },
  { component: '装修', years: 2 },
  { component: '电气管线', years: 2 },
];

type ProjectSpec = {
  code: string;
  name: string;
  company: CityCode;
  phase: string;
  totalUnits: number;
  stage: ProjectStage;
  /** Key dates in months relative to `now`; absent when the project has none. */
  salesOpened?: number;
  plannedDelivery?: number;
  actualDelivery?: number;
  extraWarranty?: WarrantyTerm[];
  /** Building layout: floors per building and rooms per floor in each 单元. */
  floors: number;
  roomsPerFloor: number;
};

/**
 * One or two projects per lifecycle stage. Offsets keep the stage true for any `now`:
 * delivered projects handed over in the past (WARRANTY/RESIDENCE 1–5 years ago, straddling
 * the 36-month VETERAN threshold), pre-delivery ones have a planned date ahead.
 */
const PROJECTS: ProjectSpec[] = [
  { code: 'SZ-001', name: '深圳·万象花园', company: 'SZ', phase: '一期', totalUnits: 960, stage: 'RESIDENCE', salesOpened: -82, plannedDelivery: -52, actualDelivery: -51, floors: 32, roomsPerFloor: 4 },
  { code: 'SZ-002', name: '深圳·万象花园', company: 'SZ', phase: '二期', totalUnits: 720, stage: 'WARRANTY', salesOpened: -50, plannedDelivery: -21, actualDelivery: -20, floors: 32, roomsPerFloor: 4 },
  { code: 'SZ-003', name: '深圳·海悦府', company: 'SZ', phase: '一期', totalUnits: 540, stage: 'DELIVERY', salesOpened: -30, plannedDelivery: -3, actualDelivery: -2, floors: 27, roomsPerFloor: 2 },
  { code: 'SZ-004', name: '深圳·湾畔尚城', company: 'SZ', phase: '一期', totalUnits: 1200, stage: 'PRE_PROJECT', plannedDelivery: 40, floors: 33, roomsPerFloor: 4 },
  { code: 'SH-001', name: '上海·滨江壹号', company: 'SH', phase: '一期', totalUnits: 420, stage: 'WARRANTY', salesOpened: -58, plannedDelivery: -30, actualDelivery: -31, extraWarranty: [{ component: '外墙保温', years: 5 }], floors: 18, roomsPerFloor: 2 },
  { code: 'SH-002', name: '上海·云樾湾', company: 'SH', phase: '一期', totalUnits: 860, stage: 'AWAITING_DELIVERY', salesOpened: -19, plannedDelivery: 5, floors: 26, roomsPerFloor: 4 },
  { code: 'SH-003', name: '上海·翡翠公馆', company: 'SH', phase: '一期', totalUnits: 300, stage: 'SALES_PREP', plannedDelivery: 30, extraWarranty: [{ component: '外墙保温', years: 5 }], floors: 11, roomsPerFloor: 2 },
  { code: 'CD-001', name: '成都·锦城华府', company: 'CD', phase: '一期', totalUnits: 1080, stage: 'SIGNING', salesOpened: -5, plannedDelivery: 22, floors: 33, roomsPerFloor: 4 },
  { code: 'CD-002', name: '成都·锦城华府', company: 'CD', phase: '二期', totalUnits: 640, stage: 'AWAITING_DELIVERY', salesOpened: -14, plannedDelivery: 9, floors: 26, roomsPerFloor: 2 },
  { code: 'CD-003', name: '成都·麓湖雅苑', company: 'CD', phase: '一期', totalUnits: 780, stage: 'RESIDENCE', salesOpened: -68, plannedDelivery: -42, actualDelivery: -43, floors: 18, roomsPerFloor: 4 },
];

/** How strongly each stage attracts customers (times its size): few prospects for projects not yet on sale. */
const STAGE_WEIGHT: Record<ProjectStage, number> = {
  PRE_PROJECT: 0.04,
  SALES_PREP: 0.3,
  SIGNING: 0.7,
  AWAITING_DELIVERY: 0.9,
  DELIVERY: 1,
  WARRANTY: 1,
  RESIDENCE: 1,
};

// ---------------------------------------------------------------------------
// People

const SURNAMES: readonly (readonly [string, number])[] = [
  ['王', 72], ['李', 70], ['张', 66], ['刘', 53], ['陈', 46], ['杨', 32], ['黄', 25], ['赵', 21], ['吴', 20], ['周', 19],
  ['徐', 15], ['孙', 14], ['马', 13], ['朱', 12], ['胡', 12], ['郭', 11], ['何', 10], ['高', 10], ['林', 10], ['罗', 9],
  ['欧阳', 1], ['司马', 0.4], ['上官', 0.3], ['诸葛', 0.3],
];
const MALE_CHARS = [...'伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林阳建国志文峰海东亮成晨博'];
const FEMALE_CHARS = [...'芳娜敏静丽艳娟霞秀玲英红梅琳婷雪慧莹倩颖洁晶燕佳欣怡萍璐晓月丹蕾琪媛薇'];
const NEUTRAL_CHARS = [...'子一思嘉雨安乐心诗天宏春秋云雅涵'];

const MOBILE_PREFIXES = ['138', '139', '136', '137', '135', '150', '151', '158', '159', '186', '187', '188', '189', '177', '199', '133', '153', '180'];
/** Home regions of customers who were not born in the project's city (长沙, 武汉, 南昌, 南宁, 郑州, 北京, 广州, 重庆). */
const OTHER_ID_REGIONS = ['430100', '420100', '360100', '450100', '410100', '110100', '440100', '500100'];
const EMAIL_WORDS = ['sunny', 'happy', 'david', 'linda', 'kevin', 'amy', 'leo', 'tiger', 'jack', 'lucky', 'grace', 'eric', 'vivian', 'tony', 'coco'];
const EMAIL_DOMAINS = ['163.com', '126.com', 'sina.com', 'outlook.com', 'gmail.com'];

const CLASSES: readonly (readonly [CustomerClass, number])[] = [['A', 5], ['B', 15], ['C', 65], ['D', 15]];
const CHANNEL_WEIGHTS: readonly (readonly [Channel, number])[] = [
  ['WECHAT', 35], ['PHONE', 30], ['SMS', 10], ['HOTLINE_400', 5], ['VISIT', 5], ['ONSITE', 5],
];

// ---------------------------------------------------------------------------
// Generation (pure, before any insert)

type ProjectPlan = {
  spec: ProjectSpec;
  salesOpenedOn: string | null;
  plannedDeliveryOn: string | null;
  actualDeliveryOn: string | null;
  createdAt: Date;
};

type UnitPlan = { project: number; building: string; unitNo: string; room: string; createdAt: Date };

type Milestones = { subscribedAt: Date | null; signedAt: Date | null; deliveredAt: Date | null; movedInAt: Date | null };

type OwnershipPlan = Milestones & { customer: number; unit: number; project: number };

type CustomerPlan = {
  name: string;
  phone: string;
  idNumber: string | null;
  email: string | null;
  birthday: string | null;
  gender: Gender;
  preferredChannel: Channel | null;
  memberNo: string | null;
  customerClass: CustomerClass;
  confidentiality: Confidentiality;
  origin: number;
  createdAt: Date;
};

function planProjects(now: Date): ProjectPlan[] {
  const day = (months: number | undefined) => (months === undefined ? null : cstDate(addMonths(now, months)));
  return PROJECTS.map((spec) => {
    // Land acquisition and planning precede the first sale by about a year.
    const createdAt = addMonths(now, Math.min(spec.salesOpened ?? 0, -1) - 12);
    // SALES_PREP has just opened for subscriptions (认购) but signs no contracts yet.
    const salesOpenedOn = spec.stage === 'SALES_PREP' ? cstDate(addDays(now, -12)) : day(spec.salesOpened);
    return { spec, salesOpenedOn, plannedDeliveryOn: day(spec.plannedDelivery), actualDeliveryOn: day(spec.actualDelivery), createdAt };
  });
}

/** Hands out unique building / 单元 / room addresses per project, growing past the plan if ever full. */
class UnitAllocator {
  private readonly taken = new Set<number>();
  private capacity: number;
  private readonly perBuilding: number;

  constructor(private readonly spec: ProjectSpec) {
    this.perBuilding = 2 * spec.floors * spec.roomsPerFloor;
    this.capacity = Math.max(1, Math.ceil(spec.totalUnits / this.perBuilding)) * this.perBuilding;
  }

  next(rng: Rng): { building: string; unitNo: string; room: string } {
    if (this.taken.size >= this.capacity) this.capacity += this.perBuilding;
    let slot = rng.int(0, this.capacity - 1);
    while (this.taken.has(slot)) slot = (slot + 1) % this.capacity;
    this.taken.add(slot);
    const { floors, roomsPerFloor } = this.spec;
    const perUnitNo = floors * roomsPerFloor;
    const inBuilding = slot % this.perBuilding;
    const inUnitNo = inBuilding % perUnitNo;
    return {
      building: `${Math.floor(slot / this.perBuilding) + 1}栋`,
      unitNo: `${Math.floor(inBuilding / perUnitNo) + 1}单元`,
      room: `${Math.floor(inUnitNo / roomsPerFloor) + 1}${String((inUnitNo % roomsPerFloor) + 1).padStart(2, '0')}`,
    };
  }
}

/**
 * Milestones of one purchase in a project, consistent with its stage; none later than `now`.
 * `sure` forces the stage's typical outcome (signed, handed over) so small runs still show every segment.
 */
function milestones(rng: Rng, p: ProjectPlan, now: Date, sure: boolean): Milestones {
  const m: Milestones = { subscribedAt: null, signedAt: null, deliveredAt: null, movedInAt: null };
  const salesOpened = p.salesOpenedOn ? cstMidnight(p.salesOpenedOn) : addMonths(now, -1);
  const actual = p.actualDeliveryOn ? cstMidnight(p.actualDeliveryOn) : null;
  const at = (d: Date) => minDate(officeHours(rng, d), now);
  const sign = () => {
    m.signedAt = at(addDays(m.subscribedAt ?? salesOpened, rng.int(1, 30)));
  };
  // Most buyers collect their keys in the first weeks of the handover window.
  const handOver = (from: Date, windowDays: number) => addDays(from, Math.floor(rng.next() ** 2 * windowDays));
  const moveIn = (probability: number) => {
    if (!m.deliveredAt || !rng.chance(probability)) return;
    const movedIn = officeHours(rng, addDays(m.deliveredAt, rng.int(14, 60)));
    if (movedIn.getTime() <= now.getTime()) m.movedInAt = movedIn;
  };

  switch (p.spec.stage) {
    case 'PRE_PROJECT':
      break;
    case 'SALES_PREP':
      m.subscribedAt = at(between(rng, salesOpened, addDays(now, -1)));
      break;
    case 'SIGNING':
      m.subscribedAt = at(between(rng, salesOpened, addDays(now, -1)));
      if (sure || rng.chance(0.8)) sign();
      break;
    case 'AWAITING_DELIVERY':
      m.subscribedAt = at(between(rng, salesOpened, minDate(addMonths(salesOpened, 12), addDays(now, -30))));
      sign();
      break;
    case 'DELIVERY': {
      const handover = actual ?? addMonths(now, -1);
      m.subscribedAt = at(between(rng, salesOpened, addMonths(handover, -6)));
      sign();
      // Some buyers have not collected their keys yet: they stay PRE_OWNER.
      if (sure || rng.chance(0.85)) {
        const delivered = officeHours(rng, handOver(handover, (now.getTime() - handover.getTime()) / DAY));
        if (delivered.getTime() <= now.getTime()) m.deliveredAt = delivered;
        moveIn(0.6);
      }
      break;
    }
    case 'WARRANTY':
    case 'RESIDENCE': {
      const handover = actual ?? addMonths(now, -24);
      m.subscribedAt = at(between(rng, salesOpened, addMonths(handover, -8)));
      sign();
      m.deliveredAt = at(handOver(handover, 60));
      moveIn(0.88);
      break;
    }
  }
  return m;
}

function plan(count: number, rng: Rng, now: Date) {
  const projectPlans = planProjects(now);
  const cityOf = (p: ProjectPlan) => CITY_COMPANIES.find((c) => c.code === p.spec.company)!;
  const originWeights = projectPlans.map((p, i) => [i, STAGE_WEIGHT[p.spec.stage] * p.spec.totalUnits] as const);
  const salePlaces = originWeights.filter(([i]) => projectPlans[i]!.spec.stage !== 'PRE_PROJECT');
  const allocators = projectPlans.map((p) => new UnitAllocator(p.spec));

  const phones = new Set<string>();
  const ids = new Set<string>();
  const emails = new Set<string>();
  const memberNos = new Set<string>();
  const unique = (seen: Set<string>, make: () => string) => {
    for (;;) {
      const v = make();
      if (!seen.has(v)) {
        seen.add(v);
        return v;
      }
    }
  };

  const customerPlans: CustomerPlan[] = [];
  const unitPlans: UnitPlan[] = [];
  const ownershipPlans: OwnershipPlan[] = [];

  const buy = (customer: number, project: number, sure: boolean) => {
    const p = projectPlans[project]!;
    const unit = unitPlans.length;
    const m = milestones(rng, p, now, sure);
    const first = m.subscribedAt ?? m.signedAt ?? now;
    unitPlans.push({ project, ...allocators[project]!.next(rng), createdAt: p.createdAt });
    ownershipPlans.push({ customer, unit, project, ...m });
    return first;
  };

  for (let c = 0; c < count; c++) {
    // The first customers visit every project once, so even a small run covers every stage.
    const sure = c < projectPlans.length;
    const origin = sure ? c : rng.weighted(originWeights);
    const p = projectPlans[origin]!;
    const city = cityOf(p);

    let gender: Gender = rng.weighted([['MALE', 45], ['FEMALE', 45], ['UNKNOWN', 10]]);
    let idNumber: string | null = null;
    let birthday: string | null = null;
    if (rng.chance(0.6)) {
      if (gender === 'UNKNOWN') gender = rng.chance(0.5) ? 'MALE' : 'FEMALE';
      const born = cstDate(new Date(Date.UTC(1960, 0, 1) + rng.int(0, 14_975) * DAY)); // up to 2000-12-31
      const region = rng.chance(0.6) ? city.idRegion : rng.pick(OTHER_ID_REGIONS);
      idNumber = unique(ids, () => {
        // The 17th digit is odd for men, even for women.
        const first17 = `${region}${born.replaceAll('-', '')}${rng.digits(2)}${rng.int(0, 4) * 2 + (gender === 'MALE' ? 1 : 0)}`;
        return first17 + idCheckChar(first17);
      });
      birthday = born;
    } else if (rng.chance(0.25)) {
      birthday = cstDate(new Date(Date.UTC(1960, 0, 1) + rng.int(0, 14_975) * DAY));
    }

    const chars = gender === 'MALE' ? MALE_CHARS : gender === 'FEMALE' ? FEMALE_CHARS : NEUTRAL_CHARS;
    const given = rng.chance(0.3) ? rng.pick(chars) : rng.pick(rng.chance(0.3) ? NEUTRAL_CHARS : chars) + rng.pick(chars);
    const name = rng.weighted(SURNAMES) + given;
    const phone = unique(phones, () => rng.pick(MOBILE_PREFIXES) + rng.digits(8));
    const email = rng.chance(0.25)
      ? unique(emails, () =>
          rng.chance(0.5) ? `${rng.int(1, 9)}${rng.digits(rng.int(5, 9))}@qq.com` : `${rng.pick(EMAIL_WORDS)}${rng.digits(rng.int(2, 4))}@${rng.pick(EMAIL_DOMAINS)}`,
        )
      : null;

    const index = customerPlans.length;
    let firstContact: Date | null = null;
    if (p.spec.stage !== 'PRE_PROJECT' && (sure || rng.chance(0.86))) {
      firstContact = buy(index, origin, sure);
      // A few buy a second unit, some of them in another project of the group.
      if (rng.chance(0.06)) {
        const other = rng.chance(0.5) ? origin : rng.weighted(salePlaces);
        const second = buy(index, other, false);
        if (second < firstContact) firstContact = second;
      }
    }
    const owner = firstContact !== null;
    // Leads come in before their first purchase; pure prospects at some point since the project opened.
    const createdAt = firstContact
      ? minDate(officeHours(rng, addDays(firstContact, -rng.int(0, 30))), firstContact)
      : minDate(officeHours(rng, between(rng, p.salesOpenedOn ? cstMidnight(p.salesOpenedOn) : p.createdAt, now)), now);

    const channels = email ? [...CHANNEL_WEIGHTS, ['EMAIL', 10] as const] : CHANNEL_WEIGHTS;
    customerPlans.push({
      name,
      phone,
      idNumber,
      email,
      birthday,
      gender,
      preferredChannel: rng.chance(0.35) ? rng.weighted(channels) : null,
      memberNo: rng.chance(owner ? 0.45 : 0.05) ? unique(memberNos, () => `VK${rng.digits(8)}`) : null,
      customerClass: rng.weighted(CLASSES),
      confidentiality: rng.weighted([['NORMAL', 975], ['CONFIDENTIAL', 20], ['SECRET', 5]]),
      origin,
      createdAt,
    });
  }
  return { projectPlans, customerPlans, unitPlans, ownershipPlans };
}

// ---------------------------------------------------------------------------
// Insert

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/**
 * Loads realistic demo data: 3 regions, 3 city companies (深圳, 上海, 成都) with their staff (desk
 * agents, department handlers and a manager each, plus group-level staff; demo-staff.ts, through the
 * same validation and insert as `createStaff`), 10 projects over all
 * lifecycle stages, `customers` customers with unique valid phones and ID numbers, and the units
 * they bought with milestone dates consistent with each project's stage, so that every customer
 * segment occurs; then about 120 days of complaints (`customers` × 0.17, plus ~6% repeats) replayed
 * step by step with their timelines and SLA clocks (see demo-complaints.ts). Deterministic for a
 * given `seed` and `now`; nothing generated happened after `now` (only a repair appointment of an
 * open complaint may lie ahead). Needs the reference data (SLA policies, holiday calendar) of
 * `prepareDatabase` for the complaints' SLA targets; without policies complaints get no clocks.
 *
 * Everything is inserted in one transaction. Does nothing and returns null when the database
 * already has projects.
 *
 * @param db - the database (PGlite or postgres.js).
 * @param opts - customer count (default 2000), PRNG seed (default 20261125), reference time (default now) and business calendar settings.
 * @returns the number of rows inserted per table, or null when nothing was loaded.
 * @throws RangeError when `customers` is not a non-negative integer.
 */
export async function seedDemoData(db: Db, opts: SeedOptions = {}): Promise<SeedSummary | null> {
  const count = opts.customers ?? 2000;
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`customers must be a non-negative integer, got ${count}`);
  const now = opts.now ?? new Date();

  return db.transaction(async (tx: Tx) => {
    const existing = await tx.select({ id: projects.id }).from(projects).limit(1);
    if (existing.length > 0) return null;

    const rng = createRng(opts.seed ?? 20261125);
    const calendar = opts.calendar ?? { timeZone: 'Asia/Shanghai', hours: { start: '09:00', end: '18:00' } };
    const { projectPlans, customerPlans, unitPlans, ownershipPlans } = plan(count, rng, now);
    const orgCreatedAt = new Date(Math.min(...projectPlans.map((p) => p.createdAt.getTime())));

    const regionRows = await tx
      .insert(regions)
      .values(REGIONS.map((r) => ({ ...r, createdAt: orgCreatedAt })))
      .returning({ id: regions.id, code: regions.code });
    const regionId = new Map(regionRows.map((r) => [r.code, r.id]));

    const companyRows = await tx
      .insert(cityCompanies)
      .values(CITY_COMPANIES.map((c) => ({ code: c.code, name: c.name, city: c.city, regionId: regionId.get(c.region)!, createdAt: orgCreatedAt })))
      .returning({ id: cityCompanies.id, code: cityCompanies.code });
    const companyId = new Map(companyRows.map((c) => [c.code, c.id]));
    const staffCount = await seedStaff(tx, companyId, orgCreatedAt);

    const projectRows = await tx
      .insert(projects)
      .values(
        projectPlans.map((p) => ({
          code: p.spec.code,
          name: p.spec.name,
          city: CITY_COMPANIES.find((c) => c.code === p.spec.company)!.city,
          cityCompanyId: companyId.get(p.spec.company)!,
          phase: p.spec.phase,
          totalUnits: p.spec.totalUnits,
          stage: p.spec.stage,
          salesOpenedOn: p.salesOpenedOn,
          plannedDeliveryOn: p.plannedDeliveryOn,
          actualDeliveryOn: p.actualDeliveryOn,
          warrantyTerms: [...STANDARD_WARRANTY, ...(p.spec.extraWarranty ?? [])],
          createdAt: p.createdAt,
          updatedAt: p.createdAt,
        })),
      )
      .returning({ id: projects.id, code: projects.code });
    // Map back by natural key rather than trusting RETURNING order.
    const projectIdByCode = new Map(projectRows.map((p) => [p.code, p.id]));
    const projectId = projectPlans.map((p) => projectIdByCode.get(p.spec.code)!);

    const customerIdByPhone = new Map<string, number>();
    for (const chunk of chunks(customerPlans)) {
      const inserted = await tx
        .insert(customers)
        .values(
          chunk.map(({ origin, ...c }) => ({ ...c, originProjectId: projectId[origin]!, updatedAt: c.createdAt })),
        )
        .returning({ id: customers.id, phone: customers.phone });
      for (const r of inserted) customerIdByPhone.set(r.phone, r.id);
    }
    const customerId = customerPlans.map((c) => customerIdByPhone.get(c.phone)!);

    const unitKey = (project: number, building: string, unitNo: string, room: string) => `${project}|${building}|${unitNo}|${room}`;
    const unitIdByKey = new Map<string, number>();
    for (const chunk of chunks(unitPlans)) {
      const inserted = await tx
        .insert(units)
        .values(chunk.map(({ project, ...u }) => ({ ...u, projectId: projectId[project]! })))
        .returning({ id: units.id, projectId: units.projectId, building: units.building, unitNo: units.unitNo, room: units.room });
      for (const r of inserted) unitIdByKey.set(unitKey(r.projectId, r.building, r.unitNo, r.room), r.id);
    }
    const unitId = unitPlans.map((u) => unitIdByKey.get(unitKey(projectId[u.project]!, u.building, u.unitNo, u.room))!);

    const ownershipRows: PlannedOwnership[] = [];
    for (const chunk of chunks(ownershipPlans)) {
      const inserted = await tx.insert(unitOwnerships).values(
        chunk.map(({ customer, unit, project, ...m }) => {
          const stamps = [m.subscribedAt, m.signedAt, m.deliveredAt, m.movedInAt].filter((d): d is Date => d !== null);
          return {
            ...m,
            customerId: customerId[customer]!,
            unitId: unitId[unit]!,
            projectId: projectId[project]!,
            createdAt: stamps[0] ?? now,
            updatedAt: stamps[stamps.length - 1] ?? now,
          };
        }),
      ).returning();
      ownershipRows.push(...inserted);
    }

    // Complaints continue the same random stream, so the data above is unchanged by them.
    const complaintCount = await seedComplaints(tx, rng, {
      now,
      count: Math.round(count * COMPLAINTS_PER_CUSTOMER),
      calendar,
      projects: projectPlans.map((p, i) => ({ id: projectId[i]!, city: p.spec.company, stage: p.spec.stage })),
      customers: customerPlans.map((c, i) => ({ id: customerId[i]!, originProjectId: projectId[c.origin]!, createdAt: c.createdAt })),
      ownerships: ownershipPlans.map((o) => ({
        customerId: customerId[o.customer]!,
        unitId: unitId[o.unit]!,
        projectId: projectId[o.project]!,
        signedAt: o.signedAt,
        deliveredAt: o.deliveredAt,
      })),
    });

    const customerNames = new Map(customerPlans.map((c, i) => [customerId[i]!, c.name]));
    // Standard actions continue the same random stream after the complaints.
    const actions = await seedStandardActions(tx, rng, {
      now,
      timeZone: calendar.timeZone,
      ownerships: ownershipRows,
      customerNames,
      cityOfProject: new Map(projectPlans.map((p, i) => [projectId[i]!, p.spec.company as 'SZ' | 'SH' | 'CD'])),
    });

    // Survey answers continue the same random stream after the standard actions.
    const holdings = new Map<number, { signedAt: Date | null; deliveredAt: Date | null }[]>();
    for (const o of ownershipRows) holdings.set(o.customerId, [...(holdings.get(o.customerId) ?? []), o]);
    const firstDelivered = new Map<number, { customerId: number; projectId: number; deliveredAt: Date }>();
    for (const o of ownershipRows) if (o.deliveredAt && !firstDelivered.has(o.customerId)) firstDelivered.set(o.customerId, { customerId: o.customerId, projectId: o.projectId, deliveredAt: o.deliveredAt });
    const surveyResponses = await seedSurveys(tx, rng, {
      now,
      timeZone: calendar.timeZone,
      segments: opts.segments ?? { breakInMonths: 12, veteranMonths: 36 },
      holdings,
      customerNames,
      delivered: [...firstDelivered.values()],
      carried: actions.carried,
    });

    return {
      regions: regionRows.length,
      cityCompanies: companyRows.length,
      staff: staffCount,
      projects: projectRows.length,
      customers: customerPlans.length,
      units: unitPlans.length,
      ownerships: ownershipPlans.length,
      complaints: complaintCount,
      plannedTouchpoints: actions.planned,
      touchpoints: actions.done,
      surveyResponses,
    };
  });
}
