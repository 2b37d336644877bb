/**
 * Faults a test injects into REST through the control API, to prove a bot copes with what
 * Discord does on a bad day: 429 storms (per-route, global or shared scope), 5xx answers, slow
 * answers and reset connections. Each fault applies to the next `count` matching requests.
 */
import { EmulatorError } from '../errors.js';

export interface RestFaultMatch {
  /** Upper-case HTTP method; any when absent. */
  method?: string;
  /**
   * A route template as in the README table (`/channels/{channel}/messages`) or a path prefix
   * after the version (`/channels/1300000000000000101`); any route when absent.
   */
  path?: string;
}

export type RestFault =
  | {
      kind: 'rateLimit';
      /** How many requests get a 429 (default 1). */
      count?: number;
      /** retry_after of each 429 (default 1000 ms). */
      retryAfterMs?: number;
      /** X-RateLimit-Scope: 'user' (default, per route), 'global' (X-RateLimit-Global) or 'shared'. */
      scope?: 'user' | 'global' | 'shared';
      match?: RestFaultMatch;
    }
  | {
      kind: 'serverError';
      count?: number /** 500-599, default 500. */;
      status?: number;
      match?: RestFaultMatch;
    }
  | { kind: 'delay'; count?: number; ms: number; match?: RestFaultMatch }
  | { kind: 'reset'; count?: number; match?: RestFaultMatch };

interface ActiveFault {
  fault: RestFault;
  left: number;
}

function matches(m: RestFaultMatch | undefined, method: string, path: string, template: string): boolean {
  if (!m) return true;
  if (m.method !== undefined && m.method.toUpperCase() !== method) return false;
  if (m.path !== undefined && m.path !== template && !path.startsWith(m.path)) return false;
  return true;
}

export class RestFaults {
  private active: ActiveFault[] = [];

  /** Queues a fault; faults apply in the order they were injected. */
  inject(fault: RestFault): void {
    const count = fault.count ?? 1;
    if (!(count > 0)) throw new EmulatorError('EMULATOR_BAD_OPTION', 'a REST fault needs count > 0');
    if (fault.kind === 'serverError') {
      const status = fault.status ?? 500;
      if (!Number.isInteger(status) || status < 500 || status > 599) {
        throw new EmulatorError('EMULATOR_BAD_OPTION', 'serverError status must be 500-599');
      }
    }
    if (fault.kind === 'delay' && !(fault.ms >= 0)) {
      throw new EmulatorError('EMULATOR_BAD_OPTION', 'delay ms must be >= 0');
    }
    if (fault.kind === 'rateLimit' && fault.retryAfterMs !== undefined && !(fault.retryAfterMs >= 0)) {
      throw new EmulatorError('EMULATOR_BAD_OPTION', 'retryAfterMs must be >= 0');
    }
    this.active.push({ fault, left: count });
  }

  /** The fault for this request, if any; spends one of its count. */
  take(method: string, path: string, template: string): RestFault | undefined {
    const hit = this.active.find((a) => matches(a.fault.match, method, path, template));
    if (!hit) return undefined;
    hit.left -= 1;
    if (hit.left <= 0) this.active = this.active.filter((a) => a !== hit);
    return hit.fault;
  }

  pending(): number {
    return this.active.reduce((n, a) => n + a.left, 0);
  }

  clear(): void {
    this.active = [];
  }
}
