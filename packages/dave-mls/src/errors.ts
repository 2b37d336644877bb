/**
 * Base class for every error @cordwire/dave-mls raises or returns. `code` is stable and
 * machine-readable; messages never contain key material or MLS secrets.
 */
export class DaveError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
