import { ApiError, type RefusedItem } from '@iotreg/common';

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

  /**
   * The one place a failure becomes what the CLI reports: the gateway's refusals (ApiError) keep
   * their contract code; anything without a code is a bug of ours, INTERNAL.
   */
  static of(err: unknown): CliError {
    if (err instanceof CliError) return err;
    if (err instanceof ApiError) return new CliError(err.code, err.message, err.status === 0 ? undefined : err.status, err.items);
    const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
    // @iotreg/common's RegistryError (bad input found by the device library) carries a contract code too.
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code) && typeof message === 'string') return new CliError(code, message);
    return new CliError('INTERNAL', err instanceof Error ? err.message : String(err));
  }
}

/** Bad input found before anything was sent. */
export function invalidArgument(message: string): CliError {
  return new CliError('INVALID_ARGUMENT', message);
}
