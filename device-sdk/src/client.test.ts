import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ApiError,
  Device,
  KeyValidity,
  parsePublicKey,
  RegistryError,
  SealedConfig,
  sealedConfigBytes,
  sealedConfigSha256,
  SignedPayload,
  verifyStatement,
} from '@iotreg/common';
import { createHash } from 'node:crypto';
import { sealConfig } from './config-seal';
import { authenticateDevice, parseAuthorization, SeenSignatures } from '../../gateway-app/src/auth';
import { SeqCounter } from './actions';
import { DeviceClient } from './client';
import { DeviceIdentity } from './identity';
import { deviceRecord } from './testing/device-record';
import { seal, SealError, SealErrorCode } from './seal';

/**
 * A stand-in gateway: checks device reads with the gateway's own verifier and device-signed
 * bodies with the chaincode's, and answers in the contract's shapes.
 */
class FakeGateway {
  readonly devices = new Map<string, Device>();
  readonly keys = new Map<string, KeyValidity>();
  /** Sealed configurations by device, as GET /v1/devices/{id}/config/sealed answers them. */
  readonly sealed = new Map<string, SealedConfig>();
  readonly requests: string[] = [];
  readonly seen = new SeenSignatures();
  readonly writes: { path: string; idempotencyKey: string | undefined; body: SignedPayload }[] = [];
  /** Answers to give before the real one, for the next writes. */
  readonly scripted: { status: number; body: string }[] = [];
  #server: Server | undefined;

  add(deviceId: string, identity: DeviceIdentity, overrides: Partial<Device> = {}): Device {
    const device = deviceRecord(deviceId, identity, overrides);
    this.devices.set(deviceId, device);
    this.keys.set(identity.keyId, { keyId: identity.keyId, deviceId, at: device.updatedAt, validAt: true, status: 'current' });
    return device;
  }

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        const code = err instanceof RegistryError ? err.code : 'INTERNAL';
        const status = code === 'UNAUTHENTICATED' ? 401 : code === 'NOT_FOUND' ? 404 : code === 'INTERNAL' ? 500 : 422;
        this.#json(res, status, { error: { code, message: (err as Error).message } });
      });
    });
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/`;
  }

  async stop(): Promise<void> {
    this.#server?.close();
    if (this.#server) await once(this.#server, 'close');
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0] ?? '';
    this.requests.push(`${req.method} ${path}`);
    const segments = path.split('/').map(decodeURIComponent);
    const device = (id: string | undefined) => {
      const found = this.devices.get(id ?? '');
      if (!found) throw new RegistryError('NOT_FOUND', `device ${id} is not registered`);
      return found;
    };
    if (req.method === 'GET') {
      const credentials = parseAuthorization(req.headers.authorization);
      if (credentials.scheme !== 'device') throw new RegistryError('UNAUTHENTICATED', 'device credentials required');
      await authenticateDevice({
        credentials,
        method: req.method,
        target: req.url ?? '',
        nowMs: Date.now(),
        lookupDevice: async (id) => device(id),
        seen: this.seen,
      });
      if (path === '/v1/discovery')
        return this.#json(res, 200, {
          endpoints: [{ id: 'gw1', org: 'Org1MSP', kind: 'gateway', url: 'http://gw1', tlsCertSha256: '', registeredAt: 'now' }],
        });
      if (segments[2] === 'devices')
        return this.#json(res, 200, segments[4] === 'config' ? this.#sealedOf(segments[3]) : device(segments[3]));
      const key = this.keys.get(segments[3] ?? '');
      if (!key) throw new RegistryError('NOT_FOUND', 'key is not registered');
      return this.#json(res, 200, key);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString()) as SignedPayload;
    this.writes.push({ path, idempotencyKey: req.headers['idempotency-key'] as string | undefined, body });
    const scripted = this.scripted.shift();
    if (scripted) {
      res.writeHead(scripted.status, { 'content-type': 'application/json' }).end(scripted.body);
      return;
    }
    const signer = device(segments[3]);
    if (!verifyStatement(parsePublicKey(signer.publicKeyPem), body.payload, body.signature))
      throw new RegistryError('BAD_SIGNATURE', 'bad signature');
    const seq = body.payload.seq as number;
    if (seq <= signer.seq) throw new RegistryError('REPLAYED_SEQ', `seq ${seq} is not above ${signer.seq}`);
    signer.seq = seq;
    this.#json(res, 201, writeAnswer(signer, body.payload, seq));
  }

  #sealedOf(deviceId: string | undefined): SealedConfig {
    const record = this.sealed.get(deviceId ?? '');
    if (!record) throw new RegistryError('NOT_FOUND', 'no sealed configuration');
    return record;
  }

  #json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}

/** What the gateway answers a device-signed write, in the contract's shapes; the transaction ID spells the seq. */
function writeAnswer(signer: Device, payload: SignedPayload['payload'], seq: number): unknown {
  const txId = String(seq).padStart(64, '0');
  const at = '2024-01-02T00:00:00.000Z';
  const { sha256, digest } = payload as { sha256?: string; digest?: string };
  if (payload.action === 'anchor') return { deviceId: signer.deviceId, seq, digest, keyId: signer.keyId, anchoredAt: at, txId };
  if (payload.action === 'config-report') return { deviceId: signer.deviceId, seq, sha256, reportedAt: at, configDrift: false, txId };
  return { ...signer, txId };
}

const gateway = new FakeGateway();
let url: string;
const alice = DeviceIdentity.generate();
const bob = DeviceIdentity.generate();
const H = 'c'.repeat(64);

beforeAll(async () => {
  url = await gateway.start();
});
afterAll(() => gateway.stop());
beforeEach(() => {
  gateway.devices.clear();
  gateway.keys.clear();
  gateway.requests.length = 0;
  gateway.writes.length = 0;
  gateway.scripted.length = 0;
  gateway.sealed.clear();
  gateway.add('site:alice', alice);
  gateway.add('bob', bob);
});

async function sealFailure(promise: Promise<unknown>): Promise<SealErrorCode> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof SealError)) throw new Error(`expected a SealError, got ${String(err)}`);
  return err.code;
}

describe('reads with Device credentials', () => {
  test('discovery, a device and a key, through the gateway verifier (an ID with ":" is percent-encoded and signed so)', async () => {
    const client = new DeviceClient(url, 'site:alice', alice);
    await expect(client.getDiscovery()).resolves.toEqual([expect.objectContaining({ id: 'gw1', kind: 'gateway' })]);
    await expect(client.getDevice('site:alice')).resolves.toMatchObject({ deviceId: 'site:alice', keyId: alice.keyId });
    await expect(client.getDeviceKey('bob')).resolves.toEqual({
      deviceId: 'bob',
      status: 'active',
      keyId: bob.keyId,
      publicKeyPem: bob.publicKeyPem,
    });
    await expect(client.getKeyValidity(bob.keyId, '2024-02-01T00:00:00Z')).resolves.toMatchObject({ deviceId: 'bob', validAt: true });
  });

  test('a key the gateway does not know for the device gets the 401 as an ApiError', async () => {
    const err: unknown = await new DeviceClient(url, 'bob', alice).getDiscovery().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  test('errors carry the status and code of the contract body', async () => {
    await expect(new DeviceClient(url, 'bob', bob).getDevice('nobody')).rejects.toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      message: 'device nobody is not registered',
    });
  });
});

describe('device-signed writes', () => {
  test('config, firmware and anchor bodies go to their paths, signed, with seq continuing from the seed', async () => {
    const client = new DeviceClient(url, 'site:alice', alice, { seq: new SeqCounter(10) });
    await expect(client.sendConfigReport(H)).resolves.toMatchObject({ seq: 11, txId: '11'.padStart(64, '0') });
    await expect(client.sendFirmwareReport('fam', '2.0.1', H)).resolves.toMatchObject({ seq: 12, txId: '12'.padStart(64, '0') });
    await expect(client.anchor(H)).resolves.toMatchObject({ digest: H, seq: 13 });
    expect(gateway.writes.map((w) => [w.path, w.body.payload.action, w.body.payload.seq])).toEqual([
      ['/v1/devices/site%3Aalice/config/report', 'config-report', 11],
      ['/v1/devices/site%3Aalice/firmware', 'firmware-report', 12],
      ['/v1/devices/site%3Aalice/messages', 'anchor', 13],
    ]);
    // Idempotency keys are random (a UUID each), not derived from anything guessable such as seq.
    const keys = gateway.writes.map((w) => w.idempotencyKey);
    for (const key of keys) expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(keys).size).toBe(3);
  });

  test('a refused write surfaces as an ApiError; syncSeq moves past what the ledger holds', async () => {
    gateway.devices.get('bob')!.seq = 50;
    const client = new DeviceClient(url, 'bob', bob);
    await expect(client.anchor(H)).rejects.toMatchObject({ status: 422, code: 'REPLAYED_SEQ' });
    await expect(client.syncSeq()).resolves.toBe(50);
    await expect(client.anchor(H)).resolves.toMatchObject({ seq: 51 });
  });

  test('after OUTCOME_UNKNOWN the same body is resent with the same Idempotency-Key, once by default', async () => {
    const unknown = { status: 503, body: JSON.stringify({ error: { code: 'OUTCOME_UNKNOWN', message: 'retry' } }) };
    const client = new DeviceClient(url, 'bob', bob, { retryDelayMs: 1 });
    gateway.scripted.push(unknown);
    await expect(client.anchor(H)).resolves.toMatchObject({ seq: 1 });
    expect(gateway.writes).toHaveLength(2);
    expect(gateway.writes[1]).toEqual(gateway.writes[0]);

    gateway.scripted.push(unknown, unknown);
    await expect(client.anchor(H)).rejects.toMatchObject({ status: 503, code: 'OUTCOME_UNKNOWN' });
    expect(gateway.writes).toHaveLength(4);
  });

  test("a refusal other than 503/429 is not resent; a body that is not the contract's error shape is HTTP_<status>", async () => {
    const client = new DeviceClient(url, 'bob', bob, { retryDelayMs: 1 });
    gateway.scripted.push({ status: 502, body: '<html>bad gateway</html>' });
    await expect(client.anchor(H)).rejects.toMatchObject({ status: 502, code: 'HTTP_502' });
    expect(gateway.writes).toHaveLength(1);
    const down = { status: 503, body: JSON.stringify({ error: { code: 'LEDGER_UNAVAILABLE', message: 'down' } }) };
    gateway.scripted.push(down, down);
    await expect(client.anchor(H)).rejects.toMatchObject({ status: 503, code: 'LEDGER_UNAVAILABLE' });
    expect(gateway.writes).toHaveLength(3);
    gateway.scripted.push(down);
    await expect(new DeviceClient(url, 'bob', bob, { retries: 0 }).anchor(H)).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
    expect(gateway.writes).toHaveLength(4);
  });
});

describe('sealing through the ledger', () => {
  test("sealTo uses the recipient's key on the ledger; openFrom checks the sender's key there", async () => {
    const envelope = await new DeviceClient(url, 'site:alice', alice).sealTo('bob', 'close valve 3');
    expect(envelope).toMatchObject({ senderDeviceId: 'site:alice', recipientDeviceId: 'bob', recipientKeyId: bob.keyId });
    await expect(new DeviceClient(url, 'bob', bob).openFrom(envelope)).resolves.toEqual(Buffer.from('close valve 3'));
  });

  test.each(['suspended', 'revoked'] as const)('a %s recipient is refused', async (status) => {
    gateway.devices.get('bob')!.status = status;
    expect(await sealFailure(new DeviceClient(url, 'site:alice', alice).sealTo('bob', 'x'))).toBe('RECIPIENT_NOT_ACTIVE');
  });

  test('an Ed25519 recipient is refused', async () => {
    gateway.add('ed', DeviceIdentity.generate('ed25519'));
    expect(await sealFailure(new DeviceClient(url, 'site:alice', alice).sealTo('ed', 'x'))).toBe('UNSUITABLE_KEY');
  });

  const aliceToBob = () => seal({ deviceId: 'site:alice', identity: alice }, { deviceId: 'bob', publicKeyPem: bob.publicKeyPem }, 'x');
  test.each<[string, () => void]>([
    ['its key was rotated away', () => Object.assign(gateway.keys.get(alice.keyId)!, { validAt: false, status: 'rotated' })],
    ['its key is revoked', () => Object.assign(gateway.keys.get(alice.keyId)!, { validAt: false, status: 'revoked' })],
    ['its key is unknown to the ledger', () => gateway.keys.delete(alice.keyId)],
    ['its key belongs to another device', () => Object.assign(gateway.keys.get(alice.keyId)!, { deviceId: 'bob' })],
    ['it is suspended', () => Object.assign(gateway.devices.get('site:alice')!, { status: 'suspended' })],
    [
      'its record shows another key',
      () => Object.assign(gateway.devices.get('site:alice')!, { publicKeyPem: DeviceIdentity.generate().publicKeyPem }),
    ],
  ])('openFrom refuses a sender when %s', async (_, change) => {
    const envelope = aliceToBob();
    change();
    expect(await sealFailure(new DeviceClient(url, 'bob', bob).openFrom(envelope))).toBe('SENDER_NOT_VALID');
  });

  test('openFrom refuses a malformed envelope before asking the gateway', async () => {
    expect(await sealFailure(new DeviceClient(url, 'bob', bob).openFrom({ ...aliceToBob(), v: 2 }))).toBe('MALFORMED_ENVELOPE');
    expect(gateway.requests).toEqual([]);
  });
});

describe('sealed configuration', () => {
  const config = 'broker=mqtts://10.0.4.2\n';
  const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
  const record = (overrides: Partial<SealedConfig> = {}): SealedConfig => {
    const envelope = sealConfig({ deviceId: 'bob', publicKeyPem: bob.publicKeyPem }, 2, config);
    return {
      deviceId: 'bob',
      version: 2,
      sha256: sha(config),
      keyId: bob.keyId,
      envelopeSha256: sealedConfigSha256(envelope),
      envelopeBytes: sealedConfigBytes(envelope).length,
      envelope,
      publishedAt: '2024-01-02T00:00:00.000Z',
      publisherMsp: 'Org1MSP',
      txId: 'a'.repeat(64),
      ...overrides,
    };
  };

  test('at boot the device fetches, opens, checks, applies and reports its configuration', async () => {
    gateway.sealed.set('bob', record());
    const applied: string[] = [];
    const ack = await new DeviceClient(url, 'bob', bob).bootConfig(({ config: bytes, version }) => {
      applied.push(`${version}:${bytes.toString()}`);
    });
    expect(applied).toEqual([`2:${config}`]);
    expect(ack).toMatchObject({ deviceId: 'bob', sha256: sha(config) });
    expect(gateway.writes.map((w) => w.body.payload)).toEqual([expect.objectContaining({ action: 'config-report', sha256: sha(config) })]);
  });

  test('a configuration that is not the one the ledger names is refused, and nothing is reported', async () => {
    gateway.sealed.set('bob', record({ sha256: sha('other') }));
    expect(await sealFailure(new DeviceClient(url, 'bob', bob).bootConfig(() => undefined))).toBe('HASH_MISMATCH');
    gateway.sealed.set('site:alice', record()); // sealed to bob, served to alice
    expect(await sealFailure(new DeviceClient(url, 'site:alice', alice).fetchConfig())).toBe('WRONG_RECIPIENT');
    expect(gateway.writes).toEqual([]);
  });

  test('off-chain: downloaded at most the size the ledger names, checked against its hash', async () => {
    const large = 'route=10.1.0.0/16\n'.repeat(2000); // beyond what the ledger holds inline
    const sealedLarge = sealConfig({ deviceId: 'bob', publicKeyPem: bob.publicKeyPem }, 2, large);
    const { envelope, ...rest } = record({
      sha256: sha(large),
      envelope: sealedLarge,
      envelopeSha256: sealedConfigSha256(sealedLarge),
      envelopeBytes: sealedConfigBytes(sealedLarge).length,
    });
    const offChain = { ...rest, uri: 'https://cfg.example/bob/2.json' };
    gateway.sealed.set('bob', offChain);
    const asked: Array<[string, number]> = [];
    const serving = (bytes: Buffer) => async (uri: string, maxBytes: number) => (asked.push([uri, maxBytes]), bytes);
    const good = new DeviceClient(url, 'bob', bob, { download: serving(sealedConfigBytes(envelope!)) });
    expect((await good.fetchConfig()).config.toString()).toBe(large);
    expect(asked).toEqual([[offChain.uri, offChain.envelopeBytes]]);
    const other = sealedConfigBytes(sealConfig({ deviceId: 'bob', publicKeyPem: bob.publicKeyPem }, 2, large));
    expect(await sealFailure(new DeviceClient(url, 'bob', bob, { download: serving(other) }).fetchConfig())).toBe('HASH_MISMATCH');
  });
});
