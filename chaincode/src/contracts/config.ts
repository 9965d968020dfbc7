import { Info, Returns, Transaction } from 'fabric-contract-api';
import { ConfigRecord, ConfigReport, Device, EVENTS, RegistryError } from '@iotreg/common';
import { RegistryContext } from '../context';
import { acceptSigned, ConfigReportRecord, findDevice, present, saveDevice, appendHistory } from '../devices';
import { keys } from '../ledger/keys';
import { RegistryContract } from './base';

/**
 * The device whose next expected configuration, clear or sealed, is `version`: only its owner's
 * admin publishes one, never to a revoked device, and versions (and times) only go up.
 */
export async function deviceTakingConfig(ctx: RegistryContext, deviceId: string, version: number): Promise<Device> {
  const device = await findDevice(ctx, deviceId);
  ctx.requireOwnerAdmin(device.ownerMsp, `device ${device.deviceId}`);
  if (device.status === 'revoked') throw new RegistryError('STATE_CONFLICT', `device ${device.deviceId} is revoked`);
  const current = await ctx.store.get<ConfigRecord>(keys.config(device.deviceId));
  ctx.requireNotBefore(current?.publishedAt, `the configuration of device ${device.deviceId}`);
  if (current && version <= current.version) {
    throw new RegistryError('VERSION_NOT_NEWER', `version ${version} is not above the current ${current.version}`);
  }
  return device;
}

@Info({ title: 'Config', description: 'The configuration each device is expected to run, and drift' })
export class ConfigContract extends RegistryContract {
  constructor() {
    super('Config');
  }

  /** The owner's admin publishes the expected configuration; versions only go up. */
  @Transaction()
  @Returns('string')
  async PublishConfig(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'publishConfig', request, async ({ deviceId, version, sha256, uri = '' }) => {
      const device = await deviceTakingConfig(ctx, deviceId, version);
      const record: ConfigRecord = { deviceId: device.deviceId, version, sha256, uri, publishedAt: ctx.now, txId: ctx.txId };
      ctx.store.put(keys.config(device.deviceId), record);
      appendHistory(ctx, device.deviceId, 'publish-config', record);
      ctx.emit(EVENTS.configPublished, record);
      return record;
    });
  }

  @Transaction(false)
  @Returns('string')
  async GetConfig(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'getConfig', request, async ({ deviceId }) => {
      const device = await findDevice(ctx, deviceId);
      return ctx.store.mustGet<ConfigRecord>(keys.config(device.deviceId), `configuration of device ${device.deviceId}`);
    });
  }

  @Transaction(false)
  @Returns('string')
  async VerifyConfig(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'verifyConfig', request, async ({ deviceId, sha256 }) => {
      const device = await findDevice(ctx, deviceId);
      const current = await ctx.store.get<ConfigRecord>(keys.config(device.deviceId));
      return { match: current?.sha256 === sha256, version: current?.version ?? null };
    });
  }

  /** The device's latest report, and its drift from the configuration published now. */
  @Transaction(false)
  @Returns('string')
  async GetConfigReport(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'getConfigReport', request, async ({ deviceId }) => {
      const device = await findDevice(ctx, deviceId);
      const report = await ctx.store.mustGet<ConfigReportRecord>(
        keys.configReport(device.deviceId),
        `configuration report of device ${device.deviceId}`,
      );
      const shown = await present(ctx, device);
      const answer: ConfigReport = { ...report, configDrift: shown.configDrift ?? false };
      return answer;
    });
  }

  /** The device itself reports what it runs; drift is judged against the expected config on read. */
  @Transaction()
  @Returns('string')
  async ReportConfig(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'reportConfig', request, async (signed) => {
      const device = await acceptSigned(ctx, signed);
      const { seq, sha256 } = signed.payload;
      const report: ConfigReportRecord = { deviceId: device.deviceId, seq, sha256, reportedAt: ctx.now };
      ctx.store.put(keys.configReport(device.deviceId), report);
      await saveDevice(ctx, device, 'report-config');
      const shown = await present(ctx, device);
      const answer: ConfigReport = { ...report, configDrift: shown.configDrift ?? false };
      ctx.emit(EVENTS.configReported, answer);
      return answer;
    });
  }
}
