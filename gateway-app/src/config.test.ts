import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, isLoopback, loadConfig, logLevel, parseConfig } from './config';

const HASH = 'ab'.repeat(32);

function valid(): Record<string, unknown> {
  return {
    mspId: 'Org1MSP',
    host: '127.0.0.1',
    port: 7080,
    channel: 'iot',
    chaincode: 'device-registry',
    peer: { endpoint: '127.0.0.1:7051', hostAlias: 'localhost', tlsRootCertPath: '/abs/ca.pem' },
    identities: [
      { name: 'org1-admin', role: 'admin', certPath: '/abs/a.pem', keyPath: '/abs/a.key', tokenSha256: HASH },
      { name: 'org1-vendor', role: 'vendor', certPath: '/abs/v.pem', keyPath: '/abs/v.key', tokenSha256: 'cd'.repeat(32) },
      { name: 'org1-auditor', role: 'auditor', certPath: '/abs/u.pem', keyPath: '/abs/u.key', tokenSha256: 'ef'.repeat(32) },
    ],
    relayIdentity: 'org1-auditor',
    stateDir: '/abs/state',
  };
}

const parse = (value: unknown) => parseConfig(JSON.stringify(value));

test('a complete configuration parses; tuning limits take their documented defaults', () => {
  const config = parse(valid());
  expect(config.peer.hostAlias).toBe('localhost');
  expect(config.tls).toBeUndefined();
  expect(config.limits).toEqual({
    rateLimitPerSecond: 500,
    rateLimitBurst: 1000,
    unauthenticatedRatePerSecond: 20,
    unauthenticatedBurst: 100,
    deviceKeyCacheMs: 10_000,
    readTimeoutMs: 30_000,
    writeTimeoutMs: 150_000,
    idempotencyTtlHours: 24,
    idempotencyRecordsPerCaller: 100_000,
    eventStreamsPerIdentity: 8,
    eventStreamsTotal: 256,
    eventReplayBlocks: 1_000,
    outcomeResolutionMs: 30_000,
  });
  expect(parse({ ...valid(), limits: { rateLimitBurst: 5 } }).limits.rateLimitBurst).toBe(5);
});

test.each(['mspId', 'host', 'port', 'channel', 'chaincode', 'peer', 'identities', 'relayIdentity', 'stateDir'])(
  'required: %s has no default',
  (field) => {
    const config = valid();
    delete config[field];
    expect(() => parse(config)).toThrow(new RegExp(`${field}`));
  },
);

test('every problem is reported, with its path', () => {
  const config = { ...valid(), port: 'x', stateDir: 'relative/dir' };
  expect(() => parse(config)).toThrow(/port:[\s\S]*stateDir: must be an absolute path/);
});

test('unknown fields are refused (a typo is not silently ignored)', () => {
  expect(() => parse({ ...valid(), relayIdentty: 'x' })).toThrow(ConfigError);
});

test('relayIdentity must name an identity', () => {
  expect(() => parse({ ...valid(), relayIdentity: 'nobody' })).toThrow(/relayIdentity: names no identity/);
});

test('identities must have distinct names and tokens', () => {
  const config = valid();
  const identities = config.identities as Record<string, unknown>[];
  identities[1] = { ...identities[1], name: 'org1-admin' };
  expect(() => parse(config)).toThrow(/duplicate identity/);
  const shared = valid();
  const sharedIds = shared.identities as Record<string, unknown>[];
  sharedIds[1] = { ...sharedIds[1], tokenSha256: HASH };
  expect(() => parse(shared)).toThrow(/share a token/);
});

test('token digests are hex SHA-256 only', () => {
  const config = valid();
  (config.identities as Record<string, unknown>[])[0] = {
    ...(config.identities as Record<string, unknown>[])[0],
    tokenSha256: 'plain-token',
  };
  expect(() => parse(config)).toThrow(/tokenSha256/);
});

test('plain HTTP only on a loopback address; TLS allows any', () => {
  expect(() => parse({ ...valid(), host: '0.0.0.0' })).toThrow(/not a loopback address/);
  expect(() => parse({ ...valid(), host: '10.1.2.3' })).toThrow(/configure "tls"/);
  const withTls = parse({ ...valid(), host: '0.0.0.0', tls: { certPath: '/abs/tls.pem', keyPath: '/abs/tls.key' } });
  expect(withTls.tls).toEqual({ certPath: '/abs/tls.pem', keyPath: '/abs/tls.key' });
  expect(isLoopback('127.0.0.1')).toBe(true);
  expect(isLoopback('127.8.9.10')).toBe(true);
  expect(isLoopback('::1')).toBe(true);
  expect(isLoopback('localhost')).toBe(true);
  expect(isLoopback('128.0.0.1')).toBe(false);
  expect(isLoopback('example.com')).toBe(false);
});

test('loadConfig reads the file named by IOTREG_GATEWAY_CONFIG', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iotreg-config-'));
  try {
    const file = join(dir, 'gateway.json');
    writeFileSync(file, JSON.stringify(valid()));
    expect(loadConfig({ IOTREG_GATEWAY_CONFIG: file }).mspId).toBe('Org1MSP');
    expect(() => loadConfig({})).toThrow(/IOTREG_GATEWAY_CONFIG/);
    expect(() => loadConfig({ IOTREG_GATEWAY_CONFIG: join(dir, 'missing.json') })).toThrow(/cannot read/);
    writeFileSync(file, '{not json');
    expect(() => loadConfig({ IOTREG_GATEWAY_CONFIG: file })).toThrow(/is not JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('LOG_LEVEL: info by default, known levels only', () => {
  expect(logLevel({})).toBe('info');
  expect(logLevel({ LOG_LEVEL: 'debug' })).toBe('debug');
  expect(() => logLevel({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
});
