// A loopback stand-in for Twilio's Messages and Calls APIs, whose behaviour a test can switch
// to the faults a real provider shows: hanging, 5xx, 429, reset connections, slowness, bad JSON.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { json, startMock, type MockServer } from './mock-http.js';

export const ACCOUNT = 'AC' + '0123456789abcdef'.repeat(2);

export type Fault = 'ok' | 'hang' | '500' | '429' | 'reset' | 'slow' | 'malformed';

export interface TwilioMock extends MockServer {
  fault(f: Fault): void;
}

export async function startTwilioMock(initial: Fault = 'ok', slowMs = 1_500): Promise<TwilioMock> {
  let fault = initial;
  const accepted = (res: ServerResponse) =>
    json(res, 201, { sid: 'SM' + randomBytes(16).toString('hex'), status: 'queued', account_sid: ACCOUNT });
  const mock = await startMock((req, res) => {
    if (!req.url.startsWith(`/2010-04-01/Accounts/${ACCOUNT}/`)) return json(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    switch (fault) {
      case 'ok': return accepted(res);
      case 'hang': return undefined;
      case '500': return json(res, 500, { code: 20500, message: 'Internal Server Error', more_info: 'https://www.twilio.com/docs/errors/20500', status: 500 });
      case '429': return json(res, 429, { code: 20429, message: 'Too Many Requests', more_info: 'https://www.twilio.com/docs/errors/20429', status: 429 });
      case 'reset': res.socket?.destroy(); return undefined;
      case 'slow': setTimeout(() => accepted(res), slowMs); return undefined;
      case 'malformed': res.writeHead(201, { 'content-type': 'application/json' }); res.end('{"sid": "SM1", "status": '); return undefined;
    }
  });
  return Object.assign(mock, { fault(f: Fault) { fault = f; } });
}

/** YAML for a twilio provider pointed at a mock. */
export function twilioProvider(name: string, baseUrl: string, extra = ''): string {
  return `  ${name}:\n    kind: twilio\n    accountSid: ${ACCOUNT}\n    authToken: test-auth-token\n    from: "+14155550100"\n    baseUrl: ${baseUrl}\n${extra}`;
}
