import { createHash } from 'node:crypto';
import { auditPath, merkleRoot, MerkleProof, rootFromAuditPath } from '@iotreg/common';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

/**
 * A batch of messages anchored by one Merkle root (RFC 6962). Each entry of the tree is the
 * SHA-256 of one message, so a verifier needs the message, its proof and the anchored root.
 */
export class MessageBatch {
  readonly leaves: Buffer[];

  constructor(messages: Array<Buffer | string>) {
    if (messages.length === 0) throw new RangeError('a batch needs at least one message');
    this.leaves = messages.map((m) => sha256(Buffer.isBuffer(m) ? m : Buffer.from(m, 'utf8')));
  }

  /** The digest to anchor. */
  get root(): string {
    return merkleRoot(this.leaves).toString('hex');
  }

  /** What a recipient of message `index` needs to prove it was in the anchored batch. */
  proof(index: number): { leaf: string; proof: MerkleProof } {
    const leaf = this.leaves[index];
    if (!leaf) throw new RangeError(`no message ${index} in a batch of ${this.leaves.length}`);
    return {
      leaf: leaf.toString('hex'),
      proof: { index, treeSize: this.leaves.length, path: auditPath(this.leaves, index).map((n) => n.toString('hex')) },
    };
  }
}

/** Checks offline that `message` with `proof` leads to `root`. */
export function inBatch(message: Buffer | string, proof: MerkleProof, root: string): boolean {
  const leaf = sha256(Buffer.isBuffer(message) ? message : Buffer.from(message, 'utf8'));
  const computed = rootFromAuditPath(leaf, proof.index, proof.treeSize, proof.path.map((n) => Buffer.from(n, 'hex')));
  return computed?.toString('hex') === root;
}
