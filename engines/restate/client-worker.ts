// Stage: engines/restate. The run block's client, in a worker thread. Ent's client is synchronous (it
// waits for an outcome as a call waits for its result), while Restate answers over HTTP: the worker
// runs the client and blocks on a shared flag while the main thread, free to serve HTTP, timers and
// Ctrl-C, sends the request to the ingress; the outcome comes back through a message port read
// synchronously once the flag is raised.

import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { renderDiagnostic } from '../../diagnostics/render.ts';
import { diagnostic } from '../../diagnostics/diagnostic.ts';
import { Client, ClientError } from '../../semantics/reference/client.ts';
import { compile } from '../../semantics/compile.ts';
import { sourceText } from '../../grammar/span.ts';
import { hasStreams, StreamDriver } from '../../runtime/streams.ts';
import { compileToSplit } from '../../semantics/pipeline.ts';
import type { SplitProgram } from '../../semantics/split/index.ts';
import type { Outcome, Request, StreamHost, TransactionHost } from '../../semantics/transactions.ts';
import { decodeOutcome, encodeRequest, type EncodedOutcome } from './codec.ts';

export interface ClientWorkerData {
  readonly text: string;
  readonly name: string;
  readonly flag: SharedArrayBuffer;
  readonly port: MessagePort;
}

export type WorkerToMain =
  | { readonly kind: 'submit'; readonly ticket: number; readonly request: ReturnType<typeof encodeRequest> }
  | { readonly kind: 'outcome'; readonly ticket: number }
  | { readonly kind: 'out'; readonly line: string }
  | { readonly kind: 'done'; readonly status: number; readonly error?: string };

const data = workerData as ClientWorkerData;
const flag = new Int32Array(data.flag);
const post = (message: WorkerToMain): void => parentPort!.postMessage(message);

class BridgeHost implements TransactionHost {
  private tickets = 0;
  /** Outcomes already received, by ticket: a ticket's outcome is the same every time it is asked. */
  private readonly received = new Map<number, Outcome>();
  /** Tickets below this one are answered: the streams' wait for the client starts from here. */
  private awaited = 0;
  /** With streams: the stream driver (runtime/streams.ts), each stream step a request on `$Streams(0)`. */
  readonly streams: StreamHost | undefined;

  constructor(program: SplitProgram | undefined) {
    // Before it drains, the driver waits for every request the client has running, as on every host.
    this.streams = program !== undefined && hasStreams(program)
      ? new StreamDriver(program, this, () => { for (; this.awaited < this.tickets; this.awaited++) this.outcome(this.awaited); })
      : undefined;
  }

  submit(request: Request): number {
    const ticket = this.tickets++;
    post({ kind: 'submit', ticket, request: encodeRequest(request) });
    return ticket;
  }

  outcome(ticket: number): Outcome {
    const known = this.received.get(ticket);
    if (known !== undefined) return known;
    const outcome = this.fetch(ticket);
    this.received.set(ticket, outcome);
    return outcome;
  }

  private fetch(ticket: number): Outcome {
    Atomics.store(flag, 0, 0);
    post({ kind: 'outcome', ticket });
    Atomics.wait(flag, 0, 0);
    const received = receiveMessageOnPort(data.port);
    if (received === undefined) throw new Error('assertion: the outcome was not on the port');
    return decodeOutcome(received.message as EncodedOutcome);
  }
}

const compiled = compile(data.text, data.name);
const program = compiled.program!;
const client = new Client(new BridgeHost(program.streams.size > 0 ? compileToSplit(program).split : undefined), (line) => post({ kind: 'out', line }));
try {
  if (program.run !== undefined) client.run(program.run.body);
  client.finish();
  post({ kind: 'done', status: 0 });
} catch (error) {
  if (!(error instanceof ClientError)) throw error;
  const hint = error.code === 'R0102'
    ? 'the line that set it printed `abort: …`; check the result before using it'
    : 'this computation runs in the client, outside any transaction, so it stops the run';
  const source = sourceText(data.name, data.text);
  post({ kind: 'done', status: 1, error: renderDiagnostic(diagnostic(error.code, error.message, error.span, hint), () => source) });
}
