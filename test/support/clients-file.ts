/**
 * network/runtime/clients.json, which `./test-network.sh up` writes: each member org's gateway and
 * a bearer token per role. Read here only, by the tests and by the benchmark (bench builds this
 * file with its own sources), so its shape is written down once.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const ORGS = ['Org1MSP', 'Org2MSP'] as const;
export type Org = (typeof ORGS)[number];
export type Role = 'admin' | 'vendor' | 'auditor';

export interface OrgClients {
  gateway: string;
  tokens: Record<Role, string>;
}

export interface ClientsFile {
  channel: string;
  chaincode: string;
  orgs: Record<Org, OrgClients>;
}

/** The file as the network that is up wrote it; `repo` is the repository's root. */
export function readClientsFile(repo: string): ClientsFile {
  return JSON.parse(readFileSync(path.join(repo, 'network/runtime/clients.json'), 'utf8')) as ClientsFile;
}
