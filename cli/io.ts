// Stage: cli. The I/O the commands perform, behind one interface, so that tests run commands in process
// with captured output. Only the CLI and the REPL do I/O.

import { closeSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';

/** What a path names, as far as reading it goes. */
export interface FileInfo {
  readonly kind: 'file' | 'directory' | 'other';
  readonly size: number;
}

export interface Io {
  /** Writes one line of program output to standard output. */
  out(line: string): void;
  /** Writes diagnostics, warnings and run information to standard error. */
  err(text: string): void;
  /** Throws Node's errors (`ENOENT`, `EACCES`, …), which `files.ts` turns into usage errors. */
  fileInfo(path: string): FileInfo;
  readBytes(path: string): Uint8Array;
  readFile(path: string): string;
  writeFile(path: string, text: string): void;
  /** A file written piece by piece, as a run produces it (a history that a long run never holds whole). */
  createFile(path: string): TextSink;
  /** Shows a progress line on a terminal (replacing the last one); `undefined` clears it. Nothing elsewhere. */
  progress(text: string | undefined): void;
  /**
   * Asked while a run goes on (by the client at every statement, by the hosts every few thousand steps):
   * true stops it. The REPL's Ctrl-C and the fuzzer's budget; absent for a plain `ent run`.
   */
  readonly interrupted?: () => boolean;
}

export interface TextSink {
  write(text: string): void;
  close(): void;
}

/** A file on disk, written in chunks of 64 KiB. Throws Node's errors, as `writeFile` does. */
function diskSink(path: string): TextSink {
  const descriptor = openSync(path, 'w');
  let pending: string[] = [];
  let size = 0;
  const flush = (): void => {
    if (pending.length > 0) writeSync(descriptor, pending.join(''));
    pending = [];
    size = 0;
  };
  return {
    write: (text) => {
      pending.push(text);
      size += text.length;
      if (size >= 65_536) flush();
    },
    close: () => {
      flush();
      closeSync(descriptor);
    },
  };
}

function diskInfo(path: string): FileInfo {
  const stats = statSync(path);
  return { kind: stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : 'other', size: stats.size };
}

/** The file operations of an Io, on the disk. */
export const diskFiles: Pick<Io, 'fileInfo' | 'readBytes' | 'readFile' | 'writeFile' | 'createFile'> = {
  fileInfo: diskInfo,
  readBytes: (path) => readFileSync(path),
  readFile: (path) => readFileSync(path, 'utf8'),
  writeFile: (path, text) => writeFileSync(path, text),
  createFile: diskSink,
};

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  ...diskFiles,
  progress: (text) => {
    if (!process.stderr.isTTY) return;
    process.stderr.write(text === undefined ? '\r\x1b[K' : `\r\x1b[K${text}`);
  },
};

/** An Io that records everything, for tests; `files` are read before the disk. */
export function memoryIo(files: Record<string, string> = {}): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const bytes = (path: string): Uint8Array => {
    const text = files[path];
    return text === undefined ? readFileSync(path) : Buffer.from(text, 'utf8');
  };
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (text) => stderr.push(text),
    progress: () => undefined,
    fileInfo: (path) => (files[path] === undefined ? diskInfo(path) : { kind: 'file', size: Buffer.byteLength(files[path]) }),
    readBytes: bytes,
    readFile: (path) => Buffer.from(bytes(path)).toString('utf8'),
    writeFile: diskFiles.writeFile,
    createFile: diskFiles.createFile,
  };
}
