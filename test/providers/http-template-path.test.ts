// A placeholder in an http provider's URL path never makes a dot segment (issue 13, item 8):
// `…/gw/a/{{reference}}/send` with an eventId of `..` must not send to `…/gw/send`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { httpTemplateProvider } from '../../src/providers/http-template.js';
import type { OutboundMessage, ProviderAdapter } from '../../src/providers/types.js';
import { json, startMock, type MockServer } from '../support/mock-http.js';
import { createAdapter, expectProviderError } from '../support/providers.js';

const message = (reference: string): OutboundMessage => ({
  channel: 'sms', to: { e164: '+14155550100', country: 'US', type: 'MOBILE', valid: true }, text: 'Your code is 482913', code: '482913', locale: 'en', reference,
});

describe('dot segments from placeholders', () => {
  let mock: MockServer;
  let adapter: ProviderAdapter;
  before(async () => {
    mock = await startMock((_req, res) => json(res, 200, { id: 'm-1' }));
    adapter = createAdapter(httpTemplateProvider, 'gw', {
      kind: 'http', channels: ['sms'],
      sms: { url: `${mock.url}/gw/a/{{reference}}/send?ref={{reference}}`, body: '{"to": "{{phone}}", "text": "{{text}}"}', idPath: 'id' },
    });
  });
  after(async () => {
    await adapter.close?.();
    await mock.close();
  });

  for (const reference of ['..', '.']) {
    test(`an eventId of "${reference}" is refused before anything is sent`, async () => {
      const before = mock.requests.length;
      await expectProviderError(adapter.send(message(reference), AbortSignal.timeout(2_000)), { category: 'rejected' }, ['482913']);
      assert.equal(mock.requests.length, before, `nothing reached the provider (last: ${mock.requests.at(-1)?.url})`);
    });
  }

  test('dots inside a value, an encoded dot, and dots in the query stay as they are', async () => {
    for (const reference of ['a..b', '...', '%2e%2e', 'v1.2']) {
      await adapter.send(message(reference), AbortSignal.timeout(2_000));
      const url = mock.requests.at(-1)!.url;
      assert.ok(url.startsWith(`/gw/a/${encodeURIComponent(reference)}/send?`), `${reference} → ${url}`);
    }
  });
});
