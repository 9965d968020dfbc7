/**
 * Fleet queries for auditors and dashboards: devices by any mix of family, owner, status,
 * reported firmware version, compliance, creation or change time and one attribute, paged by
 * device ID (keyset), and the counts of the matching devices per status, family, compliance and
 * firmware version.
 *
 * The chaincode keeps no index for these (only owner, family and status lists), so these
 * operations are answered by the gateway's read model only (MODEL_ONLY_OPERATIONS): with
 * ?source=ledger the gateway answers 400 INVALID_ARGUMENT at once, and the chaincode itself
 * refuses them the same way, should anyone ask a peer directly.
 */
import { z } from 'zod';
import { ATTRIBUTE_NAME_PATTERN, ATTRIBUTE_VALUE_MAX, DEVICE_STATUSES } from '../formats';
import { Id, IsoTime, Msp, PageFields, textOf, Version } from './fields';
import { Device, pageOf } from './records';

/** A device's firmware compliance: as present() judges it, and `unreported` before any firmware report. */
export const COMPLIANCE_STATES = ['compliant', 'noncompliant', 'unreported'] as const;
export type ComplianceState = (typeof COMPLIANCE_STATES)[number];

const FleetFilterFields = {
  owner: Msp.optional().meta({ description: 'owning organisation (MSP ID)' }),
  family: Id.optional(),
  status: z.enum(DEVICE_STATUSES).optional(),
  firmwareVersion: Version.optional().meta({ description: 'the firmware version the device last reported' }),
  compliance: z
    .enum(COMPLIANCE_STATES)
    .optional()
    .meta({
      description:
        'compliant: the reported firmware is a trusted release with that hash, not below the family minimum; noncompliant: it reported ' +
        'other firmware; unreported: it never reported firmware',
    }),
  createdFrom: IsoTime.optional().meta({ description: 'registered at or after this time' }),
  createdTo: IsoTime.optional().meta({ description: 'registered before this time' }),
  changedFrom: IsoTime.optional().meta({
    description: "last changed by its owner's admin (registration, rotation, status) at or after this time",
  }),
  changedTo: IsoTime.optional().meta({ description: "last changed by its owner's admin before this time" }),
  attributeName: z
    .string()
    .regex(ATTRIBUTE_NAME_PATTERN, { error: 'attribute names must be simple identifiers' })
    .optional()
    .meta({ description: 'with attributeValue: only devices whose attribute of this name has exactly that value' }),
  attributeValue: textOf(ATTRIBUTE_VALUE_MAX).optional(),
};

type FilterInput = { [K in keyof typeof FleetFilterFields]?: unknown };

/** Both halves of the attribute filter or neither; time ranges that are not empty. */
function checkFilter(filter: FilterInput, ctx: z.core.$RefinementCtx): void {
  if ((filter.attributeName === undefined) !== (filter.attributeValue === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['attributeValue'], message: 'attributeName and attributeValue go together' });
  }
  for (const [from, to] of [
    ['createdFrom', 'createdTo'],
    ['changedFrom', 'changedTo'],
  ] as const) {
    const [start, end] = [filter[from], filter[to]];
    if (typeof start === 'string' && typeof end === 'string' && start >= end) {
      ctx.addIssue({ code: 'custom', path: [to], message: `must be later than ${from}` });
    }
  }
}

export const QueryDevicesRequest = z
  .strictObject({ ...PageFields, ...FleetFilterFields })
  .superRefine(checkFilter)
  .meta({ id: 'QueryDevicesRequest' });

export const CountDevicesRequest = z.strictObject(FleetFilterFields).superRefine(checkFilter).meta({ id: 'CountDevicesRequest' });

/** Devices in device ID order; the bookmark is the read model's (the next device ID), not the chaincode's. */
export const FleetDevicePage = pageOf(Device, 'FleetDevicePage');

const Count = <T extends z.ZodType>(value: T) => z.object({ value, count: z.number().int() });

export const FleetCounts = z
  .object({
    total: z.number().int(),
    byStatus: z.array(Count(z.enum(DEVICE_STATUSES))),
    byFamily: z.array(Count(Id)),
    byCompliance: z.array(Count(z.enum(COMPLIANCE_STATES))),
    byFirmware: z
      .array(z.object({ family: Id, version: Version, count: z.number().int() }))
      .meta({ description: 'devices per reported firmware family and version; devices that never reported are not counted here' }),
  })
  .meta({
    id: 'FleetCounts',
    description:
      'counts of the matching devices; each list holds only values with a count, in value order (firmware: by family, then version)',
  });

export type QueryDevicesRequest = z.input<typeof QueryDevicesRequest>;
export type CountDevicesRequest = z.input<typeof CountDevicesRequest>;
export type FleetCounts = z.output<typeof FleetCounts>;

/** Operations only a read model answers: the chaincode keeps no index for them. */
export const MODEL_ONLY_OPERATIONS = ['queryDevices', 'countDevices'] as const;

/** The refusal of a model-only operation by the ledger (?source=ledger, or a peer asked directly). */
export const modelOnlyMessage = (operation: string) =>
  `${operation} is answered by a gateway's read model only: the chaincode keeps no index for it; ask a gateway whose read model is enabled, without source=ledger`;
