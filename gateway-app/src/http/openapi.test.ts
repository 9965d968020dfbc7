import { ROUTES } from '../app';
import { startHarness } from '../testing/harness';

/** Every endpoint of the REST contract (docs/api.md), as first specified. */
const API_MD = [
  'POST /v1/devices',
  'GET /v1/devices/{deviceId}',
  'GET /v1/devices',
  'POST /v1/devices/{deviceId}/keys',
  'GET /v1/devices/{deviceId}/keys',
  'GET /v1/keys/{keyId}',
  'POST /v1/devices/{deviceId}/suspend',
  'POST /v1/devices/{deviceId}/reactivate',
  'POST /v1/devices/{deviceId}/revoke',
  'GET /v1/revocations',
  'GET /v1/devices/{deviceId}/history',
  'PUT /v1/devices/{deviceId}/config',
  'GET /v1/devices/{deviceId}/config',
  'POST /v1/devices/{deviceId}/config/verify',
  'POST /v1/devices/{deviceId}/config/report',
  'POST /v1/families',
  'GET /v1/families/{family}',
  'PUT /v1/families/{family}/policy',
  'POST /v1/firmware',
  'GET /v1/firmware/{family}/{version}',
  'GET /v1/firmware/{family}',
  'GET /v1/firmware/{family}/latest',
  'POST /v1/firmware/{family}/{version}/approvals',
  'POST /v1/firmware/{family}/{version}/revoke',
  'POST /v1/firmware/verify',
  'POST /v1/devices/{deviceId}/firmware',
  'POST /v1/devices/{deviceId}/messages',
  'GET /v1/devices/{deviceId}/messages',
  'POST /v1/messages/verify',
  'POST /v1/discovery/endpoints',
  'GET /v1/discovery',
  'GET /v1/events',
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /openapi.json',
];

const EXTENSIONS = [
  'POST /v1/devices:batch',
  'GET /v1/transactions/{txId}',
  'GET /v1/audit/tx/{txId}',
  'GET /v1/discovery/endpoints',
  'GET /v1/members',
  'GET /v1/whoami',
  'PUT /v1/families/{family}/identity-policy',
  'POST /v1/devices/{deviceId}/pre-rotation',
  'POST /v1/makers',
  'GET /v1/makers/{maker}',
  'POST /v1/devices/{deviceId}/transfer',
  'POST /v1/devices/{deviceId}/transfer/accept',
  'GET /v1/quarantine',
  'PUT /v1/devices/{deviceId}/config/sealed',
  'GET /v1/devices/{deviceId}/config/sealed',
  'POST /v1/devices/{deviceId}/agreements',
  'POST /v1/devices/{deviceId}/agreements/accept',
  'POST /v1/devices/{deviceId}/agreements/usage',
  'POST /v1/devices/{deviceId}/agreements/settle',
  'GET /v1/agreements/{agreementId}',
  'GET /v1/agreements/{agreementId}/usage',
  'GET /v1/fleet/devices',
  'GET /v1/fleet/counts',
  'GET /v1/devices/{deviceId}/config/report',
  // Rollouts (docs/rollouts.md)
  'POST /v1/rollouts',
  'GET /v1/rollouts/{rolloutId}',
  'POST /v1/rollouts/{rolloutId}/pause',
  'POST /v1/rollouts/{rolloutId}/resume',
  'POST /v1/rollouts/{rolloutId}/cancel',
  'GET /v1/rollouts/{rolloutId}/devices/{deviceId}',
  'POST /v1/devices/{deviceId}/rollout-reports',
  'POST /v1/rollouts/{rolloutId}/consent',
  'PUT /v1/families/{family}/consent-policy',
  'POST /v1/families/{family}/rollback',
  'GET /v1/families/{family}/rollback/{version}',
  'POST /v1/status-refreshes',
  'GET /v1/families/{family}/status',
  'GET /v1/families/{family}/freshness',
  'GET /v1/families',
  // Confidential attributes (docs/identity.md)
  'PUT /v1/devices/{deviceId}/attributes/confidential',
  'GET /v1/devices/{deviceId}/attributes/confidential',
  'POST /v1/devices/{deviceId}/attributes/confidential/digest',
  'GET /v1/devices/{deviceId}/attributes/confidential/digest',
];

type Operation = {
  operationId: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }>; description: string }>;
};
type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, Record<string, unknown>> };
};

let doc: Doc;
beforeAll(async () => {
  const h = await startHarness();
  try {
    const res = await h.request('GET', '/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body as Doc;
  } finally {
    await h.close();
  }
});

function operations(): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as [string, Operation]),
  );
}

test('an OpenAPI 3 document', () => {
  expect(doc.openapi).toMatch(/^3\./);
});

test.each([...API_MD, ...EXTENSIONS])('documents %s', (endpoint) => {
  const [method, path] = endpoint.split(' ') as [string, string];
  expect(doc.paths[path]?.[method.toLowerCase()]).toBeDefined();
});

test('every route is under a tag of the document, so the reference (docs/api.md) lists it', () => {
  const tags = ((doc as unknown as { tags: { name: string }[] }).tags ?? []).map((t) => t.name);
  const untagged = operations().filter(([, op]) => !tags.includes((op as { tags?: string[] }).tags?.[0] ?? ''));
  expect(untagged.map(([endpoint]) => endpoint)).toEqual([]);
});

test('documents exactly the routes it serves', () => {
  const served = ROUTES.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
  expect(
    operations()
      .map(([endpoint]) => endpoint)
      .sort(),
  ).toEqual(served);
  expect(served).toEqual([...API_MD, ...EXTENSIONS].sort());
});

test('auth schemes bearer and device; security per operation', () => {
  expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  expect(doc.components.securitySchemes.device).toMatchObject({ type: 'apiKey', in: 'header', name: 'Authorization' });
  expect(String(doc.components.securitySchemes.device?.description)).toContain('"action":"read"');
  expect(doc.paths['/v1/discovery']?.get?.security).toEqual([{ bearer: [] }, { device: [] }]);
  expect(doc.paths['/v1/devices']?.post?.security).toEqual([{ bearer: [] }]);
  expect(doc.paths['/v1/devices/{deviceId}/messages']?.post?.security).toEqual([]);
  expect(doc.paths['/healthz']?.get?.security).toEqual([]);
});

test('every write takes Idempotency-Key and documents OUTCOME_UNKNOWN', () => {
  const writes = ROUTES.filter((r) => r.write);
  // every POST and PUT of the contract except the three verifications, which only read
  const expected = [...API_MD, ...EXTENSIONS].filter((e) => /^(POST|PUT) /.test(e) && !e.endsWith('/verify'));
  expect(writes.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort()).toEqual(expected.sort());
  for (const route of writes) {
    const op = doc.paths[route.path]?.[route.method] as Operation;
    expect(op.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
    expect(op.responses['503']?.description).toContain('OUTCOME_UNKNOWN');
    expect(op.responses['409']).toBeDefined();
  }
});

test('errors use the one error body, which carries txId for OUTCOME_UNKNOWN and the items of a refused batch', () => {
  const error = doc.components.schemas.Error as { properties: { error: { properties: Record<string, { enum?: string[] }> } } };
  expect(Object.keys(error.properties.error.properties)).toEqual(['code', 'message', 'txId', 'items']);
  expect(error.properties.error.properties.code?.enum).toContain('OUTCOME_UNKNOWN');
  for (const [, op] of operations()) {
    for (const [status, response] of Object.entries(op.responses)) {
      if (Number(status) >= 400) expect(response.content?.['application/json']?.schema.$ref).toBe('#/components/schemas/Error');
    }
  }
});

test('request bodies come from the validation schemas', () => {
  expect(doc.paths['/v1/devices']?.post?.requestBody?.content['application/json']?.schema.$ref).toBe(
    '#/components/schemas/RegisterDeviceRequest',
  );
  const register = doc.components.schemas.RegisterDeviceRequest as { required: string[]; additionalProperties: boolean };
  expect(register.required.sort()).toEqual(['deviceId', 'family', 'proof', 'publicKeyPem']);
  expect(register.additionalProperties).toBe(false);
  const listDevices = doc.paths['/v1/devices']?.get?.parameters?.map((p) => p.name).sort();
  expect(listDevices).toEqual(['bookmark', 'compliance', 'family', 'minHeight', 'owner', 'pageSize', 'source', 'status']);
  expect(doc.paths['/v1/events']?.get?.parameters?.map((p) => p.name)).toEqual(expect.arrayContaining(['since', 'Last-Event-ID']));
});

test('documents the resource limits: short pages with a bookmark, idempotency cap, rate limits, event stream limits, metrics token', () => {
  const description = (doc as unknown as { info: { description: string } }).info.description;
  expect(description).toContain('fewer items than\npageSize, or none, and still carry a non-empty bookmark');
  expect(description).toContain('each caller holds at most 100 000 keys');
  expect(description).toContain('20 requests/s (burst 100) per client address');
  const events = doc.paths['/v1/events']?.get as Operation & { description: string };
  expect(events.responses['429']?.description).toContain('event streams');
  expect(events.responses['403']?.description).toContain('eventReplayBlocks');
  expect(doc.paths['/metrics']?.get?.security).toEqual([{ bearer: [] }]);
  const anchor = doc.paths['/v1/devices/{deviceId}/messages']?.post as Operation & { description: string };
  expect(anchor.description).toContain('the same answer, 401 UNAUTHENTICATED (never 404)');
});

test('every list states its page size bounds', () => {
  const lists = operations().filter(([, op]) => op.parameters?.some((p) => p.name === 'bookmark'));
  expect(lists.length).toBeGreaterThanOrEqual(5);
  for (const [, op] of lists) {
    expect(op.parameters?.find((p) => p.name === 'pageSize')?.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
  }
});

test('the event stream states the forms of Last-Event-ID, lastEventId and since', () => {
  const params = doc.paths['/v1/events']?.get?.parameters ?? [];
  const pattern = (name: string) => params.find((p) => p.name === name)?.schema.pattern;
  expect(pattern('Last-Event-ID')).toBe('^(\\d{1,19})-(\\d{1,9})$');
  expect(pattern('lastEventId')).toBe(pattern('Last-Event-ID'));
  expect(pattern('since')).toBe('^\\d{1,19}$');
});

test('POST /v1/messages/verify: digest, or leaf and proof, as oneOf of two closed forms', () => {
  const request = doc.components.schemas.VerifyMessageRequest as { oneOf: { $ref: string }[] };
  expect(request.oneOf.map((s) => s.$ref)).toEqual([
    '#/components/schemas/VerifyMessageByDigest',
    '#/components/schemas/VerifyMessageByProof',
  ]);
  const form = (name: string) => doc.components.schemas[name] as { required: string[]; additionalProperties: boolean };
  expect(form('VerifyMessageByDigest')).toMatchObject({ required: ['deviceId', 'seq', 'digest'], additionalProperties: false });
  expect(form('VerifyMessageByProof')).toMatchObject({ required: ['deviceId', 'seq', 'leaf', 'proof'], additionalProperties: false });
});

test('every operation lists every status it can answer', () => {
  for (const [endpoint, op] of operations()) {
    const statuses = Object.keys(op.responses);
    expect([endpoint, statuses]).toEqual([endpoint, expect.arrayContaining(['429', '500'])]);
    const route = ROUTES.find((r) => `${r.method.toUpperCase()} ${r.path}` === endpoint);
    if (route?.write) expect([endpoint, statuses]).toEqual([endpoint, expect.arrayContaining(['400', '403', '404', '409', '422', '503'])]);
    if (route?.body) expect([endpoint, statuses]).toEqual([endpoint, expect.arrayContaining(['400', '413', '415'])]);
    if (route?.access.kind === 'token') expect([endpoint, statuses]).toEqual([endpoint, expect.arrayContaining(['401', '403', '503'])]);
  }
  expect(doc.paths['/v1/devices']?.post?.responses['409']?.description).toContain('IDEMPOTENCY_CONFLICT');
});

test('answer schemas carry the fields the chaincode answers', () => {
  type Fields = { $ref?: string; properties?: object; allOf?: Fields[] };
  const fields = (name: string): string[] => {
    const schema = doc.components.schemas[name] as Fields;
    const parts = schema.allOf ?? [schema];
    return parts.flatMap((part) => (part.$ref ? fields(part.$ref.split('/').pop() ?? '') : Object.keys(part.properties ?? {})));
  };
  expect(fields('Device')).toEqual(expect.arrayContaining(['statusReason', 'revokedAt', 'revocationReason']));
  expect(fields('FirmwareRelease')).toEqual(expect.arrayContaining(['publisherMsp', 'revokedAt', 'revocationReason']));
  expect(fields('KeyValidity')).toContain('at');
  expect(fields('Family')).toEqual(expect.arrayContaining(['vendorKeyPem', 'latestVersion', 'createdAt']));
  expect(fields('Endpoint')).toContain('registeredAt');
  expect(fields('ConfigReportChange')).toEqual(expect.arrayContaining(['configDrift', 'txId']));
  for (const name of ['DeviceChange', 'FamilyChange', 'FirmwareReleaseChange', 'EndpointChange']) expect(fields(name)).toContain('txId');
});
