// A failed call to Okta's Management API, with Okta's own error fields and a stable code. Hints say
// what to change in Okta's words; what to type belongs to the CLI (src/cli/okta-errors.ts).
import { GatewayError } from '../../core/errors.js';

/** What went wrong, for callers that switch on it. */
export type OktaErrorCode =
  | 'OKTA_NETWORK' | 'OKTA_BAD_RESPONSE'
  | 'OKTA_UNAUTHORIZED' | 'OKTA_FORBIDDEN' | 'OKTA_NOT_FOUND' | 'OKTA_RATE_LIMITED' | 'OKTA_INVALID' | 'OKTA_API'
  | 'OKTA_TOKEN_INVALID_CLIENT' | 'OKTA_TOKEN_INVALID_SCOPE' | 'OKTA_TOKEN_UNAUTHORIZED_CLIENT' | 'OKTA_TOKEN_DPOP' | 'OKTA_TOKEN';

export interface OktaErrorDetails {
  kind: 'network' | 'api' | 'token' | 'response';
  code?: OktaErrorCode;
  status?: number;
  errorCode?: string;
  errorSummary?: string;
  errorCauses?: string[];
  errorId?: string;
  /** When Okta's rate limit resets (x-rate-limit-reset). */
  rateLimitResetAt?: Date;
  /** What to do about it, in Okta's terms. */
  hint?: string;
  /** Auth of the failed call: lets the CLI word its own advice. */
  auth?: 'ssws' | 'oauth';
  /** Ids of hooks left inactive by a failed replacement. */
  stranded?: string[];
}

const DEFAULT_CODE: Record<OktaErrorDetails['kind'], OktaErrorCode> = {
  network: 'OKTA_NETWORK', api: 'OKTA_API', token: 'OKTA_TOKEN', response: 'OKTA_BAD_RESPONSE',
};

/** A failed call to Okta; its message never contains a credential. */
export class OktaApiError extends GatewayError {
  readonly kind: OktaErrorDetails['kind'];
  declare readonly code: OktaErrorCode;
  readonly status?: number;
  readonly errorCode?: string;
  readonly errorSummary?: string;
  readonly errorCauses: string[];
  readonly errorId?: string;
  readonly rateLimitResetAt?: Date;
  readonly hint?: string;
  readonly auth?: 'ssws' | 'oauth';
  readonly stranded: string[];
  constructor(message: string, d: OktaErrorDetails) {
    super(d.code ?? DEFAULT_CODE[d.kind], message);
    this.kind = d.kind;
    this.status = d.status;
    this.errorCode = d.errorCode;
    this.errorSummary = d.errorSummary;
    this.errorCauses = d.errorCauses ?? [];
    this.errorId = d.errorId;
    this.rateLimitResetAt = d.rateLimitResetAt;
    this.hint = d.hint;
    this.auth = d.auth;
    this.stranded = d.stranded ?? [];
  }

  details(): OktaErrorDetails {
    return {
      kind: this.kind, code: this.code, status: this.status, errorCode: this.errorCode, errorSummary: this.errorSummary,
      errorCauses: this.errorCauses, errorId: this.errorId, rateLimitResetAt: this.rateLimitResetAt, hint: this.hint,
      auth: this.auth, stranded: this.stranded,
    };
  }
}

/** Why a network call failed, in words an operator can act on. */
export function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const code = cause?.code ?? (err as { code?: string } | undefined)?.code;
  const name = (err as { name?: string } | undefined)?.name;
  if (name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'timed out';
  switch (code) {
    case 'ECONNREFUSED': return 'connection refused (is it running, and on that port?)';
    case 'ENOTFOUND': return 'host not found (check the address)';
    case 'EAI_AGAIN': return 'DNS lookup failed (temporary); try again';
    case 'ECONNRESET': return 'connection reset';
    case 'ETIMEDOUT': return 'timed out';
    case 'CERT_HAS_EXPIRED': return 'its TLS certificate has expired';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE': return `its TLS certificate is not trusted (${code})`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID': return 'its TLS certificate does not match the host name';
    default: return cause?.message ?? (err instanceof Error ? err.message : String(err));
  }
}

/** `a`, `a and b`, `a, b and c`. */
export function listed(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
