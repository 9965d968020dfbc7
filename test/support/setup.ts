// Network tests wait on commits, restarts and BFT view changes.
jest.setTimeout(180_000);
