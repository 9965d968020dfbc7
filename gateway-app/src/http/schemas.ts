/**
 * The gateway's own schemas: what it answers and takes beside the catalogue's operations
 * (packages/common/src/api), whose requests and answers the catalogue routes use directly.
 */
import { z } from 'zod';
import { ERROR_STATUS, Endpoint, TxId } from '@iotreg/common';
import { EVENT_ID } from './sse';

export { z };

export const TxParams = z.object({ txId: TxId });

/** An SSE event id "<block>-<index>", as the gateway numbers events (sse.ts). */
export const EventId = z.string().regex(EVENT_ID, { error: 'must be an event id "<block>-<index>"' });

export const EventsQuery = z.strictObject({
  since: z
    .string()
    .regex(/^\d{1,19}$/, { error: 'must be a block number' })
    .optional()
    .meta({
      description:
        'start block (inclusive), decimal; ignored when resuming with Last-Event-ID or lastEventId. Default: only events committed from now on',
    }),
  lastEventId: EventId.optional().meta({
    description: 'resume after this event id "<block>-<index>" (same as the Last-Event-ID header, which wins)',
  }),
});

export const DiscoverySchema = z.object({ endpoints: z.array(Endpoint) }).meta({ id: 'Discovery' });

const ERROR_CODES = Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]];

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string().meta({ description: 'what is wrong, for a person' }),
      txId: TxId.optional().meta({
        description: 'with OUTCOME_UNKNOWN (503): the transaction whose outcome is not known yet; ask GET /v1/transactions/{txId}',
      }),
      items: z
        .array(z.object({ index: z.number().int(), code: z.enum(ERROR_CODES), message: z.string() }))
        .optional()
        .meta({ description: 'with a refused POST /v1/devices:batch: every refused item, by its index in `devices`' }),
    }),
  })
  .meta({ id: 'Error' });

export const HealthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
export const ReadySchema = z
  .object({
    status: z.literal('ready'),
    height: z.number().int(),
    readModel: z
      .object({
        state: z.enum(['starting', 'following', 'failed', 'stopped']),
        height: z.number().int().meta({ description: 'blocks in the read model' }),
        ledgerHeight: z.number().int(),
        lag: z.number().int().meta({ description: 'ledgerHeight - height' }),
        failure: z.string().optional(),
      })
      .optional()
      .meta({ description: "the gateway's read model of the ledger, where it keeps one" }),
  })
  .meta({ id: 'Ready' });
