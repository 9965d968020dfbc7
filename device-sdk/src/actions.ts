import type { SignedPayload, Statement } from '@iotreg/common';
import type { DeviceIdentity } from './identity';

/**
 * The device's signed writes. Each carries a `seq` above every seq the ledger accepted from the
 * device before, which is what makes a captured body useless to replay. The counter starts
 * after `lastSeq` (persist it, or seed it from the device record's `seq` at boot).
 */
export class SignedActions {
  #seq: number;

  constructor(
    readonly deviceId: string,
    private readonly identity: DeviceIdentity,
    lastSeq = 0,
  ) {
    this.#seq = lastSeq;
  }

  get lastSeq(): number {
    return this.#seq;
  }

  configReport(sha256: string): SignedPayload {
    return this.#sign('config-report', { sha256 });
  }

  firmwareReport(family: string, version: string, sha256: string): SignedPayload {
    return this.#sign('firmware-report', { family, version, sha256 });
  }

  /** `digest`: SHA-256 of one message, or the Merkle root of a batch. */
  anchor(digest: string): SignedPayload {
    return this.#sign('anchor', { digest });
  }

  #sign(action: string, fields: Statement): SignedPayload {
    this.#seq += 1;
    const payload: Statement = { action, deviceId: this.deviceId, seq: this.#seq, ...fields };
    return { payload, signature: this.identity.sign(payload) };
  }
}
