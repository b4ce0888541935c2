// The two lists of provider kinds: their options (config validation) and their adapters (the gateway).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as z from '../../src/core/zod.js';
import { baseProviderSchema, defineKind, defineOptions } from '../../src/providers/base.js';
import { providerKindNames, providerOptions } from '../../src/providers/options/index.js';
import { adapterKindNames, providerKind } from '../../src/providers/registry.js';

test('every kind whose options configurations may name has an adapter, built on those options, and no other kind has', () => {
  assert.deepEqual(adapterKindNames(), providerKindNames());
  for (const name of providerKindNames()) {
    const options = providerOptions(name);
    const kind = providerKind(name);
    assert.equal(kind?.schema, options?.schema, name);
    assert.deepEqual(kind?.channels, options?.channels, name);
  }
});

test('a kind\'s schema is built on first use, once, and not by making its adapter', () => {
  let builds = 0;
  const options = defineOptions('example', ['sms'], () => {
    builds += 1;
    return z.extend(baseProviderSchema, { kind: z.literal('example') });
  });
  const kind = defineKind(options, { create: () => assert.fail('not created here') });
  assert.equal(builds, 0, 'defining the options and the kind builds nothing');
  assert.equal(kind.schema.safeParse({ kind: 'example' }).success, true);
  assert.equal(kind.schema, options.schema, 'the adapter reads the options\' schema');
  assert.equal(builds, 1);
});
