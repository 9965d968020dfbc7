/**
 * Reading a transaction's one argument: JSON text parsed into a plain object, then each field
 * checked against the contract's formats. Every refusal is INVALID_ARGUMENT with the field's name.
 */
import {
  BOOKMARK_PATTERN,
  CONTROL_CHARACTER,
  ID_PATTERN,
  PAGE_SIZE_DEFAULT,
  PAGE_SIZE_MAX,
  RegistryError,
  REQUEST_MAX_BYTES,
  SEQ_MIN,
  SHA256_PATTERN,
  SIGNATURE_MAX,
  TEXT_MAX,
  URI_MAX,
  URI_PATTERN,
  VERSION_PATTERN,
} from '@iotreg/common';
import type { PageRequest } from './ledger/store';

export type Fields = Record<string, unknown>;

const invalid = (message: string) => new RegistryError('INVALID_ARGUMENT', message);

export function parseRequest(text: string): Fields {
  if (typeof text !== 'string' || Buffer.byteLength(text) > REQUEST_MAX_BYTES) {
    throw invalid(`the request must be JSON text of at most ${REQUEST_MAX_BYTES / 1024} KiB`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid('the request is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('the request must be a JSON object');
  return value as Fields;
}

export function text(fields: Fields, name: string, max = TEXT_MAX): string {
  const value = fields[name];
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw invalid(`${name} must be a non-empty string of at most ${max} characters`);
  }
  if (CONTROL_CHARACTER.test(value)) throw invalid(`${name} must not contain control characters`);
  return value;
}

/**
 * Refuses fields the transaction does not know, as the gateway does: a misspelt optional field
 * must not be ignored in silence.
 */
export function only(fields: Fields, ...names: string[]): Fields {
  const unknown = Object.keys(fields).filter((name) => !names.includes(name));
  if (unknown.length > 0) throw invalid(`unknown field ${JSON.stringify(unknown[0])}; the request takes ${names.join(', ')}`);
  return fields;
}

/** A device-signed request: { payload, signature }, the payload holding only its action's fields. */
export function signedRequest(fields: Fields, ...payloadFields: string[]): Fields {
  only(fields, 'payload', 'signature');
  return only(object(fields, 'payload'), 'action', 'deviceId', 'seq', ...payloadFields);
}

/** A signature's form: 1 to SIGNATURE_MAX characters. Whether it verifies is BAD_SIGNATURE's business. */
export function signature(fields: Fields, name: string): string {
  const value = fields[name];
  if (typeof value !== 'string' || value.length === 0 || value.length > SIGNATURE_MAX) {
    throw invalid(`${name} must be a signature of 1 to ${SIGNATURE_MAX} characters`);
  }
  return value;
}

/** An absolute URI; `pattern` narrows it (an endpoint's http(s) URL). */
export function uri(fields: Fields, name: string, pattern = URI_PATTERN): string {
  const value = fields[name];
  if (typeof value !== 'string' || value.length > URI_MAX || !URI_PATTERN.test(value) || !pattern.test(value)) {
    throw invalid(`${name} must be an absolute ${pattern === URI_PATTERN ? 'URI' : 'http(s) URL'} of at most ${URI_MAX} characters`);
  }
  return value;
}

export function seq(fields: Fields, name: string): number {
  return integer(fields, name, SEQ_MIN);
}

export function optionalText(fields: Fields, name: string, max = TEXT_MAX): string | undefined {
  return fields[name] === undefined ? undefined : text(fields, name, max);
}

export function id(fields: Fields, name: string): string {
  const value = fields[name];
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw invalid(`${name} must match ${ID_PATTERN.source}`);
  }
  return value;
}

export function sha256(fields: Fields, name: string): string {
  const value = fields[name];
  if (typeof value !== 'string' || !SHA256_PATTERN.test(value)) throw invalid(`${name} must be 64 lowercase hex characters`);
  return value;
}

export function version(fields: Fields, name: string): string {
  const value = fields[name];
  if (typeof value !== 'string' || !VERSION_PATTERN.test(value)) throw invalid(`${name} must be MAJOR.MINOR.PATCH`);
  return value;
}

export function integer(fields: Fields, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = fields[name];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function oneOf<T extends string>(fields: Fields, name: string, allowed: readonly T[]): T {
  const value = fields[name];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(`${name} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** An ISO 8601 time, normalised to the form the ledger writes, so string order is time order. */
export function time(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined) return undefined;
  const millis = typeof value === 'string' ? Date.parse(value) : NaN;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(String(value)) || Number.isNaN(millis)) throw invalid(`${name} must be an ISO 8601 time`);
  return new Date(millis).toISOString();
}

export function object(fields: Fields, name: string): Fields {
  const value = fields[name];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${name} must be a JSON object`);
  return value as Fields;
}

export function page(fields: Fields): PageRequest {
  const pageSize = fields.pageSize === undefined ? PAGE_SIZE_DEFAULT : integer(fields, 'pageSize', 1, PAGE_SIZE_MAX);
  const bookmark = fields.bookmark ?? '';
  if (typeof bookmark !== 'string' || !BOOKMARK_PATTERN.test(bookmark)) throw invalid('bookmark is not one this registry gave');
  return { pageSize, bookmark };
}
