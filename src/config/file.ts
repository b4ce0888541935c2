// A configuration file: YAML text read into the settings config/load.ts checks. The YAML parser is
// loaded only here, and this module only where there is a file to read: `byot serve` on the
// environment alone never loads it (bench/startup.ts measures that start).
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { buildConfig, ConfigError, type Config, type Env, type LoadOptions } from './load.js';

export async function loadConfigFile(file: string, env: Env = process.env, opts: LoadOptions = {}): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: '(file)', message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }]);
  }
  return parseConfigText(text, env, file, opts);
}

export function parseConfigText(text: string, env: Env = process.env, source = '(inline)', opts: LoadOptions = {}): Config {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => ({ path: '(yaml)', message: e.message.split('\n')[0] ?? e.message })));
  }
  return buildConfig(doc.toJS() ?? {}, env, source, opts);
}
