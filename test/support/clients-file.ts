/** The running network's clients.json (its shape: packages/common/src/api/clients-file.ts), for the tests. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CLIENTS_FILE, ClientsFile as ClientsFileSchema, type Role, ROLES } from '@iotreg/common';

export const ORGS = ['Org1MSP', 'Org2MSP'] as const;
export type Org = (typeof ORGS)[number];
export type { Role };

/** The test network's file: both orgs, every role's token. */
export interface ClientsFile {
  channel: string;
  chaincode: string;
  orgs: Record<Org, { gateway: string; ca?: string; tokens: Record<Role, string> }>;
}

/** The file as the network that is up wrote it, in its runtime folder. */
export function readClientsFile(runtime: string): ClientsFile {
  const file = ClientsFileSchema.parse(JSON.parse(readFileSync(path.join(runtime, path.basename(CLIENTS_FILE)), 'utf8')));
  for (const org of ORGS) {
    const tokens = file.orgs[org]?.tokens ?? {};
    if (!ROLES.every((role) => tokens[role] !== undefined)) throw new Error(`${CLIENTS_FILE}: ${org} lacks a token of some role`);
  }
  return file as ClientsFile;
}
