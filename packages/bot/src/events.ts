/**
 * Dispatch names as events: Discord's `MESSAGE_CREATE` is the client's `messageCreate`, as in
 * discord.js, and each event's argument is typed from discord-api-types' dispatch payloads.
 */
import type { GatewayDispatchPayload } from 'discord-api-types/v10';

type Camel<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Lowercase<Head>}${Capitalize<Camel<Tail>>}`
  : Lowercase<S>;

/** `MESSAGE_CREATE` -> `messageCreate`, at the type level. */
export type DispatchEventName<T extends string> = T extends `${infer A}_${infer B}`
  ? `${Lowercase<A>}${Capitalize<Camel<B>>}`
  : Lowercase<T>;

/** Every dispatch Discord documents, by its event name, with its `d` as the listener's argument. */
export type DispatchEvents = {
  [P in GatewayDispatchPayload as DispatchEventName<P['t']>]: [data: P['d'], shardId: number];
};

/** `MESSAGE_CREATE` -> `messageCreate` at run time; the mapping above, for any name. */
export function dispatchEventName(t: string): string {
  const parts = t.toLowerCase().split('_');
  let out = parts[0] ?? '';
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i] as string;
    out += p.charAt(0).toUpperCase() + p.slice(1);
  }
  return out;
}
