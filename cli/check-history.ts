// Stage: cli. `ent check-history FILE`: checks a recorded history for serializability anomalies by
// Adya's dependency graph, with no program and no claimed order. It reads Ent's own history JSON
// (docs/history.md) and the JSON that Jepsen's Elle reads (an array of operations; docs/check-history.md),
// prints every anomaly with its class (G0, G1a, G1b, G1c, G-single, G2, …) and its witness, and exits
// 0 when it finds none, 1 when it does, 2 when the file cannot be read as either format.

import { checkDependencyGraph, historyFromEntJson, type Anomaly } from '../checkers/dependency-graph.ts';
import { checkElleHistory } from '../checkers/elle.ts';
import { UsageError, type CommandSpec, type ParsedArguments } from './arguments.ts';
import { exitFailure, exitSuccess, exitUsage } from './exit.ts';
import type { Io } from './io.ts';
import { readSource, reportUsageError } from './load.ts';

export const checkHistoryCommand: CommandSpec = {
  name: 'check-history',
  summary: 'Check a recorded history (Ent\'s or Elle\'s format) for serializability anomalies.',
  usage: 'ent check-history FILE',
  options: [{ name: 'help', description: 'show this help' }],
  details: [
    'Formats: Ent\'s history JSON ({"format": "ent-history", "events": […]}, as `ent run --history` writes it),\n'
      + 'or Elle\'s: an array of {"index", "type": "invoke"|"ok"|"fail"|"info", "f": "txn", "value": [["append", k, v] |\n'
      + '["r", k, list-or-null] | ["w", k, v], …], "process"}. See docs/check-history.md.',
    'Exit status: 0 when no anomaly is found, 1 when one is, 2 when the file cannot be read.',
  ],
};

export function checkHistory(io: Io, parsed: ParsedArguments): number {
  if (parsed.positionals.length !== 1) {
    reportUsageError(io, new UsageError('U0101', 'ent check-history takes exactly one FILE', `usage: ${checkHistoryCommand.usage}`));
    return exitUsage;
  }
  const path = parsed.positionals[0];
  const source = readSource(io, path);
  if (source instanceof UsageError) {
    reportUsageError(io, source);
    return exitUsage;
  }
  const result = anomaliesOf(source.text);
  if ('error' in result) {
    reportUsageError(io, new UsageError('U0103', `${path}: ${result.error}`, 'see docs/check-history.md for the two formats'));
    return exitUsage;
  }
  const { anomalies, format, transactions } = result;
  if (anomalies.length === 0) {
    io.out(`ent check-history: no anomaly in ${transactions} transactions (${format} format)`);
    return exitSuccess;
  }
  io.out(`ent check-history: ${anomalies.length} anomal${anomalies.length === 1 ? 'y' : 'ies'} in ${transactions} transactions (${format} format)`);
  for (const anomaly of anomalies) io.out(describeAnomaly(anomaly));
  return exitFailure;
}

function anomaliesOf(text: string): { anomalies: readonly Anomaly[]; format: string; transactions: number } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { error: `not JSON: ${(error as Error).message}` };
  }
  if (Array.isArray(json)) {
    const checked = checkElleHistory(text);
    if (checked.kind === 'invalid') return { error: checked.message };
    return { anomalies: checked.anomalies, format: 'Elle', transactions: json.filter((operation) => (operation as { type?: string })?.type !== 'invoke').length };
  }
  const history = historyFromEntJson(json);
  if ('error' in history) return history;
  return { anomalies: checkDependencyGraph(history).anomalies, format: 'Ent', transactions: history.transactions.length };
}

function describeAnomaly(anomaly: Anomaly): string {
  const lines = [`\n${anomaly.class}: ${anomaly.transactions.join(' → ')}${anomaly.transactions.length > 1 && isCycle(anomaly) ? ` → ${anomaly.transactions[0]}` : ''}`];
  for (const sentence of anomaly.explanation) lines.push(`  ${sentence}`);
  return lines.join('\n');
}

function isCycle(anomaly: Anomaly): boolean {
  return ['G0', 'G1c', 'G-single', 'G2'].includes(anomaly.class);
}
