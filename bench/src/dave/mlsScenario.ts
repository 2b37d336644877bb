/**
 * One MLS group of a given size, grown the same way for every implementation, and one measured
 * round on it: a new member is added (the committer creates the commit, another member processes
 * it, the new member joins from the Welcome) and then removed again, so every round starts from
 * a group of the same size and tree shape.
 *
 * Only two members stay live (the committer and an observer); the others exist as leaves from
 * their key packages, which is all the measured operations depend on, and keeps building a
 * 99-member group from O(N^2) work to O(N).
 */
import type { ExternalSender } from './externalSender.js';
import type { MlsMember, MlsMemberFactory } from './mlsMember.js';
import { performance } from 'node:perf_hooks';

export const CHANNEL_ID = '927310423890473011';
/** Realistic-size snowflakes: credential identities are u64 user ids. */
const userId = (n: number): string => (123456789012345678n + BigInt(n)).toString();

export interface MlsRoundTimes {
  /** committer: op 27 in, commit + welcome out */
  readonly createCommit: number;
  /** existing member: op 29 for the Add commit */
  readonly processAddCommit: number;
  /** new member: op 30 */
  readonly joinFromWelcome: number;
}

async function timed<T>(fn: () => T | Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

export class MlsGroupScenario {
  #nextUser = 1000;
  #userIds: string[] = [];

  private constructor(
    private readonly factory: MlsMemberFactory,
    private readonly sender: ExternalSender,
    private readonly committer: MlsMember,
    private readonly observer: MlsMember,
  ) {}

  /** A group of `size - 1` members, so that each round's Add brings it to `size`. */
  static async create(
    factory: MlsMemberFactory,
    sender: ExternalSender,
    size: number,
  ): Promise<MlsGroupScenario> {
    if (size < 3) throw new Error('MLS scenario needs size >= 3 (committer, observer, joiner)');
    const committer = await factory(userId(1), CHANNEL_ID, sender.serialized);
    const observer = await factory(userId(2), CHANNEL_ID, sender.serialized);
    const scenario = new MlsGroupScenario(factory, sender, committer, observer);
    scenario.#userIds = [committer.userId, observer.userId];
    const keyPackages: Uint8Array[] = [await observer.keyPackage()];
    for (let i = 3; i < size; i++) {
      const filler = await factory(userId(i), CHANNEL_ID, sender.serialized);
      scenario.#userIds.push(filler.userId);
      keyPackages.push(await filler.keyPackage());
    }
    const out = await committer.processProposals(
      sender.add(committer.epoch(), keyPackages),
      scenario.#userIds,
    );
    if (!out.commit || !out.welcome) throw new Error('initial commit produced no commit/welcome');
    await committer.processCommit(out.commit);
    await observer.processWelcome(out.welcome);
    scenario.#check('after build');
    return scenario;
  }

  #check(when: string): void {
    if (this.committer.epoch() !== this.observer.epoch()) {
      throw new Error(
        `MLS scenario ${when}: committer epoch ${this.committer.epoch()} != observer ${this.observer.epoch()}`,
      );
    }
  }

  async round(): Promise<MlsRoundTimes> {
    const joiner = await this.factory(userId(this.#nextUser++), CHANNEL_ID, this.sender.serialized);
    const recognized = [...this.#userIds, joiner.userId];
    const epoch = this.committer.epoch();
    const addProposals = this.sender.add(epoch, [await joiner.keyPackage()]);
    const [out, createCommit] = await timed(() => this.committer.processProposals(addProposals, recognized));
    if (!out.commit || !out.welcome) throw new Error('Add produced no commit/welcome');
    await this.observer.processProposals(addProposals, recognized);
    const [, processAddCommit] = await timed(() => this.observer.processCommit(out.commit!));
    await this.committer.processCommit(out.commit);
    const [, joinFromWelcome] = await timed(() => joiner.processWelcome(out.welcome!));
    this.#check('after add');
    if (joiner.epoch() !== this.committer.epoch()) throw new Error('joiner is not in the committer epoch');

    // Undo: remove the joiner so the next round sees the same group.
    const removeProposals = this.sender.remove(this.committer.epoch(), [joiner.ownLeafIndex()]);
    const removed = await this.committer.processProposals(removeProposals, this.#userIds);
    if (!removed.commit) throw new Error('Remove produced no commit');
    await this.observer.processProposals(removeProposals, this.#userIds);
    await this.committer.processCommit(removed.commit);
    await this.observer.processCommit(removed.commit);
    this.#check('after remove');
    return { createCommit, processAddCommit, joinFromWelcome };
  }
}
