// Calls to the admin API: same-origin JSON, the session cookie sent by the browser, and the
// session's CSRF token on every state-changing request.

/** @type {string | undefined} */
let csrfToken;

/** @param {string | undefined} token */
export function setCsrf(token) {
  csrfToken = token;
}

/** @type {(() => void) | undefined} */
let onExpired;

/**
 * What to do when the API answers 401 to a page that had a session (it expired, or was logged out
 * elsewhere): app.js sends the browser to the login page, which brings it back here.
 * @param {(() => void) | undefined} handler
 */
export function onSessionExpired(handler) {
  onExpired = handler;
}

/** An API answer other than 2xx. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   * @param {{ path: string, message: string }[]} [causes]
   */
  constructor(status, message, causes = []) {
    super(message);
    this.status = status;
    this.causes = causes;
  }
}

/**
 * A file the API makes (POST, so that filters stay out of URLs): its body, name and the counts the
 * answer's headers give.
 * @param {string} path
 * @param {unknown} body
 * @returns {Promise<{ blob: Blob, name: string, total: number, limit: number }>}
 */
export async function download(path, body) {
  /** @type {Record<string, string>} */
  const headers = { 'content-type': 'application/json' };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, { method: 'POST', headers, credentials: 'same-origin', body: JSON.stringify(body) });
  if (res.status === 401 && onExpired) onExpired();
  if (!res.ok) {
    const json = await res.json().catch(() => undefined);
    throw new ApiError(res.status, typeof json?.error === 'string' ? json.error : `HTTP ${res.status}`, Array.isArray(json?.causes) ? json.causes : []);
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'export.csv';
  return { blob: await res.blob(), name, total: Number(res.headers.get('x-total-count')), limit: Number(res.headers.get('x-export-limit')) };
}

/**
 * GET (no body) or POST (with one) to /admin/…; resolves to the parsed JSON.
 * @param {string} path e.g. `/admin/api/overview?days=30`
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function api(path, body) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    if (csrfToken) headers['x-csrf-token'] = csrfToken;
  }
  const res = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  /** @type {any} */
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.status === 401 && onExpired) onExpired();
  if (!res.ok) {
    const message = typeof json?.error === 'string' ? json.error : typeof json?.error?.errorSummary === 'string' ? json.error.errorSummary : `HTTP ${res.status}`;
    throw new ApiError(res.status, message, Array.isArray(json?.causes) ? json.causes : []);
  }
  return json;
}
