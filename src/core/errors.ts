// One base class for the errors a caller may act on. Each carries a stable `code`, as undici's
// `UND_ERR_*` and Fastify's `FST_ERR_*` do, so callers switch on the code rather than on chains
// of `instanceof`, and logs and tests can name an error that a message rewording would not change.

export const ERROR_CODES = {
  /** The configuration has problems; `issues` names each by its path. */
  CONFIG: 'BYOT_ERR_CONFIG',
  /** A provider refused or failed a send; `category` says what kind of failure. */
  PROVIDER: 'BYOT_ERR_PROVIDER',
  /** A provider callback failed verification (401 or 403). */
  CALLBACK_REJECTED: 'BYOT_ERR_CALLBACK_REJECTED',
  /** The shared counters' store (Redis) did not answer in time. */
  STORE_TIMEOUT: 'BYOT_ERR_STORE_TIMEOUT',
  /** The admin API refused a request; `causes` names each problem. */
  BAD_REQUEST: 'BYOT_ERR_BAD_REQUEST',
  /** The admin API was asked for something that is not there (404), e.g. a block already ended. */
  NOT_FOUND: 'BYOT_ERR_NOT_FOUND',
  /** The admin API refused an action the caller's role may not take (403), e.g. a real send by a read-only user. */
  FORBIDDEN: 'BYOT_ERR_FORBIDDEN',
  /** A command was called wrongly (exit 2, with its usage). */
  USAGE: 'BYOT_ERR_USAGE',
  /** A command ran and failed (exit 1). */
  COMMAND: 'BYOT_ERR_COMMAND',
} as const;

/**
 * The gateway's codes, and `OKTA_*`: a failed call to Okta's Management API, classified by
 * okta/management/errors.ts (`OKTA_NOT_FOUND`, `OKTA_RATE_LIMITED`, `OKTA_ACTIVE_HOOK_CONFLICT`…).
 */
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES] | `OKTA_${string}`;

export class GatewayError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** True when `err` is one of the gateway's errors, with `code` when given. */
export function isGatewayError(err: unknown, code?: ErrorCode): err is GatewayError {
  return err instanceof GatewayError && (code === undefined || err.code === code);
}
