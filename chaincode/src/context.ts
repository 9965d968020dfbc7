/**
 * What every transaction needs from its context: who submits (MSP ID and the certificate's
 * `role` attribute), the transaction's own time and ID, the store, and its one event.
 */
import { Context } from 'fabric-contract-api';
import { RegistryError, ROLES, Role } from '@iotreg/common';
import { Store } from './ledger/store';

export class RegistryContext extends Context {
  #store?: Store;
  #event?: string;

  get store(): Store {
    this.#store ??= new Store(this.stub);
    return this.#store;
  }

  get msp(): string {
    return this.clientIdentity.getMSPID();
  }

  /** The submitter's role, from the `role` attribute its Fabric CA put in its certificate. */
  get role(): Role | undefined {
    const value = this.clientIdentity.getAttributeValue('role');
    return (ROLES as readonly string[]).includes(value ?? '') ? (value as Role) : undefined;
  }

  requireRole(...allowed: Role[]): Role {
    const role = this.role;
    if (!role || !allowed.includes(role)) {
      throw new RegistryError('FORBIDDEN', `this needs the role ${allowed.join(' or ')}; the submitter has ${role ?? 'none'}`);
    }
    return role;
  }

  /** Only an admin of the org that owns the record. */
  requireOwnerAdmin(ownerMsp: string, what: string): void {
    this.requireRole('admin');
    if (this.msp !== ownerMsp) throw new RegistryError('FORBIDDEN', `${what} belongs to ${ownerMsp}, not ${this.msp}`);
  }

  get txId(): string {
    return this.stub.getTxID();
  }

  /** The transaction's timestamp (set by the client, agreed by every endorser), ISO 8601 UTC. */
  get now(): string {
    const ts = this.stub.getTxTimestamp();
    const millis = Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6);
    return new Date(millis).toISOString();
  }

  /**
   * Per-record time never goes backwards. Fabric does not bound a transaction's timestamp (the
   * client sets it; endorsers and orderers do not compare it with their clocks), so this is the
   * one check the chaincode can make: a change is not dated before the record's last change.
   * `lastChange` is an ISO time the ledger wrote (same form as `now`, so string order is time order).
   */
  requireNotBefore(lastChange: string | undefined, what: string): void {
    if (lastChange !== undefined && this.now < lastChange) {
      throw new RegistryError(
        'TIMESTAMP_BEFORE_LAST_CHANGE',
        `the transaction's timestamp ${this.now} is earlier than the last change of ${what} (${lastChange}); check the submitting client's clock`,
      );
    }
  }

  /** Each write emits exactly one event; a second would silently replace the first. */
  emit(name: string, payload: unknown): void {
    if (this.#event) throw new RegistryError('INTERNAL', `transaction already emitted ${this.#event}`);
    this.#event = name;
    this.stub.setEvent(name, Buffer.from(JSON.stringify(payload)));
  }
}
