/**
 * Each gateway's read model on the live network (docs/read-model.md): reads answered from it with
 * the height they reflect, the same answers as the peer's, a write visible to the writer's next
 * read, bounded minHeight; a gateway killed with -9 while it applies blocks resumes without losing
 * or repeating any; a rebuild from block 0 gives the same answers and the same tables.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { newDevice, registeredDevice, registration } from './support/devices';
import { ensureFamilies } from './support/families';
import { client, eventually, network, REPO, RUNTIME, sleep, uid } from './support/network';

const FAMILY = 'rm-v1';
const admin1 = client('Org1MSP', 'admin');
const auditor1 = client('Org1MSP', 'auditor');
const admin2 = client('Org2MSP', 'admin');

beforeAll(() => ensureFamilies([FAMILY]));

const height = (headers: Headers) => Number(headers.get('x-ledger-height'));
const source = (headers: Headers) => headers.get('x-read-source');

/** Org1's gateway's model has every block its peer has. */
async function org1ModelCaughtUp(timeoutMs = 60_000): Promise<void> {
  await eventually(
    async () => {
      const ready = await auditor1.get('/readyz');
      return ready.status === 200 && ready.body.readModel?.state === 'following' && ready.body.readModel.height >= ready.body.height;
    },
    timeoutMs,
    "org1's read model at its peer's height",
  );
}

/** Every device of FAMILY, page by page, from `from` (JSON text of each page: byte for byte). */
async function fleet(from: 'model' | 'ledger'): Promise<string[]> {
  const pages: string[] = [];
  let bookmark = '';
  do {
    const answer = await auditor1.get(`/v1/devices?family=${FAMILY}&pageSize=50&source=${from}${bookmark ? `&bookmark=${bookmark}` : ''}`);
    expect(answer.status).toBe(200);
    expect(source(answer.headers)).toBe(from);
    pages.push(JSON.stringify(answer.body));
    bookmark = answer.body.bookmark;
  } while (bookmark);
  return pages;
}

/** What a fleet's reads answer from the model: each device, its keys and its history (as JSON text). */
async function answers(deviceIds: string[], from: 'model' | 'ledger' = 'model'): Promise<string[]> {
  const texts = await fleet(from);
  for (const id of deviceIds) {
    for (const route of [`/v1/devices/${id}`, `/v1/devices/${id}/keys`, `/v1/devices/${id}/history`]) {
      const answer = await auditor1.get(`${route}?source=${from}`);
      expect(answer.status).toBe(200);
      texts.push(`${route} ${JSON.stringify(answer.body)}`);
    }
  }
  return texts;
}

const run = promisify(execFile);
const rebuild = (...args: string[]) =>
  run('node', [path.join(REPO, 'gateway-app/dist/readmodel/rebuild.js'), ...args], {
    cwd: REPO,
    env: { ...process.env, IOTREG_GATEWAY_CONFIG: path.join(RUNTIME, 'gateway-org1/config.json'), LOG_LEVEL: 'error' },
  });

test('reads come from the model with their height; a write is in the next read; answers equal the peer’s', async () => {
  const device = newDevice(uid('rm'));
  const written = await admin1.post('/v1/devices', registration(device, FAMILY));
  expect(written.status).toBe(201);
  const writeHeight = height(written.headers);
  expect(writeHeight).toBeGreaterThan(0);

  const read = await auditor1.get(`/v1/devices/${device.id}`);
  expect(read.status).toBe(200);
  expect(source(read.headers)).toBe('model');
  expect(height(read.headers)).toBeGreaterThanOrEqual(writeHeight);
  const fromPeer = await auditor1.get(`/v1/devices/${device.id}?source=ledger`);
  expect(source(fromPeer.headers)).toBe('ledger');
  expect(fromPeer.body).toEqual(read.body);

  // Through the other org's gateway: with minHeight, its model answers once it has the block.
  const other = await client('Org2MSP', 'auditor').get(`/v1/devices/${device.id}?minHeight=${writeHeight}`);
  expect(other.status).toBe(200);
  expect(height(other.headers)).toBeGreaterThanOrEqual(writeHeight);

  const started = Date.now();
  const tooHigh = await auditor1.get(`/v1/devices/${device.id}?minHeight=${writeHeight + 100_000}`);
  expect(tooHigh.status).toBe(503);
  expect(tooHigh.body.error.message).toMatch(/^the read model has \d+ blocks; minHeight \d+ was not reached within 5000 ms$/);
  expect(Date.now() - started).toBeLessThan(10_000);

  expect(await fleet('model')).toEqual(await fleet('ledger'));
});

test('kill -9 of a gateway while its model applies blocks: the restart resumes, nothing lost, nothing applied twice', async () => {
  await org1ModelCaughtUp();
  const before = await rebuild('--check');
  expect(JSON.parse(before.stdout)).toMatchObject({ checked: true, differences: [] });

  // Org2 registers batches: org1's model learns them only from its peer's block stream.
  const ids: string[] = [];
  const batches = Array.from({ length: 6 }, () => Array.from({ length: 100 }, () => newDevice(uid('rmk'))));
  const writing = (async () => {
    for (const batch of batches) {
      const answer = await admin2.post('/v1/devices:batch', { devices: batch.map((d) => registration(d, FAMILY, undefined, 'Org2MSP')) });
      expect(answer.status).toBe(201);
      ids.push(...batch.map((d) => d.id));
    }
  })();
  await sleep(3_000);
  await network('kill', 'gateway-org1');
  await writing;
  await network('restart', 'gateway-org1');
  await org1ModelCaughtUp();

  const sample = [...ids.slice(0, 3), ...ids.slice(-3)];
  expect(await answers(sample)).toEqual(await answers(sample, 'ledger'));
  const after = JSON.parse((await rebuild('--check')).stdout);
  expect(after).toMatchObject({ checked: true, differences: [] });
  console.log(`rebuild --check after kill -9: ${JSON.stringify(after)}`);
});

test('rebuild from block 0 gives the same answers, byte for byte', async () => {
  const device = await registeredDevice(admin1, FAMILY, 'rmr');
  await admin1.post(`/v1/devices/${device.id}/suspend`, { reason: 'rebuild test' });
  await org1ModelCaughtUp();
  const ids = [device.id];
  const before = await answers(ids);
  await network('kill', 'gateway-org1');
  try {
    const rebuilt = JSON.parse((await rebuild()).stdout);
    expect(rebuilt).toMatchObject({ rebuilt: true });
    console.log(`rebuild: ${JSON.stringify(rebuilt)}`);
  } finally {
    await network('restart', 'gateway-org1');
  }
  await org1ModelCaughtUp();
  expect(await answers(ids)).toEqual(before);
});
