/**
 * One point in its own process: its own tfjs backend, and a SIGKILL ends only this point. The parent writes
 * one JSON line (a ChildInput) to stdin and keeps stdin open; engine events come back as JSON lines on stdout.
 * When stdin closes (the parent died, even by SIGKILL) the point is abandoned at once, so no orphan keeps
 * burning a core after its worker is gone. Exit codes as the CLI's: 0 done, 2 user error, 1 anything else.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatUserError, isUserError } from '../../util/errors.js';
import { pluginSpecifier } from '../../util/plugins.js';
import type { BackendChoice } from '../../engine/backend.js';
import type { EngineEvent } from '../../engine/events.js';
import { runPipeline } from '../run.js';
import { checkJobPipeline } from './job.js';
import type { PointTask } from './plan.js';

export interface ChildInput {
  task: PointTask;
  backend: BackendChoice;
  dataDir?: string;
  plugins?: string[];
  /** The point's own run directory: checkpoints every epoch, so a killed point continues where it stopped. */
  runDir?: string;
  /** The task came from a queue job: its pipeline text is checked as untrusted (job.ts) before it runs. */
  fromQueue?: boolean;
}

let tmp: string | undefined;
const cleanup = () => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
};

async function runChild(input: ChildInput): Promise<void> {
  for (const m of input.plugins ?? []) await import(pluginSpecifier(m, 'plugin'));
  if (input.fromQueue) checkJobPipeline(input.task);
  tmp = mkdtempSync(join(tmpdir(), 'anchorflow-point-'));
  // A fixed name: the task's id may come from a queue job, and nothing a job says becomes part of a path.
  const file = join(tmp, 'point.yaml');
  writeFileSync(file, input.task.resolved, { mode: 0o600 });
  const emit = (e: EngineEvent) => {
    if (e.type !== 'batch') process.stdout.write(JSON.stringify(e) + '\n');
  };
  // A point's text is already resolved under its sweep's protocol (recorded in the sweep store): run it as written.
  await runPipeline({
    file,
    protocol: 'mmrec',
    seeds: 1,
    out: false,
    runDir: input.runDir,
    backend: input.backend,
    dataDir: input.dataDir,
    dataPath: input.task.dataPath,
    emit,
  });
}

let buf = '';
let started = false;
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  if (started) return;
  buf += chunk;
  const nl = buf.indexOf('\n');
  if (nl < 0) return;
  started = true;
  const input = JSON.parse(buf.slice(0, nl)) as ChildInput;
  runChild(input).then(
    () => {
      cleanup();
      process.exit(0);
    },
    (e: unknown) => {
      cleanup();
      process.stderr.write((isUserError(e) ? formatUserError(e) : ((e as Error)?.stack ?? String(e))) + '\n');
      process.exit(isUserError(e) ? 2 : 1);
    },
  );
});
process.stdin.on('end', () => {
  cleanup();
  process.exit(started ? 137 : 1);
});
