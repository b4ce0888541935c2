import type { Logger } from 'pino';
import { configFromEnv, loadConfigFile } from '../config/load.js';
import { createLogger } from '../telemetry/log.js';
import { createGateway } from '../gateway/gateway.js';

/** `byot serve`: runs until SIGTERM or SIGINT, then lets in-flight hook calls finish. */
export async function serve(configFile: string | undefined): Promise<number> {
  const config = configFile ? await loadConfigFile(configFile) : configFromEnv();
  const log: Logger = createLogger(config.log.level, undefined,
    config.auth.type === 'header' ? [config.auth.header] : []);
  const gateway = await createGateway({
    config,
    log,
    onSecretCreated(header, secret) {
      // Shown once, on the console only: it is the value to paste into Okta.
      process.stderr.write([
        '',
        '  No hook secret was configured, so one was generated and kept in the data folder.',
        '  In Okta, set the telephony inline hook\'s authentication to:',
        `    Authentication field:  ${header}`,
        `    Authentication secret: ${secret}`,
        '  It will not be shown again. Set OKTA_HOOK_SECRET to choose your own.',
        '',
        '',
      ].join('\n'));
    },
  });
  const address = await gateway.app.listen({ host: config.server.host, port: config.server.port });
  log.info({ address, config: config.source, providers: Object.keys(config.providers) }, 'byot-gateway ready');

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
