// Stage: cli. `ent graph FILE`: the reduction graph of a small scope (views/graph.ts), with the scope
// options of `ent explore` (cli/explore.ts) but small defaults: one client, one request, no faults. Writes
// Graphviz DOT to standard output or `--dot FILE`, and SVG to `--svg FILE` (a layered layout of Ent's
// own, no Graphviz needed). A scope of more than `--max-states` states (300 by default) is refused.
// Exit 0 on success, 2 on usage errors.

import { exploreScope } from '../explorer/scope.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { GraphTooLarge, graphToDot, graphToSvg, reductionGraph } from '../views/graph.ts';
import { helpOption, integerOption, stringOption, UsageError, type CommandSpec, type OptionSpec, type ParsedArguments } from './arguments.ts';
import { exitSuccess, exitUsage } from './exit.ts';
import { exploreOptions, scopeOptions } from './explore.ts';
import { maxSourceOption, writeTextFile } from './files.ts';
import type { Io } from './io.ts';
import { loadProgram, reportUsageError, sourceBytesMax, streamsRefusal, updatesRefusal } from './load.ts';
import { defaultRunSettings } from './runtime-options.ts';

/** `ent graph`'s own defaults: a scope small enough to draw. */
export const graphDefaults: Readonly<Record<string, string>> = {
  clients: '1', requests: '1', keys: '1', crashes: '0', drops: '0', dups: '0', delays: '0', 'max-states': '300', reductions: 'message-ids',
};

const graphOptions: readonly OptionSpec[] = [
  ...exploreOptions.filter((option) => option.name !== 'time-limit')
    .map((option) => (graphDefaults[option.name] === undefined ? option : { ...option, defaultValue: graphDefaults[option.name] })),
  { name: 'dot', value: { placeholder: 'FILE' }, description: 'write the graph as Graphviz DOT to FILE (without --dot or --svg, DOT goes to standard output)' },
  { name: 'svg', value: { placeholder: 'FILE' }, description: 'write the graph as SVG to FILE' },
];

export const graphCommand: CommandSpec = {
  name: 'graph',
  summary: 'Draw the reduction graph of a small scope: states, transitions labelled with their rules, terminal outcomes.',
  usage: 'ent graph [options] FILE',
  options: [...graphOptions, maxSourceOption, helpOption],
  details: [
    'From the workload\'s initial state, every transition of every state (the explorer\'s branches of one global\n'
      + 'step, without the partial-order reduction), states merged by the explorer\'s fingerprint. Each end of a run\n'
      + 'is a terminal node with its outcome and the violations of `ent check`\'s checkers (green: none; red: some).',
    'Exit status: 0 when the graph was written, 2 on static or usage errors (a scope too large to draw among them).',
  ],
};

/** The parsed arguments with `ent graph`'s defaults where the command line gave none. */
export function withGraphDefaults(parsed: ParsedArguments): ParsedArguments {
  const options = new Map(parsed.options);
  for (const [name, value] of Object.entries(graphDefaults)) if (!options.has(name)) options.set(name, value);
  return { ...parsed, options };
}

function usage(io: Io, error: UsageError): number {
  reportUsageError(io, error);
  return exitUsage;
}

export function graphCli(io: Io, given: ParsedArguments): number {
  if (given.positionals.length !== 1) {
    const what = given.positionals.length === 0 ? 'a FILE' : `one FILE, not ${given.positionals.length}`;
    return usage(io, new UsageError('U0101', `ent graph takes ${what}`, `usage: ${graphCommand.usage}`));
  }
  const parsed = withGraphDefaults(given);
  const options = scopeOptions(parsed, defaultRunSettings);
  if (options instanceof UsageError) return usage(io, options);
  const loaded = loadProgram(io, parsed.positionals[0], sourceBytesMax(parsed));
  if (loaded instanceof UsageError) return usage(io, loaded);
  if (loaded.program === undefined) return exitUsage;
  if (options.workload === 'run' && loaded.program.run === undefined) {
    return usage(io, new UsageError('U0103', `--workload run: ${loaded.source.name} has no run block`, 'use --workload random'));
  }
  const refusal = streamsRefusal(loaded.program, '`ent graph`') ?? updatesRefusal(loaded.program, '`ent graph`');
  if (refusal !== undefined) return usage(io, refusal);
  if (loaded.program.entities.size === 0) {
    return usage(io, new UsageError('U0107', `${loaded.source.name} declares no entity: there is no transaction to draw`,
      'ent graph needs a program with at least one entity'));
  }
  const { split } = compileToSplit(loaded.program);
  const maxStates = integerOption(parsed, 'max-states', 300) as number;
  const scope = exploreScope(loaded.program, split, { ...options, maxStates });
  const graph = reductionGraph(scope);
  if (graph instanceof GraphTooLarge) {
    return usage(io, new UsageError('U0120', `the scope has more than ${maxStates} states: too many to draw`,
      'make it smaller (--clients 1 --requests 1 --keys 1, fault budgets of 0) or raise --max-states'));
  }
  const title = `${loaded.source.name}: ${describeGraphScope(parsed)}`;
  const dotPath = stringOption(parsed, 'dot');
  const svgPath = stringOption(parsed, 'svg');
  if (dotPath === undefined && svgPath === undefined) io.out(graphToDot(graph, title).trimEnd());
  for (const [path, text] of [[dotPath, () => graphToDot(graph, title)], [svgPath, () => graphToSvg(graph, title)]] as const) {
    if (path === undefined) continue;
    const problem = writeTextFile(io, path, text());
    if (problem !== undefined) return usage(io, problem);
    io.err(`wrote ${path}`);
  }
  const terminals = graph.nodes.length - graph.states;
  io.err(`${graph.states} states, ${graph.transitions} transitions, ${terminals} terminal outcome${terminals === 1 ? '' : 's'}`);
  return exitSuccess;
}

function describeGraphScope(parsed: ParsedArguments): string {
  const get = (name: string): string => String(parsed.options.get(name) ?? '');
  return `${get('clients')} client × ${get('requests')} request, ${get('keys')} key, seed ${get('seed') || '1'}; faults ${get('crashes')} crash ${get('drops')} drop ${get('dups')} dup ${get('delays')} delay`;
}
