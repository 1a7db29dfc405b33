// Stage: checkers. Installation, over Ent's history: every write a commit decided was installed, and every
// version a transaction read was installed by a request that committed. Input: the commits (each with
// the entities it writes) and installs of checkers/ent-history.ts, from a run or from its JSON; output:
// findings with a witness naming the request and the entities. Two kinds:
//   partial-commit    a commit whose writes were installed at some participants and not at others (or
//                     at none) once the run fell quiet: the decision was not carried out everywhere;
//   uncommitted-read  a transaction read a version that no install produced, or that only a request
//                     that never committed installed.
// The dependency graph cannot see a partial commit: it builds each transaction from its installs, so a
// write that was never installed is simply not there, and the transaction looks whole.

import type { DecisionOrInstall } from './ent-history.ts';
import type { Violation } from './violation.ts';

export type InstallationClass = 'partial-commit' | 'uncommitted-read';

export interface InstallationFinding {
  readonly class: InstallationClass;
  /** The requests concerned: the one that committed partially, or the reader and the installer. */
  readonly transactions: readonly string[];
  /** The entities of the witness: the writes never installed, or the entity read. */
  readonly entities: readonly string[];
  readonly explanation: readonly string[];
}

export interface InstallationOptions {
  /**
   * The run fell quiet: every install a commit asked for has had its chance (true for a history read
   * from a file, which is taken as complete). A run that ended stuck is the liveness checker's to
   * report; its commits may still be on their way, so partial commits are not looked for.
   */
  readonly quiet: boolean;
}

export function checkInstallation(events: readonly DecisionOrInstall[], options: InstallationOptions): InstallationFinding[] {
  const commits = new Map<string, Commit[]>();
  /** Per request and entity (`installKey`), how many times it was installed. */
  const installCounts = new Map<string, number>();
  /** Per entity version (`versionKey`), the requests that installed it. */
  const installers = new Map<string, string[]>();
  /** Every decided transaction's reads: a program abort's reads explain its outcome as much as a commit's. */
  const readers: Reader[] = [];
  for (const event of events) {
    if (event.type !== 'install') readers.push(event);
    if (event.type === 'abort') continue;
    if (event.type === 'commit') {
      const list = commits.get(event.requestId);
      if (list === undefined) commits.set(event.requestId, [event]);
      else list.push(event);
      continue;
    }
    const installed = installKey(event.requestId, event.entity);
    installCounts.set(installed, (installCounts.get(installed) ?? 0) + 1);
    const version = versionKey(event.entity, event.version);
    const by = installers.get(version);
    if (by === undefined) installers.set(version, [event.requestId]);
    else by.push(event.requestId);
  }
  const findings: InstallationFinding[] = [];
  if (options.quiet) {
    for (const [requestId, requestCommits] of commits) {
      const finding = partialCommit(requestId, requestCommits, installCounts, events);
      if (finding !== undefined) findings.push(finding);
    }
  }
  findings.push(...uncommittedReads(readers, commits, installers));
  return findings;
}

type Commit = Extract<DecisionOrInstall, { type: 'commit' }>;
type Reader = Extract<DecisionOrInstall, { type: 'commit' | 'abort' }>;

function installKey(requestId: string, entity: string): string {
  return `${requestId}\u0000${entity}`;
}

function versionKey(entity: string, version: number): string {
  return `${entity}\u0000${version}`;
}

/**
 * Each commit of the request must have installed each entity it writes once: an entity written by k of
 * its commits and installed fewer than k times is missing. (A request that committed twice is the
 * exactly-once checker's and the graph's to report; here it only counts twice.)
 */
function partialCommit(
  requestId: string,
  requestCommits: readonly Commit[],
  installCounts: ReadonlyMap<string, number>,
  events: readonly DecisionOrInstall[],
): InstallationFinding | undefined {
  const intended = new Map<string, number>();
  for (const commit of requestCommits) {
    for (const entity of commit.writes ?? []) intended.set(entity, (intended.get(entity) ?? 0) + 1);
  }
  const missing: string[] = [];
  for (const [entity, times] of intended) if ((installCounts.get(installKey(requestId, entity)) ?? 0) < times) missing.push(entity);
  if (missing.length === 0) return undefined;
  const done = [...intended.keys()].filter((entity) => !missing.includes(entity));
  const versions = (entity: string): string => events
    .flatMap((event) => (event.type === 'install' && event.requestId === requestId && event.entity === entity
      ? [event.version] : []))
    .join(', ');
  const times = requestCommits.length === 1 ? '' : ` (${requestCommits.length} times)`;
  const explanation = [
    done.length === 0
      ? `${requestId} committed${times}, writing ${listed([...intended.keys()])}, but none of its writes was installed`
      : `${requestId} committed${times}, writing ${listed([...intended.keys()])}, but ${listed(missing)} `
        + `${missing.length === 1 ? 'was' : 'were'} never installed `
        + `(${done.map((entity) => `${entity} was, as version ${versions(entity)}`).join('; ')})`,
  ];
  return { class: 'partial-commit', transactions: [requestId], entities: missing, explanation };
}

/** A read of version v > 0 (0: the entity did not exist) needs an install of v by a committed request. */
function uncommittedReads(
  readers: readonly Reader[],
  commits: ReadonlyMap<string, readonly Commit[]>,
  installers: ReadonlyMap<string, readonly string[]>,
): InstallationFinding[] {
  const findings: InstallationFinding[] = [];
  const reported = new Set<string>();
  for (const { requestId: reader, reads } of readers) {
    for (const [entity, version] of reads) {
      if (version === 0) continue;
      const key = versionKey(entity, version);
      const by = installers.get(key) ?? [];
      if (by.some((installer) => commits.has(installer))) continue;
      if (reported.has(`${reader}\u0000${key}`)) continue;
      reported.add(`${reader}\u0000${key}`);
      const source = by.length === 0
        ? 'which no install produced'
        : `which only ${listed([...new Set(by)])} installed, and ${new Set(by).size === 1 ? 'it' : 'they'} never committed`;
      findings.push({
        class: 'uncommitted-read',
        transactions: [reader, ...new Set(by)],
        entities: [entity],
        explanation: [`${reader} read ${entity} version ${version}, ${source}`],
      });
    }
  }
  return findings;
}

function listed(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The findings as violations of the `installation` checker, for `ent check`. */
export function installationViolations(findings: readonly InstallationFinding[]): Violation[] {
  return findings.map((finding) => ({
    checker: 'installation',
    kind: finding.class,
    message: `${finding.class}: ${finding.explanation.join('; ')}`,
    requests: [...finding.transactions],
  }));
}
