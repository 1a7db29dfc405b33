// Stage: runtime. Clients: each submits requests (G-Submit) to its ingress, the durable log of what it
// asked and has no answer for, sends each to the request's coordinator, resends it with the same id when
// no response comes in time, and keeps the first response it gets. Under at-most-once delivery a client
// sends a request once, and when no response comes in time it gives the request up: its answer is lost.
// Every request carries the client's watermark (every request of the client below it is answered), so
// that coordinators can forget their decisions about those. Input and output: configurations.

import type { Request } from '../semantics/transactions.ts';
import type { ChoiceSource } from './choices.ts';
import {
  copyClient, copyConfiguration, type ClientAnswer, type ClientRequest, type ClientState, type Configuration, type MessageBody, type Outcome,
} from './configuration.ts';
import { coordinatorOf } from './attempts.ts';
import { describeRequest } from './describe.ts';
import { appendHistory, clientAddress, nodeAddress, noteLine, noteSent, send, traced, type TraceContext, type TraceEntry } from './world.ts';

export interface ClientContext extends TraceContext {
  readonly choices: ChoiceSource;
}

function withClient(config: Configuration, client: ClientState): Configuration {
  const clients = config.clients.slice();
  clients[client.id] = client;
  const next = copyConfiguration(config);
  next.clients = clients;
  return next;
}

/** When the client acts on an unanswered request: it resends it, or under at-most-once gives it up. */
function resendDeadline(config: Configuration): number {
  return config.tick + config.settings.timeouts.clientRetry;
}

/**
 * The order in which clients that submit in the same round of the closed loop do so (runtime/driver.ts
 * `runClosedLoop`, explorer/loop.ts `advance`): a choice of the schedule. Request ids and timestamps are
 * handed out in submission order and timestamps are compared by age (2PL's wound-wait, Aria's
 * batches), so a fixed order (client 0 first) would make the clients unequal; as a choice, every order
 * is a schedule, and clients with the same requests are interchangeable (the explorer's `symmetry`
 * reduction). Asked only when two or more submit at once (one `pick` per place but the last), so that
 * runs of one client keep their schedules; 0s give the clients' own order.
 */
export function submissionOrder(ready: readonly number[], choices: ChoiceSource): number[] {
  if (ready.length < 2) return ready.slice();
  const left = ready.slice();
  const order: number[] = [];
  while (left.length > 1) order.push(left.splice(choices.pick(left.length), 1)[0]);
  order.push(left[0]);
  return order;
}

/**
 * The context of a submission: in a run nobody traces (`localSteps: 'count'`) its entries are counted by
 * rule only (runtime/world.ts `TraceContext`).
 */
export function submissionContext(choices: ChoiceSource, trace: TraceEntry[], localSteps: 'trace' | 'count'): ClientContext {
  return localSteps === 'count' ? { choices, trace, localCounts: new Map() } : { choices, trace };
}

/** G-Submit: the request enters the client's ingress and is sent; its id is returned with the configuration. */
export function submit(config: Configuration, clientId: number, request: Request, context: ClientContext): { config: Configuration; requestId: string } {
  const timestamp = config.nextTimestamp;
  const requestId = `r${timestamp}`;
  const entry: ClientRequest = { requestId, request, timestamp, resendAt: resendDeadline(config) };
  const client = config.clients[clientId];
  // With nothing unanswered, every earlier request of this client has its answer.
  const watermark = client.pending.size === 0 ? timestamp : client.watermark;
  const counted = copyConfiguration(config);
  counted.nextTimestamp = timestamp + 1;
  let next = withClient(counted, Object.assign(copyClient(client), { pending: client.pending.with(requestId, entry), watermark }));
  next = appendHistory(next, { type: 'request', requestId, client: clientId, tick: config.tick, request });
  noteLine(context, config.tick, () => `client ${clientId}`, 'G-Submit', () => `${requestId} ${describeRequest(request)}`);
  const sent = sendRequest(next, clientId, entry, context);
  if (traced(context)) noteSent(next, sent, context.trace);
  return { config: sent, requestId };
}

function sendRequest(config: Configuration, clientId: number, entry: ClientRequest, context: ClientContext): Configuration {
  const body: MessageBody = {
    kind: 'request', requestId: entry.requestId, client: clientId, request: entry.request, timestamp: entry.timestamp,
    watermark: config.clients[clientId].watermark,
  };
  return send(config, clientAddress(clientId), nodeAddress(coordinatorOf(entry.request, config)), body, context.choices);
}

/**
 * A response arrives. The first is the request's answer: the request leaves the ingress and the
 * watermark moves past it if it was the oldest unanswered. Every response is recorded in the history,
 * so that the exactly-once checker sees a later one that differs from the first.
 */
export function handleResponse(config: Configuration, clientId: number, body: Extract<MessageBody, { kind: 'response' }>): Configuration {
  const recorded = appendHistory(config, { type: 'response', requestId: body.requestId, client: clientId, tick: config.tick, outcome: body.outcome });
  const client = config.clients[clientId];
  const entry = client.pending.get(body.requestId);
  if (entry === undefined) return recorded;
  const pending = client.pending.with(body.requestId, undefined);
  const answer: ClientAnswer = { requestId: body.requestId, outcome: body.outcome, tick: config.tick, earlier: client.answers };
  const watermark = advanceWatermark(client.watermark, entry.timestamp, pending, config.nextTimestamp);
  return withClient(recorded, Object.assign(copyClient(client), { pending, watermark, answers: answer }));
}

/** The answers a client received since they were last collected, oldest first, and the configuration without them. */
export function collectAnswers(config: Configuration, clientId: number): { config: Configuration; answers: { requestId: string; outcome: Outcome; tick: number }[] } {
  const client = config.clients[clientId];
  if (client.answers === undefined) return { config, answers: [] };
  const answers: { requestId: string; outcome: Outcome; tick: number }[] = [];
  for (let answer: ClientAnswer | undefined = client.answers; answer !== undefined; answer = answer.earlier) answers.push(answer);
  return { config: withClient(config, Object.assign(copyClient(client), { answers: undefined })), answers: answers.reverse() };
}

export function clientDeadline(client: ClientState): number | undefined {
  let earliest: number | undefined;
  for (const entry of client.pending.values()) {
    earliest = earliest === undefined ? entry.resendAt : Math.min(earliest, entry.resendAt);
  }
  return earliest;
}

/**
 * Resends every unanswered request whose time is up, with the same id; under at-most-once gives it up
 * instead (it leaves the ingress unanswered, and the watermark moves past it).
 */
export function fireClientTimers(config: Configuration, clientId: number, context: ClientContext): Configuration {
  let next = config;
  let pending = config.clients[clientId].pending;
  let watermark = config.clients[clientId].watermark;
  for (const entry of config.clients[clientId].pending.values()) {
    if (entry.resendAt > config.tick) continue;
    if (config.settings.delivery === 'at-most-once') {
      pending = pending.with(entry.requestId, undefined);
      watermark = advanceWatermark(watermark, entry.timestamp, pending, config.nextTimestamp);
      noteLine(context, config.tick, () => `client ${clientId}`, 'G-Timeout', () => `give up ${entry.requestId}: at-most-once sends a request once`);
      continue;
    }
    const resent: ClientRequest = { requestId: entry.requestId, request: entry.request, timestamp: entry.timestamp, resendAt: resendDeadline(config) };
    pending = pending.with(entry.requestId, resent);
    noteLine(context, config.tick, () => `client ${clientId}`, 'G-Timeout', () => `resend ${entry.requestId}`);
    next = sendRequest(next, clientId, resent, context);
  }
  return withClient(next, Object.assign(copyClient(next.clients[clientId]), { pending, watermark }));
}

/** The watermark once the request with `timestamp` has left the ingress: past every request no longer pending. */
function advanceWatermark(watermark: number, timestamp: number, pending: ClientState['pending'], nextTimestamp: number): number {
  if (timestamp > watermark) return watermark;
  let next = timestamp + 1;
  while (next < nextTimestamp && !pending.has(`r${next}`)) next++;
  return next;
}
