// Stage: cli. The I/O the commands perform, behind one interface, so that tests run commands in process
// with captured output. Only the CLI and the REPL do I/O.

import { readFileSync } from 'node:fs';

export interface Io {
  /** Writes one line of program output to standard output. */
  out(line: string): void;
  /** Writes diagnostics, warnings and run information to standard error. */
  err(text: string): void;
  readFile(path: string): string;
  /** Shows a progress line on a terminal (replacing the last one); `undefined` clears it. Nothing elsewhere. */
  progress(text: string | undefined): void;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  readFile: (path) => readFileSync(path, 'utf8'),
  progress: (text) => {
    if (!process.stderr.isTTY) return;
    process.stderr.write(text === undefined ? '\r\x1b[K' : `\r\x1b[K${text}`);
  },
};

/** An Io that records everything, for tests. */
export function memoryIo(files: Record<string, string> = {}): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (text) => stderr.push(text),
    progress: () => undefined,
    readFile: (path) => {
      const text = files[path];
      if (text !== undefined) return text;
      return readFileSync(path, 'utf8');
    },
  };
}
