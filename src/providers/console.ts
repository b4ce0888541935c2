import { randomUUID } from 'node:crypto';
import { adapterChannels, defineKind } from './base.js';
import { maskPhone, maskDigits } from '../core/mask.js';
import { consoleOptions } from './options/console.js';

/**
 * Development provider: "delivers" by writing one log line, with the number and the code
 * masked, so a fresh install answers Okta end to end without any telephony account.
 */
export const consoleProvider = defineKind(consoleOptions, {
  create(name, config, { log }) {
    const channels = adapterChannels(consoleProvider, config);
    return {
      name,
      kind: 'console',
      channels,
      timeoutMs: config.timeoutMs,
      async send(msg) {
        const transactionId = `console-${randomUUID()}`;
        log.info(
          { channel: msg.channel, to: maskPhone(msg.to.e164), locale: msg.locale, transactionId },
          `console ${msg.channel} to ${maskPhone(msg.to.e164)}: ${maskDigits(msg.text)}`,
        );
        return { transactionId, status: 'delivered' };
      },
    };
  },
});
