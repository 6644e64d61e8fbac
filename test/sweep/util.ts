/** Shared by the sweep tests: the compiled CLI as a real child process, and readers for a sweep store. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI } from '../helpers.js';

export interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Resolves when stdout + stderr first match `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, CI: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters])
      if (w.re.test(out + err)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  };
  child.stdout!.setEncoding('utf8').on('data', (c: string) => ((out += c), check()));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => ((err += c), check()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    done,
    waitFor: (re, timeoutMs = 60000) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`timed out waiting for ${re}\n--- stdout\n${out}\n--- stderr\n${err}`)),
          timeoutMs,
        );
        waiters.push({ re, resolve: () => (clearTimeout(t), resolve()) });
        check();
        void done.then(() =>
          setTimeout(() => reject(new Error(`exited before ${re}\n--- stdout\n${out}\n--- stderr\n${err}`)), 50),
        );
      }),
  };
}

export function onlyStore(root: string, name = 'lightgcn'): string {
  const dirs = readdirSync(join(root, name));
  if (dirs.length !== 1) throw new Error(`expected one sweep store under ${root}, found ${dirs.join(', ')}`);
  return join(root, name, dirs[0]!);
}

export interface Rec {
  id: string;
  seed: number;
  configuration: string;
  valid: Record<string, number>;
  test: Record<string, number>;
  attempt: number;
  worker: string;
  finished: string;
  pipelineHash: string;
  resolved: string;
}

export function records(store: string): Map<string, Rec> {
  const dir = join(store, 'points');
  const m = new Map<string, Rec>();
  if (!existsSync(dir)) return m;
  for (const f of readdirSync(dir).filter((f) => /^[0-9a-f]+\.json$/.test(f))) {
    const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Rec;
    m.set(r.id, r);
  }
  return m;
}

/** Per point id, the metrics only (what must agree between 1 worker, 2 workers and the queue). */
export function metricsById(
  store: string,
): Record<string, { valid: Record<string, number>; test: Record<string, number> }> {
  return Object.fromEntries([...records(store)].map(([id, r]) => [id, { valid: r.valid, test: r.test }]));
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
