// How to reach Kafka, as the studio, the audience simulator and the SFU all read it from
// the environment. The studio hands its own settings to the processes it starts this way
// (in the environment, never on a command line other users can read).
import { z } from 'zod';

const credentials = { username: z.string().min(1), password: z.string().min(1) };
// One object per mechanism, so the parsed value fits kafkajs's SASL options as it is.
export const SaslSettings = z.discriminatedUnion('mechanism', [
  z.object({ mechanism: z.literal('plain'), ...credentials }).strict(),
  z.object({ mechanism: z.literal('scram-sha-256'), ...credentials }).strict(),
  z.object({ mechanism: z.literal('scram-sha-512'), ...credentials }).strict(),
]);
export type SaslSettings = z.infer<typeof SaslSettings>;

export interface KafkaConnection {
  brokers: string[];
  ssl: boolean;
  sasl?: SaslSettings;
}

export const KAFKA_ENV = {
  brokers: 'SHOPCAST_KAFKA_BROKERS',
  ssl: 'SHOPCAST_KAFKA_SSL',
  saslMechanism: 'SHOPCAST_KAFKA_SASL_MECHANISM',
  saslUsername: 'SHOPCAST_KAFKA_SASL_USERNAME',
  saslPassword: 'SHOPCAST_KAFKA_SASL_PASSWORD',
} as const;

type Env = Record<string, string | undefined>;

export const splitBrokers = (value: string): string[] =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

/** SASL settings from the environment; undefined when none are set, an error when they are incomplete. */
export function saslFromEnv(env: Env): SaslSettings | undefined {
  if (!env[KAFKA_ENV.saslMechanism]) return undefined;
  const parsed = SaslSettings.safeParse({
    mechanism: env[KAFKA_ENV.saslMechanism],
    username: env[KAFKA_ENV.saslUsername],
    password: env[KAFKA_ENV.saslPassword],
  });
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  throw new Error(`SHOPCAST_KAFKA_SASL_MECHANISM/_USERNAME/_PASSWORD are incomplete: ${problems}`);
}

/** TLS from the environment; undefined when not set. */
export function sslFromEnv(env: Env): boolean | undefined {
  const value = env[KAFKA_ENV.ssl];
  return value ? value === 'true' : undefined;
}

/** The connection a child process needs, from the environment (brokers: fallback when unset). */
export function kafkaConnectionFromEnv(env: Env, fallbackBrokers: string[] = []): KafkaConnection {
  const sasl = saslFromEnv(env);
  return {
    brokers: env[KAFKA_ENV.brokers] ? splitBrokers(env[KAFKA_ENV.brokers]!) : fallbackBrokers,
    ssl: sslFromEnv(env) ?? false,
    ...(sasl ? { sasl } : {}),
  };
}

/** The environment variables that carry a connection to a child process. */
export function kafkaConnectionEnv(connection: KafkaConnection): Record<string, string> {
  return {
    [KAFKA_ENV.brokers]: connection.brokers.join(','),
    [KAFKA_ENV.ssl]: String(connection.ssl),
    ...(connection.sasl
      ? {
          [KAFKA_ENV.saslMechanism]: connection.sasl.mechanism,
          [KAFKA_ENV.saslUsername]: connection.sasl.username,
          [KAFKA_ENV.saslPassword]: connection.sasl.password,
        }
      : {}),
  };
}
