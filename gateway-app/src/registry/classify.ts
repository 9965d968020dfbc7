/**
 * What a fabric-gateway failure means for the caller. Decided by the error's class (fabric-gateway
 * exports its error classes as values, except SubmitError, a GatewayError told apart by its
 * `name`), its gRPC status `code`, and a chaincode error code found with parseWireError. Message text is otherwise interpreted once: the peer's fixed phrase for a
 * chaincode server it cannot reach, which is an outage, not a fault of the request.
 *
 * | stage (error name)                 | condition                                              | fault                                |
 * |------------------------------------|--------------------------------------------------------|--------------------------------------|
 * | any                                | RegistryError                                          | chaincode (as is)                    |
 * | GatewayError / EndorseError        | "CODE: text" in details[].message or the message       | chaincode: CODE                      |
 * | CommitError                        | validation code MVCC_READ_CONFLICT / PHANTOM_READ_...  | invalid-commit, retryable            |
 * | CommitError                        | any other validation code                              | invalid-commit, not retryable        |
 * | SubmitError                        | INVALID_ARGUMENT, FAILED_PRECONDITION, PERMISSION_DENIED, ABORTED: refused before or by the orderers | definite (nothing was ordered) |
 * | SubmitError                        | anything else (UNAVAILABLE incl. BFT quorum, DEADLINE_EXCEEDED, CANCELLED, ...) | unknown-outcome |
 * | CommitStatusError                  | any code                                               | unknown-outcome                      |
 * | GatewayError / EndorseError        | UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, CANCELLED, FAILED_PRECONDITION | definite LEDGER_UNAVAILABLE |
 * | GatewayError / EndorseError        | PERMISSION_DENIED                                      | definite FORBIDDEN                   |
 * | GatewayError / EndorseError        | a peer reports "could not launch chaincode"            | definite LEDGER_UNAVAILABLE          |
 * | GatewayError / EndorseError        | other codes (UNKNOWN, ABORTED, INTERNAL, ...) without a chaincode code | definite INTERNAL     |
 * | anything else                      |                                                        | definite INTERNAL                    |
 *
 * Endorsement and evaluation failures are definite: nothing was sent to the orderers, so
 * nothing can commit. One kind is worth endorsing again (refusedOnlyByOtherOrgs): this org's peer
 * endorsed, and only other orgs' peers refused or answered differently, as a peer does that lacks
 * a block this org's peer has. After a transaction has been handed to the orderers, only its
 * commit status can tell what happened (a BFT quorum error can still commit).
 */
import { status } from '@grpc/grpc-js';
import { CommitError, CommitStatusError, GatewayError, StatusCode } from '@hyperledger/fabric-gateway';
import { ErrorCode, parseWireError, RegistryError } from '@iotreg/common';

/** gRPC status codes, as @grpc/grpc-js names them. */
export const GrpcCode = status;

/** Fabric transaction validation codes (peer.TxValidationCode), as fabric-gateway exports them. */
export const ValidationCode = StatusCode;

export type FabricFault =
  /** The chaincode refused, with a code of ours. */
  | { kind: 'chaincode'; error: RegistryError }
  /** Nothing was written (or the read failed): answer with this code. */
  | { kind: 'definite'; code: ErrorCode; grpcCode?: number }
  /** The transaction reached the orderers, or may have: look its outcome up by ID. */
  | { kind: 'unknown-outcome'; grpcCode?: number }
  /** Committed with a validation code other than VALID: nothing was written. */
  | { kind: 'invalid-commit'; validationCode: number; retryable: boolean };

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  details?: unknown;
  cause?: unknown;
}

function asErrorLike(err: unknown): ErrorLike | undefined {
  return typeof err === 'object' && err !== null ? (err as ErrorLike) : undefined;
}

/** True for fabric-gateway's GatewayError and its subclasses (EndorseError, SubmitError, CommitStatusError). */
export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}

/** SubmitError is exported as a type only; it is the GatewayError that names itself so. */
function isSubmitError(err: unknown): boolean {
  return isGatewayError(err) && err.name === 'SubmitError';
}

/** grpc-js prefixes a status message with "<code> <NAME>: "; that prefix is not the chaincode's. */
const GRPC_PREFIX = /^\d+ [A-Z_]+: /;

/**
 * A chaincode error code carried by an evaluate or endorse failure: the peers' messages in
 * `details[].message` first ("chaincode response 500, CODE: text"), then the gRPC status text.
 */
export function chaincodeErrorOf(err: unknown): RegistryError | undefined {
  const e = asErrorLike(err);
  if (!e) return undefined;
  const texts = peerMessages(e);
  const causeDetails = asErrorLike(e.cause)?.details;
  if (typeof causeDetails === 'string') texts.push(causeDetails);
  if (typeof e.message === 'string') texts.push(e.message.replace(GRPC_PREFIX, ''));
  for (const text of texts) {
    const found = parseWireError(text);
    if (found) return found;
  }
  return undefined;
}

const UNREACHABLE_CODES = new Set<number>([
  GrpcCode.UNAVAILABLE,
  GrpcCode.DEADLINE_EXCEEDED,
  GrpcCode.RESOURCE_EXHAUSTED,
  GrpcCode.CANCELLED,
  GrpcCode.FAILED_PRECONDITION,
]);

/** Submit failures that prove the transaction was not ordered: the gateway or an orderer refused it outright. */
const SUBMIT_REFUSED_CODES = new Set<number>([
  GrpcCode.INVALID_ARGUMENT,
  GrpcCode.FAILED_PRECONDITION,
  GrpcCode.PERMISSION_DENIED,
  GrpcCode.ABORTED,
]);

export function classifyFabricError(err: unknown): FabricFault {
  if (err instanceof RegistryError) return { kind: 'chaincode', error: err };
  if (err instanceof CommitError) {
    return { kind: 'invalid-commit', validationCode: err.code, retryable: isRetryableValidationCode(err.code) };
  }
  const e = asErrorLike(err);
  if (!e) return { kind: 'definite', code: 'INTERNAL' };

  const grpcCode = typeof e.code === 'number' ? e.code : undefined;
  if (err instanceof CommitStatusError) return { kind: 'unknown-outcome', grpcCode };
  if (isSubmitError(err)) {
    if (grpcCode !== undefined && SUBMIT_REFUSED_CODES.has(grpcCode)) {
      return { kind: 'definite', code: grpcCode === GrpcCode.PERMISSION_DENIED ? 'FORBIDDEN' : 'INTERNAL', grpcCode };
    }
    return { kind: 'unknown-outcome', grpcCode };
  }

  // Evaluate (GatewayError) or endorse (EndorseError): the chaincode may have answered.
  const chaincodeError = chaincodeErrorOf(err);
  if (chaincodeError) return { kind: 'chaincode', error: chaincodeError };
  if (grpcCode === undefined) return { kind: 'definite', code: 'INTERNAL' };
  if (UNREACHABLE_CODES.has(grpcCode)) return { kind: 'definite', code: 'LEDGER_UNAVAILABLE', grpcCode };
  if (grpcCode === GrpcCode.PERMISSION_DENIED) return { kind: 'definite', code: 'FORBIDDEN', grpcCode };
  if (peerMessages(e).some((text) => text.includes(CHAINCODE_UNREACHABLE))) {
    return { kind: 'definite', code: 'LEDGER_UNAVAILABLE', grpcCode };
  }
  return { kind: 'definite', code: 'INTERNAL', grpcCode };
}

const CHAINCODE_UNREACHABLE = 'could not launch chaincode';
/** The gateway's detail for an endorser whose answer differs from the first endorser's. */
const PAYLOAD_MISMATCH = 'ProposalResponsePayloads do not match';

/**
 * An endorsement failure in which the gateway's own org's peer (always the first endorser) took
 * part without fault: every peer that failed is another org's, and each either refused in the
 * chaincode or answered differently. Chaincode answers differ between peers only by their state,
 * so such a refusal may come from a peer a block or two behind.
 */
export function refusedOnlyByOtherOrgs(err: unknown, ownMsp: string): boolean {
  if (!isGatewayError(err) || err.details.length === 0) return false;
  return err.details.every(
    (detail) => detail.mspId !== ownMsp && (detail.message.includes(PAYLOAD_MISMATCH) || parseWireError(detail.message) !== undefined),
  );
}

function peerMessages(e: ErrorLike): string[] {
  if (!Array.isArray(e.details)) return [];
  return (e.details as unknown[]).map((detail) => asErrorLike(detail)?.message).filter((m): m is string => typeof m === 'string');
}

export function isRetryableValidationCode(code: number): boolean {
  return code === ValidationCode.MVCC_READ_CONFLICT || code === ValidationCode.PHANTOM_READ_CONFLICT;
}

/**
 * An evaluation the peer answered with a chaincode error response (gRPC UNKNOWN, or ABORTED
 * after every peer refused): for a system chaincode query such as qscc GetTransactionByID this
 * means "no such transaction", as opposed to the ledger being unreachable.
 */
export function isChaincodeRefusal(err: unknown): boolean {
  return isGatewayError(err) && (err.code === GrpcCode.UNKNOWN || err.code === GrpcCode.ABORTED);
}
