import { Info, Returns, Transaction } from 'fabric-contract-api';
import { EVENTS, MessageAnchor, type ParsedRequestOf, rootFromAuditPath } from '@iotreg/common';
import { RegistryContext } from '../context';
import { acceptSigned, findDevice, saveDevice } from '../devices';
import { keys } from '../ledger/keys';
import { requireParticipation } from '../quarantine';
import { pageRequest } from '../request';
import { RegistryContract } from './base';

@Info({ title: 'Messages', description: 'Device-signed anchors of message digests and batch Merkle roots' })
export class MessagesContract extends RegistryContract {
  constructor() {
    super('Messages');
  }

  /** The device signs the digest with its current key; `seq` makes each anchor usable once. A quarantined device may not anchor. */
  @Transaction()
  @Returns('string')
  async AnchorMessage(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'anchorMessage', request, async (signed) => {
      const device = await acceptSigned(ctx, signed);
      await requireParticipation(ctx, device);
      const anchor: MessageAnchor = {
        deviceId: device.deviceId,
        seq: signed.payload.seq,
        digest: signed.payload.digest,
        keyId: device.keyId,
        anchoredAt: ctx.now,
        txId: ctx.txId,
      };
      ctx.store.put(keys.message(device.deviceId, anchor.seq), anchor);
      await saveDevice(ctx, device);
      ctx.emit(EVENTS.messageAnchored, anchor);
      return anchor;
    });
  }

  @Transaction(false)
  @Returns('string')
  async ListMessages(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'listMessages', request, async (query) => {
      const device = await findDevice(ctx, query.deviceId);
      return ctx.store.page<MessageAnchor>(keys.message(device.deviceId), pageRequest(query), (anchor) => anchor);
    });
  }

  /** Is `digest` (or `leaf`, through its RFC 6962 audit path) what the device anchored as `seq`? */
  @Transaction(false)
  @Returns('string')
  async VerifyMessage(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'verifyMessage', request, async (query) => {
      const claimed = 'digest' in query ? query.digest : batchRoot(query.leaf, query.proof);
      const anchor = await ctx.store.get<MessageAnchor>(keys.message(query.deviceId, query.seq));
      if (!anchor || claimed === undefined || anchor.digest !== claimed) return { anchored: false };
      return { anchored: true, keyId: anchor.keyId, anchoredAt: anchor.anchoredAt };
    });
  }
}

type AuditPath = Extract<ParsedRequestOf<'verifyMessage'>, { proof: unknown }>['proof'];

/** The root a leaf and its audit path lead to; undefined when the path does not fit the tree. */
function batchRoot(leaf: string, { index, treeSize, path }: AuditPath): string | undefined {
  const nodes = path.map((node) => Buffer.from(node, 'hex'));
  return rootFromAuditPath(Buffer.from(leaf, 'hex'), index, treeSize, nodes)?.toString('hex');
}
