/** Moved to the device library, which checks freshness answers with it (device-sdk/src/audit/proof-bundle.ts). */
export * from '@iotreg/device/dist/audit/proof-bundle';
