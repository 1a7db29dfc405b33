// Stage: engines/restate. The processes Ent starts for a run on Restate: a restate-server in a temporary
// folder on free ports (ingress, admin, and the node-to-node port it also binds), and the service process
// that serves the program's virtual objects. Each can be killed (SIGKILL, a real fault) and started
// again on the same folder and ports; `stop` ends whatever is still running and removes the folder, and
// an exit of Ent's process does the same, so that a run leaves no process and no port behind. A guardian
// process (guardian-main.ts) does it when Ent's process dies without an exit (SIGKILL).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package that holds this platform's server binary. ENT_RESTATE_PLATFORM (`os-arch`) looks for
 * another platform's instead: how the tests see what a platform without a binary gets.
 */
export function serverPackage(): string {
  return `@restatedev/restate-server-${process.env.ENT_RESTATE_PLATFORM ?? `${process.platform}-${process.arch}`}`;
}

/** The restate-server binary installed with Ent's optional dependencies, if this platform has one. */
export function serverBinary(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve(`${serverPackage()}/package.json`);
    const binary = join(dirname(manifest), 'bin', 'restate-server');
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

/** The SDK is installed (it is an optional dependency too). */
export function sdkInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@restatedev/restate-sdk');
    return true;
  } catch {
    return false;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const live = new Set<Processes>();
let exitHook = false;

/** Ends every process still running, synchronously: the last thing Ent's process does. */
function stopAllNow(): void {
  for (const processes of live) processes.stopNow();
}

/**
 * Ctrl-C or a SIGTERM where nobody else handles it (`ent run` does, to report R0104 and stop in order):
 * end what Ent started, then exit as a process ended by that signal does.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  stopAllNow();
  process.exit(signal === 'SIGINT' ? 130 : 143);
}

export interface Ports {
  readonly ingress: number;
  readonly admin: number;
  readonly fabric: number;
  service: number;
}

export class Processes {
  readonly folder: string;
  private server: ChildProcess | undefined;
  private service: ChildProcess | undefined;
  private guardian: ChildProcess | undefined;
  private stopped = false;

  private constructor(
    readonly binary: string | undefined,
    readonly ports: Ports,
    programText: string,
    readonly ownServer: boolean,
  ) {
    this.folder = mkdtempSync(join(tmpdir(), 'ent-restate-'));
    this.program = programText;
    live.add(this);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', stopAllNow);
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
  }

  /** Free ports for everything Ent starts; `binary` undefined: the server is someone else's. */
  static async create(binary: string | undefined, programText: string): Promise<Processes> {
    const ports: Ports = { ingress: await freePort(), admin: await freePort(), fabric: await freePort(), service: await freePort() };
    return new Processes(binary, ports, programText, binary !== undefined);
  }

  private programs = 0;

  /** The file of the program the service process serves, in the run's folder. */
  private get programFile(): string {
    return join(this.folder, `program-${this.programs}.ent`);
  }

  /** The program the service process serves: written into the run's folder, where the service reads it. */
  set program(text: string) {
    this.programs++;
    writeFileSync(this.programFile, text);
  }

  /**
   * Serves another program: the running service process serves it on a new port (or, if it is not
   * running, a new one starts). The deployment must then be registered again.
   */
  async serveProgram(text: string): Promise<void> {
    this.program = text;
    this.ports.service = await freePort();
    const service = this.service;
    if (!running(service) || service.connected !== true) {
      this.startService();
      return;
    }
    service.channel?.ref();
    await new Promise<void>((resolve, reject) => {
      const listen = (message: { kind: string; error?: string }): void => {
        service.off('message', listen);
        service.channel?.unref();
        if (message.kind === 'listening') resolve();
        else reject(new Error(message.error));
      };
      service.on('message', listen);
      service.send({ kind: 'serve', file: this.programFile, port: this.ports.service });
    });
  }

  /** The processes still running (for the tests that check that none is left behind). */
  pids(): number[] {
    return [this.server, this.service, this.guardian].filter(running).map((child) => child.pid!);
  }

  get ingressUrl(): string {
    return `http://127.0.0.1:${this.ports.ingress}`;
  }

  get adminUrl(): string {
    return `http://127.0.0.1:${this.ports.admin}`;
  }

  get serviceUrl(): string {
    return `http://127.0.0.1:${this.ports.service}`;
  }

  private log(name: string): number {
    return openSync(join(this.folder, `${name}.log`), 'a');
  }

  startServer(): void {
    if (this.binary === undefined) throw new Error('assertion: no server binary to start');
    const out = this.log('server');
    this.server = spawn(this.binary, [
      '--base-dir', join(this.folder, 'server'), '--no-logo', '--listen-mode', 'tcp', '--node-name', 'ent',
      '--bind-address', `127.0.0.1:${this.ports.fabric}`, '--default-num-partitions', '4',
    ], {
      stdio: ['ignore', out, out],
      env: {
        ...process.env,
        RESTATE_INGRESS__BIND_ADDRESS: `127.0.0.1:${this.ports.ingress}`,
        RESTATE_ADMIN__BIND_ADDRESS: `127.0.0.1:${this.ports.admin}`,
        RESTATE_ADMIN__ADVERTISED_ADMIN_ENDPOINT: this.adminUrl,
        RESTATE_INGRESS__ADVERTISED_INGRESS_ENDPOINT: this.ingressUrl,
        RESTATE_LOG_FORMAT: 'compact',
        DO_NOT_TRACK: '1',
      },
    });
    this.server.on('error', () => undefined);
    closeSync(out);
    this.guard('server', this.server);
  }

  /** Tells the guardian (started with the first process) of a process it must kill if Ent dies. */
  private guard(role: 'server' | 'service', child: ChildProcess): void {
    if (child.pid === undefined) return;
    if (!running(this.guardian)) {
      const main = join(dirname(fileURLToPath(import.meta.url)), 'guardian-main.js');
      this.guardian = spawn(process.execPath, [main, this.folder], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], detached: true });
      this.guardian.unref();
      this.guardian.on('error', () => undefined);
    }
    this.guardian.channel?.ref();
    this.guardian.send({ role, pid: child.pid }, () => this.guardian?.channel?.unref());
  }

  startService(): void {
    const out = this.log('service');
    const main = join(dirname(fileURLToPath(import.meta.url)), 'service-main.js');
    this.service = spawn(process.execPath, [main, this.programFile, String(this.ports.service)], { stdio: ['ignore', out, out, 'ipc'] });
    // The channel must not keep Ent's process alive, nor its messages.
    this.service.unref();
    this.service.channel?.unref();
    this.service.on('error', () => undefined);
    closeSync(out);
    this.guard('service', this.service);
  }

  /** A real fault: SIGKILL, and wait until the process is gone. */
  async killServer(): Promise<void> {
    await kill(this.server);
    this.server = undefined;
  }

  async killService(): Promise<void> {
    await kill(this.service);
    this.service = undefined;
  }

  /** The server's log (for an error report). */
  serverLog(): string {
    try {
      return readFileSync(join(this.folder, 'server.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** Ends everything still running (politely, then for good) and removes the folder. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    if (running(this.guardian)) this.guardian.kill('SIGKILL');
    await Promise.all([terminate(this.service), terminate(this.server)]);
    this.server = undefined;
    this.service = undefined;
    this.removeFolder();
  }

  /** `stop` for the moment Ent's process exits: SIGKILL, no waiting. */
  stopNow(): void {
    for (const child of [this.guardian, this.service, this.server]) {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    this.removeFolder();
  }

  private removeFolder(): void {
    this.stopped = true;
    live.delete(this);
    rmSync(this.folder, { recursive: true, force: true });
  }
}

function running(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

async function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (!running(child)) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function kill(child: ChildProcess | undefined): Promise<void> {
  if (!running(child)) return;
  child.kill('SIGKILL');
  await waitExit(child, 10_000);
}

async function terminate(child: ChildProcess | undefined): Promise<void> {
  if (!running(child)) return;
  child.kill('SIGTERM');
  if (!(await waitExit(child, 5_000))) await kill(child);
}
