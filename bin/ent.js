#!/usr/bin/env node
// The `ent` command. The TypeScript sources are compiled to build/ by `npm ci` (the `prepare` script)
// or `npm run build`.
import { main } from '../build/cli/main.js';
import { processIo } from '../build/cli/io.js';

// A reader that stops early (`ent … | head`) is not an error of the run.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
process.exitCode = await main(process.argv.slice(2), processIo);
