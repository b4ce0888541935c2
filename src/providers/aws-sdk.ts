// The part of the aws provider that touches the AWS SDK, loaded on demand by aws.ts: the SDK
// clients take a noticeable share of start-up, which installs without AWS should not pay.
import {
  PinpointSMSVoiceV2Client, PinpointSMSVoiceV2ServiceException, PutMessageFeedbackCommand, SendTextMessageCommand, SendVoiceMessageCommand,
  type VoiceMessageBodyTextType, type VoiceId,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { PublishCommand, SNSClient, SNSServiceException } from '@aws-sdk/client-sns';
import { E164 } from '../core/domain.js';
import type { OutboundMessage } from './types.js';

export interface AwsClientConfig {
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  sms: 'end-user-messaging' | 'sns';
  originationIdentity?: string;
  configurationSetName?: string;
  voiceTextType: VoiceMessageBodyTextType;
  endpoint?: string;
  snsEndpoint?: string;
  /** End User Messaging sends ask for message feedback (MessageFeedbackEnabled), answered with PutMessageFeedback. */
  feedback: boolean;
}

export interface AwsClients {
  /** Set when SMS goes through SNS. */
  sns?: SNSClient;
  /** Each send returns the MessageId AWS answered with. */
  sendText(msg: OutboundMessage, signal: AbortSignal): Promise<string | undefined>;
  sendVoice(msg: OutboundMessage, speech: { body: string; voice: VoiceId | undefined }, signal: AbortSignal): Promise<string | undefined>;
  /** PutMessageFeedback: the End User Messaging message reached its user. */
  received(messageId: string, signal: AbortSignal): Promise<void>;
  isServiceException(err: unknown): err is PinpointSMSVoiceV2ServiceException | SNSServiceException;
  destroy(): void;
}

export function awsClients(config: AwsClientConfig): AwsClients {
  const common = {
    region: config.region,
    ...(config.accessKeyId !== undefined && config.secretAccessKey !== undefined
      ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey, sessionToken: config.sessionToken } }
      : {}),
    // Failover and the hook's deadline decide about retries, not the SDK.
    maxAttempts: 1,
    // Options for the SDK's NodeHttpHandler: a dead endpoint fails fast; the attempt's signal bounds the rest.
    requestHandler: { connectionTimeout: 1_000 },
  };
  const eum = new PinpointSMSVoiceV2Client({ ...common, ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }) });
  // Without feedback the field is left out, as before: the configuration set's default applies.
  const feedback = config.feedback ? { MessageFeedbackEnabled: true } : {};
  const sns = config.sms === 'sns' ? new SNSClient({ ...common, ...(config.snsEndpoint === undefined ? {} : { endpoint: config.snsEndpoint }) }) : undefined;

  async function publish(client: SNSClient, msg: OutboundMessage, signal: AbortSignal): Promise<string | undefined> {
    const origin = config.originationIdentity;
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
    const out = await client.send(new PublishCommand({
      PhoneNumber: msg.to.e164,
      Message: msg.text,
      MessageAttributes: {
        'AWS.SNS.SMS.SMSType': attribute('Transactional'),
        ...(origin === undefined ? {} : E164.test(origin) ? { 'AWS.MM.SMS.OriginationNumber': attribute(origin) } : { 'AWS.SNS.SMS.SenderID': attribute(origin) }),
      },
    }), { abortSignal: signal });
    return out.MessageId;
  }

  return {
    sns,
    async sendText(msg, signal) {
      if (sns) return publish(sns, msg, signal);
      const out = await eum.send(new SendTextMessageCommand({
        DestinationPhoneNumber: msg.to.e164,
        OriginationIdentity: config.originationIdentity,
        MessageBody: msg.text,
        MessageType: 'TRANSACTIONAL',
        ConfigurationSetName: config.configurationSetName,
        Context: { reference: msg.reference },
        ...feedback,
      }), { abortSignal: signal });
      return out.MessageId;
    },
    async sendVoice(msg, speech, signal) {
      const out = await eum.send(new SendVoiceMessageCommand({
        DestinationPhoneNumber: msg.to.e164,
        OriginationIdentity: config.originationIdentity,
        MessageBody: speech.body,
        MessageBodyTextType: config.voiceTextType,
        VoiceId: speech.voice,
        ConfigurationSetName: config.configurationSetName,
        Context: { reference: msg.reference },
        ...feedback,
      }), { abortSignal: signal });
      return out.MessageId;
    },
    async received(messageId, signal) {
      await eum.send(new PutMessageFeedbackCommand({ MessageId: messageId, MessageFeedbackStatus: 'RECEIVED' }), { abortSignal: signal });
    },
    isServiceException: (err): err is PinpointSMSVoiceV2ServiceException | SNSServiceException =>
      err instanceof PinpointSMSVoiceV2ServiceException || err instanceof SNSServiceException,
    destroy() {
      eum.destroy();
      sns?.destroy();
    },
  };
}
