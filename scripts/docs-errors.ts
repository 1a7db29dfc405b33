// Writes docs/errors.md from the diagnostic catalog (diagnostics/catalog.ts), so that the list of codes
// cannot drift from the code. Run: npm run docs:errors. tests/catalog-docs.test.ts fails when it is stale.
import { writeFileSync } from 'node:fs';
import { errorsDocument } from '../diagnostics/document.ts';

writeFileSync('docs/errors.md', errorsDocument());
console.log('wrote docs/errors.md');
