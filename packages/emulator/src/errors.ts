/**
 * Errors the emulator throws to its user (bad options, bad seed, bad fault script). Each has a
 * stable `code`. Protocol violations by a client are not errors here: they become close codes.
 */
export class EmulatorError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'EmulatorError';
    this.code = code;
  }
}

/** The seed (guilds, channels, users) is malformed; `path` points at the offending field. */
export class SeedError extends EmulatorError {
  readonly path: string;
  constructor(path: string, message: string) {
    super('EMULATOR_BAD_SEED', `seed ${path}: ${message}`);
    this.name = 'SeedError';
    this.path = path;
  }
}

/** A fault script step is malformed; `step` is its index in the script. */
export class FaultScriptError extends EmulatorError {
  readonly step: number;
  constructor(step: number, message: string) {
    super('EMULATOR_BAD_SCRIPT', `fault script step ${step}: ${message}`);
    this.name = 'FaultScriptError';
    this.step = step;
  }
}

/** The emulator was used after close(). */
export class EmulatorClosedError extends EmulatorError {
  constructor() {
    super('EMULATOR_CLOSED', 'the emulator is closed');
    this.name = 'EmulatorClosedError';
  }
}

/** A scenario file is malformed; `path` points at the offending field (e.g. `timeline[3].channel`). */
export class ScenarioError extends EmulatorError {
  readonly path: string;
  constructor(path: string, message: string) {
    super('EMULATOR_BAD_SCENARIO', `scenario ${path}: ${message}`);
    this.name = 'ScenarioError';
    this.path = path;
  }
}
