// Snapshots of what a person reads: the printed core and split form of every corpus program (`ent cps`),
// and the rendered diagnostics of every corpus program with static errors. A change to a printer, to the
// desugaring or splitting, or to a message shows as a diff here. Update after reading the diff:
// `npm run snapshots:update`.

import test from 'ava';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderDiagnostics } from '../diagnostics/render.ts';
import { sourceText } from '../grammar/span.ts';
import { compile } from '../semantics/compile.ts';
import { renderCps } from '../cli/cps.ts';
import { loadCorpus } from './support/corpus.ts';

const update = process.env.ENT_UPDATE_SNAPSHOTS === '1';

function snapshot(name: string, actual: string): string | undefined {
  const path = join('tests', 'snapshots', name);
  if (update || !existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return undefined;
  }
  return readFileSync(path, 'utf8');
}

for (const program of loadCorpus()) {
  const source = sourceText(program.path, program.text);
  const compiled = compile(program.text, program.path);
  if (compiled.program === undefined) {
    test(`diagnostics of ${program.name}`, (t) => {
      const rendered = `${renderDiagnostics(compiled.diagnostics, () => source)}\n`;
      const expected = snapshot(`diagnostics/${program.name.replace(/\.ent$/, '.txt')}`, rendered);
      t.is(rendered, expected ?? rendered);
    });
    continue;
  }
  test(`cps of ${program.name}`, (t) => {
    const printed = renderCps(compiled.program!, () => source, undefined, { core: true, split: true });
    if (typeof printed !== 'string') return t.fail(printed.message);
    const text = `${printed}\n`;
    const expected = snapshot(`cps/${program.name.replace(/\.ent$/, '.txt')}`, text);
    t.is(text, expected ?? text);
  });
}
