// Network tests share one ledger. The lists on an empty ledger and the README's commands run
// first, so that on a fresh ledger (CI) they see it as a new user would; the fault tests stop and
// restart parts of the network, so they run last, and the restart of the whole network last of all.
const Sequencer = require('@jest/test-sequencer').default;

const FIRST = ['/test/empty-lists.test.ts', '/test/readme.test.ts'];

const rank = (path) => {
  const first = FIRST.findIndex((name) => path.endsWith(name));
  if (first >= 0) return first - FIRST.length;
  return path.includes('/faults/restart') ? 2 : path.includes('/faults/') ? 1 : 0;
};

class NetworkSequencer extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => rank(a.path) - rank(b.path) || a.path.localeCompare(b.path));
  }
}

module.exports = NetworkSequencer;
