// Stage: cli. `ent repl [FILE]`: the REPL. The session runs in a worker thread (cli/repl-worker.ts), so
// that Ctrl-C can stop a running statement: this thread keeps reading the terminal, and sets a flag that
// the running statement polls. On a terminal it offers line editing, Tab completion, continuation lines
// (`... `), and a history kept in ~/.ent_history (ENT_REPL_HISTORY moves it; empty turns it off). Piped
// input is read without prompts, so that standard output holds only the program's output, and the exit
// status is 1 if any input failed.

import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { parseRunSettings, runtimeOptions } from './runtime-options.ts';
import { helpOption, stringOption, UsageError, type CommandSpec, type ParsedArguments } from './arguments.ts';
import { exitFailure, exitSuccess, exitUsage } from './exit.ts';
import { maxSourceOption, readTextFile } from './files.ts';
import type { Io } from './io.ts';
import { reportUsageError, sourceBytesMax } from './load.ts';
import { isCommandLine, isIncomplete } from './repl-input.ts';
import type { SubmitResult } from './repl-session.ts';
import type { FromWorker, ToWorker, WorkerSetup } from './repl-worker.ts';
import { defaultSemantics, semanticsNames, type RunSettings } from './semantics.ts';

export const replCommand: CommandSpec = {
  name: 'repl',
  summary: 'Declare entities and run statements interactively.',
  usage: 'ent repl [options] [FILE]',
  options: [
    { name: 'semantics', value: { placeholder: 'NAME', choices: semanticsNames }, description: 'which semantics runs the transactions', defaultValue: defaultSemantics },
    ...runtimeOptions,
    maxSourceOption,
    helpOption,
  ],
  details: [
    'FILE is loaded first (its entities declared, its run block run). Commands start with `:`; `:help` lists them.',
    'Ctrl-C stops a running statement (its transaction aborts, the session keeps its state) or clears the\n'
      + 'line; Ctrl-C twice on an empty line, Ctrl-D, :q or :quit leave. History is kept in ~/.ent_history\n'
      + '(ENT_REPL_HISTORY=FILE moves it, ENT_REPL_HISTORY= turns it off).',
    'Piped input works too: `printf \'let x = 1\\nprint x + 1\\n\' | ent repl` prints 2; the exit status is 1\n'
      + 'if any input failed (a static error, a client error, a bad command), 2 if FILE cannot be read.',
  ],
};

export interface ReplStreams {
  readonly input: Readable;
  readonly output: Writable;
  readonly terminal: boolean;
  /** The history file; absent: ENT_REPL_HISTORY or ~/.ent_history; empty: none. */
  readonly historyFile?: string;
}

export async function repl(io: Io, parsed: ParsedArguments, streams?: ReplStreams): Promise<number> {
  if (parsed.positionals.length > 1) {
    reportUsageError(io, new UsageError('U0101', `ent repl takes at most one FILE, not ${parsed.positionals.length}`, `usage: ${replCommand.usage}`));
    return exitUsage;
  }
  const settings = parseRunSettings(parsed);
  if (settings instanceof UsageError) {
    reportUsageError(io, settings);
    return exitUsage;
  }
  const bytesMax = sourceBytesMax(parsed);
  const file = parsed.positionals[0];
  // A FILE that cannot be read is found before the session starts.
  const readable = file === undefined ? undefined : readTextFile(io, file, bytesMax);
  if (readable instanceof UsageError) {
    reportUsageError(io, readable);
    return exitUsage;
  }
  const semantics = stringOption(parsed, 'semantics') ?? defaultSemantics;
  const chosen = streams ?? { input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY === true && process.stdout.isTTY === true };
  const session = new RemoteSession(io, semantics, settings, bytesMax);
  try {
    const loaded = file === undefined ? 'ok' : await session.load(file);
    return chosen.terminal
      ? await interactive(session, chosen, historyFileOf(chosen))
      : await piped(session, chosen.input, streams === undefined, loaded === 'failed');
  } finally {
    await session.close();
  }
}

function historyFileOf(streams: ReplStreams): string {
  if (streams.historyFile !== undefined) return streams.historyFile;
  return process.env.ENT_REPL_HISTORY ?? join(homedir(), '.ent_history');
}

// ------------------------------------------------------------------------------ the worker's session

/** The session in its worker, as promises; `interrupt` asks the running statement to stop. */
class RemoteSession {
  private readonly worker: Worker;
  private readonly flag: Int32Array;
  private nextId = 0;
  private readonly waiting = new Map<number, (value: unknown) => void>();
  private busy = false;

  constructor(private readonly io: Io, semantics: string, settings: RunSettings, bytesMax: number) {
    const interrupt = new SharedArrayBuffer(4);
    this.flag = new Int32Array(interrupt);
    const setup: WorkerSetup = { semantics, settings, sourceBytesMax: bytesMax, interrupt };
    this.worker = new Worker(new URL('./repl-worker.js', import.meta.url), { workerData: setup });
    this.worker.on('message', (message: FromWorker) => this.receive(message));
    this.worker.on('error', (error) => {
      io.err(`error: internal error of ent: ${error.message.split('\n')[0]}; the session ended`);
      for (const resolve of this.waiting.values()) resolve('quit');
      this.waiting.clear();
    });
  }

  get running(): boolean {
    return this.busy;
  }

  private receive(message: FromWorker): void {
    switch (message.kind) {
      case 'out':
        this.io.out(message.line);
        return;
      case 'err':
        this.io.err(message.text);
        return;
      case 'done':
        this.busy = false;
        this.settle(message.id, message.result);
        return;
      case 'completion':
        this.settle(message.id, message.completion);
        return;
    }
  }

  private settle(id: number, value: unknown): void {
    const resolve = this.waiting.get(id);
    this.waiting.delete(id);
    resolve?.(value);
  }

  private request<Result>(message: (id: number) => ToWorker): Promise<Result> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve as (value: unknown) => void);
      this.worker.postMessage(message(id));
    });
  }

  submit(text: string): Promise<SubmitResult> {
    // Only this thread sets the flag, and only while a statement runs: clearing it here cannot lose a Ctrl-C.
    Atomics.store(this.flag, 0, 0);
    this.busy = true;
    return this.request((id) => ({ kind: 'submit', id, text }));
  }

  load(path: string): Promise<SubmitResult> {
    Atomics.store(this.flag, 0, 0);
    this.busy = true;
    return this.request((id) => ({ kind: 'load', id, path }));
  }

  complete(line: string): Promise<[string[], string]> {
    return this.request((id) => ({ kind: 'complete', id, line }));
  }

  interrupt(): void {
    Atomics.store(this.flag, 0, 1);
  }

  async close(): Promise<void> {
    if (this.busy) this.interrupt();
    await this.worker.terminate();
  }
}

// ------------------------------------------------------------------------------------ input loops

/**
 * Lines in, complete inputs out, one at a time: lines that arrive while an input runs wait their turn.
 * `result` is told of each input's result; the loop ends at the end of the input or at `:quit`.
 */
class InputLoop {
  pending = '';
  private readonly queue: string[] = [];
  private draining: Promise<void> | undefined;
  quitting = false;
  failed = false;

  constructor(private readonly session: RemoteSession, private readonly onIdle: () => void, private readonly onQuit: () => void) {}

  push(line: string): void {
    this.queue.push(line);
    if (this.draining === undefined) this.draining = this.drain();
  }

  /** Resolves once every line received so far has run. */
  async finished(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      // Lines pushed while the last await was pending are run too: nothing is left in the queue.
      do await this.runQueued(); while (this.queue.length > 0 && !this.quitting);
    } finally {
      // Cleared before the promise settles, so that a line pushed from now on starts a new drain.
      this.draining = undefined;
    }
    if (!this.quitting) this.onIdle();
  }

  private async runQueued(): Promise<void> {
    while (this.queue.length > 0 && !this.quitting) {
      const line = this.queue.shift()!;
      // A `:command` ends an unfinished input: the input runs as it is (its diagnostic says what it
      // lacks, so nothing is dropped unseen), then the command. (No Ent code continues with `:` and a letter.)
      if (this.pending !== '' && isCommandLine(line)) {
        const unfinished = this.pending;
        this.pending = '';
        await this.run(unfinished);
        if (this.quitting) return;
      }
      this.pending += `${line}\n`;
      // A blank line is an input of its own (Enter in the stepper takes the seeded step), not the start of one.
      if (this.pending.trim() === '') this.pending = '';
      else if (isIncomplete(this.pending)) continue;
      const text = this.pending;
      this.pending = '';
      await this.run(text);
    }
  }

  private async run(text: string): Promise<void> {
    const result = await this.session.submit(text);
    if (result === 'failed') this.failed = true;
    if (result === 'quit') {
      this.quitting = true;
      this.onQuit();
    }
  }
}

/** Piped input: no prompts; the exit status says whether every input went well. */
async function piped(session: RemoteSession, input: Readable, ownsProcess: boolean, loadFailed: boolean): Promise<number> {
  const lines = createInterface({ input, crlfDelay: Infinity, terminal: false });
  const loop = new InputLoop(session, () => undefined, () => lines.close());
  // Ctrl-C from the terminal that started the pipe: stop the running statement, or leave.
  const onSignal = (): void => {
    if (session.running) session.interrupt();
    else process.exit(130);
  };
  if (ownsProcess) process.on('SIGINT', onSignal);
  try {
    await new Promise<void>((resolve) => {
      lines.on('line', (line) => loop.push(line));
      lines.on('close', resolve);
    });
    await loop.finished();
    if (!loop.quitting && loop.pending.trim() !== '') {
      if ((await session.submit(loop.pending)) === 'failed') loop.failed = true;
    }
  } finally {
    if (ownsProcess) process.off('SIGINT', onSignal);
  }
  return loop.failed || loadFailed ? exitFailure : exitSuccess;
}

/** A terminal: prompts, line editing, completion, history, and Ctrl-C. */
async function interactive(session: RemoteSession, streams: ReplStreams, historyFile: string): Promise<number> {
  const { input, output } = streams;
  const history = new HistoryFile(historyFile, (text) => output.write(`${text}\n`));
  const lines: Interface = createInterface({
    input, output, terminal: true, prompt: 'ent> ', history: history.load(), historySize: historyLimit, removeHistoryDuplicates: true,
    completer: (line: string, callback: (error: Error | null, result: [string[], string]) => void) => {
      // Completion answers for the state after every line typed so far has run.
      loop.finished().then(() => session.complete(line)).then((completion) => callback(null, completion), (error: Error) => callback(error, [[], line]));
    },
  });
  lines.on('history', (entries: string[]) => history.save(entries));
  output.write('Ent REPL. :help lists the commands; Ctrl-C stops a statement; :quit or Ctrl-D leaves.\n');
  const prompt = (): void => {
    lines.setPrompt(loop.pending === '' ? 'ent> ' : '... ');
    // What was typed while a statement ran stays, with the cursor where it was.
    lines.prompt(true);
  };
  const loop: InputLoop = new InputLoop(session, prompt, () => lines.close());
  let exitWarned = false;
  lines.on('line', (line) => {
    exitWarned = false;
    loop.push(line);
  });
  lines.on('SIGINT', () => {
    if (session.running) return session.interrupt();
    if (loop.pending !== '' || lines.line !== '') {
      loop.pending = '';
      lines.write(null, { ctrl: true, name: 'e' });
      lines.write(null, { ctrl: true, name: 'u' });
      output.write('\n');
      exitWarned = false;
      return prompt();
    }
    if (exitWarned) return lines.close();
    exitWarned = true;
    output.write('\n(To leave, press Ctrl-C again or Ctrl-D, or type :quit)\n');
    prompt();
  });
  prompt();
  await new Promise<void>((resolve) => lines.on('close', resolve));
  // Ctrl-D while a statement runs: stop it, then leave.
  if (session.running) session.interrupt();
  loop.quitting = true;
  await loop.finished();
  output.write('\n');
  return exitSuccess;
}

// ---------------------------------------------------------------------------------------- history

const historyLimit = 1000;

/** The history file: one input line per line, oldest first (readline keeps it newest first). */
class HistoryFile {
  private warned = false;

  constructor(private readonly path: string, private readonly warn: (text: string) => void) {}

  load(): string[] {
    if (this.path === '') return [];
    try {
      return readFileSync(this.path, 'utf8').split('\n').filter((line) => line.trim() !== '').reverse().slice(0, historyLimit);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.problem(error);
      return [];
    }
  }

  save(entries: readonly string[]): void {
    if (this.path === '') return;
    try {
      writeFileSync(this.path, `${[...entries].reverse().join('\n')}\n`, { mode: 0o600 });
    } catch (error) {
      this.problem(error);
    }
  }

  private problem(error: unknown): void {
    if (this.warned) return;
    this.warned = true;
    this.warn(`note: the history cannot be kept in ${this.path} (${(error as NodeJS.ErrnoException).code ?? String(error)}); ENT_REPL_HISTORY=FILE moves it`);
  }
}
