import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  ConfigRecord,
  EVENTS,
  RegistryError,
  SealedConfig,
  type SealedConfigEnvelope,
  type SealedConfigReference,
  sealedConfigBytes,
  sealedConfigSha256,
} from '@iotreg/common';
import { RegistryContext } from '../context';
import { appendHistory, findDevice } from '../devices';
import { keys } from '../ledger/keys';
import { requireParticipation } from '../quarantine';
import { RegistryContract } from './base';
import { deviceTakingConfig } from './config';

@Info({
  title: 'SealedConfig',
  description: "Configurations sealed to a device's registered key: the ledger holds only ciphertext and hashes",
})
export class SealedConfigContract extends RegistryContract {
  constructor() {
    super('SealedConfig');
  }

  /**
   * The owner's admin publishes the device's next configuration sealed to its current key, inline
   * or (large) off-chain by hash and URI. It becomes the expected configuration too (its clear
   * sha256), so the device's config report shows drift as for any configuration.
   */
  @Transaction()
  @Returns('string')
  async PublishSealedConfig(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'publishSealedConfig', request, async ({ deviceId, version, sha256, sealed }) => {
      const device = await deviceTakingConfig(ctx, deviceId, version);
      if (sealed.keyId !== device.keyId) {
        throw new RegistryError(
          'RULE_VIOLATION',
          `the configuration is sealed to key ${sealed.keyId}, not to ${device.keyId}, the current key of device ${device.deviceId}`,
        );
      }
      const stored = isEnvelope(sealed) ? inline(device.deviceId, version, sealed) : offChain(sealed);
      const record: SealedConfig = { deviceId: device.deviceId, version, sha256, keyId: sealed.keyId, ...stored, ...when(ctx) };
      const expected: ConfigRecord = {
        deviceId: device.deviceId,
        version,
        sha256,
        uri: 'uri' in stored ? stored.uri : '',
        publishedAt: ctx.now,
        txId: ctx.txId,
      };
      ctx.store.put(keys.sealedConfig(device.deviceId), record);
      ctx.store.put(keys.config(device.deviceId), expected);
      const { envelope: _ciphertext, ...summary } = record;
      // The history and the event name the ciphertext by its hash: it is on the ledger once.
      appendHistory(ctx, device.deviceId, 'publish-sealed-config', summary);
      ctx.emit(EVENTS.configSealed, summary);
      return record;
    });
  }

  /**
   * The device's sealed configuration, for it to open at boot: nothing for a device that is not
   * active, nor for one quarantined, and nothing sealed to a key the device no longer holds.
   */
  @Transaction(false)
  @Returns('string')
  async GetSealedConfig(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'getSealedConfig', request, async ({ deviceId }) => {
      const device = await findDevice(ctx, deviceId);
      if (device.status !== 'active') {
        throw new RegistryError('STATE_CONFLICT', `device ${device.deviceId} is ${device.status}: it gets no configuration`);
      }
      await requireParticipation(ctx, device);
      const sealed = await ctx.store.mustGet<SealedConfig>(
        keys.sealedConfig(device.deviceId),
        `sealed configuration of device ${deviceId}`,
      );
      const current = await ctx.store.get<ConfigRecord>(keys.config(device.deviceId));
      if (current && current.version !== sealed.version) {
        throw new RegistryError(
          'NOT_FOUND',
          `the current configuration of device ${device.deviceId} (version ${current.version}) was published unsealed; the sealed one is version ${sealed.version}`,
        );
      }
      if (sealed.keyId !== device.keyId) {
        throw new RegistryError(
          'RESEAL_REQUIRED',
          `configuration version ${sealed.version} of device ${device.deviceId} is sealed to key ${sealed.keyId}, which the device ` +
            `no longer holds (its key is ${device.keyId}): the owner's admin must seal it again to the current key`,
        );
      }
      return sealed;
    });
  }
}

const isEnvelope = (sealed: SealedConfigEnvelope | SealedConfigReference): sealed is SealedConfigEnvelope => 'ciphertext' in sealed;

function inline(deviceId: string, version: number, envelope: SealedConfigEnvelope) {
  if (envelope.deviceId !== deviceId || envelope.version !== version) {
    throw new RegistryError(
      'RULE_VIOLATION',
      `the envelope is sealed for device ${envelope.deviceId} version ${envelope.version}, not device ${deviceId} version ${version}`,
    );
  }
  return { envelopeSha256: sealedConfigSha256(envelope), envelopeBytes: sealedConfigBytes(envelope).length, envelope };
}

function offChain({ uri, envelopeSha256, envelopeBytes }: SealedConfigReference) {
  return { envelopeSha256, envelopeBytes, uri };
}

const when = (ctx: RegistryContext) => ({ publishedAt: ctx.now, publisherMsp: ctx.msp, txId: ctx.txId });
