// Stage: engines/restate. The service process: `node build/engines/restate/service-main.js FILE PORT`
// compiles the program, splits it and serves its virtual objects (service.ts) on 127.0.0.1:PORT until
// it is stopped. Ent starts it as a process of its own, so that a fault can kill it and start it again.

import './polyfill.ts';
import { readFileSync } from 'node:fs';
import * as restate from '@restatedev/restate-sdk';
import { compile } from '../../semantics/compile.ts';
import { compileToSplit } from '../../semantics/pipeline.ts';
import { serviceDefinitions } from './service.ts';

const [file, portText] = process.argv.slice(2);
const compiled = compile(readFileSync(file, 'utf8'), file);
if (compiled.program === undefined || compiled.diagnostics.some((item) => item.severity === 'error')) {
  process.stderr.write(`ent restate service: ${file} does not compile\n`);
  process.exit(2);
}
const { split } = compileToSplit(compiled.program);
let endpoint = restate.endpoint();
for (const definition of serviceDefinitions(split)) endpoint = endpoint.bind(definition);
await endpoint.listen(Number(portText));
process.stdout.write(`ent restate service listening on ${portText}\n`);
