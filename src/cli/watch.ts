/**
 * Watch mode. `check --watch` re-validates on every save and shows each pipeline's located error or its compiled
 * summary; `run --watch` restarts the run when any file of the pipeline's extends chain changes. Both watch with
 * chokidar, debounce bursts of events (editors write a file in several steps), and re-read the set of watched
 * files after every round, because an edit can add or remove an `extends`.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { compileSymbolic, loadChecked } from '../graph/stages.js';
import { typeToString } from '../ops/types.js';
import { formatUserError, isUserError } from '../util/errors.js';
import {
  checkWatchLines,
  createReporter,
  loadCheckWatchView,
  safeOutput,
  wantsInk,
  type CheckWatchFile,
  type CheckWatchState,
} from '../ui/index.js';
import { pipelineFiles } from './check.js';
import { runOptions, type RunFlags } from './run.js';

const DEBOUNCE_MS = 150;

/**
 * A chokidar watcher over a set of paths that can change between rounds, calling `onChange` once per burst of
 * events with the last path that changed.
 */
class PathWatcher {
  private readonly w: FSWatcher;
  private watched = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private last = '';

  constructor(
    private readonly onChange: (path: string) => void,
    private readonly relevant: (path: string) => boolean = () => true,
  ) {
    // atomic: editors that save by writing a temp file and renaming it over the original (vim, VS Code) produce
    // unlink + add; chokidar folds those into one 'change'.
    this.w = watch([], { ignoreInitial: true, atomic: true });
    this.w.on('all', (_event, path) => {
      if (!this.relevant(path)) return;
      this.last = path;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.onChange(this.last), DEBOUNCE_MS);
    });
    // A watched folder that vanishes or a permission problem must not end the session; the next round reports it.
    this.w.on('error', () => {});
  }

  /** Watches exactly `paths` (absolute) from now on. */
  set(paths: Iterable<string>): void {
    const next = new Set([...paths].map((p) => resolve(p)));
    const add = [...next].filter((p) => !this.watched.has(p));
    const drop = [...this.watched].filter((p) => !next.has(p));
    if (add.length) this.w.add(add);
    if (drop.length) this.w.unwatch(drop);
    this.watched = next;
  }

  /**
   * Resolves once chokidar has an fs watch on every path given to `set` (or after `ms`). `add` is asynchronous
   * (a stat, then fs.watch), so a save that comes right after `set` could otherwise go unseen; callers announce
   * "watching" only after this.
   */
  async settled(ms = 5000): Promise<void> {
    const until = Date.now() + ms;
    const watchedNow = (): boolean => {
      const tree = this.w.getWatched();
      return [...this.watched].every((p) => !existsSync(p) || (tree[dirname(p)] ?? []).includes(basename(p)));
    };
    while (!watchedNow() && Date.now() < until) await new Promise((res) => setTimeout(res, 20));
  }

  get size(): number {
    return this.watched.size;
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    await this.w.close();
  }
}

/** Resolves when the user presses Ctrl+C (SIGINT); the listener is removed by `dispose`. */
function interrupted(): { promise: Promise<void>; dispose(): void } {
  let handler: () => void = () => {};
  const promise = new Promise<void>((res) => {
    handler = () => res();
    process.once('SIGINT', handler);
  });
  return { promise, dispose: () => process.off('SIGINT', handler) };
}

// ---- check --watch ---------------------------------------------------------------------------------------------

/** Validates one pipeline as `check` does; returns the view's record and the files it depends on. */
function validate(file: string, set: string[]): { view: CheckWatchFile; deps: string[] } {
  try {
    const loaded = loadChecked(file, set);
    const g = compileSymbolic(loaded);
    const nodes = [...g.nodes.values()].filter((n) => !n.isLoss).length;
    const outputs = Object.entries(g.outputTypes).map(([name, t]) => ({ name, type: typeToString(t) }));
    return {
      view: { file, ok: true, summary: { name: loaded.pipeline.name, nodes, losses: g.losses.length, outputs } },
      deps: loaded.files,
    };
  } catch (e) {
    if (isUserError(e)) {
      const [head = e.message, ...detail] = formatUserError(e).split('\n');
      // The file the error is in (a broken parent) is watched too, so fixing it re-validates the child.
      return {
        view: { file, ok: false, error: { head, detail } },
        deps: e.loc?.file && existsSync(e.loc.file) ? [file, e.loc.file] : [file],
      };
    }
    // A crash in the checker must not end the session; it is shown like an error, with its stack.
    const [head = String(e), ...detail] = `internal error: ${(e as Error)?.stack ?? String(e)}`.split('\n');
    return { view: { file, ok: false, error: { head, detail } }, deps: [file] };
  }
}

export interface CheckWatchOptions {
  set: string[];
  /** Plain lines instead of the Ink screen (default: plain unless stdout is an interactive terminal). */
  plain?: boolean;
}

export async function checkWatch(paths: string[], opts: CheckWatchOptions): Promise<void> {
  const out = safeOutput(process.stdout);
  const ink =
    !opts.plain && wantsInk(process.stdout) ? (await loadCheckWatchView())(process.stdout, process.stderr) : undefined;
  let round = 0;
  let running = Promise.resolve();
  const roots = paths.map((p) => resolve(p));
  const knownDeps = new Map<string, string[]>();

  const runRound = async (changed?: string): Promise<void> => {
    let files: string[] = [];
    let notice: string | undefined;
    try {
      files = pipelineFiles(paths);
    } catch (e) {
      // A watched file or folder was deleted (or renamed away by an editor mid-save): say so and keep watching.
      if (!isUserError(e)) throw e;
      notice = formatUserError(e);
      files = pipelineFiles(paths.filter((p) => existsSync(p)));
    }
    const results = files.map((f) => validate(f, opts.set));
    // A broken file cannot say what it extends; its last good chain stays watched, so fixing a parent still counts.
    for (const [k, r] of results.entries()) if (r.view.ok) knownDeps.set(files[k]!, r.deps);
    watcher.set([...roots, ...results.flatMap((r, k) => [...r.deps, ...(knownDeps.get(files[k]!) ?? [])])]);
    await watcher.settled();
    const state: CheckWatchState = {
      round: ++round,
      at: Date.now(),
      changed,
      files: results.map((r) => r.view),
      watching: watcher.size,
      notice,
    };
    if (ink) ink.update(state);
    else out.write(checkWatchLines(state).join('\n') + '\n');
  };

  // In a folder only pipeline files matter; a watched file (a parent outside the folders) always does.
  const watcher = new PathWatcher(
    (path) => {
      running = running.then(() => runRound(path));
    },
    (path) => /\.ya?ml$/.test(path),
  );
  const stop = interrupted();
  running = runRound();
  await running;
  await stop.promise;
  stop.dispose();
  await running;
  await watcher.close();
  await ink?.close();
  process.exitCode = 130;
}

// ---- run --watch -----------------------------------------------------------------------------------------------

export type RunWatchFlags = Omit<RunFlags, 'resume'>;

/** The files a run of `file` depends on: its extends chain, or (when it does not load) the files the error names. */
function runDeps(file: string, overrides: string[]): string[] {
  try {
    return loadChecked(file, overrides).files;
  } catch (e) {
    if (isUserError(e) && e.loc?.file && existsSync(e.loc.file)) return [file, e.loc.file];
    return [file];
  }
}

/**
 * Runs the pipeline, and whenever a file of its extends chain changes, aborts the current run (through the
 * AbortSignal that runPipeline honours) and starts a new one. A run that fails with a user error (a typo saved
 * mid-edit) is reported and the watcher waits for the next save; Ctrl+C stops the current run and the watch.
 */
export async function runWatch(file: string, flags: RunWatchFlags): Promise<void> {
  // The run machinery loads only here: `check --watch` needs nothing but the stages.
  const { overridesFor, runPipeline } = await import('../experiments/run.js');
  const mode = flags.json ? 'json' : flags.plain ? 'plain' : 'auto';
  const err = safeOutput(process.stderr);
  let current: { abort: AbortController; done: Promise<void> } | undefined;
  let stopped = false;
  let chain = Promise.resolve();

  const start = (reason?: string): void => {
    const abort = new AbortController();
    const reporter = createReporter({ mode, onClosedEarly: () => abort.abort() });
    if (reason) reporter.sink({ type: 'log', level: 'info', message: `watch: ${reason}; restarting the run` });
    watcher.set(runDeps(file, overridesFor(flags)));
    const done = runPipeline({ ...runOptions(file, flags), emit: reporter.sink, signal: abort.signal })
      .then(() =>
        reporter.sink({
          type: 'log',
          level: 'info',
          message: `watch: run finished; waiting for changes to ${watcher.size} files (Ctrl+C to stop)`,
        }),
      )
      .catch((e: unknown) => {
        if (abort.signal.aborted && (e as Error)?.name === 'InterruptedError') return;
        if (isUserError(e)) err.write(formatUserError(e) + '\n');
        else err.write(`internal error: ${(e as Error)?.stack ?? String(e)}\n`);
        reporter.sink({
          type: 'log',
          level: 'warn',
          message: 'watch: the run stopped on an error; waiting for a change',
        });
      })
      .finally(() => reporter.close());
    current = { abort, done };
  };

  const restart = (path: string): void => {
    chain = chain.then(async () => {
      if (stopped) return;
      current?.abort.abort();
      await current?.done;
      if (!stopped) start(`changed ${path}`);
    });
  };

  const watcher = new PathWatcher(restart);
  const stop = interrupted();
  start();
  await stop.promise;
  stop.dispose();
  stopped = true;
  current?.abort.abort();
  await chain;
  await current?.done;
  await watcher.close();
  process.exitCode = 130;
}
