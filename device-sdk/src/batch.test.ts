import { createHash } from 'node:crypto';
import { rootFromAuditPath } from '@iotreg/common';
import { inBatch, MessageBatch } from './batch';

const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const leaf = (message: string) => sha(Buffer.from([0]), sha(Buffer.from(message)));
const node = (left: Buffer, right: Buffer) => sha(Buffer.from([1]), left, right);

test("the root is the RFC 6962 tree hash of the messages' SHA-256 digests", () => {
  expect(new MessageBatch(['a']).root).toBe(leaf('a').toString('hex'));
  expect(new MessageBatch(['a', 'b']).root).toBe(node(leaf('a'), leaf('b')).toString('hex'));
  expect(new MessageBatch(['a', 'b', 'c']).root).toBe(node(node(leaf('a'), leaf('b')), leaf('c')).toString('hex'));
});

test('strings are hashed as UTF-8, buffers as they are', () => {
  expect(new MessageBatch(['é']).root).toBe(new MessageBatch([Buffer.from('é', 'utf8')]).root);
  expect(new MessageBatch(['é']).root).not.toBe(new MessageBatch([Buffer.from('é', 'latin1')]).root);
});

describe.each(Array.from({ length: 17 }, (_, i) => i + 1))('a batch of %i', (size) => {
  const messages = Array.from({ length: size }, (_, i) => `reading ${i}`);
  const batch = new MessageBatch(messages);

  test('every message proves into the root, as the chaincode checks it', () => {
    messages.forEach((message, i) => {
      const membership = batch.proof(i);
      expect(membership.leaf).toBe(sha(Buffer.from(message)).toString('hex'));
      expect(membership.proof).toMatchObject({ index: i, treeSize: size });
      expect(membership.proof.path.every((n) => /^[0-9a-f]{64}$/.test(n))).toBe(true);
      expect(inBatch(message, membership.proof, batch.root)).toBe(true);
      // VerifyMessage in the chaincode: the hex leaf through rootFromAuditPath.
      const path = membership.proof.path.map((n) => Buffer.from(n, 'hex'));
      expect(rootFromAuditPath(Buffer.from(membership.leaf, 'hex'), i, size, path)?.toString('hex')).toBe(batch.root);
    });
  });

  test('a wrong message, index, path or root does not', () => {
    messages.forEach((message, i) => {
      const { proof } = batch.proof(i);
      expect(inBatch(`${message}!`, proof, batch.root)).toBe(false);
      for (let j = 0; j < size; j++) {
        if (j !== i) expect(inBatch(message, { ...proof, index: j }, batch.root)).toBe(false);
      }
      expect(inBatch(message, { ...proof, index: size }, batch.root)).toBe(false);
      expect(inBatch(message, proof, new MessageBatch([...messages, 'extra']).root)).toBe(false);
      if (proof.path.length > 0) {
        expect(inBatch(message, { ...proof, path: proof.path.slice(1) }, batch.root)).toBe(false);
        expect(inBatch(message, { ...proof, path: [sha(Buffer.from('x')).toString('hex'), ...proof.path.slice(1)] }, batch.root)).toBe(
          false,
        );
        expect(inBatch(message, { ...proof, path: ['zz', ...proof.path.slice(1)] }, batch.root)).toBe(false);
      }
    });
  });
});

test('an empty batch and an index outside the batch are refused', () => {
  expect(() => new MessageBatch([])).toThrow(RangeError);
  expect(() => new MessageBatch(['a']).proof(1)).toThrow(RangeError);
  expect(() => new MessageBatch(['a']).proof(-1)).toThrow(RangeError);
});
