export * from './errors';
export * from './events';
export * from './formats';
export * from './keys';
export * from './merkle';
export * from './statements';
export * from './transactions';
export * from './types';
