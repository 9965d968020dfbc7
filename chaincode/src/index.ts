import { ConfigContract } from './contracts/config';
import { DevicesContract } from './contracts/devices';
import { DiscoveryContract } from './contracts/discovery';
import { FirmwareContract } from './contracts/firmware';
import { GovernanceContract } from './contracts/governance';
import { MessagesContract } from './contracts/messages';
import { RolloutsContract } from './contracts/rollouts';

/** The device-registry chaincode: one contract per aggregate, named as in the operation catalogue of @iotreg/common (OPERATIONS[name].tx is "Contract:Method"). */
export const contracts = [
  DevicesContract,
  ConfigContract,
  FirmwareContract,
  MessagesContract,
  DiscoveryContract,
  GovernanceContract,
  RolloutsContract,
];
