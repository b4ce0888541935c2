// Words the pages use for the log's values.

/** @type {Record<string, string>} */
export const REQUEST_TYPE_LABELS = {
  'pre-enrollment': 'MFA enrollment',
  'mfa-verification': 'MFA verification',
  'account-unlock': 'Account unlock',
  'password-reset': 'Password reset',
  unknown: 'Unknown',
};

/** @param {string} t */
export function requestTypeLabel(t) {
  return REQUEST_TYPE_LABELS[t] ?? t;
}

/** @param {string} c */
export function channelLabel(c) {
  return c === 'sms' ? 'SMS' : c === 'voice' ? 'Voice call' : c;
}
