// Studio configuration: where Kafka and the SFU are. Environment variables win over
// the config file, so a user can point the studio at their own cluster either way.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { SaslSettings, saslFromEnv, splitBrokers, sslFromEnv } from '../../protocol/kafka-connection';
import { topicSettingsFromEnv, type TopicSettingsInput } from '../../protocol/show-topics';

const ConfigFile = z
  .object({
    kafka: z
      .object({
        brokers: z.array(z.string().min(1)).min(1).optional(),
        ssl: z.boolean().optional(),
        sasl: SaslSettings.optional(),
        topicPartitions: z.number().int().min(1).max(1000).optional(),
        replicationFactor: z.number().int().min(1).max(32).optional(),
        minInsyncReplicas: z.number().int().min(1).max(32).optional(),
        retentionHours: z.number().int().min(1).optional(),
      })
      .strict()
      .optional(),
    sfu: z
      .object({ url: z.string().url().optional(), adminSecret: z.string().optional() })
      .strict()
      .optional(),
  })
  .strict();

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  sasl?: SaslSettings;
  /**
   * Settings for the show topics when the studio creates them; what is not set is decided
   * from the cluster (protocol/show-topics.ts).
   */
  topics: TopicSettingsInput;
}

export interface SfuConfig {
  /** Signaling URL (ws://…) of the SFU, or null when none is configured. */
  url: string | null;
  adminSecret: string | null;
}

export interface StudioConfig {
  kafka: KafkaConfig;
  sfu: SfuConfig;
  /** Where the studio keeps its state (running show, event outbox). */
  dataDir: string;
  /** How this studio's producer is named in moderation decisions at first (SHOPCAST_MODERATOR_NAME). */
  moderatorName?: string;
}

export const DEFAULT_KAFKA_BROKERS = ['127.0.0.1:19092'];

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.SHOPCAST_CONFIG ??
    join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'shopcast-studio', 'config.json')
  );
}

function readConfigFile(path: string): z.infer<typeof ConfigFile> {
  if (!existsSync(path)) return {};
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`The config file ${path} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parsed = ConfigFile.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new Error(`The config file ${path} has problems: ${problems}`);
  }
  return parsed.data;
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.SHOPCAST_DATA_DIR ?? join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'shopcast-studio')
  );
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): StudioConfig {
  const file = readConfigFile(defaultConfigPath(env));
  const sasl = saslFromEnv(env) ?? file.kafka?.sasl;
  return {
    kafka: {
      brokers: env.SHOPCAST_KAFKA_BROKERS
        ? splitBrokers(env.SHOPCAST_KAFKA_BROKERS)
        : (file.kafka?.brokers ?? DEFAULT_KAFKA_BROKERS),
      clientId: 'shopcast-studio',
      ssl: sslFromEnv(env) ?? file.kafka?.ssl ?? false,
      ...(sasl ? { sasl } : {}),
      topics: {
        ...definedOnly({
          partitions: file.kafka?.topicPartitions,
          replicationFactor: file.kafka?.replicationFactor,
          minInsyncReplicas: file.kafka?.minInsyncReplicas,
          retentionHours: file.kafka?.retentionHours,
        }),
        ...topicSettingsFromEnv(env),
      },
    },
    sfu: {
      url: env.SHOPCAST_SFU_URL ?? file.sfu?.url ?? null,
      adminSecret: env.SHOPCAST_SFU_ADMIN_SECRET ?? file.sfu?.adminSecret ?? null,
    },
    dataDir: defaultDataDir(env),
    ...(env.SHOPCAST_MODERATOR_NAME ? { moderatorName: env.SHOPCAST_MODERATOR_NAME } : {}),
  };
}
