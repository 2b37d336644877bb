/**
 * The registry of simulated users (`emu.users`): creates them in the world (and, by default, as
 * members of every guild), finds them by id or name, and announces their presence changes.
 */
import type { PresenceState } from '../gateway/guildPayloads.js';
import type { VoiceJoins } from '../voiceJoins.js';
import type { World } from '../world/index.js';
import { SimulatedUser } from './simulatedUser.js';

export interface CreateUserOptions {
  username: string;
  /** A snowflake; minted when absent. An id the world already knows adopts that user. */
  id?: string;
  globalName?: string | null;
  /** Guilds she is a member of (GUILD_MEMBER_ADD for each she was not in). Default: every guild. */
  guilds?: string[];
  /** Default 'online'. */
  status?: PresenceState['status'];
}

export class SimulatedUsers {
  private readonly byId = new Map<string, SimulatedUser>();

  constructor(
    private readonly world: World,
    private readonly joins: VoiceJoins,
    private readonly log: (line: string) => void,
  ) {}

  /** Creates (or adopts, by id) a user who can act in the world. */
  create(opts: CreateUserOptions): SimulatedUser {
    const known = opts.id !== undefined ? this.byId.get(opts.id) : undefined;
    if (known) return known;
    const existing = opts.id !== undefined ? this.world.users.get(opts.id) : undefined;
    const user =
      existing ??
      this.world.addUser({
        username: opts.username,
        ...(opts.id !== undefined ? { id: opts.id } : {}),
        ...(opts.globalName !== undefined ? { globalName: opts.globalName } : {}),
      });
    const sim = new SimulatedUser(this.world, user, this.joins, (u) => this.announcePresence(u), this.log);
    this.byId.set(user.id, sim);
    for (const guildId of opts.guilds ?? [...this.world.guilds.keys()])
      this.world.addMember(guildId, user.id);
    if (opts.status !== undefined && opts.status !== 'online') sim.setStatus(opts.status);
    return sim;
  }

  /** A simulated user by id or username. */
  get(idOrName: string): SimulatedUser | undefined {
    const byId = this.byId.get(idOrName);
    if (byId) return byId;
    for (const u of this.byId.values()) if (u.username === idOrName) return u;
    return undefined;
  }

  all(): SimulatedUser[] {
    return [...this.byId.values()];
  }

  /** Presence of anyone in the world: simulated users say theirs, everyone else is online. */
  presenceOf(userId: string): PresenceState {
    return this.byId.get(userId)?.presence ?? { status: 'online', activities: [] };
  }

  /** Leaves every voice call (at emulator close). */
  dispose(): void {
    for (const u of this.byId.values()) u.dispose();
  }

  private announcePresence(user: SimulatedUser): void {
    const p = user.presence;
    for (const guildId of user.guildIds()) {
      this.world.dispatch(
        'PRESENCE_UPDATE',
        {
          user: { id: user.id },
          guild_id: guildId,
          status: p.status,
          activities: p.activities,
          client_status: p.status === 'offline' ? {} : { desktop: p.status },
        },
        guildId,
      );
    }
  }
}
