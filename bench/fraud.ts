// `npm run bench:fraud`: a day of OTP traffic with attacks, driven through the real guard and the
// real hook pipeline (src/pipeline/hook.ts createHook, the code behind POST /okta/telephony) on a
// simulated clock — nothing sleeps. A mock provider accepts every message; a per-country cost
// table prices each send. Verifications reach the guard through guard.recordVerified, the seam
// the Okta verification feed (event hook or System Log) calls.
//
// Traffic (seeded, so every run is the same):
//   - ordinary users: 3,000 users in 7 countries, about 1.3 flows each over the day (sign-in,
//     enrollment, password reset, unlock; 10% by voice), busier by day; 87% type their code after
//     10 s to 4 min; an event reaches us 2 s to 9 min later (so late and out of order); a user
//     whose code was not used retries after 40–90 s (60%);
//   - burst: 4 waves of 500 SMS in 20 minutes to numbers of 3 prefixes of Uzbekistan;
//   - slow: 100 SMS an hour all day to Kyrgyzstan, 1 number per prefix per hour (under every count);
//   - premium-rate voice: 200 calls to UK premium-rate numbers through the day;
//   - rotation: 250 SMS an hour for 8 hours to Azerbaijan, a new user and address every time.
// For each guard setting (`none`: nothing refused; `counts`: today's defaults; `conversion`: the
// defaults plus conversion blocks in enforce mode) it prints a table, then one JSON line.
//
//   node dist/bench/fraud.js [--check]     (--check exits 1 when a target is missed)
import { parseArgs } from 'node:util';
import pino from 'pino';
import { getExampleNumber, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/examples.mobile.json';
import { parseConfigText } from '../src/config/file.js';
import { createGuard, type Guard } from '../src/guard/index.js';
import { createHook } from '../src/pipeline/hook.js';
import { createRouter } from '../src/routing/plan.js';
import { Breaker } from '../src/delivery/breaker.js';
import { createMetrics } from '../src/telemetry/metrics.js';
import { Deadline } from '../src/core/deadline.js';
import { toDestination } from '../src/core/phone.js';
import type { Channel, OtpRequest, RequestType } from '../src/core/domain.js';
import type { DeliveryStore } from '../src/store/types.js';
import type { ProviderAdapter } from '../src/providers/types.js';
import { LIMITS_OFF } from '../test/support/guard.js';

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });

const MIN = 60_000;
const HOUR = 60 * MIN;
const START = Date.UTC(2026, 0, 5, 0, 0, 0);
const OTP_VALIDITY = 5 * MIN;

/** Price of one send, USD, per country and channel (orders of magnitude of public price lists). */
const COST: Record<string, { sms: number; voice: number }> = {
  US: { sms: 0.008, voice: 0.014 }, GB: { sms: 0.04, voice: 0.02 }, DE: { sms: 0.09, voice: 0.03 }, FR: { sms: 0.08, voice: 0.03 },
  IN: { sms: 0.005, voice: 0.02 }, BR: { sms: 0.03, voice: 0.04 }, ES: { sms: 0.07, voice: 0.03 },
  UZ: { sms: 0.26, voice: 0.3 }, KG: { sms: 0.3, voice: 0.3 }, AZ: { sms: 0.25, voice: 0.3 },
};
/** A call to a premium-rate number: the attacker's revenue share is the org's cost. */
const PREMIUM_CALL = 1.5;
const LEGIT_COUNTRIES: [CountryCode, number][] = [['US', 0.35], ['GB', 0.15], ['DE', 0.12], ['FR', 0.1], ['IN', 0.12], ['BR', 0.08], ['ES', 0.08]];

// ─── Deterministic randomness ───────────────────────────────────────────────────────────────────
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const rand = prng(17);
const pick = <T>(list: [T, number][]): T => {
  let r = rand();
  for (const [v, w] of list) if ((r -= w) < 0) return v;
  return list[list.length - 1]![0];
};
const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(rand() * 10)).join('');

/** A valid mobile number of `cc`: the country's example number with its last `free` digits drawn. */
function mobile(cc: CountryCode, free = 7, head?: string): string {
  const example = getExampleNumber(cc, examples)!.number;
  for (;;) {
    const base = head ?? example.slice(0, example.length - free);
    const e164 = base + digits(example.length - base.length);
    const dest = toDestination(e164, cc);
    if (dest?.valid && (dest.type === 'MOBILE' || dest.type === 'FIXED_LINE_OR_MOBILE')) return e164;
  }
}

// ─── The traffic ────────────────────────────────────────────────────────────────────────────────
type Kind = 'legit' | 'burst' | 'slow' | 'premium' | 'rotation';
interface Attempt {
  at: number;
  kind: Kind;
  channel: Channel;
  requestType: RequestType;
  phone: string;
  country: string;
  userId: string;
  clientIp: string;
  /** Ordinary users only: whether they will type the code, and when the event reaches us. */
  user?: { id: number; verifies: boolean; typesAfter: number; eventDelay: number; retries: boolean };
}

function ip(): string {
  return `${10 + Math.floor(rand() * 200)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${1 + Math.floor(rand() * 254)}`;
}

/** Busier by day: the share of a day's traffic starting in each hour (UTC, one region's day). */
const HOURLY = Array.from({ length: 24 }, (_, h) => 0.3 + Math.max(0, Math.sin(((h - 6) / 16) * Math.PI)));
const HOURLY_SUM = HOURLY.reduce((a, b) => a + b, 0);
function daytime(): number {
  const h = pick(HOURLY.map((w, i): [number, number] => [i, w / HOURLY_SUM]));
  return START + h * HOUR + rand() * HOUR;
}

function legitTraffic(): { attempts: Attempt[]; users: number } {
  const attempts: Attempt[] = [];
  const USERS = 3_000;
  for (let u = 0; u < USERS; u++) {
    const cc = pick(LEGIT_COUNTRIES);
    const phone = mobile(cc);
    const address = ip();
    const flows = 1 + (rand() < 0.3 ? 1 : 0);
    for (let f = 0; f < flows; f++) {
      const requestType = pick<RequestType>([['mfa-verification', 0.8], ['pre-enrollment', 0.1], ['password-reset', 0.07], ['account-unlock', 0.03]]);
      attempts.push({
        at: daytime(), kind: 'legit', channel: rand() < 0.1 ? 'voice' : 'sms', requestType, phone, country: cc,
        userId: `00u${String(u).padStart(17, '0')}`, clientIp: address,
        user: userBehaviour(u),
      });
    }
  }
  return { attempts, users: USERS };
}

function userBehaviour(id: number): NonNullable<Attempt['user']> {
  return {
    id,
    verifies: rand() < 0.87,
    typesAfter: 10_000 + rand() * 230_000,
    // Okta's event hook usually within seconds; some events come minutes later (System Log poller).
    eventDelay: rand() < 0.85 ? 2_000 + rand() * 20_000 : 60_000 + rand() * 480_000,
    retries: rand() < 0.6,
  };
}

function attackTraffic(): Attempt[] {
  const out: Attempt[] = [];
  const attacker = (kind: Kind, at: number, phone: string, country: string, channel: Channel = 'sms'): Attempt =>
    ({ at, kind, channel, requestType: 'mfa-verification', phone, country, userId: `00uatk${digits(14)}`, clientIp: ip() });
  // Burst: 3 prefixes (E.164 without the last 4 digits) of Uzbekistan, 4 waves.
  const heads = [0, 1, 2].map(() => mobile('UZ').slice(0, -4));
  for (const wave of [2, 8, 14, 20]) {
    for (let i = 0; i < 500; i++) out.push(attacker('burst', START + wave * HOUR + rand() * 20 * MIN, mobile('UZ', 4, heads[i % 3]), 'UZ'));
  }
  // Slow: Kyrgyzstan, each send to a number of a new prefix.
  for (let i = 0; i < 2_400; i++) out.push(attacker('slow', START + (i / 2_400) * 24 * HOUR + rand() * MIN, mobile('KG', 7), 'KG'));
  // Premium-rate voice.
  for (let i = 0; i < 200; i++) out.push(attacker('premium', START + rand() * 24 * HOUR, `+449098${digits(6)}`, 'GB', 'voice'));
  // Rotation: Azerbaijan, a fresh user and address each time.
  for (let i = 0; i < 2_000; i++) out.push(attacker('rotation', START + 10 * HOUR + (i / 2_000) * 8 * HOUR, mobile('AZ', 7), 'AZ'));
  return out;
}

// ─── A min-heap of events on the simulated clock ────────────────────────────────────────────────
type Event = { at: number; seq: number } & ({ type: 'request'; attempt: Attempt; retry: number } | { type: 'verified'; eventId: string });
class Heap {
  private items: Event[] = [];
  push(e: Event): void {
    const a = this.items;
    a.push(e);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (before(a[p]!, a[i]!)) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): Event | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l]!, a[m]!)) m = l;
        if (r < a.length && before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}
const before = (x: Event, y: Event): boolean => x.at < y.at || (x.at === y.at && x.seq < y.seq);

// ─── One scenario ───────────────────────────────────────────────────────────────────────────────
const GUARDS = {
  none: `guard:
  numbers: { refuseInvalid: false, refuseTypes: [] }
  limits: ${JSON.stringify(LIMITS_OFF)}`,
  counts: 'guard: {}',
  conversion: 'guard:\n  conversion: { mode: enforce }',
} as const;
type Setting = keyof typeof GUARDS;

interface Figures {
  guard: Setting;
  sends: number;
  attackSends: number;
  attackSpend: number;
  legitUsersRefused: number;
  legitUsers: number;
  firstBlockAt?: number;
  byAttack: Record<string, number>;
}

/** An in-memory delivery log: the simulation measures the guard, not the database. */
function memoryStore(): DeliveryStore {
  const none = async (): Promise<never[]> => [];
  return {
    claim: async () => ({ claimed: true }),
    complete: async () => undefined,
    answerOf: async () => undefined,
    recordReceipt: async () => 0,
    summary: none,
    search: none,
    count: async () => 0,
    timeline: none,
    latencyPercentiles: async () => null,
    conversion: none,
    providerStats: none,
    routeStats: none,
    blockCounts: none,
    // The simulation feeds verifications to the guard itself; no Okta events arrive here.
    events: new Proxy({} as DeliveryStore['events'], { get: () => () => Promise.reject(new Error('no Okta events in the simulation')) }),
    audit: new Proxy({} as DeliveryStore['audit'], { get: () => () => Promise.reject(new Error('no admin page in the simulation')) }),
    resends: new Proxy({} as DeliveryStore['resends'], { get: () => () => Promise.reject(new Error('no resends in the simulation')) }),
    // Nor does any provider take feedback: nothing is ever due.
    feedback: { due: none, take: async () => undefined, release: async () => undefined, settle: async () => undefined },
    ping: async () => undefined,
    close: async () => undefined,
  };
}

function mockProvider(): ProviderAdapter {
  let n = 0;
  return {
    name: 'mock', kind: 'console', channels: new Set<Channel>(['sms', 'voice']), timeoutMs: 2_000,
    send: async () => ({ transactionId: `SM${(++n).toString(36)}`, status: 'queued' }),
  };
}

async function scenario(setting: Setting, legit: Attempt[], attacks: Attempt[], legitUsers: number): Promise<Figures> {
  let now = START;
  const clock = (): number => now;
  const config = parseConfigText(`providers:\n  mock: { kind: console }\nstore:\n  hashKey: bench-fraud-0123456789\n${GUARDS[setting]}`, {});
  const log = pino({ level: 'silent' });
  const adapters = new Map([['mock', mockProvider()]]);
  const breakers = new Map([['mock', new Breaker('mock', config.resilience.breaker, () => {}, clock)]]);
  const guard: Guard = createGuard(config.guard, { log, now: clock });
  const hook = createHook({
    config, store: memoryStore(), router: createRouter(config, adapters, breakers), breakers, metrics: createMetrics(),
    guard, hashKey: 'bench-fraud-0123456789', log, now: clock,
  });

  const heap = new Heap();
  let seq = 0;
  for (const attempt of [...legit, ...attacks]) heap.push({ type: 'request', at: attempt.at, seq: seq++, attempt, retry: 0 });
  const f: Figures = { guard: setting, sends: 0, attackSends: 0, attackSpend: 0, legitUsersRefused: 0, legitUsers, byAttack: {} };
  const refusedUsers = new Set<number>();
  let eventNo = 0;

  for (let e = heap.pop(); e; e = heap.pop()) {
    now = e.at;
    if (e.type === 'verified') {
      guard.recordVerified({ eventId: e.eventId });
      continue;
    }
    const a = e.attempt;
    const eventId = `evt${(++eventNo).toString(36).padStart(12, '0')}`;
    const req: OtpRequest = {
      eventId, requestType: a.requestType, channel: a.channel, phone: a.phone, otp: '123456', otpExpires: new Date(now + OTP_VALIDITY),
      locale: 'en', user: { userId: a.userId }, clientIp: a.clientIp, preview: false,
    };
    const { outcome } = await hook(req, new Deadline(performance.now(), 3_000, 200));
    const sent = outcome?.status === 'SUCCESSFUL';
    if (sent) {
      f.sends++;
      if (a.kind !== 'legit') {
        f.attackSends++;
        f.attackSpend += a.kind === 'premium' ? PREMIUM_CALL : COST[a.country]![a.channel];
        f.byAttack[a.kind] = (f.byAttack[a.kind] ?? 0) + 1;
      }
    } else if (a.kind !== 'legit') {
      f.firstBlockAt ??= now;
    } else {
      refusedUsers.add(a.user!.id);
    }
    const u = a.user;
    if (!u) continue;
    if (sent && u.verifies) {
      heap.push({ type: 'verified', at: now + u.typesAfter + u.eventDelay, seq: seq++, eventId });
    } else if (u.retries && e.retry < 2) {
      // The code did not come, or was not used: the user asks again, and this time uses it.
      const again = { ...a, user: { ...u, verifies: rand() < 0.9, retries: rand() < 0.5 } };
      heap.push({ type: 'request', at: now + 40_000 + rand() * 50_000, seq: seq++, attempt: again, retry: e.retry + 1 });
    }
  }
  f.legitUsersRefused = refusedUsers.size;
  await guard.close();
  return f;
}

// ─── Run, print, judge ──────────────────────────────────────────────────────────────────────────
const { attempts: legit, users } = legitTraffic();
const attacks = attackTraffic();
const firstAttack = Math.min(...attacks.map((a) => a.at));
const results: Figures[] = [];
for (const setting of Object.keys(GUARDS) as Setting[]) {
  process.stderr.write(`bench:fraud: guard ${setting}…\n`);
  results.push(await scenario(setting, legit, attacks, users));
}
const none = results[0]!;
const share = (x: number): number => Math.round(x * 10_000) / 10_000;
const rows = results.map((r) => ({
  guard: r.guard,
  sends: r.sends,
  attackSends: r.attackSends,
  attackSpend: Math.round(r.attackSpend * 100) / 100,
  attackSpendStopped: share(none.attackSpend === 0 ? 0 : 1 - r.attackSpend / none.attackSpend),
  legitRefused: share(r.legitUsersRefused / r.legitUsers),
  legitUsersRefused: r.legitUsersRefused,
  minutesToBlock: r.firstBlockAt === undefined ? null : Math.round((r.firstBlockAt - firstAttack) / MIN),
  attackSendsBy: r.byAttack,
}));

const pad = (s: string | number, n: number): string => String(s).padStart(n);
const print = (line: string): void => { process.stdout.write(`${line}\n`); };
print(`a simulated day: ${legit.length} ordinary flows from ${users} users, ${attacks.length} attack requests (burst ${2_000}, slow 2,400, premium voice 200, rotation 2,000)`);
print(`${'guard'.padEnd(12)}${pad('sends', 8)}${pad('attack sends', 14)}${pad('attack $', 10)}${pad('spend stopped', 15)}${pad('legit refused', 15)}${pad('min to block', 14)}`);
for (const r of rows) {
  print(`${r.guard.padEnd(12)}${pad(r.sends, 8)}${pad(r.attackSends, 14)}${pad(r.attackSpend.toFixed(2), 10)}${pad(`${(r.attackSpendStopped * 100).toFixed(1)}%`, 15)}`
    + `${pad(`${r.legitUsersRefused} (${(r.legitRefused * 100).toFixed(2)}%)`, 15)}${pad(r.minutesToBlock ?? '-', 14)}`);
}
for (const r of rows) print(`  ${r.guard}: attack sends by attack ${JSON.stringify(r.attackSendsBy)}`);

const counts = rows[1]!;
const conversion = rows[2]!;
const targets = [
  { target: 'conversion stops >= 95% of attack spend', met: conversion.attackSpendStopped >= 0.95 },
  { target: 'conversion refuses <= 0.5% of legitimate users', met: conversion.legitRefused <= 0.005 },
  { target: 'conversion stops more attack spend than counts', met: conversion.attackSpendStopped > counts.attackSpendStopped + 0.05 },
  { target: 'conversion refuses no more legitimate users than counts', met: conversion.legitUsersRefused <= counts.legitUsersRefused },
];
for (const t of targets) print(`${t.met ? 'MET    ' : 'MISSED '} ${t.target}`);
print(JSON.stringify({
  bench: 'fraud',
  scenarios: rows.map(({ guard, attackSpendStopped, legitRefused, minutesToBlock, sends, attackSends }) => ({ guard, attackSpendStopped, legitRefused, minutesToBlock, sends, attackSends })),
}));
if (values.check && targets.some((t) => !t.met)) process.exitCode = 1;
