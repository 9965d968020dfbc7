import { Info, Returns, Transaction } from 'fabric-contract-api';
import { EVENTS, MERKLE_PATH_MAX, MERKLE_TREE_SIZE_MAX, MessageAnchor, RegistryError, rootFromAuditPath } from '@iotreg/common';
import { RegistryContext } from '../context';
import { acceptSigned, findDevice, saveDevice } from '../devices';
import { keys } from '../ledger/keys';
import { Fields, id, integer, object, only, page, seq, sha256, signedRequest } from '../request';
import { RegistryContract } from './base';

@Info({ title: 'Messages', description: 'Device-signed anchors of message digests and batch Merkle roots' })
export class MessagesContract extends RegistryContract {
  constructor() {
    super('Messages');
  }

  /** The device signs the digest with its current key; `seq` makes each anchor usable once. */
  @Transaction()
  @Returns('string')
  async AnchorMessage(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      sha256(signedRequest(fields, 'digest'), 'digest');
      const { device, payload } = await acceptSigned(ctx, fields, 'anchor');
      const anchor: MessageAnchor = {
        deviceId: device.deviceId,
        seq: payload.seq,
        digest: sha256(payload, 'digest'),
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
    return this.answer(ctx, request, async (fields) => {
      const device = await findDevice(ctx, id(fields, 'deviceId'));
      return ctx.store.page<MessageAnchor>(keys.message(device.deviceId), page(fields), (anchor) => anchor);
    });
  }

  /** Is `digest` (or `leaf`, through its RFC 6962 audit path) what the device anchored as `seq`? */
  @Transaction(false)
  @Returns('string')
  async VerifyMessage(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      only(fields, 'deviceId', 'seq', 'digest', 'leaf', 'proof');
      const deviceId = id(fields, 'deviceId');
      const anchorSeq = seq(fields, 'seq');
      const claimed = fields.digest !== undefined ? digestAlone(fields) : batchRoot(fields);
      const anchor = await ctx.store.get<MessageAnchor>(keys.message(deviceId, anchorSeq));
      if (!anchor || claimed === undefined || anchor.digest !== claimed) return { anchored: false };
      return { anchored: true, keyId: anchor.keyId, anchoredAt: anchor.anchoredAt };
    });
  }
}

function digestAlone(fields: Fields): string {
  if (fields.leaf !== undefined || fields.proof !== undefined)
    throw new RegistryError('INVALID_ARGUMENT', 'give either digest, or leaf and proof');
  return sha256(fields, 'digest');
}

/** The root a leaf and its audit path lead to; undefined when the path does not fit the tree. */
function batchRoot(fields: Fields): string | undefined {
  if (fields.leaf === undefined || fields.proof === undefined) {
    throw new RegistryError('INVALID_ARGUMENT', 'give digest, or leaf with proof');
  }
  const leaf = sha256(fields, 'leaf');
  const proof = only(object(fields, 'proof'), 'index', 'treeSize', 'path');
  const treeSize = integer(proof, 'treeSize', 1, MERKLE_TREE_SIZE_MAX);
  const index = integer(proof, 'index', 0, treeSize - 1);
  const path = proof.path;
  if (!Array.isArray(path) || path.length > MERKLE_PATH_MAX) {
    throw new RegistryError('INVALID_ARGUMENT', `proof.path must be a list of at most ${MERKLE_PATH_MAX} hashes`);
  }
  const nodes = path.map((node: unknown, i) => Buffer.from(sha256({ [`proof.path[${i}]`]: node }, `proof.path[${i}]`), 'hex'));
  return rootFromAuditPath(Buffer.from(leaf, 'hex'), index, treeSize, nodes)?.toString('hex');
}
