/**
 * The read model against the chaincode itself: the chaincode's transactions run on the in-memory
 * ledger of its own tests, their write sets go into blocks as a peer would deliver them, the
 * follower applies the blocks, and every read the model serves is asked of both, the model and
 * the chaincode, on the same state. The answers (and refusals) must be the same.
 *
 * Runs on SQLite, and on PostgreSQL when IOTREG_TEST_POSTGRES_URL names a server
 * (scripts/with-postgres.sh starts one; `npm test` runs these tests with it).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compareVersions,
  type Device,
  type FleetCounts,
  OPERATIONS,
  type OperationName,
  type QueryDevicesRequest,
  RegistryError,
  type Role,
  statements,
} from '@iotreg/common';
import { DeviceIdentity, registrationProof, rotationProofs } from '@iotreg/device';
import pino from 'pino';
import type { RegistryContext } from '../../../chaincode/src/context';
import { ConfigContract } from '../../../chaincode/src/contracts/config';
import { DevicesContract } from '../../../chaincode/src/contracts/devices';
import { DiscoveryContract } from '../../../chaincode/src/contracts/discovery';
import { FamiliesContract } from '../../../chaincode/src/contracts/families';
import { FirmwareContract } from '../../../chaincode/src/contracts/firmware';
import { FleetContract } from '../../../chaincode/src/contracts/fleet';
import { GovernanceContract } from '../../../chaincode/src/contracts/governance';
import { MessagesContract } from '../../../chaincode/src/contracts/messages';
import { FakeLedger } from '../../../chaincode/src/testing/fake-ledger';
import type { CallOptions, Registry } from '../registry/registry';
import { TestChain, type TestTransaction } from '../testing/blocks';
import { ModelFollower } from './follower';
import { ModelStore } from './model-store';
import { ReadModelRegistry } from './read-model-registry';
import { openPostgres, openSqlite, type SqlDatabase } from './sql';

const NAMESPACE = 'registry';
const CONTRACTS: Record<string, object> = {
  Devices: new DevicesContract(),
  Firmware: new FirmwareContract(),
  Messages: new MessagesContract(),
  Config: new ConfigContract(),
  Discovery: new DiscoveryContract(),
  Governance: new GovernanceContract(),
  Fleet: new FleetContract(),
  Families: new FamiliesContract(),
};
const IDENTITIES: Record<string, [string, Role]> = {
  admin1: ['Org1MSP', 'admin'],
  admin2: ['Org2MSP', 'admin'],
  vendor1: ['Org1MSP', 'vendor'],
  auditor2: ['Org2MSP', 'auditor'],
};
const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const quiet = pino({ level: 'silent' });

/** The chaincode on the in-memory ledger; each write's write set becomes a transaction of the next block. */
class ChaincodeLedger {
  readonly ledger = new FakeLedger();
  readonly chain = new TestChain();
  #pending: TestTransaction[] = [];
  #txs = 0;

  async run(tx: string, as: string, request: unknown): Promise<unknown> {
    const [contract, method] = tx.split(':') as [string, string];
    const [msp, role] = IDENTITIES[as]!;
    const before = new Map(this.ledger.state);
    const target = CONTRACTS[contract] as Record<string, (ctx: RegistryContext, r: string) => Promise<string>>;
    // Fabric transaction IDs are 64 hex characters (the fake ledger's are short).
    const txId = sha(`tx${this.#txs + 1}`);
    const text = await this.ledger.run(msp, role, (ctx) => {
      (ctx.stub as unknown as { getTxID: () => string }).getTxID = () => txId;
      return target[method]!.call(target, ctx, JSON.stringify(request));
    });
    const writes = [...new Set([...before.keys(), ...this.ledger.state.keys()])]
      .sort()
      .filter((key) => !Buffer.from(before.get(key) ?? '').equals(this.ledger.state.get(key) ?? Buffer.alloc(0)))
      .map((key) => ({ key, value: this.ledger.state.get(key)?.toString('utf8') }));
    if (writes.length > 0) {
      this.#txs += 1;
      const timestamp = new Date(this.ledger.clock * 1000).toISOString();
      this.#pending.push({ txId, namespace: NAMESPACE, writes, msp, timestamp });
    }
    return JSON.parse(text);
  }

  /** Puts the writes so far into a block (with an invalid and a foreign transaction the model must skip). */
  cut(): void {
    this.chain.append([
      ...this.#pending,
      { txId: 'mvcc', namespace: NAMESPACE, writes: [{ key: '\u0000device\u0000ghost\u0000', value: '{}' }], validationCode: 11 },
      { txId: 'other', namespace: 'baseline', writes: [{ key: 'x', value: '1' }] },
    ]);
    this.#pending = [];
  }

  /** The chaincode as a Registry: what FabricRegistry does with a peer, with the answer checked by its schema. */
  registry(): Registry {
    const call = async (operation: OperationName, as: string, request: unknown) => {
      try {
        return OPERATIONS[operation].answer.parse(await this.run(OPERATIONS[operation].tx, as, request));
      } catch (err) {
        const wire = /^([A-Z_]+): (.*)$/s.exec((err as Error).message);
        if (wire) throw new RegistryError(wire[1] as never, wire[2]!);
        throw err;
      }
    };
    return { call, ping: async () => ({ height: this.chain.blocks.length }) } as unknown as Registry;
  }
}

const databases: Array<[string, () => Promise<SqlDatabase>]> = [['SQLite', () => openSqlite(':memory:')]];
const postgresUrl = process.env.IOTREG_TEST_POSTGRES_URL;
if (postgresUrl) {
  databases.push([
    'PostgreSQL',
    async () => {
      const db = await openPostgres(postgresUrl);
      await db.script('DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public');
      return db;
    },
  ]);
}

/** A ledger with members, a family with a trusted and a pending release, devices in every state, anchors, a config and an endpoint. */
async function populate(cc: ChaincodeLedger): Promise<{ oldKey: string }> {
  await cc.run('Governance:SetMembers', 'admin1', { members: ['Org1MSP', 'Org2MSP'] });
  await cc.run('Governance:SetMembers', 'admin2', { members: ['Org1MSP', 'Org2MSP'] });
  const vendorKey = DeviceIdentity.generate();
  await cc.run('Firmware:RegisterFamily', 'vendor1', { family: 'fam', vendorKeyPem: vendorKey.publicKeyPem, approvalThreshold: 1 });
  // A family with no release, listed before and after 'fam' by name.
  await cc.run('Firmware:RegisterFamily', 'vendor1', { family: 'gadget', vendorKeyPem: vendorKey.publicKeyPem, approvalThreshold: 1 });
  await cc.run('Firmware:RegisterFamily', 'vendor1', { family: 'dial', vendorKeyPem: vendorKey.publicKeyPem, approvalThreshold: 1 });
  cc.cut();
  const publish = (version: string) =>
    cc.run('Firmware:PublishFirmware', 'vendor1', {
      family: 'fam',
      version,
      sha256: sha(version),
      signature: vendorKey.sign(statements.firmware('fam', version, sha(version))),
    });
  await publish('1.0.0');
  await publish('1.2.0');
  await publish('1.10.0');
  await cc.run('Firmware:VoteFirmware', 'admin2', { family: 'fam', version: '1.0.0', decision: 'approve' });
  await cc.run('Firmware:VoteFirmware', 'admin2', { family: 'fam', version: '1.10.0', decision: 'approve' });
  const identities = new Map<string, DeviceIdentity>();
  for (const [deviceId, as] of [
    ['d1', 'admin1'],
    ['d2', 'admin1'],
    ['d3', 'admin1'],
    ['d4', 'admin1'],
    ['d5', 'admin1'],
    ['e1', 'admin2'],
    ['e2', 'admin2'],
  ] as const) {
    const identity = DeviceIdentity.generate();
    identities.set(deviceId, identity);
    await cc.run('Devices:RegisterDevice', as, {
      deviceId,
      publicKeyPem: identity.publicKeyPem,
      family: 'fam',
      attributes: { site: deviceId.startsWith('d') ? 'north' : 'south' },
      proof: registrationProof(identity, { deviceId, ownerMsp: IDENTITIES[as]![0], family: 'fam' }),
    });
  }
  cc.cut();
  const signed = (deviceId: string, payload: Record<string, unknown>) => ({
    payload: { deviceId, ...payload },
    signature: identities.get(deviceId)!.sign({ deviceId, ...payload }),
  });
  const firmwareReport = (deviceId: string, seq: number, version: string, digest = sha(version)) =>
    cc.run(
      'Firmware:ReportFirmware',
      'auditor2',
      signed(deviceId, { action: 'firmware-report', seq, family: 'fam', version, sha256: digest }),
    );
  await firmwareReport('d1', 1, '1.10.0'); // trusted, compliant
  await firmwareReport('d2', 1, '1.2.0'); // pending: noncompliant
  await firmwareReport('d5', 1, '1.0.0', sha('tampered')); // unknown image: noncompliant
  await firmwareReport('e1', 1, '1.0.0'); // trusted, below the minimum set below: noncompliant
  await cc.run('Firmware:SetFamilyPolicy', 'admin1', { family: 'fam', minVersion: '1.1.0' });
  for (const seq of [2, 3, 4]) {
    await cc.run('Messages:AnchorMessage', 'auditor2', signed('d1', { action: 'anchor', seq, digest: sha(`m${seq}`) }));
  }
  await cc.run('Config:PublishConfig', 'admin1', { deviceId: 'd1', version: 1, sha256: sha('cfg1') });
  await cc.run('Config:ReportConfig', 'auditor2', signed('d1', { action: 'config-report', seq: 5, sha256: sha('cfg0') }));
  cc.cut();
  const oldKey = identities.get('d2')!.keyId;
  const next = DeviceIdentity.generate();
  await cc.run('Devices:RotateKey', 'admin1', { deviceId: 'd2', ...rotationProofs('d2', identities.get('d2')!, next) });
  await cc.run('Devices:SetDeviceStatus', 'admin1', { deviceId: 'd3', status: 'suspended', reason: 'maintenance' });
  await cc.run('Devices:RevokeDevice', 'admin1', { deviceId: 'd4', reason: 'keyCompromise' });
  await cc.run('Devices:RevokeDevice', 'admin2', { deviceId: 'e2', reason: 'decommissioned' });
  await cc.run('Discovery:RegisterEndpoint', 'admin1', { id: 'gw1', kind: 'gateway', url: 'https://gw1.example.com' });
  await cc.run('Discovery:RegisterEndpoint', 'admin2', { id: 'gw2', kind: 'gateway', url: 'https://gw2.example.com' });
  cc.cut();
  return { oldKey };
}

/** Every read the model serves, with refusals, as [operation, identity, request]. */
function reads(oldKey: string): Array<[OperationName, string, Record<string, unknown>]> {
  const list: Array<[OperationName, string, Record<string, unknown>]> = [];
  for (const deviceId of ['d1', 'd2', 'd3', 'd4', 'd5', 'e1', 'e2', 'nope']) {
    list.push(['getDevice', 'auditor2', { deviceId }]);
    list.push(['listDeviceKeys', 'auditor2', { deviceId }]);
    list.push(['getDeviceHistory', 'auditor2', { deviceId }]);
    list.push(['listMessages', 'auditor2', { deviceId }]);
    list.push(['getConfig', 'auditor2', { deviceId }]);
    list.push(['getConfigReport', 'auditor2', { deviceId }]);
    list.push(['verifyConfig', 'auditor2', { deviceId, sha256: sha('cfg1') }]);
  }
  list.push(['getDeviceHistory', 'vendor1', { deviceId: 'd1' }]);
  list.push(['getDeviceHistory', 'auditor2', { deviceId: 'd2', pageSize: 1 }]);
  for (const filter of [
    {},
    { status: 'active' },
    { status: 'revoked' },
    { family: 'fam' },
    { owner: 'Org2MSP' },
    { owner: 'Org1MSP', status: 'active' },
    { compliance: 'noncompliant' },
    { compliance: 'noncompliant', owner: 'Org1MSP' },
    { family: 'other' },
  ]) {
    list.push(['listDevices', 'auditor2', filter]);
  }
  for (const at of ['2025-01-01T00:00:00Z', '2026-01-01T00:00:30Z', '2030-01-01T00:00:00Z']) {
    list.push(['getKeyValidity', 'auditor2', { keyId: oldKey, at }]);
  }
  list.push(['getKeyValidity', 'auditor2', { keyId: sha('no such key') }]);
  list.push(['listRevocations', 'auditor2', {}]);
  list.push(['listRevocations', 'auditor2', { since: '2026-01-01T00:00:40Z' }]);
  list.push(['listRevocations', 'auditor2', { since: '2031-01-01T00:00:00Z' }]);
  list.push(['getFamily', 'auditor2', { family: 'fam' }]);
  list.push(['getFamily', 'auditor2', { family: 'other' }]);
  list.push(['listFirmware', 'auditor2', { family: 'fam' }]);
  list.push(['listFirmware', 'auditor2', { family: 'fam', pageSize: 2 }]);
  list.push(['getLatestFirmware', 'auditor2', { family: 'fam' }]);
  for (const version of ['1.0.0', '1.2.0', '9.9.9']) list.push(['getFirmware', 'auditor2', { family: 'fam', version }]);
  for (const digest of [sha('1.0.0'), sha('1.2.0'), sha('none')])
    list.push(['verifyFirmware', 'auditor2', { family: 'fam', sha256: digest }]);
  list.push(['listEndpoints', 'auditor2', {}]);
  list.push(['getMembers', 'auditor2', {}]);
  for (const request of [{}, { pageSize: 1 }, { prefix: 'fa' }, { prefix: 'ga', pageSize: 1 }, { prefix: 'zz' }]) {
    list.push(['listFamilies', 'auditor2', request]);
  }
  return list;
}

/** Whether a device as the chaincode shows it matches a fleet filter: the oracle of the fleet queries. */
function matches(d: Device, f: QueryDevicesRequest): boolean {
  const compliance = d.firmware ? (d.firmware.compliant ? 'compliant' : 'noncompliant') : 'unreported';
  const equal: Array<[unknown, unknown]> = [
    [f.owner, d.ownerMsp],
    [f.family, d.family],
    [f.status, d.status],
    [f.firmwareVersion, d.firmware?.version],
    [f.compliance, compliance],
    [f.attributeValue, f.attributeName === undefined ? undefined : d.attributes[f.attributeName]],
  ];
  const within = (time: string, from: string | undefined, to: string | undefined) =>
    (from === undefined || time >= from) && (to === undefined || time < to);
  return (
    equal.every(([wanted, value]) => wanted === undefined || wanted === value) &&
    within(d.createdAt, f.createdFrom, f.createdTo) &&
    within(d.updatedAt, f.changedFrom, f.changedTo)
  );
}

/** The counts countDevices must answer for these devices. */
function tally(devices: Device[]): FleetCounts {
  const count = (values: string[]) =>
    [...new Set(values)].sort().map((value) => ({ value, count: values.filter((v) => v === value).length }));
  const firmware = devices.flatMap((d) => (d.firmware ? [`${d.firmware.family} ${d.firmware.version}`] : []));
  return {
    total: devices.length,
    byStatus: count(devices.map((d) => d.status)) as FleetCounts['byStatus'],
    byFamily: count(devices.map((d) => d.family)),
    byCompliance: count(
      devices.map((d) => (d.firmware ? (d.firmware.compliant ? 'compliant' : 'noncompliant') : 'unreported')),
    ) as FleetCounts['byCompliance'],
    // Versions in version order (1.2.0 before 1.10.0), not text order.
    byFirmware: count(firmware)
      .map(({ value, count: n }) => {
        const [family, version] = value.split(' ') as [string, string];
        return { family, version, count: n };
      })
      .sort((a, b) => (a.family !== b.family ? (a.family < b.family ? -1 : 1) : compareVersions(a.version, b.version))),
  };
}

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    (answer) => ({ answer }),
    (err: unknown) => (err instanceof RegistryError ? { refused: err.code, message: err.message } : { thrown: String(err) }),
  );

describe.each(databases)('the read model on %s', (_name, openDatabase) => {
  let db: SqlDatabase;
  let cc: ChaincodeLedger;
  let store: ModelStore;
  let follower: ModelFollower;
  let model: ReadModelRegistry;

  beforeEach(async () => {
    db = await openDatabase();
    cc = new ChaincodeLedger();
    store = new ModelStore(db, 'registry', NAMESPACE);
    await store.open();
    follower = new ModelFollower({ store, source: cc.chain.source, logger: quiet, retryDelayMs: 5 });
    model = new ReadModelRegistry({
      ledger: cc.registry(),
      store,
      follower,
      roleOf: (as) => IDENTITIES[as]?.[1],
      logger: quiet,
      minHeightWaitMs: 2_000,
      checkAnswers: true,
      // A chaincode read's "now" is its transaction's time: the ledger's clock, which each run advances by one.
      now: () => (cc.ledger.clock + 1) * 1000,
    });
  });

  afterEach(async () => {
    await follower.stop();
    await db.close();
  });

  test('answers every read as the chaincode does on the same state, refusals included', async () => {
    const { oldKey } = await populate(cc);
    await follower.start();
    expect(await follower.waitFor(cc.chain.blocks.length, 5_000)).toBe(true);
    let fromModel = 0;
    for (const [operation, as, request] of reads(oldKey)) {
      let height = -1;
      const mine = await outcome(model.call(operation, as, request as never, { observe: (a) => void (height = a.height) }));
      const chaincode = await outcome(model.call(operation, as, request as never, { source: 'ledger' }));
      expect({ operation, request, ...mine }).toEqual({ operation, request, ...chaincode });
      if ('answer' in mine) {
        expect(height).toBe(cc.chain.blocks.length);
        fromModel += 1;
      }
    }
    expect(fromModel).toBeGreaterThan(50);
    // The fixture reaches what it means to: filters that keep some devices and drop others.
    const noncompliant = (await model.call('listDevices', 'auditor2', { compliance: 'noncompliant' })).items.map((d) => d.deviceId);
    expect(noncompliant).toEqual(['d2', 'd5', 'e1']);
    expect((await model.call('listFamilies', 'auditor2', { prefix: 'fa' })).items).toEqual([
      expect.objectContaining({ family: 'fam', approvalsRequired: 1, voters: ['Org2MSP'], releases: 3, latestTrustedVersion: '1.10.0' }),
    ]);
    expect((await model.call('getDevice', 'auditor2', { deviceId: 'd1' })).configDrift).toBe(true);
    expect(await model.call('getConfigReport', 'auditor2', { deviceId: 'd1' })).toMatchObject({ sha256: sha('cfg0'), configDrift: true });
  });

  test('fleet queries and counts: every filter keeps exactly the devices the chaincode shows matching it', async () => {
    await populate(cc);
    await follower.start();
    expect(await follower.waitFor(cc.chain.blocks.length, 5_000)).toBe(true);
    const ids = ['d1', 'd2', 'd3', 'd4', 'd5', 'e1', 'e2'];
    const all: Device[] = [];
    for (const deviceId of ids) all.push(await model.call('getDevice', 'auditor2', { deviceId }, { source: 'ledger' }));
    const times = [...new Set(all.map((d) => d.createdAt))].sort();
    expect(times.length).toBeGreaterThan(1);
    const filters: Array<QueryDevicesRequest> = [
      {},
      { status: 'active' },
      { owner: 'Org2MSP' },
      { family: 'fam', status: 'revoked' },
      { firmwareVersion: '1.0.0' },
      { compliance: 'compliant' },
      { compliance: 'noncompliant', owner: 'Org1MSP' },
      { compliance: 'unreported' },
      { createdFrom: times[1]! },
      { createdTo: times[1]! },
      { changedFrom: times.at(-1)! },
      { attributeName: 'site', attributeValue: 'south' },
      { attributeName: 'site', attributeValue: 'south', status: 'active' },
      { attributeName: 'floor', attributeValue: 'north' },
    ];
    for (const filter of filters) {
      const expected = all.filter((d) => matches(d, filter));
      const pages: Device[] = [];
      let bookmark = '';
      do {
        const page = await model.call('queryDevices', 'auditor2', { ...filter, pageSize: 2, ...(bookmark ? { bookmark } : {}) });
        expect(page.items.length).toBe(page.bookmark ? 2 : page.items.length);
        pages.push(...page.items);
        bookmark = page.bookmark;
      } while (bookmark);
      expect({ filter, devices: pages }).toEqual({ filter, devices: expected });
      const counts = await model.call('countDevices', 'auditor2', filter);
      expect({ filter, counts }).toEqual({ filter, counts: tally(expected) });
    }
    // The fixture reaches every compliance state and more than one version.
    expect((await model.call('countDevices', 'auditor2', {})).byCompliance.map((c) => c.value)).toEqual([
      'compliant',
      'noncompliant',
      'unreported',
    ]);
  });

  test('fleet queries: the ledger refuses them clearly, a model catching up answers 503, bad filters 400', async () => {
    await populate(cc);
    await follower.start();
    await follower.waitFor(cc.chain.blocks.length, 5_000);
    const refusal = {
      refused: 'INVALID_ARGUMENT',
      message:
        "queryDevices is answered by a gateway's read model only: the chaincode keeps no index for it; ask a gateway whose read model is enabled, without source=ledger",
    };
    expect(await outcome(model.call('queryDevices', 'auditor2', {}, { source: 'ledger' }))).toEqual(refusal);
    // The chaincode, asked directly (a gateway without a read model), gives the same refusal.
    expect(await outcome(cc.registry().call('queryDevices', 'auditor2', {}))).toEqual(refusal);
    expect(await outcome(cc.registry().call('countDevices', 'auditor2', {}))).toMatchObject({ refused: 'INVALID_ARGUMENT' });
    for (const bad of [
      { attributeName: 'site' },
      { createdFrom: '2026-01-02T00:00:00Z', createdTo: '2026-01-01T00:00:00Z' },
      { compliance: 'maybe' },
      { firmwareVersion: '1.0' },
      { bookmark: 'AAAA' },
    ]) {
      expect(await outcome(model.call('queryDevices', 'auditor2', bad as never))).toMatchObject({ refused: 'INVALID_ARGUMENT' });
    }
    const behind = new ModelFollower({ store, source: cc.chain.source, logger: quiet, retryDelayMs: 5, chainHeight: async () => 99 });
    const catchingUp = new ReadModelRegistry({
      ledger: cc.registry(),
      store,
      follower: behind,
      roleOf: (as) => IDENTITIES[as]?.[1],
      logger: quiet,
      minHeightWaitMs: 100,
      checkAnswers: true,
    });
    await behind.start();
    await behind.waitFor(cc.chain.blocks.length, 5_000);
    expect(await outcome(catchingUp.call('countDevices', 'auditor2', {}))).toMatchObject({ refused: 'LEDGER_UNAVAILABLE' });
    await behind.stop();
  });

  test('the fleet migration fills the attributes of the devices a model held before it', async () => {
    await populate(cc);
    await follower.start();
    await follower.waitFor(cc.chain.blocks.length, 5_000);
    const south = { attributeName: 'site', attributeValue: 'south' };
    const before = await model.call('queryDevices', 'auditor2', south);
    expect(before.items.map((d) => d.deviceId)).toEqual(['e1', 'e2']);
    await follower.stop();
    await db.script(
      'DROP TABLE model_device_attributes; DROP INDEX model_devices_firmware; DROP INDEX model_devices_created; ' +
        'DROP INDEX model_devices_updated; DROP TABLE model_device_keys; DROP TABLE model_history; ' +
        'DROP INDEX model_devices_family_status; DROP INDEX model_devices_owner_status; ' +
        'DELETE FROM model_migrations WHERE version >= 2',
    );
    await store.open();
    expect(await model.call('queryDevices', 'auditor2', south)).toEqual(before);
  });

  test("pages: the model's bookmarks are the chaincode's, so a list goes on from either source", async () => {
    await populate(cc);
    await follower.start();
    await follower.waitFor(cc.chain.blocks.length, 5_000);
    // The chaincode walks its family index, or every device: status and owner are checked per
    // device, so its bookmark is the next device it would read, the model's the next that matches.
    const walked: object[] = [{}, { family: 'fam' }];
    for (const filter of [...walked, { status: 'active' as const }, { owner: 'Org1MSP' }]) {
      const seen: string[] = [];
      let bookmark = '';
      let turn = 0;
      do {
        const request = { ...filter, pageSize: 2, bookmark };
        const fromModel = await model.call('listDevices', 'auditor2', request);
        const fromChaincode = await model.call('listDevices', 'auditor2', request, { source: 'ledger' });
        if (walked.includes(filter)) expect(fromModel).toEqual(fromChaincode);
        else expect(fromModel.items).toEqual(fromChaincode.items);
        // Alternate the source of the next page's bookmark.
        bookmark = (turn++ % 2 ? fromModel : fromChaincode).bookmark;
        seen.push(...fromModel.items.map((d) => d.deviceId));
      } while (bookmark);
      expect(seen).toEqual([...seen].sort());
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual((await model.call('listDevices', 'auditor2', { ...filter, pageSize: 100 })).items.map((d) => d.deviceId));
    }
    const families: string[] = [];
    let next = '';
    let turn = 0;
    do {
      const request = { pageSize: 1, bookmark: next };
      const fromModel = await model.call('listFamilies', 'auditor2', request);
      expect(fromModel).toEqual(await model.call('listFamilies', 'auditor2', request, { source: 'ledger' }));
      next = fromModel.bookmark;
      families.push(...fromModel.items.map((f) => f.family));
      turn += 1;
    } while (next && turn < 10);
    expect(families).toEqual(['dial', 'fam', 'gadget']);
    expect(
      await outcome(model.call('listEndpoints', 'auditor2', { bookmark: Buffer.from('\u0000device\u0000d1\u0000').toString('base64url') })),
    ).toEqual({
      refused: 'INVALID_ARGUMENT',
      message: 'bookmark is not one this list gave',
    });
  });

  test('skips invalid transactions and other namespaces; the hash chain is checked and kept', async () => {
    await populate(cc);
    await follower.start();
    await follower.waitFor(cc.chain.blocks.length, 5_000);
    expect(await outcome(model.call('getDevice', 'auditor2', { deviceId: 'ghost' }))).toMatchObject({ refused: 'NOT_FOUND' });
    const rows = await db.read((q) =>
      q.all<{ number: number; hash: string; previous_hash: string }>('SELECT * FROM model_blocks ORDER BY number'),
    );
    expect(rows.map((r) => r.number)).toEqual(cc.chain.blocks.map((_, i) => i));
    for (let i = 1; i < rows.length; i += 1) expect(rows[i]!.previous_hash).toBe(rows[i - 1]!.hash);
    expect(await store.checkpoint()).toEqual({ height: rows.length, lastHash: rows.at(-1)!.hash });
  });

  test('a block that does not link to the last one stops the model loudly; reads say so', async () => {
    await populate(cc);
    const forged = cc.chain.blocks[2]!;
    forged.getHeader()!.setPreviousHash(Buffer.alloc(32, 7));
    // Re-hash the data so only the link is wrong.
    await follower.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const status = follower.status();
    expect(status.state).toBe('failed');
    expect(status.height).toBe(2);
    expect(status.failure).toMatch(/^block 2 names previous hash 0707.* block 1 in the model hashes to /);
    expect(await outcome(model.call('getDevice', 'auditor2', { deviceId: 'd1' }))).toMatchObject({
      refused: 'LEDGER_UNAVAILABLE',
      message: expect.stringMatching(/^the read model stopped \(block 2 names previous hash/),
    });
    expect(await outcome(model.call('getFamily', 'auditor2', { family: 'fam' }, { source: 'ledger' }))).toMatchObject({
      answer: { family: 'fam' },
    });
    expect((await model.ping()).readModel).toMatchObject({ state: 'failed', height: 2 });
  });

  test('a block whose data does not hash to its header is refused', async () => {
    await populate(cc);
    const block = cc.chain.blocks[1]!;
    const data = block.getData()!.getDataList_asU8();
    block.getData()!.setDataList([...data.slice(1)]);
    await follower.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(follower.status()).toMatchObject({
      state: 'failed',
      height: 1,
      failure: expect.stringMatching(/^block 1: its data does not hash/),
    });
  });

  test('a failure between the data and the checkpoint leaves neither: nothing lost, nothing applied twice', async () => {
    await populate(cc);
    // The database fails the checkpoint update of block 2 once: the transaction holding that block's data rolls back.
    let failures = 1;
    const flaky: SqlDatabase = {
      ...db,
      dialect: db.dialect,
      read: (work) => db.read(work),
      write: (work) =>
        db.write((q) =>
          work({
            ...q,
            all: (s, p) => q.all(s, p),
            get: (s, p) => q.get(s, p),
            run: async (sql, params) => {
              if (sql.startsWith('UPDATE model_checkpoint SET height') && params?.[0] === 3 && failures-- > 0) {
                throw new Error('disk gone');
              }
              return q.run(sql, params);
            },
          }),
        ),
    };
    const flakyStore = new ModelStore(flaky, 'registry', NAMESPACE);
    const first = new ModelFollower({ store: flakyStore, source: cc.chain.source, logger: quiet, retryDelayMs: 5 });
    await first.start();
    expect(await first.waitFor(cc.chain.blocks.length, 5_000)).toBe(true);
    await first.stop();
    // A second follower on the same database (a restart) finds the model complete, and re-applies nothing.
    const again = new ModelFollower({ store, source: cc.chain.source, logger: quiet, retryDelayMs: 5 });
    await again.start();
    expect(again.height).toBe(cc.chain.blocks.length);
    await again.stop();
    const history = await model.call('getDeviceHistory', 'auditor2', { deviceId: 'd2' });
    expect(history.items.map((e) => e.action)).toEqual(['register', 'report-firmware', 'rotate-key']);
    const blocks = await db.read((q) => q.get<{ n: number }>('SELECT COUNT(*) AS n FROM model_blocks'));
    expect(Number(blocks?.n)).toBe(cc.chain.blocks.length);
    for (const [operation, as, request] of reads('0'.repeat(64))) {
      expect(await outcome(model.call(operation, as, request as never))).toEqual(
        await outcome(model.call(operation, as, request as never, { source: 'ledger' })),
      );
    }
  });

  test('a model catching up after its start leaves the reads to the peer until it has the start height', async () => {
    await populate(cc);
    const behind = new ModelFollower({ store, source: cc.chain.source, logger: quiet, retryDelayMs: 5, chainHeight: async () => 99 });
    const catchingUp = new ReadModelRegistry({
      ledger: cc.registry(),
      store,
      follower: behind,
      roleOf: (as) => IDENTITIES[as]?.[1],
      logger: quiet,
      minHeightWaitMs: 100,
      checkAnswers: true,
    });
    await behind.start();
    await behind.waitFor(cc.chain.blocks.length, 5_000);
    expect(behind.status()).toMatchObject({ state: 'starting', height: cc.chain.blocks.length, ledgerHeight: 99 });
    let seen: unknown;
    await catchingUp.call('getDevice', 'auditor2', { deviceId: 'd1' }, { observe: (a) => void (seen = a) });
    expect(seen).toEqual({ height: 99, source: 'ledger' });
    await behind.stop();
  });

  test('minHeight waits for the model, boundedly; the gateway reads its own writes', async () => {
    await populate(cc);
    const height = cc.chain.blocks.length;
    let handedOn: CallOptions | undefined;
    const lagging = new ReadModelRegistry({
      ledger: {
        ...cc.registry(),
        call: async (operation: OperationName, as: string, request: unknown, options?: CallOptions) =>
          OPERATIONS[operation].kind === 'submit'
            ? ((handedOn = options), { result: {}, txId: 't', blockNumber: height + 5 })
            : cc.registry().call(operation, as, request as never),
      } as Registry,
      store,
      follower,
      roleOf: (as) => IDENTITIES[as]?.[1],
      logger: quiet,
      minHeightWaitMs: 100,
      checkAnswers: true,
    });
    await follower.start();
    await follower.waitFor(height, 5_000);
    let seen: unknown;
    const observe = (a: unknown) => void (seen = a);
    await lagging.call('getFamily', 'auditor2', { family: 'fam' }, { minHeight: height, observe });
    expect(seen).toEqual({ height, source: 'model' });
    const started = Date.now();
    expect(await outcome(lagging.call('getFamily', 'auditor2', { family: 'fam' }, { minHeight: height + 1 }))).toEqual({
      refused: 'LEDGER_UNAVAILABLE',
      message: `the read model has ${height} blocks; minHeight ${height + 1} was not reached within 100 ms`,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    // A write answered in block height+5: the next read waits for it, then asks the peer.
    const submitting = async () => undefined;
    await lagging.call('setDeviceStatus', 'admin1', { deviceId: 'd1', status: 'suspended' }, { observe, submitting });
    expect(seen).toEqual({ height: height + 6, source: 'ledger' });
    expect(handedOn?.submitting).toBe(submitting); // the idempotency store's hook reaches the ledger
    await lagging.call('getDevice', 'auditor2', { deviceId: 'd1' }, { observe });
    expect(seen).toMatchObject({ source: 'ledger' });
  });
});

describe('the read model in a SQLite file', () => {
  test('reads through their own connection see whole blocks; a restart resumes at the checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iotreg-model-'));
    const path = join(dir, 'model.sqlite');
    const cc = new ChaincodeLedger();
    await populate(cc);
    const open = async (blocks: number) => {
      const db = await openSqlite(path);
      const store = new ModelStore(db, 'registry', NAMESPACE);
      await store.open();
      const source = (start: bigint) =>
        cc.chain.source(start).then((s) => ({ ...s, [Symbol.asyncIterator]: limit(s, blocks - Number(start)) }));
      const follower = new ModelFollower({ store, source, logger: quiet, retryDelayMs: 5 });
      const registry = new ReadModelRegistry({
        ledger: cc.registry(),
        store,
        follower,
        roleOf: (as) => IDENTITIES[as]?.[1],
        logger: quiet,
        minHeightWaitMs: 2_000,
        checkAnswers: true,
      });
      await follower.start();
      return { db, follower, registry };
    };
    try {
      const first = await open(2);
      expect(await first.follower.waitFor(2, 5_000)).toBe(true);
      expect(await outcome(first.registry.call('getDevice', 'auditor2', { deviceId: 'd1' }))).toMatchObject({
        answer: { status: 'active' },
      });
      await first.follower.stop();
      await first.db.close();
      const second = await open(cc.chain.blocks.length);
      expect(second.follower.height).toBe(2);
      expect(await second.follower.waitFor(cc.chain.blocks.length, 5_000)).toBe(true);
      const history = await second.registry.call('getDeviceHistory', 'auditor2', { deviceId: 'd2' });
      expect(history.items.map((e) => e.action)).toEqual(['register', 'report-firmware', 'rotate-key']);
      expect(await outcome(second.registry.call('getDevice', 'auditor2', { deviceId: 'd4' }))).toMatchObject({
        answer: { status: 'revoked' },
      });
      await second.follower.stop();
      await second.db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The first `count` blocks of a stream, then its end. */
function limit(stream: AsyncIterable<unknown>, count: number) {
  return async function* () {
    let left = count;
    for await (const block of stream) {
      if (left-- <= 0) return;
      yield block;
    }
  } as never;
}
