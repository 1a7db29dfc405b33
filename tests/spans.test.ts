// Every span the parser gives is a place in the text: whole numbers, 0 ≤ start ≤ end ≤ the text's length.
// Diagnostics and the stepper's source view read them. The empty program's span once ended at NaN
// (Chevrotain's end of input has no offsets). Checked on every corpus and example program and on inputs
// with no token at all, statements or declarations.
// Negative control: a tree with a span that ends at NaN, or past the text, is caught.

import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '../grammar/index.ts';

/** The first span in `value` that is not a place in a text of `length` characters, described. */
function badSpan(value: unknown, length: number, path = 'program'): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.file === 'string' && 'start' in record && 'end' in record) {
    const { start, end } = record as { start: unknown; end: unknown };
    const whole = (number: unknown): boolean => Number.isInteger(number);
    if (!whole(start) || !whole(end) || (start as number) < 0 || (start as number) > (end as number) || (end as number) > length) {
      return `${path}: ${JSON.stringify(start)}–${JSON.stringify(end)} in a text of ${length} characters`;
    }
    return undefined;
  }
  for (const [key, child] of Object.entries(record)) {
    const found = badSpan(child, length, `${path}.${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

const texts = [
  '', '\n', '\n\n\n', '// only a comment', '// only a comment\n', '   ', 'run {}', 'run {\n}\n', 'entity A {\n  key id: int\n}\n',
  ...['corpus', 'examples'].flatMap((folder) => readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ent'))
    .map((file) => readFileSync(join(folder, file), 'utf8'))),
];

test('every span of every parsed program is a place in its text', (t) => {
  let parsed = 0;
  for (const text of texts) {
    const result = parse(text, 'spans.ent');
    if (result.program === undefined) continue;
    parsed++;
    t.is(badSpan(result.program, text.length), undefined, JSON.stringify(text.slice(0, 40)));
  }
  t.true(parsed > 100, `${parsed} programs parsed`);
});

test('negative control: a span that ends at NaN, or past the text, is caught', (t) => {
  t.is(badSpan({ kind: 'Program', span: { file: 'a', start: 0, end: 0 } }, 0), undefined);
  t.regex(badSpan({ kind: 'Program', span: { file: 'a', start: 0, end: Number.NaN } }, 0) ?? '', /program\.span: 0–null/);
  t.regex(badSpan({ kind: 'Program', body: [{ span: { file: 'a', start: 2, end: 9 } }] }, 5) ?? '', /program\.body\.0\.span/);
});
