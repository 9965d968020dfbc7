/**
 * Benchmarks against the live network (`./test-network.sh up` first): device registrations
 * with real proofs submitted directly through fabric-gateway and through the REST gateway, at
 * several concurrencies, and reads at concurrency 50. Keys and proofs are made before the clock
 * starts. Prints a table and writes bench/results/<time>.json.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, signers } from '@hyperledger/fabric-gateway';
import { TX } from '@iotreg/common';
import { DeviceIdentity, registrationProof } from '@iotreg/device';

const REPO = path.resolve(__dirname, '../..'); // bench/dist/run.js
const clients = JSON.parse(readFileSync(path.join(REPO, 'network/runtime/clients.json'), 'utf8'));
const gatewayConfig = JSON.parse(readFileSync(path.join(REPO, 'network/runtime/gateway-org1/config.json'), 'utf8'));
const RUN = Date.now().toString(36);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);

interface Result {
  scenario: string;
  concurrency: number;
  ops: number;
  perSecond: number;
  p50: number;
  p99: number;
  failures: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/**
 * Runs `op` from `concurrency` workers for SECONDS or `limit` operations; each op takes its
 * index. A run whose first operations all fail stops at once: the network is not there.
 */
async function measure(scenario: string, concurrency: number, op: (i: number) => Promise<boolean>, limit = Infinity): Promise<Result> {
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline && next < limit) {
        if (failures >= 100 && failures === latencies.length) throw new Error(`${scenario}: the first 100 operations failed`);
        const t = performance.now();
        const ok = await op(next++).catch(() => false);
        latencies.push(performance.now() - t);
        if (!ok) failures += 1;
      }
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const ops = latencies.length - failures;
  const result = { scenario, concurrency, ops, perSecond: ops / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), failures };
  console.log(`${scenario.padEnd(24)} c=${String(concurrency).padEnd(4)} ${result.perSecond.toFixed(1).padStart(8)}/s  p50 ${result.p50.toFixed(0).padStart(5)} ms  p99 ${result.p99.toFixed(0).padStart(5)} ms  failures ${failures}`);
  return result;
}

/** Registration bodies made before the clock starts. */
function registrations(prefix: string, count: number) {
  return Array.from({ length: count }, (_, i) => {
    const identity = DeviceIdentity.generate();
    const deviceId = `bench-${RUN}-${prefix}-${i}`;
    return { deviceId, publicKeyPem: identity.publicKeyPem, family: 'bench-v1', proof: registrationProof(identity, deviceId), keyId: identity.keyId };
  });
}

async function main() {
  const concurrencies = (process.env.BENCH_CONCURRENCY ?? '1,10,50').split(',').map(Number);
  const admin = clients.orgs.Org1MSP;
  const identity = gatewayConfig.identities.find((i: { role: string }) => i.role === 'admin');
  const grpcClient = new grpc.Client(gatewayConfig.peer.endpoint, grpc.credentials.createSsl(readFileSync(gatewayConfig.peer.tlsRootCertPath)), {
    'grpc.ssl_target_name_override': gatewayConfig.peer.hostAlias,
  });
  const gateway = connect({
    client: grpcClient,
    identity: { mspId: gatewayConfig.mspId, credentials: readFileSync(identity.certPath) },
    signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(identity.keyPath))),
  });
  const contract = gateway.getNetwork(gatewayConfig.channel).getContract(gatewayConfig.chaincode);
  // Requests rotate over the org's three tokens: the gateway limits each token to 500 requests/s.
  const tokens = Object.values(admin.tokens) as string[];
  let calls = 0;
  const rest = (method: string, url: string, body?: unknown, token = tokens[calls++ % tokens.length]) =>
    fetch(admin.gateway + url, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const results: Result[] = [];
  const perRun = (c: number) => Math.max(300, c * SECONDS * 8);
  for (const c of concurrencies) {
    const direct = registrations(`direct-c${c}`, perRun(c) * 2);
    results.push(await measure('register, direct', c, async (i) => {
      const { keyId: _k, ...body } = direct[i]!;
      await contract.submitTransaction(TX.registerDevice, JSON.stringify(body));
      return true;
    }, direct.length));
    const viaRest = registrations(`rest-c${c}`, perRun(c) * 2);
    results.push(await measure('register, REST', c, async (i) => {
      const { keyId: _k, ...body } = viaRest[i]!;
      return (await rest('POST', '/v1/devices', body, admin.tokens.admin)).status === 201;
    }, viaRest.length));
  }
  // Batches: one transaction each, at concurrency 4; the figure is devices per second.
  for (const size of (process.env.BENCH_BATCHES ?? '50,150').split(',').map(Number)) {
    const bodies = Array.from({ length: 4 * Math.ceil((SECONDS * 1500) / size / 4) }, (_, b) =>
      registrations(`batch${size}-${b}`, size).map(({ keyId: _k, ...body }) => body),
    );
    const result = await measure(`batch of ${size}, REST`, 4, async (i) =>
      (await rest('POST', '/v1/devices:batch', { devices: bodies[i] }, admin.tokens.admin)).status === 201,
    bodies.length);
    results.push({ ...result, scenario: `${result.scenario} (devices/s)`, perSecond: result.perSecond * size });
    console.log(`  = ${(result.perSecond * size).toFixed(0)} devices/s`);
  }
  const known = registrations('reads', 1)[0]!;
  const { keyId, ...body } = known;
  await rest('POST', '/v1/devices', body, admin.tokens.admin);
  const reads: Array<[string, () => Promise<Response>]> = [
    ['GET device', () => rest('GET', `/v1/devices/${known.deviceId}`)],
    ['GET key validity', () => rest('GET', `/v1/keys/${keyId}`)],
    ['POST firmware/verify', () => rest('POST', '/v1/firmware/verify', { family: 'bench-v1', sha256: 'a'.repeat(64) })],
  ];
  for (const [name, read] of reads) results.push(await measure(name, 50, async () => (await read()).status === 200));

  gateway.close();
  grpcClient.close();
  const rss = execFileSync('ps', ['-C', 'orderer,peer,node,fabric-ca-server', '-o', 'rss=,args='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().replace(/^(\d+)\s+/, (_, kb) => `${Math.round(Number(kb) / 1024)} MB `).slice(0, 120));
  const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30) };
  console.log(`\nmachine: ${machine.cpus} cores (${machine.model}), ${machine.memoryGiB} GiB; ${SECONDS} s per scenario`);
  console.log('RSS after the run:\n  ' + rss.join('\n  '));
  const dir = path.join(REPO, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({ machine, seconds: SECONDS, results, rss }, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
