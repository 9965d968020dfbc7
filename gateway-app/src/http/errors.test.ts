import { batchRefusal, RegistryError } from '@iotreg/common';
import { toErrorResponse } from './errors';

test('a refused batch answers the status of its first refusal and lists every refused item', () => {
  const items = [
    { index: 0, code: 'BAD_SIGNATURE' as const, message: 'proof does not verify' },
    { index: 7, code: 'ALREADY_EXISTS' as const, message: 'device d7 exists' },
  ];
  const response = toErrorResponse(batchRefusal(items, 10));
  expect(response.status).toBe(422);
  expect(response.body.error).toEqual({ code: 'BAD_SIGNATURE', message: expect.stringMatching(/^2 of 10 refused/), items });
});

test('other errors carry no items', () => {
  expect(toErrorResponse(new RegistryError('ALREADY_EXISTS', 'device d7 exists')).body.error).toEqual({
    code: 'ALREADY_EXISTS',
    message: 'device d7 exists',
  });
});
