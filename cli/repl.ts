// Stage: cli. `ent repl [FILE]`: the REPL over a ReplSession. On a terminal it runs on node:repl, for line
// editing, history and tab completion; piped input is read with node:readline and no prompt is written,
// so that standard output holds only the program's output. An unclosed bracket continues on the next
// line; `:help` lists the commands. Set ENT_REPL_HISTORY to a file to keep the history between sessions.

import { createInterface } from 'node:readline';
import { start, Recoverable, type REPLServer } from 'node:repl';
import type { Readable, Writable } from 'node:stream';
import { parseRunSettings, runtimeOptions } from './runtime-options.ts';
import { UsageError, type CommandSpec, type ParsedArguments } from './arguments.ts';
import { exitSuccess, exitUsage } from './exit.ts';
import type { Io } from './io.ts';
import { reportUsageError } from './load.ts';
import { replCommands, ReplSession } from './repl-session.ts';
import { defaultSemantics, semanticsNames } from './semantics.ts';
import { keywordTokens } from '../grammar/lexer.ts';

export const replCommand: CommandSpec = {
  name: 'repl',
  summary: 'Declare entities and run statements interactively.',
  usage: 'ent repl [options] [FILE]',
  options: [
    { name: 'semantics', value: { placeholder: 'NAME', choices: semanticsNames }, description: 'which semantics runs the transactions', defaultValue: defaultSemantics },
    ...runtimeOptions,
    { name: 'help', description: 'show this help' },
  ],
  details: [
    'FILE is loaded first (its entities declared, its run block run). Commands start with `:`; `:help` lists them.',
    'Piped input works too: `printf \'let x = 1\\nprint x + 1\\n\' | ent repl` prints 2.',
  ],
};

export interface ReplStreams {
  readonly input: Readable;
  readonly output: Writable;
  readonly terminal: boolean;
}

export function repl(io: Io, parsed: ParsedArguments, streams?: ReplStreams): Promise<number> {
  if (parsed.positionals.length > 1) {
    reportUsageError(io, new UsageError('U0101', 'ent repl takes at most one FILE', `usage: ${replCommand.usage}`));
    return Promise.resolve(exitUsage);
  }
  const settings = parseRunSettings(parsed);
  if (settings instanceof UsageError) {
    reportUsageError(io, settings);
    return Promise.resolve(exitUsage);
  }
  const semantics = (parsed.options.get('semantics') as string | undefined) ?? defaultSemantics;
  const session = new ReplSession(io, semantics, settings);
  if (parsed.positionals[0] !== undefined) session.load(parsed.positionals[0]);
  const { input, output, terminal } = streams ?? { input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY === true };
  return terminal ? interactive(session, input, output) : piped(session, input);
}

/** A terminal: node:repl, with prompts, line editing, history and completion. */
function interactive(session: ReplSession, input: Readable, output: Writable): Promise<number> {
  output.write('Ent REPL. :help lists the commands, :quit (or Ctrl-D) leaves.\n');
  return new Promise((resolve) => {
    const server = start({
      prompt: 'ent> ',
      input,
      output,
      terminal: true,
      ignoreUndefined: true,
      completer: (line: string) => complete(session, line),
      eval: (text, _context, _file, callback) => {
        if (ReplSession.isIncomplete(text)) return callback(new Recoverable(new Error('incomplete input')), undefined);
        if (session.submit(text) === 'quit') server.close();
        callback(null, undefined);
      },
    });
    // node:repl's own dot-commands (.break, .editor, …) would confuse Ent users; `:quit` is the way out.
    for (const name of ['break', 'clear', 'editor', 'load', 'save']) delete (server.commands as Record<string, unknown>)[name];
    keepHistory(server);
    server.on('exit', () => resolve(exitSuccess));
  });
}

/** Piped input: lines are gathered until an input is complete, then submitted; nothing else is written. */
async function piped(session: ReplSession, input: Readable): Promise<number> {
  let pending = '';
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    pending += `${line}\n`;
    if (ReplSession.isIncomplete(pending)) continue;
    const text = pending;
    pending = '';
    if (session.submit(text) === 'quit') return exitSuccess;
  }
  if (pending.trim() !== '') session.submit(pending);
  return exitSuccess;
}

function keepHistory(server: REPLServer): void {
  const file = process.env.ENT_REPL_HISTORY;
  if (file !== undefined && file !== '') server.setupHistory(file, () => undefined);
}

const builtins = ['str', 'min', 'max', 'abs', 'int', 'bool', 'string', 'list', 'map', 'future'];
const keywords = keywordTokens.map((token) => String(token.LABEL ?? token.name).replace(/`/g, ''));

/**
 * Tab completion: `:` commands; after `x.`, the methods and fields of x's entity (or the built-in
 * methods of its list, map or string); otherwise variables, entity names, keywords and built-ins.
 */
export function complete(session: ReplSession, line: string): [string[], string] {
  if (/^\s*:\w*$/.test(line)) {
    const typed = line.trim();
    return [replCommands.map((command) => `:${command.name}`).filter((name) => name.startsWith(typed)), typed];
  }
  const member = /([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)?$/.exec(line);
  if (member !== null) {
    const [, receiver, prefix = ''] = member;
    return [membersOf(session, receiver).filter((name) => name.startsWith(prefix)), prefix];
  }
  const word = /[A-Za-z_][A-Za-z0-9_]*$/.exec(line)?.[0] ?? '';
  const names = [...session.variables.keys(), ...session.entityTable.keys(), ...keywords, ...builtins];
  return [[...new Set(names)].filter((name) => name.startsWith(word)).sort(), word];
}

function membersOf(session: ReplSession, receiver: string): string[] {
  const type = receiver === 'self' ? undefined : session.variables.get(receiver)?.type;
  if (type?.kind === 'entity') {
    const entity = session.entityTable.get(type.name);
    if (entity === undefined) return [];
    return [...entity.methods.keys(), entity.keyName, ...entity.fields.keys()];
  }
  if (type?.kind === 'list') return ['len', 'push', 'contains'];
  if (type?.kind === 'map') return ['len', 'has', 'keys', 'remove'];
  if (type?.kind === 'string') return ['len'];
  return [];
}
