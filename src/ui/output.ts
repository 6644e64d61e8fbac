/**
 * A write target that survives its reader going away. `anchorflow run ... | head -3` closes the pipe after three
 * lines; the next write fails with EPIPE, which Node reports as an 'error' event on the stream, and an 'error'
 * event nobody listens to kills the process with a stack trace. So we listen, stop writing, and say so.
 */
export interface SafeOutput {
  write(text: string): void;
  /** True once the stream failed (EPIPE, destroyed): later writes are dropped. */
  readonly closed: boolean;
}

export function safeOutput(stream: NodeJS.WritableStream, onClosed?: () => void): SafeOutput {
  let closed = false;
  const markClosed = () => {
    if (closed) return;
    closed = true;
    onClosed?.();
  };
  // Kept attached for the life of the stream: an EPIPE from the last write arrives on a later tick, possibly
  // after the reporter was closed, and must still find a listener. Any write error means we cannot report
  // anything on this stream, so every error is treated as "closed", not only EPIPE.
  stream.on('error', markClosed);
  return {
    write(text: string) {
      const s = stream as NodeJS.WritableStream & { destroyed?: boolean; writableEnded?: boolean };
      if (closed) return;
      if (s.destroyed || s.writableEnded) return markClosed();
      try {
        stream.write(text);
      } catch {
        // Some streams throw synchronously after being destroyed instead of emitting 'error'.
        markClosed();
      }
    },
    get closed() {
      return closed;
    },
  };
}
