/**
 * The real grpc-js client and fabric-gateway library, through connection.ts and the registry
 * adapter, against a scripted peer gateway: checks what goes over the wire and how real
 * fabric-gateway errors are classified.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as grpcStatus } from '@grpc/grpc-js';
import { common } from '@hyperledger/fabric-protos';
import pino from 'pino';
import { RegistryError, OPERATIONS } from '@iotreg/common';
import { SAMPLE_ANSWERS, sampleDevice } from '../testing/sample-answers';
import { GatewayConfig, parseConfig } from '../config';
import { createMetrics } from '../metrics';
import { FabricRegistry } from '../registry/fabric-registry';
import { FakePeer, PeerError, startFakePeer } from '../testing/fake-peer';
import { TEST_TLS_CERT, TEST_TLS_KEY } from '../testing/tls-fixture';
import { connectFabric, LedgerPort } from './connection';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

let dir: string;
let peer: FakePeer;
let ledger: LedgerPort;
let registry: FabricRegistry;

function configFor(endpoint: string): GatewayConfig {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  return parseConfig(
    JSON.stringify({
      mspId: 'Org1MSP',
      host: '127.0.0.1',
      port: 0,
      channel: 'iot',
      chaincode: 'device-registry',
      peer: { endpoint, hostAlias: 'localhost', tlsRootCertPath: cert },
      identities: [
        { name: 'org1-admin', role: 'admin', certPath: cert, keyPath: key, tokenSha256: 'ab'.repeat(32) },
        { name: 'org1-auditor', role: 'auditor', certPath: cert, keyPath: key, tokenSha256: 'cd'.repeat(32) },
      ],
      relayIdentity: 'org1-auditor',
      stateDir: dir,
    }),
  );
}

function newRegistry(port: LedgerPort): FabricRegistry {
  return new FabricRegistry({
    ledger: port,
    relayIdentity: 'org1-auditor',
    metrics: createMetrics({ defaultMetrics: false }),
    logger: pino({ level: 'silent' }),
    outcomeResolutionMs: 1_500,
    resolutionRetryDelayMs: 20,
    pingTimeoutMs: 300,
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'iotreg-conn-'));
  writeFileSync(join(dir, 'cert.pem'), TEST_TLS_CERT);
  writeFileSync(join(dir, 'key.pem'), TEST_TLS_KEY);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(async () => {
  peer = await startFakePeer();
  ledger = connectFabric(configFor(peer.endpoint));
  registry = newRegistry(ledger);
});
afterEach(async () => {
  ledger.close();
  await peer.close();
});

test('evaluate: transaction name and ONE JSON argument on the wire, JSON answer decoded', async () => {
  peer.script.evaluate = () => json(sampleDevice);
  await expect(registry.call('getDevice', 'org1-admin', { deviceId: 'd-1' })).resolves.toEqual(sampleDevice);
  expect(peer.evaluations).toEqual([
    {
      channel: 'iot',
      txId: expect.stringMatching(/^[0-9a-f]{64}$/),
      chaincode: 'device-registry',
      fcn: OPERATIONS.getDevice.tx,
      args: ['{"deviceId":"d-1"}'],
    },
  ]);
});

test('evaluate: a chaincode error as the peer gateway reports it becomes the RegistryError', async () => {
  peer.script.evaluate = () => {
    throw new PeerError(grpcStatus.UNKNOWN, 'evaluate call to endorser returned error: chaincode response 500, NOT_FOUND: no device d-9', [
      'chaincode response 500, NOT_FOUND: no device d-9',
    ]);
  };
  await expect(registry.call('getDevice', 'org1-admin', { deviceId: 'd-9' })).rejects.toEqual(
    new RegistryError('NOT_FOUND', 'no device d-9'),
  );
});

test('submit: endorse, submit, commit status; the endorsed result and transaction ID come back', async () => {
  peer.script.endorse = () => json(SAMPLE_ANSWERS.revokeDevice);
  peer.script.commitStatus = async () => ({ code: 0, blockNumber: 17 });
  const committed = await registry.call('revokeDevice', 'org1-admin', { deviceId: 'd-1', reason: 'decommissioned' });
  expect(committed.result).toEqual(SAMPLE_ANSWERS.revokeDevice);
  expect(committed.blockNumber).toBe(17);
  expect(peer.endorsements).toHaveLength(1);
  expect(peer.endorsements[0]).toMatchObject({ fcn: OPERATIONS.revokeDevice.tx, args: ['{"deviceId":"d-1","reason":"decommissioned"}'] });
  expect(committed.txId).toBe(peer.endorsements[0]?.txId);
  expect(peer.submits).toEqual([committed.txId]);
});

test('endorsement refused by the chaincode: its code, and nothing submitted', async () => {
  peer.script.endorse = () => {
    throw new PeerError(grpcStatus.ABORTED, 'failed to endorse transaction, see attached details for more info', [
      'chaincode response 500, ALREADY_EXISTS: device d-1 already exists',
    ]);
  };
  await expect(
    registry.call('registerDevice', 'org1-admin', { deviceId: 'd-1', publicKeyPem: 'p', family: 'f', proof: 'x' }),
  ).rejects.toEqual(new RegistryError('ALREADY_EXISTS', 'device d-1 already exists'));
  expect(peer.submits).toHaveLength(0);
});

test('BFT quorum failure on submit, transaction committed anyway: found by its ID (hand-built commit status request), success', async () => {
  peer.script.endorse = () => json(SAMPLE_ANSWERS.anchorMessage);
  peer.script.submit = () => {
    throw new PeerError(
      grpcStatus.UNAVAILABLE,
      'insufficient number of orderers could successfully process transaction to satisfy quorum requirement',
    );
  };
  peer.script.commitStatus = async () => ({ code: 0, blockNumber: 23 });
  const committed = await registry.call('anchorMessage', 'org1-auditor', {
    payload: { action: 'anchor', deviceId: 'd-1', seq: 1, digest: 'd'.repeat(64) },
    signature: 's',
  });
  expect(committed).toMatchObject({ result: SAMPLE_ANSWERS.anchorMessage, blockNumber: 23 });
  expect(peer.submits).toEqual([committed.txId]);
  expect(peer.statusRequests).toEqual([{ txId: committed.txId, channel: 'iot', mspId: 'Org1MSP' }]);
});

test('still unknown after the bounded lookup: OUTCOME_UNKNOWN with the transaction ID', async () => {
  peer.script.endorse = () => json(SAMPLE_ANSWERS.publishConfig);
  peer.script.submit = () => {
    throw new PeerError(
      grpcStatus.UNAVAILABLE,
      'insufficient number of orderers could successfully process transaction to satisfy quorum requirement',
    );
  };
  // The peer waits for the commit that never comes, until the caller's deadline.
  peer.script.commitStatus = () => new Promise(() => undefined);
  const started = Date.now();
  const error = await registry
    .call('publishConfig', 'org1-admin', { deviceId: 'd', version: 2, sha256: 'ab'.repeat(32) })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RegistryError);
  expect(error).toMatchObject({ code: 'OUTCOME_UNKNOWN', details: { txId: peer.submits[0] } });
  expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(peer.submits).toHaveLength(1);
});

test('MVCC conflict at commit: proposed again as a new transaction', async () => {
  peer.script.endorse = () => json(SAMPLE_ANSWERS.voteFirmware);
  let commits = 0;
  peer.script.commitStatus = async () => {
    commits += 1;
    return { code: commits === 1 ? 11 : 0, blockNumber: 5 };
  };
  const committed = await registry.call('voteFirmware', 'org1-admin', { family: 'f', version: '1.0.0', decision: 'approve' });
  expect(peer.endorsements).toHaveLength(2);
  expect(peer.endorsements[0]?.txId).not.toBe(peer.endorsements[1]?.txId);
  expect(committed.txId).toBe(peer.endorsements[1]?.txId);
});

test('ping: qscc GetChainInfo with the channel, height decoded', async () => {
  peer.script.evaluate = (call) => {
    expect(call).toMatchObject({ chaincode: 'qscc', fcn: 'GetChainInfo', args: ['iot'] });
    const info = new common.BlockchainInfo();
    info.setHeight(41);
    return info.serializeBinary();
  };
  await expect(registry.ping()).resolves.toEqual({ height: 41 });
});

test('ping: a peer that does not answer in time is LEDGER_UNAVAILABLE (short deadline)', async () => {
  peer.script.evaluate = () => new Promise(() => undefined);
  const started = Date.now();
  await expect(registry.ping()).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
  expect(Date.now() - started).toBeLessThan(2_000);
});

test('an unreachable peer: reads and writes are LEDGER_UNAVAILABLE, nothing submitted', async () => {
  await peer.close();
  const offline = connectFabric(configFor('127.0.0.1:1'));
  try {
    const unreachable = newRegistry(offline);
    await expect(unreachable.call('getDevice', 'org1-admin', { deviceId: 'd' })).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
    await expect(
      unreachable.call('registerDevice', 'org1-admin', { deviceId: 'd', publicKeyPem: 'p', family: 'f', proof: 'x' }),
    ).rejects.toMatchObject({
      code: 'LEDGER_UNAVAILABLE',
      message: expect.stringContaining('nothing was written'),
    });
  } finally {
    offline.close();
  }
});

test('an identity the configuration does not have is a programming error', () => {
  expect(() => ledger.contract('nobody')).toThrow(/no Fabric identity named nobody/);
});
