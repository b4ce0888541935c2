// `node dist/bench/guard-cost.js [--checks 200000] [--rounds 5]`: the in-memory guard's own cost
// per hook call, in this process, with the defaults (every limit on: 3 phone, 2 user, 2 IP,
// 2 prefix, 2 country and 2 global windows, distinct numbers per prefix) and the benchmark's
// traffic (unique numbers, users and addresses: every check counts in every window, the
// worst case for memory). Prints the CPU time per check of each round and their median; CPU time,
// not wall time, so other work on the machine disturbs it less than the end-to-end benchmarks.
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createGuard, guardSchema, type GuardInput } from '../src/guard/index.js';
import { phoneNumber } from './okta-traffic.js';

const { values } = parseArgs({ options: { checks: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '5' } } });
const checks = Number(values.checks);
const rounds = Number(values.rounds);

const guard = createGuard(guardSchema.parse({
  limits: { country: { max: 1_000_000_000, perSeconds: 3_600 }, global: { max: 1_000_000_000, perSeconds: 3_600 } },
}), { log: pino({ level: 'silent' }) });

let n = 0;
function input(): GuardInput {
  const i = n++;
  return {
    channel: 'sms', requestType: 'mfa-verification',
    dest: { e164: phoneNumber('US', i), country: 'US', type: 'FIXED_LINE_OR_MOBILE', valid: true },
    userId: `00ub${i.toString(36)}`, clientIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  };
}

const perCheckUs: number[] = [];
for (let r = 0; r < rounds; r++) {
  const inputs = Array.from({ length: checks }, input);
  const started = process.cpuUsage();
  for (const x of inputs) {
    const v = await guard.check(x);
    if (!v.allow) throw new Error(`refused: ${JSON.stringify(v)}`);
  }
  const used = process.cpuUsage(started);
  perCheckUs.push(((used.user + used.system) / checks));
  process.stderr.write(`[guard-cost] round ${r + 1}: ${perCheckUs.at(-1)!.toFixed(2)} µs CPU per check\n`);
}
const median = [...perCheckUs].sort((a, b) => a - b)[Math.floor(rounds / 2)]!;
process.stdout.write(`${JSON.stringify({ bench: 'guard-cost', checks, rounds, perCheckUs: perCheckUs.map((v) => Math.round(v * 100) / 100), medianUs: Math.round(median * 100) / 100 })}\n`);
await guard.close();
