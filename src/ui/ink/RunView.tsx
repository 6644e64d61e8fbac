/**
 * The live training screen. It reads a ViewStore snapshot (updated at most ~10 times a second) and only lays
 * out text: every number shown comes from an engine event, except the display-only timing in timing.ts.
 */
import { Box, Text, useStdout } from 'ink';
import { useSyncExternalStore } from 'react';
import type { EvalEvent, Metrics, ResultEvent } from '../../engine/events.js';
import {
  fmtBestEpochs,
  fmtCount,
  fmtDuration,
  fmtLr,
  fmtMetrics,
  fmtNum,
  fmtSeed,
  lineMetrics,
  lossKeys,
  metricGrid,
  progressBar,
  renderTable,
  resultTable,
  summaryLines,
  sparkline,
} from '../format.js';
import type { ViewState, ViewStore } from './store.js';
import { timing } from './timing.js';

export function RunView({ store }: { store: ViewStore }) {
  const s = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const { stdout } = useStdout();
  const columns = stdout?.columns && stdout.columns > 0 ? stdout.columns : 80;
  const rows = stdout?.rows && stdout.rows > 0 ? stdout.rows : 40;
  return <RunScreen state={s} columns={columns} rows={rows} />;
}

/**
 * How much fits: a frame as tall as the terminal makes Ink clear the screen on every redraw (flicker and
 * scrollback noise), so shorter terminals get fewer metric rows, history and log lines.
 */
interface Fit {
  metricNames?: number;
  history: number;
  logs: number;
  seeds: number;
}
function fit(rows: number, seedsDone: number): Fit {
  const seeds = Math.min(seedsDone, 3);
  if (rows >= 36 + seeds) return { history: 6, logs: 4, seeds };
  if (rows >= 28 + seeds) return { metricNames: 2, history: 3, logs: 2, seeds };
  return { metricNames: 2, history: 0, logs: 1, seeds: Math.min(seeds, 1) };
}

/** The screen for one snapshot; separate from RunView so it can be rendered from a fixed state. */
export function RunScreen({ state: s, columns, rows = 40 }: { state: ViewState; columns: number; rows?: number }) {
  if (s.result) return <Summary state={s} result={s.result} />;
  const f = fit(rows, s.seedsDone.length);
  return (
    <Box flexDirection="column">
      <Header state={s} />
      <Progress state={s} columns={columns} />
      <Box flexDirection="row" flexWrap="wrap" columnGap={4}>
        <Losses state={s} />
        <MetricTable
          title={metricsTitle(s.lastEval)}
          valid={s.lastEval?.valid}
          test={s.lastEval?.test}
          maxNames={f.metricNames}
        />
      </Box>
      <Best state={s} />
      <History state={s} max={f.history} />
      <SeedsDone state={s} max={f.seeds} />
      <Logs state={s} max={f.logs} />
    </Box>
  );
}

function metricsTitle(e: EvalEvent | undefined): string {
  return e ? `metrics, epoch ${e.epoch}` : 'metrics';
}

function Header({ state: s }: { state: ViewState }) {
  const r = s.run;
  if (!r) {
    // Before the run announces itself (reading data and building constants can take a minute): what is being
    // done, for how long, and since when.
    const since = (t?: number) => fmtDuration(Math.max(0, (s.now - (t ?? s.startedAt)) / 1000));
    return (
      <Box flexDirection="column" marginBottom={1}>
        <Text wrap="truncate-end">
          <Text bold color="cyan">
            anchorflow
          </Text>{' '}
          {s.stage ? `${s.stage.message}…` : 'starting…'} <Text dimColor>{since(s.stageStartedAt)}</Text>
        </Text>
        <Text dimColor>elapsed {since(s.startedAt)}</Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Text wrap="truncate-end">
        <Text bold color="cyan">
          anchorflow{' '}
        </Text>
        <Text bold>{r.pipeline}</Text> on <Text bold>{r.dataset}</Text> · backend <Text bold>{r.backend}</Text> ·{' '}
        {fmtSeed(r.seed, r.seedIndex, r.seeds)}
      </Text>
      <Text dimColor wrap="truncate-end">
        {fmtCount(r.nUsers)} users · {fmtCount(r.nItems)} items · {fmtCount(r.nTrain)} train · {r.batchesPerEpoch}{' '}
        batches/epoch · {fmtCount(r.parameters)} params{r.runDir ? ` · ${r.runDir}` : ''}
      </Text>
    </Box>
  );
}

const PHASE_LABEL: Record<ViewState['phase'], string> = {
  starting: 'starting',
  training: 'training',
  evaluating: 'evaluating',
  between: 'training',
  seed_done: 'seed done',
  done: 'done',
  interrupted: 'interrupted',
};

function Progress({ state: s, columns }: { state: ViewState; columns: number }) {
  const r = s.run;
  if (!r) return null;
  const t = timing(s);
  const width = Math.max(10, Math.min(40, columns - 70));
  const epoch = s.epoch ?? 0;
  const ew = String(r.maxEpochs).length;
  const bw = String(s.batch?.batches ?? r.batchesPerEpoch).length;
  const batch =
    s.phase === 'training'
      ? (s.batch?.batch ?? 0)
      : s.phase === 'evaluating' || s.phase === 'between'
        ? r.batchesPerEpoch
        : 0;
  const left =
    t.etaMaxSeconds === undefined
      ? ''
      : `left ≤ ${fmtDuration(t.etaMaxSeconds)}` +
        (t.etaPatienceSeconds === undefined || t.etaPatienceSeconds >= t.etaMaxSeconds
          ? ''
          : t.etaPatienceSeconds < 1
            ? ' (ends after this epoch if no gain)'
            : ` (${fmtDuration(t.etaPatienceSeconds)} if no gain)`);
  const phaseFor = (s.now - s.phaseStartedAt) / 1000;
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Text wrap="truncate-end">
        <Text bold>epoch </Text>
        {String(epoch).padStart(ew)}/{r.maxEpochs} <Text color="green">{progressBar(t.epochFraction, width)}</Text>{' '}
        {pct(t.epochFraction)}{' '}
        <Text dimColor>
          {t.secondsPerEpoch !== undefined
            ? `${fmtDuration(t.secondsPerEpoch)}/epoch  `
            : s.phase === 'training'
              ? 'time per epoch and ETA once this epoch ends'
              : ''}
          {left}
        </Text>
      </Text>
      <Text wrap="truncate-end">
        <Text bold>batch </Text>
        {String(batch).padStart(Math.max(ew, bw))}/{s.batch?.batches ?? r.batchesPerEpoch}
        {' '.repeat(Math.max(0, ew - bw))} <Text color="blue">{progressBar(t.batchFraction, width)}</Text>{' '}
        {pct(t.batchFraction)}{' '}
        <Text dimColor>
          {s.phase === 'training'
            ? `${t.batchesPerSecond !== undefined ? `${t.batchesPerSecond.toFixed(1)} batch/s  ETA ${fmtDuration(t.batchEtaSeconds)}` : ''}`
            : s.phase === 'evaluating'
              ? `evaluating… ${fmtDuration(Math.max(0, phaseFor))}`
              : s.phase === 'starting' && s.stage
                ? `${s.stage.message}… ${fmtDuration(Math.max(0, (s.now - (s.stageStartedAt ?? s.now)) / 1000))}`
                : PHASE_LABEL[s.phase]}
          {s.lr !== undefined ? `  lr ${fmtLr(s.lr)}` : ''}
          {t.elapsedSeconds !== undefined ? `  elapsed ${fmtDuration(t.elapsedSeconds)}` : ''}
        </Text>
      </Text>
    </Box>
  );
}

function pct(f: number): string {
  return `${Math.floor(f * 100)}%`.padStart(4);
}

function Losses({ state: s }: { state: ViewState }) {
  const batch = s.batch?.losses;
  const mean = s.lastEpoch?.losses;
  const keys = lossKeys(batch, mean);
  if (!keys.length) return null;
  // Titles sit on their own line so the columns keep their width as epoch numbers grow.
  const rows = [['loss', 'batch', 'mean']];
  for (const k of keys) rows.push([k, fmtNum(batch?.[k]), fmtNum(mean?.[k])]);
  const lines = renderTable(rows, [false, true, true]);
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Text dimColor>{s.lastEpoch ? `losses, mean of epoch ${s.lastEpoch.epoch}` : 'losses'}</Text>
      {lines.map((l, i) => (
        <Text key={i} bold={keys[i - 1] === 'total'} dimColor={i === 0}>
          {l}
        </Text>
      ))}
    </Box>
  );
}

/** Valid and test metrics as a grid: one row per split and metric name, one column per K. */
export function MetricTable({
  title,
  valid,
  test,
  maxNames,
}: {
  title: string;
  valid?: Metrics;
  test?: Metrics;
  maxNames?: number;
}) {
  if (!valid && !test) return null;
  const grid = metricGrid(valid, test);
  const { ks, plain } = grid;
  const names = grid.names.slice(0, maxNames);
  const rows = [['', '', ...ks.map((k) => `@${k}`), ...plain]];
  const splits: [string, Metrics | undefined][] = [
    ['valid', valid],
    ['test', test],
  ];
  for (const [split, m] of splits) {
    names.forEach((name, i) => {
      rows.push([
        i === 0 ? split : '',
        name,
        ...ks.map((k) => fmtNum(m?.[`${name}@${k}`])),
        ...plain.map((p) => (i === 0 ? fmtNum(m?.[p]) : '')),
      ]);
    });
    if (!names.length) rows.push([split, '', ...plain.map((p) => fmtNum(m?.[p]))]);
  }
  const lines = renderTable(
    rows,
    rows[0]!.map((_, i) => i >= 2),
  );
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Text dimColor>{title}</Text>
      {lines.map((l, i) => (
        <Text key={i} dimColor={i === 0}>
          {l}
        </Text>
      ))}
    </Box>
  );
}

function Best({ state: s }: { state: ViewState }) {
  const e = s.lastEval;
  if (!e) return null;
  const keys = lineMetrics(e.bestValid);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold color="green">
          best epoch {e.bestEpoch}
        </Text>{' '}
        ·{' '}
        {Number.isFinite(e.patienceLeft) ? (
          <Text color={e.patienceLeft <= 3 ? 'yellow' : undefined}>patience {e.patienceLeft} left</Text>
        ) : (
          <Text dimColor>no early stopping</Text>
        )}
      </Text>
      <Text wrap="truncate-end">
        {'  '}valid {fmtMetrics(e.bestValid, keys)} · test {fmtMetrics(e.bestTest, keys)}
      </Text>
    </Box>
  );
}

function History({ state: s, max }: { state: ViewState; max: number }) {
  if (!s.evals.length) return null;
  const evals = max > 0 ? s.evals.slice(-max) : [];
  const keys = lineMetrics(s.evals[s.evals.length - 1]!.valid);
  const rows = [['epoch', ...keys.map((k) => `valid ${k}`), ...keys.map((k) => `test ${k}`), '']];
  const earlier = s.history ? `epochs 1-${s.history.epochsDone} ran before --resume` : undefined;
  for (const e of evals)
    rows.push([
      String(e.epoch),
      ...keys.map((k) => fmtNum(e.valid[k])),
      ...keys.map((k) => fmtNum(e.test[k])),
      e.improved ? '*' : '',
    ]);
  const lines = renderTable(
    rows,
    rows[0]!.map((_, i) => i < rows[0]!.length - 1),
  );
  return (
    <Box flexDirection="column" marginTop={1}>
      {s.sparkMetric && s.spark.length > 1 ? (
        <Text>
          <Text dimColor>valid {s.sparkMetric} </Text>
          <Text color="cyan">{sparkline(s.spark, 40)}</Text>
          <Text dimColor>
            {' '}
            {s.spark.length > 40 ? `last 40 of ${s.spark.length} evals` : `${s.spark.length} evals`}
          </Text>
        </Text>
      ) : null}
      {earlier ? <Text dimColor>{earlier}</Text> : null}
      {(evals.length ? lines : []).map((l, i) => (
        <Text key={i} dimColor={i === 0} color={i > 0 && evals[i - 1]!.improved ? 'green' : undefined}>
          {l}
        </Text>
      ))}
    </Box>
  );
}

function SeedsDone({ state: s, max }: { state: ViewState; max: number }) {
  if (!s.seedsDone.length || max <= 0) return null;
  const hidden = s.seedsDone.length - max;
  return (
    <Box flexDirection="column" marginTop={1}>
      {hidden > 0 ? (
        <Text dimColor>
          {hidden} earlier seed{hidden === 1 ? '' : 's'} done
        </Text>
      ) : null}
      {s.seedsDone.slice(-max).map((d) => {
        const keys = lineMetrics(d.valid);
        return (
          <Text key={d.seedIndex} wrap="truncate-end">
            <Text dimColor>seed {d.seed} done:</Text> best epoch {d.bestEpoch}/{d.epochs} · valid{' '}
            {fmtMetrics(d.valid, keys)} · test {fmtMetrics(d.test, keys)} · {fmtDuration(d.seconds)}
          </Text>
        );
      })}
    </Box>
  );
}

function Logs({ state: s, max }: { state: ViewState; max: number }) {
  if (!s.logs.length || max <= 0) return null;
  // Warnings outrank info lines when space is short.
  const shown =
    s.logs.filter((l) => l.level === 'warn').length >= max ? s.logs.filter((l) => l.level === 'warn') : s.logs;
  return (
    <Box flexDirection="column" marginTop={1}>
      {shown.slice(-max).map((l, i) => (
        <Text
          key={i}
          color={l.level === 'warn' ? 'yellow' : undefined}
          dimColor={l.level === 'info'}
          wrap="truncate-end"
        >
          {l.level === 'warn' ? '⚠ ' : '· '}
          {l.message}
          {l.count > 1 ? ` (×${l.count})` : ''}
        </Text>
      ))}
    </Box>
  );
}

function Summary({ state: s, result: r }: { state: ViewState; result: ResultEvent }) {
  const n = r.seeds.length;
  const perSeed = r.perSeed.map((d) => {
    const keys = lineMetrics(d.valid);
    return `seed ${d.seed}: best epoch ${d.bestEpoch}/${d.epochs}${d.stoppedEarly ? ' (early stop)' : ''} · valid ${fmtMetrics(d.valid, keys)} · test ${fmtMetrics(d.test, keys)} · ${fmtDuration(d.seconds)}`;
  });
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold color="cyan">
          anchorflow{' '}
        </Text>
        <Text bold>{r.pipeline}</Text> on <Text bold>{r.dataset}</Text> · backend <Text bold>{r.backend}</Text> ·{' '}
        <Text color="green">done</Text>, {n} seed{n === 1 ? '' : 's'} ({r.seeds.join(', ')})
      </Text>
      <Box flexDirection="column" marginTop={1}>
        {perSeed.map((l, i) => (
          <Text key={i} wrap="truncate-end">
            {l}
          </Text>
        ))}
      </Box>
      <Box flexDirection="column" marginTop={1}>
        <Text bold>
          {n > 1 ? `mean ± std over ${n} seeds, at each seed's best valid epoch` : 'at the best valid epoch'}
        </Text>
        {resultTable(r).map((l, i) => (
          <Text key={i} dimColor={i === 0}>
            {l}
          </Text>
        ))}
        <Text>{fmtBestEpochs(r.perSeed)}</Text>
        {r.runDir ? <Text dimColor>run dir {r.runDir}</Text> : null}
      </Box>
      {s.summary ? (
        <Box flexDirection="column" marginTop={1}>
          {summaryLines(s.summary).map((l, i) => (
            <Text key={i} bold={i === 0} color={l.startsWith('  ') ? 'cyan' : undefined} dimColor={l === 'next:'}>
              {l}
            </Text>
          ))}
        </Box>
      ) : null}
      {s.warnings ? (
        <Box flexDirection="column" marginTop={1}>
          <Text color="yellow">
            {s.warnings} warning{s.warnings === 1 ? '' : 's'} during the run{s.warnings > 1 ? ', the latest:' : ':'}
          </Text>
          {s.logs
            .filter((l) => l.level === 'warn')
            .map((l, i) => (
              <Text key={i} color="yellow" wrap="truncate-end">
                ⚠ {l.message}
                {l.count > 1 ? ` (×${l.count})` : ''}
              </Text>
            ))}
        </Box>
      ) : null}
    </Box>
  );
}
