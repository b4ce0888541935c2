import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guardSchema } from '../../src/guard/schema.js';

function issues(input: unknown): string[] {
  const r = guardSchema.safeParse(input);
  assert.equal(r.success, false, 'expected the configuration to be refused');
  return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

test('an absent guard section gives the documented defaults', () => {
  const c = guardSchema.parse(undefined);
  assert.deepEqual(c.numbers, {
    refuseInvalid: true,
    refuseTypes: ['PREMIUM_RATE', 'SHARED_COST', 'TOLL_FREE', 'UAN', 'PAGER', 'VOICEMAIL'],
    allowVoip: true,
  });
  assert.deepEqual(c.countries, { sms: {}, voice: {} });
  assert.deepEqual(c.limits.phone, [{ max: 1, perSeconds: 30 }, { max: 5, perSeconds: 600 }, { max: 10, perSeconds: 86_400 }]);
  assert.deepEqual(c.limits.user, [{ max: 10, perSeconds: 3_600 }, { max: 20, perSeconds: 86_400 }]);
  assert.deepEqual(c.limits.prefix, [{ max: 20, perSeconds: 3_600 }, { max: 100, perSeconds: 86_400 }]);
  assert.deepEqual(c.limits.country, [{ max: 300, perSeconds: 3_600 }, { max: 2_000, perSeconds: 86_400 }]);
  assert.deepEqual(c.limits.countryOverrides, {});
  assert.deepEqual(c.limits.ip, [{ max: 10, perSeconds: 60 }, { max: 50, perSeconds: 3_600 }]);
  assert.deepEqual(c.limits.global, [{ max: 1_000, perSeconds: 3_600 }, { max: 10_000, perSeconds: 86_400 }]);
  assert.deepEqual(c.limits.distinctPerPrefix, { max: 5, perSeconds: 3_600 });
  assert.deepEqual(c.allow, { phones: [], users: [], skipPolicy: false });
  assert.deepEqual(c.store, { failMode: 'open', keyPrefix: 'byot:guard', timeoutMs: 500, retryAfterMs: 5_000, insurance: { enabled: true, instances: 1 } });
  assert.deepEqual(guardSchema.parse({}), c);
});

test('a limit is a window, a list of windows, or false', () => {
  const c = guardSchema.parse({
    limits: { phone: { max: 3, perSeconds: 60 }, user: false, ip: [{ max: 1, perSeconds: 1 }, { max: 2, perSeconds: 10 }], distinctPerPrefix: false },
  });
  assert.deepEqual(c.limits.phone, [{ max: 3, perSeconds: 60 }]);
  assert.equal(c.limits.user, false);
  assert.equal(c.limits.ip && c.limits.ip.length, 2);
  assert.equal(c.limits.distinctPerPrefix, false);
  assert.deepEqual(c.limits.prefix, [{ max: 20, perSeconds: 3_600 }, { max: 100, perSeconds: 86_400 }], 'the others keep their defaults');
});

test('bad windows are refused with what is expected', () => {
  const got = issues({
    limits: {
      phone: { max: 0, perSeconds: 30 },
      user: [{ max: 1, perSeconds: 60 }, { max: 2, perSeconds: 60 }],
      ip: true,
      prefix: [],
      global: { max: 1.5, perSeconds: 60 },
      country: { max: 1, perSeconds: 40 * 86_400 },
      distinctPerPrefix: { max: 5 },
    },
  });
  assert.deepEqual(got, [
    'limits.phone.0.max: expected at least 1 send (use false to turn the limit off)',
    'limits.user: expected each perSeconds at most once',
    'limits.prefix: expected at least one window, or false to turn the limit off',
    'limits.country.0.perSeconds: expected at most 2678400 seconds (31 days)',
    'limits.ip: expected false, { max, perSeconds } or a list of them',
    'limits.global.0.max: expected a whole number of sends',
    'limits.distinctPerPrefix.perSeconds: Invalid input: expected number, received undefined',
  ]);
});

test('countries: allow or deny per channel, upper-cased, known codes only', () => {
  const c = guardSchema.parse({ countries: { sms: { allow: ['us', ' ca '] }, voice: { deny: ['LV', 'SO'] } } });
  assert.deepEqual(c.countries, { sms: { allow: ['US', 'CA'] }, voice: { deny: ['LV', 'SO'] } });
  assert.deepEqual(guardSchema.parse({ countries: { voice: { allow: [] } } }).countries.voice, { allow: [] }, 'an empty allow list turns the channel off');
  assert.deepEqual(issues({ countries: { sms: { allow: ['US'], deny: ['FR'] }, voice: { deny: ['XX', 'USA'] } } }), [
    'countries.sms: expected either allow or deny, not both',
    'countries.voice.deny.0: expected an ISO 3166-1 alpha-2 country code with a telephone numbering plan, e.g. US',
    'countries.voice.deny.1: expected an ISO 3166-1 alpha-2 country code with a telephone numbering plan, e.g. US',
  ]);
  assert.deepEqual(issues({ countries: { sms: { block: ['US'] } } }), ['countries.sms: block: unknown key (expected one of: allow, deny)']);
});

test('country overrides are keyed by country code', () => {
  const c = guardSchema.parse({ limits: { countryOverrides: { us: [{ max: 5_000, perSeconds: 3_600 }], LV: false } } });
  assert.deepEqual(c.limits.countryOverrides, { US: [{ max: 5_000, perSeconds: 3_600 }], LV: false });
  assert.deepEqual(issues({ limits: { countryOverrides: { Narnia: false } } }), [
    'limits.countryOverrides.Narnia: expected an ISO 3166-1 alpha-2 country code with a telephone numbering plan, e.g. US',
  ]);
});

test('number policy: known types only, VOIP in one place', () => {
  assert.deepEqual(guardSchema.parse({ numbers: { allowVoip: false } }).numbers.allowVoip, false);
  assert.deepEqual(issues({ numbers: { refuseTypes: ['VOIP'] } }), ['numbers: expected VOIP either in refuseTypes or allowed by allowVoip, not both']);
  assert.match(issues({ numbers: { refuseTypes: ['PREMIUM'] } })[0]!, /^numbers\.refuseTypes\.0: expected a number type \(MOBILE, FIXED_LINE, /);
});

test('allow overrides: E.164 numbers and non-empty users', () => {
  const c = guardSchema.parse({ allow: { phones: ['+14155550100'], users: ['00u1abcd', 'Jane@Example.com'] } });
  assert.deepEqual(c.allow, { phones: ['+14155550100'], users: ['00u1abcd', 'Jane@Example.com'], skipPolicy: false });
  assert.deepEqual(issues({ allow: { phones: ['4155550100'], users: [' '] } }), [
    'allow.phones.0: expected an E.164 number, e.g. +14155550100',
    'allow.users.0: expected a userId or login',
  ]);
});

test('store: fail mode and insurance', () => {
  const c = guardSchema.parse({ store: { failMode: 'closed', insurance: { instances: 3 } } });
  assert.equal(c.store.failMode, 'closed');
  assert.deepEqual(c.store.insurance, { enabled: true, instances: 3 });
  assert.deepEqual(issues({ store: { failMode: 'maybe' } }), ['store.failMode: expected open or closed']);
});
