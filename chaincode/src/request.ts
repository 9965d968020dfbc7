/**
 * Reading a transaction's one argument: JSON text of bounded size, parsed with its operation's
 * request schema from the catalogue (the gateway parses with the same schema, so both refuse the
 * same values in the same words). What stays here is what a schema does not say.
 */
import {
  OPERATIONS,
  type OperationName,
  PAGE_SIZE_DEFAULT,
  type ParsedRequestOf,
  parseWith,
  RegistryError,
  REQUEST_MAX_BYTES,
} from '@iotreg/common';
import type { PageRequest } from './ledger/store';

export function readRequest<N extends OperationName>(operation: N, text: string): ParsedRequestOf<N> {
  if (typeof text !== 'string' || Buffer.byteLength(text) > REQUEST_MAX_BYTES) {
    throw new RegistryError('INVALID_ARGUMENT', `the request must be JSON text of at most ${REQUEST_MAX_BYTES / 1024} KiB`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RegistryError('INVALID_ARGUMENT', 'the request is not valid JSON');
  }
  return parseWith(OPERATIONS[operation].request, value) as ParsedRequestOf<N>;
}

/** The page the store reads: the default size when none is asked, and "" for the first page. */
export function pageRequest(request: { pageSize?: number | undefined; bookmark?: string | undefined }): PageRequest {
  return { pageSize: request.pageSize ?? PAGE_SIZE_DEFAULT, bookmark: request.bookmark ?? '' };
}
