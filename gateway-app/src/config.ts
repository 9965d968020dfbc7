/**
 * The gateway's configuration: one JSON file written by the network scripts, named by the
 * environment variable IOTREG_GATEWAY_CONFIG, parsed once at start. Required values have no
 * defaults; the few tuning values that do are declared here, in the schema, and nowhere else.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { isIP } from 'node:net';
import { z } from 'zod';
import { MSP_PATTERN, ROLES } from '@iotreg/common';

const absolutePath = z
  .string()
  .min(1)
  .refine((p) => isAbsolute(p), { error: 'must be an absolute path' });

const IdentitySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { error: 'must be a simple name' }),
  role: z.enum(ROLES),
  certPath: absolutePath,
  keyPath: absolutePath,
  tokenSha256: z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be 64 lowercase hex characters' }),
});

const LimitsSchema = z.strictObject({
  /** Token bucket per bearer token. */
  rateLimitPerSecond: z.number().positive().default(500),
  rateLimitBurst: z.number().int().positive().default(1000),
  /**
   * Token bucket per client address for requests without a valid bearer token (device-signed
   * reads and writes before their signature is checked, health, metrics): far below the
   * tokens' limit, since anyone can send them.
   */
  unauthenticatedRatePerSecond: z.number().positive().default(20),
  unauthenticatedBurst: z.number().int().positive().default(100),
  /** How long the gateway trusts a device's key, read from the ledger, to pre-check its signed writes. */
  deviceKeyCacheMs: z.number().int().min(0).default(10_000),
  /** Answer deadline for reads; a read still running then gets 503. */
  readTimeoutMs: z.number().int().positive().default(30_000),
  /**
   * Answer deadline for writes. Must exceed the longest write path (endorse 15 s + submit 5 s +
   * commit status 60 s + outcome resolution), so it is a backstop, not a normal outcome.
   */
  writeTimeoutMs: z.number().int().positive().default(150_000),
  /** How long an idempotency record is kept. */
  idempotencyTtlHours: z.number().positive().default(24),
  /** Idempotency records one caller (token identity, or device) may hold at once. */
  idempotencyRecordsPerCaller: z.number().int().positive().default(100_000),
  /** Open event streams per token identity, and in all. */
  eventStreamsPerIdentity: z.number().int().positive().default(8),
  eventStreamsTotal: z.number().int().positive().default(256),
  /** How many blocks back an event stream may start (?since, Last-Event-ID), except for auditors. */
  eventReplayBlocks: z.number().int().min(0).default(1_000),
  /** Bound on resolving a write whose outcome is unknown (commit status by transaction ID). */
  outcomeResolutionMs: z.number().int().positive().default(30_000),
});

/** The gateway's read model of the ledger (docs/read-model.md). */
const ReadModelSchema = z.strictObject({
  /** Serve the catalogue's reads from the model (false: every read goes to the peer). */
  enabled: z.boolean().default(true),
  /** The embedded database file (default: read-model.sqlite in stateDir). */
  sqlitePath: absolutePath.optional(),
  /** A PostgreSQL connection string instead (several gateway replicas of one org may share it). */
  postgresUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: 'must be a postgres:// URL' })
    .optional(),
  /** How long a read waits for minHeight, or for this gateway's own writes, to reach the model. */
  minHeightWaitMs: z.number().int().min(0).default(5_000),
  /** Check every model answer against its operation's answer schema (tests; it costs a fleet page as much as its query). */
  checkAnswers: z.boolean().default(false),
});

export const ConfigSchema = z
  .strictObject({
    mspId: z.string().regex(MSP_PATTERN, { error: 'must be an MSP ID' }),
    host: z.string().min(1),
    port: z.number().int().min(0).max(65535),
    channel: z.string().regex(/^[a-z][a-z0-9.-]{0,248}$/, { error: 'must be a Fabric channel name' }),
    chaincode: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$/, { error: 'must be a chaincode name' }),
    peer: z.strictObject({
      endpoint: z.string().regex(/^[^\s:]+:\d{1,5}$/, { error: 'must be host:port' }),
      hostAlias: z.string().min(1),
      tlsRootCertPath: absolutePath,
    }),
    identities: z.array(IdentitySchema).min(1),
    relayIdentity: z.string().min(1),
    stateDir: absolutePath,
    tls: z.strictObject({ certPath: absolutePath, keyPath: absolutePath }).optional(),
    limits: LimitsSchema.prefault({}),
    readModel: ReadModelSchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    const hashes = new Set<string>();
    config.identities.forEach((identity, i) => {
      if (names.has(identity.name)) {
        ctx.addIssue({ code: 'custom', path: ['identities', i, 'name'], message: `duplicate identity ${identity.name}` });
      }
      if (hashes.has(identity.tokenSha256)) {
        ctx.addIssue({ code: 'custom', path: ['identities', i, 'tokenSha256'], message: 'two identities share a token' });
      }
      names.add(identity.name);
      hashes.add(identity.tokenSha256);
    });
    if (!names.has(config.relayIdentity)) {
      ctx.addIssue({ code: 'custom', path: ['relayIdentity'], message: `names no identity (${[...names].join(', ')})` });
    }
    if (!config.tls && !isLoopback(config.host)) {
      ctx.addIssue({
        code: 'custom',
        path: ['host'],
        message: `${config.host} is not a loopback address; serving plain HTTP there would expose bearer tokens: configure "tls"`,
      });
    }
  });

export type GatewayConfig = z.output<typeof ConfigSchema>;
export type IdentityConfig = GatewayConfig['identities'][number];
export type Limits = GatewayConfig['limits'];

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const version = isIP(host);
  if (version === 4) return host.startsWith('127.');
  if (version === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses configuration text; every problem is reported at once, with its JSON path. */
export function parseConfig(text: string, source = 'configuration'): GatewayConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${source} is not JSON: ${(err as Error).message}`);
  }
  const result = ConfigSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(`${source} is invalid:\n  ${problems.join('\n  ')}`);
  }
  return result.data;
}

/** Reads the file named by IOTREG_GATEWAY_CONFIG. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const path = env.IOTREG_GATEWAY_CONFIG;
  if (path === undefined || path === '') {
    throw new ConfigError('IOTREG_GATEWAY_CONFIG must name the gateway configuration file');
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`);
  }
  return parseConfig(text, path);
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** LOG_LEVEL is optional (info); an unknown level is an error, not silently ignored. */
export function logLevel(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const value = env.LOG_LEVEL;
  if (value === undefined || value === '') return 'info';
  const level = LOG_LEVELS.find((l) => l === value);
  if (!level) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  return level;
}
