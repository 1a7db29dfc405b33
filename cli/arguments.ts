// Stage: cli. Command lines → parsed options, from one declarative table per command; the same table
// writes the `--help` text, so that help and parsing cannot disagree. Every value is checked here, once:
// a choice among fixed values, a whole number in a range, or free text; an option given twice, an
// unknown one and a missing value are errors. Usage errors are values.

import { closestName } from '../semantics/check/suggest.ts';

/** A whole-number option: the range it accepts, and a unit suffix (`10M`) where sizes are meant. */
export interface IntegerValue {
  readonly minimum: number;
  readonly maximum: number;
  /** Accept `k`/`K` and `m`/`M` suffixes (kibibytes and mebibytes). */
  readonly sizes?: boolean;
  /** The value a hint shows as an example (3, or the nearest value in range). */
  readonly example?: number;
}

export interface OptionSpec {
  readonly name: string;
  /** Absent for a flag; otherwise the placeholder shown in help, and what values are accepted. */
  readonly value?: {
    readonly placeholder: string;
    readonly choices?: readonly string[];
    readonly integer?: IntegerValue;
    /** The value may be left out (`--trace` alone is a flag); given, it is inline (`--trace=all`) or one of the choices. */
    readonly optional?: boolean;
  };
  readonly description: string;
  readonly defaultValue?: string;
  /** A one-letter alias, such as `h` for `help`. */
  readonly short?: string;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: readonly OptionSpec[];
  /** Extra paragraphs for `--help`. */
  readonly details?: readonly string[];
}

export type UsageCode = 'U0101' | 'U0102' | 'U0103' | 'U0104' | 'U0105' | 'U0106' | 'U0107' | 'U0108' | 'U0109' | 'U0110' | 'U0120' | 'U0121' | 'U0130' | 'U0131' | 'U0140';

export class UsageError {
  constructor(
    readonly code: UsageCode,
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
    if (!argument.startsWith('-') || argument === '-') {
      positionals.push(argument);
      continue;
    }
    const resolved = resolveOption(spec, argument);
    if (resolved instanceof UsageError) return resolved;
    const { option, inlineValue } = resolved;
    if (options.has(option.name)) {
      return new UsageError('U0103', `--${option.name} is given more than once`, 'give each option once');
    }
    // `--trace calls` as well as `--trace=calls`: an optional value is taken when it is one of the choices.
    const optionalNext = option.value?.optional === true && inlineValue === undefined && option.value.choices?.includes(args[index + 1] ?? '');
    const value = optionalNext ? args[++index] : optionValue(option, inlineValue, () => args[++index]);
    if (value instanceof UsageError) return value;
    options.set(option.name, value);
  }
  return { options, positionals };
}

/** The option an argument names (`--name`, `--name=value` or a short `-h`), or why there is none. */
function resolveOption(spec: CommandSpec, argument: string): { option: OptionSpec; inlineValue: string | undefined } | UsageError {
  if (!argument.startsWith('--')) {
    // `-h` is help for every command that has `--help`, whether or not its table names the alias.
    const short = spec.options.find((candidate) => (candidate.short !== undefined && `-${candidate.short}` === argument)
      || (argument === '-h' && candidate.name === 'help'));
    if (short !== undefined) return { option: short, inlineValue: undefined };
    return new UsageError('U0101', `unknown option ${argument} for \`ent ${spec.name}\``,
      `options start with \`--\` (see \`ent ${spec.name} --help\`); a FILE that starts with \`-\` goes after \`--\``);
  }
  const [name, inlineValue] = splitOnce(argument.slice(2), '=');
  const option = spec.options.find((candidate) => candidate.name === name);
  if (option === undefined) {
    const suggestion = closestName(name, spec.options.map((candidate) => candidate.name));
    return new UsageError('U0101', `unknown option --${name} for \`ent ${spec.name}\``,
      suggestion === undefined
        ? `the options are: ${spec.options.map((candidate) => `--${candidate.name}`).join(', ')}`
        : `did you mean --${suggestion}?`);
  }
  return { option, inlineValue };
}

function optionValue(option: OptionSpec, inlineValue: string | undefined, next: () => string | undefined): string | true | UsageError {
  const name = option.name;
  if (option.value === undefined) {
    return inlineValue === undefined ? true : new UsageError('U0103', `--${name} takes no value`, `write --${name} alone`);
  }
  if (option.value.optional === true && inlineValue === undefined) return true;
  const value = inlineValue ?? next();
  if (value === undefined || (inlineValue === undefined && value.startsWith('--'))) {
    return new UsageError('U0103', `--${name} needs a value (${option.value.placeholder})`,
      describeValues(option) ?? `write --${name} ${option.value.placeholder}`);
  }
  const choices = option.value.choices;
  if (choices !== undefined && !choices.includes(value)) {
    const suggestion = closestName(value, choices);
    return new UsageError('U0103', `--${name} ${JSON.stringify(value)} is not one of: ${choices.join(', ')}`,
      suggestion === undefined ? describeValues(option) : `did you mean --${name} ${suggestion}?`);
  }
  const integer = option.value.integer;
  if (integer !== undefined) {
    const parsed = parseWholeNumber(value, integer);
    if (parsed === undefined) {
      const range = `from ${formatCount(integer.minimum)} to ${formatCount(integer.maximum)}`;
      return new UsageError('U0103', `--${name} takes a whole number ${range}, not ${JSON.stringify(value)}`, describeValues(option));
    }
    return String(parsed);
  }
  return value;
}

/** A whole number in the range (with a `k`/`M` suffix where sizes are meant), or undefined. */
export function parseWholeNumber(text: string, integer: IntegerValue): number | undefined {
  const match = /^([0-9]+)([kKmM]i?[bB]?)?$/.exec(text);
  if (match === null || (match[2] !== undefined && integer.sizes !== true)) return undefined;
  const unit = match[2] === undefined ? 1 : /^[kK]/.test(match[2]) ? 1024 : 1024 * 1024;
  const value = Number(match[1]) * unit;
  if (!Number.isSafeInteger(value) || value < integer.minimum || value > integer.maximum) return undefined;
  return value;
}

/** 1000000 → 1,000,000, so that ranges read easily. */
function formatCount(value: number): string {
  return value === Number.MAX_SAFE_INTEGER ? '2^53 - 1' : value.toLocaleString('en-US');
}

function describeValues(option: OptionSpec): string | undefined {
  const value = option.value;
  if (value?.choices !== undefined) return `--${option.name} takes one of: ${value.choices.join(', ')}`;
  if (value?.integer !== undefined) {
    const example = value.integer.example ?? Math.max(value.integer.minimum, Math.min(value.integer.maximum, 3));
    return `for example --${option.name} ${example}${value.integer.sizes === true ? ' (or a size such as 20M)' : ''}`;
  }
  return undefined;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

/** A whole-number option (already checked against its range by `parseArguments`), or the fallback. */
export function integerOption(parsed: ParsedArguments, name: string, fallback: number): number | UsageError {
  const raw = parsed.options.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^[0-9]+$/.test(raw) || !Number.isSafeInteger(value)) {
    return new UsageError('U0103', `--${name} takes a whole number, not ${JSON.stringify(raw)}`, `for example --${name} 3`);
  }
  return value;
}

/** The value of an option that has one, or undefined (absent, or a flag given alone). */
export function stringOption(parsed: ParsedArguments, name: string): string | undefined {
  const raw = parsed.options.get(name);
  return typeof raw === 'string' ? raw : undefined;
}

/** The help option every command has: `--help`, or `-h`. */
export const helpOption: OptionSpec = { name: 'help', short: 'h', description: 'show this help' };

export function helpText(spec: CommandSpec): string {
  const lines = [`${spec.summary}`, '', `Usage: ${spec.usage}`];
  if (spec.options.length > 0) {
    lines.push('', 'Options:');
    const heads = spec.options.map((option) => {
      const short = option.short === undefined ? '' : `, -${option.short}`;
      const value = option.value === undefined ? '' : option.value.optional === true ? `[=${option.value.placeholder}]` : ` ${option.value.placeholder}`;
      return `  --${option.name}${value}${short}`;
    });
    const width = Math.max(...heads.map((head) => head.length)) + 2;
    spec.options.forEach((option, index) => {
      const choices = option.value?.choices ? ` (${option.value.choices.join(' | ')})` : '';
      const range = option.value?.integer === undefined ? '' : ` (${formatCount(option.value.integer.minimum)} to ${formatCount(option.value.integer.maximum)})`;
      const fallback = option.defaultValue === undefined ? '' : ` [default: ${option.defaultValue}]`;
      lines.push(`${heads[index].padEnd(width)}${option.description}${choices}${range}${fallback}`);
    });
  }
  for (const paragraph of spec.details ?? []) lines.push('', paragraph);
  return lines.join('\n');
}
