/**
 * Machine-to-machine agreements on the live network, both orgs: an Org1 device offers metered
 * terms, an Org2 device accepts them by signature; usage within the limits is recorded, over-limit,
 * expired, replayed and forged usage is refused; the chaincode's settlement totals and penalty are
 * as computed; both orgs' auditors read the whole signed trail (REST, CLI, device library).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { agreementTermsSha256, parsePublicKey, verifyStatement } from '@iotreg/common';
import { DeviceClient, type OfferTerms } from '@iotreg/device';
import { clients, clientsFile, orgsInSync, REPO, sleep, uid } from './support/network';
import { registeredDevice, signed, type TestDevice } from './support/devices';
import { ensureFamilies } from './support/families';

beforeAll(() => ensureFamilies(['agree-v1']));

const { Org1MSP: org1, Org2MSP: org2 } = clients();
const run = promisify(execFile);
const CLI = path.join(REPO, 'cli/dist/main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'iotreg-agree-'));
const gateway = (org: 'Org1MSP' | 'Org2MSP') => clientsFile().orgs[org].gateway;

async function deviceClient(device: TestDevice, org: 'Org1MSP' | 'Org2MSP') {
  const client = new DeviceClient(gateway(org), device.id, device.identity);
  await client.syncSeq();
  return client;
}

/** A UTC time `ms` from now, as the ledger writes times. */
const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

describe('agreements', () => {
  let meter: TestDevice; // Org1's charging meter: the provider
  let car: TestDevice; // Org2's vehicle: the consumer
  beforeAll(async () => {
    meter = await registeredDevice(org1.admin, 'agree-v1', 'meter');
    car = await registeredDevice(org2.admin, 'agree-v1', 'car');
    await orgsInSync();
  });

  const terms = (overrides: Partial<OfferTerms> = {}): OfferTerms => ({
    agreementId: uid('ag'),
    consumerId: car.id,
    resource: 'ev-charging',
    unit: 'Wh',
    maxQuantity: 1000,
    pricePerUnit: 3,
    currency: 'EUR',
    expiresAt: inMs(3_600_000),
    minQuantity: 600,
    penaltyPerUnit: 2,
    ...overrides,
  });

  test('offered by Org1, accepted by Org2; usage within limits; over-limit, replayed and forged usage refused; settled as computed', async () => {
    const provider = await deviceClient(meter, 'Org1MSP');
    const offer = terms();
    const offered = await provider.offerAgreement(offer);
    expect(offered).toMatchObject({ status: 'offered', providerMsp: 'Org1MSP', consumerMsp: 'Org2MSP' });
    expect(offered.termsSha256).toBe(agreementTermsSha256({ ...offer, providerId: meter.id }));
    await orgsInSync();

    const consumer = await deviceClient(car, 'Org2MSP');
    // The consumer refuses terms it does not like, and nothing is signed.
    await expect(consumer.acceptAgreement(offer.agreementId, (o) => o.pricePerUnit <= 2)).rejects.toThrow(/refused by this device/);
    expect((await consumer.acceptAgreement(offer.agreementId, (o) => o.pricePerUnit <= 3)).status).toBe('active');
    await orgsInSync(); // both orgs' peers endorse every write: each holds the last one first

    expect(await consumer.recordUsage(offer.agreementId, 400)).toMatchObject({ index: 1, used: 400, amount: 1200 });
    await orgsInSync();
    const over = await consumer.recordUsage(offer.agreementId, 601).catch((err: unknown) => err);
    expect(over).toMatchObject({ status: 422, code: 'RULE_VIOLATION' });
    expect((over as Error).message).toMatch(/over the limit/);

    // A recorded usage sent again is refused by its seq; one the consumer did not sign by its signature.
    await consumer.syncSeq();
    const body = signed(car, 'agreement-usage', consumer.actions.seq.next(), { agreementId: offer.agreementId, quantity: 100 });
    expect((await org2.auditor.post(`/v1/devices/${car.id}/agreements/usage`, body)).status).toBe(201);
    await orgsInSync();
    const replayed = await org1.auditor.post(`/v1/devices/${car.id}/agreements/usage`, body);
    expect([replayed.status, replayed.body.error.code]).toEqual([422, 'REPLAYED_SEQ']);
    const forgedPayload = { ...body.payload, seq: body.payload.seq + 1, quantity: 1 };
    const forged = await org2.auditor.post(`/v1/devices/${car.id}/agreements/usage`, {
      payload: forgedPayload,
      signature: meter.sign(forgedPayload),
    });
    expect([forged.status, forged.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const byProvider = await provider.recordUsage(offer.agreementId, 1).catch((err: unknown) => err);
    expect(byProvider).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    await expect(provider.settleAgreement(offer.agreementId)).rejects.toMatchObject({ status: 422, code: 'RULE_VIOLATION' });

    // The consumer records through the CLI with its key, then uses up the maximum: either party may settle.
    await consumer.syncSeq();
    writeFileSync(path.join(dir, 'car.key.pem'), car.identity.exportPrivateKeyPem(), { mode: 0o600 });
    const cli = await run(
      'node',
      [
        CLI,
        '--org',
        'Org2MSP',
        '--json',
        'agreement',
        'use',
        '--id',
        car.id,
        '--key',
        'car.key.pem',
        '--agreement',
        offer.agreementId,
        '--quantity',
        '300',
      ],
      { cwd: dir },
    );
    expect(JSON.parse(cli.stdout)).toMatchObject({ index: 3, used: 800 });
    await orgsInSync();
    await consumer.syncSeq();
    expect(await consumer.recordUsage(offer.agreementId, 200)).toMatchObject({ index: 4, used: 1000 });
    await orgsInSync();
    const settled = await provider.settleAgreement(offer.agreementId);
    expect(settled).toMatchObject({
      status: 'settled',
      settlement: { used: 1000, amount: 3000, shortfall: 0, penalty: 0, total: 3000, settledBy: meter.id },
    });

    // Both orgs' auditors read the whole trail, and every step verifies with its device's key.
    await orgsInSync();
    for (const auditor of [org1.auditor, org2.auditor]) {
      const agreement = (await auditor.get(`/v1/agreements/${offer.agreementId}`)).body;
      expect(agreement).toMatchObject({ status: 'settled', used: 1000, records: 4, amount: 3000 });
      expect(verifyStatement(parsePublicKey(meter.publicKeyPem), agreement.offer.payload, agreement.offer.signature)).toBe(true);
      expect(verifyStatement(parsePublicKey(car.publicKeyPem), agreement.acceptance.payload, agreement.acceptance.signature)).toBe(true);
      const usage = (await auditor.get(`/v1/agreements/${offer.agreementId}/usage`)).body.items;
      expect(usage.map((r: { quantity: number }) => r.quantity)).toEqual([400, 100, 300, 200]);
      for (const record of usage)
        expect(verifyStatement(parsePublicKey(car.publicKeyPem), record.signed.payload, record.signed.signature)).toBe(true);
    }
    const shown = await run('node', [CLI, '--org', 'Org1MSP', '--role', 'auditor', '--json', 'agreement', 'show', offer.agreementId]);
    expect(JSON.parse(shown.stdout).settlement.total).toBe(3000);
  });

  test('once expired, usage is refused; settlement charges the penalty for the shortfall', async () => {
    const provider = await deviceClient(meter, 'Org1MSP');
    const offer = terms({ expiresAt: inMs(25_000), maxQuantity: 500, minQuantity: 300, pricePerUnit: 7, penaltyPerUnit: 5 });
    await provider.offerAgreement(offer);
    await orgsInSync();
    const consumer = await deviceClient(car, 'Org2MSP');
    await consumer.acceptAgreement(offer.agreementId);
    await orgsInSync();
    expect(await consumer.recordUsage(offer.agreementId, 120)).toMatchObject({ used: 120, amount: 840 });
    await orgsInSync();
    await sleep(Math.max(0, Date.parse(offer.expiresAt) - Date.now()) + 1_000);
    const late = await consumer.recordUsage(offer.agreementId, 10).catch((err: unknown) => err);
    expect(late).toMatchObject({ status: 422, code: 'RULE_VIOLATION' });
    expect((late as Error).message).toMatch(/expired at/);
    await orgsInSync();
    expect((await consumer.settleAgreement(offer.agreementId)).settlement).toMatchObject({
      used: 120,
      amount: 840,
      shortfall: 180,
      penalty: 900,
      total: 1740,
      settledBy: car.id,
    });
  });
});
