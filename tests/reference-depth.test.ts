// The reference model (semantics/reference) runs calls at any depth: its calls nest on an explicit stack,
// not the host's, so recursion 100,000 deep answers, on one entity and across two; `new` (running `init`)
// and `async` nest as deep as calls; and a recursion that never ends stops at the step budget, rolled back,
// with the location of the statement that ran out of steps.

import test from 'ava';
import { lineColumn, sourceText } from '../grammar/span.ts';
import { compile } from '../semantics/compile.ts';
import { ReferenceModel } from '../semantics/reference/model.ts';
import type { Outcome, Request } from '../semantics/transactions.ts';
import { canonical, referenceValue, type Value } from '../semantics/values.ts';

const source = `
entity Deep {
  key id: int
  calls: int = 0
  fn down(n: int): int {
    if n == 0 {
      return 0
    }
    return 1 + self.down(n - 1)
  }
  fn forever(n: int): int {
    self.calls = self.calls + 1
    return self.forever(n + 1)
  }
  fn fail_at_bottom(n: int): int {
    self.calls = self.calls + 1
    if n == 0 {
      abort "bottom"
    }
    return self.fail_at_bottom(n - 1)
  }
  fn later(n: int): int {
    if n == 0 {
      return 0
    }
    return 1 + await async self.later(n - 1)
  }
}

entity Ping {
  key id: int
  fn bounce(n: int, pong: Pong): int {
    if n == 0 {
      return 0
    }
    return 1 + pong.bounce(n - 1, self)
  }
}

entity Pong {
  key id: int
  fn bounce(n: int, ping: Ping): int {
    if n == 0 {
      return 0
    }
    return 1 + ping.bounce(n - 1, self)
  }
}

entity Chain {
  key n: int
  length: int
  init() {
    self.length = 1
    if self.n > 0 {
      self.length = 1 + new Chain(self.n - 1).length
    }
  }
}
`;

const program = compile(source, 'depth.ent').program!;

function model(stepLimit?: number): ReferenceModel {
  const fresh = new ReferenceModel(program, { stepLimit });
  for (const entity of ['Deep', 'Ping', 'Pong']) fresh.execute({ kind: 'new', entity, key: 1, args: [] });
  return fresh;
}

function answer(outcome: Outcome): string {
  return outcome.kind === 'committed' ? canonical(outcome.value) : `abort: ${outcome.message}`;
}

function call(entity: string, method: string, ...args: Value[]): Request {
  return { kind: 'call', target: referenceValue(entity, 1), method, args };
}

test('a self-recursion 100,000 deep answers', (t) => {
  t.is(answer(model().execute(call('Deep', 'down', 100_000))), '100000');
});

test('a recursion 100,000 deep across two entities answers', (t) => {
  const outcome = model().execute({
    kind: 'call', target: referenceValue('Ping', 1), method: 'bounce', args: [100_000, referenceValue('Pong', 1)],
  });
  t.is(answer(outcome), '100000');
});

test('`new` running `init`, and `async` with `await`, nest as deep as calls', (t) => {
  const fresh = model();
  t.is(answer(fresh.execute({ kind: 'new', entity: 'Chain', key: 20_000, args: [] })), 'Chain(20000)');
  t.is(answer(fresh.execute({ kind: 'read', target: referenceValue('Chain', 20_000), field: 'length' })), '20001');
  t.is(answer(fresh.execute(call('Deep', 'later', 20_000))), '20000');
});

test('a recursion that never ends stops at the step budget, rolled back, where the steps ran out', (t) => {
  const fresh = model(100_000);
  const outcome = fresh.execute(call('Deep', 'forever', 0));
  t.is(answer(outcome), 'abort: step limit exceeded');
  t.is(outcome.kind === 'aborted' ? outcome.code : undefined, 'A0108');
  const span = outcome.kind === 'aborted' ? outcome.span : undefined;
  t.not(span, undefined);
  const line = lineColumn(sourceText('depth.ent', source), span!.start).line;
  t.true(source.split('\n')[line - 1].includes('self.'), `the abort is located at line ${line}, outside \`forever\``);
  t.is(answer(fresh.execute({ kind: 'read', target: referenceValue('Deep', 1), field: 'calls' })), '0');
});

test('an abort 100,000 calls deep rolls back every level', (t) => {
  const fresh = model();
  const outcome = fresh.execute(call('Deep', 'fail_at_bottom', 100_000));
  t.is(answer(outcome), 'abort: bottom');
  const span = outcome.kind === 'aborted' ? outcome.span : undefined;
  t.is(span === undefined ? undefined : source.slice(span.start, span.end), 'abort "bottom"');
  t.is(answer(fresh.execute({ kind: 'read', target: referenceValue('Deep', 1), field: 'calls' })), '0');
});
