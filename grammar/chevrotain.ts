// Stage: grammar. Chevrotain, the parser library, loaded from the one-file build its package ships
// (lib/chevrotain.mjs, the same version's code as lib/src/) instead of its package entry, which Node
// loads as about 700 separate modules (Chevrotain's own and lodash-es's). That load alone took 0.58 s of
// every `ent` command's start (0.14 s for the one file): `node build/bench/startup.js` measures it.
// Every value of Chevrotain that Ent uses comes from here, so that the tokens, `EOF` and the parser's
// classes are one copy's; types come from the package entry as usual (`import type … from 'chevrotain'`).

import type * as Chevrotain from 'chevrotain';

/** The package's entry resolves to …/lib/src/api.js; the one-file build sits two levels up from it. */
const oneFile = new URL('../chevrotain.mjs', import.meta.resolve('chevrotain'));
const chevrotain = (await import(oneFile.href)) as typeof Chevrotain;

export const { createToken, createTokenInstance, EmbeddedActionsParser, EOF, Lexer } = chevrotain;
