// Stage: semantics/split. The printer of the split program, for people: per entity, its blocks (the
// paper's `buy_item_0`, `buy_item_1`, …), each with its parameters, the live variables its frame
// carries, the continuation it came from and its source line. A suspension shows the frame it sends:
// `-> buy_item_1{amount, item}`.

import { TermPrinter, type LineOf } from '../print-core.ts';
import type { SplitBlock, SplitEntity, SplitMethod } from './index.ts';

export function printSplitMethod(method: SplitMethod, entity: SplitEntity, lineOf: LineOf): string {
  const target = (name: string): string => {
    const block = entity.blocks.get(name);
    return block === undefined ? '' : `{${block.live.join(', ')}}`;
  };
  return method.blocks.map((block) => printBlock(block, lineOf, target)).join('\n');
}

function printBlock(block: SplitBlock, lineOf: LineOf, target: (name: string) => string): string {
  const printer = new TermPrinter(lineOf, target);
  const live = block.live.length === 0 ? '' : ` live {${block.live.join(', ')}}`;
  const origin = block.origin === 'entry' ? 'entry' : `from ${block.origin}`;
  printer.line(0, `block ${block.name}(${block.parameters.join(', ')})${live}    -- ${origin}`, block.span);
  printer.term(block.body, 1);
  return printer.text();
}
