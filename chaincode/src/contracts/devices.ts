import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  ATTRIBUTE_NAME_PATTERN,
  ATTRIBUTE_VALUE_MAX,
  ATTRIBUTES_MAX,
  BATCH_MAX,
  batchRefusal,
  Device,
  DEVICE_STATUSES,
  DeviceKey,
  EVENTS,
  HistoryEntry,
  KeyValidity,
  MSP_PATTERN,
  parsePublicKey,
  PublicKeyInfo,
  RefusedItem,
  RegistryError,
  requireSignature,
  Revocation,
  REVOCATION_REASONS,
  STATEMENT_FORMS,
  statements,
  verifyStatement,
} from '@iotreg/common';
import { RegistryContext } from '../context';
import { addKey, closeKey, deviceKeys, findDevice, present, saveDevice, startCounters } from '../devices';
import { DeviceIndexField, keys } from '../ledger/keys';
import { Fields, id, object, oneOf, only, optionalText, page, sha256, signature, text, time } from '../request';
import { RegistryContract } from './base';

@Info({ title: 'Devices', description: 'Device identities: registration, keys, status, revocation, history' })
export class DevicesContract extends RegistryContract {
  constructor() {
    super('Devices');
  }

  /** An admin registers a device that proves it holds the private key of `publicKeyPem`. */
  @Transaction()
  @Returns('string')
  async RegisterDevice(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      ctx.requireRole('admin');
      const device = await register(ctx, fields);
      ctx.emit(EVENTS.deviceRegistered, device);
      return device;
    });
  }

  /**
   * Up to BATCH_MAX registrations in one transaction, all or nothing: each is checked as
   * RegisterDevice would check it, and a refusal names every device that failed and why.
   */
  @Transaction()
  @Returns('string')
  async RegisterDevices(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      ctx.requireRole('admin');
      const items = only(fields, 'devices').devices;
      if (!Array.isArray(items) || items.length === 0 || items.length > BATCH_MAX) {
        throw new RegistryError('INVALID_ARGUMENT', `devices must be a list of 1 to ${BATCH_MAX} registrations`);
      }
      const devices: Device[] = [];
      const refused: RefusedItem[] = [];
      for (const [index, item] of items.entries()) {
        try {
          devices.push(await register(ctx, object({ item }, 'item')));
        } catch (err) {
          if (!(err instanceof RegistryError)) throw err;
          refused.push({ index, code: err.code, message: err.message });
        }
      }
      if (refused.length > 0) throw batchRefusal(refused, items.length);
      // The devices themselves are in each one's history; the answer stays small inside the transaction.
      const registeredDevices = { count: devices.length, deviceIds: devices.map((d) => d.deviceId) };
      ctx.emit(EVENTS.devicesRegistered, registeredDevices);
      return registeredDevices;
    });
  }

  @Transaction(false)
  @Returns('string')
  async GetDevice(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => present(ctx, await findDevice(ctx, id(fields, 'deviceId'))));
  }

  /** Pages devices; one filter picks the index to walk, the others are checked per device. */
  @Transaction(false)
  @Returns('string')
  async ListDevices(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      const filter = {
        owner: fields.owner === undefined ? undefined : msp(fields, 'owner'),
        family: fields.family === undefined ? undefined : id(fields, 'family'),
        status: fields.status === undefined ? undefined : oneOf(fields, 'status', DEVICE_STATUSES),
        noncompliant: fields.compliance === undefined ? false : oneOf(fields, 'compliance', ['noncompliant'] as const) === 'noncompliant',
      };
      const matches = (device: Device) =>
        (filter.owner === undefined || device.ownerMsp === filter.owner) &&
        (filter.family === undefined || device.family === filter.family) &&
        (filter.status === undefined || device.status === filter.status) &&
        (!filter.noncompliant || device.firmware?.compliant === false);
      const select = async (device: Device) => {
        const shown = await present(ctx, device);
        return matches(shown) ? shown : undefined;
      };
      const indexed = (['status', 'family', 'owner'] as DeviceIndexField[]).find((field) => filter[field] !== undefined);
      if (!indexed) return ctx.store.page<Device>(keys.device(), page(fields), select);
      const value = filter[indexed] as string;
      return ctx.store.page<string, Device>(keys.devicesBy(indexed, value), page(fields), async (deviceId) =>
        select(await findDevice(ctx, deviceId)),
      );
    });
  }

  /** The owner's admin moves a device to a new key; old and new key both sign the change. */
  @Transaction()
  @Returns('string')
  async RotateKey(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      only(fields, 'deviceId', 'publicKeyPem', 'proofOld', 'proofNew');
      const before = await findDevice(ctx, id(fields, 'deviceId'));
      ctx.requireOwnerAdmin(before.ownerMsp, `device ${before.deviceId}`);
      if (before.status === 'revoked') throw new RegistryError('STATE_CONFLICT', `device ${before.deviceId} is revoked`);
      const next = parsePublicKey(fields.publicKeyPem);
      const [proofOld, proofNew] = [signature(fields, 'proofOld'), signature(fields, 'proofNew')];
      if (next.keyId === before.keyId) throw new RegistryError('INVALID_ARGUMENT', 'the new key is the current key');
      const statement = statements.rotate(before.deviceId, before.keyId, next.keyId);
      requireSignature(parsePublicKey(before.publicKeyPem), statement, proofOld, 'proofOld');
      requireSignature(next, statement, proofNew, 'proofNew');
      const now = ctx.now;
      await closeKey(ctx, before.keyId, { validTo: now });
      await addKey(ctx, { keyId: next.keyId, deviceId: before.deviceId, publicKeyPem: next.pem, validFrom: now });
      const device: Device = { ...before, publicKeyPem: next.pem, keyId: next.keyId, updatedAt: now };
      await saveDevice(ctx, device, 'rotate-key', before);
      ctx.emit(EVENTS.deviceKeyRotated, { ...device, previousKeyId: before.keyId });
      return present(ctx, device);
    });
  }

  @Transaction(false)
  @Returns('string')
  async ListDeviceKeys(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      const device = await findDevice(ctx, id(fields, 'deviceId'));
      return deviceKeys(ctx, device.deviceId);
    });
  }

  /** Was `keyId` its device's valid key at `at`: from its first use until rotated away or revoked. */
  @Transaction(false)
  @Returns('string')
  async GetKeyValidity(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      const keyId = sha256(fields, 'keyId');
      const at = time(fields, 'at') ?? ctx.now;
      const key = await ctx.store.get<DeviceKey>(keys.publicKey(keyId));
      if (!key) throw new RegistryError('NOT_FOUND', `key ${keyId} is not registered`);
      const end = key.revokedAt ?? key.validTo;
      const validity: KeyValidity = {
        keyId,
        deviceId: key.deviceId,
        at,
        validAt: key.validFrom <= at && (end === undefined || at < end),
        status: key.revokedAt ? 'revoked' : key.validTo ? 'rotated' : 'current',
      };
      return validity;
    });
  }

  @Transaction()
  @Returns('string')
  async SetDeviceStatus(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      only(fields, 'deviceId', 'status', 'reason');
      const before = await findDevice(ctx, id(fields, 'deviceId'));
      ctx.requireOwnerAdmin(before.ownerMsp, `device ${before.deviceId}`);
      const status = oneOf(fields, 'status', ['suspended', 'active'] as const);
      const reason = optionalText(fields, 'reason');
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
    return this.answer(ctx, request, async (fields) => {
      only(fields, 'deviceId', 'reason');
      const before = await findDevice(ctx, id(fields, 'deviceId'));
      ctx.requireOwnerAdmin(before.ownerMsp, `device ${before.deviceId}`);
      const reason = oneOf(fields, 'reason', REVOCATION_REASONS);
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
    return this.answer(ctx, request, async (fields) => {
      const since = time(fields, 'since');
      return ctx.store.page<Revocation>(keys.revocation(), page(fields), (r) =>
        since === undefined || r.revokedAt >= since ? r : undefined,
      );
    });
  }

  @Transaction(false)
  @Returns('string')
  async GetDeviceHistory(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      ctx.requireRole('auditor', 'admin');
      const device = await findDevice(ctx, id(fields, 'deviceId'));
      return ctx.store.page<HistoryEntry>(keys.history(device.deviceId), page(fields), (entry) => entry);
    });
  }
}

/** One registration: the checks and writes RegisterDevice and RegisterDevices share (no event). */
async function register(ctx: RegistryContext, fields: Fields): Promise<Device> {
  only(fields, 'deviceId', 'publicKeyPem', 'family', 'attributes', 'proof');
  const deviceId = id(fields, 'deviceId');
  const key = parsePublicKey(fields.publicKeyPem);
  const family = id(fields, 'family');
  const attributes = readAttributes(fields);
  requireRegistrationProof(ctx, deviceId, family, key, signature(fields, 'proof'));
  // Revoked devices stay on the ledger, so an ID is never handed out twice.
  if (await ctx.store.exists(keys.device(deviceId))) {
    throw new RegistryError('ALREADY_EXISTS', `device ${deviceId} exists (device IDs are never reused)`);
  }
  // A family's owner decides its firmware verdicts: a device may only join one that already exists.
  if (!(await ctx.store.exists(keys.family(family)))) {
    throw new RegistryError('UNKNOWN_FAMILY', `family ${family} is not registered; a vendor registers it first (POST /v1/families)`);
  }
  startCounters(ctx, deviceId);
  const now = ctx.now;
  const device: Device = {
    deviceId,
    family,
    ownerMsp: ctx.msp,
    status: 'active',
    publicKeyPem: key.pem,
    keyId: key.keyId,
    attributes,
    createdAt: now,
    updatedAt: now,
    seq: 0,
  };
  await addKey(ctx, { keyId: key.keyId, deviceId, publicKeyPem: key.pem, validFrom: now });
  await saveDevice(ctx, device, 'register');
  return device;
}

/**
 * The proof signs the registering org and the family with the device ID and key, so another org
 * that sees the proposal (its peer endorses it) cannot submit the same proof as its own.
 */
function requireRegistrationProof(ctx: RegistryContext, deviceId: string, family: string, key: PublicKeyInfo, proof: unknown): void {
  if (verifyStatement(key, statements.register(deviceId, key.keyId, ctx.msp, family), proof)) return;
  // A proof over the first form, {action, deviceId, keyId}, gets told what it must sign now.
  const legacy = verifyStatement(key, { action: 'register', deviceId, keyId: key.keyId }, proof);
  throw new RegistryError(
    'BAD_SIGNATURE',
    `proof does not verify with key ${key.keyId}: it must sign ${STATEMENT_FORMS.register}, here ownerMsp ${ctx.msp} and family ${family}` +
      (legacy ? '; this proof signs the older {"action","deviceId","keyId"}, which no longer binds the owner' : ''),
  );
}

function msp(fields: Fields, name: string): string {
  const value = text(fields, name, 64);
  if (!MSP_PATTERN.test(value)) throw new RegistryError('INVALID_ARGUMENT', `${name} must be an MSP ID`);
  return value;
}

function readAttributes(fields: Fields): Record<string, string> {
  if (fields.attributes === undefined) return {};
  const given = object(fields, 'attributes');
  const names = Object.keys(given).sort();
  if (names.length > ATTRIBUTES_MAX) throw new RegistryError('INVALID_ARGUMENT', `at most ${ATTRIBUTES_MAX} attributes`);
  const attributes: Record<string, string> = {};
  for (const name of names) {
    if (!ATTRIBUTE_NAME_PATTERN.test(name))
      throw new RegistryError('INVALID_ARGUMENT', `attribute name ${JSON.stringify(name)} is not allowed`);
    attributes[name] = text(given, name, ATTRIBUTE_VALUE_MAX);
  }
  return attributes;
}
