/**
 * Discord's REST error answers (docs reference "Error Messages", topics/opcodes-and-status-codes
 * "HTTP Response Codes", "JSON Error Codes"): a status and the body `{ message, code, errors? }`.
 * World errors carry only the JSON code; the table below gives the status Discord pairs it with.
 */
import type { ErrorTree, WorldError } from '../world/worldError.js';

export class RestError extends Error {
  readonly status: number;
  /** Discord's JSON error code; 0 for plain HTTP errors (401, 404 route, 405). */
  readonly code: number;
  readonly errors: ErrorTree | undefined;
  readonly headers: Record<string, string>;
  /** A body other than `{ message, code, errors }` (the 429 shape). */
  private readonly customBody: Record<string, unknown> | undefined;
  constructor(
    status: number,
    code: number,
    message: string,
    errors?: ErrorTree,
    headers: Record<string, string> = {},
    body?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'RestError';
    this.customBody = body;
    this.status = status;
    this.code = code;
    this.errors = errors;
    this.headers = headers;
  }

  body(): Record<string, unknown> {
    if (this.customBody !== undefined) return this.customBody;
    return this.errors === undefined
      ? { message: this.message, code: this.code }
      : { message: this.message, code: this.code, errors: this.errors };
  }
}

export const notFound = () => new RestError(404, 0, '404: Not Found');
export const methodNotAllowed = () => new RestError(405, 0, '405: Method Not Allowed');
export const unauthorized = () => new RestError(401, 0, '401: Unauthorized');
export const invalidJson = () => new RestError(400, 50109, 'The request body contains invalid JSON.');
export const entityTooLarge = () => new RestError(413, 40005, 'Request entity too large');
export const internalError = () => new RestError(500, 0, '500: Internal Server Error');

/** HTTP status by JSON code range and the exceptions (docs "JSON Error Codes"). */
function statusFor(code: number): number {
  if (code === 50027) return 401;
  if (code === 50001 || code === 50013 || code === 50005 || code === 50007 || code === 20001) return 403;
  if (code >= 10001 && code < 20000) return 404;
  return 400;
}

export function fromWorldError(err: WorldError): RestError {
  return new RestError(statusFor(err.code), err.code, err.message, err.errors);
}

/** Collects field errors into Discord's nested `errors` tree, then throws one 50035. */
export class FormErrors {
  private readonly tree: ErrorTree = {};
  private count = 0;

  add(path: ReadonlyArray<string | number>, code: string, message: string): void {
    let node = this.tree;
    for (const key of path) {
      const k = String(key);
      let next = node[k];
      if (next === undefined || Array.isArray(next)) {
        next = {};
        node[k] = next;
      }
      node = next;
    }
    const leaf = (node._errors as Array<{ code: string; message: string }> | undefined) ?? [];
    leaf.push({ code, message });
    node._errors = leaf;
    this.count += 1;
  }

  get empty(): boolean {
    return this.count === 0;
  }

  throwIfAny(): void {
    if (this.count > 0) throw new RestError(400, 50035, 'Invalid Form Body', this.tree);
  }
}
