// AWS End User Messaging SMS and Voice v2 (SendTextMessage, SendVoiceMessage with Amazon Polly voices)
// and, with `sms: sns`, SMS through SNS Publish. Through the official SDK: it signs with SigV4 and finds
// credentials on its default chain (environment, profile, instance or task role) when none are configured.
import type { ValidationExceptionField, VoiceId } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { ErrorCategory } from '../core/domain.js';
import { adapterChannels, feedbackChannels, defineKind } from './base.js';
import { categoryForStatus, networkError } from './http.js';
import { escapeXml } from './markup.js';
import { awsOptions } from './options/aws.js';
import { voiceFor, type VoiceTable } from './voices.js';
import { ProviderError } from './types.js';
import type { AwsClients } from './aws-sdk.js';

// Amazon Polly standard voices that SendVoiceMessage accepts, per language.
const POLLY: Readonly<Record<string, VoiceId>> & { en: VoiceId } = {
  en: 'JOANNA', 'en-GB': 'AMY', 'en-AU': 'NICOLE', 'en-IN': 'RAVEENA',
  fr: 'CELINE', 'fr-CA': 'CHANTAL', de: 'MARLENE', es: 'CONCHITA', 'es-US': 'PENELOPE', 'es-MX': 'MIA',
  it: 'CARLA', pt: 'INES', 'pt-BR': 'CAMILA', nl: 'LOTTE', da: 'NAJA', nb: 'LIV', sv: 'ASTRID', pl: 'EWA',
  ro: 'CARMEN', ru: 'TATYANA', tr: 'FILIZ', ja: 'MIZUKI', ko: 'SEOYEON', zh: 'ZHIYU', ar: 'ZEINA',
};
const VOICES = Object.fromEntries(Object.entries(POLLY).map(([tag, voice]) => [tag, { language: tag, voice }])) as unknown as VoiceTable;

/**
 * AWS SMS and voice. No receipts route: delivery events leave AWS through configuration-set event
 * destinations (SNS topic, CloudWatch Logs, Firehose), not a per-message callback URL.
 */
export const awsProvider = defineKind(awsOptions, {
  create(name, config) {
    // The SDK is loaded only when an aws provider is configured, and at once in the background,
    // so neither start-up nor the first OTP pays for it.
    const loading: Promise<AwsClients> = import('./aws-sdk.js').then((m) => m.awsClients(config));
    loading.catch(() => {});
    const what = `${name} (${config.region})`;
    const ssml = config.voiceTextType === 'SSML';
    const channels = adapterChannels(awsProvider, config);
    // SNS has no message feedback: with `sms: sns` only calls get it.
    const feedback = feedbackChannels(config.feedback, channels, config.sms === 'sns' ? ['voice'] : ['sms', 'voice']);

    return {
      name,
      kind: 'aws',
      channels,
      timeoutMs: config.timeoutMs,
      voices: VOICES,
      async send(msg, signal) {
        const clients = await loading;
        const operation = `${what} ${msg.channel === 'voice' ? 'SendVoiceMessage' : clients.sns ? 'SNS Publish' : 'SendTextMessage'}`;
        let messageId: string | undefined;
        try {
          messageId = msg.channel === 'voice'
            ? await clients.sendVoice(msg, {
              // A slower rate helps the listener write the digits down.
              body: ssml ? `<speak><prosody rate="slow">${escapeXml(msg.text)}</prosody></speak>` : msg.text,
              voice: voiceFor(POLLY, msg.locale) ?? POLLY.en,
            }, signal)
            : await clients.sendText(msg, signal);
        } catch (err) {
          throw awsError(err, signal, operation, clients.isServiceException);
        }
        if (!messageId) throw new ProviderError('rejected', `${operation}: answer without MessageId`, { ambiguous: true });
        return { transactionId: messageId, status: 'accepted' };
      },
      ...(feedback === undefined ? {} : {
        feedback: {
          channels: feedback,
          async send(target, signal) {
            const clients = await loading;
            try {
              await clients.received(target.transactionId, signal);
            } catch (err) {
              throw awsError(err, signal, `${what} PutMessageFeedback`, clients.isServiceException);
            }
          },
        },
      }),
      async close() {
        (await loading.catch(() => undefined))?.destroy();
      },
    };
  },
});

// Exception name (without a trailing "Exception", so SNS's wire codes and SDK class names meet) → category.
const BY_NAME: Readonly<Record<string, ErrorCategory>> = {
  Throttling: 'rate_limited', Throttled: 'rate_limited', TooManyRequests: 'rate_limited', KMSThrottling: 'rate_limited',
  AccessDenied: 'auth', UnrecognizedClient: 'auth', InvalidSignature: 'auth', InvalidClientTokenId: 'auth',
  SignatureDoesNotMatch: 'auth', ExpiredToken: 'auth', IncompleteSignature: 'auth', MissingAuthenticationToken: 'auth',
  AuthorizationError: 'auth', InvalidSecurity: 'auth', ResourceNotFound: 'auth', NotFound: 'auth',
  KMSAccessDenied: 'auth', KMSDisabled: 'auth', KMSInvalidState: 'auth', KMSNotFound: 'auth', KMSOptInRequired: 'auth',
  InternalServer: 'unavailable', InternalError: 'unavailable', InternalFailure: 'unavailable', ServiceUnavailable: 'unavailable',
  EndpointDisabled: 'rejected', PlatformApplicationDisabled: 'rejected',
};

// End User Messaging `Reason` values that say more than the exception name.
const BY_REASON: Readonly<Record<string, ErrorCategory>> = {
  DESTINATION_COUNTRY_BLOCKED: 'region_blocked', INVALID_IDENTITY_FOR_DESTINATION_COUNTRY: 'region_blocked',
  COUNTRY_NOT_ENABLED: 'region_blocked', INTERNATIONAL_SENDING_NOT_SUPPORTED: 'region_blocked', PRICE_OVER_THRESHOLD: 'region_blocked',
  DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION: 'region_blocked', DESTINATION_PHONE_NUMBER_BLOCKED_BY_PROTECT_NUMBER_OVERRIDE: 'region_blocked',
  MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT: 'insufficient_funds', MONTHLY_SPEND_LIMIT_REACHED_FOR_VOICE: 'insufficient_funds',
  DAILY_DESTINATION_CALL_LIMIT: 'rate_limited',
  DESTINATION_PHONE_NUMBER_OPTED_OUT: 'rejected',
  // Account or origination set-up: another provider may do better.
  DESTINATION_PHONE_NUMBER_NOT_VERIFIED: 'auth', ACCOUNT_DISABLED: 'auth', INSUFFICIENT_ACCOUNT_REPUTATION: 'auth',
  NO_ORIGINATION_IDENTITIES_FOUND: 'auth', MESSAGE_TYPE_MISMATCH: 'auth', NUMBER_CAPABILITIES_MISMATCH: 'auth',
  VOICE_CAPABILITY_NOT_AVAILABLE: 'auth', CHANNEL_NOT_ENABLED: 'auth', SENDER_ID_NOT_REGISTERED: 'auth',
  SENDER_ID_NOT_SUPPORTED: 'auth', SENDER_ID_REQUIRES_REGISTRATION: 'auth', RESOURCE_NOT_ACTIVE: 'auth',
};

// A bad destination is named in ValidationException.Fields (End User Messaging) or in the message (SNS
// InvalidParameter "…PhoneNumber Reason: …"). The message itself is never copied: it can hold the number.
const DESTINATION_FIELDS = new Set(['DestinationPhoneNumber', 'PhoneNumber']);

/** An AWS failure as a ProviderError: service exceptions by name and reason, everything else as a network failure. */
function awsError(err: unknown, signal: AbortSignal, what: string, isServiceException: AwsClients['isServiceException']): ProviderError {
  if (signal.aborted) return networkError(err, signal);
  if (!isServiceException(err)) {
    // The SDK names both its connect timeout and socket errors such as ECONNRESET "TimeoutError"; only the
    // connect timeout (no errno code) means nothing reached AWS.
    if (err instanceof Error && (err as NodeJS.ErrnoException).code === undefined && /establish a connection/.test(err.message)) {
      return new ProviderError('unavailable', `${what}: cannot connect`, { providerCode: 'ConnectTimeout', cause: err });
    }
    return networkError(err, signal);
  }
  const name = err.name.replace(/Exception$/, '');
  const { Reason: reason, Fields: fields } = err as { Reason?: string; Fields?: ValidationExceptionField[] };
  const aboutDestination = (fields ?? []).some((f) => DESTINATION_FIELDS.has(f.Name ?? ''))
    || (['InvalidParameter', 'InvalidParameterValue', 'ParameterValueInvalid'].includes(name) && /\bPhoneNumber\b/.test(err.message));
  const category = (reason === undefined ? undefined : BY_REASON[reason])
    ?? (aboutDestination ? 'invalid_number' : undefined)
    ?? BY_NAME[name]
    ?? categoryForStatus(err.$metadata.httpStatusCode ?? 500);
  const providerCode = reason === undefined ? err.name : `${err.name}:${reason}`;
  return new ProviderError(category, `${what}: ${providerCode}`, { providerCode });
}
