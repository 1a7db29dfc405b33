// Stage: cli. Command lines → parsed options, from one declarative table per command; the same table
// writes the `--help` text, so that help and parsing cannot disagree. Usage errors are values.

import { closestName } from '../semantics/check/suggest.ts';

export interface OptionSpec {
  readonly name: string;
  /** Absent for a flag; otherwise the placeholder shown in help, and the accepted values if fixed. */
  readonly value?: { readonly placeholder: string; readonly choices?: readonly string[] };
  readonly description: string;
  readonly defaultValue?: string;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: readonly OptionSpec[];
  /** Extra paragraphs for `--help`. */
  readonly details?: readonly string[];
}

export class UsageError {
  constructor(
    readonly code: 'U0101' | 'U0102' | 'U0103' | 'U0104',
    readonly message: string,
    readonly hint: string | undefined,
  ) {}
}

export interface ParsedArguments {
  readonly options: ReadonlyMap<string, string | true>;
  readonly positionals: readonly string[];
}

export function parseArguments(spec: CommandSpec, args: readonly string[]): ParsedArguments | UsageError {
  const options = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const argument = args[index];
    if (argument === '--') {
      positionals.push(...args.slice(index + 1));
      break;
    }
    if (!argument.startsWith('--') || argument === '-') {
      positionals.push(argument);
      continue;
    }
    const [name, inlineValue] = splitOnce(argument.slice(2), '=');
    const option = spec.options.find((candidate) => candidate.name === name);
    if (option === undefined) {
      const suggestion = closestName(name, spec.options.map((candidate) => candidate.name));
      return new UsageError('U0101', `unknown option --${name} for \`ent ${spec.name}\``,
        suggestion === undefined ? `see \`ent ${spec.name} --help\`` : `did you mean --${suggestion}?`);
    }
    if (option.value === undefined) {
      if (inlineValue !== undefined) return new UsageError('U0103', `option --${name} takes no value`, undefined);
      options.set(name, true);
      continue;
    }
    const value = inlineValue ?? args[++index];
    if (value === undefined) {
      return new UsageError('U0103', `option --${name} needs a value (${option.value.placeholder})`, describeChoices(option));
    }
    const choices = option.value.choices;
    if (choices !== undefined && !choices.includes(value)) {
      return new UsageError('U0103', `--${name} ${value} is not one of: ${choices.join(', ')}`, describeChoices(option));
    }
    options.set(name, value);
  }
  return { options, positionals };
}

function describeChoices(option: OptionSpec): string | undefined {
  return option.value?.choices === undefined ? undefined : `--${option.name} takes one of: ${option.value.choices.join(', ')}`;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

/** A non-negative integer option, or a usage error. */
export function integerOption(parsed: ParsedArguments, name: string, fallback: number): number | UsageError {
  const raw = parsed.options.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^[0-9]+$/.test(raw) || !Number.isSafeInteger(value)) {
    return new UsageError('U0103', `--${name} takes a whole number, not ${JSON.stringify(raw)}`, `for example --${name} 3`);
  }
  return value;
}

export function helpText(spec: CommandSpec): string {
  const lines = [`${spec.summary}`, '', `Usage: ${spec.usage}`];
  if (spec.options.length > 0) {
    lines.push('', 'Options:');
    const heads = spec.options.map((option) => `  --${option.name}${option.value ? ` ${option.value.placeholder}` : ''}`);
    const width = Math.max(...heads.map((head) => head.length)) + 2;
    spec.options.forEach((option, index) => {
      const choices = option.value?.choices ? ` (${option.value.choices.join(' | ')})` : '';
      const fallback = option.defaultValue === undefined ? '' : ` [default: ${option.defaultValue}]`;
      lines.push(`${heads[index].padEnd(width)}${option.description}${choices}${fallback}`);
    });
  }
  for (const paragraph of spec.details ?? []) lines.push('', paragraph);
  return lines.join('\n');
}
