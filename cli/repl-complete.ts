// Stage: cli. Tab completion for the REPL: after `:` the commands, after a command its values (`:load`
// completes paths, `:protocol` its protocols, `:cps` Entity.method); after `x.` or `x.f.` the fields and
// methods of the static type of that chain (an entity's, or the built-in methods of a list, map or
// string); elsewhere the variables, entity types, keywords and built-in functions. Input: the text
// before the cursor and what the session knows; output: candidates and the word they replace.

import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { keywordTokens } from '../grammar/lexer.ts';
import type { EntityTable } from '../semantics/check/index.ts';
import type * as T from '../semantics/typed.ts';
import type { Type } from '../semantics/types.ts';
import { concurrencyModes, deliveryModes } from '../runtime/configuration.ts';
import { semanticsNames } from './semantics.ts';

/** What completion needs of a session. */
export interface CompletionScope {
  readonly variables: ReadonlyMap<string, T.Variable>;
  readonly entityTable: EntityTable;
}

export type Completion = [candidates: string[], replaced: string];

const builtins = ['str', 'min', 'max', 'abs', 'int', 'bool', 'string', 'list', 'map', 'future'];
const keywords = keywordTokens.map((token) => String(token.LABEL ?? token.name).replace(/`/g, ''));

export function complete(scope: CompletionScope, line: string, commandNames: readonly string[]): Completion {
  const command = /^\s*:(\S*)$/.exec(line);
  if (command !== null) {
    const typed = `:${command[1]}`;
    return [commandNames.map((name) => `:${name}`).filter((name) => name.startsWith(typed)), typed];
  }
  const argument = /^\s*:(\S+)\s+(\S*)$/.exec(line);
  if (argument !== null) return completeArgument(scope, argument[1], argument[2]);
  const member = /((?:[A-Za-z_][A-Za-z0-9_]*\.)+)([A-Za-z_][A-Za-z0-9_]*)?$/.exec(line);
  if (member !== null) {
    const chain = member[1].slice(0, -1).split('.');
    const prefix = member[2] ?? '';
    return [membersOf(scope, typeOfChain(scope, chain)).filter((name) => name.startsWith(prefix)), prefix];
  }
  const word = /[A-Za-z_][A-Za-z0-9_]*$/.exec(line)?.[0] ?? '';
  const names = [...scope.variables.keys(), ...scope.entityTable.keys(), ...keywords, ...builtins];
  return [[...new Set(names)].filter((name) => name.startsWith(word)).sort(), word];
}

function completeArgument(scope: CompletionScope, command: string, typed: string): Completion {
  const among = (values: readonly string[]): Completion => [values.filter((value) => value.startsWith(typed)), typed];
  switch (command) {
    case 'load': return [paths(typed), typed];
    case 'history': return [paths(typed), typed];
    case 'semantics': return among(semanticsNames);
    case 'protocol': return among(concurrencyModes);
    case 'delivery': return among(deliveryModes);
    case 'trace': return among(['on', 'off', 'calls', 'rules', 'all']);
    case 'faults': return among(['none', 'mild', 'drop=', 'dup=', 'delay=', 'crash=']);
    case 'cps': return among([...scope.entityTable.values()].flatMap((entity) => [entity.name, ...[...entity.methods.keys()].map((method) => `${entity.name}.${method}`)]));
    default: return [[], typed];
  }
}

/** Files and folders that start with what was typed (folders with a trailing `/`). */
function paths(typed: string): string[] {
  const folder = typed.endsWith('/') ? typed : dirname(typed);
  const base = typed.endsWith('/') ? '' : typed.slice(typed.lastIndexOf('/') + 1);
  const shownFolder = typed.includes('/') ? (typed.endsWith('/') ? typed : typed.slice(0, typed.lastIndexOf('/') + 1)) : '';
  try {
    return readdirSync(folder === '' ? '.' : folder)
      .filter((name) => name.startsWith(base) && (base.startsWith('.') || !name.startsWith('.')))
      .map((name) => {
        let isFolder = false;
        try {
          isFolder = statSync(join(folder, name)).isDirectory();
        } catch {
          // A broken link completes as a name.
        }
        return `${shownFolder}${name}${isFolder ? '/' : ''}`;
      })
      .sort();
  } catch {
    return [];
  }
}

/** The static type of `a.b.c`: a variable, then the fields of each entity along the way. */
function typeOfChain(scope: CompletionScope, chain: readonly string[]): Type | undefined {
  let type: Type | undefined = scope.variables.get(chain[0])?.type;
  for (const name of chain.slice(1)) {
    if (type?.kind !== 'entity') return undefined;
    const entity = scope.entityTable.get(type.name);
    if (entity === undefined) return undefined;
    type = name === entity.keyName ? entity.keyType : entity.fields.get(name)?.type;
  }
  return type;
}

function membersOf(scope: CompletionScope, type: Type | undefined): string[] {
  switch (type?.kind) {
    case 'entity': {
      const entity = scope.entityTable.get(type.name);
      return entity === undefined ? [] : [...entity.methods.keys(), entity.keyName, ...entity.fields.keys()].sort();
    }
    case 'list': return ['contains', 'len', 'push'];
    case 'map': return ['has', 'keys', 'len', 'remove'];
    case 'string': return ['len'];
    default: return [];
  }
}
