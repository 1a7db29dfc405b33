// Stage: runtime. Clients: each submits requests (G-Submit) to the ingress, its durable log of what it
// asked, sends each to the request's coordinator, resends it with the same id when no response comes in
// time (unless delivery is at-most-once), and keeps the first response it gets.

import type { Request } from '../semantics/transactions.ts';
import { valuesEqual } from '../semantics/values.ts';
import type { ChoiceSource } from './choices.ts';
import type { ClientRequest, ClientState, Configuration, MessageBody, Outcome } from './configuration.ts';
import { coordinatorOf } from './coordinator.ts';
import { describeRequest } from './describe.ts';
import { appendHistory, clientAddress, nodeAddress, send, type TraceEntry } from './world.ts';

export interface ClientContext {
  readonly choices: ChoiceSource;
  readonly trace: TraceEntry[];
}

function withClient(config: Configuration, client: ClientState): Configuration {
  const clients = config.clients.slice();
  clients[client.id] = client;
  return { ...config, clients };
}

function retryDeadline(config: Configuration): number | undefined {
  return config.settings.delivery === 'at-most-once' ? undefined : config.tick + config.settings.timeouts.clientRetry;
}

/** G-Submit: the request enters the client's ingress and is sent; its id is returned with the configuration. */
export function submit(config: Configuration, clientId: number, request: Request, context: ClientContext): { config: Configuration; requestId: string } {
  const timestamp = config.nextTimestamp;
  const requestId = `r${timestamp}`;
  const entry: ClientRequest = {
    requestId, request, timestamp, submittedAt: config.tick, sends: 1, outcome: undefined, answeredAt: undefined, extraResponses: 0,
  };
  const client = config.clients[clientId];
  let next = withClient({ ...config, nextTimestamp: timestamp + 1 }, {
    ...client, requests: client.requests.with(requestId, entry), pending: new Map(client.pending).set(requestId, retryDeadline(config)),
  });
  next = appendHistory(next, { type: 'request', requestId, client: clientId, tick: config.tick, request });
  context.trace.push({ tick: config.tick, place: `client ${clientId}`, rule: 'G-Submit', span: undefined, detail: `${requestId} ${describeRequest(request)}` });
  return { config: sendRequest(next, clientId, entry, context), requestId };
}

function sendRequest(config: Configuration, clientId: number, entry: ClientRequest, context: ClientContext): Configuration {
  const body: MessageBody = { kind: 'request', requestId: entry.requestId, client: clientId, request: entry.request, timestamp: entry.timestamp };
  return send(config, clientAddress(clientId), nodeAddress(coordinatorOf(entry.request, config)), body, context.choices);
}

function sameOutcome(left: Outcome, right: Outcome): boolean {
  if (left.kind === 'committed' && right.kind === 'committed') return valuesEqual(left.value, right.value);
  return left.kind === 'aborted' && right.kind === 'aborted' && left.message === right.message;
}

/** A response arrives: the first is the request's answer; a later one that differs is recorded too. */
export function handleResponse(config: Configuration, clientId: number, body: Extract<MessageBody, { kind: 'response' }>): Configuration {
  const client = config.clients[clientId];
  const entry = client.requests.get(body.requestId);
  if (entry === undefined) return config;
  if (entry.outcome !== undefined) {
    const updated: ClientRequest = { ...entry, extraResponses: entry.extraResponses + 1 };
    const next = withClient(config, { ...client, requests: client.requests.with(body.requestId, updated) });
    if (sameOutcome(entry.outcome, body.outcome)) return next;
    return appendHistory(next, { type: 'response', requestId: body.requestId, client: clientId, tick: config.tick, outcome: body.outcome });
  }
  const answered: ClientRequest = { ...entry, outcome: body.outcome, answeredAt: config.tick };
  const pending = new Map(client.pending);
  pending.delete(body.requestId);
  const next = withClient(config, { ...client, requests: client.requests.with(body.requestId, answered), pending });
  return appendHistory(next, { type: 'response', requestId: body.requestId, client: clientId, tick: config.tick, outcome: body.outcome });
}

export function clientDeadline(client: ClientState): number | undefined {
  let earliest: number | undefined;
  for (const deadline of client.pending.values()) {
    if (deadline !== undefined) earliest = earliest === undefined ? deadline : Math.min(earliest, deadline);
  }
  return earliest;
}

/** Resends every unanswered request whose time is up, with the same id. */
export function fireClientTimers(config: Configuration, clientId: number, context: ClientContext): Configuration {
  let next = config;
  const client = config.clients[clientId];
  const pending = new Map(client.pending);
  let requests = client.requests;
  for (const [requestId, deadline] of client.pending) {
    if (deadline === undefined || deadline > config.tick) continue;
    const entry = requests.get(requestId)!;
    const resent: ClientRequest = { ...entry, sends: entry.sends + 1 };
    requests = requests.with(requestId, resent);
    pending.set(requestId, retryDeadline(config));
    context.trace.push({ tick: config.tick, place: `client ${clientId}`, rule: 'G-Timeout', span: undefined, detail: `resend ${requestId}` });
    next = sendRequest(next, clientId, resent, context);
  }
  return withClient(next, { ...next.clients[clientId], requests, pending });
}
