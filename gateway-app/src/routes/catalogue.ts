/**
 * The catalogue's REST routes (packages/common/src/api/rest.ts), made servable: each route's
 * path parameters, query or body are its operation's request schema split where the route puts
 * them, and its answer is the operation's. A route here has no code of its own.
 */
import { Id, isWrite, OPERATIONS, pathParameters, REST_ROUTES, type RestRoute, type RouteName, TxId } from '@iotreg/common';
import { z } from 'zod';
import type { AnyRoute } from '../http/route';
import type { FastifyReply } from 'fastify';
import type { CallOptions, ReadSource, Submitting } from '../registry/registry';
import { committedAnswer } from './answers';

/** How a read may ask for consistency (docs/read-model.md); every catalogue read takes these in its query. */
export const ReadConsistencyQuery = {
  minHeight: z
    .string()
    .regex(/^\d{1,15}$/, { error: 'must be a block height (a number of blocks)' })
    .transform(Number)
    .optional()
    .meta({
      description:
        'answer from a ledger state of at least this many blocks: a write answered in block b is seen from height b + 1. ' +
        'The read waits a bounded time for the read model, then answers 503',
    }),
  source: z
    .enum(['model', 'ledger'])
    .optional()
    .meta({ description: "'ledger': ask the peer through the chaincode (an endorsed answer) instead of the gateway's read model" }),
};

/** Headers on every answer of a catalogue route: the ledger height it reflects and where it came from. */
const HEIGHT_HEADER = 'X-Ledger-Height';
const SOURCE_HEADER = 'X-Read-Source';

const schemaId = (schema: z.ZodType) => z.globalRegistry.get(schema)?.id;

/** The route's part of an object request: `keep` picks the fields, `id` names the result in the document. */
function part(request: z.ZodType, keep: (field: string) => boolean, id?: string): z.ZodObject | undefined {
  if (!(request instanceof z.ZodObject)) return undefined;
  const fields = Object.keys(request.shape).filter(keep);
  if (fields.length === 0) return undefined;
  const picked = request.pick(Object.fromEntries(fields.map((f) => [f, true])) as never);
  return id ? picked.meta({ id }) : picked;
}

/** What the route answers: a write's answer carries the transaction that committed it. */
function successSchema(route: RestRoute): z.ZodType {
  const answer = OPERATIONS[route.operation].answer as z.ZodType;
  if (!isWrite(route) || !(answer instanceof z.ZodObject)) return answer;
  const id = schemaId(answer);
  const withTx = answer.extend({ txId: TxId.meta({ description: 'the transaction that made this change' }) });
  return id ? withTx.meta({ id: `${id}Change` }) : withTx;
}

/** A GET route's query is its request's rest; every read also takes the consistency fields. */
function querySchema(route: RestRoute, rest: z.ZodType | undefined): z.ZodObject | undefined {
  if (route.method === 'get') return rest ? (rest as z.ZodObject).extend(ReadConsistencyQuery) : z.strictObject(ReadConsistencyQuery);
  return isWrite(route) ? undefined : z.strictObject(ReadConsistencyQuery);
}

/** What the caller asked of the read, the headers that tell it what it got, and a write's hook. */
function callOptions(
  reply: FastifyReply,
  minHeight: number | undefined,
  source: ReadSource | undefined,
  submitting: Submitting | undefined,
): CallOptions {
  return {
    ...(minHeight !== undefined ? { minHeight } : {}),
    ...(source !== undefined ? { source } : {}),
    ...(submitting !== undefined ? { submitting } : {}),
    observe: ({ height, source: answeredFrom }) => {
      if (reply.sent) return;
      reply.header(HEIGHT_HEADER, String(height));
      reply.header(SOURCE_HEADER, answeredFrom);
    },
  };
}

export function catalogueRoute(name: RouteName): AnyRoute {
  const route = REST_ROUTES[name] as RestRoute;
  const request = OPERATIONS[route.operation].request as z.ZodType;
  const shape = request instanceof z.ZodObject ? (request.shape as Record<string, z.ZodType>) : {};
  const inPath = pathParameters(route.path);
  const fixed = Object.keys(route.fixed ?? {});
  const params = inPath.length > 0 ? z.object(Object.fromEntries(inPath.map((p) => [p, shape[p] ?? Id]))) : undefined;
  const elsewhere = (field: string) => !inPath.includes(field) && !fixed.includes(field);
  const whole = inPath.every((p) => !(p in shape)) && fixed.length === 0;
  const rest = whole ? request : part(request, elsewhere, schemaId(request) && `${schemaId(request)?.replace(/Request$/, '')}Body`);
  const get = route.method === 'get';
  const query = querySchema(route, rest);
  return {
    method: route.method,
    path: route.path,
    operationId: name,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(route.errors ? { errors: route.errors } : {}),
    tag: route.tag,
    access: route.access,
    write: isWrite(route),
    ledger: true,
    ...(params ? { params } : {}),
    ...(query ? { query } : {}),
    ...(get ? {} : { body: rest ?? z.strictObject({}) }),
    ...(route.bodyLimit !== undefined ? { bodyLimit: route.bodyLimit } : {}),
    success: { status: route.status, description: route.answers, schema: successSchema(route) },
    handle: async ({ registry, as, params: path, query: asked, body, res, submitting }) => {
      const fromPath = Object.fromEntries(Object.entries((path ?? {}) as Record<string, unknown>).filter(([field]) => field in shape));
      const { minHeight, source, ...fromQuery } = (asked ?? {}) as { minHeight?: number; source?: 'model' | 'ledger' };
      const options = callOptions(res, minHeight, source, submitting);
      const outcome = await registry.call(
        route.operation,
        as,
        { ...(route.fixed ?? {}), ...fromPath, ...(get ? fromQuery : (body as object)) } as never,
        options,
      );
      return isWrite(route) ? committedAnswer(outcome as never) : outcome;
    },
  };
}

/** Every catalogue route, in the order REST_ROUTES declares them. */
export const catalogueRoutes: readonly AnyRoute[] = (Object.keys(REST_ROUTES) as RouteName[]).map(catalogueRoute);
