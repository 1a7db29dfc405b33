// Benchmark: throughput of the front end (grammar + semantics/check) in source lines per second, on a
// generated 10,000-line program of many entities whose methods hold loops, conditions and calls.
// Prints the median of several timed runs after warm-up: lexing, parsing (to the AST), checking a
// parsed AST, and parse + check together (`compile`, what `ent run` does before running).
// Run: npx tsc -p . && node build/bench/parse-check.js [lines] (docs/benchmarks.md has the figures).

import { performance } from 'node:perf_hooks';
import { parse } from '../grammar/index.ts';
import { lex } from '../grammar/lexer.ts';
import { checkProgram } from '../semantics/check/index.ts';
import { compile } from '../semantics/compile.ts';

const linesWanted = Number(process.argv[2] ?? 10_000);
const warmupRuns = 3;
const timedRuns = 9;

/** One method of entity `index`; `other` is the next entity, so calls cross entities. */
function method(index: number, other: string, number: number): string[] {
  return [
    `  fn step_${number}(n: int, other: ${other}): int {`,
    '    let sum = 0',
    '    let i = 0',
    '    while i < n {',
    '      if i % 3 == 0 {',
    `        sum = sum + i * ${number + 2}`,
    '      } else if i % 3 == 1 {',
    '        sum = sum - other.peek(i)',
    '      } else {',
    '        self.items.push(i)',
    '      }',
    '      i = i + 1',
    '    }',
    '    for x in self.items {',
    `      if x > ${index % 10} && !self.table.has(str(x)) {`,
    '        self.table[str(x)] = x',
    '      }',
    '    }',
    '    self.total = self.total + max(sum, 0)',
    '    return sum + min(self.items.len(), 5)',
    '  }',
    '',
  ];
}

function entity(index: number, count: number, methods: number): string[] {
  const other = `Node${(index + 1) % count}`;
  const lines = [
    `entity Node${index} {`,
    '  key id: int',
    '  total: int = 0',
    '  items: list<int> = []',
    '  table: map<string, int> = {}',
    '',
    '  fn peek(i: int): int {',
    '    return self.total + i',
    '  }',
    '',
  ];
  for (let number = 0; number < methods; number++) lines.push(...method(index, other, number));
  lines.push('}', '');
  return lines;
}

/** A program of at least `wanted` lines: entities of 8 methods each, and a short run block. */
export function generateProgram(wanted: number): string {
  const methods = 8;
  const perEntity = entity(0, 1, methods).length;
  const count = Math.max(1, Math.ceil((wanted - 4) / perEntity));
  const lines: string[] = [];
  for (let index = 0; index < count; index++) lines.push(...entity(index, count, methods));
  lines.push('run {', '  let first = new Node0(1)', `  print first.step_0(10, Node${1 % count}(1))`, '}');
  return lines.join('\n') + '\n';
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median milliseconds of `work` over the timed runs, after warm-up. */
function measure(work: () => void): number {
  for (let run = 0; run < warmupRuns; run++) work();
  const times: number[] = [];
  for (let run = 0; run < timedRuns; run++) {
    const start = performance.now();
    work();
    times.push(performance.now() - start);
  }
  return median(times);
}

const source = generateProgram(linesWanted);
const lineCount = source.split('\n').length - 1;
const compiled = compile(source, 'bench.ent');
if (compiled.diagnostics.length > 0 || compiled.program === undefined) {
  throw new Error(`the generated program has diagnostics: ${compiled.diagnostics[0]?.message}`);
}
const parsed = parse(source, 'bench.ent').program!;

const lexMilliseconds = measure(() => lex(source, 'bench.ent'));
const parseMilliseconds = measure(() => parse(source, 'bench.ent'));
const checkMilliseconds = measure(() => checkProgram(parsed));
const compileMilliseconds = measure(() => compile(source, 'bench.ent'));
const rate = (milliseconds: number): string => Math.round(lineCount / (milliseconds / 1000)).toLocaleString('en');

console.log(`program: ${lineCount} lines, ${source.length} characters; median of ${timedRuns} runs after ${warmupRuns} warm-up`);
console.log(`lex only:                    ${lexMilliseconds.toFixed(1)} ms  ${rate(lexMilliseconds)} lines/s`);
console.log(`parse (lex + parse + AST):   ${parseMilliseconds.toFixed(1)} ms  ${rate(parseMilliseconds)} lines/s`);
console.log(`check (on a parsed AST):     ${checkMilliseconds.toFixed(1)} ms  ${rate(checkMilliseconds)} lines/s`);
console.log(`parse + check (compile):     ${compileMilliseconds.toFixed(1)} ms  ${rate(compileMilliseconds)} lines/s`);
