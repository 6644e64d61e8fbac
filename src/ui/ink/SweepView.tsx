/**
 * The live view of a whole sweep: a progress bar over points, counts, ETA, the best configuration so far (on
 * valid), the points running now with their epoch, and the last few finished points.
 */
import { Box, Text, render } from 'ink';
import { useSyncExternalStore } from 'react';
import { fmtDuration, fmtNum, progressBar } from '../format.js';
import { sweepPlainLines, type SweepViewEvent, type SweepViewStatus } from '../sweep.js';

interface State {
  status?: SweepViewStatus;
  recent: string[];
  end?: string[];
}

class Store {
  private state: State = { recent: [] };
  private listeners = new Set<() => void>();
  subscribe = (l: () => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  getSnapshot = () => this.state;
  dispatch = (e: SweepViewEvent) => {
    const recent = [...this.state.recent];
    if (e.type === 'point_done' || e.type === 'point_failed' || e.type === 'point_retry' || e.type === 'sweep_log') {
      const l = sweepPlainLines(e);
      recent.push(...(l.out ?? []).map((x) => x.replace(/ \| .*$/, '')), ...(l.err ?? []));
    }
    this.state = {
      status: e.status,
      recent: recent.slice(-6),
      end: e.type === 'sweep_end' ? sweepPlainLines(e).out : this.state.end,
    };
    this.listeners.forEach((l) => l());
  };
}

function SweepScreen({ store }: { store: Store }) {
  const s = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const st = s.status;
  if (!st) return <Text>planning sweep…</Text>;
  const frac = st.total ? st.done / st.total : 0;
  return (
    <Box flexDirection="column">
      <Text bold>
        sweep {st.name} <Text dimColor>{st.dir}</Text>
      </Text>
      <Text>
        {progressBar(frac, 30)} {st.done}/{st.total} done · <Text color="cyan">{st.running.length} running</Text> ·{' '}
        <Text color={st.failed ? 'red' : undefined}>{st.failed} failed</Text> · elapsed {fmtDuration(st.elapsedSeconds)}{' '}
        · ETA {st.etaSeconds === undefined ? '-' : fmtDuration(st.etaSeconds)}
      </Text>
      {st.best ? (
        <Text>
          best so far (valid {st.metric}): <Text color="green">{st.best.label}</Text> {fmtNum(st.best.valid)} (test{' '}
          {fmtNum(st.best.test)}, {st.best.seeds} seed
          {st.best.seeds === 1 ? '' : 's'})
        </Text>
      ) : null}
      {st.running.slice(0, 12).map((r) => (
        <Text key={r.id} dimColor>
          {'  '}▸ {r.label} seed {r.seed}{' '}
          {r.epoch !== undefined ? `epoch ${r.epoch}${r.maxEpochs ? `/${r.maxEpochs}` : ''}` : 'starting'}
        </Text>
      ))}
      {s.recent.map((l, i) => (
        <Text key={i}>{l}</Text>
      ))}
      {s.end?.map((l, i) => (
        <Text key={`e${i}`} bold={i < 2}>
          {l}
        </Text>
      ))}
    </Box>
  );
}

export function mountSweepInk(opts: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }) {
  const store = new Store();
  const instance = render(<SweepScreen store={store} />, {
    stdout: opts.stdout,
    stderr: opts.stderr,
    maxFps: 10,
    exitOnCtrlC: false,
    patchConsole: true,
  });
  return {
    sink: store.dispatch,
    async close() {
      instance.rerender(<SweepScreen store={store} />);
      instance.unmount();
      await instance.waitUntilExit();
    },
  };
}
