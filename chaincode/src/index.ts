import { AgreementsContract } from './contracts/agreements';
import { ConfigContract } from './contracts/config';
import { DevicesContract } from './contracts/devices';
import { DiscoveryContract } from './contracts/discovery';
import { FirmwareContract } from './contracts/firmware';
import { FleetContract } from './contracts/fleet';
import { GovernanceContract } from './contracts/governance';
import { IdentityContract } from './contracts/identity';
import { MessagesContract } from './contracts/messages';
import { QuarantineContract } from './contracts/quarantine';
import { SealedConfigContract } from './contracts/sealed-config';
import { RolloutsContract } from './contracts/rollouts';
import { FamiliesContract } from './contracts/families';
import { ConfidentialContract } from './contracts/confidential';

/** The device-registry chaincode: one contract per aggregate, named as in the operation catalogue of @iotreg/common (OPERATIONS[name].tx is "Contract:Method"). */
export const contracts = [
  DevicesContract,
  ConfigContract,
  FirmwareContract,
  MessagesContract,
  DiscoveryContract,
  GovernanceContract,
  IdentityContract,
  QuarantineContract,
  SealedConfigContract,
  AgreementsContract,
  FleetContract,
  RolloutsContract,
  FamiliesContract,
  ConfidentialContract,
];
