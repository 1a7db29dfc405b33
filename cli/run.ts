// Stage: cli. `ent run FILE`: compiles the program and runs its run block under the chosen semantics
// (by default the distributed runtime: 3 nodes, exactly-once delivery, 2PL, a mild fault plan, seed 1).
// Program output goes to standard output and nothing else does; exit 0 when the run completes (aborted
// transactions are results), 1 when the client's own computation fails or a request is never answered,
// 2 on static or usage errors.

import { renderDiagnostic } from '../diagnostics/render.ts';
import { diagnostic } from '../diagnostics/diagnostic.ts';
import { StuckError } from '../runtime/host.ts';
import type { JsonValue } from '../runtime/history.ts';
import { Client, ClientError } from '../semantics/reference/client.ts';
import type { SourceText } from '../grammar/span.ts';
import { helpOption, stringOption, UsageError, type CommandSpec, type ParsedArguments } from './arguments.ts';
import { displayPath, errnoCode, maxSourceOption, writeProblem } from './files.ts';
import { HistoryFile } from './history-file.ts';
import { exitFailure, exitSuccess, exitUsage } from './exit.ts';
import type { Io } from './io.ts';
import { loadProgram, reportUsageError, sourceBytesMax, updatesRefusal } from './load.ts';
import { describeRunSettings, faultsDetail, parseRunSettings, runtimeOptions } from './runtime-options.ts';
import {
  defaultSemantics, Interrupted, InterruptibleClient, semanticsEntry, semanticsNames, type RunHost, type RunSettings,
} from './semantics.ts';
import { engineOf, engineOptions, restateOnly, restateOptions, runRestate, simulatedOnly } from './engine.ts';
import { makeTracer, parseTraceLevel, traceDetail, traceOption } from './trace.ts';
import { sourceLookup, VizCapture, vizDetail, vizOption } from './viz.ts';

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
    ...runtimeOptions,
    ...engineOptions,
    traceOption,
    { name: 'history', value: { placeholder: 'FILE' }, description: 'write the run\'s history as JSON (docs/history.md)' },
    vizOption,
    maxSourceOption,
    helpOption,
  ],
  details: [
    'Output: the program\'s `print` lines on standard output; diagnostics and run information on standard error.',
    'Exit status: 0 when the run completes (an aborted transaction is a result, printed as `abort: <message>`),\n'
      + '1 when the run block\'s own computation fails or a request is never answered, 2 on static or usage errors.',
    'The same seed and options give the same run, to the byte. `--semantics reference` is the sequential\n'
      + 'model every other semantics is checked against; `--semantics split` runs the split program on one node.',
    traceDetail,
    vizDetail,
    faultsDetail,
  ],
};

export function run(io: Io, parsed: ParsedArguments): number | Promise<number> {
  if (parsed.positionals.length !== 1) {
    const what = parsed.positionals.length === 0 ? 'a FILE' : `one FILE, not ${parsed.positionals.length}`;
    return usage(io, new UsageError('U0101', `ent run takes ${what}`, 'usage: ent run [options] FILE'));
  }
  const settings = parseRunSettings(parsed);
  if (settings instanceof UsageError) return usage(io, settings);
  const semantics = stringOption(parsed, 'semantics') ?? defaultSemantics;
  const historyPath = stringOption(parsed, 'history');
  if (engineOf(parsed) === 'restate') return runWithRestate(io, parsed, settings, historyPath);
  const notRestate = restateOnly(parsed);
  if (notRestate !== undefined) return usage(io, notRestate);
  if (historyPath !== undefined && semantics !== 'distributed') {
    return usage(io, new UsageError('U0103', `--history needs --semantics distributed, not ${semantics}`,
      'the history records messages, commits and versions, which only the distributed runtime has'));
  }
  const vizPath = stringOption(parsed, 'viz');
  if (vizPath !== undefined && semantics !== 'distributed') {
    return usage(io, new UsageError('U0103', `--viz needs --semantics distributed, not ${semantics}`,
      'the diagram draws nodes, clients and the messages between them, which only the distributed runtime has'));
  }
  const traceLevel = parseTraceLevel(parsed);
  if (traceLevel !== undefined && !semanticsEntry(semantics).traces) {
    return usage(io, new UsageError('U0103', `--trace needs a small-step semantics; \`${semantics}\` is big-step`, 'use --semantics split or distributed'));
  }
  // A history that cannot be written is found now, not after the whole run.
  const historyProblem = historyPath === undefined ? undefined : writeProblem(historyPath);
  if (historyProblem !== undefined) return usage(io, historyProblem);
  const vizProblem = vizPath === undefined ? undefined : writeProblem(vizPath);
  if (vizProblem !== undefined) return usage(io, vizProblem);
  const path = parsed.positionals[0];
  const loaded = loadProgram(io, path, sourceBytesMax(parsed));
  if (loaded instanceof UsageError) return usage(io, loaded);
  if (loaded.program === undefined) return exitUsage;
  const runBlock = loaded.program.run;
  if (runBlock === undefined) {
    io.err(`note: ${loaded.source.name} has no run block; nothing to run (try \`ent repl ${loaded.source.name}\`)`);
    return exitSuccess;
  }
  if (traceLevel !== undefined) io.err(`# ${describeRunSettings(semantics, settings)}`);
  const source = loaded.source;
  const lookup = (file: string): SourceText | undefined => (file === source.name ? source : undefined);
  const printer = traceLevel === undefined ? undefined : makeTracer(semantics, traceLevel, (line) => io.err(line), lookup);
  const viz = vizPath === undefined ? undefined : new VizCapture();
  const tracer = viz === undefined ? printer
    : { kind: 'distributed' as const, trace: viz.tracer(printer?.kind === 'distributed' ? printer.trace : undefined) };
  const interrupted = io.interrupted;
  // The history goes to its file as the run goes (none is kept without --history).
  const history = historyPath === undefined ? undefined : openHistory(io, historyPath, { run: describeRunSettings(semantics, settings) });
  if (history instanceof UsageError) return usage(io, history);
  const runHost = semanticsEntry(semantics).create(loaded.program, settings, tracer, undefined, interrupted, history?.record ?? 'none');
  const client = interrupted === undefined
    ? new Client(runHost.host, (line) => io.out(line))
    : new InterruptibleClient(runHost.host, (line) => io.out(line), interrupted);
  const status = runClient(io, client, runHost, runBlock.body, loaded.source);
  if (viz !== undefined) {
    const written = viz.write(io, vizPath!, {
      title: `ent run ${source.name}`, settings: describeRunSettings(semantics, settings), nodes: settings.nodes, clients: 1, lookup: sourceLookup(source),
    });
    if (written !== undefined) {
      reportUsageError(io, written);
      return status === exitSuccess ? exitUsage : status;
    }
  }
  const closed = history === undefined ? undefined : closeHistory(history, historyPath!);
  if (closed !== undefined) {
    reportUsageError(io, closed);
    return status === exitSuccess ? exitUsage : status;
  }
  return status;
}

/** `ent run --engine restate`: the same program, its requests served by a real Restate server. */
function runWithRestate(io: Io, parsed: ParsedArguments, settings: RunSettings, historyPath: string | undefined): number | Promise<number> {
  const refused = simulatedOnly(parsed, ['semantics', 'trace', 'viz', 'nodes', 'faults', 'delivery', 'seed']);
  if (refused !== undefined) return usage(io, refused);
  const historyProblem = historyPath === undefined ? undefined : writeProblem(historyPath);
  if (historyProblem !== undefined) return usage(io, historyProblem);
  const path = parsed.positionals[0];
  const loaded = loadProgram(io, path, sourceBytesMax(parsed));
  if (loaded instanceof UsageError) return usage(io, loaded);
  if (loaded.program === undefined) return exitUsage;
  const refusal = updatesRefusal(loaded.program, '`ent run --engine restate`');
  if (refusal !== undefined) return usage(io, refusal);
  if (loaded.program.run === undefined) {
    io.err(`note: ${loaded.source.name} has no run block; nothing to run (try \`ent repl ${loaded.source.name}\`)`);
    return exitSuccess;
  }
  const options = restateOptions(parsed, loaded.source.text, settings);
  if (options instanceof UsageError) return usage(io, options);
  return runRestate(io, options, loaded.source, historyPath, `engine=restate protocol=${settings.concurrency} step-limit=${settings.stepLimit}`);
}

function openHistory(io: Io, path: string, settings: Record<string, JsonValue>): HistoryFile | UsageError {
  try {
    return new HistoryFile(io, path, settings);
  } catch (error) {
    return new UsageError('U0104', `cannot write ${displayPath(path)}: ${errnoCode(error) ?? String(error)}`, 'check the folder and the free space');
  }
}

function closeHistory(history: HistoryFile, path: string): UsageError | undefined {
  try {
    history.close();
    return undefined;
  } catch (error) {
    return new UsageError('U0104', `cannot write ${displayPath(path)}: ${errnoCode(error) ?? String(error)}`, 'check the folder and the free space');
  }
}

function usage(io: Io, error: UsageError): number {
  reportUsageError(io, error);
  return exitUsage;
}

function runClient(io: Io, client: Client, runHost: RunHost, body: Parameters<Client['run']>[0], source: SourceText): number {
  try {
    client.run(body);
    runHost.healing();
    client.finish();
    runHost.settling();
    return exitSuccess;
  } catch (error) {
    if (error instanceof ClientError) {
      io.err(renderDiagnostic(diagnostic(error.code, error.message, error.span, clientHint(error)), () => source));
      return exitFailure;
    }
    if (error instanceof Interrupted) {
      io.err('error[R0104]: interrupted: the run stopped before its end');
      return exitFailure;
    }
    if (error instanceof StuckError) {
      const hint = runHost.distributed?.config.settings.delivery === 'at-most-once'
        ? 'under at-most-once delivery a lost request is never sent again; try --delivery exactly-once'
        : 'the protocol made no progress; `ent check` on this program, or --trace, shows where it stalls';
      io.err(`error[R0103]: the run cannot finish: ${error.reason}:\n${error.requests.map((request) => `  ${request}`).join('\n')}\n`
        + `  = hint: ${hint}`);
      return exitFailure;
    }
    throw error;
  }
}

function clientHint(error: ClientError): string {
  if (error.code === 'R0105') return 'a sealed stream takes no more atoms: emit before `seal`, or seal later';
  return error.code === 'R0102'
    ? 'the line that set it printed `abort: …`; check the result before using it'
    : 'this computation runs in the client, outside any transaction, so it stops the run';
}
