/**
 * Firmware governance, one definition for chaincode, gateway and docs.
 *
 * A family decision (trusting a release, lowering the family's minimum version, revoking a
 * release of another org's family) is taken by approvals that no single org can supply:
 * - only approvals from member orgs other than the family owner count towards k;
 * - k is the larger of the family's own `approvalThreshold` and a majority of the members other
 *   than the owner, so a vendor cannot pick k = 1 in a large consortium;
 * - the org that proposed the decision never carries it alone: at least one other org agrees
 *   (a release's publisher is its family owner, whose approval never counts, so this holds
 *   whenever k is met).
 */
import type { Approval } from './api/records';

/** A majority of the members other than the family owner: the floor under every family's k. */
export function consortiumMinimum(memberCount: number): number {
  return Math.floor(Math.max(memberCount - 1, 0) / 2) + 1;
}

/** k: approvals from non-owner members that a family decision needs now. */
export function approvalsRequired(memberCount: number, approvalThreshold: number): number {
  return Math.max(approvalThreshold, consortiumMinimum(memberCount));
}

/** The most a family may ask for: every other member. */
export function approvalThresholdMax(memberCount: number): number {
  return memberCount - 1;
}

export type DecisionOutcome = 'passed' | 'rejected' | 'pending';

export interface DecisionInput {
  /** The consortium's current members: votes of orgs no longer members do not count. */
  members: readonly string[];
  ownerMsp: string;
  proposerMsp: string;
  approvalThreshold: number;
  votes: readonly Approval[];
}

/** Where a family decision stands after its votes. */
export function decide({ members, ownerMsp, proposerMsp, approvalThreshold, votes }: DecisionInput): DecisionOutcome {
  const k = approvalsRequired(members.length, approvalThreshold);
  const counted = votes.filter((v) => members.includes(v.msp));
  const approvers = new Set(counted.filter((v) => v.decision === 'approve').map((v) => v.msp));
  approvers.add(proposerMsp);
  const othersApproving = [...approvers].filter((msp) => msp !== ownerMsp).length;
  if (othersApproving >= k && approvers.size >= 2) return 'passed';
  const othersRejecting = counted.filter((v) => v.decision === 'reject' && v.msp !== ownerMsp).length;
  const eligible = members.filter((msp) => msp !== ownerMsp).length;
  return othersRejecting > eligible - k ? 'rejected' : 'pending';
}

/** Firmware images are fetched over https only; their integrity rests on the signed sha256. */
export function isHttpsUri(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' && url.hostname !== '' && url.username === '' && url.password === '';
}
