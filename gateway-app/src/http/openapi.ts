/**
 * The OpenAPI 3 document, generated from the same route declarations and zod schemas the
 * gateway validates with.
 */
import { OpenAPIRegistry, OpenApiGeneratorV3, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { IDEMPOTENCY_KEY_PATTERN } from './idempotency';
import type { AnyRoute } from './route';
import { ErrorBodySchema, z } from './schemas';

const DESCRIPTION = `REST gateway of one member organisation to the IoT device trust registry (Hyperledger Fabric).

**Authentication.** \`Authorization: Bearer <token>\` (scheme "bearer"); each token stands for one Fabric identity of
this organisation with a role (admin, vendor or auditor). Device-originated writes carry no token: their body is
signed by the device's registered key and the chaincode verifies it; a body not signed by the current key of an
active registered device gets one and the same 401 UNAUTHENTICATED whether the device is unknown, suspended, revoked
or the signature wrong. Device-authenticated reads (scheme "device") use
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
KEY_NOT_VALID / RULE_VIOLATION, 429 RATE_LIMITED, 503 LEDGER_UNAVAILABLE or OUTCOME_UNKNOWN.

**Writes** answer only once their transaction is committed VALID, with its \`txId\`. If the ordering service
or the commit wait fails, the gateway looks the transaction up by ID for a bounded time; when it still cannot
tell, it answers 503 \`{"error": {"code": "OUTCOME_UNKNOWN", "message", "txId"}}\`: the write may yet commit.
Ask \`GET /v1/transactions/{txId}\`, or repeat the request with the same \`Idempotency-Key\`.

**Idempotency.** Every write accepts \`Idempotency-Key\` (1-255 of [A-Za-z0-9._:-]). The first final answer
(2xx or 4xx) for a caller and key is stored; the same request again gets that answer with
\`Idempotent-Replayed: true\`, a different request with the same key gets 409 IDEMPOTENCY_CONFLICT, and a
repeat while the first is still running waits for it. Keys are kept for 24 hours (configurable).

**Lists** take \`?pageSize\` (1..1000, default 100) and \`?bookmark\`, and answer \`{"items": [...], "bookmark"}\`;
the bookmark is "" on the last page.

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

function errorResponse(description: string): ResponseConfig {
  return { description, content: { 'application/json': { schema: ErrorBodySchema } } };
}

function errorResponses(route: AnyRoute): Record<string, ResponseConfig> {
  const responses: Record<string, ResponseConfig> = {};
  const { access } = route;
  const hasInput = route.params !== undefined || route.query !== undefined || route.body !== undefined || route.write === true;
  if (hasInput) responses['400'] = errorResponse('INVALID_ARGUMENT: malformed input (schema, PEM, hex, version, Idempotency-Key)');
  if (access.kind === 'token' || access.kind === 'token-or-device') {
    responses['401'] = errorResponse('UNAUTHENTICATED: no or unknown credentials');
  }
  if (access.kind === 'device-signed') {
    responses['401'] = errorResponse('UNAUTHENTICATED: the body is not signed by the current key of an active registered device (one answer for unknown, inactive and bad signature)');
  }
  if ((access.kind === 'token' && access.roles) || route.write) {
    responses['403'] = errorResponse("FORBIDDEN: this identity may not do this (role, or another organisation's resource)");
  }
  if (route.params !== undefined || route.write) responses['404'] = errorResponse('NOT_FOUND: unknown resource');
  if (route.write) {
    responses['409'] = errorResponse(
      'ALREADY_EXISTS, ALREADY_REVOKED, DUPLICATE_VOTE, STATE_CONFLICT (also after repeated MVCC conflicts), IDEMPOTENCY_CONFLICT, or TIMESTAMP_BEFORE_LAST_CHANGE (the transaction is dated before the record\'s last change)',
    );
  }
  if (route.body !== undefined) {
    responses['413'] = errorResponse('PAYLOAD_TOO_LARGE: body over 64 KiB');
    responses['415'] = errorResponse('UNSUPPORTED_MEDIA_TYPE: the body is not JSON');
  }
  if (route.write) {
    responses['422'] = errorResponse('BAD_SIGNATURE, REPLAYED_SEQ, VERSION_NOT_NEWER, KEY_NOT_VALID or RULE_VIOLATION');
  }
  responses['429'] = errorResponse('RATE_LIMITED: see Retry-After');
  if (route.access.kind !== 'public' || route.ledger) {
    responses['503'] = errorResponse(
      route.write
        ? 'LEDGER_UNAVAILABLE (nothing was written), or OUTCOME_UNKNOWN with "txId": the write may still commit; ask GET /v1/transactions/{txId} or retry with the same Idempotency-Key'
        : 'LEDGER_UNAVAILABLE: the ledger is unreachable',
    );
  }
  return responses;
}

const IdempotencyHeaders = z.object({
  'Idempotency-Key': z
    .string()
    .regex(IDEMPOTENCY_KEY_PATTERN)
    .optional()
    .openapi({ description: 'makes the write safe to repeat: the first final answer for this key is replayed' }),
});

const ReplayedHeaders = z.object({
  'Idempotent-Replayed': z.literal('true').optional().openapi({ description: 'present on a replayed answer' }),
  'X-Request-Id': z.string().openapi({ description: 'request ID (also in the logs)' }),
});

const RequestIdHeaders = z.object({ 'X-Request-Id': z.string().openapi({ description: 'request ID (also in the logs)' }) });

export function buildOpenApiDocument(routes: readonly AnyRoute[], version: string): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: BEARER_DESCRIPTION });
  registry.registerComponent('securitySchemes', 'device', {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description: DEVICE_DESCRIPTION,
  });
  registry.register('Error', ErrorBodySchema);

  for (const route of routes) {
    const success: ResponseConfig = {
      description: route.success.description,
      headers: route.write ? ReplayedHeaders : RequestIdHeaders,
    };
    if (route.success.schema) {
      success.content = { [route.success.contentType ?? 'application/json']: { schema: route.success.schema } };
    }
    const headers = route.write
      ? route.headers
        ? IdempotencyHeaders.extend(route.headers.shape)
        : IdempotencyHeaders
      : route.headers;
    const deviceSigned = route.access.kind === 'device-signed'
      ? '\n\nNo credentials: the body is signed by the device (see the request schema) and verified by the chaincode; ' +
        'payload.deviceId must equal the device in the path. The gateway relays it with its own relay identity.'
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

  const generator = new OpenApiGeneratorV3(registry.definitions);
  return generator.generateDocument({
    openapi: '3.0.3',
    info: { title: 'IoT device trust registry gateway', version, description: DESCRIPTION },
    tags: [
      { name: 'Devices' },
      { name: 'Configuration' },
      { name: 'Firmware' },
      { name: 'Messages' },
      { name: 'Discovery' },
      { name: 'Events and operations' },
    ],
  }) as unknown as Record<string, unknown>;
}
