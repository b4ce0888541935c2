// What every `byot` command shares: argument errors, output (colour only on a terminal),
// progress lines on stderr, tables, and scrubbing secrets from anything printed.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HEADER_NAME } from '../core/domain.js';
import { ERROR_CODES, GatewayError } from '../core/errors.js';

/** The command was called wrongly: exit 2, with the command's usage. */
export class UsageError extends GatewayError {
  constructor(message: string, readonly usage?: string) {
    super(ERROR_CODES.USAGE, message);
  }
}

/** The command ran and failed: exit 1, with this message (already safe to print). */
export class CommandError extends GatewayError {
  constructor(message: string) {
    super(ERROR_CODES.COMMAND, message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Node's parseArgs with the command's usage attached to every mistake, and `--help`/`-h`
 * understood everywhere. Returns undefined when help was printed.
 */
export function parseCommand<O extends Options>(args: string[], options: O, usage: string, allowPositionals = false) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.replace(/\. To specify a positional.*$/s, '') : String(err), usage);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(usage);
    return undefined;
  }
  return parsed;
}

/** Writes to stdout and stderr, coloured only when stdout is a terminal and NO_COLOR is unset. */
export interface Output {
  colour: boolean;
  out(text: string): void;
  err(text: string): void;
  /** A progress line on stderr for something that may take a moment. */
  progress(text: string): void;
  bold(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  /** Remembers a value that must never be printed; every later write replaces it. */
  secret(value: string | undefined): void;
}

export function useColour(stream: { isTTY?: boolean }, env: Record<string, string | undefined> = process.env): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

export function createOutput(opts: { quiet?: boolean } = {}): Output {
  const colour = useColour(process.stdout);
  const secrets = new Set<string>();
  const scrub = (text: string): string => {
    let s = text;
    // Longest first, so a secret that contains another is replaced whole.
    for (const v of [...secrets].sort((a, b) => b.length - a.length)) s = s.split(v).join('[redacted]');
    return s;
  };
  const paint = (code: string) => (s: string): string => (colour ? `\u001b[${code}m${s}\u001b[0m` : s);
  return {
    colour,
    out: (text) => { process.stdout.write(scrub(text)); },
    err: (text) => { process.stderr.write(scrub(text)); },
    progress: (text) => { if (!opts.quiet) process.stderr.write(scrub(`${text}\n`)); },
    bold: paint('1'),
    dim: paint('2'),
    green: paint('32'),
    red: paint('31'),
    yellow: paint('33'),
    secret(value) {
      // Very short values would blank out ordinary words; they are never real credentials here.
      if (value && value.length >= 6) secrets.add(value);
    },
  };
}

// Built from a string so the pattern holds no literal control character.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

/** Columns padded to the widest cell (right-aligned where `align` says `r`); ANSI colour codes are not counted. */
export function table(rows: string[][], opts: { gap?: number; align?: ('l' | 'r')[] } = {}): string {
  const gap = opts.gap ?? 2;
  const visible = (s: string): number => stripAnsi(s).length;
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, visible(cell)); });
  return rows.map((row) => row.map((cell, i) => {
    const pad = ' '.repeat(widths[i]! - visible(cell));
    if (opts.align?.[i] === 'r') return pad + cell + (i === row.length - 1 ? '' : ' '.repeat(gap));
    return i === row.length - 1 ? cell : cell + pad + ' '.repeat(gap);
  }).join('').trimEnd()).join('\n') + '\n';
}

/** `--days 30` and friends: a positive integer within bounds, or a usage error naming the option. */
export function intOption(raw: string | undefined, name: string, fallback: number, min: number, max: number, usage: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got "${raw}")`, usage);
  return n;
}

export function oneOf<T extends string>(raw: string | undefined, name: string, allowed: readonly T[], usage: string): T | undefined {
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')} (got "${raw}")`, usage);
  return raw as T;
}

/** Why a network call failed, in words an operator can act on. */
export { describeNetworkError as networkProblem } from '../okta/management/index.js';

/** `--header NAME`: refused unless it is an HTTP header name. */
export function headerOption(header: string, usage: string): string {
  if (!HEADER_NAME.test(header)) throw new UsageError(`--header "${header}" is not an HTTP header name`, usage);
  return header;
}
