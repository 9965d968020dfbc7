/**
 * The OpenAPI 3 document, generated from the same route declarations and zod schemas the
 * gateway validates with.
 */
import { OpenAPIRegistry, OpenApiGeneratorV3, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { ERROR_STATUS, ErrorCode, PAGE_SCAN_FACTOR, PAGE_SCAN_MAX } from '@iotreg/common';
import { IDEMPOTENCY_KEY_PATTERN } from './idempotency';
import type { AnyRoute } from './route';
import { ErrorBodySchema, z } from './schemas';

const DESCRIPTION = `REST gateway of one member organisation to the IoT device trust registry (Hyperledger Fabric).

**Authentication.** \`Authorization: Bearer <token>\` (scheme "bearer"); each token stands for one Fabric identity of
this organisation with a role (admin, vendor or auditor). Device-originated writes carry no token: their body is
signed by the device's registered key, which the gateway checks before relaying and the chaincode checks again; a body
not signed by the current key of an active registered device gets one and the same 401 UNAUTHENTICATED whether the
device is unknown, suspended, revoked or the signature wrong. Device-authenticated reads (scheme "device") use
\`Authorization: Device id="<deviceId>", ts="<unix seconds>", sig="<base64>"\`. ECDSA signatures must be low-S
(s <= n/2) and base64 canonical; the high-S twin of a valid signature is refused like a bad one.

**Registration.** \`proof\` signs \`{"action":"register","deviceId","family","keyId","ownerMsp"}\` with ownerMsp the
MSP ID of the registering organisation; a proof over the older \`{"action","deviceId","keyId"}\` is refused with 422
BAD_SIGNATURE naming the statement to sign.

**Times.** A write whose transaction timestamp is earlier than the last change of the record it changes is refused
with 409 TIMESTAMP_BEFORE_LAST_CHANGE.

**Errors.** Always \`{"error": {"code", "message"}}\`: 400 INVALID_ARGUMENT, 401 UNAUTHENTICATED, 403 FORBIDDEN,
404 NOT_FOUND, 409 ALREADY_EXISTS / ALREADY_REVOKED / DUPLICATE_VOTE / STATE_CONFLICT / IDEMPOTENCY_CONFLICT /
TIMESTAMP_BEFORE_LAST_CHANGE,
413 PAYLOAD_TOO_LARGE, 415 UNSUPPORTED_MEDIA_TYPE, 422 BAD_SIGNATURE / REPLAYED_SEQ / VERSION_NOT_NEWER /
KEY_NOT_VALID / RULE_VIOLATION / UNKNOWN_FAMILY, 429 RATE_LIMITED, 500 INTERNAL (unexpected; details only in the gateway's log), 503 LEDGER_UNAVAILABLE or
OUTCOME_UNKNOWN. Each operation lists the statuses and codes it can answer.

**Writes** answer only once their transaction is committed VALID, with its \`txId\`. If the ordering service
or the commit wait fails, the gateway looks the transaction up by ID for a bounded time; when it still cannot
tell, it answers 503 \`{"error": {"code": "OUTCOME_UNKNOWN", "message", "txId"}}\`: the write may yet commit.
Ask \`GET /v1/transactions/{txId}\`, or repeat the request with the same \`Idempotency-Key\`.

**Idempotency.** Every write accepts \`Idempotency-Key\` (1-255 of [A-Za-z0-9._:-]). The first final answer
(2xx or 4xx) for a caller and key is stored; the same request again gets that answer with
\`Idempotent-Replayed: true\`, a different request with the same key gets 409 IDEMPOTENCY_CONFLICT, and a
repeat while the first is still running waits for it. Keys are kept for 24 hours (configurable). Only answers to
authenticated requests are stored (a bearer token, or a device-signed write whose signature the gateway verified), and
each caller holds at most 100 000 keys (configurable): a new key beyond that is 429 RATE_LIMITED with Retry-After. Use a
random key (a UUID) per write.

**Rate limits.** Per bearer token 500 requests/s (burst 1000); requests without a valid bearer token (devices, health,
anyone) share 20 requests/s (burst 100) per client address. Beyond them: 429 RATE_LIMITED with Retry-After.

**Unexpected failures** are 500 INTERNAL with a generic message; the detail is in the gateway's log under the
answer's \`X-Request-Id\`.

**Lists** take \`?pageSize\` (1..1000, default 100) and \`?bookmark\`, and answer \`{"items": [...], "bookmark"}\`;
the bookmark is "" on the last page. A page reads at most ${PAGE_SCAN_FACTOR} × pageSize records of the ledger (at most
${PAGE_SCAN_MAX}, never fewer than pageSize): with a filter that keeps few of them, a page may hold fewer items than
pageSize, or none, and still carry a non-empty bookmark. Go on until the bookmark is "", not until a page is short.

Bodies are JSON (\`Content-Type: application/json\`), at most 64 KiB.`;

const BEARER_DESCRIPTION = 'A token issued to a member of this organisation; it stands for one Fabric identity and role.';

const DEVICE_DESCRIPTION = `Device-authenticated reads. Header value: \`Device id="<deviceId>", ts="<unix seconds>", sig="<base64>"\`.
\`sig\` is the device's signature, with its current registered key, over the canonical form (RFC 8785: keys sorted,
no whitespace) of the statement
\`{"action":"read","deviceId":"<deviceId>","method":"GET","target":"<request path and query, exactly as sent>","ts":<ts>}\`
(ECDSA P-256: base64 of the low-S DER ECDSA-SHA256 signature; Ed25519: base64 of the signature). The gateway requires
|now - ts| <= 30 s, the device to exist and be active, the signature to verify with its current key, and the signature
not to have been used before; otherwise 401, with one and the same body whatever failed (so the answer tells nothing
of the device's existence or status). Sign each request anew. Reads do not consume the device's seq.
Clients of the first form (\`"path"\` without the query, 300 s) get this 401, whose message names the statement.`;

function security(route: AnyRoute): Record<string, string[]>[] {
  switch (route.access.kind) {
    case 'public':
    case 'device-signed':
      return [];
    case 'token':
      return [{ bearer: [] }];
    case 'token-or-device':
      return [{ bearer: [] }, { device: [] }];
  }
}

/** What each error code means for a client; the status comes from ERROR_STATUS (packages/common). */
const ERROR_MEANING: Record<ErrorCode, string> = {
  INVALID_ARGUMENT: 'malformed input (schema, limits, PEM, hex, version, Idempotency-Key, Last-Event-ID)',
  UNAUTHENTICATED:
    'no, unknown or malformed credentials; for a device-signed request, one answer for an unknown device, an inactive one and a bad signature',
  FORBIDDEN: "this identity may not do this (role, or another organisation's resource)",
  NOT_FOUND: 'unknown resource',
  ALREADY_EXISTS: 'it exists already',
  ALREADY_REVOKED: 'revoked for good',
  DUPLICATE_VOTE: 'this organisation voted already',
  STATE_CONFLICT: 'not allowed in the current state (also after repeated MVCC conflicts)',
  IDEMPOTENCY_CONFLICT: 'this Idempotency-Key was used for a different request',
  TIMESTAMP_BEFORE_LAST_CHANGE: "the transaction is dated before the record's last change",
  PAYLOAD_TOO_LARGE: 'body over 64 KiB (1 MiB for POST /v1/devices:batch)',
  UNSUPPORTED_MEDIA_TYPE: 'the body is not JSON',
  BAD_SIGNATURE: 'a signature does not verify',
  REPLAYED_SEQ: "seq is not above the device's last",
  VERSION_NOT_NEWER: 'the version is not newer than the current one',
  KEY_NOT_VALID: "the key is not the device's valid key",
  RULE_VIOLATION: 'a registry rule refuses it',
  UNKNOWN_FAMILY: 'the device names a family nobody registered: register the family first',
  RESEAL_REQUIRED: "the sealed configuration is sealed to a key the device no longer holds (rotated): its owner's admin must seal it again",
  QUARANTINED:
    "the device's family requires compliant firmware to take part and the device's is not (the message names the requirement); a compliant firmware report releases it",
  RATE_LIMITED: 'too many requests: see Retry-After',
  INTERNAL: 'unexpected gateway failure (details only in its log)',
  LEDGER_UNAVAILABLE: 'the ledger is unreachable; nothing was written',
  OUTCOME_UNKNOWN: 'with "txId": the write may still commit; ask GET /v1/transactions/{txId} or retry with the same Idempotency-Key',
};

const WRITE_CODES: ErrorCode[] = [
  'ALREADY_EXISTS',
  'ALREADY_REVOKED',
  'DUPLICATE_VOTE',
  'STATE_CONFLICT',
  'IDEMPOTENCY_CONFLICT',
  'TIMESTAMP_BEFORE_LAST_CHANGE',
  'BAD_SIGNATURE',
  'REPLAYED_SEQ',
  'VERSION_NOT_NEWER',
  'KEY_NOT_VALID',
  'RULE_VIOLATION',
  'UNKNOWN_FAMILY',
  'OUTCOME_UNKNOWN',
];

/** Every error code a route can answer, from what it takes and does (see route.ts and the middleware). */
export function routeErrorCodes(route: AnyRoute): ErrorCode[] {
  const { access } = route;
  const withToken = access.kind === 'token' || access.kind === 'token-or-device';
  const credentials = withToken || access.kind === 'device-signed';
  const ledger = access.kind !== 'public' || route.ledger === true;
  const hasInput = route.params !== undefined || route.query !== undefined || route.body !== undefined || route.write === true;
  const codes: ErrorCode[] = [];
  if (hasInput || route.headers !== undefined) codes.push('INVALID_ARGUMENT');
  if (credentials) codes.push('UNAUTHENTICATED');
  // the chaincode checks roles and ownership again, on reads too
  if ((withToken && ledger) || route.write) codes.push('FORBIDDEN');
  if (route.params !== undefined || route.body !== undefined || route.write) codes.push('NOT_FOUND');
  if (route.write) codes.push(...WRITE_CODES);
  if (route.body !== undefined) codes.push('PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE');
  codes.push('RATE_LIMITED', 'INTERNAL');
  if (ledger) codes.push('LEDGER_UNAVAILABLE');
  return codes;
}

/** One response per status, each naming its codes and what they mean; all with the one error body. */
function errorResponses(route: AnyRoute): Record<string, ResponseConfig> {
  const descriptions = new Map<string, string[]>();
  const add = (status: string, text: string) => descriptions.set(status, [...(descriptions.get(status) ?? []), text]);
  for (const code of routeErrorCodes(route)) add(String(ERROR_STATUS[code]), `${code}: ${ERROR_MEANING[code]}`);
  if (route.access.kind !== 'token') {
    add(
      '429',
      'requests without a valid bearer token share a much smaller budget per client address (limits.unauthenticatedRatePerSecond, default 20/s)',
    );
  }
  // What a route says of its own errors, e.g. the event stream's limits.
  for (const [status, text] of Object.entries(route.errors ?? {})) add(status, text);
  const responses: Record<string, ResponseConfig> = {};
  for (const status of [...descriptions.keys()].sort()) {
    responses[status] = {
      description: (descriptions.get(status) ?? []).join('; '),
      content: { 'application/json': { schema: ErrorBodySchema } },
    };
  }
  return responses;
}

const IdempotencyHeaders = z.object({
  'Idempotency-Key': z
    .string()
    .regex(IDEMPOTENCY_KEY_PATTERN)
    .optional()
    .meta({ description: 'makes the write safe to repeat: the first final answer for this key is replayed' }),
});

const ReplayedHeaders = z.object({
  'Idempotent-Replayed': z.literal('true').optional().meta({ description: 'present on a replayed answer' }),
  'X-Request-Id': z.string().meta({ description: 'request ID (also in the logs)' }),
});

const RequestIdHeaders = z.object({ 'X-Request-Id': z.string().meta({ description: 'request ID (also in the logs)' }) });

export function buildOpenApiDocument(routes: readonly AnyRoute[], version: string): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: BEARER_DESCRIPTION });
  registry.registerComponent('securitySchemes', 'device', {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description: DEVICE_DESCRIPTION,
  });

  for (const route of routes) {
    const success: ResponseConfig = {
      description: route.success.description,
      headers: route.write ? ReplayedHeaders : RequestIdHeaders,
    };
    if (route.success.schema) {
      success.content = { [route.success.contentType ?? 'application/json']: { schema: route.success.schema } };
    }
    const headers = route.write ? (route.headers ? IdempotencyHeaders.extend(route.headers.shape) : IdempotencyHeaders) : route.headers;
    const deviceSigned =
      route.access.kind === 'device-signed'
        ? '\n\nNo credentials: the body is signed by the device (see the request schema); payload.deviceId must equal the ' +
          "device in the path. The gateway checks the signature against the device's current key (read from the ledger, " +
          'cached a few seconds) before anything is stored or sent, then relays the write with its own relay identity and ' +
          "the chaincode checks it again. An unknown device, an inactive one and a signature that is not by the device's " +
          'current key get the same answer, 401 UNAUTHENTICATED (never 404). Idempotency-Key: refused writes are not ' +
          'stored; use a random key (e.g. a UUID) per write.'
        : '';
    registry.registerPath({
      method: route.method,
      path: route.path,
      operationId: route.operationId,
      summary: route.summary,
      description: (route.description ?? route.summary) + deviceSigned,
      tags: [route.tag],
      security: security(route),
      request: {
        ...(route.params ? { params: route.params } : {}),
        ...(route.query ? { query: route.query } : {}),
        ...(headers ? { headers } : {}),
        ...(route.body ? { body: { required: true, content: { 'application/json': { schema: route.body } } } } : {}),
      },
      responses: { [String(route.success.status)]: success, ...errorResponses(route) },
    });
  }

  const generator = new OpenApiGeneratorV3(registry.definitions, { unionPreferredType: 'oneOf' });
  return generator.generateDocument({
    openapi: '3.0.3',
    info: { title: 'IoT device trust registry gateway', version, description: DESCRIPTION },
    tags: [
      { name: 'Devices' },
      { name: 'Configuration' },
      { name: 'Firmware' },
      { name: 'Messages' },
      { name: 'Discovery' },
      { name: 'Governance' },
      { name: 'Identity' },
      { name: 'Fleet' },
      { name: 'Rollouts' },
      { name: 'Agreements' },
      { name: 'Events and operations' },
    ],
  }) as unknown as Record<string, unknown>;
}
