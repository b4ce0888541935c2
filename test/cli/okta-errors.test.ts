import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OktaApiError } from '../../src/okta/management/index.js';
import { cliHint } from '../../src/cli/okta-errors.js';

test('the CLI adds its flags and commands to the client\'s hint, by the error\'s code', () => {
  const notFound = new OktaApiError('x', { kind: 'api', code: 'OKTA_NOT_FOUND', status: 404, hint: 'no event hook with that id in this org' });
  assert.equal(cliHint(notFound, 'byot okta events list'), 'no event hook with that id in this org: see `byot okta events list`');
  const noOrg = new OktaApiError('x', { kind: 'api', code: 'OKTA_NOT_FOUND', status: 404, hint: 'is this the address of an Okta org?' });
  assert.equal(cliHint(noOrg), 'is --org the address of an Okta org?');
  const token = new OktaApiError('x', { kind: 'api', code: 'OKTA_UNAUTHORIZED', status: 401, hint: 'the API token is invalid', auth: 'ssws' });
  assert.equal(cliHint(token), 'the API token is invalid; pass it with --token or OKTA_API_TOKEN');
  const oauth = new OktaApiError('x', { kind: 'api', code: 'OKTA_UNAUTHORIZED', status: 401, hint: 'Okta refused the access token', auth: 'oauth' });
  assert.equal(cliHint(oauth), 'Okta refused the access token');
  assert.match(cliHint(new OktaApiError('x', { kind: 'network' }))!, /check --org/);
  const stranded = new OktaApiError('x', { kind: 'api', code: 'OKTA_INVALID', status: 400, stranded: ['cal1'] });
  assert.equal(cliHint(stranded), 'reactivate the previous hook with: byot okta activate cal1');
});
