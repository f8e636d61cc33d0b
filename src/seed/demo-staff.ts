import type { Department, Role } from '../domain/enums.js';
import { toGlobalId } from '../graphql/global-id.js';
import { insertStaff, parseNewStaff } from '../modules/org/org.service.js';
import type { Tx } from '../db/client.js';

/**
 * The demo staff directory: a complaint desk, handlers of the responsible departments and a
 * manager per city company, plus group-level specialists and the duty manager. The demo
 * complaints (demo-complaints.ts) are received, worked and acknowledged by these logins.
 */

type City = 'SZ' | 'SH' | 'CD';

/** 首问负责人 at the desk of each city company. */
export const AGENTS: Record<City, string[]> = { SZ: ['agent.li', 'agent.huang'], SH: ['agent.wang', 'agent.xu'], CD: ['agent.chen', 'agent.yang'] };
/** Handlers per department and city; DESIGN, FINANCE and LEGAL are group-level specialists serving every city. */
export const HANDLERS: Record<Department, Record<City, string[]>> = {
  ENGINEERING: { SZ: ['eng.zhao', 'eng.sun'], SH: ['eng.zhou', 'eng.wu'], CD: ['eng.he', 'eng.luo'] },
  PROPERTY: { SZ: ['prop.wang'], SH: ['prop.liu'], CD: ['prop.ma'] },
  CUSTOMER_SERVICE: { SZ: ['cs.zhang'], SH: ['cs.guo'], CD: ['cs.lin'] },
  MARKETING: { SZ: ['mkt.chen'], SH: ['mkt.hu'], CD: ['mkt.gao'] },
  DESIGN: { SZ: ['design.song'], SH: ['design.song'], CD: ['design.song'] },
  FINANCE: { SZ: ['fin.zhu'], SH: ['fin.zhu'], CD: ['fin.zhu'] },
  LEGAL: { SZ: ['legal.tang'], SH: ['legal.tang'], CD: ['legal.tang'] },
};
/** City company managers who report major complaints upwards. */
export const MANAGERS: Record<City, string> = { SZ: 'mgr.zhou', SH: 'mgr.qian', CD: 'mgr.deng' };
/** The group's duty manager, who acknowledged the alerts of finished cases. */
export const DUTY_MANAGER = 'mgr.demo';

const NAMES: Record<string, string> = {
  'agent.li': '李静', 'agent.huang': '黄敏', 'agent.wang': '王芳', 'agent.xu': '徐婷', 'agent.chen': '陈雪', 'agent.yang': '杨倩',
  'eng.qian': '钱磊', 'eng.zhao': '赵建国', 'eng.sun': '孙志强', 'eng.zhou': '周鹏', 'eng.wu': '吴斌', 'eng.he': '何勇', 'eng.luo': '罗军',
  'prop.wang': '王海涛', 'prop.liu': '刘洋', 'prop.ma': '马超',
  'cs.zhang': '张丽', 'cs.guo': '郭娜', 'cs.lin': '林琳',
  'mkt.chen': '陈晓月', 'mkt.hu': '胡佳', 'mkt.gao': '高翔',
  'design.song': '宋雅', 'fin.zhu': '朱平', 'legal.tang': '唐宁',
  'mgr.zhou': '周明', 'mgr.qian': '钱伟', 'mgr.deng': '邓辉', 'mgr.demo': '范晨',
};

type Member = { login: string; role: Role; department: Department | null; city: City | null; active?: boolean };

/** Everyone in the demo directory, city by city, then the group level. */
function members(): Member[] {
  const out: Member[] = [];
  const groupLevel = new Set<string>();
  for (const city of ['SZ', 'SH', 'CD'] as const) {
    for (const login of AGENTS[city]) out.push({ login, role: 'AGENT', department: 'CUSTOMER_SERVICE', city });
    for (const [department, byCity] of Object.entries(HANDLERS) as [Department, Record<City, string[]>][]) {
      for (const login of byCity[city]) {
        // A login serving every city is a group-level specialist.
        if ((['SZ', 'SH', 'CD'] as const).every((c) => byCity[c].includes(login))) groupLevel.add(`${login}|${department}`);
        else out.push({ login, role: 'HANDLER', department, city });
      }
    }
    out.push({ login: MANAGERS[city], role: 'MANAGER', department: null, city });
  }
  // A handler who has left: kept in the directory for the history, not assignable.
  out.push({ login: 'eng.qian', role: 'HANDLER', department: 'ENGINEERING', city: 'SZ', active: false });
  for (const key of groupLevel) {
    const [login, department] = key.split('|') as [string, Department];
    out.push({ login, role: 'HANDLER', department, city: null });
  }
  out.push({ login: DUTY_MANAGER, role: 'MANAGER', department: 'CUSTOMER_SERVICE', city: null });
  return out;
}

/**
 * Creates the demo staff directory through the same validation and insert as `createStaff`
 * (`parseNewStaff`, `insertStaff`), dated `createdAt`.
 *
 * @param companyId - database id of each city company by code.
 * @returns the number of members created.
 */
export async function seedStaff(tx: Tx, companyId: Map<string, number>, createdAt: Date): Promise<number> {
  const list = members();
  for (const m of list) {
    const values = parseNewStaff({
      login: m.login,
      name: NAMES[m.login] ?? m.login,
      role: m.role,
      department: m.department,
      cityCompanyId: m.city ? toGlobalId('CityCompany', companyId.get(m.city)!) : null,
      active: m.active ?? true,
    });
    await insertStaff(tx, { ...values, createdAt, updatedAt: createdAt });
  }
  return list.length;
}
