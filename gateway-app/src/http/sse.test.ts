import { RegistryError } from '@iotreg/common';
import type { LedgerEvent } from '../registry/registry';
import { FakeEventStream, ledgerEvent } from '../testing/fake-registry';
import { Harness, startHarness, TOKENS } from '../testing/harness';
import { alreadySent, formatEvent, numberEvents, parseEventId } from './sse';

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function* from(events: LedgerEvent[]): AsyncGenerator<LedgerEvent> {
  yield* events;
}

describe('event ids', () => {
  test('events are numbered from 0 within each block', async () => {
    const numbered = await collect(
      numberEvents(
        from([ledgerEvent(3, 'a', 1), ledgerEvent(3, 'b', 2), ledgerEvent(5, 'c', 3), ledgerEvent(6, 'd', 4), ledgerEvent(6, 'e', 5)]),
      ),
    );
    expect(numbered.map(({ position }) => `${position.block}-${position.index}`)).toEqual(['3-0', '3-1', '5-0', '6-0', '6-1']);
  });

  test('parse and compare positions', () => {
    expect(parseEventId('12-3')).toEqual({ block: 12n, index: 3 });
    expect(parseEventId('12')).toBeUndefined();
    expect(parseEventId('a-1')).toBeUndefined();
    const resume = { block: 12n, index: 1 };
    expect(alreadySent({ block: 11n, index: 9 }, resume)).toBe(true);
    expect(alreadySent({ block: 12n, index: 1 }, resume)).toBe(true);
    expect(alreadySent({ block: 12n, index: 2 }, resume)).toBe(false);
    expect(alreadySent({ block: 13n, index: 0 }, resume)).toBe(false);
    expect(alreadySent({ block: 0n, index: 0 }, undefined)).toBe(false);
  });

  test('the wire format', () => {
    const text = formatEvent(ledgerEvent(7, 'device.registered', { deviceId: 'd' }, 'ab'.repeat(32)), { block: 7n, index: 2 });
    expect(text).toBe(
      `id: 7-2\nevent: device.registered\ndata: {"txId":"${'ab'.repeat(32)}","blockNumber":7,"payload":{"deviceId":"d"}}\n\n`,
    );
  });
});

interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
}

/** Reads an SSE response until `count` messages arrived (comments are collected apart). */
async function readEvents(response: Response, count: number): Promise<{ messages: SseMessage[]; comments: string[] }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  while (messages.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const message: SseMessage = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) comments.push(line);
        else if (line.startsWith('id: ')) message.id = line.slice(4);
        else if (line.startsWith('event: ')) message.event = line.slice(7);
        else if (line.startsWith('data: ')) message.data = line.slice(6);
      }
      if (message.id !== undefined || message.event !== undefined) messages.push(message);
    }
  }
  await reader.cancel();
  return { messages, comments };
}

describe('GET /v1/events', () => {
  let h: Harness;
  let streams: FakeEventStream[];
  let starts: (bigint | undefined)[];
  beforeEach(async () => {
    h = await startHarness({ heartbeatMs: 20 });
    streams = [];
    starts = [];
    h.fake.handlers.chaincodeEvents = async (_as, startBlock) => {
      starts.push(startBlock as bigint | undefined);
      const stream = new FakeEventStream();
      streams.push(stream);
      return stream;
    };
  });
  afterEach(() => h.close());

  const open = (path: string, headers: Record<string, string> = {}) =>
    fetch(h.url + path, { headers: { authorization: `Bearer ${TOKENS.auditor}`, ...headers } });

  test('streams events with ids, names and data; new events only by default', async () => {
    const response = await open('/v1/events');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(starts).toEqual([undefined]);
    const stream = streams[0]!;
    stream.push(ledgerEvent(8, 'device.registered', { deviceId: 'd-1' }, '01'.repeat(32)));
    stream.push(ledgerEvent(8, 'config.published', { deviceId: 'd-1' }, '02'.repeat(32)));
    stream.push(ledgerEvent(9, 'device.revoked', { deviceId: 'd-1' }, '03'.repeat(32)));
    const { messages } = await readEvents(response, 3);
    expect(messages).toEqual([
      {
        id: '8-0',
        event: 'device.registered',
        data: JSON.stringify({ txId: '01'.repeat(32), blockNumber: 8, payload: { deviceId: 'd-1' } }),
      },
      {
        id: '8-1',
        event: 'config.published',
        data: JSON.stringify({ txId: '02'.repeat(32), blockNumber: 8, payload: { deviceId: 'd-1' } }),
      },
      { id: '9-0', event: 'device.revoked', data: JSON.stringify({ txId: '03'.repeat(32), blockNumber: 9, payload: { deviceId: 'd-1' } }) },
    ]);
  });

  test('?since starts at that block', async () => {
    const response = await open('/v1/events?since=42');
    expect(starts).toEqual([42n]);
    await response.body?.cancel();
  });

  test('Last-Event-ID resumes in its block, skipping what was delivered: no gap, no duplicate', async () => {
    const response = await open('/v1/events?since=1', { 'last-event-id': '8-1' });
    expect(starts).toEqual([8n]); // the header wins over ?since
    const stream = streams[0]!;
    stream.push(ledgerEvent(8, 'a', 0));
    stream.push(ledgerEvent(8, 'b', 1));
    stream.push(ledgerEvent(8, 'c', 2));
    stream.push(ledgerEvent(10, 'd', 3));
    const { messages } = await readEvents(response, 2);
    expect(messages.map((m) => [m.id, m.event])).toEqual([
      ['8-2', 'c'],
      ['10-0', 'd'],
    ]);
  });

  test('?lastEventId works like the header', async () => {
    const response = await open('/v1/events?lastEventId=5-0');
    expect(starts).toEqual([5n]);
    streams[0]!.push(ledgerEvent(5, 'skipped', 0));
    streams[0]!.push(ledgerEvent(5, 'sent', 1));
    const { messages } = await readEvents(response, 1);
    expect(messages.map((m) => m.id)).toEqual(['5-1']);
  });

  test('heartbeat comments keep the connection open', async () => {
    const response = await open('/v1/events');
    // Ten heartbeat periods, of which two must show: timers run late on a loaded machine.
    await new Promise((resolve) => setTimeout(resolve, 200));
    streams[0]!.push(ledgerEvent(1, 'x', 0));
    const { comments } = await readEvents(response, 1);
    expect(comments.filter((c) => c === ': heartbeat').length).toBeGreaterThanOrEqual(2);
  });

  test('a client that goes away closes the ledger stream', async () => {
    const controller = new AbortController();
    const response = await fetch(h.url + '/v1/events', {
      headers: { authorization: `Bearer ${TOKENS.auditor}` },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(h.gateway.streams.size).toBe(1);
    controller.abort();
    for (let i = 0; i < 50 && !streams[0]!.closed; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(streams[0]!.closed).toBe(true);
    expect(h.gateway.streams.size).toBe(0);
  });

  test('shutdown closes every stream', async () => {
    const a = await open('/v1/events');
    const b = await open('/v1/events');
    expect(h.gateway.streams.size).toBe(2);
    h.gateway.streams.closeAll();
    expect(streams.every((s) => s.closed)).toBe(true);
    expect(h.gateway.streams.size).toBe(0);
    // both responses end
    await expect(a.text()).resolves.toContain('retry:');
    await expect(b.text()).resolves.toContain('retry:');
  });

  test('a ledger failure before streaming is an ordinary error answer', async () => {
    h.fake.handlers.chaincodeEvents = async () => {
      throw new RegistryError('LEDGER_UNAVAILABLE', 'down');
    };
    const response = await open('/v1/events');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: { code: 'LEDGER_UNAVAILABLE', message: 'down' } });
  });

  test('needs a token', async () => {
    const response = await fetch(h.url + '/v1/events');
    expect(response.status).toBe(401);
    expect(streams).toHaveLength(0);
  });
});

describe('GET /v1/events: limits', () => {
  let h: Harness;
  let streams: FakeEventStream[];
  beforeEach(async () => {
    h = await startHarness({ limits: { eventStreamsPerIdentity: 2, eventStreamsTotal: 3, eventReplayBlocks: 100 } });
    streams = [];
    h.fake.handlers.chaincodeEvents = async () => {
      const stream = new FakeEventStream();
      streams.push(stream);
      return stream;
    };
    h.fake.handlers.ping = async () => ({ height: 1_000 });
  });
  afterEach(() => h.close());

  const open = (token: string, path = '/v1/events', signal?: AbortSignal) =>
    fetch(h.url + path, { headers: { authorization: `Bearer ${token}` }, ...(signal ? { signal } : {}) });

  test('an identity may hold a few streams: the next is 429 with Retry-After, and a closed one frees its place', async () => {
    const first = new AbortController();
    expect((await open(TOKENS.admin, '/v1/events', first.signal)).status).toBe(200);
    expect((await open(TOKENS.admin)).status).toBe(200);
    const refused = await open(TOKENS.admin);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    expect(streams).toHaveLength(2); // the ledger was not asked for the refused one

    first.abort();
    for (let i = 0; i < 50 && h.gateway.streams.size > 1; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await open(TOKENS.admin)).status).toBe(200);
  });

  test('the gateway caps streams in all: 429 for every identity once full', async () => {
    expect((await open(TOKENS.admin)).status).toBe(200);
    expect((await open(TOKENS.admin)).status).toBe(200);
    expect((await open(TOKENS.vendor)).status).toBe(200);
    const refused = await open(TOKENS.auditor);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).not.toBeNull();
  });

  test('a ledger failure at start gives the place back', async () => {
    h.fake.handlers.chaincodeEvents = async () => {
      throw new RegistryError('LEDGER_UNAVAILABLE', 'down');
    };
    for (let i = 0; i < 3; i += 1) expect((await open(TOKENS.admin)).status).toBe(503);
    expect(h.gateway.streams.size).toBe(0);
  });

  test('a replay may start only eventReplayBlocks back, except for auditors', async () => {
    // height 1000, 100 blocks back: block 900 is the earliest
    const far = await open(TOKENS.admin, '/v1/events?since=0');
    expect(far.status).toBe(403);
    expect(((await far.json()) as { error: { message: string } }).error.message).toContain('block 900 or later');
    const resumed = await fetch(h.url + '/v1/events', { headers: { authorization: `Bearer ${TOKENS.vendor}`, 'last-event-id': '899-3' } });
    expect(resumed.status).toBe(403);
    expect(streams).toHaveLength(0);

    expect((await open(TOKENS.admin, '/v1/events?since=900')).status).toBe(200);
    expect((await open(TOKENS.auditor, '/v1/events?since=0')).status).toBe(200);
  });
});
