/** Identifier and value formats fixed by the REST contract, checked on both sides of the wire. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;
export const VERSION_PATTERN = /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$/;
export const MSP_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/;

export const ROLES = ['admin', 'vendor', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const DEVICE_STATUSES = ['active', 'suspended', 'revoked'] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];

export const REVOCATION_REASONS = ['keyCompromise', 'decommissioned', 'superseded', 'other'] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

export const FIRMWARE_STATUSES = ['pending', 'trusted', 'rejected', 'revoked'] as const;
export type FirmwareStatus = (typeof FIRMWARE_STATUSES)[number];

export const ENDPOINT_KINDS = ['gateway', 'peer'] as const;
export type EndpointKind = (typeof ENDPOINT_KINDS)[number];

export const PAGE_SIZE_DEFAULT = 100;
export const PAGE_SIZE_MAX = 1000;
/**
 * A list page reads at most this many records per item asked for, and never more than
 * PAGE_SCAN_MAX (but always at least pageSize): a filter that keeps few records ends the page
 * early, with fewer items and a bookmark to go on, instead of scanning a whole index.
 */
export const PAGE_SCAN_FACTOR = 10;
export const PAGE_SCAN_MAX = 2000;

/** The records one page may read from the ledger. */
export function pageScanBudget(pageSize: number): number {
  return Math.max(pageSize, Math.min(PAGE_SCAN_FACTOR * pageSize, PAGE_SCAN_MAX));
}
/** The opaque form of the bookmarks the registry hands out (base64url). */
export const BOOKMARK_PATTERN = /^[A-Za-z0-9_-]{0,2048}$/;
export const PEM_MAX = 4096;

/**
 * The largest request a transaction takes (its JSON text, in bytes): a full batch of
 * registrations (BATCH_MAX) fits, and stays well inside the channel's 4 MiB SmartBFT
 * RequestMaxBytes (configtx.yaml), since a transaction carries its request about twice.
 */
export const REQUEST_MAX_BYTES = 1024 * 1024;

/** Free text (reasons, comments): 1 to TEXT_MAX characters, none of them a control character. */
export const TEXT_MAX = 1024;
// eslint-disable-next-line no-control-regex -- control characters are what this finds
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** A device's attributes: short labels, stored with the device and in every history entry. */
export const ATTRIBUTES_MAX = 32;
export const ATTRIBUTE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
export const ATTRIBUTE_VALUE_MAX = 256;

/**
 * A base64 signature: DER ECDSA P-256 is at most 96 characters, Ed25519 88. A string of 1 to
 * SIGNATURE_MAX characters is well-formed; whether it verifies (base64 or not) is the verifier's
 * verdict (BAD_SIGNATURE), so forgeries and garbage get the same answer.
 */
export const SIGNATURE_MAX = 256;

/** An absolute URI (scheme ":" then no whitespace), at most URI_MAX characters. */
export const URI_MAX = 2048;
// eslint-disable-next-line no-control-regex -- control characters are what this refuses
export const URI_PATTERN = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s\u0000-\u001f\u007f]+$/;
/** An endpoint's address: http or https with a host. */
// eslint-disable-next-line no-control-regex -- control characters are what this refuses
export const HTTP_URL_PATTERN = /^https?:\/\/[^\s/?#]+[^\s\u0000-\u001f\u007f]*$/;

/** A device's sequence numbers and configuration versions start at 1 and only go up. */
export const SEQ_MIN = 1;
export const CONFIG_VERSION_MIN = 1;

/** The consortium's size, and so the highest k of a k-of-n firmware approval. */
export const MEMBERS_MAX = 64;

/**
 * Registrations in one transaction. One takes about 2.7 KB of the transaction (proposal and
 * write set), so a full batch is about 1.4 MB: SmartBFT's RequestMaxBytes in the channel
 * configuration (network/config/configtx.yaml) must stay above that.
 */
export const BATCH_MAX = 500;

/**
 * A sealed configuration (see sealed-config.ts): at most SEALED_CONFIG_INLINE_MAX_BYTES of
 * ciphertext travel in the ledger itself (its base64 fits the 64 KiB request body); a larger one is
 * stored off-chain and the ledger holds its envelope's SHA-256, size and URI, up to
 * SEALED_CONFIG_MAX_BYTES, which a device refuses to download beyond.
 */
export const SEALED_CONFIG_INLINE_MAX_BYTES = 16 * 1024;
export const SEALED_CONFIG_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Machine-to-machine agreements (agreements.ts): quantities and prices are integers (a price in the
 * currency's minor unit), bounded so that every product and sum the settlement computes stays a
 * safe integer: AGREEMENT_QUANTITY_MAX × (AGREEMENT_PRICE_MAX + AGREEMENT_PRICE_MAX) < 2^53.
 */
export const AGREEMENT_QUANTITY_MAX = 1_000_000_000;
export const AGREEMENT_PRICE_MAX = 1_000_000;
/** The units a metered agreement counts in. */
export const AGREEMENT_UNITS = ['Wh', 'kWh', 'MB', 'GB', 'second', 'message', 'litre', 'piece'] as const;

/** Compares MAJOR.MINOR.PATCH numerically; both must match VERSION_PATTERN. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i += 1) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}
