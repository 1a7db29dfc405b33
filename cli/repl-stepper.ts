// Stage: cli. The REPL's stepper (`:step STATEMENT`): the first transaction the statement makes is
// submitted to a fresh distributed configuration holding the session's entities, and the student takes
// its global steps one at a time. Each step shows the configuration in short and the numbered list of
// the enabled transitions, which is explorer/successors.ts's `stepSuccessors`: every branch of the next
// global step (which due event, and each fault the budget allows), the same branches `ent explore`
// expands a state into. A number picks one; Enter takes the seeded one (the transition a seeded run takes
// from here, drawn from the session's seed and the step's number); `:back` undoes a step (the
// configuration before it is kept, so it comes back exactly), `:goto N` jumps to step N (forward by
// seeded choices), `:where` shows the source line of the last step's first local rule, `:run` finishes
// by seeded choices, `:leave` stops where it is. With `--local`, Enter first walks the local rules the
// last global step ran, one at a time, each underlined in its source line (the local machine has no
// choices: it runs an activation to its end). The stepper reads no clock and draws no random number
// but from the seed.

import { lineColumn, type SourceText, type Span } from '../grammar/span.ts';
import { budgetLeft, type FaultBudget } from '../explorer/branching.ts';
import { fingerprint } from '../explorer/fingerprint.ts';
import { exploreRuntime } from '../explorer/scope.ts';
import { describeConfiguration, stepOnce, stepSuccessors, type StepSuccessor } from '../explorer/successors.ts';
import { SeededChoices } from '../runtime/choices.ts';
import { submit } from '../runtime/client.ts';
import { initialConfiguration, type Configuration } from '../runtime/configuration.ts';
import { describeOutcome, describeRequest } from '../runtime/describe.ts';
import { seedEntities } from '../runtime/host.ts';
import type { EntityState } from '../semantics/migrate.ts';
import type { SplitProgram } from '../semantics/split/index.ts';
import type { Outcome, Request } from '../semantics/transactions.ts';
import { canonical, referenceValue } from '../semantics/values.ts';
import type { TraceEntry } from '../runtime/world.ts';
import { UsageError } from './arguments.ts';
import type { RunSettings } from './semantics.ts';

/** The most steps `:run` and `:goto` take before giving up (a run that never ends: a livelock). */
export const stepperStepsMax = 10_000;

interface Point {
  readonly config: Configuration;
  readonly budget: FaultBudget;
  /** The transition that led here (none at step 0). */
  readonly taken: StepSuccessor | undefined;
  /** The answer the request got, once it has one. */
  readonly answer: Outcome | undefined;
  readonly end: 'done' | 'stuck' | undefined;
}

export type StepperReply =
  /** Still stepping. */
  | { readonly kind: 'stay'; readonly error?: UsageError; readonly text?: string }
  /** The run ended (or the student left): the entities as they are, and the answer if there is one. */
  | { readonly kind: 'finished'; readonly entities: EntityState[]; readonly answer: Outcome | undefined; readonly end: 'done' | 'stuck' | 'left' };

export class Stepper {
  private readonly points: Point[];
  private position = 0;
  /** With `local`: the local rule of the last global step the student stands on (0 is its first). */
  private localAt = 0;
  readonly requestId: string;

  constructor(
    private readonly program: SplitProgram,
    private readonly settings: RunSettings,
    entities: readonly EntityState[],
    readonly request: Request,
    budget: FaultBudget,
    private readonly lookup: (file: string) => SourceText | undefined,
    /** `:step --local`: Enter walks the local rules of each global step one at a time before taking the next. */
    readonly local = false,
  ) {
    const runtime = exploreRuntime({ ...settings, budget, jitter: 0, downtime: 4 });
    const initial = seedEntities({ ...initialConfiguration(runtime, 1, true), faultsActive: budgetLeft(budget) }, entities);
    const submitted = submit(initial, 0, request, { choices: new SeededChoices(settings.seed), trace: [] });
    this.requestId = submitted.requestId;
    this.points = [{ config: submitted.config, budget, taken: undefined, answer: undefined, end: undefined }];
  }

  /** Where the stepper stands: its step number (0 before the first step). */
  get step(): number {
    return this.position;
  }

  get config(): Configuration {
    return this.here.config;
  }

  private get here(): Point {
    return this.points[this.position];
  }

  /** The enabled transitions of the present configuration (explorer/successors.ts). */
  enabled(): StepSuccessor[] {
    return stepSuccessors(this.here.config, this.here.budget, this.program);
  }

  /** The transition a seeded run takes from here: its index in `enabled()`. */
  seededIndex(list: readonly StepSuccessor[] = this.enabled()): number {
    const seeded = stepOnce(this.here.config, this.program, new SeededChoices(`${this.settings.seed}/step ${this.position}`));
    const key = fingerprint(seeded.config, seeded.kind, { renameMessages: false });
    const found = list.findIndex((successor) => (successor.result.kind === 'stepped' ? successor.rule === (seeded.kind === 'stepped' ? seeded.rule : '') : successor.result.kind === seeded.kind)
      && fingerprint(successor.result.config, successor.result.kind, { renameMessages: false }) === key);
    // A seeded fault the budget does not allow: the first branch (no fault) instead.
    return found === -1 ? 0 : found;
  }

  /** The present configuration in short, the enabled transitions numbered from 1, and what to type. */
  show(): string {
    const here = this.here;
    const lines = [`step ${this.position} · ${describeRequest(this.request)} (${this.requestId})${here.taken === undefined ? '' : ` · last: ${here.taken.label}`}`];
    lines.push(...describeConfiguration(here.config).map((line) => `  ${line}`));
    lines.push(`  committed: ${committedEntities(here.config)}`);
    const budget = here.budget;
    if (here.config.faultsActive && budgetLeft(budget)) lines.push(`  faults left: ${budget.crash} crash, ${budget.drop} drop, ${budget.duplicate} dup, ${budget.delay} delay`);
    if (here.answer !== undefined) lines.push(`  answer: ${describeOutcome(here.answer)}`);
    const locals = this.locals();
    if (this.local && locals.length > 0) {
      const entry = locals[this.localAt];
      lines.push(`  local step ${this.localAt + 1} of ${locals.length} of this global step: ${entry.place} ${entry.rule}${entry.detail === '' ? '' : ` (${entry.detail})`}`);
      if (entry.span !== undefined) lines.push(...this.highlight(entry.span).map((line) => `    ${line}`));
      if (this.localAt + 1 < locals.length) {
        lines.push(`  Enter: local step ${this.localAt + 2} (${locals[this.localAt + 1].rule}); a number takes a global transition at once`);
      }
    }
    if (here.end !== undefined) {
      lines.push(`  the run has ended (${here.end}): :leave keeps this state, :back goes back`);
      return lines.join('\n');
    }
    const list = this.enabled();
    const seeded = this.seededIndex(list);
    // Runs of the same fault that differ only in a number of ticks are shown as one line with their range.
    const family = (label: string): string => label.replace(/\d+ ticks|tick \d+/g, '#');
    for (let index = 0; index < list.length; index++) {
      let last = index;
      while (last + 1 < list.length && list[last + 1].rule !== 'G-Deliver' && family(list[last + 1].label) === family(list[index].label)) last++;
      const mark = seeded >= index && seeded <= last ? `   ← Enter${last > index ? ` (${seeded + 1})` : ''}` : '';
      if (last - index >= 2) {
        lines.push(`  ${`${index + 1}–${last + 1}`.padStart(2)} ${list[index].label.replace(/ \((G-[A-Za-z]+)\)$/, '')} … ${list[last].label.match(/(\d+)( ticks)?(?= \(G-)/)?.[0] ?? ''} (${list[index].rule})${mark}`);
        index = last;
        continue;
      }
      lines.push(`  ${String(index + 1).padStart(2)} ${list[index].label}${this.localNote(list[index])}${mark}`);
    }
    lines.push(`  ${list.length === 1 ? '1' : `1–${list.length}`}, Enter, :back, :goto N, :where, :run, :leave, :help`);
    return lines.join('\n');
  }

  private localNote(successor: StepSuccessor): string {
    if (successor.localRules.length === 0) return '';
    const first = successor.firstLocal;
    const at = first === undefined ? '' : `, from ${first.rule} at ${this.where(first.span)}`;
    return `; ${first?.place ?? 'a node'} runs ${successor.localRules.length} local step${successor.localRules.length === 1 ? '' : 's'}${at}`;
  }

  private where(span: Span | undefined): string {
    if (span === undefined) return '?';
    const source = this.lookup(span.file);
    return source === undefined ? span.file : `${span.file}:${lineOf(source, span.start) + 1}`;
  }

  /** One input of the stepping mode. */
  input(text: string): StepperReply {
    const input = text.trim();
    if (input === '' && this.local && this.localAt + 1 < this.locals().length) {
      this.localAt++;
      return { kind: 'stay' };
    }
    if (input === '') return this.pick(this.here.end === undefined ? this.seededIndex() : -1);
    if (/^[0-9]+$/.test(input)) return this.pick(Number(input) - 1);
    const [command, ...rest] = input.split(/\s+/);
    switch (command) {
      case ':back':
        if (this.position === 0) return { kind: 'stay', error: new UsageError('U0121', ':back at step 0: there is no step to undo', 'pick a transition by number, or Enter') };
        this.position--;
        this.localAt = 0;
        return { kind: 'stay' };
      case ':goto':
        return this.goto(rest.join(' '));
      case ':where':
        return { kind: 'stay', text: this.whereText() };
      case ':run':
        return this.runToEnd();
      case ':leave':
        return this.finish('left');
      default:
        return { kind: 'stay', error: new UsageError('U0121', `${JSON.stringify(input)} is not a stepper input`, this.hint()) };
    }
  }

  /** `:where`: the last step's first local rule, its source line with the redex underlined. */
  whereText(): string {
    const taken = this.here.taken;
    if (taken === undefined) return 'step 0: no step taken yet';
    const first = taken.firstLocal;
    if (first?.span === undefined) return `step ${this.position} (${taken.label}) ran no local rule with a place in the source`;
    const source = this.lookup(first.span.file);
    if (source === undefined) return `${first.rule} at ${first.span.file}`;
    const line = lineOf(source, first.span.start);
    const from = first.span.start - source.lineStarts[line];
    return [`step ${this.position}: ${first.place} ${first.rule} at ${source.name}:${line + 1}:${from + 1} (${taken.localRules.length} local step${taken.localRules.length === 1 ? '' : 's'} in this global step: ${[...new Set(taken.localRules)].join(', ')})`,
      ...this.highlight(first.span)].join('\n');
  }

  /** The local rules the last global step ran, in order (with `--local`, the one the student stands on is `localAt`). */
  private locals(): TraceEntry[] {
    const taken = this.here.taken?.result;
    return taken?.kind === 'stepped' ? taken.emitted.filter((entry) => entry.rule.startsWith('L-')) : [];
  }

  /** A span's source line with the span underlined. */
  private highlight(span: Span): string[] {
    const source = this.lookup(span.file);
    if (source === undefined) return [`at ${span.file}`];
    const line = lineOf(source, span.start);
    const start = source.lineStarts[line];
    const end = line + 1 < source.lineStarts.length ? source.lineStarts[line + 1] - 1 : source.text.length;
    const text = source.text.slice(start, end).replace(/\r$/, '');
    const from = span.start - start;
    const to = Math.min(span.end, end) - start;
    const gutter = `${line + 1} | `;
    return [`${gutter}${text}`, `${' '.repeat(gutter.length + from)}${'^'.repeat(Math.max(1, to - from))}`];
  }

  private hint(): string {
    const here = this.here;
    if (here.end !== undefined) return 'the run has ended: :leave keeps its state, :back goes back';
    return `a number from 1 to ${this.enabled().length}, Enter for the seeded one, or :back, :goto N, :where, :run, :leave`;
  }

  private pick(index: number): StepperReply {
    const here = this.here;
    if (here.end !== undefined) return { kind: 'stay', error: new UsageError('U0121', 'the run has ended: there is no transition to take', 'leave with :leave (the state is kept), or :back') };
    const list = this.enabled();
    if (index < 0 || index >= list.length) {
      return { kind: 'stay', error: new UsageError('U0121', `there is no transition ${index + 1}: the enabled ones are 1 to ${list.length}`, this.hint()) };
    }
    this.take(list[index]);
    return { kind: 'stay' };
  }

  private take(successor: StepSuccessor): void {
    const here = this.here;
    const result = successor.result;
    const answer = here.answer ?? (result.kind === 'stepped' ? result.answers.find((found) => found.requestId === this.requestId)?.outcome : undefined);
    // A new step after :back forgets the steps that were taken from here before.
    this.points.length = this.position + 1;
    this.points.push({ config: result.config, budget: successor.budget, taken: successor, answer, end: result.kind === 'stepped' ? undefined : result.kind });
    this.position++;
    this.localAt = 0;
  }

  private goto(argument: string): StepperReply {
    if (!/^[0-9]+$/.test(argument)) return { kind: 'stay', error: new UsageError('U0121', `:goto takes a step number, not ${JSON.stringify(argument)}`, ':goto 0 goes back to the start, :goto 12 to step 12') };
    const target = Number(argument);
    if (target > stepperStepsMax) return { kind: 'stay', error: new UsageError('U0121', `:goto ${target}: the stepper goes at most ${stepperStepsMax} steps`, 'a smaller step number') };
    this.localAt = 0;
    if (target < this.points.length) {
      this.position = target;
      return { kind: 'stay' };
    }
    this.position = this.points.length - 1;
    while (this.position < target && this.here.end === undefined) this.take(this.enabled()[this.seededIndex()]);
    if (this.position < target) return { kind: 'stay', error: new UsageError('U0121', `:goto ${target}: the run ends at step ${this.position}`, ':leave keeps its state') };
    return { kind: 'stay' };
  }

  private runToEnd(): StepperReply {
    let steps = 0;
    while (this.here.end === undefined && steps++ < stepperStepsMax) this.take(this.enabled()[this.seededIndex()]);
    if (this.here.end === undefined) return { kind: 'stay', error: new UsageError('U0121', `:run: the run did not end within ${stepperStepsMax} steps`, ':leave keeps the state as it is') };
    return this.finish(this.here.end);
  }

  private finish(end: 'done' | 'stuck' | 'left'): StepperReply {
    const entities = this.here.config.nodes.flatMap((node) => [...node.durable.store.values()])
      .map((entity): EntityState => ({ entity: entity.entity, key: entity.key, fields: entity.fields }));
    return { kind: 'finished', entities, answer: this.here.answer, end };
  }
}

function committedEntities(config: Configuration): string {
  const entities = config.nodes.flatMap((node) => [...node.durable.store.values()].map((entity) => {
    const fields = [...entity.fields].map(([name, value]) => `${name}=${value === undefined ? '-' : canonical(value)}`).join(',');
    return `${canonical(referenceValue(entity.entity, entity.key))}{${fields}}@node ${node.id}`;
  }));
  return entities.length === 0 ? '(none)' : entities.sort().join(' ');
}

/** The zero-based line of an offset (grammar/span.ts counts from one). */
function lineOf(source: SourceText, offset: number): number {
  return lineColumn(source, offset).line - 1;
}
