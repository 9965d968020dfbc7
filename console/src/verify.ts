/**
 * The audit verifier of `iotreg audit verify` (cli/src/audit, as compiled), re-exported as an ES
 * module so the audit page can load it, and the protobuf definitions it needs, on demand.
 */
export { verifyProof } from '@iotreg/cli/dist/audit/verify-proof';
export type { ProofTrust, ProofVerification } from '@iotreg/cli/dist/audit/verify-proof';
