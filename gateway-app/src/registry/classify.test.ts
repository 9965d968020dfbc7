import { RegistryError } from '@iotreg/common';
import { chaincodeRefusal, commitError, commitStatusError, endorseError, gatewayError, submitError } from '../testing/fabric-errors';
import { chaincodeErrorOf, classifyFabricError, GrpcCode, isChaincodeRefusal, isGatewayError, ValidationCode } from './classify';

describe('chaincode error codes win', () => {
  test('evaluate: "CODE: text" from the peer detail', () => {
    const fault = classifyFabricError(chaincodeRefusal('NOT_FOUND: no device sensor-1'));
    expect(fault).toEqual({ kind: 'chaincode', error: expect.any(RegistryError) });
    expect(fault.kind === 'chaincode' && [fault.error.code, fault.error.message]).toEqual(['NOT_FOUND', 'no device sensor-1']);
  });

  test('endorse: the code in details[].message, whatever the gRPC status says', () => {
    const err = endorseError(GrpcCode.ABORTED, 'failed to endorse transaction, see attached details for more info', [
      'chaincode response 500, ALREADY_REVOKED: device d-1 is revoked',
    ]);
    const fault = classifyFabricError(err);
    expect(fault.kind === 'chaincode' && fault.error.code).toBe('ALREADY_REVOKED');
  });

  test('endorse: a code only in the message (no details)', () => {
    const err = endorseError(GrpcCode.UNKNOWN, 'chaincode response 500, BAD_SIGNATURE: proof does not verify');
    const fault = classifyFabricError(err);
    expect(fault.kind === 'chaincode' && fault.error.code).toBe('BAD_SIGNATURE');
  });

  test("the gRPC status name in the message is not taken for the chaincode's code", () => {
    // "3 INVALID_ARGUMENT: ..." is grpc-js formatting of a gateway refusal, not the chaincode speaking.
    const err = gatewayError(GrpcCode.INVALID_ARGUMENT, 'failed to unpack transaction proposal');
    expect(chaincodeErrorOf(err)).toBeUndefined();
    expect(classifyFabricError(err)).toEqual({ kind: 'definite', code: 'INTERNAL', grpcCode: GrpcCode.INVALID_ARGUMENT });
  });

  test('a message with an unknown code word is not a chaincode code', () => {
    expect(classifyFabricError(chaincodeRefusal('SOMETHING_ELSE: x'))).toEqual({
      kind: 'definite',
      code: 'INTERNAL',
      grpcCode: GrpcCode.UNKNOWN,
    });
  });

  test('a peer that cannot reach its chaincode server is an outage, not a fault of the request', () => {
    const err = gatewayError(GrpcCode.ABORTED, 'failed to evaluate transaction, see attached details for more info', [
      'error in simulation: could not launch chaincode device_registry_1.0_org1:83c4: connection failed',
    ]);
    expect(classifyFabricError(err)).toEqual({ kind: 'definite', code: 'LEDGER_UNAVAILABLE', grpcCode: GrpcCode.ABORTED });
  });

  test('a RegistryError is passed through', () => {
    const err = new RegistryError('VERSION_NOT_NEWER', 'x');
    expect(classifyFabricError(err)).toEqual({ kind: 'chaincode', error: err });
  });
});

describe('evaluate and endorse failures without a chaincode code are definite', () => {
  test.each([
    [GrpcCode.UNAVAILABLE, 'LEDGER_UNAVAILABLE'],
    [GrpcCode.DEADLINE_EXCEEDED, 'LEDGER_UNAVAILABLE'],
    [GrpcCode.RESOURCE_EXHAUSTED, 'LEDGER_UNAVAILABLE'],
    [GrpcCode.CANCELLED, 'LEDGER_UNAVAILABLE'],
    [GrpcCode.FAILED_PRECONDITION, 'LEDGER_UNAVAILABLE'],
    [GrpcCode.PERMISSION_DENIED, 'FORBIDDEN'],
    [GrpcCode.ABORTED, 'INTERNAL'],
    [GrpcCode.UNKNOWN, 'INTERNAL'],
    [GrpcCode.INTERNAL, 'INTERNAL'],
  ])('gRPC %i → %s (evaluate and endorse alike)', (code, expected) => {
    expect(classifyFabricError(gatewayError(code, 'no'))).toEqual({ kind: 'definite', code: expected, grpcCode: code });
    expect(classifyFabricError(endorseError(code, 'no'))).toEqual({ kind: 'definite', code: expected, grpcCode: code });
  });
});

describe('after the transaction went to the orderers', () => {
  test.each([GrpcCode.UNAVAILABLE, GrpcCode.DEADLINE_EXCEEDED, GrpcCode.CANCELLED, GrpcCode.UNKNOWN, GrpcCode.INTERNAL])(
    'SubmitError with gRPC %i: outcome unknown',
    (code) => {
      expect(classifyFabricError(submitError(code, 'x'))).toEqual({ kind: 'unknown-outcome', grpcCode: code });
    },
  );

  test('the BFT quorum failure is UNAVAILABLE: outcome unknown (it may still commit)', () => {
    const err = submitError(
      GrpcCode.UNAVAILABLE,
      'insufficient number of orderers could successfully process transaction to satisfy quorum requirement',
    );
    expect(classifyFabricError(err).kind).toBe('unknown-outcome');
  });

  test.each([GrpcCode.INVALID_ARGUMENT, GrpcCode.FAILED_PRECONDITION, GrpcCode.ABORTED])(
    'SubmitError with gRPC %i: refused outright, definite',
    (code) => {
      expect(classifyFabricError(submitError(code, 'x'))).toEqual({ kind: 'definite', code: 'INTERNAL', grpcCode: code });
    },
  );

  test('a submit refused for permissions is FORBIDDEN', () => {
    expect(classifyFabricError(submitError(GrpcCode.PERMISSION_DENIED, 'x'))).toMatchObject({ kind: 'definite', code: 'FORBIDDEN' });
  });

  test('a submit failure never reads chaincode codes (the chaincode does not run there)', () => {
    const err = submitError(GrpcCode.ABORTED, 'received unsuccessful response from orderer: NOT_FOUND: x');
    expect(classifyFabricError(err)).toMatchObject({ kind: 'definite', code: 'INTERNAL' });
  });

  test.each([GrpcCode.DEADLINE_EXCEEDED, GrpcCode.UNAVAILABLE, GrpcCode.ABORTED])(
    'CommitStatusError with gRPC %i: outcome unknown',
    (code) => {
      expect(classifyFabricError(commitStatusError(code, 'x'))).toEqual({ kind: 'unknown-outcome', grpcCode: code });
    },
  );

  test('CommitError: MVCC and phantom read conflicts are retryable, other codes are not', () => {
    expect(classifyFabricError(commitError(ValidationCode.MVCC_READ_CONFLICT))).toEqual({
      kind: 'invalid-commit',
      validationCode: 11,
      retryable: true,
    });
    expect(classifyFabricError(commitError(ValidationCode.PHANTOM_READ_CONFLICT))).toEqual({
      kind: 'invalid-commit',
      validationCode: 12,
      retryable: true,
    });
    expect(classifyFabricError(commitError(ValidationCode.ENDORSEMENT_POLICY_FAILURE))).toEqual({
      kind: 'invalid-commit',
      validationCode: 10,
      retryable: false,
    });
  });
});

describe('other failures', () => {
  test.each([new Error('boom'), 'text', undefined, null, { code: 'ECONNRESET' }])('%p → INTERNAL', (err) => {
    expect(classifyFabricError(err)).toMatchObject({ kind: 'definite', code: 'INTERNAL' });
  });

  test("isGatewayError: fabric-gateway's error classes, SubmitError included, not look-alikes", () => {
    expect(isGatewayError(submitError(14, 'x'))).toBe(true);
    expect(isGatewayError(gatewayError(14, 'x'))).toBe(true);
    expect(isGatewayError(Object.assign(new Error('x'), { name: 'SubmitError' }))).toBe(false);
    expect(isGatewayError(new Error('x'))).toBe(false);
  });

  test('isChaincodeRefusal: the peer answered with an error response (not unreachable)', () => {
    expect(isChaincodeRefusal(chaincodeRefusal('no such transaction'))).toBe(true);
    expect(isChaincodeRefusal(gatewayError(GrpcCode.ABORTED, 'failed to evaluate'))).toBe(true);
    expect(isChaincodeRefusal(gatewayError(GrpcCode.UNAVAILABLE, 'down'))).toBe(false);
    expect(isChaincodeRefusal(new Error('x'))).toBe(false);
  });
});
