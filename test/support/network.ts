/**
 * The live network as the tests see it: network/runtime/clients.json (written by
 * `./test-network.sh up`), one REST client per org and role, and IDs unique to this run so that
 * tests can share one long-lived ledger.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  bearer,
  type CallOptions,
  isWrite,
  RegistryClient,
  REST_ROUTES,
  type RouteAnswer,
  type RouteInput,
  type RouteName,
} from '@iotreg/common';
import { type ClientsFile, ORGS, type Org, readClientsFile, type Role } from './clients-file';

export { ORGS };
export type { Org, Role };

export const REPO = path.resolve(__dirname, '../..');
/** The network's runtime folder: the default network's, or the one IOTREG_RUNTIME names (a topology's). */
export const RUNTIME = process.env.IOTREG_RUNTIME ?? path.join(REPO, 'network/runtime');

/** The topology the network in RUNTIME was brought up with (network/lib/topology.sh). */
export function topology(): 'loopback' | 'hosts' | 'wan' {
  const file = path.join(RUNTIME, 'topology');
  return existsSync(file) ? (readFileSync(file, 'utf8').trim() as 'loopback' | 'hosts' | 'wan') : 'loopback';
}

export function clientsFile(): ClientsFile {
  return readClientsFile(RUNTIME);
}

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** Sent as is (for malformed bodies); otherwise `body` is JSON-encoded. */
  raw?: string;
}

/**
 * The gateway of the last write made by a client that follows writes. A write answers once the
 * writer's peer committed it; the other org's peer commits the same block on its own time.
 */
let lastWriteThrough: string | undefined;

/** Longer than any gateway deadline: a test's own timeout (setup.ts) is what should end a wait. */
const ANSWER_TIMEOUT_MS = 180_000;

/**
 * A REST client for one gateway; `token` undefined sends no credentials. One that follows writes
 * waits, before a request through its gateway, until both orgs' peers hold every block, when the
 * last write went through the other gateway (`clients()` makes such clients; the fault tests,
 * which take peers down, use `client()`).
 *
 * `request` (and get/post/put) answer whatever the status, for tests that assert on it; `call`
 * is the typed operation, for setup that only needs it to succeed (it throws ApiError otherwise).
 */
export class Client {
  /** The registry's REST client underneath, as this client's token. */
  readonly registry: RegistryClient;

  constructor(
    readonly baseUrl: string,
    readonly token?: string,
    readonly followsWrites = false,
    /** The org whose gateway this is (what a registration proof must name). */
    readonly org?: Org,
  ) {
    this.registry = new RegistryClient({
      baseUrl,
      ...(token === undefined ? {} : { authorization: bearer(token) }),
      timeoutMs: ANSWER_TIMEOUT_MS,
      ...(followsWrites ? { beforeRequest: () => this.#catchUp() } : {}),
    });
  }

  async request<T = any>(method: string, urlPath: string, body?: unknown, options: RequestOptions = {}): Promise<Answer<T>> {
    const answer = await this.registry.send(method, urlPath, { body, ...options });
    if (method !== 'GET' && answer.status >= 200 && answer.status < 300) this.#wrote();
    return { status: answer.status, body: answer.body as T, headers: answer.headers };
  }

  get<T = any>(urlPath: string, options?: RequestOptions) {
    return this.request<T>('GET', urlPath, undefined, options);
  }
  post<T = any>(urlPath: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('POST', urlPath, body ?? {}, options);
  }
  put<T = any>(urlPath: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PUT', urlPath, body ?? {}, options);
  }

  /** A route by name with a typed request: its typed answer, or ApiError. */
  async call<R extends RouteName>(name: R, input: RouteInput<R>, options?: CallOptions): Promise<RouteAnswer<R>> {
    const answer = await this.registry.call(name, input, options);
    if (isWrite(REST_ROUTES[name])) this.#wrote();
    return answer;
  }

  #wrote(): void {
    if (this.followsWrites) lastWriteThrough = this.baseUrl;
  }

  async #catchUp(): Promise<void> {
    if (lastWriteThrough !== undefined && lastWriteThrough !== this.baseUrl) {
      await orgsInSync();
      lastWriteThrough = undefined;
    }
  }
}

export function client(org: Org, role?: Role, followsWrites = false): Client {
  const entry = clientsFile().orgs[org];
  return new Client(entry.gateway, role ? entry.tokens[role] : undefined, followsWrites, org);
}

/** Every org × role client, e.g. `as.Org1MSP.admin`, each following writes. */
export function clients(): Record<Org, Record<Role, Client>> {
  const make = (org: Org) => ({
    admin: client(org, 'admin', true),
    vendor: client(org, 'vendor', true),
    auditor: client(org, 'auditor', true),
  });
  return { Org1MSP: make('Org1MSP'), Org2MSP: make('Org2MSP') };
}

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
let counter = 0;
/** An ID no earlier run used: device IDs are never reusable on the ledger. */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${RUN}-${counter}`;
}

const execFileAsync = promisify(execFile);
/** Runs ./test-network.sh with arguments; resolves with its output. */
export async function network(...args: string[]): Promise<string> {
  const { stdout, stderr } = await execFileAsync(path.join(REPO, 'test-network.sh'), args, {
    cwd: REPO,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout + stderr;
}

/** Each orderer's block height and the leader it follows, as `test-network.sh orderers` reports. */
export async function orderers(): Promise<Array<{ name: string; height: number | undefined; leader: string | undefined }>> {
  return (await network('orderers'))
    .trim()
    .split('\n')
    .map((line) => {
      const [name, height, leader] = line.split(' ');
      return { name: name!, height: height === 'down' ? undefined : Number(height), leader: leader === '-' ? undefined : leader };
    });
}

/**
 * Waits, under load, until every orderer follows one leader, within 10 blocks (a second of
 * traffic) of the others, for `stableMs`: with one node lost, BFT's quorum of 3 needs all the
 * others, so a fault injected while one still catches up measures that, not the fault.
 * Resolves false if it never settles.
 */
export async function orderersSettled(stableMs = 5_000, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let since = Date.now();
  let leader: string | undefined;
  while (Date.now() < deadline) {
    const now = await orderers();
    const heights = now.map((o) => o.height ?? -Infinity);
    const agreed =
      now.every((o) => o.leader !== undefined && o.leader === now[0]!.leader) && Math.max(...heights) - Math.min(...heights) <= 10;
    if (!agreed || now[0]!.leader !== leader) [since, leader] = [Date.now(), agreed ? now[0]!.leader : undefined];
    else if (Date.now() - since >= stableMs) return true;
    await sleep(500);
  }
  return false;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until both orgs' peers hold every block either holds. */
export async function orgsInSync(timeoutMs = 10_000): Promise<void> {
  // An org is in step when its peer and its gateway's read model (where it keeps one) have the block.
  const height = async (org: Org) => {
    const { height, readModel } = (await client(org).get<{ height: number; readModel?: { height: number } }>('/readyz')).body;
    return Math.min(height, readModel?.height ?? height);
  };
  const target = Math.max(...(await Promise.all(ORGS.map(height))));
  for (const org of ORGS) await eventually(async () => (await height(org)) >= target, timeoutMs, `${org}'s peer at height ${target}`);
}

/** Polls `probe` until it returns true or `timeoutMs` passes. */
export async function eventually(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
