/**
 * The live screen of `anchorflow check --watch`: one block per pipeline, green with its compiled summary or red
 * with the located error and the offending line, and a status line. Renders the state it is given, nothing else.
 */
import { Box, Text, render } from 'ink';
import { clock, summaryText, type CheckWatchState } from '../check-watch.js';

export function CheckWatchView({ state }: { state: CheckWatchState }) {
  const bad = state.files.filter((f) => !f.ok).length;
  return (
    <Box flexDirection="column">
      <Text bold>
        anchorflow check --watch{' '}
        <Text dimColor>
          round {state.round} at {clock(state.at)}
          {state.changed ? ` · changed ${state.changed}` : ''}
        </Text>
      </Text>
      {state.notice ? <Text color="yellow">{state.notice}</Text> : null}
      {state.files.map((f) =>
        f.ok && f.summary ? (
          <Box key={f.file} flexDirection="column">
            <Text>
              <Text color="green">✔ {f.file}</Text> {summaryText(f.summary).split(';')[0]}
            </Text>
            <Text dimColor>
              {'    '}outputs {f.summary.outputs.map((o) => `${o.name} ${o.type}`).join(', ')}
            </Text>
          </Box>
        ) : (
          <Box key={f.file} flexDirection="column">
            <Text color="red">✘ {f.error?.head ?? f.file}</Text>
            {(f.error?.detail ?? []).map((l, i) => (
              <Text key={i} dimColor={!/^\s+\d+ \|/.test(l) && !/^\s+\^$/.test(l)}>
                {l}
              </Text>
            ))}
          </Box>
        ),
      )}
      <Text>
        {bad ? (
          <Text color="red">
            {bad} of {state.files.length} failed
          </Text>
        ) : (
          <Text color="green">all {state.files.length} ok</Text>
        )}
        <Text dimColor>
          {' '}
          · watching {state.watching} file{state.watching === 1 ? '' : 's'} · Ctrl+C to stop
        </Text>
      </Text>
    </Box>
  );
}

export interface CheckWatchMount {
  update(state: CheckWatchState): void;
  close(): Promise<void>;
}

export function mountCheckWatch(stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream): CheckWatchMount {
  let last: CheckWatchState = { round: 0, at: Date.now(), files: [], watching: 0 };
  const instance = render(<CheckWatchView state={last} />, { stdout, stderr, exitOnCtrlC: false, patchConsole: false });
  return {
    update(state) {
      last = state;
      instance.rerender(<CheckWatchView state={state} />);
    },
    async close() {
      instance.rerender(<CheckWatchView state={last} />);
      instance.unmount();
      await instance.waitUntilExit();
    },
  };
}
