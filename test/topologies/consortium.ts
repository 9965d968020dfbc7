/**
 * A network that `IOTREG_RUNTIME=… ./test-network.sh up --topology …` started apart from the default
 * one (scripts/test-topologies.sh): its clients.json (or the one IOTREG_CLIENTS names), and a REST
 * client per org and role that trusts the org's CA when its gateway serves HTTPS, as it does off
 * loopback.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { DeviceIdentity } from '@iotreg/device';
import { newDevice, registration } from '../support/devices';
import { eventually, uid } from '../support/network';

export { eventually, sleep, uid } from '../support/network';

export const REPO = path.resolve(__dirname, '../..');
export const RUNTIME = process.env.IOTREG_RUNTIME ?? path.join(REPO, 'network/runtime');
export type Role = 'admin' | 'vendor' | 'auditor';

interface OrgEntry {
  gateway: string;
  ca?: string;
  tokens: Record<Role, string>;
}

export function clientsFile(): { channel: string; chaincode: string; orgs: Record<string, OrgEntry> } {
  return JSON.parse(readFileSync(process.env.IOTREG_CLIENTS ?? path.join(RUNTIME, 'clients.json'), 'utf8'));
}

export interface Answer<T = any> {
  status: number;
  body: T;
}

export class OrgClient {
  readonly #ca?: Buffer;
  constructor(
    readonly msp: string,
    readonly entry: OrgEntry,
    readonly token?: string,
  ) {
    if (entry.ca) this.#ca = readFileSync(entry.ca);
  }

  request<T = any>(method: string, urlPath: string, body?: unknown): Promise<Answer<T>> {
    const url = new URL(urlPath, this.entry.gateway);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (url.protocol === 'http:') {
      return fetch(url, { method, headers, body: payload }).then(async (res) => {
        const text = await res.text();
        return { status: res.status, body: text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text };
      });
    }
    // Node's fetch cannot be handed a CA per request: https.request with the org's CA, nothing else trusted.
    return new Promise((resolve, reject) => {
      const req = https.request(url, { method, headers, ca: this.#ca }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const json = (res.headers['content-type'] ?? '').includes('json') && text !== '';
          resolve({ status: res.statusCode ?? 0, body: json ? JSON.parse(text) : text });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }
  get<T = any>(p: string) {
    return this.request<T>('GET', p);
  }
  post<T = any>(p: string, body: unknown = {}) {
    return this.request<T>('POST', p, body);
  }
}

export function orgClient(msp: string, role?: Role): OrgClient {
  const entry = clientsFile().orgs[msp];
  if (!entry) throw new Error(`${msp} is not in ${RUNTIME}/clients.json`);
  return new OrgClient(msp, entry, role ? entry.tokens[role] : undefined);
}

/** Runs ./test-network.sh against this runtime folder. */
export function network(...args: string[]): string {
  return execFileSync(path.join(REPO, 'test-network.sh'), args, {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, IOTREG_RUNTIME: RUNTIME },
  });
}

export function pidOf(component: string): number {
  return Number(readFileSync(path.join(RUNTIME, 'pids', `${component}.pid`), 'utf8').trim());
}

/** The network namespace a process runs in, as the kernel names it (net:[inode]). */
export function netnsOf(pid: number): string {
  return execFileSync('readlink', [`/proc/${pid}/ns/net`], { encoding: 'utf8' }).trim();
}

/** Until every listed org's peer holds every block any of them holds. */
export async function inSync(msps: string[], timeoutMs = 30_000): Promise<void> {
  const height = async (msp: string) => (await orgClient(msp).get<{ height: number }>('/readyz')).body.height;
  const target = Math.max(...(await Promise.all(msps.map(height))));
  for (const msp of msps) await eventually(async () => (await height(msp)) >= target, timeoutMs, `${msp} at height ${target}`);
}

/** A new family of Org1's vendor (one approval), known to both orgs' peers when this resolves. */
export async function familyOfOrg1(prefix: string): Promise<string> {
  const family = uid(`${prefix}-fam`);
  const made = await orgClient('Org1MSP', 'vendor').post('/v1/families', {
    family,
    vendorKeyPem: DeviceIdentity.generate().publicKeyPem,
    approvalThreshold: 1,
  });
  expect(made.status).toBe(201);
  await inSync(['Org1MSP', 'Org2MSP']);
  return family;
}

/**
 * A family made by Org1's vendor and a device registered by Org1's admin, then read through Org2's
 * auditor once both peers hold the blocks: the consortium works across whatever separates them.
 */
export async function registerAndReadAcross(prefix: string, attributes?: Record<string, string>) {
  const family = await familyOfOrg1(prefix);
  const device = newDevice(uid(`${prefix}-dev`));
  const registered = await orgClient('Org1MSP', 'admin').post('/v1/devices', registration(device, family, attributes, 'Org1MSP'));
  expect(registered.status).toBe(201);
  await inSync(['Org1MSP', 'Org2MSP']);
  const read = await orgClient('Org2MSP', 'auditor').get(`/v1/devices/${device.id}`);
  return { family, device, read };
}
