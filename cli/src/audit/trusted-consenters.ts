/** Moved to the device library, which checks freshness answers with it (device-sdk/src/audit/trusted-consenters.ts). */
export * from '@iotreg/device/dist/audit/trusted-consenters';
