// Stage: cli. `ent cps FILE [Entity.method]`: prints, for each method (or the one named), its core CPS
// term and its split form: the blocks it became, their live variables and the source lines they came
// from, so that a reader sees where and why each method was split.

import { lineColumn } from '../grammar/span.ts';
import { printCoreMethod } from '../semantics/print-core.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { printSplitMethod } from '../semantics/split/print.ts';
import { closestName } from '../semantics/check/suggest.ts';
import { helpOption, UsageError, type CommandSpec, type ParsedArguments } from './arguments.ts';
import { maxSourceOption } from './files.ts';
import { exitSuccess, exitUsage } from './exit.ts';
import type { Io } from './io.ts';
import { loadProgram, reportUsageError, sourceBytesMax, streamsRefusal } from './load.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import type { SourceText } from '../grammar/span.ts';

export const cpsCommand: CommandSpec = {
  name: 'cps',
  summary: 'Print the CPS core and the split form of a program\'s methods.',
  usage: 'ent cps [options] FILE [Entity | Entity.method]',
  options: [
    { name: 'core', description: 'print only the core CPS terms' },
    { name: 'split', description: 'print only the split blocks' },
    maxSourceOption,
    helpOption,
  ],
  details: [
    'The core is printed in where-form, in the order it runs: `K where k(x) = K\'` is the calculus\'\n'
      + '`letcont k(x) = K\' in K`. A block header lists its parameters and the live variables its frame\n'
      + 'carries; `-> name{a, b}` shows the frame a call sends. The left column is the source line.',
  ],
};

export function cps(io: Io, parsed: ParsedArguments): number {
  const [path, selector, ...extra] = parsed.positionals;
  if (path === undefined || extra.length > 0) {
    reportUsageError(io, new UsageError('U0101', 'ent cps takes a FILE and at most one Entity.method', `usage: ${cpsCommand.usage}`));
    return exitUsage;
  }
  const loaded = loadProgram(io, path, sourceBytesMax(parsed));
  if (loaded instanceof UsageError) {
    reportUsageError(io, loaded);
    return exitUsage;
  }
  if (loaded.program === undefined) return exitUsage;
  if (loaded.program.entities.size === 0) {
    io.err(`note: ${loaded.source.name} declares no entity, so there is no method to show`);
    return exitSuccess;
  }
  const text = renderCps(loaded.program, (file) => (file === loaded.source.name ? loaded.source : undefined), selector, {
    core: !parsed.options.has('split') || parsed.options.has('core'),
    split: !parsed.options.has('core') || parsed.options.has('split'),
  });
  if (text instanceof UsageError) {
    reportUsageError(io, text);
    return exitUsage;
  }
  io.out(text);
  return exitSuccess;
}

/** The printed core and split forms of the selected methods (all when `selector` is absent). */
export function renderCps(
  program: TypedProgram,
  lookup: (file: string) => SourceText | undefined,
  selector: string | undefined,
  parts: { readonly core: boolean; readonly split: boolean },
): string | UsageError {
  if (selector !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(selector)) {
    return new UsageError('U0103', `\`${selector}\` names no method: write Entity or Entity.method`, 'for example Account or Account.transfer');
  }
  const { core, split } = compileToSplit(program);
  const lineOf = (span: { start: number; file: string }) => {
    const source = lookup(span.file);
    return source === undefined ? undefined : lineColumn(source, span.start).line;
  };
  const [entityName, methodName] = selector === undefined ? [undefined, undefined] : selector.split('.');
  if (entityName !== undefined && !core.entities.has(entityName)) {
    const suggestion = closestName(entityName, core.entities.keys());
    return new UsageError('U0103', `no entity \`${entityName}\` in the program`,
      suggestion === undefined ? `its entities are: ${[...core.entities.keys()].join(', ')}` : `did you mean \`${suggestion}\`?`);
  }
  const sections: string[] = [];
  for (const entity of core.entities.values()) {
    if (entityName !== undefined && entity.name !== entityName) continue;
    if (methodName !== undefined && !entity.methods.has(methodName)) {
      const suggestion = closestName(methodName, entity.methods.keys());
      return new UsageError('U0103', `entity \`${entity.name}\` has no method \`${methodName}\``,
        suggestion === undefined ? `its methods are: ${[...entity.methods.keys()].join(', ')}` : `did you mean \`${suggestion}\`?`);
    }
    const splitEntity = split.entities.get(entity.name)!;
    for (const method of entity.methods.values()) {
      if (methodName !== undefined && method.name !== methodName) continue;
      if (parts.core) sections.push(`== core of ${entity.name}.${method.name} ==\n${printCoreMethod(method, lineOf)}`);
      if (parts.split) {
        const blocks = splitEntity.methods.get(method.name)!;
        sections.push(`== split of ${entity.name}.${method.name}: ${blocks.blocks.length} block${blocks.blocks.length === 1 ? '' : 's'} ==\n`
          + printSplitMethod(blocks, splitEntity, lineOf));
      }
    }
  }
  return sections.join('\n\n');
}
