/** Quarantine (see ../quarantine.ts): the list auditors read, and what each entry says. */
import { z } from 'zod';
import { DeviceFirmware } from './records';
import { Id, Msp, PageFields, Version } from './fields';

export const ListQuarantinedRequest = z
  .strictObject({
    ...PageFields,
    family: Id.optional().meta({ description: 'only devices of this family (read through the family index)' }),
  })
  .meta({ id: 'ListQuarantinedRequest' });

export const QuarantinedDevice = z
  .object({
    deviceId: Id,
    family: Id,
    ownerMsp: Msp,
    minVersion: Version.optional().meta({ description: "the family's minimum version now" }),
    firmware: DeviceFirmware.optional().meta({ description: 'what the device last reported, judged now; absent when it reported none' }),
    reason: z.string().meta({ description: 'the requirement it does not meet, in words' }),
  })
  .meta({ id: 'QuarantinedDevice' });

export type QuarantinedDevice = z.output<typeof QuarantinedDevice>;
