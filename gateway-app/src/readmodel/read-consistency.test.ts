/**
 * The REST side of read consistency: every catalogue read takes ?minHeight= and ?source=, hands
 * them to the registry (not to the operation's request), and answers with the height and source
 * the registry reports; /readyz shows the read model and fails when it stopped.
 */
import { fakeRegistry } from '../testing/fake-registry';
import { type Harness, startHarness, TOKENS } from '../testing/harness';
import { sampleDevice } from '../testing/sample-answers';
import type { ReadModelStatus, CallOptions } from '../registry/registry';

let harness: Harness;
let asked: CallOptions | undefined;
let status: ReadModelStatus;

beforeEach(async () => {
  const fake = fakeRegistry();
  const plain = fake.registry.call.bind(fake.registry);
  fake.registry.call = (async (operation, as, request, read) => {
    asked = read;
    read?.observe?.({ height: 42, source: read.source ?? 'model' });
    return plain(operation, as, request);
  }) as typeof fake.registry.call;
  status = { state: 'following', height: 40, ledgerHeight: 42, lag: 2 };
  fake.handlers.ping = () => ({ height: 42, readModel: status });
  fake.handlers.getDevice = () => sampleDevice;
  fake.handlers.listDevices = () => ({ items: [sampleDevice], bookmark: '' });
  fake.handlers.setDeviceStatus = () => ({ result: { ...sampleDevice, status: 'suspended' }, txId: 'a'.repeat(64), blockNumber: 9 });
  harness = await startHarness({ fake });
  asked = undefined;
});

afterEach(() => harness.close());

test('a read answers with X-Ledger-Height and X-Read-Source; minHeight and source go to the registry, not the request', async () => {
  const response = await harness.request('GET', '/v1/devices/d-1?minHeight=7&source=ledger', { token: TOKENS.auditor });
  expect(response.status).toBe(200);
  expect(response.headers.get('x-ledger-height')).toBe('42');
  expect(response.headers.get('x-read-source')).toBe('ledger');
  expect(asked).toMatchObject({ minHeight: 7, source: 'ledger' });
  expect(harness.fake.callsTo('getDevice')[0]?.request).toEqual({ deviceId: 'd-1' });

  const list = await harness.request('GET', '/v1/devices?status=active&pageSize=5', { token: TOKENS.auditor });
  expect(list.headers.get('x-read-source')).toBe('model');
  expect(asked).toEqual({ observe: expect.any(Function) });
  expect(harness.fake.callsTo('listDevices')[0]?.request).toEqual({ status: 'active', pageSize: 5 });
});

test('a write answers with the height that includes its block', async () => {
  const response = await harness.request('POST', '/v1/devices/d-1/suspend', { token: TOKENS.admin, body: {} });
  expect(response.status).toBe(200);
  expect(response.headers.get('x-ledger-height')).toBe('42');
});

test.each([
  ['minHeight=-1', 'query.minHeight: must be a block height (a number of blocks)'],
  ['minHeight=abc', 'query.minHeight: must be a block height (a number of blocks)'],
  ['source=peer', 'query.source'],
])('?%s is refused with 400 before anything is asked', async (query, message) => {
  const response = await harness.request('GET', `/v1/devices/d-1?${query}`, { token: TOKENS.auditor });
  expect(response.status).toBe(400);
  expect(response.body.error.code).toBe('INVALID_ARGUMENT');
  expect(response.body.error.message).toContain(message);
  expect(harness.fake.callsTo('getDevice')).toHaveLength(0);
});

test('/readyz shows the read model; a stopped model makes the gateway not ready', async () => {
  const ready = await harness.request('GET', '/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body).toEqual({ status: 'ready', height: 42, readModel: { state: 'following', height: 40, ledgerHeight: 42, lag: 2 } });
  status = { ...status, state: 'failed', failure: 'block 41 names previous hash 00' };
  const failed = await harness.request('GET', '/readyz');
  expect(failed.status).toBe(503);
  expect(failed.body.error.message).toBe('the read model stopped: block 41 names previous hash 00');
});
