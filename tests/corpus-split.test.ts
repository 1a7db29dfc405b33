// The corpus through the split program: every `.ent` program without static errors runs on the
// small-step machine (one node, a perfect network) with the output its comments expect, and ends in
// the same entity states as under the reference model. Every core method and split block is well formed.

import test from 'ava';
import { compile } from '../semantics/compile.ts';
import type { Term } from '../semantics/core.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import type { SplitEntity } from '../semantics/split/index.ts';
import { checkCoreMethod, checkSplitMethod } from '../semantics/wellformed.ts';
import { intendedDifferences, loadCorpus } from './support/corpus.ts';
import { runReference } from './support/run-reference.ts';
import { referenceStates } from '../checkers/replay.ts';
import { dumpEntities, runSplit } from './support/run-split.ts';

for (const program of loadCorpus().filter((candidate) => candidate.errors.length === 0 && !intendedDifferences.has(candidate.name))) {
  test(`corpus ${program.name} (split)`, (t) => {
    const compiled = compile(program.text, program.path);
    if (compiled.program === undefined) return t.fail('does not compile');
    const { core, split } = compileToSplit(compiled.program);
    for (const entity of core.entities.values()) {
      for (const method of entity.methods.values()) t.deepEqual(checkCoreMethod(method), [], `${entity.name}.${method.name}`);
    }
    for (const entity of split.entities.values()) {
      for (const method of entity.methods.values()) t.deepEqual(checkSplitMethod(method, entity), [], `${entity.name}.${method.name}`);
    }
    const report = runSplit(program.text, program.path, 'none', program.stepLimit);
    t.deepEqual(report.output, program.output);
    t.deepEqual(report.runtimeError === undefined ? undefined : { code: report.runtimeError.code, line: report.runtimeError.line },
      program.runtimeError, report.runtimeError?.message);
    const reference = runReference(program.text, program.path, program.stepLimit);
    t.is(report.finalState, dumpEntities(referenceStates(compiled.program, reference.model!)));
  });
}

// Negative control for the joins of split blocks: the well-formedness check accepts a join reached
// with a variable that every path to it assigned (corpus/calls/assigned-after-a-call.ent), and flags
// the same block once one path no longer assigns it.
test('a split block whose join is reached without a live variable assigned is not well formed', (t) => {
  const program = loadCorpus().find((candidate) => candidate.name.endsWith('assigned-after-a-call.ent'))!;
  const { split } = compileToSplit(compile(program.text, program.path).program!);
  const entity = split.entities.get('Node')!;
  const walk = entity.methods.get('walk')!;
  t.deepEqual(checkSplitMethod(walk, entity), []);
  const renamed = (term: Term): Term => {
    switch (term.kind) {
      case 'ReadSelf':
        return { ...term, variable: term.variable === 'p' ? 'q' : term.variable, body: renamed(term.body) };
      case 'Let':
      case 'Set':
      case 'WriteSelf':
        return { ...term, body: renamed(term.body) };
      case 'LetCont':
        return { ...term, continuationBody: renamed(term.continuationBody), body: renamed(term.body) };
      default:
        return term;
    }
  };
  const blocks = walk.blocks.map((block) => (block.name === 'walk_1' ? { ...block, body: renamed(block.body) } : block));
  const broken: SplitEntity = { ...entity, blocks: new Map([...entity.blocks].map(([name, block]) => [name, blocks.find((candidate) => candidate.name === name) ?? block])) };
  t.deepEqual(checkSplitMethod({ ...walk, blocks }, broken), ['Node.walk_1: block walk_2 needs live variable p, which is not bound here']);
});
