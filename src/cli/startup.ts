// What `byot serve` tells the operator once it listens: where Okta should call, where the admin
// page is, the secrets generated on this run (shown once), and a warning when every interface is
// served over plain HTTP.
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/load.js';
import { HOOK_PATH } from '../http/paths.js';
import { ADMIN_PREFIX } from '../admin/routes.js';
import { adminEnabled } from '../admin/schema.js';

export interface Addresses {
  /** The hook as this machine reaches it, e.g. http://localhost:8080/okta/telephony. */
  localHook: string;
  /** The hook as Okta should call it: on server.publicUrl when set, else the local one. */
  hook: string;
  /** The admin page (on the public URL when set); undefined when it is off. */
  admin?: string;
  /** True when every interface is served without TLS: anyone who reaches the port reads the traffic. */
  openPlainHttp: boolean;
}

const EVERY_INTERFACE = new Set(['0.0.0.0', '::', '']);

export function addresses(config: Config, listening: AddressInfo): Addresses {
  const scheme = config.server.tls ? 'https' : 'http';
  const host = EVERY_INTERFACE.has(listening.address) ? 'localhost' : listening.family === 'IPv6' ? `[${listening.address}]` : listening.address;
  const local = `${scheme}://${host}:${listening.port}`;
  const base = config.server.publicUrl ?? local;
  return {
    localHook: `${local}${HOOK_PATH}`,
    hook: `${base}${HOOK_PATH}`,
    ...(adminEnabled(config.admin) ? { admin: `${base}${ADMIN_PREFIX}` } : {}),
    openPlainHttp: EVERY_INTERFACE.has(listening.address) && !config.server.tls,
  };
}

export interface Generated {
  hook?: { header: string; secret: string };
  adminToken?: string;
}

/** The lines printed to the console at start; secrets appear only on the run that generated them. */
export function startupNotice(a: Addresses, generated: Generated): string {
  const lines = ['', `  Okta telephony hook URL:  ${a.hook}`];
  if (a.hook !== a.localHook) lines.push(`  (on this machine:         ${a.localHook})`);
  lines.push(a.admin
    ? `  Admin page:               ${a.admin}`
    : '  Admin page:               off (set BYOT_ADMIN_TOKEN, or admin.token / admin.users in the configuration)');
  if (generated.hook) {
    lines.push(
      '',
      '  No hook secret was configured, so one was generated and kept in the data folder.',
      '  In Okta, set the telephony inline hook\'s authentication to:',
      `    Authentication field:  ${generated.hook.header}`,
      `    Authentication secret: ${generated.hook.secret}`,
      '  It will not be shown again. Set OKTA_HOOK_SECRET to choose your own.',
    );
  }
  if (generated.adminToken) {
    lines.push(
      '',
      '  No admin credentials were configured, so an admin token was generated and kept in the data folder.',
      `  Open ${a.admin ?? ADMIN_PREFIX} and log in with the token:`,
      `    ${generated.adminToken}`,
      '  It will not be shown again. Set BYOT_ADMIN_TOKEN to choose your own.',
    );
  }
  return `${lines.join('\n')}\n\n`;
}
