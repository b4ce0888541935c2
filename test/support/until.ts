// Waiting for something another part does in its own time (a background job, a queue): the probe
// is asked again until it answers, and the wait ends with a clear error instead of hanging.

/** Resolves with the probe's first answer that is not undefined, null or false. */
export async function until<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
