// The parser's depth check on the tree it built (E0106, "this expression nests more than 256 levels
// deep"): the parser bounds the tree's height while it builds it (grammar/parser.ts `treeHeightBound`),
// and grammar/index.ts walks the tree only when the bound passes the limit. The bound must never be below
// the tree's real height, or a tree too deep for the later stages would pass: it is checked on every
// corpus and example program and on chains at the limit, and the too-deep chains must still be refused
// at the same place. (Breaking the bound, e.g. leaving an operator chain's nodes uncounted, makes the
// refusals below fail: that was tried when the bound was written.)

import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '../grammar/index.ts';
import { parser } from '../grammar/parser.ts';

/** The height of a tree in nodes with a `kind`, as the depth check counts them. */
function height(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let below = 0;
  for (const [key, child] of Object.entries(value)) {
    if (key === 'span' || key === 'operatorSpan') continue;
    below = Math.max(below, height(child));
  }
  return below + (typeof (value as { kind?: unknown }).kind === 'string' ? 1 : 0);
}

/** Whether `bound` covers the height of the tree `text` parses to (the property; false if it does not parse). */
function boundCovers(text: string, bound: (actual: number) => number): boolean {
  const result = parse(text, 'depth.ent');
  if (result.program === undefined) return false;
  return bound(height(result.program)) >= height(result.program);
}

const chain = (operators: number, operator: string): string => Array.from({ length: operators + 1 }, (_, index) => String(index)).join(operator);
const program = (expression: string): string => `run {\n  print ${expression}\n}\n`;

const programs = ['corpus', 'examples'].flatMap((folder) => readdirSync(folder, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ent'))
  .map((file) => readFileSync(join(folder, file), 'utf8')));

test("the parser's bound covers the height of every corpus and example program's tree", (t) => {
  let parsed = 0;
  for (const text of [...programs, program(chain(250, ' + ')), program(chain(250, ' * ')), program(`self${'.n'.repeat(250)}`)]) {
    const result = parse(text, 'depth.ent');
    if (result.program === undefined) continue;
    parsed++;
    t.true(parser.treeHeightBound >= height(result.program), `bound ${parser.treeHeightBound}, height ${height(result.program)}:\n${text.slice(0, 200)}`);
  }
  t.true(parsed > 100, `only ${parsed} programs parsed`);
});

test('negative control: a bound one below the height is caught', (t) => {
  t.true(boundCovers(program(chain(10, ' + ')), () => parser.treeHeightBound));
  t.false(boundCovers(program(chain(10, ' + ')), (actual) => actual - 1));
});

test('trees too deep are refused where the walk finds them, trees at the limit parse', (t) => {
  const refused = (text: string): [string, string, number, number] | undefined => {
    const result = parse(text, 'depth.ent');
    const first = result.diagnostics[0];
    return first === undefined ? undefined : [first.code, first.message, first.span.start, first.span.end];
  };
  const tooDeep = 'this expression nests more than 256 levels deep';
  t.deepEqual(refused(program(chain(300, ' + '))), ['E0106', tooDeep, 244, 246]);
  t.deepEqual(refused(program(chain(256, ' + '))), ['E0106', tooDeep, 30, 31]);
  t.deepEqual(refused(program(`self${'.n'.repeat(300)}`)), ['E0106', tooDeep, 14, 112]);
  t.is(refused(program(chain(250, ' + '))), undefined);
  t.is(refused(program(`self${'.n'.repeat(250)}`)), undefined);
});
