import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createGuard, guardSchema, type GuardConfigInput, type GuardInput } from '../../src/guard/index.js';
import { toDestination } from '../../src/core/phone.js';
import type { Channel, Destination, NumberType } from '../../src/core/domain.js';

const log = pino({ level: 'silent' });

function guardWith(config: GuardConfigInput = {}) {
  return createGuard(guardSchema.parse(config), { log });
}

function dest(raw: string): Destination {
  const d = toDestination(raw, 'US');
  assert.ok(d, `${raw} should parse`);
  return d;
}

function input(d: Destination, channel: Channel = 'sms', extra: Partial<GuardInput> = {}): GuardInput {
  return { channel, requestType: 'mfa-verification', dest: d, ...extra };
}

const typed = (type: NumberType, e164 = '+33612345678'): Destination => ({ e164, country: 'FR', type, valid: true });

test('real numbers of refused types are refused by type', async () => {
  const guard = guardWith();
  const cases: [string, string][] = [
    ['+19005550100', 'numbers.type.PREMIUM_RATE'],
    ['+449098790000', 'numbers.type.PREMIUM_RATE'],
    ['+18005550100', 'numbers.type.TOLL_FREE'],
    ['+445512345678', 'numbers.type.UAN'],
    ['+447640123456', 'numbers.type.PAGER'],
  ];
  for (const [raw, rule] of cases) {
    for (const channel of ['sms', 'voice'] as const) {
      assert.deepEqual(await guard.check(input(dest(raw), channel)), { allow: false, rule }, `${raw} by ${channel}`);
    }
  }
  assert.deepEqual(await guard.check(input(dest('+33612345678'))), { allow: true });
  await guard.close();
});

test('every default refused type is refused; the others pass', async () => {
  const guard = guardWith({ limits: { phone: false, prefix: false, distinctPerPrefix: false } });
  const refused: NumberType[] = ['PREMIUM_RATE', 'SHARED_COST', 'TOLL_FREE', 'UAN', 'PAGER', 'VOICEMAIL'];
  const passed: NumberType[] = ['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE', 'VOIP', 'PERSONAL_NUMBER', 'UNKNOWN'];
  for (const type of refused) assert.deepEqual(await guard.check(input(typed(type))), { allow: false, rule: `numbers.type.${type}` });
  for (const type of passed) assert.deepEqual(await guard.check(input(typed(type))), { allow: true }, type);
});

test('allowVoip: false refuses VOIP numbers; refuseTypes can be emptied', async () => {
  const noVoip = guardWith({ numbers: { allowVoip: false } });
  assert.deepEqual(await noVoip.check(input(typed('VOIP'))), { allow: false, rule: 'numbers.type.VOIP' });
  const anything = guardWith({ numbers: { refuseTypes: [] } });
  assert.deepEqual(await anything.check(input(typed('PREMIUM_RATE'))), { allow: true });
});

test('invalid numbers are refused unless refuseInvalid is false', async () => {
  const d = dest('+447700900123'); // the UK's range for drama: possible, never valid
  assert.equal(d.valid, false);
  assert.deepEqual(await guardWith().check(input(d)), { allow: false, rule: 'numbers.invalid' });
  assert.deepEqual(await guardWith({ numbers: { refuseInvalid: false } }).check(input(d)), { allow: true });
  // An invalid number is refused as invalid even when its type would be refused too.
  assert.deepEqual(await guardWith().check(input({ ...typed('PREMIUM_RATE'), valid: false })), { allow: false, rule: 'numbers.invalid' });
});

test('country allow list per channel', async () => {
  const guard = guardWith({ countries: { sms: { allow: ['FR', 'DE'] }, voice: { allow: ['FR'] } } });
  const fr = dest('+33612345678');
  const de = dest('+4916012345678');
  const lv = dest('+37120000000');
  assert.deepEqual(await guard.check(input(fr, 'sms')), { allow: true });
  assert.deepEqual(await guard.check(input(de, 'sms')), { allow: true });
  assert.deepEqual(await guard.check(input(lv, 'sms')), { allow: false, rule: 'countries.sms' });
  assert.deepEqual(await guard.check(input(de, 'voice')), { allow: false, rule: 'countries.voice' });
  assert.deepEqual(await guard.check(input(lv, 'voice')), { allow: false, rule: 'countries.voice' });
  // A number whose country is unknown is not on any allow list.
  assert.deepEqual(await guard.check(input({ e164: '+80012345678', type: 'UNKNOWN', valid: true }, 'sms')), { allow: false, rule: 'countries.sms' });
});

test('country deny list per channel; other channel unaffected', async () => {
  const guard = guardWith({ countries: { voice: { deny: ['LV', 'SO'] } } });
  const lv = dest('+37120000000');
  assert.deepEqual(await guard.check(input(lv, 'voice')), { allow: false, rule: 'countries.voice' });
  assert.deepEqual(await guard.check(input(lv, 'sms')), { allow: true });
  assert.deepEqual(await guard.check(input(dest('+33612345678'), 'voice')), { allow: true });
  assert.deepEqual(await guard.check(input({ e164: '+80012345678', type: 'UNKNOWN', valid: true }, 'voice')), { allow: true },
    'a deny list does not refuse an unknown country');
});

test('an empty allow list turns a channel off', async () => {
  const guard = guardWith({ countries: { voice: { allow: [] } } });
  assert.deepEqual(await guard.check(input(dest('+14155550100'), 'voice')), { allow: false, rule: 'countries.voice' });
  assert.deepEqual(await guard.check(input(dest('+14155550100'), 'sms')), { allow: true });
});

test('allow overrides skip limits but not the number policy, unless skipPolicy', async () => {
  const config: GuardConfigInput = {
    countries: { sms: { allow: ['FR'] } },
    allow: { phones: ['+19005550100', '+33612345678'], users: ['00uTRUSTED', 'Boss@Example.com'] },
  };
  const guard = guardWith(config);
  assert.deepEqual(await guard.check(input(dest('+19005550100'))), { allow: false, rule: 'numbers.type.PREMIUM_RATE' });
  assert.deepEqual(await guard.check(input(dest('+14155550100'), 'sms', { userId: '00uTRUSTED' })), { allow: false, rule: 'countries.sms' });

  const skipping = guardWith({ ...config, allow: { ...config.allow, skipPolicy: true } });
  assert.deepEqual(await skipping.check(input(dest('+19005550100'))), { allow: true, allowedBy: 'allow.phones' });
  assert.deepEqual(await skipping.check(input(dest('+14155550100'), 'sms', { userId: '00uTRUSTED' })), { allow: true, allowedBy: 'allow.users' });
  assert.deepEqual(await skipping.check(input(dest('+14155550100'), 'sms', { login: 'boss@example.COM' })), { allow: true, allowedBy: 'allow.users' },
    'logins compare case-insensitively');
  assert.deepEqual(await skipping.check(input(dest('+14155550100'), 'sms', { userId: '00utrusted' })), { allow: false, rule: 'countries.sms' },
    'userIds compare exactly');
});
