// Stage: cli. `ent run FILE`: compiles the program and runs its run block under the chosen semantics.
// Program output goes to standard output and nothing else does; exit 0 when the run completes (aborted
// transactions are results), 1 when the client's own computation fails, 2 on static or usage errors.

import { renderDiagnostic } from '../diagnostics/render.ts';
import { diagnostic } from '../diagnostics/diagnostic.ts';
import { defaultStepLimit } from '../semantics/reference/model.ts';
import { Client, ClientError } from '../semantics/reference/client.ts';
import { integerOption, UsageError, type CommandSpec, type ParsedArguments } from './arguments.ts';
import { exitFailure, exitSuccess, exitUsage } from './exit.ts';
import type { Io } from './io.ts';
import { loadProgram, reportUsageError } from './load.ts';
import { createHost, defaultSemantics, semanticsEntry, semanticsNames } from './semantics.ts';
import { formatTraceEvent } from './trace.ts';
import type { TraceEvent } from '../runtime/single-node.ts';

export const runCommand: CommandSpec = {
  name: 'run',
  summary: 'Run the run block of an Ent program.',
  usage: 'ent run [options] FILE',
  options: [
    {
      name: 'semantics',
      value: { placeholder: 'NAME', choices: semanticsNames },
      description: 'which semantics runs the transactions',
      defaultValue: defaultSemantics,
    },
    { name: 'step-limit', value: { placeholder: 'N' }, description: 'small steps one transaction may take', defaultValue: String(defaultStepLimit) },
    { name: 'trace', description: 'print every step (tick, entity, rule, source line) to standard error' },
    { name: 'help', description: 'show this help' },
  ],
  details: [
    'Output: the program\'s `print` lines on standard output; diagnostics and run information on standard error.',
    'Exit status: 0 when the run completes (an aborted transaction is a result, printed as `abort: <message>`),\n'
      + '1 when the run block\'s own computation fails, 2 on static errors (nothing runs) or usage errors.',
  ],
};

export function run(io: Io, parsed: ParsedArguments): number {
  if (parsed.positionals.length !== 1) {
    reportUsageError(io, new UsageError('U0101', 'ent run takes exactly one FILE', 'usage: ent run [options] FILE'));
    return exitUsage;
  }
  const stepLimit = integerOption(parsed, 'step-limit', defaultStepLimit);
  if (stepLimit instanceof UsageError) {
    reportUsageError(io, stepLimit);
    return exitUsage;
  }
  const path = parsed.positionals[0];
  const loaded = loadProgram(io, path);
  if (loaded instanceof UsageError) {
    reportUsageError(io, loaded);
    return exitUsage;
  }
  if (loaded.program === undefined) return exitUsage;
  const runBlock = loaded.program.run;
  if (runBlock === undefined) {
    io.err(`note: ${path} has no run block; nothing to run (try \`ent repl ${path}\`)`);
    return exitSuccess;
  }
  const semantics = (parsed.options.get('semantics') as string | undefined) ?? defaultSemantics;
  const tracing = parsed.options.has('trace');
  if (tracing && !semanticsEntry(semantics).traces) {
    reportUsageError(io, new UsageError('U0103', `--trace needs a small-step semantics; \`${semantics}\` is big-step`,
      'add --semantics split'));
    return exitUsage;
  }
  const lookup = (file: string) => (file === path ? loaded.source : undefined);
  const trace = tracing ? (event: TraceEvent) => io.err(formatTraceEvent(event, lookup)) : undefined;
  const client = new Client(createHost(semantics, loaded.program, { stepLimit, trace }), (line) => io.out(line));
  try {
    client.run(runBlock.body);
    client.finish();
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    io.err(renderDiagnostic(diagnostic(error.code, error.message, error.span, clientHint(error)), () => loaded.source));
    return exitFailure;
  }
  return exitSuccess;
}

function clientHint(error: ClientError): string {
  return error.code === 'R0102'
    ? 'the line that set it printed `abort: …`; check the result before using it'
    : 'this computation runs in the client, outside any transaction, so it stops the run';
}
