// The corpus: every `.ent` program under corpus/ runs with the output, aborts and errors its comments
// expect (see tests/support/corpus.ts for the notation).

import test from 'ava';
import { loadCorpus } from './support/corpus.ts';
import { runReference } from './support/run-reference.ts';

for (const program of loadCorpus()) {
  test(`corpus ${program.name} (reference)`, (t) => {
    const report = runReference(program.text, program.path, program.stepLimit);
    const errors = report.errors.map(({ code, line }) => ({ code, line }));
    t.deepEqual(errors, [...program.errors].sort((a, b) => a.line - b.line || a.code.localeCompare(b.code)),
      report.errors.map((error) => `${error.line}: ${error.code} ${error.message}`).join('\n'));
    if (program.errors.length > 0) return;
    t.deepEqual(report.output, program.output);
    t.deepEqual(report.runtimeError === undefined ? undefined : { code: report.runtimeError.code, line: report.runtimeError.line },
      program.runtimeError, report.runtimeError?.message);
  });
}
