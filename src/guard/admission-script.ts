// The Redis side of admission: one Lua script per request, run by EVALSHA (ioredis's
// defineCommand sends the script itself once when Redis answers NOSCRIPT), so a hook call costs
// one round trip whatever the number of limits. Redis runs a script atomically: no other
// command runs between its reads and its writes.
//
// Key layout (unchanged from the rate-limiter-flexible counters before it, so instances of both
// versions count together during a rolling upgrade): a window is a string counter
// `<prefix>:<dimension>:<seconds>s:<key>` that expires with its window, started by the first send
// counted; distinct numbers are a set `<prefix>:distinct:<seconds>s:<range>` expiring likewise.
import type { Redis } from 'ioredis';

/**
 * KEYS[1..n]: one per step; KEYS[n+1], when present: the idempotency key to claim first.
 * ARGV[1]: n; ARGV[2], ARGV[3]: the claim's value and lifetime (ms); then per step i, from ARGV[4i]:
 * kind (`w` window, `d` distinct), max, window length (ms), member (distinct only).
 * Returns {1, 0, added} when everything was counted (added: the distinct steps whose member was
 * new), {0, i, {}} when step i has no room (nothing counted), {2, 0, {}} when the claim is held
 * (nothing counted). A counter holding more than max (a rate-limiter-flexible key, which counted
 * refusals before giving them back) refuses like a full one.
 *
 * Extension point: a block (say a prefix, or a country and channel, whose conversions stopped) is
 * one more kind read in the first loop and not counted in the second:
 *   elseif kind == 'b' then if redis.call('EXISTS', KEYS[i]) == 1 then return {0, i, {}} end
 */
const ADMIT = `
local n = tonumber(ARGV[1])
if #KEYS > n and not redis.call('SET', KEYS[n + 1], ARGV[2], 'PX', ARGV[3], 'NX') then return {2, 0, {}} end
for i = 1, n do
  local a = 4 * i
  local kind, max = ARGV[a], tonumber(ARGV[a + 1])
  if kind == 'w' then
    if tonumber(redis.call('GET', KEYS[i]) or '0') >= max then return {0, i, {}} end
  elseif kind == 'd' then
    if redis.call('SISMEMBER', KEYS[i], ARGV[a + 3]) == 0 and redis.call('SCARD', KEYS[i]) >= max then return {0, i, {}} end
  end
end
local added = {}
for i = 1, n do
  local a = 4 * i
  if ARGV[a] == 'w' then
    if redis.call('INCR', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[a + 2]) end
  elseif ARGV[a] == 'd' and redis.call('SADD', KEYS[i], ARGV[a + 3]) == 1 then
    added[#added + 1] = i
    if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], ARGV[a + 2]) end
  end
end
return {1, 0, added}
`;

/**
 * Takes back what one ADMIT counted, for a request the guard ended up refusing without it (its
 * answer came after the timeout). Per key i, ARGV[2i-1], ARGV[2i]: `w` and the margin (ms) — a
 * window about to end is left alone, since the key may be gone and a new window started — or `d`
 * and the member to remove.
 */
const RELEASE = `
for i = 1, #KEYS do
  local kind, arg = ARGV[2 * i - 1], ARGV[2 * i]
  if kind == 'w' then
    if redis.call('PTTL', KEYS[i]) > tonumber(arg) and tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
  else
    redis.call('SREM', KEYS[i], arg)
  end
end
return 0
`;

export type AdmitReply = [code: number, index: number, added: number[]];

export interface AdmissionScripts {
  admit(keys: string[], args: (string | number)[]): Promise<AdmitReply>;
  release(keys: string[], args: (string | number)[]): Promise<unknown>;
}

interface ScriptedClient {
  byotGuardAdmit(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<AdmitReply>;
  byotGuardRelease(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
}

export function admissionScripts(client: Redis): AdmissionScripts {
  // Without numberOfKeys, the first argument of each call says how many keys follow.
  client.defineCommand('byotGuardAdmit', { lua: ADMIT });
  client.defineCommand('byotGuardRelease', { lua: RELEASE });
  const scripted = client as unknown as ScriptedClient;
  return {
    admit: (keys, args) => scripted.byotGuardAdmit(keys.length, ...keys, ...args),
    release: (keys, args) => scripted.byotGuardRelease(keys.length, ...keys, ...args),
  };
}
