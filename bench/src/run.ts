/**
 * `npm run bench` (network up first): what the registry does on this machine, next to what
 * Fabric itself allows on the same network in the same run.
 *   1. ceiling: the baseline chaincode's one putState per transaction, through fabric-gateway;
 *   2. device registrations with real proofs through fabric-gateway, and 3. through REST;
 *   4. batches through POST /v1/devices:batch;
 *   5–6. reads at concurrency 50 with 1,000 and with 100,000 devices registered by this run.
 * Keys and proofs are made before each timed part. Prints a table with the ratios and the peak
 * RSS of every process, and writes bench/results/<time>.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BATCH_MAX, OPERATIONS, type RequestOf } from '@iotreg/common';
import { DeviceIdentity, registrationProof } from '@iotreg/device';
import { describe, measure, Operation, Result } from './measure';
import { PeakMemory } from './memory';
import { connectDirect, ensureFamily, outcome, PID_DIR, REPO, restClients } from './network';

// An empty list skips those scenarios (BENCH_CONCURRENCY= BENCH_BATCHES= measures reads only).
const numbers = (text: string) => (text === '' ? [] : text.split(',').map(Number));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONCURRENCIES = numbers(process.env.BENCH_CONCURRENCY ?? '1,10,50,200');
const BATCHES = numbers(process.env.BENCH_BATCHES ?? `50,150,${BATCH_MAX}`);
const SCALES = numbers(process.env.BENCH_SCALES ?? '1000,100000');
/** Writes made ready per scenario: more than any rate seen on 2 cores could use. */
const WRITES_PER_SCENARIO = (c: number) => SECONDS * 300 + c;
const READ_CONCURRENCY = 50;
const BATCH_CONCURRENCY = 4;
const RUN = Date.now().toString(36);
const FAMILY = 'bench-v1';
/** Every bench registration goes through Org1's gateway or Org1's identities (network.ts), and its proof names Org1. */
const OWNER = 'Org1MSP';

interface Registered {
  deviceId: string;
  keyId: string;
}

/** A raw read's failure, as outcome() names it: undefined for 200. */
const status = async (answer: Promise<{ status: number }>) => ((await answer).status === 200 ? undefined : `HTTP ${(await answer).status}`);

/** One registration, answering undefined when it succeeded or why it failed. */
type Register = (body: Registration['body']) => Promise<string | undefined>;

interface Registration {
  body: RequestOf<'registerDevice'>;
  registered: Registered;
}

function registrations(prefix: string, count: number): Registration[] {
  return Array.from({ length: count }, (_, i) => {
    const identity = DeviceIdentity.generate();
    const deviceId = `bench-${RUN}-${prefix}-${i}`;
    return {
      body: {
        deviceId,
        family: FAMILY,
        publicKeyPem: identity.publicKeyPem,
        proof: registrationProof(identity, { deviceId, ownerMsp: OWNER, family: FAMILY }),
      },
      registered: { deviceId, keyId: identity.keyId },
    };
  });
}

async function main() {
  execFileSync(path.join(REPO, 'test-network.sh'), ['baseline'], { stdio: 'inherit' });
  const memory = new PeakMemory(PID_DIR);
  const direct = connectDirect();
  const rest = restClients();
  await ensureFamily(FAMILY, DeviceIdentity.generate().publicKeyPem);
  const results: Result[] = [];
  const registered: Registered[] = []; // every device this run registered
  const record = (result: Result, unit = 'ops') => {
    console.log(describe(result, unit));
    results.push(result);
    return result;
  };
  const once = { retries: 0 };
  const registerBatch = async (batch: Registration[]) => {
    const failed = await outcome(rest.write.call('registerDevices', { devices: batch.map((r) => r.body) }, once));
    if (failed === undefined) registered.push(...batch.map((r) => r.registered));
    return failed;
  };
  /** Registrations one at a time through `register` (undefined when it succeeded), at concurrency c. */
  const registerOneByOne = async (scenario: string, prefix: string, c: number, register: Register) => {
    const devices = registrations(prefix, WRITES_PER_SCENARIO(c));
    const op = async (i: number) => {
      const { body, registered: device } = devices[i]!;
      const failed = await register(body);
      if (failed === undefined) registered.push(device);
      return failed;
    };
    return measure(scenario, c, SECONDS, op, devices.length);
  };

  for (const c of CONCURRENCIES) {
    const value = JSON.stringify({ payload: 'x'.repeat(200) });
    record(
      await measure('ceiling: putState, direct', c, SECONDS, async (i) => {
        await direct.baseline.submitTransaction('Put', `bench-${RUN}-c${c}-${i}`, value);
        return undefined;
      }),
    );
    record(
      await registerOneByOne('register, direct', `direct-c${c}`, c, async (body) => {
        await direct.registry.submitTransaction(OPERATIONS.registerDevice.tx, JSON.stringify(body));
        return undefined;
      }),
    );
    record(await registerOneByOne('register, REST', `rest-c${c}`, c, (body) => outcome(rest.write.call('registerDevice', body, once))));
  }

  for (const size of BATCHES) {
    const batches = Array.from({ length: Math.ceil((SECONDS * 400) / size) + BATCH_CONCURRENCY }, (_, b) =>
      registrations(`batch${size}-${b}`, size),
    );
    const result = await measure(`batch of ${size}, REST`, BATCH_CONCURRENCY, SECONDS, (i) => registerBatch(batches[i]!), batches.length);
    record({ ...result, scenario: `batch of ${size}, REST (devices)`, perSecond: result.perSecond * size }, 'devices');
  }

  for (const scale of SCALES) {
    await fill(scale, registered, registerBatch);
    const pick = () => registered[Math.floor(Math.random() * registered.length)]!;
    const reads: Array<[string, Operation]> = [
      ['GET device', () => outcome(rest.read.call('getDevice', { deviceId: pick().deviceId }))],
      ['GET key validity', () => outcome(rest.read.call('getKeyValidity', { keyId: pick().keyId }))],
      ['POST firmware/verify', () => outcome(rest.read.call('verifyFirmware', { family: FAMILY, sha256: 'a'.repeat(64) }))],
      // The same reads answered by the peer instead of the gateway's read model (docs/read-model.md), and a fleet page of 100.
      ['GET device, peer', () => status(rest.read.send('GET', `/v1/devices/${pick().deviceId}?source=ledger`))],
      ['GET key validity, peer', () => status(rest.read.send('GET', `/v1/keys/${pick().keyId}?source=ledger`))],
      ['GET fleet page of 100', () => status(rest.read.send('GET', `/v1/devices?family=${FAMILY}&status=active&pageSize=100`))],
      [
        'GET fleet page of 100, peer',
        () => status(rest.read.send('GET', `/v1/devices?family=${FAMILY}&status=active&pageSize=100&source=ledger`)),
      ],
    ];
    for (const [name, read] of reads) record(await measure(`${name} @ ${scale} devices`, READ_CONCURRENCY, SECONDS, read));
  }

  direct.close();
  const peakRssMb = memory.stop();
  const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30) };
  const ratios = ratiosOf(results);
  console.log(`\nmachine: ${machine.cpus} cores (${machine.model}), ${machine.memoryGiB} GiB; ${SECONDS} s per scenario\n`);
  console.log(markdown(results));
  console.log('\nratios (same run):');
  for (const line of ratios) console.log(`  ${line}`);
  console.log(
    '\npeak RSS (MB): ' +
      Object.entries(peakRssMb)
        .map(([name, mb]) => `${name} ${mb}`)
        .join(', '),
  );
  const dir = path.join(REPO, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ machine, seconds: SECONDS, results, ratios, peakRssMb }, null, 2));
  console.log(`\nwritten: ${path.relative(REPO, file)}`);
}

/** Registers batches until this run has registered `scale` devices; not timed. */
async function fill(
  scale: number,
  registered: Registered[],
  registerBatch: (batch: Registration[]) => Promise<string | undefined>,
): Promise<void> {
  let reported = registered.length;
  while (registered.length < scale) {
    const missing = Math.ceil((scale - registered.length) / BATCH_MAX);
    const round = Array.from({ length: Math.min(missing, 40) }, (_, b) =>
      registrations(`fill${scale}-${registered.length}-${b}`, BATCH_MAX),
    );
    await measure('fill', BATCH_CONCURRENCY, Infinity, (i) => registerBatch(round[i]!), round.length);
    if (registered.length - reported >= 10_000 || registered.length >= scale) {
      console.log(`  registered by this run: ${registered.length}`);
      reported = registered.length;
    }
  }
}

/** registry/ceiling and REST/direct at each concurrency; p99 at the largest scale over the smallest. */
function ratiosOf(results: Result[]): string[] {
  const find = (scenario: string, c: number) => results.find((r) => r.scenario === scenario && r.concurrency === c);
  const lines: string[] = [];
  for (const c of CONCURRENCIES) {
    const ceiling = find('ceiling: putState, direct', c);
    const direct = find('register, direct', c);
    const viaRest = find('register, REST', c);
    if (!ceiling || !direct || !viaRest) continue;
    lines.push(
      `c=${c}: registry/ceiling ${(direct.perSecond / ceiling.perSecond).toFixed(2)}, REST/direct ${(viaRest.perSecond / direct.perSecond).toFixed(2)}`,
    );
  }
  const [small, large] = [Math.min(...SCALES), Math.max(...SCALES)];
  for (const read of ['GET device', 'GET key validity', 'POST firmware/verify']) {
    const a = find(`${read} @ ${small} devices`, READ_CONCURRENCY);
    const b = find(`${read} @ ${large} devices`, READ_CONCURRENCY);
    if (a && b && a !== b)
      lines.push(
        `${read}: p99 at ${large} / at ${small} devices ${(b.p99 / a.p99).toFixed(2)}, reads/s ${(b.perSecond / a.perSecond).toFixed(2)}`,
      );
  }
  for (const scale of SCALES) {
    for (const read of ['GET device', 'GET key validity', 'GET fleet page of 100']) {
      const model = find(`${read} @ ${scale} devices`, READ_CONCURRENCY);
      const peer = find(`${read}, peer @ ${scale} devices`, READ_CONCURRENCY);
      if (model && peer)
        lines.push(
          `${read} @ ${scale} devices, read model / peer: reads/s ${(model.perSecond / peer.perSecond).toFixed(2)}, p99 ${model.p99.toFixed(0)} / ${peer.p99.toFixed(0)} ms`,
        );
    }
  }
  return lines;
}

function markdown(results: Result[]): string {
  const rows = results.map(
    (r) => `| ${r.scenario} | ${r.concurrency} | ${r.perSecond.toFixed(1)} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.failures} |`,
  );
  return ['| scenario | concurrency | per second | p50 ms | p99 ms | failures |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
