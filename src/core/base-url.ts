// The one shape of a base URL option (a provider's API, the gateway's public address): http(s),
// kept without trailing slashes so that paths are appended after a single `/`.
import * as z from './zod.js';

export function baseUrl(error = 'expected an http(s) URL') {
  return z.pipe(z.url({ protocol: /^https?$/, error }), z.transform((url: string) => url.replace(/\/+$/, '')));
}
