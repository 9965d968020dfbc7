/**
 * fabric-gateway's own error classes, built as the package builds them, so the classification is
 * tested the way it meets them. SubmitError, exported as a type only, comes from its module.
 */
import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { CommitError, CommitStatusError, EndorseError, GatewayError, StatusCode } from '@hyperledger/fabric-gateway';
import { SubmitError } from '@hyperledger/fabric-gateway/dist/submiterror';

function serviceError(code: number, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${status[code] ?? 'CODE'}: ${details}`), {
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

export function submitError(code: number, text: string, transactionId = 'tx'): SubmitError {
  return new SubmitError({ ...properties(code, text, []), transactionId });
}

export function commitStatusError(code: number, text: string, transactionId = 'tx'): CommitStatusError {
  return new CommitStatusError({ ...properties(code, text, []), transactionId });
}

export function commitError(validationCode: (typeof StatusCode)[keyof typeof StatusCode], transactionId = 'tx'): CommitError {
  return new CommitError({
    code: validationCode,
    transactionId,
    message: `Transaction ${transactionId} failed to commit with status code ${validationCode}`,
  });
}

/** What the peer gateway sends when the chaincode refused: gRPC UNKNOWN, detail "chaincode response 500, CODE: text". */
export function chaincodeRefusal(wire: string): GatewayError {
  return gatewayError(2, `evaluate call to endorser returned error: chaincode response 500, ${wire}`, [`chaincode response 500, ${wire}`]);
}
