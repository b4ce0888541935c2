// The two lists of provider kinds: their options (config validation) and their adapters (the gateway).
import { test } from 'node:test';
import assert from 'node:assert/strict';
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
