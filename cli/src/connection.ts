/**
 * Where the CLI connects and as whom. Per value, the first that is set wins: --gateway/--token,
 * then the selected --profile (or --org/--role from the network's clients.json), then
 * IOTREG_GATEWAY/IOTREG_TOKEN.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { CLIENTS_FILE, ClientsFile, ROLES } from '@iotreg/common';
import { invalidArgument } from './errors';

export interface ConnectionOptions {
  gateway?: string;
  token?: string;
  profile?: string;
  org?: string;
  role?: string;
}

export type Environment = Record<string, string | undefined>;

export interface Connection {
  gateway: string;
  token: string;
  /** The MSP ID the token acts for, when the configuration says so (--org, or a profile's mspId). */
  mspId?: string;
}

/** What ./test-network.sh up writes: one gateway and a token per role for each member org. */
const DEFAULT_CLIENTS = resolve(__dirname, '../..', CLIENTS_FILE);

export function resolveConnection(options: ConnectionOptions, env: Environment): Connection {
  if (options.profile !== undefined && options.org !== undefined) throw invalidArgument('give --profile or --org, not both');
  if (options.role !== undefined && options.org === undefined) throw invalidArgument('--role goes with --org');
  const selected =
    options.profile !== undefined
      ? fromProfile(options.profile, env)
      : options.org !== undefined
        ? fromClients(options.org, options.role, env)
        : {};
  const gateway = options.gateway ?? selected.gateway ?? env.IOTREG_GATEWAY;
  const token = options.token ?? selected.token ?? env.IOTREG_TOKEN;
  if (gateway === undefined || gateway === '') {
    throw invalidArgument('no gateway: give --gateway URL, IOTREG_GATEWAY, --profile NAME or --org MSP');
  }
  if (token === undefined || token === '') {
    throw invalidArgument('no token: give --token T, IOTREG_TOKEN, --profile NAME or --org MSP --role ROLE');
  }
  try {
    new URL(gateway);
  } catch {
    throw invalidArgument(`gateway "${gateway}" is not a URL`);
  }
  const mspId = selected.mspId;
  return mspId === undefined ? { gateway, token } : { gateway, token, mspId };
}

/** A profile file maps names to {gateway, token, mspId?}: ~/.iotreg.json, or the file IOTREG_PROFILES names. */
function fromProfile(name: string, env: Environment): Partial<Connection> {
  const file = env.IOTREG_PROFILES ?? join(env.HOME ?? homedir(), '.iotreg.json');
  const profiles = readJson(file, 'profile file') as Record<string, unknown>;
  const profile = profiles[name] as Partial<Connection> | undefined;
  if (typeof profile !== 'object' || profile === null) throw invalidArgument(`no profile "${name}" in ${file}`);
  return pickStrings(profile, file);
}

function fromClients(org: string, role: string | undefined, env: Environment): Partial<Connection> {
  const chosenRole = role ?? 'admin';
  if (!(ROLES as readonly string[]).includes(chosenRole)) throw invalidArgument(`--role must be one of ${ROLES.join(', ')}`);
  const file = env.IOTREG_CLIENTS ?? DEFAULT_CLIENTS;
  const clients = ClientsFile.safeParse(readJson(file, 'clients file'));
  if (!clients.success) throw invalidArgument(`${file} is not a clients file: ${clients.error.issues[0]?.message ?? ''}`);
  const entry = clients.data.orgs[org];
  if (!entry) throw invalidArgument(`no org "${org}" in ${file} (has: ${Object.keys(clients.data.orgs).join(', ')})`);
  return pickStrings({ gateway: entry.gateway, token: entry.tokens[chosenRole as keyof typeof entry.tokens], mspId: org }, file);
}

function pickStrings(source: Partial<Connection>, file: string): Partial<Connection> {
  const picked: Partial<Connection> = {};
  for (const key of ['gateway', 'token', 'mspId'] as const) {
    const value = source[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw invalidArgument(`${key} in ${file} must be a string`);
    picked[key] = value;
  }
  return picked;
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw invalidArgument(`cannot read the ${what} ${file}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null) throw invalidArgument(`the ${what} ${file} is not a JSON object`);
  return value;
}
