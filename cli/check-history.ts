// Stage: cli. `ent check-history FILE`: checks a recorded history with no program and no claimed order.
// Input: Ent's own history JSON (docs/history.md) or the JSON that Jepsen's Elle reads (an array of
// operations; docs/check-history.md). Output: a summary of the anomalies by class (G0, G1a, G1b, G1c,
// G-single, G2, …, and for Ent's history partial-commit and uncommitted-read), then the witnesses of the
// first --max-witnesses of them; exit 0 when none is found, 1 when one is, 2 when the file cannot be
// read as either format (one line with its code, never a stack trace).

import { checkDependencyGraph, historyFromDecisions, isCycleClass, type AnomalyClass } from '../checkers/dependency-graph.ts';
import { checkElleHistory } from '../checkers/elle.ts';
import { decisionsAndInstallsFromJson } from '../checkers/ent-history.ts';
import { checkInstallation, type InstallationClass } from '../checkers/installation.ts';
import { integerOption, UsageError, type CommandSpec, type ParsedArguments } from './arguments.ts';
import { exitFailure, exitSuccess, exitUsage } from './exit.ts';
import type { Io } from './io.ts';
import { readSource, reportUsageError } from './load.ts';

const maxWitnessesDefault = 20;

export const checkHistoryCommand: CommandSpec = {
  name: 'check-history',
  summary: 'Check a recorded history (Ent\'s or Elle\'s format) for serializability anomalies.',
  usage: 'ent check-history [options] FILE',
  options: [
    {
      name: 'max-witnesses', value: { placeholder: 'N' }, defaultValue: String(maxWitnessesDefault),
      description: 'print the witnesses of the first N anomalies (the summary counts them all)',
    },
    { name: 'process-order', description: 'Elle: infer register version orders from each process\'s order (keys sequential)' },
    { name: 'realtime', description: 'Elle: infer register version orders from real-time order (keys linearizable)' },
    { name: 'help', description: 'show this help' },
  ],
  details: [
    'Formats: Ent\'s history JSON ({"format": "ent-history", "version": 1, "events": […]}, as `ent run --history`\n'
      + 'writes it), or Elle\'s: an array of {"index", "type": "invoke"|"ok"|"fail"|"info", "f": "txn", "value":\n'
      + '[["append", k, v] | ["r", k, list-or-value-or-null] | ["w", k, v], …], "process"}. See docs/check-history.md.',
    'Checks: cycles of Adya\'s dependency graph (G0, G1c, G-single, G2) and the findings without a cycle (G1a,\n'
      + 'G1b, lost-update, garbage-read, …); for Ent\'s history also partial-commit (a commit whose writes were not\n'
      + 'all installed) and uncommitted-read. Elle\'s register version orders are inferred from the initial state\n'
      + 'and from writes that follow reads in a transaction; --process-order and --realtime add what those orders\n'
      + 'give, assuming each key is sequential or linearizable (contradictions are cyclic-versions).',
    'Output: the count of each class, then each witness. Exit status: 0 when no anomaly is found, 1 when one is,\n'
      + '2 when the file cannot be read as either format.',
  ],
};

/** What the command prints of an anomaly of any checker. */
interface Reported {
  readonly class: AnomalyClass | InstallationClass;
  readonly transactions: readonly string[];
  readonly explanation: readonly string[];
}

interface Checked {
  readonly anomalies: readonly Reported[];
  readonly format: string;
  readonly transactions: number;
}

interface HistoryOptions {
  readonly processOrder: boolean;
  readonly realtime: boolean;
}

export function checkHistory(io: Io, parsed: ParsedArguments): number {
  if (parsed.positionals.length !== 1) {
    return usage(io, new UsageError('U0101', 'ent check-history takes exactly one FILE', `usage: ${checkHistoryCommand.usage}`));
  }
  const maxWitnesses = integerOption(parsed, 'max-witnesses', maxWitnessesDefault);
  if (maxWitnesses instanceof UsageError) return usage(io, maxWitnesses);
  const path = parsed.positionals[0];
  const source = readSource(io, path);
  if (source instanceof UsageError) return usage(io, source);
  const options = { processOrder: parsed.options.has('process-order'), realtime: parsed.options.has('realtime') };
  const result = anomaliesOf(source.text, options);
  if ('error' in result) {
    return usage(io, new UsageError('U0108', `${path}: ${oneLine(result.error)}`, 'see docs/check-history.md for the two formats'));
  }
  if (result.format === 'Ent' && (options.processOrder || options.realtime)) {
    io.err('note: --process-order and --realtime apply to Elle\'s format; Ent\'s history gives every version order');
  }
  const { anomalies, format, transactions } = result;
  if (anomalies.length === 0) {
    io.out(`ent check-history: no anomaly in ${transactions} transactions (${format} format)`);
    return exitSuccess;
  }
  io.out(`ent check-history: ${anomalies.length} anomal${anomalies.length === 1 ? 'y' : 'ies'} in ${transactions} transactions (${format} format)`);
  for (const line of summaryByClass(anomalies)) io.out(line);
  const shown = anomalies.slice(0, maxWitnesses);
  if (shown.length < anomalies.length) {
    io.out(`\nthe witnesses of the first ${shown.length} (--max-witnesses N shows more):`);
  }
  for (const anomaly of shown) io.out(describeAnomaly(anomaly));
  return exitFailure;
}

function usage(io: Io, error: UsageError): number {
  reportUsageError(io, error);
  return exitUsage;
}

/** A parser's message may quote the input, newlines and all; the error is one line. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

function anomaliesOf(text: string, options: HistoryOptions): Checked | { readonly error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { error: `not JSON: ${(error as Error).message}` };
  }
  if (Array.isArray(json)) {
    const checked = checkElleHistory(text, options);
    if (checked.kind === 'invalid') return { error: checked.message };
    const transactions = json.filter((operation) => (operation as { type?: unknown } | null)?.type !== 'invoke').length;
    return { anomalies: checked.anomalies, format: 'Elle', transactions };
  }
  if (typeof json !== 'object' || json === null) {
    return { error: 'neither an Ent history (an object with "format": "ent-history") nor an Elle history (an array of operations)' };
  }
  const events = decisionsAndInstallsFromJson(json);
  if ('error' in events) return events;
  const history = historyFromDecisions(events);
  const anomalies = [...checkDependencyGraph(history).anomalies, ...checkInstallation(events, { quiet: true })];
  return { anomalies, format: 'Ent', transactions: history.transactions.length };
}

/** One line per class, the most frequent first (ties in name order). */
function summaryByClass(anomalies: readonly Reported[]): string[] {
  const counts = new Map<string, number>();
  for (const anomaly of anomalies) counts.set(anomaly.class, (counts.get(anomaly.class) ?? 0) + 1);
  const sorted = [...counts].sort(([leftClass, left], [rightClass, right]) => right - left || (leftClass < rightClass ? -1 : 1));
  const width = Math.max(...sorted.map(([name]) => name.length));
  return sorted.map(([name, count]) => `  ${name.padEnd(width)}  ${count}`);
}

function describeAnomaly(anomaly: Reported): string {
  const cycle = anomaly.class !== 'partial-commit' && anomaly.class !== 'uncommitted-read' && isCycleClass(anomaly.class);
  const closing = cycle && anomaly.transactions.length > 1 ? ` → ${anomaly.transactions[0]}` : '';
  const lines = [`\n${anomaly.class}: ${anomaly.transactions.join(cycle ? ' → ' : ', ')}${closing}`];
  for (const sentence of anomaly.explanation) lines.push(`  ${sentence}`);
  return lines.join('\n');
}
