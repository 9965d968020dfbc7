import { createHash } from 'node:crypto';

/** RFC 6962 Merkle tree hashing: leaves and nodes are domain-separated, so a leaf can't pose as a node. */
export function leafHash(data: Buffer): Buffer {
  return createHash('sha256')
    .update(Buffer.from([0]))
    .update(data)
    .digest();
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256')
    .update(Buffer.from([1]))
    .update(left)
    .update(right)
    .digest();
}

/** Largest power of two strictly less than n (n >= 2), the RFC 6962 split point. */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function rootOfHashes(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0] as Buffer;
  const k = split(leaves.length);
  return nodeHash(rootOfHashes(leaves.slice(0, k)), rootOfHashes(leaves.slice(k)));
}

/** Merkle tree hash of a non-empty list of entries (RFC 6962 MTH). */
export function merkleRoot(entries: Buffer[]): Buffer {
  if (entries.length === 0) throw new RangeError('a Merkle tree needs at least one entry');
  return rootOfHashes(entries.map(leafHash));
}

/** Audit path of entry `index` (RFC 6962 PATH), from the leaf upwards. */
export function auditPath(entries: Buffer[], index: number): Buffer[] {
  if (!Number.isInteger(index) || index < 0 || index >= entries.length) throw new RangeError('index out of range');
  const walk = (leaves: Buffer[], m: number): Buffer[] => {
    if (leaves.length === 1) return [];
    const k = split(leaves.length);
    return m < k
      ? [...walk(leaves.slice(0, k), m), rootOfHashes(leaves.slice(k))]
      : [...walk(leaves.slice(k), m - k), rootOfHashes(leaves.slice(0, k))];
  };
  return walk(entries.map(leafHash), index);
}

/** Limits of a verifiable audit path (POST /v1/messages/verify): 2^32 leaves, so at most 64 hashes. */
export const MERKLE_TREE_SIZE_MAX = 2 ** 32;
export const MERKLE_PATH_MAX = 64;

/**
 * Recomputes the root from a leaf, its index, the tree size and its audit path (RFC 9162
 * section 2.1.3.2 verification). Returns undefined when the path does not fit the tree.
 */
export function rootFromAuditPath(leaf: Buffer, index: number, treeSize: number, path: Buffer[]): Buffer | undefined {
  if (!Number.isInteger(index) || !Number.isInteger(treeSize) || index < 0 || index >= treeSize) return undefined;
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash(leaf);
  for (const p of path) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}
