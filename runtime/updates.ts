// Stage: runtime. Live updates on the hosts that run the split program (docs/language.md §15): the code
// versions are the state of the system-owned `$Code(0)` (semantics/desugar/updates.ts), which exists
// from the start, like `$Streams(0)`; the hosts seed both through `systemSeeds`. A client's read of a
// field of an updated type is a call of its getter (`$get$f`), which migrates the entity first
// (U-Migrate): `throughGetters` maps the request.

import { codeEntity, codeKey } from '../semantics/updates.ts';
import { getterName } from '../semantics/desugar/updates.ts';
import type { Request } from '../semantics/transactions.ts';
import type { SplitProgram } from '../semantics/split/index.ts';
import { referenceValue, type ReferenceValue, type Value } from '../semantics/values.ts';
import type { RuntimeSettings } from './configuration.ts';
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

/**
 * The system-owned entities a host creates before anything runs: `$Streams(0)` and `$Code(0)`, as the
 * program has them. Under the zoo's `update-mid-atom`, each node has its own copy `$Code(n)`.
 */
export function systemSeeds(program: SplitProgram, settings?: Pick<RuntimeSettings, 'bug' | 'nodes'>): SystemSeed[] {
  const seeds: SystemSeed[] = hasStreams(program) ? [streamsSeed(program)] : [];
  const code = program.entities.get(codeEntity);
  if (code !== undefined) {
    const copies = settings?.bug === 'update-mid-atom' ? settings.nodes : 1;
    for (let key = 0; key < copies; key++) {
      const fields = new Map<string, Value | undefined>([[code.keyName, key]]);
      for (const field of code.fields) fields.set(field.name, field.initial);
      seeds.push({ entity: codeEntity, key, fields });
    }
  }
  return seeds;
}

/**
 * The zoo's `update-mid-atom`: code on node n reads the code versions from its node's own copy,
 * `$Code(n)`, instead of from `$Code(0)`, the one entity every transaction's concurrency control sees.
 */
export function localCodeCopy<Outgoing extends { readonly kind: string; readonly target?: ReferenceValue }>(
  outgoing: Outgoing, node: number, bug: string,
): Outgoing {
  if (bug !== 'update-mid-atom' || outgoing.kind !== 'invoke' || outgoing.target?.entity !== codeEntity) return outgoing;
  return { ...outgoing, target: referenceValue(codeEntity, node) };
}

/**
 * The zoo's `update-mid-atom`: an update is installed on `$Code(0)` when the client asks, and on the
 * other nodes' copies only as the news reaches them: here one node more each time an atom starts (its
 * `$next` submitted), and nobody waits for those installs.
 */
export class LateInstalls {
  /** The installs each node's copy has still to take, by node. */
  private readonly deferred = new Map<number, Request[]>();

  constructor(private readonly settings: Pick<RuntimeSettings, 'bug' | 'nodes'>) {}

  /** The installs to send right after `request`: one node's share of the updates so far, once an atom starts. */
  after(request: Request): Request[] {
    if (this.settings.bug !== 'update-mid-atom' || request.kind !== 'call') return [];
    if (request.target.entity === codeEntity && request.method === '$install') {
      for (let node = 1; node < this.settings.nodes; node++) {
        this.deferred.set(node, [...(this.deferred.get(node) ?? []), { ...request, target: referenceValue(codeEntity, node) }]);
      }
      return [];
    }
    if (request.method !== '$next') return [];
    const next = [...this.deferred.keys()].sort((a, b) => a - b)[0];
    if (next === undefined) return [];
    const now = this.deferred.get(next)!;
    this.deferred.delete(next);
    return now;
  }
}

/** A client's request as a host of the split program runs it: a read of an updated type's field is its getter's call. */
export function throughGetters(program: SplitProgram, request: Request): Request {
  if (request.kind !== 'read' || !hasUpdates(program)) return request;
  const entity = program.entities.get(request.target.entity);
  if (entity === undefined || !entity.methods.has(getterName(request.field))) return request;
  return { kind: 'call', target: request.target, method: getterName(request.field), args: [] };
}
