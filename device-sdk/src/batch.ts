import { createHash } from 'node:crypto';
import { auditPath, merkleRoot, MerkleProof, rootFromAuditPath } from '@iotreg/common';

export type Message = Buffer | string;

/** A batch entry: the SHA-256 of the message (a string is taken as UTF-8). */
export function messageDigest(message: Message): Buffer {
  return createHash('sha256')
    .update(Buffer.isBuffer(message) ? message : Buffer.from(message, 'utf8'))
    .digest();
}

/** What the holder of one message needs to show it is in an anchored batch (POST /v1/messages/verify takes both). */
export interface BatchMembership {
  /** hex SHA-256 of the message. */
  leaf: string;
  proof: MerkleProof;
}

/**
 * Many messages anchored by one ledger write: the entries are the messages' SHA-256 digests,
 * the root is their RFC 6962 Merkle tree hash, exactly what the chaincode recomputes from a
 * leaf and its audit path.
 */
export class MessageBatch {
  readonly #entries: Buffer[];

  constructor(messages: readonly Message[]) {
    if (messages.length === 0) throw new RangeError('a batch needs at least one message');
    this.#entries = messages.map(messageDigest);
  }

  get size(): number {
    return this.#entries.length;
  }

  /** hex; the digest to anchor. */
  get root(): string {
    return merkleRoot(this.#entries).toString('hex');
  }

  proof(index: number): BatchMembership {
    const leaf = this.#entries[index];
    if (leaf === undefined) throw new RangeError(`no message ${index} in a batch of ${this.size}`);
    return {
      leaf: leaf.toString('hex'),
      proof: { index, treeSize: this.size, path: auditPath(this.#entries, index).map((node) => node.toString('hex')) },
    };
  }
}

/** Offline check that `message` with `proof` leads to the anchored `root` (hex). */
export function inBatch(message: Message, proof: MerkleProof, root: string): boolean {
  const path = proof.path.map((node) => Buffer.from(node, 'hex'));
  return rootFromAuditPath(messageDigest(message), proof.index, proof.treeSize, path)?.toString('hex') === root;
}
