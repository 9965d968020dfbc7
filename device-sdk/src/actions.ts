import {
  AGREEMENT_UNITS,
  type AgreementTerms,
  DeviceAction,
  ID_PATTERN,
  RegistryError,
  SHA256_PATTERN,
  SignedPayload,
  TEXT_MAX,
  VERSION_PATTERN,
} from '@iotreg/common';
import type { DeviceIdentity } from './identity';

/**
 * The last `seq` the device used. The ledger accepts a device-signed write only with a seq above
 * every seq it accepted before (replay protection), so the counter only moves forward. Seed it
 * with a persisted value, with the device record's `seq`, or, on a device without storage, with
 * a clock reading such as `Date.now() * 1000` (monotonic as long as the clock is).
 */
export class SeqCounter {
  #last: number;

  constructor(lastSeq = 0) {
    this.#last = checkedSeq(lastSeq);
  }

  get last(): number {
    return this.#last;
  }

  next(): number {
    if (this.#last >= Number.MAX_SAFE_INTEGER) throw new RangeError('seq is exhausted');
    this.#last += 1;
    return this.#last;
  }

  /** Moves past a seq the ledger already accepted (say, read back after a reboot); never moves back. */
  advanceTo(lastSeq: number): void {
    this.#last = Math.max(this.#last, checkedSeq(lastSeq));
  }
}

function checkedSeq(seq: number): number {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`seq must be a non-negative safe integer, not ${seq}`);
  return seq;
}

type AgreementUnit = (typeof AGREEMENT_UNITS)[number];

type ActionPayload<A extends DeviceAction, F> = { action: A; deviceId: string; seq: number } & F;

export type ConfigReportPayload = ActionPayload<'config-report', { sha256: string }>;
export type FirmwareReportPayload = ActionPayload<'firmware-report', { family: string; version: string; sha256: string }>;
export type AnchorPayload = ActionPayload<'anchor', { digest: string }>;
export type RolloutReportPayload = ActionPayload<
  'rollout-report',
  { rolloutId: string } & ({ outcome: 'installed'; sha256: string } | { outcome: 'failed'; reason: string })
>;

/** What a provider offers (see AGREEMENT_TERMS in @iotreg/common): integers in minor currency units, expiresAt as the ledger writes times. */
/** What a provider offers: the terms but its own ID, which the signed payload carries as deviceId. */
export type OfferTerms = Omit<AgreementTerms, 'providerId' | 'unit'> & { unit: AgreementUnit };
export type AgreementOfferPayload = ActionPayload<'agreement-offer', OfferTerms>;
export type AgreementAcceptPayload = ActionPayload<'agreement-accept', { agreementId: string; termsSha256: string }>;
export type AgreementUsagePayload = ActionPayload<'agreement-usage', { agreementId: string; quantity: number }>;
export type AgreementSettlePayload = ActionPayload<'agreement-settle', { agreementId: string }>;
type AgreementPayload = AgreementOfferPayload | AgreementAcceptPayload | AgreementUsagePayload | AgreementSettlePayload;

/**
 * The bodies of the device-signed writes, exactly as the REST contract has them:
 * `{payload: {action, deviceId, seq, ...}, signature}`. Inputs are checked before a seq is
 * taken, so a typo costs no round trip to the gateway.
 */
export class SignedActions {
  constructor(
    readonly deviceId: string,
    private readonly identity: DeviceIdentity,
    readonly seq: SeqCounter = new SeqCounter(),
  ) {
    assertFormat(ID_PATTERN, deviceId, 'deviceId');
  }

  /** Body of POST /v1/devices/{id}/config/report: the digest of the configuration the device runs. */
  configReport(sha256: string): SignedPayload<ConfigReportPayload> {
    assertFormat(SHA256_PATTERN, sha256, 'sha256');
    return this.#signed({ action: 'config-report', deviceId: this.deviceId, seq: this.seq.next(), sha256 });
  }

  /** Body of POST /v1/devices/{id}/firmware: the firmware the device runs. */
  firmwareReport(family: string, version: string, sha256: string): SignedPayload<FirmwareReportPayload> {
    assertFormat(ID_PATTERN, family, 'family');
    assertFormat(VERSION_PATTERN, version, 'version');
    assertFormat(SHA256_PATTERN, sha256, 'sha256');
    return this.#signed({ action: 'firmware-report', deviceId: this.deviceId, seq: this.seq.next(), family, version, sha256 });
  }

  /** Body of POST /v1/devices/{id}/messages. `digest`: SHA-256 of one message, or a batch's Merkle root. */
  anchor(digest: string): SignedPayload<AnchorPayload> {
    assertFormat(SHA256_PATTERN, digest, 'digest');
    return this.#signed({ action: 'anchor', deviceId: this.deviceId, seq: this.seq.next(), digest });
  }

  /** Body of POST /v1/devices/{id}/agreements: this device offers `terms` to terms.consumerId. */
  agreementOffer(terms: OfferTerms): SignedPayload<AgreementOfferPayload> {
    assertFormat(ID_PATTERN, terms.agreementId, 'agreementId');
    assertFormat(ID_PATTERN, terms.consumerId, 'consumerId');
    return this.#signed({ action: 'agreement-offer', deviceId: this.deviceId, seq: this.seq.next(), ...terms });
  }

  /** Body of POST /v1/devices/{id}/agreements/accept: this device accepts the terms whose hash is `termsSha256`. */
  agreementAccept(agreementId: string, termsSha256: string): SignedPayload<AgreementAcceptPayload> {
    assertFormat(ID_PATTERN, agreementId, 'agreementId');
    assertFormat(SHA256_PATTERN, termsSha256, 'termsSha256');
    return this.#signed({ action: 'agreement-accept', deviceId: this.deviceId, seq: this.seq.next(), agreementId, termsSha256 });
  }

  /** Body of POST /v1/devices/{id}/agreements/usage: this device (the consumer) used `quantity`. */
  agreementUsage(agreementId: string, quantity: number): SignedPayload<AgreementUsagePayload> {
    assertFormat(ID_PATTERN, agreementId, 'agreementId');
    if (!Number.isSafeInteger(quantity) || quantity < 1) throw new RegistryError('INVALID_ARGUMENT', 'quantity must be a positive integer');
    return this.#signed({ action: 'agreement-usage', deviceId: this.deviceId, seq: this.seq.next(), agreementId, quantity });
  }

  /** Body of POST /v1/devices/{id}/agreements/settle. */
  agreementSettle(agreementId: string): SignedPayload<AgreementSettlePayload> {
    assertFormat(ID_PATTERN, agreementId, 'agreementId');
    return this.#signed({ action: 'agreement-settle', deviceId: this.deviceId, seq: this.seq.next(), agreementId });
  }

  /** Body of POST /v1/devices/{id}/rollout-reports: installed, with the SHA-256 the device measured of the image it installed. */
  rolloutInstalled(rolloutId: string, sha256: string): SignedPayload<RolloutReportPayload> {
    assertFormat(ID_PATTERN, rolloutId, 'rolloutId');
    assertFormat(SHA256_PATTERN, sha256, 'sha256');
    return this.#signed({
      action: 'rollout-report',
      deviceId: this.deviceId,
      seq: this.seq.next(),
      rolloutId,
      outcome: 'installed',
      sha256,
    });
  }

  /** Body of POST /v1/devices/{id}/rollout-reports: the install failed, and why. */
  rolloutFailed(rolloutId: string, reason: string): SignedPayload<RolloutReportPayload> {
    assertFormat(ID_PATTERN, rolloutId, 'rolloutId');
    if (reason.length < 1 || reason.length > TEXT_MAX)
      throw new RegistryError('INVALID_ARGUMENT', `reason must be 1 to ${TEXT_MAX} characters`);
    return this.#signed({ action: 'rollout-report', deviceId: this.deviceId, seq: this.seq.next(), rolloutId, outcome: 'failed', reason });
  }

  #signed<P extends ConfigReportPayload | FirmwareReportPayload | AnchorPayload | AgreementPayload | RolloutReportPayload>(
    payload: P,
  ): SignedPayload<P> {
    return { payload, signature: this.identity.sign(payload) };
  }
}

function assertFormat(pattern: RegExp, value: string, field: string): void {
  if (!pattern.test(value)) throw new RegistryError('INVALID_ARGUMENT', `${field} does not match ${pattern.source}`);
}
