/**
 * The plain line reporter: for pipes, files, CI logs and dumb terminals. One line per meaningful event, no
 * escape codes, nothing redrawn, so `grep`, `head` and log viewers work on it.
 */
import type { EngineEvent, RunStartEvent } from '../engine/events.js';
import {
  fmtBestEpochs,
  summaryLines,
  fmtCount,
  fmtDuration,
  fmtLosses,
  fmtLr,
  fmtMetrics,
  fmtSeed,
  lineMetrics,
  resultTable,
} from './format.js';

export interface PlainReporterOptions {
  /** Where run, epoch, eval, seed and result lines go. */
  out: (text: string) => void;
  /** Where log events go (stderr), so stdout stays the run's record. */
  err: (text: string) => void;
  /** Only warnings and the final summary. */
  quiet?: boolean;
  /**
   * A batch-progress line is printed when this long has passed since the last line within an epoch, so a
   * slow epoch on a real dataset still shows signs of life in a CI log. 0 disables them.
   */
  progressIntervalMs?: number;
  now?: () => number;
}

export function createPlainReporter(opts: PlainReporterOptions): { sink: (e: EngineEvent) => void } {
  const { out, err, quiet = false, progressIntervalMs = 10_000, now = Date.now } = opts;
  const line = (s: string) => out(s + '\n');
  let run: RunStartEvent | undefined;
  let lr: number | undefined;
  let lastLineAt = now();
  let epochStartedAt = now();
  let epochWidth = 3;

  const sink = (e: EngineEvent): void => {
    switch (e.type) {
      case 'run_start': {
        run = e;
        epochWidth = String(e.maxEpochs).length;
        if (quiet) return;
        line(
          `run ${e.pipeline} · dataset ${e.dataset} · backend ${e.backend} · ${fmtSeed(e.seed, e.seedIndex, e.seeds)} · ` +
            `${e.nUsers} users, ${e.nItems} items, ${e.nTrain} train interactions, ${e.batchesPerEpoch} batches/epoch, ` +
            `max ${e.maxEpochs} epochs, ${fmtCount(e.parameters)} parameters`,
        );
        if (e.runDir) line(`run dir ${e.runDir}`);
        break;
      }
      case 'epoch_start':
        lr = e.lr;
        epochStartedAt = lastLineAt = now();
        break;
      case 'batch': {
        if (quiet || progressIntervalMs <= 0) return;
        const t = now();
        if (t - lastLineAt < progressIntervalMs) return;
        lastLineAt = t;
        const rate = e.batch / Math.max(1e-3, (t - epochStartedAt) / 1000);
        line(
          `  epoch ${pad(e.epoch)}  batch ${e.batch}/${e.batches} (${Math.floor((100 * e.batch) / Math.max(1, e.batches))}%)  ` +
            `${fmtLosses(e.losses)}  ${rate.toFixed(1)} batch/s`,
        );
        break;
      }
      case 'epoch_end': {
        lastLineAt = now();
        if (quiet) return;
        const max = run ? `/${run.maxEpochs}` : '';
        const lrText = lr === undefined ? '' : `  lr ${fmtLr(lr)}`;
        line(`epoch ${pad(e.epoch)}${max}  ${fmtLosses(e.losses)}${lrText}  ${fmtDuration(e.trainSeconds)}`);
        break;
      }
      case 'eval': {
        lastLineAt = now();
        if (quiet) return;
        const keys = lineMetrics(e.valid);
        line(
          `eval  ${pad(e.epoch)}  valid ${fmtMetrics(e.valid, keys)} | test ${fmtMetrics(e.test, keys)} | ` +
            `best ${e.bestEpoch}${e.improved ? ' *' : ''}  (${Number.isFinite(e.patienceLeft) ? `patience ${e.patienceLeft}, ` : ''}eval ${fmtDuration(e.evalSeconds)})`,
        );
        break;
      }
      case 'seed_end': {
        if (quiet) return;
        const keys = lineMetrics(e.valid);
        const seeds = run?.seeds ?? e.seedIndex + 1;
        line(
          `${fmtSeed(e.seed, e.seedIndex, seeds)} done: best epoch ${e.bestEpoch} of ${e.epochs}` +
            `${e.stoppedEarly ? ' (stopped early)' : ''} · valid ${fmtMetrics(e.valid, keys)} · test ${fmtMetrics(e.test, keys)} · ` +
            `${fmtDuration(e.seconds)} (${fmtDuration(e.secondsPerEpoch)}/epoch)`,
        );
        break;
      }
      case 'stage':
        if (!quiet) line(`${e.message}…`);
        break;
      case 'history': {
        if (quiet || e.epochsDone === 0) return;
        const evals = e.events.filter((h) => h.type === 'eval');
        const last = evals[evals.length - 1];
        const best = last
          ? `; best epoch ${last.bestEpoch}, valid ${fmtMetrics(last.bestValid, lineMetrics(last.bestValid))}`
          : '';
        line(`epochs 1-${e.epochsDone} ran before --resume${best}`);
        break;
      }
      case 'interrupted':
        // The command prints the message on stderr, in every output mode.
        break;
      case 'log':
        if (quiet && e.level !== 'warn') return;
        err(`${e.level}: ${e.message}\n`);
        break;
      case 'result': {
        const n = e.seeds.length;
        line(
          `result ${e.pipeline} on ${e.dataset} (${e.backend}), ${n} seed${n === 1 ? '' : 's'}: ${e.seeds.join(', ')}`,
        );
        for (const l of resultTable(e)) line('  ' + l);
        line('  ' + fmtBestEpochs(e.perSeed));
        if (e.runDir) line(`run dir ${e.runDir}`);
        break;
      }
      case 'summary':
        line('');
        for (const l of summaryLines(e)) line(l);
        break;
    }
  };

  function pad(epoch: number): string {
    return String(epoch).padStart(epochWidth);
  }
  return { sink };
}
