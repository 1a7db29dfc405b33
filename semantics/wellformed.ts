// Stage: semantics. Well-formedness of core terms and of split blocks, as invariant checks: each returns
// the problems it finds (none for a correct desugaring). Core: every continuation is bound where it is
// named, with the right number of arguments (branch targets take none, call continuations take one);
// every variable is bound before it is read or updated. Split: every block is closed (it reads only
// its parameters, its live variables and what it binds itself), and wherever control leaves for a
// block, every live variable of that block is bound.

import { boundVariables, primitiveAtoms, type Atom, type CoreMethod, type Term } from './core.ts';
import { collectContinuations, type SplitEntity, type SplitMethod } from './split/index.ts';

interface Scope {
  readonly variables: ReadonlySet<string>;
  /** Continuations in scope, with their number of parameters and where they are bound. */
  readonly continuations: ReadonlyMap<string, { readonly arity: number; readonly binding: LetCont }>;
}

type LetCont = Extract<Term, { kind: 'LetCont' }>;

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
   * In a split block: for each local continuation, the variables bound at every jump to it (beyond
   * those bound where it is defined). A join after `if … { x = 1 } else { x = 2 }` is reached with `x`
   * bound on both paths, though `x` was dead before the `if` and no frame carried it into the block.
   */
  private reached = new Map<LetCont, ReadonlySet<string>>();
  /** While `reached` is being computed: the variables bound at each jump seen, by continuation. */
  private sites: Map<LetCont, ReadonlySet<string>[]> | undefined;

  /**
   * `setBinds`: in a split block, an assignment to a variable the block does not carry is allowed and
   * binds it: the variable was dead (it is assigned before any read), so no frame had to carry it.
   */
  constructor(
    private readonly where: string,
    private readonly rules: TargetRules,
    private readonly setBinds = false,
  ) {}

  /**
   * Checks a split block's body: first the variables bound on entry to each local continuation, as the
   * intersection over the jumps to it, to a fixed point (starting from every variable of the block, and
   * shrinking: continuations may loop), then the body with them.
   */
  block(body: Term, scope: Scope, universe: ReadonlySet<string>): void {
    const problems = this.problems.length;
    let reached = new Map<LetCont, ReadonlySet<string>>();
    for (const binding of collectContinuations(body).values()) reached.set(binding, universe);
    for (let round = 0; round < 1000; round++) {
      this.reached = reached;
      this.sites = new Map();
      this.term(body, scope);
      const next = new Map<LetCont, ReadonlySet<string>>();
      for (const [binding] of reached) {
        const sites = this.sites.get(binding) ?? [];
        next.set(binding, sites.length === 0 ? new Set() : new Set([...sites[0]].filter((name) => sites.every((site) => site.has(name)))));
      }
      this.sites = undefined;
      const stable = [...next].every(([binding, names]) => names.size === reached.get(binding)!.size);
      reached = next;
      if (stable) break;
    }
    this.problems.length = problems;
    this.reached = reached;
    this.term(body, scope);
  }

  private atoms(atoms: readonly Atom[], scope: Scope, what: string): void {
    if (this.sites !== undefined) return;
    for (const atom of atoms) {
      if (atom.kind === 'Variable' && !scope.variables.has(atom.name)) {
        this.problems.push(`${this.where}: ${what} reads unbound variable ${atom.name}`);
      }
    }
  }

  private target(name: string, arguments_: number, use: Use, scope: Scope): void {
    const local = scope.continuations.get(name);
    if (this.sites !== undefined) {
      if (local !== undefined) this.sites.set(local.binding, [...(this.sites.get(local.binding) ?? []), scope.variables]);
      return;
    }
    const arity = local?.arity ?? this.rules.blockArity(name);
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
        if (term.kind === 'Set' && !scope.variables.has(term.variable) && !this.setBinds && this.sites === undefined) {
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
        const continuations = new Map(scope.continuations).set(term.name, { arity: term.parameters.length, binding: term });
        const inner = { variables: scope.variables, continuations };
        const reached = [...(this.reached.get(term) ?? [])];
        this.term(term.continuationBody, bind(inner, [...reached, ...term.parameters]));
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
    const entry = new Set([...block.parameters, ...block.live]);
    checker.block(block.body, { variables: entry, continuations: new Map() }, new Set([...entry, ...boundVariables(block.body)]));
    problems.push(...checker.problems);
  }
  return problems;
}
