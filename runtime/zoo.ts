// Stage: runtime. The bug zoo: deliberately broken variants of the protocols, selectable by name
// (`ent check --bug NAME`, `ent run --bug NAME`). Each breaks one rule of proofs/semantics.md; a test
// asserts that `ent check` catches every one, and that the correct protocols are not flagged. They are
// the negative controls that show the checkers can fail.

export interface ZooVariant {
  readonly name: string;
  /** The rule it breaks, in one sentence. */
  readonly breaks: string;
  /** What goes wrong when it does. */
  readonly symptom: string;
}

export const zoo: readonly ZooVariant[] = [
  {
    name: 'no-dedup-table',
    breaks: 'the coordinator does not consult its decisions when a request arrives again',
    symptom: 'a request resent by its client runs and commits twice',
  },
  {
    name: 'dedup-table-volatile',
    breaks: 'the coordinator keeps its decisions in memory only',
    symptom: 'after a crash, a resent request that had committed runs and commits again',
  },
  {
    name: 'ack-before-persist',
    breaks: 'a participant votes yes before its prepared record is durable',
    symptom: 'a crash after the vote loses the writes, which the commit then cannot install',
  },
  {
    name: 'early-lock-release',
    breaks: 'a participant frees its locks when it votes, before the commit',
    symptom: 'another transaction reads the old version and overwrites the commit (a lost update)',
  },
  {
    name: 'reentrant-across-transactions',
    breaks: 'a lock held by one transaction lets any other transaction in',
    symptom: 'concurrent transactions read and write the same entity (lost updates)',
  },
  {
    name: 'commit-without-all-participants',
    breaks: 'the coordinator commits after the first yes vote',
    symptom: 'a participant that has not prepared gets a commit it cannot install: a partial commit',
  },
  {
    name: 'replay-without-idempotence',
    breaks: 'a participant applies a commit again when the commit is resent',
    symptom: 'an old write is installed again over a newer one',
  },
  {
    name: 'abort-without-validation',
    breaks: 'under 2PL the coordinator decides a program abort without asking the participants whether the attempt still holds its locks',
    symptom: 'a crash frees a lock, another transaction changes what the attempt read, and the client gets an abort that no serial order gives',
  },
  {
    name: 'dedup-forgets-before-ack',
    breaks: 'the coordinator forgets a decision once its participants have acknowledged it, before the client has its answer',
    symptom: 'a request whose response was lost is resent, runs again and takes effect twice',
  },
  {
    name: 'reply-before-durable',
    breaks: 'the coordinator answers the client before the decision is durable',
    symptom: 'the client is told of a commit that then does not happen, or happens with another result',
  },
];

export const zooNames: readonly string[] = zoo.map((variant) => variant.name);
