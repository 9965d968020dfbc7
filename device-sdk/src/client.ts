import type { Device, Endpoint, MessageAnchor, SignedPayload } from '@iotreg/common';
import { SignedActions } from './actions';
import { deviceAuthorization } from './device-auth';
import type { DeviceIdentity } from './identity';
import { open, seal, SealedEnvelope, SealError } from './seal';

/** A refusal from the gateway, with the contract's status and error code. */
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

/**
 * What a device does over REST with only its key: find endpoints, read a peer's key, send its
 * signed reports and anchors, and seal to / open from other devices.
 */
export class DeviceClient {
  readonly actions: SignedActions;

  constructor(
    readonly gatewayUrl: string,
    readonly deviceId: string,
    readonly identity: DeviceIdentity,
    lastSeq = 0,
  ) {
    this.actions = new SignedActions(deviceId, identity, lastSeq);
  }

  async discovery(): Promise<Endpoint[]> {
    return (await this.#read<{ endpoints: Endpoint[] }>('/v1/discovery')).endpoints;
  }

  async device(deviceId: string): Promise<Device> {
    return this.#read<Device>(`/v1/devices/${encodeURIComponent(deviceId)}`);
  }

  reportConfig(sha256: string) {
    return this.#write<{ txId: string; configDrift: boolean }>(`/config/report`, this.actions.configReport(sha256));
  }

  reportFirmware(family: string, version: string, sha256: string) {
    return this.#write<Device & { txId: string }>(`/firmware`, this.actions.firmwareReport(family, version, sha256));
  }

  anchor(digest: string) {
    return this.#write<MessageAnchor>(`/messages`, this.actions.anchor(digest));
  }

  /** Seals to another device's current key, refusing a device that is not active on the ledger. */
  async sealTo(recipientId: string, plaintext: Buffer | string): Promise<SealedEnvelope> {
    const recipient = await this.device(recipientId);
    if (recipient.status !== 'active') throw new SealError(`device ${recipientId} is ${recipient.status}: not sealing to it`);
    return seal({ deviceId: this.deviceId, identity: this.identity }, recipient, plaintext);
  }

  /** Opens an envelope after checking on the ledger that it was signed by the sender's current key. */
  async openFrom(envelope: SealedEnvelope): Promise<Buffer> {
    const sender = await this.device(envelope.sender);
    if (sender.status !== 'active') throw new SealError(`sender ${sender.deviceId} is ${sender.status}`);
    if (sender.keyId !== envelope.senderKeyId) throw new SealError(`sender ${sender.deviceId} no longer uses key ${envelope.senderKeyId}`);
    return open({ deviceId: this.deviceId, identity: this.identity }, envelope, sender.publicKeyPem);
  }

  async #read<T>(path: string): Promise<T> {
    const authorization = deviceAuthorization(this.deviceId, this.identity, 'GET', path);
    return this.#send<T>(path, { headers: { authorization } });
  }

  async #write<T>(suffix: string, body: SignedPayload): Promise<T> {
    return this.#send<T>(`/v1/devices/${encodeURIComponent(this.deviceId)}${suffix}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  async #send<T>(path: string, init: RequestInit): Promise<T> {
    const res = await fetch(this.gatewayUrl + path, init);
    const body = (await res.json().catch(() => undefined)) as { error?: { code: string; message: string } } | undefined;
    if (!res.ok) throw new GatewayRequestError(res.status, body?.error?.code ?? 'UNKNOWN', body?.error?.message ?? res.statusText);
    return body as T;
  }
}
