// TEMPORARY until @cordwire/emulator's index.ts exports the voice server (lead wires it):
// re-exports the emulator package plus its voice server for the vitest alias below.
export * from '../../../emulator/src/index.js';
export * from '../../../emulator/src/voice/index.js';
