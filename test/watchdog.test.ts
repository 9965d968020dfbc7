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

/** Four orderers at one height, each following `leaders[i]` with `pending[i]` requests waiting ("down" for none). */
function cluster(leaders: string[], pending: Array<number | 'down'>): string[] {
  return leaders.map((leader, i) => (pending[i] === 'down' ? `orderer${i} down - -` : `orderer${i} 551 ${leader} ${pending[i]}`));
}
const ALL_FOLLOW_1 = ['orderer1', 'orderer1', 'orderer1', 'orderer1'];

describe('a stalled cluster', () => {
  test('counts as stalled only when every orderer answers and f+1 of them hold requests', () => {
    expect(watchdog('requests_waiting', cluster(ALL_FOLLOW_1, [12, 3, 0, 0])).ok).toBe(true);
    // One pool alone may hold a request the others never saw: SmartBFT's own complaint handles that.
    expect(watchdog('requests_waiting', cluster(ALL_FOLLOW_1, [12, 0, 0, 0])).ok).toBe(false);
    // A quiet channel is not stalled.
    expect(watchdog('requests_waiting', cluster(ALL_FOLLOW_1, [0, 0, 0, 0])).ok).toBe(false);
    // With an orderer down, BFT has no fault left to tolerate: waiting is expected, not a stall.
    expect(watchdog('requests_waiting', cluster(ALL_FOLLOW_1, [5, 'down', 5, 7])).ok).toBe(false);
  });

  test('restarts the orderers that follow another leader than most do', () => {
    const split = cluster(['orderer1', 'orderer1', 'orderer2', 'orderer3'], [12, 3, 0, 7]);
    expect(watchdog('stalled_victims', split).out).toEqual(['orderer2', 'orderer3']);
  });

  test('restarts the leader when all follow it', () => {
    expect(watchdog('stalled_victims', cluster(ALL_FOLLOW_1, [12, 3, 0, 7])).out).toEqual(['orderer1']);
  });
});
