import type { ChaincodeStub } from 'fabric-shim-api';
import { keys } from './keys';
import { Store } from './store';

/** A stub that records every call the store makes to the peer. */
function recordingStub(state: Record<string, string> = {}) {
  const calls: string[] = [];
  const stub = {
    createCompositeKey: (type: string, attrs: string[]) => [type, ...attrs].join('/'),
    getState: async (key: string) => {
      calls.push(`get ${key}`);
      return Buffer.from(state[key] ?? '');
    },
    putState: async (key: string, value: Buffer) => void calls.push(`put ${key} ${value.toString()}`),
    deleteState: async (key: string) => void calls.push(`delete ${key}`),
  };
  return { stub: stub as unknown as ChaincodeStub, calls };
}

describe('Store', () => {
  test('holds writes until flush, then sends each key once with its last value, in first-write order', async () => {
    const { stub, calls } = recordingStub();
    const store = new Store(stub);
    store.put(keys.deviceMeta('d1'), { revisions: 0 });
    store.put(keys.device('d1'), { deviceId: 'd1' });
    store.put(keys.deviceMeta('d1'), { revisions: 1 });
    expect(calls).toEqual([]);
    await store.flush();
    expect(calls).toEqual(['put device-meta/d1 {"revisions":1}', 'put device/d1 {"deviceId":"d1"}']);
  });

  test('answers reads of its own writes without asking the peer', async () => {
    const { stub, calls } = recordingStub({ 'device/d1': '{"seq":1}' });
    const store = new Store(stub);
    expect(await store.get(keys.device('d1'))).toEqual({ seq: 1 });
    store.put(keys.device('d1'), { seq: 2 });
    store.delete(keys.device('d2'));
    expect(await store.get(keys.device('d1'))).toEqual({ seq: 2 });
    expect(await store.exists(keys.device('d2'))).toBe(false);
    expect(calls).toEqual(['get device/d1']);
  });

  test('a key written then deleted reaches the peer as one delete', async () => {
    const { stub, calls } = recordingStub();
    const store = new Store(stub);
    store.put(keys.devicesBy('status', 'active', 'd1'), 'd1');
    store.delete(keys.devicesBy('status', 'active', 'd1'));
    await store.flush();
    expect(calls).toEqual(['delete device-by/status/active/d1']);
  });
});
