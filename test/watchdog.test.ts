/**
 * The orderer watchdog's decisions (network/lib/watchdog.sh), on the rows `test-network.sh
 * orderers` prints: when a cluster that stopped ordering counts as stalled, whom it restarts, and
 * when one orderer holding requests alone is restarted.
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
    // One pool alone is not a stalled cluster (lone_holder, below, is the rule for it).
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

/**
 * Runs the watchdog's loop on `looks`, one `orderers` answer for each of its looks, with the clock
 * moved on by the loop's interval between them and nothing really restarted, and returns the
 * orderers it would have restarted.
 */
function restartsOver(looks: string[][]): string[] {
  const script = `source network/env.sh; for lib in common channel watchdog; do source network/lib/$lib.sh; done
    LOOKS=("$@") look=0
    bft_orderers() { printf '%s\n' "\${LOOKS[look]}"; }
    sleep() { look=$((look + 1)); ((look < \${#LOOKS[@]})) || exit 0; SECONDS=$((SECONDS + $1)); }
    log() { :; }; save_stacks() { :; }; restart_wedged() { echo "$1"; }
    watchdog_loop`;
  const out = execFileSync('bash', ['-c', script, 'watchdog', ...looks.map((rows) => rows.join('\n'))], { cwd: REPO, encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

/** The same look `count` times over. */
const times = (count: number, rows: string[]) => Array.from({ length: count }, () => rows);

describe('one orderer holding requests alone', () => {
  test('is named when every orderer answers, the others hold none and it keeps up with them', () => {
    expect(watchdog('lone_holder', cluster(ALL_FOLLOW_1, [0, 3, 0, 0])).out).toEqual(['orderer1 3']);
    expect(watchdog('lone_holder', cluster(ALL_FOLLOW_1, [0, 3, 1, 0])).out).toEqual([]);
    expect(watchdog('lone_holder', cluster(ALL_FOLLOW_1, [0, 0, 0, 0])).out).toEqual([]);
    expect(watchdog('lone_holder', cluster(ALL_FOLLOW_1, [0, 3, 'down', 0])).out).toEqual([]);
    // Far behind is the wedge rule's to judge.
    const behind = cluster(ALL_FOLLOW_1, [0, 0, 0, 0]).map((row, i) => (i === 1 ? 'orderer1 540 orderer1 3' : row));
    expect(watchdog('lone_holder', behind).out).toEqual([]);
  });

  test('is restarted once it has held them for 45 s, the same or more at every look', () => {
    // Looks are 5 s apart: the tenth is 45 s after the first.
    expect(restartsOver(times(9, cluster(ALL_FOLLOW_1, [0, 3, 0, 0])))).toEqual([]);
    expect(restartsOver(times(10, cluster(ALL_FOLLOW_1, [0, 3, 0, 0])))).toEqual(['orderer1']);
    const growing = [1, 1, 2, 2, 3, 3, 3, 4, 4, 4].map((n) => cluster(ALL_FOLLOW_1, [0, n, 0, 0]));
    expect(restartsOver(growing)).toEqual(['orderer1']);
  });

  test('is left alone while its pool drains, or another pool holds requests meanwhile', () => {
    const draining = [3, 3, 3, 3, 2, 3, 3, 3, 3, 3].map((n) => cluster(ALL_FOLLOW_1, [0, n, 0, 0]));
    expect(restartsOver(draining)).toEqual([]);
    const shared = times(10, cluster(ALL_FOLLOW_1, [0, 3, 0, 0]));
    shared[5] = cluster(ALL_FOLLOW_1, [0, 3, 1, 0]);
    expect(restartsOver(shared)).toEqual([]);
  });
});
