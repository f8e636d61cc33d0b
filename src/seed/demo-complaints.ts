import { eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type {
  Channel,
  ComplaintCategory,
  ComplaintKind,
  ComplaintStatus,
  DefectLocation,
  Department,
  ProjectStage,
  Severity,
  SlaClockKind,
} from '../domain/enums.js';
import { toGlobalId } from '../graphql/global-id.js';
import { CLOCK_EFFECTS, OPEN_STATUSES, REOPEN_SCORE, REPEAT_WINDOW_DAYS, complaintNumber, nextStatus, type ComplaintAction } from '../modules/complaints/complaint.rules.js';
import type { BusinessCalendar } from '../sla/calendar.js';
import { SlaEngine } from '../sla/engine.js';
import { choosePolicy } from '../sla/policy.js';
import { CalendarStore, type CalendarSettings } from '../sla/store.js';
import type { Tx } from '../db/client.js';
import { complaintEvents, complaintNumberCounters, complaints, slaAlerts, slaPolicies } from '../db/schema/index.js';
import type { Rng } from './demo.js';
import { AGENTS, DUTY_MANAGER, HANDLERS, MANAGERS } from './demo-staff.js';

/**
 * Demo complaints for `seedDemoData` (demo.ts): about 120 days of intake at a complaint desk,
 * each complaint replayed step by step at its historical instants — timeline rows like
 * the service writes, and SLA clocks started, paused and stopped through the SlaEngine
 * against the business calendar — so deadlines, consumed time and next checks are what
 * the API would have produced. Steps that would fall after `now` have not happened yet,
 * so recent complaints are still open. This module writes no alerts itself: the engine
 * fires those already due when it stops or pauses a clock (as it does for the API), and
 * the scheduler's catch-up tick at start-up fires the ones due on clocks still running.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const CST = 8 * HOUR;
const CHUNK = 500;
/** How far back intake goes. */
const HISTORY_DAYS = 120;

type City = 'SZ' | 'SH' | 'CD';
type MajorReason = 'REPEAT' | 'AUTHORITY_OR_MEDIA' | 'GROUP_COMPLAINT' | 'DISTURBANCE' | 'REFUND_DEMAND';
type ComplaintRow = typeof complaints.$inferSelect;

export type ComplaintSeedInput = {
  now: Date;
  /** Complaints to draw before repeats are added (about 6% more). */
  count: number;
  calendar: CalendarSettings;
  projects: { id: number; city: City; stage: ProjectStage }[];
  customers: { id: number; originProjectId: number; createdAt: Date }[];
  ownerships: { customerId: number; unitId: number; projectId: number; signedAt: Date | null; deliveredAt: Date | null }[];
};

// ---------------------------------------------------------------------------
// What customers complain about

/** Who can raise it: an owner after handover, a buyer before it, any buyer, a prospect (no purchase yet), or anyone. */
type Need = 'DELIVERED' | 'AWAITING' | 'SIGNED' | 'PROSPECT' | 'ANYONE';
/** How long the fix takes once work starts: within the visit, a few days, or a week and more. */
type Effort = 'QUICK' | 'DAYS' | 'LONG';

type Template = {
  category: ComplaintCategory;
  location?: DefectLocation;
  department: Department;
  kinds: readonly (readonly [ComplaintKind, number])[];
  need: Need;
  weight: number;
  text: string;
  resolution: string;
  effort: Effort;
  major?: MajorReason;
};

const FIX: Template['kinds'] = [['REPAIR', 6], ['COMPLAINT', 4]];
const GRIPE: Template['kinds'] = [['COMPLAINT', 1]];
const ASK: Template['kinds'] = [['INQUIRY', 1]];
const IDEA: Template['kinds'] = [['SUGGESTION', 1]];

const eng = (location: DefectLocation, weight: number, effort: Effort, text: string, resolution: string): Template => ({
  category: 'ENGINEERING_QUALITY',
  location,
  department: 'ENGINEERING',
  kinds: FIX,
  need: 'DELIVERED',
  weight,
  text,
  resolution,
  effort,
});

const TEMPLATES: Template[] = [
  // 工程质量
  eng('WATERPROOFING', 6, 'LONG', '卫生间地面渗水至楼下，楼下业主天花板出现水渍', '凿除卫生间地面重做防水层，闭水试验48小时无渗漏，楼下天花板已修复'),
  eng('WATERPROOFING', 4, 'LONG', '{room}飘窗下方墙面返潮，下雨后有明显水迹', '外墙窗框四周重新打胶，室内返潮墙面铲除后重新批荡刷漆'),
  eng('WATERPROOFING', 3, 'LONG', '阳台地漏周边渗水，楼下阳台天花板滴水', '地漏周边凿开重做防水及止水节，闭水试验合格'),
  eng('WATERPROOFING', 2, 'DAYS', '厨房墙角渗水，踢脚线处发霉', '更换墙内渗漏的给水管接头，墙面防霉处理后重新刷漆'),
  eng('WATERPROOFING', 3, 'LONG', '外墙渗水导致{room}墙面涂料起皮脱落', '吊篮施工修补外墙裂缝并做憎水处理，室内墙面修复'),
  eng('WINDOW_DOOR', 4, 'QUICK', '入户门变形无法关闭，门锁需用力才能锁上', '调整入户门合页及锁扣，更换变形门扇密封条，开关顺畅'),
  eng('WINDOW_DOOR', 3, 'QUICK', '客厅推拉门滑轨卡顿，开关困难', '清理轨道并更换推拉门滑轮'),
  eng('WINDOW_DOOR', 3, 'QUICK', '{room}窗户密封条脱落，刮风时漏风并有啸叫声', '更换整樘窗户密封胶条'),
  eng('WINDOW_DOOR', 1, 'DAYS', '阳台玻璃门钢化玻璃自爆，碎玻璃散落一地', '更换钢化玻璃，排查同批次玻璃无异常'),
  eng('WINDOW_DOOR', 2, 'QUICK', '{room}窗户执手松动，无法锁闭', '更换窗户执手及传动器'),
  eng('WALL_BEAM', 3, 'DAYS', '{room}墙面出现多条裂缝，最长约1米', '裂缝处开V槽挂网修补，重新批荡刷漆'),
  eng('WALL_BEAM', 2, 'DAYS', '{room}墙面空鼓，敲击有空响', '铲除空鼓部位重新抹灰找平并刷漆'),
  eng('FLOOR_ROOF_CEILING', 2, 'DAYS', '客厅木地板起拱变形', '拆除起拱地板，处理地面潮气后重新铺设'),
  eng('FLOOR_ROOF_CEILING', 2, 'QUICK', '卫生间吊顶下沉，扣板脱落', '加固吊顶龙骨并更换扣板'),
  eng('FLOOR_ROOF_CEILING', 3, 'DAYS', '客厅地砖空鼓开裂', '更换开裂地砖并重新灌浆'),
  eng('PLUMBING', 3, 'QUICK', '厨房下水管堵塞，洗菜盆排水缓慢', '疏通厨房排水立管，清出施工遗留砂浆块'),
  eng('PLUMBING', 3, 'QUICK', '卫生间马桶下水不畅，反味严重', '重新安装马桶并更换法兰密封圈'),
  eng('PLUMBING', 2, 'QUICK', '热水器进水管接口漏水', '更换热水器进水软管及接头'),
  eng('PLUMBING', 2, 'QUICK', '阳台洗衣机地漏返水', '疏通排水管并更换防返水地漏'),
  eng('ELECTRICAL', 3, 'QUICK', '厨房插座无电，检查空开正常', '排查发现线盒内接线松脱，重新接线后通电正常'),
  eng('ELECTRICAL', 2, 'QUICK', '卫生间浴霸开启后跳闸', '更换漏电的浴霸电源线，绝缘检测合格'),
  eng('ELECTRICAL', 2, 'DAYS', '入户弱电箱网络不通，光纤未接入', '协调运营商完成光纤入户并测试网络'),
  eng('ELECTRICAL', 1, 'QUICK', '客厅开关接线错误，控制的是餐厅灯', '重新调整开关接线'),
  eng('FIXTURES', 2, 'QUICK', '橱柜柜门铰链脱落，柜门下垂', '更换橱柜铰链并调整柜门'),
  eng('FIXTURES', 2, 'QUICK', '淋浴混水阀漏水，关闭后仍滴水不止', '更换淋浴混水阀阀芯'),
  eng('FIXTURES', 2, 'DAYS', '烟道止逆阀失效，做饭时闻到邻居家油烟味', '更换烟道止逆阀并检查烟道密封'),
  eng('FIXTURES', 2, 'QUICK', '智能门锁指纹识别失灵，频繁报警', '厂家上门更换门锁主板并重新录入指纹'),
  eng('PUBLIC_AREA', 2, 'DAYS', '单元楼道墙面瓷砖脱落，存在安全隐患', '排查楼道空鼓瓷砖并全部重新铺贴'),
  eng('PUBLIC_AREA', 2, 'LONG', '地下车库顶板渗水，车位上方持续滴水', '车库顶板裂缝注浆堵漏，并增设导水槽'),
  // 物业服务
  { category: 'PROPERTY_MANAGEMENT', department: 'PROPERTY', kinds: GRIPE, need: 'DELIVERED', weight: 3, effort: 'QUICK', text: '楼上装修超时施工，晚上9点后仍在电钻作业', resolution: '物业上门劝停，约谈施工队并告知装修管理规定' },
  { category: 'PROPERTY_MANAGEMENT', department: 'PROPERTY', kinds: GRIPE, need: 'DELIVERED', weight: 3, effort: 'DAYS', text: '电梯频繁故障，本周已发生一次困人', resolution: '维保单位更换电梯门机板，维保频次加密至每周一次' },
  { category: 'PROPERTY_MANAGEMENT', department: 'PROPERTY', kinds: GRIPE, need: 'DELIVERED', weight: 2, effort: 'DAYS', text: '地下车库照明多处损坏，夜间行车不安全', resolution: '更换车库损坏灯具28套，增加夜间巡查' },
  { category: 'PROPERTY_MANAGEMENT', department: 'PROPERTY', kinds: GRIPE, need: 'DELIVERED', weight: 2, effort: 'QUICK', text: '垃圾清运不及时，单元门口异味严重', resolution: '清运调整为每日两次，垃圾桶清洗消毒' },
  { category: 'PROPERTY_MANAGEMENT', department: 'PROPERTY', kinds: [['REPAIR', 1], ['COMPLAINT', 1]], need: 'DELIVERED', weight: 2, effort: 'QUICK', text: '单元门禁无法识别业主卡，多次报修未处理', resolution: '重新授权门禁卡并升级门禁读卡器' },
  { category: 'PROPERTY_MANAGEMENT', department: 'PROPERTY', kinds: GRIPE, need: 'DELIVERED', weight: 2, effort: 'QUICK', text: '外来车辆随意停放，占用消防通道', resolution: '加强门岗管控，消防通道加装隔离桩' },
  { category: 'PROPERTY_MANAGEMENT', department: 'PROPERTY', kinds: GRIPE, need: 'DELIVERED', weight: 1, effort: 'DAYS', text: '小区绿化长期无人修剪，蚊虫较多', resolution: '完成全区绿化修剪并开展灭蚊消杀' },
  { category: 'PROPERTY_MANAGEMENT', department: 'PROPERTY', kinds: [['COMPLAINT', 1], ['SUGGESTION', 1]], need: 'DELIVERED', weight: 1, effort: 'DAYS', text: '快递柜数量不足，快递堆放在大堂', resolution: '新增快递柜两组，大堂设置临时存放区' },
  { category: 'PROPERTY_MANAGEMENT', department: 'PROPERTY', kinds: GRIPE, need: 'DELIVERED', weight: 1, effort: 'DAYS', text: '物业费账单计费面积与购房合同不一致', resolution: '按产权面积重新出具账单，多收费用已退还' },
  { category: 'PROPERTY_MANAGEMENT', department: 'PROPERTY', kinds: IDEA, need: 'DELIVERED', weight: 1, effort: 'DAYS', text: '建议在小区增设电动车充电桩', resolution: '已纳入下季度社区改造计划，拟新增充电桩40个' },
  { category: 'PROPERTY_MANAGEMENT', department: 'PROPERTY', kinds: IDEA, need: 'DELIVERED', weight: 1, effort: 'QUICK', text: '建议延长会所泳池周末开放时间', resolution: '自下月起周末开放时间延长至21:00' },
  { category: 'PROPERTY_MANAGEMENT', department: 'PROPERTY', kinds: ASK, need: 'DELIVERED', weight: 1, effort: 'QUICK', text: '咨询装修备案手续及允许施工的时间', resolution: '已发送装修管理规定及备案材料清单' },
  // 服务态度
  { category: 'SERVICE_ATTITUDE', department: 'CUSTOMER_SERVICE', kinds: GRIPE, need: 'ANYONE', weight: 2, effort: 'QUICK', text: '400热线多次拨打无人接听，承诺的回电也未兑现', resolution: '已向业主致歉，热线高峰时段增加坐席并落实回电考核' },
  { category: 'SERVICE_ATTITUDE', department: 'CUSTOMER_SERVICE', kinds: GRIPE, need: 'DELIVERED', weight: 2, effort: 'QUICK', text: '维修师傅上门未穿鞋套，施工后未清理现场', resolution: '维修班组通报批评并上门致歉，已安排保洁清理' },
  { category: 'SERVICE_ATTITUDE', department: 'CUSTOMER_SERVICE', kinds: GRIPE, need: 'DELIVERED', weight: 1, effort: 'QUICK', text: '交付现场工作人员态度生硬，对提出的问题敷衍了事', resolution: '项目负责人上门致歉，相关人员已进行服务培训' },
  { category: 'SERVICE_ATTITUDE', department: 'CUSTOMER_SERVICE', kinds: GRIPE, need: 'DELIVERED', weight: 1, effort: 'QUICK', text: '物业前台对报修相互推诿，称不归其管理', resolution: '重申首问负责制，原报修事项已安排专人跟进' },
  // 销售承诺
  { category: 'SALES_PROMISE', department: 'MARKETING', kinds: GRIPE, need: 'DELIVERED', weight: 2, effort: 'DAYS', text: '购房时销售承诺赠送储藏室，交付时未兑现', resolution: '核查认购书及销售录音后，按承诺补签储藏室使用协议' },
  { category: 'SALES_PROMISE', department: 'MARKETING', kinds: GRIPE, need: 'SIGNED', weight: 1, effort: 'DAYS', text: '售楼处宣传的配套学校至今未动工', resolution: '已向业主书面说明教育配套建设进度及政府批复情况' },
  { category: 'SALES_PROMISE', department: 'MARKETING', kinds: GRIPE, need: 'DELIVERED', weight: 1, effort: 'LONG', text: '沙盘展示的园林景观与实际交付不符', resolution: '按展示方案补种乔木并增设景观小品' },
  { category: 'SALES_PROMISE', department: 'MARKETING', kinds: GRIPE, need: 'SIGNED', weight: 1, effort: 'DAYS', text: '购房时承诺的车位优惠价格现在不予认可', resolution: '经核实，按原承诺价格办理车位认购' },
  { category: 'SALES_PROMISE', department: 'MARKETING', kinds: ASK, need: 'AWAITING', weight: 3, effort: 'QUICK', text: '咨询交付时间及交付流程', resolution: '已告知预计交付时间及交付流程，交付前将发送书面通知' },
  { category: 'SALES_PROMISE', department: 'MARKETING', kinds: ASK, need: 'PROSPECT', weight: 2, effort: 'QUICK', text: '咨询下一批次开盘时间及在售户型', resolution: '已告知开盘计划并登记意向户型，开盘前邀约到访' },
  // 设计
  { category: 'DESIGN', department: 'DESIGN', kinds: GRIPE, need: 'DELIVERED', weight: 1, effort: 'LONG', text: '主卧空调外机位过小，无法安装标准外机', resolution: '扩大空调机位护栏并出具安装指导' },
  { category: 'DESIGN', department: 'DESIGN', kinds: GRIPE, need: 'DELIVERED', weight: 1, effort: 'DAYS', text: '厨房烟道位置与橱柜设计冲突，吊柜无法安装', resolution: '调整吊柜尺寸并重新安装' },
  { category: 'DESIGN', department: 'DESIGN', kinds: GRIPE, need: 'DELIVERED', weight: 1, effort: 'DAYS', text: '卫生间无窗，排风不足导致长期潮湿', resolution: '加装大功率排风扇并增设止回阀' },
  { category: 'DESIGN', department: 'DESIGN', kinds: IDEA, need: 'DELIVERED', weight: 1, effort: 'DAYS', text: '建议单元入口增设雨棚', resolution: '设计部已出具雨棚方案，纳入维修基金使用计划' },
  // 其他
  { category: 'OTHER', department: 'CUSTOMER_SERVICE', kinds: ASK, need: 'DELIVERED', weight: 3, effort: 'QUICK', text: '咨询不动产权证办理进度', resolution: '已告知办证进度，预计下月可领取，届时短信通知' },
  { category: 'OTHER', department: 'FINANCE', kinds: ASK, need: 'SIGNED', weight: 1, effort: 'QUICK', text: '咨询公积金贷款放款进度', resolution: '已与银行核实，预计5个工作日内放款' },
  { category: 'OTHER', department: 'FINANCE', kinds: ASK, need: 'SIGNED', weight: 1, effort: 'QUICK', text: '咨询购房发票及契税缴纳', resolution: '已告知开票及缴税流程，发票已邮寄' },
  // 重大投诉
  { category: 'ENGINEERING_QUALITY', location: 'WATERPROOFING', department: 'ENGINEERING', kinds: GRIPE, need: 'DELIVERED', weight: 0.6, effort: 'LONG', major: 'GROUP_COMPLAINT', text: '多户业主联名投诉地下车库大面积渗水，要求限期整改', resolution: '车库顶板全面注浆堵漏，整改方案已向业主代表公示并验收' },
  { category: 'ENGINEERING_QUALITY', location: 'PUBLIC_AREA', department: 'ENGINEERING', kinds: GRIPE, need: 'DELIVERED', weight: 0.5, effort: 'LONG', major: 'AUTHORITY_OR_MEDIA', text: '外墙瓷砖脱落砸坏车辆，业主已在微博发帖曝光', resolution: '赔偿车辆维修费用，外墙空鼓瓷砖全面排查更换，已与业主沟通删帖' },
  { category: 'ENGINEERING_QUALITY', location: 'WATERPROOFING', department: 'ENGINEERING', kinds: GRIPE, need: 'DELIVERED', weight: 0.5, effort: 'LONG', major: 'AUTHORITY_OR_MEDIA', text: '业主向住建局投诉房屋渗水长期未解决', resolution: '重做外墙及窗边防水，向住建局书面回复处理结果' },
  { category: 'SALES_PROMISE', department: 'MARKETING', kinds: GRIPE, need: 'SIGNED', weight: 0.4, effort: 'DAYS', major: 'REFUND_DEMAND', text: '业主以学区承诺未兑现为由要求退房退款', resolution: '法务与业主协商达成补偿方案，业主撤回退房要求' },
  { category: 'PROPERTY_MANAGEMENT', department: 'PROPERTY', kinds: GRIPE, need: 'DELIVERED', weight: 0.4, effort: 'DAYS', major: 'DISTURBANCE', text: '多名业主在物业服务中心聚集，抗议物业费上调', resolution: '召开业主座谈会说明调价依据，暂缓调价并公示收支明细' },
];

const ROOMS = ['主卧', '次卧', '客厅', '书房', '餐厅'];
const SUFFIXES: readonly (readonly [string, number])[] = [
  ['', 5],
  ['，请尽快安排处理', 3],
  ['，希望尽快上门维修', 2],
  ['，已影响正常居住', 1],
  ['，业主情绪较激动', 1],
];

const CHANNELS: readonly (readonly [Channel, number])[] = [
  ['HOTLINE_400', 30], ['WECHAT', 32], ['PHONE', 14], ['VISIT', 7], ['ONSITE', 9], ['EMAIL', 2], ['SMS', 2], ['FORUM', 2], ['LETTER', 1], ['EVENT', 1],
];
/** Channels staffed in office hours only; the rest come in from morning to late evening. */
const OFFICE_CHANNELS = new Set<Channel>(['VISIT', 'ONSITE', 'LETTER', 'EVENT']);
const EVENING_HOURS: readonly (readonly [number, number])[] = [
  [7, 2], [8, 5], [9, 9], [10, 10], [11, 9], [12, 5], [13, 5], [14, 8], [15, 9], [16, 8], [17, 7], [18, 5], [19, 6], [20, 7], [21, 5], [22, 3], [23, 1],
];

// ---------------------------------------------------------------------------
// Notes (the staff are in demo-staff.ts)

const ACCEPT_NOTES = ['已派单，请按时限处理', '业主要求尽快上门', '已电话安抚业主情绪', null, null, null];
const WORK_NOTES = ['已电话联系业主，约定上门查看时间', '现场查看确认问题属实，已制定维修方案', '已联系施工单位安排维修', '需协调材料，已告知业主预计完成时间'];
const PAUSES: readonly (readonly [string, string])[] = [
  ['业主出差，需待其返回后入户维修', '业主已返回，恢复处理'],
  ['等待厂家配件到货', '配件已到货，恢复处理'],
  ['需楼下业主配合开门查看，暂未联系上', '已联系上楼下业主，恢复处理'],
  ['等待业主确认维修方案', '业主已确认方案，恢复处理'],
];
const GOOD_VISITS = ['业主对处理结果满意', '业主表示问题已解决，对响应速度满意', '业主认可维修效果', null, null];
const SO_SO_VISIT = '业主认为处理时间偏长，结果基本认可';
const LOW_VISITS = ['业主反映维修后仍有问题，要求重新处理', '业主对处理结果不认可', '问题复发，业主不满意'];
const REJECTS_ENGINEERING = ['经现场核实，问题系业主自行装修破坏防水层所致，不属于保修范围', '该部位已超过保修期，已告知业主可通过物业有偿维修'];
const REJECTS_ANY = ['诉求不属于本项目，已告知业主联系对应项目', '业主确认问题已自行解决，撤销诉求'];

// ---------------------------------------------------------------------------
// Dates

const cstDate = (d: Date) => new Date(d.getTime() + CST).toISOString().slice(0, 10);
const cstMidnight = (ymd: string) => new Date(Date.parse(`${ymd}T00:00:00Z`) - CST);
const plus = (d: Date, ms: number) => new Date(d.getTime() + ms);

// ---------------------------------------------------------------------------
// Planning (pure: no I/O)

type Action = ComplaintAction | 'escalate' | 'reportEscalation' | 'pause' | 'resume' | 'note';

/** The complaint columns that the SlaEngine reads, as they were right after a step. */
type Snap = { severity: Severity; escalationReportedAt: Date | null; repairAppointmentAt: Date | null; slaPaused: boolean };

type Step = {
  action: Action;
  at: Date;
  actor: string;
  type: string;
  from: ComplaintStatus | null;
  to: ComplaintStatus | null;
  note: string | null;
  data: Record<string, unknown> | null;
  snap: Snap;
};

/** A planned step, before it is checked against the lifecycle and `now`. */
type Planned = {
  action: Action;
  at: Date;
  actor: string;
  note?: string | null;
  data?: Record<string, unknown> | null;
  /** Column changes of the step (as the service's `change`). */
  set?: Partial<Fields>;
};

type Fields = {
  status: ComplaintStatus;
  severity: Severity;
  majorReason: MajorReason | null;
  department: Department | null;
  handlerId: string | null;
  slaPaused: boolean;
  escalatedAt: Date | null;
  escalationReportedAt: Date | null;
  rejectReason: string | null;
  reopenCount: number;
  acceptedAt: Date | null;
  resolvedAt: Date | null;
  returnVisitedAt: Date | null;
  closedAt: Date | null;
  returnVisitScore: number | null;
  resolution: string | null;
  repairAppointmentAt: Date | null;
  updatedAt: Date;
};

type Draft = {
  receivedAt: Date;
  template: Template;
  kind: ComplaintKind;
  channel: Channel;
  description: string;
  attachments: string[];
  customerId: number;
  projectId: number;
  unitId: number | null;
  city: City;
  firstResponderId: string;
  initialSeverity: Severity;
  /** Set on generated repeats: escalated as a repeat complaint. */
  escalateAsRepeat: boolean;
  fields: Fields;
  steps: Step[];
  /** When it was rejected, if it was (repeats only count earlier complaints not rejected by then). */
  rejectedAt: Date | null;
};

const LIFECYCLE = new Set<Action>(['accept', 'start', 'resolve', 'returnVisitOk', 'returnVisitReopen', 'close', 'reopen', 'reject']);
const OPEN = new Set<ComplaintStatus>(OPEN_STATUSES);

const EVENT_TYPE: Partial<Record<Action, string>> = {
  returnVisitOk: 'RETURN_VISITED',
  returnVisitReopen: 'RETURN_VISIT_REOPENED',
  escalate: 'ESCALATED',
  reportEscalation: 'ESCALATION_REPORTED',
  pause: 'SLA_PAUSED',
  resume: 'SLA_RESUMED',
  note: 'NOTE',
};

/**
 * Applies planned steps in time order, like the service would have at those instants:
 * lifecycle steps must be allowed transitions (a planning bug throws), side steps
 * (escalation, pause, notes) are dropped when no longer possible, and nothing at or
 * after `now` happens.
 */
function replay(d: Draft, planned: Planned[], now: Date): void {
  const f = d.fields;
  let last = (d.steps.at(-1)?.at ?? d.receivedAt).getTime();
  const ordered = planned.map((p, i) => ({ p, i })).sort((a, b) => a.p.at.getTime() - b.p.at.getTime() || a.i - b.i);
  for (const { p } of ordered) {
    // Strictly after the previous step, so the timeline order is the order of events.
    const at = new Date(Math.max(p.at.getTime(), last + 1000));
    if (at.getTime() >= now.getTime()) break;
    let to: ComplaintStatus | null = null;
    if (LIFECYCLE.has(p.action)) {
      to = nextStatus(f.status, p.action as ComplaintAction);
      if (!to) throw new Error(`demo complaint plan: ${p.action} is not allowed from ${f.status}`);
    } else if (p.action === 'escalate') {
      if (!OPEN.has(f.status) || f.severity === 'MAJOR') continue;
    } else if (p.action === 'reportEscalation') {
      if (!OPEN.has(f.status) || f.severity !== 'MAJOR' || f.escalationReportedAt) continue;
    } else if (p.action === 'pause') {
      if (!OPEN.has(f.status) || f.slaPaused) continue;
    } else if (p.action === 'resume') {
      if (!OPEN.has(f.status) || !f.slaPaused) continue;
    }
    const from = f.status;
    Object.assign(f, p.set ?? {});
    if (p.action === 'escalate') f.escalatedAt = at;
    if (p.action === 'reportEscalation') f.escalationReportedAt = at;
    if (p.action === 'accept') f.acceptedAt = at;
    if (p.action === 'resolve') f.resolvedAt = at;
    if (p.action === 'returnVisitOk' || p.action === 'returnVisitReopen') f.returnVisitedAt = at;
    if (p.action === 'returnVisitReopen') f.reopenCount += 1;
    if (p.action === 'close') f.closedAt = at;
    if (p.action === 'reject') d.rejectedAt = at;
    if (to) f.status = to;
    f.updatedAt = at;
    last = at.getTime();
    d.steps.push({
      action: p.action,
      at,
      actor: p.actor,
      type: EVENT_TYPE[p.action] ?? to ?? p.action.toUpperCase(),
      from: to ? from : null,
      to,
      note: p.note ?? null,
      data: p.data ?? null,
      snap: { severity: f.severity, escalationReportedAt: f.escalationReportedAt, repairAppointmentAt: f.repairAppointmentAt, slaPaused: f.slaPaused },
    });
  }
}

/** Plans the life of one complaint from its receipt; `replay` then keeps what happened before `now`. */
function live(rng: Rng, d: Draft, cal: BusinessCalendar, now: Date): void {
  const t = d.template;
  const agent = d.firstResponderId;
  const handler = rng.pick(HANDLERS[t.department][d.city]);
  const manager = MANAGERS[d.city];
  const work = (from: Date, minMinutes: number, maxMinutes: number) => cal.addWorking(from, rng.int(minMinutes, maxMinutes) * MINUTE);
  const planned: Planned[] = [];
  const chain: Planned[] = [];

  // 受理: most within the working day the acceptance clock gives, a few late.
  const acceptAt = work(d.receivedAt, ...rng.weighted<[number, number]>([[[10, 300], 82], [[300, 520], 12], [[560, 1300], 6]]));
  const rejectable = d.initialSeverity === 'NORMAL' && !d.escalateAsRepeat && d.kind !== 'INQUIRY';
  const rejected = rejectable && rng.chance(0.03);
  const rejectReason = rng.pick(t.category === 'ENGINEERING_QUALITY' && rng.chance(0.7) ? REJECTS_ENGINEERING : REJECTS_ANY);
  if (rejected && rng.chance(0.65)) {
    chain.push({ action: 'reject', at: acceptAt, actor: agent, note: rejectReason, data: { reason: rejectReason }, set: { rejectReason } });
  } else {
    const repair = d.kind === 'REPAIR';
    // Most repairs get an appointment (上门时间) in the next working hours, on the half hour;
    // the others are fixed by the technician on duty without one.
    let appointment: Date | null = null;
    if (repair && rng.chance(0.7)) {
      const slot = work(acceptAt, 60, 14 * 60);
      appointment = new Date(Math.floor(slot.getTime() / (30 * MINUTE)) * 30 * MINUTE);
    }
    chain.push({
      action: 'accept',
      at: acceptAt,
      actor: agent,
      note: rng.pick(ACCEPT_NOTES),
      data: { department: t.department, handlerId: handler },
      set: { department: t.department, handlerId: handler, ...(appointment ? { repairAppointmentAt: appointment } : {}) },
    });
    if (rejected) {
      chain.push({ action: 'reject', at: work(acceptAt, 30, 600), actor: agent, note: rejectReason, data: { reason: rejectReason }, set: { rejectReason } });
    } else {
      const quick = d.kind === 'INQUIRY' || (d.kind === 'SUGGESTION' && t.effort === 'QUICK');
      let started = acceptAt;
      if (d.kind !== 'INQUIRY' && d.kind !== 'SUGGESTION') {
        // The repair visit clock allows 10 minutes past the appointment; most arrive in time.
        started = appointment
          ? plus(appointment, (rng.chance(0.9) ? rng.int(-10, 7) : rng.int(11, 45)) * MINUTE + rng.int(0, 59) * 1000)
          : work(acceptAt, 20, 600);
        if (started.getTime() <= acceptAt.getTime()) started = plus(acceptAt, 5 * MINUTE);
        chain.push({ action: 'start', at: started, actor: handler, note: rng.chance(0.3) ? rng.pick(WORK_NOTES) : null });
        if (rng.chance(0.25)) planned.push({ action: 'note', at: work(started, 30, 300), actor: handler, note: rng.pick(WORK_NOTES) });
        if (t.category === 'ENGINEERING_QUALITY' && rng.chance(0.07)) {
          const [why, back] = rng.pick(PAUSES);
          const pausedAt = work(started, 30, 300);
          const resumedAt = cal.addWorking(plus(pausedAt, rng.int(1, 6) * DAY), rng.int(0, 120) * MINUTE);
          chain.push({ action: 'pause', at: pausedAt, actor: handler, note: why, set: { slaPaused: true } });
          chain.push({ action: 'resume', at: resumedAt, actor: handler, note: back, set: { slaPaused: false } });
          started = resumedAt;
        }
      }
      const fixTime = (from: Date, effort: Effort) =>
        effort === 'QUICK' || quick
          ? work(from, 30, quick ? 300 : 480)
          : cal.addWorking(plus(from, (effort === 'DAYS' ? rng.int(18, 90) : rng.int(40, 130)) * HOUR), rng.int(0, 120) * MINUTE);
      const resolvedAt = d.kind === 'SUGGESTION' && t.effort !== 'QUICK' ? work(started, 9 * 60, 45 * 60) : fixTime(started, t.effort);
      chain.push({ action: 'resolve', at: resolvedAt, actor: handler, data: { resolution: t.resolution }, set: { resolution: t.resolution } });

      // 回访: within the return-visit clock (1 calendar day for repairs, 3 working days otherwise), a few late.
      const visitAfter = (from: Date) =>
        repair
          ? work(from, ...rng.weighted<[number, number]>([[[20, 240], 93], [[540, 1200], 7]]))
          : work(from, ...rng.weighted<[number, number]>([[[30, 1200], 95], [[1700, 2700], 5]]));
      const visitedAt = visitAfter(resolvedAt);
      const score = rng.weighted([[5, 55], [4, 30], [3, 8], [2, 5], [1, 2]] as const);
      if (score <= REOPEN_SCORE) {
        const low = rng.pick(LOW_VISITS);
        chain.push({ action: 'returnVisitReopen', at: visitedAt, actor: agent, note: low, data: { satisfaction: score }, set: { returnVisitScore: score } });
        // 挽回: worked again, resolved, visited again.
        const again = work(visitedAt, 60, 480);
        const second = `二次处理：${t.resolution}`;
        const resolvedAgain = fixTime(again, t.effort === 'LONG' ? 'DAYS' : t.effort);
        const secondScore = rng.weighted([[5, 30], [4, 55], [3, 15]] as const);
        chain.push({ action: 'start', at: again, actor: handler, note: '已重新安排处理' });
        chain.push({ action: 'resolve', at: resolvedAgain, actor: handler, data: { resolution: second }, set: { resolution: second } });
        const visitedAgain = visitAfter(resolvedAgain);
        chain.push({ action: 'returnVisitOk', at: visitedAgain, actor: agent, note: secondScore === 3 ? SO_SO_VISIT : '二次回访，业主认可处理结果', data: { satisfaction: secondScore }, set: { returnVisitScore: secondScore } });
        chain.push({ action: 'close', at: work(visitedAgain, 5, 90), actor: agent });
      } else {
        chain.push({ action: 'returnVisitOk', at: visitedAt, actor: agent, note: score === 3 ? SO_SO_VISIT : rng.pick(GOOD_VISITS), data: { satisfaction: score }, set: { returnVisitScore: score } });
        chain.push({ action: 'close', at: work(visitedAt, 5, 90), actor: agent });
      }
    }
  }

  // A few cases stall: nobody takes the next step (they show up as overdue).
  if (rng.chance(0.03) && chain.length > 1) chain.length = rng.int(1, Math.min(3, chain.length - 1));
  // Keep the chain in order even where random delays would overlap.
  for (let i = 1; i < chain.length; i++) {
    const prev = chain[i - 1]!.at.getTime();
    if (chain[i]!.at.getTime() <= prev) chain[i]!.at = new Date(prev + rng.int(5, 60) * MINUTE);
  }
  planned.push(...chain);

  // Major complaints are reported up within the 24-hour escalation clock, mostly.
  const report = (from: Date) =>
    planned.push({
      action: 'reportEscalation',
      at: plus(from, (rng.chance(0.85) ? rng.int(60, 22 * 60) : rng.int(25 * 60, 40 * 60)) * MINUTE),
      actor: manager,
      note: rng.pick(['已书面上报城市公司客服部', '已上报区域公司并成立专项处理小组', '已电话及书面上报，按重大投诉跟进']),
    });
  if (d.initialSeverity === 'MAJOR') report(d.receivedAt);
  if (d.escalateAsRepeat) {
    const at = work(d.receivedAt, 15, 180);
    planned.push({ action: 'escalate', at, actor: agent, note: '30天内重复投诉，升级为重大投诉', data: { reason: 'REPEAT' }, set: { severity: 'MAJOR', majorReason: 'REPEAT' } });
    report(at);
  }
  replay(d, planned, now);
}

type Pools = {
  delivered: ComplaintSeedInput['ownerships'];
  signed: ComplaintSeedInput['ownerships'];
  signedBy: Map<number, ComplaintSeedInput['ownerships']>;
  stageOf: Map<number, { city: City; stage: ProjectStage }>;
};

/** Who raises a complaint of this template at `at`, or null when nobody could. */
function chooseParty(rng: Rng, t: Template, at: Date, input: ComplaintSeedInput, pools: Pools) {
  const time = at.getTime();
  const bought = (customerId: number) => (pools.signedBy.get(customerId) ?? []).filter((o) => o.signedAt!.getTime() < time);
  if (t.need === 'ANYONE' || t.need === 'PROSPECT') {
    const candidates = input.customers.filter((c) => c.createdAt.getTime() < time && (t.need === 'ANYONE' || bought(c.id).length === 0));
    if (!candidates.length) return null;
    const c = rng.pick(candidates);
    // Owners usually complain about their own project and unit.
    const own = bought(c.id);
    const o = own.length && rng.chance(0.7) ? rng.pick(own) : null;
    return o ? { customerId: c.id, projectId: o.projectId, unitId: o.unitId } : { customerId: c.id, projectId: c.originProjectId, unitId: null };
  }
  let candidates: ComplaintSeedInput['ownerships'];
  if (t.need === 'DELIVERED') {
    // Most defects show up in the first months after handover (磨合期), in the handover project above all.
    const weighted = pools.delivered
      .filter((o) => o.deliveredAt!.getTime() < time - 12 * HOUR)
      .map((o) => {
        const ageDays = (time - o.deliveredAt!.getTime()) / DAY;
        const handover = pools.stageOf.get(o.projectId)?.stage === 'DELIVERY' ? 2 : 1;
        return [o, handover * (1 + 3 * Math.exp(-ageDays / 150))] as const;
      });
    return weighted.length ? pick(rng.weighted(weighted)) : null;
  }
  if (t.need === 'AWAITING') candidates = pools.signed.filter((o) => o.signedAt!.getTime() < time && (o.deliveredAt === null || o.deliveredAt.getTime() > time));
  else candidates = pools.signed.filter((o) => o.signedAt!.getTime() < time);
  return candidates.length ? pick(rng.pick(candidates)) : null;

  function pick(o: ComplaintSeedInput['ownerships'][number]) {
    return { customerId: o.customerId, projectId: o.projectId, unitId: o.unitId };
  }
}

/** A time of day (China) at which the channel brings complaints in, on the China calendar day of `d`. */
function timeOnDay(rng: Rng, channel: Channel, d: Date): Date {
  const hour = OFFICE_CHANNELS.has(channel) ? rng.int(9, 17) : rng.weighted(EVENING_HOURS);
  return plus(cstMidnight(cstDate(d)), hour * HOUR + rng.int(0, 3599) * 1000);
}

function receiptTime(rng: Rng, channel: Channel, now: Date): Date {
  for (;;) {
    // Intake has grown lately (the 海悦府 handover): a bit more in the last month.
    const at = timeOnDay(rng, channel, plus(now, -rng.int(0, rng.chance(0.15) ? 29 : HISTORY_DAYS - 1) * DAY));
    if (at.getTime() < now.getTime() - 10 * MINUTE) return at;
  }
}

function photos(rng: Rng, at: Date): string[] {
  const n = rng.int(1, 3);
  const day = cstDate(at).replaceAll('-', '');
  return Array.from({ length: n }, () => `https://files.example.com/cx/complaints/${day}/${Math.floor(rng.next() * 0xffffffff).toString(16).padStart(8, '0')}.jpg`);
}

function draft(rng: Rng, pools: Pools, t: Template, receivedAt: Date, channel: Channel, party: { customerId: number; projectId: number; unitId: number | null }): Draft {
  const city = pools.stageOf.get(party.projectId)?.city ?? 'SZ';
  const kind = rng.weighted(t.kinds);
  const severity: Severity = t.major ? 'MAJOR' : 'NORMAL';
  const text = t.text.replace('{room}', rng.pick(ROOMS)) + (t.major || kind === 'INQUIRY' || kind === 'SUGGESTION' ? '' : rng.weighted(SUFFIXES));
  return {
    receivedAt,
    template: t,
    kind,
    channel,
    description: text,
    attachments: (channel === 'WECHAT' || channel === 'EMAIL') && t.location && rng.chance(0.45) ? photos(rng, receivedAt) : [],
    ...party,
    city,
    firstResponderId: rng.pick(AGENTS[city]),
    initialSeverity: severity,
    escalateAsRepeat: false,
    fields: {
      status: 'RECEIVED',
      severity,
      majorReason: t.major ?? null,
      department: null,
      handlerId: null,
      slaPaused: false,
      escalatedAt: severity === 'MAJOR' ? receivedAt : null,
      escalationReportedAt: null,
      rejectReason: null,
      reopenCount: 0,
      acceptedAt: null,
      resolvedAt: null,
      returnVisitedAt: null,
      closedAt: null,
      returnVisitScore: null,
      resolution: null,
      repairAppointmentAt: null,
      updatedAt: receivedAt,
    },
    steps: [],
    rejectedAt: null,
  };
}

/** Draws the complaints, their repeats and their histories; sorted by receipt. */
function planComplaints(rng: Rng, input: ComplaintSeedInput, cal: BusinessCalendar): Draft[] {
  const { now } = input;
  const pools: Pools = {
    delivered: input.ownerships.filter((o) => o.deliveredAt !== null),
    signed: input.ownerships.filter((o) => o.signedAt !== null),
    signedBy: new Map(),
    stageOf: new Map(input.projects.map((p) => [p.id, { city: p.city, stage: p.stage }])),
  };
  for (const o of pools.signed) pools.signedBy.set(o.customerId, [...(pools.signedBy.get(o.customerId) ?? []), o]);
  const templates = TEMPLATES.map((t) => [t, t.weight] as const);
  const drafts: Draft[] = [];
  for (let i = 0; i < input.count; i++) {
    const channel = rng.weighted(CHANNELS);
    const receivedAt = receiptTime(rng, channel, now);
    // A template nobody could have raised at that time (no handover yet) gives way to another.
    for (let attempt = 0; attempt < 8; attempt++) {
      const t = rng.weighted(templates);
      const party = chooseParty(rng, t, receivedAt, input, pools);
      if (!party) continue;
      const d = draft(rng, pools, t, receivedAt, channel, party);
      live(rng, d, cal, now);
      drafts.push(d);
      break;
    }
  }

  // Repeats (重复投诉): the same owner calls again about the same unit and problem within 30 days.
  const repeatable = drafts.filter(
    (d) => d.unitId !== null && d.rejectedAt === null && (d.kind === 'REPAIR' || d.kind === 'COMPLAINT') && ['ENGINEERING_QUALITY', 'PROPERTY_MANAGEMENT'].includes(d.template.category),
  );
  const wanted = Math.round(drafts.length * 0.06);
  for (let n = 0; n < wanted && repeatable.length; n++) {
    const original = repeatable.splice(rng.int(0, repeatable.length - 1), 1)[0]!;
    const channel = rng.weighted(CHANNELS);
    const receivedAt = timeOnDay(rng, channel, plus(original.receivedAt, rng.int(2, 25) * DAY));
    if (receivedAt.getTime() >= now.getTime() - HOUR) continue;
    const d = draft(rng, pools, original.template, receivedAt, channel, { customerId: original.customerId, projectId: original.projectId, unitId: original.unitId });
    d.kind = 'COMPLAINT';
    const fixed = original.fields.resolvedAt !== null && original.fields.resolvedAt.getTime() < receivedAt.getTime();
    d.description = fixed ? `维修后问题复发：${original.description}，要求彻底解决` : `再次来电催促：${original.description}，至今未处理完毕`;
    d.escalateAsRepeat = d.initialSeverity === 'NORMAL' && rng.chance(0.35);
    live(rng, d, cal, now);
    drafts.push(d);
  }

  // A couple of cases wait on the customer right now (SLA paused), whatever the draw gave.
  const pausedNow = drafts.filter((d) => d.fields.slaPaused).length;
  const waiting = drafts
    .filter((d) => (d.fields.status === 'IN_PROGRESS' || d.fields.status === 'ACCEPTED') && !d.fields.slaPaused && d.template.department !== 'FINANCE')
    .sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime());
  for (const d of waiting.slice(0, Math.max(0, 2 - pausedNow))) {
    const since = (d.steps.at(-1)?.at ?? d.receivedAt).getTime();
    const at = new Date(since + Math.floor((now.getTime() - since) * (0.2 + 0.6 * rng.next())));
    const [why] = rng.pick(PAUSES);
    replay(d, [{ action: 'pause', at, actor: d.fields.handlerId ?? d.firstResponderId, note: why, set: { slaPaused: true } }], now);
  }
  return drafts.map((d, i) => ({ d, i })).sort((a, b) => a.d.receivedAt.getTime() - b.d.receivedAt.getTime() || a.i - b.i).map(({ d }) => d);
}

/**
 * The earlier complaint each one repeats, by the service's rule: the latest earlier one of
 * the same customer, unit and category within the repeat window, not rejected by then.
 */
function repeatsOf(drafts: Draft[]): (number | null)[] {
  const window = REPEAT_WINDOW_DAYS * DAY;
  const byKey = new Map<string, number[]>();
  return drafts.map((d, i) => {
    const key = `${d.customerId}|${d.unitId ?? ''}|${d.template.category}`;
    const earlier = byKey.get(key) ?? [];
    let found: number | null = null;
    for (let j = earlier.length - 1; j >= 0; j--) {
      const o = drafts[earlier[j]!]!;
      const t = d.receivedAt.getTime();
      if (o.receivedAt.getTime() >= t) continue;
      if (o.receivedAt.getTime() < t - window) break;
      if (o.rejectedAt && o.rejectedAt.getTime() <= t) continue;
      found = earlier[j]!;
      break;
    }
    earlier.push(i);
    byKey.set(key, earlier);
    return found;
  });
}

// ---------------------------------------------------------------------------
// Insert

/** Whether a clock applies to the complaint at all (the SlaEngine's rule). */
function applies(snap: Snap, kind: SlaClockKind): boolean {
  if (kind === 'ESCALATION_REPORT') return snap.severity === 'MAJOR' && !snap.escalationReportedAt;
  if (kind === 'REPAIR_VISIT') return snap.repairAppointmentAt !== null;
  return true;
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/**
 * Loads demo complaints in the caller's transaction (after customers and units) and
 * returns how many. Numbers continue the per-year counters; SLA targets come from the
 * active policies; clocks are driven through the SlaEngine at each step's instant.
 */
export async function seedComplaints(tx: Tx, rng: Rng, input: ComplaintSeedInput): Promise<number> {
  if (input.count <= 0 || input.customers.length === 0) return 0;
  const cal = await new CalendarStore(input.calendar).get(tx);
  const policies = await tx.select().from(slaPolicies).where(eq(slaPolicies.active, true));
  const counters = new Map((await tx.select().from(complaintNumberCounters)).map((r) => [r.year, r.last]));

  const drafts = planComplaints(rng, input, cal);
  if (!drafts.length) return 0;
  const repeatOf = repeatsOf(drafts);

  // Numbers in order of receipt, per receipt year in the business time zone (as the service
  // numbers them), after any already issued.
  const numbers = drafts.map((d) => {
    const year = Number(cal.localDate(d.receivedAt).slice(0, 4));
    const last = (counters.get(year) ?? 0) + 1;
    counters.set(year, last);
    return complaintNumber(year, last);
  });
  const policyOf = drafts.map((d) => choosePolicy(policies, { kind: d.kind, category: d.template.category, severity: d.initialSeverity }));

  const rowByNumber = new Map<string, ComplaintRow>();
  const indexes = drafts.map((_, i) => i);
  for (const chunk of chunks(indexes)) {
    const inserted = await tx
      .insert(complaints)
      .values(
        chunk.map((i) => {
          const d = drafts[i]!;
          const policy = policyOf[i] ?? null;
          const { status, updatedAt, ...f } = d.fields;
          return {
            ...f,
            number: numbers[i]!,
            customerId: d.customerId,
            projectId: d.projectId,
            unitId: d.unitId,
            kind: d.kind,
            category: d.template.category,
            defectLocation: d.template.location ?? null,
            channel: d.channel,
            description: d.description,
            attachments: d.attachments,
            status,
            firstResponderId: d.firstResponderId,
            slaPolicyId: policy?.id ?? null,
            slaTargets: policy?.clocks ?? [],
            receivedAt: d.receivedAt,
            createdAt: d.receivedAt,
            updatedAt,
          };
        }),
      )
      .returning();
    for (const r of inserted) rowByNumber.set(r.number, r);
  }
  const rows = numbers.map((n) => rowByNumber.get(n)!);
  const idOf = (i: number) => rows[i]!.id;

  const repeats = repeatOf.flatMap((r, i) => (r === null ? [] : [sql`(${idOf(i)}::bigint, ${idOf(r)}::bigint)`]));
  if (repeats.length) {
    await tx.execute(
      sql`update ${complaints} set repeat_of_id = v.original from (values ${sql.join(repeats, sql`, `)}) as v(id, original) where ${complaints.id} = v.id`,
    );
  }

  // Timeline rows of the steps first, so that at equal instants they precede the clock events the engine writes.
  const events: (typeof complaintEvents.$inferInsert)[] = [];
  drafts.forEach((d, i) => {
    const id = idOf(i);
    events.push({
      complaintId: id,
      type: 'RECEIVED',
      toStatus: 'RECEIVED',
      actorId: d.firstResponderId,
      at: d.receivedAt,
      data: { channel: d.channel, severity: d.initialSeverity, policy: policyOf[i]?.name ?? null },
    });
    const r = repeatOf[i];
    if (r !== null && r !== undefined) events.push({ complaintId: id, type: 'REPEAT_FLAGGED', actorId: null, at: d.receivedAt, data: { repeatOf: toGlobalId('Complaint', idOf(r)) } });
    for (const s of d.steps) {
      events.push({ complaintId: id, type: s.type, fromStatus: s.from, toStatus: s.to, actorId: s.actor, note: s.note, data: s.data, at: s.at });
    }
  });
  for (const chunk of chunks(events)) await tx.insert(complaintEvents).values(chunk);

  // Clocks, step by step at the historical instants, as the service drives them. Engine calls
  // that would change nothing (stopping clocks none of which is open, starting clocks the policy
  // lacks or that do not apply) are skipped: they only cost statements.
  for (let i = 0; i < drafts.length; i++) {
    const d = drafts[i]!;
    const row = rows[i]!;
    const as = (snap: Snap): ComplaintRow => ({ ...row, ...snap });
    const open = new Set<SlaClockKind>();
    const start = async (engine: SlaEngine, snap: Snap, kinds: SlaClockKind[], at: Date) => {
      const starting = kinds.filter((k) => !open.has(k) && row.slaTargets.some((t) => t.clock === k) && applies(snap, k));
      if (!starting.length) return;
      await engine.start(as(snap), starting, at);
      for (const k of starting) open.add(k);
    };
    const stop = async (engine: SlaEngine, kinds: SlaClockKind[], at: Date) => {
      const stopping = kinds.filter((k) => open.has(k));
      if (!stopping.length) return;
      await engine.stop(row.id, stopping, at);
      for (const k of stopping) open.delete(k);
    };
    // One engine per actor of the complaint, as each step of the service has its viewer's.
    const engines = new Map<string, SlaEngine>();
    const engineOf = (actor: string) => engines.get(actor) ?? engines.set(actor, new SlaEngine(tx, cal, actor)).get(actor)!;
    const created: Snap = { severity: d.initialSeverity, escalationReportedAt: null, repairAppointmentAt: null, slaPaused: false };
    await start(engineOf(d.firstResponderId), created, [...CLOCK_EFFECTS.create.start, 'ESCALATION_REPORT', 'REPAIR_VISIT'], d.receivedAt);
    await engineOf(d.firstResponderId).flush();
    for (const s of d.steps) {
      const engine = engineOf(s.actor);
      const effects: { start: SlaClockKind[]; stop: SlaClockKind[] } | null =
        LIFECYCLE.has(s.action) || s.action === 'escalate' || s.action === 'reportEscalation'
          ? CLOCK_EFFECTS[s.action as keyof typeof CLOCK_EFFECTS]
          : null;
      if (effects) {
        await stop(engine, effects.stop, s.at);
        await start(engine, s.snap, effects.start, s.at);
      }
      // The service also stops the repair-visit window when an appointment moves; here the
      // appointment is first set on acceptance, so there is no earlier window to stop.
      if (s.action === 'accept' && s.snap.repairAppointmentAt) await start(engine, s.snap, ['REPAIR_VISIT'], s.at);
      if (s.action === 'escalate') await engine.escalateBreached(as(s.snap), s.at);
      if (s.action === 'pause') await engine.pauseAll(row.id, s.at);
      if (s.action === 'resume') await engine.resumeAll(as(s.snap), s.at);
      // Each engine keeps its timeline entries until flushed: write them in step order.
      await engine.flush();
    }
    // One next-due refresh per complaint, after its whole history.
    await engineOf(d.firstResponderId).finish(row.id);
  }

  await tx
    .insert(complaintNumberCounters)
    .values([...counters].map(([year, last]) => ({ year, last })))
    .onConflictDoUpdate({ target: complaintNumberCounters.year, set: { last: sql`excluded.last` } });
  // History is replayed without a scheduler running, so the engine fires these alerts when a
  // clock stops or pauses. A live scheduler would have fired them at their moments, and the
  // desk would have acknowledged those of finished cases: make the history look like that.
  await tx.update(slaAlerts).set({ firedAt: sql`${slaAlerts.dueAt}`, late: false }).where(isNotNull(slaAlerts.dueAt));
  await tx
    .update(complaintEvents)
    .set({ at: sql`(${complaintEvents.data}->>'dueAt')::timestamptz`, data: sql`jsonb_set(${complaintEvents.data}, '{late}', 'false')` })
    .where(sql`${complaintEvents.type} = 'ALERT_FIRED' and ${complaintEvents.data} ? 'dueAt'`);
  await tx
    .update(slaAlerts)
    .set({ acknowledgedAt: sql`${slaAlerts.firedAt} + interval '2 hours'`, acknowledgedBy: DUTY_MANAGER })
    .where(inArray(slaAlerts.complaintId, tx.select({ id: complaints.id }).from(complaints).where(inArray(complaints.status, ['CLOSED', 'REJECTED']))));
  return drafts.length;
}
