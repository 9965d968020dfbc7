/**
 * Every world-state key, built in one place: packages/common (ledger/state-keys.ts), so that the
 * gateways' read models read exactly the keys the chaincode writes.
 */
export { type DeviceIndexField, keys, sortable, sortableVersion, type StateKey } from '@iotreg/common';
