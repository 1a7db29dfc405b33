// The corpus through the split program: every `.ent` program without static errors runs on the
// small-step machine (one node, a perfect network) with the output its comments expect, and ends in
// the same entity states as under the reference model. Every core method and split block is well formed.

import test from 'ava';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { checkCoreMethod, checkSplitMethod } from '../semantics/wellformed.ts';
import { intendedDifferences, loadCorpus } from './support/corpus.ts';
import { runReference } from './support/run-reference.ts';
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
    const report = runSplit(program.text, program.path);
    t.deepEqual(report.output, program.output);
    t.deepEqual(report.runtimeError === undefined ? undefined : { code: report.runtimeError.code, line: report.runtimeError.line },
      program.runtimeError, report.runtimeError?.message);
    const reference = runReference(program.text, program.path);
    t.is(report.finalState, dumpEntities(reference.model!.store.all()));
  });
}
