// Stage: explorer. The `symmetry` reduction: clients that are interchangeable are renamed canonically, so
// that states that differ only by which of them did what are expanded once. A renaming π that maps every
// client to one with the same requests left maps the state's transitions onto the renamed state's, one
// for one (what they did before is renamed with them, but not how many requests each took: the client
// under each name has that name's requests left, tests/symmetry.test.ts). But only clients with the same
// workload that took as many requests are taken as interchangeable: for clients whose workloads differ
// and only end alike, the renamed state (one client holding the history of requests that only the other
// could submit) is never reached, so renaming them merges nothing and only costs a fingerprint per
// renaming. A random workload's clients seldom have the same workload, so most states of `ent explore`
// take one fingerprint (tests/symmetry.test.ts holds that clients whose workloads end alike merge
// nothing, and identical ones do; docs/benchmarks.md has the counts, unchanged, and the time saved).
// The runtime reads a client id only
// to tell clients apart (addresses, a coordinator's records, a node's watermarks per client); request ids
// and timestamps are handed out in submission order, and the order of clients that submit in the same
// round is a choice of the schedule (runtime/client.ts `submissionOrder`), so every order is taken and
// none favours a client by its number; the setup's requests go through a client of their own
// (runtime/driver.ts `setupClientOf`), which is never renamed. A state's fingerprint is the least of its
// fingerprints over every such π (explorer/fingerprint.ts renames the clients in the hash), which is the
// same for all the states of one class. The checkers never read a client id but to tell clients apart,
// and an outcome names no client (explorer/explore.ts `outcomeOf`), so the terminal outcomes are kept:
// tests/explore.test.ts holds them equal with and without, and catches a renaming that also swaps
// clients with different requests left.
// Keys and nodes are not renamed: an entity's node is a hash of its key (runtime/attempts.ts
// `coordinatorOf`), so renaming keys moves entities between nodes, and renaming nodes would have to move
// every key with them; neither maps the system onto itself in general.

import { describeRequest } from '../runtime/describe.ts';
import type { Workload } from '../runtime/workload.ts';
import type { LoopState } from './loop.ts';

/** Which clients may be swapped: by default those with the same workload that took as many of it (a test passes an unsound one). */
export type Interchangeable = (workload: Workload, state: LoopState, a: number, b: number) => boolean;

export class ClientSymmetry {
  /** The requests a client has left, in words, by client and how many it took. */
  private readonly left = new Map<number, string>();

  /**
   * The renamings by what each client took (with the default test of interchangeable clients, they
   * depend on nothing else): a state's are found once per such vector, not once per fingerprint.
   */
  private readonly byTaken = new Map<string, number[][] | undefined>();

  constructor(private readonly workload: Workload, private readonly interchangeable?: Interchangeable) {}

  private requestsLeft(client: number, taken: number): string {
    const key = client * 65_536 + taken;
    let text = this.left.get(key);
    if (text === undefined) {
      text = this.workload.clients[client].slice(taken).map(describeRequest).join('; ');
      this.left.set(key, text);
    }
    return text;
  }

  private same(state: LoopState, a: number, b: number): boolean {
    if (this.interchangeable !== undefined) return this.interchangeable(this.workload, state, a, b);
    return state.taken[a] === state.taken[b] && this.requestsLeft(a, 0) === this.requestsLeft(b, 0);
  }

  /**
   * Every renaming of the state's clients that maps each workload client to an interchangeable one (the
   * setup's client, after them, to itself), as arrays from a client to its new name; the first is the
   * identity. Undefined when no two clients are interchangeable.
   */
  renamings(state: LoopState): number[][] | undefined {
    if (this.interchangeable !== undefined) return this.find(state);
    const key = `${state.config.clients.length}:${state.taken.join(',')}`;
    if (this.byTaken.has(key)) return this.byTaken.get(key);
    const found = this.find(state);
    this.byTaken.set(key, found);
    return found;
  }

  private find(state: LoopState): number[][] | undefined {
    const count = this.workload.clients.length;
    const total = state.config.clients.length;
    const fixed = Array.from({ length: total }, (_, client) => client);
    if (count < 2) return undefined;
    const classOf = new Array<number>(count).fill(-1);
    let classes = 0;
    for (let client = 0; client < count; client++) {
      if (classOf[client] !== -1) continue;
      classOf[client] = classes;
      for (let other = client + 1; other < count; other++) if (classOf[other] === -1 && this.same(state, client, other)) classOf[other] = classes;
      classes++;
    }
    if (classes === count) return undefined;
    const found: number[][] = [];
    const used = new Array<boolean>(count).fill(false);
    const current = fixed.slice();
    const place = (client: number): void => {
      if (client === count) { found.push(current.slice()); return; }
      for (let name = 0; name < count; name++) {
        if (used[name] || classOf[name] !== classOf[client]) continue;
        used[name] = true;
        current[client] = name;
        place(client + 1);
        used[name] = false;
      }
    };
    place(0);
    return found;
  }
}
