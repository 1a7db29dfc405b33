// Stage: engines/restate. The service process: `node build/engines/restate/service-main.js FILE PORT`
// compiles the program, splits it and serves its virtual objects (service.ts) on 127.0.0.1:PORT until
// it is stopped. Ent starts it as a process of its own, so that a fault can kill it and start it again.
// Started by Ent with an IPC channel, it also serves another program on another port when asked (a
// test that runs many programs on one server saves a process start per program), and it ends when Ent's
// process does.

import './polyfill.ts';
import { readFileSync } from 'node:fs';
import * as restate from '@restatedev/restate-sdk';
import { compile } from '../../semantics/compile.ts';
import { compileToSplit } from '../../semantics/pipeline.ts';
import { serviceDefinitions } from './service.ts';

async function serve(file: string, port: number): Promise<void> {
  const compiled = compile(readFileSync(file, 'utf8'), file);
  if (compiled.program === undefined || compiled.diagnostics.some((item) => item.severity === 'error')) {
    throw new Error(`ent restate service: ${file} does not compile`);
  }
  const { split } = compileToSplit(compiled.program);
  let endpoint = restate.endpoint();
  for (const definition of serviceDefinitions(split)) endpoint = endpoint.bind(definition);
  await endpoint.listen(port);
}

const [file, portText] = process.argv.slice(2);
await serve(file, Number(portText));
process.stdout.write(`ent restate service listening on ${portText}\n`);
if (process.send !== undefined) {
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: { kind: 'serve'; file: string; port: number }) => {
    serve(message.file, message.port).then(
      () => process.send!({ kind: 'listening', port: message.port }),
      (error: unknown) => process.send!({ kind: 'failed', error: String(error) }),
    );
  });
}
