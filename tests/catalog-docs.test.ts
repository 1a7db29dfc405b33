// docs/errors.md is generated from the catalog; this fails when someone changed one without the other.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { errorsDocument } from '../diagnostics/document.ts';

test('docs/errors.md lists the catalog as it is (npm run docs:errors)', (t) => {
  t.is(readFileSync('docs/errors.md', 'utf8'), errorsDocument());
});
