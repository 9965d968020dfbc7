import { randomUUID } from 'node:crypto';
import type { Device, DeviceStatus, Endpoint, KeyValidity, MessageAnchor, SignedPayload } from '@iotreg/common';
import { parsePublicKey } from '@iotreg/common';
import { SeqCounter, SignedActions } from './actions';
import { deviceAuthorization } from './device-auth';
import type { DeviceIdentity } from './identity';
import { assertEnvelope, open, seal, SealedEnvelope, SealError } from './seal';

/** A refusal from the gateway: the HTTP status and the contract's error code, never parsed from text. */
export class GatewayRequestError extends Error {
  override name = 'GatewayRequestError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${status} ${code}: ${message}`);
  }
}

/** A device's current key as the ledger has it. */
export interface DeviceKeyInfo {
  deviceId: string;
  status: DeviceStatus;
  keyId: string;
  publicKeyPem: string;
}

/** Answer to a device's config or firmware report. */
export type ReportAck = { txId: string } & Record<string, unknown>;

export interface DeviceClientOptions {
  /** Where the device's seq continues from; a fresh counter (last seq 0) by default. */
  seq?: SeqCounter;
  /** Per request; writes answer only once committed, so allow for a block. Default 60 s. */
  timeoutMs?: number;
  /** Resends of a write the gateway answered 503 OUTCOME_UNKNOWN. Default 1. */
  outcomeUnknownRetries?: number;
}

/**
 * What a device does over REST with only its key: find endpoints, look up peers, send its signed
 * reports and anchors, and seal to / open from other devices. Reads carry Device credentials
 * (see device-auth.ts), writes carry bodies the chaincode verifies.
 */
export class DeviceClient {
  readonly actions: SignedActions;
  readonly #baseUrl: string;
  readonly #timeoutMs: number;
  readonly #retries: number;

  constructor(
    gatewayUrl: string,
    readonly deviceId: string,
    readonly identity: DeviceIdentity,
    options: DeviceClientOptions = {},
  ) {
    this.#baseUrl = gatewayUrl.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#retries = options.outcomeUnknownRetries ?? 1;
    this.actions = new SignedActions(deviceId, identity, options.seq);
  }

  async getDiscovery(): Promise<Endpoint[]> {
    return (await this.#read<{ endpoints: Endpoint[] }>('/v1/discovery')).endpoints;
  }

  getDevice(deviceId: string): Promise<Device> {
    return this.#read<Device>(`/v1/devices/${encodeURIComponent(deviceId)}`);
  }

  /** A device's current key. keyId is computed from the PEM, not copied from the record, so the two can't disagree. */
  async getDeviceKey(deviceId: string): Promise<DeviceKeyInfo> {
    const device = await this.getDevice(deviceId);
    const key = parsePublicKey(device.publicKeyPem);
    return { deviceId: device.deviceId, status: device.status, keyId: key.keyId, publicKeyPem: key.pem };
  }

  /** Was `keyId` its device's valid key at `at` (ISO 8601; default now)? */
  getKeyValidity(keyId: string, at?: string): Promise<KeyValidity> {
    const query = at === undefined ? '' : `?at=${encodeURIComponent(at)}`;
    return this.#read<KeyValidity>(`/v1/keys/${encodeURIComponent(keyId)}${query}`);
  }

  /** Moves the seq counter past the last seq the ledger accepted from this device, e.g. after a reboot. */
  async syncSeq(): Promise<number> {
    this.actions.seq.advanceTo((await this.getDevice(this.deviceId)).seq);
    return this.actions.seq.last;
  }

  sendConfigReport(sha256: string): Promise<ReportAck> {
    return this.#write<ReportAck>('config/report', this.actions.configReport(sha256));
  }

  sendFirmwareReport(family: string, version: string, sha256: string): Promise<ReportAck> {
    return this.#write<ReportAck>('firmware', this.actions.firmwareReport(family, version, sha256));
  }

  /** `digest`: SHA-256 of one message, or MessageBatch.root. */
  anchor(digest: string): Promise<MessageAnchor> {
    return this.#write<MessageAnchor>('messages', this.actions.anchor(digest));
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
      if (err instanceof GatewayRequestError && err.status === 404) {
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

  #read<T>(path: string): Promise<T> {
    return this.#send<T>(path, {
      method: 'GET',
      headers: { authorization: deviceAuthorization(this.deviceId, this.identity, 'GET', path) },
    });
  }

  /**
   * Each device write carries a random `Idempotency-Key`, the same on every resend of that body, so
   * a resend after OUTCOME_UNKNOWN gets the first answer instead of REPLAYED_SEQ. Random, not
   * derived from seq: a guessable key would let anyone who learns it probe the gateway's store.
   */
  async #write<T>(suffix: string, body: SignedPayload): Promise<T> {
    const init: RequestInit = {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify(body),
    };
    const path = `/v1/devices/${encodeURIComponent(this.deviceId)}/${suffix}`;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.#send<T>(path, init);
      } catch (err) {
        const unknownOutcome = err instanceof GatewayRequestError && err.code === 'OUTCOME_UNKNOWN';
        if (!unknownOutcome || attempt >= this.#retries) throw err;
      }
    }
  }

  async #send<T>(path: string, init: RequestInit): Promise<T> {
    const res = await fetch(this.#baseUrl + path, { ...init, signal: AbortSignal.timeout(this.#timeoutMs) });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new GatewayRequestError(res.status, 'UNEXPECTED_RESPONSE', `not JSON: ${text.slice(0, 200)}`);
    }
    if (!res.ok) {
      const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      const code = typeof error?.code === 'string' ? error.code : 'UNEXPECTED_RESPONSE';
      throw new GatewayRequestError(res.status, code, typeof error?.message === 'string' ? error.message : res.statusText);
    }
    return body as T;
  }
}
