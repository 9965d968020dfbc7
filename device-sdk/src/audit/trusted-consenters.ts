/**
 * The consenter set a proof is checked against, from a source the auditor trusts, never from
 * the bundle alone: the bundle is unsigned, so a consenter list taken from it lets one orderer
 * key "be" the whole quorum by listing only itself.
 *
 * Sources, strongest first:
 * - a channel config block the auditor trusts (a file of theirs, or the bundle's copy checked
 *   against a pinned header hash): its ConsenterMapping gives IDs and certificates;
 * - pinned consenter certificates: the set; IDs are resolved through the bundle's mapping, which
 *   must name exactly that set;
 * - the orderer CA and a minimum n: the bundle's mapping, each certificate issued by the CA,
 *   counted once by certificate, and n no less than the auditor's minimum.
 */
import { X509Certificate } from 'node:crypto';
import type { Consenter, TransactionProof } from '@iotreg/common';
import { decodeConfigBlock } from './config-block';

export interface ProofTrust {
  /** Pinned consenter signing certificates, PEM. */
  consenters?: string[];
  /** A channel config block the auditor trusts, serialized common.Block. */
  configBlock?: Uint8Array;
  /** Hex SHA-256 of a config block header: checks `configBlock`, or the bundle's copy when there is none. */
  configBlockSha256?: string;
  /** The orderer organisation's CA certificate, PEM: when given, every consenter certificate must chain to it. */
  ca?: string;
  /** The fewest consenters the auditor accepts. */
  minConsenters?: number;
}

export interface TrustedConsenters {
  /** Where the set came from, for the report. */
  source: string;
  n: number;
  /** Consenter ID → certificate, from the trusted source (config block) or the bundle checked against it. */
  byId: Map<number, X509Certificate>;
  /** SHA-256 fingerprints of the trusted certificates. */
  members: Set<string>;
}

export const ORDERER_OU = 'orderer';

const ONE_CERTIFICATE_SEVERAL_IDS = "the bundle's consenter mapping names one certificate under several IDs";

/** True when the certificate's subject carries OU=orderer (Fabric CA with NodeOUs). */
export function hasOrdererRole(certificate: X509Certificate): boolean {
  return certificate.subject.split('\n').some((rdn) => rdn.split('+').includes(`OU=${ORDERER_OU}`));
}

export function subjectOf(certificate: X509Certificate): string {
  return certificate.subject.replace(/\n/g, ', ');
}

/** Resolves the trusted consenter set, or the reason none can be had. */
export function trustedConsenters(
  trust: ProofTrust,
  bundle: TransactionProof,
  signedConfigBlock: number | undefined,
): TrustedConsenters | { reason: string } {
  let ca: X509Certificate | undefined;
  try {
    ca = trust.ca === undefined ? undefined : new X509Certificate(trust.ca);
  } catch {
    return { reason: 'the given CA is not a certificate' };
  }
  const pinnedConfig = trust.configBlock !== undefined || trust.configBlockSha256 !== undefined;
  if (pinnedConfig && trust.consenters !== undefined) return { reason: 'give pinned consenters or a pinned config block, not both' };

  const resolved = resolveSource(trust, bundle, signedConfigBlock, ca);
  if ('reason' in resolved) return resolved;
  return checkConsenters(resolved, ca, trust.minConsenters);
}

/** The consenter set from the one trust source the auditor gave. */
function resolveSource(
  trust: ProofTrust,
  bundle: TransactionProof,
  signedConfigBlock: number | undefined,
  ca: X509Certificate | undefined,
): TrustedConsenters | { reason: string } {
  if (trust.configBlock !== undefined || trust.configBlockSha256 !== undefined) return fromConfigBlock(trust, bundle, signedConfigBlock);
  if (trust.consenters !== undefined) return fromPinnedCertificates(trust.consenters, bundle);
  if (ca !== undefined && trust.minConsenters !== undefined) return fromBundleUnderCa(bundle);
  return {
    reason:
      'no trusted consenter set: pin the consenter certificates, pin a config block, ' +
      "or give the orderer org's CA together with a minimum number of consenters",
  };
}

/** Every consenter holds the orderer role (and was issued by the CA, when given); n meets the minimum. */
function checkConsenters(
  resolved: TrustedConsenters,
  ca: X509Certificate | undefined,
  minConsenters: number | undefined,
): TrustedConsenters | { reason: string } {
  for (const certificate of resolved.byId.values()) {
    if (!hasOrdererRole(certificate))
      return { reason: `consenter ${subjectOf(certificate)} does not carry the orderer role (OU=${ORDERER_OU})` };
    if (ca && !(certificate.checkIssued(ca) && certificate.verify(ca.publicKey))) {
      return { reason: `consenter ${subjectOf(certificate)} was not issued by the given CA` };
    }
  }
  if (resolved.n === 0) return { reason: 'the trusted consenter set is empty' };
  if (minConsenters !== undefined && resolved.n < minConsenters) {
    return { reason: `${resolved.source} has ${resolved.n} consenter(s), fewer than the ${minConsenters} required` };
  }
  return resolved;
}

function fromConfigBlock(
  trust: ProofTrust,
  bundle: TransactionProof,
  signedConfigBlock: number | undefined,
): TrustedConsenters | { reason: string } {
  let bytes = trust.configBlock;
  if (bytes === undefined) {
    if (bundle.configBlock === undefined) {
      return { reason: 'the bundle carries no config block to check against the pinned hash: fetch it from a gateway that includes one' };
    }
    bytes = Buffer.from(bundle.configBlock, 'base64');
  }
  const config = decodeConfigBlock(bytes);
  if ('reason' in config) return config;
  const pin = trust.configBlockSha256?.toLowerCase();
  if (pin !== undefined && pin !== config.hash) {
    return { reason: `config block ${config.number} has hash ${config.hash}, not the pinned ${pin}` };
  }
  if (config.number !== signedConfigBlock) {
    return {
      reason:
        `the orderers signed this block under config block ${signedConfigBlock ?? '(none)'}, ` +
        `the trusted config block is number ${config.number}: pin that config block`,
    };
  }
  const byId = new Map<number, X509Certificate>();
  for (const consenter of config.consenters) {
    const certificate = certificateOf(consenter.identity);
    if (!certificate) return { reason: `consenter ${consenter.id} of config block ${config.number} has no certificate` };
    byId.set(consenter.id, certificate);
  }
  const members = new Set([...byId.values()].map((c) => c.fingerprint256));
  const source = `config block ${config.number} (hash ${config.hash}${pin === undefined ? ', given as trusted' : ', pinned'})`;
  const differs = mappingDifference(bundle.consenters, byId);
  if (differs) return { reason: `the bundle's consenter mapping differs from ${source}: ${differs}` };
  return { source, n: members.size, byId, members };
}

function fromPinnedCertificates(pems: string[], bundle: TransactionProof): TrustedConsenters | { reason: string } {
  const pinned = new Map<string, X509Certificate>();
  for (const [i, pem] of pems.entries()) {
    const certificate = certificateOf(pem);
    if (!certificate) return { reason: `pinned consenter ${i + 1} is not a certificate` };
    pinned.set(certificate.fingerprint256, certificate);
  }
  const byId = new Map<number, X509Certificate>();
  for (const consenter of bundle.consenters) {
    const certificate = certificateOf(consenter.identity);
    if (certificate && pinned.has(certificate.fingerprint256)) byId.set(consenter.id, certificate);
  }
  const mapped = new Set([...byId.values()].map((c) => c.fingerprint256));
  const source = `${pinned.size} pinned consenter certificate(s)`;
  if (mapped.size !== byId.size) return { reason: ONE_CERTIFICATE_SEVERAL_IDS };
  if (bundle.consenters.length !== byId.size || mapped.size !== pinned.size) {
    return {
      reason:
        `the bundle's consenter mapping lists ${bundle.consenters.length} consenter(s), ` +
        `${byId.size} of them pinned, and the pinned set has ${pinned.size}: it must name exactly the pinned consenters`,
    };
  }
  return { source, n: pinned.size, byId, members: mapped };
}

function fromBundleUnderCa(bundle: TransactionProof): TrustedConsenters | { reason: string } {
  const byId = new Map<number, X509Certificate>();
  for (const consenter of bundle.consenters) {
    const certificate = certificateOf(consenter.identity);
    if (!certificate) return { reason: `consenter ${consenter.id}'s identity is not a certificate` };
    byId.set(consenter.id, certificate);
  }
  const members = new Set([...byId.values()].map((c) => c.fingerprint256));
  if (members.size !== byId.size) return { reason: ONE_CERTIFICATE_SEVERAL_IDS };
  return { source: "the bundle's consenter mapping, each certificate issued by the given CA", n: members.size, byId, members };
}

/** "" when the bundle's mapping names the same ID → certificate pairs as the trusted one. */
function mappingDifference(listed: Consenter[], trusted: Map<number, X509Certificate>): string {
  if (listed.length !== trusted.size) return `it lists ${listed.length} consenter(s), the trusted set has ${trusted.size}`;
  for (const consenter of listed) {
    const certificate = certificateOf(consenter.identity);
    if (!certificate || trusted.get(consenter.id)?.fingerprint256 !== certificate.fingerprint256) {
      return `consenter ${consenter.id} is not the trusted one`;
    }
  }
  return '';
}

function certificateOf(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}
