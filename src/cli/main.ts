import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFile } from '../config/load.js';
import { serve } from './serve.js';

const USAGE = `byot — Okta telephony hook gateway

Usage:
  byot serve [--config FILE]     run the gateway (default: settings from the environment)
  byot check-config FILE         validate a configuration file; lists every problem by path

Environment (when no file sets them):
  PORT              port to listen on (8080)
  OKTA_HOOK_SECRET  the hook's authentication secret (generated and shown once when unset)
  OKTA_HOOK_HEADER  the hook's authentication field (Authorization)
  BYOT_CONFIG       configuration file for \`byot serve\`

Examples:
  byot serve --config byot.yaml
  byot check-config byot.yaml
`;

/** Exit codes: 0 success, 1 the command failed, 2 it was called wrongly. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve': {
        const { values } = parseArgs({ args: rest, options: { config: { type: 'string', short: 'c' } } });
        return await serve(values.config ?? process.env.BYOT_CONFIG);
      }
      case 'check-config': {
        const { positionals } = parseArgs({ args: rest, allowPositionals: true });
        if (positionals.length !== 1) return usage('check-config takes one file');
        const config = await loadConfigFile(positionals[0]!);
        process.stdout.write(`${positionals[0]}: valid (${Object.keys(config.providers).length} provider(s): ${Object.keys(config.providers).join(', ')})\n`);
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        return usage(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) return usage(err.message);
    process.stderr.write(`byot: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

function usage(problem: string): number {
  process.stderr.write(`byot: ${problem}\n\n${USAGE}`);
  return 2;
}
