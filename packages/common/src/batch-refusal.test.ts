import { batchRefusal, refusedItems } from './batch-refusal';

test('a refusal reads back as the items it was made of, messages with ";" and ":" included', () => {
  const items = [
    { index: 3, code: 'ALREADY_EXISTS' as const, message: 'device d3 exists (device IDs are never reused)' },
    { index: 140, code: 'BAD_SIGNATURE' as const, message: 'proof: does not verify; try again' },
  ];
  const error = batchRefusal(items, 150);
  expect(error.code).toBe('ALREADY_EXISTS');
  expect(error.message).toMatch(/^2 of 150 refused, nothing registered: \[3\] ALREADY_EXISTS: /);
  expect(refusedItems(error.message)).toEqual(items);
});

test.each([
  ['another error', 'device d1 exists'],
  ['a count that does not match the items', '2 of 5 refused, nothing registered: [0] ALREADY_EXISTS: x'],
  ['no items', '0 of 5 refused, nothing registered: '],
  ['an unknown code', '1 of 5 refused, nothing registered: [0] NO_SUCH_CODE: x'],
])('%s has no items', (_, message) => {
  expect(refusedItems(message)).toBeUndefined();
});
