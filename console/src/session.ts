/**
 * Sign-in: the org's bearer token, kept in this tab's sessionStorage (never a cookie, gone when
 * the tab closes), checked with GET /v1/whoami, which also says the org and role shown.
 */
import { Api, Whoami } from './api';

const KEY = 'iotreg.console.token';

export interface Session {
  api: Api;
  who: Whoami;
}

export async function signIn(token: string): Promise<Session> {
  const api = new Api(token.trim());
  const who = await api.get<Whoami>('/v1/whoami');
  sessionStorage.setItem(KEY, token.trim());
  return { api, who };
}

/** The tab's session, if a token is stored and still valid. */
export async function resume(): Promise<Session | undefined> {
  const token = sessionStorage.getItem(KEY);
  if (!token) return undefined;
  try {
    return await signIn(token);
  } catch {
    sessionStorage.removeItem(KEY);
    return undefined;
  }
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

/** What each role may do through the API; the console offers nothing else (the chaincode decides anyway). */
export const can = {
  /** GET /v1/audit/tx/{txId} */
  audit: (who: Whoami) => who.role === 'auditor' || who.role === 'admin',
  /** GET /v1/devices/{id}/history */
  readHistory: (who: Whoami) => who.role === 'auditor' || who.role === 'admin',
  /** Votes on another org's firmware release. */
  vote: (who: Whoami, familyOwner: string) => who.role === 'admin' && who.mspId !== familyOwner,
  /** Publishes releases of its own org's families (signed by the family's vendor key, outside the console). */
  publish: (who: Whoami, familyOwner: string) => who.role === 'vendor' && who.mspId === familyOwner,
  /** Suspends, reactivates and revokes its own org's devices. */
  manageDevice: (who: Whoami, owner: string) => who.role === 'admin' && who.mspId === owner,
};
