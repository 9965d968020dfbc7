/**
 * network/runtime/clients.json, which `./test-network.sh up` writes: each member org's gateway
 * and a bearer token per role. The command line (--org/--role), the tests and the benchmark read
 * it with this schema.
 */
import { z } from 'zod';
import { ROLES } from '../formats';

/** Where the file is, from the repository's root. */
export const CLIENTS_FILE = 'network/runtime/clients.json';

export const OrgClients = z.object({
  gateway: z.string(),
  /** The CA (a PEM file) that signed an HTTPS gateway's certificate, when no public root did. */
  ca: z.string().optional(),
  /** An operator's copy may hold only some roles' tokens. */
  tokens: z.partialRecord(z.enum(ROLES), z.string()),
});

export const ClientsFile = z.object({
  channel: z.string(),
  chaincode: z.string(),
  orgs: z.record(z.string(), OrgClients),
});

export type OrgClients = z.output<typeof OrgClients>;
export type ClientsFile = z.output<typeof ClientsFile>;
