// zod's small build, zod/mini, with its English messages: every schema in src/ is built from here.
// The full build gives each schema its methods (`.optional()`, `.min()`…) and makes one schema per
// call of a chain; zod/mini's functions make one per option and bundle to half the size, which took
// about 30% off what `byot check-config` adds to a bare node start (bench/startup.ts). zod/mini
// loads no messages of its own, so the locale is set here, before any schema is parsed.
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

export * from 'zod/mini';
