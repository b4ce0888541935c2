// What the provider adapter tests share: building an adapter as the gateway does, and asserting on
// the errors adapters throw (ProviderError from send, CallbackRejected from receipts, config issues).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { pino } from 'pino';
import type * as z from '../../src/core/zod.js';
import type { ErrorCategory } from '../../src/core/domain.js';
import type { BaseProviderConfig, ProviderKind } from '../../src/providers/base.js';
import { CallbackRejected, ProviderError, type ProviderAdapter, type ProviderContext } from '../../src/providers/types.js';
import type { MockServer } from './mock-http.js';

export const silentLog = pino({ level: 'silent' });

/** An adapter of `kind` built from a raw config (parsed by its schema), with a silent logger and `ctx`. */
export function createAdapter<S extends z.ZodMiniType<BaseProviderConfig>>(
  kind: ProviderKind<S>, name: string, raw: unknown, ctx: Partial<ProviderContext> = {},
): ProviderAdapter {
  return kind.create(name, kind.schema.parse(raw), { log: silentLog, ...ctx });
}

/**
 * The ProviderError a send must fail with; also asserts that its message holds none of `leaks`
 * (the passcode, the digits of the number).
 */
export async function providerError(promise: Promise<unknown>, leaks: readonly string[]): Promise<ProviderError> {
  const err = await promise.then(() => assert.fail('expected a ProviderError'), (e: unknown) => e);
  assert.ok(err instanceof ProviderError, `expected a ProviderError, got ${String(err)}`);
  for (const leak of leaks) assert.ok(!err.message.includes(leak), `the error message leaks ${leak}: ${err.message}`);
  return err;
}

export interface ExpectedFailure {
  category: ErrorCategory;
  /** Compared whenever the key is present: `providerCode: undefined` asserts that there is none. */
  providerCode?: string | undefined;
  ambiguous?: boolean;
}

/** A failure a mock provider answer must cause, for tables of cases. */
export interface FailureCase extends ExpectedFailure {
  name: string;
  answer: (res: ServerResponse) => void;
  /** The attempt's deadline (default: long enough for any answer). */
  deadlineMs?: number;
}

/** providerError, then its category, and its providerCode and ambiguity where `expected` names them. */
export async function expectProviderError(promise: Promise<unknown>, expected: ExpectedFailure, leaks: readonly string[]): Promise<ProviderError> {
  const err = await providerError(promise, leaks);
  assert.equal(err.category, expected.category);
  if ('providerCode' in expected) assert.equal(err.providerCode, expected.providerCode);
  if (expected.ambiguous !== undefined) assert.equal(err.ambiguous, expected.ambiguous);
  return err;
}

/**
 * Two tests of what every HTTP adapter must make of the network failing it: a connection reset once
 * the request went out is unavailable and possibly sent; no answer by the deadline is a timeout,
 * possibly sent, and the attempt's signal stops the request.
 */
export function networkFailureTests(mock: () => MockServer, send: (signal: AbortSignal) => Promise<unknown>, leaks: readonly string[]): void {
  it('classifies a connection reset as unavailable, possibly sent', async () => {
    mock().handle((_req, res) => { res.socket?.destroy(); });
    const err = await expectProviderError(send(AbortSignal.timeout(2_000)), { category: 'unavailable', ambiguous: true }, leaks);
    assert.match(err.providerCode ?? '', /^(ECONNRESET|UND_ERR_SOCKET)$/);
  });

  it('classifies no answer within the deadline as timeout', async () => {
    mock().handle(() => { /* never answers */ });
    const started = Date.now();
    await expectProviderError(send(AbortSignal.timeout(200)), { category: 'timeout', providerCode: undefined, ambiguous: true }, leaks);
    assert.ok(Date.now() - started < 1_500, 'the signal must stop the request');
  });
}

/**
 * For a mock that answers even a request it finds wrong: `check` notes each expectation the
 * request misses, and `assertNone`, run after each test, fails on any noted since the last run.
 */
export function requestChecks(provider: string): { check(what: string, ok: boolean): void; assertNone(): void } {
  const problems: string[] = [];
  return {
    check(what, ok) {
      if (!ok) problems.push(what);
    },
    assertNone() {
      assert.deepEqual(problems.splice(0), [], `the request was not what ${provider} expects`);
    },
  };
}

/** For assert.rejects: a CallbackRejected with this status. */
export function rejectedWith(status: 401 | 403): (err: unknown) => boolean {
  return (err) => err instanceof CallbackRejected && err.status === status;
}

/** The issues a provider schema finds in `input` (which it must refuse), as dotted path and message. */
export function configIssues(schema: z.ZodMiniType, input: unknown): { path: string; message: string }[] {
  const result = schema.safeParse(input);
  assert.equal(result.success, false, `expected the config to be refused: ${JSON.stringify(input)}`);
  return result.error!.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

/** The message of the issue a provider schema finds at `path` in `input` (which it must refuse). */
export function issueAt(schema: z.ZodMiniType, input: unknown, path: string): string {
  const issues = configIssues(schema, input);
  const issue = issues.find((i) => i.path === path);
  assert.ok(issue, JSON.stringify(issues));
  return issue.message;
}
