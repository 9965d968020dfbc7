/**
 * Many keys in one chaincode<->peer round trip. Fabric 3.1 peers read a list of keys
 * (GET_STATE_MULTIPLE) and apply a list of writes (WRITE_BATCH_STATE) for a transaction, where
 * GetState and PutState cost one round trip a key; the Go shim uses both, fabric-shim 2.5.8 (the
 * latest Node release) neither. So these messages go through the one path fabric-shim sends any
 * state call by: the transaction's message queue in its handler (one message at a time per
 * transaction), in fabric-shim's own ChaincodeMessage class, the only one its gRPC stream accepts.
 * The payloads are fabric-protos' messages for the two calls; the peer records the reads in the
 * read set and applies the writes in order, exactly as it does for the single calls.
 *
 * A stub without that queue (another shim) gets undefined, and the Store makes one call a key;
 * so does every stub when the server runs with IOTREG_STATE_BATCHES=off, for peers older than
 * Fabric 3.1, which end the chaincode's stream on a message type they do not know. Either way the
 * read and write sets are the same, so endorsers may differ in this setting.
 */
import { createRequire } from 'node:module';
import { peer } from '@hyperledger/fabric-protos';
import type { ChaincodeStub } from 'fabric-shim-api';

/**
 * The two calls' message types (fabric-protos, peer/chaincode_shim.proto). Not taken from
 * fabric-protos' ChaincodeMessage.Type at run time: fabric-shim loads its own older fabric-protos,
 * and google-protobuf's generated classes live in one global namespace, so in a chaincode process
 * that enum is the older one's, without these two. state-batches.test.ts holds them to
 * fabric-protos' own values.
 */
export const MESSAGE_TYPE = { WRITE_BATCH_STATE: 24, GET_STATE_MULTIPLE: 25 } as const;

/** Keys per message: the peer's own default limits (core.yaml, chaincode.runtimeParams maxSizeWriteBatch, maxSizeGetMultipleKeys). */
export const KEYS_PER_BATCH = 1000;

export interface StateBatches {
  /** Each key's value, in order; undefined where the key has none. */
  read(keys: readonly string[]): Promise<Array<Buffer | undefined>>;
  /** Puts (a value) and deletes (undefined), applied in order. */
  write(writes: ReadonlyArray<readonly [string, Buffer | undefined]>): Promise<void>;
}

/** What fabric-shim's stub and handler hold for a transaction (fabric-shim/lib/stub.js, handler.js). */
interface ShimStub {
  handler?: { _askPeerAndListen?: (message: unknown, method: string) => Promise<Buffer> };
  channel_id?: string;
  txId?: string;
}

/** fabric-shim's ChaincodeMessage, from its own copy of fabric-protos: its gRPC stream takes no other class. */
type MessageClass = new () => peer.ChaincodeMessage;
let shimMessage: MessageClass | undefined;
function shimChaincodeMessage(): MessageClass {
  // fabric-protos as fabric-shim itself resolves it.
  shimMessage ??= (
    createRequire(require.resolve('fabric-shim'))('@hyperledger/fabric-protos') as typeof import('@hyperledger/fabric-protos')
  ).peer.ChaincodeMessage;
  return shimMessage;
}

/** IOTREG_STATE_BATCHES: `on` (the default) or `off`. */
function batchesWanted(): boolean {
  const setting = process.env.IOTREG_STATE_BATCHES ?? 'on';
  if (setting !== 'on' && setting !== 'off') throw new Error(`IOTREG_STATE_BATCHES must be on or off, not ${JSON.stringify(setting)}`);
  return setting === 'on';
}

export function stateBatches(stub: ChaincodeStub): StateBatches | undefined {
  if (!batchesWanted()) return undefined;
  const { handler, channel_id: channel, txId } = stub as unknown as ShimStub;
  const ask = handler?._askPeerAndListen;
  if (typeof ask !== 'function' || channel === undefined || txId === undefined) return undefined;
  const call = (type: number, payload: Uint8Array, method: string): Promise<Buffer> => {
    const message = new (shimChaincodeMessage())();
    message.setType(type as never);
    message.setPayload(payload);
    message.setTxid(txId);
    message.setChannelId(channel);
    return ask.call(handler, message, method);
  };
  return {
    async read(keys) {
      const values: Array<Buffer | undefined> = [];
      for (const chunk of chunks(keys)) {
        const request = new peer.GetStateMultiple();
        request.setKeysList([...chunk]);
        const answer = await call(MESSAGE_TYPE.GET_STATE_MULTIPLE, request.serializeBinary(), 'GetStateMultiple');
        const found = peer.GetStateMultipleResult.deserializeBinary(answer).getValuesList_asU8();
        if (found.length !== chunk.length) throw new Error(`GET_STATE_MULTIPLE answered ${found.length} values for ${chunk.length} keys`);
        for (const value of found) values.push(value.length === 0 ? undefined : Buffer.from(value));
      }
      return values;
    },
    async write(writes) {
      for (const chunk of chunks(writes)) {
        const batch = new peer.WriteBatchState();
        batch.setRecList(
          chunk.map(([key, value]) => {
            const record = new peer.WriteRecord();
            record.setKey(key);
            if (value === undefined) record.setType(peer.WriteRecord.Type.DEL_STATE);
            else {
              record.setType(peer.WriteRecord.Type.PUT_STATE);
              record.setValue(value);
            }
            return record;
          }),
        );
        await call(MESSAGE_TYPE.WRITE_BATCH_STATE, batch.serializeBinary(), 'WriteBatchState');
      }
    },
  };
}

function* chunks<T>(items: readonly T[]): Generator<readonly T[]> {
  for (let i = 0; i < items.length; i += KEYS_PER_BATCH) yield items.slice(i, i + KEYS_PER_BATCH);
}
