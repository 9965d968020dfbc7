/**
 * Quarantine: a family whose policy requires compliance lets only devices with compliant firmware
 * (a trusted release at or above the family's minimum) take part: anchor messages, fetch their
 * sealed configuration, act in agreements. One rule, judged by the chaincode on every such step.
 */
import type { Device, Family } from './api/records';
import { RegistryError } from './errors';

/** Why `device` (as presented: compliance judged now) may not take part under `family`'s policy; undefined when it may. */
export function quarantineReason(
  family: Pick<Family, 'family' | 'requireCompliance' | 'minVersion'> | undefined,
  device: Device,
): string | undefined {
  if (!family?.requireCompliance) return undefined;
  const firmware = device.firmware;
  if (firmware?.compliant) return undefined;
  if (!firmware) return 'it has reported no firmware';
  if (firmware.verdict === 'trusted') return `it runs ${firmware.version}, below the minimum ${family.minVersion ?? ''}`.trim();
  if (firmware.verdict === 'unknown') return `it runs ${firmware.version}, which is no release of ${family.family} with that image`;
  return `it runs ${firmware.version}, a ${firmware.verdict} release`;
}

/** The requirement a quarantined device does not meet, in words. */
export function complianceRequirement(family: Pick<Family, 'family' | 'minVersion'>): string {
  const minimum = family.minVersion ? ` at or above ${family.minVersion}` : '';
  return `family ${family.family} requires compliant firmware to take part (a trusted release${minimum})`;
}

/** The refusal of a step by a quarantined device: 422 QUARANTINED, naming the requirement and how to be released. */
export function quarantined(family: Pick<Family, 'family' | 'minVersion'>, device: Device, reason: string): RegistryError {
  return new RegistryError(
    'QUARANTINED',
    `device ${device.deviceId} is quarantined: ${complianceRequirement(family)}, and ${reason}; ` +
      'it is released once it reports compliant firmware',
  );
}
