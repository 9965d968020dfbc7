import type { Agreement, DeviceStatus, KeyValidity, RouteAnswer, SealedConfig, TransactionProof } from '@iotreg/common';
import {
  agreementTermsSha256,
  ApiError,
  OffChainSealedConfigEnvelope,
  parsePublicKey,
  RegistryError,
  parseWith,
  RegistryClient,
  SEALED_CONFIG_MAX_BYTES,
  type SealedConfigEnvelope,
} from '@iotreg/common';
import { openConfig, sha256Hex } from './config-seal';
import { type OfferTerms, SeqCounter, SignedActions } from './actions';
import { DeviceFacts, FreshnessPolicy, runTarget, verifyFreshness } from './freshness';
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
  /** Downloads an off-chain sealed configuration (at most `maxBytes`); fetch() by default. */
  download?: (uri: string, maxBytes: number) => Promise<Buffer>;
}

/** A configuration as the device opened it: its version, its clear bytes and their sha256 (the ledger's). */
export interface OpenedConfig {
  version: number;
  sha256: string;
  config: Buffer;
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
  readonly #download: (uri: string, maxBytes: number) => Promise<Buffer>;

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
    this.#download = options.download ?? download;
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

  /**
   * At boot: fetches this device's sealed configuration (a device-signed read), downloads it if it
   * is stored off-chain and checks it against the hash and size the ledger holds, opens it with the
   * device's key and checks the clear configuration against the ledger's sha256. Throws ApiError
   * when the ledger refuses (409 RESEAL_REQUIRED after a key rotation, 422 QUARANTINED), SealError
   * when what arrived is not what the ledger names.
   */
  async fetchConfig(): Promise<OpenedConfig> {
    const record = await this.#client.call('getSealedConfig', { deviceId: this.deviceId });
    const envelope = record.envelope ?? (await this.#offChain(record));
    if (envelope.version !== record.version) {
      throw new SealError('HASH_MISMATCH', `the envelope is version ${envelope.version}, the ledger's is ${record.version}`);
    }
    const config = openConfig({ deviceId: this.deviceId, identity: this.identity }, envelope);
    const sha256 = sha256Hex(config);
    if (sha256 !== record.sha256) {
      throw new SealError('HASH_MISMATCH', `the opened configuration's sha256 ${sha256} is not the ledger's ${record.sha256}`);
    }
    return { version: record.version, sha256, config };
  }

  /** fetchConfig, then `apply` it, then report to the ledger what the device now runs (its sha256). */
  async bootConfig(apply: (opened: OpenedConfig) => Promise<void> | void): Promise<ConfigReportAck> {
    const opened = await this.fetchConfig();
    await apply(opened);
    return this.sendConfigReport(opened.sha256);
  }

  /** Offers `terms` to terms.consumerId as the provider; answers the agreement with the termsSha256 to accept. */
  offerAgreement(terms: OfferTerms) {
    return this.#client.call('offerAgreement', this.actions.agreementOffer(terms), this.#writeOptions());
  }

  /**
   * Accepts an offer made to this device: reads it, lets `check` refuse terms the device does not
   * want, and signs the hash of the terms as this device computed them (never the hash the answer
   * states), so a gateway cannot make it accept other terms.
   */
  async acceptAgreement(agreementId: string, check: (offer: Agreement) => boolean = () => true) {
    const offer = await this.getAgreement(agreementId);
    if (offer.consumerId !== this.deviceId)
      throw new RegistryError('RULE_VIOLATION', `agreement ${agreementId} is offered to ${offer.consumerId}`);
    if (!check(offer)) throw new RegistryError('RULE_VIOLATION', `the terms of agreement ${agreementId} were refused by this device`);
    const termsSha256 = agreementTermsSha256(offer);
    return this.#client.call('acceptAgreement', this.actions.agreementAccept(agreementId, termsSha256), this.#writeOptions());
  }

  /** Records `quantity` used under an active agreement, as its consumer. */
  recordUsage(agreementId: string, quantity: number) {
    return this.#client.call('recordUsage', this.actions.agreementUsage(agreementId, quantity), this.#writeOptions());
  }

  /** Settles an agreement this device is party to, once it expired or its maximum is used. */
  settleAgreement(agreementId: string) {
    return this.#client.call('settleAgreement', this.actions.agreementSettle(agreementId), this.#writeOptions());
  }

  getAgreement(agreementId: string) {
    return this.#client.call('getAgreement', { agreementId });
  }

  listUsage(agreementId: string, bookmark?: string) {
    return this.#client.call('listUsage', bookmark === undefined ? { agreementId } : { agreementId, bookmark });
  }

  async #offChain(record: SealedConfig): Promise<SealedConfigEnvelope> {
    if (record.uri === undefined) throw new SealError('MALFORMED_ENVELOPE', 'the ledger holds neither the envelope nor its uri');
    const bytes = await this.#download(record.uri, Math.min(record.envelopeBytes, SEALED_CONFIG_MAX_BYTES));
    if (bytes.length !== record.envelopeBytes || sha256Hex(bytes) !== record.envelopeSha256) {
      throw new SealError(
        'HASH_MISMATCH',
        `the envelope at ${record.uri} is not the one the ledger names (sha256 ${record.envelopeSha256})`,
      );
    }
    try {
      return parseWith(OffChainSealedConfigEnvelope, JSON.parse(bytes.toString('utf8')), 'envelope') as SealedConfigEnvelope;
    } catch {
      throw new SealError('MALFORMED_ENVELOPE', `the envelope at ${record.uri} is not a sealed configuration`);
    }
  }

  #writeOptions() {
    return this.#retries === undefined ? {} : { retries: this.#retries };
  }
}

/** GET `uri`, refusing more than `maxBytes`. */
async function download(uri: string, maxBytes: number): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(uri, { redirect: 'error', signal: AbortSignal.timeout(60_000) });
  } catch (err) {
    throw new SealError('DOWNLOAD_FAILED', `could not download ${uri}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!response.ok) throw new SealError('DOWNLOAD_FAILED', `${uri} answered ${response.status}`);
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes)
    throw new SealError('DOWNLOAD_FAILED', `${uri} is ${declared} bytes, more than the ${maxBytes} the ledger names`);
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length > maxBytes) throw new SealError('DOWNLOAD_FAILED', `${uri} sent more than the ${maxBytes} bytes the ledger names`);
  return bytes;
}
