import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  batchRefusal,
  Device,
  DeviceKey,
  DevicesRegistered,
  EVENTS,
  HistoryEntry,
  keyValidity,
  type ParsedRequestOf,
  parsePublicKey,
  PublicKeyInfo,
  RefusedItem,
  RegistryError,
  requireSignature,
  Revocation,
  STATEMENT_FORMS,
  statements,
  verifyStatement,
} from '@iotreg/common';
import { checkBirthCertificate } from '../attestation';
import { RegistryContext } from '../context';
import { addKey, closeKey, deviceHistory, deviceKeys, findDevice, present, saveDevice } from '../devices';
import { keys, type StateKey } from '../ledger/keys';
import { identityPolicyOf, refusePlainRotationOfCommitted, requireCommitmentIfDemanded, requireFreshCommitment } from '../pre-rotation';
import { pageRequest } from '../request';
import { RegistryContract } from './base';

type Registration = ParsedRequestOf<'registerDevice'>;

@Info({ title: 'Devices', description: 'Device identities: registration, keys, status, revocation, history' })
export class DevicesContract extends RegistryContract {
  constructor() {
    super('Devices');
  }

  /** An admin registers a device that proves it holds the private key of `publicKeyPem`. */
  @Transaction()
  @Returns('string')
  async RegisterDevice(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'registerDevice', request, async (registration) => {
      ctx.requireRole('admin');
      const device = await register(ctx, registration);
      ctx.emit(EVENTS.deviceRegistered, device);
      return device;
    });
  }

  /**
   * Up to BATCH_MAX registrations in one transaction, all or nothing: the schema checks each
   * one's form, then each is checked as RegisterDevice would check it (a device ID twice in the
   * batch is ALREADY_EXISTS the second time), and a refusal names every device that failed and why.
   */
  @Transaction()
  @Returns('string')
  async RegisterDevices(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'registerDevices', request, async ({ devices: items }) => {
      ctx.requireRole('admin');
      const devices: Device[] = [];
      const refused: RefusedItem[] = [];
      await ctx.store.prefetch(items.flatMap(registrationReads));
      for (const [index, item] of items.entries()) {
        try {
          devices.push(await register(ctx, item));
        } catch (err) {
          if (!(err instanceof RegistryError)) throw err;
          refused.push({ index, code: err.code, message: err.message });
        }
      }
      if (refused.length > 0) throw batchRefusal(refused, items.length);
      // The devices themselves are in each one's history; the answer stays small inside the transaction.
      const registered: DevicesRegistered = { count: devices.length, deviceIds: devices.map((d) => d.deviceId) };
      ctx.emit(EVENTS.devicesRegistered, registered);
      return registered;
    });
  }

  @Transaction(false)
  @Returns('string')
  async GetDevice(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'getDevice', request, async ({ deviceId }) => present(ctx, await findDevice(ctx, deviceId)));
  }

  /**
   * Pages devices, filtered. The chaincode keeps one list index, by family (a rollout counts its
   * family's devices): with a family it walks that index, else every device; either way a page
   * ends after a bounded scan (pageScanBudget), so a rare filter gives short pages. The read
   * model (the default source) answers full pages from its indexed columns.
   */
  @Transaction(false)
  @Returns('string')
  async ListDevices(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'listDevices', request, async (query) => {
      const matches = (device: Device) =>
        (query.owner === undefined || device.ownerMsp === query.owner) &&
        (query.family === undefined || device.family === query.family) &&
        (query.status === undefined || device.status === query.status) &&
        (query.compliance !== 'noncompliant' || device.firmware?.compliant === false);
      const select = async (device: Device) => {
        const shown = await present(ctx, device);
        return matches(shown) ? shown : undefined;
      };
      if (query.family === undefined) return ctx.store.page<Device>(keys.device(), pageRequest(query), select);
      return ctx.store.page<string, Device>(keys.devicesBy('family', query.family), pageRequest(query), async (deviceId) =>
        select(await findDevice(ctx, deviceId)),
      );
    });
  }

  /** The owner's admin moves a device to a new key; old and new key both sign the change. */
  @Transaction()
  @Returns('string')
  async RotateKey(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'rotateKey', request, async ({ deviceId, publicKeyPem, proofOld, proofNew, nextKeyDigest }) => {
      const before = await findDevice(ctx, deviceId);
      ctx.requireOwnerAdmin(before.ownerMsp, `device ${before.deviceId}`);
      if (before.status === 'revoked') throw new RegistryError('STATE_CONFLICT', `device ${before.deviceId} is revoked`);
      refusePlainRotationOfCommitted(before.deviceId, before.nextKeyDigest);
      requireCommitmentIfDemanded(await identityPolicyOf(ctx, before.family), before.family, nextKeyDigest, 'a rotation');
      const next = parsePublicKey(publicKeyPem);
      if (next.keyId === before.keyId) throw new RegistryError('INVALID_ARGUMENT', 'the new key is the current key');
      const statement =
        nextKeyDigest === undefined
          ? statements.rotate(before.deviceId, before.keyId, next.keyId)
          : statements.rotateCommitted(before.deviceId, before.keyId, next.keyId, nextKeyDigest);
      requireSignature(parsePublicKey(before.publicKeyPem), statement, proofOld, 'proofOld');
      requireSignature(next, statement, proofNew, 'proofNew');
      await requireFreshCommitment(ctx, nextKeyDigest, [before.keyId, next.keyId]);
      const now = ctx.now;
      await closeKey(ctx, before.keyId, { validTo: now });
      await addKey(ctx, { keyId: next.keyId, deviceId: before.deviceId, publicKeyPem: next.pem, validFrom: now });
      const device: Device = { ...before, publicKeyPem: next.pem, keyId: next.keyId, updatedAt: now };
      if (nextKeyDigest !== undefined) device.nextKeyDigest = nextKeyDigest;
      await saveDevice(ctx, device, 'rotate-key', before);
      ctx.emit(EVENTS.deviceKeyRotated, { ...device, previousKeyId: before.keyId });
      return present(ctx, device);
    });
  }

  @Transaction(false)
  @Returns('string')
  async ListDeviceKeys(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'listDeviceKeys', request, async ({ deviceId }) => {
      const device = await findDevice(ctx, deviceId);
      return deviceKeys(ctx, device.deviceId);
    });
  }

  /** Was `keyId` its device's valid key at `at`: from its first use until rotated away or revoked. */
  @Transaction(false)
  @Returns('string')
  async GetKeyValidity(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'getKeyValidity', request, async ({ keyId, at = ctx.now }) => {
      const key = await ctx.store.get<DeviceKey>(keys.publicKey(keyId));
      if (!key) throw new RegistryError('NOT_FOUND', `key ${keyId} is not registered`);
      return keyValidity(key, at);
    });
  }

  @Transaction()
  @Returns('string')
  async SetDeviceStatus(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'setDeviceStatus', request, async ({ deviceId, status, reason }) => {
      const before = await findDevice(ctx, deviceId);
      ctx.requireOwnerAdmin(before.ownerMsp, `device ${before.deviceId}`);
      if (before.status === 'revoked') throw new RegistryError('ALREADY_REVOKED', `device ${before.deviceId} is revoked for good`);
      if (before.status === status) throw new RegistryError('STATE_CONFLICT', `device ${before.deviceId} is already ${status}`);
      const device: Device = { ...before, status, updatedAt: ctx.now };
      if (reason === undefined) delete device.statusReason;
      else device.statusReason = reason;
      await saveDevice(ctx, device, status === 'suspended' ? 'suspend' : 'reactivate', before);
      ctx.emit(status === 'suspended' ? EVENTS.deviceSuspended : EVENTS.deviceReactivated, device);
      return present(ctx, device);
    });
  }

  /** Terminal: the device and its current key are revoked, and stay so. */
  @Transaction()
  @Returns('string')
  async RevokeDevice(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'revokeDevice', request, async ({ deviceId, reason }) => {
      const before = await findDevice(ctx, deviceId);
      ctx.requireOwnerAdmin(before.ownerMsp, `device ${before.deviceId}`);
      if (before.status === 'revoked') throw new RegistryError('ALREADY_REVOKED', `device ${before.deviceId} is already revoked`);
      const now = ctx.now;
      const device: Device = { ...before, status: 'revoked', updatedAt: now, revokedAt: now, revocationReason: reason };
      await closeKey(ctx, before.keyId, { revokedAt: now });
      const revocation: Revocation = { deviceId: device.deviceId, keyId: device.keyId, reason, revokedAt: now };
      ctx.store.put(keys.revocation(now, device.deviceId), revocation);
      await saveDevice(ctx, device, 'revoke', before);
      ctx.emit(EVENTS.deviceRevoked, device);
      return present(ctx, device);
    });
  }

  /** Revocations in the order they happened, from `since` on. */
  @Transaction(false)
  @Returns('string')
  async ListRevocations(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'listRevocations', request, async (query) => {
      const { since } = query;
      return ctx.store.page<Revocation>(keys.revocation(), pageRequest(query), (r) =>
        since === undefined || r.revokedAt >= since ? r : undefined,
      );
    });
  }

  @Transaction(false)
  @Returns('string')
  async GetDeviceHistory(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'getDeviceHistory', request, async (query) => {
      ctx.requireRole('auditor', 'admin');
      const device = await findDevice(ctx, query.deviceId);
      // Fabric's history database holds every change; the read model answers the same pages from the blocks.
      return ctx.store.listPage<HistoryEntry>(await deviceHistory(ctx, device.deviceId), pageRequest(query), (revision) =>
        keys.history(device.deviceId, revision),
      );
    });
  }
}

/** One registration: the checks and writes RegisterDevice and RegisterDevices share (no event). */
async function register(ctx: RegistryContext, registration: Registration): Promise<Device> {
  const { deviceId, family } = registration;
  const key = parsePublicKey(registration.publicKeyPem);
  const { nextKeyDigest } = registration;
  requireRegistrationProof(ctx, deviceId, family, key, registration.proof, nextKeyDigest);
  await ctx.store.prefetch(registrationReads(registration));
  // Revoked devices stay on the ledger, so an ID is never handed out twice.
  if (await ctx.store.exists(keys.device(deviceId))) {
    throw new RegistryError('ALREADY_EXISTS', `device ${deviceId} exists (device IDs are never reused)`);
  }
  // A family's owner decides its firmware verdicts: a device may only join one that already exists.
  if (!(await ctx.store.exists(keys.family(family)))) {
    throw new RegistryError('UNKNOWN_FAMILY', `family ${family} is not registered; a vendor registers it first (POST /v1/families)`);
  }
  const policy = await identityPolicyOf(ctx, family);
  requireCommitmentIfDemanded(policy, family, nextKeyDigest, 'a registration');
  await requireFreshCommitment(ctx, nextKeyDigest, [key.keyId]);
  const birth = await checkBirthCertificate(ctx, policy, family, deviceId, key, registration.birthCertificate);
  const now = ctx.now;
  const device: Device = {
    deviceId,
    family,
    ownerMsp: ctx.msp,
    status: 'active',
    publicKeyPem: key.pem,
    keyId: key.keyId,
    attributes: inNameOrder(registration.attributes ?? {}),
    createdAt: now,
    updatedAt: now,
    seq: 0,
    ...(nextKeyDigest === undefined ? {} : { nextKeyDigest }),
    ...(birth === undefined ? {} : { birth }),
  };
  await addKey(ctx, { keyId: key.keyId, deviceId, publicKeyPem: key.pem, validFrom: now });
  // The one list index the chaincode keeps: a rollout counts its family's devices (a device never changes family).
  ctx.store.put(keys.devicesBy('family', family, deviceId), deviceId);
  await saveDevice(ctx, device, 'register');
  return device;
}

/**
 * The keys a registration reads (the device and its key must be new, the family must exist, a
 * committed next key must be unused), read ahead in one round trip: a batch's all at once.
 */
function registrationReads(registration: Registration): StateKey[] {
  const { deviceId, family, nextKeyDigest } = registration;
  return [
    keys.device(deviceId),
    keys.family(family),
    keys.publicKey(parsePublicKey(registration.publicKeyPem).keyId),
    ...(nextKeyDigest === undefined ? [] : [keys.publicKey(nextKeyDigest)]),
  ];
}

/**
 * The proof signs the registering org and the family with the device ID and key, so another org
 * that sees the proposal (its peer endorses it) cannot submit the same proof as its own.
 */
function requireRegistrationProof(
  ctx: RegistryContext,
  deviceId: string,
  family: string,
  key: PublicKeyInfo,
  proof: string,
  nextKeyDigest?: string,
): void {
  const statement =
    nextKeyDigest === undefined
      ? statements.register(deviceId, key.keyId, ctx.msp, family)
      : statements.registerCommitted(deviceId, key.keyId, ctx.msp, family, nextKeyDigest);
  if (verifyStatement(key, statement, proof)) return;
  if (nextKeyDigest !== undefined) {
    throw new RegistryError('BAD_SIGNATURE', `proof does not verify with key ${key.keyId}: with nextKeyDigest it must sign it too`);
  }
  // A proof over the first form, {action, deviceId, keyId}, gets told what it must sign now.
  const legacy = verifyStatement(key, { action: 'register', deviceId, keyId: key.keyId }, proof);
  throw new RegistryError(
    'BAD_SIGNATURE',
    `proof does not verify with key ${key.keyId}: it must sign ${STATEMENT_FORMS.register}, here ownerMsp ${ctx.msp} and family ${family}` +
      (legacy ? '; this proof signs the older {"action","deviceId","keyId"}, which no longer binds the owner' : ''),
  );
}

/** Attributes are stored in name order, whatever order the request gave them in. */
function inNameOrder(given: Record<string, string>): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const name of Object.keys(given).sort()) attributes[name] = given[name]!;
  return attributes;
}
