/**
 * Losing a peer, a chaincode server or a gateway: requests fail with 503 while it is down (no
 * hang, no 500) and work again once it is back, without restarting anything else; a client
 * that retries a write with its Idempotency-Key gets the original answer, never a duplicate.
 */
import { client, eventually, network, sleep, uid } from '../support/network';
import { newDevice, registration } from '../support/devices';
import { ensureFamilies } from '../support/families';

// Devices join only registered families.
beforeAll(() => ensureFamilies(['comp-v1']));

const admin1 = client('Org1MSP', 'admin');
const auditor1 = client('Org1MSP', 'auditor');

async function register(id = uid('comp'), key?: string) {
  const device = newDevice(id);
  return admin1.post('/v1/devices', registration(device, 'comp-v1'), key ? { headers: { 'idempotency-key': key } } : {});
}

async function expectDownThenBack(component: string) {
  await network('kill', component);
  try {
    const started = Date.now();
    const write = await register();
    const read = await auditor1.get(`/v1/devices/${uid('missing')}`);
    // Writes need both orgs' endorsement; a read may still be answered by the other org's peer.
    expect(write.status).toBe(503);
    expect([404, 503]).toContain(read.status);
    expect(write.body.error.code).toMatch(/^(LEDGER_UNAVAILABLE|OUTCOME_UNKNOWN)$/);
    expect(Date.now() - started).toBeLessThan(60_000);
  } finally {
    await network('restart', component);
  }
  const back = Date.now();
  await eventually(async () => (await register()).status === 201, 60_000, `writes after ${component} restarted`);
  console.log(`${component}: writes succeed again ${Date.now() - back} ms after its restart`);
}

test("the org's peer killed: 503 while down, recovery without a gateway restart", async () => {
  await expectDownThenBack('peer0.org1');
});

test("the org's chaincode server killed: 503 while down, recovery without a gateway restart", async () => {
  await expectDownThenBack('chaincode-org1');
});

test('a gateway killed mid-load: retries with the same Idempotency-Key return the original result', async () => {
  const writes = Array.from({ length: 12 }, (_, i) => {
    const device = newDevice(uid('idem'));
    return { id: device.id, key: `idem-${uid('k')}-${i}`, body: registration(device, 'comp-v1') };
  });
  const send = (w: (typeof writes)[number]) => admin1.post('/v1/devices', w.body, { headers: { 'idempotency-key': w.key } });
  const first = writes.map((w) => send(w).catch(() => undefined));
  await sleep(150);
  await network('kill', 'gateway-org1');
  await Promise.all(first);
  await network('restart', 'gateway-org1');

  for (const w of writes) {
    const retry = await send(w);
    expect([w.id, retry.status]).toEqual([w.id, 201]);
    expect(retry.body.deviceId).toBe(w.id);
    const again = await send(w);
    expect([again.status, again.body.txId]).toEqual([201, retry.body.txId]);
  }
  const other = await admin1.post('/v1/devices', registration(newDevice(uid('idem')), 'comp-v1'), {
    headers: { 'idempotency-key': writes[0]!.key },
  });
  expect(other.status).toBe(409);
});
