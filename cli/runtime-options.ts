// Stage: cli. The options that choose a runtime (`--nodes`, `--seed`, `--faults`, `--protocol`,
// `--delivery`, `--step-limit`), shared by every command that runs programs, and their parsing.

import { concurrencyModes, deliveryModes, type ConcurrencyMode, type DeliveryMode } from '../runtime/configuration.ts';
import { formatFaultPlan, mildFaults, parseFaultPlan } from '../runtime/faults.ts';
import { defaultStepLimit } from '../semantics/reference/model.ts';
import { integerOption, UsageError, type OptionSpec, type ParsedArguments } from './arguments.ts';
import type { RunSettings } from './semantics.ts';

export const runtimeOptions: readonly OptionSpec[] = [
  { name: 'nodes', value: { placeholder: 'N' }, description: 'simulated nodes the entities are partitioned over', defaultValue: '3' },
  { name: 'seed', value: { placeholder: 'S' }, description: 'the seed every choice of the run derives from', defaultValue: '1' },
  {
    name: 'faults', value: { placeholder: 'SPEC' },
    description: 'fault probabilities per step: drop=P,dup=P,delay=P,crash=P, or none, or mild',
    defaultValue: `mild (${formatFaultPlan(mildFaults)})`,
  },
  { name: 'protocol', value: { placeholder: 'P', choices: ['none', '2pl', 'aria'] }, description: 'concurrency control', defaultValue: '2pl' },
  {
    name: 'delivery', value: { placeholder: 'D', choices: ['at-most-once', 'at-least-once', 'exactly-once'] },
    description: 'how client requests are delivered', defaultValue: 'exactly-once',
  },
  { name: 'step-limit', value: { placeholder: 'N' }, description: 'small steps one transaction may take', defaultValue: String(defaultStepLimit) },
];

export const defaultRunSettings: RunSettings = {
  stepLimit: defaultStepLimit, nodes: 3, seed: '1', faults: mildFaults, concurrency: '2pl', delivery: 'exactly-once', bug: 'none',
};

/** The runtime settings the options give, over `base`. */
export function parseRunSettings(parsed: ParsedArguments, base: RunSettings = defaultRunSettings): RunSettings | UsageError {
  const stepLimit = integerOption(parsed, 'step-limit', base.stepLimit);
  if (stepLimit instanceof UsageError) return stepLimit;
  const nodes = integerOption(parsed, 'nodes', base.nodes);
  if (nodes instanceof UsageError) return nodes;
  if (nodes < 1 || nodes > 64) return new UsageError('U0103', `--nodes ${nodes}: a run has from 1 to 64 nodes`, undefined);
  let faults = base.faults;
  const faultSpec = parsed.options.get('faults');
  if (typeof faultSpec === 'string') {
    const plan = parseFaultPlan(faultSpec);
    if ('error' in plan) return new UsageError('U0103', `--faults ${faultSpec}: ${plan.error}`, 'for example --faults drop=0.1,dup=0.1,delay=0.2,crash=0.02');
    faults = plan;
  }
  const seed = parsed.options.get('seed');
  const concurrency = parsed.options.get('protocol');
  const delivery = parsed.options.get('delivery');
  return {
    stepLimit, nodes, faults,
    seed: typeof seed === 'string' ? seed : base.seed,
    concurrency: typeof concurrency === 'string' && concurrencyModes.includes(concurrency as ConcurrencyMode) ? concurrency as ConcurrencyMode : base.concurrency,
    delivery: typeof delivery === 'string' && deliveryModes.includes(delivery as DeliveryMode) ? delivery as DeliveryMode : base.delivery,
    bug: base.bug,
  };
}

/** The settings in one line, printed first on `--trace` so that a run can be repeated exactly. */
export function describeRunSettings(semantics: string, settings: RunSettings): string {
  if (semantics !== 'distributed') return `semantics=${semantics} step-limit=${settings.stepLimit}`;
  return `semantics=distributed seed=${settings.seed} nodes=${settings.nodes} faults=${formatFaultPlan(settings.faults)} `
    + `protocol=${settings.concurrency} delivery=${settings.delivery} step-limit=${settings.stepLimit}`
    + (settings.bug === 'none' ? '' : ` bug=${settings.bug}`);
}
