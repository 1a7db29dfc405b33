// Stage: runtime. Live updates on the hosts that run the split program (docs/language.md §15): the code
// versions are the state of the system-owned `$Code(0)` (semantics/desugar/updates.ts), which exists
// from the start, like `$Streams(0)`; the hosts seed both through `systemSeeds`. A client's read of a
// field of an updated type is a call of its getter (`$get$f`), which migrates the entity first
// (U-Migrate): `throughGetters` maps the request.

import { codeEntity, codeKey } from '../semantics/updates.ts';
import { getterName } from '../semantics/desugar/updates.ts';
import type { Request } from '../semantics/transactions.ts';
import type { SplitProgram } from '../semantics/split/index.ts';
import type { Value } from '../semantics/values.ts';
import { hasStreams, streamsSeed } from './streams.ts';

export interface SystemSeed {
  readonly entity: string;
  readonly key: number;
  readonly fields: Map<string, Value | undefined>;
}

/** Whether a split program runs live updates (it has the `$Code` entity). */
export function hasUpdates(program: SplitProgram): boolean {
  return program.entities.has(codeEntity);
}

/** The system-owned entities a host creates before anything runs: `$Streams(0)` and `$Code(0)`, as the program has them. */
export function systemSeeds(program: SplitProgram): SystemSeed[] {
  const seeds: SystemSeed[] = hasStreams(program) ? [streamsSeed(program)] : [];
  const code = program.entities.get(codeEntity);
  if (code !== undefined) {
    const fields = new Map<string, Value | undefined>([[code.keyName, codeKey]]);
    for (const field of code.fields) fields.set(field.name, field.initial);
    seeds.push({ entity: codeEntity, key: codeKey, fields });
  }
  return seeds;
}

/** A client's request as a host of the split program runs it: a read of an updated type's field is its getter's call. */
export function throughGetters(program: SplitProgram, request: Request): Request {
  if (request.kind !== 'read' || !hasUpdates(program)) return request;
  const entity = program.entities.get(request.target.entity);
  if (entity === undefined || !entity.methods.has(getterName(request.field))) return request;
  return { kind: 'call', target: request.target, method: getterName(request.field), args: [] };
}
