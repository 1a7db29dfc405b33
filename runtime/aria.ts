// Stage: runtime. Aria-style deterministic batches, as StateFlow and Styx run them: one sequencer (node 0)
// collects requests for a short window and closes a batch, ordered by the requests' timestamps. Every
// member executes against the store as the batch found it (no locks; writes stay in the tokens). When all
// have finished, the sequencer walks the batch in order: a member that read or wrote an entity that an
// earlier committed member wrote conflicts and moves to the next batch; the others commit (or abort, if
// their program aborted) in batch order. The next batch starts only when every commit of this one is
// installed and acknowledged, so that it reads a store that holds them all. A batch waits for its
// members as long as they make progress (they renew their leases); a member that stops is run again.
// Input and output: configurations.

import type { AriaBatch, AttemptResult, Configuration, NodeId, Running, Token } from './configuration.ts';
import { copyDurable, copyRunning, copyVolatile } from './configuration.ts';
import { attemptTimeout, note, runIdOf, startAttempt, withRunning, type CoordinatorContext } from './attempts.ts';
import { decideAbort, decideCommit } from './decisions.ts';
import { updateDurable, updateVolatile } from './world.ts';

function withBatch(config: Configuration, node: NodeId, batch: AriaBatch | undefined): Configuration {
  return updateVolatile(config, node, (volatile) => Object.assign(copyVolatile(volatile), { batch }));
}

/** A new request waits for the next batch; the batch closes `batchWindow` ticks after it came. */
export function enqueue(config: Configuration, node: NodeId, running: Running): Configuration {
  return withRunning(config, node, Object.assign(copyRunning(running), { phase: 'waiting', deadline: config.tick + config.settings.batchWindow }), running.runId);
}

/** Every commit of the last batch is installed and acknowledged. */
function barrierClear(config: Configuration, node: NodeId): boolean {
  return config.nodes[node].volatile.resends.size === 0;
}

export function ariaDeadline(config: Configuration, node: NodeId): number | undefined {
  const volatile = config.nodes[node].volatile;
  if (volatile.batch !== undefined) return volatile.batch.deadline;
  if (!barrierClear(config, node)) return undefined;
  let earliest: number | undefined;
  for (const running of volatile.running.values()) {
    if (running.phase === 'waiting') earliest = earliest === undefined ? running.deadline : Math.min(earliest, running.deadline);
  }
  return earliest;
}

export function fireAriaTimers(config: Configuration, node: NodeId, context: CoordinatorContext): Configuration {
  const batch = config.nodes[node].volatile.batch;
  if (batch !== undefined) {
    if (batch.deadline > config.tick) return config;
    const unfinished = batch.members.filter((runId) => !batch.finished.has(runId));
    note(context, config, node, 'A-Timeout', () => `batch ${batch.number}: ${unfinished.join(', ')} sent no sign of life in time: run again`);
    const slowest = Math.max(...unfinished.map((runId) => config.nodes[node].volatile.running.get(runId)!.slowAttempts)) + 1;
    let next = withBatch(config, node, { ...batch, deadline: config.tick + attemptTimeout(config, slowest) });
    for (const runId of unfinished) {
      const running = next.nodes[node].volatile.running.get(runId)!;
      next = startAttempt(next, node, Object.assign(copyRunning(running), { slowAttempts: running.slowAttempts + 1 }), context);
    }
    return next;
  }
  const due = ariaDeadline(config, node);
  return due !== undefined && due <= config.tick ? closeBatch(config, node, context) : config;
}

/**
 * Closes a batch of the waiting requests, in timestamp order, and starts each member. A request that
 * conflicted before (`conflictedOn`) is left for a later batch when a request admitted before it in this
 * one wrote, last time, an entity it read or wrote: run again beside it, it would most likely conflict
 * again. So of the requests that keep meeting on a hot entity, the oldest runs in this batch and the
 * others wait, instead of all running again and all but one conflicting again (k requests on one entity
 * took k batches and k(k+1)/2 runs; now about 2k runs). Requests that only read a hot entity keep
 * running together. Every batch admits the oldest waiting request, so none waits forever; the order a
 * batch commits in (its members' timestamps) is unchanged, and only members of a batch are decided.
 */
function closeBatch(config: Configuration, node: NodeId, context: CoordinatorContext): Configuration {
  const sorted = [...config.nodes[node].volatile.running.values()]
    .filter((running) => running.phase === 'waiting')
    .sort((left, right) => left.timestamp - right.timestamp || left.runId.localeCompare(right.runId));
  if (sorted.length === 0) return config;
  // What the requests admitted so far wrote when they last conflicted.
  const claimed = new Set<string>();
  const left: Running[] = [];
  const waiting = sorted.filter((running) => {
    const last = running.conflictedOn;
    if (last === undefined) return true;
    if (last.accessed.some((entity) => claimed.has(entity))) {
      left.push(running);
      return false;
    }
    for (const entity of last.wrote) claimed.add(entity);
    return true;
  });
  const number = config.nodes[node].durable.batches + 1;
  note(context, config, node, 'A-Batch', () => `batch ${number}: ${waiting.map((running) => running.runId).join(', ')}`);
  // A request left for later waits a tick at least, as a conflicting one does: the next batch never
  // closes at this batch's tick (batch after batch at one tick would hold back every message due later).
  let next = config;
  for (const running of left) {
    if (running.deadline <= config.tick) next = withRunning(next, node, Object.assign(copyRunning(running), { deadline: config.tick + 1 }), running.runId);
  }
  next = withBatch(next, node, {
    number, members: waiting.map((running) => running.runId), finished: new Map(), deadline: config.tick + config.settings.timeouts.attempt,
  });
  for (const running of waiting) next = startAttempt(next, node, running, context);
  return next;
}

/** A member's attempt finished (with a value, or its program aborted). */
export function ariaFinished(config: Configuration, node: NodeId, token: Token, result: AttemptResult, context: CoordinatorContext): Configuration {
  const batch = config.nodes[node].volatile.batch;
  const runId = runIdOf(token.attempt);
  const running = config.nodes[node].volatile.running.get(runId);
  if (batch === undefined || running?.attempt !== token.attempt || batch.finished.has(runId)) return config;
  const finished = new Map(batch.finished).set(runId, { token, result });
  const next = withBatch(config, node, { ...batch, finished });
  return finished.size === batch.members.length ? decideBatch(next, node, context) : next;
}

/** A member's attempt could not go on (a node it used restarted): run it again at once. */
export function ariaRetry(config: Configuration, node: NodeId, token: Token, context: CoordinatorContext): Configuration {
  const running = config.nodes[node].volatile.running.get(runIdOf(token.attempt));
  if (running?.attempt !== token.attempt || config.nodes[node].volatile.batch === undefined) return config;
  return startAttempt(config, node, running, context);
}

/** C-Renew under Aria: a member is making progress, so its batch waits for it a lease longer. */
export function ariaRenew(config: Configuration, node: NodeId, running: Running, context: CoordinatorContext): Configuration {
  const batch = config.nodes[node].volatile.batch;
  if (batch === undefined || !batch.members.includes(running.runId) || batch.finished.has(running.runId)) return config;
  const deadline = Math.max(batch.deadline, config.tick + attemptTimeout(config, running.slowAttempts));
  note(context, config, node, 'C-Renew', () => `${running.attempt} until tick ${deadline}`);
  return withBatch(config, node, { ...batch, deadline });
}

/**
 * Walks the batch in order. A member conflicts when an earlier member that committed wrote an entity it
 * read or wrote (it read every entity it wrote): its reads may be stale, so it runs in the next batch.
 */
function decideBatch(config: Configuration, node: NodeId, context: CoordinatorContext): Configuration {
  const batch = config.nodes[node].volatile.batch!;
  const written = new Set<string>();
  let next = withBatch(config, node, undefined);
  next = updateDurable(next, node, (durable) => Object.assign(copyDurable(durable), { batches: batch.number }));
  for (const runId of batch.members) {
    const { token, result } = batch.finished.get(runId)!;
    const running = next.nodes[node].volatile.running.get(runId)!;
    const reads = token.reads.keyList();
    const wrote = token.writes.keyList();
    if (reads.some((id) => written.has(id)) || wrote.some((id) => written.has(id))) {
      note(context, config, node, 'A-Conflict', () => `${runId} read what an earlier member of batch ${batch.number} wrote: next batch`);
      // The next batch closes a tick later, not at once: a batch whose members all run at the sequencer
      // takes no tick of its own, and a hot entity with many members would otherwise keep the system
      // busy at one tick, batch after batch, while every message due later (a client's answer) waited.
      const conflictedOn = { accessed: [...reads, ...wrote], wrote };
      next = withRunning(next, node, Object.assign(copyRunning(running), { phase: 'waiting', deadline: config.tick + 1, conflictedOn }), runId);
      continue;
    }
    if (result.kind === 'abort') {
      // Its reads were of the batch's snapshot, and no earlier member that committed wrote any of them:
      // running alone at this place in the order, it aborts the same way.
      next = decideAbort(next, node, running, token, result.reason, context);
      continue;
    }
    for (const id of token.writes.keys()) written.add(id);
    next = decideCommit(next, node, running, token, result.value, context);
  }
  return next;
}
