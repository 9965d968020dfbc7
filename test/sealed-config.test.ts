/**
 * Sealed configuration on the live network, both orgs: Org1's admin seals a device's
 * configuration to its registered key (REST and the CLI); the device, through Org2's gateway and
 * the device library, fetches it with a device-signed read, opens it, checks the ledger's hash and
 * reports it applied; nobody else opens it; a key rotation forces a re-seal; a large one is stored
 * off-chain by hash; a revoked or quarantined device gets nothing.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApiError, sealedConfigBytes, sealedConfigSha256 } from '@iotreg/common';
import { DeviceClient, DeviceIdentity, openConfig, sealConfig, SealError } from '@iotreg/device';
import { clients, clientsFile, orgsInSync, REPO, uid } from './support/network';
import { registeredDevice, rotation, newDevice, type TestDevice } from './support/devices';
import { ensureFamilies } from './support/families';

beforeAll(() => ensureFamilies(['sealed-v1']));

const { Org1MSP: org1, Org2MSP: org2 } = clients();
const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const run = promisify(execFile);
const CLI = path.join(REPO, 'cli/dist/main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'iotreg-sealed-'));
const gateway = (org: 'Org1MSP' | 'Org2MSP') => clientsFile().orgs[org].gateway;

/** The device as it runs: its key, talking to Org2's gateway, its seq read back from the ledger. */
async function deviceClient(device: TestDevice, options: ConstructorParameters<typeof DeviceClient>[3] = {}) {
  const client = new DeviceClient(gateway('Org2MSP'), device.id, device.identity, options);
  await client.syncSeq();
  return client;
}

const iotreg = (...args: string[]) => run('node', [CLI, ...args], { cwd: dir });

describe('sealed configuration', () => {
  const topology = JSON.stringify({ broker: 'mqtts://10.0.4.2:8883', peers: ['valve-3', 'thermo-7'], site: 'plant-3' });

  test("sealed by Org1's admin, opened and reported by the device through Org2; nobody else reads it; a rotation needs a re-seal", async () => {
    const device = await registeredDevice(org1.admin, 'sealed-v1', 'sealed');
    const stranger = await registeredDevice(org2.admin, 'sealed-v1', 'stranger');
    const ledgerView = { deviceId: device.id, publicKeyPem: device.publicKeyPem };

    // Only the owner's admin publishes; the envelope must be sealed to the device's key.
    const envelope = sealConfig(ledgerView, 1, topology);
    const body = { version: 1, sha256: sha(topology), sealed: envelope };
    const foreign = await org2.admin.put(`/v1/devices/${device.id}/config/sealed`, body);
    expect([foreign.status, foreign.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const wrongKey = sealConfig({ ...ledgerView, publicKeyPem: stranger.publicKeyPem }, 1, topology);
    const misSealed = await org1.admin.put(`/v1/devices/${device.id}/config/sealed`, { ...body, sealed: wrongKey });
    expect([misSealed.status, misSealed.body.error.code]).toEqual([422, 'RULE_VIOLATION']);
    const published = await org1.admin.put(`/v1/devices/${device.id}/config/sealed`, body);
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({
      version: 1,
      keyId: device.keyId,
      envelopeSha256: sealedConfigSha256(envelope),
      publisherMsp: 'Org1MSP',
    });

    // Org2 sees the ciphertext and its hash, never the configuration.
    const seen = await org2.auditor.get(`/v1/devices/${device.id}/config/sealed`);
    expect(seen.status).toBe(200);
    expect(JSON.stringify(seen.body)).not.toContain('10.0.4.2');
    expect(seen.body.envelope.ciphertext).toBe(envelope.ciphertext);
    expect(() => openConfig({ deviceId: stranger.id, identity: stranger.identity }, seen.body.envelope)).toThrow(SealError);
    expect(() => openConfig({ deviceId: device.id, identity: stranger.identity }, seen.body.envelope)).toThrow(SealError);

    // The device boots: fetch (device-signed read), open, check the ledger's hash, apply, report.
    await orgsInSync();
    const client = await deviceClient(device);
    let applied = '';
    const report = await client.bootConfig(({ config }) => {
      applied = config.toString('utf8');
    });
    expect(applied).toBe(topology);
    expect(report).toMatchObject({ deviceId: device.id, sha256: sha(topology), configDrift: false });
    await orgsInSync();
    // Another device's credentials fetch only ciphertext it cannot open; a device with none sealed gets 404.
    const strangerClient = new DeviceClient(gateway('Org1MSP'), stranger.id, stranger.identity);
    await expect(strangerClient.fetchConfig()).rejects.toMatchObject({ status: 404 });

    // A rotation: the configuration is sealed to a key the device no longer holds.
    const next = newDevice(device.id);
    expect((await org1.admin.post(`/v1/devices/${device.id}/keys`, rotation(device, next))).status).toBe(200);
    await orgsInSync();
    const rotated = await deviceClient(next);
    const refused = await rotated.fetchConfig().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 409, code: 'RESEAL_REQUIRED' });
    expect((refused as ApiError).message).toMatch(/must seal it again to the current key/);
    await expect(client.fetchConfig()).rejects.toMatchObject({ status: 401 }); // the old key is no credential any more

    // Re-sealed with the CLI (it reads the device's current key from the ledger), fetched and reported with the CLI as the device.
    writeFileSync(path.join(dir, 'topology.json'), topology);
    writeFileSync(path.join(dir, 'device.key.pem'), next.identity.exportPrivateKeyPem(), { mode: 0o600 });
    const sealed = await iotreg('--org', 'Org1MSP', '--json', 'config', 'seal', 'topology.json', '--id', device.id, '--version', '2');
    expect(JSON.parse(sealed.stdout)).toMatchObject({ version: 2, keyId: next.keyId, sha256: sha(topology) });
    await orgsInSync();
    const fetched = await iotreg('--org', 'Org2MSP', 'config', 'fetch', '--id', device.id, '--key', 'device.key.pem', '--report');
    expect(fetched.stdout).toBe(topology);
    expect(fetched.stderr).toMatch(/reported version 2/);
    await orgsInSync();
    expect((await org1.auditor.get(`/v1/devices/${device.id}`)).body.configDrift).toBe(false);
  });

  describe('off-chain', () => {
    let server: Server;
    let served: Buffer = Buffer.alloc(0);
    beforeAll(async () => {
      server = createServer((_req, res) => res.end(served));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    test('a large configuration is stored off-chain: the ledger holds its hash, size and URI, and the device checks them', async () => {
      const device = await registeredDevice(org1.admin, 'sealed-v1', 'sealed-big');
      const large = JSON.stringify({ routes: Array.from({ length: 2000 }, (_, i) => `10.1.${i >> 8}.${i & 255}`) });
      expect(large.length).toBeGreaterThan(16 * 1024);
      const envelope = sealConfig({ deviceId: device.id, publicKeyPem: device.publicKeyPem }, 1, large);
      const inline = await org1.admin.put(`/v1/devices/${device.id}/config/sealed`, { version: 1, sha256: sha(large), sealed: envelope });
      expect([inline.status, inline.body.error.code]).toEqual([400, 'INVALID_ARGUMENT']);
      served = sealedConfigBytes(envelope);
      const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${device.id}/1.json`;
      const reference = { keyId: device.keyId, uri, envelopeSha256: sha(served), envelopeBytes: served.length };
      const published = await org1.admin.put(`/v1/devices/${device.id}/config/sealed`, {
        version: 1,
        sha256: sha(large),
        sealed: reference,
      });
      expect(published.status).toBe(201);
      expect(published.body.envelope).toBeUndefined();
      await orgsInSync();
      const client = await deviceClient(device);
      expect((await client.fetchConfig()).config.toString('utf8')).toBe(large);
      // What the URI serves must be what the ledger names.
      served = sealedConfigBytes(sealConfig({ deviceId: device.id, publicKeyPem: device.publicKeyPem }, 1, large));
      await expect(client.fetchConfig()).rejects.toMatchObject({ code: 'HASH_MISMATCH' });
    });
  });

  test('a revoked device gets nothing; a quarantined one is refused with 422 naming the requirement', async () => {
    const device = await registeredDevice(org1.admin, 'sealed-v1', 'sealed-rev');
    const body = {
      version: 1,
      sha256: sha(topology),
      sealed: sealConfig({ deviceId: device.id, publicKeyPem: device.publicKeyPem }, 1, topology),
    };
    expect((await org1.admin.put(`/v1/devices/${device.id}/config/sealed`, body)).status).toBe(201);
    await org1.admin.call('revokeDevice', { deviceId: device.id, reason: 'decommissioned' });
    const read = await org2.admin.get(`/v1/devices/${device.id}/config/sealed`);
    expect([read.status, read.body.error.code]).toEqual([409, 'STATE_CONFLICT']);
    await orgsInSync();
    await expect(new DeviceClient(gateway('Org2MSP'), device.id, device.identity).fetchConfig()).rejects.toMatchObject({ status: 401 });

    const family = uid('sealed-q');
    await org1.vendor.call('registerFamily', { family, vendorKeyPem: DeviceIdentity.generate().publicKeyPem, approvalThreshold: 1 });
    await org1.admin.call('setFamilyPolicy', { family, minVersion: '1.0.0', requireCompliance: true });
    await orgsInSync();
    const quarantined = await registeredDevice(org1.admin, family, 'sealed-q');
    const sealed = {
      version: 1,
      sha256: sha(topology),
      sealed: sealConfig({ deviceId: quarantined.id, publicKeyPem: quarantined.publicKeyPem }, 1, topology),
    };
    expect((await org1.admin.put(`/v1/devices/${quarantined.id}/config/sealed`, sealed)).status).toBe(201);
    await orgsInSync();
    const refused = await (await deviceClient(quarantined)).fetchConfig().catch((err: unknown) => err);
    expect(refused).toMatchObject({ status: 422, code: 'QUARANTINED' });
    expect((refused as ApiError).message).toMatch(new RegExp(`family ${family} requires compliant firmware.*reported no firmware`));
  });
});
