// Configuration objects that refuse keys they do not know, with a suggestion for a likely typo:
// `hedaer: unknown key — did you mean header?`. Every part's configuration schema builds its
// objects with `strictObject` from here, so a misspelt key is an error instead of a silent default.
// It depends on zod alone, so any layer may use it.
import * as z from './zod.js';

/** Line of an `unrecognized_keys` message: `key: unknown key…`, one line per key, in the issue's order. */
const LINE = /^(.*?): (unknown key.*)$/;

/**
 * Optimal string alignment distance (edits: insert, delete, substitute, swap two neighbours).
 * Hand-written because the common typo is a swap (`hedaer`), which plain Levenshtein counts twice.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known key closest to `key` (case ignored), when it is close enough to be a typo of it. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const distance = editDistance(key.toLowerCase(), k.toLowerCase());
    if (distance < bestDistance) {
      best = k;
      bestDistance = distance;
    }
  }
  // A third of the key's length, at least one edit: `hots`→`host`, `timeoutMS`→`timeoutMs`, never `tls`→`port`.
  return bestDistance <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}

/** The message of one unknown key among `known`. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const near = closestKey(key, known);
  return near ? `unknown key — did you mean ${near}?` : `unknown key (expected one of: ${known.join(', ')})`;
}

interface ShapeHolder {
  _zod: { def: { shape?: Record<string, unknown> } };
}

/**
 * zod's strict object, whose `unrecognized_keys` message has one `key: unknown key…` line per key.
 * `.extend()` keeps it strict and suggests from the extended shape.
 */
export function strictObject<S extends z.core.$ZodLooseShape>(shape: S) {
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      const known = Object.keys((issue.inst as ShapeHolder | undefined)?._zod.def.shape ?? {});
      return issue.keys.map((key) => `${key}: ${unknownKeyMessage(key, known)}`).join('\n');
    },
  });
}

/**
 * One `{ path, message }` per unknown key of an `unrecognized_keys` issue (the key joins the path),
 * or undefined when `issue` is another kind of problem.
 */
export function splitUnknownKeys(issue: { code: string; message: string; keys?: readonly string[] }): { key: string; message: string }[] | undefined {
  if (issue.code !== 'unrecognized_keys' || !issue.keys) return undefined;
  const lines = issue.message.split('\n');
  return issue.keys.map((key, i) => {
    const m = LINE.exec(lines[i] ?? '');
    return { key, message: m && m[1] === key ? m[2]! : 'unknown key' };
  });
}
