/**
 * Errors shaped exactly like fabric-gateway's: the exported classes where the package exports
 * them at run time, plain objects with the right `name` where it exports only a type
 * (SubmitError), so the classification is tested the way it meets them.
 */
import { Metadata, ServiceError } from '@grpc/grpc-js';
import { CommitError, CommitStatusError, EndorseError, GatewayError } from '@hyperledger/fabric-gateway';

export const STATUS_NAMES: Record<number, string> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  7: 'PERMISSION_DENIED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
};

function serviceError(code: number, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${STATUS_NAMES[code] ?? 'CODE'}: ${details}`), {
    code,
    details,
    metadata: new Metadata(),
  });
}

function properties(code: number, text: string, detailMessages: string[]) {
  const cause = serviceError(code, text);
  return {
    code,
    message: cause.message,
    cause,
    details: detailMessages.map((message) => ({ address: 'peer0.org1:7051', mspId: 'Org1MSP', message })),
  };
}

/** An evaluate failure. */
export function gatewayError(code: number, text: string, detailMessages: string[] = []): GatewayError {
  return new GatewayError(properties(code, text, detailMessages));
}

export function endorseError(code: number, text: string, detailMessages: string[] = [], transactionId = 'tx'): EndorseError {
  return new EndorseError({ ...properties(code, text, detailMessages), transactionId });
}

/** fabric-gateway exports SubmitError as a type only: what arrives is an Error named "SubmitError". */
export function submitError(code: number, text: string, transactionId = 'tx'): Error {
  const props = properties(code, text, []);
  const err = new Error(props.message);
  err.name = 'SubmitError';
  return Object.assign(err, { code, details: props.details, cause: props.cause, transactionId });
}

export function commitStatusError(code: number, text: string, transactionId = 'tx'): CommitStatusError {
  return new CommitStatusError({ ...properties(code, text, []), transactionId });
}

export function commitError(validationCode: number, transactionId = 'tx'): CommitError {
  return new CommitError({
    code: validationCode as ConstructorParameters<typeof CommitError>[0]['code'],
    transactionId,
    message: `Transaction ${transactionId} failed to commit with status code ${validationCode}`,
  });
}

/** What the peer gateway sends when the chaincode refused: gRPC UNKNOWN, detail "chaincode response 500, CODE: text". */
export function chaincodeRefusal(wire: string): GatewayError {
  return gatewayError(2, `evaluate call to endorser returned error: chaincode response 500, ${wire}`, [`chaincode response 500, ${wire}`]);
}
