/**
 * The orderer watchdog's decisions (network/lib/watchdog.sh), on the rows `test-network.sh
 * orderers` prints: when a cluster that stopped ordering counts as stalled, and whom it restarts.
 */
import { execFileSync } from 'node:child_process';
import { REPO } from './support/network';

/** Runs one of the watchdog's functions, in the libraries test-network.sh loads, on `rows`. */
function watchdog(fn: string, rows: string[]): { ok: boolean; out: string[] } {
  const script = `source network/env.sh; for lib in common channel watchdog; do source network/lib/$lib.sh; done; ${fn} "$1"`;
  try {
    const out = execFileSync('bash', ['-c', script, 'watchdog', rows.join('\n')], { cwd: REPO, encoding: 'utf8' });
    return { ok: true, out: out.split('\n').filter(Boolean) };
  } catch {
    return { ok: false, out: [] };
  }
}

describe('a stalled cluster', () => {
  test('counts as stalled only when every orderer answers and f+1 of them hold requests', () => {
    expect(
      watchdog('requests_waiting', [
        'orderer0 551 orderer1 12',
        'orderer1 551 orderer1 3',
        'orderer2 551 orderer1 0',
        'orderer3 551 orderer1 0',
      ]).ok,
    ).toBe(true);
    // One pool alone may hold a request the others never saw: SmartBFT's own complaint handles that.
    expect(
      watchdog('requests_waiting', [
        'orderer0 551 orderer1 12',
        'orderer1 551 orderer1 0',
        'orderer2 551 orderer1 0',
        'orderer3 551 orderer1 0',
      ]).ok,
    ).toBe(false);
    // A quiet channel is not stalled.
    expect(
      watchdog('requests_waiting', [
        'orderer0 551 orderer1 0',
        'orderer1 551 orderer1 0',
        'orderer2 551 orderer1 0',
        'orderer3 551 orderer1 0',
      ]).ok,
    ).toBe(false);
    // With an orderer down, BFT has no fault left to tolerate: waiting is expected, not a stall.
    expect(
      watchdog('requests_waiting', ['orderer0 551 orderer1 5', 'orderer1 down - -', 'orderer2 551 orderer1 5', 'orderer3 551 orderer1 7'])
        .ok,
    ).toBe(false);
  });

  test('restarts the orderers that follow another leader than most do', () => {
    expect(
      watchdog('stalled_victims', [
        'orderer0 551 orderer1 12',
        'orderer1 551 orderer1 3',
        'orderer2 551 orderer2 0',
        'orderer3 551 orderer3 7',
      ]).out,
    ).toEqual(['orderer2', 'orderer3']);
  });

  test('restarts the leader when all follow it', () => {
    expect(
      watchdog('stalled_victims', [
        'orderer0 551 orderer1 12',
        'orderer1 551 orderer1 3',
        'orderer2 551 orderer1 0',
        'orderer3 551 orderer1 7',
      ]).out,
    ).toEqual(['orderer1']);
  });
});
