/**
 * An in-memory world state that behaves like a peer where the tests depend on it: keys sorted,
 * composite keys and partial-key scans, paged queries, and reads that do not see the
 * transaction's own writes (they apply only when the transaction commits). It counts the state
 * calls each transaction makes (each one a chaincode<->peer round trip on a real peer) and keeps
 * every key's versions for getHistoryForKey, newest first as Fabric answers.
 */
import { createHash } from 'node:crypto';
import { peer } from '@hyperledger/fabric-protos';
import { Context } from 'fabric-contract-api';
import { RegistryContext } from '../context';
import { MESSAGE_TYPE } from '../ledger/state-batches';

const NS = '\u0000';

/** The chaincode<->peer state calls of one transaction, by kind. */
export interface StateCalls {
  get: number;
  put: number;
  delete: number;
  range: number;
  history: number;
  /** GET_STATE_MULTIPLE: many keys read in one round trip (Fabric 3.1). */
  readBatch: number;
  /** WRITE_BATCH_STATE: many writes in one round trip (Fabric 3.1). */
  writeBatch: number;
}

/** A transaction's counts before its first state call. */
export const noCalls = (): StateCalls => ({ get: 0, put: 0, delete: 0, range: 0, history: 0, readBatch: 0, writeBatch: 0 });

interface KeyVersion {
  txId: string;
  seconds: number;
  value: Buffer | undefined;
}

export class FakeLedger {
  readonly state = new Map<string, Buffer>();
  readonly events: Array<{ name: string; payload: unknown }> = [];
  /** The state calls of the last transaction run. */
  calls: StateCalls = noCalls();
  readonly #versions = new Map<string, KeyVersion[]>();
  /** Private data per collection, as the collection's members' peers hold it. */
  readonly privateState = new Map<string, Map<string, Buffer>>();
  /**
   * The org of the peer that runs the transactions: private data of a collection of another org
   * (`_implicit_org_<other>`) is not on it, only its hash, as on a real non-member peer.
   */
  peerMsp: string | undefined;
  /**
   * Whether the peer takes batched reads and writes, as Fabric 3.1 does: the stub then carries
   * fabric-shim's handler queue, which answers GET_STATE_MULTIPLE and WRITE_BATCH_STATE as the
   * peer does. Off: a stub with only the single calls (another shim).
   */
  batches = true;
  #tx = 0;
  /** Seconds since the epoch of the next transaction; each transaction advances it by one. */
  clock = Date.parse('2026-01-01T00:00:00Z') / 1000;

  /** Runs one transaction as `msp`/`role`; its writes apply only if it succeeds. */
  async run<T>(
    msp: string,
    role: string | undefined,
    work: (ctx: RegistryContext) => Promise<T>,
    transient: Record<string, string> = {},
  ): Promise<T> {
    this.#tx += 1;
    this.clock += 1;
    const pending = new Map<string, Buffer | undefined>();
    const calls = noCalls();
    this.calls = calls;
    const pendingPrivate: Array<[string, string, Buffer]> = [];
    const held = (collection: string) => this.peerMsp === undefined || collection === `_implicit_org_${this.peerMsp}`;
    const privateValue = (collection: string, key: string) => this.privateState.get(collection)?.get(key);
    let event: { name: string; payload: unknown } | undefined;
    const txId = createHash('sha256').update(`tx${this.#tx}`).digest('hex');
    const sorted = () => [...this.state.keys()].sort();
    const scan = (prefix: string, from?: string) => sorted().filter((k) => k.startsWith(prefix) && (from === undefined || k >= from));
    const iterator = (keys: string[]) => {
      let i = 0;
      return {
        next: async () =>
          i < keys.length ? { done: false, value: { key: keys[i], value: this.state.get(keys[i++]!)! } } : { done: true, value: undefined },
        close: async () => undefined,
      };
    };
    const composite = (type: string, attrs: string[]) => NS + type + NS + attrs.map((a) => a + NS).join('');
    /** fabric-shim's handler queue, as far as state batches use it: the peer's side of the two messages. */
    const handler = {
      _askPeerAndListen: async (message: peer.ChaincodeMessage): Promise<Buffer> => {
        const payload = message.getPayload_asU8();
        if (message.getType() === MESSAGE_TYPE.GET_STATE_MULTIPLE) {
          calls.readBatch += 1;
          const answer = new peer.GetStateMultipleResult();
          answer.setValuesList(
            peer.GetStateMultiple.deserializeBinary(payload)
              .getKeysList()
              .map((k) => this.state.get(k) ?? Buffer.alloc(0)),
          );
          return Buffer.from(answer.serializeBinary());
        }
        if (message.getType() === MESSAGE_TYPE.WRITE_BATCH_STATE) {
          calls.writeBatch += 1;
          for (const record of peer.WriteBatchState.deserializeBinary(payload).getRecList()) {
            const put = record.getType() === peer.WriteRecord.Type.PUT_STATE;
            pending.set(record.getKey(), put ? Buffer.from(record.getValue_asU8()) : undefined);
          }
          return Buffer.alloc(0);
        }
        throw new Error(`the fake peer does not take message type ${message.getType()}`);
      },
    };
    const stub = {
      ...(this.batches ? { handler, channel_id: 'iot', txId } : {}),
      // A Fabric transaction ID's form (64 hex), as the answer schemas require; the same for the same run.
      getTxID: () => txId,
      getTxTimestamp: () => ({ seconds: this.clock, nanos: 0 }),
      getState: async (key: string) => {
        calls.get += 1;
        return this.state.get(key) ?? Buffer.alloc(0);
      },
      putState: async (key: string, value: Buffer) => {
        calls.put += 1;
        pending.set(key, value);
      },
      deleteState: async (key: string) => {
        calls.delete += 1;
        pending.set(key, undefined);
      },
      getHistoryForKey: async (key: string) => {
        calls.history += 1;
        const versions = [...(this.#versions.get(key) ?? [])].reverse();
        let i = 0;
        return {
          next: async () => {
            const v = versions[i++];
            if (!v) return { done: true, value: undefined };
            const value = {
              txId: v.txId,
              timestamp: { seconds: v.seconds, nanos: 0 },
              isDelete: !v.value,
              value: v.value ?? Buffer.alloc(0),
            };
            return { done: false, value };
          },
          close: async () => undefined,
        };
      },
      createCompositeKey: composite,
      splitCompositeKey: (key: string) => {
        const parts = key.slice(1, -1).split(NS);
        return { objectType: parts[0], attributes: parts.slice(1) };
      },
      getStateByPartialCompositeKey: async (type: string, attrs: string[]) => {
        calls.range += 1;
        return iterator(scan(composite(type, attrs)));
      },
      getStateByPartialCompositeKeyWithPagination: async (type: string, attrs: string[], pageSize: number, bookmark = '') => {
        calls.range += 1;
        const keys = scan(composite(type, attrs), bookmark || undefined);
        const page = keys.slice(0, pageSize);
        // Like fabric-shim, no metadata at all when the page is empty.
        const metadata = page.length ? { fetchedRecordsCount: page.length, bookmark: keys[pageSize] ?? '' } : undefined;
        return { iterator: iterator(page), metadata };
      },
      putPrivateData: async (collection: string, key: string, value: Buffer) => void pendingPrivate.push([collection, key, value]),
      getPrivateData: async (collection: string, key: string) =>
        (held(collection) ? privateValue(collection, key) : undefined) ?? Buffer.alloc(0),
      getPrivateDataHash: async (collection: string, key: string) => {
        const value = privateValue(collection, key);
        return value ? createHash('sha256').update(value).digest() : Buffer.alloc(0);
      },
      getTransient: () => new Map(Object.entries(transient).map(([k, v]) => [k, Buffer.from(v)])),
      setEvent: (name: string, payload: Buffer) => {
        event = { name, payload: JSON.parse(payload.toString()) };
      },
    };
    const ctx = new RegistryContext();
    (ctx as Context).stub = stub as never;
    (ctx as Context).clientIdentity = {
      getMSPID: () => msp,
      getAttributeValue: (name: string) => (name === 'role' ? (role ?? null) : null),
    } as never;
    const result = await work(ctx);
    for (const [key, value] of pending) {
      if (value === undefined) this.state.delete(key);
      else this.state.set(key, value);
      this.#versions.set(key, [...(this.#versions.get(key) ?? []), { txId, seconds: this.clock, value }]);
    }
    for (const [collection, key, value] of pendingPrivate) {
      if (!this.privateState.has(collection)) this.privateState.set(collection, new Map());
      this.privateState.get(collection)!.set(key, value);
    }
    if (event) this.events.push(event);
    return result;
  }
}
