import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FamilyStatus, rolloutWave, type TransactionProof } from '@iotreg/common';
import { FreshnessError, runTarget, verifyFreshness } from './freshness';

// A real proof bundle from the test network: a device registration, signed by 4 consenters.
const BUNDLE = JSON.parse(readFileSync(join(__dirname, '../../cli/src/audit/__fixtures__/proof-bundle.json'), 'utf8')) as TransactionProof;
const trust = { consenters: BUNDLE.consenters.map((c) => c.identity) };
const policy = { trust, maxAgeMs: 60_000 };

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err instanceof FreshnessError ? err.code : String(err);
  }
  return 'accepted';
};

test('a proven transaction that is not a RefreshFamilyStatus is not a status', () => {
  expect(refusal(() => verifyFreshness({ proof: BUNDLE }, 'fam', policy))).toBe('NOT_A_REFRESH');
});

test('a block that does not verify against the pinned consenters is refused before anything is read from it', () => {
  const block = Buffer.from(BUNDLE.block, 'base64');
  block[block.length - 200] = block[block.length - 200]! ^ 1;
  expect(refusal(() => verifyFreshness({ proof: { ...BUNDLE, block: block.toString('base64') } }, 'fam', policy))).toBe('BAD_PROOF');
  expect(refusal(() => verifyFreshness({ proof: BUNDLE }, 'fam', { ...policy, trust: { consenters: trust.consenters.slice(0, 1) } }))).toBe(
    'BAD_PROOF',
  );
});

describe('runTarget', () => {
  const rollout = (rolloutId: string, version: string, openWaves: number, extra: Partial<FamilyStatus['rollouts'][number]> = {}) => ({
    rolloutId,
    version,
    sha256: 'a'.repeat(64),
    uri: '',
    status: 'active' as const,
    rollback: false,
    percents: [50, 100],
    openWaves,
    target: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    waitingOrgs: [],
    ...extra,
  });
  const status = (rollouts: FamilyStatus['rollouts']): FamilyStatus => ({
    family: 'fam',
    minVersion: '1.0.0',
    rollouts,
    refreshedAt: '2026-01-02T00:00:00.000Z',
    refreshedBy: 'Org2MSP',
  });
  const device = { deviceId: 'dev-1', ownerMsp: 'Org1MSP' };
  const wave = rolloutWave('r1', 'dev-1', [50, 100])!;

  test('the device is reached when its recomputed wave is open', () => {
    expect(runTarget(status([rollout('r1', '2.0.0', wave + 1)]), device)).toMatchObject({ version: '2.0.0', rolloutId: 'r1', wave });
    expect(runTarget(status([rollout('r1', '2.0.0', wave)]), device)).toBeUndefined();
  });

  test('not while its org withholds consent, outside the target, or when the rollout is paused', () => {
    expect(runTarget(status([rollout('r1', '2.0.0', 2, { waitingOrgs: ['Org1MSP'] })]), device)).toBeUndefined();
    expect(runTarget(status([rollout('r1', '2.0.0', 2, { target: { owners: ['Org2MSP'] } })]), device)).toBeUndefined();
    expect(runTarget(status([rollout('r1', '2.0.0', 2, { target: { attributes: { site: 'x' } } })]), device)).toBeUndefined();
    expect(runTarget(status([rollout('r1', '2.0.0', 2, { status: 'paused' })]), device)).toBeUndefined();
  });

  test('the newest rollout that reaches the device wins', () => {
    expect(runTarget(status([rollout('r1', '2.0.0', 2), rollout('r2', '1.0.0', 2, { rollback: true })]), device)).toMatchObject({
      version: '1.0.0',
      rollback: true,
    });
  });
});
