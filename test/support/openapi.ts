// Checks what an adapter sends, and what a mock answers, against a provider's published API
// definition: the trimmed OpenAPI documents in test/fixtures/specs/ (their README names each source).
// A request is matched to an operation by method and path (relative to the definition's server);
// then its path parameters, required headers, credentials, content type and body are checked with
// Ajv against the operation's schemas. A mock's answer is checked against the documented response
// for its status, when the definition documents one.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ServerResponse } from 'node:http';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { startMock, type MockHandler, type MockServer, type RecordedRequest } from './mock-http.js';

// ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export type SpecName =
  | 'twilio' | '8x8-sms' | '8x8-voice' | 'telnyx' | 'vonage-sms' | 'vonage-voice'
  | 'plivo' | 'sinch-sms' | 'sinch-voice' | 'infobip' | 'vonage-conversion' | 'aws-sms-voice-v2';

interface Schema { [key: string]: unknown }
interface Parameter { name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema?: Schema }
interface MediaType { schema?: Schema }
interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  security?: Record<string, string[]>[];
  requestBody?: { required?: boolean; content: Record<string, MediaType> };
  responses?: Record<string, { content?: Record<string, MediaType> }>;
}
interface SecurityScheme { type: string; scheme?: string; in?: string; name?: string; 'x-prefix'?: string }
interface Document {
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, SecurityScheme> };
}

const FIXTURES = resolve(process.cwd(), 'test/fixtures/specs');

/** A request as the validator sees it: what the mock server recorded. */
export type CapturedRequest = Pick<RecordedRequest, 'method' | 'url' | 'headers' | 'body'>;

export interface ProviderSpec {
  readonly name: SpecName;
  /** True when `req` is (by method and path) an operation of this definition. */
  matches(req: CapturedRequest): boolean;
  /** Everything wrong with `req` by the definition; empty when it is a valid request of some operation. */
  requestProblems(req: CapturedRequest): string[];
  /** Everything wrong with an answer to `req`; empty when the definition documents no body for that status. */
  responseProblems(req: CapturedRequest, status: number, contentType: string | undefined, body: string): string[];
}

/** A mock provider held to one or more definitions (see startSpecMock). */
export interface SpecMock extends MockServer {
  /** Fails when a request received since the last call, or an answer the mock gave, breaks its definition. */
  assertValid(): void;
  /**
   * The current test answers outside the definition on purpose (a provider misbehaving: an empty
   * body, a missing id): its answers are not checked. Requests still are.
   */
  answersOffSpec(): void;
}

/**
 * A loopback provider whose every request is checked against the definitions `names`: a request
 * matching none of their operations is answered 404, as the provider's router would, and each
 * answer a test's handler gives is checked against the documented response. Call assertValid after
 * each test (afterEach) so that a request or an answer the definition does not allow fails it.
 */
export async function startSpecMock(...names: SpecName[]): Promise<SpecMock> {
  const specs = names.map(providerSpec);
  const mock = await startMock();
  const answers: string[] = [];
  let checked = 0;
  let offSpec = false;
  const handle = mock.handle.bind(mock);
  const held = (handler: MockHandler): MockHandler => (req, res) => {
    const spec = specs.find((s) => s.matches(req));
    if (!spec) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return undefined;
    }
    watchAnswer(res, (status, type, body) => {
      if (!offSpec) answers.push(...spec.responseProblems(req, status, type, body).map((p) => `${req.method} ${req.url}: mock ${p}`));
    });
    return handler(req, res);
  };
  mock.handle = (handler) => handle(held(handler));
  mock.handle((_req, res) => { res.writeHead(500, { 'content-type': 'text/plain' }); res.end('no handler set'); });
  return Object.assign(mock, {
    answersOffSpec() {
      offSpec = true;
    },
    assertValid() {
      const fresh = mock.requests.slice(checked);
      checked = mock.requests.length;
      const problems = fresh.flatMap((req) => {
        const spec = specs.find((s) => s.matches(req));
        const found = spec ? spec.requestProblems(req) : [`no operation of ${names.join(', ')}`];
        return found.map((p) => `${req.method} ${req.url}: ${p}`);
      });
      problems.push(...answers.splice(0));
      offSpec = false;
      if (problems.length > 0) throw new Error(`not what the published definition allows:\n  ${problems.join('\n  ')}`);
    },
  });
}

const cache = new Map<SpecName, ProviderSpec>();

/** The definition `name` (test/fixtures/specs/{name}.json), loaded and compiled once. */
export function providerSpec(name: SpecName): ProviderSpec {
  let spec = cache.get(name);
  if (!spec) {
    spec = load(name);
    cache.set(name, spec);
  }
  return spec;
}

function load(name: SpecName): ProviderSpec {
  const doc = JSON.parse(readFileSync(resolve(FIXTURES, `${name}.json`), 'utf8')) as Document;
  const id = `${name}.json`;
  // OpenAPI 3.0 schemas carry keywords JSON Schema does not know (example, xml, discriminator): not strict.
  // Formats the definitions name but JSON Schema does not (phone-number, integer…) are ignored without a word.
  const options = { strict: false, allErrors: true, validateSchema: false, logger: false } as const;
  const ajv = new Ajv(options);
  // Form fields arrive as strings: the definition's integers and booleans are read from them.
  const formAjv = new Ajv({ ...options, coerceTypes: 'array' });
  for (const a of [ajv, formAjv]) {
    addFormats(a);
    a.addSchema(doc as unknown as Schema, id);
  }
  const basePath = new URL(doc.servers[0]!.url).pathname.replace(/\/+$/, '');
  const routes = Object.entries(doc.paths).map(([template, item]) => ({
    template,
    pattern: new RegExp(`^${template.split(/(\{[^}]+\})/).map((part) => (/^\{.+\}$/.test(part) ? '([^/]+)' : escapeRegExp(part))).join('')}$`),
    names: [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
    item,
  }));
  const compiled = new Map<string, ValidateFunction>();
  const validator = (pointer: string, form = false): ValidateFunction => {
    const key = `${form ? 'form' : 'json'} ${pointer}`;
    let fn = compiled.get(key);
    if (!fn) {
      fn = (form ? formAjv : ajv).compile({ $ref: `${id}#${pointer.split('/').map(encodeURIComponent).join('/')}` });
      compiled.set(key, fn);
    }
    return fn;
  };
  const errorsOf = (fn: ValidateFunction, value: unknown, what: string): string[] =>
    fn(value) ? [] : (fn.errors ?? []).map((e) => `${what}${e.instancePath || ''} ${e.message ?? 'is invalid'}${e.params && 'allowedValues' in e.params ? ` (${String(e.params.allowedValues as unknown[])})` : ''}`);

  function match(req: CapturedRequest) {
    const url = new URL(req.url, 'http://mock');
    if (!url.pathname.startsWith(basePath)) return { problem: `${req.method} ${url.pathname} is outside ${basePath || '/'}` };
    const path = url.pathname.slice(basePath.length) || '/';
    for (const route of routes) {
      const found = route.pattern.exec(path);
      const operation = found ? route.item[req.method.toLowerCase()] : undefined;
      if (!found || !operation) continue;
      const values = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(found[i + 1]!)]));
      return { operation, pointer: `/paths/${pointerPart(route.template)}/${req.method.toLowerCase()}`, values, query: url.searchParams };
    }
    return { problem: `${req.method} ${path}: no such operation in the ${name} definition` };
  }

  function requestProblems(req: CapturedRequest): string[] {
    const found = match(req);
    if (!found.operation) return [found.problem];
    const { operation, pointer, values, query } = found;
    const problems: string[] = [];
    (operation.parameters ?? []).forEach((p, i) => {
      const value = p.in === 'path' ? values[p.name] : p.in === 'query' ? query.get(p.name) ?? undefined : header(req, p.name);
      if (value === undefined) {
        if (p.required) problems.push(`${p.in} parameter ${p.name} is required`);
        return;
      }
      if (p.schema) problems.push(...errorsOf(validator(`${pointer}/parameters/${i}/schema`, true), value, `${p.in} parameter ${p.name}`));
    });
    problems.push(...securityProblems(req, operation, doc));
    const body = operation.requestBody;
    if (body) {
      const type = (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      const media = body.content[type];
      if (!media) problems.push(`content-type ${type || '(none)'} is not one of ${Object.keys(body.content).join(', ')}`);
      else if (media.schema) {
        const form = type === 'application/x-www-form-urlencoded';
        const parsed = form ? formFields(req.body) : parseJson(req.body);
        if (parsed === undefined) problems.push(`body is not ${type}`);
        else problems.push(...errorsOf(validator(`${pointer}/requestBody/content/${pointerPart(type)}/schema`, form), parsed, 'body'));
      }
    }
    return problems;
  }

  function responseProblems(req: CapturedRequest, status: number, contentType: string | undefined, body: string): string[] {
    const found = match(req);
    if (!found.operation) return [];
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => found.operation.responses?.[k]);
    const documented = key === undefined ? undefined : found.operation.responses![key]!;
    if (!documented?.content) return [];
    const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
    const media = documented.content[type];
    if (!media) return [`answer ${status} as ${type || '(no content-type)'}: the definition documents ${Object.keys(documented.content).join(', ')}`];
    const parsed = parseJson(body);
    if (!media.schema) return [];
    if (parsed === undefined) return [`answer ${status} is not JSON`];
    return errorsOf(validator(`${found.pointer}/responses/${key!}/content/${pointerPart(type)}/schema`), parsed, `answer ${status}`);
  }

  return { name, matches: (req) => match(req).operation !== undefined, requestProblems, responseProblems };
}

/** The credentials an operation's security requirement asks for, by scheme. */
function securityProblems(req: CapturedRequest, operation: Operation, doc: Document): string[] {
  const requirements = operation.security ?? [];
  if (requirements.length === 0) return [];
  const unmet = requirements.map((requirement) => Object.keys(requirement).flatMap((key) => {
    const scheme = doc.components?.securitySchemes?.[key];
    if (!scheme) return [`security scheme ${key} is not defined`];
    if (scheme.type === 'http') {
      const want = scheme.scheme?.toLowerCase() === 'basic' ? 'Basic' : 'Bearer';
      const value = header(req, 'authorization') ?? '';
      return new RegExp(`^${want} \\S+$`, 'i').test(value) ? [] : [`authorization must be ${want} credentials`];
    }
    if (scheme.type === 'apiKey' && scheme.in === 'query' && scheme.name) {
      return new URL(req.url, 'http://mock').searchParams.get(scheme.name) ? [] : [`query parameter ${scheme.name} must carry the key`];
    }
    if (scheme.type === 'apiKey' && scheme.in === 'header' && scheme.name) {
      const value = header(req, scheme.name.toLowerCase());
      const prefix = scheme['x-prefix'] ?? '';
      return value !== undefined && value.startsWith(prefix) && value.length > prefix.length ? [] : [`header ${scheme.name} must carry ${prefix}the key`];
    }
    return [];
  }));
  return unmet.some((p) => p.length === 0) ? [] : unmet[0]!;
}

/** Records status, content type and body of what a handler answers. */
function watchAnswer(res: ServerResponse, done: (status: number, contentType: string | undefined, body: string) => void): void {
  let contentType: string | undefined;
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    const headers = args.find((a) => typeof a === 'object' && a !== null && !Array.isArray(a)) as Record<string, unknown> | undefined;
    const type = headers && Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
    if (typeof type === 'string') contentType = type;
    return writeHead(...args);
  }) as ServerResponse['writeHead'];
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    const chunk = args[0];
    const body = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
    const set = res.getHeader('content-type');
    done(res.statusCode, contentType ?? (typeof set === 'string' ? set : undefined), body);
    return end(...args);
  }) as ServerResponse['end'];
}

function header(req: CapturedRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Form fields as an object; a repeated field becomes an array. */
function formFields(body: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(body)) {
    const had = fields[k];
    fields[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return fields;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function pointerPart(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
