export * from './app-state-error-codes.js';
export * from './app-state-rules.js';
export * from './app-state-wire.js';
