// jose, the JWT library, loaded the first time a token is signed or checked rather than with the
// modules that use it: most gateways sign none (header auth, no Vonage, no Okta OAuth app), and
// neither `byot serve` nor `byot check-config` should pay for loading it.
type Jose = typeof import('jose');

let jose: Promise<Jose> | undefined;

export function loadJose(): Promise<Jose> {
  return (jose ??= import('jose'));
}
