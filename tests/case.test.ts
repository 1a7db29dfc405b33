// Tests of checkers/case.ts, one run of `ent check`:
//   - Regression: `ent check --workload run` on a run block that stops with a client error (here `1 / 0`
//     with two calls still in flight) reports no violation: a client error stops the run block, not the
//     system, which must still answer what the block already sent. Before the fix, the run stopped at the
//     error and the calls in flight were reported as never answered (exactly-once: no-answer).
//   - Negative control: the same program and workload with the zoo's reply-before-durable is caught, so
//     the checkers do look at this run block's history.

import test from 'ava';
import { search } from '../checkers/search.ts';
import { defaultCheckSettings } from '../cli/check.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';

const clientErrorSource = `entity A {
  key id: int
  n: int = 0
  fn bump(): int {
    self.n = self.n + 1
    return self.n
  }
}
run {
  let a = new A(1)
  let b = new A(2)
  let first = async a.bump()
  let second = async b.bump()
  let broken = 1 / 0
}
`;

const program = compile(clientErrorSource, 'client-error.ent').program!;
const { split } = compileToSplit(program);

function searchRunBlock(bug: string): ReturnType<typeof search> {
  const settings = { ...defaultCheckSettings({ bug }), workload: 'run' as const };
  return search(program, split, settings, { runs: 100, seed: '1', shrinkSeconds: 0 });
}

test('a run block that stops with a client error, calls still in flight, holds under ent check --workload run', (t) => {
  const result = searchRunBlock('none');
  t.true(result.held, result.held ? '' : `${result.target} after ${result.runs} runs`);
});

test('negative control: the same run block under the zoo\'s reply-before-durable is caught', (t) => {
  const result = searchRunBlock('reply-before-durable');
  t.false(result.held);
});
