// Stage: runtime. The bug zoo: deliberately broken variants of the protocols, selectable by name
// (`ent check --bug NAME`, `ent run --bug NAME`). Each breaks one rule of proofs/semantics.md and
// declares what the checkers must report when they catch it, and the `ent check` run that shows it;
// tests/zoo.test.ts runs exactly that run and requires exactly that report. They are the negative
// controls that show the checkers can fail, each for its own reason.

export interface ZooVariant {
  readonly name: string;
  /** The rule it breaks, in one sentence. */
  readonly breaks: string;
  /** What goes wrong when it does. */
  readonly symptom: string;
  /**
   * What catching it means: `checker:kind` (for the dependency graph, the anomaly class). The run that
   * shows the bug must report at least one of these; another finding alone is not this bug caught.
   */
  readonly caughtAs: readonly string[];
  /** Only `caughtAs` is reported: no other checker sees the bug (a control for the checker that does). */
  readonly onlyCaughtAs?: boolean;
  /** The `ent check` run that shows it: the program, the workload, a fault plan other than ent check's, and a seed. */
  readonly shownBy: ZooDemonstration;
}

export interface ZooDemonstration {
  readonly program: string;
  readonly workload: 'random' | 'run';
  /** A fault plan as `--faults` takes it, when ent check's default does not show the bug in a few hundred runs. */
  readonly faults?: string;
  readonly seed: string;
}

const bank: ZooDemonstration = { program: 'examples/bank.ent', workload: 'random', seed: '1' };
const orders: ZooDemonstration = { program: 'examples/orders.ent', workload: 'run', seed: '1' };
const erasure: ZooDemonstration = { program: 'examples/erasure.ent', workload: 'run', seed: '1' };

export const zoo: readonly ZooVariant[] = [
  {
    name: 'no-dedup-table',
    breaks: 'the coordinator does not consult its decisions when a request arrives again',
    symptom: 'a request resent by its client runs and commits twice',
    caughtAs: ['exactly-once:duplicate-commit', 'dependency-graph:committed-twice'],
    shownBy: bank,
  },
  {
    name: 'dedup-table-volatile',
    breaks: 'the coordinator keeps its decisions in memory only',
    symptom: 'after a crash, a resent request that had committed runs and commits again',
    caughtAs: ['exactly-once:duplicate-commit', 'dependency-graph:committed-twice'],
    // Since clients that submit at once do so in an order the schedule chooses, seed 1's first failing
    // run shows only the replay's and installation's symptoms of the crash; seed 5's, the duplicate commit.
    shownBy: { ...bank, seed: '5' },
  },
  {
    name: 'ack-before-persist',
    breaks: 'a participant votes yes before its prepared record is durable',
    symptom: 'a crash after the vote loses the writes, which the commit then cannot install',
    caughtAs: ['installation:partial-commit'],
    shownBy: bank,
  },
  {
    name: 'early-lock-release',
    breaks: 'a participant frees its locks when it votes, before the commit',
    symptom: 'another transaction reads the old version and overwrites the commit (a lost update)',
    caughtAs: ['dependency-graph:lost-update', 'dependency-graph:G-single', 'dependency-graph:G2'],
    // From seed 1 it first shows as a stale read: serializable, but not in the order the protocol claims.
    shownBy: { ...bank, seed: '2' },
  },
  {
    name: 'reentrant-across-transactions',
    breaks: 'a lock held by one transaction lets any other transaction in',
    symptom: 'concurrent transactions read and write the same entity (lost updates)',
    caughtAs: ['dependency-graph:lost-update', 'dependency-graph:G-single', 'dependency-graph:G2'],
    shownBy: bank,
  },
  {
    name: 'commit-without-all-participants',
    breaks: 'the coordinator commits after the first yes vote',
    symptom: 'a participant that has not prepared gets a commit it cannot install: a partial commit',
    caughtAs: ['installation:partial-commit'],
    shownBy: bank,
  },
  {
    name: 'replay-without-idempotence',
    breaks: 'a participant applies a commit again when the commit is resent',
    symptom: 'an old write is installed again over a newer one',
    caughtAs: ['dependency-graph:committed-twice'],
    shownBy: bank,
  },
  {
    name: 'abort-without-validation',
    breaks: 'under 2PL the coordinator decides a program abort without asking the participants whether the attempt still holds its locks',
    symptom: 'the attempt loses a lock (to a crash, or to an older transaction), another transaction changes what it read, and the client gets an abort that no serial order gives',
    caughtAs: ['replay:replay-commits', 'replay:different-abort', 'dependency-graph:G-single', 'dependency-graph:G2'],
    // Short outages, often: a node must crash and come back (or an older move take the audit's lock)
    // while an audit is between its two reads.
    shownBy: { program: 'examples/audit.ent', workload: 'run', faults: 'drop=0.05,dup=0.05,delay=0.2,crash=0.05,downtime=4', seed: '4' },
  },
  {
    name: 'dedup-forgets-before-ack',
    breaks: 'the coordinator forgets a decision once its participants have acknowledged it, before the client has its answer',
    symptom: 'a request whose response was lost is resent, runs again and takes effect twice',
    caughtAs: ['exactly-once:duplicate-commit', 'dependency-graph:committed-twice'],
    shownBy: bank,
  },
  {
    name: 'reply-before-durable',
    breaks: 'the coordinator answers the client before the decision is durable',
    symptom: 'the client is told of a commit that then does not happen, or happens with another result',
    caughtAs: ['exactly-once:answer-without-commit', 'exactly-once:conflicting-answers'],
    shownBy: bank,
  },
  {
    name: 'drop-requests',
    breaks: 'the coordinator drops every request it receives',
    symptom: 'nothing is ever answered; nothing happens, so only the liveness check can tell',
    caughtAs: ['liveness:stuck'],
    onlyCaughtAs: true,
    shownBy: bank,
  },
  {
    name: 'offset-before-effects',
    breaks: 'S-Atom: the stream driver commits an atom\'s offset in a transaction of its own, before the transaction of the atom\'s effects',
    symptom: 'a crash between the two would lose the atom (processed, and never applied); a concurrent transaction sees the offset moved and the effects missing',
    caughtAs: ['streams:offset-before-effects'],
    shownBy: orders,
  },
  {
    name: 'atom-split',
    breaks: 'S-Atom: the stream driver runs each event of an atom as a transaction of its own',
    symptom: 'an atom that aborts on its second event keeps its first event\'s effects (a half-processed order)',
    caughtAs: ['streams:atom-split', 'replay:final-state'],
    shownBy: orders,
  },
  {
    name: 'output-again-on-recovery',
    breaks: 'S-Publish: a node that recovers publishes again the atoms still queued in its $Streams(0), as if it replayed an output log',
    symptom: 'an atom emitted once is processed twice (a reorder delivered twice)',
    caughtAs: ['replay:different-answer', 'replay:replay-commits', 'replay:different-abort', 'replay:final-state'],
    shownBy: { ...orders, faults: 'drop=0.02,dup=0.02,delay=0.05,crash=0.05,downtime=4' },
  },
  {
    name: 'update-mid-atom',
    breaks: 'U-Version: each node keeps its own copy of the code versions and installs an update when the update reaches it, and code reads its node\'s copy, outside the transaction that reads the code entity',
    symptom: 'an atom that runs while the update is on its way runs on the new code on one node and on the old code on another: an update applied in the middle of an atom',
    caughtAs: ['updates:mixed-versions'],
    shownBy: erasure,
  },
];

export const zooNames: readonly string[] = zoo.map((variant) => variant.name);
