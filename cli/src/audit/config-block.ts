/** Moved to the device library, which checks freshness answers with it (device-sdk/src/audit/config-block.ts). */
export * from '@iotreg/device/dist/audit/config-block';
