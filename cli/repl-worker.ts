// Stage: cli. The REPL's session, in a worker thread: a statement runs synchronously, so the terminal's
// thread stays free to read Ctrl-C while it runs, and says so through a shared flag that the client and
// the hosts poll (cli/semantics.ts). Input: messages from cli/repl.ts (inputs to run, files to load,
// lines to complete); output: messages with the session's output lines, results and completions.

import { parentPort, workerData } from 'node:worker_threads';
import { diskFiles, type Io } from './io.ts';
import { complete } from './repl-complete.ts';
import { replCommands, ReplSession, type SubmitResult } from './repl-session.ts';
import type { RunSettings } from './semantics.ts';

export interface WorkerSetup {
  readonly semantics: string;
  readonly settings: RunSettings;
  readonly sourceBytesMax: number;
  /** One Int32: 1 while Ctrl-C asks the running statement to stop. */
  readonly interrupt: SharedArrayBuffer;
}

export type ToWorker =
  | { readonly kind: 'submit'; readonly id: number; readonly text: string }
  | { readonly kind: 'load'; readonly id: number; readonly path: string }
  | { readonly kind: 'complete'; readonly id: number; readonly line: string };

export type FromWorker =
  | { readonly kind: 'out'; readonly line: string }
  | { readonly kind: 'err'; readonly text: string }
  | { readonly kind: 'done'; readonly id: number; readonly result: SubmitResult }
  | { readonly kind: 'completion'; readonly id: number; readonly completion: [string[], string] };

function startWorker(): void {
  const port = parentPort;
  if (port === null) return;
  const setup = workerData as WorkerSetup;
  const flag = new Int32Array(setup.interrupt);
  const post = (message: FromWorker): void => port.postMessage(message);
  const io: Io = {
    out: (line) => post({ kind: 'out', line }),
    err: (text) => post({ kind: 'err', text }),
    progress: () => undefined,
    ...diskFiles,
  };
  const session = new ReplSession(io, setup.semantics, setup.settings, {
    interrupted: () => Atomics.load(flag, 0) === 1, sourceBytesMax: setup.sourceBytesMax,
  });
  const commandNames = replCommands.map((command) => command.name);
  const guarded = (run: () => SubmitResult): SubmitResult => {
    try {
      return run();
    } catch (error) {
      // A bug of Ent: one line, and the session goes on.
      io.err(`error: internal error of ent: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      return 'failed';
    }
  };
  port.on('message', (message: ToWorker) => {
    switch (message.kind) {
      case 'submit':
        post({ kind: 'done', id: message.id, result: guarded(() => session.submit(message.text)) });
        break;
      case 'load':
        post({ kind: 'done', id: message.id, result: guarded(() => session.load(message.path)) });
        break;
      case 'complete':
        post({ kind: 'completion', id: message.id, completion: complete(session, message.line, commandNames) });
        break;
    }
  });
}

startWorker();
