import { ConfigContract } from './contracts/config';
import { DevicesContract } from './contracts/devices';
import { DiscoveryContract } from './contracts/discovery';
import { FirmwareContract } from './contracts/firmware';
import { GovernanceContract } from './contracts/governance';
import { MessagesContract } from './contracts/messages';

/** The device-registry chaincode: one contract per aggregate, named as in @iotreg/common's TX table. */
export const contracts = [DevicesContract, ConfigContract, FirmwareContract, MessagesContract, DiscoveryContract, GovernanceContract];
