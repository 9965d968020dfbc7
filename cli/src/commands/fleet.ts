/** iotreg fleet …: fleet queries and counts, answered by the gateway's read model. */
import { Command, Option } from 'commander';
import { COMPLIANCE_STATES, type CountDevicesRequest, DEVICE_STATUSES } from '@iotreg/common';
import { CommandContext, Io } from '../context';
import { invalidArgument } from '../errors';
import { fetchPage, PagingOptions, withPaging } from './options';

const DEVICE_COLUMNS = ['deviceId', 'family', 'ownerMsp', 'status', 'createdAt', 'updatedAt'];

interface FilterOptions {
  owner?: string;
  family?: string;
  status?: CountDevicesRequest['status'];
  firmware?: string;
  compliance?: CountDevicesRequest['compliance'];
  createdFrom?: string;
  createdTo?: string;
  changedFrom?: string;
  changedTo?: string;
  attribute?: string;
}

function withFilters(command: Command): Command {
  return command
    .option('--owner <msp>', 'owned by this MSP')
    .option('--family <family>')
    .addOption(new Option('--status <status>').choices(DEVICE_STATUSES))
    .option('--firmware <version>', 'reported firmware version')
    .addOption(new Option('--compliance <state>').choices(COMPLIANCE_STATES))
    .option('--created-from <time>', 'registered at or after (ISO 8601)')
    .option('--created-to <time>', 'registered before')
    .option('--changed-from <time>', "last changed by the owner's admin at or after")
    .option('--changed-to <time>', "last changed by the owner's admin before")
    .option('--attribute <name=value>', 'attribute equal to a value');
}

function filterOf(options: FilterOptions): CountDevicesRequest {
  const [attributeName, ...rest] = options.attribute?.split('=') ?? [];
  if (options.attribute !== undefined && (rest.length === 0 || !attributeName)) throw invalidArgument('--attribute must be name=value');
  return {
    owner: options.owner,
    family: options.family,
    status: options.status,
    firmwareVersion: options.firmware,
    compliance: options.compliance,
    createdFrom: options.createdFrom,
    createdTo: options.createdTo,
    changedFrom: options.changedFrom,
    changedTo: options.changedTo,
    ...(options.attribute !== undefined ? { attributeName, attributeValue: rest.join('=') } : {}),
  };
}

export function fleetCommands(io: Io): Command {
  const fleet = new Command('fleet').description("fleet queries and counts (the gateway's read model)");
  const ctx = (command: Command) => CommandContext.of(io, command);

  withPaging(withFilters(fleet.command('devices').description('devices matching every filter given, by device ID'))).action(
    async (options: FilterOptions & PagingOptions, command: Command) => {
      const c = ctx(command);
      c.page(await fetchPage(c, 'queryDevices', filterOf(options), options), DEVICE_COLUMNS);
    },
  );

  withFilters(fleet.command('counts').description('counts of the matching devices per status, family, compliance, firmware')).action(
    async (options: FilterOptions, command: Command) => {
      const c = ctx(command);
      c.record(await c.client.call('countDevices', filterOf(options)));
    },
  );
  return fleet;
}
