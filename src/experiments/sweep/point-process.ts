/** Runs one point in a child process (child.ts) and reports its engine events and outcome. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BackendChoice } from '../../engine/backend.js';
import type { EngineEvent, SeedEndEvent } from '../../engine/events.js';
import type { ChildInput } from './child.js';
import type { PointTask } from './plan.js';
import { flagEnv, flagVariable } from '../../util/flags.js';

export const CHILD_ENTRY = fileURLToPath(new URL('./child.js', import.meta.url));

export type PointOutcome =
  | { ok: true; summary: SeedEndEvent; backend: string }
  /** `userError`: the child exited 2 (bad pipeline or data): retrying cannot help. */
  | { ok: false; reason: string; userError: boolean; signal?: string };

export interface PointRunOptions {
  backend: BackendChoice;
  dataDir?: string;
  plugins?: string[];
  /** See ChildInput.runDir. */
  runDir?: string;
  /** See ChildInput.fromQueue. */
  fromQueue?: boolean;
  onEvent?: (e: EngineEvent) => void;
  /** Called with the child once it is spawned (tests and the pool use its pid). */
  onSpawn?: (child: ChildProcess) => void;
  signal?: AbortSignal;
  /** Threads the point's training may use (ANCHORFLOW_THREADS in the child; see util/cores.ts). */
  threads?: number;
}

export function runPointProcess(task: PointTask, opts: PointRunOptions): Promise<PointOutcome> {
  return new Promise((resolveOutcome) => {
    // The point needs no queue: its URL (and password) stays out of the child's environment. Flags set in this
    // process (`--reference`) go along as their variables.
    const env = flagEnv();
    delete env[flagVariable('queue')];
    if (opts.threads !== undefined) env[flagVariable('threads')] = String(opts.threads);
    const child = spawn(process.execPath, [CHILD_ENTRY], { stdio: ['pipe', 'pipe', 'pipe'], env });
    opts.onSpawn?.(child);
    const input: ChildInput = {
      task,
      backend: opts.backend,
      dataDir: opts.dataDir,
      plugins: opts.plugins,
      runDir: opts.runDir,
      fromQueue: opts.fromQueue,
    };
    child.stdin.on('error', () => {}); // the child may die before reading; its exit says why
    // stdin stays open: its end tells the child that this process is gone.
    child.stdin.write(JSON.stringify(input) + '\n');
    let summary: SeedEndEvent | undefined;
    let backend = '';
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        let e: EngineEvent;
        try {
          e = JSON.parse(line) as EngineEvent;
        } catch {
          continue; // a stray line (a library banner) is not an event
        }
        if (e.type === 'seed_end') summary = e;
        if (e.type === 'result') backend = e.backend;
        opts.onEvent?.(e);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => {
      err = (err + c).slice(-4000);
    });
    const onAbort = () => child.kill('SIGTERM');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (code === 0 && summary && backend) return resolveOutcome({ ok: true, summary, backend });
      const tail = err.trim().split('\n').slice(-6).join('\n');
      const reason = signal ? `killed by ${signal}` : `exited with code ${code}${tail ? `: ${tail}` : ''}`;
      resolveOutcome({ ok: false, reason, userError: code === 2, ...(signal ? { signal } : {}) });
    });
    child.on('error', (e) => resolveOutcome({ ok: false, reason: `could not start: ${e.message}`, userError: false }));
  });
}
