// `byot preview`: sends the gateway a request built exactly as Okta builds it and shows the
// answer the way the Admin Console's Preview tab does.
import { createReadStream } from 'node:fs';
import { CHANNELS, EXAMPLE_NUMBER, REQUEST_TYPES, type Channel } from '../core/domain.js';
import { parseHookRequest } from '../okta/contract.js';
import {
  buildTelephonyRequest, maskTelephonyRequest, oktaDeliveryChannel, readHookAnswer,
  type OktaRequestType, type PreviewAnswer, type TelephonyPayload,
} from '../okta/hook-request.js';
import { HOOK_PATH } from '../http/paths.js';
import { createOutput, headerOption, intOption, networkProblem, oneOf, parseCommand, table, UsageError, type Output } from './common.js';

/** Okta gives up on a telephony hook after 3 seconds. */
export const OKTA_TIMEOUT_MS = 3_000;

/** Longest --request file read: the gateway's default server.bodyLimitBytes (Okta's requests are about 1 KB). */
export const MAX_REQUEST_FILE_BYTES = 65_536;

export const PREVIEW_USAGE = `byot preview — send the gateway a telephony request exactly as Okta does, and show the answer

Usage:
  byot preview [--url URL] (--secret S | --bearer TOKEN) [options]
  byot preview [--url URL] (--secret S | --bearer TOKEN) --request FILE [--dry-run] [--json]

Where to send it:
  --url URL          the gateway's hook address (default http://127.0.0.1:$PORT/okta/telephony;
                     a URL without a path gets /okta/telephony)
  --secret S         the hook's authentication secret (default $OKTA_HOOK_SECRET)
  --header NAME      the header carrying it (default $OKTA_HOOK_HEADER, else Authorization)
  --bearer TOKEN     send "Authorization: Bearer TOKEN" instead (a gateway using OAuth)
  --timeout SECONDS  give up after this long (default 10; Okta itself waits 3)

What to ask for (Okta's Preview tab offers the same choices):
  --phone NUMBER     the number to deliver to (default +12025550123, a fictional number)
  --channel C        sms | voice (default sms; sent as "SMS" or "voice call")
  --type T           mfa-verification | pre-enrollment | account-unlock | password-reset
                     (default mfa-verification; sent as com.okta.user.telephony.T)
  --login LOGIN      the user's Okta login (default test.user@example.com)
  --locale L         the locale as Okta sends it (default EN-US)
  --code CODE        the passcode (default a random 6-digit code)
  --request FILE     send this request instead, as it is: a whole telephony hook request as Okta
                     sends it (e.g. pasted from Okta's documentation; numbers and codes may be
                     JSON numbers), read from FILE or, with -, from standard input (at most 64 KB).
                     It must be one the gateway accepts; the options above cannot be added to it.
                     A real send claims its eventId: sent again, the gateway replays its first answer.

How:
  --dry-run          ask the gateway to route and check the request without calling a provider
                     (header x-byot-dry-run: 1): nothing is sent and nothing is billed
  --show-request     print the request (passcode masked) before the answer
  --json             print {request, response, httpStatus, ms} as JSON (passcode masked)
  --quiet            no progress line on stderr

Exit status: 0 when the gateway answered SUCCESSFUL or PENDING, 1 otherwise, 2 on misuse.

Examples:
  byot preview --secret "$OKTA_HOOK_SECRET" --phone ${EXAMPLE_NUMBER}
  byot preview --url https://byot.example.com --header x-telephony-key --secret S --channel voice --type pre-enrollment
  byot preview --secret S --dry-run --json | jq .response
  byot preview --secret S --dry-run --request okta-example.json
`;

export async function previewCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parseCommand(args, {
    url: { type: 'string' },
    secret: { type: 'string' },
    header: { type: 'string' },
    bearer: { type: 'string' },
    timeout: { type: 'string' },
    phone: { type: 'string' },
    channel: { type: 'string' },
    type: { type: 'string' },
    login: { type: 'string' },
    locale: { type: 'string' },
    code: { type: 'string' },
    request: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'show-request': { type: 'boolean' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
  }, PREVIEW_USAGE);
  if (!parsed) return 0;
  const v = parsed.values;
  const o = createOutput({ quiet: v.quiet });

  const url = hookUrl(v.url ?? `http://127.0.0.1:${env.PORT || '8080'}`);
  const secret = v.secret ?? (env.OKTA_HOOK_SECRET || undefined);
  if (v.bearer === undefined && secret === undefined) {
    throw new UsageError('the gateway needs its hook secret: pass --secret (or set OKTA_HOOK_SECRET), or --bearer for an OAuth gateway', PREVIEW_USAGE);
  }
  if (v.bearer !== undefined && v.secret !== undefined) throw new UsageError('--secret and --bearer cannot be used together', PREVIEW_USAGE);
  o.secret(secret);
  o.secret(v.bearer);
  const credential = v.bearer ?? secret!;
  if (!/^[\x20-\x7e]+$/.test(credential) || credential.trim() !== credential) {
    throw new UsageError(`the ${v.bearer !== undefined ? 'bearer token' : 'secret'} has characters an HTTP header cannot carry (control characters, non-ASCII, or spaces at either end)`, PREVIEW_USAGE);
  }
  const header = v.bearer !== undefined ? 'authorization' : (v.header ?? (env.OKTA_HOOK_HEADER || 'Authorization'));
  headerOption(header, PREVIEW_USAGE);
  const timeoutMs = intOption(v.timeout, 'timeout', 10, 1, 120, PREVIEW_USAGE) * 1000;

  let request: TelephonyPayload;
  let what: { requestType: string; channel: Channel };
  if (v.request !== undefined) {
    const built = BUILDING_OPTIONS.filter((name) => v[name] !== undefined);
    if (built.length > 0) throw new UsageError(`--request sends the request as it is: --${built.join(', --')} cannot be added to it`, PREVIEW_USAGE);
    const pasted = await readRequestFile(v.request);
    request = pasted.request;
    what = pasted.parsed;
  } else {
    const channel = oneOf(v.channel, 'channel', CHANNELS, PREVIEW_USAGE) ?? 'sms';
    const requestType = oneOf(v.type?.replace(/^com\.okta\.user\.telephony\./, ''), 'type', REQUEST_TYPES as readonly OktaRequestType[], PREVIEW_USAGE) ?? 'mfa-verification';
    if (v.code !== undefined && !/^[0-9A-Za-z]{1,32}$/.test(v.code)) throw new UsageError('--code must be letters and digits (Okta sends digits)', PREVIEW_USAGE);
    request = buildTelephonyRequest({
      phone: v.phone ?? '+12025550123', channel, requestType, login: v.login, locale: v.locale, code: v.code,
    });
    what = { requestType, channel };
  }
  const masked = maskTelephonyRequest(request);
  if (v['show-request'] && !v.json) o.out(`${o.bold('Request')}\n${JSON.stringify(masked, null, 2)}\n\n`);

  o.progress(`byot: sending a ${what.requestType} ${oktaDeliveryChannel(what.channel)} request to ${url}${v['dry-run'] ? ' (dry run)' : ''}…`);
  const result = await sendHookRequest(url, request, {
    [header]: v.bearer !== undefined ? `Bearer ${v.bearer}` : secret!,
    ...(v['dry-run'] ? { 'x-byot-dry-run': '1' } : {}),
  }, timeoutMs);

  if (v.json) {
    o.out(`${JSON.stringify({
      request: masked,
      response: result.body ?? null,
      httpStatus: result.status ?? null,
      ms: result.ms,
      ...(result.error ? { error: result.error } : {}),
    }, null, 2)}\n`);
  } else {
    printPreview(o, url, request, result, v['dry-run'] ?? false);
  }
  if (result.error) {
    if (v.json) o.err(`byot: ${result.error}\n`);
    return 1;
  }
  return previewSucceeded(result) ? 0 : 1;
}

/** The options that build a request, which a --request file replaces. */
const BUILDING_OPTIONS = ['phone', 'channel', 'type', 'login', 'locale', 'code'] as const;

/**
 * A whole hook request from `source` (a file, or `-` for standard input), read through the hook's
 * own parser (src/okta/contract.ts): refused, naming the problem, unless the gateway would accept it.
 */
export async function readRequestFile(source: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<{ request: TelephonyPayload; parsed: { requestType: string; channel: Channel } }> {
  const name = source === '-' ? 'standard input' : source;
  const text = await readBounded(source === '-' ? stdin : createReadStream(source), name);
  if (text.trim() === '') throw new UsageError(`--request ${name} is empty: expected a telephony hook request (JSON)`, PREVIEW_USAGE);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    // Only where it broke: the parser's message may quote the file, passcode and all.
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new UsageError(`--request ${name} is not JSON${at === undefined ? '' : ` (error at character ${at})`}`, PREVIEW_USAGE);
  }
  const parsed = parseHookRequest(body);
  if (!parsed.ok) {
    throw new UsageError(`--request ${name} is not a telephony hook request the gateway accepts: ${parsed.causes.map((c) => c.errorSummary).join('; ')}`, PREVIEW_USAGE);
  }
  // parseHookRequest has checked every field TelephonyPayload names.
  return { request: body as TelephonyPayload, parsed: parsed.request };
}

const READ_PROBLEMS: Readonly<Record<string, string>> = { ENOENT: 'no such file', EISDIR: 'it is a directory', EACCES: 'permission denied' };

/** The stream's text, refused past MAX_REQUEST_FILE_BYTES (an endless stdin is not read to the end) or when not UTF-8. */
async function readBounded(stream: NodeJS.ReadableStream, name: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += bytes.length;
      if (size > MAX_REQUEST_FILE_BYTES) throw new UsageError(`--request ${name} is larger than ${MAX_REQUEST_FILE_BYTES} bytes: an Okta request is about 1 KB`, PREVIEW_USAGE);
      chunks.push(bytes);
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new UsageError(`--request ${name} cannot be read: ${READ_PROBLEMS[code] ?? (code || 'read failed')}`, PREVIEW_USAGE);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new UsageError(`--request ${name} is not UTF-8 text`, PREVIEW_USAGE);
  }
}

/** `https://byot.example.com` → `https://byot.example.com/okta/telephony`; a URL with a path is kept. */
export function hookUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`--url "${raw}" is not a URL (e.g. http://127.0.0.1:8080/okta/telephony)`, PREVIEW_USAGE);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--url must be http:// or https:// (got ${u.protocol})`, PREVIEW_USAGE);
  if (u.pathname === '/' || u.pathname === '') u.pathname = HOOK_PATH;
  return u.toString();
}

export interface HookCallResult {
  status?: number;
  /** Parsed JSON, or the text when the answer is not JSON. */
  body?: unknown;
  ms: number;
  /** Set when no answer came at all. */
  error?: string;
  /** Whether the answer carried `x-byot-dry-run` (the gateway's word that nothing was sent). */
  dryRunConfirmed?: boolean;
}

/** POSTs a hook request the way Okta does: JSON both ways, the auth header, no redirects. */
export async function sendHookRequest(url: string, request: TelephonyPayload, headers: Record<string, string>, timeoutMs: number): Promise<HookCallResult> {
  const started = performance.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json', ...headers },
      body: JSON.stringify(request),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    const ms = Math.round(performance.now() - started);
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch { /* not JSON: kept as text */ }
    return { status: res.status, body, ms, dryRunConfirmed: res.headers.has('x-byot-dry-run') };
  } catch (err) {
    const ms = Math.round(performance.now() - started);
    return { ms, error: `no answer from ${url}: ${networkProblem(err)}` };
  }
}

function previewSucceeded(r: HookCallResult): boolean {
  if (r.status !== 200) return false;
  const a = readHookAnswer(r.body);
  return a.kind === 'action' && (a.status === 'SUCCESSFUL' || a.status === 'PENDING');
}

/** What the Admin Console's Preview shows: the status line, then the answer's fields. */
export function printPreview(o: Output, url: string, request: TelephonyPayload, r: HookCallResult, dryRun: boolean): void {
  const mp = request.data.messageProfile;
  const rows = [
    [o.dim('url'), url],
    [o.dim('request'), `${request.requestType ?? '(no requestType)'} · ${mp.deliveryChannel} · ${mp.phoneNumber} · ${mp.locale ?? '(no locale)'}${dryRun ? ' · dry run' : ''}`],
    [o.dim('eventId'), request.eventId],
    r.error
      ? [o.dim('answer'), o.red(r.error)]
      : [o.dim('answer'), `HTTP ${r.status === 200 ? o.green('200') : o.red(String(r.status))} in ${r.ms} ms`],
  ];
  o.out(table(rows));
  if (r.error) return;
  if (r.ms > OKTA_TIMEOUT_MS) {
    o.out(o.yellow('warning: slower than Okta\'s 3 s limit: Okta would have given up and sent the code through its own providers\n'));
  }
  if (dryRun && r.dryRunConfirmed === false) {
    o.out(o.yellow('warning: the gateway did not confirm the dry run (no x-byot-dry-run in its answer): it may have sent a real message\n'));
  }
  o.out('\n');
  o.out(describeAnswer(o, r));
}

export function describeAnswer(o: Output, r: HookCallResult): string {
  if (r.status !== 200) {
    const why = r.status === 401 ? ' — the secret or header name does not match the gateway\'s'
      : r.status === 400 ? ' — the gateway could not read the request' : '';
    const detail = typeof r.body === 'string' ? r.body.slice(0, 300) : JSON.stringify(r.body ?? null);
    return `${o.red(`HTTP ${r.status}`)}${why}\n${detail}\nOkta skips the hook on any status but 200 and sends the code through its own providers.\n`;
  }
  const a: PreviewAnswer = readHookAnswer(r.body);
  if (a.kind === 'error') {
    const rows: string[][] = [[o.red('error'), a.errorSummary ?? '(no errorSummary)']];
    for (const c of a.errorCauses ?? []) {
      rows.push([o.dim('cause'), [c.errorSummary, c.reason && `(${c.reason})`, c.location && `at ${c.location}`].filter(Boolean).join(' ')]);
    }
    return `${table(rows)}Okta shows errorSummary to the user and falls back to its own providers.\n`;
  }
  if (a.kind === 'unexpected') {
    return `${o.red('not a valid Okta answer')}: ${a.problem}\n${JSON.stringify(r.body)}\n`;
  }
  const status = a.status === 'SUCCESSFUL' ? o.green(a.status) : a.status === 'PENDING' ? o.yellow(a.status!) : o.red(a.status!);
  return table([
    [o.dim('status'), status],
    [o.dim('provider'), a.provider ?? '—'],
    [o.dim('transactionId'), a.transactionId ?? '—'],
    [o.dim('metadata'), a.transactionMetadata ?? '—'],
  ]);
}
