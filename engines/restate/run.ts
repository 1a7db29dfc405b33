// Stage: engines/restate. `ent run --engine restate`: the run block's client in a worker thread
// (client-worker.ts), its requests sent to Restate by the main thread, its output printed as `ent run`
// prints it. Everything the run started stops at its end, on an error and on Ctrl-C.

import { Worker, MessageChannel } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { Outcome } from '../../semantics/transactions.ts';
import { decodeRequest, encodeOutcome } from './codec.ts';
import { RestateEngine, type EngineOptions } from './engine.ts';
import type { ClientWorkerData, WorkerToMain } from './client-worker.ts';

export interface RestateRunIo {
  readonly out: (line: string) => void;
  readonly err: (text: string) => void;
}

export interface RestateRunResult {
  readonly status: number;
  readonly engine: RestateEngine | undefined;
}

/**
 * Runs the program's run block on Restate. `afterRun` sees the engine before it stops (to read the
 * history). Returns the exit status of `ent run`: 0, or 1 when the client's own computation fails or
 * the run is interrupted.
 */
export async function runOnRestate(
  options: EngineOptions, source: { name: string; text: string }, io: RestateRunIo,
  afterRun?: (engine: RestateEngine) => Promise<void>,
): Promise<number> {
  const engine = await RestateEngine.start(options);
  try {
    return await runClientOn(engine, source, io, afterRun);
  } finally {
    await engine.stop();
  }
}

/** The run block on an engine already serving the program (which this leaves running). */
export async function runClientOn(
  engine: RestateEngine, source: { name: string; text: string }, io: RestateRunIo,
  afterRun?: (engine: RestateEngine) => Promise<void>,
): Promise<number> {
  let worker: Worker | undefined;
  let onSigint: (() => void) | undefined;
  try {
    const flag = new SharedArrayBuffer(4);
    const channel = new MessageChannel();
    const data: ClientWorkerData = { text: source.text, name: source.name, flag, port: channel.port2 };
    worker = new Worker(join(dirname(fileURLToPath(import.meta.url)), 'client-worker.js'), { workerData: data, transferList: [channel.port2] });
    const started = new Map<number, Promise<Outcome>>();
    const flagView = new Int32Array(flag);
    const running = worker;
    const status = await new Promise<number>((resolve, reject) => {
      onSigint = () => {
        io.err('error[R0104]: interrupted: the run stopped before its end');
        resolve(1);
      };
      process.once('SIGINT', onSigint);
      running.on('error', reject);
      running.on('exit', (code) => resolve(code === 0 ? 0 : 1));
      running.on('message', (message: WorkerToMain) => {
        switch (message.kind) {
          case 'out':
            io.out(message.line);
            return;
          case 'submit': {
            const outcome = engine.request(decodeRequest(message.request));
            outcome.catch(() => undefined);
            started.set(message.ticket, outcome);
            return;
          }
          case 'outcome':
            started.get(message.ticket)!.then((outcome) => {
              channel.port1.postMessage(encodeOutcome(outcome));
              Atomics.store(flagView, 0, 1);
              Atomics.notify(flagView, 0);
            }, reject);
            return;
          case 'done':
            if (message.error !== undefined) io.err(message.error);
            resolve(message.status);
            return;
        }
      });
    });
    if (status === 0 && afterRun !== undefined) await afterRun(engine);
    return status;
  } finally {
    if (onSigint !== undefined) process.removeListener('SIGINT', onSigint);
    if (worker !== undefined) await worker.terminate();
  }
}
