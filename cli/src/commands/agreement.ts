/**
 * iotreg agreement …: machine-to-machine agreements. The steps are the devices' own: each is
 * signed with the acting device's private key (--key), its seq continued from the ledger; reading
 * an agreement and its usage takes any token.
 */
import { Command } from 'commander';
import { AGREEMENT_PRICE_MAX, AGREEMENT_QUANTITY_MAX, AGREEMENT_UNITS } from '@iotreg/common';
import { DeviceClient, type OfferTerms } from '@iotreg/device';
import { CommandContext, Io } from '../context';
import { readIdentity } from '../key-files';
import { integer } from './options';

interface DeviceOptions {
  id: string;
  key: string;
}

/** The acting device, talking to the configured gateway, its seq read back from the ledger. */
async function asDevice(c: CommandContext, options: DeviceOptions): Promise<DeviceClient> {
  const device = new DeviceClient(c.connection.gateway, options.id, readIdentity(options.key));
  await device.syncSeq();
  return device;
}

const deviceOptions = (command: Command) =>
  command.requiredOption('--id <deviceId>', 'the acting device').requiredOption('--key <file>', "the acting device's private key PEM");

export function agreementCommands(io: Io): Command {
  const agreement = new Command('agreement').description('machine-to-machine agreements between devices (device-signed steps)');
  const ctx = (command: Command) => CommandContext.of(io, command);

  deviceOptions(agreement.command('offer').description('as the provider device, offer metered terms to another device'))
    .requiredOption('--agreement <agreementId>')
    .requiredOption('--consumer <deviceId>', 'the device that consumes, accepts and signs usage')
    .requiredOption('--resource <name>', 'what is metered, e.g. ev-charging')
    .requiredOption('--unit <unit>', AGREEMENT_UNITS.join(', '))
    .requiredOption('--max <n>', 'maxQuantity', integer(1, AGREEMENT_QUANTITY_MAX))
    .requiredOption('--price <n>', 'pricePerUnit, in the minor currency unit', integer(0, AGREEMENT_PRICE_MAX))
    .requiredOption('--currency <code>', 'ISO 4217, e.g. EUR')
    .requiredOption('--expires <time>', 'UTC, as the ledger writes times: 2026-12-31T23:59:59.000Z')
    .option('--min <n>', 'penalty rule: minQuantity', integer(0, AGREEMENT_QUANTITY_MAX), 0)
    .option('--penalty <n>', 'penalty rule: penaltyPerUnit short of minQuantity', integer(0, AGREEMENT_PRICE_MAX), 0)
    .action(async (o: DeviceOptions & Record<string, string | number>, command: Command) => {
      const c = ctx(command);
      const terms = {
        agreementId: o.agreement,
        consumerId: o.consumer,
        resource: o.resource,
        unit: o.unit,
        maxQuantity: o.max,
        pricePerUnit: o.price,
        currency: o.currency,
        expiresAt: o.expires,
        minQuantity: o.min,
        penaltyPerUnit: o.penalty,
      } as OfferTerms;
      c.record(await (await asDevice(c, o)).offerAgreement(terms));
    });

  deviceOptions(
    agreement.command('accept').description('as the consumer device, accept the terms offered (signs their hash, computed here)'),
  )
    .requiredOption('--agreement <agreementId>')
    .action(async (o: DeviceOptions & { agreement: string }, command: Command) => {
      const c = ctx(command);
      c.record(await (await asDevice(c, o)).acceptAgreement(o.agreement));
    });

  deviceOptions(agreement.command('use').description('as the consumer device, record a usage under an active agreement'))
    .requiredOption('--agreement <agreementId>')
    .requiredOption('--quantity <n>', "in the agreement's unit", integer(1, AGREEMENT_QUANTITY_MAX))
    .action(async (o: DeviceOptions & { agreement: string; quantity: number }, command: Command) => {
      const c = ctx(command);
      c.record(await (await asDevice(c, o)).recordUsage(o.agreement, o.quantity));
    });

  deviceOptions(agreement.command('settle').description('as either party, settle once expired or its maximum is used'))
    .requiredOption('--agreement <agreementId>')
    .action(async (o: DeviceOptions & { agreement: string }, command: Command) => {
      const c = ctx(command);
      c.record(await (await asDevice(c, o)).settleAgreement(o.agreement));
    });

  agreement
    .command('show')
    .description('an agreement with every signed step')
    .argument('<agreementId>')
    .action(async (id: string, _o: unknown, command: Command) => {
      const c = ctx(command);
      c.record(await c.client.call('getAgreement', { agreementId: id }));
    });

  agreement
    .command('usage')
    .description("an agreement's usage records, oldest first")
    .argument('<agreementId>')
    .action(async (id: string, _o: unknown, command: Command) => {
      const c = ctx(command);
      c.record(await c.client.call('listUsage', { agreementId: id }));
    });

  return agreement;
}
