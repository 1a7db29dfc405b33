// Stage: engines/restate. The guardian: `node build/engines/restate/guardian-main.js FOLDER`, started by
// Ent beside the processes of a run on Restate, with an IPC channel to Ent. Ent tells it the pid of every
// server and service process it starts. If Ent's process dies without stopping them (SIGKILL, a crash of
// Node itself), the channel closes: the guardian then kills what Ent started and removes the run's
// folder, so that even then a run leaves no process and no port behind. When Ent stops a run itself, it
// kills the guardian first, so that the guardian never signals a pid that is no longer Ent's.

import { rmSync } from 'node:fs';

const [folder] = process.argv.slice(2);
const pids = new Map<string, number>();

process.on('message', (message: { readonly role: string; readonly pid: number }) => {
  pids.set(message.role, message.pid);
});

process.on('disconnect', () => {
  for (const pid of pids.values()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  if (folder !== undefined && folder.length > 0) rmSync(folder, { recursive: true, force: true });
  process.exit(0);
});
