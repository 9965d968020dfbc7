// Network tests share one ledger: the fault tests stop and restart parts of it, so they run
// last, and the restart of the whole network last of all.
const Sequencer = require('@jest/test-sequencer').default;

const rank = (path) => (path.includes('/faults/restart') ? 2 : path.includes('/faults/') ? 1 : 0);

class NetworkSequencer extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => rank(a.path) - rank(b.path) || a.path.localeCompare(b.path));
  }
}

module.exports = NetworkSequencer;
