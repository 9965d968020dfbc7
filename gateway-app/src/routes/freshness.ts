/**
 * "What should I run?" with what a device needs to believe the answer without believing this
 * gateway: the family's last refreshed status and the proof bundle of the transaction that wrote
 * it (its block, with the orderers' BFT signatures). The device library (device-sdk/src/freshness.ts)
 * reads the status from the proven transaction itself, and refuses it once older than its expiry.
 */
import { FamilyStatusRecord, Id, TransactionProof } from '@iotreg/common';
import { z } from 'zod';
import { defineRoute } from '../http/route';

export const FreshnessAnswer = z
  .object({
    status: FamilyStatusRecord.meta({ description: "the gateway's copy: a device takes the status from proof instead" }),
    proof: TransactionProof.meta({ description: 'the proof bundle of status.txId, the RefreshFamilyStatus transaction' }),
  })
  .meta({ id: 'FreshnessAnswer' });

export const freshnessRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/families/{family}/freshness',
    operationId: 'getFamilyFreshness',
    summary: "What a family's devices should run, provably: the last refreshed status with its transaction's proof",
    description:
      'For devices (Device credentials) and operators alike. The status is the answer of a RefreshFamilyStatus transaction ' +
      "(POST /v1/status-refreshes); proof is that transaction's block as GET /v1/audit/tx/{txId} gives it. A device " +
      'checks the block against consenter certificates it was provisioned with, reads the status from the transaction ' +
      "(the endorsers' signed answer), and refuses it when its timestamp is older than the device's expiry: a gateway " +
      'replaying an old answer keeps no device on old firmware for longer than that. 404 until the family was refreshed once.',
    tag: 'Rollouts',
    access: { kind: 'token-or-device' },
    ledger: true,
    params: z.object({ family: Id }),
    success: { status: 200, description: 'the status and its proof', schema: FreshnessAnswer },
    handle: async ({ registry, as, params }) => {
      const status = await registry.call('getFamilyStatus', as, { family: params.family }, { source: 'ledger' });
      const proof = await registry.transactionProof(as, status.txId);
      return { status, proof };
    },
  }),
];
