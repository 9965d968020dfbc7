/**
 * Error codes shared by chaincode and gateway. Only a chaincode error's message string crosses
 * the wire, so the chaincode writes "CODE: text" and the gateway maps CODE to HTTP without
 * reading the text.
 */
export const ERROR_STATUS = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  ALREADY_REVOKED: 409,
  DUPLICATE_VOTE: 409,
  STATE_CONFLICT: 409,
  IDEMPOTENCY_CONFLICT: 409,
  /** The transaction's timestamp is earlier than the last change of the record it changes. */
  TIMESTAMP_BEFORE_LAST_CHANGE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BAD_SIGNATURE: 422,
  REPLAYED_SEQ: 422,
  VERSION_NOT_NEWER: 422,
  KEY_NOT_VALID: 422,
  RULE_VIOLATION: 422,
  /** A device names a family no vendor registered: the request is well-formed, the reference is not. */
  UNKNOWN_FAMILY: 422,
  /** The device's family requires compliant firmware to take part, and the device's is not (see quarantine.ts). */
  QUARANTINED: 422,
  /** The device's sealed configuration is sealed to a key it no longer holds: the owner must seal it again. */
  RESEAL_REQUIRED: 409,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  LEDGER_UNAVAILABLE: 503,
  OUTCOME_UNKNOWN: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function isErrorCode(value: string): value is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_STATUS, value);
}

/** A domain error: what went wrong, by code. Never carries an HTTP status itself. */
export class RegistryError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'RegistryError';
  }

  /** The form that crosses the chaincode boundary. */
  toWire(): string {
    return `${this.code}: ${this.message}`;
  }
}

/**
 * The one answer to a device-signed request whose signer is not the current key of an active
 * registered device: the gateway and the chaincode give it alike, so a caller without the
 * device's key learns nothing of whether the device exists or of its status.
 */
export function deviceSignatureRefused(): RegistryError {
  return new RegistryError(
    'UNAUTHENTICATED',
    'the payload is not signed by the current key of an active registered device (unknown device, inactive device and bad signature are not told apart)',
  );
}

const WIRE_PATTERN = /\b([A-Z][A-Z_]+): (.*)$/s;

/**
 * Finds "CODE: text" inside an error message that a peer or the gateway SDK may have wrapped
 * ("chaincode response 500, CODE: text").
 */
export function parseWireError(message: string): RegistryError | undefined {
  const match = WIRE_PATTERN.exec(message);
  if (!match) return undefined;
  const [, code, text] = match;
  if (code === undefined || text === undefined || !isErrorCode(code)) return undefined;
  return new RegistryError(code, text);
}
