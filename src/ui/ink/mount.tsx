/**
 * Mounts the live view on a terminal and tears it down cleanly. Events go into a ViewStore; Ink only renders
 * when the store publishes (at most ~10 times a second) and is itself capped at 10 frames a second.
 */
import { render } from 'ink';
import type { EngineEvent } from '../../engine/events.js';
import { RunView } from './RunView.js';
import { ViewStore } from './store.js';

export interface InkMount {
  /** `at`: when the event was emitted, if earlier than now (see ViewStore.dispatch). */
  sink: (e: EngineEvent, at?: number) => void;
  /** Resolves once the current state has been written to the terminal. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

const MAX_FPS = 10;

export function mountInk(opts: {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  intervalMs?: number;
}): InkMount {
  const store = new ViewStore(opts.intervalMs ?? 100);
  const instance = render(<RunView store={store} />, {
    stdout: opts.stdout,
    stderr: opts.stderr,
    maxFps: MAX_FPS,
    // Without raw-mode input Ctrl+C reaches the process as SIGINT, which the CLI owns; Ink's own Ctrl+C
    // handling would unmount the view and leave the run going with nothing on screen.
    exitOnCtrlC: false,
    // Stray console output (tfjs banners) is printed above the live view rather than through it.
    patchConsole: true,
  });
  // Elapsed time and "evaluating… 12s" keep moving while no events arrive.
  const ticker = setInterval(() => store.flush(true), 1000);
  ticker.unref();
  let closed = false;
  return {
    sink: store.dispatch,
    async settle() {
      if (closed) return;
      // rerender commits at once; Ink writes the frame now, or within one frame interval when it painted
      // recently, and that timer must get to run before the caller starts work that holds the event loop.
      store.flush(true);
      instance.rerender(<RunView store={store} />);
      await new Promise((r) => setTimeout(r, 1000 / MAX_FPS + 20));
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(ticker);
      // The last state (often the result) must be on screen before Ink writes its final frame. React applies a
      // store update on a later microtask; rerender commits synchronously in Ink's legacy root, so the frame
      // Ink writes on unmount is the final state.
      store.flush(true);
      instance.rerender(<RunView store={store} />);
      instance.unmount();
      await instance.waitUntilExit();
      store.dispose();
    },
  };
}
