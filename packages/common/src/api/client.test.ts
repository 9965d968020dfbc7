import { ApiError, bearer, RegistryClient } from './client';
import { OPERATIONS } from './catalogue';
import { pathParameters, REST_ROUTES, type RestRoute } from './rest';
import { z } from 'zod';

const at = '2026-01-01T00:00:00.000Z';
const device = {
  deviceId: 'd-1',
  family: 'fam',
  ownerMsp: 'Org1MSP',
  status: 'active',
  publicKeyPem: 'pem',
  keyId: 'a'.repeat(64),
  attributes: {},
  createdAt: at,
  updatedAt: at,
  seq: 0,
};

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

function stub(...answers: Array<[number, unknown]>) {
  const sent: Sent[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    sent.push({
      method: String(init.method),
      url,
      headers: init.headers as Record<string, string>,
      body: init.body === undefined ? undefined : JSON.parse(String(init.body)),
    });
    const [status, body] = answers.shift() ?? [500, { error: { code: 'INTERNAL', message: 'no answer scripted' } }];
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof globalThis.fetch;
  const client = new RegistryClient({ baseUrl: 'https://gw.example/', authorization: bearer('t0k'), fetch, retryDelayMs: 1 });
  return { client, sent };
}

test('a write: path from the request, the rest as body, an Idempotency-Key, the typed answer with its txId', async () => {
  const { client, sent } = stub([200, { ...device, keyId: 'b'.repeat(64), txId: 'c'.repeat(64), extra: 'dropped' }]);
  const answer = await client.call('rotateDeviceKey', { deviceId: 'd-1', publicKeyPem: 'pem2', proofOld: 'x', proofNew: 'y' });
  expect(answer).toEqual({ ...device, keyId: 'b'.repeat(64), txId: 'c'.repeat(64) });
  expect(sent).toEqual([
    {
      method: 'POST',
      url: 'https://gw.example/v1/devices/d-1/keys',
      headers: expect.objectContaining({ authorization: 'Bearer t0k', 'idempotency-key': expect.any(String) }),
      body: { publicKeyPem: 'pem2', proofOld: 'x', proofNew: 'y' },
    },
  ]);
});

test('a read: path parameters encoded, the rest as query, no body; a fixed field is the route’s business', async () => {
  const { client, sent } = stub([200, { items: [device], bookmark: '' }], [200, device]);
  await client.call('listDevices', { family: 'a b', pageSize: 10, bookmark: '' });
  await client.call('getDevice', { deviceId: 'ns:dev/1' });
  expect(sent.map((s) => [s.method, s.url, s.body])).toEqual([
    ['GET', 'https://gw.example/v1/devices?family=a+b&pageSize=10', undefined],
    ['GET', 'https://gw.example/v1/devices/ns%3Adev%2F1', undefined],
  ]);
});

test('a device-signed write names its device in the payload, which stays in the body', async () => {
  const { client, sent } = stub([
    201,
    { deviceId: 'd-1', seq: 1, digest: 'd'.repeat(64), keyId: 'a'.repeat(64), anchoredAt: at, txId: 'e'.repeat(64) },
  ]);
  const body = { payload: { action: 'anchor', deviceId: 'd-1', seq: 1, digest: 'd'.repeat(64) }, signature: 's' };
  await client.call('anchorMessage', body);
  expect(sent[0]).toMatchObject({ url: 'https://gw.example/v1/devices/d-1/messages', body });
});

test('a refusal is an ApiError with the contract code; a 503 write is repeated once with the same key', async () => {
  const busy = { error: { code: 'OUTCOME_UNKNOWN', message: 'unknown', txId: 'f'.repeat(64) } };
  const { client, sent } = stub([503, busy], [503, busy], [404, { error: { code: 'NOT_FOUND', message: 'no device d-9' } }]);
  const error = await client.call('revokeDevice', { deviceId: 'd-1', reason: 'other' }).catch((e: unknown) => e);
  expect(error).toMatchObject({ status: 503, code: 'OUTCOME_UNKNOWN', txId: 'f'.repeat(64), retryable: true });
  expect(sent).toHaveLength(2);
  expect(sent[1]?.headers['idempotency-key']).toBe(sent[0]?.headers['idempotency-key']);
  await expect(client.call('getDevice', { deviceId: 'd-9' })).rejects.toEqual(new ApiError(404, 'NOT_FOUND', 'no device d-9'));
});

test('an answer outside the schema is refused, not passed on', async () => {
  const { client } = stub([200, { deviceId: 'd-1' }]);
  await expect(client.call('getDevice', { deviceId: 'd-1' })).rejects.toMatchObject({ code: 'BAD_ANSWER' });
});

test('pages follows bookmarks to the last page', async () => {
  const { client, sent } = stub([200, { items: [device], bookmark: 'p2' }], [200, { items: [], bookmark: '' }]);
  const pages = [];
  for await (const page of client.pages('listDevices', {})) pages.push(page);
  expect(pages).toHaveLength(2);
  expect(sent.map((s) => s.url)).toEqual(['https://gw.example/v1/devices', 'https://gw.example/v1/devices?bookmark=p2']);
});

describe.each(Object.entries(REST_ROUTES))('route %s', (_name, spec) => {
  const route = spec as RestRoute;
  const request = OPERATIONS[route.operation].request as z.ZodType;
  const shape = request instanceof z.ZodObject ? request.shape : {};

  test('each path parameter is a request field, or the device a signed payload names', () => {
    for (const name of pathParameters(route.path)) {
      expect(name in shape || (route.access.kind === 'device-signed' && name === 'deviceId')).toBe(true);
    }
  });

  test('its fixed fields are values the request takes', () => {
    for (const [field, value] of Object.entries(route.fixed ?? {})) {
      expect((shape as Record<string, z.ZodType>)[field]?.safeParse(value).success).toBe(true);
    }
  });
});

test('every chaincode transaction is named once', () => {
  const txs = Object.values(OPERATIONS).map((o) => o.tx);
  expect(new Set(txs).size).toBe(txs.length);
});
