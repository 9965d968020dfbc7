/**
 * Bad input over every write endpoint and the readers' parameters: always a 4xx with the
 * contract's error body, never a 5xx, and nothing written (the chain does not grow).
 */
import fc from 'fast-check';
import { clients, Client } from './support/network';
import { registeredDevice } from './support/devices';
import { ensureFamilies } from './support/families';

// Devices join only registered families.
beforeAll(() => ensureFamilies(['bad-v1']));

const { Org1MSP: org1 } = clients();
const errorBody = { error: { code: expect.stringMatching(/^[A-Z_]+$/), message: expect.any(String) } };
const height = async () => (await org1.auditor.get('/readyz')).body.height as number;

let device: string;
beforeAll(async () => {
  device = (await registeredDevice(org1.admin, 'bad-v1', 'bad')).id;
});

const writes = (id: string): Array<[string, string]> => [
  ['POST', '/v1/devices'],
  ['POST', `/v1/devices/${id}/keys`],
  ['POST', `/v1/devices/${id}/reactivate`], // active already: any body is refused
  ['POST', `/v1/devices/${id}/revoke`],
  ['PUT', `/v1/devices/${id}/config`],
  ['POST', `/v1/devices/${id}/config/report`],
  ['POST', `/v1/devices/${id}/firmware`],
  ['POST', `/v1/devices/${id}/messages`],
  ['POST', '/v1/families'],
  ['PUT', '/v1/families/bad-v1/policy'],
  ['POST', '/v1/firmware'],
  ['POST', '/v1/firmware/bad-v1/1.0.0/approvals'],
  ['POST', '/v1/firmware/verify'],
  ['POST', '/v1/messages/verify'],
  ['POST', '/v1/discovery/endpoints'],
  ['PUT', '/v1/families/bad-v1/identity-policy'],
  ['POST', `/v1/devices/${id}/pre-rotation`],
  ['POST', '/v1/makers'],
  ['POST', `/v1/devices/${id}/transfer`],
  ['POST', `/v1/devices/${id}/transfer/accept`],
];

/** JSON-ish values with the nasty parts: NULs, control and astral characters, huge numbers, nesting. */
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\u001f', '😀'.repeat(50), 'x'.repeat(5000), '../../etc', 'ABCDEF'.repeat(11)),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -1, 0, 1e308),
  fc.boolean(),
  fc.constant(null),
);
const body = fc.oneof(
  fc.dictionary(
    fc.constantFrom(
      'deviceId',
      'publicKeyPem',
      'family',
      'proof',
      'version',
      'sha256',
      'signature',
      'payload',
      'reason',
      'decision',
      'id',
      'kind',
      'url',
      'approvalThreshold',
      'minVersion',
      'digest',
      'seq',
      'leaf',
      'proof',
      'attributes',
    ),
    fc.oneof(nasty, fc.array(nasty, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), nasty, { maxKeys: 3 })),
    { maxKeys: 8 },
  ),
  fc.array(nasty, { maxLength: 4 }),
  nasty,
);

async function expectRefused(client: Client, method: string, path: string, options: { raw: string; headers?: Record<string, string> }) {
  const res = await client.request(method, path, undefined, options);
  expect([method, path, options.raw.slice(0, 200), res.status]).toEqual([method, path, options.raw.slice(0, 200), expect.any(Number)]);
  if (res.status >= 500 || res.status < 400)
    throw new Error(`${method} ${path} ${options.raw.slice(0, 300)} answered ${res.status}: ${JSON.stringify(res.body)}`);
  expect(res.body).toEqual(errorBody);
}

test('random bodies on every write: 4xx with the error body, nothing written', async () => {
  const before = await height();
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...writes(device)), body, async ([method, path], value) => {
      await expectRefused(org1.admin, method, path, { raw: JSON.stringify(value) });
    }),
    { numRuns: 300 },
  );
  expect(await height()).toBe(before);
});

test.each([
  ['malformed JSON', '{"deviceId": "x",'],
  ['a JSON string', '"hello"'],
  ['deeply nested', '['.repeat(5000) + ']'.repeat(5000)],
  ['an empty body', ''],
])('%s: 4xx', async (_, raw) => {
  await expectRefused(org1.admin, 'POST', '/v1/devices', { raw });
});

test('a body over 64 KiB: 413', async () => {
  const res = await org1.admin.request('POST', '/v1/devices', undefined, { raw: JSON.stringify({ pad: 'x'.repeat(70 * 1024) }) });
  expect(res.status).toBe(413);
  expect(res.body).toEqual(errorBody);
});

test('a body that is not JSON: 415', async () => {
  const res = await org1.admin.request('POST', '/v1/devices', undefined, {
    raw: 'deviceId=x',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(res.status).toBe(415);
});

test('path and query parameters with NULs, unicode, huge values: 4xx, never 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }), async (raw) => {
      const value = encodeURIComponent(raw);
      for (const path of [
        `/v1/devices/${value}`,
        `/v1/keys/${value}`,
        `/v1/devices?bookmark=${value}`,
        `/v1/devices?pageSize=${value}`,
        `/v1/firmware/${value}/latest`,
        `/v1/revocations?since=${value}`,
      ]) {
        const res = await org1.auditor.get(path);
        if (res.status >= 500) throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
      }
    }),
    { numRuns: 60 },
  );
});
