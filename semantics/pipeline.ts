// Stage: semantics. The CPS half of the pipeline in one call: typed program → core terms → split program.

import { desugarProgram, type DesugarOptions } from './desugar/index.ts';
import { splitProgram, type SplitProgram } from './split/index.ts';
import type { CoreProgram } from './core.ts';
import type { TypedProgram } from './typed.ts';

export interface CompiledSplit {
  readonly core: CoreProgram;
  readonly split: SplitProgram;
}

export function compileToSplit(program: TypedProgram, options: DesugarOptions = {}): CompiledSplit {
  const core = desugarProgram(program, options);
  return { core, split: splitProgram(core) };
}
