/**
 * Picks and wires a reporter for a run: the live Ink view on an interactive terminal, plain lines elsewhere
 * (pipes, files, CI, 0-column pseudo-terminals, where Ink would write escape-code frames or one character per
 * line), or JSON lines for programs. Every reporter writes through safeOutput, so a reader closing the pipe
 * early (`| head -3`) stops the output quietly instead of killing the run with an unhandled EPIPE.
 */
import type { EngineEvent } from '../engine/events.js';
import { createJsonReporter } from './json.js';
import { createPlainReporter } from './plain.js';
import { safeOutput } from './output.js';

export type ReporterMode = 'auto' | 'ink' | 'plain' | 'json';

export interface ReporterOptions {
  mode: ReporterMode;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  /** Only warnings and the final summary (plain output; `ink` and `auto` fall back to plain). Ignored by json. */
  quiet?: boolean;
  /** Called once when stdout's reader has gone away (EPIPE); the CLI may stop the run and exit 0. */
  onClosedEarly?: () => void;
  /** Environment consulted by `auto` (CI, TERM); defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface Reporter {
  sink: (e: EngineEvent) => void;
  /**
   * Resolves once what was sunk so far is on screen: the live view has mounted and painted it. Immediate for
   * plain and JSON lines, which are written as they come. The run awaits it before work that holds the event
   * loop (reading data, building constants), which would otherwise leave a blank screen.
   */
  settle(): Promise<void>;
  /** Flushes and tears down (unmounts the Ink view). Safe to call twice. */
  close(): Promise<void>;
  /** True once stdout was closed by its reader; later output is dropped silently. */
  readonly closedEarly: boolean;
  /** The reporter actually used, after `auto` was resolved. */
  readonly mode: Exclude<ReporterMode, 'auto'>;
}

/** Whether `auto` should use the live view: an interactive terminal with a width, outside CI. */
export function wantsInk(stdout: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI;
  const inCi = ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
  return Boolean(stdout.isTTY) && (stdout.columns ?? 0) > 0 && !inCi && env.TERM !== 'dumb';
}

export function createReporter(opts: ReporterOptions): Reporter {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const env = opts.env ?? process.env;
  let mode: Exclude<ReporterMode, 'auto'> =
    opts.mode === 'auto' ? (wantsInk(stdout, env) ? 'ink' : 'plain') : opts.mode;
  if (mode === 'ink' && opts.quiet) mode = 'plain';

  let closedEarly = false;
  const out = safeOutput(stdout, () => {
    closedEarly = true;
    opts.onClosedEarly?.();
  });
  // stderr failing is not "the reader went away" for the run's output; just stop writing there.
  const err = safeOutput(stderr);

  const plain = () => createPlainReporter({ out: out.write, err: err.write, quiet: opts.quiet });
  if (mode === 'ink') return inkReporter(stdout, stderr, () => closedEarly, plain);

  const inner = mode === 'json' ? createJsonReporter({ out: out.write }) : plain();
  return {
    sink: (e) => {
      if (!closedEarly) inner.sink(e);
    },
    settle: async () => {},
    close: async () => {},
    get closedEarly() {
      return closedEarly;
    },
    mode,
  };
}

/**
 * The Ink view is loaded on demand so that plain and JSON runs (CI, pipes, tests) never import React and Ink.
 * Events that arrive while it loads are queued and replayed in order. If it cannot load, the run is reported
 * in plain lines rather than not at all.
 */
function inkReporter(
  stdout: NodeJS.WriteStream,
  stderr: NodeJS.WriteStream,
  isClosed: () => boolean,
  fallback: () => { sink: (e: EngineEvent) => void },
): Reporter {
  // Each event keeps the time it was emitted: replayed later with the time of the replay, epoch times and the
  // ETA would be wrong.
  const queue: { e: EngineEvent; at: number }[] = [];
  let target:
    { sink: (e: EngineEvent, at?: number) => void; settle?(): Promise<void>; close?(): Promise<void> } | undefined;
  const ready = import('./ink/mount.js')
    .then((m) => m.mountInk({ stdout, stderr }))
    .catch((error: unknown) => {
      const plain = fallback();
      plain.sink({
        type: 'log',
        level: 'warn',
        message: `live view unavailable (${String(error)}); using plain output`,
      });
      return plain;
    })
    .then((t) => {
      target = t;
      for (const q of queue.splice(0)) t.sink(q.e, q.at);
    });
  return {
    sink: (e) => {
      if (isClosed()) return;
      if (target) target.sink(e);
      else queue.push({ e, at: Date.now() });
    },
    settle: async () => {
      await ready;
      if (!isClosed()) await target?.settle?.();
    },
    close: async () => {
      await ready;
      await target?.close?.();
    },
    get closedEarly() {
      return isClosed();
    },
    mode: 'ink',
  };
}
