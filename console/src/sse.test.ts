import { SseParser } from './sse';

test('events split across chunks, comments (heartbeats) skipped, multi-line data joined', () => {
  const parser = new SseParser();
  expect(parser.push(': heartbeat\n\nid: 7-0\nevent: device.regis')).toEqual([]);
  expect(parser.push('tered\ndata: {"a":\ndata: 1}\n\nid: 7-1\r\nevent: x\r\ndata: 2\r\n\r\n')).toEqual([
    { id: '7-0', event: 'device.registered', data: '{"a":\n1}' },
    { id: '7-1', event: 'x', data: '2' },
  ]);
  expect(parser.push('event: no-data\n\n')).toEqual([]);
});
