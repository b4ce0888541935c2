// Configuration test helpers.
import assert from 'node:assert/strict';
import { ConfigError, type LoadOptions } from '../../src/config/load.js';
import { parseConfigText } from '../../src/config/file.js';

/** The `path: message` lines of the ConfigError that loading `text` throws; [] when it loads. */
export function configIssues(text: string, env: Record<string, string> = {}, opts: LoadOptions = {}): string[] {
  try {
    parseConfigText(text, env, undefined, opts);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

/** The same lines, failing the test when the configuration loads. */
export function refusalOf(text: string, env: Record<string, string> = {}, opts: LoadOptions = {}): string[] {
  const issues = configIssues(text, env, opts);
  assert.ok(issues.length > 0, 'expected the configuration to be refused');
  return issues;
}
