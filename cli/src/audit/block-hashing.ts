/** Moved to the device library, which checks freshness answers with it (device-sdk/src/audit/block-hashing.ts). */
export * from '@iotreg/device/dist/audit/block-hashing';
