export * from './closeCodes.js';
export * from './gatewayOpcodes.js';
export * from './voiceOpcodes.js';
export * from './voiceBinary.js';
export * from './etf.js';
