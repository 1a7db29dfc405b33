// Stage: interpreter. The local machine compiled: each split block is turned once (per program) into host
// closures, and once it has run 2,000 segments into one JavaScript function (generated text, built by
// `new Function`: the second tier), which take the machine's steps without building an activation or a
// step record per rule, and without looking up a variable's slot, a primitive's kind or a continuation's
// name while they run. A delivery enters a block through `runCompiledCall` or `runCompiledResume`, which
// put its values straight into the block's slots (no activation is built for it either).
// `step` (interpreter/machine.ts) stays the definition; this module must take the same steps: the same
// rules in the same order, the same cost charged for each, the same writes and the same end. A run that
// is traced goes through `step` one rule at a time; a run that only counts its rules comes here.
//
// How the rules are fused. A block's terms fall into segments: a straight line of `let`, `set`, field
// reads and writes and `letcont`s, ended by a jump, a branch, a call, a remote read, a `new`, a return or
// an abort. A segment's length is known when it is compiled, so its budget is checked and its rule
// counts are added once, at its start, instead of at every step; a variable is a slot of one array
// (constants included, in slots after the variables). In the first tier a step is a closure over its
// slots and a segment a chain of them, returned to the run's loop at its end; in the second a step is a
// statement (or a call of a closure, for the rarer primitives) and a block's segments are the cases of
// one loop over labels, where a jump or branch to a local continuation changes the label, so a loop of
// the program runs inside one host function that the host's optimizing compiler sees whole. Both tiers
// share the block's slots, so a run goes on in the second from the segment it was at in the first. The
// generated text depends on the block alone (no time, no randomness); the first tier is there because
// new code costs the host about a millisecond per block to compile and warm up, which a program that
// runs a few segments (a test's generated program, a REPL input) would never repay.
// Nothing outside the activation sees the difference: the runtime never looks at an activation between
// two of its local steps. Where the fused run could differ from step-by-step, it gives the rest of the
// segment to the step-by-step loop (interpreter/fast-path.ts `runToEnd`), which stops at the exact step:
//   - a segment that would run past the step budget (the budget stops the run inside it);
//   - a step that built a list, map or string whose size, charged on top of its step, takes the
//     segment past the budget;
// and a step that aborts (L-Fail) takes back the counts and steps of the segment's steps after it.
// The second tier also updates in place a list or map that the run built itself and nobody else can
// hold (`inPlaceVariables`), where the persistent operation would copy it: no other holder, no difference.
// property-tests/fast-path.test.ts holds this equal to `step` over generated programs, and catches
// each of the broken variants below (its negative controls).

import type { Span } from '../grammar/span.ts';
import { primitiveAtoms, type Atom, type Primitive, type Term } from '../semantics/core.ts';
import type { SplitBlock, SplitProgram } from '../semantics/split/index.ts';
import {
  add, applyBuiltin, applyUnary, applyValueMethod, divide, joinStrings, listIndex, listPush, listStore,
  listLength, listValue, mapHas, mapLookup, mapSize, mapRemove, mapStore, mapValue, multiply, negate, referenceValue, remainder, sizeOf,
  subtract, TransactionAbort, valuesEqual, listStoreInPlace, listPushInPlace, mapStoreInPlace,
  type ListValue, type MapKey, type MapValue, type ReferenceValue, type Value,
} from '../semantics/values.ts';
import { runToEnd, type LocalEnd } from './fast-path.ts';
import {
  block as blockNamed, builds, emptyEnvironment, pushFrame, resolvedFuture, uninitialized,
  type Activation, type Frame, type FrameStack, type LocalRule,
} from './machine.ts';

/** The local rules, in the order of a rule-count array's entries. */
export const localRules: readonly LocalRule[] = [
  'L-Let', 'L-Set', 'L-Read-Self', 'L-Write-Self', 'L-LetCont', 'L-Jump', 'L-Goto',
  'L-Branch-True', 'L-Branch-False', 'L-Call', 'L-Read-Remote', 'L-New', 'L-Return', 'L-Abort', 'L-Fail',
];

const ruleIndexes = new Map<string, number>(localRules.map((rule, index) => [rule, index]));

function ruleIndex(rule: LocalRule): number {
  return ruleIndexes.get(rule)!;
}

const branchTrue = ruleIndex('L-Branch-True');
const branchFalse = ruleIndex('L-Branch-False');
const failRule = ruleIndex('L-Fail');

/** A fresh array of rule counts, one entry per rule of `localRules`, all zero. */
export function newRuleCounts(): number[] {
  return new Array<number>(localRules.length).fill(0);
}

/** Adds the counts to `into` by rule name (rules that did not fire are left out) and sets them to zero. */
export function moveRuleCounts(counts: number[], into: Map<string, number>): void {
  for (let index = 0; index < counts.length; index++) {
    const fired = counts[index];
    if (fired === 0) continue;
    const rule = localRules[index];
    into.set(rule, (into.get(rule) ?? 0) + fired);
    counts[index] = 0;
  }
}

/** What the caller keeps while the activation runs: its budget, its rule counts, its entity's writes. */
export interface LocalRunState {
  /** Steps charged so far (the transaction's, before this activation); the run adds its own. */
  steps: number;
  readonly stepLimit: number;
  /** Asked when the steps pass a multiple of 4,096 (the REPL's Ctrl-C): true stops the run with A0111. */
  readonly interrupted: (() => boolean) | undefined;
  /** Times each local rule fired, indexed as `localRules`; the run adds to it. */
  readonly counts: number[];
  /** `self.f = v`: the caller applies the write; later reads of `fields` must see it. */
  readonly write: (field: string, value: Value) => void;
}

/**
 * Deliberately broken variants of the compiler, for the differential property's negative controls
 * (property-tests/fast-path.test.ts): each gets one rule wrong in a way a user could meet.
 *   - `branch-false-counted-true`: a branch that goes to its else side is counted as L-Branch-True;
 *   - `build-charges-nothing`: a step that builds a list, map or string is charged one step only;
 *   - `local-jump-skips-budget`: in the second tier, a segment entered by a jump or branch inside its
 *     block (a loop's next round) skips its budget check, as if the jump had fused it with the segment before;
 *   - `tier-up-restarts-block`: a block that goes to the second tier part way through a run starts
 *     again from its entry segment instead of going on from the segment it was at;
 *   - `in-place-despite-copies`: in the second tier, a value updated in place stays its variable's own
 *     after it was copied to another variable, a field, a message or another value (so the copy changes too).
 */
export type CompiledVariant =
  | 'faithful' | 'branch-false-counted-true' | 'build-charges-nothing' | 'local-jump-skips-budget' | 'tier-up-restarts-block'
  | 'in-place-despite-copies';

let variant: CompiledVariant = 'faithful';

/** Runs `work` with the compiler's variant set to `chosen` (for negative controls), then sets it back. */
export function withCompiledVariant<Result>(chosen: CompiledVariant, work: () => Result): Result {
  const before = variant;
  variant = chosen;
  try {
    return work();
  } finally {
    variant = before;
  }
}

type Values = (Value | undefined)[];

/** The state of one compiled run. `values` is the current block's environment (the run's own copy). */
class Run {
  values: Values;
  block: SplitBlock;
  steps: number;
  end: LocalEnd | undefined = undefined;
  readonly interrupted: (() => boolean) | undefined;

  constructor(
    readonly program: SplitProgram,
    readonly self: ReferenceValue,
    readonly stack: FrameStack,
    readonly fields: ReadonlyMap<string, Value | undefined>,
    readonly state: LocalRunState,
    readonly counts: number[],
    readonly stepLimit: number,
    start: CompiledBlock,
    values: Values,
  ) {
    this.values = values;
    this.block = start.block;
    this.steps = state.steps;
    this.interrupted = state.interrupted;
  }
}

/** Where control goes next: a segment to run, or `undefined` when the run has ended (`run.end`). */
type Code = (run: Run) => Code | undefined;
/** A step inside a segment, with the block's environment at hand. */
type Next = (run: Run, values: Values) => Code | undefined;
type Evaluate = (values: Values, self: ReferenceValue) => Value;

interface CompiledBlock {
  readonly block: SplitBlock;
  readonly variant: CompiledVariant;
  readonly slots: ReadonlyMap<string, number>;
  /** The slots of the block's constants (after its variables'), which both tiers share. */
  readonly constantSlots: ReadonlyMap<Value, number>;
  /** A new environment: the variables unbound, then the block's constants. */
  template: readonly (Value | undefined)[];
  /** The slots of the block's parameters and of its live variables, in their orders. */
  parameterSlots: readonly number[];
  liveSlots: readonly number[];
  /** Where a run of the block starts: the first tier's entry segment, then the generated function's. */
  entry: Code;
  /** Segments the first tier has run; past `hotSegments` the block is generated (the second tier). */
  heat: number;
  /** The generated function, from the segment with the given label (the entry segment's is 0). */
  generated: ((run: Run, label: number) => Code | undefined) | undefined;
  /** The generated function's labels, by the term each segment starts at. */
  labels: ReadonlyMap<Term, number> | undefined;
}

/** The compiled blocks of one program and variant, by block, by name and by the method they enter. */
interface CompiledProgram {
  readonly blocks: Map<SplitBlock, CompiledBlock>;
  /** Entity name → block name → compiled block (a frame names the block it resumes). */
  readonly named: Map<string, Map<string, CompiledBlock>>;
  /** Entity name → method name → the method's entry block, compiled. */
  readonly methods: Map<string, Map<string, CompiledBlock>>;
}

const compiledPrograms = new WeakMap<SplitProgram, Map<CompiledVariant, CompiledProgram>>();

/** The program and variant compiled last, and its blocks: a run usually follows one of the same program. */
let lastProgram: SplitProgram | undefined;
let lastVariant: CompiledVariant | undefined;
let lastCompiled: CompiledProgram | undefined;

function compiledProgram(program: SplitProgram, chosen: CompiledVariant): CompiledProgram {
  if (program === lastProgram && chosen === lastVariant) return lastCompiled!;
  let byVariant = compiledPrograms.get(program);
  if (byVariant === undefined) compiledPrograms.set(program, (byVariant = new Map()));
  let found = byVariant.get(chosen);
  if (found === undefined) byVariant.set(chosen, (found = { blocks: new Map(), named: new Map(), methods: new Map() }));
  lastProgram = program;
  lastVariant = chosen;
  lastCompiled = found;
  return found;
}

function compiledBlock(program: SplitProgram, splitBlock: SplitBlock, chosen: CompiledVariant): CompiledBlock {
  const blocks = compiledProgram(program, chosen).blocks;
  let found = blocks.get(splitBlock);
  if (found === undefined) blocks.set(splitBlock, (found = new ClosureCompiler(program, splitBlock, chosen).compile()));
  return found;
}

/** The compiled block `name` of `entity` (as `block` in machine.ts finds it). */
function namedBlock(program: SplitProgram, entity: string, name: string, chosen: CompiledVariant): CompiledBlock {
  const named = compiledProgram(program, chosen).named;
  let ofEntity = named.get(entity);
  if (ofEntity === undefined) named.set(entity, (ofEntity = new Map()));
  let found = ofEntity.get(name);
  if (found === undefined) ofEntity.set(name, (found = compiledBlock(program, blockNamed(program, entity, name), chosen)));
  return found;
}

/** The compiled entry block of `method` of `entity` (as `enterMethod` in machine.ts finds it). */
function methodBlock(program: SplitProgram, entity: string, method: string, chosen: CompiledVariant): CompiledBlock {
  const methods = compiledProgram(program, chosen).methods;
  let ofEntity = methods.get(entity);
  if (ofEntity === undefined) methods.set(entity, (ofEntity = new Map()));
  let found = ofEntity.get(method);
  if (found === undefined) {
    const splitMethod = program.entities.get(entity)?.methods.get(method);
    if (splitMethod === undefined) throw new Error(`assertion: no method ${entity}.${method}`);
    ofEntity.set(method, (found = compiledBlock(program, blockNamed(program, entity, splitMethod.entry), chosen)));
  }
  return found;
}

/**
 * Runs the activation `start` to its end, as a loop of `step` would, with its writes going through
 * `state.write`, its steps into `state.steps` and its rules into `state.counts`. The end `stopped` is
 * the step budget (A0108) or an interrupt (A0111).
 */
export function runCompiled(program: SplitProgram, start: Activation, fields: ReadonlyMap<string, Value | undefined>, state: LocalRunState): LocalEnd {
  const compiled = compiledBlock(program, start.block, variant);
  const values = compiled.template.slice();
  const given = start.env.values;
  for (let slot = 0; slot < given.length; slot++) values[slot] = given[slot];
  if (start.term === start.block.body) return runFrom(program, start.self, start.stack, fields, state, compiled, values);
  const run = new Run(program, start.self, start.stack, fields, state, state.counts, state.stepLimit, compiled, values);
  try {
    stepByStep(run, start.term, run.values);
  } finally {
    state.steps = run.steps;
  }
  return run.end!;
}

/**
 * `runCompiled` of `enterMethod(program, self, method, args, stack)` (machine.ts), without building the
 * activation: the arguments go straight into the compiled block's slots for its parameters.
 */
export function runCompiledCall(
  program: SplitProgram, self: ReferenceValue, method: string, args: readonly Value[], stack: FrameStack,
  fields: ReadonlyMap<string, Value | undefined>, state: LocalRunState,
): LocalEnd {
  const compiled = methodBlock(program, self.entity, method, variant);
  const values = compiled.template.slice();
  const parameters = compiled.parameterSlots;
  for (let index = 0; index < parameters.length; index++) values[parameters[index]] = args[index];
  return runFrom(program, self, stack, fields, state, compiled, values);
}

/**
 * `runCompiled` of `resumeFrame(program, frame, value, stack)` (machine.ts), without building the
 * activation: the frame's values go straight into the slots of the block's live variables, then the
 * result into its parameter's.
 */
export function runCompiledResume(
  program: SplitProgram, frame: Extract<Frame, { kind: 'resume' }>, value: Value, stack: FrameStack,
  fields: ReadonlyMap<string, Value | undefined>, state: LocalRunState,
): LocalEnd {
  const self = frame.self;
  const compiled = namedBlock(program, self.entity, frame.block, variant);
  const values = compiled.template.slice();
  const live = compiled.liveSlots;
  const saved = frame.values;
  for (let index = 0; index < live.length; index++) values[live[index]] = saved[index];
  if (compiled.parameterSlots.length > 0) values[compiled.parameterSlots[0]] = frame.async ? resolvedFuture(value) : value;
  return runFrom(program, self, stack, fields, state, compiled, values);
}

/** Runs the compiled block from its entry, with `values` its environment (the run's own). */
function runFrom(
  program: SplitProgram, self: ReferenceValue, stack: FrameStack, fields: ReadonlyMap<string, Value | undefined>,
  state: LocalRunState, compiled: CompiledBlock, values: Values,
): LocalEnd {
  const run = new Run(program, self, stack, fields, state, state.counts, state.stepLimit, compiled, values);
  let code: Code | undefined = compiled.entry;
  try {
    while (code !== undefined) code = code(run);
  } finally {
    state.steps = run.steps;
  }
  return run.end!;
}

/** The rest of the activation, from `term`, one step at a time (near the budget's end). */
function stepByStep(run: Run, term: Term, values: Values): undefined {
  const state = run.state;
  const activation: Activation = {
    self: run.self, block: run.block, term, env: { slots: emptyEnvironment(run.block).slots, values }, stack: run.stack,
  };
  run.end = runToEnd(run.program, activation, run.fields, {
    beforeStep: () => {
      if (++run.steps > run.stepLimit) return { code: 'A0108', message: 'step limit exceeded' };
      if (state.interrupted !== undefined && (run.steps & 4095) === 0 && state.interrupted()) return { code: 'A0111', message: 'interrupted' };
      return undefined;
    },
    fired: (rule) => { run.counts[ruleIndex(rule)]++; },
    charge: (extra) => { run.steps += extra; },
    write: state.write,
  });
  return undefined;
}

/** Counts as pairs (rule index, times), flattened. */
type CountPairs = readonly number[];

function countPairs(rules: readonly LocalRule[]): CountPairs {
  const times = new Map<number, number>();
  for (const rule of rules) times.set(ruleIndex(rule), (times.get(ruleIndex(rule)) ?? 0) + 1);
  return [...times].flat();
}

/** A straight step's place in its segment: what to take back when the segment ends early there. */
interface Place {
  readonly span: Span;
  /** Steps of the segment after this one. */
  readonly after: number;
  /** The counted rules of this step and the ones after it in the segment. */
  readonly fromHere: CountPairs;
  /** The counted rules of the steps after this one. */
  readonly afterHere: CountPairs;
  /** The term after this step. */
  readonly rest: Term;
}

function takeBack(run: Run, pairs: CountPairs): void {
  for (let index = 0; index < pairs.length; index += 2) run.counts[pairs[index]] -= pairs[index + 1];
}

/** A step that aborted (L-Fail): the segment's later steps did not happen. */
function failedAt(run: Run, place: Place, code: Extract<LocalEnd, { kind: 'aborted' }>['code'], message: string): undefined {
  run.steps -= place.after;
  takeBack(run, place.fromHere);
  run.counts[failRule]++;
  run.end = { kind: 'aborted', rule: 'L-Fail', span: place.span, code, message };
  return undefined;
}

function thrownAt(run: Run, place: Place, error: unknown): undefined {
  if (!(error instanceof TransactionAbort)) throw error;
  return failedAt(run, place, error.code, error.message);
}

/** A step's charge took the segment past the budget: the rest goes step by step, to stop where `step` stops. */
function overrunAt(run: Run, place: Place, values: Values): undefined {
  run.steps -= place.after;
  takeBack(run, place.afterHere);
  return stepByStep(run, place.rest, values);
}

/** Most straight steps one segment fuses (a longer line is cut, and the rest is another segment). */
const segmentStepsMax = 200;

/**
 * Where a segment that starts at `term` ends, and what it counts: its straight line (at most
 * `segmentStepsMax` steps of `let`, `set`, field reads and writes and `letcont`), the term that ends it
 * (or, when the line was cut, the term the next segment starts at), the rules counted at its start, its
 * length in steps, and each straight step's place. One definition for both tiers, so that their segments
 * are the same and a block can change tiers at any segment's start.
 */
function segmentShape(term: Term, splitBlock: SplitBlock): {
  readonly straight: readonly Term[];
  readonly end: Term;
  readonly cut: boolean;
  readonly counts: CountPairs;
  readonly length: number;
  readonly places: readonly Place[];
} {
  const straight: Term[] = [];
  let end = term;
  while (straight.length < segmentStepsMax
    && (end.kind === 'Let' || end.kind === 'Set' || end.kind === 'ReadSelf' || end.kind === 'WriteSelf' || end.kind === 'LetCont')) {
    straight.push(end);
    end = end.body;
  }
  const cut = straight.length === segmentStepsMax;
  // The rules counted at the segment's start: the straight steps', and the end's when it is known
  // before it runs (a branch counts its side when it takes it).
  const rules: LocalRule[] = straight.map(straightRule);
  const endRule = cut ? undefined : staticEndRule(end, splitBlock);
  if (endRule !== undefined) rules.push(endRule);
  const length = straight.length + (cut ? 0 : 1);
  const places = straight.map((step, index): Place => ({
    span: step.span,
    after: length - index - 1,
    fromHere: countPairs(rules.slice(index)),
    afterHere: countPairs(rules.slice(index + 1)),
    rest: (step as { body: Term }).body,
  }));
  return { straight, end, cut, counts: countPairs(rules), length, places };
}

/**
 * Segments a block runs in the first tier before it is generated. The first tier's closures are shared
 * by every block of every program, so they are warm from the start; a generated function is new code
 * that the host compiles (about a millisecond for a block of a generated test program) and optimizes
 * only once it has run a while, which a block that runs a few segments never repays.
 */
const hotSegmentsDefault = 2_000;
let hotSegments = hotSegmentsDefault;

/** Runs `work` with blocks generated after `segments` segments in the first tier (0: at once), then sets it back. */
export function withHotSegments<Result>(segments: number, work: () => Result): Result {
  const before = hotSegments;
  hotSegments = segments;
  try {
    return work();
  } finally {
    hotSegments = before;
  }
}

/**
 * The block has run enough segments in the first tier: it is generated (once), and the run goes on in
 * the generated function from the segment that starts at `term`, which it runs from its start.
 */
function tierUp(run: Run, compiled: CompiledBlock, term: Term): Code | undefined {
  if (compiled.generated === undefined) {
    const { generated, labels } = new SourceCompiler(run.program, compiled).compile();
    compiled.generated = generated;
    compiled.labels = labels;
    compiled.entry = (next) => generated(next, 0);
  }
  const label = compiled.variant === 'tier-up-restarts-block' ? 0 : compiled.labels!.get(term);
  if (label === undefined) throw new Error(`assertion: no label for a segment of block ${compiled.block.name}`);
  return compiled.generated(run, label);
}

/**
 * What the generated code calls, handed to it as arguments of the function that `new Function` builds
 * (so it names nothing by the module's scope, and the host can inline them).
 */
const helpers = {
  add, subtract, multiply, divide, remainder, joinStrings, valuesEqual, sizeOf, listStoreInPlace, listPushInPlace, mapStoreInPlace,
  stepByStep, thrownAt, overrunAt, readFailed, interruptedAt,
};
const helperNames = Object.keys(helpers);
const helperValues = Object.values(helpers);

/** An uninitialized field read at `place` (L-Fail), as `step` reports it. */
function readFailed(run: Run, place: Place, field: string): undefined {
  const failed = uninitialized(run.self, field, place.span);
  return failedAt(run, place, failed.code, failed.message);
}

/** The REPL's Ctrl-C, asked when a segment's steps pass a multiple of 4,096. */
function interruptedAt(run: Run, before: number, after: number): boolean {
  const interrupted = run.interrupted;
  if (interrupted !== undefined && Math.floor(after / 4096) !== Math.floor(before / 4096) && interrupted()) {
    run.end = { kind: 'stopped', code: 'A0111', message: 'interrupted' };
    return true;
  }
  return false;
}

/** What both tiers compile alike: slots, constants, the steps that leave the block, the primitives. */
abstract class BlockCompilerBase {
  protected readonly slots: ReadonlyMap<string, number>;

  constructor(
    protected readonly program: SplitProgram,
    protected readonly splitBlock: SplitBlock,
    protected readonly variant: CompiledVariant,
    protected readonly constantSlots: Map<Value, number>,
    /** The second tier finds every constant where the first put it (they share the environments). */
    private readonly constantsFixed: boolean,
  ) {
    this.slots = emptyEnvironment(splitBlock).slots;
  }

  protected slot(name: string): number {
    const slot = this.slots.get(name);
    if (slot === undefined) throw new Error(`assertion: variable ${name} has no slot in block ${this.splitBlock.name}`);
    return slot;
  }

  /** The slot an atom is read from: a variable's, or a constant's (after the variables). */
  protected atom(atom: Atom): number {
    if (atom.kind === 'Variable') return this.slot(atom.name);
    let slot = this.constantSlots.get(atom.value);
    if (slot === undefined) {
      if (this.constantsFixed) throw new Error(`assertion: a constant of block ${this.splitBlock.name} has no slot`);
      slot = this.slots.size + this.constantSlots.size;
      this.constantSlots.set(atom.value, slot);
    }
    return slot;
  }

  /** The environment of a new run of the block: the variables unbound, then the constants. */
  protected template(): (Value | undefined)[] {
    const template: (Value | undefined)[] = new Array<Value | undefined>(this.slots.size + this.constantSlots.size).fill(undefined);
    for (const [value, slot] of this.constantSlots) template[slot] = value;
    return template;
  }

  /** A jump to another block (L-Goto): it starts with the arguments and the live variables, copied by name. */
  protected goto(target: string, args: readonly Atom[]): Next {
    const from = args.map((atom) => this.atom(atom));
    const nextBlock = blockNamed(this.program, this.splitBlock.entity, target);
    const program = this.program;
    const chosen = this.variant;
    const slot = (name: string): number => this.slot(name);
    let compiled: CompiledBlock | undefined;
    let copies: number[] | undefined;
    return (run, values) => {
      if (compiled === undefined) {
        compiled = compiledBlock(program, nextBlock, chosen);
        const nextSlots = compiled.slots;
        copies = nextBlock.live.flatMap((name) => [slot(name), nextSlots.get(name)!]);
        copies.push(...nextBlock.parameters.flatMap((name, index) => [from[index], nextSlots.get(name)!]));
      }
      const nextValues = compiled.template.slice();
      for (let index = 0; index < copies!.length; index += 2) nextValues[copies![index + 1]] = values[copies![index]];
      run.values = nextValues;
      run.block = nextBlock;
      return compiled.entry;
    };
  }

  /** A step that ends the activation: a call, remote read or `new` (it suspends), a return or an abort. */
  protected leave(term: Term): Next {
    switch (term.kind) {
      // A call, remote read or `new`: the activation ends, and its frame travels with the message, as
      // `suspend` builds them (the block to resume and the live variables' slots found once, here).
      case 'Call': {
        const { span, method } = term;
        const save = this.resumeFrame(term.continuation, term.async);
        const receiver = this.atom(term.receiver);
        const args = term.args.map((atom) => this.atom(atom));
        return (run, values) => {
          const stack = pushFrame(run.stack, save(run, values));
          const target = values[receiver] as ReferenceValue;
          run.end = { kind: 'suspended', rule: 'L-Call', span, outgoing: { kind: 'invoke', target, method, args: args.map((slot) => values[slot]!), stack } };
          return undefined;
        };
      }
      case 'ReadRemote': {
        const { span, field } = term;
        const save = this.resumeFrame(term.continuation, false);
        const object = this.atom(term.object);
        return (run, values) => {
          const stack = pushFrame(run.stack, save(run, values));
          run.end = { kind: 'suspended', rule: 'L-Read-Remote', span, outgoing: { kind: 'read', target: values[object] as ReferenceValue, field, stack } };
          return undefined;
        };
      }
      case 'New': {
        const { span, entity } = term;
        const save = this.resumeFrame(term.continuation, false);
        const key = this.atom(term.key);
        const args = term.args.map((atom) => this.atom(atom));
        // A stream's create-if-absent (S-Ensure) says so in its message, as `suspend` does.
        const ifAbsent = term.ifAbsent === true ? { ifAbsent: true } : {};
        return (run, values) => {
          const stack = pushFrame(run.stack, save(run, values));
          const outgoing = { kind: 'create', entity, key: values[key] as MapKey, args: args.map((slot) => values[slot]!), stack, ...ifAbsent } as const;
          run.end = { kind: 'suspended', rule: 'L-New', span, outgoing };
          return undefined;
        };
      }
      case 'Return': {
        const { span } = term;
        const from = this.atom(term.value);
        return (run, values) => {
          run.end = { kind: 'returned', rule: 'L-Return', span, value: values[from]!, stack: run.stack };
          return undefined;
        };
      }
      case 'Abort': {
        const { span } = term;
        const from = this.atom(term.message);
        const code = term.code ?? 'A0101';
        return (run, values) => {
          run.end = { kind: 'aborted', rule: 'L-Abort', span, code, message: values[from] as string };
          return undefined;
        };
      }
      default:
        throw new Error(`assertion: ${term.kind} does not end an activation`);
    }
  }

  /** The frame a suspending step saves: the block that resumes, and its live variables' values. */
  private resumeFrame(continuation: string, async: boolean): (run: Run, values: Values) => Frame {
    const resumeAt = blockNamed(this.program, this.splitBlock.entity, continuation);
    const live = resumeAt.live.map((name) => this.slot(name));
    const name = resumeAt.name;
    return (run, values) => ({ kind: 'resume', self: run.self, block: name, values: live.map((slot) => values[slot]!), async });
  }

  /** A primitive as a closure over its slots; computes what `evaluatePrimitive` does. */
  protected primitive(primitive: Primitive): Evaluate {
    switch (primitive.kind) {
      case 'Atom': {
        const from = this.atom(primitive.atom);
        return (values) => values[from]!;
      }
      case 'Binary': {
        const left = this.atom(primitive.left);
        const right = this.atom(primitive.right);
        switch (primitive.operator) {
          case '==': return (values) => valuesEqual(values[left]!, values[right]!);
          case '!=': return (values) => !valuesEqual(values[left]!, values[right]!);
          case '<': return (values) => (values[left] as MapKey) < (values[right] as MapKey);
          case '<=': return (values) => (values[left] as MapKey) <= (values[right] as MapKey);
          case '>': return (values) => (values[left] as MapKey) > (values[right] as MapKey);
          case '>=': return (values) => (values[left] as MapKey) >= (values[right] as MapKey);
          case '+': return (values) => {
            const leftValue = values[left];
            return typeof leftValue === 'string' ? joinStrings(leftValue, values[right] as string) : add(leftValue as number, values[right] as number);
          };
          case '-': return (values) => subtract(values[left] as number, values[right] as number);
          case '*': return (values) => multiply(values[left] as number, values[right] as number);
          case '/': return (values) => divide(values[left] as number, values[right] as number);
          case '%': return (values) => remainder(values[left] as number, values[right] as number);
          default: throw new Error('assertion: not a strict binary operator');
        }
      }
      case 'Unary': {
        const operand = this.atom(primitive.operand);
        if (primitive.operator === '-') return (values) => negate(values[operand] as number);
        const operator = primitive.operator;
        return (values) => applyUnary(operator, values[operand]!);
      }
      case 'List': {
        const elements = primitive.elements.map((atom) => this.atom(atom));
        return (values) => listValue(elements.map((slot) => values[slot]!));
      }
      case 'Map': {
        const entries = primitive.entries.map(([key, item]) => [this.atom(key), this.atom(item)] as const);
        return (values) => mapValue(new Map(entries.map(([key, item]) => [values[key] as MapKey, values[item]!])));
      }
      case 'Index': {
        const base = this.atom(primitive.base);
        const index = this.atom(primitive.index);
        if (primitive.container === 'list') return (values) => listIndex(values[base] as ListValue, values[index] as number);
        return (values) => mapLookup(values[base] as MapValue, values[index] as MapKey);
      }
      case 'Store': {
        const base = this.atom(primitive.base);
        const index = this.atom(primitive.index);
        const item = this.atom(primitive.value);
        if (primitive.container === 'list') return (values) => listStore(values[base] as ListValue, values[index] as number, values[item]!);
        return (values) => mapStore(values[base] as MapValue, values[index] as MapKey, values[item]!);
      }
      case 'ValueMethod': {
        const receiver = this.atom(primitive.receiver);
        const args = primitive.args.map((atom) => this.atom(atom));
        const method = primitive.method;
        if (method === 'has') {
          const [key] = args;
          return (values) => mapHas(values[receiver] as MapValue, values[key] as MapKey);
        }
        if (method === 'len') {
          return (values) => {
            const value = values[receiver]!;
            if (typeof value === 'string') return value.length;
            return (value as ListValue).kind === 'list' ? listLength(value as ListValue) : mapSize(value as MapValue);
          };
        }
        return (values) => applyValueMethod(method, values[receiver]!, args.map((slot) => values[slot]!));
      }
      case 'Mutate': {
        const target = this.atom(primitive.target);
        const arg = this.atom(primitive.arg);
        if (primitive.method === 'push') return (values) => listPush(values[target] as ListValue, values[arg]!);
        return (values) => mapRemove(values[target] as MapValue, values[arg] as MapKey);
      }
      case 'Builtin': {
        const args = primitive.args.map((atom) => this.atom(atom));
        const name = primitive.function;
        if (name === 'abs') {
          const [operand] = args;
          return (values) => {
            const value = values[operand] as number;
            return value < 0 ? negate(value) : value;
          };
        }
        return (values) => applyBuiltin(name, args.map((slot) => values[slot]!));
      }
      case 'Reference': {
        const key = this.atom(primitive.key);
        const entity = primitive.entity;
        return (values) => referenceValue(entity, values[key] as MapKey);
      }
      case 'SelfReference':
        return (_values, self) => self;
      case 'KeyOf': {
        const object = this.atom(primitive.object);
        return (values) => (values[object] as ReferenceValue).key;
      }
      case 'Await': {
        const future = this.atom(primitive.future);
        return (values) => (values[future] as unknown as { readonly result: Value }).result;
      }
    }
  }
}

/**
 * The first tier: a block as closures, one per step, chained within a segment; each segment returns
 * the next to the run's loop (runFrom), and counts itself towards the block's heat.
 */
class ClosureCompiler extends BlockCompilerBase {
  private readonly continuations = new Map<string, { code: Code | undefined }>();
  private readonly compiled: CompiledBlock;

  constructor(program: SplitProgram, splitBlock: SplitBlock, variant: CompiledVariant) {
    super(program, splitBlock, variant, new Map(), false);
    this.compiled = {
      block: splitBlock, variant, slots: this.slots, constantSlots: this.constantSlots, template: [], parameterSlots: [], liveSlots: [],
      entry: () => undefined, heat: 0, generated: undefined, labels: undefined,
    };
  }

  compile(): CompiledBlock {
    for (const name of this.splitBlock.continuations.keys()) this.continuations.set(name, { code: undefined });
    const compiled = this.compiled;
    compiled.entry = this.segment(this.splitBlock.body);
    for (const [name, continuation] of this.splitBlock.continuations) {
      this.continuations.get(name)!.code = this.segment(continuation.body);
    }
    compiled.template = this.template();
    compiled.parameterSlots = this.splitBlock.parameters.map((name) => this.slot(name));
    compiled.liveSlots = this.splitBlock.live.map((name) => this.slot(name));
    return compiled;
  }

  /** The segment that starts at `term`: its budget check and counts, then its steps fused. */
  private segment(term: Term): Code {
    const { straight, end, cut, counts, length, places } = segmentShape(term, this.splitBlock);
    let next: Next = cut ? this.continueAt(end) : this.end(end);
    for (let index = straight.length - 1; index >= 0; index--) next = this.straightStep(straight[index], next, places[index]);
    const first = next;
    const compiled = this.compiled;
    // The budget: all of the segment's steps fit, or the rest goes step by step to stop where `step` stops.
    const fits = (run: Run): boolean => {
      const before = run.steps;
      const after = before + length;
      if (after > run.stepLimit) {
        stepByStep(run, term, run.values);
        return false;
      }
      const interrupted = run.interrupted;
      if (interrupted !== undefined && Math.floor(after / 4096) !== Math.floor(before / 4096) && interrupted()) {
        run.end = { kind: 'stopped', code: 'A0111', message: 'interrupted' };
        return false;
      }
      run.steps = after;
      return true;
    };
    // The counts added at the start, unrolled for the common lengths.
    if (counts.length === 2) {
      const [rule, times] = counts;
      return (run) => {
        if (++compiled.heat > hotSegments) return tierUp(run, compiled, term);
        if (!fits(run)) return undefined;
        run.counts[rule] += times;
        return first(run, run.values);
      };
    }
    if (counts.length === 4) {
      const [rule, times, otherRule, otherTimes] = counts;
      return (run) => {
        if (++compiled.heat > hotSegments) return tierUp(run, compiled, term);
        if (!fits(run)) return undefined;
        const runCounts = run.counts;
        runCounts[rule] += times;
        runCounts[otherRule] += otherTimes;
        return first(run, run.values);
      };
    }
    return (run) => {
      if (++compiled.heat > hotSegments) return tierUp(run, compiled, term);
      if (!fits(run)) return undefined;
      const runCounts = run.counts;
      for (let index = 0; index < counts.length; index += 2) runCounts[counts[index]] += counts[index + 1];
      return first(run, run.values);
    };
  }

  /** A straight line longer than a segment: the next segment starts where it was cut (compiled now, so that its constants have slots in the template). */
  private continueAt(term: Term): Next {
    const code = this.segment(term);
    return () => code;
  }

  private straightStep(term: Term, next: Next, place: Place): Next {
    switch (term.kind) {
      case 'Let':
      case 'Set': {
        const slot = this.slot(term.variable);
        if (term.primitive.kind === 'Binary') return this.binaryStep(term.primitive, slot, next, place);
        if (term.primitive.kind === 'Atom') {
          const from = this.atom(term.primitive.atom);
          return (run, values) => {
            values[slot] = values[from];
            return next(run, values);
          };
        }
        const evaluate = this.primitive(term.primitive);
        if (!builds(term.primitive) || this.variant === 'build-charges-nothing') {
          return (run, values) => {
            let value: Value;
            try {
              value = evaluate(values, run.self);
            } catch (error) {
              return thrownAt(run, place, error);
            }
            values[slot] = value;
            return next(run, values);
          };
        }
        return (run, values) => {
          let value: Value;
          try {
            value = evaluate(values, run.self);
          } catch (error) {
            return thrownAt(run, place, error);
          }
          values[slot] = value;
          if (typeof value === 'string' || typeof value === 'object') {
            const extra = sizeOf(value);
            if (extra > 0 && (run.steps += extra) > run.stepLimit) return overrunAt(run, place, values);
          }
          return next(run, values);
        };
      }
      case 'ReadSelf': {
        const { field } = term;
        const slot = this.slot(term.variable);
        return (run, values) => {
          const value = run.fields.get(field);
          if (value === undefined) {
            const failed = uninitialized(run.self, field, place.span);
            return failedAt(run, place, failed.code, failed.message);
          }
          values[slot] = value;
          return next(run, values);
        };
      }
      case 'WriteSelf': {
        const { field } = term;
        const from = this.atom(term.value);
        return (run, values) => {
          run.state.write(field, values[from]!);
          return next(run, values);
        };
      }
      case 'LetCont':
        return next;
      default:
        throw new Error(`assertion: ${term.kind} is not a straight step`);
    }
  }

  /**
   * A `let` or `set` of a binary operator, fused with its primitive (the commonest step): only `+`
   * may build (a string), and only the arithmetic operators may abort.
   */
  private binaryStep(primitive: Extract<Primitive, { kind: 'Binary' }>, slot: number, next: Next, place: Place): Next {
    const left = this.atom(primitive.left);
    const right = this.atom(primitive.right);
    const compare = (test: (left: MapKey, right: MapKey) => boolean): Next => (run, values) => {
      values[slot] = test(values[left] as MapKey, values[right] as MapKey);
      return next(run, values);
    };
    const charges = this.variant !== 'build-charges-nothing';
    switch (primitive.operator) {
      case '<': return (run, values) => {
        values[slot] = (values[left] as MapKey) < (values[right] as MapKey);
        return next(run, values);
      };
      case '<=': return compare((a, b) => a <= b);
      case '>': return compare((a, b) => a > b);
      case '>=': return compare((a, b) => a >= b);
      case '==': return (run, values) => {
        values[slot] = valuesEqual(values[left]!, values[right]!);
        return next(run, values);
      };
      case '!=': return (run, values) => {
        values[slot] = !valuesEqual(values[left]!, values[right]!);
        return next(run, values);
      };
      case '+': return (run, values) => {
        const leftValue = values[left];
        let value: Value;
        try {
          value = typeof leftValue === 'string' ? joinStrings(leftValue, values[right] as string) : add(leftValue as number, values[right] as number);
        } catch (error) {
          return thrownAt(run, place, error);
        }
        values[slot] = value;
        if (typeof value === 'string' && charges && value.length > 0 && (run.steps += value.length) > run.stepLimit) {
          return overrunAt(run, place, values);
        }
        return next(run, values);
      };
      // One closure each (not one over the operation), so that the host inlines the operation.
      case '-': return (run, values) => {
        let value: number;
        try {
          value = subtract(values[left] as number, values[right] as number);
        } catch (error) {
          return thrownAt(run, place, error);
        }
        values[slot] = value;
        return next(run, values);
      };
      case '*': return (run, values) => {
        let value: number;
        try {
          value = multiply(values[left] as number, values[right] as number);
        } catch (error) {
          return thrownAt(run, place, error);
        }
        values[slot] = value;
        return next(run, values);
      };
      case '/': return (run, values) => {
        let value: number;
        try {
          value = divide(values[left] as number, values[right] as number);
        } catch (error) {
          return thrownAt(run, place, error);
        }
        values[slot] = value;
        return next(run, values);
      };
      case '%': return (run, values) => {
        let value: number;
        try {
          value = remainder(values[left] as number, values[right] as number);
        } catch (error) {
          return thrownAt(run, place, error);
        }
        values[slot] = value;
        return next(run, values);
      };
      default: throw new Error('assertion: not a strict binary operator');
    }
  }

  /** The step that ends a segment. */
  private end(term: Term): Next {
    switch (term.kind) {
      case 'Jump': {
        const transfer = this.transfer(term.continuation, term.args);
        return transfer;
      }
      case 'Branch': {
        const condition = this.atom(term.condition);
        const thenTransfer = this.transfer(term.thenContinuation, []);
        const elseTransfer = this.transfer(term.elseContinuation, []);
        const elseRule = this.variant === 'branch-false-counted-true' ? branchTrue : branchFalse;
        const thenLocal = this.localWithoutParameters(term.thenContinuation);
        const elseLocal = this.localWithoutParameters(term.elseContinuation);
        if (thenLocal !== undefined && elseLocal !== undefined) {
          return (run, values) => {
            if (values[condition] === true) {
              run.counts[branchTrue]++;
              return thenLocal.code;
            }
            run.counts[elseRule]++;
            return elseLocal.code;
          };
        }
        return (run, values) => {
          if (values[condition] === true) {
            run.counts[branchTrue]++;
            return thenTransfer(run, values);
          }
          run.counts[elseRule]++;
          return elseTransfer(run, values);
        };
      }
      default:
        return this.leave(term);
    }
  }

  /** The holder of a local continuation's code, when `target` is one and takes no parameters. */
  private localWithoutParameters(target: string): { code: Code | undefined } | undefined {
    const local = this.splitBlock.continuations.get(target);
    return local !== undefined && local.parameters.length === 0 ? this.continuations.get(target) : undefined;
  }

  /**
   * Control going to `target` with `args`: a local continuation's parameters are bound in this
   * environment (L-Jump, the branches); another block starts with the arguments and the live variables
   * copied by name (L-Goto).
   */
  private transfer(target: string, args: readonly Atom[]): Next {
    const from = args.map((atom) => this.atom(atom));
    const local = this.splitBlock.continuations.get(target);
    if (local !== undefined) {
      const holder = this.continuations.get(target)!;
      const to = local.parameters.map((name) => this.slot(name));
      if (from.length === 0) return () => holder.code;
      if (from.length === 1) {
        const [source] = from;
        const [destination] = to;
        return (_run, values) => {
          values[destination] = values[source];
          return holder.code;
        };
      }
      return (_run, values) => {
        const given = from.map((slot) => values[slot]);
        for (let index = 0; index < to.length; index++) values[to[index]] = given[index];
        return holder.code;
      };
    }
    return this.goto(target, args);
  }
}

/**
 * The second tier: a hot block compiled into one JavaScript function (built once, by `new Function`, from the block's
 * terms alone: the same block gives the same text). Each segment is a `case` of a loop over labels; a
 * jump or a branch to a local continuation sets the label and goes round, a jump to another block or
 * the end of the activation leaves the function. The generated text names only numbers: slots (`v[3]`),
 * rule indexes (`c[5]`) and the objects it needs (`o7`: a place, a field's name, a primitive's closure),
 * which are handed to it as arguments.
 */
class SourceCompiler extends BlockCompilerBase {
  /** The objects the generated code reads, as `o0`, `o1`, … */
  private readonly objects: unknown[] = [];
  /** A segment's label, by the term it starts at; and the segments still to generate. */
  private readonly labels = new Map<Term, number>();
  private readonly toGenerate: Term[] = [];
  private readonly cases: string[] = [];

  /** The slots whose values may be updated in place (`inPlaceVariables`), each with its flag `own<slot>`. */
  private readonly inPlace: ReadonlySet<number>;

  constructor(program: SplitProgram, compiled: CompiledBlock) {
    super(program, compiled.block, compiled.variant, new Map(compiled.constantSlots), true);
    this.inPlace = new Set([...inPlaceVariables(compiled.block)].map((name) => this.slot(name)));
  }

  compile(): { generated: (run: Run, label: number) => Code | undefined; labels: ReadonlyMap<Term, number> } {
    this.label(this.splitBlock.body);
    // Every local continuation has a label, so that a run in the first tier can go on from any segment.
    for (const continuation of this.splitBlock.continuations.values()) this.label(continuation.body);
    for (let index = 0; index < this.toGenerate.length; index++) this.cases.push(this.segment(this.toGenerate[index], index));
    const objectNames = this.objects.map((_, index) => `o${index}`);
    const source = [
      '"use strict";',
      'return function (run, label) {',
      '  const v = run.values;',
      '  const c = run.counts;',
      // Whether a slot's value is the run's own (see `inPlaceVariables`): none is on entering the function.
      ...[...this.inPlace].map((slot) => `  let own${slot} = 0;`),
      ...(this.variant === 'local-jump-skips-budget' ? ['  let jumped = false;'] : []),
      '  for (;;) {',
      '    switch (label) {',
      ...this.cases,
      '      default: throw new Error("assertion: no such label");',
      '    }',
      '  }',
      '};',
    ].join('\n');
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const build = new Function(...helperNames, ...objectNames, source) as (...given: unknown[]) => (run: Run, label: number) => Code | undefined;
    return { generated: build(...helperValues, ...this.objects), labels: this.labels };
  }

  /**
   * The generated code's read of an atom: `v[slot]`, or for an int or a bool constant its literal (the
   * constant keeps its slot, which the first tier reads), which the host's compiler can fold into the
   * operation (`% 16`, `* 31`).
   */
  private at(atom: Atom): string {
    const slot = this.atom(atom);
    // A variable updated in place, read for anything but its own update: the value may be kept elsewhere now.
    if (atom.kind === 'Variable' && this.inPlace.has(slot) && this.variant !== 'in-place-despite-copies') return `(own${slot} = 0, v[${slot}])`;
    if (atom.kind === 'Constant') {
      const value = atom.value;
      if (typeof value === 'boolean') return String(value);
      if (typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0)) return `(${String(value)})`;
    }
    return `v[${slot}]`;
  }

  /** The name the generated code reads `object` by. */
  private object(object: unknown): string {
    this.objects.push(object);
    return `o${this.objects.length - 1}`;
  }

  /** The label of the segment that starts at `term` (queued to be generated if it is new). */
  private label(term: Term): number {
    let label = this.labels.get(term);
    if (label === undefined) {
      label = this.toGenerate.length;
      this.labels.set(term, label);
      this.toGenerate.push(term);
    }
    return label;
  }

  /** Control going to another segment of this block. */
  private goTo(term: Term): string {
    const jumped = this.variant === 'local-jump-skips-budget' ? 'jumped = true; ' : '';
    return `${jumped}label = ${this.label(term)}; continue;`;
  }

  /** The segment that starts at `term`, as a `case`: its budget check and counts, then its steps. */
  private segment(term: Term, label: number): string {
    const { straight, end, cut, counts, length, places } = segmentShape(term, this.splitBlock);
    const lines: string[] = [`      case ${label}: {`];
    // The budget: all of the segment's steps fit, or the rest goes step by step to stop where `step` stops.
    const skip = this.variant === 'local-jump-skips-budget' ? ' && !jumped' : '';
    lines.push(
      '        const before = run.steps;',
      `        const after = before + ${length};`,
      `        if (after > run.stepLimit${skip}) return stepByStep(run, ${this.object(term)}, v);`,
      '        if (run.interrupted !== undefined && interruptedAt(run, before, after)) return undefined;',
      '        run.steps = after;',
    );
    if (skip !== '') lines.push('        jumped = false;');
    for (let index = 0; index < counts.length; index += 2) lines.push(`        c[${counts[index]}] += ${counts[index + 1]};`);
    straight.forEach((step, index) => lines.push(...this.straightStep(step, places[index]).map((line) => `        ${line}`)));
    lines.push(...(cut ? [this.goTo(end)] : this.end(end)).map((line) => `        ${line}`));
    lines.push('      }');
    return lines.join('\n');
  }

  /**
   * A step of a segment's straight line, as statements; a step that binds a variable updated in place
   * then says whether its new value is the run's own (a store or push just built it, or updated it in place).
   */
  private straightStep(term: Term, placeValue: Place): string[] {
    const lines = this.straightStepAlone(term, placeValue);
    if ((term.kind === 'Let' || term.kind === 'Set' || term.kind === 'ReadSelf') && this.inPlace.has(this.slot(term.variable))) {
      const built = term.kind !== 'ReadSelf' && (term.primitive.kind === 'Store' || (term.primitive.kind === 'Mutate' && term.primitive.method === 'push'));
      lines.push(`own${this.slot(term.variable)} = ${built ? 1 : 0};`);
    }
    return lines;
  }

  /**
   * The reads that a primitive's closure makes of variables updated in place, given away as `at` gives
   * them (the closure reads the environment itself), except those that keep nothing: the container of
   * an index, of `has` or `len`, and of its own update.
   */
  private givenAway(primitive: Primitive, variable: string): string[] {
    if (this.variant === 'in-place-despite-copies') return [];
    const kept = new Set<Atom>();
    if (primitive.kind === 'Index') kept.add(primitive.base);
    if (primitive.kind === 'ValueMethod' && (primitive.method === 'has' || primitive.method === 'len')) kept.add(primitive.receiver);
    if (primitive.kind === 'Store' && updatesItself(variable, primitive)) kept.add(primitive.base);
    if (primitive.kind === 'Mutate' && updatesItself(variable, primitive)) kept.add(primitive.target);
    const slots = new Set<number>();
    for (const atom of primitiveAtoms(primitive)) {
      if (atom.kind === 'Variable' && !kept.has(atom) && this.inPlace.has(this.slot(atom.name))) slots.add(this.slot(atom.name));
    }
    return [...slots].map((slot) => `own${slot} = 0;`);
  }

  /**
   * `x[i] = e` or `x.push(e)` on a variable updated in place: done to the value itself when the run owns
   * it and its shape allows (values.ts `listStoreInPlace`, `listPushInPlace`, `mapStoreInPlace`); else
   * the closure builds the new value as the first tier does. Undefined for any other step.
   */
  private inPlaceUpdate(variable: string, primitive: Primitive): string | undefined {
    const slot = this.slot(variable);
    if (!this.inPlace.has(slot) || !updatesItself(variable, primitive)) return undefined;
    if (primitive.kind === 'Store') {
      const update = primitive.container === 'list' ? 'listStoreInPlace' : 'mapStoreInPlace';
      return `if (own${slot} === 1 && ${update}(v[${slot}], ${this.at(primitive.index)}, ${this.at(primitive.value)})) value = v[${slot}]; else`;
    }
    if (primitive.kind === 'Mutate') return `if (own${slot} === 1 && listPushInPlace(v[${slot}], ${this.at(primitive.arg)})) value = v[${slot}]; else`;
    return undefined;
  }

  /** A step of a segment's straight line, as statements (`straightStep`, before the ownership of its variable). */
  private straightStepAlone(term: Term, placeValue: Place): string[] {
    switch (term.kind) {
      case 'Let':
      case 'Set': {
        const slot = this.slot(term.variable);
        const primitive = term.primitive;
        if (primitive.kind === 'Atom') return [`v[${slot}] = ${this.at(primitive.atom)};`];
        const place = this.object(placeValue);
        const charges = this.variant !== 'build-charges-nothing';
        if (primitive.kind === 'Binary') {
          const left = this.at(primitive.left);
          const right = this.at(primitive.right);
          switch (primitive.operator) {
            case '<': case '<=': case '>': case '>=':
              return [`v[${slot}] = ${left} ${primitive.operator} ${right};`];
            // Equal primitives are identical; two objects (lists, maps, references) are compared by value.
            case '==': return [`{ const left = ${left}; const right = ${right}; v[${slot}] = left === right || (typeof left === "object" && typeof right === "object" && valuesEqual(left, right)); }`];
            case '!=': return [`{ const left = ${left}; const right = ${right}; v[${slot}] = !(left === right || (typeof left === "object" && typeof right === "object" && valuesEqual(left, right))); }`];
            case '+': return [
              '{',
              `  const left = ${left};`,
              '  let value;',
              `  try { value = typeof left === "string" ? joinStrings(left, ${right}) : add(left, ${right}); } catch (error) { return thrownAt(run, ${place}, error); }`,
              `  v[${slot}] = value;`,
              ...(charges ? [`  if (typeof value === "string" && value.length > 0 && (run.steps += value.length) > run.stepLimit) return overrunAt(run, ${place}, v);`] : []),
              '}',
            ];
            case '-': case '*': case '/': case '%': {
              // `%` by a nonzero int constant cannot abort: the remainder of two safe integers is one
              // (only -0 becomes 0, as `remainder` does).
              if (primitive.operator === '%' && /^\(-?[1-9][0-9]*\)$/.test(right)) {
                return [`{ const value = ${left} % ${right}; v[${slot}] = value === 0 ? 0 : value; }`];
              }
              const operation = { '-': 'subtract', '*': 'multiply', '/': 'divide', '%': 'remainder' }[primitive.operator];
              return [
                '{',
                '  let value;',
                `  try { value = ${operation}(${left}, ${right}); } catch (error) { return thrownAt(run, ${place}, error); }`,
                `  v[${slot}] = value;`,
                '}',
              ];
            }
            default: throw new Error('assertion: not a strict binary operator');
          }
        }
        const evaluate = this.object(this.primitive(primitive));
        const charged = builds(primitive) && charges;
        const inPlace = this.inPlaceUpdate(term.variable, primitive);
        return [
          ...this.givenAway(primitive, term.variable),
          '{',
          '  let value;',
          `  ${inPlace === undefined ? '' : `${inPlace} `}{ try { value = ${evaluate}(v, run.self); } catch (error) { return thrownAt(run, ${place}, error); } }`,
          `  v[${slot}] = value;`,
          ...(charged ? [
            '  if (typeof value === "string" || typeof value === "object") {',
            '    const extra = sizeOf(value);',
            `    if (extra > 0 && (run.steps += extra) > run.stepLimit) return overrunAt(run, ${place}, v);`,
            '  }',
          ] : []),
          '}',
        ];
      }
      case 'ReadSelf': {
        const field = this.object(term.field);
        return [
          '{',
          `  const value = run.fields.get(${field});`,
          `  if (value === undefined) return readFailed(run, ${this.object(placeValue)}, ${field});`,
          `  v[${this.slot(term.variable)}] = value;`,
          '}',
        ];
      }
      case 'WriteSelf':
        return [`run.state.write(${this.object(term.field)}, ${this.at(term.value)});`];
      case 'LetCont':
        return [];
      default:
        throw new Error(`assertion: ${term.kind} is not a straight step`);
    }
  }

  /** The step that ends a segment, as statements that go to another segment or leave the function. */
  private end(term: Term): string[] {
    switch (term.kind) {
      case 'Jump':
        return this.transfer(term.continuation, term.args);
      case 'Branch': {
        const elseRule = this.variant === 'branch-false-counted-true' ? branchTrue : branchFalse;
        return [
          `if (${this.at(term.condition)} === true) {`,
          `  c[${branchTrue}]++;`,
          ...this.transfer(term.thenContinuation, []).map((line) => `  ${line}`),
          '}',
          `c[${elseRule}]++;`,
          ...this.transfer(term.elseContinuation, []),
        ];
      }
      default:
        return [`return ${this.object(this.leave(term))}(run, v);`];
    }
  }

  /**
   * Control going to `target` with `args`: a local continuation's parameters are bound in this
   * environment (L-Jump, the branches: all arguments read before any is bound); another block starts
   * with the arguments and the live variables copied by name (L-Goto).
   */
  private transfer(target: string, args: readonly Atom[]): string[] {
    const local = this.splitBlock.continuations.get(target);
    if (local === undefined) return [`return ${this.object(this.goto(target, args))}(run, v);`];
    const from = args.map((atom) => this.at(atom));
    const to = local.parameters.map((name) => this.slot(name));
    // A parameter updated in place is bound to a value the run may not own.
    const disowned = to.filter((slot) => this.inPlace.has(slot)).map((slot) => `own${slot} = 0;`);
    if (from.length === 0) return [this.goTo(local.body)];
    if (from.length === 1) return [`v[${to[0]}] = ${from[0]};`, ...disowned, this.goTo(local.body)];
    return [
      '{',
      ...from.map((read, index) => `  const given${index} = ${read};`),
      ...to.map((slot, index) => `  v[${slot}] = given${index};`),
      '}',
      ...disowned,
      this.goTo(local.body),
    ];
  }

}

/**
 * Values updated in place (the second tier). `x[i] = e` and `x.push(e)` build a new list or map (a store
 * or push of a persistent value copies its one array, for a flat list of up to 64 elements or map of up
 * to 16) and bind it to `x`, which is then its only holder until `x` is read for anything but its own
 * next update, `x[i]`, `x.has(k)` or `x.len()`. While that is so the run owns the value, and its next
 * update may change that array in place instead of copying it: the loop that fills a list or counts in
 * a map copies nothing. The generated code keeps a flag `own<slot>` per such variable: set when a store
 * or push binds it; cleared when the variable is read for anything else (`at`, `givenAway`: a copy to
 * another variable, a field, an argument, a message, another value, a comparison), when it is bound to
 * anything else, and whenever the function is entered. A call, a jump to another block, a step-by-step
 * fallback and the end of the activation all leave the function, so no flag outlives the part of a run
 * that set it: a value a message or a frame carries (which a copied message can deliver twice) is never
 * changed. `property-tests/fast-path.test.ts` holds this to the traced machine over programs that copy
 * such values every way, with the `in-place-despite-copies` compiler as its negative control. These are
 * the variables a block updates so: `x = store(x, …)` or `x = push(x, …)`.
 */
function inPlaceVariables(block: SplitBlock): Set<string> {
  const names = new Set<string>();
  const visit = (start: Term): void => {
    let term: Term | undefined = start;
    while (term !== undefined) {
      switch (term.kind) {
        case 'Let':
        case 'Set':
          if (updatesItself(term.variable, term.primitive)) names.add(term.variable);
          term = term.body;
          break;
        case 'ReadSelf':
        case 'WriteSelf':
          term = term.body;
          break;
        case 'LetCont':
          visit(term.continuationBody);
          term = term.body;
          break;
        default:
          term = undefined;
      }
    }
  };
  visit(block.body);
  for (const continuation of block.continuations.values()) visit(continuation.body);
  return names;
}

/** Whether binding `variable` to `primitive` is `variable`'s own store or push: `x = store(x, …)`, `x = push(x, …)`. */
function updatesItself(variable: string, primitive: Primitive): boolean {
  const own = (atom: Atom): boolean => atom.kind === 'Variable' && atom.name === variable;
  return (primitive.kind === 'Store' && own(primitive.base)) || (primitive.kind === 'Mutate' && primitive.method === 'push' && own(primitive.target));
}

function straightRule(term: Term): LocalRule {
  switch (term.kind) {
    case 'Let': return 'L-Let';
    case 'Set': return 'L-Set';
    case 'ReadSelf': return 'L-Read-Self';
    case 'WriteSelf': return 'L-Write-Self';
    case 'LetCont': return 'L-LetCont';
    default: throw new Error(`assertion: ${term.kind} is not a straight step`);
  }
}

/** The rule of a segment's last step when it is known before the step runs (all but a branch's). */
function staticEndRule(term: Term, splitBlock: SplitBlock): LocalRule | undefined {
  switch (term.kind) {
    case 'Jump': return splitBlock.continuations.has(term.continuation) ? 'L-Jump' : 'L-Goto';
    case 'Branch': return undefined;
    case 'Call': return 'L-Call';
    case 'ReadRemote': return 'L-Read-Remote';
    case 'New': return 'L-New';
    case 'Return': return 'L-Return';
    case 'Abort': return 'L-Abort';
    default: throw new Error(`assertion: ${term.kind} does not end a segment`);
  }
}
