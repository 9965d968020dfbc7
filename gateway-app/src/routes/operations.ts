/** Events, transaction status and proofs, health, readiness, metrics and the OpenAPI document (HTTP only). */
import { RegistryError, TransactionProof, TransactionStatus } from '@iotreg/common';
import { header, requestContext } from '../http/context';
import { defineRoute } from '../http/route';
import { EventId, EventsQuery, HealthSchema, ReadySchema, TxParams, z } from '../http/schemas';
import { parseEventId, STREAMS_FULL_RETRY_S } from '../http/sse';
import type { Registry } from '../registry/registry';

/** Refuses a replay that starts more than `maxBlocks` below the current height (403, naming the earliest allowed). */
async function requireRecentStart(registry: Registry, startBlock: bigint, maxBlocks: number): Promise<void> {
  const { height } = await registry.ping();
  const earliest = BigInt(Math.max(0, height - maxBlocks));
  if (startBlock < earliest) {
    throw new RegistryError(
      'FORBIDDEN',
      `an event stream may start at most ${maxBlocks} blocks back (block ${earliest} or later, the height is ${height}); only the auditor role may replay further`,
    );
  }
}

export const operationRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/events',
    operationId: 'streamEvents',
    summary: "Server-Sent Events of the chaincode's events",
    description:
      'One event per committed change: `id:` "<block>-<index within block>", `event:` the chaincode event name ' +
      '(device.registered, device.key_rotated, ...), `data:` {"txId","blockNumber","payload"}. Resume with the ' +
      'Last-Event-ID header (or ?lastEventId=) without gaps or duplicates; ?since=<block> starts at a block; by ' +
      'default only events from now on. A comment line every 15 s keeps the connection open. If the ledger stream ' +
      'fails, an `event: gateway.error` with an error body is sent and the stream ends: reconnect with Last-Event-ID.\n\n' +
      'Limits: each token identity may hold a few streams open at once, and the gateway a bounded number in all ' +
      '(limits.eventStreamsPerIdentity, default 8; limits.eventStreamsTotal, default 256): beyond them 429 RATE_LIMITED ' +
      'with Retry-After. A replay (?since or Last-Event-ID) may start at most limits.eventReplayBlocks blocks ' +
      '(default 1000) below the current height, except for the auditor role, which may replay the whole chain: an ' +
      'earlier start is 403 FORBIDDEN naming the earliest block allowed.',
    tag: 'Events and operations',
    access: { kind: 'token' },
    ledger: true,
    query: EventsQuery,
    errors: {
      403: 'FORBIDDEN: the replay starts further back than limits.eventReplayBlocks and the role is not auditor',
      429: 'RATE_LIMITED (Retry-After): this identity or the gateway holds as many event streams as allowed',
    },
    headers: z.object({
      'Last-Event-ID': EventId.optional().meta({
        description:
          'id "<block>-<index>" of the last event received: resume after it (an empty value is ignored); wins over ?lastEventId and ?since',
      }),
    }),
    success: { status: 200, description: 'an event stream', schema: z.string(), contentType: 'text/event-stream' },
    raw: async ({ registry, as, caller, query, req, res, deps }) => {
      const lastEventId = header(req, 'last-event-id');
      const resumeFrom = lastEventId !== undefined && lastEventId !== '' ? lastEventId : query.lastEventId;
      const resume = resumeFrom === undefined ? undefined : parseEventId(resumeFrom);
      if (resumeFrom !== undefined && !resume) {
        throw new RegistryError('INVALID_ARGUMENT', 'Last-Event-ID must be an event id "<block>-<index>"');
      }
      const startBlock = resume ? resume.block : query.since === undefined ? undefined : BigInt(query.since);
      if (startBlock !== undefined && !(caller?.kind === 'token' && caller.role === 'auditor')) {
        await requireRecentStart(registry, startBlock, deps.limits.eventReplayBlocks);
      }
      let release: () => void;
      try {
        release = deps.streams.admit(as);
      } catch (err) {
        res.header('Retry-After', String(STREAMS_FULL_RETRY_S));
        throw err;
      }
      let events;
      try {
        events = await registry.chaincodeEvents(as, startBlock);
      } catch (err) {
        release();
        throw err;
      }
      await deps.streams.serve(events, req, res, resume, requestContext(req).log, release);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/transactions/{txId}',
    operationId: 'getTransactionStatus',
    summary: 'Commit status of a transaction (e.g. after OUTCOME_UNKNOWN)',
    tag: 'Events and operations',
    access: { kind: 'token' },
    params: TxParams,
    success: { status: 200, description: 'the status: VALID, a validation code name, or UNKNOWN', schema: TransactionStatus },
    handle: ({ registry, as, params }) => registry.transactionStatus(as, params.txId),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/audit/tx/{txId}',
    operationId: 'getTransactionProof',
    summary: 'Proof bundle of a transaction: its block and position, for offline verification',
    description:
      'Only the block is signed (by the orderers). The consenter mapping and the config block it comes from are there to ' +
      "resolve the signatures' consenter IDs: a verifier takes the consenter set, n and the quorum from a source it trusts " +
      '(pinned consenter certificates, or this config block once its header hash matches a pinned one), never from the bundle alone.',
    tag: 'Events and operations',
    access: { kind: 'token', roles: ['auditor', 'admin'] },
    params: TxParams,
    success: { status: 200, description: 'the proof bundle', schema: TransactionProof },
    handle: ({ registry, as, params }) => registry.transactionProof(as, params.txId),
  }),
  defineRoute({
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    summary: 'The process is up',
    tag: 'Events and operations',
    access: { kind: 'public' },
    success: { status: 200, description: 'up', schema: HealthSchema },
    handle: async () => ({ status: 'ok' }),
  }),
  defineRoute({
    method: 'get',
    path: '/readyz',
    operationId: 'ready',
    summary: 'The ledger answers (a cheap query with a short deadline); the read model height and lag',
    tag: 'Events and operations',
    access: { kind: 'public' },
    ledger: true,
    success: { status: 200, description: 'ready', schema: ReadySchema },
    handle: async ({ registry }) => {
      let answer: Awaited<ReturnType<Registry['ping']>>;
      try {
        answer = await registry.ping();
      } catch (err) {
        throw err instanceof RegistryError && err.code === 'LEDGER_UNAVAILABLE'
          ? err
          : new RegistryError('LEDGER_UNAVAILABLE', 'the ledger is not reachable');
      }
      if (answer.readModel?.state === 'failed') {
        throw new RegistryError('LEDGER_UNAVAILABLE', `the read model stopped: ${answer.readModel.failure ?? 'unknown reason'}`);
      }
      return { status: 'ready', height: answer.height, ...(answer.readModel ? { readModel: answer.readModel } : {}) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics (auditor or admin token)',
    description:
      'Request counts, latencies, ledger calls, open event streams and process figures: operational detail that is not ' +
      "public. Scrape with the org's auditor (or admin) bearer token.",
    tag: 'Events and operations',
    access: { kind: 'token', roles: ['auditor', 'admin'] },
    success: { status: 200, description: 'Prometheus text exposition', schema: z.string(), contentType: 'text/plain' },
    raw: async ({ res, deps }) => {
      res
        .code(200)
        .type(deps.metrics.registry.contentType)
        .send(await deps.metrics.registry.metrics());
    },
  }),
  defineRoute({
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'This document',
    tag: 'Events and operations',
    access: { kind: 'public' },
    success: { status: 200, description: 'OpenAPI 3 document', schema: z.record(z.string(), z.unknown()) },
    handle: async ({ deps }) => deps.openApi(),
  }),
];
