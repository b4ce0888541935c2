import { parseArgs } from 'node:util';
import { EXAMPLE_NUMBER } from '../core/domain.js';
import { ERROR_CODES, isGatewayError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import type { UsageError } from './common.js';

const USAGE = `byot — Okta telephony hook gateway

Usage:
  byot serve [--config FILE]     run the gateway (default: settings from the environment)
  byot check-config FILE         validate a configuration file; lists every problem by path
  byot preview [options]         send the gateway a request exactly as Okta does and show the answer
  byot explain [options]         show which providers a request would go to, and why
  byot stats [options]           executions, successes, failures and average time, from the delivery log
  byot okta SUBCOMMAND           set the hook up in Okta: register, list, show, activate,
                                 deactivate, delete, execute

Run "byot COMMAND --help" for a command's options and examples.

Environment (when no file sets them):
  PORT              port to listen on (8080)
  OKTA_HOOK_SECRET  the hook's authentication secret (generated and shown once when unset)
  OKTA_HOOK_HEADER  the hook's authentication field (Authorization)
  BYOT_ADMIN_TOKEN  turns the admin page on with this token (without a file, one is generated
                    and shown once)
  BYOT_CONFIG       configuration file for \`byot serve\`, \`explain\` and \`stats\`
  OKTA_ORG_URL, OKTA_API_TOKEN
                    the Okta org and API token for \`byot okta\`
  NO_COLOR          no colour, even on a terminal

Exit status: 0 success, 1 the command failed, 2 it was called wrongly.

Examples:
  byot serve --config byot.yaml
  byot check-config byot.yaml
  byot preview --secret "$OKTA_HOOK_SECRET" --phone ${EXAMPLE_NUMBER} --channel voice
  byot explain --config byot.yaml --phone ${EXAMPLE_NUMBER} --channel sms
  byot stats --config byot.yaml --by provider
  byot okta register --org https://acme.okta.com --url https://byot.example.com/okta/telephony --activate
`;

const CHECK_CONFIG_USAGE = `byot check-config — validate a configuration file; lists every problem by path

Usage:
  byot check-config FILE

Example:
  byot check-config byot.yaml
`;

const SERVE_USAGE = `byot serve — run the gateway until SIGTERM or SIGINT

Usage:
  byot serve [--config FILE]

  --config FILE   the configuration (default $BYOT_CONFIG, else settings from the environment)

Example:
  byot serve --config byot.yaml
`;

/** Exit codes: 0 success, 1 the command failed, 2 it was called wrongly. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    // Each command loads only what it needs, so `byot --help` and `byot okta` start quickly.
    switch (command) {
      case 'serve': {
        const { values } = parseArgs({ args: rest, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } });
        if (values.help) return help(SERVE_USAGE);
        const { serve } = await import('./serve.js');
        return await serve(values.config ?? process.env.BYOT_CONFIG);
      }
      case 'check-config': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
        if (values.help) return help(CHECK_CONFIG_USAGE);
        if (positionals.length !== 1) return usage('check-config takes one file', CHECK_CONFIG_USAGE);
        const { loadConfigFile } = await import('../config/file.js');
        const config = await loadConfigFile(positionals[0]!);
        process.stdout.write(`${positionals[0]}: valid (${Object.keys(config.providers).length} provider(s): ${Object.keys(config.providers).join(', ')})\n`);
        return 0;
      }
      case 'preview': return await (await import('./preview.js')).previewCommand(rest);
      case 'explain': return await (await import('./explain.js')).explainCommand(rest);
      case 'stats': return await (await import('./stats.js')).statsCommand(rest);
      case 'okta': return await (await import('./okta.js')).oktaCommand(rest);
      case 'help': {
        // `byot help preview` is `byot preview --help`.
        if (rest[0] && rest[0] !== 'help') return await main([rest[0], '--help']);
        return help(USAGE);
      }
      case undefined:
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      case '--version':
      case '-v':
        process.stdout.write(`byot-gateway ${VERSION}\n`);
        return 0;
      default:
        return usage(`unknown command "${command}"`);
    }
  } catch (err) {
    if (isGatewayError(err)) {
      switch (err.code) {
        case ERROR_CODES.USAGE: return usage(err.message, (err as UsageError).usage);
        case ERROR_CODES.CONFIG:
          process.stderr.write(`${err.message}\n`);
          return 1;
        default:
          process.stderr.write(`byot: ${err.message}\n`);
          return 1;
      }
    }
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) return usage(err.message);
    process.stderr.write(`byot: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

function help(text: string): number {
  process.stdout.write(text);
  return 0;
}

function usage(problem: string, text = USAGE): number {
  process.stderr.write(`byot: ${problem}\n\n${text}`);
  return 2;
}
