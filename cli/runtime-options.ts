// Stage: cli. The options that choose a runtime (`--nodes`, `--seed`, `--faults`, `--protocol`,
// `--delivery`, `--step-limit`), shared by every command that runs programs, and their parsing. The REPL's
// setting commands (`:seed 3`) go through the same checks, so both refuse the same values alike.

import { concurrencyModes, deliveryModes, type ConcurrencyMode, type DeliveryMode } from '../runtime/configuration.ts';
import { formatFaultPlan, mildFaults, parseFaultPlan, type FaultPlan } from '../runtime/faults.ts';
import { defaultStepLimit } from '../semantics/reference/model.ts';
import { parseWholeNumber, stringOption, UsageError, type OptionSpec, type ParsedArguments } from './arguments.ts';
import type { RunSettings } from './semantics.ts';

const seedRange = { minimum: 0, maximum: Number.MAX_SAFE_INTEGER, example: 42 };
const nodesRange = { minimum: 1, maximum: 64 };
const stepLimitRange = { minimum: 1, maximum: Number.MAX_SAFE_INTEGER, example: 100_000 };

export const runtimeOptions: readonly OptionSpec[] = [
  { name: 'nodes', value: { placeholder: 'N', integer: nodesRange }, description: 'simulated nodes the entities are partitioned over', defaultValue: '3' },
  { name: 'seed', value: { placeholder: 'S', integer: seedRange }, description: 'the seed every choice of the run derives from', defaultValue: '1' },
  {
    name: 'faults', value: { placeholder: 'SPEC' },
    description: 'fault probabilities per step: drop=P,dup=P,delay=P,crash=P (each at most once), none, or mild',
    defaultValue: `mild (${formatFaultPlan(mildFaults)})`,
  },
  { name: 'protocol', value: { placeholder: 'P', choices: concurrencyModes }, description: 'concurrency control', defaultValue: '2pl' },
  {
    name: 'delivery', value: { placeholder: 'D', choices: deliveryModes },
    description: 'how client requests are delivered', defaultValue: 'exactly-once',
  },
  { name: 'step-limit', value: { placeholder: 'N', integer: stepLimitRange }, description: 'small steps one transaction may take', defaultValue: String(defaultStepLimit) },
];

/** When faults stop, for the help of every command that runs programs. */
export const faultsDetail = 'Faults strike while the run block runs. They stop when it ends, and when one request has waited\n'
  + '20,000 global steps or 2,400 ticks for its answer, so that a run finishes even under drop=1 (the network heals).';

export const defaultRunSettings: RunSettings = {
  stepLimit: defaultStepLimit, nodes: 3, seed: '1', faults: mildFaults, concurrency: '2pl', delivery: 'exactly-once', bug: 'none',
};

/** One setting, from its text (an option's value or a REPL command's argument), checked as the option is. */
export type SettingName = 'nodes' | 'seed' | 'faults' | 'protocol' | 'delivery' | 'step-limit';

export function parseSetting(name: SettingName, text: string, prefix = `--${name}`): Partial<RunSettings> | UsageError {
  switch (name) {
    case 'nodes': {
      const nodes = parseWholeNumber(text, nodesRange);
      return nodes === undefined ? new UsageError('U0103', `${prefix} ${JSON.stringify(text)}: a run has from 1 to 64 nodes`, `for example ${prefix} 3`) : { nodes };
    }
    case 'seed': {
      const seed = parseWholeNumber(text, seedRange);
      return seed === undefined
        ? new UsageError('U0103', `${prefix} ${JSON.stringify(text)}: a seed is a whole number from 0 to 2^53 - 1`, `for example ${prefix} 42`)
        : { seed: String(seed) };
    }
    case 'step-limit': {
      const stepLimit = parseWholeNumber(text, stepLimitRange);
      return stepLimit === undefined
        ? new UsageError('U0103', `${prefix} ${JSON.stringify(text)}: the step limit is a whole number, at least 1`, `for example ${prefix} 100000`)
        : { stepLimit };
    }
    case 'faults': {
      const plan = parseFaultPlan(text);
      return 'error' in plan ? new UsageError('U0103', `${prefix} ${text}: ${plan.error}`, `for example ${prefix} drop=0.1,dup=0.1,delay=0.2,crash=0.02`) : { faults: plan as FaultPlan };
    }
    case 'protocol':
      return concurrencyModes.includes(text as ConcurrencyMode) ? { concurrency: text as ConcurrencyMode }
        : new UsageError('U0103', `${prefix} ${JSON.stringify(text)} is not one of: ${concurrencyModes.join(', ')}`, `${prefix} takes one of: ${concurrencyModes.join(', ')}`);
    case 'delivery':
      return deliveryModes.includes(text as DeliveryMode) ? { delivery: text as DeliveryMode }
        : new UsageError('U0103', `${prefix} ${JSON.stringify(text)} is not one of: ${deliveryModes.join(', ')}`, `${prefix} takes one of: ${deliveryModes.join(', ')}`);
  }
}

/** The current value of a setting, as the option would be written. */
export function showSetting(name: SettingName, settings: RunSettings): string {
  switch (name) {
    case 'nodes': return String(settings.nodes);
    case 'seed': return settings.seed;
    case 'step-limit': return String(settings.stepLimit);
    case 'faults': return formatFaultPlan(settings.faults);
    case 'protocol': return settings.concurrency;
    case 'delivery': return settings.delivery;
  }
}

/** The runtime settings the options give, over `base`. */
export function parseRunSettings(parsed: ParsedArguments, base: RunSettings = defaultRunSettings): RunSettings | UsageError {
  let settings = base;
  for (const name of ['nodes', 'seed', 'faults', 'protocol', 'delivery', 'step-limit'] as const) {
    const text = stringOption(parsed, name);
    if (text === undefined) continue;
    const update = parseSetting(name, text);
    if (update instanceof UsageError) return update;
    settings = { ...settings, ...update };
  }
  return settings;
}

/** The settings in one line, printed first on `--trace` so that a run can be repeated exactly. */
export function describeRunSettings(semantics: string, settings: RunSettings): string {
  if (semantics !== 'distributed') return `semantics=${semantics} step-limit=${settings.stepLimit}`;
  return `semantics=distributed seed=${settings.seed} nodes=${settings.nodes} faults=${formatFaultPlan(settings.faults)} `
    + `protocol=${settings.concurrency} delivery=${settings.delivery} step-limit=${settings.stepLimit}`
    + (settings.bug === 'none' ? '' : ` bug=${settings.bug}`);
}
