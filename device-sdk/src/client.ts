import type { DeviceStatus, KeyValidity, RouteAnswer, TransactionProof } from '@iotreg/common';
import { DeviceFacts, FreshnessPolicy, runTarget, verifyFreshness } from './freshness';
import { ApiError, parsePublicKey, RegistryClient } from '@iotreg/common';
import { SeqCounter, SignedActions } from './actions';
import { deviceAuthorization } from './device-auth';
import type { DeviceIdentity } from './identity';
import { assertEnvelope, open, seal, SealedEnvelope, SealError } from './seal';

/** A device's current key as the ledger has it. */
export interface DeviceKeyInfo {
  deviceId: string;
  status: DeviceStatus;
  keyId: string;
  publicKeyPem: string;
}

/** Answer to a device's config report: the report, and the transaction that recorded it. */
export type ConfigReportAck = RouteAnswer<'reportConfig'>;
/** Answer to a device's firmware report: the device with the firmware's verdict, and the transaction. */
export type FirmwareReportAck = RouteAnswer<'reportFirmware'>;

export interface DeviceClientOptions {
  /** Where the device's seq continues from; a fresh counter (last seq 0) by default. */
  seq?: SeqCounter;
  /** Per request; writes answer only once committed, so allow for a block. Default 60 s. */
  timeoutMs?: number;
  /**
   * Resends of a write, with the same body and Idempotency-Key, after 503 (OUTCOME_UNKNOWN, a
   * ledger unavailable), 429 or no answer. Default 1.
   */
  retries?: number;
  /** Pause before a resend (default 1 s). */
  retryDelayMs?: number;
}

/**
 * What a device does over REST with only its key: find endpoints, look up peers, send its signed
 * reports and anchors, and seal to / open from other devices. Reads carry Device credentials
 * (see device-auth.ts), writes carry bodies the chaincode verifies.
 */
export class DeviceClient {
  readonly actions: SignedActions;
  readonly #client: RegistryClient;
  readonly #retries: number | undefined;

  constructor(
    gatewayUrl: string,
    readonly deviceId: string,
    readonly identity: DeviceIdentity,
    options: DeviceClientOptions = {},
  ) {
    this.#client = new RegistryClient({
      baseUrl: gatewayUrl,
      // Reads carry Device credentials; writes need none, their bodies are signed.
      authorization: (method, target) => (method === 'GET' ? deviceAuthorization(deviceId, identity, method, target) : undefined),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
    });
    this.#retries = options.retries;
    this.actions = new SignedActions(deviceId, identity, options.seq);
  }

  getDiscovery() {
    return this.#client.discovery();
  }

  getDevice(deviceId: string) {
    return this.#client.call('getDevice', { deviceId });
  }

  /** A device's current key. keyId is computed from the PEM, not copied from the record, so the two can't disagree. */
  async getDeviceKey(deviceId: string): Promise<DeviceKeyInfo> {
    const device = await this.getDevice(deviceId);
    const key = parsePublicKey(device.publicKeyPem);
    return { deviceId: device.deviceId, status: device.status, keyId: key.keyId, publicKeyPem: key.pem };
  }

  /** Was `keyId` its device's valid key at `at` (ISO 8601; default now)? */
  getKeyValidity(keyId: string, at?: string): Promise<KeyValidity> {
    return this.#client.call('getKeyValidity', at === undefined ? { keyId } : { keyId, at });
  }

  /** Moves the seq counter past the last seq the ledger accepted from this device, e.g. after a reboot. */
  async syncSeq(): Promise<number> {
    this.actions.seq.advanceTo((await this.getDevice(this.deviceId)).seq);
    return this.actions.seq.last;
  }

  /*
   * Each device write carries a random Idempotency-Key (RegistryClient makes one per call), the same
   * on every resend of that body, so a resend after OUTCOME_UNKNOWN gets the first answer instead of
   * REPLAYED_SEQ. Random, not derived from seq: a guessable key would let anyone who learns it probe
   * the gateway's store.
   */

  sendConfigReport(sha256: string): Promise<ConfigReportAck> {
    return this.#client.call('reportConfig', this.actions.configReport(sha256), this.#writeOptions());
  }

  sendFirmwareReport(family: string, version: string, sha256: string): Promise<FirmwareReportAck> {
    return this.#client.call('reportFirmware', this.actions.firmwareReport(family, version, sha256), this.#writeOptions());
  }

  /** `digest`: SHA-256 of one message, or MessageBatch.root. */
  anchor(digest: string) {
    return this.#client.call('anchorMessage', this.actions.anchor(digest), this.#writeOptions());
  }

  /** This device's place in a rollout: its wave, and whether it may install now (a device-signed read). */
  rolloutPlace(rolloutId: string) {
    return this.#client.call('getRolloutDevice', { rolloutId, deviceId: this.deviceId });
  }

  /** Reports a finished install with the SHA-256 the device measured of the image; the ledger checks it against the release. */
  reportInstalled(rolloutId: string, sha256: string) {
    return this.#client.call('reportRollout', this.actions.rolloutInstalled(rolloutId, sha256), this.#writeOptions());
  }

  /** Reports a failed install; enough failures in a wave halt the rollout in the same transaction. */
  reportInstallFailed(rolloutId: string, reason: string) {
    return this.#client.call('reportRollout', this.actions.rolloutFailed(rolloutId, reason), this.#writeOptions());
  }

  /**
   * What this device should run, believed only from a proven, fresh RefreshFamilyStatus
   * transaction (see freshness.ts); throws FreshnessError for a forged, foreign or stale answer.
   */
  async whatShouldIRun(family: string, facts: Omit<DeviceFacts, 'deviceId'>, policy: FreshnessPolicy) {
    const answer = await this.#client.send('GET', `/v1/families/${encodeURIComponent(family)}/freshness`);
    if (answer.status !== 200) {
      const error = (answer.body as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(answer.status, error?.code ?? 'UNKNOWN', error?.message ?? `the gateway answered ${answer.status}`);
    }
    const verified = verifyFreshness(answer.body as { proof: TransactionProof }, family, policy);
    return { ...verified, target: runTarget(verified.status, { ...facts, deviceId: this.deviceId }) };
  }

  /** Seals to the recipient's current key on the ledger; refuses a recipient that is not active. */
  async sealTo(recipientDeviceId: string, plaintext: Buffer | string): Promise<SealedEnvelope> {
    const recipient = await this.getDeviceKey(recipientDeviceId);
    if (recipient.status !== 'active') {
      throw new SealError('RECIPIENT_NOT_ACTIVE', `device ${recipientDeviceId} is ${recipient.status}: not sealing to it`);
    }
    return seal({ deviceId: this.deviceId, identity: this.identity }, recipient, plaintext);
  }

  /**
   * Opens an envelope after checking on the ledger that its sender key is, now, the sender's
   * valid key (not rotated away or revoked) and that the sender is active.
   */
  async openFrom(envelope: unknown): Promise<Buffer> {
    assertEnvelope(envelope);
    const { senderDeviceId, senderKeyId } = envelope;
    const validity = await this.getKeyValidity(senderKeyId).catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 404) {
        throw new SealError('SENDER_NOT_VALID', `sender key ${senderKeyId} is not registered`);
      }
      throw err;
    });
    if (validity.deviceId !== senderDeviceId || !validity.validAt) {
      throw new SealError(
        'SENDER_NOT_VALID',
        `key ${senderKeyId} is not ${senderDeviceId}'s valid key (${validity.status}, of ${validity.deviceId})`,
      );
    }
    const sender = await this.getDeviceKey(senderDeviceId);
    if (sender.status !== 'active') throw new SealError('SENDER_NOT_VALID', `sender ${senderDeviceId} is ${sender.status}`);
    if (sender.keyId !== senderKeyId) throw new SealError('SENDER_NOT_VALID', `sender ${senderDeviceId} no longer uses key ${senderKeyId}`);
    return open({ deviceId: this.deviceId, identity: this.identity }, envelope, sender.publicKeyPem);
  }

  #writeOptions() {
    return this.#retries === undefined ? {} : { retries: this.#retries };
  }
}
