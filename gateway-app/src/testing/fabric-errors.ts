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

/** A peer's part of a failure: its message, from Org1MSP's peer unless another org is named. */
export type PeerDetail = string | { mspId: string; message: string };

function properties(code: number, text: string, details: PeerDetail[]) {
  const cause = serviceError(code, text);
  return {
    code,
    message: cause.message,
    cause,
    details: details.map((detail) => {
      const { mspId, message } = typeof detail === 'string' ? { mspId: 'Org1MSP', message: detail } : detail;
      return { address: `peer0.${mspId.replace('MSP', '').toLowerCase()}:7051`, mspId, message };
    }),
  };
}

/** An evaluate failure. */
export function gatewayError(code: number, text: string, details: PeerDetail[] = []): GatewayError {
  return new GatewayError(properties(code, text, details));
}

export function endorseError(code: number, text: string, details: PeerDetail[] = [], transactionId = 'tx'): EndorseError {
  return new EndorseError({ ...properties(code, text, details), transactionId });
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
