// Stage: engines/restate. A program on Restate: starts (or joins) a server, starts the service process,
// registers its deployment, sends requests to the ingress, each under its request id as the idempotency
// key (a request sent again, after a timeout or a server restart, takes effect once), and reads back
// from the objects' durable state what really happened, as the history of docs/history.md.

import { randomUUID } from 'node:crypto';
import type { HistoryEvent } from '../../runtime/history.ts';
import type { CommittedEntity } from '../../runtime/store.ts';
import type { Outcome, Request } from '../../semantics/transactions.ts';
import { canonical, referenceValue, type MapKey } from '../../semantics/values.ts';
import type { DiagnosticCode } from '../../diagnostics/catalog.ts';
import {
  coordinatorName, decodeFields, decodeOutcome, encodeRequest, objectKey, objectName, type EncodedOutcome,
} from './codec.ts';
import { Processes, sdkInstalled, serverBinary, serverPackage, sleep } from './processes.ts';
import type { Decision, EntitySnapshot, Protocol, RunInput } from './service.ts';

export class EngineError extends Error {
  constructor(readonly code: 'U0130' | 'U0131', message: string, readonly hint: string) {
    super(message);
  }
}

export interface EngineOptions {
  /** The program's source text, which the service process compiles and serves. */
  readonly programText: string;
  readonly protocol: Protocol;
  readonly stepLimit: number;
  /** A server Ent did not start: its ingress and admin URLs. */
  readonly ingressUrl?: string;
  readonly adminUrl?: string;
  /** How long to wait for the server to answer at all. */
  readonly startTimeoutMs?: number;
}

/** Why the engine cannot run here, as the one error `ent` prints, or undefined when it can. */
export function engineUnavailable(ownServer: boolean): EngineError | undefined {
  const missing = [
    ...(ownServer && serverBinary() === undefined ? [serverPackage()] : []),
    ...(sdkInstalled() ? [] : ['@restatedev/restate-sdk']),
  ];
  if (missing.length === 0) return undefined;
  return new EngineError('U0130', `the Restate engine is not installed for ${serverPackage().replace('@restatedev/restate-server-', '')}: `
    + `${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} missing`,
  'install Ent with its optional dependencies: `npm install` (or `npm ci`) in Ent\'s folder, on a platform that '
    + '@restatedev/restate-server ships a binary for (linux-x64, linux-arm64, darwin-x64, darwin-arm64); or give '
    + '`--restate-url` and `--restate-admin-url` of a server you run');
}

interface Sent {
  readonly requestId: string;
  readonly request: Request;
  readonly client: number;
  readonly tick: number;
}

export class RestateEngine {
  namespace: string;
  private events: HistoryEvent[] = [];
  private sent: Sent[] = [];
  private startedAt = performance.now();
  private nextTimestamp = 1;
  /** Wall milliseconds spent waiting for the ingress (the engine's share of a run). */
  waitedMs = 0;
  /** The protocol of the requests sent from now on (a check on a server already running sets its own). */
  protocol: Protocol;

  private constructor(readonly processes: Processes, readonly options: EngineOptions) {
    // A server Ent did not start may hold other runs' objects: this run's keys start with its own namespace.
    this.namespace = options.ingressUrl === undefined ? 'run' : randomUUID().slice(0, 8);
    this.protocol = options.protocol;
  }

  private get ingress(): string {
    return this.options.ingressUrl ?? this.processes.ingressUrl;
  }

  private get admin(): string {
    return this.options.adminUrl ?? this.processes.adminUrl;
  }

  /**
   * Serves another program on the same server: the service process starts again with it and its
   * deployment is registered again (replacing the last one); a new run begins in `namespace`.
   */
  async serve(programText: string, namespace: string): Promise<void> {
    await this.processes.serveProgram(programText);
    await this.register(this.options.startTimeoutMs ?? 60_000);
    this.beginRun(namespace);
  }

  /** Starts a new run on the same server and service: its own namespace, requests and history. */
  beginRun(namespace: string): void {
    this.namespace = namespace;
    this.events = [];
    this.sent = [];
    this.startedAt = performance.now();
    this.wallStart = Date.now();
    this.nextTimestamp = 1;
  }

  /** The requests sent in this run and not answered yet. */
  unanswered(): string[] {
    const answered = new Set(this.events.filter((event) => event.type === 'response').map((event) => event.requestId));
    return this.sent.filter((sent) => !answered.has(sent.requestId)).map((sent) => sent.requestId);
  }

  /** A real fault: SIGKILL the server, then start it again on the same folder and ports. */
  async crashServer(downMs: number): Promise<void> {
    await this.processes.killServer();
    await sleep(downMs);
    for (let tries = 1; ; tries++) {
      this.processes.startServer();
      try {
        await this.waitHealthy(20_000);
        return;
      } catch (error) {
        // Its ports may still be held for a moment after the kill: try again.
        await this.processes.killServer();
        if (tries >= 5) throw error;
        await sleep(500 * tries);
      }
    }
  }

  /** A real fault: SIGKILL the service process, then start it again on the same port (Restate retries its invocations). */
  async crashService(downMs: number): Promise<void> {
    await this.processes.killService();
    await sleep(downMs);
    this.processes.startService();
  }

  static async start(options: EngineOptions): Promise<RestateEngine> {
    const own = options.ingressUrl === undefined;
    const unavailable = engineUnavailable(own);
    if (unavailable !== undefined) throw unavailable;
    const processes = await Processes.create(own ? serverBinary() : undefined, options.programText);
    const engine = new RestateEngine(processes, options);
    try {
      if (own) processes.startServer();
      processes.startService();
      await engine.waitHealthy(options.startTimeoutMs ?? 60_000);
      await engine.register(options.startTimeoutMs ?? 60_000);
    } catch (error) {
      await processes.stop();
      throw error;
    }
    return engine;
  }

  /** Waits until the admin and ingress endpoints answer. */
  async waitHealthy(timeoutMs = 60_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (const url of [`${this.admin}/health`, `${this.ingress}/restate/health`]) {
      for (;;) {
        try {
          const response = await fetch(url);
          if (response.ok) break;
        } catch {
          // not up yet
        }
        if (performance.now() > deadline) {
          throw new EngineError('U0131', `the Restate server at ${url} did not answer within ${Math.round(timeoutMs / 1000)} s`,
            'check that nothing else holds its ports, and the server\'s log; with --restate-url, that the server runs');
        }
        await sleep(50);
      }
    }
  }

  /** Registers the service process's deployment with the admin API (once the service listens). */
  async register(timeoutMs = 60_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let last = '';
    for (;;) {
      try {
        const response = await fetch(`${this.admin}/deployments`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ uri: this.processes.serviceUrl, force: true }),
        });
        if (response.ok) return;
        last = `${response.status} ${await response.text()}`;
      } catch (error) {
        last = String(error);
      }
      if (performance.now() > deadline) {
        throw new EngineError('U0131', `Restate did not register Ent's service: ${last.slice(0, 300)}`,
          'check the service process\'s log; with --restate-admin-url, that the admin API is reachable');
      }
      await sleep(100);
    }
  }

  tick(): number {
    return Math.round((performance.now() - this.startedAt) * 1000) / 1000;
  }

  /** A new request id and timestamp (its age under wait-die). */
  nextRequest(): { requestId: string; timestamp: number } {
    const timestamp = this.nextTimestamp++;
    return { requestId: `r${timestamp}`, timestamp };
  }

  /**
   * Sends the request and waits for its outcome. Sent again with the same idempotency key until it is
   * answered: a killed server, a killed service or a lost connection delay the answer, never repeat
   * the effect.
   */
  async request(request: Request, client = 0, ids = this.nextRequest()): Promise<Outcome> {
    const { requestId, timestamp } = ids;
    const tick = this.tick();
    this.sent.push({ requestId, request, client, tick });
    this.events.push({ type: 'request', requestId, client, tick, request });
    const input: RunInput = { namespace: this.namespace, request: encodeRequest(request), ts: timestamp, protocol: this.protocol, stepLimit: this.options.stepLimit };
    const encoded = await this.ingressCall<EncodedOutcome>(`${coordinatorName}/${this.key(requestId)}/run`, input, requestId);
    const outcome = decodeOutcome(encoded);
    this.events.push({ type: 'response', requestId, client, tick: this.tick(), outcome });
    return outcome;
  }

  private key(requestId: string): string {
    return encodeURIComponent(`${this.namespace}|${requestId}`);
  }

  private async ingressCall<T>(path: string, body: unknown, idempotencyKey?: string): Promise<T> {
    const started = performance.now();
    let delay = 20;
    try {
      for (;;) {
        try {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
          const response = await fetch(`${this.ingress}/${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
          if (response.ok) return (await response.json()) as T;
          const text = await response.text();
          // A 4xx other than a timeout is a mistake of Ent's, not a fault: say so instead of looping.
          if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 409 && response.status !== 404) {
            throw new Error(`Restate ingress ${path}: ${response.status} ${text.slice(0, 300)}`);
          }
        } catch (error) {
          if (error instanceof Error && error.message.startsWith('Restate ingress')) throw error;
          // The server is down or restarting: send again, with the same idempotency key.
        }
        if (this.stopped) throw new Error('Restate ingress: the engine stopped before the answer came');
        await sleep(delay);
        delay = Math.min(500, delay * 2);
      }
    } finally {
      this.waitedMs += performance.now() - started;
    }
  }

  /** The coordinator's decision about a request, read from its durable state. */
  async decision(requestId: string): Promise<Decision | null> {
    return this.ingressCall<Decision | null>(`${coordinatorName}/${this.key(requestId)}/decision`, null);
  }

  async snapshot(entity: string, key: MapKey): Promise<EntitySnapshot> {
    return this.ingressCall<EntitySnapshot>(`${objectName(entity)}/${encodeURIComponent(objectKey(this.namespace, key))}/snapshot`, null);
  }

  /**
   * The run's history (docs/history.md) and its final entities, from what Restate holds: the clients'
   * requests and responses as they were sent and received, each decision (its place in the serial
   * order, the versions it read, the entities it wrote) from its coordinator's durable state, and each
   * install from the entity's own durable list of installs.
   */
  async history(): Promise<{ events: HistoryEvent[]; entities: CommittedEntity[] }> {
    const decided: { requestId: string; decision: Decision }[] = [];
    // A request sent again under its id is one request: its decision is read once.
    for (const requestId of new Set(this.sent.map((sent) => sent.requestId))) {
      const decision = await this.decision(requestId);
      if (decision !== null) decided.push({ requestId, decision });
    }
    const written = new Map<string, { entity: string; key: MapKey }>();
    for (const { decision } of decided) {
      for (const id of decision.writes) written.set(id, parseEntityId(id));
    }
    const toTick = (at: number): number => Math.round((at - this.wallStart) * 1000) / 1000;
    const extra: HistoryEvent[] = [];
    for (const { requestId, decision } of decided) {
      const tick = toTick(decision.at);
      const reads = new Map(Object.entries(decision.reads));
      if (decision.outcome.kind === 'committed') {
        extra.push({ type: 'commit', requestId, order: decision.order, tick, reads, writes: decision.writes });
      } else {
        extra.push({ type: 'abort', requestId, order: decision.order, tick, reads, code: decision.outcome.code, message: decision.outcome.message });
      }
    }
    const entities: CommittedEntity[] = [];
    for (const [id, { entity, key }] of written) {
      const snapshot = await this.snapshot(entity, key);
      for (const install of snapshot.installs) {
        extra.push({ type: 'install', requestId: install.id, entity: id, version: install.version, tick: toTick(install.at) });
      }
      if (snapshot.fields !== null) entities.push({ entity, key, fields: decodeFields(snapshot.fields), version: snapshot.version });
    }
    // Client events carry their own ticks; the engine's events the server's clock, on the same scale.
    const events = [...this.events, ...extra].sort((left, right) => left.tick - right.tick || rank(left) - rank(right));
    return { events, entities };
  }

  private wallStart = Date.now();

  private stopped = false;

  async stop(): Promise<void> {
    this.stopped = true;
    await this.processes.stop();
  }
}

/** Within one tick: a request before the decision, a decision before its installs, then the response. */
function rank(event: HistoryEvent): number {
  switch (event.type) {
    case 'request': return 0;
    case 'commit': case 'abort': return 1;
    case 'install': return 2;
    case 'response': return 3;
  }
}

/** `Account(0)` → the entity and its key (an int, or a quoted string as `canonical` prints it). */
function parseEntityId(id: string): { entity: string; key: MapKey } {
  const open = id.indexOf('(');
  const entity = id.slice(0, open);
  const inner = id.slice(open + 1, -1);
  const key: MapKey = inner.startsWith('"') ? (JSON.parse(inner) as string) : Number(inner);
  if (canonical(referenceValue(entity, key)) !== id) throw new Error(`assertion: cannot read the entity id ${id}`);
  return { entity, key };
}
