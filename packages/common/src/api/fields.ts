/**
 * The contract's field types as zod schemas, built from the limits in formats.ts. Requests and
 * answers (requests.ts, records.ts) are made of these; `.meta()` carries what the OpenAPI
 * document says of each (zod-to-openapi reads it).
 */
import { z } from 'zod';
import {
  ATTRIBUTE_NAME_PATTERN,
  ATTRIBUTE_VALUE_MAX,
  ATTRIBUTES_MAX,
  BOOKMARK_PATTERN,
  CONTROL_CHARACTER,
  HTTP_URL_PATTERN,
  ID_PATTERN,
  MSP_PATTERN,
  PAGE_SIZE_DEFAULT,
  PAGE_SIZE_MAX,
  PEM_MAX,
  SEQ_MIN,
  SHA256_PATTERN,
  SIGNATURE_MAX,
  TEXT_MAX,
  URI_MAX,
  URI_PATTERN,
  VERSION_PATTERN,
} from '../formats';
import { isHttpsUri } from '../governance';
import { parsePublicKey } from '../keys';
import { RegistryError } from '../errors';

export const Id = z
  .string()
  .regex(ID_PATTERN, { error: 'must be 1 to 128 characters: letters, digits, ".", "_", ":" or "-", starting with a letter or digit' })
  .meta({ example: 'sensor-0001' });

export const Sha256Hex = z
  .string()
  .regex(SHA256_PATTERN, { error: 'must be 64 lowercase hex characters (a SHA-256)' })
  .meta({ example: 'a'.repeat(64) });

export const TxId = z
  .string()
  .regex(/^[0-9a-f]{64}$/, { error: 'must be a Fabric transaction ID (64 lowercase hex characters)' })
  .meta({ description: 'Fabric transaction ID' });

export const Version = z.string().regex(VERSION_PATTERN, { error: 'must be MAJOR.MINOR.PATCH' }).meta({ example: '1.4.2' });

export const Msp = z.string().regex(MSP_PATTERN, { error: 'must be an MSP ID' }).meta({ example: 'Org1MSP' });

export const PublicKeyPem = z
  .string()
  .max(PEM_MAX, { error: `must be at most ${PEM_MAX} characters` })
  .superRefine((pem, ctx) => {
    try {
      parsePublicKey(pem, 'key');
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof RegistryError ? err.message : 'key is not a valid public key' });
    }
  })
  .meta({ description: 'ECDSA P-256 (or Ed25519) public key, PEM SubjectPublicKeyInfo ("BEGIN PUBLIC KEY")' });

/**
 * A base64 signature. Whether it verifies (base64 or not) is the chaincode's verdict, 422 for
 * malformed and forged alike; only its size is bounded here.
 */
export const Signature = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(SIGNATURE_MAX, { error: `must be at most ${SIGNATURE_MAX} characters` })
  .meta({ description: 'base64 DER ECDSA-SHA256 (or Ed25519) signature over the canonical statement' });

export const Uri = z
  .string()
  .max(URI_MAX, { error: `must be at most ${URI_MAX} characters` })
  .regex(URI_PATTERN, { error: 'must be an absolute URI' })
  .meta({ example: 'https://updates.example.com/fw/1.4.2.bin' });

/** Where devices fetch a release: https only, since the vendor's signature covers the digest, not the uri. */
export const FirmwareUri = Uri.refine((value) => isHttpsUri(value), { error: 'must be an https:// URL without credentials' }).meta({
  description: "https only (no credentials in it): the vendor's signature covers the image's sha256, not where it is fetched from",
});

export const HttpUrl = Uri.regex(HTTP_URL_PATTERN, { error: 'must be an http(s) URL' }).meta({ example: 'https://gw1.example.com:8443' });

/** CONTROL_CHARACTER's complement, as the OpenAPI document states it. */
const NO_CONTROL_CHARACTERS = '^[^\\u0000-\\u001f\\u007f]*$';

/** Text of 1 to `max` characters, none of them a control character. */
export const textOf = (max: number) =>
  z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` })
    .refine((value) => !CONTROL_CHARACTER.test(value), { error: 'must not contain control characters' })
    .meta({ pattern: NO_CONTROL_CHARACTERS });

export const Text = textOf(TEXT_MAX);

/** An integer from `min` up to the largest safe integer. */
export const integerFrom = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .number({ error: 'must be an integer' })
    .int({ error: 'must be an integer' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: max === Number.MAX_SAFE_INTEGER ? 'must be a safe integer' : `must be at most ${max}` });

/** A device's own sequence number: higher than any it used before. */
export const Seq = integerFrom(SEQ_MIN);

export const Attributes = z
  .record(z.string().regex(ATTRIBUTE_NAME_PATTERN, { error: 'attribute names must be simple identifiers' }), textOf(ATTRIBUTE_VALUE_MAX))
  .refine((record) => Object.keys(record).length <= ATTRIBUTES_MAX, { error: `at most ${ATTRIBUTES_MAX} attributes` })
  .meta({
    maxProperties: ATTRIBUTES_MAX,
    description: `at most ${ATTRIBUTES_MAX} attributes; names match ${ATTRIBUTE_NAME_PATTERN.source}`,
    example: { site: 'plant-3' },
  });

/**
 * An ISO 8601 time with an offset, normalised to the form the ledger writes (UTC,
 * milliseconds), so that string order is time order.
 */
export const IsoTime = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2025-01-31T12:00:00Z' })
  .transform((value) => new Date(value).toISOString());

/** A time the ledger wrote (transaction timestamps). */
export const Timestamp = z.string().meta({ description: 'ISO 8601 UTC, from the transaction timestamp' });

/**
 * A page size: a JSON number, or a decimal string (a query parameter). Other strings stay
 * strings and are refused, so "10x" and "" are not read as numbers.
 */
export const PageSize = z
  .preprocess((value) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value), integerFrom(1, PAGE_SIZE_MAX))
  .optional()
  .meta({ type: 'integer', minimum: 1, maximum: PAGE_SIZE_MAX, description: `page size, 1..${PAGE_SIZE_MAX}`, default: PAGE_SIZE_DEFAULT });

export const Bookmark = z
  .string()
  .regex(BOOKMARK_PATTERN, { error: 'must be a bookmark this registry gave' })
  .optional()
  .meta({ description: 'bookmark of the previous page; empty or absent for the first page' });

export const PageFields = { pageSize: PageSize, bookmark: Bookmark };
