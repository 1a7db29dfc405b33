// Stage: interpreter. The fast path of the local machine: an activation run from where it starts to where
// it suspends, returns or aborts, in one loop over a mutable copy of its environment, with no activation
// or step object built per step. It takes the same steps as `step` (interpreter/machine.ts), which stays
// the definition: the same rules in the same order, the same cost charged for each, the same writes, and
// the same end. A run that is traced (`--trace`, the REPL's `:trace on`, a counterexample's report, the
// views) goes through `step` one rule at a time; a run that only counts its rules goes through the
// compiled blocks (interpreter/compiled.ts), which hand the rest of an activation to this loop where
// they must stop at an exact step (the step budget running out). Nothing outside the activation can
// observe the difference: the runtime never looks at an activation between two of its local steps.
// property-tests/fast-path.test.ts holds them equal to `step` over generated programs.

import type { Term } from '../semantics/core.ts';
import type { SplitProgram } from '../semantics/split/index.ts';
import { sizeOf, TransactionAbort, type Value } from '../semantics/values.ts';
import {
  atomValue, bind, block, builds, emptyEnvironment, evaluatePrimitive, suspend, uninitialized, variableValue,
  type Activation, type LocalRule, type LocalStep,
} from './machine.ts';

/** What the caller keeps while the activation runs. */
export interface LocalRunHooks {
  /**
   * Before every step, as the caller's loop around `step` would: the step budget and the interrupt.
   * It may throw (the single-node host aborts by throwing), or give the abort that ends the run there.
   */
  readonly beforeStep: () => { readonly code: 'A0108' | 'A0111'; readonly message: string } | undefined;
  /** Called after each step with its rule (to count rules). */
  readonly fired: (rule: LocalRule) => void;
  /** A step that built a list, map or string costs its size more than its one step. */
  readonly charge: (extra: number) => void;
  /** `self.f = v`: the caller applies the write; later reads of `fields` must see it. */
  readonly write: (field: string, value: Value) => void;
}

/** How the run ended: as `step` would end it, or stopped by the caller's `beforeStep`. */
export type LocalEnd =
  | Extract<LocalStep, { kind: 'suspended' | 'returned' | 'aborted' }>
  | { readonly kind: 'stopped'; readonly code: 'A0108' | 'A0111'; readonly message: string };

/** Runs `start` to its end; `fields` is the entity's state, written through `hooks.write`. */
export function runToEnd(program: SplitProgram, start: Activation, fields: ReadonlyMap<string, Value | undefined>, hooks: LocalRunHooks): LocalEnd {
  const self = start.self;
  let current = start.block;
  let term: Term = start.term;
  // The activation's own copy: no one else holds it, so a binding writes its slot in place where
  // `step` copies the array to leave the activation it came from as it was.
  let env = { slots: start.env.slots, values: start.env.values.slice() };
  for (;;) {
    const stop = hooks.beforeStep();
    if (stop !== undefined) return { kind: 'stopped', code: stop.code, message: stop.message };
    const span = term.span;
    switch (term.kind) {
      case 'Let':
      case 'Set': {
        let value: Value;
        try {
          value = evaluatePrimitive(term.primitive, env, self);
        } catch (error) {
          if (!(error instanceof TransactionAbort)) throw error;
          hooks.fired('L-Fail');
          return { kind: 'aborted', rule: 'L-Fail', span, code: error.code, message: error.message };
        }
        hooks.fired(term.kind === 'Let' ? 'L-Let' : 'L-Set');
        if (builds(term.primitive)) hooks.charge(sizeOf(value));
        bind(env, term.variable, value);
        term = term.body;
        continue;
      }
      case 'ReadSelf': {
        const value = fields.get(term.field);
        if (value === undefined) {
          hooks.fired('L-Fail');
          return uninitialized(self, term.field, span);
        }
        hooks.fired('L-Read-Self');
        bind(env, term.variable, value);
        term = term.body;
        continue;
      }
      case 'WriteSelf':
        hooks.fired('L-Write-Self');
        hooks.write(term.field, atomValue(term.value, env));
        term = term.body;
        continue;
      case 'LetCont':
        hooks.fired('L-LetCont');
        term = term.body;
        continue;
      case 'Jump':
      case 'Branch': {
        let target: string;
        let args: readonly Value[];
        let rule: LocalRule;
        if (term.kind === 'Jump') {
          target = term.continuation;
          args = term.args.map((atom) => atomValue(atom, env));
          rule = 'L-Jump';
        } else {
          const condition = atomValue(term.condition, env) === true;
          target = condition ? term.thenContinuation : term.elseContinuation;
          args = [];
          rule = condition ? 'L-Branch-True' : 'L-Branch-False';
        }
        const local = current.continuations.get(target);
        if (local !== undefined) {
          hooks.fired(rule);
          local.parameters.forEach((parameter, index) => bind(env, parameter, args[index]));
          term = local.body;
          continue;
        }
        hooks.fired(rule === 'L-Jump' ? 'L-Goto' : rule);
        const next = block(program, self.entity, target);
        const nextEnv = emptyEnvironment(next);
        for (const name of next.live) bind(nextEnv, name, variableValue(name, env));
        next.parameters.forEach((parameter, index) => bind(nextEnv, parameter, args[index]));
        current = next;
        env = nextEnv;
        term = next.body;
        continue;
      }
      case 'Call':
      case 'ReadRemote':
      case 'New': {
        const suspended = suspend(program, { self, block: current, term, env, stack: start.stack }, term);
        hooks.fired(suspended.rule);
        return suspended;
      }
      case 'Return':
        hooks.fired('L-Return');
        return { kind: 'returned', rule: 'L-Return', span, value: atomValue(term.value, env), stack: start.stack };
      case 'Abort':
        hooks.fired('L-Abort');
        return { kind: 'aborted', rule: 'L-Abort', span, code: term.code ?? 'A0101', message: atomValue(term.message, env) as string };
    }
  }
}
