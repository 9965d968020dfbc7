/**
 * A fabric-gateway signer backed by node:crypto (OpenSSL). fabric-gateway's own private-key
 * signer does the elliptic-curve arithmetic in JavaScript, and under read load it took a quarter
 * of the gateway's CPU; every read is a signed proposal. This one hashes the message itself, so
 * the connection uses `hash.none`, and answers the low-S DER signature Fabric requires.
 */
import { KeyObject, sign } from 'node:crypto';
import type { Signer } from '@hyperledger/fabric-gateway';
import { p256 } from '@noble/curves/nist';

export function newNativeSigner(privateKey: KeyObject): Signer {
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('the signer needs an ECDSA P-256 private key');
  }
  return async (message) => {
    const signature = p256.Signature.fromBytes(sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' }), 'compact');
    // Fabric refuses the high-S twin of a signature, which ECDSA makes half the time.
    return (signature.hasHighS() ? signature.normalizeS() : signature).toBytes('der');
  };
}
