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
 * KEYS[1..n]: one per counter step; KEYS[n+1..n+m]: one per conversion block step; KEYS[n+m+1],
 * when present: the idempotency key to claim first.
 * ARGV[1]: n; ARGV[2]: m; ARGV[3], ARGV[4]: the claim's value and lifetime (ms); ARGV[5..7]: the
 * tracker's now, a block's cooldown and how often an on-going block is renewed (ms); then per
 * counter step i, from ARGV[4i + 4]: kind (`w` window, `d` distinct), max, window length (ms),
 * member (distinct only); then per block step j, from ARGV[4n + 2j + 6]: `e` (enforced) or `m`
 * (monitored), and the block to start ('' when this instance's evidence calls for none).
 *
 * Blocks first: a block that is on (its `until` not passed, not lifted) is renewed to now +
 * cooldown when its scope is enforced or the evidence still calls for it, at most once per
 * renewal period (its `until` tells when it was last written); where none is on and a block is given,
 * it is started. An enforced scope under a block refuses the request before any counter.
 *
 * Returns {code, index, added, blocks, started}: code 1 when everything was counted (added: the
 * distinct steps whose member was new), 0 when counter step `index` has no room, 3 when block step
 * `index` refuses (nothing counted either way), 2 when the claim is held (nothing read or counted).
 * blocks[j]: block j's JSON after the script ('' when none is on); started[j]: 1 when started here.
 * A counter holding more than max (a rate-limiter-flexible key, which counted refusals before
 * giving them back) refuses like a full one.
 */
const ADMIT = `
local n, m = tonumber(ARGV[1]), tonumber(ARGV[2])
if #KEYS > n + m and not redis.call('SET', KEYS[n + m + 1], ARGV[3], 'PX', ARGV[4], 'NX') then return {2, 0, {}, {}, {}} end
local now, cooldown, renew = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local blocks, started, refused = {}, {}, 0
for j = 1, m do
  local key, a = KEYS[n + j], 4 * n + 2 * j + 6
  local enforce, fresh = ARGV[a] == 'e', ARGV[a + 1]
  local value, on = redis.call('GET', key), nil
  if value then
    local ok, b = pcall(cjson.decode, value)
    if ok and type(b) == 'table' and tonumber(b['until']) and tonumber(b['until']) > now then on = b end
  end
  started[j] = 0
  if on then
    if on['lifted'] == nil then
      if (enforce or fresh ~= '') and tonumber(on['until']) - now <= cooldown - renew then
        on['until'] = now + cooldown
        on['mode'] = enforce and 'enforce' or 'monitor'
        if fresh ~= '' then on['evidence'] = cjson.decode(fresh)['evidence'] end
        value = cjson.encode(on)
        redis.call('SET', key, value, 'PX', cooldown)
      end
      if enforce and refused == 0 then refused = j end
    end
  elseif fresh ~= '' then
    value = fresh
    redis.call('SET', key, value, 'PX', cooldown)
    started[j] = 1
    if enforce and refused == 0 then refused = j end
  else
    value = ''
  end
  blocks[j] = value
end
if refused > 0 then return {3, refused, {}, blocks, started} end
for i = 1, n do
  local a = 4 * i + 4
  local kind, max = ARGV[a], tonumber(ARGV[a + 1])
  if kind == 'w' then
    if tonumber(redis.call('GET', KEYS[i]) or '0') >= max then return {0, i, {}, blocks, started} end
  elseif kind == 'd' then
    if redis.call('SISMEMBER', KEYS[i], ARGV[a + 3]) == 0 and redis.call('SCARD', KEYS[i]) >= max then return {0, i, {}, blocks, started} end
  end
end
local added = {}
for i = 1, n do
  local a = 4 * i + 4
  if ARGV[a] == 'w' then
    if redis.call('INCR', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[a + 2]) end
  elseif ARGV[a] == 'd' and redis.call('SADD', KEYS[i], ARGV[a + 3]) == 1 then
    added[#added + 1] = i
    if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], ARGV[a + 2]) end
  end
end
return {1, 0, added, blocks, started}
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

export type AdmitReply = [code: number, index: number, added: number[], blocks: string[], started: number[]];

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
