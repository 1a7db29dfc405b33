// `ent check`'s report of one case keeps its trace in a window of bounded size: the first and the last
// entries, with how many fell between, so that a case that runs for millions of steps (a livelock) is
// reported in bounded memory. The window, and the report through it, against the whole trace.

import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { report, type CheckRequest } from '../cli/check.ts';
import { memoryIo } from '../cli/io.ts';
import { loadProgram } from '../cli/load.ts';
import { main } from '../cli/main.ts';
import { TraceWindow } from '../cli/trace.ts';
import { decodeToken } from '../checkers/token.ts';

test('a trace window keeps the first and the last entries in order and counts the rest', (t) => {
  const window = new TraceWindow<number>(3, 4);
  for (let entry = 1; entry <= 1000; entry++) window.add(entry);
  t.deepEqual(window.contents(), { first: [1, 2, 3], omitted: 993, last: [997, 998, 999, 1000] });
  const short = new TraceWindow<number>(3, 4);
  for (let entry = 1; entry <= 6; entry++) short.add(entry);
  t.deepEqual(short.contents(), { first: [1, 2, 3], omitted: 0, last: [4, 5, 6] });
  const headOnly = new TraceWindow<number>(2, 0);
  for (let entry = 1; entry <= 5; entry++) headOnly.add(entry);
  t.deepEqual(headOnly.contents(), { first: [1, 2], omitted: 3, last: [] });
});

/** The lines of a report's trace: from "the trace" to the blank line after it. */
function traceLines(stdout: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith('the trace'));
  const end = lines.findIndex((line, index) => index > start && line.startsWith('its requests'));
  return lines.slice(start + 1, end).filter((line) => line.trim() !== '');
}

test('a report with --trace keeps the first and the last steps of the whole trace, and says how many it left out', async (t) => {
  const io = memoryIo({});
  const found = await main(['check', 'examples/bank.ent', '--delivery', 'at-least-once', '--runs', '200', '--shrink-runs', '200', '--seed', '5'], io);
  t.is(found, 1);
  const token = /--replay (\S+)/.exec(io.stdout.join('\n'))![1];
  const decoded = decodeToken(token);
  if ('error' in decoded) return t.fail(decoded.error);
  const loaded = loadProgram(memoryIo({}), 'examples/bank.ent');
  if (!('program' in loaded) || loaded.program === undefined) return t.fail('examples/bank.ent did not load');
  const request: CheckRequest = { program: loaded.program, source: loaded.source, settings: decoded.settings, traceLevel: 'all' };
  const whole = memoryIo({});
  t.is(report(whole, request, decoded.testCase), 1);
  const bounded = memoryIo({});
  t.is(report(bounded, request, decoded.testCase, 10), 1);
  const all = traceLines(whole.stdout.join('\n'));
  const kept = traceLines(bounded.stdout.join('\n'));
  t.true(all.length > 100, `the whole trace has ${all.length} lines`);
  t.false(all.some((line) => line.includes('left out here')));
  t.deepEqual(kept.slice(0, 5), all.slice(0, 5));
  t.deepEqual(kept.slice(6), all.slice(-5));
  t.regex(kept[5], new RegExp(`… ${all.length - 10} more steps left out here \\(the first 5 and the last 5 are shown\\)`));
  // Everything but the trace is the same report.
  const rest = (stdout: string[]): string => stdout.join('\n').replace(/the trace[^]*?its requests/, '');
  t.is(rest(bounded.stdout), rest(whole.stdout));
});

test('a report that also writes the diagram (--viz) prints the same steps that matter', async (t) => {
  const io = memoryIo({});
  t.is(await main(['check', 'examples/bank.ent', '--delivery', 'at-least-once', '--runs', '200', '--shrink-runs', '200', '--seed', '5'], io), 1);
  const token = /--replay (\S+)/.exec(io.stdout.join('\n'))![1];
  const decoded = decodeToken(token);
  if ('error' in decoded) return t.fail(decoded.error);
  const loaded = loadProgram(memoryIo({}), 'examples/bank.ent');
  if (!('program' in loaded) || loaded.program === undefined) return t.fail('examples/bank.ent did not load');
  const request: CheckRequest = { program: loaded.program, source: loaded.source, settings: decoded.settings, traceLevel: undefined };
  const plain = memoryIo({});
  report(plain, request, decoded.testCase);
  const drawn = memoryIo({});
  report(drawn, { ...request, vizPath: join(mkdtempSync(join(tmpdir(), 'ent-report-')), 'case.html') }, decoded.testCase);
  const steps = traceLines(plain.stdout.join('\n'));
  t.true(steps.length > 5, `${steps.length} steps that matter`);
  t.deepEqual(traceLines(drawn.stdout.join('\n')), steps);
});
