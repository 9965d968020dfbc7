/**
 * The batch messages as a Fabric 3.1 peer reads them. This file loads fabric-protos without
 * fabric-shim, so its enum holds the release's own numbers to check MESSAGE_TYPE against.
 */
import { peer } from '@hyperledger/fabric-protos';
import type { ChaincodeStub } from 'fabric-shim-api';
import { KEYS_PER_BATCH, MESSAGE_TYPE, stateBatches } from './state-batches';

test("the message types are fabric-protos' own", () => {
  expect(MESSAGE_TYPE).toEqual({
    WRITE_BATCH_STATE: peer.ChaincodeMessage.Type.WRITE_BATCH_STATE,
    GET_STATE_MULTIPLE: peer.ChaincodeMessage.Type.GET_STATE_MULTIPLE,
  });
});

/** A stub whose handler queue records what it is asked and answers as `answer` says. */
function stubAsking(answer: (message: peer.ChaincodeMessage) => Uint8Array) {
  const sent: peer.ChaincodeMessage[] = [];
  const handler = {
    _askPeerAndListen: async (message: peer.ChaincodeMessage) => {
      sent.push(message);
      return Buffer.from(answer(message));
    },
  };
  return { sent, stub: { handler, channel_id: 'iot', txId: 'a'.repeat(64) } as unknown as ChaincodeStub };
}

test('reads go as GET_STATE_MULTIPLE in chunks of the peer limit; empty values are absent keys', async () => {
  const { sent, stub } = stubAsking((message) => {
    const keys = peer.GetStateMultiple.deserializeBinary(message.getPayload_asU8()).getKeysList();
    const result = new peer.GetStateMultipleResult();
    result.setValuesList(keys.map((k) => (k.endsWith('7') ? new Uint8Array() : Buffer.from(`v:${k}`))));
    return result.serializeBinary();
  });
  const keys = Array.from({ length: KEYS_PER_BATCH + 3 }, (_, i) => `k${i}`);
  const values = await stateBatches(stub)!.read(keys);
  expect(sent.map((m) => [m.getType(), m.getTxid(), m.getChannelId()])).toEqual([
    [MESSAGE_TYPE.GET_STATE_MULTIPLE, 'a'.repeat(64), 'iot'],
    [MESSAGE_TYPE.GET_STATE_MULTIPLE, 'a'.repeat(64), 'iot'],
  ]);
  expect(values).toHaveLength(keys.length);
  expect(values[0]?.toString()).toBe('v:k0');
  expect(values[7]).toBeUndefined();
  expect(values[KEYS_PER_BATCH + 2]?.toString()).toBe(`v:k${KEYS_PER_BATCH + 2}`);
});

test('a peer answering fewer values than keys fails the read', async () => {
  const { stub } = stubAsking(() => new peer.GetStateMultipleResult().serializeBinary());
  await expect(stateBatches(stub)!.read(['a', 'b'])).rejects.toThrow('answered 0 values for 2 keys');
});

test('writes go as one WRITE_BATCH_STATE, puts and deletes in order', async () => {
  const { sent, stub } = stubAsking(() => new Uint8Array());
  await stateBatches(stub)!.write([
    ['b', Buffer.from('2')],
    ['a', undefined],
    ['c', Buffer.from('3')],
  ]);
  expect(sent).toHaveLength(1);
  expect(sent[0]!.getType()).toBe(MESSAGE_TYPE.WRITE_BATCH_STATE);
  const records = peer.WriteBatchState.deserializeBinary(sent[0]!.getPayload_asU8()).getRecList();
  expect(records.map((r) => [r.getKey(), r.getType(), Buffer.from(r.getValue_asU8()).toString(), r.getCollection()])).toEqual([
    ['b', peer.WriteRecord.Type.PUT_STATE, '2', ''],
    ['a', peer.WriteRecord.Type.DEL_STATE, '', ''],
    ['c', peer.WriteRecord.Type.PUT_STATE, '3', ''],
  ]);
});

test("a stub without fabric-shim's handler queue gets no batches", () => {
  expect(stateBatches({ getState: async () => Buffer.alloc(0) } as unknown as ChaincodeStub)).toBeUndefined();
});

test('IOTREG_STATE_BATCHES=off turns batches off for every stub; another value is refused', () => {
  const { stub } = stubAsking(() => new Uint8Array());
  try {
    process.env.IOTREG_STATE_BATCHES = 'off';
    expect(stateBatches(stub)).toBeUndefined();
    process.env.IOTREG_STATE_BATCHES = 'on';
    expect(stateBatches(stub)).toBeDefined();
    process.env.IOTREG_STATE_BATCHES = 'no';
    expect(() => stateBatches(stub)).toThrow('IOTREG_STATE_BATCHES must be on or off, not "no"');
  } finally {
    delete process.env.IOTREG_STATE_BATCHES;
  }
});
