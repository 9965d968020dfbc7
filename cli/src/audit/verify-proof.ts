/** Moved to the device library, which checks freshness answers with it (device-sdk/src/audit/verify-proof.ts). */
export * from '@iotreg/device/dist/audit/verify-proof';
