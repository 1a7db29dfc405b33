// Stage: semantics. Well-formedness of core terms and of split blocks, as invariant checks: each returns
// the problems it finds (none for a correct desugaring). Core: every continuation is bound where it is
// named, with the right number of arguments (branch targets take none, call continuations take one);
// every variable is bound before it is read or updated. Split: every block is closed (it reads only
// its parameters, its live variables and what it binds itself), and wherever control leaves for a
// block, every live variable of that block is bound.

import { primitiveAtoms, type Atom, type CoreMethod, type Term } from './core.ts';
import type { SplitEntity, SplitMethod } from './split/index.ts';

interface Scope {
  readonly variables: ReadonlySet<string>;
  /** Continuations in scope, with their number of parameters. */
  readonly continuations: ReadonlyMap<string, number>;
}

/** How a term that leaves a straight line names its target, for the arity rules. */
type Use = 'jump' | 'branch' | 'suspend';

interface TargetRules {
  /** The number of parameters of a target that is not a local continuation (a block), if it is one. */
  readonly blockArity: (name: string) => number | undefined;
  /** Checks, at a use of block `name`, that its live variables are bound. */
  readonly checkLive: (name: string, bound: ReadonlySet<string>, where: string) => void;
}

class Checker {
  readonly problems: string[] = [];

  /**
   * `setBinds`: in a split block, an assignment to a variable the block does not carry is allowed and
   * binds it: the variable was dead (it is assigned before any read), so no frame had to carry it.
   */
  constructor(
    private readonly where: string,
    private readonly rules: TargetRules,
    private readonly setBinds = false,
  ) {}

  private atoms(atoms: readonly Atom[], scope: Scope, what: string): void {
    for (const atom of atoms) {
      if (atom.kind === 'Variable' && !scope.variables.has(atom.name)) {
        this.problems.push(`${this.where}: ${what} reads unbound variable ${atom.name}`);
      }
    }
  }

  private target(name: string, arguments_: number, use: Use, scope: Scope): void {
    const local = scope.continuations.get(name);
    const arity = local ?? this.rules.blockArity(name);
    if (arity === undefined) {
      this.problems.push(`${this.where}: continuation ${name} is not bound`);
      return;
    }
    const expected = use === 'branch' ? 0 : use === 'suspend' ? 1 : arguments_;
    if (arity !== expected) this.problems.push(`${this.where}: ${name} takes ${arity} arguments but is given ${expected}`);
    if (local === undefined) this.rules.checkLive(name, scope.variables, this.where);
  }

  term(term: Term, scope: Scope): void {
    switch (term.kind) {
      case 'Let':
      case 'Set':
        this.atoms(primitiveAtoms(term.primitive), scope, term.kind.toLowerCase());
        if (term.kind === 'Set' && !scope.variables.has(term.variable) && !this.setBinds) {
          this.problems.push(`${this.where}: set of unbound variable ${term.variable}`);
        }
        this.term(term.body, bind(scope, [term.variable]));
        return;
      case 'ReadSelf':
        this.term(term.body, bind(scope, [term.variable]));
        return;
      case 'WriteSelf':
        this.atoms([term.value], scope, 'write');
        this.term(term.body, scope);
        return;
      case 'LetCont': {
        const continuations = new Map(scope.continuations).set(term.name, term.parameters.length);
        const inner = { variables: scope.variables, continuations };
        this.term(term.continuationBody, bind(inner, term.parameters));
        this.term(term.body, inner);
        return;
      }
      case 'Jump':
        this.atoms(term.args, scope, 'jump');
        this.target(term.continuation, term.args.length, 'jump', scope);
        return;
      case 'Branch':
        this.atoms([term.condition], scope, 'branch');
        this.target(term.thenContinuation, 0, 'branch', scope);
        this.target(term.elseContinuation, 0, 'branch', scope);
        return;
      case 'Call':
        this.atoms([term.receiver, ...term.args], scope, 'call');
        this.target(term.continuation, 1, 'suspend', scope);
        return;
      case 'ReadRemote':
        this.atoms([term.object], scope, 'read');
        this.target(term.continuation, 1, 'suspend', scope);
        return;
      case 'New':
        this.atoms([term.key, ...term.args], scope, 'new');
        this.target(term.continuation, 1, 'suspend', scope);
        return;
      case 'Return':
        this.atoms([term.value], scope, 'return');
        return;
      case 'Abort':
        this.atoms([term.message], scope, 'abort');
        return;
    }
  }
}

function bind(scope: Scope, names: readonly string[]): Scope {
  return { variables: new Set([...scope.variables, ...names]), continuations: scope.continuations };
}

export function checkCoreMethod(method: CoreMethod): string[] {
  const checker = new Checker(`${method.entity}.${method.name}`, {
    blockArity: () => undefined,
    checkLive: () => undefined,
  });
  checker.term(method.body, { variables: new Set(method.parameters), continuations: new Map() });
  return checker.problems;
}

export function checkSplitMethod(method: SplitMethod, entity: SplitEntity): string[] {
  const problems: string[] = [];
  const rules: TargetRules = {
    blockArity: (name) => {
      const block = entity.blocks.get(name);
      return block === undefined ? undefined : block.parameters.length;
    },
    checkLive: (name, bound, where) => {
      for (const live of entity.blocks.get(name)!.live) {
        if (!bound.has(live)) problems.push(`${where}: block ${name} needs live variable ${live}, which is not bound here`);
      }
    },
  };
  for (const block of method.blocks) {
    const checker = new Checker(`${method.entity}.${block.name}`, rules, true);
    checker.term(block.body, { variables: new Set([...block.parameters, ...block.live]), continuations: new Map() });
    problems.push(...checker.problems);
  }
  return problems;
}
