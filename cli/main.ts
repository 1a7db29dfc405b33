// Stage: cli. The `ent` command: dispatches to its subcommands. Returns an exit status; only this layer
// and the REPL do I/O.

import { helpText, parseArguments, UsageError, type CommandSpec, type ParsedArguments } from './arguments.ts';
import { exitInternal, exitSuccess, exitUsage } from './exit.ts';
import type { Io } from './io.ts';
import { reportUsageError } from './load.ts';
import { run, runCommand } from './run.ts';
import { cps, cpsCommand } from './cps.ts';
import { check, checkCommand } from './check.ts';
import { exploreCli, exploreCommand } from './explore.ts';
import { graphCli, graphCommand } from './graph.ts';
import { checkHistory, checkHistoryCommand } from './check-history.ts';
import { repl, replCommand } from './repl.ts';
import { closestName } from '../semantics/check/suggest.ts';

interface Command {
  readonly spec: CommandSpec;
  readonly execute: (io: Io, parsed: ParsedArguments) => number | Promise<number>;
}

export const version = '0.1.0';

function commands(): readonly Command[] {
  return [{ spec: runCommand, execute: run }, { spec: cpsCommand, execute: cps }, { spec: checkCommand, execute: check },
    { spec: exploreCommand, execute: exploreCli }, { spec: graphCommand, execute: graphCli },
    { spec: checkHistoryCommand, execute: checkHistory }, { spec: replCommand, execute: repl }];
}

function overview(): string {
  const lines = [
    'ent: run and check Ent programs, entities with exactly-once, serializable transactions.',
    '',
    'Usage: ent COMMAND [options] [arguments]',
    '',
    'Commands:',
  ];
  for (const command of commands()) lines.push(`  ${command.spec.name.padEnd(14)}${command.spec.summary}`);
  lines.push('', 'Run `ent COMMAND --help` for the options of a command, `ent --version` for the version.');
  return lines.join('\n');
}

export async function main(args: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? commands().find((command) => command.spec.name === rest[0]) : undefined;
    io.out(topic === undefined ? overview() : helpText(topic.spec));
    return exitSuccess;
  }
  if (name === '--version' || name === '-V') {
    io.out(`ent ${version}`);
    return exitSuccess;
  }
  const command = commands().find((candidate) => candidate.spec.name === name);
  if (command === undefined) {
    const suggestion = closestName(name, commands().map((candidate) => candidate.spec.name));
    reportUsageError(io, new UsageError('U0101', `unknown command \`${name}\``,
      suggestion === undefined ? 'run `ent --help` to list the commands' : `did you mean \`ent ${suggestion}\`?`));
    return exitUsage;
  }
  const parsed = parseArguments(command.spec, rest);
  if (parsed instanceof UsageError) {
    reportUsageError(io, parsed);
    return exitUsage;
  }
  if (parsed.options.has('help')) {
    io.out(helpText(command.spec));
    return exitSuccess;
  }
  try {
    return await command.execute(io, parsed);
  } catch (error) {
    return reportInternalError(io, error);
  }
}

/**
 * An exception that reached the top is a bug of Ent, not of the input: it is reported in one line, with
 * the stack only when ENT_DEBUG is set, and its own exit status so that it is never taken for a result.
 */
function reportInternalError(io: Io, error: unknown): number {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  io.err(`error: internal error of ent: ${message.split('\n')[0]}\n  = hint: this is a bug in Ent, not in your program; ENT_DEBUG=1 shows where it happened`);
  if (process.env.ENT_DEBUG !== undefined && error instanceof Error && error.stack !== undefined) io.err(error.stack);
  return exitInternal;
}
