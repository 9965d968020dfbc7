/**
 * Starts the real HTTP app, with a fake registry, on an ephemeral loopback port.
 */
import { createHash, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { canonicalStatement, Device, Statement, toLowS } from '@iotreg/common';
import { createApp, GatewayApp } from '../app';
import { TokenTable } from '../auth';
import { ConfigSchema, Limits } from '../config';
import { IdempotencyStore } from '../http/idempotency';
import { createMetrics, Metrics } from '../metrics';
import { fakeRegistry, FakeRegistry } from './fake-registry';

export const TOKENS = { admin: 'admin-secret-token', vendor: 'vendor-secret-token', auditor: 'auditor-secret-token' } as const;
export const RELAY = 'org1-auditor';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export const IDENTITIES = [
  { name: 'org1-admin', role: 'admin' as const, tokenSha256: sha256(TOKENS.admin) },
  { name: 'org1-vendor', role: 'vendor' as const, tokenSha256: sha256(TOKENS.vendor) },
  { name: 'org1-auditor', role: 'auditor' as const, tokenSha256: sha256(TOKENS.auditor) },
];

export const DEFAULT_LIMITS: Limits = ConfigSchema.shape.limits.parse(undefined);

export interface Harness {
  url: string;
  fake: FakeRegistry;
  gateway: GatewayApp;
  metrics: Metrics;
  stateDir: string;
  /** Every log line the gateway wrote (warn and above), parsed. */
  logs: { level: number; requestId?: string; [field: string]: unknown }[];
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  close(options?: { keepState?: boolean }): Promise<void>;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Raw body text (sent as is). */
  raw?: string;
  headers?: Record<string, string>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

export async function startHarness(
  options: { limits?: Partial<Limits>; stateDir?: string; fake?: FakeRegistry; now?: () => number; heartbeatMs?: number } = {},
): Promise<Harness> {
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'iotreg-gw-'));
  const fake = options.fake ?? fakeRegistry();
  const metrics = createMetrics({ defaultMetrics: false });
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const idempotency = await IdempotencyStore.open(stateDir, 3_600_000, { maxRecordsPerCaller: limits.idempotencyRecordsPerCaller });
  await idempotency.firstSweep;
  const logs: Harness['logs'] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logs.push(JSON.parse(line) as Harness['logs'][number]) });
  const gateway = await createApp({
    registry: fake.registry,
    tokens: new TokenTable(IDENTITIES),
    relayIdentity: RELAY,
    idempotency,
    logger,
    metrics,
    limits,
    tls: false,
    mspId: 'Org1MSP',
    ...(options.now ? { now: options.now } : {}),
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
  });
  const server = http.createServer(gateway.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    fake,
    gateway,
    metrics,
    stateDir,
    logs,
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
      let body: string | undefined;
      if (opts.raw !== undefined) body = opts.raw;
      else if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: response.status, headers: response.headers, body: parsed, text };
    },
    async close(closeOptions = {}) {
      gateway.close();
      idempotency.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!closeOptions.keepState && !options.stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

// Devices and their keys

export interface TestDevice {
  deviceId: string;
  privateKey: KeyObject;
  publicKeyPem: string;
  keyId: string;
}

export function newDeviceKey(deviceId = 'sensor-1'): TestDevice {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    deviceId,
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: createHash('sha256').update(der).digest('hex'),
  };
}

export function signStatement(privateKey: KeyObject, statement: Statement): string {
  return toLowS(sign('sha256', canonicalStatement(statement), privateKey)).toString('base64');
}

export function deviceRecord(device: TestDevice, overrides: Partial<Device> = {}): Device {
  return {
    deviceId: device.deviceId,
    family: 'thermo',
    ownerMsp: 'Org1MSP',
    status: 'active',
    publicKeyPem: device.publicKeyPem,
    keyId: device.keyId,
    attributes: {},
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    seq: 0,
    ...overrides,
  };
}

export const TX_ID = 'a1'.repeat(32);
