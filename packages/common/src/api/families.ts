/**
 * The list of firmware families (GET /v1/families): one summary per family, so a console or a
 * script can find a family without knowing its name. The chaincode and the gateways' read models
 * answer it alike (both summarise with familySummary()).
 */
import { z } from 'zod';
import { approvalsRequired } from '../governance';
import { Id, Msp, PageFields, Timestamp, Version } from './fields';
import { type Family as FamilyStored, type FirmwareRelease, pageOf } from './records';

export const ListFamiliesRequest = z
  .strictObject({
    ...PageFields,
    prefix: Id.optional().meta({ description: 'only families whose name starts with this', example: 'sensor' }),
  })
  .meta({ id: 'ListFamiliesRequest' });

export const FamilySummary = z
  .object({
    family: Id,
    ownerMsp: Msp,
    createdAt: Timestamp,
    approvalThreshold: z.number().int().meta({ description: 'the k the vendor asked for at registration' }),
    approvalsRequired: z.number().int().meta({ description: 'k now (see Family.approvalsRequired)' }),
    voters: z.array(Msp).meta({ description: 'the n: member orgs other than the owner, whose approvals count' }),
    minVersion: Version.optional(),
    requireCompliance: z.boolean().optional(),
    latestVersion: Version.optional().meta({ description: 'the newest release published, whatever its status' }),
    latestTrustedVersion: Version.optional().meta({ description: 'the newest release with status trusted' }),
    releases: z.number().int().meta({ description: 'releases published, whatever their status' }),
  })
  .meta({ id: 'FamilySummary' });

export const FamilySummaryPage = pageOf(FamilySummary, 'FamilySummaryPage');

export type ListFamiliesRequest = z.input<typeof ListFamiliesRequest>;
export type FamilySummary = z.output<typeof FamilySummary>;

/** A family as the list shows it, from its record, the consortium's members and its releases in version order. */
export function familySummary(family: FamilyStored, members: readonly string[], releases: readonly FirmwareRelease[]): FamilySummary {
  const trusted = releases.filter((r) => r.status === 'trusted').at(-1);
  return {
    family: family.family,
    ownerMsp: family.ownerMsp,
    createdAt: family.createdAt,
    approvalThreshold: family.approvalThreshold,
    approvalsRequired: approvalsRequired(members.length, family.approvalThreshold),
    voters: members.filter((msp) => msp !== family.ownerMsp),
    ...(family.minVersion === undefined ? {} : { minVersion: family.minVersion }),
    ...(family.requireCompliance === undefined ? {} : { requireCompliance: family.requireCompliance }),
    ...(family.latestVersion === undefined ? {} : { latestVersion: family.latestVersion }),
    ...(trusted === undefined ? {} : { latestTrustedVersion: trusted.version }),
    releases: releases.length,
  };
}
