import { Info, Returns, Transaction } from 'fabric-contract-api';
import { CONFIG_VERSION_MIN, ConfigRecord, EVENTS, RegistryError } from '@iotreg/common';
import { RegistryContext } from '../context';
import { acceptSigned, ConfigReport, findDevice, present, saveDevice, appendHistory } from '../devices';
import { keys } from '../ledger/keys';
import { id, integer, only, sha256, signedRequest, uri } from '../request';
import { RegistryContract } from './base';

@Info({ title: 'Config', description: 'The configuration each device is expected to run, and drift' })
export class ConfigContract extends RegistryContract {
  constructor() {
    super('Config');
  }

  /** The owner's admin publishes the expected configuration; versions only go up. */
  @Transaction()
  @Returns('string')
  async PublishConfig(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      only(fields, 'deviceId', 'version', 'sha256', 'uri');
      const device = await findDevice(ctx, id(fields, 'deviceId'));
      ctx.requireOwnerAdmin(device.ownerMsp, `device ${device.deviceId}`);
      const version = integer(fields, 'version', CONFIG_VERSION_MIN);
      const digest = sha256(fields, 'sha256');
      const location = fields.uri === undefined ? '' : uri(fields, 'uri');
      if (device.status === 'revoked') throw new RegistryError('STATE_CONFLICT', `device ${device.deviceId} is revoked`);
      const current = await ctx.store.get<ConfigRecord>(keys.config(device.deviceId));
      ctx.requireNotBefore(current?.publishedAt, `the configuration of device ${device.deviceId}`);
      if (current && version <= current.version) {
        throw new RegistryError('VERSION_NOT_NEWER', `version ${version} is not above the current ${current.version}`);
      }
      const record: ConfigRecord = {
        deviceId: device.deviceId,
        version,
        sha256: digest,
        uri: location,
        publishedAt: ctx.now,
        txId: ctx.txId,
      };
      ctx.store.put(keys.config(device.deviceId), record);
      await appendHistory(ctx, device.deviceId, 'publish-config', record);
      ctx.emit(EVENTS.configPublished, record);
      return record;
    });
  }

  @Transaction(false)
  @Returns('string')
  async GetConfig(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      const device = await findDevice(ctx, id(fields, 'deviceId'));
      return ctx.store.mustGet<ConfigRecord>(keys.config(device.deviceId), `configuration of device ${device.deviceId}`);
    });
  }

  @Transaction(false)
  @Returns('string')
  async VerifyConfig(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      only(fields, 'deviceId', 'sha256');
      const device = await findDevice(ctx, id(fields, 'deviceId'));
      const digest = sha256(fields, 'sha256');
      const current = await ctx.store.get<ConfigRecord>(keys.config(device.deviceId));
      return { match: current?.sha256 === digest, version: current?.version ?? null };
    });
  }

  /** The device itself reports what it runs; drift is judged against the expected config on read. */
  @Transaction()
  @Returns('string')
  async ReportConfig(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      sha256(signedRequest(fields, 'sha256'), 'sha256');
      const { device, payload } = await acceptSigned(ctx, fields, 'config-report');
      const report: ConfigReport = { deviceId: device.deviceId, seq: payload.seq, sha256: sha256(payload, 'sha256'), reportedAt: ctx.now };
      ctx.store.put(keys.configReport(device.deviceId), report);
      await saveDevice(ctx, device, 'report-config');
      const shown = await present(ctx, device);
      const answer = { ...report, configDrift: shown.configDrift ?? false };
      ctx.emit(EVENTS.configReported, answer);
      return answer;
    });
  }
}
