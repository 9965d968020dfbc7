import { verifyStatement } from '@iotreg/common';
import { SeqCounter, SignedActions } from './actions';
import { DeviceIdentity } from './identity';

const identity = DeviceIdentity.generate();
const H1 = '1'.repeat(64);
const H2 = '2'.repeat(64);

describe('SeqCounter', () => {
  test('continues after the seed and only goes up', () => {
    const seq = new SeqCounter(41);
    expect([seq.next(), seq.next()]).toEqual([42, 43]);
    seq.advanceTo(10);
    expect(seq.next()).toBe(44);
    seq.advanceTo(100);
    expect([seq.last, seq.next()]).toEqual([100, 101]);
  });

  test('starts at 1 without a seed and accepts a clock-based seed', () => {
    expect(new SeqCounter().next()).toBe(1);
    const clock = 1_700_000_000_000 * 1000;
    expect(new SeqCounter(clock).next()).toBe(clock + 1);
  });

  test.each([-1, 1.5, Number.MAX_SAFE_INTEGER + 1, NaN])('refuses %p as a seq', (seed) => {
    expect(() => new SeqCounter(seed)).toThrow(RangeError);
    expect(() => new SeqCounter().advanceTo(seed)).toThrow(RangeError);
  });

  test('refuses to go past the largest safe integer', () => {
    expect(() => new SeqCounter(Number.MAX_SAFE_INTEGER).next()).toThrow(/exhausted/);
  });
});

describe('SignedActions', () => {
  test('bodies are exactly the contract payloads, signed, with increasing seq from one counter', () => {
    const actions = new SignedActions('dev-1', identity, new SeqCounter(6));
    const config = actions.configReport(H1);
    const firmware = actions.firmwareReport('fam-a', '1.2.3', H2);
    const anchor = actions.anchor(H1);
    expect(config.payload).toStrictEqual({ action: 'config-report', deviceId: 'dev-1', seq: 7, sha256: H1 });
    expect(firmware.payload).toStrictEqual({
      action: 'firmware-report',
      deviceId: 'dev-1',
      seq: 8,
      family: 'fam-a',
      version: '1.2.3',
      sha256: H2,
    });
    expect(anchor.payload).toStrictEqual({ action: 'anchor', deviceId: 'dev-1', seq: 9, digest: H1 });
    expect(Object.keys(config).sort()).toEqual(['payload', 'signature']);
    for (const body of [config, firmware, anchor]) {
      expect(verifyStatement(identity.publicKey, body.payload, body.signature)).toBe(true);
      expect(verifyStatement(identity.publicKey, { ...body.payload, seq: body.payload.seq + 1 }, body.signature)).toBe(false);
    }
  });

  test('an Ed25519 device signs its actions too', () => {
    const ed = DeviceIdentity.generate('ed25519');
    const body = new SignedActions('dev-ed', ed).anchor(H1);
    expect(verifyStatement(ed.publicKey, body.payload, body.signature)).toBe(true);
  });

  test.each([
    ['a digest that is not lowercase hex', (a: SignedActions) => a.anchor('A'.repeat(64))],
    ['a short sha256', (a: SignedActions) => a.configReport('abc')],
    ['a version that is not MAJOR.MINOR.PATCH', (a: SignedActions) => a.firmwareReport('fam', '1.2', H1)],
    ['a family with a space', (a: SignedActions) => a.firmwareReport('fa m', '1.2.3', H1)],
  ])('%s is refused before a seq is taken', (_, act) => {
    const seq = new SeqCounter(3);
    expect(() => act(new SignedActions('dev-1', identity, seq))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(seq.last).toBe(3);
  });

  test('a device ID outside the contract format is refused', () => {
    expect(() => new SignedActions('-dev', identity)).toThrow(/deviceId/);
  });
});
