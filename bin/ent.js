#!/usr/bin/env node
// The `ent` command. The TypeScript sources are compiled to build/ by `npm ci` (the `prepare` script)
// or `npm run build`.
import { main } from '../build/cli/main.js';
import { processIo } from '../build/cli/io.js';

process.exitCode = await main(process.argv.slice(2), processIo);
