// The address of an Okta org, as the Management API is reached.

/**
 * `acme.okta.com`, `https://acme.okta.com/`, `https://acme-admin.okta.com` → `https://acme.okta.com`.
 * Plain http is accepted only for loopback addresses (local test doubles).
 */
export function normaliseOrgUrl(raw: string): string {
  const text = raw.trim();
  let u: URL;
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    throw new Error(`"${raw}" is not an Okta org URL (e.g. https://acme.okta.com)`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) throw new Error(`the Okta org URL must be https:// (got ${u.protocol}//)`);
  // The Admin Console's address (acme-admin.okta.com) is not where the API lives; custom domains are left alone.
  u.hostname = u.hostname.replace(/^([^.]+)-admin\.(okta|oktapreview|okta-emea|okta-gov)\.(com|mil)$/, '$1.$2.$3');
  return u.origin;
}
