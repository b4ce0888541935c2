import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { configFromEnv } from '../config/load.js';
import { createLogger } from '../telemetry/log.js';
import { createGateway } from '../gateway/gateway.js';
import { preloadPhoneLib } from '../core/phone.js';
import { addresses, startupNotice, type Generated } from './startup.js';

/** `byot serve`: runs until SIGTERM or SIGINT, then lets in-flight hook calls finish. */
export async function serve(configFile: string | undefined): Promise<number> {
  // The YAML parser only when there is a file (config/file.ts).
  const config = configFile ? await (await import('../config/file.js')).loadConfigFile(configFile) : configFromEnv();
  const log: Logger = createLogger(config.log.level, undefined,
    config.auth.type === 'header' ? [config.auth.header] : [], { format: config.log.format });
  const generated: Generated = {};
  const gateway = await createGateway({
    config,
    log,
    // Shown once, on the console only, after the gateway listens: they are the values to paste into Okta and the login page.
    onSecretCreated: (header, secret) => { generated.hook = { header, secret }; },
    onAdminTokenCreated: (token) => { generated.adminToken = token; },
  });
  const address = await gateway.app.listen({ host: config.server.host, port: config.server.port });
  const urls = addresses(gateway.config, gateway.app.server.address() as AddressInfo);
  process.stderr.write(startupNotice(urls, generated));
  if (urls.openPlainHttp) {
    log.warn({ host: config.server.host }, 'listening on every interface over plain HTTP: put a TLS proxy in front and set server.host: 127.0.0.1, or set server.tls');
  }
  log.info({ address, hookUrl: urls.hook, adminUrl: urls.admin ?? null, config: config.source, providers: Object.keys(config.providers) }, 'byot-gateway ready');
  // The phone metadata, once listening: start-up does not wait for it, and the first OTP does not either.
  preloadPhoneLib().catch((err: unknown) => log.warn({ err }, 'could not load the phone number metadata ahead of use'));

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info({ signal }, 'shutting down: finishing in-flight hook calls');
      gateway.close().then(resolve, (err: unknown) => {
        log.error({ err }, 'error during shutdown');
        resolve();
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}
