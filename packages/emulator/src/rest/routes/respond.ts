/** Small constructors for route answers, so handlers read as Discord's docs do ("returns 204"). */
import type { RouteResponse } from '../router.js';

export const ok = (body: unknown): RouteResponse => ({ status: 200, body });
export const created = (body: unknown): RouteResponse => ({ status: 201, body });
export const noContent = (): RouteResponse => ({ status: 204 });
