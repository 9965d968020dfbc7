/** Quarantine as the contracts apply it (the rule itself: @iotreg/common quarantine.ts). */
import { Device, Family, quarantined, type QuarantinedDevice, quarantineReason } from '@iotreg/common';
import type { RegistryContext } from './context';
import { present } from './devices';
import { keys } from './ledger/keys';

/** Refuses (422 QUARANTINED) a step by a device whose family requires compliance it does not meet. */
export async function requireParticipation(ctx: RegistryContext, device: Device): Promise<void> {
  const family = await ctx.store.get<Family>(keys.family(device.family));
  if (!family?.requireCompliance) return;
  const shown = await present(ctx, device);
  const reason = quarantineReason(family, shown);
  if (reason !== undefined) throw quarantined(family, shown, reason);
}

/**
 * Judges devices one by one, reading each family once per transaction: the list entry of a
 * quarantined device, undefined for any other (and for revoked devices, which take no part anyway).
 */
export function quarantineJudge(ctx: RegistryContext): (device: Device) => Promise<QuarantinedDevice | undefined> {
  const families = new Map<string, Family | undefined>();
  return async (device) => {
    if (device.status === 'revoked') return undefined;
    if (!families.has(device.family)) families.set(device.family, await ctx.store.get<Family>(keys.family(device.family)));
    const family = families.get(device.family);
    if (!family?.requireCompliance) return undefined;
    const shown = await present(ctx, device);
    const reason = quarantineReason(family, shown);
    if (reason === undefined) return undefined;
    return {
      deviceId: shown.deviceId,
      family: shown.family,
      ownerMsp: shown.ownerMsp,
      ...(family.minVersion === undefined ? {} : { minVersion: family.minVersion }),
      ...(shown.firmware === undefined ? {} : { firmware: shown.firmware }),
      reason,
    };
  };
}
