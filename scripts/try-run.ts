import { readFileSync } from 'node:fs';
import { compile } from '../semantics/compile.ts';
import { renderDiagnostics } from '../diagnostics/render.ts';
import { sourceText } from '../grammar/span.ts';
import { ReferenceModel } from '../semantics/reference/model.ts';
import { ReferenceHost } from '../semantics/reference/host.ts';
import { Client } from '../semantics/reference/client.ts';
const file = process.argv[2];
const text = readFileSync(file, 'utf8');
const result = compile(text, file);
const src = sourceText(file, text);
if (result.diagnostics.length) console.log(renderDiagnostics(result.diagnostics, () => src));
if (result.program?.run) {
  const client = new Client(new ReferenceHost(new ReferenceModel(result.program)), (l) => console.log(l));
  client.run(result.program.run.body); client.finish();
}
