// Stage: diagnostics. The catalog as a document (docs/errors.md): every code, its kind and its doc.

import { catalog, type DiagnosticKind } from './catalog.ts';

const sections: readonly { kind: DiagnosticKind; title: string; about: string }[] = [
  { kind: 'syntax', title: 'Syntax errors', about: 'Reported before anything runs; `ent run` exits with status 2.' },
  { kind: 'static', title: 'Static errors', about: 'Names and types; reported before anything runs; exit status 2.' },
  { kind: 'client', title: 'Errors of the client', about: 'The run block\'s own computation failed, outside any transaction; exit status 1.' },
  { kind: 'abort', title: 'Transaction aborts', about: 'Results, not crashes: the client prints `abort: <message>` and goes on; the run exits 0.' },
  { kind: 'usage', title: 'Usage errors', about: 'The command line is wrong; exit status 2.' },
];

export function errorsDocument(): string {
  const lines = [
    '# Diagnostic codes',
    '',
    'Every diagnostic Ent reports has a code from one catalog (`diagnostics/catalog.ts`); this page is',
    'generated from it by `npm run docs:errors`. A diagnostic is rendered with the code, the file, line and',
    'column, the source line with a caret, and a hint.',
  ];
  for (const section of sections) {
    lines.push('', `## ${section.title}`, '', section.about, '', '| code | title | meaning |', '|---|---|---|');
    for (const entry of catalog.filter((item) => item.kind === section.kind)) {
      lines.push(`| ${entry.code} | ${entry.title} | ${entry.doc.replace(/\|/g, '\\|')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
