// Stage: cli. Files named on the command line, checked before anything runs: a source must be a
// readable regular file, no larger than the size limit, and text (no NUL byte, valid UTF-8); a file
// to be written must be writable where it is named. Every problem is one usage error with a code.

import { accessSync, constants, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { sourceText, type SourceText } from '../grammar/span.ts';
import { UsageError, type OptionSpec } from './arguments.ts';
import type { Io } from './io.ts';

/**
 * The default source size limit. The parser holds every token and syntax-tree node of a file at once:
 * up to about 2.5 KB and 50 µs per byte of the densest source (a list of a million `1,`), about 0.8 KB per
 * byte of ordinary code (docs/benchmarks.md). 256 KiB, some 8,000 lines, keeps the worst case near
 * 0.7 GB and 15 s; `--max-source` raises it.
 */
export const defaultSourceBytesMax = 256 * 1024;

export const maxSourceOption: OptionSpec = {
  name: 'max-source', value: { placeholder: 'BYTES', integer: { minimum: 1, maximum: 1024 * 1024 * 1024, sizes: true } },
  description: 'refuse source files larger than this (a number of bytes, or with k or M)', defaultValue: '256k',
};

/** A path as it is shown: relative to the working directory when that is shorter, so that columns stay narrow. */
export function displayPath(path: string): string {
  if (!isAbsolute(path)) return path;
  const shown = relative(process.cwd(), path);
  return shown !== '' && !shown.startsWith('..') && shown.length < path.length ? shown : path;
}

export function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as NodeJS.ErrnoException).code : undefined;
}

function readProblem(path: string, error: unknown): UsageError {
  const code = errnoCode(error);
  const reason = code === 'ENOENT' ? 'no such file'
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
      : code === 'ENOTDIR' ? 'a part of the path is not a folder'
        : code === 'ELOOP' ? 'too many symbolic links'
          : (error as Error).message?.split('\n')[0] ?? String(error);
  return new UsageError('U0102', `cannot read ${path}: ${reason}`, 'check the path; it is relative to the current directory');
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
  return `${bytes} bytes`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of a source file, or the one usage error that says why it cannot be had. */
export function readTextFile(io: Io, path: string, bytesMax = defaultSourceBytesMax): SourceText | UsageError {
  const shown = displayPath(path);
  let bytes: Uint8Array;
  try {
    const info = io.fileInfo(path);
    if (info.kind === 'directory') return new UsageError('U0102', `cannot read ${shown}: it is a folder`, 'name a file in it');
    if (info.kind === 'file' && info.size > bytesMax) {
      return new UsageError('U0105', `${shown} is ${formatBytes(info.size)}, over the ${formatBytes(bytesMax)} limit for a source file`,
        `raise the limit with --max-source ${Math.ceil(info.size / (1024 * 1024))}M if the file is meant to be this large`);
    }
    bytes = io.readBytes(path);
  } catch (error) {
    return readProblem(shown, error);
  }
  if (bytes.length > bytesMax) {
    return new UsageError('U0105', `${shown} is over the ${formatBytes(bytesMax)} limit for a source file`, 'raise the limit with --max-source');
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    return new UsageError('U0106', `${shown} is not a text file: it holds a NUL byte (at byte ${nul})`, 'Ent reads source text in UTF-8');
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return new UsageError('U0106', `${shown} is not a text file: it is not valid UTF-8`,
      'Ent reads source text in UTF-8; convert the file, or check that it is the file you meant');
  }
  return sourceText(shown, text);
}

/**
 * Whether `path` can be written: its folder exists and is writable, and it is not itself a folder. Run
 * before the work that would write it, so that a long run does not end in a failed write.
 */
export function writeProblem(path: string): UsageError | undefined {
  const shown = displayPath(path);
  const hint = 'name a file in a folder that exists and that you may write';
  if (path === '') return new UsageError('U0104', 'cannot write to an empty path', hint);
  try {
    const stats = statSync(path);
    if (stats.isDirectory()) return new UsageError('U0104', `cannot write ${shown}: it is a folder`, 'name a file in it, such as history.json');
    accessSync(path, constants.W_OK);
    return undefined;
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EACCES' || code === 'EPERM') return new UsageError('U0104', `cannot write ${shown}: permission denied`, hint);
    if (code !== 'ENOENT') {
      const reason = code === 'ENOTDIR' ? 'a part of the path is not a folder' : String(code);
      return new UsageError('U0104', `cannot write ${shown}: ${reason}`, hint);
    }
  }
  const folder = dirname(resolve(path));
  try {
    if (!statSync(folder).isDirectory()) return new UsageError('U0104', `cannot write ${shown}: ${displayPath(folder)} is not a folder`, hint);
    accessSync(folder, constants.W_OK);
    return undefined;
  } catch (error) {
    const code = errnoCode(error);
    const reason = code === 'ENOENT' || code === 'ENOTDIR' ? `the folder ${displayPath(folder)} does not exist` : 'permission denied';
    return new UsageError('U0104', `cannot write ${shown}: ${reason}`, hint);
  }
}

/** Writes a file, or gives the usage error for why it could not be written (checked before, but the disk may change). */
export function writeTextFile(io: Io, path: string, text: string): UsageError | undefined {
  const problem = writeProblem(path);
  if (problem !== undefined) return problem;
  try {
    io.writeFile(path, text);
    return undefined;
  } catch (error) {
    const reason = errnoCode(error) ?? String(error);
    return new UsageError('U0104', `cannot write ${displayPath(path)}: ${reason}`, 'check the folder and the free space');
  }
}
