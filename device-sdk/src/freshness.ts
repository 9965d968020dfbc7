/**
 * Freshness a device checks itself (TUF's timestamp role, for a consortium): the answer to "what
 * should I run?" is believed only from a RefreshFamilyStatus transaction in a block that a BFT
 * quorum of the consenters the device was provisioned with signed, and only while that
 * transaction's timestamp is younger than the device's expiry. A gateway can withhold answers,
 * not forge them, nor keep a device on an old one past the expiry.
 */
import { common, peer } from '@hyperledger/fabric-protos';
import { FamilyStatus, ID_PATTERN, OPERATIONS, rolloutWave, type StatusRollout, type TransactionProof } from '@iotreg/common';
import { type ProofTrust, verifyProof } from './audit/verify-proof';

/** The chaincode function whose answer is a family status worth believing (an evaluate submitted as a write is not). */
export const FRESHNESS_TRANSACTION = OPERATIONS.refreshFamilyStatus.tx;
/** The chaincode the registry runs as. */
export const REGISTRY_CHAINCODE = 'device-registry';

export interface FreshnessPolicy {
  /** The consenters the device trusts (pinned certificates, or a pinned config block). */
  trust: ProofTrust;
  /** The oldest status the device accepts, in ms since its transaction's timestamp. */
  maxAgeMs: number;
  /** How far in the future a timestamp may be (clock skew), default 5 minutes. */
  maxFutureMs?: number;
  now?: () => number;
  /** The chaincode name (default device-registry). */
  chaincode?: string;
}

export type FreshnessErrorCode = 'BAD_PROOF' | 'NOT_A_REFRESH' | 'WRONG_FAMILY' | 'STALE';

export class FreshnessError extends Error {
  constructor(
    readonly code: FreshnessErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FreshnessError';
  }
}

/** A status the device may act on, with where it was proven. */
export interface VerifiedStatus {
  status: FamilyStatus;
  txId: string;
  blockNumber: number;
  ageMs: number;
}

/**
 * Checks an answer of GET /v1/families/{family}/freshness (`{status, proof}`, but only `proof`
 * is read): the block and its signatures, that the transaction is a RefreshFamilyStatus of this
 * family by the registry's chaincode, and its age. Throws FreshnessError otherwise.
 */
export function verifyFreshness(answer: { proof: TransactionProof }, family: string, policy: FreshnessPolicy): VerifiedStatus {
  const verification = verifyProof(answer.proof, policy.trust);
  if (!verification.valid) {
    const failed = verification.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    throw new FreshnessError('BAD_PROOF', `the proof does not hold: ${failed.join('; ')}`);
  }
  const tx = readTransaction(answer.proof);
  const chaincode = policy.chaincode ?? REGISTRY_CHAINCODE;
  if (tx.chaincode !== chaincode || tx.fn !== FRESHNESS_TRANSACTION) {
    throw new FreshnessError(
      'NOT_A_REFRESH',
      `transaction ${answer.proof.txId} is ${tx.chaincode} ${tx.fn}, not ${chaincode} ${FRESHNESS_TRANSACTION}`,
    );
  }
  const parsed = FamilyStatus.safeParse(JSON.parse(tx.result));
  if (!parsed.success) throw new FreshnessError('NOT_A_REFRESH', `transaction ${answer.proof.txId} does not answer a family status`);
  const status = parsed.data;
  if (status.family !== family) throw new FreshnessError('WRONG_FAMILY', `the status is of family ${status.family}, not ${family}`);
  // The status's time is its transaction's timestamp, which the endorsers and orderers signed.
  if (Date.parse(status.refreshedAt) !== tx.timestampMs) {
    throw new FreshnessError('NOT_A_REFRESH', `the status's time ${status.refreshedAt} is not its transaction's`);
  }
  const ageMs = (policy.now ?? Date.now)() - tx.timestampMs;
  if (ageMs > policy.maxAgeMs) {
    throw new FreshnessError(
      'STALE',
      `the status is ${Math.round(ageMs / 1000)} s old, older than the ${Math.round(policy.maxAgeMs / 1000)} s this device accepts`,
    );
  }
  if (-ageMs > (policy.maxFutureMs ?? 300_000))
    throw new FreshnessError('STALE', `the status is dated ${Math.round(-ageMs / 1000)} s in the future`);
  return { status, txId: answer.proof.txId, blockNumber: answer.proof.blockNumber, ageMs };
}

/** What the device should run by a verified status. */
export interface RunTarget {
  version: string;
  sha256: string;
  uri: string;
  /** The rollout that gives this target, with the device's wave in it; absent when it is the newest trusted release. */
  rolloutId?: string;
  wave?: number;
  rollback?: boolean;
  /** The family's minimum version at the status's time. */
  minVersion?: string;
}

export interface DeviceFacts {
  deviceId: string;
  ownerMsp: string;
  attributes?: Record<string, string>;
  /** When the device was registered (ISO 8601): devices registered after a rollout are not in it. */
  registeredAt?: string;
}

/**
 * The device's target: the newest-created running rollout whose open waves hold the device
 * (recomputed from its ID), whose target it matches and whose org is not waiting to consent;
 * otherwise undefined (keep what it runs, if at least minVersion).
 */
export function runTarget(status: FamilyStatus, device: DeviceFacts): RunTarget | undefined {
  if (!ID_PATTERN.test(device.deviceId)) throw new RangeError('deviceId is not a device ID');
  const minVersion = status.minVersion === undefined ? {} : { minVersion: status.minVersion };
  const reaching = (rollout: StatusRollout): number | undefined => {
    if (rollout.status !== 'active' || rollout.waitingOrgs.includes(device.ownerMsp)) return undefined;
    if (rollout.target.owners && !rollout.target.owners.includes(device.ownerMsp)) return undefined;
    const attributes = Object.entries(rollout.target.attributes ?? {});
    if (!attributes.every(([name, value]) => device.attributes?.[name] === value)) return undefined;
    if (device.registeredAt !== undefined && device.registeredAt > rollout.createdAt) return undefined;
    const wave = rolloutWave(rollout.rolloutId, device.deviceId, rollout.percents);
    return wave !== undefined && wave < rollout.openWaves ? wave : undefined;
  };
  for (const rollout of [...status.rollouts].reverse()) {
    const wave = reaching(rollout);
    if (wave === undefined) continue;
    const { version, sha256, uri, rolloutId, rollback } = rollout;
    return { version, sha256, uri, rolloutId, wave, rollback, ...minVersion };
  }
  return undefined;
}

/** The chaincode, function and endorsed answer of the proof's transaction, and its timestamp. */
function readTransaction(proof: TransactionProof): { chaincode: string; fn: string; result: string; timestampMs: number } {
  try {
    const block = common.Block.deserializeBinary(Buffer.from(proof.block, 'base64'));
    const envelope = common.Envelope.deserializeBinary(block.getData()!.getDataList_asU8()[proof.envelopeIndex]!);
    const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const channelHeader = common.ChannelHeader.deserializeBinary(payload.getHeader()!.getChannelHeader_asU8());
    const ts = channelHeader.getTimestamp()!;
    const action = peer.Transaction.deserializeBinary(payload.getData_asU8()).getActionsList()[0]!;
    const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
    const proposal = peer.ChaincodeProposalPayload.deserializeBinary(actionPayload.getChaincodeProposalPayload_asU8());
    const spec = peer.ChaincodeInvocationSpec.deserializeBinary(proposal.getInput_asU8()).getChaincodeSpec()!;
    const fn = Buffer.from(spec.getInput()!.getArgsList_asU8()[0] ?? new Uint8Array()).toString('utf8');
    const endorsed = peer.ProposalResponsePayload.deserializeBinary(actionPayload.getAction()!.getProposalResponsePayload_asU8());
    const chaincodeAction = peer.ChaincodeAction.deserializeBinary(endorsed.getExtension_asU8());
    const result = Buffer.from(chaincodeAction.getResponse()!.getPayload_asU8()).toString('utf8');
    const chaincode = chaincodeAction.getChaincodeId()?.getName() ?? spec.getChaincodeId()?.getName() ?? '';
    return { chaincode, fn, result, timestampMs: ts.getSeconds() * 1000 + Math.floor(ts.getNanos() / 1e6) };
  } catch (err) {
    if (err instanceof FreshnessError) throw err;
    throw new FreshnessError('NOT_A_REFRESH', `transaction ${proof.txId} does not decode as a chaincode invocation`);
  }
}
