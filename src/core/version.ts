/** The gateway's version, as package.json gives it (test/core/version.test.ts keeps the two equal). */
export const VERSION = '0.1.0';
