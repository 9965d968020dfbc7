/**
 * Imported first (main.ts): zod compiles object parsers with `new Function` unless told not to,
 * and probes whether it may when its schemas are built. Under the console's CSP (no
 * 'unsafe-eval') that probe is a reported violation, so the catalogue's schemas must be built
 * with zod in jitless mode, before any of them is.
 */
import { config } from 'zod';

config({ jitless: true });
