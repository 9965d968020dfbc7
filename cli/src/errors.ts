import type { RefusedItem } from '@iotreg/common';

/**
 * Every failure the CLI reports: a code (the contract's error code when the gateway answered
 * one) and a message for a person.
 */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    readonly code: string,
    message: string,
    /** HTTP status of the gateway's answer; undefined for failures the CLI found itself. */
    readonly status?: number,
    /** A refused batch's items, as the gateway listed them. */
    readonly items?: RefusedItem[],
  ) {
    super(message);
  }

  /** Worth another try with the same Idempotency-Key: 503, 429, or no answer at all. */
  get retryable(): boolean {
    return this.status === 503 || this.status === 429 || this.code === 'GATEWAY_UNREACHABLE';
  }
}

/** Bad input found before anything was sent. */
export function invalidArgument(message: string): CliError {
  return new CliError('INVALID_ARGUMENT', message);
}
