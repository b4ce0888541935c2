// Guard fixtures the tests share.

/** Every velocity limit off; a test turns on the ones it measures. As JSON it is YAML too. */
export const LIMITS_OFF = {
  phone: false, user: false, prefix: false, country: false, ip: false, global: false, distinctPerPrefix: false,
} as const;
